import type { PropertyType } from '../../kernel/contributions.js';

/**
 * The column types the OLAP schema uses. They are the DuckDB ∩ StarRocks subset: every one has a
 * direct counterpart in both engines (VARCHAR[] ↔ ARRAY<VARCHAR>, JSON ↔ JSON, TIMESTAMP ↔ DATETIME).
 */
export type OlapColumnType =
  'varchar' | 'double' | 'bigint' | 'integer' | 'boolean' | 'date' | 'timestamp' | 'varchar[]' | 'json';

/** The column type a declared property of `type` is stored in. */
export function propertyColumnType(type: PropertyType): OlapColumnType {
  switch (type) {
    case 'string':
      return 'varchar';
    case 'number':
      return 'double';
    case 'integer':
      return 'bigint';
    case 'bool':
      return 'boolean';
    case 'date':
      return 'date';
    case 'datetime':
      return 'timestamp';
    case 'string[]':
      return 'varchar[]';
  }
}

/**
 * Everything engine-specific in generated SQL lives behind this interface: quoting, types and — the
 * one that matters most for Chinese operators — calendar boundaries in the tenant's time zone.
 * Modules never write `timezone(...)` or `convert_tz(...)` themselves.
 *
 * Instants are stored as `TIMESTAMP` holding UTC wall-clock time; the functions below take such an
 * expression and return the tenant-local value.
 */
export interface SqlDialect {
  readonly name: 'duckdb' | 'starrocks';
  quoteIdentifier(name: string): string;
  stringLiteral(value: string): string;
  /** The physical type name of a column type, as the engine's catalog reports it. */
  columnType(type: OlapColumnType): string;
  /** Local wall-clock TIMESTAMP in `timeZone` of a UTC TIMESTAMP expression. */
  localTimestamp(utcExpression: string, timeZone: string): string;
  /** Local calendar DATE in `timeZone` of a UTC TIMESTAMP expression. */
  localDate(utcExpression: string, timeZone: string): string;
  /** The Monday (DATE) of the local week Mon–Sun containing the instant. */
  localWeekStart(utcExpression: string, timeZone: string): string;
  /** The first day (DATE) of the local month containing the instant. */
  localMonthStart(utcExpression: string, timeZone: string): string;
  /** Today's DATE in `timeZone`. */
  localToday(timeZone: string): string;
  /** Epoch milliseconds (BIGINT) of a UTC TIMESTAMP expression. */
  epochMs(utcExpression: string): string;
}
