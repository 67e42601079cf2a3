import { beforeAll, expect, it } from 'vitest';
import { ZonedClock } from '../../src/lib/zoned-clock.js';
import type { AttributionReportResult } from '../../src/modules/reports/report.types.js';
import { ingestTenant } from '../ingestion/support.js';
import { firstPartyPlugins } from '../support/plugins.js';
import { describeEngines } from '../support/test-app.js';
import { EXPORTS, RUNS, addDays, shanghai } from './support.js';

const between = (from: string, to: string) => ({ kind: 'between', from, to });
/** Only the users of one city: every example below is one user (or three) of its own city. */
const city = (value: string) => ({
  contacts: { type: 'and', conditions: [{ type: 'property', property: 'city', operator: 'eq', values: [value] }] },
});
const A = { event: 'pay_order' };
const B = { event: 'ad_click' };
const C = { event: 'banner_click' };
const D = { event: 'coupon_click' };

/** A row as [touch, 总点击数, 有效转化点击数, 有效转化点击率, value, 贡献度]. */
const table = (body: AttributionReportResult) =>
  body.rows.map((r) => [r.touch, r.totalClicks, r.effectiveClicks, r.clickRate, r.value, r.contribution]);

/**
 * Asia/Shanghai; X is 20 days ago (events older than 2 years are refused, so the seed's July 2021
 * dates are shifted: X plays 2021-07-01 / 2020-08-09). Events (A 支付订单 with 金额, B 广告位点击,
 * C 推广位点击, D 优惠券点击, E 浏览商品 — never a touch):
 *
 * | city | user | events                                                                           |
 * |------|------|----------------------------------------------------------------------------------|
 * | 例一 | e1   | B X 09:00, A X 12:00, C X+1 09:00                               (window 当天)     |
 * | 例二 | e2   | C X 09:00, B X+2 09:00, A X+2 12:00                             (window 2 days)   |
 * | 例三 | e3   | B X 09:00 → E 10:00 → C 11:00 → D 12:00 → A 13:00               (the three models)|
 * | 例四 | e4   | A X 10:00, B X+1 10:00, A X+1 12:00                             (直接转化)        |
 * | 例五 | e5   | B X−1 08:00, B X 10:00, A X+1 09:00, B X+3 10:00, B X+6 23:00, B X+7 08:00 (总点击数) |
 * | 例六 | e6   | A X 10:00:00.100, B X 10:00:00.900, B X 10:00:01.000            (same second)     |
 * | 混合 | m1   | B X 20:00, A(100) X+1 10:00, C X+1 11:00, A(50) X+1 12:00, B X+2 09:00, C X+3 10:00 |
 * | 混合 | m2   | C X+1 08:00, C X+1 09:00, A(30) X+2 10:00                                         |
 * | 混合 | m3   | B X−1 12:00, A(20) X+2 15:00                                                      |
 */
describeEngines(
  'reports: attribution analysis (seed §1.7.9; SPEC §6; ADR 0059)',
  (ctx) => {
    let t: Awaited<ReturnType<typeof attributionTenant>>;
    let X: string;
    const day = (n: number) => addDays(X, n);
    beforeAll(async () => {
      t = await attributionTenant(ctx.app);
      X = t.X;
    });
    const query = (extra: Record<string, unknown>) => ({
      target: A,
      touches: [B, C],
      windowDays: 0,
      attributionModel: 'last',
      directConversions: true,
      metric: { aggregate: 'count' },
      ...extra,
    });

    it('window 当天: B on the target’s date is in A’s window, C on the next day is not (seed example)', async () => {
      const body = await t.run(query({ filters: city('例一'), timeRange: between(day(0), day(0)) }));
      expect(body.kind).toBe('attribution');
      expect([body.from, body.to, body.touchFrom]).toEqual([day(0), day(0), day(0)]);
      expect(body.target).toEqual({ name: '支付订单', event: 'pay_order' });
      expect(body.touches.map((x) => x.name)).toEqual(['广告位点击', '推广位点击']);
      // B X 09:00 is before A X 12:00 on the same date: effective, credited; C X+1 is outside the touches' range (X … X).
      expect(table(body)).toEqual([
        [0, 1, 1, 1, 1, 1],
        [1, 0, 0, null, 0, 0],
        [null, null, null, null, 0, 0],
      ]);
      // Over X … X+1 C is clicked (总点击数 1) but after A: not effective. Nothing more converts.
      const two = await t.run(query({ filters: city('例一'), timeRange: between(day(0), day(1)) }));
      expect(table(two)).toEqual([
        [0, 1, 1, 1, 1, 1],
        [1, 1, 0, 0, 0, 0],
        [null, null, null, null, 0, 0],
      ]);
    });

    it('window 2 days: B on the target’s date and C two days before are both in A’s window (seed example)', async () => {
      const linear = await t.run(
        query({ filters: city('例二'), windowDays: 2, attributionModel: 'linear', timeRange: between(day(2), day(2)) }),
      );
      // Touches counted from X+2 − 2 = X; A X+2 12:00 has B (X+2) and C (X) in its window: ½ each.
      expect(linear.touchFrom).toBe(day(0));
      expect(table(linear)).toEqual([
        [0, 1, 1, 1, 0.5, 0.5],
        [1, 1, 1, 1, 0.5, 0.5],
        [null, null, null, null, 0, 0],
      ]);
      // One day: C (X) is before X+2 − 1 — neither counted (the touches start at X+1) nor in the window.
      const one = await t.run(
        query({ filters: city('例二'), windowDays: 1, attributionModel: 'linear', timeRange: between(day(2), day(2)) }),
      );
      expect(one.touchFrom).toBe(day(1));
      expect(table(one)).toEqual([
        [0, 1, 1, 1, 1, 1],
        [1, 0, 0, null, 0, 0],
        [null, null, null, null, 0, 0],
      ]);
    });

    it('B → E → C → D → A: first touch credits B, last touch D, linear ⅓ each to B, C, D (seed example)', async () => {
      const ask = (attributionModel: string) =>
        t.run(query({ filters: city('例三'), touches: [B, C, D], attributionModel, timeRange: between(day(0), day(0)) }));
      const first = await ask('first');
      expect(first.rows.map((r) => [r.touch, r.value, r.contribution])).toEqual([
        [0, 1, 1],
        [1, 0, 0],
        [2, 0, 0],
        [null, 0, 0],
      ]);
      const last = await ask('last');
      expect(last.rows.map((r) => [r.touch, r.value, r.contribution])).toEqual([
        [0, 0, 0],
        [1, 0, 0],
        [2, 1, 1],
        [null, 0, 0],
      ]);
      const linear = await ask('linear');
      // E (浏览商品) is not a touch event: three touches share A, 33.3 % each. Every touch is effective in every model.
      expect(linear.rows.map((r) => r.value)).toEqual([1 / 3, 1 / 3, 1 / 3, 0].map((v) => Number(v.toPrecision(12))));
      for (const row of linear.rows.slice(0, 3)) expect(row.contribution).toBeCloseTo(1 / 3, 9);
      for (const body of [first, last, linear]) expect(body.rows.slice(0, 3).map((r) => r.effectiveClicks)).toEqual([1, 1, 1]);
    });

    it('直接转化: A with no touch in its window is direct; shown and counted only when the option is on (seed example)', async () => {
      const on = await t.run(query({ filters: city('例四'), touches: [B], timeRange: between(day(0), day(1)) }));
      // A X 10:00 has no B before it that day: direct. A X+1 12:00 has B X+1 10:00: credited to B.
      expect(table(on)).toEqual([
        [0, 1, 1, 1, 1, 0.5],
        [null, null, null, null, 1, 0.5],
      ]);
      expect(on.totals).toEqual([{ conversions: 2, value: 2 }]);
      const off = await t.run(
        query({ filters: city('例四'), touches: [B], directConversions: false, timeRange: between(day(0), day(1)) }),
      );
      // Hidden, and out of the denominator: B holds 100 %.
      expect(table(off)).toEqual([[0, 1, 1, 1, 1, 1]]);
      expect(off.directConversions).toBe(false);
    });

    it('总点击数 counts the touches of the range widened back by the window (X+1 … X+6 with 1 day → X … X+6)', async () => {
      const body = await t.run(query({ filters: city('例五'), touches: [B], windowDays: 1, timeRange: between(day(1), day(6)) }));
      expect([body.from, body.to, body.touchFrom]).toEqual([day(1), day(6), day(0)]);
      // B X−1 and B X+7 are outside X … X+6: 3 clicks (X, X+3, X+6). Only B X 10:00 precedes A X+1 09:00 within a day.
      expect(body.rows[0]).toMatchObject({ touch: 0, totalClicks: 3, effectiveClicks: 1, value: 1, contribution: 1 });
      expect(body.rows[0]!.clickRate).toBeCloseTo(1 / 3, 12);
    });

    it('the same second counts as before: B 0.8 s after A in the same second is a touch, B in the next second is not', async () => {
      const body = await t.run(query({ filters: city('例六'), touches: [B], timeRange: between(day(0), day(0)) }));
      expect(table(body)).toEqual([
        [0, 2, 1, 0.5, 1, 1],
        [null, null, null, null, 0, 0],
      ]);
    });

    /**
     * 混合 (window 1 day, range X+1 … X+2, touches B and C; touches counted from X):
     *   m1 A1 X+1 10:00 (100): window X … X+1 up to 10:00 → [B X 20:00]
     *   m1 A2 X+1 12:00 (50):  → [B X 20:00, C X+1 11:00]
     *   m2 A3 X+2 10:00 (30):  window X+1 … X+2 → [C X+1 08:00, C X+1 09:00]
     *   m3 A4 X+2 15:00 (20):  B X−1 is out of the window → 直接转化
     * 总点击数: B = m1 X 20:00, m1 X+2 09:00 (m3's X−1 is before X) = 2; C = m1 X+1 11:00, m2 ×2 (m1's X+3 is after the range) = 3.
     * 有效: B = {m1 X 20:00} = 1 (m1's B X+2 precedes no target); C = all 3. Rates 50 %, 100 %.
     */
    it('mixed fixture: the four columns and contribution of each model, with and without direct conversions, count and sum', async () => {
      const mixed = (attributionModel: string, extra: Record<string, unknown> = {}) =>
        t.run(query({ filters: city('混合'), windowDays: 1, attributionModel, timeRange: between(day(1), day(2)), ...extra }));
      const sum = { metric: { aggregate: 'sum', property: 'amount' } };
      const clicks = (body: AttributionReportResult) =>
        body.rows.map((r) => [r.touch, r.totalClicks, r.effectiveClicks, r.clickRate]);
      const values = (body: AttributionReportResult) => body.rows.map((r) => [r.touch, r.value, r.contribution]);
      const clickColumns = [
        [0, 2, 1, 0.5],
        [1, 3, 3, 1],
        [null, null, null, null],
      ];
      // 首次触点: A1 → B, A2 → B, A3 → C 08:00, A4 direct. Count B 2, C 1, direct 1 (of 4); sum B 150, C 30, direct 20 (of 200).
      const first = await mixed('first');
      expect(clicks(first)).toEqual(clickColumns);
      expect(values(first)).toEqual([
        [0, 2, 0.5],
        [1, 1, 0.25],
        [null, 1, 0.25],
      ]);
      expect(first.totals).toEqual([{ conversions: 4, value: 4 }]);
      const firstSum = await mixed('first', sum);
      expect(firstSum.metric).toEqual({ aggregate: 'sum', name: '支付订单的金额总和' });
      expect(values(firstSum)).toEqual([
        [0, 150, 0.75],
        [1, 30, 0.15],
        [null, 20, 0.1],
      ]);
      expect(firstSum.totals).toEqual([{ conversions: 4, value: 200 }]);
      // Without direct conversions: B 2 of 3, C 1 of 3; sums B 150 of 180, C 30 of 180.
      const firstOff = await mixed('first', { directConversions: false });
      expect(values(firstOff)).toEqual([
        [0, 2, 2 / 3],
        [1, 1, 1 / 3],
      ]);
      expect(values(await mixed('first', { ...sum, directConversions: false }))).toEqual([
        [0, 150, 150 / 180],
        [1, 30, 30 / 180],
      ]);

      // 末次触点: A1 → B, A2 → C, A3 → C 09:00, A4 direct. Count B 1, C 2, direct 1; sum B 100, C 80, direct 20.
      const last = await mixed('last');
      expect(clicks(last)).toEqual(clickColumns);
      expect(values(last)).toEqual([
        [0, 1, 0.25],
        [1, 2, 0.5],
        [null, 1, 0.25],
      ]);
      expect(values(await mixed('last', sum))).toEqual([
        [0, 100, 0.5],
        [1, 80, 0.4],
        [null, 20, 0.1],
      ]);
      expect(values(await mixed('last', { directConversions: false }))).toEqual([
        [0, 1, 1 / 3],
        [1, 2, 2 / 3],
      ]);
      expect(values(await mixed('last', { ...sum, directConversions: false }))).toEqual([
        [0, 100, 100 / 180],
        [1, 80, 80 / 180],
      ]);

      // 线性: A1 → B 1; A2 → B ½, C ½; A3 → C ½ + ½; A4 direct. Count B 1.5, C 1.5, direct 1 (37.5 %, 37.5 %, 25 %);
      // sum B 100 + 25 = 125, C 25 + 30 = 55, direct 20 (62.5 %, 27.5 %, 10 %).
      const linear = await mixed('linear');
      expect(clicks(linear)).toEqual(clickColumns);
      expect(values(linear)).toEqual([
        [0, 1.5, 0.375],
        [1, 1.5, 0.375],
        [null, 1, 0.25],
      ]);
      expect(values(await mixed('linear', sum))).toEqual([
        [0, 125, 0.625],
        [1, 55, 0.275],
        [null, 20, 0.1],
      ]);
      expect(values(await mixed('linear', { directConversions: false }))).toEqual([
        [0, 1.5, 0.5],
        [1, 1.5, 0.5],
      ]);
      expect(values(await mixed('linear', { ...sum, directConversions: false }))).toEqual([
        [0, 125, 125 / 180],
        [1, 55, 55 / 180],
      ]);
    });

    it('compared groups: one table per group; a target with filters; the export writes the table', async () => {
      // Group 0: 混合 (as above, last touch, B the only touch); group 1: 例四. The rows repeat per group.
      const created = await t.staff.request('POST', '/api/v1/console/temporary-groups', {
        name: '例四的人',
        condition: city('例四').contacts,
      });
      expect(created.statusCode, JSON.stringify(created.body)).toBe(201);
      const mixedGroup = await t.staff.request('POST', '/api/v1/console/temporary-groups', {
        name: '混合的人',
        condition: city('混合').contacts,
      });
      const body = await t.request(
        query({
          windowDays: 1,
          touches: [B],
          groups: [
            { type: 'temporary', temporaryGroupId: String(mixedGroup.body.id) },
            { type: 'temporary', temporaryGroupId: String(created.body.id) },
          ],
          timeRange: between(day(1), day(2)),
        }),
      );
      expect(body.statusCode, JSON.stringify(body.body)).toBe(200);
      const result = body.body as AttributionReportResult;
      expect(result.groups).toEqual([{ name: '混合的人' }, { name: '例四的人' }]);
      // 混合, B only, last touch: A1 → B, A2 → B (C is no touch now), A3 and A4 direct → B 2, direct 2.
      // 例四 over X+1 … X+2, window 1: A X+1 12:00 ← B X+1 10:00; B's total counts from X: 1.
      expect(result.rows.map((r) => [r.group, r.touch, r.totalClicks, r.effectiveClicks, r.value, r.contribution])).toEqual([
        [0, 0, 2, 1, 2, 0.5],
        [0, null, null, null, 2, 0.5],
        [1, 0, 1, 1, 1, 1],
        [1, null, null, null, 0, 0],
      ]);
      expect(result.totals).toEqual([
        { group: 0, conversions: 4, value: 4 },
        { group: 1, conversions: 1, value: 1 },
      ]);

      // The target filtered to 金额 ≥ 50: A1 (100) ← B, A2 (50) ← C (last touch); A3 (30), A4 (20) are no targets.
      const filtered = await t.run(
        query({
          filters: city('混合'),
          windowDays: 1,
          target: { ...A, filters: [{ property: 'amount', operator: 'gte', values: [50] }] },
          timeRange: between(day(1), day(2)),
        }),
      );
      expect(table(filtered)).toEqual([
        [0, 2, 1, 0.5, 1, 0.5],
        [1, 3, 1, 1 / 3, 1, 0.5],
        [null, null, null, null, 0, 0],
      ]);

      const csv = await t.staff.request('POST', EXPORTS, {
        model: 'attribution',
        query: query({ filters: city('混合'), windowDays: 1, attributionModel: 'linear', timeRange: between(day(1), day(2)) }),
        format: 'csv',
      });
      expect(csv.statusCode).toBe(200);
      const lines = String(csv.body)
        .replace(/^\uFEFF/, '')
        .trim()
        .split('\n');
      expect(lines).toEqual([
        '待归因事件,总点击数,有效转化点击数,有效转化点击率(%),目标转化事件总次数,贡献度(%)',
        '广告位点击,2,1,50,1.5,37.5',
        '推广位点击,3,3,100,1.5,37.5',
        '直接转化,,,,1,25',
      ]);
    });

    it('bad questions are 400s with stable codes and paths', async () => {
      const bad = async (q: Record<string, unknown>) => {
        const response = await t.request(q);
        expect(response.statusCode, JSON.stringify(response.body)).toBe(400);
        return response.body as { code: string; details?: { path: string; code: string }[] };
      };
      const range = between(day(0), day(1));
      // Window beyond 30 days, no touch, an unknown model: refused by the schema.
      expect((await bad(query({ windowDays: 31, timeRange: range }))).code).toBeTruthy();
      expect((await bad(query({ touches: [], timeRange: range }))).code).toBeTruthy();
      expect((await bad(query({ attributionModel: 'u-shaped', timeRange: range }))).code).toBeTruthy();
      // 切换指标 on a string property, or without one.
      for (const metric of [{ aggregate: 'sum', property: 'channel' }, { aggregate: 'sum' }]) {
        const body = await bad(query({ metric, timeRange: range }));
        expect(body.code).toBe('report_query_invalid');
        expect(body.details?.map((d) => [d.path, d.code])).toEqual([['metric.property', 'report_attribution_property_invalid']]);
      }
      // An unknown touch event is a problem at its path.
      const unknown = await bad(query({ touches: [B, { event: 'nope' }], timeRange: range }));
      expect(unknown.details?.map((d) => d.path)).toEqual(['touches.1.event']);
    });
  },
  { plugins: firstPartyPlugins },
);

async function attributionTenant(app: Parameters<typeof ingestTenant>[0]) {
  const t = await ingestTenant(app, { timeZone: 'Asia/Shanghai' });
  for (const [code, name, properties] of [
    [
      'pay_order',
      '支付订单',
      [
        { code: 'amount', name: '金额', type: 'number' },
        { code: 'channel', name: '支付方式', type: 'string' },
      ],
    ],
    ['ad_click', '广告位点击', []],
    ['banner_click', '推广位点击', []],
    ['coupon_click', '优惠券点击', []],
    ['view_item', '浏览商品', []],
  ] as const) {
    const res = await t.staff.request('POST', '/api/v1/metadata/event-types', { channelId: t.channelId, code, name, properties });
    expect(res.statusCode, JSON.stringify(res.body)).toBe(201);
  }
  const today = new ZonedClock('Asia/Shanghai').localDate(Date.now());
  const X = addDays(today, -20);
  const at = (n: number, time: string) =>
    time.length > 5 ? new Date(Date.parse(`${addDays(X, n)}T${time}+08:00`)).toISOString() : shanghai(addDays(X, n), time);
  const ev = (userId: string, event: string, n: number, time: string, properties: Record<string, unknown> = {}) => ({
    type: 'track',
    userId,
    event,
    properties,
    timestamp: at(n, time),
  });
  const pay = (userId: string, n: number, time: string, amount = 1) =>
    ev(userId, 'pay_order', n, time, { amount, channel: '微信支付' });
  const identify = (userId: string, cityName: string) => ({ type: 'identify', userId, traits: { city: cityName } });
  const res = await t.collect('batch', {
    batch: [
      identify('e1', '例一'),
      identify('e2', '例二'),
      identify('e3', '例三'),
      identify('e4', '例四'),
      identify('e5', '例五'),
      identify('e6', '例六'),
      identify('m1', '混合'),
      identify('m2', '混合'),
      identify('m3', '混合'),
      ev('e1', 'ad_click', 0, '09:00'),
      pay('e1', 0, '12:00'),
      ev('e1', 'banner_click', 1, '09:00'),
      ev('e2', 'banner_click', 0, '09:00'),
      ev('e2', 'ad_click', 2, '09:00'),
      pay('e2', 2, '12:00'),
      ev('e3', 'ad_click', 0, '09:00'),
      ev('e3', 'view_item', 0, '10:00'),
      ev('e3', 'banner_click', 0, '11:00'),
      ev('e3', 'coupon_click', 0, '12:00'),
      pay('e3', 0, '13:00'),
      pay('e4', 0, '10:00'),
      ev('e4', 'ad_click', 1, '10:00'),
      pay('e4', 1, '12:00'),
      ev('e5', 'ad_click', -1, '08:00'),
      ev('e5', 'ad_click', 0, '10:00'),
      pay('e5', 1, '09:00'),
      ev('e5', 'ad_click', 3, '10:00'),
      ev('e5', 'ad_click', 6, '23:00'),
      ev('e5', 'ad_click', 7, '08:00'),
      pay('e6', 0, '10:00:00.100'),
      ev('e6', 'ad_click', 0, '10:00:00.900'),
      ev('e6', 'ad_click', 0, '10:00:01.000'),
      ev('m1', 'ad_click', 0, '20:00'),
      pay('m1', 1, '10:00', 100),
      ev('m1', 'banner_click', 1, '11:00'),
      pay('m1', 1, '12:00', 50),
      ev('m1', 'ad_click', 2, '09:00'),
      ev('m1', 'banner_click', 3, '10:00'),
      ev('m2', 'banner_click', 1, '08:00'),
      ev('m2', 'banner_click', 1, '09:00'),
      pay('m2', 2, '10:00', 30),
      ev('m3', 'ad_click', -1, '12:00'),
      pay('m3', 2, '15:00', 20),
    ],
  });
  expect(res.statusCode, JSON.stringify(res.body)).toBe(200);
  await t.drain();
  const request = (query: Record<string, unknown>) => t.staff.request('POST', RUNS, { model: 'attribution', query });
  const run = async (query: Record<string, unknown>) => {
    const response = await request(query);
    expect(response.statusCode, JSON.stringify(response.body)).toBe(200);
    return response.body as AttributionReportResult;
  };
  return { ...t, X, run, request };
}
