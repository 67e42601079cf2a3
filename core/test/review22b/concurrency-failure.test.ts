import { beforeAll, expect, it } from 'vitest';
import { GROUPS } from '../groups/support.js';
import { reportsServiceRef } from '../../src/modules/reports/reports.service.js';
import { firstPartyPlugins } from '../support/plugins.js';
import { describeEngines } from '../support/test-app.js';
import { RUNS, addDays, reportsTenant } from '../reports/support.js';

const CELL_GROUPS = '/api/v1/console/report-cell-groups';
const between = (from: string, to: string) => ({ kind: 'between', from, to });

/**
 * Review 22b: concurrent 保存为群组 of one name (ADR 0063), custom-query slots under parallel
 * requests and after errors and timeouts (ADR 0062). The app's query limit is 1.5 s so that a
 * heavy custom query times out.
 */
describeEngines(
  'review 22b: concurrency and failure of cell groups and custom queries',
  (ctx) => {
    let t: Awaited<ReturnType<typeof reportsTenant>>;
    const funnel = () => ({
      steps: [{ event: 'purchase' }, { event: 'refund' }],
      window: { unit: 'day', value: 7 },
      timeRange: between(t.D, addDays(t.D, 7)),
    });
    /** Running or waiting custom queries of anybody (the slots' map). */
    const held = () => (Reflect.get(ctx.app.service(reportsServiceRef).operatorSlots, 'slots') as Map<string, unknown>).size;
    beforeAll(async () => {
      t = await reportsTenant(ctx.app);
    });

    // Was a bug on MariaDB: the name check reads before the insert, so racing creations made up to
    // eight groups of one name (fixed: a unique live_name, migration 0035).
    it('R22B-7: eight saves of the same cell (and eight new static groups) under one name at once make one group; the others are 409 group_name_taken', async () => {
      for (let round = 0; round < 3; round++) {
        const plain = `R22B-7 静态组 ${round}`;
        const created = await Promise.all(
          Array.from({ length: 8 }, () => t.staff.request('POST', `${GROUPS}/static`, { name: plain })),
        );
        expect(created.map((a) => a.statusCode).sort(), `${plain} ${JSON.stringify(created.map((a) => a.body))}`).toEqual([
          201, 409, 409, 409, 409, 409, 409, 409,
        ]);
      }
      const name = `R22B-7 同时保存 ${ctx.engine}`;
      const answers = await Promise.all(
        Array.from({ length: 8 }, () =>
          t.staff.request('POST', CELL_GROUPS, { model: 'funnel', query: funnel(), cell: { step: 1 }, name }),
        ),
      );
      const statuses = answers.map((a) => a.statusCode).sort();
      expect(statuses, JSON.stringify(answers.map((a) => a.body))).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
      for (const refused of answers.filter((a) => a.statusCode === 409)) expect(refused.body.code).toBe('group_name_taken');
      const listed = await t.staff.request('GET', `${GROUPS}?keyword=${encodeURIComponent(name)}`);
      expect((listed.body.items ?? listed.body).length).toBe(1);
      // The one group holds the whole cell: all three buyers of step 1.
      const saved = answers.find((a) => a.statusCode === 201)!;
      expect(saved.body.count).toBe(3);
    });

    it('R22B-8: parallel custom queries of one staff member: at most 1 running + 3 waiting, the rest 429 report_custom_query_busy with a stable body; the slot is free after', async () => {
      // Distinct SQL each (no cache hit), each a little heavy.
      const answers = await Promise.all(
        Array.from({ length: 8 }, (_, n) =>
          t.staff.request('POST', RUNS, {
            model: 'customQuery',
            query: { sql: `SELECT count(*) + ${n} AS n FROM range(3000000) AS r(i) WHERE i % 7 = ${n % 7}` },
          }),
        ),
      );
      const ok = answers.filter((a) => a.statusCode === 200);
      const busy = answers.filter((a) => a.statusCode === 429);
      expect(ok.length + busy.length, JSON.stringify(answers.map((a) => [a.statusCode, a.body.code]))).toBe(8);
      expect(ok.length).toBeGreaterThanOrEqual(4);
      for (const refused of busy) {
        expect(refused.body.code).toBe('report_custom_query_busy');
        expect(refused.body.message).toEqual(expect.any(String));
        expect(refused.headers['retry-after']).toBeDefined();
      }
      expect(held()).toBe(0);
    });

    it('R22B-9: a custom query that errors or times out frees its slot: the next one runs at once', async () => {
      const failed = await t.staff.request('POST', RUNS, {
        model: 'customQuery',
        query: { sql: "SELECT CAST('x' AS INTEGER) AS n FROM event_view" },
      });
      expect(failed.statusCode, JSON.stringify(failed.body)).toBe(400);
      expect(held()).toBe(0);
      const started = Date.now();
      const slow = await t.staff.request('POST', RUNS, {
        model: 'customQuery',
        query: { sql: 'SELECT sum(i * i % 13) AS n FROM range(1000000000000) AS r(i)' },
      });
      expect([slow.statusCode, slow.body.code], JSON.stringify(slow.body)).toEqual([504, 'olap_query_timeout']);
      expect(Date.now() - started).toBeLessThan(30_000);
      expect(held()).toBe(0);
      const next = await t.staff.request('POST', RUNS, { model: 'customQuery', query: { sql: 'SELECT 41 + 1 AS n' } });
      expect([next.statusCode, next.body.rows]).toEqual([200, [{ n: 42 }]]);
    });

    it('R22B-10: a timed-out query waited on by others hands the slot on: the waiting ones all answer', async () => {
      const slow = t.staff.request('POST', RUNS, {
        model: 'customQuery',
        query: { sql: 'SELECT sum(i * i % 17) AS n FROM range(1000000000000) AS r(i)' },
      });
      const waiting = [1, 2, 3].map((n) =>
        t.staff.request('POST', RUNS, { model: 'customQuery', query: { sql: `SELECT ${n} AS waited` } }),
      );
      const [first, ...rest] = await Promise.all([slow, ...waiting]);
      expect(first.statusCode).toBe(504);
      expect(rest.map((r) => r.statusCode)).toEqual([200, 200, 200]);
      expect(held()).toBe(0);
    });
  },
  { plugins: firstPartyPlugins, overrides: () => ({ olap: { queryTimeoutMs: 1500 } }) as never },
);
