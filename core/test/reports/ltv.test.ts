import { beforeAll, expect, it } from 'vitest';
import { ZonedClock } from '../../src/lib/zoned-clock.js';
import { exportReport } from '../../src/modules/reports/report-export.js';
import type { LtvReportResult, LtvRow } from '../../src/modules/reports/report.types.js';
import { reportsServiceRef } from '../../src/modules/reports/reports.service.js';
import { ingestTenant } from '../ingestion/support.js';
import { firstPartyPlugins } from '../support/plugins.js';
import { describeEngines } from '../support/test-app.js';
import { RUNS, addDays, shanghai } from './support.js';

const between = (from: string, to: string) => ({ kind: 'between', from, to });

/**
 * The worked example of seed §1.7.11.2.3, shifted to recent dates (events older than 2 years are
 * refused): D plays 2020-04-01 and the report runs at D+4 20:00 (the seed's "当前系统时间 2020-04-05").
 * Times are Asia/Shanghai.
 *
 * | user | events                                                                                   |
 * |------|------------------------------------------------------------------------------------------|
 * | 1    | 访问网页 D 10:00 (双十一)                                                                |
 * | 2    | 访问网页 D 10:30 (双十一), 访问网页 D 11:00 (618); 支付订单 100 at D 10:30, D 11:30, D 11:50, D+1 11:50, D+2 11:50 |
 * | 3    | 支付订单 100 at D 10:30 (never visits)                                                   |
 * | 4    | 访问网页 D+1 12:00 (618); 支付订单 100 at D+2 11:50, D+3 11:50, D+4 11:50                |
 * | 5    | 访问网页 D+2 12:00 (618) — outside the range D … D+1                                      |
 */
describeEngines(
  'reports: LTV analysis (seed §1.7.11; SPEC §6, decision 1)',
  (ctx) => {
    let t: Awaited<ReturnType<typeof ltvTenant>>;
    beforeAll(async () => {
      t = await ltvTenant(ctx.app);
    });

    const example = (extra: Record<string, unknown> = {}) => ({
      initial: { kind: 'event', event: 'visit' },
      revenue: { event: 'pay_order', aggregate: 'sum', property: 'amount' },
      dimensions: [{ kind: 'eventProperty', property: 'campaign' }],
      timeRange: between(t.D, addDays(t.D, 1)),
      unit: 'day',
      periods: 7,
      ...extra,
    });

    it('reproduces every table of the seed’s worked example (总和, ARPU, ARPPU, 新增付费人数), cell by cell', async () => {
      const body = await t.run(example());
      expect(body.kind).toBe('ltv');
      expect(body.dimensions).toEqual([{ key: 'event.campaign', name: '活动' }]);
      expect(body.revenueName).toBe('支付订单的金额总和'); // amount is named 金额 (declared first by purchase)
      // Rows: 双十一 (2 initial users) before 618 (1); 总体 first; the D+1 cohort of 双十一 and the D cohort of 618 have no user: hidden.
      expect(body.rows.map((r) => [r.dimensions[0], r.cohort, r.initialUsers, r.payingUsers])).toEqual([
        ['双十一', null, 2, 1], // users 1 and 2; user 2 pays (50%)
        ['双十一', t.D, 2, 1],
        ['618', null, 1, 1], // user 4 (user 2's 618 visit is not their first; user 5 is outside the range)
        ['618', addDays(t.D, 1), 1, 1],
      ]);
      const [elevenTotal, eleven, total618, cohort618] = body.rows as [LtvRow, LtvRow, LtvRow, LtvRow];
      const _ = null;
      // 总和: user 2 pays 300 on day 0 (10:30 — the initial moment itself counts —, 11:30, 11:50), 100 on day 1, 100 on
      // day 2; user 4 (initial D+1 12:00) pays 100 on days 1, 2, 3 (D+2, D+3, D+4). Now is D+4: the D cohort (and
      // every 总体, from the range's first day D) shows days 0–4, the D+1 cohort days 0–3; later days are blank.
      expect(elevenTotal.values.sum).toEqual([300, 400, 500, 500, 500, _, _, _]);
      expect(eleven.values.sum).toEqual([300, 400, 500, 500, 500, _, _, _]);
      expect(total618.values.sum).toEqual([0, 100, 200, 300, 300, _, _, _]);
      expect(cohort618.values.sum).toEqual([0, 100, 200, 300, _, _, _, _]);
      // ARPU = cumulative sum ÷ initial users (2 for 双十一: 300/2, 400/2, 500/2; 1 for 618). The seed's
      // "100 300 300 300" for the 618 cohort is a typo (SPEC decision 6): 0 100 200 300.
      expect(elevenTotal.values.arpu).toEqual([150, 200, 250, 250, 250, _, _, _]);
      expect(eleven.values.arpu).toEqual([150, 200, 250, 250, 250, _, _, _]);
      expect(total618.values.arpu).toEqual([0, 100, 200, 300, 300, _, _, _]);
      expect(cohort618.values.arpu).toEqual([0, 100, 200, 300, _, _, _, _]);
      // ARPPU = cumulative sum ÷ paying users so far (1: user 2 from day 0; user 4 from day 1 — 0 on day 0, no payer).
      expect(elevenTotal.values.arppu).toEqual([300, 400, 500, 500, 500, _, _, _]);
      expect(eleven.values.arppu).toEqual([300, 400, 500, 500, 500, _, _, _]);
      expect(total618.values.arppu).toEqual([0, 100, 200, 300, 300, _, _, _]);
      expect(cohort618.values.arppu).toEqual([0, 100, 200, 300, _, _, _, _]);
      // 新增付费人数: user 2 first pays on day 0, user 4 on day 1.
      expect(elevenTotal.values.newPayingUsers).toEqual([1, 0, 0, 0, 0, _, _, _]);
      expect(eleven.values.newPayingUsers).toEqual([1, 0, 0, 0, 0, _, _, _]);
      expect(total618.values.newPayingUsers).toEqual([0, 1, 0, 0, 0, _, _, _]);
      expect(cohort618.values.newPayingUsers).toEqual([0, 1, 0, 0, _, _, _, _]);
      // 付费人数 (cumulative).
      expect(elevenTotal.values.payingUsers).toEqual([1, 1, 1, 1, 1, _, _, _]);
      expect(cohort618.values.payingUsers).toEqual([0, 1, 1, 1, _, _, _, _]);
    });

    it('rolling 24 h: user 4’s payment at D+2 11:50 is day 1 by calendar days but day 0 within 24 h of D+1 12:00', async () => {
      const body = await t.run(example({ rolling24h: true }));
      const cohort618 = body.rows.find((r) => r.dimensions[0] === '618' && r.cohort !== null)!;
      // User 4 pays 23 h 50 min (day 0), 47 h 50 min (day 1) and 71 h 50 min (day 2) after the initial moment.
      expect(cohort618.values.sum).toEqual([100, 200, 300, 300, null, null, null, null]);
      expect(cohort618.values.newPayingUsers).toEqual([1, 0, 0, 0, null, null, null, null]);
      // User 2's payments are 0 h–1 h 20 min (day 0), 25 h 20 min (day 1), 49 h 20 min (day 2) after D 10:30: as by calendar.
      const eleven = body.rows.find((r) => r.dimensions[0] === '双十一' && r.cohort !== null)!;
      expect(eleven.values.sum).toEqual([300, 400, 500, 500, 500, null, null, null]);
      expect(body.rolling24h).toBe(true);
      expect(body.metric).toBe('sum'); // the charted metric, as asked (default)
    });

    it('without a dimension: one 总体 of users 1, 2 and 4; weeks and months; the count of revenue events', async () => {
      const body = await t.run(example({ dimensions: [] }));
      expect(body.rows.map((r) => [r.cohort, r.initialUsers, r.payingUsers])).toEqual([
        [null, 3, 2],
        [t.D, 2, 1],
        [addDays(t.D, 1), 1, 1],
      ]);
      expect(body.rows[0]!.values.sum).toEqual([300, 500, 700, 800, 800, null, null, null]);
      // ARPU of 总体 = cumulative ÷ 3 initial users; ARPPU ÷ paying users so far (1 on day 0, 2 from day 1).
      expect(body.rows[0]!.values.arpu).toEqual([100, 500 / 3, 700 / 3, 800 / 3, 800 / 3, null, null, null]);
      expect(body.rows[0]!.values.arppu).toEqual([300, 250, 350, 400, 400, null, null, null]);

      // Count of 支付订单 instead of the amount: user 2 three times on day 0, then once a day.
      const count = await t.run(example({ dimensions: [], revenue: { event: 'pay_order', aggregate: 'count' } }));
      expect(count.rows[0]!.values.sum).toEqual([3, 5, 7, 8, 8, null, null, null]);
      expect(count.revenueName).toBe('支付订单的总次数');

      // Natural weeks (Mon–Sun) and months: the cohort is the week's Monday / month's first day; the period
      // index is whole weeks / months between the initial moment's and the payment's. Expected from the dates.
      for (const unit of ['week', 'month'] as const) {
        const byUnit = await t.run(example({ dimensions: [], unit, periods: 2 }));
        const start = (date: string) => (unit === 'week' ? monday(date) : `${date.slice(0, 7)}-01`);
        const cohorts = [...new Set([t.D, addDays(t.D, 1)].map(start))];
        expect(byUnit.rows.map((r) => r.cohort)).toEqual([null, ...cohorts]);
        const index = (from: string, to: string) =>
          unit === 'week'
            ? Math.round((Date.parse(monday(to)) - Date.parse(monday(from))) / (7 * 86_400_000))
            : (Number(to.slice(0, 4)) - Number(from.slice(0, 4))) * 12 + Number(to.slice(5, 7)) - Number(from.slice(5, 7));
        // Revenue per period of each paying user, from the fixture's dates.
        const perPeriod = [0, 0, 0];
        for (const [initial, pays] of [
          [t.D, [t.D, t.D, t.D, addDays(t.D, 1), addDays(t.D, 2)]],
          [addDays(t.D, 1), [addDays(t.D, 2), addDays(t.D, 3), addDays(t.D, 4)]],
        ] as const)
          for (const pay of pays) perPeriod[index(initial, pay)]! += 100;
        const today = addDays(t.D, 4);
        const started = index(t.D, today);
        const cumulative = perPeriod.map((_, n) => perPeriod.slice(0, n + 1).reduce((a, b) => a + b, 0));
        expect(byUnit.rows[0]!.values.sum).toEqual(cumulative.map((v, n) => (n <= started ? v : null)));
        expect(byUnit.rows[0]!.initialUsers).toBe(3);
      }
    });

    it('initial users from a date-time user property (首次访问时间): revenue from that moment on', async () => {
      const body = await t.run({
        initial: { kind: 'property', property: 'firstSeenAt' },
        revenue: { event: 'pay_order', aggregate: 'sum', property: 'amount' },
        timeRange: between(t.D, addDays(t.D, 1)),
        unit: 'day',
        periods: 3,
      });
      // First seen: user 1 D 10:00, user 2 D 10:30, user 3 D 10:30 (its payment), user 4 D+1 12:00; user 5 D+2.
      expect(body.rows.map((r) => [r.cohort, r.initialUsers, r.payingUsers])).toEqual([
        [null, 4, 3],
        [t.D, 3, 2],
        [addDays(t.D, 1), 1, 1],
      ]);
      // Day 0: users 2 (300) and 3 (100); day 1: user 2 100, user 4 100; day 2: 100 + 100; day 3: user 4 100.
      expect(body.rows[0]!.values.sum).toEqual([400, 600, 800, 900]);
      expect(body.rows[0]!.values.newPayingUsers).toEqual([2, 1, 0, 0]);
      // An event-property dimension needs initial users from an event.
      const refused = await t.request({
        initial: { kind: 'property', property: 'firstSeenAt' },
        revenue: { event: 'pay_order', aggregate: 'count' },
        dimensions: [{ kind: 'eventProperty', property: 'campaign' }],
        timeRange: between(t.D, addDays(t.D, 1)),
        unit: 'day',
        periods: 3,
      });
      expect([refused.statusCode, refused.body.code]).toEqual([400, 'report_query_invalid']);
      expect(refused.body.details).toEqual([
        { path: 'dimensions.0.kind', code: 'report_ltv_dimension_not_allowed', message: expect.any(String) },
      ]);
    });

    it('refuses dimensions with two groups, rolling 24 h outside days, unknown events and a sum without a number', async () => {
      const twoGroups = await t.request(
        example({
          groups: [
            { type: 'group', groupId: '1' },
            { type: 'group', groupId: '2' },
          ],
        }),
      );
      expect([twoGroups.statusCode, twoGroups.body.code]).toEqual([400, 'report_query_invalid']);
      expect(twoGroups.body.details).toEqual([
        { path: 'dimensions', code: 'report_ltv_dimensions_with_groups', message: expect.any(String) },
      ]);
      const weeks = await t.request(example({ unit: 'week', rolling24h: true }));
      expect(weeks.body.details).toEqual([
        { path: 'rolling24h', code: 'report_ltv_rolling_days_only', message: expect.any(String) },
      ]);
      const unknown = await t.request(
        example({ initial: { kind: 'event', event: 'nope' }, revenue: { event: 'pay_order', aggregate: 'sum' } }),
      );
      expect(unknown.statusCode).toBe(400);
      expect(unknown.body.details.map((p: { path: string }) => p.path)).toEqual(
        expect.arrayContaining(['initial.event', 'revenue.property']),
      );
    });

    it('a contact-property dimension; one group filters, two groups compare (each its own 总体 and cohorts)', async () => {
      const byCity = await t.run(example({ dimensions: [{ kind: 'contactProperty', property: 'city' }] }));
      // 上海: users 1 (D) and 4 (D+1); 北京: user 2 (D). Ranked by initial users.
      expect(byCity.rows.map((r) => [r.dimensions[0], r.cohort, r.initialUsers, r.payingUsers])).toEqual([
        ['上海', null, 2, 1],
        ['上海', t.D, 1, 0],
        ['上海', addDays(t.D, 1), 1, 1],
        ['北京', null, 1, 1],
        ['北京', t.D, 1, 1],
      ]);
      // 上海 总体: user 4's 100 on days 1, 2, 3; ARPU over 2 initial users.
      expect(byCity.rows[0]!.values.sum).toEqual([0, 100, 200, 300, 300, null, null, null]);
      expect(byCity.rows[0]!.values.arpu).toEqual([0, 50, 100, 150, 150, null, null, null]);
      expect(byCity.rows[1]!.values.sum).toEqual([0, 0, 0, 0, 0, null, null, null]);

      const shanghaiGroup = await t.temporaryGroup('上海用户', '上海');
      const beijingGroup = await t.temporaryGroup('北京用户', '北京');
      const one = await t.runAs(
        shanghaiGroup.staffId,
        example({ groups: [{ type: 'temporary', temporaryGroupId: shanghaiGroup.id }] }),
      );
      expect(one.groups).toEqual([{ name: '上海用户' }]);
      // Only users 1 (双十一) and 4 (618) of the group.
      expect(one.rows.map((r) => [r.group, r.dimensions[0], r.cohort, r.initialUsers, r.payingUsers])).toEqual([
        [0, '618', null, 1, 1],
        [0, '618', addDays(t.D, 1), 1, 1],
        [0, '双十一', null, 1, 0],
        [0, '双十一', t.D, 1, 0],
      ]);
      const two = await t.runAs(
        shanghaiGroup.staffId,
        example({
          dimensions: [],
          groups: [
            { type: 'temporary', temporaryGroupId: shanghaiGroup.id },
            { type: 'temporary', temporaryGroupId: beijingGroup.id },
          ],
        }),
      );
      expect(two.rows.map((r) => [r.group, r.cohort, r.initialUsers, r.payingUsers])).toEqual([
        [0, null, 2, 1],
        [0, t.D, 1, 0],
        [0, addDays(t.D, 1), 1, 1],
        [1, null, 1, 1],
        [1, t.D, 1, 1],
      ]);
      expect(two.rows[0]!.values.sum).toEqual([0, 100, 200, 300, 300, null, null, null]);
      expect(two.rows[3]!.values.sum).toEqual([300, 400, 500, 500, 500, null, null, null]);
    });

    it('exports every metric’s table: 总体 first, 第0天 … 第7天, blanks for periods not started', async () => {
      const body = await t.run(example());
      const file = await exportReport(body as unknown as LtvReportResult, 'csv', 'LTV');
      const lines = file.body
        .toString('utf8')
        .replace(/^\uFEFF/, '')
        .trim()
        .split('\n');
      expect(lines[0]).toBe('指标,活动,初始日期,初始人数,付费人数,付费率,第0天,第1天,第2天,第3天,第4天,第5天,第6天,第7天');
      expect(lines[1]).toBe('总和,双十一,总体,2,1,0.5,300,400,500,500,500,,,');
      expect(lines[4]).toBe(`总和,618,${addDays(t.D, 1)},1,1,1,0,100,200,300,,,,`);
      expect(lines).toHaveLength(1 + 5 * 4);
    });
  },
  { plugins: firstPartyPlugins },
);

const monday = (date: string) => {
  const t = Date.parse(`${date}T00:00:00Z`);
  return new Date(t - ((new Date(t).getUTCDay() + 6) % 7) * 86_400_000).toISOString().slice(0, 10);
};

async function ltvTenant(app: Parameters<typeof ingestTenant>[0]) {
  const t = await ingestTenant(app, { timeZone: 'Asia/Shanghai' });
  for (const [code, name, properties] of [
    ['visit', '访问网页', [{ code: 'campaign', name: '活动', type: 'string' }]],
    ['pay_order', '支付订单', [{ code: 'amount', name: '总金额', type: 'number' }]],
  ] as const) {
    const res = await t.staff.request('POST', '/api/v1/metadata/event-types', { channelId: t.channelId, code, name, properties });
    expect(res.statusCode, JSON.stringify(res.body)).toBe(201);
  }
  const today = new ZonedClock('Asia/Shanghai').localDate(Date.now());
  const D = addDays(today, -10);
  const visit = (userId: string, day: number, time: string, campaign: string) => ({
    type: 'track',
    userId,
    event: 'visit',
    properties: { campaign },
    timestamp: shanghai(addDays(D, day), time),
  });
  const pay = (userId: string, day: number, time: string) => ({
    type: 'track',
    userId,
    event: 'pay_order',
    properties: { amount: 100 },
    timestamp: shanghai(addDays(D, day), time),
  });
  // Cities for the contact dimension and the groups (identified after every event: first seen stays the first event).
  const identify = (userId: string, city: string) => ({
    type: 'identify',
    userId,
    traits: { city },
    timestamp: shanghai(addDays(D, 9), '09:00'),
  });
  const res = await t.collect('batch', {
    batch: [
      identify('u-1', '上海'),
      identify('u-2', '北京'),
      identify('u-4', '上海'),
      visit('u-1', 0, '10:00', '双十一'),
      visit('u-2', 0, '10:30', '双十一'),
      visit('u-2', 0, '11:00', '618'),
      pay('u-2', 0, '10:30'),
      pay('u-2', 0, '11:30'),
      pay('u-2', 0, '11:50'),
      pay('u-2', 1, '11:50'),
      pay('u-2', 2, '11:50'),
      pay('u-3', 0, '10:30'),
      visit('u-4', 1, '12:00', '618'),
      pay('u-4', 2, '11:50'),
      pay('u-4', 3, '11:50'),
      pay('u-4', 4, '11:50'),
      visit('u-5', 2, '12:00', '618'),
    ],
  });
  expect(res.statusCode, JSON.stringify(res.body)).toBe(200);
  await t.drain();
  // The seed's "now": D+4 (2020-04-05) in the evening.
  const now = Date.parse(shanghai(addDays(D, 4), '20:00'));
  const reports = app.service(reportsServiceRef);
  const run = async (query: Record<string, unknown>) =>
    (await reports.run({ tenantId: t.tenantId, staffId: null }, 'ltv', query, { now })) as unknown as LtvReportResult;
  const request = (query: Record<string, unknown>) => t.staff.request('POST', RUNS, { model: 'ltv', query });
  /** A temporary group of the staff member's (ad-hoc conditions) and a run as that staff member. */
  const temporaryGroup = async (name: string, city: string) => {
    const created = await t.staff.request('POST', '/api/v1/console/temporary-groups', {
      name,
      condition: { type: 'and', conditions: [{ type: 'property', property: 'city', operator: 'eq', values: [city] }] },
    });
    expect(created.statusCode, JSON.stringify(created.body)).toBe(201);
    const row = (await app.oltp.forTenant(t.tenantId).from('temporary_group').where('id', created.body.id).first()) as {
      staff_id: number | string;
    };
    return { id: String(created.body.id), staffId: String(row.staff_id) };
  };
  const runAs = async (staffId: string, query: Record<string, unknown>) =>
    (await reports.run({ tenantId: t.tenantId, staffId }, 'ltv', query, { now })) as unknown as LtvReportResult;
  return { ...t, D, run, request, temporaryGroup, runAs };
}
