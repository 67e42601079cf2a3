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
 * TimeZone setting. StarRocks' counterparts, named in the comments below, are in starrocks/starrocks-dialect.ts
 * (ADR 0066; e.g. `convert_tz(ts, '+00:00', zone)`).
 */
export const duckDbDialect: SqlDialect = {
  name: 'duckdb',
  asofJoin: true, // StarRocks: false (no ASOF join; the range join with min())
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
  truncSecond(utc) {
    return `date_trunc('second', ${utc})`; // StarRocks: date_trunc('second', t) too
  },
  bucket(unit, utc, timeZone) {
    // StarRocks: date_trunc(unit, convert_tz(ts, 'UTC', zone)); its 'week' also starts on Monday.
    switch (unit) {
      case 'hour':
        return `date_trunc('hour', ${this.localTimestamp(utc, timeZone)})`;
      case 'day':
        return this.localDate(utc, timeZone);
      case 'week':
        return this.localWeekStart(utc, timeZone);
      case 'month':
        return this.localMonthStart(utc, timeZone);
    }
  },
  timestampParam() {
    return 'CAST(? AS TIMESTAMP)'; // StarRocks: CAST(? AS DATETIME)
  },
  dateParam() {
    return 'CAST(? AS DATE)';
  },
  bigintParam() {
    return 'CAST(? AS BIGINT)';
  },
  inBigintList(expression) {
    // StarRocks: array_contains(CAST(? AS ARRAY<BIGINT>), expression)
    return `${expression} IN (SELECT unnest(CAST(? AS BIGINT[])))`;
  },
  containsText(expression, needle) {
    // StarRocks: instr(expression, needle) > 0. contains() takes the needle literally.
    return `contains(${expression}, ${needle})`;
  },
  textLength(expression) {
    return `length(${expression})`; // StarRocks: char_length
  },
  arrayLength(expression) {
    return `len(${expression})`; // StarRocks: array_length
  },
  arrayContainsAny(expression, elements) {
    return `list_has_any(${expression}, [${elements.join(', ')}])`; // StarRocks: arrays_overlap
  },
  arrayContainsAll(expression, elements) {
    return `list_has_all(${expression}, [${elements.join(', ')}])`; // StarRocks: array_contains_all
  },
  jsonString(expression, key) {
    return `json_extract_string(${expression}, ${this.stringLiteral(jsonPath(key))})`; // StarRocks: get_json_string
  },
  jsonNumber(expression, key) {
    return `TRY_CAST(json_extract(${expression}, ${this.stringLiteral(jsonPath(key))}) AS DOUBLE)`; // StarRocks: get_json_double
  },
  median(expression) {
    return `quantile_cont(${expression}, 0.5)`; // StarRocks: percentile_cont(x, 0.5)
  },
  percentile(expression, fraction) {
    if (!(fraction >= 0 && fraction <= 1)) throw new Error(`percentile fraction ${fraction} is outside 0..1`);
    return `quantile_cont(${expression}, ${fraction})`; // StarRocks: percentile_cont
  },
  periodNumber(unit, date) {
    // Day 0 is 1970-01-01; week 0 starts Monday 1970-01-05 (earlier dates: negative numbers, floored).
    // StarRocks: datediff(d, '1970-01-01'), floor(datediff(d, '1970-01-05') / 7), (year(d) - 1970) * 12 + month(d) - 1.
    switch (unit) {
      case 'day':
        return `date_diff('day', DATE '1970-01-01', ${date})`;
      case 'week':
        return `CAST(floor(date_diff('day', DATE '1970-01-05', ${date}) / 7) AS BIGINT)`;
      case 'month':
        return `((year(${date}) - 1970) * 12 + month(${date}) - 1)`;
    }
  },
  anniversaryInYear(date, year) {
    // StarRocks: str_to_date(concat(y, '-', month(d), '-', day(d)), '%Y-%m-%d') with the same case.
    return (
      `make_date(${year}, month(${date}), CASE WHEN month(${date}) = 2 AND day(${date}) = 29 ` +
      `AND NOT ((${year}) % 4 = 0 AND ((${year}) % 100 <> 0 OR (${year}) % 400 = 0)) THEN 28 ELSE day(${date}) END)`
    );
  },
  dateBucket(unit, date) {
    // StarRocks: CAST(date_trunc(unit, d) AS DATE) (its 'week' starts on Monday too).
    return unit === 'day' ? `CAST(${date} AS DATE)` : `CAST(date_trunc('${unit}', ${date}) AS DATE)`;
  },
  periodsBetween(unit, from, to) {
    // StarRocks: datediff(to, from); datediff of the Mondays DIV 7; months_diff of the months' first days.
    if (unit === 'day') return `CAST(date_diff('day', CAST(${from} AS DATE), CAST(${to} AS DATE)) AS INTEGER)`;
    if (unit === 'week')
      return `CAST(date_diff('day', ${this.dateBucket('week', from)}, ${this.dateBucket('week', to)}) // 7 AS INTEGER)`;
    return `CAST(date_diff('month', ${this.dateBucket('month', from)}, ${this.dateBucket('month', to)}) AS INTEGER)`;
  },
  dayNumber(date) {
    return `date_diff('day', DATE '1970-01-01', ${date})`; // StarRocks: datediff(d, '1970-01-01')
  },
  localWeekday(utc, timeZone) {
    // DuckDB's dayofweek: 0 = Sunday. StarRocks: dayofweek(convert_tz(utc, 'UTC', zone)) - 1 (its 1 = Sunday).
    return `CAST(dayofweek(${this.localTimestamp(utc, timeZone)}) AS INTEGER)`;
  },
  localHour(utc, timeZone) {
    // StarRocks: hour(convert_tz(utc, 'UTC', zone)).
    return `CAST(hour(${this.localTimestamp(utc, timeZone)}) AS INTEGER)`;
  },
};

/** `$.key` for a plain identifier key (anything else could break out of the path). */
function jsonPath(key: string): string {
  if (!/^\$?[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new Error(`invalid JSON key "${key}"`);
  return `$."${key}"`;
}
