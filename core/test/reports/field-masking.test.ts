import { beforeAll, expect, it } from 'vitest';
import { firstPartyPlugins } from '../support/plugins.js';
import { Client, describeEngines } from '../support/test-app.js';
import { staffWithRole } from '../staff/support.js';
import { EXPORTS, RUNS, addDays, purchaseMetric, reportsTenant, shanghai } from './support.js';

const REPORTS = '/api/v1/console/reports';
const DASHBOARDS = '/api/v1/console/dashboards';
const CELL_GROUPS = '/api/v1/console/report-cell-groups';
const between = (from: string, to: string) => ({ kind: 'between', from, to });
const cityIs = (city: string) => ({
  contacts: { type: 'and', conditions: [{ type: 'property', property: 'city', operator: 'eq', values: [city] }] },
});
const byCity = { kind: 'contactProperty', property: 'city' };

/**
 * 字段脱敏 in reports (ADR 0069). The tenant of reports/support.ts (u-1 上海, u-2 北京, u-3 上海, u-4
 * 广州) masks 城市 (`city`) and the custom field 积分 (`attr1`); 省份 (`state`) is masked only by the
 * profile's test. A normal staff member without 联系人不脱敏 ("masked") may neither group, filter nor
 * measure by a masked field in any model — run, export, 保存为群组, saved report, dashboard card — and
 * is refused with 403 `report_field_masked` before the per-tenant cache is read; one holding
 * contacts.unmasked ("clear") and super staff get the values.
 */
describeEngines(
  'reports: masked contact fields are neither shown nor selected by for masked staff (ADR 0069)',
  (ctx) => {
    let t: Awaited<ReturnType<typeof reportsTenant>>;
    let masked: Client;
    let clear: Client;
    let range: { kind: string; from: string; to: string };

    const staffWith = (name: string, permissions: string[]) => staffWithRole(ctx.app, t.staff, name, permissions);
    const mask = async (key: string, on = true) => {
      const res = await t.staff.request('PUT', `/api/v1/contact-field-masks/${key}`, { masked: on });
      expect(res.statusCode, JSON.stringify(res.body)).toBe(200);
    };
    const expectRefused = (res: { statusCode: number; body: unknown }, field: string) => {
      expect(res.statusCode, JSON.stringify(res.body)).toBe(403);
      const body = res.body as { code: string; message: string; params?: { field?: string } };
      expect(body.code).toBe('report_field_masked');
      expect(body.message).toContain(field);
      // Nothing of the values: the refusal comes before anything is computed.
      for (const value of ['上海', '北京', '广州']) expect(JSON.stringify(res.body)).not.toContain(value);
    };

    beforeAll(async () => {
      t = await reportsTenant(ctx.app);
      range = between(t.D, addDays(t.D, 7));
      const points = await t.staff.request('POST', '/api/v1/metadata/contact-fields', { name: '积分', type: 'integer' });
      expect(points.statusCode, JSON.stringify(points.body)).toBe(201);
      expect(points.body.key).toBe('attr1');
      const sent = await t.collect('batch', {
        batch: [
          ['u-1', '上海', 100],
          ['u-2', '北京', 20],
          ['u-3', '上海', 30],
          ['u-4', '广东', 50],
        ].map(([userId, state, attr1]) => ({
          type: 'identify',
          userId,
          traits: { state, props: { attr1 } },
          timestamp: shanghai(t.D, '08:00'),
        })),
      });
      expect(sent.statusCode, JSON.stringify(sent.body)).toBe(200);
      await t.drain();
      await mask('city');
      await mask('attr1');
      masked = await staffWith('masked-analyst', [
        'reports.view',
        'reports.edit',
        'contacts.view',
        'dashboards.view',
        'dashboardFolders.view',
        'groups.view',
        'groups.edit',
        'groupFolders.view',
      ]);
      clear = await staffWith('clear-analyst', [
        'reports.view',
        'reports.edit',
        'contacts.view',
        'contacts.unmasked',
        'dashboards.view',
        'dashboardFolders.view',
        'groups.view',
        'groups.edit',
        'groupFolders.view',
      ]);
    }, 120_000);

    /** Per model: a question using 城市 (grouped by or filtered on), and the same question without it. */
    const cases = (range: unknown): [string, string, Record<string, unknown>, Record<string, unknown>][] => {
      const event = {
        metrics: [purchaseMetric('A', 'count')],
        timeRange: range,
        granularity: 'total',
        chart: 'table',
      };
      const funnel = { steps: [{ event: 'purchase' }, { event: 'refund' }], window: { unit: 'day', value: 7 }, timeRange: range };
      const retention = {
        initial: { event: 'purchase' },
        return: { event: 'purchase' },
        unit: 'day',
        periods: 3,
        timeRange: range,
      };
      const distribution = {
        metric: { event: 'purchase', aggregate: 'count' },
        intervals: { mode: 'default' },
        timeRange: range,
      };
      const ltv = {
        initial: { kind: 'event', event: 'purchase' },
        revenue: { event: 'purchase', aggregate: 'sum', property: 'amount' },
        timeRange: range,
        unit: 'day',
        periods: 3,
      };
      const attribution = {
        target: { event: 'refund' },
        touches: [{ event: 'purchase' }],
        windowDays: 1,
        attributionModel: 'last',
        directConversions: true,
        metric: { aggregate: 'count' },
        timeRange: range,
      };
      const path = {
        events: [{ event: 'purchase' }, { event: 'refund' }],
        anchor: { kind: 'start', event: 0 },
        timeRange: range,
      };
      return [
        [
          'event',
          'a contact-property dimension',
          { ...event, dimensions: [byCity] },
          { ...event, dimensions: [{ kind: 'eventProperty', property: 'sku' }] },
        ],
        ['event', 'the user filter', { ...event, filters: cityIs('上海') }, event],
        ['funnel', 'a contact-property dimension', { ...funnel, dimension: byCity }, funnel],
        ['retention', 'the user filter', { ...retention, filters: cityIs('上海') }, retention],
        ['distribution', 'a contact-property dimension', { ...distribution, dimension: byCity }, distribution],
        ['ltv', 'a contact-property dimension', { ...ltv, dimensions: [byCity] }, ltv],
        ['ltv', 'the user filter', { ...ltv, filters: cityIs('上海') }, ltv],
        [
          'user',
          'a contact-property dimension',
          { metrics: [{ aggregate: 'users' }], dimensions: [byCity] },
          { metrics: [{ aggregate: 'users' }] },
        ],
        [
          'user',
          'a distinct count of it',
          { metrics: [{ aggregate: 'distinct', property: 'city' }] },
          { metrics: [{ aggregate: 'users' }] },
        ],
        ['attribution', 'the user filter', { ...attribution, filters: cityIs('北京') }, attribution],
        ['path', 'the user filter', { ...path, filters: cityIs('上海') }, path],
      ];
    };

    // The questions are built in the test, once the tenant's dates are known.
    it.each(cases(null).map(([model, what], index) => [`${model}: ${what}`, index] as const))(
      '%s — refused for masked staff (run and export), answered without the field and for unmasked staff',
      async (_name, index) => {
        const [model, , using, without] = cases(range)[index]!;
        expectRefused(await masked.request('POST', RUNS, { model, query: using }), '城市');
        expectRefused(await masked.request('POST', EXPORTS, { model, query: using, format: 'csv' }), '城市');
        const plain = await masked.request('POST', RUNS, { model, query: without });
        expect(plain.statusCode, JSON.stringify(plain.body)).toBe(200);
        for (const asker of [clear, t.staff]) {
          const seen = await asker.request('POST', RUNS, { model, query: using });
          expect(seen.statusCode, JSON.stringify(seen.body)).toBe(200);
        }
      },
    );

    it('the condition catalogue of the pickers flags the masked fields for masked staff only, per request', async () => {
      const flagged = async (asker: Client) => {
        const res = await asker.request('GET', '/api/v1/conditions/catalogue');
        expect(res.statusCode, JSON.stringify(res.body)).toBe(200);
        return (res.body.contactProperties as { key: string; masked?: true }[])
          .filter((p) => p.masked)
          .map((p) => p.key)
          .sort();
      };
      expect(await flagged(masked)).toEqual(['attr1', 'city']);
      expect(await flagged(clear)).toEqual([]);
      expect(await flagged(t.staff)).toEqual([]);
      await mask('city', false);
      try {
        expect(await flagged(masked)).toEqual(['attr1']);
      } finally {
        await mask('city');
      }
    });

    it('unmasked staff and super staff see the masked dimension’s values in clear; the cache does not hand them to masked staff', async () => {
      const query = {
        metrics: [purchaseMetric('A', 'count')],
        dimensions: [byCity],
        timeRange: range,
        granularity: 'total',
        chart: 'table',
      };
      const first = await t.staff.request('POST', RUNS, { model: 'event', query });
      expect(first.statusCode, JSON.stringify(first.body)).toBe(200);
      expect(first.body.series.map((s: { dimensions: string[] }) => s.dimensions[0]).sort()).toEqual(['上海', '北京']);
      const again = await clear.request('POST', RUNS, { model: 'event', query });
      expect([again.statusCode, again.body.cached]).toEqual([200, true]);
      expect(JSON.stringify(again.body)).toContain('上海');
      // The answer is in the tenant's cache now: the masked asker is refused all the same.
      expectRefused(await masked.request('POST', RUNS, { model: 'event', query }), '城市');
      // The 用户分析 table's values too.
      const users = await clear.request('POST', RUNS, {
        model: 'user',
        query: { metrics: [{ aggregate: 'users' }], dimensions: [byCity] },
      });
      expect(users.statusCode, JSON.stringify(users.body)).toBe(200);
      expect(JSON.stringify(users.body)).toContain('广州');
    });

    it('a masked custom field is refused as a measured property and as a numeric dimension with ranges', async () => {
      const avg = { metrics: [{ aggregate: 'avg', property: 'attr1' }] };
      const ranges = {
        metrics: [{ aggregate: 'users' }],
        dimensions: [{ kind: 'contactProperty', property: 'attr1', ranges: [50] }],
      };
      for (const query of [avg, ranges]) {
        expectRefused(await masked.request('POST', RUNS, { model: 'user', query }), '积分');
        const seen = await clear.request('POST', RUNS, { model: 'user', query });
        expect(seen.statusCode, JSON.stringify(seen.body)).toBe(200);
      }
      const average = await clear.request('POST', RUNS, { model: 'user', query: avg });
      expect(average.body.totals[0].values).toEqual([50]);
    });

    it('the field is refused inside a condition tree at any depth, and a field no longer masked is answered', async () => {
      const nested = {
        metrics: [{ aggregate: 'users' }],
        filters: {
          contacts: {
            type: 'or',
            conditions: [
              { type: 'property', property: 'name', operator: 'eq', values: ['张三'] },
              { type: 'and', conditions: [{ type: 'property', property: 'city', operator: 'contains', values: ['上'] }] },
            ],
          },
        },
      };
      expectRefused(await masked.request('POST', RUNS, { model: 'user', query: nested }), '城市');
      await mask('city', false);
      try {
        const answered = await masked.request('POST', RUNS, { model: 'user', query: nested });
        expect(answered.statusCode, JSON.stringify(answered.body)).toBe(200);
        expect(answered.body.totals[0].values).toEqual([2]);
      } finally {
        await mask('city');
      }
    });

    it('预估人数 of a tree on a masked field is refused to masked staff (a count narrowed step by step spells it out)', async () => {
      const tree = {
        type: 'and',
        conditions: [{ type: 'property', property: 'city', operator: 'contains', values: ['上'] }],
      };
      expectRefused(await masked.request('POST', '/api/v1/conditions/estimate', { tree }), '城市');
      const counted = await clear.request('POST', '/api/v1/conditions/estimate', { tree });
      expect(counted.statusCode, JSON.stringify(counted.body)).toBe(200);
      expect(counted.body.count).toBeGreaterThan(0);
      const other = { type: 'and', conditions: [{ type: 'property', property: 'name', operator: 'eq', values: ['张三'] }] };
      expect((await masked.request('POST', '/api/v1/conditions/estimate', { tree: other })).statusCode).toBe(200);
    });

    it('保存为群组 of a cell is refused the same way; unmasked staff save it', async () => {
      const query = {
        steps: [{ event: 'purchase' }, { event: 'refund' }],
        window: { unit: 'day', value: 7 },
        timeRange: range,
        dimension: byCity,
      };
      const cell = { step: 1, dimension: '上海' };
      const refused = await masked.request('POST', CELL_GROUPS, { model: 'funnel', query, cell, name: '上海漏斗-脱敏' });
      expectRefused(refused, '城市');
      const saved = await clear.request('POST', CELL_GROUPS, { model: 'funnel', query, cell, name: '上海漏斗' });
      expect(saved.statusCode, JSON.stringify(saved.body)).toBe(201);
      expect(saved.body.count).toBe(2);
    });

    it('a saved report by super staff — run, export, dashboard card — is refused for masked staff and answered for unmasked staff', async () => {
      const query = { metrics: [{ aggregate: 'users' }], dimensions: [byCity] };
      const report = await t.staff.request('POST', REPORTS, { model: 'user', name: '城市分布', query });
      expect(report.statusCode, JSON.stringify(report.body)).toBe(201);
      // Super staff open it first (the answer is cached), then the others.
      const own = await t.staff.request('POST', `${REPORTS}/${report.body.id}/run`, {});
      expect(own.statusCode, JSON.stringify(own.body)).toBe(200);
      expect(JSON.stringify(own.body)).toContain('上海');
      const opened = await masked.request('GET', `${REPORTS}/${report.body.id}`);
      expect(opened.statusCode, JSON.stringify(opened.body)).toBe(200);
      expectRefused(await masked.request('POST', `${REPORTS}/${report.body.id}/run`, {}), '城市');
      expectRefused(await masked.request('POST', `${REPORTS}/${report.body.id}/export`, { format: 'csv' }), '城市');
      const seen = await clear.request('POST', `${REPORTS}/${report.body.id}/run`, {});
      expect(seen.statusCode, JSON.stringify(seen.body)).toBe(200);
      expect(JSON.stringify(seen.body)).toContain('上海');

      const board = await t.staff.request('POST', DASHBOARDS, { name: '脱敏看板' });
      expect(board.statusCode, JSON.stringify(board.body)).toBe(201);
      const card = await t.staff.request('POST', `${DASHBOARDS}/${board.body.id}/cards`, { reportId: report.body.id });
      expect(card.statusCode, JSON.stringify(card.body)).toBe(201);
      const cardRun = `${DASHBOARDS}/${board.body.id}/cards/${card.body.id}/run`;
      expect((await t.staff.request('POST', cardRun, {})).statusCode).toBe(200);
      expectRefused(await masked.request('POST', cardRun, {}), '城市');
      const cardSeen = await clear.request('POST', cardRun, {});
      expect(cardSeen.statusCode, JSON.stringify(cardSeen.body)).toBe(200);
      expect(JSON.stringify(cardSeen.body)).toContain('上海');
    });

    it('saving a report that uses a masked field is refused for masked staff', async () => {
      const res = await masked.request('POST', REPORTS, {
        model: 'user',
        name: '城市分布-脱敏',
        query: { metrics: [{ aggregate: 'users' }], dimensions: [byCity] },
      });
      expectRefused(res, '城市');
    });

    it('用户画像: with 省份 masked, masked staff get the time tab and a region tab marked masked without provinces', async () => {
      const query = { group: { type: 'all' }, view: 'region' };
      const before = await masked.request('POST', RUNS, { model: 'profile', query });
      expect(before.statusCode, JSON.stringify(before.body)).toBe(200);
      expect(before.body.region.masked).toBeUndefined();
      expect(before.body.region.provinces.map((p: { name: string }) => p.name)).toContain('上海');
      await mask('state');
      try {
        const hidden = await masked.request('POST', RUNS, { model: 'profile', query });
        expect(hidden.statusCode, JSON.stringify(hidden.body)).toBe(200);
        expect(hidden.body.region).toEqual({ provinces: [], total: before.body.region.total, masked: true });
        expect(hidden.body.time).toEqual(before.body.time);
        expect(hidden.body.groupCount).toBe(0);
        const csv = await masked.request('POST', EXPORTS, { model: 'profile', query, format: 'csv' });
        expect(csv.statusCode).toBe(200);
        expect(String(csv.body)).not.toContain('上海');
        for (const asker of [clear, t.staff]) {
          const seen = await asker.request('POST', RUNS, { model: 'profile', query });
          expect(seen.statusCode, JSON.stringify(seen.body)).toBe(200);
          expect(seen.body.region.masked).toBeUndefined();
          expect(seen.body.region.provinces).toEqual(before.body.region.provinces);
        }
      } finally {
        await mask('state', false);
      }
    });
  },
  { plugins: firstPartyPlugins },
);
