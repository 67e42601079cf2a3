import { beforeAll, expect, it } from 'vitest';
import { errorMessages as messages } from '../../src/server/messages.js';
import { firstPartyPlugins } from '../support/plugins.js';
import { describeEngines } from '../support/test-app.js';
import { EXPORTS, RUNS, reportsTenant, shanghai } from '../reports/support.js';

const range = { kind: 'past', days: 30, includeToday: true };
const funnel = (extra: Record<string, unknown> = {}) => ({
  steps: [{ event: 'purchase' }, { event: 'purchase' }],
  window: { unit: 'day', value: 7 },
  timeRange: range,
  ...extra,
});
const retention = (extra: Record<string, unknown> = {}) => ({
  initial: { event: 'purchase' },
  return: { event: 'purchase' },
  unit: 'day',
  periods: 7,
  timeRange: range,
  ...extra,
});
const distribution = (extra: Record<string, unknown> = {}) => ({
  metric: { event: 'purchase', aggregate: 'count' },
  intervals: { mode: 'default' },
  timeRange: range,
  ...extra,
});
const ltv = (extra: Record<string, unknown> = {}) => ({
  initial: { kind: 'event', event: 'purchase' },
  revenue: { event: 'purchase', aggregate: 'sum', property: 'amount' },
  timeRange: range,
  unit: 'day',
  periods: 7,
  ...extra,
});
const INJECTION = "'); DROP TABLE events; --";

describeEngines(
  'review 22: bad and huge input to the analysis models',
  (ctx) => {
    let t: Awaited<ReturnType<typeof reportsTenant>>;
    beforeAll(async () => {
      t = await reportsTenant(ctx.app);
    });

    /** Expects a 400 with a stable code known in both languages, and (when given) a detail at `path`. */
    async function refused(model: string, query: Record<string, unknown>, path?: string) {
      const res = await t.staff.request('POST', RUNS, { model, query });
      const label = `${model} ${JSON.stringify(query).slice(0, 200)} → ${res.statusCode} ${JSON.stringify(res.body).slice(0, 400)}`;
      expect(res.statusCode, label).toBe(400);
      expect(typeof res.body.code, label).toBe('string');
      const catalogue = messages as unknown as Record<string, Record<string, string>>;
      expect(catalogue[res.body.code]?.['zh-CN'], `zh-CN message of ${res.body.code}`).toBeTruthy();
      expect(catalogue[res.body.code]?.['en-US'], `en-US message of ${res.body.code}`).toBeTruthy();
      if (path) {
        const paths = (res.body.details ?? []).map((d: { path: string }) => d.path);
        expect(
          paths.some((p: string) => p === path || p.startsWith(`${path}.`)),
          `${label}: details ${JSON.stringify(paths)} lack ${path}`,
        ).toBe(true);
        for (const detail of res.body.details ?? []) {
          if (detail.code && !String(detail.code).includes('.')) {
            expect(catalogue[detail.code]?.['zh-CN'], `zh-CN message of detail ${detail.code}`).toBeTruthy();
            expect(catalogue[detail.code]?.['en-US'], `en-US message of detail ${detail.code}`).toBeTruthy();
          }
        }
      }
      return res.body;
    }

    /** Expects an answer that is not a 5xx (200 or a 400 with a code). */
    async function answered(model: string, query: Record<string, unknown>) {
      const res = await t.staff.request('POST', RUNS, { model, query });
      const label = `${model} ${JSON.stringify(query).slice(0, 200)} → ${res.statusCode} ${JSON.stringify(res.body).slice(0, 400)}`;
      expect([200, 400], label).toContain(res.statusCode);
      if (res.statusCode === 400) expect(typeof res.body.code, label).toBe('string');
      return res;
    }

    it('R22-7: funnel steps (1, 9), windows (31 days, 721 hours, 0, −1, 1.5) are 400 with their paths', async () => {
      const step = { event: 'purchase' };
      await refused('funnel', funnel({ steps: [step] }), 'steps');
      await refused('funnel', funnel({ steps: Array.from({ length: 9 }, () => step) }), 'steps');
      await refused('funnel', funnel({ window: { unit: 'day', value: 31 } }), 'window.value');
      await refused('funnel', funnel({ window: { unit: 'hour', value: 721 } }), 'window.value');
      await refused('funnel', funnel({ window: { unit: 'hour', value: 0 } }), 'window.value');
      await refused('funnel', funnel({ window: { unit: 'day', value: -1 } }), 'window.value');
      await refused('funnel', funnel({ window: { unit: 'day', value: 1.5 } }), 'window.value');
      await refused('funnel', funnel({ window: { unit: 'minute', value: 5 } }), 'window.unit');
      // The limits themselves are accepted.
      expect(
        (await t.staff.request('POST', RUNS, { model: 'funnel', query: funnel({ window: { unit: 'hour', value: 720 } }) }))
          .statusCode,
      ).toBe(200);
      expect(
        (
          await t.staff.request('POST', RUNS, {
            model: 'funnel',
            query: funnel({ steps: Array.from({ length: 8 }, () => step), window: { unit: 'day', value: 30 } }),
          })
        ).statusCode,
      ).toBe(200);
    });

    it('R22-8: retention and LTV periods 0, −1, 10 000, 31 days, 13 weeks are 400 at periods', async () => {
      for (const periods of [0, -1, 10_000, 31, 2.5]) await refused('retention', retention({ periods }), 'periods');
      await refused('retention', retention({ unit: 'week', periods: 13 }), 'periods');
      await refused('retention', retention({ unit: 'year', periods: 1 }), 'unit');
      for (const periods of [0, -1, 10_000, 91]) await refused('ltv', ltv({ periods }), 'periods');
    });

    it('R22-9: distribution custom boundaries — 1 000, unsorted, duplicate, NaN, "Infinity", empty — are 400 at intervals.boundaries', async () => {
      const custom = (boundaries: unknown[]) => distribution({ intervals: { mode: 'custom', boundaries } });
      await refused('distribution', custom(Array.from({ length: 1000 }, (_, i) => i)), 'intervals');
      await refused('distribution', custom([5, 1, 3]), 'intervals.boundaries');
      await refused('distribution', custom([1, 1, 2]), 'intervals.boundaries');
      await refused('distribution', custom(['NaN']), 'intervals');
      await refused('distribution', custom(['Infinity']), 'intervals');
      await refused('distribution', custom([]), 'intervals');
      // Extreme but finite boundaries are a valid question: 200, not a SQL error.
      const extreme = await answered('distribution', custom([-1e15, 1e-300, 0.1, 1e15]));
      expect(extreme.statusCode, JSON.stringify(extreme.body)).toBe(200);
    });

    it('R22-10: unknown events, virtual events and properties are 400 at their paths (never 500)', async () => {
      await refused('funnel', funnel({ steps: [{ event: 'purchase' }, { event: 'no_such_event' }] }), 'steps.1.event');
      await refused('funnel', funnel({ steps: [{ event: 'virtual:999999999' }, { event: 'purchase' }] }), 'steps.0.event');
      await refused('retention', retention({ return: { event: 'no_such_event' } }), 'return.event');
      await refused('retention', retention({ initial: { event: 'virtual:999999999' } }), 'initial.event');
      await refused('distribution', distribution({ metric: { event: 'no_such_event', aggregate: 'count' } }), 'metric.event');
      await refused(
        'distribution',
        distribution({ metric: { event: 'purchase', aggregate: 'sum', property: 'nope' } }),
        'metric.property',
      );
      await refused('ltv', ltv({ initial: { kind: 'event', event: 'virtual:999999999' } }), 'initial.event');
      await refused('ltv', ltv({ revenue: { event: 'purchase', aggregate: 'sum', property: 'nope' } }), 'revenue.property');
      await refused('funnel', funnel({ dimension: { kind: 'eventProperty', property: 'nope' } }), 'dimension.property');
      await refused('funnel', funnel({ holdProperty: 'nope' }), 'holdProperty');
      await refused(
        'distribution',
        distribution({ dimension: { kind: 'contactProperty', property: 'nope' } }),
        'dimension.property',
      );
      await refused('ltv', ltv({ dimensions: [{ kind: 'contactProperty', property: 'nope' }] }), 'dimensions.0.property');
    });

    it('R22-11: a string property summed (distribution sum of sku, LTV revenue sum of sku) is 400, not a SQL error', async () => {
      await refused(
        'distribution',
        distribution({ metric: { event: 'purchase', aggregate: 'sum', property: 'sku' } }),
        'metric.property',
      );
      await refused(
        'distribution',
        distribution({ metric: { event: 'purchase', aggregate: 'avg', property: 'sku' } }),
        'metric.property',
      );
      await refused('ltv', ltv({ revenue: { event: 'purchase', aggregate: 'sum', property: 'sku' } }), 'revenue.property');
    });

    it('R22-12: huge strings are 400 (event name, property, step name), never 500', async () => {
      const huge = 'x'.repeat(100_000);
      await refused('funnel', funnel({ steps: [{ event: huge }, { event: 'purchase' }] }), 'steps.0.event');
      await refused('funnel', funnel({ steps: [{ event: 'purchase', name: huge }, { event: 'purchase' }] }), 'steps.0.name');
      await refused('retention', retention({ initial: { event: huge } }), 'initial.event');
      await refused(
        'distribution',
        distribution({ metric: { event: 'purchase', aggregate: 'sum', property: huge } }),
        'metric.property',
      );
      await refused('ltv', ltv({ revenue: { event: 'purchase', aggregate: 'sum', property: huge } }), 'revenue.property');
    });

    it('R22-13: SQL injection in property names is 400; in filter values it is data (200, nothing matched); the events survive', async () => {
      await refused('funnel', funnel({ dimension: { kind: 'eventProperty', property: INJECTION } }), 'dimension.property');
      await refused('funnel', funnel({ holdProperty: INJECTION }), 'holdProperty');
      await refused(
        'distribution',
        distribution({ metric: { event: 'purchase', aggregate: 'sum', property: INJECTION } }),
        'metric.property',
      );
      await refused('ltv', ltv({ revenue: { event: INJECTION, aggregate: 'count' } }), 'revenue.event');
      const filter = [{ property: 'sku', operator: 'eq', values: [INJECTION] }];
      for (const [model, query] of [
        ['funnel', funnel({ steps: [{ event: 'purchase', filters: filter }, { event: 'purchase' }] })],
        ['retention', retention({ initial: { event: 'purchase', filters: filter } })],
        ['distribution', distribution({ metric: { event: 'purchase', aggregate: 'count', filters: filter } })],
        ['ltv', ltv({ initial: { kind: 'event', event: 'purchase', filters: filter } })],
      ] as const) {
        const res = await t.staff.request('POST', RUNS, { model, query });
        expect(res.statusCode, `${model}: ${JSON.stringify(res.body).slice(0, 300)}`).toBe(200);
      }
      expect((await t.events("event = 'purchase'")).length).toBe(4);
    });

    it('R22-14: a 10-year time range and a range wholly in the future answer (200 or a coded 400), never 500', async () => {
      const tenYears = { kind: 'between', from: '2016-01-01', to: t.today };
      const future = { kind: 'between', from: '2099-01-01', to: '2099-01-31' };
      for (const timeRange of [tenYears, future]) {
        await answered('funnel', funnel({ timeRange }));
        await answered('retention', retention({ timeRange }));
        await answered('distribution', distribution({ timeRange }));
        await answered('ltv', ltv({ timeRange }));
      }
      // A future range counts nobody.
      const res = await t.staff.request('POST', RUNS, { model: 'funnel', query: funnel({ timeRange: future }) });
      if (res.statusCode === 200) expect(res.body.funnels[0].steps[0].users).toBe(0);
    });

    it('R22-15: an export of a refused query is the same 400 (not a 500 or an empty file)', async () => {
      const res = await t.staff.request('POST', EXPORTS, {
        model: 'funnel',
        query: funnel({ window: { unit: 'hour', value: 721 } }),
        format: 'csv',
      });
      expect(res.statusCode).toBe(400);
      expect(res.body.code).toBe('report_query_invalid');
      const bad = await t.staff.request('POST', RUNS, {
        model: 'ltv',
        query: { ...ltv(), timeRange: shanghai('2026-01-01', '00:00') },
      });
      expect(bad.statusCode).toBe(400);
    });
  },
  { plugins: firstPartyPlugins },
);
