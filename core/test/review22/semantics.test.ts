import { beforeAll, expect, it } from 'vitest';
import { ZonedClock } from '../../src/lib/zoned-clock.js';
import { ingestTenant } from '../ingestion/support.js';
import { firstPartyPlugins } from '../support/plugins.js';
import { describeEngines } from '../support/test-app.js';
import { RUNS, addDays } from '../reports/support.js';

const ZONE = 'Asia/Shanghai';
/** The instant of a Shanghai wall-clock time `HH:mm:ss.SSS` on `date`, ISO. */
const at = (date: string, time: string) => new Date(Date.parse(`${date}T${time}+08:00`)).toISOString();
const between = (from: string, to: string) => ({ kind: 'between', from, to });
/** A user filter keeping the contacts named so (each fixture user is named by its id). */
const only = (...names: string[]) => ({
  contacts: { type: 'and', conditions: [{ type: 'property', property: 'name', operator: 'eq', values: names }] },
});

describeEngines(
  'review 22: semantics of the analysis models on hand-checked fixtures',
  (ctx) => {
    let t: Awaited<ReturnType<typeof ingestTenant>>;
    let D: string; // a Sunday 14–20 days ago (Shanghai)
    let today: string;

    async function run(model: string, query: Record<string, unknown>) {
      const res = await t.staff.request('POST', RUNS, { model, query });
      expect(res.statusCode, `${model}: ${JSON.stringify(res.body).slice(0, 500)}`).toBe(200);
      return res.body;
    }
    async function stepUsers(query: Record<string, unknown>) {
      const body = await run('funnel', { window: { unit: 'day', value: 1 }, timeRange: between(D, addDays(D, 2)), ...query });
      return (body.funnels[0].steps as { users: number }[]).map((s) => s.users);
    }

    beforeAll(async () => {
      t = await ingestTenant(ctx.app, { timeZone: ZONE });
      for (const code of ['a', 'b', 'c', 'pay']) {
        const res = await t.staff.request('POST', '/api/v1/metadata/event-types', {
          channelId: t.channelId,
          code,
          name: `事件${code}`,
          properties: [{ code: 'v', name: '值', type: 'number' }],
        });
        expect(res.statusCode, JSON.stringify(res.body)).toBe(201);
      }
      today = new ZonedClock(ZONE).localDate(Date.now());
      const weekday = new Date(`${today}T00:00:00Z`).getUTCDay();
      D = addDays(today, -(14 + weekday));
      const D1 = addDays(D, 1);
      const D2 = addDays(D, 2);
      const ev = (userId: string, event: string, timestamp: string, v = 0) => ({
        type: 'track',
        userId,
        event,
        properties: { v },
        timestamp,
      });
      const now = Date.now();
      const users = [
        'f-same',
        'f-one',
        'f-h-in',
        'f-h-out',
        'f-d-in',
        'f-d-out',
        'f-wr',
        'f-best',
        'r-before',
        'r-churn',
        'r-week',
        'r-today',
        'd-2',
        'd-3',
        'l-before',
        'l-roll',
        'l-now',
      ];
      const batch = [
        ...users.map((userId) => ({ type: 'identify', userId, traits: { name: userId } })),
        // Funnel.
        ev('f-same', 'a', at(D, '10:00:00.900')),
        ev('f-same', 'b', at(D, '10:00:00.100')),
        ev('f-one', 'a', at(D, '10:00:00.000')),
        ev('f-h-in', 'a', at(D, '10:00:00.000')),
        ev('f-h-in', 'b', at(D, '11:00:00.000')),
        ev('f-h-out', 'a', at(D, '10:00:00.000')),
        ev('f-h-out', 'b', at(D, '11:00:01.000')),
        ev('f-d-in', 'a', at(D, '23:59:00.000')),
        ev('f-d-in', 'b', at(D1, '00:01:00.000')),
        ev('f-d-out', 'a', at(D, '00:01:00.000')),
        ev('f-d-out', 'b', at(D2, '00:00:00.000')),
        ev('f-wr', 'a', at(D, '23:00:00.000')),
        ev('f-wr', 'b', at(D1, '01:00:00.000')),
        ev('f-best', 'a', at(D, '10:00:00.000')),
        ev('f-best', 'b', at(D, '10:30:00.000')),
        ev('f-best', 'a', at(D, '12:00:00.000')),
        ev('f-best', 'b', at(D, '12:10:00.000')),
        ev('f-best', 'c', at(D, '12:20:00.000')),
        // Retention.
        ev('r-before', 'b', at(D, '08:00:00.000')),
        ev('r-before', 'a', at(D, '09:00:00.000')),
        ev('r-churn', 'a', at(D, '10:00:00.000')),
        ev('r-churn', 'b', at(D2, '10:00:00.000')),
        ev('r-week', 'a', at(D, '23:30:00.000')),
        ev('r-week', 'b', at(D1, '00:10:00.000')),
        ev('r-today', 'a', new Date(now - 120_000).toISOString()),
        ev('r-today', 'b', new Date(now - 60_000).toISOString()),
        // Distribution: c per user on D+1 (f-best has one c on D).
        ev('d-2', 'c', at(D1, '10:00:00.000')),
        ev('d-2', 'c', at(D1, '11:00:00.000')),
        ev('d-3', 'c', at(D1, '10:00:00.000')),
        ev('d-3', 'c', at(D1, '11:00:00.000')),
        ev('d-3', 'c', at(D1, '12:00:00.000')),
        // LTV (initial a, revenue pay.v).
        ev('l-before', 'pay', at(D, '09:00:00.000'), 50),
        ev('l-before', 'a', at(D, '10:00:00.000')),
        ev('l-before', 'pay', at(D, '11:00:00.000'), 30),
        ev('l-roll', 'a', at(D, '20:00:00.000')),
        ev('l-roll', 'pay', at(D1, '10:00:00.000'), 7),
        ev('l-now', 'a', new Date(now - 120_000).toISOString()),
        ev('l-now', 'pay', new Date(now - 60_000).toISOString(), 5),
      ];
      const sent = await t.collect('batch', { batch });
      expect(sent.statusCode, JSON.stringify(sent.body)).toBe(200);
      await t.drain();
    });

    const ab = [{ event: 'a' }, { event: 'b' }];

    it('R22-16: funnel — two events in the same second are in order (b 0.8 s before a in the same second converts)', async () => {
      expect(await stepUsers({ steps: ab, filters: only('f-same') })).toEqual([1, 1]);
    });

    it('R22-17: funnel — one event instance never fills two steps (a → a with a single a)', async () => {
      expect(await stepUsers({ steps: [{ event: 'a' }, { event: 'a' }], filters: only('f-one') })).toEqual([1, 0]);
    });

    it('R22-18: funnel — "1 hour" is elapsed ≤ 1 h inclusive (exactly 1 h converts, 1 h 1 s does not)', async () => {
      const hour = { unit: 'hour', value: 1 };
      expect(await stepUsers({ steps: ab, window: hour, filters: only('f-h-in') })).toEqual([1, 1]);
      expect(await stepUsers({ steps: ab, window: hour, filters: only('f-h-out') })).toEqual([1, 0]);
    });

    it('R22-19: funnel — "1 day" is a calendar-date difference ≤ 1 (23:59 → next 00:01 converts; 00:01 → D+2 00:00 does not)', async () => {
      expect(await stepUsers({ steps: ab, filters: only('f-d-in') })).toEqual([1, 1]);
      expect(await stepUsers({ steps: ab, filters: only('f-d-out') })).toEqual([1, 0]);
      expect(await stepUsers({ steps: ab, window: { unit: 'day', value: 2 }, filters: only('f-d-out') })).toEqual([1, 1]);
    });

    it('R22-20: funnel — 限制窗口期在时间区间内 cuts a later step outside the range', async () => {
      const range = between(D, D);
      expect(await stepUsers({ steps: ab, timeRange: range, filters: only('f-wr') })).toEqual([1, 1]);
      expect(await stepUsers({ steps: ab, timeRange: range, windowWithinRange: true, filters: only('f-wr') })).toEqual([1, 0]);
    });

    it('R22-21: funnel — the level is the best over every anchor (the second a reaches step 3); its median times follow that chain', async () => {
      const body = await run('funnel', {
        steps: [{ event: 'a' }, { event: 'b' }, { event: 'c' }],
        window: { unit: 'hour', value: 1 },
        timeRange: between(D, D),
        filters: only('f-best'),
      });
      const steps = body.funnels[0].steps as { users: number; medianSeconds: number | null }[];
      expect(steps.map((s) => s.users)).toEqual([1, 1, 1]);
      expect(steps.map((s) => s.medianSeconds)).toEqual([null, 600, 600]);
    });

    const retention = (query: Record<string, unknown>) =>
      run('retention', {
        initial: { event: 'a' },
        return: { event: 'b' },
        unit: 'day',
        periods: 2,
        timeRange: between(D, D),
        ...query,
      });

    it('R22-22: retention — k = 0 needs a return at or after the first initial event, another instance', async () => {
      const before = await retention({ filters: only('r-before') });
      expect(before.tables[0].cohorts[0]).toMatchObject({ date: D, users: 1 });
      expect(before.tables[0].cohorts[0].values[0]).toBe(0);
      // initial = return = a, a single a: not retained on day 0.
      const same = await retention({ return: { event: 'a' }, filters: only('f-one') });
      expect(same.tables[0].cohorts[0].values[0]).toBe(0);
    });

    it('R22-23: retention — churned at k = no return in any of periods 1..k', async () => {
      const retained = await retention({ filters: only('r-churn') });
      expect(retained.tables[0].cohorts[0].values).toEqual([0, 0, 1]);
      const churned = await retention({ metric: 'churned', filters: only('r-churn') });
      expect(churned.offsets).toEqual([1, 2]);
      expect(churned.tables[0].cohorts[0].values).toEqual([1, 0]);
    });

    it('R22-24: retention — weeks run Monday–Sunday in Asia/Shanghai (Sunday 23:30 and Monday 00:10 are different weeks)', async () => {
      const body = await retention({ unit: 'week', periods: 1, filters: only('r-week') });
      const cohort = body.tables[0].cohorts[0];
      expect(cohort.date).toBe(addDays(D, -6));
      expect(cohort.values).toEqual([0, 1]);
    });

    it('R22-25: retention — cells after now are blank (null), today’s k = 0 counted', async () => {
      const body = await retention({ timeRange: between(today, today), filters: only('r-today') });
      const cohort = body.tables[0].cohorts[0];
      expect(cohort.values).toEqual([1, null, null]);
      expect(cohort.rates[1]).toBeNull();
    });

    it('R22-26: distribution — intervals are [a, b): a count exactly on a boundary falls in the interval it opens', async () => {
      const body = await run('distribution', {
        metric: { event: 'c', aggregate: 'count' },
        intervals: { mode: 'custom', boundaries: [2, 3] },
        timeRange: between(D, addDays(D, 2)),
      });
      expect(body.intervals.map((i: { from: number | null; to: number | null }) => [i.from, i.to])).toEqual([
        [null, 2],
        [2, 3],
        [3, null],
      ]);
      expect(body.series[0].users).toEqual([1, 1, 1]);
      expect(body.series[0].total).toBe(3);
    });

    const ltv = (query: Record<string, unknown>) =>
      run('ltv', {
        initial: { kind: 'event', event: 'a' },
        revenue: { event: 'pay', aggregate: 'sum', property: 'v' },
        timeRange: between(D, D),
        unit: 'day',
        periods: 2,
        ...query,
      });
    const cohortRow = (body: { rows: { cohort: string | null }[] }, cohort: string) => {
      const row = body.rows.find((r) => r.cohort === cohort);
      expect(row, JSON.stringify(body.rows)).toBeDefined();
      return row as unknown as { values: Record<string, (number | null)[]>; initialUsers: number; payingUsers: number };
    };

    it('R22-27: LTV — revenue before the initial moment is not counted; values are cumulative', async () => {
      const row = cohortRow(await ltv({ filters: only('l-before') }), D);
      expect(row.initialUsers).toBe(1);
      expect(row.values.sum).toEqual([30, 30, 30]);
    });

    it('R22-28: LTV — calendar days by default, rolling 24 h as an option', async () => {
      expect(cohortRow(await ltv({ filters: only('l-roll') }), D).values.sum).toEqual([0, 7, 7]);
      expect(cohortRow(await ltv({ rolling24h: true, filters: only('l-roll') }), D).values.sum).toEqual([7, 7, 7]);
    });

    it('R22-29: LTV — future periods are blank', async () => {
      const row = cohortRow(await ltv({ timeRange: between(today, today), periods: 3, filters: only('l-now') }), today);
      expect(row.values.sum).toEqual([5, null, null, null]);
    });
  },
  { plugins: firstPartyPlugins },
);
