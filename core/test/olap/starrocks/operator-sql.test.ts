import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duckDbOperatorFunctions } from '../../../src/store/olap/operator-sql.js';
import { starRocksOperatorFunctions } from '../../../src/store/olap/starrocks/starrocks-operator-functions.js';
import { toStarRocksSql } from '../../../src/store/olap/starrocks/starrocks-sql.js';
import { StarRocksSqlPath } from './support.js';

/**
 * Operator SQL on StarRocks (ADR 0046, ADR 0066): the same parse, walk and regeneration as on DuckDB,
 * with StarRocks' function allow-lists; what passes must translate for StarRocks without a refusal.
 */
describe('operator SQL with StarRocks’ allow-lists', () => {
  let sqlPath: StarRocksSqlPath;
  beforeAll(async () => {
    sqlPath = await StarRocksSqlPath.open();
  });
  afterAll(() => sqlPath?.close());

  const refusal = (sql: string) =>
    sqlPath.sandbox.prepare(sql, 100).then(
      () => 'accepted',
      (error: { reason?: string; refused?: string }) => `${error.reason}: ${error.refused}`,
    );

  it('refuses the DuckDB functions whose StarRocks namesake means something else, or that StarRocks lacks', async () => {
    for (const [sql, refused] of [
      ['SELECT stddev(p_amount) AS s FROM event_view', 'stddev()'], // population deviation in StarRocks
      ['SELECT variance(p_amount) AS s FROM event_view', 'variance()'],
      ['SELECT length(p_sku) AS s FROM event_view', 'length()'], // bytes in StarRocks
      ['SELECT concat(p_sku, event) AS s FROM event_view', 'concat()'], // NULL on a NULL argument
      ['SELECT dayofweek(event_date) AS s FROM event_view', 'dayofweek()'], // 1 = Sunday
      ['SELECT log(p_amount) AS s FROM event_view', 'log()'], // ln in StarRocks
      ['SELECT greatest(p_amount, 1) AS s FROM event_view', 'greatest()'],
      ['SELECT quantile_cont(p_amount, 0.5) AS s FROM event_view', 'quantile_cont()'],
      ['SELECT epoch_ms(event_date) AS s FROM event_view', 'epoch_ms()'],
      ['SELECT lower(p_sku) AS s FROM event_view', 'lower()'],
      ["SELECT regexp_matches(p_sku, 'a') AS s FROM event_view", 'regexp_matches()'],
      ['SELECT list_has_any(main.list_value(1), main.list_value(2)) AS s FROM event_view', 'list_has_any()'],
      ["SELECT p_sku || 'x' AS s FROM event_view", '||()'],
      ['SELECT p_amount // 2 AS s FROM event_view', '//()'],
      ["SELECT p_sku ILIKE 'x' AS s FROM event_view", '~~*()'],
    ] as const) {
      expect(await refusal(sql), sql).toBe(`olap_sql_function_refused: ${refused}`);
      // The same SQL is accepted on DuckDB's lists (its meaning there is DuckDB's).
      expect(
        duckDbOperatorFunctions.scalar.has(refused.replace('()', '')) ||
          duckDbOperatorFunctions.aggregate.has(refused.replace('()', '')) ||
          duckDbOperatorFunctions.operators.has(refused.replace('()', '')),
        sql,
      ).toBe(true);
    }
    expect(await refusal('SELECT count(*) AS n FROM range(10) AS r')).toBe('olap_sql_table_function: range()');
    expect(await refusal('SELECT count(*) AS n FROM generate_series(1, 10) AS r')).toBe(
      'olap_sql_table_function: generate_series()',
    );
  });

  it('accepts what StarRocks has with DuckDB’s meaning, and the regenerated text translates', async () => {
    for (const sql of [
      "SELECT count(*) AS n, count_if(p_amount > 1) AS big, min_by(p_sku, event_date) AS first_sku FROM event_view WHERE event LIKE 'p%'",
      'SELECT percentile_cont(p_amount, 0.5) AS median, stddev_samp(p_amount) AS sd, var_pop(p_amount) AS v FROM event_view',
      "SELECT date_trunc('month', event_date) AS m, char_length(p_sku) AS l, instr(p_sku, 'x') AS i FROM event_view",
      'SELECT contact_id, row_number() OVER (PARTITION BY contact_id ORDER BY event_date) AS r FROM event_view',
      "SELECT array_length(main.list_value('a', 'b')) AS n, array_contains(['a'], p_sku) AS hit FROM event_view",
      'SELECT e.contact_id FROM event_view AS e ANTI JOIN contact_view AS c ON c.id = e.contact_id',
    ]) {
      const regenerated = await sqlPath.sandbox.prepare(sql, 100);
      expect(() => toStarRocksSql(regenerated), regenerated).not.toThrow();
    }
  });

  it('holds only names of DuckDB’s lists or StarRocks-only additions named in the ADR', () => {
    const additions = new Set(['percentile_cont', 'percentile_disc', 'percentile_approx', 'array_join']);
    for (const kind of ['aggregate', 'window', 'scalar', 'operators', 'table'] as const) {
      for (const name of starRocksOperatorFunctions[kind]) {
        const known =
          duckDbOperatorFunctions[kind].has(name) ||
          (kind === 'scalar' && duckDbOperatorFunctions.aggregate.has(name)) ||
          additions.has(name);
        expect(known, `${kind} ${name}`).toBe(true);
      }
    }
  });
});
