import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TenantAnalytics } from '../../src/store/olap/analytics-engine.js';
import { DuckDbEngine } from '../../src/store/olap/duckdb/duckdb-engine.js';
import { OlapQueryTimeoutError, OlapSqlRefusedError, type OlapSqlRefusal } from '../../src/store/olap/errors.js';
import type { ContactViewMemberships } from '../../src/store/olap/relations.js';
import { MemorySchemaVersionStore } from '../../src/store/olap/schema-versions.js';
import { errorMessages, formatMessage, isErrorCode, type ErrorCode } from '../../src/server/messages.js';
import { eventRow, num, sampleDeclaration } from './support.js';

// The operator-SQL sandbox (ADR 0046): SQL operators type (SQL tags, custom queries) reaches DuckDB
// only as a SELECT over event_view / contact_view, every node and function on an allow-list,
// regenerated from its checked tree with a LIMIT. Tenant 2 is the operator's; tenant 1 holds a
// secret the operator tries to reach.
let engine: DuckDbEngine;
let victim: TenantAnalytics;
let tenant: TenantAnalytics;

const HARD_CAP = 500;
const at = (day: number, hour = 2): number => Date.UTC(2026, 10, day, hour, 0, 0);

const memberships: ContactViewMemberships = {
  groups: [{ groupId: '9', version: 1 }],
  tags: [
    { tagId: '40', column: 'tag_vip', calcDate: '2026-11-24', type: 'number' },
    { tagId: '41', column: 'tag_interests', calcDate: '2026-11-24', type: 'string[]' },
  ],
};

beforeAll(async () => {
  engine = await DuckDbEngine.open({
    path: ':memory:',
    versions: new MemorySchemaVersionStore(),
    threads: 2,
    operatorMaxRows: HARD_CAP,
  });
  victim = engine.forTenant('1');
  tenant = engine.forTenant('2');
  for (const t of [victim, tenant]) await t.declare(sampleDeclaration());
  await victim.load({
    batchId: 'victim',
    events: [eventRow({ contactId: '501', properties: { amount: 9999, sku: 'secret' } })],
    contacts: [{ id: '501', name: '受害者', city: '深圳', createdAt: 1, updatedAt: 1 }],
  });
  await victim.replaceGroupVersion('9', 1, { rows: ['501'] });
  await tenant.load({
    batchId: 'operator',
    events: [
      eventRow({ contactId: '601', eventTime: at(20), properties: { amount: 100, sku: 'A' } }),
      eventRow({ contactId: '601', eventTime: at(21), properties: { amount: 50, sku: 'B' } }),
      eventRow({ contactId: '601', eventTime: at(19), event: 'subscribe' }),
      eventRow({ contactId: '602', eventTime: at(22), properties: { amount: 30, sku: 'A' } }),
      eventRow({ contactId: '603', eventTime: at(18), event: 'subscribe' }),
    ],
    contacts: [
      { id: '601', name: '张三', city: '上海', attributes: { '21': 3 }, createdAt: 1, updatedAt: 1 },
      { id: '602', name: '李四', city: '北京', attributes: { '21': 1 }, createdAt: 1, updatedAt: 1 },
      { id: '603', name: '王五', city: '上海', attributes: { '21': 2 }, createdAt: 1, updatedAt: 1 },
    ],
  });
  await tenant.replaceGroupVersion('9', 1, { rows: ['601', '603'] });
  await tenant.replaceGroupVersion('9', 2, { rows: ['602'] });
  await tenant.replaceTagValues('40', '2026-11-24', 'number', {
    rows: [
      { contactId: '601', value: 3 },
      { contactId: '602', value: 1 },
    ],
  });
  await tenant.replaceTagValues('41', '2026-11-24', 'string[]', {
    rows: [
      { contactId: '601', value: ['书', '茶'] },
      { contactId: '603', value: ['茶'] },
    ],
  });
});

afterAll(async () => {
  await engine?.close();
});

async function refusal(sql: string, options: Parameters<TenantAnalytics['operatorQuery']>[1] = {}): Promise<OlapSqlRefusedError> {
  const error = await tenant.operatorQuery(sql, options).catch((e: unknown) => e);
  expect(error, sql).toBeInstanceOf(OlapSqlRefusedError);
  return error as OlapSqlRefusedError;
}

const plain = <T>(rows: T[]): unknown[] =>
  rows.map((row) =>
    Object.fromEntries(Object.entries(row as object).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])),
  );

describe('operator SQL: what it may do, on a tenant with data', () => {
  it('joins event_view and contact_view and aggregates (a number SQL tag)', async () => {
    const result = await tenant.operatorQuery(
      `SELECT c.id AS contact_id, sum(e.p_amount) AS value
         FROM contact_view AS c JOIN event_view AS e ON e.contact_id = c.id
        WHERE e.event = 'purchase'
        GROUP BY c.id ORDER BY c.id`,
    );
    expect(plain(result.rows)).toEqual([
      { contact_id: 601, value: 150 },
      { contact_id: 602, value: 30 },
    ]);
    expect(result.columns.map((c) => c.name)).toEqual(['contact_id', 'value']);
    expect(result.truncated).toBe(false);
  });

  it('runs window functions', async () => {
    const result = await tenant.operatorQuery(
      `SELECT contact_id, p_sku AS sku,
              row_number() OVER (PARTITION BY contact_id ORDER BY event_date DESC) AS rn,
              sum(p_amount) OVER (PARTITION BY contact_id) AS total,
              lag(p_sku) OVER (PARTITION BY contact_id ORDER BY event_date) AS previous
         FROM event_view WHERE event = 'purchase' ORDER BY contact_id, rn`,
    );
    expect(plain(result.rows)).toEqual([
      { contact_id: 601, sku: 'B', rn: 1, total: 150, previous: 'A' },
      { contact_id: 601, sku: 'A', rn: 2, total: 150, previous: null },
      { contact_id: 602, sku: 'A', rn: 1, total: 30, previous: null },
    ]);
  });

  it('runs CTEs (each listing its columns), LEFT JOIN and COALESCE', async () => {
    const result = await tenant.operatorQuery(
      `WITH buyers AS (SELECT contact_id, count(*) AS n FROM event_view WHERE event = 'purchase' GROUP BY contact_id),
            local AS (SELECT id, city FROM contact_view WHERE city = '上海')
       SELECT l.id AS contact_id, coalesce(b.n, 0) AS value
         FROM local AS l LEFT JOIN buyers AS b ON b.contact_id = l.id ORDER BY 1`,
    );
    expect(plain(result.rows)).toEqual([
      { contact_id: 601, value: 2 },
      { contact_id: 603, value: 0 },
    ]);
  });

  it('runs date functions on the tenant-local event_date (date tags are epoch ms)', async () => {
    const result = await tenant.operatorQuery(
      `SELECT contact_id, epoch_ms(max(event_date)) AS value,
              strftime(min(event_date), '%Y-%m-%d %H:%M') AS first_local,
              date_diff('day', min(event_date), max(event_date)) AS span_days,
              CAST(date_trunc('month', max(event_date)) AS DATE) AS month
         FROM event_view
        WHERE event_date >= TIMESTAMP '2026-11-18 00:00:00' + INTERVAL 1 DAY AND event_date < current_date + INTERVAL 36500 DAY
        GROUP BY contact_id ORDER BY contact_id`,
      { rowMode: 'json' },
    );
    // 2026-11-21T02:00Z is 10:00 in Asia/Shanghai: event_date is the local wall time.
    expect(result.rows).toEqual([
      {
        contact_id: '601',
        value: String(Date.UTC(2026, 10, 21, 10)),
        first_local: '2026-11-19 10:00',
        span_days: '2',
        month: '2026-11-01',
      },
      {
        contact_id: '602',
        value: String(Date.UTC(2026, 10, 22, 10)),
        first_local: '2026-11-22 10:00',
        span_days: '0',
        month: '2026-11-01',
      },
    ]);
  });

  it('reads the group_<id> and tag_… columns of contact_view the caller joined', async () => {
    const result = await tenant.operatorQuery(
      'SELECT id AS contact_id, tag_vip AS value, group_9 AS in_group FROM contact_view ORDER BY id',
      { contactView: memberships },
    );
    expect(plain(result.rows)).toEqual([
      { contact_id: 601, value: 3, in_group: true },
      { contact_id: 602, value: 1, in_group: false },
      { contact_id: 603, value: null, in_group: true },
    ]);
    const lists = await tenant.operatorQuery(
      `SELECT id AS contact_id, list_contains(tag_interests, '茶') AS tea, array_to_string(tag_interests, ',') AS joined
         FROM contact_view WHERE group_9 ORDER BY id`,
      { contactView: memberships },
    );
    expect(plain(lists.rows)).toEqual([
      { contact_id: 601, tea: true, joined: '书,茶' },
      { contact_id: 603, tea: true, joined: '茶' },
    ]);
    const unnested = await tenant.operatorQuery(
      `SELECT i.interest AS value, count(*) AS n
         FROM (SELECT unnest(tag_interests) AS interest FROM contact_view) AS i GROUP BY i.interest ORDER BY n DESC, value`,
      { contactView: memberships },
    );
    expect(plain(unnested.rows)).toEqual([
      { value: '茶', n: 2 },
      { value: '书', n: 1 },
    ]);
  });

  it('allows select * at the top level only: every contact_view column, the joined ones included', async () => {
    const result = await tenant.operatorQuery('SELECT * FROM contact_view ORDER BY id', { contactView: memberships });
    const names = result.columns.map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['id', 'name', 'city', 'p_attr21', 'group_9', 'tag_vip', 'tag_interests']));
    expect(result.rows.map((row) => num(row.id))).toEqual([601, 602, 603]);
    expect(result.rows.map((row) => num(row.p_attr21))).toEqual([3, 1, 2]);
  });

  it('runs set operations, VALUES, IN / EXISTS subqueries, CASE and text functions', async () => {
    const result = await tenant.operatorQuery(
      `SELECT c.id AS contact_id,
              CASE WHEN c.p_attr21 >= 3 THEN '高' WHEN c.p_attr21 = 2 THEN '中' ELSE '低' END AS value,
              concat(upper(substr(c.city, 1, 1)), '-', v.label) AS labelled
         FROM contact_view AS c JOIN (VALUES ('上海', 'SH'), ('北京', 'BJ')) AS v(city, label) ON v.city = c.city
        WHERE c.id IN (SELECT contact_id FROM event_view WHERE event = 'purchase')
           OR EXISTS (SELECT 1 FROM event_view AS e WHERE e.contact_id = c.id AND e.event_alias = 'wechat_subscribe')
       UNION ALL
       SELECT 0, 'none', 'x'
       ORDER BY 1`,
    );
    expect(plain(result.rows)).toEqual([
      { contact_id: 0, value: 'none', labelled: 'x' },
      { contact_id: 601, value: '高', labelled: '上-SH' },
      { contact_id: 602, value: '低', labelled: '北-BJ' },
      { contact_id: 603, value: '中', labelled: '上-SH' },
    ]);
  });

  it('runs the syntax the operator guide lists (docs/guide/operator-sql.md)', async () => {
    const result = await tenant.operatorQuery(
      `WITH e AS (SELECT contact_id, p_sku, p_amount, event_date FROM event_view WHERE event = 'purchase')
       SELECT c.city AS city, count_if(e.p_amount > 40) AS big, list(e.p_sku ORDER BY e.p_sku)[1] AS first_sku,
              max(extract(hour FROM e.event_date)) AS hour, bool_or(c.name SIMILAR TO '张.*') AS zhang,
              bool_or(c.city ILIKE '上%') AS shanghai, max(TRY_CAST(c.p_attr21 AS VARCHAR)) AS level,
              bool_and(c.city IS DISTINCT FROM '深圳') AS not_shenzhen, count(DISTINCT g.d) AS days
         FROM contact_view AS c FULL JOIN e ON e.contact_id = c.id
         JOIN (SELECT CAST(d AS DATE) AS d FROM generate_series(TIMESTAMP '2026-11-18', TIMESTAMP '2026-11-22', INTERVAL 1 DAY) AS s(d)) AS g
           ON g.d <= CAST(coalesce(e.event_date, TIMESTAMP '2026-11-18') AS DATE)
        GROUP BY ROLLUP (c.city) ORDER BY city DESC NULLS LAST`,
    );
    expect(plain(result.rows)).toEqual([
      { city: '北京', big: 0, first_sku: 'A', hour: 10, zhang: false, shanghai: false, level: '1', not_shenzhen: true, days: 5 },
      { city: '上海', big: 7, first_sku: 'A', hour: 10, zhang: true, shanghai: true, level: '3', not_shenzhen: true, days: 4 },
      { city: null, big: 7, first_sku: 'A', hour: 10, zhang: true, shanghai: true, level: '3', not_shenzhen: true, days: 5 },
    ]);
    const guideExamples = [
      `SELECT contact_id, sum(p_amount) AS value
         FROM event_view
        WHERE event = 'purchase' AND event_day >= (SELECT max(event_day) FROM event_view) - INTERVAL 30 DAY
        GROUP BY contact_id;`,
      `SELECT contact_id, epoch_ms(max(event_date)) AS value FROM event_view WHERE event = 'purchase' GROUP BY contact_id;`,
      `SELECT id AS contact_id, city AS value FROM contact_view WHERE group_9 AND tag_vip >= 3;`,
      `SELECT c.id AS contact_id, list(DISTINCT e.p_sku) AS value FROM contact_view AS c JOIN event_view AS e USING (contact_id) GROUP BY c.id`,
    ];
    for (const sql of guideExamples.slice(0, 3)) {
      const rows = await tenant.operatorQuery(sql, { contactView: memberships });
      expect(
        rows.columns.map((c) => c.name),
        sql,
      ).toEqual(['contact_id', 'value']);
      expect(rows.rows.length, sql).toBeGreaterThan(0);
    }
    // USING needs the column on both sides: contact_view has id, not contact_id.
    expect((await refusal(guideExamples[3]!)).code).toBe('olap_sql_failed');
  });

  it('runs comment and quoting variants as the same query (the run SQL is regenerated, comments gone)', async () => {
    const result = await tenant.operatorQuery(
      `/* 注释 /* 嵌套 */ SELECT getenv('HOME') */ -- 行注释
       SELECT "ID" AS "contact_id", 'it''s' AS "值" FROM "CONTACT_VIEW" WHERE id = 601 -- ; DROP TABLE x
       ;`,
    );
    expect(plain(result.rows)).toEqual([{ contact_id: 601, 值: "it's" }]);
  });

  it('runs SQL regenerated from the checked tree: comments and tricks gone, the smaller LIMIT set', async () => {
    expect(await engine.sandbox.prepare('/* x */ select ID from CONTACT_VIEW -- y\n;', 11)).toBe(
      'SELECT ID FROM CONTACT_VIEW LIMIT 11',
    );
    expect(await engine.sandbox.prepare('SELECT id FROM contact_view LIMIT 5 OFFSET 1', 11)).toBe(
      'SELECT id FROM contact_view LIMIT 5 OFFSET 1',
    );
    expect(await engine.sandbox.prepare('SELECT id FROM contact_view LIMIT 50', 11)).toBe('SELECT id FROM contact_view LIMIT 11');
    expect(await engine.sandbox.prepare('SELECT 1 AS a UNION ALL SELECT 2 ORDER BY 1', 3)).toBe(
      '(SELECT 1 AS a) UNION ALL (SELECT 2) ORDER BY 1 LIMIT 3',
    );
  });

  it('keeps big integers, decimals and quoted names exact through regeneration', async () => {
    const result = await tenant.operatorQuery(
      `SELECT 9223372036854775807 AS m, 170141183460469231731687303715884105727 AS h, 123456789012345.678 AS d,
              -9007199254740993 AS n, 'a''b"c' AS "x""y", '中文' AS 列`,
      { rowMode: 'json' },
    );
    expect(result.rows).toEqual([
      {
        m: '9223372036854775807',
        h: '170141183460469231731687303715884105727',
        d: '123456789012345.678',
        n: '-9007199254740993',
        'x"y': `a'b"c`,
        列: '中文',
      },
    ]);
  });

  it('sees only its own tenant: the victim’s contacts, events and group members stay invisible', async () => {
    const result = await tenant.operatorQuery(
      `SELECT (SELECT count(*) FROM contact_view) AS contacts, (SELECT count(*) FROM event_view) AS events,
              (SELECT count(*) FROM contact_view WHERE name = '受害者' OR group_9) AS victims`,
      { contactView: { groups: [{ groupId: '9', version: 1 }] } },
    );
    expect(plain(result.rows)).toEqual([{ contacts: 3, events: 5, victims: 2 }]);
  });

  it('adds a LIMIT: the operator’s smaller one is kept, maxRows cuts and says so, 0 returns the columns only', async () => {
    const own = await tenant.operatorQuery('SELECT id FROM contact_view ORDER BY id LIMIT 2', { maxRows: 10 });
    expect(plain(own.rows)).toEqual([{ id: 601 }, { id: 602 }]);
    expect(own.truncated).toBe(false);
    const cut = await tenant.operatorQuery('SELECT id FROM contact_view ORDER BY id LIMIT 100', { maxRows: 2 });
    expect(plain(cut.rows)).toEqual([{ id: 601 }, { id: 602 }]);
    expect(cut.truncated).toBe(true);
    const offset = await tenant.operatorQuery('SELECT id FROM contact_view ORDER BY id OFFSET 1', { maxRows: 1 });
    expect(plain(offset.rows)).toEqual([{ id: 602 }]);
    expect(offset.truncated).toBe(true);
    const columns = await tenant.operatorQuery('SELECT id AS contact_id, name AS value FROM contact_view', { maxRows: 0 });
    expect(columns.rows).toEqual([]);
    expect(columns.columns).toEqual([
      { name: 'contact_id', type: 'BIGINT' },
      { name: 'value', type: 'VARCHAR' },
    ]);
  });

  it('never returns more than the engine’s hard cap, whatever the caller asks', async () => {
    const result = await tenant.operatorQuery('SELECT range AS n FROM range(100000)', { maxRows: 1_000_000 });
    expect(result.rows).toHaveLength(HARD_CAP);
    expect(result.truncated).toBe(true);
  });

  it('checks SQL without a tenant (engine.checkOperatorSql) with the same rules', async () => {
    await expect(engine.checkOperatorSql('SELECT id FROM contact_view')).resolves.toEqual({ groupIds: [], tagColumns: [] });
    // The membership columns it references, from the tree (not from comments or strings).
    await expect(
      engine.checkOperatorSql(
        `/* group_1 tag_comment */ SELECT c.id AS contact_id, c.tag_vip AS value, 'group_2' AS s FROM contact_view AS c
          WHERE c.group_9 OR GROUP_10 OR c.id IN (SELECT id FROM contact_view WHERE tag_interests IS NOT NULL)`,
      ),
    ).resolves.toEqual({ groupIds: ['9', '10'], tagColumns: ['tag_vip', 'tag_interests'] });
    await expect(engine.checkOperatorSql(`SELECT current_setting('threads')`)).rejects.toMatchObject({
      reason: 'olap_sql_function_refused',
    });
  });
});

describe('operator SQL computing a result (a SQL tag): replaceTagValues({ operatorSql })', () => {
  it('streams contact_id, value into the tag’s day, without the row cap', async () => {
    const written = await tenant.replaceTagValues('42', '2026-11-25', 'number', {
      operatorSql: `SELECT c.id AS contact_id, count(e.contact_id) + coalesce(c.tag_vip, 0) AS value
                      FROM contact_view AS c LEFT JOIN event_view AS e ON e.contact_id = c.id
                     GROUP BY c.id, c.tag_vip`,
      contactView: { tags: [{ tagId: '40', column: 'tag_vip', calcDate: '2026-11-24', type: 'number' }] },
    });
    expect(written).toBe(3);
    const read = await tenant.operatorQuery('SELECT id, tag_spend FROM contact_view ORDER BY id', {
      contactView: { tags: [{ tagId: '42', column: 'tag_spend', calcDate: '2026-11-25', type: 'number' }] },
    });
    expect(plain(read.rows)).toEqual([
      { id: 601, tag_spend: 6 },
      { id: 602, tag_spend: 2 },
      { id: 603, tag_spend: 1 },
    ]);
    // More rows than the hard cap of operatorQuery: a result is not cut.
    const many = await tenant.replaceGroupVersion('77', 1, { operatorSql: 'SELECT range + 1 AS contact_id FROM range(2000)' });
    expect(many).toBe(2000);
  });

  it('refuses what operatorQuery refuses and writes nothing', async () => {
    const error = await tenant
      .replaceTagValues('43', '2026-11-25', 'string', {
        operatorSql: `SELECT id AS contact_id, current_setting('threads') AS value FROM contact_view`,
      })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'olap_sql_refused', reason: 'olap_sql_function_refused' });
    const failed = await tenant
      .replaceTagValues('43', '2026-11-25', 'string', { operatorSql: 'SELECT id AS contact_id FROM contact_view' })
      .catch((e: unknown) => e);
    expect(failed).toMatchObject({ code: 'olap_sql_failed', reason: 'olap_sql_execution' });
    const read = await tenant.operatorQuery('SELECT count(tag_x) AS n FROM contact_view', {
      contactView: { tags: [{ tagId: '43', column: 'tag_x', calcDate: '2026-11-25', type: 'string' }] },
    });
    expect(plain(read.rows)).toEqual([{ n: 0 }]);
  });
});

describe('operator SQL: errors an operator can act on', () => {
  it('names a group_ / tag_ column that was not joined', async () => {
    const error = await refusal('SELECT id FROM contact_view WHERE group_12');
    expect(error).toMatchObject({ code: 'olap_sql_refused', reason: 'olap_sql_membership_unknown', refused: 'group_12' });
    const tag = await refusal('SELECT tag_missing FROM contact_view');
    expect(tag).toMatchObject({ reason: 'olap_sql_membership_unknown', refused: 'tag_missing' });
    const qualified = await refusal('SELECT c.tag_missing FROM contact_view AS c');
    expect(qualified).toMatchObject({ reason: 'olap_sql_membership_unknown', refused: 'tag_missing' });
  });

  it('answers an unknown column or a failed conversion as olap_sql_failed, without physical names', async () => {
    const error = await refusal('SELECT p_nothing FROM event_view');
    expect(error).toMatchObject({ code: 'olap_sql_failed', statusCode: 400, reason: 'olap_sql_execution' });
    expect(error.refused).toMatch(/^Binder Error: .*p_nothing/);
    expect(error.refused).not.toMatch(/t_2|LINE 1/);
    const conversion = await refusal(`SELECT CAST(name AS INTEGER) FROM contact_view`);
    expect(conversion).toMatchObject({ code: 'olap_sql_failed' });
    expect(conversion.refused).toMatch(/^Conversion Error/);
  });

  it('has a zh-CN and an en-US message for every refusal reason, and answers 400 with the reason as detail', async () => {
    const reasons: OlapSqlRefusal[] = [
      'olap_sql_syntax',
      'olap_sql_not_select',
      'olap_sql_multiple_statements',
      'olap_sql_qualified_name',
      'olap_sql_relation_unknown',
      'olap_sql_table_function',
      'olap_sql_cte_name_reserved',
      'olap_sql_unsupported',
      'olap_sql_function_refused',
      'olap_sql_star_in_subquery',
      'olap_sql_recursive_cte',
      'olap_sql_limit_invalid',
      'olap_sql_too_long',
      'olap_sql_membership_unknown',
      'olap_sql_execution',
    ];
    for (const reason of reasons) {
      expect(isErrorCode(reason), reason).toBe(true);
      const messages = errorMessages[reason as keyof typeof errorMessages];
      expect(messages['zh-CN'], reason).toMatch(/[\u4e00-\u9fff]/);
      expect(messages['en-US'], reason).toMatch(/[a-z]/);
    }
    const error = await refusal(`SELECT getenv('HOME')`);
    expect(error).toMatchObject({
      statusCode: 400,
      code: 'olap_sql_refused',
      details: [{ path: 'sql', code: 'olap_sql_function_refused' }],
    });
    expect(formatMessage(error.code, 'zh-CN', error.params)).toBe('SQL 不能使用 getenv()');
    expect(formatMessage(error.code as ErrorCode, 'en-US', error.params)).toBe('The SQL may not use getenv()');
  });
});

/**
 * The escape corpus: each row is one way out, refused with the expected code and reason (and, when
 * given, the name the refusal shows). Nothing here reaches the engine.
 */
const corpus: [name: string, sql: string, code: string, reason: OlapSqlRefusal, refused?: string | RegExp][] = [
  // other tenants' schemas
  [
    "another tenant's physical table",
    'SELECT count(*) FROM t_1.event_data',
    'olap_sql_refused',
    'olap_sql_qualified_name',
    't_1.event_data',
  ],
  ["another tenant's view", 'SELECT * FROM t_1.event_view', 'olap_sql_refused', 'olap_sql_qualified_name', 't_1.event_view'],
  [
    "another tenant's view, quoted",
    'SELECT * FROM "t_1"."contact_view"',
    'olap_sql_refused',
    'olap_sql_qualified_name',
    't_1.contact_view',
  ],
  [
    'a catalog-qualified table',
    'SELECT * FROM memory.t_1.event_data',
    'olap_sql_refused',
    'olap_sql_qualified_name',
    'memory.t_1.event_data',
  ],
  [
    'a dotted name in one quoted identifier',
    'SELECT * FROM "t_1.event_data"',
    'olap_sql_refused',
    'olap_sql_relation_unknown',
    't_1.event_data',
  ],
  [
    'a physical table of its own tenant',
    'SELECT * FROM event_data',
    'olap_sql_refused',
    'olap_sql_relation_unknown',
    'event_data',
  ],
  ['a module relation (events)', 'SELECT contact_id FROM events', 'olap_sql_refused', 'olap_sql_relation_unknown', 'events'],
  [
    'a module relation (group_member)',
    'SELECT contact_id FROM group_member',
    'olap_sql_refused',
    'olap_sql_relation_unknown',
    'group_member',
  ],
  [
    'a module relation (tag_value)',
    'SELECT contact_id FROM tag_value',
    'olap_sql_refused',
    'olap_sql_relation_unknown',
    'tag_value',
  ],
  ['a dimension table', 'SELECT * FROM dimension_31', 'olap_sql_refused', 'olap_sql_relation_unknown', 'dimension_31'],
  [
    'a physical table in a subquery',
    'SELECT id FROM contact_view WHERE id IN (SELECT contact_id FROM t_1.event_data)',
    'olap_sql_refused',
    'olap_sql_qualified_name',
    't_1.event_data',
  ],
  [
    'a physical table in a CTE',
    'WITH s AS (SELECT contact_id FROM t_1.event_data) SELECT contact_id FROM s',
    'olap_sql_refused',
    'olap_sql_qualified_name',
  ],
  [
    'a physical table in a UNION',
    'SELECT contact_id FROM event_view UNION SELECT contact_id FROM t_1.event_data',
    'olap_sql_refused',
    'olap_sql_qualified_name',
  ],
  [
    'a CTE named like event_view',
    'WITH event_view AS (SELECT 1 AS contact_id) SELECT contact_id FROM event_view',
    'olap_sql_refused',
    'olap_sql_cte_name_reserved',
  ],
  // system catalogs and information_schema
  [
    'information_schema.tables',
    'SELECT table_name FROM information_schema.tables',
    'olap_sql_refused',
    'olap_sql_qualified_name',
    'information_schema.tables',
  ],
  [
    'information_schema.columns',
    'SELECT column_name FROM information_schema.columns',
    'olap_sql_refused',
    'olap_sql_qualified_name',
  ],
  ['pg_catalog', 'SELECT * FROM pg_catalog.pg_namespace', 'olap_sql_refused', 'olap_sql_qualified_name'],
  [
    'a catalog view without schema',
    'SELECT * FROM duckdb_tables',
    'olap_sql_refused',
    'olap_sql_relation_unknown',
    'duckdb_tables',
  ],
  ['sqlite_master', 'SELECT * FROM sqlite_master', 'olap_sql_refused', 'olap_sql_relation_unknown', 'sqlite_master'],
  ['pg_tables', 'SELECT * FROM pg_tables', 'olap_sql_refused', 'olap_sql_relation_unknown', 'pg_tables'],
  // duckdb_*() and other table functions
  ['duckdb_tables()', 'SELECT * FROM duckdb_tables()', 'olap_sql_refused', 'olap_sql_table_function', 'duckdb_tables()'],
  ['duckdb_settings()', 'SELECT * FROM duckdb_settings()', 'olap_sql_refused', 'olap_sql_table_function', 'duckdb_settings()'],
  ['duckdb_secrets()', 'SELECT * FROM duckdb_secrets()', 'olap_sql_refused', 'olap_sql_table_function', 'duckdb_secrets()'],
  [
    'duckdb_columns() in a join',
    'SELECT c.id FROM contact_view AS c, duckdb_columns() AS d',
    'olap_sql_refused',
    'olap_sql_table_function',
  ],
  ['pragma_table_info()', `SELECT * FROM pragma_table_info('t_1.event_data')`, 'olap_sql_refused', 'olap_sql_table_function'],
  ['query()', `SELECT * FROM query('SELECT * FROM t_1.event_data')`, 'olap_sql_refused', 'olap_sql_table_function', 'query()'],
  [
    'query_table()',
    `SELECT * FROM query_table('t_1.event_data')`,
    'olap_sql_refused',
    'olap_sql_table_function',
    'query_table()',
  ],
  [
    'json_execute_serialized_sql()',
    `SELECT * FROM json_execute_serialized_sql('{}')`,
    'olap_sql_refused',
    'olap_sql_table_function',
  ],
  ['a qualified table function', 'SELECT * FROM main.range(3)', 'olap_sql_refused', 'olap_sql_qualified_name'],
  // file readers
  ['read_csv()', `SELECT * FROM read_csv('/etc/passwd')`, 'olap_sql_refused', 'olap_sql_table_function', 'read_csv()'],
  ['read_csv_auto()', `SELECT * FROM read_csv_auto('/etc/passwd')`, 'olap_sql_refused', 'olap_sql_table_function'],
  ['read_parquet()', `SELECT * FROM read_parquet('/tmp/x.parquet')`, 'olap_sql_refused', 'olap_sql_table_function'],
  ['read_json()', `SELECT * FROM read_json('/tmp/x.json')`, 'olap_sql_refused', 'olap_sql_table_function'],
  ['read_text()', `SELECT * FROM read_text('/etc/hostname')`, 'olap_sql_refused', 'olap_sql_table_function'],
  ['read_blob()', `SELECT * FROM read_blob('/etc/hostname')`, 'olap_sql_refused', 'olap_sql_table_function'],
  ['glob()', `SELECT * FROM glob('/*')`, 'olap_sql_refused', 'olap_sql_table_function', 'glob()'],
  ['sniff_csv()', `SELECT * FROM sniff_csv('/etc/passwd')`, 'olap_sql_refused', 'olap_sql_table_function'],
  ['a file name as a table', `SELECT * FROM '/etc/passwd'`, 'olap_sql_refused', 'olap_sql_relation_unknown', '/etc/passwd'],
  [
    'a reader in a scalar subquery',
    `SELECT (SELECT count(*) FROM read_csv('/etc/passwd')) AS n`,
    'olap_sql_refused',
    'olap_sql_table_function',
  ],
  // statements that are not one SELECT
  ['ATTACH', `ATTACH '/tmp/other.duckdb' AS other`, 'olap_sql_invalid', 'olap_sql_not_select'],
  ['DETACH', 'DETACH other', 'olap_sql_invalid', 'olap_sql_not_select'],
  ['PRAGMA', 'PRAGMA database_list', 'olap_sql_invalid', 'olap_sql_not_select'],
  ['SET', 'SET enable_external_access = true', 'olap_sql_invalid', 'olap_sql_not_select'],
  ['RESET', 'RESET threads', 'olap_sql_invalid', 'olap_sql_not_select'],
  ['SET VARIABLE', 'SET VARIABLE x = 1', 'olap_sql_invalid', 'olap_sql_not_select'],
  ['COPY … TO', `COPY (SELECT * FROM event_view) TO '/tmp/x.csv'`, 'olap_sql_invalid', 'olap_sql_not_select'],
  ['COPY … FROM', `COPY event_view FROM '/tmp/x.csv'`, 'olap_sql_invalid', 'olap_sql_not_select'],
  ['EXPORT DATABASE', `EXPORT DATABASE '/tmp/dump'`, 'olap_sql_invalid', 'olap_sql_not_select'],
  ['INSTALL', 'INSTALL httpfs', 'olap_sql_invalid', 'olap_sql_not_select'],
  ['LOAD', 'LOAD httpfs', 'olap_sql_invalid', 'olap_sql_not_select'],
  ['CALL', 'CALL pragma_version()', 'olap_sql_invalid', 'olap_sql_not_select'],
  ['EXPLAIN', 'EXPLAIN SELECT * FROM event_view', 'olap_sql_invalid', 'olap_sql_not_select'],
  ['CHECKPOINT', 'CHECKPOINT', 'olap_sql_invalid', 'olap_sql_not_select'],
  ['DESCRIBE', 'DESCRIBE event_view', 'olap_sql_refused', 'olap_sql_unsupported', 'DESCRIBE / SHOW / SUMMARIZE'],
  ['SHOW TABLES', 'SHOW TABLES', 'olap_sql_refused', 'olap_sql_unsupported'],
  ['SUMMARIZE', 'SUMMARIZE event_view', 'olap_sql_refused', 'olap_sql_unsupported'],
  // DDL / DML
  ['CREATE TABLE AS', 'CREATE TABLE x AS SELECT * FROM event_view', 'olap_sql_invalid', 'olap_sql_not_select'],
  ['CREATE VIEW', 'CREATE VIEW x AS SELECT 1', 'olap_sql_invalid', 'olap_sql_not_select'],
  ['CREATE MACRO', 'CREATE MACRO m(a) AS a', 'olap_sql_invalid', 'olap_sql_not_select'],
  ['DROP', 'DROP TABLE t_1.event_data', 'olap_sql_invalid', 'olap_sql_not_select'],
  ['ALTER', 'ALTER TABLE event_view ADD COLUMN x INT', 'olap_sql_invalid', 'olap_sql_not_select'],
  ['INSERT', 'INSERT INTO event_view VALUES (1)', 'olap_sql_invalid', 'olap_sql_not_select'],
  ['UPDATE', `UPDATE contact_view SET name = 'x'`, 'olap_sql_invalid', 'olap_sql_not_select'],
  ['DELETE', 'DELETE FROM t_1.event_data', 'olap_sql_invalid', 'olap_sql_not_select'],
  ['a write in a CTE', 'WITH d AS (DELETE FROM t_1.event_data RETURNING *) SELECT 1', 'olap_sql_invalid', 'olap_sql_syntax'],
  ['nextval() (changes a sequence)', `SELECT nextval('s')`, 'olap_sql_refused', 'olap_sql_function_refused', 'nextval()'],
  ['setseed() (changes state)', 'SELECT setseed(0.5)', 'olap_sql_refused', 'olap_sql_function_refused'],
  // several statements; comment and quoting tricks
  ['a second statement', 'SELECT 1; SELECT * FROM t_1.event_data', 'olap_sql_invalid', 'olap_sql_multiple_statements'],
  ['a statement after a comment', `SELECT 1; /* harmless */ DROP TABLE x`, 'olap_sql_invalid', 'olap_sql_not_select'],
  [
    'a statement after a line comment and newline',
    'SELECT 1 -- x\n; DELETE FROM t_1.event_data',
    'olap_sql_invalid',
    'olap_sql_not_select',
  ],
  ['a write after leading comments', '/* SELECT */ -- SELECT\nDROP TABLE x', 'olap_sql_invalid', 'olap_sql_not_select'],
  ['only a comment', '-- SELECT 1', 'olap_sql_invalid', 'olap_sql_not_select'],
  ['an unterminated comment', '/* SELECT 1', 'olap_sql_invalid', 'olap_sql_syntax'],
  [
    'a quoted function name',
    `SELECT "current_setting"('threads')`,
    'olap_sql_refused',
    'olap_sql_function_refused',
    'current_setting()',
  ],
  ['an upper-case function name', `SELECT CURRENT_SETTING('threads')`, 'olap_sql_refused', 'olap_sql_function_refused'],
  ['a method-call function', `SELECT ('threads').current_setting()`, 'olap_sql_refused', 'olap_sql_function_refused'],
  [
    'a quote-breaking identifier',
    'SELECT * FROM "event_view""; DROP TABLE x; --"',
    'olap_sql_refused',
    'olap_sql_relation_unknown',
  ],
  [
    'a schema-qualified allowed function',
    'SELECT memory.main.lower(name) FROM contact_view',
    'olap_sql_refused',
    'olap_sql_qualified_name',
  ],
  ['an empty statement', ';', 'olap_sql_invalid', 'olap_sql_not_select'],
  // recursive CTEs
  [
    'a recursive CTE bomb',
    'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r',
    'olap_sql_refused',
    'olap_sql_recursive_cte',
    'WITH RECURSIVE r',
  ],
  [
    'a bounded recursive CTE',
    'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT n FROM r',
    'olap_sql_refused',
    'olap_sql_recursive_cte',
  ],
  [
    'a recursive CTE in a subquery',
    'SELECT n FROM (WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n * 2 FROM r) SELECT n FROM r) AS s',
    'olap_sql_refused',
    'olap_sql_recursive_cte',
  ],
  [
    'a recursive CTE with USING KEY',
    'WITH RECURSIVE r(n) USING KEY (n) AS (SELECT 1 UNION SELECT n + 1 FROM r) SELECT n FROM r',
    'olap_sql_refused',
    'olap_sql_recursive_cte',
  ],
  // select * in subqueries (seed §1.6.2.5 rule 5)
  [
    'select * in a FROM subquery',
    'SELECT contact_id FROM (SELECT * FROM event_view) AS e',
    'olap_sql_refused',
    'olap_sql_star_in_subquery',
    'select *',
  ],
  [
    'select * in a CTE',
    'WITH e AS (SELECT * FROM event_view) SELECT contact_id FROM e',
    'olap_sql_refused',
    'olap_sql_star_in_subquery',
  ],
  [
    'select t.* in a subquery',
    'SELECT id FROM (SELECT c.* FROM contact_view AS c) AS s',
    'olap_sql_refused',
    'olap_sql_star_in_subquery',
  ],
  [
    'select * in EXISTS',
    'SELECT id FROM contact_view AS c WHERE EXISTS (SELECT * FROM event_view AS e WHERE e.contact_id = c.id)',
    'olap_sql_refused',
    'olap_sql_star_in_subquery',
  ],
  [
    'select * in IN',
    'SELECT id FROM contact_view WHERE id IN (SELECT * FROM (VALUES (601)) AS v(id))',
    'olap_sql_refused',
    'olap_sql_star_in_subquery',
  ],
  // engine information and state: getenv, current_setting and the like
  ['getenv()', `SELECT getenv('HOME')`, 'olap_sql_refused', 'olap_sql_function_refused', 'getenv()'],
  [
    'current_setting()',
    `SELECT current_setting('enable_external_access')`,
    'olap_sql_refused',
    'olap_sql_function_refused',
    'current_setting()',
  ],
  ['current_database()', 'SELECT current_database()', 'olap_sql_refused', 'olap_sql_function_refused'],
  ['current_schemas()', 'SELECT current_schemas(true)', 'olap_sql_refused', 'olap_sql_function_refused'],
  ['current_query()', 'SELECT current_query()', 'olap_sql_refused', 'olap_sql_function_refused'],
  ['current_user (a keyword)', 'SELECT current_user', 'olap_sql_refused', 'olap_sql_function_refused', 'current_user'],
  ['current_schema (a keyword)', 'SELECT current_schema', 'olap_sql_refused', 'olap_sql_function_refused', 'current_schema'],
  ['current_catalog (a keyword)', 'SELECT current_catalog', 'olap_sql_refused', 'olap_sql_function_refused'],
  ['version()', 'SELECT version()', 'olap_sql_refused', 'olap_sql_function_refused'],
  ['getvariable()', `SELECT getvariable('x')`, 'olap_sql_refused', 'olap_sql_function_refused'],
  ['typeof()', 'SELECT typeof(id) FROM contact_view', 'olap_sql_refused', 'olap_sql_function_refused'],
  ['json_serialize_sql()', `SELECT json_serialize_sql('SELECT 1')`, 'olap_sql_refused', 'olap_sql_function_refused'],
  ['which_secret()', `SELECT which_secret('s3://x', 's3')`, 'olap_sql_refused', 'olap_sql_function_refused'],
  ['sleep_ms() (holds a connection)', 'SELECT sleep_ms(100000)', 'olap_sql_refused', 'olap_sql_function_refused'],
  ['pg_sleep()', 'SELECT pg_sleep(100)', 'olap_sql_refused', 'olap_sql_function_refused'],
  [
    'a function named by string',
    `SELECT list_aggregate([1], 'current_setting')`,
    'olap_sql_refused',
    'olap_sql_function_refused',
    'list_aggregate()',
  ],
  [
    'a refused function in a window',
    'SELECT histogram(id) OVER () FROM contact_view',
    'olap_sql_refused',
    'olap_sql_function_refused',
  ],
  [
    'a refused function deep in an expression',
    `SELECT id FROM contact_view WHERE name = coalesce(NULL, lower(current_setting('x')))`,
    'olap_sql_refused',
    'olap_sql_function_refused',
    'current_setting()',
  ],
  // memory bombs by argument
  ['repeat() of a huge length', `SELECT repeat('x', 2000000000)`, 'olap_sql_refused', 'olap_sql_function_refused', 'repeat()'],
  ['lpad() of a huge length', `SELECT lpad('x', 2000000000, 'y')`, 'olap_sql_refused', 'olap_sql_function_refused'],
  ['a scalar range() list', 'SELECT range(2000000000)', 'olap_sql_refused', 'olap_sql_function_refused', 'range()'],
  // syntax outside the accepted subset
  [
    'PIVOT',
    'SELECT * FROM event_view PIVOT (count(*) FOR event IN (1, 2))',
    'olap_sql_refused',
    'olap_sql_unsupported',
    'PIVOT / UNPIVOT',
  ],
  ['AT (time travel)', 'SELECT * FROM event_view AT (VERSION => 1)', 'olap_sql_refused', 'olap_sql_unsupported', 'AT (…)'],
  [
    'USING SAMPLE',
    'SELECT contact_id FROM event_view USING SAMPLE 10',
    'olap_sql_refused',
    'olap_sql_unsupported',
    'USING SAMPLE',
  ],
  ['TABLESAMPLE', 'SELECT contact_id FROM event_view TABLESAMPLE 10%', 'olap_sql_refused', 'olap_sql_unsupported', 'TABLESAMPLE'],
  ['LIMIT … %', 'SELECT contact_id FROM event_view LIMIT 10%', 'olap_sql_refused', 'olap_sql_unsupported', 'LIMIT … %'],
  [
    'QUALIFY',
    'SELECT contact_id FROM event_view QUALIFY row_number() OVER () = 1',
    'olap_sql_refused',
    'olap_sql_unsupported',
    'QUALIFY',
  ],
  [
    'GROUP BY ALL',
    'SELECT event, count(*) FROM event_view GROUP BY ALL',
    'olap_sql_refused',
    'olap_sql_unsupported',
    'GROUP BY ALL',
  ],
  ['ORDER BY ALL', 'SELECT event FROM event_view ORDER BY ALL', 'olap_sql_refused', 'olap_sql_unsupported', 'ORDER BY ALL'],
  [
    'DISTINCT ON',
    'SELECT DISTINCT ON (contact_id) contact_id FROM event_view',
    'olap_sql_refused',
    'olap_sql_unsupported',
    'DISTINCT ON',
  ],
  [
    'ASOF JOIN',
    'SELECT a.contact_id FROM event_view a ASOF JOIN event_view b ON a.event_date >= b.event_date',
    'olap_sql_refused',
    'olap_sql_unsupported',
    'ASOF JOIN',
  ],
  [
    'POSITIONAL JOIN',
    'SELECT a.contact_id FROM event_view a POSITIONAL JOIN contact_view b',
    'olap_sql_refused',
    'olap_sql_unsupported',
    'POSITIONAL JOIN',
  ],
  ['UNION BY NAME', 'SELECT 1 AS a UNION BY NAME SELECT 2 AS a', 'olap_sql_refused', 'olap_sql_unsupported', 'UNION BY NAME'],
  ['COLUMNS(…)', `SELECT COLUMNS('p_.*') FROM event_view`, 'olap_sql_refused', 'olap_sql_unsupported'],
  ['* EXCLUDE', 'SELECT * EXCLUDE (name) FROM contact_view', 'olap_sql_refused', 'olap_sql_unsupported'],
  ['a lambda', 'SELECT list_transform([1, 2], x -> x + 1)', 'olap_sql_refused', 'olap_sql_function_refused', 'list_transform()'],
  ['a lambda in an allowed function', 'SELECT list_sort([1], lambda x: x)', 'olap_sql_refused', 'olap_sql_unsupported', 'lambda'],
  [
    'a prepared parameter',
    'SELECT id FROM contact_view WHERE id = $1',
    'olap_sql_refused',
    'olap_sql_unsupported',
    'parameter ($1 / ?)',
  ],
  [
    'a positional reference',
    'SELECT #1 FROM contact_view',
    'olap_sql_refused',
    'olap_sql_unsupported',
    'positional reference (#1)',
  ],
  ['COLLATE', 'SELECT name COLLATE nocase FROM contact_view', 'olap_sql_refused', 'olap_sql_unsupported', 'COLLATE'],
  [
    'a cast to a named type',
    'SELECT CAST(name AS my_enum) FROM contact_view',
    'olap_sql_refused',
    'olap_sql_unsupported',
    'type my_enum',
  ],
  ['a LIMIT subquery', 'SELECT id FROM contact_view LIMIT (SELECT 1)', 'olap_sql_refused', 'olap_sql_limit_invalid'],
  ['a LIMIT expression', 'SELECT id FROM contact_view LIMIT 1 + 1', 'olap_sql_refused', 'olap_sql_limit_invalid'],
  ['too long', `SELECT 1 AS x${' '.repeat(100_001)}`, 'olap_sql_invalid', 'olap_sql_too_long'],
];

describe('operator SQL: the escape corpus, each item refused with its reason', () => {
  it.each(corpus)('%s', async (_name, sql, code, reason, refused) => {
    const error = await refusal(sql);
    expect(error.code, sql).toBe(code);
    expect(error.statusCode, sql).toBe(400);
    expect(error.reason, sql).toBe(reason);
    expect(error.details, sql).toEqual([{ path: 'sql', code: reason }]);
    if (typeof refused === 'string') expect(error.refused, sql).toBe(refused);
    else if (refused) expect(error.refused, sql).toMatch(refused);
  });

  it('stops a huge cross join at its time limit and leaves the engine idle and usable', async () => {
    const error = await tenant
      .operatorQuery('SELECT count(*) AS n FROM range(100000000000) AS a, range(100000000000) AS b', { timeoutMs: 300 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OlapQueryTimeoutError);
    expect(error).toMatchObject({ code: 'olap_query_timeout', statusCode: 504 });
    expect(engine.busyReads).toBe(0);
    const after = await tenant.operatorQuery('SELECT count(*) AS n FROM contact_view');
    expect(plain(after.rows)).toEqual([{ n: 3 }]);
  });

  it('cuts a huge cross join of views at the row limit', async () => {
    const result = await tenant.operatorQuery(
      'SELECT a.contact_id FROM event_view AS a, event_view AS b, event_view AS c, event_view AS d, range(1000000) AS r',
      { maxRows: 7 },
    );
    expect(result.rows).toHaveLength(7);
    expect(result.truncated).toBe(true);
  });
});
