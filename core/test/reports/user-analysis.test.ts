import { beforeAll, expect, it } from 'vitest';
import { ZonedClock } from '../../src/lib/zoned-clock.js';
import { ingestTenant } from '../ingestion/support.js';
import { firstPartyPlugins } from '../support/plugins.js';
import { Client, createTenant, describeEngines } from '../support/test-app.js';
import { EXPORTS, RUNS, addDays, shanghai } from './support.js';

const between = (from: string, to: string) => ({ kind: 'between', from, to });
const city = { kind: 'contactProperty', property: 'city' };
const province = { kind: 'contactProperty', property: 'province' };
const users = { aggregate: 'users' };

interface UserBody {
  kind: 'userAnalysis';
  from?: string;
  to?: string;
  metrics: { name: string; aggregate: string }[];
  dimensions: { key: string; name: string }[];
  groups: { name: string }[];
  totals: { group?: number; users: number; values: (number | null)[] }[];
  rows: { group?: number; dimensions: (string | null)[]; aggregate?: true; values: (number | null)[] }[];
  groupCount: number;
  truncated: boolean;
}

/**
 * A tenant in Asia/Shanghai whose contacts are (创建时间 = the identify's time, Shanghai; 积分 = attr1):
 *
 * | contact | 国家 | 省份 | 城市 | 积分 | created        |
 * |---------|------|------|------|------|----------------|
 * | u-1     | 中国 | 上海 | 上海 | 100  | D 10:00        |
 * | u-2     | 中国 | 北京 | 北京 | 20   | D+1 00:10 (still D in UTC) |
 * | u-3     | 中国 | 上海 | 上海 | 30   | D+7 12:00      |
 * | u-4     | 中国 | 广东 | 广州 | —    | D+7 13:00      |
 * | u-5     | 中国 | 广东 | 深圳 | 50   | D+8 09:00      |
 * | u-6     | 美国 | —    | 纽约 | 0    | D+8 10:00      |
 * | a-1     | anonymous visitor (page view only): no property, no creation time |
 *
 * Seven contacts; 积分 over the five that have one: sum 200, avg 40, max 100, min 0; 3 distinct provinces.
 */
describeEngines(
  'reports: user analysis (seed §1.7.4; SPEC §6; ADR 0060)',
  (ctx) => {
    let t: Awaited<ReturnType<typeof ingestTenant>>;
    let D: string;
    const run = (query: Record<string, unknown>) => t.staff.request('POST', RUNS, { model: 'user', query });
    const result = async (query: Record<string, unknown>) => {
      const response = await run(query);
      expect(response.statusCode, JSON.stringify(response.body)).toBe(200);
      return response.body as UserBody;
    };
    const rows = (body: UserBody) =>
      body.rows.map((r) => [...(r.group === undefined ? [] : [r.group]), ...r.dimensions, ...r.values]);
    const refused = async (query: Record<string, unknown>) => {
      const response = await run(query);
      expect([response.statusCode, response.body.code]).toEqual([400, 'report_query_invalid']);
      return (response.body.details as { path: string; code: string }[]).map((d) => [d.path, d.code]);
    };

    beforeAll(async () => {
      t = await ingestTenant(ctx.app, { timeZone: 'Asia/Shanghai' });
      const points = await t.staff.request('POST', '/api/v1/metadata/contact-fields', { name: '积分', type: 'integer' });
      expect(points.body.key).toBe('attr1');
      D = addDays(new ZonedClock('Asia/Shanghai').localDate(Date.now()), -20);
      const identify = (userId: string, traits: Record<string, unknown>, date: string, time: string) => ({
        type: 'identify',
        userId,
        traits,
        timestamp: shanghai(date, time),
      });
      const sent = await t.collect('batch', {
        batch: [
          identify('u-1', { name: '张三', country: '中国', state: '上海', city: '上海', props: { attr1: 100 } }, D, '10:00'),
          identify(
            'u-2',
            { name: '李四', country: '中国', state: '北京', city: '北京', props: { attr1: 20 } },
            addDays(D, 1),
            '00:10',
          ),
          identify(
            'u-3',
            { name: '王五', country: '中国', state: '上海', city: '上海', props: { attr1: 30 } },
            addDays(D, 7),
            '12:00',
          ),
          identify('u-4', { name: '赵六', country: '中国', state: '广东', city: '广州' }, addDays(D, 7), '13:00'),
          identify(
            'u-5',
            { name: '钱七', country: '中国', state: '广东', city: '深圳', props: { attr1: 50 } },
            addDays(D, 8),
            '09:00',
          ),
          identify('u-6', { name: 'Tom', country: '美国', city: '纽约', props: { attr1: 0 } }, addDays(D, 8), '10:00'),
          { type: 'page', anonymousId: 'a-1', name: '首页', timestamp: shanghai(addDays(D, 9), '08:00') },
        ],
      });
      expect(sent.statusCode, JSON.stringify(sent.body)).toBe(200);
      await t.drain();
    });

    it('metrics over contacts: 用户数, 去重数 of any property, 总和/均值/最大值/最小值 of a numeric one', async () => {
      const body = await result({
        metrics: [
          users,
          { aggregate: 'distinct', property: 'province' },
          { aggregate: 'sum', property: 'attr1' },
          { aggregate: 'avg', property: 'attr1' },
          { aggregate: 'max', property: 'attr1' },
          { aggregate: 'min', property: 'attr1' },
        ],
      });
      expect(body.kind).toBe('userAnalysis');
      expect(body.metrics.map((m) => m.name)).toEqual([
        '用户数',
        '省份的去重数',
        '积分的总和',
        '积分的均值',
        '积分的最大值',
        '积分的最小值',
      ]);
      // Seven contacts (the anonymous visitor too); 上海, 北京, 广东; 100+20+30+50+0 = 200 over five, 200/5 = 40.
      expect(body.totals).toEqual([{ users: 7, values: [7, 3, 200, 40, 100, 0] }]);
      expect([body.rows, body.dimensions, body.from, body.to]).toEqual([[], [], undefined, undefined]);
    });

    it('the time range is the contacts’ creation time in the tenant’s zone; anonymous contacts have none', async () => {
      // D..D+7: u-1, u-2 (D+1 00:10 Shanghai), u-3, u-4 — not u-5, u-6 (D+8) nor a-1 (no creation time).
      const week = await result({ metrics: [users], timeRange: between(D, addDays(D, 7)) });
      expect([week.from, week.to, week.totals[0]!.users]).toEqual([D, addDays(D, 7), 4]);
      // D alone: u-1 only — u-2's D+1 00:10 is D in UTC, not in the tenant's zone.
      const day = await result({ metrics: [users], timeRange: between(D, D) });
      expect(day.totals[0]!.users).toBe(1);
    });

    it('a dimension enumerates values ranked by the first metric, then by value, no value last', async () => {
      const body = await result({ metrics: [users, { aggregate: 'sum', property: 'attr1' }], dimensions: [city] });
      expect(body.dimensions).toEqual([{ key: 'contact.city', name: '城市' }]);
      expect(rows(body)).toEqual([
        ['上海', 2, 130],
        ['北京', 1, 20],
        ['广州', 1, 0],
        ['深圳', 1, 50],
        ['纽约', 1, 0],
        [null, 1, 0],
      ]);
      expect(body.totals).toEqual([{ users: 7, values: [7, 200] }]);
      expect([body.groupCount, body.truncated]).toEqual([6, false]);
    });

    it('a numeric dimension by ranges [a, b) as event analysis’s; several dimensions are their Cartesian product', async () => {
      const byPoints = await result({
        metrics: [users],
        dimensions: [{ kind: 'contactProperty', property: 'attr1', ranges: [30, 100] }],
      });
      // <30: u-2 (20), u-6 (0); [30,100): u-3 (30), u-5 (50); ≥100: u-1; none: u-4, a-1.
      expect(rows(byPoints)).toEqual([
        ['<30', 2],
        ['[30,100)', 2],
        [null, 2],
        ['≥100', 1],
      ]);
      const both = await result({ metrics: [users], dimensions: [province, city] });
      expect(rows(both)).toEqual([
        ['上海', '上海', 2],
        ['北京', '北京', 1],
        ['广东', '广州', 1],
        ['广东', '深圳', 1],
        [null, '纽约', 1],
        [null, null, 1],
      ]);
      expect(await refused({ metrics: [users], dimensions: [{ ...city, ranges: [1] }] })).toEqual([
        ['dimensions.0.ranges', 'report_ranges_invalid'],
      ]);
    });

    it('public filters: contact conditions combined AND or OR', async () => {
      const condition = (op: 'and' | 'or') => ({
        metrics: [users],
        filters: {
          contacts: {
            type: op,
            conditions: [
              { type: 'property', property: 'city', operator: 'eq', values: ['上海'] },
              { type: 'property', property: 'attr1', operator: 'gt', values: [40] },
            ],
          },
        },
      });
      // OR: 上海 (u-1, u-3) or 积分 > 40 (u-1, u-5) → 3; AND: u-1 only.
      expect((await result(condition('or'))).totals[0]!.users).toBe(3);
      expect((await result(condition('and'))).totals[0]!.users).toBe(1);
    });

    it('聚合分组: values of a single city / province / country dimension shown under a name; refused otherwise', async () => {
      const body = await result({
        metrics: [users, { aggregate: 'sum', property: 'attr1' }],
        dimensions: [city],
        aggregateGroups: [{ name: '一线城市', values: ['上海', '北京', '广州', '深圳'] }],
      });
      // 上海 2 + 北京 1 + 广州 1 + 深圳 1 = 5 contacts, 积分 130 + 20 + 50 = 200.
      expect(body.rows).toEqual([
        { dimensions: ['一线城市'], aggregate: true, values: [5, 200] },
        { dimensions: ['纽约'], values: [1, 0] },
        { dimensions: [null], values: [1, 0] },
      ]);
      const groups = [{ name: '华南', values: ['广东'] }];
      expect((await result({ metrics: [users], dimensions: [province], aggregateGroups: groups })).rows[0]).toEqual({
        dimensions: ['上海'],
        values: [2],
      });
      // Not a place, two dimensions, no dimension: 400 with its code.
      for (const dimensions of [[{ kind: 'contactProperty', property: 'attr1' }], [province, city], []])
        expect(await refused({ metrics: [users], dimensions, aggregateGroups: groups })).toEqual([
          ['aggregateGroups', 'report_user_aggregate_dimension'],
        ]);
      expect(
        await refused({
          metrics: [users],
          dimensions: [city],
          aggregateGroups: [
            { name: 'A', values: ['上海', '北京'] },
            { name: 'A', values: ['北京'] },
          ],
        }),
      ).toEqual([
        ['aggregateGroups.1.name', 'report_user_aggregate_name_taken'],
        ['aggregateGroups.1.values.0', 'report_user_aggregate_value_taken'],
      ]);
    });

    it('up to 5 groups compared side by side: each its 总体 (0 users: an empty pie) and its own rows', async () => {
      const temporary = async (name: string, property: string, value: string) => {
        const res = await t.staff.request('POST', '/api/v1/console/temporary-groups', {
          name,
          condition: { type: 'and', conditions: [{ type: 'property', property, operator: 'eq', values: [value] }] },
        });
        expect(res.statusCode, JSON.stringify(res.body)).toBe(201);
        return { type: 'temporary', temporaryGroupId: res.body.id as string };
      };
      const groups = [
        await temporary('上海', 'city', '上海'),
        await temporary('广东', 'province', '广东'),
        await temporary('火星', 'city', '火星'),
      ];
      const body = await result({ metrics: [users], dimensions: [city], groups });
      expect(body.groups.map((g) => g.name)).toEqual(['上海', '广东', '火星']);
      expect(body.totals).toEqual([
        { group: 0, users: 2, values: [2] },
        { group: 1, users: 2, values: [2] },
        { group: 2, users: 0, values: [0] },
      ]);
      expect(rows(body)).toEqual([
        [0, '上海', 2],
        [1, '广州', 1],
        [1, '深圳', 1],
      ]);
      const six = await run({ metrics: [users], groups: [...groups, ...groups] });
      expect([six.statusCode, six.body.code]).toEqual([400, 'report_query_invalid']);
    });

    it('exports 总体 then each value with its share; a saved report on a dashboard ignores the temporary range', async () => {
      const query = { metrics: [users], dimensions: [province] };
      const csv = await t.staff.request('POST', EXPORTS, { model: 'user', query, format: 'csv' });
      expect(csv.statusCode).toBe(200);
      const lines = String(csv.body)
        .replace(/^\uFEFF/, '')
        .trim()
        .split('\n');
      // 7 contacts: 上海 2 (28.57 %), 广东 2, 北京 1 (14.29 %), no province 2 (u-6, a-1).
      expect(lines).toEqual([
        '省份,用户数,占比(%)',
        '总体,7,100',
        '上海,2,28.57',
        '广东,2,28.57',
        '(空),2,28.57',
        '北京,1,14.29',
      ]);

      const report = await t.staff.request('POST', '/api/v1/console/reports', { model: 'user', name: '省份分布', query });
      expect(report.statusCode, JSON.stringify(report.body)).toBe(201);
      const bad = await t.staff.request('POST', '/api/v1/console/reports', {
        model: 'user',
        name: '坏的',
        query: { ...query, aggregateGroups: [{ name: 'A', values: ['x'] }], dimensions: [province, city] },
      });
      expect([bad.statusCode, bad.body.code]).toEqual([400, 'report_query_invalid']);
      const board = await t.staff.request('POST', '/api/v1/console/dashboards', { name: '用户看板' });
      const card = await t.staff.request('POST', `/api/v1/console/dashboards/${board.body.id}/cards`, {
        reportId: report.body.id,
      });
      expect(card.statusCode, JSON.stringify(card.body)).toBe(201);
      const runCard = (body: Record<string, unknown>) =>
        t.staff.request('POST', `/api/v1/console/dashboards/${board.body.id}/cards/${card.body.id}/run`, body);
      const whole = await runCard({});
      const ranged = await runCard({ timeRange: between(D, D) });
      expect([whole.statusCode, ranged.statusCode]).toEqual([200, 200]);
      expect([whole.body.totals[0].users, ranged.body.totals[0].users]).toEqual([7, 7]);
    });

    it('refuses metrics on unknown or non-numeric properties, naming each path', async () => {
      expect(
        await refused({
          metrics: [{ aggregate: 'sum', property: 'city' }, { aggregate: 'distinct' }, { aggregate: 'max', property: 'nope' }],
          dimensions: [{ kind: 'contactProperty', property: 'nope' }],
        }),
      ).toEqual([
        ['metrics.0.property', 'report_metric_invalid'],
        ['metrics.1.property', 'report_metric_invalid'],
        ['metrics.2.property', 'report_metric_invalid'],
        ['dimensions.0.property', 'report_dimension_unknown'],
      ]);
      const models = await t.staff.request('GET', '/api/v1/console/report-models');
      expect(models.body.items).toContainEqual({
        id: 'user',
        name: '用户分析',
        source: 'reports',
        dashboard: true,
        limits: { shown: 1000, exported: 4000 },
      });
    });

    it('shows the first 1000 dimension groups by the first metric and exports up to 4000, flagged truncated', async () => {
      // A tenant of 1002 contacts loaded into OLAP: city c0 has two, c1 … c1000 one each (1001 cities).
      const other = await createTenant(ctx.app, { timeZone: 'Asia/Shanghai' });
      const staff = await Client.staff(ctx.app.server, other.email, other.password);
      // A metadata change declares the tenant's OLAP schema.
      expect((await staff.request('POST', '/api/v1/metadata/contact-fields', { name: '备用', type: 'string' })).statusCode).toBe(
        201,
      );
      const olap = ctx.app.olap.forTenant(other.tenantId);
      const contacts = Array.from({ length: 1001 }, (_, i) => ({ id: String(i + 1), city: `c${Math.max(i - 1, 0)}` }));
      contacts.push({ id: '1002', city: 'c1000' });
      await olap.load({ batchId: `user-analysis-${other.tenantId}`, contacts });
      const query = { metrics: [users], dimensions: [city] };
      const shown = await staff.request('POST', RUNS, { model: 'user', query });
      expect(shown.statusCode, JSON.stringify(shown.body).slice(0, 300)).toBe(200);
      // 1001 cities; the first shown is c0 (2 contacts), then the others by value.
      expect([shown.body.groupCount, shown.body.truncated, shown.body.rows.length]).toEqual([1001, true, 1000]);
      expect(shown.body.rows[0]).toEqual({ dimensions: ['c0'], values: [2] });
      expect(shown.body.totals[0].users).toBe(1002);
      const csv = await staff.request('POST', EXPORTS, { model: 'user', query, format: 'csv' });
      // The header, 总体, and all 1001 cities (under the export's 4000).
      expect(String(csv.body).trim().split('\n')).toHaveLength(1003);
    });
  },
  { plugins: firstPartyPlugins },
);
