import { beforeAll, expect, it } from 'vitest';
import { firstPartyPlugins } from '../support/plugins.js';
import { Client, describeEngines } from '../support/test-app.js';
import { RUNS, addDays, reportsTenant } from '../reports/support.js';

const range = { kind: 'past', days: 30, includeToday: true };
const models = (timeRange: unknown, filters: unknown[] = []): [string, Record<string, unknown>][] => [
  ['funnel', { steps: [{ event: 'purchase', filters }, { event: 'purchase' }], window: { unit: 'day', value: 7 }, timeRange }],
  ['retention', { initial: { event: 'purchase', filters }, return: { event: 'purchase' }, unit: 'day', periods: 7, timeRange }],
  ['distribution', { metric: { event: 'purchase', aggregate: 'count', filters }, intervals: { mode: 'default' }, timeRange }],
  [
    'ltv',
    {
      initial: { kind: 'event', event: 'purchase', filters },
      revenue: { event: 'purchase', aggregate: 'sum', property: 'amount' },
      timeRange,
      unit: 'day',
      periods: 7,
    },
  ],
];

describeEngines(
  'review 22: more attacks — odd time ranges, typed filters, another staff member’s temporary group',
  (ctx) => {
    let t: Awaited<ReturnType<typeof reportsTenant>>;
    beforeAll(async () => {
      t = await reportsTenant(ctx.app);
    });

    async function notServerError(model: string, query: Record<string, unknown>, expected?: number) {
      const res = await t.staff.request('POST', RUNS, { model, query });
      const label = `${model} ${JSON.stringify(query).slice(0, 250)} → ${res.statusCode} ${JSON.stringify(res.body).slice(0, 300)}`;
      expect(res.statusCode, label).toBeLessThan(500);
      if (expected) expect(res.statusCode, label).toBe(expected);
      if (res.statusCode === 400) expect(typeof res.body.code, label).toBe('string');
      return res;
    }

    it('R22-35: odd time ranges — reversed, impossible dates, a billion days back, negative days — are 400, never 500', async () => {
      const ranges = [
        { kind: 'between', from: t.today, to: addDays(t.today, -10) },
        { kind: 'between', from: '2026-02-30', to: '2026-03-01' },
        { kind: 'between', from: 'yesterday', to: 'today' },
        { kind: 'past', days: 1_000_000_000, includeToday: true },
        { kind: 'past', days: -5, includeToday: true },
      ];
      const wrong: string[] = [];
      for (const timeRange of ranges)
        for (const [model, query] of models(timeRange)) {
          const res = await t.staff.request('POST', RUNS, { model, query });
          if (res.statusCode !== 400 || typeof res.body.code !== 'string')
            wrong.push(`${model} ${JSON.stringify(timeRange)} → ${res.statusCode} ${res.body.code}`);
        }
      expect(wrong).toEqual([]);
    });

    it('R22-42: a well-formed range at the calendar’s ends (0001-01-01 … 9999-12-31) answers 200 or a coded 400, never 500', async () => {
      const wrong: string[] = [];
      for (const [model, query] of models({ kind: 'between', from: '0001-01-01', to: '9999-12-31' })) {
        const res = await t.staff.request('POST', RUNS, { model, query });
        if (res.statusCode >= 500 || (res.statusCode === 400 && typeof res.body.code !== 'string'))
          wrong.push(`${model} → ${res.statusCode} ${res.body.code}`);
      }
      expect(wrong).toEqual([]);
    });

    it('R22-36: a filter whose value does not fit its property (amount > "abc", sku in 10 000 values) is 400 or data, never 500', async () => {
      const filterSets = [
        [{ property: 'amount', operator: 'gt', values: ['abc'] }],
        [{ property: 'amount', operator: 'eq', values: [{ $ne: 1 }] }],
        [{ property: 'sku', operator: 'eq', values: Array.from({ length: 10_000 }, (_, i) => `v${i}`) }],
        [{ property: 'sku', operator: 'contains', values: ["%' OR 1=1 --"] }],
      ];
      for (const filters of filterSets)
        for (const [model, query] of models(range, filters)) {
          const res = await notServerError(model, query);
          // The LIKE-looking value matches nothing (no sku contains it).
          if (filters[0]!.operator === 'contains' && res.statusCode === 200 && model === 'funnel')
            expect(res.body.funnels[0].steps[0].users).toBe(0);
        }
    });

    it('R22-37: another staff member’s temporary group (临时群组 are per staff) is 404 or 400 in a report query', async () => {
      const temporary = await t.staff.request('POST', '/api/v1/console/temporary-groups', {
        name: '私人临时群组',
        condition: { type: 'and', conditions: [{ type: 'property', property: 'city', operator: 'eq', values: ['上海'] }] },
      });
      expect(temporary.statusCode, JSON.stringify(temporary.body)).toBe(201);
      const role = await t.staff.request('POST', '/api/v1/roles', {
        name: 'r22-analyst',
        permissions: ['reports.view', 'reports.edit', 'groups.view'],
      });
      expect(role.statusCode, JSON.stringify(role.body)).toBe(201);
      const email = `r22.analyst.${process.pid}.${Date.now()}@example.com`;
      const created = await t.staff.request('POST', '/api/v1/staff', {
        email,
        name: '分析师',
        password: 'Member-pass-1',
        roleIds: [role.body.id],
      });
      expect(created.statusCode, JSON.stringify(created.body)).toBe(201);
      const other = await Client.staff(ctx.app.server, email, 'Member-pass-1');
      for (const [model, query] of models(range)) {
        const res = await other.request('POST', RUNS, {
          model,
          query: { ...query, groups: [{ type: 'temporary', temporaryGroupId: temporary.body.id }] },
        });
        expect([400, 404], `${model}: ${res.statusCode} ${JSON.stringify(res.body).slice(0, 300)}`).toContain(res.statusCode);
      }
    });

    it('R22-39: "two events in the same second count as in order" (issue 22, all models): retention k = 0 and LTV day 0 take a same-second event 0.8 s earlier', async () => {
      const day = addDays(t.D, 3);
      const at = (time: string) => new Date(Date.parse(`${day}T${time}+08:00`)).toISOString();
      const sent = await t.collect('batch', {
        batch: [
          { type: 'identify', userId: 's-1', traits: { name: 's-1' } },
          { type: 'identify', userId: 's-2', traits: { name: 's-2' } },
          // s-1: returns (refund) 0.8 s before the initial purchase, in the same second.
          { type: 'track', userId: 's-1', event: 'refund', properties: { amount: 1 }, timestamp: at('10:00:00.100') },
          { type: 'track', userId: 's-1', event: 'purchase', properties: { amount: 1, sku: 's' }, timestamp: at('10:00:00.900') },
          // s-2: pays 9 (purchase) 0.8 s before its initial event (refund), in the same second.
          { type: 'track', userId: 's-2', event: 'purchase', properties: { amount: 9, sku: 's' }, timestamp: at('11:00:00.100') },
          { type: 'track', userId: 's-2', event: 'refund', properties: { amount: 1 }, timestamp: at('11:00:00.900') },
        ],
      });
      expect(sent.statusCode).toBe(200);
      await t.drain();
      const only = (name: string) => ({
        contacts: { type: 'and', conditions: [{ type: 'property', property: 'name', operator: 'eq', values: [name] }] },
      });
      const timeRange = { kind: 'between', from: day, to: day };
      // The funnel already follows the rule: refund → purchase converts.
      const reversed = await t.staff.request('POST', RUNS, {
        model: 'funnel',
        query: { steps: [{ event: 'purchase' }, { event: 'refund' }], timeRange, filters: only('s-1') },
      });
      expect(reversed.body.funnels[0].steps.map((x: { users: number }) => x.users)).toEqual([1, 1]);
      const retention = await t.staff.request('POST', RUNS, {
        model: 'retention',
        query: {
          initial: { event: 'purchase' },
          return: { event: 'refund' },
          unit: 'day',
          periods: 1,
          timeRange,
          filters: only('s-1'),
        },
      });
      expect(retention.statusCode, JSON.stringify(retention.body).slice(0, 300)).toBe(200);
      const ltv = await t.staff.request('POST', RUNS, {
        model: 'ltv',
        query: {
          initial: { kind: 'event', event: 'refund' },
          revenue: { event: 'purchase', aggregate: 'sum', property: 'amount' },
          timeRange,
          unit: 'day',
          periods: 1,
          filters: only('s-2'),
        },
      });
      expect(ltv.statusCode, JSON.stringify(ltv.body).slice(0, 300)).toBe(200);
      const row = ltv.body.rows.find((r: { cohort: string | null }) => r.cohort === day);
      expect({
        retentionK0: retention.body.tables[0].cohorts[0].values[0],
        ltvDay0: row?.values.sum[0],
      }).toEqual({ retentionK0: 1, ltvDay0: 9 });
    });

    it('R22-40: a saved analysis report and its dashboard card run with an impossible temporary time range are 400, never 500', async () => {
      const saved = await t.staff.request('POST', '/api/v1/console/reports', {
        model: 'funnel',
        name: 'r22 漏斗',
        query: models(range)[0]![1],
      });
      expect(saved.statusCode, JSON.stringify(saved.body)).toBe(201);
      const folder = await t.staff.request('POST', '/api/v1/console/dashboard-folders', { name: 'r22' });
      const dash = await t.staff.request('POST', '/api/v1/console/dashboards', { name: 'r22', folderId: folder.body.id });
      expect(dash.statusCode, JSON.stringify(dash.body)).toBe(201);
      const card = await t.staff.request('POST', `/api/v1/console/dashboards/${dash.body.id}/cards`, { reportId: saved.body.id });
      expect(card.statusCode, JSON.stringify(card.body)).toBe(201);
      const impossible = { kind: 'between', from: '2026-02-30', to: '2026-03-01' };
      const ran = await t.staff.request('POST', `/api/v1/console/reports/${saved.body.id}/run`, { timeRange: impossible });
      const cardRan = await t.staff.request('POST', `/api/v1/console/dashboards/${dash.body.id}/cards/${card.body.id}/run`, {
        timeRange: impossible,
      });
      expect([ran.statusCode, cardRan.statusCode]).toEqual([400, 400]);
    });

    it('R22-41: a saved report comparing a group that is then deleted: the deletion is refused (in use) or the run is a coded 4xx', async () => {
      const folders = await t.staff.request('GET', '/api/v1/console/group-folders');
      let folderId = folders.body.items?.[0]?.id;
      if (!folderId) folderId = (await t.staff.request('POST', '/api/v1/console/group-folders', { name: 'r22' })).body.id;
      const group = await t.staff.request('POST', '/api/v1/console/groups/static', { name: 'r22 静态', folderId });
      expect(group.statusCode, JSON.stringify(group.body)).toBe(201);
      for (const [model, query] of models(range)) {
        const saved = await t.staff.request('POST', '/api/v1/console/reports', {
          model,
          name: `r22 ${model} 群组`,
          query: { ...query, groups: [{ type: 'group', groupId: group.body.id }] },
        });
        expect(saved.statusCode, `${model}: ${JSON.stringify(saved.body).slice(0, 300)}`).toBe(201);
      }
      const deleted = await t.staff.request('DELETE', `/api/v1/console/groups/${group.body.id}`);
      if (deleted.statusCode === 204) {
        const list = await t.staff.request('GET', '/api/v1/console/reports');
        for (const report of list.body.items.filter((r: { name: string }) => r.name.endsWith(' 群组'))) {
          const ran = await t.staff.request('POST', `/api/v1/console/reports/${report.id}/run`, {});
          expect([400, 404], `${report.name}: ${ran.statusCode} ${JSON.stringify(ran.body).slice(0, 200)}`).toContain(
            ran.statusCode,
          );
          expect(typeof ran.body.code).toBe('string');
        }
      } else expect(deleted.statusCode, JSON.stringify(deleted.body)).toBe(409);
    });

    it('R22-43: a dimension value that reads 总体 or (空) (sent by an SDK) is told apart from the all-users funnel and from no value in the export', async () => {
      const day = addDays(t.D, 5);
      const at = (time: string) => new Date(Date.parse(`${day}T${time}+08:00`)).toISOString();
      const sent = await t.collect('batch', {
        batch: [
          {
            type: 'track',
            userId: 'u-1',
            event: 'purchase',
            properties: { amount: 1, sku: '总体' },
            timestamp: at('10:00:00.000'),
          },
          {
            type: 'track',
            userId: 'u-2',
            event: 'purchase',
            properties: { amount: 1, sku: '(空)' },
            timestamp: at('10:00:00.000'),
          },
          { type: 'track', userId: 'u-3', event: 'purchase', properties: { amount: 1 }, timestamp: at('10:00:00.000') },
        ],
      });
      expect(sent.statusCode).toBe(200);
      await t.drain();
      const res = await t.staff.request('POST', '/api/v1/console/report-exports', {
        model: 'funnel',
        format: 'csv',
        query: {
          steps: [{ event: 'purchase' }, { event: 'refund' }],
          dimension: { kind: 'eventProperty', property: 'sku' },
          timeRange: { kind: 'between', from: day, to: day },
        },
      });
      expect(res.statusCode).toBe(200);
      const firstCells = String(res.body)
        .replace(/^\uFEFF/, '')
        .trim()
        .split(/\r?\n/)
        .slice(1)
        .map((line) => line.split(',')[0]);
      // 2 steps × (all users, 总体, (空), no value): four distinct labels, two rows each.
      const counts = new Map<string, number>();
      for (const cell of firstCells) counts.set(cell!, (counts.get(cell!) ?? 0) + 1);
      expect([...counts.values()], JSON.stringify([...counts])).toEqual([2, 2, 2, 2]);
    });

    it('R22-38: distribution max / min of a string property is 400 report_metric_invalid, distinct of it is fine', async () => {
      for (const aggregate of ['max', 'min']) {
        const res = await t.staff.request('POST', RUNS, {
          model: 'distribution',
          query: { metric: { event: 'purchase', aggregate, property: 'sku' }, intervals: { mode: 'default' }, timeRange: range },
        });
        expect(res.statusCode, `${aggregate}: ${JSON.stringify(res.body).slice(0, 300)}`).toBe(400);
        expect(res.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'metric.property' })]));
      }
      const distinct = await t.staff.request('POST', RUNS, {
        model: 'distribution',
        query: {
          metric: { event: 'purchase', aggregate: 'distinct', property: 'sku' },
          intervals: { mode: 'default' },
          timeRange: range,
        },
      });
      expect(distinct.statusCode, JSON.stringify(distinct.body).slice(0, 300)).toBe(200);
    });
  },
  { plugins: firstPartyPlugins },
);
