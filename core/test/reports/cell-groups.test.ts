import { beforeAll, expect, it } from 'vitest';
import { groupsServiceRef } from '../../src/modules/groups/groups.service.js';
import { reportsServiceRef } from '../../src/modules/reports/reports.service.js';
import { staffWithRole } from '../staff/support.js';
import { GROUPS } from '../groups/support.js';
import { firstPartyPlugins } from '../support/plugins.js';
import { describeEngines } from '../support/test-app.js';
import { RUNS, addDays, reportsTenant, shanghai } from './support.js';

const CELL_GROUPS = '/api/v1/console/report-cell-groups';
const between = (from: string, to: string) => ({ kind: 'between', from, to });

/**
 * The tenant of `reportsTenant` (Asia/Shanghai; D a Sunday 14–20 days ago) and three more buyers:
 *
 * | contact | city | events (Shanghai time)                                   |
 * |---------|------|----------------------------------------------------------|
 * | u-1     | 上海 | purchase D 10:00, D 23:30                                 |
 * | u-2     | 北京 | purchase D+1 00:10; refund D+1 09:00                      |
 * | u-3     | 上海 | purchase D+7 12:00                                        |
 * | v-1     | —    | purchase D+2 10:00, D+3 10:00, D+4 10:00                  |
 * | v-2     | —    | purchase D+2 11:00, D+3 11:00                             |
 * | v-3     | —    | purchase D+2 12:00                                        |
 *
 * Retention purchase → purchase by day, 3 periods, cohort D+2 only: users v-1 v-2 v-3 = 3; retained
 * k0 0 (one purchase a day each), k1 (D+3) v-1 v-2 = 2, k2 (D+4) v-1 = 1, k3 0. Churned at k1, k2, k3:
 * v-3 = 1 each (no purchase in 1..k). On or after: k1 v-1 v-2 = 2, k2 v-1 = 1.
 * Funnel purchase → refund in 7 days over D..D+7: step 1 all six = 6, step 2 u-2 = 1; by city
 * 上海 u-1 u-3 = 2 / 0, 北京 u-2 = 1 / 1, no city v-1 v-2 v-3 = 3 / 0.
 */
describeEngines(
  'reports: 保存为群组 — a retention cell’s or a funnel step’s users as a static group (ADR 0063)',
  (ctx) => {
    let t: Awaited<ReturnType<typeof reportsTenant>>;
    let cohort: string;
    const retention = (extra: Record<string, unknown> = {}) => ({
      initial: { event: 'purchase' },
      return: { event: 'purchase' },
      unit: 'day',
      periods: 3,
      timeRange: between(cohort, cohort),
      ...extra,
    });
    const funnel = (extra: Record<string, unknown> = {}) => ({
      steps: [{ event: 'purchase' }, { event: 'refund' }],
      window: { unit: 'day', value: 7 },
      timeRange: between(t.D, addDays(t.D, 7)),
      ...extra,
    });
    let seq = 0;
    const save = async (model: string, query: Record<string, unknown>, cell: Record<string, unknown>) => {
      seq += 1;
      return t.staff.request('POST', CELL_GROUPS, { model, query, cell, name: `单元格群组 ${seq}` });
    };
    /** The names of a group's members, read back through a custom query (OLAP, as reports read them). */
    const members = async (groupId: string) => {
      const res = await t.staff.request('POST', RUNS, {
        model: 'customQuery',
        query: { sql: `SELECT name FROM contact_view WHERE group_${groupId} ORDER BY name` },
      });
      expect(res.statusCode, JSON.stringify(res.body)).toBe(200);
      return (res.body.rows as { name: string }[]).map((r) => r.name);
    };

    beforeAll(async () => {
      t = await reportsTenant(ctx.app);
      cohort = addDays(t.D, 2);
      const buy = (userId: string, days: number, time: string) => ({
        type: 'track',
        userId,
        event: 'purchase',
        properties: { amount: 1, sku: 'a' },
        timestamp: shanghai(addDays(t.D, days), time),
      });
      const sent = await t.collect('batch', {
        batch: [
          { type: 'identify', userId: 'v-1', traits: { name: 'v-1' } },
          { type: 'identify', userId: 'v-2', traits: { name: 'v-2' } },
          { type: 'identify', userId: 'v-3', traits: { name: 'v-3' } },
          buy('v-1', 2, '10:00'),
          buy('v-1', 3, '10:00'),
          buy('v-1', 4, '10:00'),
          buy('v-2', 2, '11:00'),
          buy('v-2', 3, '11:00'),
          buy('v-3', 2, '12:00'),
        ],
      });
      expect(sent.statusCode, JSON.stringify(sent.body)).toBe(200);
      await t.drain();
    });

    it('the retention table first: the cells the groups below must match', async () => {
      const res = await t.staff.request('POST', RUNS, { model: 'retention', query: retention() });
      expect(res.statusCode, JSON.stringify(res.body)).toBe(200);
      expect(res.body.tables[0].cohorts).toEqual([{ date: cohort, users: 3, values: [0, 2, 1, 0], rates: [0, 2 / 3, 1 / 3, 0] }]);
    });

    it('saves retention cells as static groups whose members are exactly the cell’s users (retained, cohort, churned, on or after)', async () => {
      const cases: [Record<string, unknown>, Record<string, unknown>, string[]][] = [
        [retention(), { cohort, offset: 1 }, ['v-1', 'v-2']],
        [retention(), { cohort, offset: 2 }, ['v-1']],
        [retention(), { cohort, offset: null }, ['v-1', 'v-2', 'v-3']],
        [retention({ metric: 'churned' }), { cohort, offset: 2 }, ['v-3']],
        [retention({ mode: 'onOrAfter' }), { cohort, offset: 1 }, ['v-1', 'v-2']],
      ];
      for (const [query, cell, names] of cases) {
        const label = JSON.stringify([query.metric, query.mode, cell]);
        const run = await t.staff.request('POST', RUNS, { model: 'retention', query });
        const row = run.body.tables[0].cohorts[0];
        const shown = cell.offset === null ? row.users : row.values[run.body.offsets.indexOf(cell.offset)];
        const res = await save('retention', query, cell);
        expect(res.statusCode, `${label} ${JSON.stringify(res.body)}`).toBe(201);
        // The group's size is the cell's number, and its members are the cell's users.
        expect([res.body.count, shown], label).toEqual([names.length, names.length]);
        const group = await t.staff.request('GET', `${GROUPS}/${res.body.group.id}`);
        expect([group.body.kind, group.body.memberCount, group.body.name], label).toEqual([
          'static',
          names.length,
          res.body.group.name,
        ]);
        expect(await members(res.body.group.id), label).toEqual(names);
      }
    });

    it('saves funnel steps, also of one dimension value (null: no value), from a query or a saved report', async () => {
      const byCity = funnel({ dimension: { kind: 'contactProperty', property: 'city' } });
      const run = await t.staff.request('POST', RUNS, { model: 'funnel', query: byCity });
      expect(run.statusCode, JSON.stringify(run.body)).toBe(200);
      const usersOf = (dimension: string | null | undefined) =>
        run.body.funnels
          .find((f: { dimension?: string | null }) => (dimension === undefined ? !('dimension' in f) : f.dimension === dimension))
          .steps.map((s: { users: number }) => s.users);
      expect([usersOf(undefined), usersOf('上海'), usersOf('北京'), usersOf(null)]).toEqual([
        [6, 1],
        [2, 0],
        [1, 1],
        [3, 0],
      ]);
      const cases: [Record<string, unknown>, string[]][] = [
        [{ step: 1 }, ['v-1', 'v-2', 'v-3', '张三', '李四', '王五']],
        [{ step: 2 }, ['李四']],
        [{ step: 1, dimension: '上海' }, ['张三', '王五']],
        [{ step: 2, dimension: '北京' }, ['李四']],
        [{ step: 1, dimension: null }, ['v-1', 'v-2', 'v-3']],
      ];
      for (const [cell, names] of cases) {
        const res = await save('funnel', byCity, cell);
        expect(res.statusCode, JSON.stringify(res.body)).toBe(201);
        expect(res.body.count, JSON.stringify(cell)).toBe(names.length);
        expect((await members(res.body.group.id)).sort(), JSON.stringify(cell)).toEqual([...names].sort());
      }
      // A saved report's question, in a folder.
      const saved = await t.staff.request('POST', '/api/v1/console/reports', {
        model: 'funnel',
        name: '购买到退款',
        query: funnel(),
      });
      expect(saved.statusCode, JSON.stringify(saved.body)).toBe(201);
      const folder = await t.staff.request('POST', '/api/v1/console/group-folders', { name: '报表群组' });
      expect(folder.statusCode, JSON.stringify(folder.body)).toBe(201);
      const fromSaved = await t.staff.request('POST', CELL_GROUPS, {
        reportId: saved.body.id,
        cell: { step: 2 },
        name: '退款用户',
        folderId: folder.body.id,
      });
      expect(fromSaved.statusCode, JSON.stringify(fromSaved.body)).toBe(201);
      expect([fromSaved.body.count, fromSaved.body.group.folderId]).toEqual([1, folder.body.id]);
    });

    it('refuses a cell the result does not have, a model without cells, a taken name, and both or neither of model and reportId', async () => {
      const refusals: [Record<string, unknown>, number, string][] = [
        [{ model: 'retention', query: retention(), cell: { cohort: addDays(cohort, 1), offset: 1 } }, 400, 'report_cell_invalid'],
        [{ model: 'retention', query: retention(), cell: { cohort, offset: 9 } }, 400, 'report_cell_invalid'],
        [{ model: 'retention', query: retention(), cell: { cohort, offset: 1, group: 0 } }, 400, 'report_cell_invalid'],
        [{ model: 'retention', query: retention(), cell: { offset: 1 } }, 400, 'report_cell_invalid'],
        [{ model: 'funnel', query: funnel(), cell: { step: 3 } }, 400, 'report_cell_invalid'],
        [{ model: 'funnel', query: funnel(), cell: { step: 1, dimension: '上海' } }, 400, 'report_cell_invalid'],
        [{ model: 'customQuery', query: { sql: 'SELECT 1' }, cell: {} }, 400, 'report_cell_unsupported'],
        [{ model: 'funnel', query: funnel(), reportId: '1', cell: { step: 1 } }, 400, 'validation_failed'],
        [{ cell: { step: 1 } }, 400, 'validation_failed'],
      ];
      for (const [payload, status, code] of refusals) {
        const res = await t.staff.request('POST', CELL_GROUPS, { name: '不会保存', ...payload });
        expect([res.statusCode, res.body.code], JSON.stringify(payload)).toEqual([status, code]);
      }
      const first = await t.staff.request('POST', CELL_GROUPS, {
        model: 'funnel',
        query: funnel(),
        cell: { step: 2 },
        name: '同名',
      });
      expect(first.statusCode).toBe(201);
      const again = await t.staff.request('POST', CELL_GROUPS, {
        model: 'funnel',
        query: funnel(),
        cell: { step: 2 },
        name: '同名',
      });
      expect(again.statusCode).toBe(409);
      // Nothing of the refused ones was created.
      const listed = await t.staff.request('GET', `${GROUPS}?keyword=${encodeURIComponent('不会保存')}`);
      expect(listed.body.total ?? listed.body.items?.length).toBe(0);
    });

    it('a cell of more contacts than the limit is refused before any group is created', async () => {
      const reports = ctx.app.service(reportsServiceRef);
      await expect(
        reports.cellContacts(
          { tenantId: t.tenantId, staffId: null },
          'retention',
          retention(),
          { cohort, offset: null },
          { max: 2 },
        ),
      ).rejects.toMatchObject({ code: 'report_cell_too_many_contacts', params: { max: 2 } });
      expect(
        await reports.cellContacts(
          { tenantId: t.tenantId, staffId: null },
          'retention',
          retention(),
          { cohort, offset: null },
          { max: 3 },
        ),
      ).toHaveLength(3);
    });

    it('adding members failing half-way leaves no group behind: it is deleted and the failure answered', async () => {
      const service = ctx.app.service(groupsServiceRef);
      service.faults.afterStaticCommit = () => {
        throw new Error('adding members failed');
      };
      try {
        const res = await t.staff.request('POST', CELL_GROUPS, {
          model: 'retention',
          query: retention(),
          cell: { cohort, offset: null },
          name: '半途失败',
        });
        expect(res.statusCode).toBe(500);
      } finally {
        service.faults = {};
      }
      const listed = await t.staff.request('GET', `${GROUPS}?keyword=${encodeURIComponent('半途失败')}`);
      expect(listed.statusCode).toBe(200);
      expect(listed.body.items ?? listed.body).toEqual([]);
      // The name is free again.
      const retry = await t.staff.request('POST', CELL_GROUPS, {
        model: 'retention',
        query: retention(),
        cell: { cohort, offset: null },
        name: '半途失败',
      });
      expect([retry.statusCode, retry.body.count]).toEqual([201, 3]);
    });

    it('needs both reports.view and groups.edit', async () => {
      const client = (name: string, permissions: string[]) => staffWithRole(ctx.app, t.staff, name, permissions);
      const payload = { model: 'funnel', query: funnel(), cell: { step: 2 }, name: '权限' };
      const viewer = await client('cells-viewer', ['reports.view', 'groups.view']);
      expect((await viewer.request('POST', CELL_GROUPS, payload)).statusCode).toBe(403);
      const editor = await client('cells-editor', ['groups.view', 'groups.edit']);
      expect((await editor.request('POST', CELL_GROUPS, payload)).statusCode).toBe(403);
      const both = await client('cells-both', ['reports.view', 'groups.view', 'groups.edit']);
      expect((await both.request('POST', CELL_GROUPS, payload)).statusCode).toBe(201);
    });
  },
  { plugins: firstPartyPlugins },
);
