import { ConflictError, DomainError, InputError, NotFoundError, type ErrorDetail } from '../../server/errors.js';

/**
 * The analytics engine's failures, as core domain errors so a route that reaches the engine answers
 * with a stable code (the messages are registered in server/messages.ts).
 */

/** A declaration, batch or query argument that is malformed; nothing was written. */
export class OlapInputError extends InputError {
  constructor(code: 'olap_declaration_invalid' | 'olap_batch_invalid' | 'olap_argument_invalid', details: ErrorDetail[]) {
    super(code, {}, details);
    this.message = `${code}: ${details.map((d) => `${d.path} ${d.code}`).join('; ')}`;
  }
}

/** A declaration that would change an existing column's type (the OLAP schema is add-only). */
export class OlapSchemaConflictError extends ConflictError {
  constructor(readonly conflicts: { table: string; column: string; existing: string; declared: string }[]) {
    super('olap_schema_conflict', {
      columns: conflicts.map((c) => `${c.table}.${c.column}`).join(', '),
    });
    this.message = `olap_schema_conflict: ${conflicts
      .map((c) => `${c.table}.${c.column} is ${c.existing}, declared ${c.declared}`)
      .join('; ')}`;
  }
}

/** A tenant whose OLAP schema was never declared (no version in OLTP). */
export class OlapTenantNotDeclaredError extends NotFoundError {
  constructor(tenantId: string) {
    super('olap_tenant_not_declared', { tenantId });
    this.message = `olap_tenant_not_declared: tenant ${tenantId} has no OLAP schema yet`;
  }
}

/** A query stopped inside the engine at its time limit. */
export class OlapQueryTimeoutError extends DomainError {
  constructor(
    readonly timeoutMs: number,
    override readonly cause?: unknown,
  ) {
    super('olap_query_timeout', 504, { seconds: Math.round(timeoutMs / 100) / 10 });
    this.message = `olap_query_timeout: the query was interrupted after ${timeoutMs} ms`;
  }
}

/** Why the SQL guard refused a query (the `code` of its one detail). */
export type OlapSqlRefusal =
  | 'olap_sql_syntax'
  | 'olap_sql_not_select'
  | 'olap_sql_multiple_statements'
  | 'olap_sql_qualified_name'
  | 'olap_sql_relation_unknown'
  | 'olap_sql_table_function'
  | 'olap_sql_cte_name_reserved'
  | 'olap_sql_unsupported'
  // The operator-SQL sandbox's allow-lists (ADR 0046).
  | 'olap_sql_function_refused'
  | 'olap_sql_star_in_subquery'
  | 'olap_sql_recursive_cte'
  | 'olap_sql_limit_invalid'
  | 'olap_sql_too_long'
  | 'olap_sql_membership_unknown'
  | 'olap_sql_execution';

const invalidSql = new Set<OlapSqlRefusal>([
  'olap_sql_syntax',
  'olap_sql_not_select',
  'olap_sql_multiple_statements',
  'olap_sql_too_long',
]);

/**
 * SQL the guard refused before it reached the engine (ADR 0009): `olap_sql_invalid` when it is not
 * one SELECT that parses, `olap_sql_refused` when it reads something other than the tenant's
 * logical relations and its own CTEs, or (operator SQL, ADR 0046) uses what the sandbox's
 * allow-lists do not hold; `olap_sql_failed` when operator SQL passed the checks but the engine
 * could not run it (an unknown column, a failed conversion). `name` is what was refused
 * (`t_1.event_data`, `read_csv()`) or the engine's message. The detail's code is the reason.
 */
export class OlapSqlRefusedError extends InputError {
  constructor(
    readonly reason: OlapSqlRefusal,
    readonly refused: string,
  ) {
    const code = invalidSql.has(reason)
      ? 'olap_sql_invalid'
      : reason === 'olap_sql_execution'
        ? 'olap_sql_failed'
        : 'olap_sql_refused';
    super(code, { name: refused }, [{ path: 'sql', code: reason }]);
    this.message = `${code}: ${reason}: ${refused}`;
  }
}

/** The OLAP write queue of this tenant (or of the process) is full; retry later. */
export class OlapBusyError extends DomainError {
  constructor(readonly queued: number) {
    super('olap_busy', 503, {});
    this.message = `olap_busy: ${queued} writes are already queued`;
  }
}

/**
 * The engine is closed, a second engine tried to open a file this process already holds, or the
 * StarRocks FE cannot be reached (`olap_unreachable`: scaled mode fails fast at start with it).
 */
export class OlapUnavailableError extends DomainError {
  constructor(code: 'olap_closed' | 'olap_already_open' | 'olap_unreachable', message: string) {
    super(code, 503, {});
    this.message = `${code}: ${message}`;
  }
}
