import { rmSync } from 'node:fs';
import type { PropertyType } from '../../kernel/contributions.js';
import type { ContributionRegistry } from '../../kernel/contribution-registry.js';
import { createServiceRef } from '../../kernel/extension-point.js';
import type { TaskQueue } from '../../jobs/task-queue.js';
import type { TaskContext, TaskResult } from '../../jobs/task.types.js';
import { isRetryable } from '../../jobs/task.types.js';
import { ZonedClock } from '../../lib/zoned-clock.js';
import { ConflictError, DomainError, InputError, NotFoundError, type ErrorDetail } from '../../server/errors.js';
import { OlapInputError } from '../../store/olap/errors.js';
import type { ErrorCode } from '../../server/messages.js';
import type { AnalyticsEngine } from '../../store/olap/analytics-engine.js';
import { propertyColumnType } from '../../store/olap/dialect.js';
import { contactSystemFields } from '../../store/olap/physical-schema.js';
import { coerce, MISMATCH } from '../../store/olap/values.js';
import { isUniqueViolation } from '../../store/oltp/oltp-store.js';
import { systemFieldNames } from '../conditions/catalogue.js';
import { EXPORT_TTL_MS, type FilesService } from '../files/files.service.js';
import { CsvSyntaxError, isUtf8, parseCsv, readCsvHeader, streamCsv, toCsv } from './csv.js';
import { linkKey, type DimensionFieldRow, type DimensionsRepo, type DimensionTableRow } from './dimensions.repo.js';
import {
  dictionaryHeaders,
  dictionaryLimits,
  dimensionLimits,
  keyTypeMatches,
  type DictionaryInfo,
  type DictionaryItem,
  type DimensionFieldInput,
  type DimensionFieldType,
  type DimensionTable,
  type DimensionTableChange,
  type LinkableProperty,
  type LinkTarget,
  type NewDimensionTable,
} from './dimensions.types.js';
import { codeKey } from './metadata.repo.js';
import type { MetadataService, TenantState } from './metadata.service.js';
import { contactFieldPropertyType, IDENTIFIER, IDENTIFIER_MAX } from './metadata.types.js';

export const DIMENSION_UPLOAD_TASK = 'metadata.dimensionUpload';
export const DIMENSION_CLEAR_TASK = 'metadata.dimensionClear';

const refuse = (code: ErrorCode, path: string, params: Record<string, unknown> = {}): never => {
  throw new InputError(code, params, [{ path, code }]);
};

/** A contact system column's OLAP type as a property type. */
const systemColumnTypes: Record<string, PropertyType> = {
  varchar: 'string',
  boolean: 'bool',
  date: 'date',
  timestamp: 'datetime',
};

/** Bool cells as operators write them; anything else is a bad value. */
const BOOL_CELLS: Record<string, string> = { true: 'true', false: 'false', '1': 'true', '0': 'false', 是: 'true', 否: 'false' };

interface UploadedFile {
  /** Where hapi wrote the upload (removed or moved in by the call). */
  path: string;
  bytes: number;
  filename?: string;
}

/**
 * 字典表 (§1.10.12) and 维度表 (§1.10.13). A dictionary's entries live in OLTP (the truth for
 * labels) and are mirrored into OLAP as a two-field dimension (`value`, `label`) for conditions; a
 * dimension table's rows live in OLAP only, loaded by a task from an uploaded CSV file. Both are
 * declared by MetadataService.sync (`dimension_<id>`, fields `f_<fieldId>`), and usable in
 * conditions only while `ready`.
 */
export class DimensionsService {
  /** Tenants whose plugin default dictionaries were checked since this process started. */
  private readonly defaultsChecked = new Set<string>();

  constructor(
    private readonly repo: DimensionsRepo,
    private readonly metadata: MetadataService,
    private readonly contributions: ContributionRegistry,
    private readonly olap: AnalyticsEngine,
    private readonly queue: TaskQueue,
    private readonly files: FilesService,
  ) {
    metadata.addSyncHooks({
      beforeDeclare: (tenantId, state) => this.applyDefaultDictionaries(tenantId, state),
      afterDeclare: (tenantId, state) => this.mirrorLoadingDictionaries(tenantId, state),
    });
  }

  // ---- properties a table may link to ------------------------------------------------------------

  private linkable(state: TenantState): LinkableProperty[] {
    return [
      ...state.properties.map((p) => ({ target: 'event' as const, key: p.code, name: p.name, type: p.type, source: p.source })),
      ...contactSystemFields
        .filter((f) => f.field !== 'id')
        .map((f) => ({
          target: 'contact' as const,
          key: f.field as string,
          name: systemFieldNames[f.field] ?? f.field,
          type: systemColumnTypes[f.type] ?? 'number',
          source: 'system' as const,
        })),
      ...state.fields.map((f) => ({
        target: 'contact' as const,
        key: `attr${f.seq}`,
        name: f.name,
        type: contactFieldPropertyType[f.type],
        source: 'custom' as const,
      })),
    ];
  }

  private findProperty(state: TenantState, target: string, key: string): LinkableProperty | undefined {
    return this.linkable(state).find((p) => p.target === target && p.key === key);
  }

  /** Busy: loading or clearing with its task still queued or running (a failed task frees it). */
  private async busy(tenantId: string, row: DimensionTableRow): Promise<boolean> {
    if (row.status !== 'loading' && row.status !== 'clearing') return false;
    if (row.task_id === null) return false;
    try {
      const task = await this.queue.get(tenantId, String(row.task_id));
      return task.status === 'queued' || task.status === 'running';
    } catch (error) {
      if (error instanceof NotFoundError) return false;
      throw error;
    }
  }

  // ---- dictionaries (§1.10.12) -------------------------------------------------------------------

  private toDictionary = (row: DimensionTableRow): DictionaryInfo => ({
    id: String(row.id),
    rowCount: Number(row.row_count),
    updatedAt: Number(row.updated_at),
  });

  /** Every string property (event and contact) with its dictionary, if any. */
  async dictionaries(tenantId: string): Promise<DictionaryItem[]> {
    const state = await this.metadata.sync(tenantId);
    const dictionaries = new Map(
      state.dimensions
        .filter(({ table }) => table.kind === 'dictionary')
        .map(({ table }) => [`${table.link_target}:${table.link_property}`, table]),
    );
    return this.linkable(state)
      .filter((p) => p.type === 'string')
      .map((p) => {
        const table = dictionaries.get(`${p.target}:${p.key}`);
        return {
          target: p.target,
          property: p.key,
          propertyName: p.name,
          source: p.source,
          dictionary: table ? this.toDictionary(table) : null,
        };
      });
  }

  private async dictionaryOr404(tenantId: string, id: string): Promise<DimensionTableRow> {
    const row = await this.repo.table(tenantId, id);
    if (!row || row.kind !== 'dictionary') throw new NotFoundError('metadata_dictionary_not_found');
    return row;
  }

  /** Checks every row of a dictionary file; any problem refuses the whole file. */
  private parseDictionary(bytes: Buffer): { value: string; label: string }[] {
    const invalid = (details: ErrorDetail[], count = details.length) =>
      new InputError('metadata_dictionary_invalid', { count }, details.slice(0, dictionaryLimits.details));
    if (!isUtf8(bytes)) refuse('metadata_csv_encoding_invalid', 'file');
    let records;
    try {
      records = parseCsv(bytes);
    } catch (error) {
      if (error instanceof CsvSyntaxError) throw invalid([{ path: `rows.${error.line}`, code: 'metadata_csv_malformed' }]);
      throw error;
    }
    const [header, ...rows] = records;
    const headerCells = header?.cells.map((c) => c.toLowerCase()) ?? [];
    if (!dictionaryHeaders.some((h) => h.length === headerCells.length && h.every((name, i) => headerCells[i] === name)))
      throw invalid([{ path: `rows.${header?.line ?? 1}`, code: 'metadata_dictionary_header_invalid' }]);
    if (rows.length === 0) refuse('metadata_dictionary_empty', 'file');
    if (rows.length > dictionaryLimits.rows)
      refuse('metadata_dictionary_too_many_rows', 'file', { limit: dictionaryLimits.rows });
    const details: ErrorDetail[] = [];
    let bad = 0;
    const seen = new Set<string>();
    const entries: { value: string; label: string }[] = [];
    for (const { line, cells } of rows) {
      // Trailing empty cells (a spreadsheet's extra commas) do not count.
      while (cells.length > 2 && cells.at(-1) === '') cells.pop();
      const [value = '', label = ''] = cells;
      const code: ErrorCode | undefined =
        cells.length !== 2
          ? 'metadata_dictionary_column_count'
          : !value
            ? 'metadata_dictionary_value_empty'
            : !label
              ? 'metadata_dictionary_label_empty'
              : [...value].length > dictionaryLimits.value
                ? 'metadata_dictionary_value_too_long'
                : [...label].length > dictionaryLimits.label
                  ? 'metadata_dictionary_label_too_long'
                  : seen.has(value)
                    ? 'metadata_dictionary_value_duplicate'
                    : undefined;
      if (code) {
        bad += 1;
        if (details.length < dictionaryLimits.details) details.push({ path: `rows.${line}`, code });
        continue;
      }
      seen.add(value);
      entries.push({ value, label });
    }
    if (bad > 0) throw invalid(details, bad);
    return entries;
  }

  /**
   * Writes a dictionary's entries (a new one or a full overwrite) in the caller's transaction,
   * marking it `loading` until its OLAP mirror is rewritten. `updated_at` always moves forward, so
   * a mirror written from older entries never marks a newer upload ready.
   */
  private async writeDictionary(
    tenantId: string,
    target: LinkTarget,
    property: string,
    entries: readonly { value: string; label: string }[],
    by: string | null,
  ): Promise<string> {
    const now = Date.now();
    const existing = await this.repo.linked(tenantId, 'dictionary', target, property);
    let id: string;
    if (existing) {
      id = String(existing.id);
      await this.repo.updateTable(tenantId, id, {
        status: 'loading',
        row_count: entries.length,
        loaded_at: now,
        updated_at: Math.max(now, Number(existing.updated_at) + 1),
      });
    } else {
      id = await this.repo.insertTable(tenantId, {
        kind: 'dictionary',
        code: null,
        code_key: null,
        name: property.slice(0, 64),
        link_target: target,
        link_property: property,
        link_key: linkKey('dictionary', target, property),
        primary_field_id: null,
        status: 'loading',
        row_count: entries.length,
        task_id: null,
        loaded_at: now,
        deleted_at: null,
        created_by: by,
        created_at: now,
        updated_at: now,
      });
      const field = (code: 'value' | 'label', name: string, position: number) =>
        this.repo.insertField(tenantId, {
          dimension_id: id,
          code,
          code_key: code,
          name,
          type: 'string',
          position,
          created_at: now,
          updated_at: now,
        });
      const valueId = await field('value', '值', 1);
      await field('label', '描述', 2);
      await this.repo.updateTable(tenantId, id, { primary_field_id: valueId });
    }
    await this.repo.replaceEntries(tenantId, id, entries);
    return id;
  }

  /**
   * 上传 (§1.10.12.2.1): a full overwrite. Every row is checked first; a bad file changes nothing.
   * The entries are replaced in one OLTP transaction, then the OLAP mirror is rewritten; if that
   * fails, the dictionary stays `loading` and the next sync of the tenant rewrites the mirror.
   */
  async uploadDictionary(
    tenantId: string,
    target: LinkTarget,
    property: string,
    bytes: Buffer,
    by: string | null,
  ): Promise<DictionaryInfo> {
    if (bytes.length > dictionaryLimits.fileBytes) throw new DomainError('payload_too_large', 413);
    const found = this.findProperty(await this.metadata.read(tenantId), target, property);
    if (!found || found.type !== 'string') refuse('metadata_dictionary_property_invalid', 'property', { property });
    const entries = this.parseDictionary(bytes);
    let id: string;
    try {
      id = await this.repo.transaction(() => this.writeDictionary(tenantId, target, property, entries, by));
    } catch (error) {
      // Two first uploads for the property at once: the other one won.
      if (isUniqueViolation(error)) throw new ConflictError('metadata_busy');
      throw error;
    }
    await this.metadata.sync(tenantId);
    return this.toDictionary(await this.dictionaryOr404(tenantId, id));
  }

  /** 下载 (§1.10.12.2.2): the entries as `value,label` CSV. */
  async downloadDictionary(tenantId: string, id: string): Promise<{ filename: string; content: string }> {
    const row = await this.dictionaryOr404(tenantId, id);
    const entries = await this.repo.entries(tenantId, id);
    return {
      filename: `${row.link_property}.csv`,
      content: toCsv(
        ['value', 'label'],
        entries.map((e) => [e.value, e.label]),
      ),
    };
  }

  /** 删除 (§1.10.12.2.3): the mirror emptied, the entries deleted, the table row kept as a tombstone. */
  async deleteDictionary(tenantId: string, id: string): Promise<void> {
    await this.dictionaryOr404(tenantId, id);
    await this.metadata.sync(tenantId);
    // Tombstone first: a crash after it leaves at most rows of an undeclared id, never reused.
    await this.repo.transaction(async () => {
      await this.repo.tombstone(tenantId, id, Date.now());
      await this.repo.deleteEntries(tenantId, id);
    });
    await this.clearDeleted(tenantId, id);
    await this.metadata.sync(tenantId);
  }

  /** The labels of a property's values in its dictionary (timelines, reports); read from OLTP. */
  async labels(tenantId: string, target: LinkTarget, property: string, values: string[]): Promise<Map<string, string>> {
    const table = await this.repo.linked(tenantId, 'dictionary', target, property);
    if (!table || values.length === 0) return new Map();
    return this.repo.labels(tenantId, String(table.id), values);
  }

  /** A plugin's default dictionary, for each property of the tenant that never had one (sync hook). */
  private async applyDefaultDictionaries(tenantId: string, state: TenantState): Promise<boolean> {
    if (this.defaultsChecked.has(tenantId) || this.contributions.dictionaries.size === 0) return false;
    let wrote = false;
    for (const { definition } of this.contributions.dictionaries.values()) {
      const property = this.findProperty(state, definition.target, definition.property);
      if (!property || property.type !== 'string') continue;
      if (await this.repo.everLinked(tenantId, 'dictionary', definition.target, definition.property)) continue;
      try {
        await this.repo.transaction(() =>
          this.writeDictionary(tenantId, definition.target, definition.property, definition.entries, null),
        );
        wrote = true;
      } catch (error) {
        // Another process gave it first.
        if (!isUniqueViolation(error)) throw error;
      }
    }
    this.defaultsChecked.add(tenantId);
    return wrote;
  }

  /**
   * Rewrites the OLAP mirror of every `loading` dictionary from its OLTP entries (sync hook, after
   * the declaration). Marked ready only if no newer upload came meanwhile (`updated_at` unchanged).
   */
  private async mirrorLoadingDictionaries(tenantId: string, state: TenantState): Promise<void> {
    for (const { table, fields } of state.dimensions) {
      if (table.kind !== 'dictionary' || table.status !== 'loading') continue;
      const value = fields.find((f) => f.code === 'value');
      const label = fields.find((f) => f.code === 'label');
      if (!value || !label) continue;
      const id = String(table.id);
      const entries = await this.repo.entries(tenantId, id);
      await this.olap.forTenant(tenantId).writeDimensionRows(
        id,
        entries.map((e) => ({ [String(value.id)]: e.value, [String(label.id)]: e.label })),
        { replace: true },
      );
      const marked = await this.repo.updateTable(
        tenantId,
        id,
        { status: 'ready' },
        { status: 'loading', updated_at: table.updated_at },
      );
      if (marked > 0) table.status = 'ready';
    }
  }

  // ---- dimension tables (§1.10.13) ---------------------------------------------------------------

  private toTable(state: TenantState | undefined, row: DimensionTableRow, fields: DimensionFieldRow[]): DimensionTable {
    const property = state ? this.findProperty(state, row.link_target, row.link_property) : undefined;
    return {
      id: String(row.id),
      code: row.code ?? '',
      name: row.name,
      linkTarget: row.link_target,
      linkProperty: row.link_property,
      linkPropertyName: property?.name ?? row.link_property,
      fields: fields.map((f) => ({ id: String(f.id), code: f.code, name: f.name, type: f.type as DimensionFieldType })),
      primaryField: fields.find((f) => String(f.id) === String(row.primary_field_id))?.code ?? '',
      status: row.status,
      rowCount: Number(row.row_count),
      loadedAt: row.loaded_at === null ? null : Number(row.loaded_at),
      taskId: row.task_id === null ? null : String(row.task_id),
      createdAt: Number(row.created_at),
      updatedAt: Number(row.updated_at),
    };
  }

  async dimensionTables(tenantId: string): Promise<DimensionTable[]> {
    const state = await this.metadata.sync(tenantId);
    return state.dimensions
      .filter(({ table }) => table.kind === 'dimension')
      .map(({ table, fields }) => this.toTable(state, table, fields));
  }

  private async dimensionOr404(tenantId: string, id: string): Promise<DimensionTableRow> {
    const row = await this.repo.table(tenantId, id);
    if (!row || row.kind !== 'dimension') throw new NotFoundError('metadata_dimension_not_found');
    return row;
  }

  async dimensionTable(tenantId: string, id: string): Promise<DimensionTable> {
    const row = await this.dimensionOr404(tenantId, id);
    return this.toTable(await this.metadata.read(tenantId), row, await this.repo.fields(tenantId, id));
  }

  private checkCode(code: string, path: string): void {
    if (!IDENTIFIER.test(code) || code.length > IDENTIFIER_MAX) refuse('metadata_id_invalid', path, { max: IDENTIFIER_MAX });
  }

  /** New fields: legal codes, unique in the table ignoring case (existing ones included). */
  private checkFields(fields: readonly DimensionFieldInput[], existing: readonly DimensionFieldRow[], firstIndex = 0): void {
    const taken = new Map(existing.map((f) => [f.code_key, f.code]));
    fields.forEach((field, offset) => {
      const path = `fields.${firstIndex + offset}.code`;
      this.checkCode(field.code, path);
      const same = taken.get(codeKey(field.code));
      if (same !== undefined)
        refuse(same === field.code ? 'metadata_duplicate' : 'metadata_id_case_conflict', path, { id: same });
      taken.set(codeKey(field.code), field.code);
    });
  }

  /** The linked property: it exists, and no other live dimension table links it. */
  private async checkLink(
    tenantId: string,
    state: TenantState,
    target: LinkTarget,
    key: string,
    exceptId?: string,
  ): Promise<LinkableProperty> {
    const property = this.findProperty(state, target, key);
    if (!property) return refuse('metadata_dimension_property_unknown', 'linkProperty', { property: key });
    const other = await this.repo.linked(tenantId, 'dimension', target, key);
    if (other && String(other.id) !== exceptId)
      refuse('metadata_property_has_dimension', 'linkProperty', { property: key, table: other.code ?? other.name });
    return property;
  }

  private checkKeyType(property: LinkableProperty, key: { type: PropertyType } | undefined): void {
    if (key && !keyTypeMatches(property.type, key.type))
      refuse('metadata_dimension_key_type_mismatch', 'primaryField', { type: property.type });
  }

  /** 创建维度表 (§1.10.13.3.1): the table's structure; its data comes with an upload. */
  async createDimensionTable(tenantId: string, input: NewDimensionTable, by: string | null): Promise<DimensionTable> {
    this.checkCode(input.code, 'code');
    if (/^s_/i.test(input.code)) refuse('metadata_dimension_id_reserved', 'code');
    const state = await this.metadata.read(tenantId);
    this.checkFields(input.fields, []);
    const key = input.fields.find((f) => f.code === input.primaryField);
    if (!key) refuse('metadata_dimension_primary_field_unknown', 'primaryField', { id: input.primaryField });
    const id = await this.repo.transaction(async () => {
      const same = await this.repo.byCodeKey(tenantId, codeKey(input.code));
      if (same?.code)
        refuse(same.code === input.code ? 'metadata_id_taken' : 'metadata_id_case_conflict', 'code', { id: same.code });
      if ((await this.repo.countDimensions(tenantId)) >= dimensionLimits.tables)
        refuse('metadata_dimension_limit', 'code', { limit: dimensionLimits.tables });
      const property = await this.checkLink(tenantId, state, input.linkTarget, input.linkProperty);
      this.checkKeyType(property, key);
      const now = Date.now();
      let tableId: string;
      try {
        tableId = await this.repo.insertTable(tenantId, {
          kind: 'dimension',
          code: input.code,
          code_key: codeKey(input.code),
          name: input.name,
          link_target: input.linkTarget,
          link_property: input.linkProperty,
          link_key: linkKey('dimension', input.linkTarget, input.linkProperty),
          primary_field_id: null,
          status: 'empty',
          row_count: 0,
          task_id: null,
          loaded_at: null,
          deleted_at: null,
          created_by: by,
          created_at: now,
          updated_at: now,
        });
      } catch (error) {
        if (isUniqueViolation(error)) refuse('metadata_busy', 'code');
        throw error;
      }
      const primary = await this.insertFields(tenantId, tableId, input.fields, 0, now, input.primaryField);
      await this.repo.updateTable(tenantId, tableId, { primary_field_id: primary ?? null });
      return tableId;
    });
    await this.metadata.sync(tenantId);
    return this.dimensionTable(tenantId, id);
  }

  /** Inserts fields from `position`; returns the id of the one named `primary`, if among them. */
  private async insertFields(
    tenantId: string,
    dimensionId: string,
    fields: readonly DimensionFieldInput[],
    position: number,
    now: number,
    primary?: string,
  ): Promise<string | undefined> {
    let primaryId: string | undefined;
    for (const [index, field] of fields.entries()) {
      const id = await this.repo.insertField(tenantId, {
        dimension_id: dimensionId,
        code: field.code,
        code_key: codeKey(field.code),
        name: field.name,
        type: field.type,
        position: position + index + 1,
        created_at: now,
        updated_at: now,
      });
      if (field.code === primary) primaryId = id;
    }
    return primaryId;
  }

  /**
   * 更新维度表 (§1.10.13.3.1): rename, re-pick the linked property, add fields (the list sent keeps
   * every existing one), change the primary key while the table holds no data.
   */
  async updateDimensionTable(tenantId: string, id: string, change: DimensionTableChange): Promise<DimensionTable> {
    const row = await this.dimensionOr404(tenantId, id);
    const state = await this.metadata.read(tenantId);
    await this.repo.transaction(async () => {
      const fields = await this.repo.fields(tenantId, id);
      const now = Date.now();
      const added: DimensionFieldInput[] = [];
      if (change.fields) {
        const sent = new Map(change.fields.map((f) => [f.code, f]));
        const removed = fields.find((f) => !sent.has(f.code));
        if (removed) refuse('metadata_dimension_field_removed', 'fields', { id: removed.code });
        for (const [index, field] of change.fields.entries()) {
          const existing = fields.find((f) => f.code === field.code);
          if (!existing) {
            added.push(field);
            continue;
          }
          if (field.type !== existing.type) refuse('metadata_type_immutable', `fields.${index}.type`);
        }
        if (fields.length + added.length > dimensionLimits.fields)
          refuse('metadata_dimension_field_limit', 'fields', { limit: dimensionLimits.fields });
        this.checkFields(added, fields, fields.length);
      }
      const all = [...fields.map((f) => ({ code: f.code, name: f.name, type: f.type })), ...added];
      const currentKey = fields.find((f) => String(f.id) === String(row.primary_field_id));
      const keyCode = change.primaryField ?? currentKey?.code;
      const key = all.find((f) => f.code === keyCode);
      if (change.primaryField !== undefined && change.primaryField !== currentKey?.code) {
        if (row.status === 'clearing') refuse('metadata_dimension_clearing', 'primaryField');
        if (row.status !== 'empty') refuse('metadata_dimension_has_data', 'primaryField');
        if (!key) refuse('metadata_dimension_primary_field_unknown', 'primaryField', { id: change.primaryField });
      }
      const target = change.linkTarget ?? row.link_target;
      const property = change.linkProperty ?? row.link_property;
      const relinked = target !== row.link_target || property !== row.link_property;
      if (relinked || change.primaryField !== undefined) {
        const linked = relinked
          ? await this.checkLink(tenantId, state, target, property, id)
          : this.findProperty(state, target, property);
        if (linked) this.checkKeyType(linked, key as { type: PropertyType } | undefined);
      }
      // Existing fields may be renamed (their code and type stay).
      for (const field of change.fields ?? []) {
        const existing = fields.find((f) => f.code === field.code);
        if (existing && existing.name !== field.name) await this.repo.fieldRename(tenantId, String(existing.id), field.name, now);
      }
      const addedKey = await this.insertFields(tenantId, id, added, fields.length, now, keyCode);
      const keyId = addedKey ?? (key ? fields.find((f) => f.code === key.code)?.id : undefined);
      await this.repo.updateTable(tenantId, id, {
        ...(change.name !== undefined ? { name: change.name } : {}),
        ...(relinked ? { link_target: target, link_property: property, link_key: linkKey('dimension', target, property) } : {}),
        ...(keyId !== undefined ? { primary_field_id: String(keyId) } : {}),
        updated_at: now,
      });
    });
    await this.metadata.sync(tenantId);
    return this.dimensionTable(tenantId, id);
  }

  private async refuseBusy(tenantId: string, row: DimensionTableRow): Promise<void> {
    if (!(await this.busy(tenantId, row))) return;
    throw new ConflictError(row.status === 'clearing' ? 'metadata_dimension_clearing' : 'metadata_dimension_loading');
  }

  /** Enqueues a task for the table and marks it `status`, unless the table changed meanwhile. */
  private async startTask(
    tenantId: string,
    row: DimensionTableRow,
    kind: string,
    payload: Record<string, unknown>,
    status: 'loading' | 'clearing',
    by: string | null,
  ): Promise<string> {
    const taskId = await this.repo.transaction(async () => {
      const task = (await this.queue.enqueue(tenantId, kind, payload, { createdBy: by }))!;
      const changed = await this.repo.updateTable(
        tenantId,
        String(row.id),
        { status, task_id: task.id, updated_at: Math.max(Date.now(), Number(row.updated_at) + 1) },
        { status: row.status, updated_at: row.updated_at },
      );
      if (changed === 0) throw new ConflictError('metadata_busy');
      return task.id;
    });
    // No longer usable in conditions while it is rewritten.
    await this.metadata.sync(tenantId);
    return taskId;
  }

  /**
   * 上传维度表数据 (§1.10.13.3.2): checks the header (field codes, the primary key present), keeps
   * the file and enqueues its load. The table is `loading` until the task has written every row.
   */
  async uploadDimension(tenantId: string, id: string, file: UploadedFile, by: string | null): Promise<{ taskId: string }> {
    try {
      const row = await this.dimensionOr404(tenantId, id);
      await this.refuseBusy(tenantId, row);
      if (file.bytes > dimensionLimits.fileBytes) throw new DomainError('payload_too_large', 413);
      const fields = await this.repo.fields(tenantId, id);
      const header = await readCsvHeader(file.path);
      if (header && !header.utf8) refuse('metadata_csv_encoding_invalid', 'file');
      if (!header) refuse('metadata_dimension_header_missing', 'file');
      const seen = new Set<string>();
      const details: ErrorDetail[] = [];
      header!.cells.forEach((cell, index) => {
        if (!fields.some((f) => f.code === cell))
          details.push({ path: `columns.${index}`, code: 'metadata_dimension_column_unknown' });
        else if (seen.has(cell)) details.push({ path: `columns.${index}`, code: 'metadata_duplicate' });
        seen.add(cell);
      });
      const first = details[0];
      if (first) {
        const column = header!.cells[Number(first.path.split('.')[1])];
        throw new InputError(first.code as ErrorCode, { column, id: column }, details);
      }
      const key = fields.find((f) => String(f.id) === String(row.primary_field_id));
      if (key && !seen.has(key.code)) refuse('metadata_dimension_key_column_missing', 'file', { column: key.code });
      const stored = await this.files.adopt(tenantId, {
        name: file.filename || `${row.code}.csv`,
        contentType: 'text/csv',
        path: file.path,
        ttlMs: EXPORT_TTL_MS,
        createdBy: by,
      });
      const taskId = await this.startTask(
        tenantId,
        row,
        DIMENSION_UPLOAD_TASK,
        { dimensionId: id, fileId: stored.id },
        'loading',
        by,
      );
      return { taskId };
    } finally {
      rmSync(file.path, { force: true });
    }
  }

  /** 清空维度表 (§1.10.13.3.3): a task empties the OLAP table; `clearing` until it has. */
  async clearDimension(tenantId: string, id: string, by: string | null): Promise<{ taskId: string }> {
    const row = await this.dimensionOr404(tenantId, id);
    await this.refuseBusy(tenantId, row);
    return { taskId: await this.startTask(tenantId, row, DIMENSION_CLEAR_TASK, { dimensionId: id }, 'clearing', by) };
  }

  /** 删除维度表 (§1.10.13.3.4): its data cleared, the table kept as a tombstone (its id never reused). */
  async deleteDimension(tenantId: string, id: string): Promise<void> {
    await this.dimensionOr404(tenantId, id);
    await this.metadata.sync(tenantId);
    await this.repo.tombstone(tenantId, id, Date.now());
    await this.clearDeleted(tenantId, id);
    await this.metadata.sync(tenantId);
  }

  /**
   * Empties the OLAP rows of a table just tombstoned, while the recorded declaration still has it
   * (the next sync drops it); a table never declared has no rows to empty.
   */
  private async clearDeleted(tenantId: string, id: string): Promise<void> {
    try {
      await this.olap.forTenant(tenantId).writeDimensionRows(id, [], { replace: true });
    } catch (error) {
      if (!(error instanceof OlapInputError)) throw error;
    }
  }

  /** The CSV template: a header row of the field codes. */
  async template(tenantId: string, id: string): Promise<{ filename: string; content: string }> {
    const row = await this.dimensionOr404(tenantId, id);
    const fields = await this.repo.fields(tenantId, id);
    return {
      filename: `${row.code}.csv`,
      content: toCsv(
        fields.map((f) => f.code),
        [],
      ),
    };
  }

  // ---- the tasks ---------------------------------------------------------------------------------

  /** The task's table, if it is still the one the task was started for. */
  private async taskTable(task: TaskContext['task'], status: 'loading' | 'clearing') {
    const id = String(task.payload.dimensionId);
    const row = await this.repo.table(task.tenantId, id);
    if (!row || row.kind !== 'dimension' || row.status !== status || String(row.task_id) !== task.id) return undefined;
    return row;
  }

  /**
   * Loads an uploaded file. Each attempt rewrites the whole table (the first write replaces what is
   * there), so a re-run after a crash never duplicates rows. Within the file the last row of a
   * primary key wins; rows whose values do not convert to their field's type are skipped and
   * reported with their line numbers.
   */
  async runUpload({ task, signal, progress }: TaskContext): Promise<TaskResult> {
    const row = await this.taskTable(task, 'loading');
    if (!row) return { data: { skipped: true } };
    const tenantId = task.tenantId;
    const id = String(row.id);
    try {
      const state = await this.metadata.sync(tenantId);
      const fields = await this.repo.fields(tenantId, id);
      const key = fields.find((f) => String(f.id) === String(row.primary_field_id));
      if (!key) throw new Error(`dimension table ${id} has no primary key`);
      const clock = new ZonedClock(state.timeZone);
      const { path } = await this.files.open(tenantId, String(task.payload.fileId));

      const badRows: { line: number; column: string; code: string }[] = [];
      let total = 0;
      let bad = 0;
      /** Primary key → the line of its last good row. */
      const last = new Map<string, number>();
      let columns: (DimensionFieldRow | undefined)[] | undefined;
      const convert = (cells: string[], line: number, report: boolean) => {
        const values: Record<string, unknown> = {};
        let keyValue: string | undefined;
        for (const [index, field] of (columns ?? []).entries()) {
          if (!field) continue;
          const cell = cells[index] ?? '';
          const problem = (code: string) => {
            if (report && badRows.length < dimensionLimits.reportedBadRows) badRows.push({ line, column: field.code, code });
            return undefined;
          };
          if (cell === '') {
            if (field === key) return problem('metadata_dimension_key_empty');
            values[String(field.id)] = null;
            continue;
          }
          const input = field.type === 'bool' ? BOOL_CELLS[cell.toLowerCase()] : cell;
          const coerced = input === undefined ? MISMATCH : coerce(input, propertyColumnType(field.type), clock);
          if (coerced === MISMATCH) return problem('metadata_dimension_value_invalid');
          values[String(field.id)] = input;
          if (field === key) keyValue = String(coerced);
        }
        return keyValue === undefined ? undefined : { values, key: keyValue };
      };

      // Pass 1: check every row, and find the last row of each primary key.
      for await (const record of streamCsv(path, signal)) {
        if (!columns) {
          columns = record.cells.map((cell) => fields.find((f) => f.code === cell));
          continue;
        }
        total += 1;
        const converted = convert(record.cells, record.line, true);
        if (!converted) bad += 1;
        else last.set(converted.key, record.line);
      }

      // Pass 2: the file's rows streamed into the table (§1.10.13.3.2), replacing the rows of the same
      // primary key: a re-run after a crash writes the same rows again, nothing twice.
      const analytics = this.olap.forTenant(tenantId);
      let chunk: Record<string, unknown>[] = [];
      let written = 0;
      const flush = async () => {
        if (chunk.length === 0) return;
        await analytics.writeDimensionRows(id, chunk, { keyField: String(key.id) });
        written += chunk.length;
        chunk = [];
        await progress(Math.min(99, Math.floor((written / Math.max(1, last.size)) * 100)));
        signal.throwIfAborted();
      };
      let header = true;
      for await (const record of streamCsv(path, signal)) {
        if (header) {
          header = false;
          continue;
        }
        const converted = convert(record.cells, record.line, false);
        if (!converted || last.get(converted.key) !== record.line) continue;
        chunk.push(converted.values);
        if (chunk.length >= dimensionLimits.chunkRows) await flush();
      }
      await flush();

      // The table holds the earlier uploads' other keys too: count what it holds now.
      const counted = await analytics.query<{ n: bigint | number }>(`SELECT count(*) AS n FROM dimension_${id}`);
      const rowCount = Number(counted.rows[0]?.n ?? 0);
      const now = Date.now();
      await this.repo.updateTable(
        tenantId,
        id,
        { status: rowCount > 0 ? 'ready' : 'empty', row_count: rowCount, loaded_at: now, updated_at: now },
        { status: 'loading', task_id: task.id },
      );
      // Conditions may use it from now on: refresh what `describe` answers.
      await this.metadata.sync(tenantId);
      return {
        counts: { rows: total, loaded: written, bad, duplicates: total - bad - written },
        data: { badRows },
      };
    } catch (error) {
      // A file that cannot be loaded leaves the table usable again (empty); a crash or a retry does not.
      if (!signal.aborted && !isRetryable(error)) {
        await this.repo
          .updateTable(
            tenantId,
            id,
            { status: 'empty', row_count: 0, loaded_at: null, updated_at: Date.now() },
            { status: 'loading', task_id: task.id },
          )
          .catch(() => undefined);
      }
      if (error instanceof CsvSyntaxError) throw new InputError('metadata_csv_malformed', { line: error.line });
      throw error;
    }
  }

  /** Empties the table, then marks it `empty`. */
  async runClear({ task }: TaskContext): Promise<TaskResult> {
    const row = await this.taskTable(task, 'clearing');
    if (!row) return { data: { skipped: true } };
    const id = String(row.id);
    await this.metadata.sync(task.tenantId);
    await this.olap.forTenant(task.tenantId).writeDimensionRows(id, [], { replace: true });
    await this.repo.updateTable(
      task.tenantId,
      id,
      { status: 'empty', row_count: 0, loaded_at: null, updated_at: Date.now() },
      { status: 'clearing', task_id: task.id },
    );
    await this.metadata.sync(task.tenantId);
    return { counts: { cleared: Number(row.row_count) } };
  }
}

export const dimensionsServiceRef = createServiceRef<DimensionsService>({ id: 'metadata.dimensions' });
