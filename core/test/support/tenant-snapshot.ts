import type { OltpStore } from '../../src/store/oltp/oltp-store.js';

/**
 * Reads the OLTP store as the tenant-isolation replay needs it: which tables a tenant owns, every
 * row of one tenant in each of them, and distinct id ranges per table so that a victim's id seen
 * anywhere in another tenant's response is unambiguous.
 */

/** Tables that are not data: knex's migration bookkeeping and SQLite's internals. */
export function isBookkeepingTable(table: string): boolean {
  return table.startsWith('sqlite_') || /(^|_)migrations(_lock)?$/.test(table);
}

export interface TableShape {
  table: string;
  columns: string[];
}

/** Every data table with its columns, by name. */
export async function dataTables(oltp: OltpStore): Promise<TableShape[]> {
  const tables = (await oltp.listTables()).filter((t) => !isBookkeepingTable(t)).sort();
  const shapes: TableShape[] = [];
  for (const table of tables) shapes.push({ table, columns: Object.keys(await oltp.knex(table).columnInfo()).sort() });
  return shapes;
}

/**
 * Moves each table's auto-increment counter to its own range ((i + 1) × 1,000,000), so ids of
 * different tables never coincide: a victim's id found in an attacker's response is a leak, not a
 * coincidence with one of the attacker's own ids of another table. Call it on an empty store.
 */
export async function spreadIdRanges(oltp: OltpStore): Promise<void> {
  const shapes = await dataTables(oltp);
  for (const [index, { table, columns }] of shapes.entries()) {
    if (!columns.includes('id')) continue;
    const start = (index + 1) * 1_000_000;
    if (oltp.info.client === 'sqlite') {
      // knex's increments() are AUTOINCREMENT columns: their next id follows sqlite_sequence.
      const updated = await oltp.knex('sqlite_sequence').where({ name: table }).update({ seq: start });
      if (!updated) await oltp.knex('sqlite_sequence').insert({ name: table, seq: start });
    } else {
      await oltp.knex.raw('alter table ?? auto_increment = ?', [table, start + 1]);
    }
  }
}

export type TenantSnapshot = Record<string, string[]>;

/**
 * Every row of `tenantId` in every tenant-owned table (and its `tenant` row), each row as sorted
 * JSON so the snapshot compares regardless of row order and driver types.
 */
export async function snapshotTenant(oltp: OltpStore, tenantId: string, shapes: TableShape[]): Promise<TenantSnapshot> {
  const snapshot: TenantSnapshot = {};
  for (const { table, columns } of shapes) {
    let rows: Record<string, unknown>[];
    if (table === 'tenant') rows = await oltp.knex(table).where({ id: tenantId });
    else if (columns.includes('tenant_id')) rows = await oltp.knex(table).where({ tenant_id: tenantId });
    else continue;
    snapshot[table] = rows.map((row) => JSON.stringify(Object.fromEntries(columns.map((c) => [c, normalize(row[c])])))).sort();
  }
  return snapshot;
}

function normalize(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint' || typeof value === 'number') return String(value);
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'boolean') return value ? '1' : '0';
  return value;
}

/** Columns whose values identify one row of one tenant (shared values such as `schedule_key` excluded). */
const IDENTIFYING_COLUMNS = new Set(['id', 'email', 'app_key', 'channel_key', 'write_key', 'token_hash', 'csrf_token']);

/** The ids (and other identifying values) found in a snapshot, as strings. */
export function identifiersOf(snapshot: TenantSnapshot, extra: string[] = []): Set<string> {
  const ids = new Set(extra);
  for (const rows of Object.values(snapshot)) {
    for (const json of rows) {
      const row = JSON.parse(json) as Record<string, unknown>;
      for (const [column, value] of Object.entries(row)) {
        if (value === null) continue;
        if (IDENTIFYING_COLUMNS.has(column)) ids.add(String(value));
      }
    }
  }
  return ids;
}

/** Every primitive value anywhere in a JSON body, as strings (object keys excluded). */
export function valuesIn(body: unknown, into: Set<string> = new Set()): Set<string> {
  if (body === null || body === undefined) return into;
  if (Array.isArray(body)) for (const item of body) valuesIn(item, into);
  else if (typeof body === 'object') for (const value of Object.values(body)) valuesIn(value, into);
  else into.add(String(body));
  return into;
}

/** Human-readable differences between two snapshots, one line per table. */
export function snapshotDiff(before: TenantSnapshot, after: TenantSnapshot): string[] {
  const problems: string[] = [];
  for (const table of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const was = new Set(before[table] ?? []);
    const now = new Set(after[table] ?? []);
    const removed = [...was].filter((r) => !now.has(r));
    const added = [...now].filter((r) => !was.has(r));
    if (removed.length || added.length)
      problems.push(`${table}: rows before ${JSON.stringify(removed)} became ${JSON.stringify(added)}`);
  }
  return problems;
}
