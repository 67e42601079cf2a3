import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OlapSqlRefusedError } from '../../../src/store/olap/errors.js';
import { duckDbDialect } from '../../../src/store/olap/duckdb/duckdb-dialect.js';
import { starRocksDialect } from '../../../src/store/olap/starrocks/starrocks-dialect.js';
import { toStarRocksSql } from '../../../src/store/olap/starrocks/starrocks-sql.js';
import { StarRocksSqlPath } from './support.js';

/** The refusal's named thing, or the translation. */
const refusal = (sql: string): string => {
  try {
    return `translated: ${toStarRocksSql(sql)}`;
  } catch (error) {
    expect(error).toBeInstanceOf(OlapSqlRefusedError);
    expect((error as OlapSqlRefusedError).reason).toBe('olap_sql_unsupported');
    return (error as OlapSqlRefusedError).refused;
  }
};

describe('toStarRocksSql: the token-level translation (ADR 0066)', () => {
  it('writes "identifiers" with backticks, doubling a backtick inside and undoubling ""', () => {
    expect(toStarRocksSql('SELECT "t_1"."event_data"."p_12" AS "a""b" FROM "t_1"."event_data"')).toBe(
      'SELECT `t_1`.`event_data`.`p_12` AS `a"b` FROM `t_1`.`event_data`',
    );
    expect(toStarRocksSql('SELECT x AS "we`ird"')).toBe('SELECT x AS `we``ird`');
  });

  it('keeps a string as the same value: quotes doubled, a backslash doubled (StarRocks reads \\ as an escape)', () => {
    expect(toStarRocksSql(`SELECT 'it''s', 'C:\\new', '"quoted"', '\`tick\`', '-- not a comment', '/* nor this */'`)).toBe(
      `SELECT 'it''s', 'C:\\\\new', '"quoted"', '\`tick\`', '-- not a comment', '/* nor this */'`,
    );
    // A lone backslash at the end of a DuckDB string must not escape StarRocks' closing quote.
    expect(toStarRocksSql(`SELECT '\\' AS slash, 'x' AS y`)).toBe(`SELECT '\\\\' AS slash, 'x' AS y`);
  });

  it('drops comments (a /*+ … */ would be an optimizer hint in StarRocks), nested ones too', () => {
    expect(toStarRocksSql('-- daily\nSELECT /*+ SET_VAR(query_timeout=1) */ 1 /* a /* nested */ note */ AS n -- end')).toBe(
      'SELECT   1   AS n',
    );
    expect(refusal('SELECT 1 /* open')).toBe('an unterminated comment (StarRocks)');
  });

  it('maps the cast types: T[] to ARRAY<T>, TIMESTAMP and TEXT to DATETIME and VARCHAR, parameters kept', () => {
    expect(
      toStarRocksSql(
        'SELECT CAST(? AS BIGINT[]), CAST(x AS VARCHAR[][]), CAST(t AS TIMESTAMP), CAST(s AS TEXT), CAST(d AS DECIMAL(18, 2)), cast(b as boolean)',
      ),
    ).toBe(
      'SELECT CAST(? AS ARRAY<BIGINT>), CAST(x AS ARRAY<ARRAY<VARCHAR>>), CAST(t AS DATETIME), CAST(s AS VARCHAR), CAST(d AS DECIMAL(18, 2)), cast(b as BOOLEAN)',
    );
    // Only the cast's own AS: an alias named like a type stays a name.
    expect(toStarRocksSql('SELECT CAST((SELECT a AS text FROM t) AS INTEGER) AS n')).toBe(
      'SELECT CAST((SELECT a AS text FROM t) AS INTEGER) AS n',
    );
    expect(refusal('SELECT CAST(x AS HUGEINT)')).toBe('the type HUGEINT (StarRocks)');
    expect(refusal('SELECT CAST(x AS TIMESTAMP WITH TIME ZONE)')).toBe('the type WITH in CAST (StarRocks)');
    expect(refusal('SELECT CAST(x AS STRUCT(a INT))')).toBe('the type STRUCT (StarRocks)');
  });

  it("writes typed literals as StarRocks' DATE / DATETIME literals", () => {
    expect(toStarRocksSql("SELECT DATE '2026-01-01', TIMESTAMP '1970-01-01 00:00:00', DATETIME '2026-01-01 01:02:03'")).toBe(
      "SELECT DATE '2026-01-01', DATETIME '1970-01-01 00:00:00', DATETIME '2026-01-01 01:02:03'",
    );
    expect(refusal("SELECT TIME '10:00:00'")).toBe("TIME '…' (StarRocks)");
    expect(refusal("SELECT x + INTERVAL '1 day'")).toBe("INTERVAL '…' (StarRocks)");
    expect(toStarRocksSql('SELECT x + INTERVAL 1 DAY')).toBe('SELECT x + INTERVAL 1 DAY');
  });

  it("spells DuckDB's ANTI / SEMI JOIN as LEFT ANTI / LEFT SEMI JOIN and leaves the explicit forms", () => {
    expect(toStarRocksSql('SELECT 1 FROM a ANTI JOIN b ON a.x = b.x SEMI JOIN c ON TRUE')).toBe(
      'SELECT 1 FROM a LEFT ANTI JOIN b ON a.x = b.x LEFT SEMI JOIN c ON TRUE',
    );
    expect(toStarRocksSql('SELECT 1 FROM a LEFT ANTI JOIN b ON TRUE RIGHT SEMI JOIN c ON TRUE')).toBe(
      'SELECT 1 FROM a LEFT ANTI JOIN b ON TRUE RIGHT SEMI JOIN c ON TRUE',
    );
  });

  it("turns DuckDB's rendering of operator SQL back into StarRocks': ~~, count_star(), main.list_value(…)", () => {
    expect(
      toStarRocksSql(
        "SELECT count_star() AS n, main.list_value(1, main.list_value(2, 3)) AS l FROM t WHERE ((a ~~ 'x%') AND (b !~~ '%y'))",
      ),
    ).toBe("SELECT count(*) AS n, [1, [2, 3]] AS l FROM t WHERE ((a LIKE 'x%') AND (b NOT LIKE '%y'))");
    expect(toStarRocksSql("SELECT 1 FROM t WHERE a~~'x'")).toBe("SELECT 1 FROM t WHERE a LIKE'x'");
    // StarRocks' LIKE escapes with a backslash, DuckDB's does not: such a pattern means two things.
    expect(refusal("SELECT 1 FROM t WHERE a ~~ 'x\\%'")).toBe('a LIKE pattern holding \\ (StarRocks)');
  });

  it('refuses what has no StarRocks counterpart or another meaning there', () => {
    const refused: [string, string][] = [
      ['SELECT x::INTEGER', 'the operator ::'],
      ['SELECT 7 // 2', 'the operator //'],
      ["SELECT 'a' || 'b'", 'the operator ||'],
      ['SELECT 2 ^ 3', 'the operator ^'],
      ['SELECT 2 ** 3', 'the operator **'],
      ['SELECT a && b', 'the operator &&'],
      ['SELECT ~ 1', 'the operator ~'],
      ["SELECT j -> 'a'", 'the operator ->'],
      ['SELECT a == b', 'the operator =='],
      ["SELECT a ~~* 'x'", 'the operator ~~*'],
      ['SELECT {a: 1}', 'the operator {'],
      ['SELECT $1', 'the operator $'],
      ['SELECT #1 FROM t', 'the operator #'],
      ['SELECT 1; SELECT 2', 'the operator ;'],
      ["SELECT E'\\n'", "E'…' strings"],
      ["SELECT x'ff'", "X'…' strings"],
      ['SELECT 1_000', 'the number 1_…'],
      ['SELECT 0x1F', 'the number 0x…'],
      ['SELECT * FROM a ASOF JOIN b ON a.t >= b.t', 'ASOF JOIN'],
      ['SELECT * FROM a POSITIONAL JOIN b', 'POSITIONAL JOIN'],
      ['SELECT x FROM t QUALIFY row_number() OVER () = 1', 'QUALIFY'],
      ['SELECT * EXCLUDE (a) FROM t', '* EXCLUDE'],
      ['SELECT COLUMNS(a) FROM t', 'COLUMNS(…)'],
      ['SELECT count(*) FILTER (WHERE a) FROM t', 'FILTER (WHERE …)'],
      ["SELECT a ILIKE 'x'", 'ILIKE'],
      ['SELECT DISTINCT ON (a) a FROM t', 'DISTINCT ON'],
      ['SELECT a IS DISTINCT FROM b', 'IS DISTINCT FROM'],
      ['SELECT a FROM t GROUP BY ALL', 'BY ALL'],
      ['SELECT a FROM t UNION ALL BY NAME SELECT a FROM u', 'BY NAME'],
      ['SELECT a FROM t USING SAMPLE 10', 'USING SAMPLE'],
      ['WITH RECURSIVE r AS (SELECT 1) SELECT * FROM r', 'WITH RECURSIVE'],
      ['SELECT TRY_CAST(a AS INTEGER)', 'TRY_CAST'],
      ["SELECT 'open", 'an unterminated string'],
      ['SELECT "open', 'an unterminated quoted name'],
      ['SELECT (1', 'unbalanced parentheses'],
    ];
    for (const [sql, what] of refused) expect(refusal(sql), sql).toBe(`${what} (StarRocks)`);
  });

  it('backquotes a name holding characters beyond ASCII, a U+3000 space inside it too (one name in DuckDB)', () => {
    expect(toStarRocksSql('SELECT 中文 AS 名字, a\u3000b FROM t')).toBe('SELECT `中文` AS `名字`, `a\u3000b` FROM t');
  });

  it('passes the rest through with its blanks: names, parameters, numbers, comparisons, arrays', () => {
    const sql = "SELECT a.b, ?, 1.5e3, .5, -x, x % 2, x <> 1, x != 2, x <= 3, [1, 2], arr[1], '中文'\n  FROM t AS a";
    expect(toStarRocksSql(sql)).toBe(sql);
  });
});

describe("starRocksDialect: StarRocks' functions, in text DuckDB's parser accepts", () => {
  let sqlPath: StarRocksSqlPath;
  beforeAll(async () => {
    sqlPath = await StarRocksSqlPath.open();
  });
  afterAll(() => sqlPath?.close());

  const d = starRocksDialect;
  const zone = 'Asia/Shanghai';
  /** Every function's output, as the golden files and StarRocks' documentation spell it. */
  const outputs: [string, string, string][] = [
    ['quoteIdentifier', d.quoteIdentifier('a"b'), '"a""b"'],
    ['stringLiteral', d.stringLiteral("it's"), "'it''s'"],
    ['localTimestamp', d.localTimestamp('t', zone), "convert_tz(t, '+00:00', 'Asia/Shanghai')"],
    ['localDate', d.localDate('t', zone), "CAST(convert_tz(t, '+00:00', 'Asia/Shanghai') AS DATE)"],
    ['localWeekStart', d.localWeekStart('t', zone), "CAST(date_trunc('week', convert_tz(t, '+00:00', 'Asia/Shanghai')) AS DATE)"],
    [
      'localMonthStart',
      d.localMonthStart('t', zone),
      "CAST(date_trunc('month', convert_tz(t, '+00:00', 'Asia/Shanghai')) AS DATE)",
    ],
    ['localToday', d.localToday(zone), "CAST(convert_tz(utc_timestamp(), '+00:00', 'Asia/Shanghai') AS DATE)"],
    ['epochMs', d.epochMs('t'), "milliseconds_diff(t, TIMESTAMP '1970-01-01 00:00:00')"],
    ['truncSecond', d.truncSecond('t'), "date_trunc('second', t)"],
    ['bucket hour', d.bucket('hour', 't', zone), "date_trunc('hour', convert_tz(t, '+00:00', 'Asia/Shanghai'))"],
    ['bucket day', d.bucket('day', 't', zone), "CAST(convert_tz(t, '+00:00', 'Asia/Shanghai') AS DATE)"],
    ['bucket week', d.bucket('week', 't', zone), d.localWeekStart('t', zone)],
    ['bucket month', d.bucket('month', 't', zone), d.localMonthStart('t', zone)],
    ['timestampParam', d.timestampParam(), 'CAST(? AS DATETIME)'],
    ['dateParam', d.dateParam(), 'CAST(? AS DATE)'],
    ['bigintParam', d.bigintParam(), 'CAST(? AS BIGINT)'],
    ['inBigintList', d.inBigintList('c.id'), 'array_contains(CAST(? AS BIGINT[]), c.id)'],
    ['containsText', d.containsText('x', '?'), 'instr(x, ?) > 0'],
    ['textLength', d.textLength('x'), 'char_length(x)'],
    ['arrayLength', d.arrayLength('x'), 'array_length(x)'],
    ['arrayContainsAny', d.arrayContainsAny('x', ['?', '?']), 'arrays_overlap(x, [?, ?])'],
    ['arrayContainsAll', d.arrayContainsAll('x', ['?']), 'array_contains_all(x, [?])'],
    ['jsonString', d.jsonString('extra', 'color'), `get_json_string(CAST(extra AS VARCHAR), '$."color"')`],
    ['jsonNumber', d.jsonNumber('extra', '$os'), `get_json_double(CAST(extra AS VARCHAR), '$."$os"')`],
    ['median', d.median('v'), 'percentile_cont(CAST(v AS DOUBLE), 0.5)'],
    ['percentile', d.percentile('v', 0.9), 'percentile_cont(CAST(v AS DOUBLE), 0.9)'],
    [
      'anniversaryInYear',
      d.anniversaryInYear('c.b', '2026'),
      'CAST(days_add(months_add(makedate(2026, 1), month(c.b) - 1), (CASE WHEN month(c.b) = 2 AND day(c.b) = 29 AND NOT ((2026) % 4 = 0 AND ((2026) % 100 <> 0 OR (2026) % 400 = 0)) THEN 28 ELSE day(c.b) END) - 1) AS DATE)',
    ],
    ['periodNumber day', d.periodNumber('day', 'd'), "datediff(d, DATE '1970-01-01')"],
    ['periodNumber week', d.periodNumber('week', 'd'), "CAST(floor(datediff(d, DATE '1970-01-05') / 7) AS BIGINT)"],
    ['periodNumber month', d.periodNumber('month', 'd'), '((year(d) - 1970) * 12 + month(d) - 1)'],
    ['dateBucket day', d.dateBucket('day', 'd'), 'CAST(d AS DATE)'],
    ['dateBucket week', d.dateBucket('week', 'd'), "CAST(date_trunc('week', d) AS DATE)"],
    ['dateBucket month', d.dateBucket('month', 'd'), "CAST(date_trunc('month', d) AS DATE)"],
    ['periodsBetween day', d.periodsBetween('day', 'a', 'b'), 'CAST(datediff(CAST(b AS DATE), CAST(a AS DATE)) AS INTEGER)'],
    [
      'periodsBetween week',
      d.periodsBetween('week', 'a', 'b'),
      "CAST(floor(datediff(CAST(date_trunc('week', b) AS DATE), CAST(date_trunc('week', a) AS DATE)) / 7) AS INTEGER)",
    ],
    [
      'periodsBetween month',
      d.periodsBetween('month', 'a', 'b'),
      "CAST(months_diff(CAST(date_trunc('month', b) AS DATE), CAST(date_trunc('month', a) AS DATE)) AS INTEGER)",
    ],
    ['dayNumber', d.dayNumber('d'), "datediff(d, DATE '1970-01-01')"],
    ['localWeekday', d.localWeekday('t', zone), "CAST(dayofweek(convert_tz(t, '+00:00', 'Asia/Shanghai')) - 1 AS INTEGER)"],
    ['localHour', d.localHour('t', zone), "CAST(hour(convert_tz(t, '+00:00', 'Asia/Shanghai')) AS INTEGER)"],
  ];

  it.each(outputs)('%s', (_name, actual, expected) => {
    expect(actual).toBe(expected);
  });

  it('writes every function in text the guard’s parser accepts, translated without a refusal', async () => {
    for (const [name, expression] of outputs) {
      if (name === 'quoteIdentifier' || name === 'stringLiteral') continue;
      const sql = `SELECT ${expression} AS v FROM t`;
      expect(await sqlPath.parses(sql), name).toBe(true);
      expect(() => toStarRocksSql(sql), name).not.toThrow();
    }
    expect(toStarRocksSql(`SELECT ${d.epochMs('t')}, ${d.inBigintList('id')}`)).toBe(
      "SELECT milliseconds_diff(t, DATETIME '1970-01-01 00:00:00'), array_contains(CAST(? AS ARRAY<BIGINT>), id)",
    );
  });

  it('has the same functions as DuckDB’s dialect, and differs where the engines do', () => {
    const functions = (dialect: object) =>
      Object.keys(dialect)
        .filter((key) => typeof (dialect as Record<string, unknown>)[key] === 'function')
        .sort();
    expect(functions(starRocksDialect)).toEqual(functions(duckDbDialect));
    expect([d.name, d.asofJoin]).toEqual(['starrocks', false]);
    expect(d.columnType('timestamp')).toBe('DATETIME');
    expect(d.columnType('varchar[]')).toBe('ARRAY<VARCHAR>');
  });

  it('refuses a zone, a JSON key or a fraction that could carry SQL', () => {
    expect(() => d.localDate('t', "Asia/Shanghai'); DROP")).toThrow(/unknown time zone/);
    expect(() => d.jsonString('extra', "a') OR 1=1 --")).toThrow(/invalid JSON key/);
    expect(() => d.percentile('v', 2)).toThrow(/outside 0..1/);
  });
});
