import { beforeAll, expect, it } from 'vitest';
import { ZonedClock } from '../../src/lib/zoned-clock.js';
import { ingestTenant } from '../ingestion/support.js';
import { firstPartyPlugins } from '../support/plugins.js';
import { describeEngines } from '../support/test-app.js';
import { EXPORTS, RUNS, addDays } from './support.js';

const ZONE = 'Asia/Shanghai';
const between = (from: string, to: string) => ({ kind: 'between', from, to });
/** The instant of a Shanghai wall-clock time `HH:mm:ss.SSS` on `date`, ISO. */
const at = (date: string, time: string) => new Date(Date.parse(`${date}T${time}+08:00`)).toISOString();

interface FunnelBody {
  kind: 'funnel';
  from: string;
  to: string;
  steps: { name: string; event: string }[];
  dimension?: { key: string; name: string };
  groups: { name: string }[];
  funnels: {
    group?: number;
    dimension?: string | null;
    steps: { users: number; conversion: number | null; overall: number | null; medianSeconds: number | null }[];
    timeToConvert: number[];
  }[];
  groupCount: number;
  truncated: boolean;
}

/**
 * One tenant for every case (Asia/Shanghai). D is a day 20 days ago; the range is D … D+6 (the seed's
 * "1–7日"). Steps: 浏览 view → 加购 cart → 支付 pay; 离开 leave is the exclusion. Every event carries
 * `sku` (a unless said), 城市 is the contact's city.
 *
 * | contact | city | events (Shanghai time)                                                               |
 * |---------|------|--------------------------------------------------------------------------------------|
 * | u1      | 上海 | view D 09:00; cart D+1 10:00:00.800; pay D+1 10:00:00.200 (same second, earlier ms)    |
 * | u2      | 上海 | view D 09:00; cart D+6 09:00                    (the seed's user A: day 1 → day 7)     |
 * | u3      | 北京 | view D 09:00; cart D+7 09:00                    (the seed's user B: day 1 → day 8)     |
 * | u4      | 北京 | view D+2 12:00                                                                       |
 * | u5      | 广州 | view (sku b) D+3 10:00 twice (same second); cart (sku c) D+3 11:00                    |
 * | u6      | 广州 | view D−1 10:00; cart D 10:00                    (step 1 before the range)             |
 * | u7      | 广州 | view D 10:00; leave D 11:00; cart D 12:00                                            |
 * | u8      | 上海 | view D 08:00; view D+5 08:00; cart D+5 09:00                                         |
 */
async function funnelTenant(app: Parameters<typeof ingestTenant>[0]) {
  const t = await ingestTenant(app, { timeZone: ZONE });
  const sku = [{ code: 'sku', name: '商品', type: 'string' }];
  for (const [code, name, properties] of [
    ['view', '浏览', sku],
    ['cart', '加购', sku],
    ['pay', '支付', sku],
    ['leave', '离开', []],
  ] as const) {
    const res = await t.staff.request('POST', '/api/v1/metadata/event-types', { channelId: t.channelId, code, name, properties });
    expect(res.statusCode, JSON.stringify(res.body)).toBe(201);
  }
  const today = new ZonedClock(ZONE).localDate(Date.now());
  const D = addDays(today, -20);
  const ev = (userId: string, event: string, day: number, time: string, skuValue = 'a') => ({
    type: 'track',
    userId,
    event,
    properties: event === 'leave' ? {} : { sku: skuValue },
    timestamp: at(addDays(D, day), time),
  });
  const who = (userId: string, city: string) => ({ type: 'identify', userId, traits: { name: userId, city } });
  const res = await t.collect('batch', {
    batch: [
      who('u1', '上海'),
      who('u2', '上海'),
      who('u3', '北京'),
      who('u4', '北京'),
      who('u5', '广州'),
      who('u6', '广州'),
      who('u7', '广州'),
      who('u8', '上海'),
      ev('u1', 'view', 0, '09:00:00.000'),
      ev('u1', 'cart', 1, '10:00:00.800'),
      ev('u1', 'pay', 1, '10:00:00.200'),
      ev('u2', 'view', 0, '09:00:00.000'),
      ev('u2', 'cart', 6, '09:00:00.000'),
      ev('u3', 'view', 0, '09:00:00.000'),
      ev('u3', 'cart', 7, '09:00:00.000'),
      ev('u4', 'view', 2, '12:00:00.000'),
      ev('u5', 'view', 3, '10:00:00.100', 'b'),
      ev('u5', 'view', 3, '10:00:00.600', 'b'),
      ev('u5', 'cart', 3, '11:00:00.000', 'c'),
      ev('u6', 'view', -1, '10:00:00.000'),
      ev('u6', 'cart', 0, '10:00:00.000'),
      ev('u7', 'view', 0, '10:00:00.000'),
      ev('u7', 'leave', 0, '11:00:00.000'),
      ev('u7', 'cart', 0, '12:00:00.000'),
      ev('u8', 'view', 0, '08:00:00.000'),
      ev('u8', 'view', 5, '08:00:00.000'),
      ev('u8', 'cart', 5, '09:00:00.000'),
    ],
  });
  expect(res.statusCode, JSON.stringify(res.body)).toBe(200);
  await t.drain();
  const run = (query: Record<string, unknown>) => t.staff.request('POST', RUNS, { model: 'funnel', query });
  const result = async (query: Record<string, unknown>) => {
    const response = await run(query);
    expect(response.statusCode, JSON.stringify(response.body)).toBe(200);
    return response.body as FunnelBody;
  };
  return { ...t, D, run, result };
}

const users = (funnel: FunnelBody['funnels'][number]) => funnel.steps.map((s) => s.users);

describeEngines(
  'reports: funnel analysis (seed §1.7.3; SPEC §6; ADR 0054)',
  (ctx) => {
    let t: Awaited<ReturnType<typeof funnelTenant>>;
    let base: Record<string, unknown>;
    beforeAll(async () => {
      t = await funnelTenant(ctx.app);
      base = {
        steps: [{ event: 'view' }, { event: 'cart' }, { event: 'pay', name: '付款' }],
        window: { unit: 'day', value: 7 },
        timeRange: between(t.D, addDays(t.D, 6)),
      };
    });

    it('counts users per step, step and overall conversion, median times and the time to convert (7-day window)', async () => {
      const body = await t.result(base);
      expect([body.from, body.to]).toEqual([t.D, addDays(t.D, 6)]);
      expect(body.steps).toEqual([
        { name: '浏览', event: 'view' },
        { name: '加购', event: 'cart' },
        { name: '付款', event: 'pay' },
      ]);
      expect(body.funnels).toHaveLength(1);
      const [all] = body.funnels;
      // Step 1 in range: u1 u2 u3 u4 u5 u7 u8 (u6's view is the day before) = 7.
      // Step 2 within 7 calendar days: u1 (D+1), u2 (D+6), u3 (D+7: 7 days), u5, u7, u8 = 6.
      // Step 3: u1's pay is in the same second as its cart (earlier by 600 ms) — in order = 1.
      expect(users(all!)).toEqual([7, 6, 1]);
      expect(all!.steps.map((s) => s.conversion)).toEqual([1, 6 / 7, 1 / 6]);
      expect(all!.steps.map((s) => s.overall)).toEqual([1, 6 / 7, 1 / 7]);
      // Seconds view → cart: u5 3600, u7 7200, u1 25 h = 90000, u8 (earliest anchor D 08:00 → D+5 09:00)
      // 5 d 1 h = 435600, u2 6 d = 518400, u3 7 d = 604800 → median (90000 + 435600) / 2 = 262800.
      expect(all!.steps.map((s) => s.medianSeconds)).toEqual([null, 262800, 0]);
      // Only u1 completed, in 25 h: the 1–3 day bucket.
      expect(all!.timeToConvert).toEqual([0, 0, 0, 0, 1, 0, 0]);
      expect([body.groupCount, body.truncated]).toEqual([0, false]);
    });

    it('windows: N days are calendar days, N hours elapsed time; 限制窗口期在时间区间内 keeps every step in range', async () => {
      // 1 day: u1 (D → D+1) ✓; u2, u3 ✗; u5, u7 same day ✓; u8 from its D+5 anchor ✓ → 4; u1 pays → 1.
      const day = await t.result({ ...base, window: { unit: 'day', value: 1 } });
      expect(users(day.funnels[0]!)).toEqual([7, 4, 1]);
      // 24 hours: u1's cart is 25 h after its view (the seed's example) ✗ → u5, u7, u8 = 3; nobody pays.
      const hours = await t.result({ ...base, window: { unit: 'hour', value: 24 } });
      expect(users(hours.funnels[0]!)).toEqual([7, 3, 0]);
      // 25 hours: u1 again (inclusive).
      const hours25 = await t.result({ ...base, window: { unit: 'hour', value: 25 } });
      expect(users(hours25.funnels[0]!)).toEqual([7, 4, 1]);
      // Within the range D … D+6: u3's cart on D+7 no longer counts (the seed's user B), u2's on D+6 does.
      const within = await t.result({ ...base, windowWithinRange: true });
      expect(users(within.funnels[0]!)).toEqual([7, 5, 1]);
    });

    it('one event never fills two steps; exclusions; a property held constant', async () => {
      // view → view: a second, different view — u5 (two in the same second) and u8 (D, D+5) = 2.
      const twice = await t.result({ ...base, steps: [{ event: 'view' }, { event: 'view' }] });
      expect(users(twice.funnels[0]!)).toEqual([7, 2]);
      // Not having left between view and cart: u7 left in between → 5 reach the cart.
      const excluded = await t.result({ ...base, exclusions: [{ event: 'leave', afterStep: 1 }] });
      expect(users(excluded.funnels[0]!)).toEqual([7, 5, 1]);
      // Excluding another view between view and cart (the step rows themselves never count): u8's first
      // view has its second one before the cart, but the chain from that second view counts; u5's two
      // views are in the same second, so each has the other in between → 5 (u1 u2 u3 u7 u8).
      const viewAgain = await t.result({ ...base, exclusions: [{ event: 'view', afterStep: 1 }] });
      expect(users(viewAgain.funnels[0]!)).toEqual([7, 5, 1]);
      // An exclusion between cart and pay changes nothing (nobody left there).
      const later = await t.result({ ...base, exclusions: [{ event: 'leave', afterStep: 2 }] });
      expect(users(later.funnels[0]!)).toEqual([7, 6, 1]);
      // The same sku on every step: u5 viewed b and carted c → 5.
      const held = await t.result({ ...base, holdProperty: 'sku' });
      expect(users(held.funnels[0]!)).toEqual([7, 5, 1]);
      // Step filters: a view of sku b only — u5 alone, who carts → [1, 1, 0].
      const filtered = await t.result({
        ...base,
        steps: [
          { event: 'view', filters: [{ property: 'sku', operator: 'eq', values: ['b'] }] },
          { event: 'cart' },
          { event: 'pay' },
        ],
      });
      expect(users(filtered.funnels[0]!)).toEqual([1, 1, 0]);
    });

    it('a dimension gives one funnel per value after the all-users one; user filters and compared groups', async () => {
      const byCity = await t.result({ ...base, dimension: { kind: 'contactProperty', property: 'city' } });
      expect(byCity.dimension).toEqual({ key: 'contact.city', name: expect.any(String) });
      // 上海 u1 (3), u2 (2), u8 (2); 北京 u3 (2), u4 (1); 广州 u5 (2), u7 (2) — u6 never entered.
      expect(byCity.funnels.map((f) => [f.dimension, ...users(f)])).toEqual([
        [undefined, 7, 6, 1],
        ['上海', 3, 3, 1],
        ['北京', 2, 1, 0],
        ['广州', 2, 2, 0],
      ]);
      expect([byCity.groupCount, byCity.truncated]).toEqual([3, false]);
      // By step 1's sku: a — u1 u2 u3 u4 u7 u8; b — u5.
      const bySku = await t.result({ ...base, dimension: { kind: 'eventProperty', property: 'sku' } });
      expect(bySku.funnels.map((f) => [f.dimension, ...users(f)])).toEqual([
        [undefined, 7, 6, 1],
        ['a', 6, 5, 1],
        ['b', 1, 1, 0],
      ]);

      const shanghai = {
        type: 'and',
        conditions: [{ type: 'property', property: 'city', operator: 'eq', values: ['上海'] }],
      };
      const filtered = await t.result({ ...base, filters: { contacts: shanghai } });
      expect(users(filtered.funnels[0]!)).toEqual([3, 3, 1]);

      const temporary = await t.staff.request('POST', '/api/v1/console/temporary-groups', { name: '上海', condition: shanghai });
      expect(temporary.statusCode, JSON.stringify(temporary.body)).toBe(201);
      const compared = await t.result({ ...base, groups: [{ type: 'temporary', temporaryGroupId: temporary.body.id }] });
      expect(compared.groups).toEqual([{ name: '上海' }]);
      expect(compared.funnels.map((f) => [f.group, ...users(f)])).toEqual([[0, 3, 3, 1]]);
    });

    it('refuses what the seed limits, naming each problem’s path; exports one row per step; is listed', async () => {
      const bad = async (query: Record<string, unknown>) => {
        const res = await t.run(query);
        expect(res.statusCode, JSON.stringify(res.body)).toBe(400);
        return res.body as { code: string; details: { path: string; code: string }[] };
      };
      expect((await bad({ ...base, steps: [{ event: 'view' }] })).details[0]!.path).toBe('steps');
      const nine = Array.from({ length: 9 }, () => ({ event: 'view' }));
      expect((await bad({ ...base, steps: nine })).details[0]!.path).toBe('steps');
      expect((await bad({ ...base, window: { unit: 'day', value: 31 } })).details[0]!.path).toBe('window.value');
      expect((await bad({ ...base, window: { unit: 'hour', value: 721 } })).details[0]!.path).toBe('window.value');
      expect((await t.run({ ...base, window: { unit: 'hour', value: 720 } })).statusCode).toBe(200);
      expect((await bad({ ...base, exclusions: [{ event: 'leave', afterStep: 3 }] })).details).toEqual([
        { path: 'exclusions.0.afterStep', code: 'report_funnel_exclusion_step_invalid', message: expect.any(String) },
      ]);
      const notCommon = await bad({ ...base, steps: [{ event: 'view' }, { event: 'leave' }], holdProperty: 'sku' });
      expect(notCommon.details.map((p) => [p.path, p.code])).toEqual([['holdProperty', 'report_funnel_property_not_common']]);
      const unknown = await bad({ ...base, steps: [{ event: 'view' }, { event: 'nope' }] });
      expect(unknown.details[0]!.path).toBe('steps.1.event');

      const csv = await t.staff.request('POST', EXPORTS, { model: 'funnel', query: base, format: 'csv' });
      expect(csv.statusCode).toBe(200);
      const lines = String(csv.body)
        .replace(/^\uFEFF/, '')
        .trim()
        .split('\n');
      expect(lines[0]).toBe('步骤,人数,步骤转化率,总体转化率,转化中位时间(秒)');
      expect(lines.slice(1).map((l) => l.split(',').slice(0, 2).join(','))).toEqual(['1. 浏览,7', '2. 加购,6', '3. 付款,1']);

      const models = await t.staff.request('GET', '/api/v1/console/report-models');
      expect(models.body.items).toContainEqual({
        id: 'funnel',
        name: '漏斗分析',
        source: 'reports',
        dashboard: true,
        limits: { shown: 100, exported: 400 },
      });
    });

    it('shows at most 100 dimension values with a truncated flag; an export takes up to 400', async () => {
      // u9 on D+10 (outside every other case's range and away from their contacts): 101 views of
      // distinct skus at 12:00, then a cart at 13:00.
      const day = addDays(t.D, 10);
      const batch = [
        ...Array.from({ length: 101 }, (_, i) => ({
          type: 'track',
          userId: 'u9',
          event: 'view',
          properties: { sku: `s${String(i).padStart(3, '0')}` },
          timestamp: at(day, '12:00:00.000'),
        })),
        { type: 'track', userId: 'u9', event: 'cart', properties: { sku: 'a' }, timestamp: at(day, '13:00:00.000') },
      ];
      expect((await t.collect('batch', { batch })).statusCode).toBe(200);
      await t.drain();
      const query = {
        steps: [{ event: 'view' }, { event: 'cart' }],
        window: { unit: 'day', value: 1 },
        timeRange: between(day, day),
        dimension: { kind: 'eventProperty', property: 'sku' },
      };
      const body = await t.result(query);
      expect([body.groupCount, body.truncated, body.funnels.length]).toEqual([101, true, 101]); // all users + 100 values
      // One user, who reached the cart from every sku's view.
      expect(users(body.funnels[0]!)).toEqual([1, 1]);
      expect(body.funnels.slice(1).map((f) => f.dimension)).toEqual(
        Array.from({ length: 100 }, (_, i) => `s${String(i).padStart(3, '0')}`),
      );
      const csv = await t.staff.request('POST', EXPORTS, { model: 'funnel', query, format: 'csv' });
      // Header + (all users + 101 values) × 2 steps.
      expect(String(csv.body).trim().split('\n')).toHaveLength(1 + 102 * 2);
    });
  },
  { plugins: firstPartyPlugins },
);
