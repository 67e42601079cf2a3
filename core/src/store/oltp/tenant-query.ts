import type { Knex } from 'knex';

/** A query that would leave its tenant (or, for a plugin, its own tables). */
export class TenantScopeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TenantScopeError';
  }
}

/** What a tenant-scoped query may touch besides its own table. */
export interface TenantQueryScope {
  tenantId: string;
  /** Throws for a table the caller may not name (a plugin: tables outside its prefix). */
  allowTable?: (table: string) => void;
}

// knex keeps a builder's clauses in `_statements` (stable across knex 0.x–3.x); the scope reads and
// rewrites only the `where` grouping of it. Statements are immutable once pushed, so a clone that
// shares them with its original stays correct.
interface Statement {
  grouping?: string;
  type?: string;
  value?: unknown;
  bool?: string;
  not?: boolean;
}
interface BuilderInternals {
  _statements: Statement[];
  _single: { table?: unknown };
}

const tenantConditions = new WeakSet<object>();
/** The group holding the caller's conditions → those conditions, in the order they were added. */
const callerConditions = new WeakMap<object, Statement[]>();

/** Methods that would let rows of other tenants or other tables in; refused on every scoped query. */
const REFUSED = new Map<string, string>([
  ['clearWhere', 'clearWhere() would remove the tenant condition'],
  ['fromRaw', 'fromRaw() would switch to another table'],
  ['withSchema', 'withSchema() would switch to another database'],
  ['union', 'union() would add rows that are not confined to the tenant'],
  ['unionAll', 'unionAll() would add rows that are not confined to the tenant'],
  ['intersect', 'intersect() combines queries that are not confined to the tenant'],
  ['except', 'except() combines queries that are not confined to the tenant'],
  ['upsert', 'upsert() is not supported on a tenant-scoped query'],
  ['onConflict', 'onConflict() is not supported on a tenant-scoped query (its merge ignores the tenant on MySQL)'],
]);

/**
 * Methods whose function or query-builder argument is a sub-query (`whereIn(col, qb => qb.from(…))`,
 * `whereExists(…)`, a column sub-select). A sub-query built outside the scope has no tenant condition
 * and names any table, so only another scoped query is accepted there.
 */
const SUBQUERY_METHODS = /^(and|or)?(where|having)(Not)?(In|Exists)$|^(select|column|columns|first|pluck|fromSub)$/i;

/** Every builder a scope handed out: the only sub-queries a scoped query accepts. */
const scopedBuilders = new WeakSet<object>();

const JOINS = new Set(['join', 'joinRaw']);

/**
 * A knex query on `table` confined to one tenant, which the code using it cannot widen by mistake:
 *
 * - the tenant condition is always the first `where`, and every other `where` the caller adds is
 *   kept inside one parenthesised group AND-ed to it, so `orWhere(…)` or `whereRaw('… or …')`
 *   cannot reach other tenants' rows (the regrouping happens as the query is built, so the query
 *   is also safe as a sub-query of another one);
 * - `clearWhere()` / `clear('where')`, switching tables (`from`, `table`, `into` with another name,
 *   `fromRaw`, `withSchema`), CTEs (`with…`) and set operations (`union`, `intersect`, `except`)
 *   throw; `clone()` returns a scoped query too;
 * - with `allowTable` (a plugin's query), joins name only tables it allows (`joinRaw` and joins to
 *   sub-queries are refused);
 * - inserts through the builder are stamped with the tenant, and an update may not move a row to
 *   another tenant.
 *
 * These checks stop mistakes; they are not a sandbox (code holding the builder can still reach
 * knex's internals on purpose).
 */
export function tenantQuery<TRecord extends object>(
  executor: Knex | Knex.Transaction,
  table: string,
  scope: TenantQueryScope,
): Knex.QueryBuilder<TRecord> {
  const builder = executor<TRecord>(table).where(`${table}.tenant_id`, scope.tenantId);
  const internals = builder as unknown as BuilderInternals;
  tenantConditions.add(internals._statements[0]!);
  return guard(builder, table, scope);
}

function guard<TRecord extends object>(
  builder: Knex.QueryBuilder<TRecord>,
  table: string,
  scope: TenantQueryScope,
): Knex.QueryBuilder<TRecord> {
  const target = builder as unknown as BuilderInternals & Record<string | symbol, unknown>;
  const refuse = (why: string): never => {
    throw new TenantScopeError(`A tenant-scoped query on "${table}": ${why}`);
  };
  const checkTableArgument = (value: unknown, via: string): void => {
    if (typeof value === 'string') {
      if (value.trim() !== table) refuse(`${via}("${value}") would switch to another table`);
      return;
    }
    if (value === undefined) return;
    refuse(`${via}() with a sub-query or raw SQL would switch to another table`);
  };
  const checkJoin = (method: string, args: unknown[]): void => {
    if (!scope.allowTable) return;
    if (method === 'joinRaw') refuse('joinRaw() cannot be checked against the tables this caller may use');
    const joined = args[0];
    const names =
      typeof joined === 'string'
        ? [joined]
        : joined && typeof joined === 'object' && !Array.isArray(joined) && Object.getPrototypeOf(joined) === Object.prototype
          ? Object.values(joined as Record<string, unknown>)
          : [joined];
    for (const name of names) {
      if (typeof name !== 'string') refuse('a join to a sub-query or raw SQL cannot be checked');
      // `staff as s` / `staff s`: the table is the first word.
      scope.allowTable!((name as string).trim().split(/\s+/)[0]!);
    }
  };
  // Column names compare case-insensitively on both engines, quoted or qualified: `TENANT_ID`,
  // `"tenant_id"` and `t.tenant_id` are all the tenant column.
  const isTenantColumn = (key: string): boolean => /(^|\.)["`]?tenant_id["`]?$/i.test(key.trim());
  const checkRow = (row: unknown): Record<string, unknown> => {
    const values = { ...(row as Record<string, unknown>) };
    for (const key of Object.keys(values)) {
      if (!isTenantColumn(key)) continue;
      if (String(values[key]) !== scope.tenantId) refuse(`a row of another tenant cannot be written`);
      delete values[key];
    }
    return values;
  };
  const checkSubqueries = (method: string, args: unknown[]): void => {
    if (
      method === 'where' ||
      method === 'andWhere' ||
      method === 'orWhere' ||
      method === 'whereNot' ||
      SUBQUERY_METHODS.test(method)
    ) {
      for (const arg of args) {
        const builderLike = arg !== null && typeof arg === 'object' && typeof (arg as { toSQL?: unknown }).toSQL === 'function';
        if (builderLike && !scopedBuilders.has(arg as object)) {
          refuse(`${method}() with a sub-query that is not tenant-scoped (build it with forTenant() too)`);
        }
        // A callback of where() only groups conditions; anywhere else it builds a sub-query.
        if (typeof arg === 'function' && SUBQUERY_METHODS.test(method)) {
          refuse(`${method}() with a sub-query callback cannot be confined to the tenant (pass a forTenant() query)`);
        }
      }
    }
  };

  const before = (method: string, args: unknown[]): unknown[] => {
    const refusal = REFUSED.get(method);
    if (refusal) refuse(refusal);
    if (method.startsWith('with')) refuse(`${method}() would add a query that is not confined to the tenant`);
    if (method === 'clear' && args[0] === 'where') refuse("clear('where') would remove the tenant condition");
    if (method === 'from' || method === 'table' || method === 'into') checkTableArgument(args[0], method);
    if (JOINS.has(method)) checkJoin(method, args);
    checkSubqueries(method, args);
    if (method === 'insert') {
      const rows = args[0];
      const stamped = Array.isArray(rows)
        ? rows.map((row) => ({ ...checkRow(row), tenant_id: scope.tenantId }))
        : { ...checkRow(rows), tenant_id: scope.tenantId };
      return [stamped, ...args.slice(1)];
    }
    if (method === 'update') {
      if (typeof args[0] === 'string') {
        if (isTenantColumn(args[0])) refuse('the tenant of a row cannot be changed');
      } else if (args[0] && typeof args[0] === 'object') {
        return [checkRow(args[0]), ...args.slice(1)];
      }
    }
    if ((method === 'increment' || method === 'decrement') && /(^|\.)tenant_id$/.test(String(args[0]))) {
      refuse('the tenant of a row cannot be changed');
    }
    return args;
  };
  const after = (): void => {
    const statements = target._statements;
    if (!statements.some((s) => tenantConditions.has(s))) refuse('the tenant condition was removed');
    const loose = statements.filter((s) => s.grouping === 'where' && !tenantConditions.has(s) && !callerConditions.has(s));
    if (loose.length === 0) return;
    const previous = statements.find((s) => callerConditions.has(s));
    // One flat group: `tenant AND (exactly what the caller wrote)`, with knex's own precedence inside.
    const grouped: Statement[] = [...(previous ? callerConditions.get(previous)! : []), ...loose];
    const group: Statement = {
      grouping: 'where',
      type: 'whereWrapped',
      // knex calls this while compiling, on a fresh builder whose where clause becomes `( … )`.
      value(this: BuilderInternals) {
        this._statements.push(...grouped);
      },
      bool: 'and',
      not: false,
    };
    callerConditions.set(group, grouped);
    const rest = statements.filter((s) => s.grouping !== 'where');
    const tenant = statements.filter((s) => tenantConditions.has(s));
    target._statements = [...tenant, group, ...rest];
  };
  const checkCompiled = (): void => {
    if (target._single.table !== table) refuse('the table was switched');
    after();
  };

  const proxy: Knex.QueryBuilder<TRecord> = new Proxy(builder, {
    get(object, property, receiver) {
      if (property === 'clone') {
        return () => guard((object as Knex.QueryBuilder<TRecord>).clone(), table, scope);
      }
      const value = Reflect.get(object, property, receiver) as unknown;
      // knex's `builder.and` is the builder itself: hand out the scoped one.
      if (value === object) return proxy;
      if (typeof value !== 'function' || typeof property !== 'string' || property === 'constructor') return value;
      return function scoped(this: unknown, ...args: unknown[]) {
        if (property === 'toSQL' || property === 'toString' || property === 'toQuery') checkCompiled();
        const result = (value as (...a: unknown[]) => unknown).apply(this, before(property, args));
        after();
        return result === object ? proxy : result;
      };
    },
  });
  scopedBuilders.add(proxy);
  return proxy;
}
