import { beforeAll, expect, it } from 'vitest';
import { GROUPS } from '../groups/support.js';
import { firstPartyPlugins } from '../support/plugins.js';
import { describeEngines } from '../support/test-app.js';
import { EXPORTS, RUNS, addDays, reportsTenant, shanghai } from '../reports/support.js';

const CELL_GROUPS = '/api/v1/console/report-cell-groups';
const between = (from: string, to: string) => ({ kind: 'between', from, to });
const cityIs = (value: string) => ({
  contacts: { type: 'and', conditions: [{ type: 'property', property: 'city', operator: 'eq', values: [value] }] },
});
const provinceIs = (value: string) => ({
  contacts: { type: 'and', conditions: [{ type: 'property', property: 'province', operator: 'eq', values: [value] }] },
});
/** The CSV of an export as rows of cells (the csv-stringify quoting undone for simple cells). */
const csvRows = (body: unknown) =>
  String(body)
    .replace(/^\uFEFF/, '')
    .trim()
    .split(/\r?\n/)
    .map((line) => line.split(',').map((cell) => cell.replace(/^"(.*)"$/, '$1').replace(/""/g, '"')));

/**
 * Review 22b: each new model's numbers on a small hand-computed fixture of its own, and bad or huge
 * input. X = D + 10 (4–10 days ago, Asia/Shanghai). Events besides `reportsTenant`'s:
 *
 * | contact | city / province | events (X, Shanghai time)                                        |
 * |---------|-----------------|------------------------------------------------------------------|
 * | w-1     | 归因            | ad_click 09:00, refund 09:30, purchase(10) 10:00, purchase(20) 11:00 |
 * | w-2     | 归因            | ad_click 08:00, purchase(40) 12:00                               |
 * | w-3     | 归因            | purchase(80) 13:00                                               |
 * | p-1     | 路径            | ad_click 10:00, ad_click 10:05, purchase 10:10, purchase 10:15   |
 * | p-2     | 路径            | purchase 10:00, ad_click 11:00, purchase 11:10                   |
 * | q-1, q-2| X1 / Q          | —                                                                |
 * | q-3     | — / Q           | —                                                                |
 * | q-4     | X2 / Q          | —                                                                |
 */
describeEngines(
  'review 22b: semantics on hand-computed fixtures and bad input of path, attribution, user analysis, custom query',
  (ctx) => {
    let t: Awaited<ReturnType<typeof reportsTenant>>;
    let X: string;
    const run = async (model: string, query: Record<string, unknown>) => {
      const res = await t.staff.request('POST', RUNS, { model, query });
      expect(res.statusCode, `${model}: ${JSON.stringify(res.body).slice(0, 500)}`).toBe(200);
      return res.body;
    };
    beforeAll(async () => {
      t = await reportsTenant(ctx.app);
      X = addDays(t.D, 10);
      const ad = await t.staff.request('POST', '/api/v1/metadata/event-types', {
        channelId: t.channelId,
        code: 'ad_click',
        name: '广告点击',
        properties: [{ code: 'slot', name: '广告位', type: 'string' }],
      });
      expect(ad.statusCode, JSON.stringify(ad.body)).toBe(201);
      const track = (userId: string, event: string, time: string, properties: Record<string, unknown> = {}) => ({
        type: 'track',
        userId,
        event,
        properties,
        timestamp: shanghai(X, time),
      });
      const buy = (userId: string, time: string, amount: number) => track(userId, 'purchase', time, { amount, sku: 'r' });
      const sent = await t.collect('batch', {
        batch: [
          ...['w-1', 'w-2', 'w-3'].map((userId) => ({ type: 'identify', userId, traits: { name: userId, city: '归因' } })),
          ...['p-1', 'p-2'].map((userId) => ({ type: 'identify', userId, traits: { name: userId, city: '路径' } })),
          { type: 'identify', userId: 'q-1', traits: { name: 'q-1', state: 'Q', city: 'X1' } },
          { type: 'identify', userId: 'q-2', traits: { name: 'q-2', state: 'Q', city: 'X1' } },
          { type: 'identify', userId: 'q-3', traits: { name: 'q-3', state: 'Q' } },
          { type: 'identify', userId: 'q-4', traits: { name: 'q-4', state: 'Q', city: 'X2' } },
          track('w-1', 'ad_click', '09:00', { slot: "=cmd|' /C calc'!A0" }),
          track('w-1', 'refund', '09:30', { amount: 1 }),
          buy('w-1', '10:00', 10),
          buy('w-1', '11:00', 20),
          track('w-2', 'ad_click', '08:00', { slot: '总体' }),
          buy('w-2', '12:00', 40),
          buy('w-3', '13:00', 80),
          track('p-1', 'ad_click', '10:00'),
          track('p-1', 'ad_click', '10:05'),
          buy('p-1', '10:10', 1),
          buy('p-1', '10:15', 1),
          buy('p-2', '10:00', 1),
          track('p-2', 'ad_click', '11:00'),
          buy('p-2', '11:10', 1),
        ],
      });
      expect(sent.statusCode, JSON.stringify(sent.body)).toBe(200);
      await t.drain();
    }, 120_000);

    const attribution = (extra: Record<string, unknown> = {}) => ({
      target: { event: 'purchase' },
      touches: [{ event: 'ad_click' }, { event: 'refund' }],
      windowDays: 0,
      attributionModel: 'linear',
      directConversions: true,
      metric: { aggregate: 'count' },
      filters: cityIs('归因'),
      timeRange: between(X, X),
      ...extra,
    });
    /** [touch, 总点击数, 有效转化点击数, 有效转化点击率, value, 贡献度] per row. */
    const table = (body: { rows: Record<string, unknown>[] }) =>
      body.rows.map((r) => [r.touch, r.totalClicks, r.effectiveClicks, r.clickRate, r.value, r.contribution]);

    it('R22B-11: attribution linear — a touch serving two targets gets half of each; effective clicks count it once', async () => {
      // w-1: ad 09:00 and refund 09:30 both serve purchase 10:00 and 11:00 (½ + ½ each); w-2: ad → 12:00 (1);
      // w-3: direct. ad 2, refund 1, direct 1 of 4 conversions.
      const body = await run('attribution', attribution());
      expect(table(body)).toEqual([
        [0, 2, 2, 1, 2, 0.5],
        [1, 1, 1, 1, 1, 0.25],
        [null, null, null, null, 1, 0.25],
      ]);
      expect(body.totals).toEqual([{ conversions: 4, value: 4 }]);
      // Summing 金额: ad ½·10 + ½·20 + 40 = 55, refund ½·10 + ½·20 = 15, direct 80.
      const sum = await run('attribution', attribution({ metric: { aggregate: 'sum', property: 'amount' } }));
      expect(table(sum).map((r) => r[4])).toEqual([55, 15, 80]);
      expect(sum.totals).toEqual([{ conversions: 4, value: 150 }]);
      // First touch: both of w-1's targets go to ad 09:00; last touch: both to refund 09:30.
      expect(table(await run('attribution', attribution({ attributionModel: 'first' }))).map((r) => r[4])).toEqual([3, 0, 1]);
      expect(table(await run('attribution', attribution({ attributionModel: 'last' }))).map((r) => r[4])).toEqual([1, 2, 1]);
      // Without 直接转化 the direct row is hidden and out of 贡献度's denominator.
      const hidden = await run('attribution', attribution({ directConversions: false }));
      expect(table(hidden)).toEqual([
        [0, 2, 2, 1, 2, 2 / 3],
        [1, 1, 1, 1, 1, 1 / 3],
      ]);
    });

    it('R22B-12: path with an end anchor — merge on and off on a hand-computed fixture', async () => {
      const query = (merge: boolean) => ({
        events: [{ event: 'ad_click' }, { event: 'purchase' }],
        anchor: { kind: 'end', event: 1 },
        interval: { value: 30, unit: 'minute' },
        merge,
        layers: 3,
        nodes: 7,
        filters: cityIs('路径'),
        timeRange: between(X, X),
      });
      type Node = { id: string; layer: number; event: number | null; sessions: number; retained: number; churned: number };
      type Edge = { source: string; target: string; sessions: number };
      const shape = (body: { paths: { sessions: number; nodes: Node[]; edges: Edge[] }[] }) => {
        const path = body.paths[0]!;
        const byId = new Map(path.nodes.map((n) => [n.id, n]));
        const name = (n: Node | undefined) => `${n?.layer}:${n?.event === 0 ? 'ad' : n?.event === 1 ? 'buy' : '?'}`;
        return {
          sessions: path.sessions,
          nodes: path.nodes.map((n) => `${name(n)} ${n.sessions}/${n.retained}/${n.churned}`).sort(),
          edges: path.edges.map((e) => `${name(byId.get(e.source))}>${name(byId.get(e.target))} ${e.sessions}`).sort(),
        };
      };
      // Sessions: p-1 [ad ad buy buy]; p-2 [buy] and (60 min later) [ad buy].
      // Merged: p-1 → buy ← ad; p-2 → buy; buy ← ad.
      expect(shape(await run('path', query(true)))).toEqual({
        sessions: 3,
        nodes: ['1:buy 3/2/1', '2:ad 2/0/2'],
        edges: ['1:buy>2:ad 2'],
      });
      expect((await run('path', query(true))).paths[0].more).toBe(false);
      // Not merged: p-1 → buy ← buy ← ad ← ad (the last purchase is the anchor): its layer-3 ad has a
      // next row in the hidden layer 4 — retained, and the path reports more.
      const unmerged = await run('path', query(false));
      expect(shape(unmerged)).toEqual({
        sessions: 3,
        nodes: ['1:buy 3/2/1', '2:ad 1/0/1', '2:buy 1/1/0', '3:ad 1/1/0'],
        edges: ['1:buy>2:ad 1', '1:buy>2:buy 1', '2:buy>3:ad 1'],
      });
      expect(unmerged.paths[0].more).toBe(true);
      expect((await run('path', { ...query(false), layers: 4 })).paths[0].more).toBe(false);
    });

    it('R22B-13: user analysis — distinct count leaves NULL out; a NULL dimension is its own row (未知), exported (空)', async () => {
      const body = await run('user', {
        metrics: [{ aggregate: 'users' }, { aggregate: 'distinct', property: 'city' }],
        dimensions: [{ kind: 'contactProperty', property: 'city' }],
        filters: provinceIs('Q'),
      });
      expect(body.totals).toEqual([{ users: 4, values: [4, 2] }]);
      const rows = (body.rows as { dimensions: (string | null)[]; values: number[] }[])
        .map((r) => [...r.dimensions, ...r.values])
        .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
      expect(rows).toEqual(
        [
          ['X1', 2, 1],
          ['X2', 1, 1],
          [null, 1, 0],
        ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
      );
      // The same by custom SQL: count(DISTINCT city) ignores NULL.
      const sql = await run('customQuery', {
        sql: "SELECT count(*) AS users, count(DISTINCT city) AS cities FROM contact_view WHERE province = 'Q'",
      });
      expect(sql.rows).toEqual([{ users: '4', cities: '2' }]);
    });

    it('R22B-14: a funnel cell saved as a group has exactly the cell’s count (hand-computed: 路径 purchase → ad_click in 1 day = p-2)', async () => {
      const query = {
        steps: [{ event: 'purchase' }, { event: 'ad_click' }],
        window: { unit: 'day', value: 1 },
        filters: cityIs('路径'),
        timeRange: between(X, X),
      };
      const funnel = await run('funnel', query);
      expect(funnel.funnels[0].steps.map((s: { users: number }) => s.users)).toEqual([2, 1]);
      const saved = await t.staff.request('POST', CELL_GROUPS, { model: 'funnel', query, cell: { step: 2 }, name: 'R22B-14' });
      expect([saved.statusCode, saved.body.count], JSON.stringify(saved.body)).toEqual([201, 1]);
      const members = await run('customQuery', {
        sql: `SELECT name FROM contact_view WHERE group_${saved.body.group.id}`,
      });
      expect(members.rows).toEqual([{ name: 'p-2' }]);
    });

    it('R22B-15: exports neutralize formula cells (path dimension, custom query text) but keep negative numbers numbers', async () => {
      const path = await t.staff.request('POST', EXPORTS, {
        model: 'path',
        format: 'csv',
        query: {
          events: [{ event: 'ad_click' }, { event: 'purchase' }],
          anchor: { kind: 'start', event: 0 },
          interval: { value: 30, unit: 'minute' },
          dimension: { property: 'slot' },
          merge: false,
          layers: 3,
          nodes: 7,
          filters: cityIs('归因'),
          timeRange: between(X, X),
        },
      });
      expect(path.statusCode).toBe(200);
      const cells = csvRows(path.body).flat();
      expect(
        cells.some((c) => /^[=+\-@]/.test(c)),
        JSON.stringify(cells),
      ).toBe(false);
      expect(cells).toContain("'=cmd|' /C calc'!A0");
      // A slot that reads 总体 is told apart from a total.
      expect(cells).toContain('"总体"');
      const sql = await t.staff.request('POST', EXPORTS, {
        model: 'customQuery',
        format: 'csv',
        query: { sql: "SELECT '=1+1' AS f, '@SUM(A1)' AS g, -count(*) AS negative, -1.5 AS d, '-x' AS h FROM event_view" },
      });
      expect(sql.statusCode).toBe(200);
      const [header, row] = csvRows(sql.body);
      expect(header).toEqual(['f', 'g', 'negative', 'd', 'h']);
      expect(row![0]).toBe("'=1+1");
      expect(row![1]).toBe("'@SUM(A1)");
      // A BIGINT comes as text ("-12"): still a number in the file, not "'-12".
      expect(row![2]).toMatch(/^-\d+$/);
      expect(row![3]).toBe('-1.5');
      expect(row![4]).toBe("'-x");
    });

    it('R22B-16: user analysis 聚合分组 named 总体 or (空) is told apart from the total and from no value in the export', async () => {
      const res = await t.staff.request('POST', EXPORTS, {
        model: 'user',
        format: 'csv',
        query: {
          metrics: [{ aggregate: 'users' }],
          dimensions: [{ kind: 'contactProperty', property: 'city' }],
          aggregateGroups: [
            { name: '总体', values: ['X1'] },
            { name: '(空)', values: ['X2'] },
          ],
          filters: provinceIs('Q'),
        },
      });
      expect(res.statusCode, String(res.body)).toBe(200);
      const firsts = csvRows(res.body).map((r) => r[0]);
      // Header, the total, the two aggregate groups, no city.
      expect(firsts.filter((c) => c === '总体')).toHaveLength(1);
      expect(firsts.filter((c) => c === '(空)')).toHaveLength(1);
      expect(firsts).toContain('"总体"');
      expect(firsts).toContain('"(空)"');
    });

    it('R22B-17: bad and huge input is 400 (or 413 for an oversized body) with a code, never 500', async () => {
      const range = between(X, X);
      const path = (extra: Record<string, unknown>) => ({
        events: [{ event: 'purchase' }],
        anchor: { kind: 'start', event: 0 },
        interval: { value: 30, unit: 'minute' },
        merge: false,
        layers: 4,
        nodes: 7,
        timeRange: range,
        ...extra,
      });
      const cases: [string, Record<string, unknown>][] = [
        ['path', path({ layers: 0 })],
        ['path', path({ layers: 11 })],
        ['path', path({ nodes: 21 })],
        ['path', path({ nodes: 0 })],
        ['path', path({ interval: { value: 0, unit: 'minute' } })],
        ['path', path({ interval: { value: 1441, unit: 'minute' } })],
        ['path', path({ interval: { value: 25, unit: 'hour' } })],
        ['path', path({ interval: { value: 1.5, unit: 'minute' } })],
        ['path', path({ anchor: { kind: 'start', event: 1 } })],
        ['path', path({ anchor: { kind: 'middle', event: 0 } })],
        ['path', path({ events: Array.from({ length: 10_000 }, () => ({ event: 'purchase' })) })],
        ['path', path({ events: [] })],
        ['path', path({ dimension: { property: 'no_such' } })],
        ['attribution', attribution({ windowDays: 31 })],
        ['attribution', attribution({ windowDays: -1 })],
        ['attribution', attribution({ windowDays: 0.5 })],
        ['attribution', attribution({ attributionModel: 'shapley' })],
        ['attribution', attribution({ touches: Array.from({ length: 10_000 }, () => ({ event: 'ad_click' })) })],
        ['attribution', attribution({ touches: Array.from({ length: 11 }, () => ({ event: 'ad_click' })) })],
        ['attribution', attribution({ touches: [] })],
        ['attribution', attribution({ metric: { aggregate: 'sum', property: 'sku' } })],
        ['attribution', attribution({ metric: { aggregate: 'sum' } })],
        [
          'user',
          { metrics: [{ aggregate: 'users' }], groups: Array.from({ length: 6 }, () => ({ type: 'group', groupId: '1' })) },
        ],
        [
          'user',
          {
            metrics: [{ aggregate: 'users' }],
            dimensions: Array.from({ length: 6 }, () => ({ kind: 'contactProperty', property: 'city' })),
          },
        ],
        [
          'user',
          {
            metrics: [{ aggregate: 'users' }],
            dimensions: [{ kind: 'contactProperty', property: 'city' }],
            aggregateGroups: [{ name: '很多', values: Array.from({ length: 10_000 }, (_, i) => `城${i}`) }],
          },
        ],
        ['user', { metrics: [] }],
        ['user', { metrics: [{ aggregate: 'sum', property: 'city' }] }],
        ['user', { metrics: [{ aggregate: 'distinct' }] }],
        ['customQuery', { sql: `SELECT 1 AS x ${' '.repeat(100_001)}-- ${'长'.repeat(10)}` }],
        ['customQuery', { sql: `SELECT '${'x'.repeat(100_001)}' AS x` }],
        ['customQuery', { sql: '\u0000SELECT 1' }],
        ['customQuery', { sql: 'SELECT 1 AS "\u202e\u0000"' }],
      ];
      for (const [model, query] of cases) {
        const res = await t.staff.request('POST', RUNS, { model, query });
        const label = `${model} ${JSON.stringify(query).slice(0, 200)}: ${res.statusCode} ${JSON.stringify(res.body).slice(0, 300)}`;
        expect([400, 413], label).toContain(res.statusCode);
        expect(typeof res.body?.code, label).toBe('string');
      }
      // 10 MB of SQL: refused by size, not parsed.
      const huge = await t.staff.request('POST', RUNS, {
        model: 'customQuery',
        query: { sql: `SELECT 1 -- ${'x'.repeat(10 * 1024 * 1024)}` },
      });
      expect([400, 413], String(huge.statusCode)).toContain(huge.statusCode);
      // The staff member's slot is free after all of it.
      expect((await run('customQuery', { sql: 'SELECT 7 AS n' })).rows).toEqual([{ n: 7 }]);
    });

    it('R22B-18: weird unicode flows through as data — emoji, RTL, zero-width, combining marks in names and SQL literals', async () => {
      const weird = '👩‍👩‍👧 \u202eأبج\u200b e\u0301 𠀀';
      const body = await run('customQuery', { sql: `SELECT '${weird}' AS "列 ${weird}"` });
      expect(body.rows).toEqual([{ [`列 ${weird}`]: weird }]);
      const aggregate = await run('user', {
        metrics: [{ aggregate: 'users' }],
        dimensions: [{ kind: 'contactProperty', property: 'city' }],
        aggregateGroups: [{ name: weird, values: ['X1', weird] }],
        filters: provinceIs('Q'),
      });
      expect(aggregate.rows.find((r: { aggregate?: boolean }) => r.aggregate)?.dimensions).toEqual([weird]);
    });

    it('R22B-20: bad 保存为群组 payloads are 400 with a code and create nothing (blank / 1,000-char name, odd ids, a huge cell, unknown keys)', async () => {
      const query = {
        steps: [{ event: 'purchase' }, { event: 'ad_click' }],
        window: { unit: 'day', value: 1 },
        filters: cityIs('路径'),
        timeRange: between(X, X),
      };
      const base = { model: 'funnel', query, cell: { step: 1 }, name: 'R22B-20' };
      const hugeCell = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, i]));
      const cases: Record<string, unknown>[] = [
        { ...base, name: '   ' },
        { ...base, name: 'R22B-20 ' + '长'.repeat(1000) },
        { ...base, folderId: 'abc' },
        { ...base, folderId: '0' },
        { ...base, folderId: '99999999999' },
        { ...base, reportId: undefined, model: undefined, query: undefined },
        { name: 'R22B-20', reportId: '-1', cell: { step: 1 } },
        { name: 'R22B-20', reportId: '99999999999', cell: { step: 1 } },
        { ...base, cell: hugeCell },
        { ...base, cell: { step: 1.5 } },
        { ...base, cell: { step: -1 } },
        { ...base, cell: { step: 1, dimension: { $ne: null } } },
        { ...base, model: 'path', query: {}, cell: { step: 1 } },
        { ...base, model: 'nope', query: {} },
        { ...base, extra: true },
      ];
      for (const payload of cases) {
        const res = await t.staff.request('POST', CELL_GROUPS, payload);
        const label = `${JSON.stringify(payload).slice(-120)}: ${res.statusCode} ${JSON.stringify(res.body).slice(0, 300)}`;
        expect([400, 404, 413], label).toContain(res.statusCode);
        expect(typeof res.body?.code, label).toBe('string');
      }
      const listed = await t.staff.request('GET', `${GROUPS}?keyword=${encodeURIComponent('R22B-20')}`);
      expect(listed.body.items ?? listed.body).toEqual([]);
    });
  },
  { plugins: firstPartyPlugins },
);
