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

/** The engine is closed, or a second engine tried to open a file this process already holds. */
export class OlapUnavailableError extends DomainError {
  constructor(code: 'olap_closed' | 'olap_already_open', message: string) {
    super(code, 503, {});
    this.message = `${code}: ${message}`;
  }
}
