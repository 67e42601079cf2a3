import { beforeAll, expect, it } from 'vitest';
import { ingestTenant } from '../ingestion/support.js';
import { firstPartyPlugins } from '../support/plugins.js';
import { describeEngines } from '../support/test-app.js';
import { EXPORTS, RUNS, addDays, reportsTenant, shanghai } from '../reports/support.js';

const between = (from: string, to: string) => ({ kind: 'between', from, to });
const EVIL = ['=HYPERLINK("http://evil.example","x")', '+1+1', '-2+3', '@SUM(1)'];

/** Parses our CSV (quoted cells, no embedded newlines in these fixtures) into rows of cells. */
function csvRows(text: string): string[][] {
  return text
    .replace(/^\uFEFF/, '')
    .trim()
    .split(/\r?\n/)
    .map((line) => {
      const cells: string[] = [];
      let cell = '';
      let quoted = false;
      for (let i = 0; i < line.length; i += 1) {
        const ch = line[i]!;
        if (quoted) {
          if (ch === '"' && line[i + 1] === '"') {
            cell += '"';
            i += 1;
          } else if (ch === '"') quoted = false;
          else cell += ch;
        } else if (ch === '"') quoted = true;
        else if (ch === ',') {
          cells.push(cell);
          cell = '';
        } else cell += ch;
      }
      cells.push(cell);
      return cells;
    });
}

describeEngines(
  'review 22: caching, exports and group limits of the analysis models',
  (ctx) => {
    let t: Awaited<ReturnType<typeof reportsTenant>>;
    let many: Awaited<ReturnType<typeof ingestTenant>>;
    let from: string;
    let to: string;

    beforeAll(async () => {
      t = await reportsTenant(ctx.app);
      from = t.D;
      to = t.today;
      // SDK-sent dimension values a spreadsheet would read as formulas.
      const sent = await t.collect('batch', {
        batch: [
          { type: 'identify', userId: 'evil', traits: { name: 'evil', city: '=cmd|"/c calc"!A1' } },
          ...EVIL.map((sku, i) => ({
            type: 'track',
            userId: 'evil',
            event: 'purchase',
            properties: { amount: 10 + i, sku },
            timestamp: shanghai(addDays(t.D, 2), `1${i}:00`),
          })),
        ],
      });
      expect(sent.statusCode, JSON.stringify(sent.body)).toBe(200);
      await t.drain();

      // A tenant with one user buying 401 different skus, and 1001 users each of another city.
      many = await ingestTenant(ctx.app, { timeZone: 'Asia/Shanghai' });
      const base = Date.now() - 3 * 86_400_000;
      const purchases = Array.from({ length: 401 }, (_, i) => ({
        type: 'track',
        userId: 'buyer',
        event: 'purchase',
        properties: { amount: 1, sku: `sku-${String(i).padStart(4, '0')}` },
        timestamp: new Date(base + i * 1000).toISOString(),
      }));
      expect((await many.collect('batch', { batch: purchases })).statusCode).toBe(200);
      const people = Array.from({ length: 1001 }, (_, i) => [
        { type: 'identify', userId: `p-${i}`, traits: { name: `p-${i}`, city: `城市${String(i).padStart(4, '0')}` } },
        {
          type: 'track',
          userId: `p-${i}`,
          event: 'purchase',
          properties: { amount: i, sku: 'x' },
          timestamp: new Date(base + i * 1000).toISOString(),
        },
      ]).flat();
      for (let i = 0; i < people.length; i += 1000) {
        const res = await many.collect('batch', { batch: people.slice(i, i + 1000) });
        expect(res.statusCode, JSON.stringify(res.body)).toBe(200);
      }
      await many.drain();
    }, 120_000);

    const queries = () => ({
      funnel: {
        steps: [{ event: 'purchase' }, { event: 'refund' }],
        window: { unit: 'day', value: 7 },
        timeRange: between(from, to),
      },
      retention: {
        initial: { event: 'purchase' },
        return: { event: 'purchase' },
        unit: 'day',
        periods: 3,
        timeRange: between(from, to),
      },
      distribution: {
        metric: { event: 'purchase', aggregate: 'count' },
        intervals: { mode: 'default' },
        timeRange: between(from, to),
      },
      ltv: {
        initial: { kind: 'event', event: 'purchase' },
        revenue: { event: 'purchase', aggregate: 'sum', property: 'amount' },
        timeRange: between(from, to),
        unit: 'day',
        periods: 3,
      },
    });

    it('R22-30: a run, new events loaded, a run again: not cached and the new numbers; force recomputes', async () => {
      const first: Record<string, string> = {};
      for (const [model, query] of Object.entries(queries())) {
        const res = await t.staff.request('POST', RUNS, { model, query });
        expect(res.statusCode, `${model}: ${JSON.stringify(res.body).slice(0, 300)}`).toBe(200);
        const again = await t.staff.request('POST', RUNS, { model, query });
        expect(again.body.cached, model).toBe(true);
        const forced = await t.staff.request('POST', RUNS, { model, query, force: true });
        expect(forced.body.cached, model).toBe(false);
        first[model] = JSON.stringify({ ...res.body, computedAt: 0, cached: false });
      }
      // A new user buys (and refunds) inside the range.
      const sent = await t.collect('batch', {
        batch: [
          { type: 'identify', userId: 'late', traits: { name: 'late', city: '深圳' } },
          {
            type: 'track',
            userId: 'late',
            event: 'purchase',
            properties: { amount: 999, sku: 'z' },
            timestamp: shanghai(addDays(t.D, 3), '10:00'),
          },
          {
            type: 'track',
            userId: 'late',
            event: 'refund',
            properties: { amount: 999 },
            timestamp: shanghai(addDays(t.D, 3), '11:00'),
          },
          {
            type: 'track',
            userId: 'late',
            event: 'purchase',
            properties: { amount: 1, sku: 'z' },
            timestamp: shanghai(addDays(t.D, 4), '10:00'),
          },
        ],
      });
      expect(sent.statusCode).toBe(200);
      await t.drain();
      for (const [model, query] of Object.entries(queries())) {
        const res = await t.staff.request('POST', RUNS, { model, query });
        expect(res.statusCode, model).toBe(200);
        expect(res.body.cached, model).toBe(false);
        expect(JSON.stringify({ ...res.body, computedAt: 0, cached: false }), model).not.toBe(first[model]);
      }
    });

    it('R22-31: a contact property changed (city) is seen by the next run of a contact-dimension distribution', async () => {
      const query = {
        metric: { event: 'purchase', aggregate: 'count' },
        intervals: { mode: 'default' },
        dimension: { kind: 'contactProperty', property: 'city' },
        timeRange: between(from, to),
      };
      const before = await t.staff.request('POST', RUNS, { model: 'distribution', query });
      expect(before.statusCode, JSON.stringify(before.body).slice(0, 300)).toBe(200);
      expect(before.body.series.map((s: { dimension?: string | null }) => s.dimension)).not.toContain('杭州');
      const moved = await t.collect('identify', { userId: 'u-3', traits: { city: '杭州' } });
      expect(moved.statusCode).toBe(200);
      await t.drain();
      const after = await t.staff.request('POST', RUNS, { model: 'distribution', query });
      expect(after.body.cached).toBe(false);
      expect(after.body.series.map((s: { dimension?: string | null }) => s.dimension)).toContain('杭州');
    });

    it('R22-32: CSV exports neutralize formula-like dimension values (funnel, distribution, LTV) and start with a BOM', async () => {
      const range = between(addDays(t.D, 2), addDays(t.D, 2));
      const exportsOf: [string, Record<string, unknown>][] = [
        [
          'funnel',
          {
            steps: [{ event: 'purchase' }, { event: 'purchase' }],
            dimension: { kind: 'eventProperty', property: 'sku' },
            timeRange: range,
          },
        ],
        [
          'distribution',
          {
            metric: { event: 'purchase', aggregate: 'count' },
            intervals: { mode: 'default' },
            dimension: { kind: 'eventProperty', property: 'sku' },
            timeRange: range,
          },
        ],
        [
          'ltv',
          {
            initial: { kind: 'event', event: 'purchase' },
            revenue: { event: 'purchase', aggregate: 'sum', property: 'amount' },
            dimensions: [
              { kind: 'eventProperty', property: 'sku' },
              { kind: 'contactProperty', property: 'city' },
            ],
            timeRange: range,
            unit: 'day',
            periods: 1,
          },
        ],
      ];
      for (const [model, query] of exportsOf) {
        const res = await t.staff.request('POST', EXPORTS, { model, query, format: 'csv' });
        expect(res.statusCode, `${model}: ${String(res.body).slice(0, 300)}`).toBe(200);
        expect(String(res.body).startsWith('\uFEFF'), `${model}: BOM`).toBe(true);
        const cells = csvRows(String(res.body)).flat();
        for (const cell of cells) expect(cell, `${model}: a cell a spreadsheet runs`).not.toMatch(/^[=+\-@\t\r]/);
        expect(
          cells.some((c) => c.includes('HYPERLINK')),
          `${model}: the value is kept, as text`,
        ).toBe(true);
      }
    });

    it('R22-33: a funnel dimension of 402 values (401 skus and x): the run shows 100 (truncated, groupCount 402), the export 400', async () => {
      const query = {
        steps: [{ event: 'purchase' }, { event: 'purchase' }],
        dimension: { kind: 'eventProperty', property: 'sku' },
        timeRange: { kind: 'past', days: 7, includeToday: true },
      };
      const res = await many.staff.request('POST', RUNS, { model: 'funnel', query });
      expect(res.statusCode, JSON.stringify(res.body).slice(0, 300)).toBe(200);
      const valued = res.body.funnels.filter((f: { dimension?: string | null }) => f.dimension !== undefined);
      expect(valued.length).toBe(100);
      expect({ truncated: res.body.truncated, groupCount: res.body.groupCount }).toEqual({ truncated: true, groupCount: 402 });
      const exported = await many.staff.request('POST', EXPORTS, { model: 'funnel', query, format: 'csv' });
      expect(exported.statusCode).toBe(200);
      const values = new Set(
        csvRows(String(exported.body))
          .slice(1)
          .map((row) => row[0])
          .filter((v) => v !== '总体'),
      );
      expect(values.size).toBe(400);
    });

    it('R22-34: a distribution dimension of 1002 values (1001 cities and 未知): the run shows 1000 (truncated, groupCount 1002), the export all of them', async () => {
      const query = {
        metric: { event: 'purchase', aggregate: 'count' },
        intervals: { mode: 'default' },
        dimension: { kind: 'contactProperty', property: 'city' },
        timeRange: { kind: 'past', days: 7, includeToday: true },
      };
      const res = await many.staff.request('POST', RUNS, { model: 'distribution', query });
      expect(res.statusCode, JSON.stringify(res.body).slice(0, 300)).toBe(200);
      const valued = res.body.series.filter((s: { dimension?: string | null }) => s.dimension !== undefined);
      expect(valued.length).toBeLessThanOrEqual(1000);
      expect({ truncated: res.body.truncated, groupCount: res.body.groupCount }).toEqual({ truncated: true, groupCount: 1002 });
      const exported = await many.staff.request('POST', EXPORTS, { model: 'distribution', query, format: 'csv' });
      expect(exported.statusCode).toBe(200);
      const cities = new Set(
        csvRows(String(exported.body))
          .flat()
          .filter((c) => /^城市\d{4}$/.test(c)),
      );
      expect(cities.size).toBe(1001);
    });
  },
  { plugins: firstPartyPlugins },
);
