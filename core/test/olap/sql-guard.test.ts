import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TenantAnalytics } from '../../src/store/olap/analytics-engine.js';
import { DuckDbEngine } from '../../src/store/olap/duckdb/duckdb-engine.js';
import { OlapSqlRefusedError } from '../../src/store/olap/errors.js';
import { MemorySchemaVersionStore } from '../../src/store/olap/schema-versions.js';
import { OlapSqlGuard, sqlBody, stripLeadingTrivia, type SqlParser } from '../../src/store/olap/sql-guard.js';
import { formatMessage } from '../../src/server/messages.js';
import { eventRow, num, sampleDeclaration } from './support.js';

// Every SQL entering forTenant(t).query() is parsed by DuckDB and may read only the tenant's logical
// relations and its own CTEs (ADR 0009). Tenant 1 has data; tenant 2 tries to reach it.
let engine: DuckDbEngine;
let victim: TenantAnalytics;
let attacker: TenantAnalytics;

beforeAll(async () => {
  engine = await DuckDbEngine.open({ path: ':memory:', versions: new MemorySchemaVersionStore(), threads: 2 });
  engine.setPluginRelations([
    {
      name: 'acme_visits',
      columns: [
        { name: 'contact_id', type: 'integer' },
        { name: 'page', type: 'string' },
      ],
    },
  ]);
  victim = engine.forTenant('1');
  attacker = engine.forTenant('2');
  for (const tenant of [victim, attacker]) await tenant.declare(sampleDeclaration());
  await victim.load({
    batchId: 'b-victim',
    events: [eventRow({ contactId: '501' }), eventRow({ contactId: '502' })],
    contacts: [{ id: '501', name: '受害者', createdAt: 1, updatedAt: 1 }],
    relations: { acme_visits: [{ contact_id: 501, page: '/secret' }] },
  });
  await attacker.load({
    batchId: 'b-attacker',
    events: [eventRow({ contactId: '601', properties: { amount: 7 } })],
    contacts: [{ id: '601', name: '本租户', createdAt: 1, updatedAt: 1 }],
    relations: { acme_visits: [{ contact_id: 601, page: '/home' }] },
  });
  await attacker.writeDimensionRows('31', [{ '1': 'SH', '2': 1 }]);
  await attacker.replaceGroupVersion('9', 1, { rows: ['601'] });
  await attacker.replaceTagValues('40', '2026-11-24', 'number', { rows: [{ contactId: '601', value: 3 }] });
});

afterAll(async () => {
  await engine?.close();
});

async function refusal(sql: string, tenant: TenantAnalytics = attacker): Promise<OlapSqlRefusedError> {
  const error = await tenant.query(sql).catch((e: unknown) => e);
  expect(error, sql).toBeInstanceOf(OlapSqlRefusedError);
  return error as OlapSqlRefusedError;
}

async function expectRefused(sql: string, reason: string, name?: string | RegExp): Promise<void> {
  const error = await refusal(sql);
  expect(error.reason, sql).toBe(reason);
  expect(error.details, sql).toEqual([{ path: 'sql', code: reason }]);
  if (typeof name === 'string') expect(error.refused, sql).toBe(name);
  else if (name) expect(error.refused, sql).toMatch(name);
}

describe('OLAP SQL guard: what a tenant may not read', () => {
  it("refuses another tenant's physical schema (tenant 2 reading t_1.event_data)", async () => {
    const error = await refusal('SELECT count(*) AS n FROM t_1.event_data');
    expect(error).toMatchObject({ code: 'olap_sql_refused', statusCode: 400, reason: 'olap_sql_qualified_name' });
    expect(error.params).toEqual({ name: 't_1.event_data' });
    expect(formatMessage(error.code, 'zh-CN', error.params)).toContain('t_1.event_data');
    expect(formatMessage(error.code, 'en-US', error.params)).toContain('t_1.event_data');
    // Quoted, upper-cased, or its own schema: still a qualified name.
    await expectRefused('SELECT * FROM "t_1"."event_data"', 'olap_sql_qualified_name', 't_1.event_data');
    await expectRefused('SELECT * FROM T_1.EVENT_DATA', 'olap_sql_qualified_name');
    await expectRefused('SELECT * FROM t_2.event_data', 'olap_sql_qualified_name', 't_2.event_data');
    await expectRefused('SELECT * FROM t_1.contact_view', 'olap_sql_qualified_name', 't_1.contact_view');
  });

  it('refuses schema-qualified names of every kind', async () => {
    await expectRefused('SELECT * FROM information_schema.tables', 'olap_sql_qualified_name', 'information_schema.tables');
    await expectRefused('SELECT * FROM pg_catalog.pg_class', 'olap_sql_qualified_name', 'pg_catalog.pg_class');
    await expectRefused('SELECT * FROM main.events', 'olap_sql_qualified_name', 'main.events');
    await expectRefused('SELECT t_1.some_macro(1)', 'olap_sql_qualified_name', 't_1.some_macro()');
  });

  it('refuses catalog-qualified names', async () => {
    await expectRefused('SELECT * FROM memory.t_1.event_data', 'olap_sql_qualified_name', 'memory.t_1.event_data');
    await expectRefused('SELECT * FROM system.main.duckdb_tables', 'olap_sql_qualified_name');
    await expectRefused('SELECT memory.main.lower(name) FROM contacts', 'olap_sql_qualified_name', 'memory.main.lower()');
  });

  it('refuses table functions that read files, tables or the catalog', async () => {
    for (const [sql, name] of [
      [`SELECT * FROM read_csv_auto('/etc/passwd')`, 'read_csv_auto()'],
      [`SELECT * FROM read_csv('/etc/passwd')`, 'read_csv()'],
      [`SELECT * FROM query_table('t_1.event_data')`, 'query_table()'],
      [`SELECT * FROM query('SELECT * FROM t_1.event_data')`, 'query()'],
      [`SELECT * FROM read_parquet('/tmp/x.parquet')`, 'read_parquet()'],
      [`SELECT * FROM glob('/*')`, 'glob()'],
      [`SELECT * FROM duckdb_tables()`, 'duckdb_tables()'],
      [`SELECT * FROM events, pragma_table_info('t_1.event_data')`, 'pragma_table_info()'],
      [`SELECT * FROM t_1.my_table_macro()`, 't_1.my_table_macro()'],
    ]) {
      await expectRefused(sql!, name!.includes('.') ? 'olap_sql_qualified_name' : 'olap_sql_table_function', name);
    }
  });

  it('refuses a relation that is not logical: physical tables, catalog views, files, undeclared dimensions', async () => {
    await expectRefused('SELECT * FROM event_data', 'olap_sql_relation_unknown', 'event_data');
    await expectRefused('SELECT * FROM load_ledger', 'olap_sql_relation_unknown', 'load_ledger');
    await expectRefused('SELECT * FROM r_acme_visits', 'olap_sql_relation_unknown', 'r_acme_visits');
    await expectRefused('SELECT * FROM pg_tables', 'olap_sql_relation_unknown', 'pg_tables');
    await expectRefused(`SELECT * FROM '/etc/passwd'`, 'olap_sql_relation_unknown', '/etc/passwd');
    await expectRefused('SELECT * FROM "t_1.event_data"', 'olap_sql_relation_unknown', 't_1.event_data');
    await expectRefused('SELECT * FROM dimension_99', 'olap_sql_relation_unknown', 'dimension_99');
    await expectRefused('SELECT * FROM other_plugin_stats', 'olap_sql_relation_unknown', 'other_plugin_stats');
  });

  it('finds a physical table hidden in a subquery, a CTE, a join, a set operation or a lambda', async () => {
    for (const sql of [
      'SELECT * FROM events WHERE contact_id IN (SELECT contact_id FROM t_1.event_data)',
      'SELECT (SELECT count(*) FROM t_1.event_data) AS n',
      'SELECT * FROM events WHERE EXISTS (SELECT 1 FROM t_1.contact_data AS c WHERE c.id = events.contact_id)',
      'WITH stolen AS (SELECT * FROM t_1.event_data) SELECT count(*) FROM stolen',
      'WITH a AS (SELECT 1 AS x), b AS (SELECT * FROM a, (SELECT * FROM t_1.event_data) AS d) SELECT * FROM b',
      'SELECT * FROM events AS e JOIN (SELECT * FROM t_1.contact_data) AS c ON c.id = e.contact_id',
      'SELECT * FROM events AS e JOIN contacts AS c ON c.id = (SELECT max(id) FROM t_1.contact_data)',
      'SELECT * FROM events, LATERAL (SELECT * FROM t_1.event_data AS x WHERE x.contact_id = events.contact_id)',
      'SELECT contact_id FROM events UNION ALL SELECT contact_id FROM t_1.event_data',
      'SELECT list_transform([1], x -> (SELECT count(*) FROM t_1.event_data))',
      'SELECT * FROM events ORDER BY (SELECT max(contact_id) FROM t_1.event_data)',
      'SELECT * FROM unnest((SELECT list(name) FROM t_1.contact_data))',
      'WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r, t_1.event_data WHERE i < 3) SELECT * FROM r',
      'SELECT * FROM (VALUES ((SELECT count(*) FROM t_1.event_data))) AS v(n)',
    ]) {
      const error = await refusal(sql);
      expect(error.reason, sql).toBe('olap_sql_qualified_name');
      expect(error.refused, sql).toMatch(/^t_1\./);
    }
    await expectRefused(
      'SELECT * FROM events WHERE contact_id IN (SELECT contact_id FROM event_data)',
      'olap_sql_relation_unknown',
    );
  });

  it('lets a CTE named like a physical table shadow it, but not reach beyond its scope or shadow a logical relation', async () => {
    // A CTE named like a physical table is the CTE: it reads this tenant's events.
    const own = await attacker.query<{ n: bigint }>(
      'WITH event_data AS (SELECT * FROM events) SELECT count(*) AS n FROM event_data',
    );
    expect(own.rows).toEqual([{ n: 1n }]);
    // A non-recursive CTE does not see itself: the inner name is the catalog's, and unknown.
    await expectRefused(
      'WITH pg_tables AS (SELECT * FROM pg_tables) SELECT * FROM pg_tables',
      'olap_sql_relation_unknown',
      'pg_tables',
    );
    // An earlier CTE does not see a later one; a CTE inside a subquery is not visible outside it.
    await expectRefused('WITH a AS (SELECT * FROM b), b AS (SELECT 1 AS x) SELECT * FROM a', 'olap_sql_relation_unknown', 'b');
    await expectRefused('SELECT * FROM (WITH x AS (SELECT 1 AS i) SELECT * FROM x) AS s, x', 'olap_sql_relation_unknown', 'x');
    // An unknown name is refused even when a CTE of that name exists elsewhere in the query.
    await expectRefused('SELECT * FROM (WITH secret AS (SELECT 1) SELECT 1) AS s, secret', 'olap_sql_relation_unknown', 'secret');
    // A CTE may not take a logical relation's name (it would change what `events` means).
    await expectRefused(
      'WITH events AS (SELECT 1 AS contact_id) SELECT * FROM events',
      'olap_sql_cte_name_reserved',
      'WITH events AS (…)',
    );
    await expectRefused(
      'SELECT * FROM (WITH contact_view AS (SELECT 1) SELECT * FROM contact_view) AS s',
      'olap_sql_cte_name_reserved',
    );
  });

  it('refuses anything but one SELECT: writes, settings, ATTACH, DESCRIBE, PIVOT, a second statement', async () => {
    for (const sql of [
      `ATTACH '/tmp/other.duckdb'`,
      'INSERT INTO events VALUES (1)',
      'DELETE FROM t_1.event_data',
      'SET enable_external_access = true',
      'INSTALL httpfs',
      `COPY (SELECT 1) TO '/tmp/x.csv'`,
      `PRAGMA table_info('t_1.event_data')`,
      'CALL pragma_version()',
      'EXPLAIN SELECT * FROM t_1.event_data',
      'CREATE TABLE x AS SELECT 1',
    ]) {
      const error = await refusal(sql);
      expect(error, sql).toMatchObject({ code: 'olap_sql_invalid', reason: 'olap_sql_not_select' });
    }
    await expectRefused('SELECT 1; SELECT * FROM t_1.event_data', 'olap_sql_multiple_statements');
    await expectRefused('SELECT * FROM', 'olap_sql_syntax', /syntax error/);
    await expectRefused('-- only a comment', 'olap_sql_not_select');
    await expectRefused('DESCRIBE t_1.event_data', 'olap_sql_unsupported', 'DESCRIBE / SHOW / SUMMARIZE');
    await expectRefused('SHOW TABLES', 'olap_sql_unsupported');
    await expectRefused('SUMMARIZE events', 'olap_sql_unsupported');
    await expectRefused('SELECT * FROM events PIVOT (count(*) FOR event IN (1, 2))', 'olap_sql_unsupported', 'PIVOT / UNPIVOT');
    await expectRefused('SELECT * FROM events AT (VERSION => 1)', 'olap_sql_unsupported', 'AT (…)');
  });

  it('guards every per-tenant SQL entry point: resolve and results computed from SQL', async () => {
    await expect(attacker.resolve('SELECT * FROM t_1.event_data')).rejects.toMatchObject({ code: 'olap_sql_refused' });
    await expect(attacker.replaceGroupVersion('9', 2, { sql: 'SELECT contact_id FROM t_1.event_data' })).rejects.toMatchObject({
      code: 'olap_sql_refused',
    });
    await expect(
      attacker.replaceTagValues('40', '2026-11-25', 'string', { sql: `SELECT * FROM read_csv('/etc/passwd')` }),
    ).rejects.toMatchObject({ code: 'olap_sql_refused' });
    // Nothing was written for the refused computations.
    const { rows } = await attacker.query<{ n: bigint }>(
      `SELECT (SELECT count(*) FROM group_member WHERE version = 2) + (SELECT count(*) FROM tag_value WHERE calc_date = DATE '2026-11-25') AS n`,
    );
    expect(rows).toEqual([{ n: 0n }]);
  });

  it('leaves the victim untouched and reading its own data', async () => {
    const { rows } = await victim.query<{ n: bigint }>('SELECT count(*) AS n FROM events');
    expect(rows).toEqual([{ n: 2n }]);
  });
});

describe('OLAP SQL guard: what a tenant may read', () => {
  const count = async (sql: string, params?: (string | number)[]) =>
    num((await attacker.query<{ n: unknown }>(sql, { params })).rows[0]!.n);

  it('runs joins of logical relations', async () => {
    expect(
      await count('SELECT count(*) AS n FROM events AS e JOIN contacts AS c ON c.id = e.contact_id WHERE c.name = ?', ['本租户']),
    ).toBe(1);
    expect(
      await count(
        `SELECT count(*) AS n FROM event_view AS e JOIN contact_view AS c ON c.id = e.contact_id
           JOIN group_member AS g ON g.contact_id = c.id JOIN tag_value AS t ON t.contact_id = c.id
           JOIN acme_visits AS v ON v.contact_id = c.id CROSS JOIN dimension_31 AS d`,
      ),
    ).toBe(1);
  });

  it('runs CTEs (recursive too), subqueries and set operations over the relations', async () => {
    expect(
      await count(
        `-- leading comment /* with a nested /* block */ comment */
         /* a /* nested */ block */
         WITH per_contact AS (SELECT contact_id, count(*) AS c FROM events GROUP BY contact_id),
              big AS (SELECT * FROM per_contact WHERE c >= 1)
         SELECT count(*) AS n FROM big WHERE contact_id IN (SELECT id FROM contacts)`,
      ),
    ).toBe(1);
    expect(
      await count(
        'WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < 5) SELECT count(*) AS n FROM r, events',
      ),
    ).toBe(5);
    expect(
      await count(
        `SELECT count(*) AS n FROM (SELECT contact_id FROM events UNION SELECT id FROM contacts) AS u
          WHERE EXISTS (SELECT 1 FROM contact_view AS cv WHERE cv.id = u.contact_id)`,
      ),
    ).toBe(1);
    expect(await count('SELECT (SELECT count(*) FROM EVENTS) AS n')).toBe(1);
  });

  it('allows generators (range, generate_series, unnest) and VALUES, which read no data', async () => {
    expect(await count('SELECT count(*) AS n FROM range(3) AS t(i)')).toBe(3);
    expect(await count('SELECT count(*) AS n FROM generate_series(1, 4) AS t(i)')).toBe(4);
    expect(await count('SELECT count(*) AS n FROM unnest([1, 2]) AS t(i), events')).toBe(2);
    expect(await count('SELECT count(*) AS n FROM (VALUES (1), (2)) AS v(x)')).toBe(2);
  });

  it('computes group and tag results from guarded SQL over the relations', async () => {
    expect(await attacker.replaceGroupVersion('9', 3, { sql: 'SELECT contact_id FROM events WHERE p_11 > ?', params: [5] })).toBe(
      1,
    );
    expect(
      await attacker.replaceTagValues('41', '2026-11-24', 'string', {
        sql: 'WITH v AS (SELECT contact_id, page AS value FROM acme_visits) SELECT * FROM v -- trailing comment',
      }),
    ).toBe(1);
    expect(await count(`SELECT count(*) AS n FROM tag_value WHERE tag_id = 41 AND value_string = '/home'`)).toBe(1);
    // A trailing semicolon (the result query runs as a subquery) is dropped, not a syntax error.
    expect(await attacker.replaceGroupVersion('9', 4, { sql: 'SELECT contact_id FROM events;\n' })).toBe(1);
    expect(await count('SELECT count(*) AS n FROM events; -- done')).toBe(1);
  });
});

describe('OlapSqlGuard', () => {
  it('parses each SQL text once (results are cached, least recently used evicted)', async () => {
    const seen: string[] = [];
    const parser: SqlParser = async (sql) => {
      seen.push(sql);
      return JSON.stringify({ error: false, statements: [{ node: { type: 'SELECT_NODE', cte_map: { map: [] } } }] });
    };
    const guard = new OlapSqlGuard(parser, { cacheSize: 2 });
    const names = new Set(['events']);
    await guard.check('SELECT 1', names);
    await guard.check('SELECT 1', names);
    await guard.check('SELECT 2', names);
    await guard.check('SELECT 1', names); // refreshed: SELECT 2 is now the oldest
    await guard.check('SELECT 3', names); // evicts SELECT 2
    await guard.check('SELECT 1', names);
    await guard.check('SELECT 2', names);
    expect(seen).toEqual(['SELECT 1', 'SELECT 2', 'SELECT 3', 'SELECT 2']);
  });

  it('caches refusals too, and checks the names per tenant on every call', async () => {
    const analysis = await engine.guard.analyze('SELECT * FROM acme_visits');
    expect(analysis).toMatchObject({ relations: ['acme_visits'] });
    await expect(engine.guard.check('SELECT * FROM acme_visits', new Set(['events']))).rejects.toMatchObject({
      reason: 'olap_sql_relation_unknown',
    });
    await expect(engine.guard.check('SELECT * FROM acme_visits', new Set(['acme_visits']))).resolves.toMatchObject({
      relations: ['acme_visits'],
    });
  });

  it('strips leading blanks and comments, nested block comments included, and nothing more', () => {
    expect(stripLeadingTrivia('  \n-- a\n/* b /* c */ d */ SELECT 1 -- e')).toBe('SELECT 1 -- e');
    expect(stripLeadingTrivia('/* unterminated SELECT 1')).toBe('/* unterminated SELECT 1');
    expect(stripLeadingTrivia('-- only')).toBe('');
    expect(stripLeadingTrivia('\u00a0SELECT 1')).toBe('\u00a0SELECT 1');
    expect(sqlBody('\n SELECT 1 ;; \n')).toBe('SELECT 1');
    expect(sqlBody('SELECT 1 -- done;')).toBe('SELECT 1 -- done');
  });
});
