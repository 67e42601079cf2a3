import { expect, it } from 'vitest';
import { adminQuotas } from '../../src/cli/commands.js';
import { reportQuotasServiceRef } from '../../src/modules/reports/report-quotas.service.js';
import { Client, createTenant, describeEngines } from '../support/test-app.js';
import { boardReports, boardTenant, DASHBOARDS, pastDays, REPORTS } from './support.js';

describeEngines(
  'saved reports: save, edit, save-as, history picker, run, export, delete, quotas (SPEC §6)',
  (ctx) => {
    it('refuses a report without a name, with a name over 50 characters, of an unknown model or with a bad query', async () => {
      const t = await boardTenant(ctx.app);
      const post = (body: object) => t.staff.request('POST', REPORTS, body);
      const noName = await post({ model: 'board.events', query: pastDays(7) });
      expect([noName.statusCode, noName.body.code]).toEqual([400, 'validation_failed']);
      const blank = await post({ name: '   ', model: 'board.events', query: pastDays(7) });
      expect(blank.statusCode).toBe(400);
      const long = await post({ name: '长'.repeat(51), model: 'board.events', query: pastDays(7) });
      expect(long.statusCode).toBe(400);
      expect((await post({ name: '长'.repeat(50), model: 'board.events', query: pastDays(7) })).statusCode).toBe(201);
      const unknown = await post({ name: 'x', model: 'board.nothing', query: {} });
      expect([unknown.statusCode, unknown.body.code]).toEqual([404, 'report_model_unknown']);
      const bad = await post({ name: 'x', model: 'board.events', query: { timeRange: { kind: 'yesterday' } } });
      expect([bad.statusCode, bad.body.code]).toEqual([400, 'report_query_invalid']);
      expect(bad.body.details).toMatchObject([{ path: 'timeRange.kind', code: 'report_query_invalid' }]);
      // Nothing refused was saved.
      expect((await t.staff.request('GET', REPORTS)).body.total).toBe(1);
    });

    it('saves, opens, edits and saves as; the history picker lists a model’s reports newest first, by name, in pages', async () => {
      const t = await boardTenant(ctx.app);
      const created = await t.report('日活 50%_趋势', pastDays(7));
      expect(created).toMatchObject({ name: '日活 50%_趋势', departmentId: null });
      const opened = t.ok(await t.staff.request('GET', `${REPORTS}/${created.id}`));
      expect(opened).toMatchObject({
        id: created.id,
        model: 'board.events',
        modelName: '事件数',
        dashboard: true,
        query: pastDays(7),
        createdBy: t.staffId,
        updatedBy: t.staffId,
      });
      const edited = t.ok(await t.staff.request('PATCH', `${REPORTS}/${created.id}`, { name: '日活', query: pastDays(30) }));
      expect(edited).toMatchObject({ name: '日活', query: pastDays(30) });
      const badEdit = await t.staff.request('PATCH', `${REPORTS}/${created.id}`, { query: { timeRange: {} } });
      expect([badEdit.statusCode, badEdit.body.code]).toEqual([400, 'report_query_invalid']);
      // 另存为: the source's query, or the one the builder shows.
      const copy = t.ok(await t.staff.request('POST', `${REPORTS}/${created.id}/save-as`, { name: '日活副本' }), 201);
      expect(copy).toMatchObject({ name: '日活副本', model: 'board.events', query: pastDays(30) });
      expect(copy.id).not.toBe(created.id);
      const variant = t.ok(
        await t.staff.request('POST', `${REPORTS}/${created.id}/save-as`, {
          name: '日活今天',
          query: { timeRange: { kind: 'today' } },
        }),
        201,
      );
      expect(variant.query).toEqual({ timeRange: { kind: 'today' } });
      const paths = await t.report('路径', pastDays(7), 'board.paths');
      await t.report('画像', pastDays(7), 'board.profile');

      const list = t.ok(await t.staff.request('GET', `${REPORTS}?model=board.events`));
      expect(list.items.map((r: { name: string }) => r.name)).toEqual(['日活今天', '日活副本', '日活']);
      expect(list.total).toBe(3);
      expect(list.items[0]).not.toHaveProperty('query');
      const byName = t.ok(await t.staff.request('GET', `${REPORTS}?keyword=${encodeURIComponent('副本')}`));
      expect(byName.items.map((r: { name: string }) => r.name)).toEqual(['日活副本']);
      // % and _ are matched literally.
      await t.report('100%_完成');
      const literal = t.ok(await t.staff.request('GET', `${REPORTS}?keyword=${encodeURIComponent('%_')}`));
      expect(literal.items.map((r: { name: string }) => r.name)).toEqual(['100%_完成']);
      const page = t.ok(await t.staff.request('GET', `${REPORTS}?pageSize=2&page=2`));
      expect(page).toMatchObject({ total: 6, page: 2, pageSize: 2 });
      expect(page.items.map((r: { id: string }) => r.id)).toEqual([paths.id, variant.id]);
      const profile = t.ok(await t.staff.request('GET', `${REPORTS}?model=board.profile`)).items[0];
      expect(profile).toMatchObject({ model: 'board.profile', dashboard: false });
      expect(t.ok(await t.staff.request('GET', `${REPORTS}/${paths.id}`)).dashboard).toBe(true);
    });

    it('runs a saved report (cached, force refreshes, a temporary range replaces its own) and exports it', async () => {
      const t = await boardTenant(ctx.app);
      const report = await t.report('事件趋势', pastDays(7));
      const first = t.ok(await t.staff.request('POST', `${REPORTS}/${report.id}/run`, {}));
      expect(first).toMatchObject({ kind: 'table', model: 'board.events', cached: false });
      expect(first.rows).toEqual([{ range_label: 'past:7', events: '0' }]);
      expect(t.ok(await t.staff.request('POST', `${REPORTS}/${report.id}/run`, {})).cached).toBe(true);
      expect(t.ok(await t.staff.request('POST', `${REPORTS}/${report.id}/run`, { force: true })).cached).toBe(false);
      const today = t.ok(await t.staff.request('POST', `${REPORTS}/${report.id}/run`, { timeRange: { kind: 'today' } }));
      expect(today.rows[0].range_label).toBe('today:');
      // The saved query is unchanged by a temporary range.
      expect(t.ok(await t.staff.request('GET', `${REPORTS}/${report.id}`)).query).toEqual(pastDays(7));

      const csv = await t.staff.request('POST', `${REPORTS}/${report.id}/export`, { format: 'csv' });
      expect(csv.statusCode).toBe(200);
      expect(csv.headers['content-type']).toContain('text/csv');
      expect(csv.headers['content-disposition']).toContain(encodeURIComponent('事件趋势.csv'));
      expect(String(csv.body)).toContain('range_label,events');
      expect(String(csv.body)).toContain('past:7,0');
      const xlsx = await t.staff.request('POST', `${REPORTS}/${report.id}/export`, { format: 'xlsx' });
      expect([xlsx.statusCode, xlsx.headers['content-type']]).toEqual([
        200,
        'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      ]);
      const badFormat = await t.staff.request('POST', `${REPORTS}/${report.id}/export`, { format: 'pdf' });
      expect(badFormat.statusCode).toBe(400);
    });

    it('deletes a report from every dashboard in the same transaction; its id is never reused', async () => {
      const t = await boardTenant(ctx.app);
      const report = await t.report('要删的');
      const kept = await t.report('留下的');
      const a = await t.dashboard('A');
      const b = await t.dashboard('B');
      await t.card(a.id, report.id);
      await t.card(a.id, kept.id);
      await t.card(b.id, report.id);
      expect((await t.open(a.id)).cards).toHaveLength(2);
      const deleted = await t.staff.request('DELETE', `${REPORTS}/${report.id}`);
      expect(deleted.statusCode).toBe(204);
      expect((await t.open(a.id)).cards.map((c) => c.reportId)).toEqual([kept.id]);
      expect((await t.open(b.id)).cards).toEqual([]);
      const rows = await ctx.app.oltp.forTenant(t.tenantId).from('dashboard_card').where('report_id', report.id);
      expect(rows).toEqual([]);
      for (const [method, url] of [
        ['GET', `${REPORTS}/${report.id}`],
        ['POST', `${REPORTS}/${report.id}/run`],
        ['DELETE', `${REPORTS}/${report.id}`],
      ] as const) {
        const res = await t.staff.request(method, url, method === 'POST' ? {} : undefined);
        expect([res.statusCode, res.body.code], url).toEqual([404, 'report_not_found']);
      }
      const again = await t.report('新的');
      expect(BigInt(again.id)).toBeGreaterThan(BigInt(report.id));
      // The deleted report is not listed and no longer counts.
      expect(t.ok(await t.staff.request('GET', `${REPORTS}/quota`))).toEqual({ used: 2, max: 500 });
    });

    it('batch deletes all or nothing: an unknown or another tenant’s id deletes none', async () => {
      const t = await boardTenant(ctx.app);
      const other = await boardTenant(ctx.app);
      const reports = [await t.report('一'), await t.report('二'), await t.report('三')];
      const dashboard = await t.dashboard();
      await t.card(dashboard.id, reports[0]!.id);
      const foreign = await other.report('别人的');
      const mixed = await t.staff.request('POST', `${REPORTS}/batch-delete`, { ids: [reports[0]!.id, foreign.id] });
      expect([mixed.statusCode, mixed.body.code]).toEqual([404, 'report_not_found']);
      expect(mixed.body.details).toMatchObject([{ path: 'ids.1', code: 'report_not_found' }]);
      const unknown = await t.staff.request('POST', `${REPORTS}/batch-delete`, { ids: [reports[1]!.id, '999999999999'] });
      expect(unknown.statusCode).toBe(404);
      expect(t.ok(await t.staff.request('GET', REPORTS)).total).toBe(3);
      expect((await t.open(dashboard.id)).cards).toHaveLength(1);
      expect(t.ok(await other.staff.request('GET', `${REPORTS}/${foreign.id}`)).name).toBe('别人的');
      const tooMany = await t.staff.request('POST', `${REPORTS}/batch-delete`, {
        ids: Array.from({ length: 101 }, (_, i) => String(i + 1)),
      });
      expect(tooMany.statusCode).toBe(400);
      const all = t.ok(
        await t.staff.request('POST', `${REPORTS}/batch-delete`, { ids: [...reports.map((r) => r.id), reports[0]!.id] }),
      );
      expect(all).toEqual({ deleted: 3 });
      expect(t.ok(await t.staff.request('GET', REPORTS)).total).toBe(0);
      expect((await t.open(dashboard.id)).cards).toEqual([]);
    });

    it('stops saving at the tenant’s quota of reports, set by platform operators with `huiliu admin quotas`', async () => {
      const t = await boardTenant(ctx.app);
      const lines: string[] = [];
      const config = ctx.app.config;
      const shown = await adminQuotas(config, { tenant: t.tenantId, change: {} }, { print: (line) => lines.push(line) });
      expect(shown).toMatchObject({ reports: 500, dashboards: 100, cards: 10, custom: [] });
      expect(lines.join('\n')).toContain('saved reports         500 (default)   (0 saved)');
      lines.length = 0;
      const set = await adminQuotas(
        config,
        { tenant: t.tenantId, change: { reports: 2 }, by: 'ops' },
        { print: (line) => lines.push(line) },
      );
      expect(set).toMatchObject({ reports: 2, dashboards: 100, custom: ['reports'], changedBy: 'ops' });
      expect(lines[0]).toContain(`Set the quotas of tenant ${t.tenantId}`);
      const source = await t.report('一');
      await t.report('二');
      const over = await t.staff.request('POST', REPORTS, { name: '三', model: 'board.events', query: pastDays(7) });
      expect([over.statusCode, over.body.code, over.body.params]).toEqual([409, 'report_quota_exceeded', { max: 2 }]);
      expect(over.body.message).toBe('报表数量已达上限（2 个），请删除不用的报表，或联系我们增加报表数量');
      const saveAs = await t.staff.request('POST', `${REPORTS}/${source.id}/save-as`, { name: '副本' });
      expect([saveAs.statusCode, saveAs.body.code]).toEqual([409, 'report_quota_exceeded']);
      expect(t.ok(await t.staff.request('GET', `${REPORTS}/quota`))).toEqual({ used: 2, max: 2 });
      // Deleting makes room; "default" puts the quota back.
      await t.staff.request('DELETE', `${REPORTS}/${source.id}`);
      await t.report('三');
      const reset = await adminQuotas(config, { tenant: t.tenantId, change: { reports: null } }, { print: () => undefined });
      expect(reset).toMatchObject({ reports: 500, custom: [] });
      await t.report('四');
      // Refusals: out of range, unknown tenant.
      await expect(adminQuotas(config, { tenant: t.tenantId, change: { cards: 0 } }, { print: () => undefined })).rejects.toThrow(
        'The cards quota must be a whole number from 1 to 100',
      );
      await expect(adminQuotas(config, { tenant: '999999999', change: {} }, { print: () => undefined })).rejects.toThrow(
        /tenant/i,
      );
    });

    it('never lets concurrent saves pass the quota (the tenant lock)', async () => {
      const t = await boardTenant(ctx.app);
      await ctx.app.service(reportQuotasServiceRef).set(t.tenantId, { reports: 3 }, 'test');
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          t.staff.request('POST', REPORTS, { name: `并发${i}`, model: 'board.events', query: pastDays(7) }),
        ),
      );
      expect(results.map((r) => r.statusCode).sort()).toEqual([201, 201, 201, 409, 409, 409]);
      expect(t.ok(await t.staff.request('GET', `${REPORTS}/quota`))).toEqual({ used: 3, max: 3 });
    });

    it('a report of another tenant cannot be read, run, edited, exported, deleted or put on a dashboard', async () => {
      const t = await boardTenant(ctx.app);
      const other = await boardTenant(ctx.app);
      const report = await t.report('机密');
      for (const [method, url, body] of [
        ['GET', `${REPORTS}/${report.id}`, undefined],
        ['PATCH', `${REPORTS}/${report.id}`, { name: 'x' }],
        ['POST', `${REPORTS}/${report.id}/save-as`, { name: 'x' }],
        ['POST', `${REPORTS}/${report.id}/run`, {}],
        ['POST', `${REPORTS}/${report.id}/export`, { format: 'csv' }],
        ['DELETE', `${REPORTS}/${report.id}`, undefined],
      ] as const) {
        const res = await other.staff.request(method, url, body);
        expect([res.statusCode, res.body.code], `${method} ${url}`).toEqual([404, 'report_not_found']);
      }
      expect(t.ok(await other.staff.request('GET', REPORTS)).items).toEqual([]);
      const board = await other.dashboard();
      const stolen = await other.staff.request('POST', `${DASHBOARDS}/${board.id}/cards`, { reportId: report.id });
      expect([stolen.statusCode, stolen.body.code]).toEqual([404, 'report_not_found']);
      expect(t.ok(await t.staff.request('GET', `${REPORTS}/${report.id}`)).name).toBe('机密');
    });

    it('answers a tenant without analytics data yet with no rows, not 404 olap_tenant_not_declared', async () => {
      const tenant = await createTenant(ctx.app);
      const staff = await Client.staff(ctx.app.server, tenant.email, tenant.password);
      const run = await staff.request('POST', '/api/v1/console/report-runs', { model: 'board.events', query: pastDays(7) });
      expect(run.statusCode, JSON.stringify(run.body)).toBe(200);
      expect(run.body).toMatchObject({ kind: 'table', rows: [], truncated: false, groupCount: 0 });
    });
  },
  { plugins: [boardReports] },
);
