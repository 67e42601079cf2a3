import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import type { Logger } from 'pino';
import type { TaskQueue } from '../../jobs/task-queue.js';
import type { Task, TaskContext, TaskResult } from '../../jobs/task.types.js';
import { createServiceRef } from '../../kernel/extension-point.js';
import { ConflictError, DomainError, InputError, isDomainError, NotFoundError, type ErrorDetail } from '../../server/errors.js';
import type { Principal } from '../../server/principal.js';
import type { AnalyticsEngine } from '../../store/olap/analytics-engine.js';
import type { SqlDialect } from '../../store/olap/dialect.js';
import { contactSystemFields, propertyColumn } from '../../store/olap/physical-schema.js';
import type { ChannelsService } from '../channels/channels.service.js';
import type { ConditionNode, ConditionTree } from '../conditions/condition.types.js';
import type { ConditionsService } from '../conditions/conditions.service.js';
import type { ContactReadsService } from '../contacts/contacts.reads.js';
import {
  contactTraitFields,
  EXTERNAL_ID,
  WECHAT_CHANNEL_TYPE,
  WECHAT_OPEN_ID,
  WECHAT_UNION_ID,
} from '../contacts/contacts.types.js';
import { EXPORT_TTL_MS, type FilesService } from '../files/files.service.js';
import { ContactMasker, type MaskingService } from '../masking/masking.service.js';
import { maskKeyOfProperty, UNMASKED_PERMISSION } from '../masking/masking.types.js';
import type { MetadataService } from '../metadata/metadata.service.js';
import type { ContactFieldType } from '../metadata/metadata.types.js';
import type { ContactExportsRepo } from './contact-exports.repo.js';
import {
  channelColumnKey,
  CONTACT_ID_KEY,
  defaultExportLimits,
  EXPORT_MARKER,
  EXPORT_SHEET,
  KEYS_SHEET,
  readOnlyFields,
  systemExportFields,
  timeFieldKeys,
  toContactExport,
  type ContactExport,
  type ContactExportLimits,
  type ContactExportPayload,
  type ContactExportRequest,
  type ExportColumn,
} from './contact-exports.types.js';

export const CONTACT_EXPORT_TASK = 'contact-exports.export';
export const CONTACT_EXPORT_PERMISSION = 'contacts.export';
export const XLSX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const CUSTOM_CHANNEL_TYPE = 'custom';

export const contactExportsServiceRef = createServiceRef<ContactExportsService>({ id: 'contact-exports.service' });

/** A field an operator may tick in the export dialog, with whether it would be left out for them. */
export interface ExportableField {
  key: string;
  label: string;
  group: 'system' | 'custom' | 'readOnly';
  /** Masked for this caller: it is not exported (seed §1.11.4.7.5 c). */
  masked: boolean;
}

/** The export dialog's choices: fields, official accounts and custom channels, and the limit. */
export interface ExportOptions {
  fields: ExportableField[];
  wechatChannels: { id: string; name: string }[];
  customChannels: { id: string; name: string }[];
  maxRows: number;
}

export interface StartedExport {
  exportId: string;
  taskId: string;
  /** Identified contacts the filter matches now (what the file will hold, give or take new arrivals). */
  count: number;
  /** Masked fields asked for but left out. */
  excludedFields: string[];
}

/** A column to read: the OLAP expression (or none: written blank) and how its value is shaped. */
interface ReadColumn {
  key: string;
  expression: string | null;
  kind: 'text' | 'number' | 'time' | 'channel';
  /** For channel columns: the channel and the id type. */
  channel?: { channelId: string; idType: string };
}

const SYSTEM_KEYS: ReadonlySet<string> = new Set(contactTraitFields.map((f) => f.key));
const READ_ONLY_KEYS: ReadonlySet<string> = new Set(readOnlyFields.map((f) => f.key));
const CUSTOM_KEY = /^attr([1-9][0-9]{0,8})$/;
const NUMERIC_TYPES: ReadonlySet<ContactFieldType> = new Set(['integer', 'decimal']);

/** Refuses (400 `contact_filter_invalid`) a filter with a contact-property leaf on a field masked for the caller. */
function checkMaskedLeaves(tree: ConditionTree, masker: ContactMasker): void {
  const problems: ErrorDetail[] = [];
  const visit = (node: ConditionNode, path: string) => {
    if (node.type === 'and' || node.type === 'or') {
      if (Array.isArray(node.conditions))
        node.conditions.forEach((child, index) => visit(child, `${path}${path ? '.' : ''}conditions.${index}`));
      return;
    }
    if (node.type === 'property' && typeof node.property === 'string' && masker.isMasked(maskKeyOfProperty(node.property)))
      problems.push({ path: `filter.${path}${path ? '.' : ''}property`, code: 'contact_filter_field_masked' });
  };
  visit(tree, '');
  if (problems.length) throw new InputError('contact_filter_invalid', { count: problems.length }, problems);
}

/** The OLAP column of a system field key (`state` → `province`, `homePhone` → `home_phone`). */
function systemColumn(key: string): string {
  const olap = contactTraitFields.find((f) => f.key === key)!.olap;
  return contactSystemFields.find((f) => f.field === olap)!.column;
}

/**
 * 用户导出 (seed §1.4.4, §1.4.5, §1.4.12.2 ③; ADR 0034): identified contacts only, at most
 * `limits.maxRows` per export, the chosen system, custom and read-only fields, optionally the
 * OpenID/UnionID of one official account and the external_id of one custom channel; masked fields
 * are never exported for a caller who does not see them in clear text. A task writes the xlsx
 * (streamed) into the files store, kept 3 days; the 导出任务列表 lists the tenant's exports.
 */
export class ContactExportsService {
  /** Injectable for tests (a lowered maxRows); the seed's 10万 by default. */
  limits: ContactExportLimits;

  constructor(
    private readonly repo: ContactExportsRepo,
    private readonly deps: {
      olap: AnalyticsEngine;
      conditions: ConditionsService;
      masking: MaskingService;
      metadata: MetadataService;
      channels: ChannelsService;
      reads: ContactReadsService;
      files: FilesService;
      queue: TaskQueue;
      logger: Logger;
    },
    limits: Partial<ContactExportLimits> = {},
  ) {
    this.limits = { ...defaultExportLimits, ...limits };
  }

  // ---- the dialog -------------------------------------------------------------------------------

  async options(principal: Principal): Promise<ExportOptions> {
    const { tenantId } = principal;
    const [custom, masker, wechat, customChannels] = await Promise.all([
      this.deps.metadata.contactFields(tenantId),
      this.deps.masking.forPrincipal(principal),
      this.channelsOf(tenantId, WECHAT_CHANNEL_TYPE),
      this.channelsOf(tenantId, CUSTOM_CHANNEL_TYPE),
    ]);
    const fields: ExportableField[] = [
      ...systemExportFields.map((f) => ({
        key: f.key,
        label: f.label,
        group: 'system' as const,
        masked: masker.isMasked(f.key),
      })),
      ...custom.map((f) => ({ key: f.key, label: f.name, group: 'custom' as const, masked: masker.isMasked(f.key) })),
      ...readOnlyFields.map((f) => ({ key: f.key, label: f.label, group: 'readOnly' as const, masked: false })),
    ];
    return { fields, wechatChannels: wechat, customChannels, maxRows: this.limits.maxRows };
  }

  private async channelsOf(tenantId: string, type: string): Promise<{ id: string; name: string }[]> {
    const out: { id: string; name: string }[] = [];
    for (let page = 1; ; page += 1) {
      const result = await this.deps.channels.list(tenantId, { type, page, pageSize: 100 });
      out.push(...result.items.map((c) => ({ id: c.id, name: c.name })));
      if (result.items.length < 100) return out;
    }
  }

  // ---- starting ---------------------------------------------------------------------------------

  /**
   * Checks the request, counts the identified contacts it matches (more than the limit: 400
   * `contact_export_too_many`), and enqueues the task that writes the file.
   */
  async start(principal: Principal, input: ContactExportRequest): Promise<StartedExport> {
    const { tenantId } = principal;
    const staffId = principal.kind === 'staff' ? principal.staffId : null;
    const custom = await this.deps.metadata.contactFields(tenantId);
    const customByKey = new Map(custom.map((f) => [f.key, f]));

    const asked = [...new Set(input.fields)];
    const problems: ErrorDetail[] = [];
    asked.forEach((key, index) => {
      if (!SYSTEM_KEYS.has(key) && !READ_ONLY_KEYS.has(key) && !customByKey.has(key))
        problems.push({ path: `fields.${index}`, code: 'contact_export_field_unknown' });
    });
    const firstProblem = problems[0];
    if (firstProblem)
      throw new InputError('contact_export_field_unknown', { name: asked[Number(firstProblem.path.split('.')[1])] }, problems);

    // 导出联系人：加密的字段不支持导出 — left out for a caller who sees them masked.
    const masker = await this.deps.masking.forPrincipal(principal);
    const kept = masker.exportColumns(asked);
    const excludedFields = asked.filter((key) => !kept.includes(key));

    // A filter on a field masked for the caller would reveal it through the count (as in the list).
    if (input.filter) checkMaskedLeaves(input.filter, masker);

    const wechat = input.wechatChannelId ? await this.channel(tenantId, input.wechatChannelId, WECHAT_CHANNEL_TYPE) : null;
    const customChannel = input.customChannelId ? await this.channel(tenantId, input.customChannelId, CUSTOM_CHANNEL_TYPE) : null;

    const filter = input.filter ?? null;
    const count = await this.count(tenantId, filter);
    if (count > this.limits.maxRows)
      throw new InputError('contact_export_too_many', { count, limit: this.limits.maxRows }, [
        { path: 'filter', code: 'contact_export_too_many' },
      ]);

    const labelOf = (key: string): string =>
      systemExportFields.find((f) => f.key === key)?.label ??
      readOnlyFields.find((f) => f.key === key)?.label ??
      customByKey.get(key)?.name ??
      key;
    const columns: ExportColumn[] = [
      { key: CONTACT_ID_KEY, label: '用户ID' },
      ...kept.map((key) => ({ key, label: labelOf(key) })),
    ];
    if (wechat)
      columns.push(
        { key: channelColumnKey(WECHAT_OPEN_ID, wechat.id), label: `OpenID（${wechat.name}）` },
        { key: channelColumnKey(WECHAT_UNION_ID, wechat.id), label: `UnionID（${wechat.name}）` },
      );
    if (customChannel)
      columns.push({ key: channelColumnKey(EXTERNAL_ID, customChannel.id), label: `external_id（${customChannel.name}）` });

    const payload: Omit<ContactExportPayload, 'exportId'> = {
      columns,
      filter,
      wechatChannelId: wechat?.id ?? null,
      customChannelId: customChannel?.id ?? null,
      isClear: masker.isClear,
    };
    const now = Date.now();
    const { exportId, taskId } = await this.repo.transaction(async () => {
      const task = (await this.deps.queue.enqueue(tenantId, CONTACT_EXPORT_TASK, payload, { createdBy: staffId }))!;
      const id = await this.repo.insert(tenantId, {
        task_id: task.id,
        created_by: staffId,
        status: 'queued',
        columns: JSON.stringify(columns),
        excluded_fields: JSON.stringify(excludedFields),
        filter: filter ? JSON.stringify(filter) : null,
        wechat_channel_id: wechat?.id ?? null,
        custom_channel_id: customChannel?.id ?? null,
        row_count: null,
        file_id: null,
        error_code: null,
        expires_at: null,
        finished_at: null,
        created_at: now,
      });
      return { exportId: id, taskId: task.id };
    });
    return { exportId, taskId, count, excludedFields };
  }

  private async channel(tenantId: string, channelId: string, type: string): Promise<{ id: string; name: string }> {
    const channel = await this.deps.channels.get(tenantId, channelId);
    if (channel.type !== type)
      throw new InputError('contact_export_channel_invalid', { type }, [
        { path: type === WECHAT_CHANNEL_TYPE ? 'wechatChannelId' : 'customChannelId', code: 'contact_export_channel_invalid' },
      ]);
    return { id: channel.id, name: channel.name };
  }

  /** The SQL of the identified contacts a filter matches (all identified ones without a filter). */
  private async matching(
    tenantId: string,
    filter: ConditionTree | null,
    select: string,
    tail = '',
  ): Promise<{ sql: string; params: (string | number | bigint | boolean | null)[] }> {
    return exportMatchingStatement(
      select,
      filter ? await this.deps.conditions.compileContactIds(tenantId, filter) : undefined,
      tail,
    );
  }

  /** Identified contacts the filter matches now (a tenant without analytics data has none). */
  async count(tenantId: string, filter: ConditionTree | null): Promise<number> {
    // Validates the tree first (400 condition_invalid), even for a tenant without data yet.
    const query = await this.matching(tenantId, filter, 'count(*) AS n');
    const analytics = this.deps.olap.forTenant(tenantId);
    if (!(await analytics.schema())) return 0;
    const result = await analytics.query<{ n: bigint | number }>(query.sql, { params: query.params });
    return Number(result.rows[0]?.n ?? 0);
  }

  // ---- the task ---------------------------------------------------------------------------------

  /** The export task: reads the contacts in chunks and streams them into an xlsx, then stores it. */
  async run({ task, signal, progress, logger }: TaskContext): Promise<TaskResult> {
    const tenantId = task.tenantId;
    const row = await this.repo.byTask(tenantId, task.id);
    if (!row) throw new DomainError('contact_export_not_found', 404);
    const exportId = String(row.id);
    const payload = task.payload as unknown as Omit<ContactExportPayload, 'exportId'>;
    await this.repo.update(tenantId, exportId, { status: 'running' });

    // Masks as they are now: a field masked since the request is left out too.
    const masker = new ContactMasker(await this.deps.masking.maskedFields(tenantId), payload.isClear);
    const columns = payload.columns.filter((c) => c.key === CONTACT_ID_KEY || c.key.includes('@') || !masker.isMasked(c.key));
    const lateExcluded = payload.columns.filter((c) => !columns.includes(c)).map((c) => c.key);
    if (lateExcluded.length)
      await this.repo.update(tenantId, exportId, {
        excluded_fields: JSON.stringify([...(JSON.parse(row.excluded_fields) as string[]), ...lateExcluded]),
      });

    const started = Date.now();
    const ids = await this.ids(tenantId, payload.filter);
    if (ids.length > this.limits.maxRows)
      throw new DomainError('contact_export_too_many', 400, { count: ids.length, limit: this.limits.maxRows });

    const temp = path.join(this.deps.files.incomingDir(), `export-${randomBytes(12).toString('hex')}.xlsx`);
    try {
      await this.write(tenantId, temp, columns, ids, { signal, progress });
      const file = await this.deps.files.adopt(tenantId, {
        name: `用户导出-${exportId}.xlsx`,
        contentType: XLSX_CONTENT_TYPE,
        path: temp,
        ttlMs: EXPORT_TTL_MS,
        taskId: task.id,
        createdBy: task.createdBy,
        // A file holding fields masked for normal staff (written for a caller who sees them in clear
        // text) is downloadable only by staff who see them in clear text too.
        permission: columns.some((c) => masker.maskedFields.has(c.key))
          ? `${CONTACT_EXPORT_PERMISSION} ${UNMASKED_PERMISSION}`
          : CONTACT_EXPORT_PERMISSION,
      });
      await this.repo.update(tenantId, exportId, {
        status: 'succeeded',
        row_count: ids.length,
        file_id: file.id,
        expires_at: file.expiresAt,
        finished_at: Date.now(),
      });
      logger.info({ exportId, rows: ids.length, ms: Date.now() - started }, 'contact export written');
      return { counts: { exported: ids.length }, fileIds: [file.id], data: { exportId } };
    } finally {
      rmSync(temp, { force: true });
    }
  }

  /** The ids of the identified contacts to export, ascending; one more than the limit tells "too many". */
  private async ids(tenantId: string, filter: ConditionTree | null): Promise<string[]> {
    const analytics = this.deps.olap.forTenant(tenantId);
    if (!(await analytics.schema())) return [];
    const query = await this.matching(tenantId, filter, 'x.id AS id', ` ORDER BY x.id LIMIT ${this.limits.maxRows + 1}`);
    const result = await analytics.query<{ id: string }>(query.sql, { params: query.params, rowMode: 'json' });
    return result.rows.map((r) => String(r.id));
  }

  /** What to read for each column, from the tenant's declaration (a custom field not declared yet is blank). */
  private async readColumns(tenantId: string, columns: readonly ExportColumn[]): Promise<ReadColumn[]> {
    const record = await this.deps.olap.forTenant(tenantId).schema();
    const d = this.deps.olap.dialect;
    const q = (name: string) => d.quoteIdentifier(name);
    const timeZone = record?.declaration.timeZone ?? 'Asia/Shanghai';
    const declared = new Set(record?.declaration.contactAttributes.map((a) => a.id) ?? []);
    const types = new Map((await this.deps.metadata.contactFields(tenantId)).map((f) => [f.key, f.type]));
    return columns.map((column): ReadColumn => {
      const { key } = column;
      if (key === CONTACT_ID_KEY) return { key, expression: 'c.id', kind: 'text' };
      const at = key.indexOf('@');
      if (at > 0)
        return { key, expression: null, kind: 'channel', channel: { idType: key.slice(0, at), channelId: key.slice(at + 1) } };
      if (SYSTEM_KEYS.has(key)) return { key, expression: `c.${q(systemColumn(key))}`, kind: 'text' };
      const readOnly = readOnlyFields.find((f) => f.key === key);
      if (readOnly)
        return timeFieldKeys.has(key)
          ? { key, expression: d.localTimestamp(`c.${q(readOnly.column)}`, timeZone), kind: 'time' }
          : { key, expression: `c.${q(readOnly.column)}`, kind: 'text' };
      const seq = CUSTOM_KEY.exec(key)?.[1];
      const type = types.get(key);
      if (!seq || !declared.has(seq)) return { key, expression: null, kind: 'text' };
      return { key, expression: `c.${q(propertyColumn(seq))}`, kind: type && NUMERIC_TYPES.has(type) ? 'number' : 'text' };
    });
  }

  /** Streams the workbook: `用户` (labels, then a row per contact) and the veryHidden `_huiliu` keys sheet. */
  private async write(
    tenantId: string,
    file: string,
    columns: readonly ExportColumn[],
    ids: readonly string[],
    { signal, progress }: Pick<TaskContext, 'signal' | 'progress'>,
  ): Promise<void> {
    const read = await this.readColumns(tenantId, columns);
    const analytics = this.deps.olap.forTenant(tenantId);
    const d = this.deps.olap.dialect;
    const selected = read.flatMap((c, i) => (c.expression ? [`${c.expression} AS ${d.quoteIdentifier(`c${i}`)}`] : []));
    const channelReads = new Map<string, string[]>();
    for (const c of read)
      if (c.channel) channelReads.set(c.channel.channelId, [...(channelReads.get(c.channel.channelId) ?? []), c.channel.idType]);

    const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useStyles: false, useSharedStrings: false });
    const sheet = workbook.addWorksheet(EXPORT_SHEET);
    sheet.columns = columns.map((c) => ({ width: Math.min(40, Math.max(12, c.label.length * 2 + 2)) }));
    sheet.addRow(columns.map((c) => c.label)).commit();

    for (let offset = 0; offset < ids.length; offset += this.limits.chunkSize) {
      if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('cancelled');
      const chunk = ids.slice(offset, offset + this.limits.chunkSize);
      const result = await analytics.query<Record<string, unknown>>(exportChunkSql(d, selected), {
        params: [`[${chunk.join(',')}]`],
        rowMode: 'json',
      });
      const byChannel = new Map<string, Map<string, Map<string, string[]>>>();
      for (const [channelId, idTypes] of channelReads)
        byChannel.set(channelId, await this.deps.reads.channelUserIds(tenantId, chunk, channelId, idTypes));
      for (const contact of result.rows) {
        const id = String(contact.id);
        const values = read.map((c, i) => {
          if (c.channel) return byChannel.get(c.channel.channelId)?.get(id)?.get(c.channel.idType)?.join(',') ?? null;
          const value = contact[`c${i}`];
          if (value === null || value === undefined) return null;
          if (c.kind === 'time') return String(value).slice(0, 19);
          if (c.kind === 'number') {
            const n = Number(value);
            return Number.isFinite(n) && (Number.isSafeInteger(n) || !Number.isInteger(n)) ? n : String(value);
          }
          return typeof value === 'string' ? value : String(value);
        });
        sheet.addRow(values).commit();
      }
      await progress(Math.min(95, Math.floor(((offset + chunk.length) / ids.length) * 95)));
    }
    sheet.commit();

    const keys = workbook.addWorksheet(KEYS_SHEET, { state: 'veryHidden' });
    keys.addRow([EXPORT_MARKER]).commit();
    for (const column of columns) keys.addRow([column.key]).commit();
    keys.commit();
    await workbook.commit();
  }

  /** The task ended for good: the export row takes its end (a failure's code, a cancellation). */
  async finished(task: Task): Promise<void> {
    if (task.kind !== CONTACT_EXPORT_TASK) return;
    const row = await this.repo.byTask(task.tenantId, task.id);
    if (!row || row.status === 'succeeded' || task.status === 'succeeded') return;
    if (task.status !== 'failed' && task.status !== 'cancelled') return;
    await this.repo.update(task.tenantId, String(row.id), {
      status: task.status,
      error_code: task.status === 'failed' ? (task.error?.code ?? 'task_failed').slice(0, 100) : null,
      finished_at: task.finishedAt ?? Date.now(),
    });
  }

  // ---- the 导出任务列表 --------------------------------------------------------------------------

  async list(tenantId: string, query: { page: number; pageSize: number }) {
    const { rows, total } = await this.repo.page(tenantId, query);
    const now = Date.now();
    return { items: rows.map((row) => toContactExport(row, now)), total, page: query.page, pageSize: query.pageSize };
  }

  async get(tenantId: string, exportId: string): Promise<ContactExport> {
    const row = await this.repo.find(tenantId, exportId);
    if (!row) throw new NotFoundError('contact_export_not_found');
    return toContactExport(row);
  }

  /**
   * The export's file for download: 409 `contact_export_not_ready` before it is written (or after
   * a failure), 410 `contact_export_expired` once its 3 days are over (the file is deleted by the
   * files module's hourly cleanup).
   */
  async download(principal: Principal, exportId: string): Promise<{ name: string; contentType: string; path: string }> {
    const item = await this.get(principal.tenantId, exportId);
    if (item.status !== 'succeeded' || !item.fileId) throw new ConflictError('contact_export_not_ready');
    if (item.expired) throw new DomainError('contact_export_expired', 410);
    try {
      const { file, path: full } = await this.deps.files.open(principal.tenantId, item.fileId, principal);
      return { name: file.name, contentType: file.contentType, path: full };
    } catch (error) {
      if (isDomainError(error) && (error.code === 'file_expired' || error.code === 'file_not_found'))
        throw new DomainError('contact_export_expired', 410);
      throw error;
    }
  }
}

/**
 * The identified contacts a compiled filter matches (every identified one without a filter), with
 * `select` over `contacts AS x` and a `tail` (ORDER BY / LIMIT).
 */
export function exportMatchingStatement(
  select: string,
  compiled: { sql: string; params: readonly unknown[] } | undefined,
  tail = '',
): { sql: string; params: (string | number | bigint | boolean | null)[] } {
  if (!compiled) return { sql: `SELECT ${select} FROM contacts AS x WHERE x.identified${tail}`, params: [] };
  return {
    sql: `SELECT ${select} FROM contacts AS x WHERE x.identified AND x.id IN (${compiled.sql})${tail}`,
    params: compiled.params as (string | number | bigint | boolean | null)[],
  };
}

/** One chunk of the export: the `selected` columns of the contacts whose ids are bound as one list. */
export function exportChunkSql(d: SqlDialect, selected: readonly string[]): string {
  return `SELECT c.id AS id, ${selected.join(', ')} FROM contacts AS c WHERE ${d.inBigintList('c.id')} ORDER BY c.id`;
}
