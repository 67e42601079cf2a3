import { isValidTimeZone } from '../../../lib/time-zone.js';
import type { OlapColumnType, SqlDialect } from '../dialect.js';

const types: Record<OlapColumnType, string> = {
  varchar: 'VARCHAR',
  double: 'DOUBLE',
  bigint: 'BIGINT',
  integer: 'INTEGER',
  boolean: 'BOOLEAN',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
  'varchar[]': 'VARCHAR[]',
  json: 'JSON',
};

/** Refuses anything but a known IANA zone, so a zone name can never carry SQL into a query. */
function zone(timeZone: string): string {
  if (!isValidTimeZone(timeZone)) throw new Error(`unknown time zone "${timeZone}"`);
  return `'${timeZone.replaceAll("'", "''")}'`;
}

/**
 * DuckDB's dialect. Time zones go through ICU (built into the node-api binary): the inner
 * `timezone('UTC', ts)` reads the stored UTC wall clock as an instant (TIMESTAMPTZ), the outer
 * `timezone(zone, …)` turns that instant into the zone's wall clock — independent of the session's
 * TimeZone setting. StarRocks' counterpart is `convert_tz(ts, 'UTC', zone)`.
 */
export const duckDbDialect: SqlDialect = {
  name: 'duckdb',
  quoteIdentifier(name) {
    return `"${name.replaceAll('"', '""')}"`;
  },
  stringLiteral(value) {
    return `'${value.replaceAll("'", "''")}'`;
  },
  columnType(type) {
    return types[type];
  },
  localTimestamp(utc, timeZone) {
    return `timezone(${zone(timeZone)}, timezone('UTC', ${utc}))`;
  },
  localDate(utc, timeZone) {
    return `CAST(${this.localTimestamp(utc, timeZone)} AS DATE)`;
  },
  localWeekStart(utc, timeZone) {
    // date_trunc('week') is ISO: weeks start on Monday, as the seed's natural weeks do.
    return `CAST(date_trunc('week', ${this.localTimestamp(utc, timeZone)}) AS DATE)`;
  },
  localMonthStart(utc, timeZone) {
    return `CAST(date_trunc('month', ${this.localTimestamp(utc, timeZone)}) AS DATE)`;
  },
  localToday(timeZone) {
    return `CAST(timezone(${zone(timeZone)}, now()) AS DATE)`;
  },
  epochMs(utc) {
    return `epoch_ms(${utc})`;
  },
};
