import { beforeAll, expect, it } from 'vitest';
import { firstPartyPlugins } from '../support/plugins.js';
import { describeEngines } from '../support/test-app.js';
import { EXPORTS, RUNS, addDays, reportsTenant } from './support.js';

const between = (from: string, to: string) => ({ kind: 'between', from, to });

interface DistributionBody {
  kind: 'distribution';
  from: string;
  to: string;
  metric: { name: string; aggregate: string };
  intervals: { label: string; from: number | null; to: number | null }[];
  dimension?: { key: string; name: string };
  groups: { name: string }[];
  series: { dimension?: string | null; group?: number; users: number[]; total: number }[];
  groupCount: number;
  truncated: boolean;
}

/**
 * The tenant of `reportsTenant` (Asia/Shanghai; D a Sunday 14–20 days ago):
 *   u-1 上海  purchase 100 (sku a) D 10:00, purchase 50 (sku b) D 23:30
 *   u-2 北京  purchase 20 (sku a) D+1 00:10 (still D in UTC), refund 20 D+1 09:00
 *   u-3 上海  purchase 30 (sku c) D+7 12:00
 *   u-4 广州  nothing
 * Over D..D+7, per user: count u-1 2, u-2 1, u-3 1; sum u-1 150, u-2 20, u-3 30; avg u-1 75, u-2 20, u-3 30.
 */
describeEngines(
  'reports: distribution analysis (seed §1.7.6; SPEC §6; ADR 0056)',
  (ctx) => {
    let t: Awaited<ReturnType<typeof reportsTenant>>;
    let week: { kind: string; from: string; to: string };
    const run = (query: Record<string, unknown>) => t.staff.request('POST', RUNS, { model: 'distribution', query });
    const result = async (query: Record<string, unknown>) => {
      const response = await run(query);
      expect(response.statusCode, JSON.stringify(response.body)).toBe(200);
      return response.body as DistributionBody;
    };
    const purchase = (aggregate: string, property?: string) => ({
      event: 'purchase',
      aggregate,
      ...(property ? { property } : {}),
    });
    const rows = (body: DistributionBody) => body.series.map((s) => [s.group ?? null, s.dimension ?? null, ...s.users]);
    beforeAll(async () => {
      t = await reportsTenant(ctx.app);
      week = between(t.D, addDays(t.D, 7));
    });

    it('default intervals of a count: 1, 2, 3, 4, 5–9, 10–19, ≥20 users; the range in the tenant’s zone', async () => {
      const body = await result({ metric: purchase('count'), intervals: { mode: 'default' }, timeRange: week });
      expect(body.kind).toBe('distribution');
      expect([body.from, body.to]).toEqual([t.D, addDays(t.D, 7)]);
      expect(body.metric).toEqual({ name: '购买的次数', aggregate: 'count' });
      expect(body.intervals.map((i) => i.label)).toEqual(['1', '2', '3', '4', '5–9', '10–19', '≥20']);
      expect(body.intervals[4]).toEqual({ label: '5–9', from: 5, to: 10 });
      // u-2 and u-3 bought once, u-1 twice; u-4 bought nothing and is in no interval.
      expect(body.series).toEqual([{ users: [2, 1, 0, 0, 0, 0, 0], total: 3 }]);
      // D alone (Shanghai): u-2's 00:10 on D+1 is D in UTC but not in the tenant's zone — only u-1.
      const day = await result({ metric: purchase('count'), timeRange: between(t.D, t.D) });
      expect(day.series).toEqual([{ users: [0, 1, 0, 0, 0, 0, 0], total: 1 }]);
    });

    it('custom intervals [a, b): a boundary value falls in the interval it starts (30 is in [30,100))', async () => {
      const body = await result({
        metric: purchase('sum', 'amount'),
        intervals: { mode: 'custom', boundaries: [30, 100] },
        timeRange: week,
      });
      expect(body.metric.name).toBe('购买的金额总和');
      expect(body.intervals).toEqual([
        { label: '<30', from: null, to: 30 },
        { label: '[30,100)', from: 30, to: 100 },
        { label: '≥100', from: 100, to: null },
      ]);
      // Sums: u-2 20 (<30), u-3 30 ([30,100)), u-1 150 (≥100).
      expect(body.series).toEqual([{ users: [1, 1, 1], total: 3 }]);
      // Averages with 75 as a boundary: u-1's 75 is in [75,…), u-2 20 and u-3 30 below.
      const avg = await result({
        metric: purchase('avg', 'amount'),
        intervals: { mode: 'custom', boundaries: [75] },
        timeRange: week,
      });
      expect(avg.series[0]!.users).toEqual([2, 1]);
    });

    it('default intervals of an amount: equal nice steps over the users’ range', async () => {
      // Averages 20, 30, 75: a tenth of the range is 5.5 → step 10, from 20: [20,30) … [70,80).
      const avg = await result({ metric: purchase('avg', 'amount'), timeRange: week });
      expect(avg.intervals.map((i) => i.label)).toEqual(['[20,30)', '[30,40)', '[40,50)', '[50,60)', '[60,70)', '[70,80)']);
      expect(avg.series[0]!.users).toEqual([1, 1, 0, 0, 0, 1]);
      // Sums 20, 30, 150: a tenth of 130 is 13 → step 20, from 20: [20,40) holds 20 and 30, [140,160) holds 150.
      const sum = await result({ metric: purchase('sum', 'amount'), timeRange: week });
      expect(sum.intervals.map((i) => i.label)).toEqual([
        '[20,40)',
        '[40,60)',
        '[60,80)',
        '[80,100)',
        '[100,120)',
        '[120,140)',
        '[140,160)',
      ]);
      expect(sum.series[0]!.users).toEqual([2, 0, 0, 0, 0, 0, 1]);
      // Maximum 100 (u-1) and distinct skus (u-1: a, b → 2) on the same tenant.
      const max = await result({
        metric: purchase('max', 'amount'),
        intervals: { mode: 'custom', boundaries: [100] },
        timeRange: week,
      });
      expect(max.series[0]!.users).toEqual([2, 1]);
      const distinct = await result({ metric: purchase('distinct', 'sku'), timeRange: week });
      expect(distinct.intervals.map((i) => i.label)).toEqual(['1', '2', '3', '4', '5–9', '10–19', '≥20']);
      expect(distinct.series[0]!.users).toEqual([2, 1, 0, 0, 0, 0, 0]);
    });

    it('dimensions: an event property counts a user once per value; a contact property once', async () => {
      const bySku = await result({
        metric: purchase('count'),
        dimension: { kind: 'eventProperty', property: 'sku' },
        timeRange: week,
      });
      expect(bySku.dimension).toEqual({ key: 'event.sku', name: expect.any(String) });
      // sku a: u-1 once, u-2 once (2 users); b: u-1 once; c: u-3 once — ranked by users, then by value.
      expect(rows(bySku).map((r) => r.slice(1, 4))).toEqual([
        ['a', 2, 0],
        ['b', 1, 0],
        ['c', 1, 0],
      ]);
      expect([bySku.groupCount, bySku.truncated]).toEqual([3, false]);
      const byCity = await result({
        metric: purchase('count'),
        dimension: { kind: 'contactProperty', property: 'city' },
        timeRange: week,
      });
      // 上海: u-1 (2 purchases), u-3 (1); 北京: u-2 (1). 广州's u-4 bought nothing.
      expect(rows(byCity).map((r) => r.slice(1, 4))).toEqual([
        ['上海', 1, 1],
        ['北京', 1, 0],
      ]);
    });

    it('filters: the metric’s own, common event filters and user conditions; groups compared side by side', async () => {
      // amount > 25 keeps u-1's two purchases and u-3's one.
      const big = await result({
        metric: purchase('count'),
        filters: { events: [{ property: 'amount', operator: 'gt', values: [25] }] },
        timeRange: week,
      });
      expect(big.series[0]!.users.slice(0, 2)).toEqual([1, 1]);
      // sku = a: u-1 once, u-2 once.
      const skuA = await result({
        metric: { ...purchase('count'), filters: [{ property: 'sku', operator: 'eq', values: ['a'] }] },
        timeRange: week,
      });
      expect(skuA.series[0]!.users.slice(0, 2)).toEqual([2, 0]);
      const beijing = await result({
        metric: purchase('count'),
        filters: {
          contacts: { type: 'and', conditions: [{ type: 'property', property: 'city', operator: 'eq', values: ['北京'] }] },
        },
        timeRange: week,
      });
      expect(beijing.series[0]!.users.slice(0, 2)).toEqual([1, 0]);

      const temporary = async (name: string, city: string) => {
        const res = await t.staff.request('POST', '/api/v1/console/temporary-groups', {
          name,
          condition: { type: 'and', conditions: [{ type: 'property', property: 'city', operator: 'eq', values: [city] }] },
        });
        expect(res.statusCode, JSON.stringify(res.body)).toBe(201);
        return res.body.id as string;
      };
      const compared = await result({
        metric: purchase('count'),
        groups: [
          { type: 'temporary', temporaryGroupId: await temporary('上海', '上海') },
          { type: 'temporary', temporaryGroupId: await temporary('广州', '广州') },
          { type: 'temporary', temporaryGroupId: await temporary('北京', '北京') },
        ],
        timeRange: week,
      });
      expect(compared.groups.map((g) => g.name)).toEqual(['上海', '广州', '北京']);
      // 上海: u-1 (2), u-3 (1); 广州: nobody bought (a line of zeros); 北京: u-2 (1).
      expect(rows(compared).map((r) => r.slice(0, 4))).toEqual([
        [0, null, 1, 1],
        [1, null, 0, 0],
        [2, null, 1, 0],
      ]);
    });

    it('virtual events; an export lists every interval with its users and share', async () => {
      const virtual = await t.staff.request('POST', '/api/v1/metadata/virtual-events', {
        name: '买 a 或退款',
        members: [{ event: 'purchase', filters: [{ property: 'sku', operator: 'eq', values: ['a'] }] }, { event: 'refund' }],
      });
      expect(virtual.statusCode, JSON.stringify(virtual.body)).toBe(201);
      // u-1: purchase a (1); u-2: purchase a + refund (2).
      const body = await result({ metric: { event: virtual.body.key, aggregate: 'count' }, timeRange: week });
      expect(body.series[0]!.users.slice(0, 2)).toEqual([1, 1]);

      const csv = await t.staff.request('POST', EXPORTS, {
        model: 'distribution',
        query: { metric: purchase('sum', 'amount'), intervals: { mode: 'custom', boundaries: [30, 100] }, timeRange: week },
        format: 'csv',
      });
      expect(csv.statusCode).toBe(200);
      const lines = String(csv.body)
        .replace(/^\uFEFF/, '')
        .trim()
        .split('\n');
      // One user of three in each interval: 33.33 % (the CSV quotes the label holding a comma).
      expect(lines).toEqual(['区间,用户数,占比(%)', '<30,1,33.33', '"[30,100)",1,33.33', '≥100,1,33.33']);
    });

    it('a saved report (checked when saved) on a dashboard: the card takes the temporary time range', async () => {
      const query = { metric: purchase('count'), intervals: { mode: 'default' }, timeRange: week };
      const refused = await t.staff.request('POST', '/api/v1/console/reports', {
        model: 'distribution',
        name: '坏的',
        query: { ...query, intervals: { mode: 'custom', boundaries: [2, 1] } },
      });
      expect([refused.statusCode, refused.body.code]).toEqual([400, 'report_query_invalid']);
      const report = await t.staff.request('POST', '/api/v1/console/reports', {
        model: 'distribution',
        name: '购买次数分布',
        query,
      });
      expect(report.statusCode, JSON.stringify(report.body)).toBe(201);
      const board = await t.staff.request('POST', '/api/v1/console/dashboards', { name: '分布看板' });
      expect(board.statusCode, JSON.stringify(board.body)).toBe(201);
      const card = await t.staff.request('POST', `/api/v1/console/dashboards/${board.body.id}/cards`, {
        reportId: report.body.id,
      });
      expect(card.statusCode, JSON.stringify(card.body)).toBe(201);
      const runCard = (body: Record<string, unknown>) =>
        t.staff.request('POST', `/api/v1/console/dashboards/${board.body.id}/cards/${card.body.id}/run`, body);
      const whole = await runCard({});
      expect(whole.statusCode, JSON.stringify(whole.body)).toBe(200);
      expect(whole.body.series[0].users.slice(0, 2)).toEqual([2, 1]);
      // D alone: only u-1, twice.
      const day = await runCard({ timeRange: between(t.D, t.D) });
      expect([day.body.kind, day.body.from, day.body.to]).toEqual(['distribution', t.D, t.D]);
      expect(day.body.series[0].users.slice(0, 2)).toEqual([0, 1]);
    });

    it('refuses what it cannot compute, naming each problem’s path', async () => {
      const bad = await run({
        metric: { event: 'purchase', aggregate: 'sum' },
        intervals: { mode: 'custom', boundaries: [100, 30] },
        dimension: { kind: 'contactProperty', property: 'nope' },
        timeRange: week,
      });
      expect([bad.statusCode, bad.body.code]).toEqual([400, 'report_query_invalid']);
      const details = (bad.body.details as { path: string; code: string }[]).map((d) => [d.path, d.code]);
      expect(details).toEqual(
        expect.arrayContaining([
          ['metric.property', 'report_metric_invalid'],
          ['intervals.boundaries', 'report_ranges_invalid'],
          ['dimension.property', 'report_dimension_unknown'],
        ]),
      );
      const text = await run({ metric: purchase('sum', 'sku'), timeRange: week });
      expect((text.body.details as { path: string; code: string }[]).map((d) => [d.path, d.code])).toContainEqual([
        'metric.property',
        'report_metric_invalid',
      ]);
      const models = await t.staff.request('GET', '/api/v1/console/report-models');
      expect(models.body.items).toContainEqual({
        id: 'distribution',
        name: '分布分析',
        source: 'reports',
        dashboard: true,
        limits: { shown: 1000, exported: 4000 },
      });
    });
  },
  { plugins: firstPartyPlugins },
);
