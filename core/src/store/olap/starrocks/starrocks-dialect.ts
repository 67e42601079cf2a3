// STAND-IN: replaced by branch i23-dialect
import { isValidTimeZone } from '../../../lib/time-zone.js';
import type { OlapColumnType, SqlDialect } from '../dialect.js';
import { duckDbDialect } from '../duckdb/duckdb-dialect.js';

/**
 * A minimal stand-in for the StarRocks dialect (the dialect branch owns the real one): DuckDB's
 * functions, except the name, the missing ASOF join, the catalog type names and the time-zone
 * conversion the per-tenant views use (`convert_tz`, which DuckDB's parser reads as a plain call).
 */
const types: Record<OlapColumnType, string> = {
  varchar: 'VARCHAR',
  double: 'DOUBLE',
  bigint: 'BIGINT',
  integer: 'INT',
  boolean: 'BOOLEAN',
  date: 'DATE',
  timestamp: 'DATETIME',
  'varchar[]': 'ARRAY<VARCHAR>',
  json: 'JSON',
};

function zone(timeZone: string): string {
  if (!isValidTimeZone(timeZone)) throw new Error(`unknown time zone "${timeZone}"`);
  return `'${timeZone.replaceAll("'", "''")}'`;
}

export const starRocksDialect: SqlDialect = {
  ...duckDbDialect,
  name: 'starrocks',
  asofJoin: false,
  columnType(type) {
    return types[type];
  },
  localTimestamp(utc, timeZone) {
    return `convert_tz(${utc}, 'UTC', ${zone(timeZone)})`;
  },
  localDate(utc, timeZone) {
    return `CAST(${this.localTimestamp(utc, timeZone)} AS DATE)`;
  },
};
