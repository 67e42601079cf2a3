import { AsyncLocalStorage } from 'node:async_hooks';
import type { Knex } from 'knex';
import { Columns } from './columns.js';
import { withoutStatementTimeout, type OltpConnectionInfo } from './knex.js';
import type { OltpMigration } from './migrations/types.js';
import { tenantQuery } from './tenant-query.js';

type Executor = Knex | Knex.Transaction;

/** The shape of one table or view: what a migration of someone else must not change. */
export interface RelationShape {
  kind: 'table' | 'view';
  /** Column name → type, nullability, default… (engine-specific text, only compared). */
  columns: Map<string, string>;
  /** Indexes, foreign keys and triggers on it, plus (SQLite) its CREATE statement. */
  details: Set<string>;
}

/** Tables and views of the OLTP database by name (SQLite's internal tables left out). */
export type SchemaSnapshot = Map<string, RelationShape>;

/**
 * Tenant-confined access to the OLTP store. Every query it builds is filtered by the tenant and
 * every row it inserts is stamped with it; repositories never see the bare knex instance.
 */
export class TenantDb {
  /**
   * @param allowTable restricts which tables `from`/`insert` may name (a plugin's own prefix); it
   *   throws for any other table.
   */
  constructor(
    private readonly executor: Executor,
    readonly tenantId: string,
    private readonly allowTable?: (table: string) => void,
  ) {}

  /**
   * A query on `table` restricted to this tenant, which cannot be widened by mistake: the tenant
   * condition stays AND-ed to everything else, and clearing it or switching tables throws (see
   * `tenantQuery`).
   */
  from<TRecord extends object = Record<string, unknown>>(table: string): Knex.QueryBuilder<TRecord> {
    this.allowTable?.(table);
    return tenantQuery<TRecord>(this.executor, table, { tenantId: this.tenantId, allowTable: this.allowTable });
  }

  /** Inserts one row stamped with this tenant and returns its id as a string. */
  async insert(table: string, row: Record<string, unknown>): Promise<string> {
    this.allowTable?.(table);
    const [id] = await this.executor(table).insert({ ...row, tenant_id: this.tenantId });
    return String(id);
  }

  async transaction<T>(work: (db: TenantDb) => Promise<T>): Promise<T> {
    if (this.executor.isTransaction) return work(this);
    return (this.executor as Knex).transaction((trx) => work(new TenantDb(trx, this.tenantId, this.allowTable)));
  }
}

export class OltpStore {
  readonly columns: Columns;
  private readonly currentTransaction = new AsyncLocalStorage<Knex.Transaction>();

  constructor(
    readonly knex: Knex,
    readonly info: OltpConnectionInfo,
  ) {
    this.columns = new Columns(info.client);
  }

  forTenant(tenantId: string, allowTable?: (table: string) => void): TenantDb {
    return new TenantDb(this.executor(), tenantId, allowTable);
  }

  /** The transaction this async context runs in (see `transaction`), or the pool. */
  executor(): Executor {
    return this.currentTransaction.getStore() ?? this.knex;
  }

  /**
   * Runs `work` in one transaction that every module's database joins while it runs: a change
   * that spans modules (a tenant and its first staff member) commits or rolls back as one, while
   * each module still touches only its own tables. Nested calls join the outer transaction.
   */
  async transaction<T>(work: () => Promise<T>, options?: { isolationLevel?: 'read committed' }): Promise<T> {
    if (this.currentTransaction.getStore()) return work();
    return this.knex.transaction((trx) => this.currentTransaction.run(trx, work), options);
  }

  /** The database of one core module: its own tables only, tenant-scoped unless it asks otherwise. */
  forModule(moduleId: string, tables: readonly string[]): ModuleDatabase {
    return new ModuleDatabase(this, moduleId, new Set(tables));
  }

  /** Runs every pending migration of `migrations` (in one knex migration table). */
  /**
   * Applies the pending migrations. Two processes starting at once on a fresh database (two
   * `huiliu start`, a `huiliu demo` beside them) do not fail: the one that finds the migration
   * lock taken — or loses the race to create the lock table — waits and tries again, and then
   * finds nothing left to apply. A lock still held after `waitMs` means a process died while
   * migrating: the error says how to free it (`huiliu migrate --unlock`).
   */
  async migrate(
    migrations: readonly OltpMigration[],
    tableName = 'knex_migrations',
    { waitMs = 120_000 }: { waitMs?: number } = {},
  ): Promise<string[]> {
    const deadline = Date.now() + waitMs;
    for (let attempt = 1; ; attempt += 1) {
      try {
        const [, applied] = (await this.knex.migrate.latest({ migrationSource: this.source(migrations), tableName })) as [
          number,
          string[],
        ];
        return applied;
      } catch (error) {
        const locked = (error as Error).name === 'MigrationLocked';
        if (!locked && !isTableCreationRace(error)) throw error;
        if (Date.now() >= deadline) {
          throw locked
            ? new Error(
                `The OLTP migrations (${tableName}) are locked by another process. If no other Huiliu process is running, ` +
                  'one stopped while migrating: free the lock with `huiliu migrate --unlock`, then start again.',
              )
            : error;
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 100 * attempt)));
      }
    }
  }

  /** Frees the migration lock a process left when it died while migrating (`huiliu migrate --unlock`). */
  async unlockMigrations(tableName = 'knex_migrations'): Promise<void> {
    await this.knex.migrate.forceFreeMigrationsLock({ tableName });
  }

  async rollbackAll(migrations: readonly OltpMigration[], tableName = 'knex_migrations'): Promise<void> {
    await this.knex.migrate.rollback({ migrationSource: this.source(migrations), tableName }, true);
  }

  /** Names of the tables in the OLTP database. */
  async listTables(): Promise<string[]> {
    if (this.info.client === 'sqlite') {
      const rows = await this.knex.raw<{ name: string }[]>("select name from sqlite_master where type = 'table'");
      return rows.map((r) => r.name);
    }
    const [rows] = await this.knex.raw(
      'select table_name as name from information_schema.tables where table_schema = database()',
    );
    return (rows as { name: string }[]).map((r) => r.name);
  }

  /**
   * The schema as it is now (tables, views, columns, indexes, foreign keys, triggers), read through
   * `executor` — pass the migration's transaction while one is open (SQLite has one connection).
   */
  async describeSchema(executor: Executor = this.knex): Promise<SchemaSnapshot> {
    const snapshot: SchemaSnapshot = new Map();
    const relation = (name: string, kind: RelationShape['kind'] = 'table'): RelationShape => {
      let shape = snapshot.get(name);
      if (!shape) snapshot.set(name, (shape = { kind, columns: new Map(), details: new Set() }));
      return shape;
    };
    if (this.info.client === 'sqlite') {
      const objects = await executor.raw<{ type: string; name: string; tbl_name: string; sql: string | null }[]>(
        "select type, name, tbl_name, sql from sqlite_master where substr(name, 1, 7) <> 'sqlite_'",
      );
      for (const o of objects.filter((o) => o.type === 'table' || o.type === 'view')) {
        relation(o.name, o.type as RelationShape['kind']).details.add(`sql:${o.sql ?? ''}`);
      }
      for (const o of objects.filter((o) => o.type === 'index' || o.type === 'trigger')) {
        relation(o.tbl_name).details.add(`${o.type}:${o.name}:${o.sql ?? ''}`);
      }
      const columns = await executor.raw<{ t: string; c: string; type: string; nn: number; d: string | null; pk: number }[]>(
        "select m.name as t, p.name as c, p.type as type, p.\"notnull\" as nn, p.dflt_value as d, p.pk as pk from sqlite_master m join pragma_table_info(m.name) p where m.type in ('table', 'view') and substr(m.name, 1, 7) <> 'sqlite_'",
      );
      for (const c of columns) relation(c.t).columns.set(c.c, `${c.type}|${c.nn}|${c.d ?? ''}|${c.pk}`);
      return snapshot;
    }
    const rows = async <R>(sql: string): Promise<R[]> => ((await executor.raw(sql)) as [R[]])[0];
    for (const t of await rows<{ t: string; kind: string }>(
      'select table_name as t, table_type as kind from information_schema.tables where table_schema = database()',
    )) {
      relation(t.t, t.kind === 'VIEW' ? 'view' : 'table');
    }
    // (column_key is left out: it only mirrors the indexes, compared below.)
    for (const c of await rows<{ t: string; c: string; type: string; nullable: string; d: string | null; x: string }>(
      'select table_name as t, column_name as c, column_type as type, is_nullable as nullable, column_default as d, extra as x from information_schema.columns where table_schema = database()',
    )) {
      relation(c.t).columns.set(c.c, `${c.type}|${c.nullable}|${c.d ?? ''}|${c.x}`);
    }
    for (const i of await rows<{ t: string; name: string; c: string; u: number }>(
      'select table_name as t, index_name as name, column_name as c, non_unique as u from information_schema.statistics where table_schema = database()',
    )) {
      relation(i.t).details.add(`index:${i.name}:${i.c}:${i.u}`);
    }
    for (const f of await rows<{ t: string; name: string; c: string; rt: string; rc: string }>(
      'select table_name as t, constraint_name as name, column_name as c, referenced_table_name as rt, referenced_column_name as rc from information_schema.key_column_usage where table_schema = database() and referenced_table_name is not null',
    )) {
      relation(f.t).details.add(`foreign:${f.name}:${f.c}->${f.rt}.${f.rc}`);
    }
    for (const g of await rows<{ t: string; name: string }>(
      'select event_object_table as t, trigger_name as name from information_schema.triggers where trigger_schema = database()',
    )) {
      relation(g.t).details.add(`trigger:${g.name}`);
    }
    return snapshot;
  }

  /** The database server's clock in epoch ms: leases are measured on it, never on a process clock. */
  async now(executor: Knex | Knex.Transaction = this.knex): Promise<number> {
    if (this.info.client === 'sqlite') {
      const [row] = await executor.raw<{ now: number }[]>(
        "select cast((julianday('now') - 2440587.5) * 86400000 as integer) as now",
      );
      return Number(row!.now);
    }
    const [rows] = await executor.raw('select cast(unix_timestamp(now(3)) * 1000 as unsigned) as now');
    return Number((rows as { now: number }[])[0]!.now);
  }

  async ping(): Promise<void> {
    await this.knex.raw('select 1 as ok');
  }

  async close(): Promise<void> {
    await this.knex.destroy();
  }

  private source(migrations: readonly OltpMigration[]): Knex.MigrationSource<OltpMigration> {
    const columns = this.columns;
    const info = this.info;
    return {
      getMigrations: async () => [...migrations],
      getMigrationName: (migration) => migration.name,
      getMigration: async (migration) => ({
        // Migrations may run long (index builds): no statement timeout on their connection.
        up: (knex: Knex) => withoutStatementTimeout(knex, info, () => migration.up(knex, columns)),
        down: (knex: Knex) => withoutStatementTimeout(knex, info, () => migration.down(knex)),
      }),
    };
  }
}

/**
 * A core module's OLTP access. It reaches only the tables the module owns (declared in its
 * `defineModule({ tables })`): a query on another module's table throws, so crossings fail in
 * tests instead of hiding in code review. Joins name tables too; they go through `owns()`.
 */
export class ModuleDatabase {
  constructor(
    private readonly store: OltpStore,
    readonly moduleId: string,
    private readonly tables: ReadonlySet<string>,
  ) {}

  get columns(): Columns {
    return this.store.columns;
  }

  get client(): OltpConnectionInfo['client'] {
    return this.store.info.client;
  }

  /** Throws unless the module owns `table` (an alias `table as t` names the same table). */
  owns(table: string): string {
    const name = tableName(table);
    if (!this.tables.has(name)) {
      throw new Error(`Module "${this.moduleId}" may use only its own tables (${[...this.tables].join(', ')}), not "${name}"`);
    }
    return table;
  }

  forTenant(tenantId: string): TenantDb {
    return this.store.forTenant(tenantId, (table) => void this.owns(table));
  }

  /**
   * A query on one of the module's tables that is NOT tenant-scoped: only for the lookups that
   * establish the tenant (a session token, a login email, an app key) and for the tenant table.
   */
  unscoped<TRecord extends object = Record<string, unknown>>(table: string): Knex.QueryBuilder<TRecord> {
    const builder = this.store.executor()<TRecord>(this.owns(table));
    return confinedQuery(builder, tableName(table), (other) => void this.owns(other));
  }

  /** True while this async context runs inside `transaction()` (a write here commits or rolls back with it). */
  inTransaction(): boolean {
    return this.store.executor() !== this.store.knex;
  }

  /** See `OltpStore.transaction`: other modules' writes inside `work` join the same transaction. */
  transaction<T>(work: () => Promise<T>, options?: { isolationLevel?: 'read committed' }): Promise<T> {
    return this.store.transaction(work, options);
  }

  /**
   * A raw SQL expression for a value (`attempts + 1`, `coalesce(started_at, ?)`): no statement, no
   * table — anything that reads like a query is refused, and the expression cannot be run by itself.
   */
  raw(sql: string, bindings: readonly Knex.RawBinding[] = []): Knex.Raw {
    if (/\b(select|from|join|union|insert|update|delete|into|table|with)\b|;/i.test(sql)) {
      throw new Error(`Module "${this.moduleId}": raw() takes a value expression, not a query: ${sql}`);
    }
    const expression = this.store.knex.raw(sql, bindings);
    for (const run of ['then', 'catch', 'finally', 'asCallback', 'stream', 'pipe'] as const) {
      Object.defineProperty(expression, run, { value: undefined });
    }
    return expression;
  }

  /** The database clock (epoch ms). */
  now(): Promise<number> {
    return this.store.now(this.store.executor());
  }
}

/** `staff as s` / `staff s` → `staff`. */
function tableName(reference: string): string {
  return reference.trim().split(/\s+/)[0]!;
}

const JOIN_METHODS = new Set([
  'join',
  'innerJoin',
  'leftJoin',
  'leftOuterJoin',
  'rightJoin',
  'rightOuterJoin',
  'fullOuterJoin',
  'outerJoin',
  'crossJoin',
]);
const UNCHECKABLE = new Set(['joinRaw', 'fromRaw', 'withSchema', 'union', 'unionAll', 'intersect', 'except']);
/** Methods whose function or builder argument is a sub-query (which could name any table). */
const SUBQUERY_METHODS = /^(and|or)?(where|having)(Not)?(In|Exists)?$|^(select|column|columns|first|pluck|fromSub)$/i;
const confinedBuilders = new WeakSet<object>();

/**
 * A query on one table whose joins and table switches are checked against `allowTable` (a module's
 * own tables): `.join('tenant')` from the staff module throws instead of reading tenancy's table.
 * Raw joins, sub-query joins, CTEs and set operations cannot be checked and are refused.
 */
function confinedQuery<TRecord extends object>(
  builder: Knex.QueryBuilder<TRecord>,
  table: string,
  allowTable: (table: string) => void,
): Knex.QueryBuilder<TRecord> {
  const refuse = (why: string): never => {
    throw new Error(`A query on "${table}": ${why}`);
  };
  const proxy: Knex.QueryBuilder<TRecord> = new Proxy(builder, {
    get(object, property, receiver) {
      if (property === 'clone') return () => confinedQuery((object as Knex.QueryBuilder<TRecord>).clone(), table, allowTable);
      const value = Reflect.get(object, property, receiver) as unknown;
      if (value === object) return proxy;
      if (typeof value !== 'function' || typeof property !== 'string' || property === 'constructor') return value;
      return function confined(this: unknown, ...args: unknown[]) {
        if (UNCHECKABLE.has(property) || property.startsWith('with'))
          refuse(`${property}() cannot be checked against the module's tables`);
        if (JOIN_METHODS.has(property)) {
          if (typeof args[0] !== 'string') refuse('a join to a sub-query or raw SQL cannot be checked');
          allowTable(tableName(args[0] as string));
        }
        if ((property === 'from' || property === 'table' || property === 'into') && args[0] !== undefined) {
          if (typeof args[0] !== 'string' || tableName(args[0]) !== table) refuse(`${property}() would switch to another table`);
        }
        if (SUBQUERY_METHODS.test(property)) {
          for (const arg of args) {
            const isQuery = arg !== null && typeof arg === 'object' && typeof (arg as { toSQL?: unknown }).toSQL === 'function';
            const isRaw = isQuery && (arg as { isRawInstance?: boolean }).isRawInstance === true;
            if (isQuery && !isRaw && !confinedBuilders.has(arg as object))
              refuse(`${property}() with a sub-query on other tables`);
            if (typeof arg === 'function' && !/^(and|or)?where(Not)?$/i.test(property)) {
              refuse(`${property}() with a sub-query callback cannot be checked (pass the module's own query)`);
            }
          }
        }
        const result = (value as (...a: unknown[]) => unknown).apply(this, args);
        return result === object ? proxy : result;
      };
    },
  });
  confinedBuilders.add(proxy);
  return proxy;
}

/** The database is away or timed out (not the statement's fault): retry later, judge nothing by it. */
export { isOltpUnavailable } from './knex.js';

/** True when a write failed on a UNIQUE constraint (either engine). */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'ER_DUP_ENTRY' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** True when a write named a row another table's foreign key requires and that row is gone (either engine). */
export function isForeignKeyViolation(error: unknown): boolean {
  const { code, errno } = (error ?? {}) as { code?: unknown; errno?: unknown };
  return code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || code === 'ER_NO_REFERENCED_ROW_2' || errno === 1452;
}

/**
 * MySQL/MariaDB chose this transaction as a deadlock victim, or a lock wait timed out: it rolled back,
 * and is simply retried.
 */
export function isDeadlock(error: unknown): boolean {
  const { code, errno } = (error ?? {}) as { code?: unknown; errno?: unknown };
  return code === 'ER_LOCK_DEADLOCK' || errno === 1213 || code === 'ER_LOCK_WAIT_TIMEOUT' || errno === 1205;
}

/**
 * Runs `work` (a whole transaction) again when MySQL/MariaDB rolled it back as a deadlock victim or
 * after a lock wait timeout — up to `attempts` times, with a short random pause between. Concurrent
 * "update, else insert" transactions on neighbouring keys deadlock on InnoDB's gap locks; the work is
 * idempotent by construction in every caller.
 */
export async function withDeadlockRetry<T>(work: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (!isDeadlock(error) || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10 + Math.floor(Math.random() * 40 * attempt)));
    }
  }
}

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}

/**
 * One page of an admin list (`page`/`pageSize` + `total`, ARCHITECTURE §9): `query()` builds the
 * filtered query afresh for the count and for the rows.
 */
export async function paginate<Row extends object, T>(
  query: () => Knex.QueryBuilder<Row>,
  options: { page: number; pageSize: number; orderBy: string; direction?: 'asc' | 'desc' },
  map: (row: Row) => T,
): Promise<Page<T>> {
  const [countRow] = await query().count<{ n: number }[]>({ n: '*' });
  const rows = (await query()
    .orderBy(options.orderBy, options.direction ?? 'desc')
    .limit(options.pageSize)
    .offset((options.page - 1) * options.pageSize)) as Row[];
  return { items: rows.map(map), total: Number(countRow?.n ?? 0), page: options.page, pageSize: options.pageSize };
}

/** Two processes creating knex's migration tables at once: the loser's CREATE TABLE fails. */
function isTableCreationRace(error: unknown): boolean {
  const { code, errno, message } = error as { code?: string; errno?: number; message?: string };
  return (
    code === 'ER_TABLE_EXISTS_ERROR' ||
    errno === 1050 ||
    (typeof message === 'string' &&
      /table `?knex_migrations(_lock)?`? already exists|UNIQUE constraint failed: knex_migrations_lock/i.test(message))
  );
}
