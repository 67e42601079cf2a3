import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toStarRocksSql } from '../../src/store/olap/starrocks/starrocks-sql.js';
import { sampleDeclaration } from '../olap/support.js';
import { StarRocksSqlPath } from '../olap/starrocks/support.js';

/**
 * Review of issue 23: the text StarRocks runs for SQL the guard let through. Pure translation (no
 * OLTP store is touched); the engine-level case of R23-1 is in engine.test.ts next to this file.
 */
describe('review 23: the StarRocks SQL text', () => {
  let path: StarRocksSqlPath;
  beforeAll(async () => {
    path = await StarRocksSqlPath.open();
  });
  afterAll(() => path.close());

  it('R23-1: a NUL byte cannot hide SQL from the guard (DuckDB stops reading at it, StarRocks does not)', async () => {
    const sneaky = 'SELECT 1 AS x -- \u0000\n, e.* FROM t_2.event_data AS e';
    // DuckDB's parser (the guard) sees only `SELECT 1 AS x`: no relation, nothing qualified.
    expect(await path.parses(sneaky)).toBe(true);
    const run = path.run({ sql: sneaky, declaration: sampleDeclaration() });
    await expect(run).rejects.toMatchObject({ code: 'olap_sql_refused' });
    await expect(run).rejects.toThrow(/NUL/);
    expect(() => toStarRocksSql("SELECT 'a\u0000b' AS x")).toThrow(/NUL/);
  });

  it('R23-2: an ASC sort item sorts NULLs last, as on DuckDB (StarRocks defaults ASC to NULLS FIRST)', () => {
    expect(toStarRocksSql('SELECT a FROM t ORDER BY a')).toBe('SELECT a FROM t ORDER BY a NULLS LAST');
    expect(toStarRocksSql('SELECT a FROM t ORDER BY a ASC, b DESC, c NULLS FIRST, d DESC NULLS FIRST LIMIT 3')).toBe(
      'SELECT a FROM t ORDER BY a ASC NULLS LAST, b DESC, c NULLS FIRST, d DESC NULLS FIRST LIMIT 3',
    );
    // Windows, frames, nested sorts and a sort key holding commas at a deeper depth.
    expect(
      toStarRocksSql(
        'SELECT row_number() OVER (PARTITION BY a ORDER BY coalesce(b, 0), c ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS r ' +
          'FROM t ORDER BY (SELECT x FROM y ORDER BY z LIMIT 1), 2 DESC',
      ),
    ).toBe(
      'SELECT row_number() OVER (PARTITION BY a ORDER BY coalesce(b, 0) NULLS LAST, c NULLS LAST ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS r ' +
        'FROM t ORDER BY (SELECT x FROM y ORDER BY z NULLS LAST LIMIT 1) NULLS LAST, 2 DESC',
    );
  });

  it('R23-2: the event report ranks a NULL dimension value after the others among equal totals, as on DuckDB', async () => {
    const result = await path.run({
      sql: 'SELECT dense_rank() OVER (ORDER BY n DESC NULLS LAST, d) AS rn FROM (SELECT 1 AS n, CAST(NULL AS VARCHAR) AS d) AS s',
      declaration: sampleDeclaration(),
    });
    expect(result.physical).toContain('ORDER BY n DESC NULLS LAST, d NULLS LAST)');
  });
});
