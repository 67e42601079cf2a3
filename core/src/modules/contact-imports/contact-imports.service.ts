import { readFileSync, rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { createServiceRef } from '../../kernel/extension-point.js';
import type { WorkerPool } from '../../jobs/pool.js';
import type { TaskMutex } from '../../jobs/task-mutex.js';
import type { TaskQueue } from '../../jobs/task-queue.js';
import { RetryableTaskError, type TaskContext, type TaskResult } from '../../jobs/task.types.js';
import { ConflictError, DomainError, InputError, NotFoundError } from '../../server/errors.js';
import { isDeadlock } from '../../store/oltp/oltp-store.js';
import { formatMessage, type ErrorCode, type Locale } from '../../server/messages.js';
import type { Principal } from '../../server/principal.js';
import type { OperationLogService } from '../audit/operation-log.service.js';
import { contactTraitFields, type ContactColumn, type ContactPatch } from '../contacts/contacts.types.js';
import { NonConsecutiveIdsError, type ContactsService } from '../contacts/contacts.service.js';
import type { FilesService } from '../files/files.service.js';
import { EXPORT_TTL_MS } from '../files/files.service.js';
import { ContactMasker, type MaskingService } from '../masking/masking.service.js';
import { MASKED_VALUE, systemFieldNames, UNMASKED_PERMISSION } from '../masking/masking.types.js';
import type { MetadataService } from '../metadata/metadata.service.js';
import type { ContactImportRow, ContactImportsRepo } from './contact-imports.repo.js';
import {
  BATCH_EDIT_TASK,
  contactImportLimits,
  EXPORT_MARKER,
  IMPORT_MUTEX,
  IMPORT_TASK,
  TEMPLATE_MARKER,
  type FailureRow,
  type ImportKind,
  type ImportStatus,
  type ParsedRow,
  type ParsedSheet,
  type SheetField,
  type StaticGroupSink,
} from './contact-imports.types.js';
import { writeContactSheet } from './contact-sheet.js';

export const contactImportsServiceRef = createServiceRef<ContactImportsService>({ id: 'contactImports.service' });

/** An import or batch edit as the console sees it. */
export interface ContactImport {
  id: string;
  kind: ImportKind;
  taskId: string;
  fileName: string;
  status: ImportStatus;
  /** The task's progress 0–100 while it runs. */
  progress: number;
  totalRows: number | null;
  successCount: number | null;
  failureCount: number | null;
  failureFileId: string | null;
  errorCode: string | null;
  createdBy: string | null;
  createdAt: number;
  finishedAt: number | null;
}

/** An upload hapi wrote to a temporary file. */
export interface UploadedXlsx {
  path: string;
  bytes: number;
  filename?: string;
}

interface TaskPayload {
  importId: string;
  locale: Locale;
  /** The uploader's masks (batch edit: a masked column's blank or *** cell keeps the stored value). */
  masker: { maskedFields: string[]; isClear: boolean };
  groupId?: string;
}

/** A whole file refused by the task (not the template, too many rows…): the task fails with its code. */
export class ImportRefusedError extends DomainError {
  constructor(code: ErrorCode, params: Record<string, unknown> = {}) {
    super(code, 400, params);
  }
}

/** Test hooks: where a crash is simulated (docs/decisions/0033, core/test/contact-imports). */
export interface ImportFaults {
  /** Called inside the write transaction after the contacts were written, before the commit marker. */
  beforeCommit?(importId: string): void | Promise<void>;
  /** Called after the commit, before the task reports its result. */
  afterCommit?(importId: string): void | Promise<void>;
}

const toImport = (row: ContactImportRow, progress: number, finishedAt: number | null): ContactImport => ({
  id: String(row.id),
  kind: row.kind,
  taskId: String(row.task_id),
  fileName: row.file_name,
  status: row.status,
  progress,
  totalRows: row.total_rows === null ? null : Number(row.total_rows),
  successCount: row.success_count === null ? null : Number(row.success_count),
  failureCount: row.failure_count === null ? null : Number(row.failure_count),
  failureFileId: row.failure_file_id === null ? null : String(row.failure_file_id),
  errorCode: row.error_code,
  createdBy: row.created_by === null ? null : String(row.created_by),
  createdAt: Number(row.created_at),
  finishedAt,
});

const columnOf = new Map<string, ContactColumn>(contactTraitFields.map((field) => [field.key, field.column]));
const maxOf = new Map<string, number>(contactTraitFields.map((field) => [field.key, field.max]));

/**
 * The permissions a download of an import's stored files (the upload, the failure file) needs: the
 * kind's own, and 联系人不脱敏 when the uploader saw the tenant's masked fields in clear text (the
 * file may hold them). Without it any signed-in staff member could fetch them by id.
 */
const filePermission = (kind: ImportKind, masker: { maskedFields: string[]; isClear: boolean }): string =>
  [
    kind === 'import' ? 'contacts.import' : 'contacts.edit',
    ...(masker.isClear && masker.maskedFields.length > 0 ? [UNMASKED_PERMISSION] : []),
  ].join(' ');

/** A zip archive (xlsx) starts with a local file header. */
const isZip = (bytes: Buffer) => bytes.length > 4 && bytes.readUInt32LE(0) === 0x04034b50;

/**
 * 用户导入 (§1.4.3, §1.4.9) and 批量编辑用户 (§1.4.6), ADR 0033. An upload becomes a
 * `contact_import` row and a task; one at a time per tenant (the task mutex). The task reads the
 * file in the piscina pool, writes the good rows through the contacts service and the row's commit
 * marker in ONE transaction (nothing half-imported after a crash; a re-run after the commit writes
 * nothing again), stores the failure file and reports counts for the notification center.
 */
export class ContactImportsService {
  /** Test hooks (crash simulation); never set in production. */
  faults: ImportFaults = {};
  private groupSink: StaticGroupSink | undefined;
  /** Set once a multi-row insert returned interleaved ids (MariaDB lock mode 2): insert one by one. */
  private oneByOne = false;

  constructor(
    private readonly repo: ContactImportsRepo,
    private readonly contacts: ContactsService,
    private readonly metadata: MetadataService,
    private readonly masking: MaskingService,
    private readonly files: FilesService,
    private readonly queue: TaskQueue,
    private readonly mutex: TaskMutex,
    private readonly pool: WorkerPool,
    private readonly log: OperationLogService,
    private readonly logger: Logger,
  ) {}

  /**
   * The groups module's hook (§1.4.6: 可选择将这批用户加入到静态标签组): until it registers, a batch
   * edit naming a group is refused with `contact_batch_edit_group_unavailable`.
   */
  setStaticGroupSink(sink: StaticGroupSink): void {
    this.groupSink = sink;
  }

  get staticGroupsAvailable(): boolean {
    return this.groupSink !== undefined;
  }

  // ---- the columns ----------------------------------------------------------------------------------

  /** The template's columns: every system field (identify's order) then the tenant's custom fields. */
  async templateFields(tenantId: string): Promise<SheetField[]> {
    const system: SheetField[] = contactTraitFields.map((field) => ({
      key: field.key,
      label: systemFieldNames[field.key]['zh-CN'],
      aliases: [systemFieldNames[field.key]['en-US']],
      kind:
        field.key === 'name'
          ? 'name'
          : field.key === 'mobilePhone'
            ? 'mobile'
            : field.key === 'homePhone'
              ? 'homePhone'
              : field.key === 'email'
                ? 'email'
                : field.key === 'gender'
                  ? 'gender'
                  : field.key === 'birthday'
                    ? 'date'
                    : 'text',
      max: field.max,
    }));
    const custom: SheetField[] = (await this.metadata.contactFields(tenantId)).map((field) => ({
      key: field.key,
      label: field.name,
      kind:
        field.type === 'integer'
          ? 'integer'
          : field.type === 'decimal'
            ? 'decimal'
            : field.type === 'date' || field.type === 'anniversary'
              ? 'date'
              : 'text',
      ...(field.type === 'string' ? { max: contactImportLimits.customStringMax } : {}),
    }));
    return [...system, ...custom];
  }

  /** 下载模板: system fields and the tenant's custom fields, zh-CN labels, the template marker. */
  async template(tenantId: string): Promise<{ filename: string; content: Buffer }> {
    const fields = await this.templateFields(tenantId);
    const bytes = await writeContactSheet({
      marker: TEMPLATE_MARKER,
      columns: fields.map((field) => ({ key: field.key, label: field.label })),
    });
    return { filename: '用户导入模板.xlsx', content: Buffer.from(bytes) };
  }

  // ---- starting ---------------------------------------------------------------------------------------

  /**
   * Accepts an upload: an xlsx within the size limit, while no other import of the tenant runs
   * (`import_running`, 409). Stores the file, records the import, enqueues its task, takes the
   * tenant's import mutex and writes the operation log — one transaction. The file's content is
   * checked by the task.
   */
  async start(
    principal: Extract<Principal, { kind: 'staff' }>,
    kind: ImportKind,
    file: UploadedXlsx,
    options: { locale: Locale; groupId?: string; ip?: string },
  ): Promise<ContactImport> {
    const tenantId = principal.tenantId;
    try {
      if (file.bytes === 0)
        throw new InputError('contact_import_file_required', {}, [{ path: 'file', code: 'contact_import_file_required' }]);
      if (file.bytes > contactImportLimits.fileBytes) throw new DomainError('payload_too_large', 413);
      const bytes = readFileSync(file.path);
      if (!isZip(bytes))
        throw new InputError('contact_import_file_invalid', {}, [{ path: 'file', code: 'contact_import_file_invalid' }]);
      if (options.groupId !== undefined) {
        if (kind !== 'batchEdit' || !this.groupSink)
          throw new InputError('contact_batch_edit_group_unavailable', {}, [
            { path: 'groupId', code: 'contact_batch_edit_group_unavailable' },
          ]);
        await this.groupSink.check(tenantId, options.groupId);
      }
      // A quick refusal before the file is stored (the mutex below decides races).
      if (await this.runningImport(tenantId)) throw new ConflictError('import_running');
      const masker = await this.masking.forPrincipal(principal);
      const stored = await this.files.adopt(tenantId, {
        name: file.filename || (kind === 'import' ? 'contacts.xlsx' : 'contacts-edit.xlsx'),
        contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        path: file.path,
        ttlMs: EXPORT_TTL_MS,
        createdBy: principal.staffId,
        permission: filePermission(kind, masker.toJSON()),
      });
      // MariaDB: concurrent uploads wait on the mutex row's unique key; when the holder commits, the
      // waiters may deadlock on it (one is rolled back) — that upload lost the race: import_running.
      const importId = await this.repo
        .transaction(async () => {
          const now = Date.now();
          const payload: Omit<TaskPayload, 'importId'> = {
            locale: options.locale,
            masker: masker.toJSON(),
            ...(options.groupId ? { groupId: options.groupId } : {}),
          };
          const task = (await this.queue.enqueue(tenantId, kind === 'import' ? IMPORT_TASK : BATCH_EDIT_TASK, payload, {
            createdBy: principal.staffId,
          }))!;
          if (!(await this.mutex.acquire(tenantId, IMPORT_MUTEX, task.id))) throw new ConflictError('import_running');
          const id = await this.repo.insert(tenantId, {
            kind,
            task_id: task.id,
            file_id: stored.id,
            file_name: stored.name,
            status: 'queued',
            total_rows: null,
            success_count: null,
            failure_count: null,
            failure_file_id: null,
            error_code: null,
            created_by: principal.staffId,
            created_at: now,
            updated_at: now,
            committed_at: null,
          });
          // 用户 · 导入 (§1.11.4.8); a batch edit is 用户 · 编辑 of many.
          await this.log.record(principal, {
            objectType: 'contact',
            operation: kind === 'import' ? 'import' : 'edit',
            detail: { importId: id, taskId: task.id, ...(kind === 'batchEdit' ? { batch: true } : {}) },
            ip: options.ip ?? null,
          });
          return id;
        })
        .catch((error: unknown) => {
          throw isDeadlock(error) ? new ConflictError('import_running') : error;
        });
      return this.get(tenantId, importId);
    } finally {
      rmSync(file.path, { force: true });
    }
  }

  /** The id of the tenant's running import's task, if one holds the mutex. */
  private async runningImport(tenantId: string): Promise<string | null> {
    const holder = await this.mutex.holder(tenantId, IMPORT_MUTEX);
    if (!holder) return null;
    try {
      const task = await this.queue.get(tenantId, holder);
      return task.status === 'queued' || task.status === 'running' ? holder : null;
    } catch (error) {
      if (error instanceof NotFoundError) return null;
      throw error;
    }
  }

  async get(tenantId: string, importId: string): Promise<ContactImport> {
    const row = await this.repo.find(tenantId, importId);
    if (!row) throw new NotFoundError('contact_import_not_found');
    return this.withTask(tenantId, row);
  }

  async list(tenantId: string, query: { kind?: ImportKind; limit: number }): Promise<ContactImport[]> {
    const rows = await this.repo.list(tenantId, query);
    return Promise.all(rows.map((row) => this.withTask(tenantId, row)));
  }

  private async withTask(tenantId: string, row: ContactImportRow): Promise<ContactImport> {
    try {
      const task = await this.queue.get(tenantId, String(row.task_id));
      const imported = toImport(row, task.progress, task.finishedAt);
      // A task that ended without reaching the import's end (cancelled, or failed on an error of ours).
      if (row.status === 'queued' && (task.status === 'cancelled' || task.status === 'failed'))
        return { ...imported, status: 'failed', errorCode: task.error?.code ?? 'task_cancelled' };
      return imported;
    } catch (error) {
      // Finished tasks are pruned after 30 days; the import row stays.
      if (!(error instanceof NotFoundError)) throw error;
      return toImport(row, row.status === 'queued' ? 0 : 100, row.committed_at === null ? null : Number(row.committed_at));
    }
  }

  // ---- the task ---------------------------------------------------------------------------------------

  /** The import or batch-edit task (both kinds). */
  async run(context: TaskContext): Promise<TaskResult> {
    const { task } = context;
    const tenantId = task.tenantId;
    const payload = task.payload as unknown as TaskPayload;
    const row = await this.repo.byTask(tenantId, task.id);
    if (!row) throw new NotFoundError('contact_import_not_found');
    try {
      const result = await this.process(context, row, payload);
      await this.mutex.release(tenantId, IMPORT_MUTEX, task.id);
      return result;
    } catch (error) {
      if (error instanceof ImportRefusedError) {
        // The whole file is refused: the import has ended.
        await this.repo.update(tenantId, String(row.id), { status: 'failed', error_code: error.code, updated_at: Date.now() });
        await this.mutex.release(tenantId, IMPORT_MUTEX, task.id);
      }
      // Anything else keeps the mutex while the task may run again (a retry, a lease taken over);
      // once the task has ended for good its holder is stale and the next acquire clears it.
      throw error;
    }
  }

  private resultOf(row: ContactImportRow, timings?: Record<string, number>): TaskResult {
    const failed = Number(row.failure_count ?? 0);
    const succeeded = Number(row.success_count ?? 0);
    return {
      counts: {
        rows: Number(row.total_rows ?? 0),
        [row.kind === 'import' ? 'imported' : 'updated']: succeeded,
        failed,
      },
      fileIds: row.failure_file_id === null ? [] : [String(row.failure_file_id)],
      // 显示红色一般为全部导入失败，或者存在部分导入失败 (§1.4.6).
      level: failed > 0 ? 'error' : 'success',
      // Where the time went (ms), for the benchmark and the logs.
      data: { importId: String(row.id), ...(timings ? { timings } : {}) },
    };
  }

  private async process(context: TaskContext, row: ContactImportRow, payload: TaskPayload): Promise<TaskResult> {
    const tenantId = context.task.tenantId;
    const importId = String(row.id);
    // Committed by an earlier attempt that stopped before reporting: nothing is written again.
    if (row.status === 'done') return this.resultOf(row);
    if (row.status === 'failed') throw new ImportRefusedError((row.error_code ?? 'contact_import_file_invalid') as ErrorCode);

    const started = performance.now();
    const timings: Record<string, number> = {};
    const lap = (name: string) => (timings[name] = Math.round(performance.now() - started));
    const { path } = await this.files.open(tenantId, String(row.file_id));
    const bytes = new Uint8Array(readFileSync(path));
    await context.progress(10);
    const masker = ContactMasker.fromJSON(payload.masker);
    const fields = await this.sheetFields(tenantId, row.kind);
    const maskedKeys =
      row.kind === 'batchEdit' ? fields.filter((field) => masker.isMasked(field.key)).map((field) => field.key) : [];
    const parsed = await this.pool.run<ParsedSheet>({
      fn: 'parseContactSheet',
      input: { bytes, options: { kind: row.kind, fields, maxRows: contactImportLimits.rows, maskedKeys } },
    });
    lap('parsed');
    if (!parsed.ok) throw new ImportRefusedError(parsed.code as ErrorCode, parsed.params ?? {});
    context.signal.throwIfAborted();
    await context.progress(50);

    const good = parsed.rows.filter((r) => r.problems.length === 0);
    const failures = new Map<number, ParsedRow>(parsed.rows.filter((r) => r.problems.length > 0).map((r) => [r.row, r]));
    // Batch edit: rows naming a contact that does not exist (deleted, another tenant's id) fail.
    let edits: { parsed: ParsedRow; contactId: string; patch: ContactPatch }[] = [];
    if (row.kind === 'batchEdit') {
      edits = good.map((r) => ({ parsed: r, contactId: r.contactId!, patch: this.patchOf(r, masker) }));
      const exists = await this.contacts.existing(tenantId, [...new Set(edits.map((edit) => edit.contactId))]);
      for (const edit of edits)
        if (!exists.has(edit.contactId))
          failures.set(edit.parsed.row, {
            ...edit.parsed,
            problems: [{ code: 'contact_import_row_contact_not_found', key: 'contactId' }],
          });
      edits = edits.filter((edit) => exists.has(edit.contactId));
    }
    const failureFileId =
      failures.size > 0
        ? await this.saveFailureFile(tenantId, row, parsed, [...failures.values()], payload.locale, payload.masker)
        : null;
    lap('checked');
    await context.progress(70);

    const succeeded = row.kind === 'import' ? good.length : edits.length;
    const write = async (oneByOne: boolean) =>
      this.repo.transaction(async () => {
        const now = Date.now();
        let reached: (string | null)[] = [];
        if (row.kind === 'import') {
          await this.contacts.createImported(
            tenantId,
            good.map((r) => this.patchOf(r, masker)),
            now,
            { oneByOne },
          );
        } else {
          reached = await this.contacts.applyEdits(
            tenantId,
            edits.map(({ contactId, patch }) => ({ contactId, patch })),
            now,
          );
          // A contact deleted since the check above: the whole run again (a fresh check).
          if (reached.some((id) => id === null)) throw new RetryableTaskError('contact_import_contacts_changed');
        }
        await this.faults.beforeCommit?.(importId);
        await this.repo.update(tenantId, importId, {
          status: 'done',
          total_rows: parsed.rows.length,
          success_count: succeeded,
          failure_count: failures.size,
          failure_file_id: failureFileId,
          updated_at: now,
          committed_at: now,
        });
        return reached.filter((id): id is string => id !== null);
      });
    let reached: string[];
    try {
      reached = await write(this.oneByOne);
    } catch (error) {
      if (!(error instanceof NonConsecutiveIdsError)) throw error;
      this.oneByOne = true;
      this.logger.warn(
        { tenantId, importId },
        'multi-row insert ids interleave (innodb_autoinc_lock_mode 2?): inserting one by one',
      );
      reached = await write(true);
    }
    lap('committed');
    await this.faults.afterCommit?.(importId);
    if (payload.groupId && this.groupSink && reached.length > 0)
      await this.groupSink.add(tenantId, payload.groupId, [...new Set(reached)]);
    return this.resultOf((await this.repo.find(tenantId, importId))!, timings);
  }

  /** The columns a file of this kind may hold (batch edit: also contactId; its read-only keys are recognised by the reader). */
  private async sheetFields(tenantId: string, kind: ImportKind): Promise<SheetField[]> {
    const fields = await this.templateFields(tenantId);
    if (kind === 'import') return fields;
    return [{ key: 'contactId', label: '用户ID', aliases: ['Contact ID'], kind: 'contactId' }, ...fields];
  }

  /**
   * A row's values as a contact patch. An import sets what the row has; a batch edit overwrites every
   * column present (a blank cell clears the value, §1.4.6) — except a column masked for the uploader,
   * whose blank (or ***) cell keeps the stored value (编辑联系人: 加密的字段显示为空).
   */
  private patchOf(row: ParsedRow, masker: ContactMasker): ContactPatch {
    const patch: ContactPatch = { fields: {}, attributes: {}, utm: {} };
    for (const [key, value] of Object.entries(row.values)) {
      if (masker.isMasked(key) && (value === null || value === MASKED_VALUE)) continue;
      const column = columnOf.get(key);
      if (column) patch.fields[column] = value === null ? null : String(value);
      else if (key.startsWith('attr')) patch.attributes[key.slice('attr'.length)] = value;
    }
    return patch;
  }

  private async saveFailureFile(
    tenantId: string,
    row: ContactImportRow,
    parsed: Extract<ParsedSheet, { ok: true }>,
    failures: ParsedRow[],
    locale: Locale,
    masker: TaskPayload['masker'],
  ): Promise<string> {
    const labels = new Map(parsed.keys.map((key, index) => [key, parsed.labels[index] ?? key]));
    const fieldName = (key?: string) => {
      if (!key) return '';
      const system = systemFieldNames[key as keyof typeof systemFieldNames];
      if (system) return system[locale];
      return labels.get(key) ?? key;
    };
    const rows: FailureRow[] = failures
      .sort((a, b) => a.row - b.row)
      .map((failure) => ({
        row: failure.row,
        cells: failure.cells,
        reasons: failure.problems.map((problem) =>
          formatMessage(problem.code as ErrorCode, locale, {
            field: fieldName(problem.key),
            max: problem.key ? (maxOf.get(problem.key) ?? contactImportLimits.customStringMax) : '',
          }),
        ),
      }));
    const bytes = await this.pool.run<Uint8Array>({
      fn: 'writeFailureSheet',
      input: {
        marker: row.kind === 'import' ? TEMPLATE_MARKER : EXPORT_MARKER,
        keys: parsed.keys,
        labels: parsed.labels,
        rowLabel: locale === 'en-US' ? 'Row' : '原行号',
        reasonsLabel: locale === 'en-US' ? 'Reasons' : '失败原因',
        rows,
      },
    });
    const name = row.kind === 'import' ? '用户导入失败数据' : '批量编辑失败数据';
    const stored = await this.files.save(tenantId, {
      name: `${name}-${String(row.id)}.xlsx`,
      contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      content: Buffer.from(bytes),
      ttlMs: EXPORT_TTL_MS,
      taskId: String(row.task_id),
      createdBy: row.created_by === null ? null : String(row.created_by),
      permission: filePermission(row.kind, masker),
    });
    return stored.id;
  }
}
