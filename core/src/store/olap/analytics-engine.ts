import type { OlapRelationDefinition } from '../../kernel/contributions.js';
import type { OlapTenantDeclaration } from './declaration.js';
import type { SqlDialect } from './dialect.js';
import type { OperatorSqlColumns } from './operator-sql.js';
import type { ContactViewMemberships } from './relations.js';
import type { OlapSchemaRecord } from './schema-versions.js';

/** An id as it leaves OLTP (BIGINT travels as a string); numbers and bigints are accepted too. */
export type OlapId = string | number | bigint;

/** One event, typed by the ingest worker. Times are epoch ms (UTC). */
/** One contact entering or leaving a group version live (`applyGroupDelta`). */
export interface GroupDeltaChange {
  contactId: OlapId;
  member: boolean;
}

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

/** Options of operator SQL (`operatorQuery`): no parameters — operators write literals. */
export interface OlapOperatorQueryOptions {
  /**
   * At most this many rows are returned (default 10,000; never more than the engine's hard cap,
   * 1,000,000 by default); `truncated` tells whether more existed. 0 checks and binds the SQL and
   * returns its columns only — how a SQL tag is validated when it is saved.
   */
  maxRows?: number;
  /** Interrupted inside the engine after this long (default: the engine's query limit; capped at its computation limit). */
  timeoutMs?: number;
  /** The `group_<id>` / `tag_…` columns joined into `contact_view` (the caller resolves their active versions). */
  contactView?: ContactViewMemberships;
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
 * Where a group version or tag result comes from: explicit rows, a SELECT over the logical
 * relations (guarded like `query`), or operator SQL (checked like `operatorQuery`, ADR 0046: a SQL
 * tag's `contact_id, value` streamed straight into the result, without a row cap). A SELECT runs on
 * a read connection, interrupted at `timeoutMs`; its rows are then appended on the writer in
 * chunks, between other tenants' writes.
 */
export type OlapResultSource<Row> =
  | { rows: Row[] }
  | { sql: string; params?: OlapQueryOptions['params']; timeoutMs?: number }
  | { operatorSql: string; contactView?: ContactViewMemberships; timeoutMs?: number };

/** One computation's values of a tag: its calculation day and its run (ADR 0050). */
export interface TagRunKey {
  calcDate: string;
  run: number;
}

/** The analytics store seen by one tenant; the only way modules reach OLAP. */
export interface TenantAnalytics {
  readonly tenantId: string;

  /** Applies a declaration add-only and records its version in OLTP. */
  declare(declaration: OlapTenantDeclaration): Promise<OlapDeclareResult>;
  /**
   * Changes whenever this tenant's data may have: every load, group version or delta, tag run,
   * dimension write, deletion and declaration (report caches key on it, ADR 0052). Opaque; equal
   * revisions mean nothing was written in between. DuckDB: counted in its one writing process.
   */
  dataRevision(): Promise<string>;
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
  /**
   * Runs SQL an operator typed (SQL tags, custom queries) in the sandbox (ADR 0046): one SELECT over
   * `event_view` and `contact_view` (+ the `group_<id>` / `tag_…` columns of `options.contactView`)
   * and its own CTEs, every node and function on the allow-lists, regenerated from its checked tree
   * with a LIMIT, run under the time and row limits. Refusals are `OlapSqlRefusedError`
   * (`olap_sql_refused` / `olap_sql_invalid`, 400, the detail's code says why); SQL that passes
   * but fails in the engine (an unknown column) is `olap_sql_failed` (400); a time-out `olap_query_timeout`.
   */
  operatorQuery<Row = Record<string, unknown>>(sql: string, options?: OlapOperatorQueryOptions): Promise<OlapQueryResult<Row>>;

  load(batch: OlapLoadBatch): Promise<OlapLoadResult>;

  /** Writes (or rewrites) one version of a group's members: 计算中. */
  replaceGroupVersion(groupId: OlapId, version: number, source: OlapResultSource<OlapId>): Promise<number>;
  /** Deletes every version of the group not in `keepVersions` (last 50 kept; [] drops the group), deltas included. */
  pruneGroupVersions(groupId: OlapId, keepVersions: number[]): Promise<void>;
  /**
   * Real-time groups (ADR 0048): records contacts entering (`member: true`) or leaving one version of a
   * group, in one transaction; a contact's newest change replaces its earlier one. `group_member`
   * reads the version through these changes; rewriting the version (`replaceGroupVersion`) or
   * pruning it drops them.
   */
  applyGroupDelta(groupId: OlapId, version: number, changes: readonly GroupDeltaChange[]): Promise<void>;
  /**
   * Writes (or rewrites) one run of a tag's values for a calculation day: the rows of that day and
   * `options.run` (default 0) are replaced; other runs of the day — the one consumers read while
   * this one is written — are left as they are (ADR 0050). SQL must yield contact_id, value.
   */
  replaceTagValues(
    tagId: OlapId,
    calcDate: string,
    type: 'string' | 'number' | 'string[]' | 'date' | 'bool',
    source: OlapResultSource<{ contactId: OlapId; value: unknown }>,
    options?: { run?: number },
  ): Promise<number>;
  /**
   * Deletes a tag's values except the (day, run) pairs of `keep` ([] drops the tag). With `upToRun`
   * only runs up to it are deleted: a run started after the caller read its pointers is never touched.
   */
  pruneTagValues(tagId: OlapId, keep: readonly TagRunKey[], options?: { upToRun?: number }): Promise<void>;
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
  /**
   * Refuses operator SQL the sandbox would refuse for any tenant (syntax, relations, allow-lists),
   * without running it, and names the `group_<id>` / `tag_…` columns it references (whose active
   * versions the caller resolves into `contactView`). Binding (columns exist, types) needs a tenant:
   * `forTenant(t).operatorQuery(sql, { maxRows: 0, contactView })`.
   */
  checkOperatorSql(sql: string): Promise<OperatorSqlColumns>;
  /** Reconciles every tenant with a recorded declaration (add-only). */
  start(): Promise<void>;
  forTenant(tenantId: string): TenantAnalytics;
  ping(): Promise<void>;
  /** Finishes queued writes, then closes. */
  close(): Promise<void>;
}
