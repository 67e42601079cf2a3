import type { OlapRelationDefinition } from '../../kernel/contributions.js';
import type { OlapTenantDeclaration } from './declaration.js';
import type { SqlDialect } from './dialect.js';
import type { ContactViewMemberships } from './relations.js';
import type { OlapSchemaRecord } from './schema-versions.js';

/** An id as it leaves OLTP (BIGINT travels as a string); numbers and bigints are accepted too. */
export type OlapId = string | number | bigint;

/** One event, typed by the ingest worker. Times are epoch ms (UTC). */
export interface OlapEventRow {
  eventTime: number;
  /** The event code (`event_view.event`). */
  event: string;
  contactId: OlapId;
  messageId: string;
  direction: 'inbound' | 'outbound';
  channelId?: OlapId | null;
  channelAccountId?: OlapId | null;
  journeyId?: OlapId | null;
  receivedAt?: number | null;
  /**
   * By declared name (`amount`, `s_msg_type`, `$os`). A declared one becomes its typed column (NULL
   * and kept in `extra` if it cannot be converted without loss); an undeclared one goes to `extra`.
   */
  properties?: Record<string, unknown>;
}

/** A contact's full OLAP row (an upsert: it replaces the previous row of the same id). */
export interface OlapContactRow {
  id: OlapId;
  identified?: boolean | null;
  name?: string | null;
  gender?: string | null;
  /** `YYYY-MM-DD`. */
  birthday?: string | null;
  mobile?: string | null;
  email?: string | null;
  country?: string | null;
  province?: string | null;
  city?: string | null;
  utmSource?: string | null;
  utmMedium?: string | null;
  utmCampaign?: string | null;
  utmContent?: string | null;
  utmTerm?: string | null;
  firstSeenAt?: number | null;
  lastActiveAt?: number | null;
  createdAt?: number | null;
  updatedAt?: number | null;
  nickname?: string | null;
  avatar?: string | null;
  company?: string | null;
  department?: string | null;
  title?: string | null;
  industry?: string | null;
  homePhone?: string | null;
  idCard?: string | null;
  postalCode?: string | null;
  street?: string | null;
  website?: string | null;
  comment?: string | null;
  /** Custom fields by attribute id. */
  attributes?: Record<string, unknown>;
}

/**
 * What one load batch writes for one tenant, atomically and at most once per `batchId`.
 * Order inside the batch: aliases, contact upserts, contact deletions, events, relation rows.
 */
export interface OlapLoadBatch {
  /** The OLTP `load_batch` id: the ledger key (DuckDB) or label stem (StarRocks). */
  batchId: string;
  events?: OlapEventRow[];
  contacts?: OlapContactRow[];
  /** Contacts removed from OLAP (merged away, deleted). */
  deletedContactIds?: OlapId[];
  /** Merges: events of `fromContactId` count for `toContactId` (and for whoever it merges into later). */
  aliases?: { fromContactId: OlapId; toContactId: OlapId }[];
  /** Rows of plugin relations, by relation name and column name. */
  relations?: Record<string, Record<string, unknown>[]>;
}

export interface OlapLoadResult {
  batchId: string;
  /** `already_loaded`: the ledger had the batch; nothing was written this time. */
  status: 'loaded' | 'already_loaded';
  events: number;
  contacts: number;
  /** Declared properties that could not be converted: stored NULL, raw value kept in `extra`. */
  typeMismatches: number;
}

export interface OlapQueryOptions {
  /** Positional `?` parameters. */
  params?: (string | number | bigint | boolean | null)[];
  /** The query is interrupted inside the engine after this long (default: the engine's). */
  timeoutMs?: number;
  /** At most this many rows are read back; `truncated` tells whether more existed. */
  maxRows?: number;
  /** Groups and tags to join into `contact_view` when the SQL uses it. */
  contactView?: ContactViewMemberships;
  /**
   * `js` (default): BIGINT as bigint, DATE/TIMESTAMP as Date. `json`: BIGINT as string, DATE as
   * `YYYY-MM-DD`, TIMESTAMP as `YYYY-MM-DD HH:MM:SS[.fff]` — ready for an API answer.
   */
  rowMode?: 'js' | 'json';
}

export interface OlapQueryResult<Row = Record<string, unknown>> {
  columns: { name: string; type: string }[];
  rows: Row[];
  truncated: boolean;
}

export interface OlapDeclareResult {
  version: number;
  /** False when the declaration equals the recorded one: nothing was applied or recorded. */
  changed: boolean;
  /** Physical tables created and columns added, e.g. `event_data.p_12`. */
  added: string[];
}

/**
 * Where a group version or tag result comes from: explicit rows, or a SELECT over the logical
 * relations (guarded like `query`). The SELECT runs on a read connection, interrupted at
 * `timeoutMs`; its rows are then appended on the writer in chunks, between other tenants' writes.
 */
export type OlapResultSource<Row> = { rows: Row[] } | { sql: string; params?: OlapQueryOptions['params']; timeoutMs?: number };

/** The analytics store seen by one tenant; the only way modules reach OLAP. */
export interface TenantAnalytics {
  readonly tenantId: string;

  /** Applies a declaration add-only and records its version in OLTP. */
  declare(declaration: OlapTenantDeclaration): Promise<OlapDeclareResult>;
  /** The applied declaration, or undefined before the first one. */
  schema(): Promise<OlapSchemaRecord | undefined>;

  /**
   * Physical SQL for SQL over the logical relations (`events`, `contacts`, …), after the SQL guard
   * (ADR 0009) checked it: for logs and golden files; the engine runs only SQL it resolves itself.
   */
  resolve(sql: string, options?: { contactView?: ContactViewMemberships }): Promise<string>;
  /**
   * Runs one SELECT over the logical relations. The SQL is parsed first and may read only this
   * tenant's relations (`events`, `contacts`, `group_member`, `tag_value`, `event_view`,
   * `contact_view`, `dimension_<id>`, plugin relations) and its own CTEs; anything else — a
   * schema-qualified name, a table function, a second statement — fails with `olap_sql_refused` /
   * `olap_sql_invalid` (OlapSqlRefusedError) before it reaches the engine.
   */
  query<Row = Record<string, unknown>>(sql: string, options?: OlapQueryOptions): Promise<OlapQueryResult<Row>>;

  load(batch: OlapLoadBatch): Promise<OlapLoadResult>;

  /** Writes (or rewrites) one version of a group's members: 计算中. */
  replaceGroupVersion(groupId: OlapId, version: number, source: OlapResultSource<OlapId>): Promise<number>;
  /** Deletes every version of the group not in `keepVersions` (last 50 kept; [] drops the group). */
  pruneGroupVersions(groupId: OlapId, keepVersions: number[]): Promise<void>;
  /** Writes (or rewrites) a tag's values for one calculation day. SQL must yield contact_id, value. */
  replaceTagValues(
    tagId: OlapId,
    calcDate: string,
    type: 'string' | 'number' | 'string[]' | 'date' | 'bool',
    source: OlapResultSource<{ contactId: OlapId; value: unknown }>,
  ): Promise<number>;
  pruneTagValues(tagId: OlapId, keepCalcDates: string[]): Promise<void>;
  /**
   * Appends rows (by field id) to a dimension table, in one transaction: `replace` clears it first;
   * `keyField` (a field id) first deletes the rows whose key the new rows carry — an upsert by key.
   */
  writeDimensionRows(
    dimensionId: OlapId,
    rows: Record<string, unknown>[],
    options?: { replace?: boolean; keyField?: string },
  ): Promise<number>;
  /** GDPR / user-data deletion: events of these channel accounts. */
  deleteEventsByChannelAccounts(channelAccountIds: OlapId[]): Promise<number>;
}

export interface AnalyticsEngine {
  readonly kind: 'duckdb' | 'starrocks';
  readonly dialect: SqlDialect;
  /** Plugins' relations (from the kernel), created in every tenant; set before `start()`. */
  setPluginRelations(relations: readonly OlapRelationDefinition[]): void;
  /**
   * Refuses (`OlapSqlRefusedError`) SQL that reads anything but the logical relations, the plugin
   * relations and its own CTEs — the tenant-independent part of the SQL guard, for report models'
   * SQL when their plugin registers.
   */
  checkSql(sql: string): Promise<void>;
  /** Reconciles every tenant with a recorded declaration (add-only). */
  start(): Promise<void>;
  forTenant(tenantId: string): TenantAnalytics;
  ping(): Promise<void>;
  /** Finishes queued writes, then closes. */
  close(): Promise<void>;
}
