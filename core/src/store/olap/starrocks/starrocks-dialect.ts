import { isValidTimeZone } from '../../../lib/time-zone.js';
import type { OlapColumnType, SqlDialect } from '../dialect.js';

/**
 * StarRocks' dialect (ADR 0066). What it writes sits inside logical SQL, which the SQL guard parses
 * with DuckDB's parser (parse only, no binding: any function name parses), and reaches StarRocks only
 * through `toStarRocksSql` (starrocks-sql.ts): so it writes StarRocks' functions with DuckDB's syntax —
 * `"…"` identifiers, `T[]` array types, `TIMESTAMP '…'` literals — which the translation turns into
 * `` `…` ``, `ARRAY<T>` and `DATETIME '…'`. Every function is StarRocks' own, checked against its
 * documentation (docs.starrocks.io/docs/sql-reference/sql-functions/…, the pages named below); the
 * oldest one used is milliseconds_diff (v3.2.4).
 *
 * Instants are stored as DATETIME holding the UTC wall clock (as in DuckDB): a zone conversion is
 * `convert_tz(ts, '+00:00', zone)` (date-time-functions/convert_tz: "Time Zone Database (for example,
 * Asia/Shanghai) and … UTC offset (for example, +08:00)"), independent of the session's time_zone.
 */
export const starRocksDialect: SqlDialect = {
  name: 'starrocks',
  // No ASOF join in StarRocks (StarRocks.g4 joinRelation): callers take the range join with min().
  asofJoin: false,
  quoteIdentifier(name) {
    // DuckDB's spelling, for the guard; toStarRocksSql writes it as `name` (a backtick doubled).
    return `"${name.replaceAll('"', '""')}"`;
  },
  stringLiteral(value) {
    // A backslash stays one character: toStarRocksSql doubles it (StarRocks strings take `\` escapes).
    return `'${value.replaceAll("'", "''")}'`;
  },
  columnType(type) {
    return types[type];
  },
  localTimestamp(utc, timeZone) {
    return `convert_tz(${utc}, '+00:00', ${zone(timeZone)})`;
  },
  localDate(utc, timeZone) {
    return `CAST(${this.localTimestamp(utc, timeZone)} AS DATE)`;
  },
  localWeekStart(utc, timeZone) {
    // date-time-functions/date_trunc: 'week' truncates "to the first date of the week" — a Monday in its
    // example (2020-11-04 → 2020-11-02), as the seed's natural weeks.
    return `CAST(date_trunc('week', ${this.localTimestamp(utc, timeZone)}) AS DATE)`;
  },
  localMonthStart(utc, timeZone) {
    return `CAST(date_trunc('month', ${this.localTimestamp(utc, timeZone)}) AS DATE)`;
  },
  localToday(timeZone) {
    // date-time-functions/utc_timestamp: the current UTC DATETIME, whatever the session's zone.
    return `CAST(convert_tz(utc_timestamp(), '+00:00', ${zone(timeZone)}) AS DATE)`;
  },
  epochMs(utc) {
    // date-time-functions/milliseconds_diff (v3.2.4): end minus start, in ms. Both wall clocks, so no
    // zone is involved (unix_timestamp would read the DATETIME in the session's time_zone).
    return `milliseconds_diff(${utc}, TIMESTAMP '1970-01-01 00:00:00')`;
  },
  truncSecond(utc) {
    return `date_trunc('second', ${utc})`;
  },
  bucket(unit, utc, timeZone) {
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
    return 'CAST(? AS DATETIME)';
  },
  dateParam() {
    return 'CAST(? AS DATE)';
  },
  bigintParam() {
    return 'CAST(? AS BIGINT)';
  },
  inBigintList(expression) {
    // sql-functions/cast: "Convert string to ARRAY" — CAST('[1,2,3]' AS ARRAY<BIGINT>); array-functions/
    // array_contains returns 1 or 0. BIGINT[] becomes ARRAY<BIGINT> in toStarRocksSql. Unlike DuckDB's
    // IN (SELECT unnest(…)), this is not a predicate StarRocks can push into the scan: acceptable for the
    // few ids of a journey branch or a real-time group; docs say nothing about pruning it.
    return `array_contains(CAST(? AS BIGINT[]), ${expression})`;
  },
  containsText(expression, needle) {
    // string-functions/instr: the 1-based position of the substring, 0 when absent (NULL in, NULL out).
    return `instr(${expression}, ${needle}) > 0`;
  },
  textLength(expression) {
    return `char_length(${expression})`; // string-functions/char_length: characters, not bytes
  },
  arrayLength(expression) {
    return `array_length(${expression})`; // array-functions/array_length
  },
  arrayContainsAny(expression, elements) {
    // array-functions/arrays_overlap: 1 when the intersection is not empty. `[…]` is StarRocks' array
    // constructor too (StarRocks.g4 arrayConstructor).
    return `arrays_overlap(${expression}, [${elements.join(', ')}])`;
  },
  arrayContainsAll(expression, elements) {
    // array-functions/array_contains_all: 1 when the second array is a subset of the first; NULL when either is.
    return `array_contains_all(${expression}, [${elements.join(', ')}])`;
  },
  jsonString(expression, key) {
    // json-functions/get_json_string: `$."key"` quoting is documented ($."my.key"). Its documented input is
    // VARCHAR: the JSON column is cast to its text (json-functions/cast); the docs do not say a JSON
    // argument is accepted as it is.
    return `get_json_string(CAST(${expression} AS VARCHAR), ${this.stringLiteral(jsonPath(key))})`;
  },
  jsonNumber(expression, key) {
    // json-functions/get_json_double: NULL when the path matches nothing or the format is wrong.
    return `get_json_double(CAST(${expression} AS VARCHAR), ${this.stringLiteral(jsonPath(key))})`;
  },
  median(expression) {
    return this.percentile(expression, 0.5);
  },
  percentile(expression, fraction) {
    if (!(fraction >= 0 && fraction <= 1)) throw new Error(`percentile fraction ${fraction} is outside 0..1`);
    // aggregate-functions/percentile_cont: linear interpolation, NULLs ignored, but "the data type is the
    // same as expr" — an integer median of 1 and 2 would lose its .5: DOUBLE in, as DuckDB's quantile_cont.
    return `percentile_cont(CAST(${expression} AS DOUBLE), ${fraction})`;
  },
  anniversaryInYear(date, year) {
    // date-time-functions/makedate (v3.1): the dayOfYear-th day of the year; months_add / days_add return
    // DATETIME, hence the CAST. 29 February in a common year falls on the 28th, as in DuckDB.
    const day =
      `CASE WHEN month(${date}) = 2 AND day(${date}) = 29 ` +
      `AND NOT ((${year}) % 4 = 0 AND ((${year}) % 100 <> 0 OR (${year}) % 400 = 0)) THEN 28 ELSE day(${date}) END`;
    return `CAST(days_add(months_add(makedate(${year}, 1), month(${date}) - 1), (${day}) - 1) AS DATE)`;
  },
  periodNumber(unit, date) {
    // date-time-functions/datediff: expr1 − expr2 in days, date parts only. Week 0 starts Monday 1970-01-05.
    switch (unit) {
      case 'day':
        return `datediff(${date}, DATE '1970-01-01')`;
      case 'week':
        return `CAST(floor(datediff(${date}, DATE '1970-01-05') / 7) AS BIGINT)`;
      case 'month':
        return `((year(${date}) - 1970) * 12 + month(${date}) - 1)`;
    }
  },
  dateBucket(unit, date) {
    return unit === 'day' ? `CAST(${date} AS DATE)` : `CAST(date_trunc('${unit}', ${date}) AS DATE)`;
  },
  periodsBetween(unit, from, to) {
    // datediff(to, from) is to − from; the Mondays are 7·n days apart; date-time-functions/months_diff
    // counts whole months, exact between two first days of a month.
    if (unit === 'day') return `CAST(datediff(CAST(${to} AS DATE), CAST(${from} AS DATE)) AS INTEGER)`;
    if (unit === 'week')
      return `CAST(floor(datediff(${this.dateBucket('week', to)}, ${this.dateBucket('week', from)}) / 7) AS INTEGER)`;
    return `CAST(months_diff(${this.dateBucket('month', to)}, ${this.dateBucket('month', from)}) AS INTEGER)`;
  },
  dayNumber(date) {
    return `datediff(${date}, DATE '1970-01-01')`;
  },
  localWeekday(utc, timeZone) {
    // date-time-functions/dayofweek: 1 = Sunday … 7 = Saturday; ours is 0 = Sunday.
    return `CAST(dayofweek(${this.localTimestamp(utc, timeZone)}) - 1 AS INTEGER)`;
  },
  localHour(utc, timeZone) {
    return `CAST(hour(${this.localTimestamp(utc, timeZone)}) AS INTEGER)`;
  },
};

/** The type names StarRocks' catalog shows (sql-reference/data-types; ARRAY<VARCHAR> for string lists). */
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

/** Refuses anything but a known IANA zone, so a zone name can never carry SQL into a query. */
function zone(timeZone: string): string {
  if (!isValidTimeZone(timeZone)) throw new Error(`unknown time zone "${timeZone}"`);
  return `'${timeZone.replaceAll("'", "''")}'`;
}

/** `$."key"` for a plain identifier key (anything else could break out of the path). */
function jsonPath(key: string): string {
  if (!/^\$?[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new Error(`invalid JSON key "${key}"`);
  return `$."${key}"`;
}
