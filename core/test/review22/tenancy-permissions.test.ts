import { beforeAll, expect, it } from 'vitest';
import { firstPartyPlugins } from '../support/plugins.js';
import { normalStaff } from '../support/staff.js';
import { paramFixtures, type FixtureContext } from '../support/tenant-fixtures.js';
import { describeEngines } from '../support/test-app.js';
import { EXPORTS, RUNS, reportsTenant } from '../reports/support.js';

const range = { kind: 'past', days: 30, includeToday: true };
/** One valid query per model of issue 22 over the reportsTenant's `purchase`. */
const queries: Record<string, Record<string, unknown>> = {
  funnel: { steps: [{ event: 'purchase' }, { event: 'purchase' }], window: { unit: 'day', value: 7 }, timeRange: range },
  retention: { initial: { event: 'purchase' }, return: { event: 'purchase' }, unit: 'day', periods: 7, timeRange: range },
  distribution: { metric: { event: 'purchase', aggregate: 'count' }, intervals: { mode: 'default' }, timeRange: range },
  ltv: {
    initial: { kind: 'event', event: 'purchase' },
    revenue: { event: 'purchase', aggregate: 'sum', property: 'amount' },
    timeRange: range,
    unit: 'day',
    periods: 7,
  },
};

describeEngines(
  'review 22: tenancy and permissions of the analysis models',
  (ctx) => {
    let victim: Awaited<ReturnType<typeof reportsTenant>>;
    let attacker: Awaited<ReturnType<typeof reportsTenant>>;
    const ids: Record<string, string> = {};

    beforeAll(async () => {
      victim = await reportsTenant(ctx.app);
      attacker = await reportsTenant(ctx.app);
      const fixture = {
        app: ctx.app,
        client: victim.staff,
        marker: 'r22victim',
        tenant: victim.tenant,
      } as unknown as FixtureContext;
      await paramFixtures.folderId!(fixture);
      ids.groupId = await paramFixtures.groupId!(fixture);
      ids.exclusiveGroupId = await paramFixtures.exclusiveGroupId!(fixture);
      ids.temporaryGroupId = await paramFixtures.temporaryGroupId!(fixture);
      await paramFixtures.tagFolderId!(fixture);
      ids.tagId = await paramFixtures.tagId!(fixture);
      const saved = await victim.staff.request('POST', '/api/v1/console/reports', {
        model: 'funnel',
        name: '受害者漏斗',
        query: queries.funnel,
      });
      expect(saved.statusCode, JSON.stringify(saved.body)).toBe(201);
      ids.reportId = saved.body.id;
    }, 120_000);

    const selections = () => [
      { type: 'group', groupId: ids.groupId },
      { type: 'exclusive', exclusiveGroupId: ids.exclusiveGroupId, position: 1 },
      { type: 'temporary', temporaryGroupId: ids.temporaryGroupId },
    ];

    it("R22-1: another tenant's group / exclusive group / temporary group in a query's groups is 404 or 400, never data", async () => {
      for (const [model, query] of Object.entries(queries)) {
        for (const selection of selections()) {
          for (const path of [RUNS, EXPORTS]) {
            const res = await attacker.staff.request('POST', path, {
              model,
              query: { ...query, groups: [selection] },
              ...(path === EXPORTS ? { format: 'csv' } : {}),
            });
            expect(
              [400, 404],
              `${model} ${path} ${JSON.stringify(selection)}: ${res.statusCode} ${JSON.stringify(res.body).slice(0, 300)}`,
            ).toContain(res.statusCode);
            expect(typeof res.body?.code, `${model} ${JSON.stringify(selection)}`).toBe('string');
          }
        }
      }
    });

    it("R22-2: another tenant's tag id as an LTV dimension is 400 report_dimension_unknown (dimensions.0.tagId)", async () => {
      const res = await attacker.staff.request('POST', RUNS, {
        model: 'ltv',
        query: { ...queries.ltv, dimensions: [{ kind: 'tag', tagId: ids.tagId }] },
      });
      expect(res.statusCode, JSON.stringify(res.body)).toBe(400);
      expect(res.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'dimensions.0.tagId' })]));
    });

    it("R22-3: another tenant's saved analysis report: run, export, save-as and a dashboard card are 404", async () => {
      const run = await attacker.staff.request('POST', `/api/v1/console/reports/${ids.reportId}/run`, {});
      expect(run.statusCode).toBe(404);
      const exported = await attacker.staff.request('POST', `/api/v1/console/reports/${ids.reportId}/export`, { format: 'csv' });
      expect(exported.statusCode).toBe(404);
      const folder = await attacker.staff.request('POST', '/api/v1/console/dashboard-folders', { name: '攻击者' });
      expect(folder.statusCode, JSON.stringify(folder.body)).toBe(201);
      const dash = await attacker.staff.request('POST', '/api/v1/console/dashboards', {
        name: '攻击者看板',
        folderId: folder.body.id,
      });
      expect(dash.statusCode, JSON.stringify(dash.body)).toBe(201);
      const card = await attacker.staff.request('POST', `/api/v1/console/dashboards/${dash.body.id}/cards`, {
        reportId: ids.reportId,
      });
      expect([400, 404], JSON.stringify(card.body)).toContain(card.statusCode);
      // A saved report of the attacker whose query names the victim's group: refused at save or at run.
      const sneaky = await attacker.staff.request('POST', '/api/v1/console/reports', {
        model: 'retention',
        name: 'sneaky',
        query: { ...queries.retention, groups: [{ type: 'group', groupId: ids.groupId }] },
      });
      if (sneaky.statusCode === 201) {
        const ran = await attacker.staff.request('POST', `/api/v1/console/reports/${sneaky.body.id}/run`, {});
        expect([400, 404], JSON.stringify(ran.body)).toContain(ran.statusCode);
      } else expect([400, 404]).toContain(sneaky.statusCode);
    });

    it('R22-4: a normal staff member without reports.view cannot run or export an analysis model (403)', async () => {
      const plain = await normalStaff(ctx.app, attacker.tenantId);
      for (const [model, query] of Object.entries(queries)) {
        const run = await plain.request('POST', RUNS, { model, query });
        expect(run.statusCode, `${model}: ${JSON.stringify(run.body).slice(0, 200)}`).toBe(403);
        const exported = await plain.request('POST', EXPORTS, { model, query, format: 'csv' });
        expect(exported.statusCode, model).toBe(403);
        const saved = await plain.request('POST', '/api/v1/console/reports', { model, name: 'x', query });
        expect(saved.statusCode, model).toBe(403);
      }
    });

    it('R22-5: a staff member holding only reports.view may run but not export or save (reports.edit)', async () => {
      const role = await attacker.staff.request('POST', '/api/v1/roles', { name: 'r22-viewer', permissions: ['reports.view'] });
      expect(role.statusCode, JSON.stringify(role.body)).toBe(201);
      const email = `r22.viewer.${process.pid}.${Date.now()}@example.com`;
      const created = await attacker.staff.request('POST', '/api/v1/staff', {
        email,
        name: '看报表',
        password: 'Member-pass-1',
        roleIds: [role.body.id],
      });
      expect(created.statusCode, JSON.stringify(created.body)).toBe(201);
      const { Client } = await import('../support/test-app.js');
      const viewer = await Client.staff(ctx.app.server, email, 'Member-pass-1');
      for (const [model, query] of Object.entries(queries)) {
        const run = await viewer.request('POST', RUNS, { model, query });
        expect(run.statusCode, `${model}: ${JSON.stringify(run.body).slice(0, 200)}`).toBe(200);
        const exported = await viewer.request('POST', EXPORTS, { model, query, format: 'csv' });
        expect(exported.statusCode, model).toBe(403);
        const saved = await viewer.request('POST', '/api/v1/console/reports', { model, name: 'x', query });
        expect(saved.statusCode, model).toBe(403);
      }
    });

    it('R22-6: an Open API app principal cannot reach the console report routes', async () => {
      for (const [model, query] of Object.entries(queries)) {
        const run = await attacker.api.request('POST', RUNS, { model, query });
        expect([401, 403], `${model}: ${run.statusCode}`).toContain(run.statusCode);
        const exported = await attacker.api.request('POST', EXPORTS, { model, query, format: 'csv' });
        expect([401, 403]).toContain(exported.statusCode);
      }
    });
  },
  { plugins: firstPartyPlugins },
);
