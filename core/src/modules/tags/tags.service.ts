import { withDeadlockRetry } from '../../store/oltp/oltp-store.js';
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { createServiceRef } from '../../kernel/extension-point.js';
import type { ContributionRegistry } from '../../kernel/contribution-registry.js';
import type { ContactErasedEvent } from '../../kernel/contributions.js';
import type { WorkerPool } from '../../jobs/pool.js';
import type { TaskQueue } from '../../jobs/task-queue.js';
import type { Task, TaskContext, TaskResult } from '../../jobs/task.types.js';
import { aggregateSentiment, analyzeSentiment } from '../../lib/sentiment/index.js';
import { ZonedClock } from '../../lib/zoned-clock.js';
import { ConflictError, InputError, NotFoundError, type ErrorDetail } from '../../server/errors.js';
import type { AnalyticsEngine, OlapId, TagRunKey } from '../../store/olap/analytics-engine.js';
import { referencedMembershipColumns, type ContactViewMemberships } from '../../store/olap/relations.js';
import { referencedMemberships, type TagRef, type TagSource } from '../conditions/catalogue.js';
import type { ConditionTree, ConditionValueType } from '../conditions/condition.types.js';
import type { ConditionsService } from '../conditions/conditions.service.js';
import { usageConflict } from '../conditions/usage.js';
import type { ContactsService } from '../contacts/contacts.service.js';
import type { FilesService } from '../files/files.service.js';
import type { TenantService } from '../tenancy/tenant.service.js';
import { TAG_FILE_MAX_ROWS, type ParsedTagFile } from './tag-file.js';
import type { TagCalcRow, TagFolderRow, TagRow, TagsRepo } from './tags.repo.js';
import {
  COMPUTABLE_STATUSES,
  DELETABLE_STATUSES,
  EDITABLE_STATUSES,
  KEPT_CALCS,
  MANUAL_ONLY_KINDS,
  MAX_LAYERS,
  REPORT_TOP,
  SENTIMENT_EVENTS,
  SENTIMENT_PROPERTY,
  SENTIMENT_VALUES,
  type FileRule,
  type FirstLastRule,
  type LayeredRule,
  type MetricRule,
  type PreferenceRule,
  type SentimentRule,
  type SqlRule,
  type TagFileProblem,
  type TagKind,
  type TagRule,
  type TagStatus,
  type TagUpdateMode,
  type TagValueType,
} from './tags.types.js';

export const tagsServiceRef = createServiceRef<TagsService>({ id: 'tags.service' });

/** The task of one computation (立即计算, and the daily one). */
export const TAG_COMPUTE_TASK = 'tags.compute';
/** The key the daily computation of a tag is enqueued under (once per firing and tag). */
export const tagDailyKey = (tagId: string) => `tags:daily:${tagId}`;

/** A tag ID: `tag_` then letters, digits, underscores (a valid variable name), case-sensitive. */
export const TAG_CODE = /^tag_[A-Za-z0-9_]{1,60}$/;
/** A tag's rows of an export (like a contacts export's 10万). */
export const EXPORT_MAX_ROWS = 100_000;

export interface Tag {
  id: string;
  code: string;
  name: string;
  description: string | null;
  folderId: string | null;
  kind: TagKind;
  valueType: TagValueType;
  updateMode: TagUpdateMode;
  rule: TagRule;
  status: TagStatus;
  /** The calculation day consumers (conditions, reports of other modules) read: switched at 完成. */
  activeCalcDate: string | null;
  /** The day the running or last computation wrote. */
  calcDate: string | null;
  error: { code: string; message?: string } | null;
  computedAt: number | null;
  createdBy: string | null;
  createdAt: number;
  updatedAt: number;
  /** What the status allows (the console disables the rest). */
  canEdit: boolean;
  canCompute: boolean;
  canDelete: boolean;
}

export interface TagFolder {
  id: string;
  name: string;
  tagCount: number;
  createdAt: number;
}

export interface TagInput {
  code: string;
  name: string;
  description?: string | null;
  folderId?: string | null;
  kind: TagKind;
  /** Required for sql and file tags; the other kinds derive it. */
  valueType?: TagValueType;
  updateMode: TagUpdateMode;
  rule: TagRule;
}

export type TagChange = Omit<TagInput, 'code' | 'kind'>;

export type ReportRange = 'last7' | 'today';

export interface TagReport {
  range: ReportRange;
  /** The days of the range, oldest first (tenant-local). */
  dates: string[];
  /** Days of the range that have a computation. */
  calcDates: string[];
  /** The top 100 values over the range, by contacts; counts per day. */
  rows: { value: string | number | boolean; counts: Record<string, number>; total: number }[];
  /** Contacts with a value, per day. */
  totals: Record<string, number>;
  /** When this answer was made (a cached one is served until a force refresh). */
  generatedAt: number;
  cached: boolean;
}

const num = (value: number | string | null) => (value === null ? null : Number(value));

/** The condition engine's type of a tag value. */
export function conditionTypeOf(type: TagValueType): ConditionValueType {
  return type === 'string[]' ? 'strings' : type === 'date' ? 'time' : type;
}

function toTag(row: TagRow): Tag {
  return {
    id: String(row.id),
    code: row.code,
    name: row.name,
    description: row.description,
    folderId: row.folder_id === null ? null : String(row.folder_id),
    kind: row.kind,
    valueType: row.value_type,
    updateMode: row.update_mode,
    rule: JSON.parse(row.rule) as TagRule,
    status: row.status,
    activeCalcDate: row.active_calc_date,
    calcDate: row.calc_date,
    error: row.error ? (JSON.parse(row.error) as Tag['error']) : null,
    computedAt: num(row.computed_at),
    createdBy: row.created_by === null ? null : String(row.created_by),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    canEdit: EDITABLE_STATUSES.includes(row.status),
    canCompute: COMPUTABLE_STATUSES.includes(row.status),
    canDelete: DELETABLE_STATUSES.includes(row.status),
  };
}

/** YYYY-MM-DD plus `days` (negative: before). */
function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** `YYYY-MM-DD HH:MM:SS.mmm` (UTC) of an instant, for `dialect.timestampParam()`. */
const utcParam = (epochMs: number) => new Date(epochMs).toISOString().replace('T', ' ').replace('Z', '');

const isNumericId = (id: string) => /^[1-9][0-9]{0,18}$/.test(id);

/** Statuses of a computation holding its run (calc_run): its values are being written or switched to. */
const RUNNING_STATUSES: readonly TagStatus[] = ['computing', 'computed', 'syncing'];

/**
 * 用户标签 (seed §1.6, SPEC §5, ADR 0045): tag folders, the seven kinds of tag, their computation
 * (one result per tenant-local day, written through the analytics engine's `replaceTagValues`), the
 * status machine, reports, export, retention and the tags' half of the condition engine's
 * "active version" interface.
 */
export class TagsService implements TagSource {
  private readonly reportCache = new Map<string, TagReport>();

  constructor(
    private readonly repo: TagsRepo,
    private readonly olap: AnalyticsEngine,
    private readonly conditions: ConditionsService,
    private readonly tenants: TenantService,
    private readonly contacts: ContactsService,
    private readonly files: FilesService,
    private readonly pool: WorkerPool,
    private readonly queue: TaskQueue,
    private readonly contributions: ContributionRegistry,
    private readonly logger?: Logger,
  ) {}

  private async clock(tenantId: string): Promise<ZonedClock> {
    return new ZonedClock((await this.tenants.get(tenantId)).timeZone);
  }

  // ---- folders (标签体系) ---------------------------------------------------------------------------

  async folders(tenantId: string): Promise<TagFolder[]> {
    const [folders, tags] = await Promise.all([this.repo.folders(tenantId), this.repo.list(tenantId)]);
    const counts = new Map<string, number>();
    for (const tag of tags)
      if (tag.folder_id !== null) counts.set(String(tag.folder_id), (counts.get(String(tag.folder_id)) ?? 0) + 1);
    return folders.map((row) => this.toFolder(row, counts.get(String(row.id)) ?? 0));
  }

  private toFolder(row: TagFolderRow, tagCount: number): TagFolder {
    return { id: String(row.id), name: row.name, tagCount, createdAt: Number(row.created_at) };
  }

  async createFolder(tenantId: string, name: string, staffId: string | null): Promise<TagFolder> {
    const trimmed = name.trim();
    if (!trimmed) throw new InputError('tag_folder_name_required');
    if (await this.repo.folderByName(tenantId, trimmed)) throw new ConflictError('tag_folder_name_taken', { name: trimmed });
    const now = Date.now();
    const id = await this.repo.insertFolder(tenantId, { name: trimmed, created_by: staffId, created_at: now, updated_at: now });
    return this.toFolder((await this.repo.folder(tenantId, id))!, 0);
  }

  async renameFolder(tenantId: string, folderId: string, name: string): Promise<TagFolder> {
    const folder = await this.repo.folder(tenantId, folderId);
    if (!folder) throw new NotFoundError('tag_folder_not_found');
    const trimmed = name.trim();
    if (!trimmed) throw new InputError('tag_folder_name_required');
    const other = await this.repo.folderByName(tenantId, trimmed);
    if (other && String(other.id) !== folderId) throw new ConflictError('tag_folder_name_taken', { name: trimmed });
    await this.repo.updateFolder(tenantId, folderId, { name: trimmed, updated_at: Date.now() });
    return this.toFolder((await this.repo.folder(tenantId, folderId))!, await this.repo.countInFolder(tenantId, folderId));
  }

  /** A folder holding tags is not deleted (move or delete its tags first). */
  async deleteFolder(tenantId: string, folderId: string): Promise<void> {
    if (!(await this.repo.folder(tenantId, folderId))) throw new NotFoundError('tag_folder_not_found');
    const count = await this.repo.countInFolder(tenantId, folderId);
    if (count > 0) throw new ConflictError('tag_folder_not_empty', { count });
    await this.repo.deleteFolder(tenantId, folderId);
  }

  // ---- tags ---------------------------------------------------------------------------------------

  async list(tenantId: string, filter: { folderId?: string | null; kind?: TagKind; search?: string } = {}): Promise<Tag[]> {
    return (await this.repo.list(tenantId, filter)).map(toTag);
  }

  async get(tenantId: string, tagId: string): Promise<Tag> {
    return toTag(await this.row(tenantId, tagId));
  }

  private async row(tenantId: string, tagId: string): Promise<TagRow> {
    const row = isNumericId(tagId) ? await this.repo.tag(tenantId, tagId) : undefined;
    if (!row) throw new NotFoundError('tag_not_found');
    return row;
  }

  /** 保存: checks the rule against the tenant's metadata; never starts a computation (seed §1.6.2.5). */
  async create(tenantId: string, input: TagInput, staffId: string | null): Promise<Tag> {
    if (!TAG_CODE.test(input.code)) throw new InputError('tag_code_invalid', {}, [{ path: 'code', code: 'tag_code_invalid' }]);
    if (await this.repo.anyByCode(tenantId, input.code)) throw new ConflictError('tag_code_taken', { code: input.code });
    await this.checkFolder(tenantId, input.folderId ?? null);
    const { valueType, rule } = await this.checkRule(tenantId, input.kind, input.valueType, input.rule);
    const updateMode = MANUAL_ONLY_KINDS.includes(input.kind) ? 'manual' : input.updateMode;
    const now = Date.now();
    let id: string;
    try {
      id = await this.repo.insertTag(tenantId, {
        code: input.code,
        name: input.name.trim(),
        description: input.description ?? null,
        folder_id: input.folderId ?? null,
        kind: input.kind,
        value_type: valueType,
        update_mode: updateMode,
        rule: JSON.stringify(rule),
        status: 'new',
        active_calc_date: null,
        calc_date: null,
        task_id: null,
        error: null,
        computed_at: null,
        created_by: staffId,
        updated_by: staffId,
        created_at: now,
        updated_at: now,
        deleted_at: null,
      });
    } catch (error) {
      // Two saves of one ID at once: the unique index decides.
      if (await this.repo.anyByCode(tenantId, input.code)) throw new ConflictError('tag_code_taken', { code: input.code });
      throw error;
    }
    return this.get(tenantId, id);
  }

  /**
   * 编辑: only in 完成 / 计算失败 / 失败 (and before the first computation). The ID and kind never
   * change; an external-file tag keeps its value type and user-ID type (seed: 一旦保存，不可重新修改).
   */
  async update(tenantId: string, tagId: string, change: TagChange, staffId: string | null): Promise<Tag> {
    const row = await this.row(tenantId, tagId);
    if (!EDITABLE_STATUSES.includes(row.status)) throw new ConflictError('tag_status_forbids_edit', { status: row.status });
    await this.checkFolder(tenantId, change.folderId ?? null);
    if (row.kind === 'file') {
      const before = JSON.parse(row.rule) as FileRule;
      const after = change.rule as FileRule;
      if (
        (change.valueType && change.valueType !== row.value_type) ||
        before.keyType !== after.keyType ||
        before.channelId !== after.channelId ||
        before.idType !== after.idType
      )
        throw new InputError('tag_file_type_fixed', {}, [{ path: 'rule', code: 'tag_file_type_fixed' }]);
    }
    if (row.kind === 'sql' && change.valueType && change.valueType !== row.value_type && row.active_calc_date !== null)
      throw new InputError('tag_value_type_fixed', {}, [{ path: 'valueType', code: 'tag_value_type_fixed' }]);
    const { valueType, rule } = await this.checkRule(tenantId, row.kind, change.valueType ?? row.value_type, change.rule);
    const moved = await this.repo.transition(tenantId, tagId, EDITABLE_STATUSES, {
      name: change.name.trim(),
      description: change.description ?? null,
      folder_id: change.folderId ?? null,
      value_type: valueType,
      update_mode: MANUAL_ONLY_KINDS.includes(row.kind) ? 'manual' : change.updateMode,
      rule: JSON.stringify(rule),
      updated_by: staffId,
      updated_at: Date.now(),
    });
    if (!moved) throw new ConflictError('tag_status_forbids_edit', { status: (await this.row(tenantId, tagId)).status });
    return this.get(tenantId, tagId);
  }

  /**
   * 删除: not while it computes (409 `tag_status_forbids_delete`), nor while anything uses it (ADR
   * 0050): a dynamic group's conditions (`tag_in_use_by_group`), another tag's rule
   * (`tag_in_use_by_tag`). The row stays (its ID is never reused); its values and calculation days go.
   */
  async delete(tenantId: string, tagId: string): Promise<void> {
    const row = await this.row(tenantId, tagId);
    if (!DELETABLE_STATUSES.includes(row.status)) throw new ConflictError('tag_status_forbids_delete', { status: row.status });
    const [usage] = await this.conditions.usagesOf(tenantId, 'tag', tagId);
    if (usage) throw usageConflict(usage);
    const moved = await this.repo.transition(tenantId, tagId, DELETABLE_STATUSES, {
      deleted_at: Date.now(),
      updated_at: Date.now(),
    });
    if (!moved) throw new ConflictError('tag_status_forbids_delete', { status: row.status });
    await this.olap.forTenant(tenantId).pruneTagValues(tagId, []);
    await this.repo.deleteCalcs(
      tenantId,
      tagId,
      (await this.repo.calcs(tenantId, tagId)).map((calc) => calc.calc_date),
    );
  }

  /**
   * The tags module's usage checks (ADR 0050): the names of the live tags whose rule names group or
   * tag `id` — a layer's condition (group and tag leaves) or a SQL tag's `group_<id>` / `tag_…`
   * columns. A tag never counts as its own user.
   */
  async tagsUsing(tenantId: string, kind: 'group' | 'tag', id: string): Promise<string[]> {
    if (!isNumericId(id)) return [];
    // A SQL tag names tags by their IDs (`tag_…`), conditions by their row ids.
    const code = kind === 'tag' ? (await this.repo.tag(tenantId, id))?.code : undefined;
    if (kind === 'tag' && code === undefined) return [];
    const users: string[] = [];
    for (const row of await this.repo.list(tenantId)) {
      if (kind === 'tag' && String(row.id) === id) continue;
      const rule = JSON.parse(row.rule) as TagRule;
      let uses = false;
      if (row.kind === 'layered')
        uses = (rule as LayeredRule).layers.some((layer) =>
          referencedMemberships(layer.condition)[kind === 'group' ? 'groupIds' : 'tagIds'].includes(id),
        );
      else if (row.kind === 'sql') {
        const columns = await this.sqlColumns((rule as SqlRule).sql);
        uses = kind === 'group' ? columns.groupIds.includes(id) : columns.tagColumns.includes(code!);
      }
      if (uses) users.push(row.name);
    }
    return users;
  }

  /**
   * The `group_<id>` / `tag_…` columns a SQL tag's SQL reads, from its checked tree; SQL the sandbox
   * no longer accepts is read by name (a string or comment naming a column counts: better to refuse
   * a delete than to break a tag).
   */
  private async sqlColumns(sql: string): Promise<{ groupIds: string[]; tagColumns: string[] }> {
    try {
      return await this.olap.checkOperatorSql(sql);
    } catch {
      return referencedMembershipColumns(sql);
    }
  }

  private async checkFolder(tenantId: string, folderId: string | null): Promise<void> {
    if (folderId !== null && !(isNumericId(folderId) && (await this.repo.folder(tenantId, folderId))))
      throw new InputError('tag_folder_not_found', {}, [{ path: 'folderId', code: 'tag_folder_not_found' }]);
  }

  // ---- rules --------------------------------------------------------------------------------------

  /** The event and property refs of the tenant's catalogue. */
  private async eventRef(tenantId: string, code: string, path: string) {
    const context = await this.conditions.context(tenantId, {});
    const event = code.startsWith('virtual:') ? undefined : context.event(code);
    if (!event) throw new InputError('tag_event_unknown', { event: code }, [{ path, code: 'tag_event_unknown' }]);
    return event;
  }

  private async propertyRef(tenantId: string, eventCode: string, key: string, path: string) {
    const event = await this.eventRef(tenantId, eventCode, `${path.split('.')[0]}.event`);
    const property = event.properties.get(key);
    if (!property || property.via)
      throw new InputError('tag_property_unknown', { property: key }, [{ path, code: 'tag_property_unknown' }]);
    return property;
  }

  /** Checks a rule and derives the value type of the kinds that decide it themselves. */
  private async checkRule(
    tenantId: string,
    kind: TagKind,
    requested: TagValueType | undefined,
    rule: TagRule,
  ): Promise<{ valueType: TagValueType; rule: TagRule }> {
    const invalid = (path: string, code: string, params: Record<string, unknown> = {}) =>
      new InputError(code, params, [{ path, code }]);
    switch (kind) {
      case 'layered': {
        const { layers } = rule as LayeredRule;
        if (!Array.isArray(layers) || layers.length === 0) throw invalid('rule.layers', 'tag_layers_required');
        if (layers.length > MAX_LAYERS) throw invalid('rule.layers', 'tag_layers_too_many', { max: MAX_LAYERS });
        const values = layers.map((layer) => layer.value.trim());
        if (values.some((value) => !value)) throw invalid('rule.layers', 'tag_layer_value_required');
        if (new Set(values).size !== values.length) throw invalid('rule.layers', 'tag_layer_value_duplicate');
        const details: ErrorDetail[] = [];
        for (const [index, layer] of layers.entries()) {
          for (const problem of await this.conditions.validate(tenantId, layer.condition))
            details.push({ path: `rule.layers.${index}.condition${problem.path ? `.${problem.path}` : ''}`, code: problem.code });
        }
        if (details.length) throw new InputError('condition_invalid', { count: details.length }, details);
        return {
          valueType: 'string',
          rule: { layers: layers.map((layer, index) => ({ value: values[index]!, condition: layer.condition })) },
        };
      }
      case 'preference': {
        const r = rule as PreferenceRule;
        await this.propertyRef(tenantId, r.event, r.property, 'rule.property');
        if (r.rankBy === 'sum') {
          if (!r.rankProperty) throw invalid('rule.rankProperty', 'tag_property_unknown');
          const rank = await this.propertyRef(tenantId, r.event, r.rankProperty, 'rule.rankProperty');
          if (rank.type !== 'number') throw invalid('rule.rankProperty', 'tag_property_not_number');
        }
        return { valueType: 'string[]', rule: { ...r, rankProperty: r.rankBy === 'sum' ? r.rankProperty : undefined } };
      }
      case 'metric': {
        const r = rule as MetricRule;
        await this.eventRef(tenantId, r.event, 'rule.event');
        if (r.aggregate !== 'count') {
          if (!r.property) throw invalid('rule.property', 'tag_property_unknown');
          const property = await this.propertyRef(tenantId, r.event, r.property, 'rule.property');
          if (r.aggregate !== 'distinctCount' && property.type !== 'number')
            throw invalid('rule.property', 'tag_property_not_number');
        }
        return { valueType: 'number', rule: { ...r, property: r.aggregate === 'count' ? undefined : r.property } };
      }
      case 'firstLast': {
        const r = rule as FirstLastRule;
        const property = await this.propertyRef(tenantId, r.event, r.property, 'rule.property');
        const valueType: TagValueType =
          property.type === 'strings' ? 'string[]' : property.type === 'time' ? 'date' : property.type;
        return { valueType, rule: r };
      }
      case 'sql': {
        if (!requested) throw invalid('valueType', 'tag_value_type_required');
        const { sql } = rule as SqlRule;
        await this.checkSql(tenantId, sql);
        return { valueType: requested, rule: { sql } };
      }
      case 'file': {
        if (!requested) throw invalid('valueType', 'tag_value_type_required');
        const r = rule as FileRule;
        if (r.keyType === 'account' && (!r.channelId || !r.idType)) throw invalid('rule.idType', 'tag_file_id_type_required');
        const fileIds = r.files.map((file) => file.fileId);
        const found = new Set((await this.files.many(tenantId, fileIds)).map((file) => file.id));
        const missing = fileIds.findIndex((fileId) => !found.has(fileId));
        if (missing >= 0) throw invalid(`rule.files.${missing}`, 'file_not_found');
        return {
          valueType: requested,
          rule: {
            keyType: r.keyType,
            ...(r.keyType === 'account' ? { channelId: r.channelId, idType: r.idType } : {}),
            files: r.files,
          },
        };
      }
      case 'sentiment': {
        const r = rule as SentimentRule;
        const events = SENTIMENT_EVENTS.filter((event) => r.events.includes(event));
        if (events.length === 0) throw invalid('rule.events', 'tag_sentiment_events_required');
        return { valueType: 'string', rule: { events } };
      }
    }
  }

  /**
   * A SQL tag's SQL: refused by the operator-SQL sandbox (ADR 0046) as it would be at computation,
   * then bound against the tenant's views without reading a row; it must return `contact_id` and `value`.
   */
  private async checkSql(tenantId: string, sql: string): Promise<void> {
    const contactView = await this.contactViewOf(tenantId, sql);
    const result = await this.olap.forTenant(tenantId).operatorQuery(sql, { maxRows: 0, contactView });
    const names = new Set(result.columns.map((column) => column.name.toLowerCase()));
    if (!names.has('contact_id') || !names.has('value'))
      throw new InputError('tag_sql_columns', {}, [{ path: 'rule.sql', code: 'tag_sql_columns' }]);
  }

  /**
   * The `group_<id>` / `tag_…` columns operator SQL names, at their active versions (unknown ones left
   * out): what `contact_view` joins for a SQL tag or a custom query (ADR 0046, 0062). Refuses
   * (`OlapSqlRefusedError`) SQL the sandbox refuses.
   */
  async contactViewOf(tenantId: string, sql: string): Promise<ContactViewMemberships> {
    const { groupIds, tagColumns } = await this.olap.checkOperatorSql(sql);
    const tags = (await this.repo.tagsByCode(tenantId, tagColumns)).map((row) => ({
      tagId: String(row.id),
      column: row.code,
      // A tag never completed reads as no values.
      calcDate: row.active_calc_date ?? '1970-01-01',
      run: Number(row.active_run),
      type: row.value_type,
    }));
    const groupSource = this.contributions.groupSource?.definition;
    const groups = groupSource && groupIds.length ? await groupSource.groups(tenantId, groupIds) : [];
    return { tags, groups: groups.map((group) => ({ groupId: group.id, version: group.version ?? 0 })) };
  }

  // ---- external files -------------------------------------------------------------------------------

  /**
   * 上传文件: reads the file now (every row checked: empty ID, value not of the type, repeated ID —
   * each with its line) and keeps it (no expiry) for the computations. A file that cannot be read or
   * holds no row is refused.
   */
  async uploadFile(
    tenantId: string,
    input: { name: string; bytes: Buffer; valueType: TagValueType },
    staffId: string | null,
  ): Promise<{ fileId: string; name: string; rows: number; invalidRows: number; problems: TagFileProblem[] }> {
    if (!/\.(csv|xlsx)$/i.test(input.name))
      throw new InputError('tag_file_format', {}, [{ path: 'file', code: 'tag_file_format' }]);
    const parsed = await this.parseFile(tenantId, input.bytes, input.name, input.valueType);
    if (parsed.error)
      throw new InputError(parsed.error, parsed.error === 'tag_file_too_many_rows' ? { max: TAG_FILE_MAX_ROWS } : {}, [
        { path: 'file', code: parsed.error },
      ]);
    const file = await this.files.save(tenantId, {
      name: input.name,
      contentType: /\.xlsx$/i.test(input.name) ? 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' : 'text/csv',
      content: input.bytes,
      ttlMs: null,
      createdBy: staffId,
      permission: 'tags.edit',
    });
    return {
      fileId: file.id,
      name: file.name,
      rows: parsed.total,
      invalidRows: parsed.problems.length,
      problems: parsed.problems.slice(0, 200),
    };
  }

  private async parseFile(tenantId: string, bytes: Uint8Array, name: string, valueType: TagValueType): Promise<ParsedTagFile> {
    const timeZone = (await this.tenants.get(tenantId)).timeZone;
    return this.pool.run<ParsedTagFile>({ fn: 'parseTagFile', input: { bytes, options: { name, valueType, timeZone } } });
  }

  // ---- computation --------------------------------------------------------------------------------

  /**
   * 立即计算: in 待计算 / 完成 / 计算失败 / 失败 (and before the first computation) the tag becomes
   * 待计算 and its task is queued — in one transaction, so the task always finds its tag. A tag
   * already 待计算 keeps its queued task.
   */
  async compute(tenantId: string, tagId: string, staffId: string | null): Promise<Tag> {
    const row = await this.row(tenantId, tagId);
    if (!COMPUTABLE_STATUSES.includes(row.status)) throw new ConflictError('tag_status_forbids_compute', { status: row.status });
    if (row.status === 'pending' && row.task_id !== null) {
      const task = await this.queue.get(tenantId, String(row.task_id)).catch(() => undefined);
      if (task && (task.status === 'queued' || task.status === 'running')) return toTag(row);
    }
    try {
      await this.enqueue(tenantId, row, { createdBy: staffId });
    } catch (error) {
      // Another click queued it first (both read the same status): one task, the same answer.
      if (error instanceof ConflictError && (await this.row(tenantId, tagId)).status === 'pending')
        return this.get(tenantId, tagId);
      throw error;
    }
    return this.get(tenantId, tagId);
  }

  private async enqueue(
    tenantId: string,
    row: TagRow,
    options: { createdBy?: string | null; schedule?: { key: string; dueAt: number } },
  ): Promise<boolean> {
    const tagId = String(row.id);
    return this.repo.transaction(async () => {
      // From the status the caller read only: of two requests that read it, one moves the tag and
      // queues the task, the other finds it moved (no second task).
      const moved = await this.repo.transition(tenantId, tagId, [row.status], {
        status: 'pending',
        error: null,
        updated_at: Date.now(),
      });
      if (!moved) throw new ConflictError('tag_status_forbids_compute', { status: (await this.row(tenantId, tagId)).status });
      const task = await this.queue.enqueue(tenantId, TAG_COMPUTE_TASK, { tagId }, options);
      // A firing enqueued twice inserts once: the second leaves the tag with the first task.
      if (task) await this.repo.updateTag(tenantId, tagId, { task_id: task.id });
      return task !== null;
    });
  }

  /**
   * The computation task: 待计算 → 计算中 (today's values written) → 计算完成 (the day recorded, the
   * report reads it) → 冗余中 (consumers switched to the day) → 完成. A failure while computing is
   * 计算失败, while switching 失败; neither is retried (立即计算 again).
   */
  async runTask(context: TaskContext): Promise<TaskResult> {
    const { task } = context;
    const tenantId = task.tenantId;
    const tagId = String(task.payload.tagId);
    const row = isNumericId(tagId) ? await this.repo.tag(tenantId, tagId) : undefined;
    // Deleted, or superseded by a later request.
    if (!row || String(row.task_id) !== task.id) return { counts: { tagContacts: 0 } };
    // A re-claimed task whose attempt died after the day was written (计算完成 / 冗余中): the day's
    // calc row recorded means its values are complete — go on to the switch; otherwise 失败.
    if (row.status === 'computed' || row.status === 'syncing') return this.resume(tenantId, row);
    const clock = await this.clock(tenantId);
    const calcDate = clock.localDate(Date.now());
    // A run of its own: the values are written beside the run consumers read (ADR 0050).
    const run = Number(row.last_run) + 1;
    // Of two runs started at once (a re-claimed task), one takes the number.
    const started = await this.repo.transition(
      tenantId,
      tagId,
      ['pending', 'computing'],
      { status: 'computing', calc_date: calcDate, calc_run: run, last_run: run, updated_at: Date.now() },
      Number(row.last_run),
    );
    if (!started) return { counts: { tagContacts: 0 } };
    let count: number;
    let extra: Record<string, number> = {};
    try {
      const result = await this.computeValues(tenantId, row, { calcDate, run }, context);
      count = result.count;
      extra = result.counts ?? {};
      // 计算完成: the day's result is this run (the report shows it), recorded with the status.
      // Tags computed at once record their days side by side: a deadlock on MariaDB's gap locks runs again.
      await withDeadlockRetry(() =>
        this.repo.transaction(async () => {
          await this.repo.upsertCalc(tenantId, tagId, calcDate, run, count, Date.now());
          await this.repo.transition(tenantId, tagId, ['computing'], { status: 'computed', updated_at: Date.now() });
        }),
      );
    } catch (error) {
      await this.fail(tenantId, tagId, 'compute_failed', error);
      // Consumers never read the run: its (partial) values go.
      await this.dropStaleRuns(tenantId, tagId, run);
      return { level: 'error', counts: { tagContacts: 0 }, data: { tagId, status: 'compute_failed' } };
    }
    return this.switchTo(tenantId, tagId, { calcDate, run }, count, extra);
  }

  /**
   * 计算完成 → 冗余中 → 完成: consumers (conditions, contact_view's tag_… columns) switch to the day's
   * run; then the run they read before goes (one result per day) with any failed run's leftovers.
   */
  private async switchTo(
    tenantId: string,
    tagId: string,
    calc: TagRunKey,
    count: number,
    extra: Record<string, number> = {},
  ): Promise<TaskResult> {
    try {
      await this.repo.transition(tenantId, tagId, ['computed'], { status: 'syncing', updated_at: Date.now() });
      const now = Date.now();
      await this.repo.transition(tenantId, tagId, ['syncing'], {
        status: 'done',
        active_calc_date: calc.calcDate,
        active_run: calc.run,
        computed_at: now,
        updated_at: now,
      });
    } catch (error) {
      await this.fail(tenantId, tagId, 'failed', error);
      return { level: 'error', counts: { tagContacts: count }, data: { tagId, status: 'failed' } };
    }
    await this.dropStaleRuns(tenantId, tagId, calc.run);
    return { counts: { tagContacts: count, ...extra }, data: { tagId, calcDate: calc.calcDate } };
  }

  /** The runs read now: each calculation day's (the report, the export) and the active one (consumers). */
  private async readRuns(tenantId: string, row: TagRow): Promise<TagRunKey[]> {
    const keep = (await this.repo.calcs(tenantId, String(row.id))).map((calc) => ({
      calcDate: calc.calc_date,
      run: Number(calc.run),
    }));
    if (row.active_calc_date) keep.push({ calcDate: row.active_calc_date, run: Number(row.active_run) });
    return keep;
  }

  /**
   * Deletes the tag's runs up to `upToRun` that nothing reads: the run a day's new result replaced, a
   * failed computation's values. Runs after it (a computation started since) are never touched. A
   * failure is logged: the values left are removed by the next computation or the nightly prune.
   */
  private async dropStaleRuns(tenantId: string, tagId: string, upToRun: number): Promise<void> {
    try {
      const row = await this.repo.tag(tenantId, tagId);
      if (!row) return;
      await this.olap.forTenant(tenantId).pruneTagValues(tagId, await this.readRuns(tenantId, row), { upToRun });
    } catch (error) {
      this.logger?.warn({ tenantId, tagId, err: error }, 'stale tag runs not removed; the next computation retries');
    }
  }

  /** The resumption of a killed attempt in 计算完成 / 冗余中 (see runTask). */
  private async resume(tenantId: string, row: TagRow): Promise<TaskResult> {
    const tagId = String(row.id);
    const calcDate = row.calc_date;
    const run = row.calc_run === null ? 0 : Number(row.calc_run);
    const calc = calcDate
      ? (await this.repo.calcs(tenantId, tagId)).find((c) => c.calc_date === calcDate && Number(c.run) === run)
      : undefined;
    if (!calc || !calcDate) {
      await this.fail(tenantId, tagId, 'failed', new Error('the computation ended before its day was recorded'));
      return { level: 'error', counts: { tagContacts: 0 }, data: { tagId, status: 'failed' } };
    }
    return this.switchTo(tenantId, tagId, { calcDate, run }, Number(calc.contact_count));
  }

  /**
   * onTaskFinished: a computation task that ended without finishing (its last attempt died with its
   * lease, or it was cancelled) leaves its tag 计算失败 (nothing recorded yet) or 失败 (the day was
   * written: 计算完成 / 冗余中) — editable and computable again, never stuck.
   */
  async computeEnded(task: Pick<Task, 'id' | 'tenantId' | 'kind' | 'status' | 'payload'>): Promise<void> {
    if (task.kind !== TAG_COMPUTE_TASK || task.status === 'succeeded') return;
    const tagId = String((task.payload as { tagId?: unknown }).tagId ?? '');
    const row = isNumericId(tagId) ? await this.repo.tag(task.tenantId, tagId) : undefined;
    if (!row || String(row.task_id) !== String(task.id)) return;
    const written = row.status === 'computed' || row.status === 'syncing';
    if (!written && row.status !== 'computing') return;
    await this.repo.transition(task.tenantId, tagId, [row.status], {
      status: written ? 'failed' : 'compute_failed',
      error: JSON.stringify({ code: 'tag_compute_error', message: `the computation task ended ${task.status}` }),
      updated_at: Date.now(),
    });
    if (row.calc_run !== null) await this.dropStaleRuns(task.tenantId, tagId, Number(row.calc_run));
  }

  private async fail(tenantId: string, tagId: string, status: 'compute_failed' | 'failed', error: unknown): Promise<void> {
    const code = (error as { code?: unknown }).code;
    const detail = (error as { details?: { code?: string }[] }).details?.[0]?.code;
    this.logger?.warn({ tenantId, tagId, err: error }, 'tag computation failed');
    await this.repo.updateTag(tenantId, tagId, {
      status,
      error: JSON.stringify({
        code: typeof code === 'string' ? code : 'tag_compute_error',
        ...(detail ? { detail } : {}),
        message: error instanceof Error ? error.message.slice(0, 500) : String(error).slice(0, 500),
      }),
      updated_at: Date.now(),
    });
  }

  /** Writes the tag's values of a day as run `calc.run`; the contacts with a value. */
  async computeValues(
    tenantId: string,
    row: TagRow,
    calc: TagRunKey,
    context?: TaskContext,
  ): Promise<{ count: number; counts?: Record<string, number> }> {
    const { calcDate } = calc;
    const written = { run: calc.run };
    const analytics = this.olap.forTenant(tenantId);
    const tagId = String(row.id);
    const type = row.value_type;
    const rule = JSON.parse(row.rule) as TagRule;
    const d = this.olap.dialect;
    const since = (days: number | null) => (days === null ? null : utcParam(Date.now() - days * 86_400_000));
    switch (row.kind) {
      case 'layered': {
        const values = new Map<string, string>();
        for (const [index, layer] of (rule as LayeredRule).layers.entries()) {
          const ids = await this.conditions.matchingContacts(tenantId, layer.condition);
          for (const id of ids) if (!values.has(id)) values.set(id, layer.value);
          await context?.progress(Math.round(((index + 1) / (rule as LayeredRule).layers.length) * 90));
        }
        const rows = [...values].map(([contactId, value]) => ({ contactId, value }));
        return { count: await analytics.replaceTagValues(tagId, calcDate, type, { rows }, written) };
      }
      case 'preference': {
        const r = rule as PreferenceRule;
        const column = (await this.propertyRef(tenantId, r.event, r.property, 'rule.property')).column;
        const rank =
          r.rankBy === 'sum'
            ? `sum(${(await this.propertyRef(tenantId, r.event, r.rankProperty!, 'rule.rankProperty')).column})`
            : 'count(*)';
        const from = since(r.days);
        const sql =
          `SELECT contact_id, array_agg(v ORDER BY n DESC, v) AS value FROM (` +
          `SELECT contact_id, v, n, row_number() OVER (PARTITION BY contact_id ORDER BY n DESC, v) AS rk FROM (` +
          `SELECT contact_id, CAST(${column} AS VARCHAR) AS v, ${rank} AS n FROM events ` +
          `WHERE event = ? AND ${column} IS NOT NULL${from ? ` AND event_time >= ${d.timestampParam()}` : ''} ` +
          `GROUP BY contact_id, CAST(${column} AS VARCHAR)) AS g) AS ranked WHERE rk <= ${Math.trunc(r.topN)} GROUP BY contact_id`;
        const params = from ? [r.event, from] : [r.event];
        return { count: await analytics.replaceTagValues(tagId, calcDate, type, { sql, params }, written) };
      }
      case 'metric': {
        const r = rule as MetricRule;
        const column = r.property ? (await this.propertyRef(tenantId, r.event, r.property, 'rule.property')).column : '';
        const aggregate =
          r.aggregate === 'count'
            ? 'count(*)'
            : r.aggregate === 'distinctCount'
              ? `count(DISTINCT ${column})`
              : `${r.aggregate}(${column})`;
        const from = since(r.days);
        const sql =
          `SELECT contact_id, ${aggregate} AS value FROM events WHERE event = ?` +
          `${from ? ` AND event_time >= ${d.timestampParam()}` : ''} GROUP BY contact_id` +
          (r.aggregate === 'count' || r.aggregate === 'distinctCount' ? '' : ` HAVING ${aggregate} IS NOT NULL`);
        const params = from ? [r.event, from] : [r.event];
        return { count: await analytics.replaceTagValues(tagId, calcDate, type, { sql, params }, written) };
      }
      case 'firstLast': {
        const r = rule as FirstLastRule;
        const property = await this.propertyRef(tenantId, r.event, r.property, 'rule.property');
        const value =
          type === 'date'
            ? d.epochMs(property.timeType === 'date' ? `CAST(${property.column} AS TIMESTAMP)` : property.column)
            : property.column;
        const from = since(r.days);
        const order = r.position === 'first' ? 'ASC' : 'DESC';
        const sql =
          `SELECT contact_id, value FROM (SELECT contact_id, ${value} AS value, row_number() OVER ` +
          `(PARTITION BY contact_id ORDER BY event_time ${order}, message_id ${order}) AS rk FROM events ` +
          `WHERE event = ? AND ${property.column} IS NOT NULL${from ? ` AND event_time >= ${d.timestampParam()}` : ''}) AS ordered WHERE rk = 1`;
        const params = from ? [r.event, from] : [r.event];
        return { count: await analytics.replaceTagValues(tagId, calcDate, type, { sql, params }, written) };
      }
      case 'sql': {
        const { sql } = rule as SqlRule;
        const contactView = await this.contactViewOf(tenantId, sql);
        return { count: await analytics.replaceTagValues(tagId, calcDate, type, { operatorSql: sql, contactView }, written) };
      }
      case 'file':
        return this.computeFile(tenantId, row, calc, context);
      case 'sentiment':
        return this.computeSentiment(tenantId, row, calc);
    }
  }

  /**
   * 外部文件标签: every file's rows, keyed by contact ID or by an account of the chosen channel and
   * user-ID type; a later file's value wins over an earlier one's for the same contact. Rows whose
   * user is unknown are counted, not written.
   */
  private async computeFile(
    tenantId: string,
    row: TagRow,
    calc: TagRunKey,
    context?: TaskContext,
  ): Promise<{ count: number; counts: Record<string, number> }> {
    const rule = JSON.parse(row.rule) as FileRule;
    const values = new Map<string, unknown>();
    let rows = 0;
    let invalid = 0;
    let unknown = 0;
    for (const [index, ref] of rule.files.entries()) {
      const { path } = await this.files.open(tenantId, ref.fileId);
      const parsed = await this.parseFile(tenantId, await readFile(path), ref.name, row.value_type);
      if (parsed.error) throw new InputError(parsed.error, {}, [{ path: 'rule.files', code: parsed.error }]);
      rows += parsed.total;
      invalid += parsed.problems.length;
      const keys = parsed.rows.map((r) => r.key);
      const contactOf = new Map<string, string>();
      if (rule.keyType === 'contactId') {
        const numeric = keys.filter(isNumericId);
        for (let start = 0; start < numeric.length; start += 1000) {
          const chunk = numeric.slice(start, start + 1000);
          const current = await this.contacts.currentIds(tenantId, chunk);
          for (const [key, id] of current) contactOf.set(key, id);
        }
      } else {
        for (let start = 0; start < keys.length; start += 1000) {
          const found = await this.contacts.contactsOfAccounts(
            tenantId,
            rule.channelId!,
            rule.idType!,
            keys.slice(start, start + 1000),
          );
          for (const [key, id] of found) contactOf.set(key, id);
        }
      }
      for (const fileRow of parsed.rows) {
        const contactId = contactOf.get(fileRow.key);
        if (contactId === undefined) unknown += 1;
        else values.set(contactId, fileRow.value);
      }
      await context?.progress(Math.round(((index + 1) / rule.files.length) * 90));
    }
    const result = [...values].map(([contactId, value]) => ({ contactId, value }));
    const count = await this.olap
      .forTenant(tenantId)
      .replaceTagValues(String(row.id), calc.calcDate, row.value_type, { rows: result }, { run: calc.run });
    return { count, counts: { tagFileRows: rows, tagFileInvalid: invalid, tagFileUnknown: unknown } };
  }

  /**
   * 情感标签: the texts of the chosen comment events (`s_content`), scored in the worker pool, one
   * label per contact from the mean score of their comments (ADR 0047): 正面 / 中性 / 负面.
   */
  private async computeSentiment(tenantId: string, row: TagRow, calc: TagRunKey): Promise<{ count: number }> {
    const rule = JSON.parse(row.rule) as SentimentRule;
    const context = await this.conditions.context(tenantId, {});
    const events = rule.events.filter((event) => context.event(event)?.properties.get(SENTIMENT_PROPERTY));
    const rows: { contactId: string; value: string }[] = [];
    if (events.length > 0) {
      const column = context.event(events[0]!)!.properties.get(SENTIMENT_PROPERTY)!.column;
      const result = await this.olap
        .forTenant(tenantId)
        .query<{ contact_id: string; text: string }>(
          `SELECT contact_id, ${column} AS text FROM events WHERE event IN (${events.map(() => '?').join(', ')}) AND ${column} IS NOT NULL ORDER BY contact_id`,
          { params: events, rowMode: 'json', timeoutMs: 600_000 },
        );
      const scores = await analyzeSentiment(
        result.rows.map((r) => r.text),
        this.pool,
      );
      const byContact = new Map<string, { score: number }[]>();
      result.rows.forEach((r, index) => {
        const list = byContact.get(String(r.contact_id)) ?? [];
        list.push(scores[index]!);
        byContact.set(String(r.contact_id), list);
      });
      for (const [contactId, list] of byContact) {
        const aggregated = aggregateSentiment(list);
        if (aggregated) rows.push({ contactId, value: SENTIMENT_VALUES[aggregated.label] });
      }
    }
    return {
      count: await this.olap
        .forTenant(tenantId)
        .replaceTagValues(String(row.id), calc.calcDate, 'string', { rows }, { run: calc.run }),
    };
  }

  /** 每天凌晨 00:10 (tenant time): every daily tag whose status allows it is queued once per firing. */
  async daily(tenantId: string, dueAt: number): Promise<number> {
    let queued = 0;
    for (const row of await this.repo.dailyTags(tenantId)) {
      if (MANUAL_ONLY_KINDS.includes(row.kind) || !COMPUTABLE_STATUSES.includes(row.status)) continue;
      try {
        if (await this.enqueue(tenantId, row, { schedule: { key: tagDailyKey(String(row.id)), dueAt } })) queued += 1;
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error; // moved on since it was listed
      }
    }
    return queued;
  }

  /**
   * 凌晨 04:30: each tag keeps its last 50 calculation days (one per day, the run each shows) and the
   * run consumers read; older days leave OLTP and OLAP. A deleted tag keeps none. A computation
   * running meanwhile keeps its run (only runs up to the last settled one are pruned).
   */
  async prune(tenantId: string): Promise<number> {
    let pruned = 0;
    for (const tagId of await this.repo.tagIdsWithCalcs(tenantId)) {
      const row = await this.repo.tag(tenantId, tagId);
      const calcs = await this.repo.calcs(tenantId, tagId);
      const keep = row ? calcs.slice(0, KEPT_CALCS).map((calc) => calc.calc_date) : [];
      if (row?.active_calc_date && !keep.includes(row.active_calc_date)) keep.push(row.active_calc_date);
      const drop = calcs.map((calc) => calc.calc_date).filter((date) => !keep.includes(date));
      if (drop.length === 0) continue;
      const analytics = this.olap.forTenant(tenantId);
      if (!row) await analytics.pruneTagValues(tagId, []);
      else {
        const settled = RUNNING_STATUSES.includes(row.status) ? Number(row.calc_run ?? 0) - 1 : Number(row.last_run);
        const kept = (await this.readRuns(tenantId, row)).filter((key) => keep.includes(key.calcDate));
        if (settled >= 0) await analytics.pruneTagValues(tagId, kept, { upToRun: settled });
      }
      await this.repo.deleteCalcs(tenantId, tagId, drop);
      pruned += drop.length;
    }
    return pruned;
  }

  // ---- report and export ----------------------------------------------------------------------------

  async calcs(tenantId: string, tagId: string): Promise<{ calcDate: string; contactCount: number; computedAt: number }[]> {
    await this.row(tenantId, tagId);
    return (await this.repo.calcs(tenantId, tagId)).map((calc: TagCalcRow) => ({
      calcDate: calc.calc_date,
      contactCount: Number(calc.contact_count),
      computedAt: Number(calc.computed_at),
    }));
  }

  /**
   * 用户标签报表 (seed §1.6.3): contacts per value per day — the last 7 days before today (default)
   * or 今日 —, the top 100 values over the range. The answer is kept until 强制刷新 (`force`): a
   * recomputation the same day shows after a force refresh, as the seed says. 计算完成 already counts.
   */
  async report(tenantId: string, tagId: string, range: ReportRange, force: boolean): Promise<TagReport> {
    const row = await this.row(tenantId, tagId);
    const today = (await this.clock(tenantId)).localDate(Date.now());
    const key = `${tenantId}:${tagId}:${range}:${today}`;
    const cached = this.reportCache.get(key);
    if (cached && !force) return { ...cached, cached: true };
    const dates = range === 'today' ? [today] : [7, 6, 5, 4, 3, 2, 1].map((back) => addDays(today, -back));
    // Each day shows its recorded run: 计算完成 already counts (seed §1.6.2.5).
    const calcs = (await this.repo.calcs(tenantId, tagId)).filter((calc) => dates.includes(calc.calc_date));
    const calcDates = calcs.map((calc) => calc.calc_date);
    const rows: TagReport['rows'] = [];
    const totals: Record<string, number> = {};
    if (calcDates.length > 0) {
      // A string array counts each element: unnest as a table function joined laterally (StarRocks has no
      // scalar unnest), grouped by expressions (it documents no GROUP BY position; ADR 0066).
      const [value, from] =
        row.value_type === 'string'
          ? ['value_string', 'tag_value']
          : row.value_type === 'string[]'
            ? ['u.value', 'tag_value, unnest(value_strings) AS u(value)']
            : ['value_number', 'tag_value'];
      const analytics = this.olap.forTenant(tenantId);
      const inDates = `(${calcs.map(() => `(calc_date = ${this.olap.dialect.dateParam()} AND run = ?)`).join(' OR ')})`;
      const dayParams = calcs.flatMap((calc) => [calc.calc_date, Number(calc.run)]);
      const counted = await analytics.query<{ day: string; value: string | number | null; n: string }>(
        `SELECT CAST(calc_date AS VARCHAR) AS day, value, count(DISTINCT contact_id) AS n FROM ` +
          `(SELECT calc_date, contact_id, ${value} AS value FROM ${from} WHERE tag_id = ${this.olap.dialect.bigintParam()} AND ${inDates}) AS v ` +
          `WHERE value IS NOT NULL GROUP BY CAST(calc_date AS VARCHAR), value`,
        { params: [tagId, ...dayParams], rowMode: 'json' },
      );
      const contacts = await analytics.query<{ day: string; n: string }>(
        `SELECT CAST(calc_date AS VARCHAR) AS day, count(*) AS n FROM tag_value WHERE tag_id = ${this.olap.dialect.bigintParam()} AND ${inDates} GROUP BY CAST(calc_date AS VARCHAR)`,
        { params: [tagId, ...dayParams], rowMode: 'json' },
      );
      for (const c of contacts.rows) totals[String(c.day).slice(0, 10)] = Number(c.n);
      const byValue = new Map<string, TagReport['rows'][number]>();
      for (const r of counted.rows) {
        const raw =
          r.value === null
            ? null
            : row.value_type === 'string' || row.value_type === 'string[]'
              ? String(r.value)
              : Number(r.value);
        if (raw === null) continue;
        const shown = row.value_type === 'bool' ? raw !== 0 : raw;
        const entry = byValue.get(String(shown)) ?? { value: shown, counts: {}, total: 0 };
        entry.counts[String(r.day).slice(0, 10)] = Number(r.n);
        entry.total += Number(r.n);
        byValue.set(String(shown), entry);
      }
      rows.push(
        ...[...byValue.values()]
          .sort((a, b) => b.total - a.total || String(a.value).localeCompare(String(b.value)))
          .slice(0, REPORT_TOP),
      );
    }
    const report: TagReport = { range, dates, calcDates, rows, totals, generatedAt: Date.now(), cached: false };
    this.reportCache.set(key, report);
    if (this.reportCache.size > 1000) this.reportCache.delete(this.reportCache.keys().next().value!);
    return report;
  }

  /** 导出: `用户ID,标签值` of a calculation day (default: the one consumers read), at most 100,000 rows. */
  async exportCsv(
    tenantId: string,
    tagId: string,
    calcDate?: string,
  ): Promise<{ filename: string; content: string; truncated: boolean }> {
    const row = await this.row(tenantId, tagId);
    // A day shows its recorded run (as in the report); by default the run consumers read.
    const calcs = await this.repo.calcs(tenantId, tagId);
    const recorded = calcDate === undefined ? undefined : calcs.find((calc) => calc.calc_date === calcDate);
    const key: TagRunKey | undefined =
      calcDate !== undefined
        ? recorded && { calcDate, run: Number(recorded.run) }
        : row.active_calc_date
          ? { calcDate: row.active_calc_date, run: Number(row.active_run) }
          : calcs[0] && { calcDate: calcs[0].calc_date, run: Number(calcs[0].run) };
    const day = calcDate ?? key?.calcDate;
    const header = '用户ID,标签值\n';
    if (!day) return { filename: `${row.code}.csv`, content: `\uFEFF${header}`, truncated: false };
    if (!key) return { filename: `${row.code}-${day}.csv`, content: `\uFEFF${header}`, truncated: false };
    const value = row.value_type === 'string' ? 'value_string' : row.value_type === 'string[]' ? 'value_strings' : 'value_number';
    const result = await this.olap
      .forTenant(tenantId)
      .query<{ contact_id: string; value: unknown }>(
        `SELECT contact_id, ${value} AS value FROM tag_value WHERE tag_id = ${this.olap.dialect.bigintParam()} AND calc_date = ${this.olap.dialect.dateParam()} AND run = ? ORDER BY contact_id`,
        { params: [tagId, key.calcDate, key.run], rowMode: 'json', maxRows: EXPORT_MAX_ROWS },
      );
    const clock = await this.clock(tenantId);
    const cell = (raw: unknown): string => {
      if (raw === null || raw === undefined) return '';
      let text: string;
      if (row.value_type === 'string[]') text = (raw as string[]).join(',');
      else if (row.value_type === 'bool') text = Number(raw) !== 0 ? 'true' : 'false';
      else if (row.value_type === 'date') {
        const ms = Number(raw);
        const local = new Date(ms + clock.offsetMs(ms)).toISOString();
        text = `${local.slice(0, 10)} ${local.slice(11, 19)}`;
      } else text = String(raw);
      // Formula-looking cells are neutralised (CSV injection) and quoted as RFC 4180 asks.
      if (/^[=+\-@]/.test(text) && row.value_type === 'string') text = `'${text}`;
      return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
    };
    const lines = result.rows.map((r) => `${r.contact_id},${cell(r.value)}`);
    return {
      filename: `${row.code}-${day}.csv`,
      content: `\uFEFF${header}${lines.join('\n')}${lines.length ? '\n' : ''}`,
      truncated: result.truncated,
    };
  }

  // ---- the condition engine's "active version" interface (TagSource) ------------------------------------

  async tags(tenantId: string, ids: readonly string[]): Promise<TagRef[]> {
    return (await this.repo.tags(tenantId, ids.filter(isNumericId))).map(toTagRef);
  }

  async listTags(tenantId: string): Promise<TagRef[]> {
    return (await this.repo.list(tenantId)).map(toTagRef);
  }

  // ---- contact erasure (ADR 0037) -------------------------------------------------------------------------

  /**
   * A contact whose data was erased leaves every tag: each calculation day's run holding a value of
   * theirs is rewritten without it (the engine replaces a run as a whole). Idempotent.
   */
  async onContactErased(event: ContactErasedEvent): Promise<void> {
    const { tenantId, contactId } = event;
    if (!isNumericId(contactId)) return;
    const analytics = this.olap.forTenant(tenantId);
    if (!(await analytics.schema())) return;
    const held = await analytics.query<{ tag_id: string; day: string; run: number }>(
      `SELECT DISTINCT tag_id, CAST(calc_date AS VARCHAR) AS day, run FROM tag_value WHERE contact_id = ${this.olap.dialect.bigintParam()}`,
      { params: [contactId], rowMode: 'json' },
    );
    const rows = await this.repo.tags(tenantId, [...new Set(held.rows.map((r) => String(r.tag_id)))]);
    const types = new Map(rows.map((row) => [String(row.id), row.value_type]));
    for (const r of held.rows) {
      const tagId = String(r.tag_id);
      const type = types.get(tagId);
      const day = String(r.day).slice(0, 10);
      if (!type) {
        await analytics.pruneTagValues(tagId, []); // a deleted tag's leftovers
        continue;
      }
      const column = type === 'string' ? 'value_string' : type === 'string[]' ? 'value_strings' : 'value_number';
      const d = this.olap.dialect;
      const run = Number(r.run);
      await analytics.replaceTagValues(
        tagId as OlapId,
        day,
        type,
        {
          sql: `SELECT contact_id, ${column} AS value FROM tag_value WHERE tag_id = ${d.bigintParam()} AND calc_date = ${d.dateParam()} AND run = ? AND contact_id <> ${d.bigintParam()}`,
          params: [tagId, day, run, contactId],
        },
        { run },
      );
    }
  }
}

function toTagRef(row: TagRow): TagRef {
  return {
    id: String(row.id),
    name: row.name,
    type: conditionTypeOf(row.value_type),
    calcDate: row.active_calc_date,
    run: Number(row.active_run),
  };
}

/** The condition leaf of a report cell (a value of the tag), for 新建动态组; null for dates. */
export function reportLeaf(tag: Pick<Tag, 'id' | 'valueType'>, value: string | number | boolean): ConditionTree | null {
  switch (tag.valueType) {
    case 'string':
    case 'number':
      return {
        type: 'and',
        conditions: [{ type: 'tag', tagId: tag.id, operator: 'eq', values: [value as string] }],
      } as ConditionTree;
    case 'string[]':
      return {
        type: 'and',
        conditions: [{ type: 'tag', tagId: tag.id, operator: 'containsAny', values: [value as string] }],
      } as ConditionTree;
    case 'bool':
      return {
        type: 'and',
        conditions: [{ type: 'tag', tagId: tag.id, operator: value ? 'isTrue' : 'isFalse' }],
      } as ConditionTree;
    case 'date':
      return null;
  }
}
