import { beforeAll, expect, it } from 'vitest';
import { kernelServices } from '../../src/kernel/services.js';
import { firstPartyPlugins } from '../support/plugins.js';
import { describeEngines } from '../support/test-app.js';
import { EXPORTS, RUNS, reportsTenant, shanghai } from './support.js';

/**
 * Every report model core registers answers its own examples through every API that returns a
 * result — a run, a saved report's run and an export — on a tenant with data, and the answer passes
 * the route's response schema (tests run with strict responses: a result kind or key the schema does
 * not know is a 500 here). A new model (or a new key in a result) without its schema fails this.
 */
describeEngines(
  'report models: every core model answers its examples through the API',
  (ctx) => {
    let t: Awaited<ReturnType<typeof reportsTenant>>;
    let models: { id: string; examples: Record<string, unknown>[] }[];

    beforeAll(async () => {
      t = await reportsTenant(ctx.app);
      // Page views of two people (the examples use $pageview), today and yesterday.
      const now = Date.now();
      const sent = await t.collect('batch', {
        batch: [
          { type: 'page', userId: 'u-1', name: '首页', timestamp: new Date(now - 26 * 3_600_000).toISOString() },
          { type: 'page', userId: 'u-1', name: '首页', timestamp: new Date(now - 60_000).toISOString() },
          { type: 'page', userId: 'u-2', name: '详情', timestamp: new Date(now - 120_000).toISOString() },
        ],
      });
      expect(sent.statusCode, JSON.stringify(sent.body)).toBe(200);
      await t.drain();
      const contributions = ctx.app.service(kernelServices.contributions);
      models = [...contributions.reportModels.values()]
        .filter(({ pluginId }) => pluginId === 'reports')
        .map(({ definition }) => ({ id: definition.id, examples: definition.examples as Record<string, unknown>[] }));
    });

    it('runs, saves, runs saved and exports each example of each core model', async () => {
      // The models of issue 22 so far and 事件分析: each must be here (a dropped registration fails).
      expect(models.map((m) => m.id)).toEqual(
        expect.arrayContaining([
          'event',
          'funnel',
          'distribution',
          'retention',
          'path',
          'ltv',
          'user',
          'profile',
          'attribution',
          'customQuery',
        ]),
      );
      for (const model of models) {
        expect(model.examples.length, model.id).toBeGreaterThan(0);
        for (const [index, query] of model.examples.entries()) {
          const label = `${model.id} example ${index}`;
          const run = await t.staff.request('POST', RUNS, { model: model.id, query });
          expect(run.statusCode, `${label}: ${JSON.stringify(run.body)}`).toBe(200);
          expect(run.body).toMatchObject({ model: model.id, cached: false, truncated: false });
          // Something was counted: the examples read the page views sent above.
          expect(JSON.stringify(run.body), label).toMatch(/[1-9]/);
          const again = await t.staff.request('POST', RUNS, { model: model.id, query });
          expect(again.body.cached, label).toBe(true);

          const saved = await t.staff.request('POST', '/api/v1/console/reports', { model: model.id, name: label, query });
          expect(saved.statusCode, `${label}: ${JSON.stringify(saved.body)}`).toBe(201);
          const savedRun = await t.staff.request('POST', `/api/v1/console/reports/${saved.body.id}/run`, {});
          expect(savedRun.statusCode, `${label}: ${JSON.stringify(savedRun.body)}`).toBe(200);
          expect(savedRun.body.kind).toBe(run.body.kind);

          const exported = await t.staff.request('POST', EXPORTS, { model: model.id, query, format: 'csv' });
          expect(exported.statusCode, label).toBe(200);
          expect(exported.headers['content-type']).toContain('text/csv');
        }
      }
    });

    it('an unknown model is 404 and a query its model refuses is 400 with a stable code', async () => {
      const unknown = await t.staff.request('POST', RUNS, { model: 'no_such_model', query: {} });
      expect(unknown.statusCode).toBe(404);
      expect(unknown.body.code).toBe('report_model_unknown');
      for (const model of models) {
        const bad = await t.staff.request('POST', RUNS, {
          model: model.id,
          query: { timeRange: shanghai('2026-01-01', '00:00') },
        });
        expect(bad.statusCode, model.id).toBe(400);
        expect(bad.body.code, model.id).toBe('report_query_invalid');
      }
    });
  },
  { plugins: firstPartyPlugins },
);
