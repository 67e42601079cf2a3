import { createHash } from 'node:crypto';
import type { OlapColumnType } from '../dialect.js';
import { tables, type ColumnSpec, type TableSpec } from '../physical-schema.js';

/**
 * The DDL of a tenant's StarRocks database, written by hand (no knex schema builder) to StarRocks'
 * documentation. Minimum version: 3.3.5 (ADR 0064) — DATETIME keeps milliseconds from 3.3.5
 * (docs/en/sql-reference/data-types/date-types/DATETIME.md), ORDER BY on non-Primary-Key tables from
 * 3.3 (CREATE_TABLE.md § ORDER BY), resource groups' `cpu_weight` from 3.3.5 (resource_group.md).
 *
 * Table types (docs/en/table_design/table_types/*):
 * - `event_data`: Duplicate Key (append-only events), key (event, event_time) = the sort key, so a
 *   query for one event over a time range reads a contiguous, prefix-indexed slice; expression
 *   partitions by month (`PARTITION BY date_trunc('month', event_time)`, expression_partitioning.md:
 *   "time_unit … hour, day, month, year"); no DISTRIBUTED BY: random bucketing with an automatic
 *   bucket count (CREATE_TABLE.md § Distribution: "If you do not configure bucketing, StarRocks uses
 *   random bucketing and automatically sets the number of buckets" — Duplicate Key tables only).
 * - every table that is rewritten or deleted from (contacts, aliases, group members and deltas, tag
 *   values, event types): Primary Key, `DISTRIBUTED BY HASH(<a key column>)` without BUCKETS (hash
 *   bucketing is required for them, the bucket count is automatic since 2.5.7), persistent index.
 *   DELETE on a Primary Key table takes any WHERE and marks rows deleted (DELETE.md), while DELETE on
 *   a Duplicate Key table writes delete predicates every later read evaluates until compaction.
 * - dimension tables and plugin relations: Duplicate Key with StarRocks' default sort key (the
 *   first columns), random bucketing; written rarely, read whole.
 *
 * `fast_schema_evolution` is set on every table: it can only be set at creation (CREATE_TABLE.md §
 * Fast Schema Evolution, shared-nothing clusters from 3.2.0; shared-data clusters have it on by
 * default and the FE setting `enable_fast_schema_evolution` decides there — the two pages disagree on
 * the default, so the property is always written).
 */

export interface StarRocksDdlOptions {
  replicationNum: number;
}

/** Column types as written in DDL. VARCHAR without a length would be VARCHAR(1) (CREATE_TABLE.md). */
const DDL_TYPES: Record<OlapColumnType, string> = {
  varchar: 'VARCHAR(65533)',
  double: 'DOUBLE',
  bigint: 'BIGINT',
  integer: 'INT',
  boolean: 'BOOLEAN',
  date: 'DATE',
  timestamp: 'DATETIME',
  'varchar[]': 'ARRAY<VARCHAR(65533)>',
  json: 'JSON',
};

/** Key columns whose values are short and bounded: a shorter VARCHAR keeps the key small. */
const KEY_VARCHAR: Record<string, string> = {
  // Event codes are at most 64 characters (declaration.ts); StarRocks counts bytes.
  'event_data.event': 'VARCHAR(255)',
  // A Primary Key's encoded value is at most 128 bytes (primary_key_table.md).
  'event_type.code': 'VARCHAR(128)',
};

interface Layout {
  kind: 'duplicate' | 'primary';
  /** Key columns, in order (they are also defined first: primary_key_table.md § Usage notes). */
  key: string[];
  partition?: string;
  /** Hash bucketing column(s); absent = random bucketing (Duplicate Key only). */
  hash?: string[];
}

function layoutOf(table: string): Layout {
  switch (table) {
    case tables.events:
      return { kind: 'duplicate', key: ['event', 'event_time'], partition: "date_trunc('month', `event_time`)" };
    case tables.contacts:
      return { kind: 'primary', key: ['id'], hash: ['id'] };
    case tables.contactAlias:
      return { kind: 'primary', key: ['from_contact_id'], hash: ['from_contact_id'] };
    case tables.groupMember:
    case tables.groupDelta:
      // Bucketed by contact: memberships spread evenly and join contacts bucket-locally.
      return { kind: 'primary', key: ['group_id', 'version', 'contact_id'], hash: ['contact_id'] };
    case tables.tagValue:
      return { kind: 'primary', key: ['tag_id', 'calc_date', 'run', 'contact_id'], hash: ['contact_id'] };
    case tables.eventType:
      return { kind: 'primary', key: ['code'], hash: ['code'] };
    default:
      // dimension_<id>_data, r_<plugin relation>
      return { kind: 'duplicate', key: [] };
  }
}

/** The key columns of the engine's Primary Key tables, by table name (test doubles upsert by them). */
export function primaryKeyTables(): Record<string, string[]> {
  const keyed: Record<string, string[]> = {};
  for (const table of [
    tables.contacts,
    tables.contactAlias,
    tables.groupMember,
    tables.groupDelta,
    tables.tagValue,
    tables.eventType,
  ]) {
    const layout = layoutOf(table);
    if (layout.kind === 'primary') keyed[table] = [...layout.key];
  }
  return keyed;
}

/** `` `name` `` (a backtick inside is doubled). */
export function quote(name: string): string {
  return `\`${name.replaceAll('`', '``')}\``;
}

export function qualified(database: string, table: string): string {
  return `${quote(database)}.${quote(table)}`;
}

export function columnTypeDdl(table: string, column: ColumnSpec): string {
  return KEY_VARCHAR[`${table}.${column.name}`] ?? DDL_TYPES[column.type];
}

function columnDdl(table: string, column: ColumnSpec, key: boolean): string {
  // DEFAULT takes a string literal (StarRocks.g4 defaultDesc: DEFAULT string_).
  if (column.default !== undefined && !Number.isFinite(column.default))
    throw new Error(`invalid default of column ${column.name}`);
  const fallback = column.default === undefined ? '' : ` DEFAULT "${column.default}"`;
  const nullable = key || (table === tables.events && column.name === 'event_time') ? ' NOT NULL' : ' NULL';
  return `${quote(column.name)} ${columnTypeDdl(table, column)}${nullable}${fallback}`;
}

/** The tables the StarRocks engine creates: every engine-neutral one but DuckDB's load ledger (labels do that job). */
export function starRocksTables(specs: TableSpec[]): TableSpec[] {
  return specs.filter((spec) => spec.name !== tables.ledger);
}

export function createDatabaseDdl(database: string): string {
  return `CREATE DATABASE IF NOT EXISTS ${quote(database)}`;
}

export function createTableDdl(database: string, spec: TableSpec, options: StarRocksDdlOptions): string {
  const layout = layoutOf(spec.name);
  const byName = new Map(spec.columns.map((c) => [c.name, c]));
  for (const name of layout.key) if (!byName.has(name)) throw new Error(`key column ${spec.name}.${name} is not in the table`);
  const ordered = [
    ...layout.key.map((name) => byName.get(name)!),
    ...spec.columns.filter((column) => !layout.key.includes(column.name)),
  ];
  const keys = new Set(layout.key);
  const lines = [`CREATE TABLE IF NOT EXISTS ${qualified(database, spec.name)} (`];
  lines.push(ordered.map((column) => `  ${columnDdl(spec.name, column, keys.has(column.name))}`).join(',\n'));
  lines.push(')');
  if (layout.key.length) {
    lines.push(`${layout.kind === 'primary' ? 'PRIMARY' : 'DUPLICATE'} KEY (${layout.key.map(quote).join(', ')})`);
  }
  if (layout.partition) lines.push(`PARTITION BY ${layout.partition}`);
  if (layout.hash) lines.push(`DISTRIBUTED BY HASH(${layout.hash.map(quote).join(', ')})`);
  const properties: [string, string][] = [
    ['replication_num', String(options.replicationNum)],
    ['fast_schema_evolution', 'true'],
  ];
  if (layout.kind === 'primary') properties.push(['enable_persistent_index', 'true']);
  lines.push(`PROPERTIES (${properties.map(([k, v]) => `"${k}" = "${v}"`).join(', ')})`);
  return lines.join('\n');
}

/**
 * Every new column of one table in ONE statement — one schema-change job per table (ALTER_TABLE.md:
 * `ADD COLUMN (column_name1 column_type …, …)`); a second ALTER on a table whose job still runs is refused.
 */
export function addColumnsDdl(database: string, table: string, columns: ColumnSpec[]): string {
  return `ALTER TABLE ${qualified(database, table)} ADD COLUMN (${columns.map((c) => columnDdl(table, c, false)).join(', ')})`;
}

/**
 * The schema-change job of a table, newest first (SHOW_ALTER.md example 3). Fast schema evolution may
 * finish it at once; the engine waits for FINISHED either way.
 */
export function showAlterDdl(database: string, table: string): string {
  return `SHOW ALTER TABLE COLUMN FROM ${quote(database)} WHERE TableName = "${table.replaceAll('"', '')}" ORDER BY CreateTime DESC LIMIT 1`;
}

/**
 * A view: CREATE VIEW when it does not exist, ALTER VIEW … AS when it does (CREATE_VIEW.md /
 * ALTER_VIEW.md; `CREATE OR REPLACE VIEW` is not in every 3.x grammar).
 */
export function viewDdl(database: string, view: string, body: string, exists: boolean): string {
  return exists
    ? `ALTER VIEW ${qualified(database, view)} AS ${body}`
    : `CREATE VIEW IF NOT EXISTS ${qualified(database, view)} AS ${body}`;
}

/** StarRocks' names of a tenant's objects. */
export interface TenantObjects {
  database: string;
  /** The operator-SQL user, role and resource group. */
  operatorUser: string;
  operatorRole: string;
  resourceGroup: string;
}

export function tenantObjects(prefix: string, tenantId: string): TenantObjects {
  const database = `${prefix}t_${tenantId}`;
  return { database, operatorUser: `${database}_sql`, operatorRole: `${database}_sql`, resourceGroup: `${database}_sql` };
}

export interface OperatorLimits {
  concurrencyLimit: number;
  cpuWeight: number;
  memLimitPercent: number;
  bigQueryCpuSecondLimit: number;
  bigQueryScanRowsLimit: number;
  bigQueryMemLimitBytes: number;
}

/** `'user'@'%'`. */
export function userName(user: string): string {
  return `'${user.replaceAll("'", "''")}'@'%'`;
}

/**
 * Operator SQL's isolation inside StarRocks (ADR 0064): a user per tenant whose only role may SELECT
 * the tenant's views — and the tables those views and the `group_<id>` / `tag_…` columns read, all in
 * the tenant's database: CREATE_VIEW.md says "Querying a view requires the SELECT privilege on the
 * view and on its corresponding base tables", while the ≥ 3.4.1 page describes SECURITY NONE views
 * needing only the view; granting the base tables satisfies both readings and still keeps the user
 * inside its own database. Then a resource group classifying that user's queries
 * (CREATE_RESOURCE_GROUP.md; `cpu_weight` is `cpu_core_limit` before 3.3.5; the SQL reference writes
 * mem_limit as a percentage, '20%').
 *
 * `password` is alphanumeric (generated), so it needs no escaping; these statements are never logged.
 */
export function operatorSecurityDdl(objects: TenantObjects, password: string, limits: OperatorLimits): string[] {
  if (!/^[A-Za-z0-9]{16,64}$/.test(password)) throw new Error('operator password must be 16–64 letters and digits');
  const role = quote(objects.operatorRole);
  const user = userName(objects.operatorUser);
  const db = objects.database;
  const readable = [
    ['VIEW', tables.eventView],
    ['VIEW', tables.contactView],
    // What event_view reads.
    ['TABLE', tables.events],
    ['TABLE', tables.contactAlias],
    ['TABLE', tables.eventType],
    // What contact_view reads, and its group_<id> / tag_… columns.
    ['TABLE', tables.contacts],
    ['TABLE', tables.groupMember],
    ['TABLE', tables.groupDelta],
    ['TABLE', tables.tagValue],
  ] as const;
  const resourceLimits = [
    ['cpu_weight', limits.cpuWeight],
    ['mem_limit', `${limits.memLimitPercent}%`],
    ['concurrency_limit', limits.concurrencyLimit],
    ['big_query_cpu_second_limit', limits.bigQueryCpuSecondLimit],
    ['big_query_scan_rows_limit', limits.bigQueryScanRowsLimit],
    ['big_query_mem_limit', limits.bigQueryMemLimitBytes],
  ]
    .map(([k, v]) => `'${k}' = '${v}'`)
    .join(', ');
  return [
    `CREATE ROLE IF NOT EXISTS ${role}`,
    `CREATE USER IF NOT EXISTS ${user} IDENTIFIED BY '${password}' DEFAULT ROLE ${role}`,
    // The user may predate the password kept in OLTP (a restored OLTP, a second process): set it again.
    `ALTER USER ${user} IDENTIFIED BY '${password}'`,
    ...readable.map(([kind, object]) => `GRANT SELECT ON ${kind} ${qualified(db, object)} TO ROLE ${role}`),
    `GRANT ${role} TO USER ${user}`,
    `SET DEFAULT ROLE ${role} TO ${user}`,
    `CREATE RESOURCE GROUP IF NOT EXISTS ${quote(objects.resourceGroup)} TO (user='${objects.operatorUser}') WITH (${resourceLimits})`,
    // Limits changed in the configuration reach a group created earlier.
    `ALTER RESOURCE GROUP ${quote(objects.resourceGroup)} WITH (${resourceLimits})`,
  ];
}

/**
 * The version of what a full reconcile does beyond the DDL text it sends (its steps, the order, how
 * it reads the catalog). Bump it when such a change must reach every tenant at the next start; a
 * change to the generated DDL itself changes the fingerprint on its own.
 */
export const STARROCKS_RECONCILE_VERSION = 1;

/** A fixed password for the fingerprint: the operator DDL is hashed without the real one. */
const FINGERPRINT_PASSWORD = 'fingerprintPasswordPlaceholder0';

/** What a full reconcile of a tenant brings its database to (every input of the statements it sends). */
export interface ReconcileTarget {
  objects: TenantObjects;
  /** `declarationChecksum` of the declaration. */
  declaration: string;
  /** The CREATE TABLE statement of every table the declaration and the plugin relations ask for. */
  tables: readonly string[];
  /** The translated bodies of event_view and contact_view. */
  views: readonly string[];
  operator: OperatorLimits;
}

/**
 * The SHA-256 (hex, 64 characters) a full reconcile records in OLTP when it finished
 * (`olap_tenant_state.reconciled_fingerprint`, ADR 0064 amendments 2026-12-05, follow-ups): the reconcile
 * version, the database and operator objects' names, the declaration's checksum (its event types
 * too), every CREATE TABLE, both view bodies and the operator user's DDL (with a placeholder password).
 */
export function reconcileFingerprint(target: ReconcileTarget): string {
  const text = JSON.stringify({
    version: STARROCKS_RECONCILE_VERSION,
    objects: target.objects,
    declaration: target.declaration,
    tables: target.tables,
    views: target.views,
    operator: operatorSecurityDdl(target.objects, FINGERPRINT_PASSWORD, target.operator),
  });
  return createHash('sha256').update(text).digest('hex');
}
