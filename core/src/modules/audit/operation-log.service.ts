import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import type { Logger } from 'pino';
import type { LocalizedText } from '../../kernel/contributions.js';
import type { ContributionRegistry } from '../../kernel/contribution-registry.js';
import { createServiceRef } from '../../kernel/extension-point.js';
import { decodeCursor, encodeCursor } from '../../server/cursor.js';
import { InputError } from '../../server/errors.js';
import type { Locale } from '../../server/messages.js';
import type { Principal } from '../../server/principal.js';
import { inertCell } from '../metadata/csv.js';
import type { TenantService } from '../tenancy/tenant.service.js';
import type { OperationLogPosition, OperationLogRepo } from './operation-log.repo.js';
import {
  detailProblem,
  objectIdProblem,
  OperationLogError,
  operationLogLimits,
  toOperationLogItem,
  type OperationEntry,
  type OperationLogFilter,
  type OperationLogItem,
} from './operation-log.types.js';

export interface OperationLogQuery extends OperationLogFilter {
  cursor?: string;
  limit: number;
}

export interface OperationLogPage {
  items: OperationLogItem[];
  nextCursor: string | null;
}

/** The declared object types and operations, with their labels, in declaration order. */
export interface OperationCatalogue {
  objectTypes: { objectType: string; label: LocalizedText }[];
  operations: { objectType: string; operation: string; label: LocalizedText }[];
}

export interface OperationLogExport {
  filename: string;
  /** True when more rows matched than one export holds (the newest `exportRows` are in it). */
  truncated: boolean;
  content: Readable;
}

const CURSOR_KIND = 'operationLog';
/** Rows read per query while an export streams. */
const EXPORT_CHUNK = 1000;

const exportHeader: Record<Locale, (timeZone: string) => string[]> = {
  'zh-CN': (timeZone) => [`时间（${timeZone}）`, '员工', '员工ID', '对象类型', '操作', '对象ID', '详情', 'IP地址'],
  'en-US': (timeZone) => [
    `Time (${timeZone})`,
    'Staff',
    'Staff ID',
    'Object type',
    'Operation',
    'Object ID',
    'Detail',
    'IP address',
  ],
};

/** `YYYY-MM-DD HH:mm:ss` in `timeZone`. */
function dateTimeFormat(timeZone: string): (epochMs: number) => string {
  const format = new Intl.DateTimeFormat('sv-SE', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  });
  return (epochMs) => format.format(epochMs);
}

/**
 * 操作日志 (seed §1.11.4.8): what staff did in the console. Only operations somebody declared can be
 * recorded; Open API callers (apps) are never recorded — the seed logs manual operations only. A row
 * is written in the caller's transaction when there is one (it commits or rolls back with the
 * operation); otherwise after the operation succeeded, and a failed write is logged, never turned
 * into an error of an operation that already happened (docs/decisions/0025-operation-log.md).
 */
export class OperationLogService {
  constructor(
    private readonly repo: OperationLogRepo,
    private readonly contributions: ContributionRegistry,
    private readonly tenants: TenantService,
    private readonly logger: Pick<Logger, 'error'>,
  ) {}

  /**
   * Records an operation of the caller. Nothing is recorded for an app (Open API) caller, but the
   * entry is checked all the same, so a mistake shows in every test that reaches the call.
   */
  async record(principal: Principal, entry: OperationEntry): Promise<void> {
    this.check(entry);
    if (principal.kind !== 'staff') return;
    await this.write(principal.tenantId, principal.staffId, entry);
  }

  /** Records an operation of a staff member who has no principal yet (a login). */
  async recordForStaff(tenantId: string, staffId: string, entry: OperationEntry): Promise<void> {
    this.check(entry);
    await this.write(tenantId, staffId, entry);
  }

  /** Throws OperationLogError for an undeclared operation or a value that is not an id, count, flag or code. */
  private check(entry: OperationEntry): void {
    const key = `${entry.objectType}.${entry.operation}`;
    if (!this.contributions.operationTypes.has(key)) {
      throw new OperationLogError(`operation "${key}" is not declared (declare it through auditExtensionPoint)`);
    }
    const idProblem = objectIdProblem(entry.objectId);
    if (idProblem) throw new OperationLogError(`operation "${key}": ${idProblem}`);
    if (entry.detail !== undefined) {
      const problem = detailProblem(entry.detail);
      if (problem) throw new OperationLogError(`operation "${key}": ${problem}`);
    }
  }

  private async write(tenantId: string, staffId: string, entry: OperationEntry): Promise<void> {
    const row = {
      staff_id: staffId,
      object_type: entry.objectType,
      operation: entry.operation,
      object_id: entry.objectId ?? null,
      detail: entry.detail && Object.keys(entry.detail).length > 0 ? JSON.stringify(entry.detail) : null,
      ip: entry.ip ? entry.ip.slice(0, 45) : null,
      at: Date.now(),
    };
    // In the caller's transaction the row belongs with the operation: a failure undoes both.
    if (this.repo.inTransaction()) {
      await this.repo.insert(tenantId, row);
      return;
    }
    try {
      await this.repo.insert(tenantId, row);
    } catch (error) {
      this.logger.error(
        { err: error, tenantId, staffId, objectType: entry.objectType, operation: entry.operation },
        'operation log: the row could not be written (the operation itself completed)',
      );
    }
  }

  /** The declared object types and operations (the console's filter lists them). */
  catalogue(): OperationCatalogue {
    return {
      objectTypes: [...this.contributions.operationObjectTypes.values()].map(({ definition }) => ({
        objectType: definition.objectType,
        label: definition.label,
      })),
      operations: [...this.contributions.operationTypes.values()].map(({ definition }) => ({
        objectType: definition.objectType,
        operation: definition.operation,
        label: definition.label,
      })),
    };
  }

  /** Refuses filters naming nothing declared, and a time range that ends before it starts. */
  private checkFilter(filter: OperationLogFilter): void {
    if (filter.objectType !== undefined && !this.contributions.operationObjectTypes.has(filter.objectType)) {
      throw new InputError('operation_type_unknown', { name: filter.objectType }, [
        { path: 'objectType', code: 'operation_type_unknown' },
      ]);
    }
    if (filter.operation !== undefined) {
      const known = [...this.contributions.operationTypes.values()].some(
        ({ definition }) =>
          definition.operation === filter.operation &&
          (filter.objectType === undefined || definition.objectType === filter.objectType),
      );
      if (!known)
        throw new InputError('operation_type_unknown', { name: filter.operation }, [
          { path: 'operation', code: 'operation_type_unknown' },
        ]);
    }
    if (filter.from !== undefined && filter.to !== undefined && filter.from > filter.to) {
      throw new InputError('operation_log_range_invalid', {}, [{ path: 'to', code: 'operation_log_range_invalid' }]);
    }
  }

  /** A page of the tenant's log, newest first; `nextCursor` continues it. */
  async list(tenantId: string, query: OperationLogQuery): Promise<OperationLogPage> {
    const { cursor, limit, ...filter } = query;
    this.checkFilter(filter);
    let position: OperationLogPosition | undefined;
    if (cursor) {
      const [at, id] = decodeCursor(CURSOR_KIND, cursor, ['number', 'string']);
      if (!/^[1-9][0-9]{0,18}$/.test(String(id))) {
        throw new InputError('cursor_invalid', {}, [{ path: 'cursor', code: 'cursor_invalid' }]);
      }
      position = { at: at as number, id: id as string };
    }
    const rows = await this.repo.page(tenantId, filter, position, limit + 1);
    const items = rows.slice(0, limit).map(toOperationLogItem);
    const last = items[items.length - 1];
    return {
      items,
      nextCursor: rows.length > limit && last ? encodeCursor(CURSOR_KIND, [last.at, last.id]) : null,
    };
  }

  /**
   * The matching rows as CSV (UTF-8 with a BOM, so Excel and WPS read Chinese), newest first, at
   * most `operationLogLimits.exportRows` of them; staff named as they are called now, times in the
   * tenant's zone, labels in `locale`. Rows are read a chunk at a time while the file streams.
   */
  async exportCsv(tenantId: string, filter: OperationLogFilter, locale: Locale): Promise<OperationLogExport> {
    this.checkFilter(filter);
    const cap = operationLogLimits.exportRows;
    const { timeZone } = await this.tenants.get(tenantId);
    const [names, truncated] = await Promise.all([
      this.contributions.staffDirectory?.definition.names(tenantId) ?? Promise.resolve(new Map<string, string>()),
      this.repo.moreThan(tenantId, filter, cap),
    ]);
    const formatTime = dateTimeFormat(timeZone);
    const objectLabel = (objectType: string) =>
      this.contributions.operationObjectTypes.get(objectType)?.definition.label[locale] ?? objectType;
    const operationLabel = (objectType: string, operation: string) =>
      this.contributions.operationTypes.get(`${objectType}.${operation}`)?.definition.label[locale] ?? operation;
    const line = (cells: readonly string[]) => stringify([cells.map(inertCell)], { record_delimiter: '\r\n' });
    const repo = this.repo;

    async function* lines(): AsyncGenerator<string> {
      yield `\uFEFF${line(exportHeader[locale](timeZone))}`;
      let position: OperationLogPosition | undefined;
      let written = 0;
      while (written < cap) {
        const size = Math.min(EXPORT_CHUNK, cap - written);
        const rows = await repo.page(tenantId, filter, position, size);
        if (rows.length === 0) return;
        const items = rows.map(toOperationLogItem);
        yield items
          .map((item) =>
            line([
              formatTime(item.at),
              names.get(item.staffId) ?? '',
              item.staffId,
              objectLabel(item.objectType),
              operationLabel(item.objectType, item.operation),
              item.objectId ?? '',
              item.detail ? JSON.stringify(item.detail) : '',
              item.ip ?? '',
            ]),
          )
          .join('');
        written += items.length;
        const last = items[items.length - 1]!;
        position = { at: last.at, id: last.id };
        if (rows.length < size) return;
      }
    }

    const stamp = formatTime(Date.now()).replace(/[-: ]/g, '').slice(0, 12);
    return {
      filename: `operation-log-${stamp}.csv`,
      truncated,
      // Bytes, not objects: hapi streams only byte streams.
      content: Readable.from(lines(), { objectMode: false }),
    };
  }
}

export const operationLogServiceRef = createServiceRef<OperationLogService>({ id: 'audit.operationLog' });
