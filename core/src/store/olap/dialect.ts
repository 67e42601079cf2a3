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

/** Calendar buckets of reports and trends, in the tenant's zone (weeks run Monday–Sunday). */
export type TimeBucket = 'hour' | 'day' | 'week' | 'month';

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
  /**
   * `ASOF JOIN`: each left row paired with the one right row of equal keys nearest by one inequality.
   * DuckDB has it; StarRocks does not (callers write the range join with `min()` instead).
   */
  readonly asofJoin: boolean;
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
  /** A TIMESTAMP expression truncated to its whole second: "two events in the same second count as in order". */
  truncSecond(utcExpression: string): string;

  // ---- Added for the condition engine and reports. Each is engine-specific: the StarRocks adapter
  // implements the same list (its counterpart is named in the DuckDB implementation's comments).

  /** The local bucket an instant falls in: a TIMESTAMP for `hour`, a DATE for the others. */
  bucket(unit: TimeBucket, utcExpression: string, timeZone: string): string;
  /** A bound `?` parameter holding `YYYY-MM-DD HH:MM:SS.mmm` (UTC), read as the TIMESTAMP type. */
  timestampParam(): string;
  /** A bound `?` parameter holding `YYYY-MM-DD`, read as a DATE. */
  dateParam(): string;
  /** A bound `?` parameter holding a decimal integer string, read as BIGINT (ids). */
  bigintParam(): string;
  /**
   * `expression IN (ids)` with the ids as ONE bound `?` parameter holding `[1,2,3]`: the SQL text
   * is the same for any number of ids (one parse, a cached plan), and the engine can still filter
   * the scan with it.
   */
  inBigintList(expression: string): string;
  /** True when the string contains `needle` literally (no wildcards; case-sensitive, like LIKE '%x%'). */
  containsText(expression: string, needle: string): string;
  /** Length in characters of a string. */
  textLength(expression: string): string;
  /** Number of elements of an array. */
  arrayLength(expression: string): string;
  /** True when the array holds at least one of `elements` (SQL expressions, e.g. `?`). */
  arrayContainsAny(expression: string, elements: string[]): string;
  /** True when the array holds every one of `elements`. */
  arrayContainsAll(expression: string, elements: string[]): string;
  /** A JSON value's member as VARCHAR (`key` is a plain identifier), NULL when absent. */
  jsonString(expression: string, key: string): string;
  /** A JSON value's member as DOUBLE, NULL when absent or not a number. */
  jsonNumber(expression: string, key: string): string;
  /** Median of a numeric expression (continuous: the mean of the two middle values). */
  median(expression: string): string;
  /** The continuous percentile `fraction` (0..1) of a numeric expression. */
  percentile(expression: string, fraction: number): string;
  /**
   * The anniversary of a DATE expression in the calendar year `year` (a SQL integer expression):
   * same month and day; 29 February falls on 28 February in common years.
   */
  anniversaryInYear(dateExpression: string, yearExpression: string): string;
  /**
   * The number (BIGINT) of the calendar period — day, week Monday–Sunday, or month — holding a DATE
   * expression (a local date such as `event_day`), counted from 1970: consecutive periods have
   * consecutive numbers, so a difference is a number of periods (留存分析's offsets, ADR 0055).
   */
  periodNumber(unit: 'day' | 'week' | 'month', dateExpression: string): string;
  /** The first day (DATE) of the calendar day / Mon–Sun week / month holding a DATE expression (LTV cohorts). */
  dateBucket(unit: 'day' | 'week' | 'month', dateExpression: string): string;
  /**
   * Whole calendar units (INTEGER) from the day / Mon–Sun week / month holding `fromDate` to the one
   * holding `toDate` (DATE expressions): 0 for the same unit, negative when `toDate` is earlier (LTV periods).
   */
  periodsBetween(unit: 'day' | 'week' | 'month', fromDate: string, toDate: string): string;
  /** Days since 1970-01-01 (INTEGER) of a DATE expression: calendar-day differences (漏斗 day windows). */
  dayNumber(dateExpression: string): string;
  /** The local weekday (INTEGER) of a UTC TIMESTAMP expression in `timeZone`: 0 = Sunday … 6 = Saturday (用户画像). */
  localWeekday(utcExpression: string, timeZone: string): string;
  /** The local hour (INTEGER 0..23) of a UTC TIMESTAMP expression in `timeZone` (用户画像). */
  localHour(utcExpression: string, timeZone: string): string;
}
