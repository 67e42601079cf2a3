import { beforeAll, expect, it } from 'vitest';
import { ZonedClock } from '../../src/lib/zoned-clock.js';
import { reportsServiceRef } from '../../src/modules/reports/reports.service.js';
import type { RetentionReportResult } from '../../src/modules/reports/report.types.js';
import { ingestTenant } from '../ingestion/support.js';
import { firstPartyPlugins } from '../support/plugins.js';
import { describeEngines } from '../support/test-app.js';
import { EXPORTS, RUNS, addDays, shanghai } from './support.js';

const ZONE = 'Asia/Shanghai';
const between = (from: string, to: string) => ({ kind: 'between', from, to });
const purchase = { event: 'purchase' };
const refund = { event: 'refund' };

/**
 * One tenant in Asia/Shanghai shared by every case. W is a Monday 5–6 weeks ago; dN = W + N days.
 * "now" (passed to the engine) is d9 12:00, a Wednesday of the next week: period d9 has started.
 *
 * | contact | city | events (Shanghai time)                                                         |
 * |---------|------|--------------------------------------------------------------------------------|
 * | u1      | 上海 | purchase d0 10:00, d1 09:00, d3 08:00                                           |
 * | u2      | 北京 | purchase d0 11:00; refund d0 12:00, d2 10:00                                    |
 * | u3      | 上海 | purchase d0 12:00:00 twice (same second), d1 00:10 (= d0 16:10 UTC)             |
 * | u4      | 北京 | refund d0 09:00; purchase d0 10:00, d2 23:30 (= d2 15:30 UTC); refund d9 10:00  |
 * | u5      | 北京 | purchase d1 10:00, d8 10:00                                                     |
 * | u6      | 北京 | refund d2 08:00; purchase d2 09:00                                              |
 */
async function retentionTenant(app: Parameters<typeof ingestTenant>[0]) {
  const t = await ingestTenant(app, { timeZone: ZONE });
  const created = await t.staff.request('POST', '/api/v1/metadata/event-types', {
    channelId: t.channelId,
    code: 'refund',
    name: '退款',
    properties: [{ code: 'amount', name: '金额', type: 'number' }],
  });
  expect(created.statusCode, JSON.stringify(created.body)).toBe(201);
  const today = new ZonedClock(ZONE).localDate(Date.now());
  const weekday = (new Date(`${today}T00:00:00Z`).getUTCDay() + 6) % 7; // Monday 0
  const W = addDays(today, -(35 + weekday));
  const d = (n: number) => addDays(W, n);
  const track = (userId: string, event: string, day: number, time: string) => ({
    type: 'track',
    userId,
    event,
    properties: { amount: 10, sku: 'a' },
    timestamp: shanghai(d(day), time),
  });
  const identify = (userId: string, city: string) => ({ type: 'identify', userId, traits: { name: userId, city } });
  const res = await t.collect('batch', {
    batch: [
      identify('u1', '上海'),
      identify('u2', '北京'),
      identify('u3', '上海'),
      identify('u4', '北京'),
      identify('u5', '北京'),
      identify('u6', '北京'),
      track('u1', 'purchase', 0, '10:00'),
      track('u1', 'purchase', 1, '09:00'),
      track('u1', 'purchase', 3, '08:00'),
      track('u2', 'purchase', 0, '11:00'),
      track('u2', 'refund', 0, '12:00'),
      track('u2', 'refund', 2, '10:00'),
      track('u3', 'purchase', 0, '12:00'),
      track('u3', 'purchase', 0, '12:00'),
      track('u3', 'purchase', 1, '00:10'),
      track('u4', 'refund', 0, '09:00'),
      track('u4', 'purchase', 0, '10:00'),
      track('u4', 'purchase', 2, '23:30'),
      track('u4', 'refund', 9, '10:00'),
      track('u5', 'purchase', 1, '10:00'),
      track('u5', 'purchase', 8, '10:00'),
      track('u6', 'refund', 2, '08:00'),
      track('u6', 'purchase', 2, '09:00'),
    ],
  });
  expect(res.statusCode, JSON.stringify(res.body)).toBe(200);
  await t.drain();
  const now = Date.parse(shanghai(d(9), '12:00'));
  const reports = app.service(reportsServiceRef);
  /** Runs through the engine at "now" = d9 12:00. */
  const result = async (query: Record<string, unknown>) =>
    (await reports.run({ tenantId: t.tenantId, staffId: null }, 'retention', query, { now })) as RetentionReportResult;
  return { ...t, W, d, result };
}

describeEngines(
  'reports: retention analysis (seed §1.7.7; SPEC §6; ADR 0055)',
  (ctx) => {
    let t: Awaited<ReturnType<typeof retentionTenant>>;
    beforeAll(async () => {
      t = await retentionTenant(ctx.app);
    });
    const base = () => ({
      initial: purchase,
      return: purchase,
      unit: 'day',
      periods: 8,
      timeRange: between(t.d(0), t.d(2)),
    });

    it('daily retention of the same event: k = 0 needs a second occurrence, cells after now are blank, 合计 over ended periods', async () => {
      const body = await t.result(base());
      expect([body.kind, body.from, body.to, body.metric, body.mode]).toEqual([
        'retention',
        t.d(0),
        t.d(2),
        'retained',
        'period',
      ]);
      expect(body.offsets).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
      expect(body.initialEvent).toEqual({ event: 'purchase', name: '购买' });
      const [table] = body.tables;
      expect(table!.cohorts.map((c) => [c.date, c.users])).toEqual([
        [t.d(0), 4], // u1 u2 u3 u4
        [t.d(1), 3], // u1 u3 (00:10 Shanghai is d1) u5
        [t.d(2), 2], // u4 (23:30 Shanghai) u6
      ]);
      // d0: k0 = u3 only (two purchases in the same second count as in order; the others bought once);
      // k1 (d1) u1 u3; k2 (d2) u4; k3 (d3) u1.
      expect(table!.cohorts[0]!.values).toEqual([1, 2, 1, 1, 0, 0, 0, 0, 0]);
      expect(table!.cohorts[0]!.rates[1]).toBe(0.5);
      // d1: k2 (d3) u1; k7 (d8) u5; k8 = d9 has started (now is d9 12:00): 0, not blank.
      expect(table!.cohorts[1]!.values).toEqual([0, 0, 1, 0, 0, 0, 0, 1, 0]);
      // d2: k8 = d10 has not started: blank.
      expect(table!.cohorts[2]!.values).toEqual([0, 0, 0, 0, 0, 0, 0, 0, null]);
      expect(table!.cohorts[2]!.rates[8]).toBeNull();
      // 合计: offset k over the cohorts whose period k has ended (before d9): k ≤ 6 all three (9 users),
      // k7 d0 + d1 (7 users: 0 + 1), k8 d0 only (4 users).
      expect(table!.total.users).toBe(9);
      expect(table!.total.bases).toEqual([9, 9, 9, 9, 9, 9, 9, 7, 4]);
      expect(table!.total.values).toEqual([1, 2, 2, 1, 0, 0, 0, 1, 0]);
      expect(table!.total.rates[7]).toBeCloseTo(1 / 7, 10);

      // A return filter keeping every purchase: the SQL for events that may share rows must agree.
      const filtered = await t.result({
        ...base(),
        return: { event: 'purchase', filters: [{ property: 'amount', operator: 'gt', values: [5] }] },
      });
      expect(filtered.tables).toEqual(body.tables);
    });

    it('a different return event: k = 0 counts a return at or after the first initial event only', async () => {
      const body = await t.result({ ...base(), return: refund, periods: 2 });
      // d0: u2 refunds 12:00 after buying 11:00 (k0) and again d2 (k2); u4's refund 09:00 precedes its purchase.
      // d2: u6's refund 08:00 precedes its purchase 09:00.
      expect(body.tables[0]!.cohorts.map((c) => c.values)).toEqual([
        [1, 0, 1],
        [0, 0, 0],
        [0, 0, 0],
      ]);
      expect(body.returnEvent).toEqual({ event: 'refund', name: '退款' });
      // A filter keeping no purchase (every amount is 10): no one returns; as the initial event, no cohort.
      const none = { event: 'purchase', filters: [{ property: 'amount', operator: 'gt', values: [50] }] };
      const noReturn = await t.result({ ...base(), return: none });
      expect(noReturn.tables[0]!.total.users).toBe(9);
      expect(noReturn.tables[0]!.total.values.every((v) => v === 0 || v === null)).toBe(true);
      const noCohort = await t.result({ ...base(), initial: none });
      expect(noCohort.tables[0]!.total.users).toBe(0);
    });

    it('on or after: retained at k = a return in period k or any later one, up to now', async () => {
      const body = await t.result({ ...base(), return: refund, periods: 2, mode: 'onOrAfter' });
      // d0: u2 (d0, d2) and u4 (d9) at every k. d2: u4 (d9, 7 days on) at every k; u6 never after its purchase.
      expect(body.tables[0]!.cohorts.map((c) => c.values)).toEqual([
        [2, 2, 2],
        [0, 0, 0],
        [1, 1, 1],
      ]);
      // The same event, N = 8. d0: last later purchase u1 +3, u3 +1 (and a second one on d0), u4 +2, u2 none.
      // d1: u1 +2, u5 +7, u3 none. d2: u4 and u6 never again; k8 = d10 has not started.
      const same = await t.result({ ...base(), mode: 'onOrAfter' });
      expect(same.tables[0]!.cohorts.map((c) => c.values)).toEqual([
        [3, 3, 2, 1, 0, 0, 0, 0, 0],
        [2, 2, 2, 1, 1, 1, 1, 1, 0],
        [0, 0, 0, 0, 0, 0, 0, 0, null],
      ]);
      const filtered = await t.result({
        ...base(),
        mode: 'onOrAfter',
        return: { event: 'purchase', filters: [{ property: 'amount', operator: 'gt', values: [5] }] },
      });
      expect(filtered.tables).toEqual(same.tables);
    });

    it('churned users: no return in any of periods 1..k', async () => {
      const body = await t.result({ ...base(), metric: 'churned', periods: 3 });
      expect(body.offsets).toEqual([1, 2, 3]);
      // d0: first returns u1 +1, u3 +1, u4 +2, u2 none → 2, 1, 1.
      // d1: u1 +2 (d3), u3 none, u5 +7 (beyond 3) → 3, 2, 2.  d2: u4, u6 never again → 2, 2, 2.
      expect(body.tables[0]!.cohorts.map((c) => c.values)).toEqual([
        [2, 1, 1],
        [3, 2, 2],
        [2, 2, 2],
      ]);
      expect(body.tables[0]!.total.values).toEqual([7, 5, 5]);
    });

    it('natural weeks (Monday–Sunday): the current week is not blank but not in 合计', async () => {
      const body = await t.result({ ...base(), unit: 'week', periods: 1, timeRange: between(t.d(0), t.d(6)) });
      const [cohort] = body.tables[0]!.cohorts;
      // Week of W: u1..u6 bought. k0: a second purchase that week: u1, u3, u4. k1 (now's week): u5 (d8).
      expect([cohort!.date, cohort!.users, ...cohort!.values]).toEqual([t.W, 6, 3, 1]);
      expect(body.tables[0]!.total.values).toEqual([3, null]);
      expect(body.tables[0]!.total.bases).toEqual([6, 0]);
      const month = await t.result({ ...base(), unit: 'month', periods: 1, timeRange: between(t.d(0), t.d(0)) });
      expect(month.tables[0]!.cohorts.map((c) => [c.date, c.users])).toEqual([[`${t.W.slice(0, 7)}-01`, 4]]);
    });

    it('user filters and compared groups; the HTTP route and the export', async () => {
      const shanghaiOnly = await t.result({
        ...base(),
        filters: {
          contacts: { type: 'and', conditions: [{ type: 'property', property: 'city', operator: 'eq', values: ['上海'] }] },
        },
      });
      // u1 and u3 only: d0 both (k0 u3, k1 both, k3 u1); d1 both (k2 u1).
      expect(shanghaiOnly.tables[0]!.cohorts.map((c) => [c.users, c.values[0], c.values[1], c.values[2], c.values[3]])).toEqual([
        [2, 1, 2, 0, 1],
        [2, 0, 0, 1, 0],
        [0, 0, 0, 0, 0],
      ]);

      const group = await t.staff.request('POST', '/api/v1/console/groups/static', { name: '只有u5' });
      expect(group.statusCode).toBe(201);
      const u5 = (await t.staff.request('POST', '/api/v1/console/contacts/search', { keyword: 'u5' })).body.items[0].id;
      const added = await t.staff.request('POST', `/api/v1/console/groups/${group.body.id}/members`, { contactIds: [u5] });
      expect(added.statusCode, JSON.stringify(added.body)).toBeLessThan(300);
      while ((await ctx.app.jobs.worker.poll()) > 0);
      const temporary = await t.staff.request('POST', '/api/v1/console/temporary-groups', {
        name: '北京',
        condition: { type: 'and', conditions: [{ type: 'property', property: 'city', operator: 'eq', values: ['北京'] }] },
      });
      expect(temporary.statusCode, JSON.stringify(temporary.body)).toBe(201);
      const query = {
        ...base(),
        groups: [
          { type: 'group', groupId: group.body.id },
          { type: 'temporary', temporaryGroupId: temporary.body.id },
        ],
      };
      const res = await t.staff.request('POST', RUNS, { model: 'retention', query });
      expect(res.statusCode, JSON.stringify(res.body)).toBe(200);
      const compared = res.body as RetentionReportResult;
      expect(compared.groups.map((g) => g.name)).toEqual(['只有u5', '北京']);
      // Now is the real time (weeks later): no blank cell. u5: d1 cohort, back on d8 (k7).
      expect(compared.tables.map((table) => [table.group, table.cohorts.map((c) => c.users)])).toEqual([
        [0, [0, 1, 0]],
        [1, [2, 1, 2]],
      ]);
      expect(compared.tables[0]!.cohorts[1]!.values).toEqual([0, 0, 0, 0, 0, 0, 0, 1, 0]);
      // 北京 d0: u2 u4; k2 u4 (d2 23:30).
      expect(compared.tables[1]!.cohorts[0]!.values).toEqual([0, 0, 1, 0, 0, 0, 0, 0, 0]);

      const csv = await t.staff.request('POST', EXPORTS, { model: 'retention', query: base(), format: 'csv' });
      expect(csv.statusCode).toBe(200);
      const lines = String(csv.body)
        .replace(/^\uFEFF/, '')
        .trim()
        .split('\n');
      expect(lines[0]).toBe(`初始日期,总用户,${Array.from({ length: 9 }, (_, k) => `第${k}天,第${k}天比例`).join(',')}`);
      expect(lines[1]!.startsWith('合计,9,1,0.1111,2,0.2222')).toBe(true);
      expect(lines[2]!.startsWith(`${t.d(0)},4,1,0.25,2,0.5,1,0.25`)).toBe(true);
      expect(lines).toHaveLength(5);

      // A saved report runs as itself and as a dashboard card, whose temporary range replaces the initial events' range.
      const saved = await t.staff.request('POST', '/api/v1/console/reports', {
        model: 'retention',
        name: '次日留存',
        query: base(),
      });
      expect(saved.statusCode, JSON.stringify(saved.body)).toBe(201);
      const rerun = await t.staff.request('POST', `/api/v1/console/reports/${saved.body.id}/run`, {});
      expect(rerun.statusCode, JSON.stringify(rerun.body)).toBe(200);
      expect(rerun.body.tables[0].cohorts.map((c: { users: number }) => c.users)).toEqual([4, 3, 2]);
      const board = await t.staff.request('POST', '/api/v1/console/dashboards', { name: '留存看板' });
      expect(board.statusCode, JSON.stringify(board.body)).toBe(201);
      const card = await t.staff.request('POST', `/api/v1/console/dashboards/${board.body.id}/cards`, {
        reportId: saved.body.id,
      });
      expect(card.statusCode, JSON.stringify(card.body)).toBe(201);
      const cardRun = await t.staff.request('POST', `/api/v1/console/dashboards/${board.body.id}/cards/${card.body.id}/run`, {
        timeRange: between(t.d(1), t.d(1)),
      });
      expect(cardRun.statusCode, JSON.stringify(cardRun.body)).toBe(200);
      expect([
        cardRun.body.kind,
        cardRun.body.tables[0].cohorts.map((c: { date: string; users: number }) => [c.date, c.users]),
      ]).toEqual(['retention', [[t.d(1), 3]]]);
    });

    it('names each problem’s path: unknown events, too many periods', async () => {
      const unknown = await t.staff.request('POST', RUNS, {
        model: 'retention',
        query: { ...base(), initial: { event: 'nope' } },
      });
      expect([unknown.statusCode, unknown.body.code]).toEqual([400, 'report_query_invalid']);
      expect(unknown.body.details.map((p: { path: string; code: string }) => `${p.path} ${p.code}`)).toEqual([
        'initial.event condition_event_unknown',
      ]);
      const tooMany = await t.staff.request('POST', RUNS, { model: 'retention', query: { ...base(), periods: 31 } });
      expect([tooMany.statusCode, tooMany.body.details[0].path]).toEqual([400, 'periods']);
      const weeks = await t.staff.request('POST', RUNS, { model: 'retention', query: { ...base(), unit: 'week', periods: 13 } });
      expect([weeks.statusCode, weeks.body.details[0].path]).toEqual([400, 'periods']);
    });
  },
  { plugins: firstPartyPlugins },
);
