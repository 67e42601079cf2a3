import { expect, it } from 'vitest';
import { Client, describeEngines, type TestApp } from '../support/test-app.js';
import { boardReports, boardTenant, DASHBOARDS, everyRight, FOLDERS, pastDays, PRESETS, REPORTS, staffWith } from './support.js';

type Res = { statusCode: number; body: { code?: string } };
const refused = (res: Res, statusCode: number, code: string, what = '') =>
  expect([res.statusCode, res.body.code], `${what} ${JSON.stringify(res.body)}`).toEqual([statusCode, code]);

/**
 * The org chart of ADR 0023 (总公司 → 市场部 → 市场一组; 总公司 → 销售部), 组织架构 on, and staff holding
 * every report and dashboard right: in 市场部, in 市场一组, in 销售部, and in no department.
 */
async function organisation(app: TestApp) {
  const t = await boardTenant(app);
  const department = async (name: string, parentId?: string) =>
    t.ok(await t.staff.request('POST', '/api/v1/departments', { name, parentId }), 201).id as string;
  const hq = await department('总公司');
  const marketing = await department('市场部', hq);
  const marketing1 = await department('市场一组', marketing);
  const sales = await department('销售部', hq);
  const spare = await department('备用部');
  t.ok(await t.staff.request('PUT', '/api/v1/departments/settings', { orgEnabled: true }));
  const member = async (departmentId?: string) => {
    const { client } = await staffWith(app, t.staff, everyRight, departmentId);
    return { client, ...t.as(client) };
  };
  return {
    ...t,
    d: { hq, marketing, marketing1, sales, spare },
    market: await member(marketing),
    marketTeam: await member(marketing1),
    salesStaff: await member(sales),
    nobody: await member(),
  };
}

describeEngines(
  'dashboards and saved reports: department data permissions, permissions, tenant isolation (ADR 0023, 0053)',
  (ctx) => {
    it('a saved report belongs to its creator’s department: other departments get 无权限 and do not list it', async () => {
      const o = await organisation(ctx.app);
      const report = await o.market.report('市场周报');
      expect(report.departmentId).toBe(o.d.marketing);
      const shared = await o.report('公共报表'); // super staff without a department: no department
      expect(shared.departmentId).toBeNull();
      const names = async (client: Client) =>
        (o.ok(await client.request('GET', REPORTS)).items as { name: string }[]).map((r) => r.name).sort();
      expect(await names(o.market.client)).toEqual(['公共报表', '市场周报']);
      expect(await names(o.salesStaff.client)).toEqual(['公共报表']);
      // A sub-department does not see its parent's objects; no department: only objects without one.
      expect(await names(o.marketTeam.client)).toEqual(['公共报表']);
      expect(await names(o.nobody.client)).toEqual(['公共报表']);
      expect(await names(o.staff)).toEqual(['公共报表', '市场周报']);
      for (const [method, url, body] of [
        ['GET', `${REPORTS}/${report.id}`, undefined],
        ['PATCH', `${REPORTS}/${report.id}`, { name: 'x' }],
        ['POST', `${REPORTS}/${report.id}/run`, {}],
        ['POST', `${REPORTS}/${report.id}/export`, { format: 'csv' }],
        ['POST', `${REPORTS}/${report.id}/save-as`, { name: 'x' }],
        ['DELETE', `${REPORTS}/${report.id}`, undefined],
      ] as const)
        refused(await o.salesStaff.client.request(method, url, body), 403, 'department_no_access', `${method} ${url}`);
      // A batch holding one report the caller does not see deletes nothing.
      const own = await o.salesStaff.report('销售周报');
      refused(
        await o.salesStaff.client.request('POST', `${REPORTS}/batch-delete`, { ids: [own.id, report.id] }),
        403,
        'department_no_access',
      );
      expect(await names(o.salesStaff.client)).toEqual(['公共报表', '销售周报']);
      // 更新所属部门: only to the caller's own department or one below it.
      refused(
        await o.market.client.request('PUT', `${REPORTS}/${report.id}/department`, { departmentId: o.d.sales }),
        400,
        'department_outside_own',
      );
      const moved = o.ok(
        await o.market.client.request('PUT', `${REPORTS}/${report.id}/department`, { departmentId: o.d.marketing1 }),
      );
      expect(moved.departmentId).toBe(o.d.marketing1);
      expect(await names(o.marketTeam.client)).toEqual(['公共报表', '市场周报']);
      expect(await names(o.market.client)).toEqual(['公共报表', '市场周报']);
    });

    it('a dashboard card whose report the caller does not see is 无权限: no name, no query, and its run is refused', async () => {
      const o = await organisation(ctx.app);
      const secret = await o.market.report('市场机密', pastDays(14));
      const salesReport = await o.salesStaff.report('销售报表');
      const shared = await o.report('公共报表');
      const board = await o.dashboard('全员看板'); // no department: everyone sees it
      const secretCard = await o.card(board.id, secret.id);
      const salesCard = await o.card(board.id, salesReport.id);
      await o.card(board.id, shared.id);

      const seen = await o.salesStaff.open(board.id);
      expect(seen.cards.map((c) => [c.reportId, c.status])).toEqual([
        [secret.id, 'forbidden'],
        [salesReport.id, 'ok'],
        [shared.id, 'ok'],
      ]);
      expect(seen.cards[0]).toEqual({ id: secretCard.id, reportId: secret.id, size: 'M', position: 0, status: 'forbidden' });
      const raw = JSON.stringify(seen);
      expect(raw).not.toContain('市场机密');
      expect(raw).not.toContain('"days":14');
      expect(seen.cardCount).toBe(3);
      const run = (client: Client, cardId: string) =>
        client.request('POST', `${DASHBOARDS}/${board.id}/cards/${cardId}/run`, { timeRange: { kind: 'today' } });
      refused(await run(o.salesStaff.client, secretCard.id), 403, 'department_no_access');
      expect((await run(o.salesStaff.client, salesCard.id)).statusCode).toBe(200);
      // The report page the card links to answers 无权限 too.
      refused(await o.salesStaff.client.request('GET', `${REPORTS}/${secret.id}`), 403, 'department_no_access');
      // 市场部 sees its report's card; the mirror image for 销售部's.
      const market = await o.market.open(board.id);
      expect(market.cards.map((c) => c.status)).toEqual(['ok', 'forbidden', 'ok']);
      expect(market.cards[0]!.report!.name).toBe('市场机密');
      expect((await run(o.market.client, secretCard.id)).statusCode).toBe(200);
      // Nobody adds to a dashboard a report it does not see.
      const own = await o.salesStaff.dashboard('销售看板');
      refused(
        await o.salesStaff.client.request('POST', `${DASHBOARDS}/${own.id}/cards`, { reportId: secret.id }),
        403,
        'department_no_access',
      );
    });

    it('dashboards and folders follow the rules of ADR 0023: initial department, cascade, moves, 无权限', async () => {
      const o = await organisation(ctx.app);
      // 新建: a folder takes its creator's department, a sub-folder and a dashboard their folder's.
      const marketFolder = await o.market.folder('市场目录');
      expect(marketFolder.departmentId).toBe(o.d.marketing);
      const sub = await o.folder('子目录', marketFolder.id);
      expect(sub.departmentId).toBe(o.d.marketing);
      const inFolder = await o.dashboard('市场看板', sub.id);
      expect(inFolder.departmentId).toBe(o.d.marketing);
      const publicFolder = await o.folder('公共目录');
      expect(publicFolder.departmentId).toBeNull();
      const salesBoard = await o.salesStaff.dashboard('销售看板', publicFolder.id);
      expect(salesBoard.departmentId).toBe(o.d.sales); // a folder without a department: the creator's
      // What each one sees.
      const seen = async (client: Client) => ({
        folders: (o.ok(await client.request('GET', FOLDERS)).items as { name: string }[]).map((f) => f.name).sort(),
        dashboards: (o.ok(await client.request('GET', DASHBOARDS)).items as { name: string }[]).map((d) => d.name).sort(),
      });
      expect(await seen(o.salesStaff.client)).toEqual({ folders: ['公共目录'], dashboards: ['销售看板'] });
      expect(await seen(o.market.client)).toEqual({ folders: ['公共目录', '子目录', '市场目录'], dashboards: ['市场看板'] });
      refused(await o.salesStaff.client.request('GET', `${DASHBOARDS}/${inFolder.id}`), 403, 'department_no_access');
      refused(
        await o.salesStaff.client.request('POST', DASHBOARDS, { name: 'x', folderId: marketFolder.id }),
        403,
        'department_no_access',
      );
      refused(await o.salesStaff.client.request('DELETE', `${DASHBOARDS}/${inFolder.id}`), 403, 'department_no_access');
      refused(await o.salesStaff.client.request('DELETE', `${FOLDERS}/${sub.id}`), 403, 'department_no_access');
      // 更新所属部门: refused for a dashboard whose folder has one, and for a sub-folder of a folder with one.
      refused(
        await o.market.client.request('PUT', `${DASHBOARDS}/${inFolder.id}/department`, { departmentId: o.d.marketing1 }),
        400,
        'department_set_by_folder',
      );
      refused(
        await o.market.client.request('PUT', `${FOLDERS}/${sub.id}/department`, { departmentId: o.d.marketing1 }),
        400,
        'department_set_by_parent_folder',
      );
      // A parent folder's new department goes to its sub-folders and their dashboards.
      const cascaded = o.ok(
        await o.staff.request('PUT', `${FOLDERS}/${marketFolder.id}/department`, { departmentId: o.d.sales }),
      );
      expect(cascaded.departmentId).toBe(o.d.sales);
      expect(await seen(o.market.client)).toEqual({ folders: ['公共目录'], dashboards: [] });
      expect(await seen(o.salesStaff.client)).toEqual({
        folders: ['公共目录', '子目录', '市场目录'],
        dashboards: ['市场看板', '销售看板'],
      });
      // 添加至目录: into a folder with a department, the dashboard takes it; into one without, it keeps its own.
      const mine = await o.market.dashboard('我的看板');
      expect(mine.departmentId).toBe(o.d.marketing);
      const keep = o.ok(await o.market.client.request('PATCH', `${DASHBOARDS}/${mine.id}`, { folderId: publicFolder.id }));
      expect(keep.departmentId).toBe(o.d.marketing);
      refused(
        await o.market.client.request('PATCH', `${DASHBOARDS}/${mine.id}`, { folderId: marketFolder.id }),
        403,
        'department_no_access',
      );
      const taken = o.ok(await o.staff.request('PATCH', `${DASHBOARDS}/${mine.id}`, { folderId: sub.id }));
      expect(taken.departmentId).toBe(o.d.sales);
      // 移至目录: a folder moved into a folder with a department takes it and passes it on.
      const loose = await o.market.folder('游离目录');
      const looseBoard = await o.market.dashboard('游离看板', loose.id);
      o.ok(await o.staff.request('PATCH', `${FOLDERS}/${loose.id}`, { parentId: marketFolder.id }));
      expect(o.ok(await o.staff.request('GET', `${DASHBOARDS}/${looseBoard.id}`)).departmentId).toBe(o.d.sales);
      // The picker never offers a folder the caller does not see: moving into one is 无权限.
      const marketOwn = await o.market.folder('市场自己的');
      refused(
        await o.market.client.request('PATCH', `${FOLDERS}/${marketOwn.id}`, { parentId: sub.id }),
        403,
        'department_no_access',
      );
    });

    it('a department that reports, dashboards or folders still belong to cannot be deleted', async () => {
      const o = await organisation(ctx.app);
      const report = await o.report('报表');
      const board = await o.dashboard('看板');
      const folder = await o.folder('目录');
      const remove = () => o.staff.request('DELETE', `/api/v1/departments/${o.d.spare}`);
      for (const [url, id] of [
        [`${REPORTS}/${report.id}/department`, report.id],
        [`${DASHBOARDS}/${board.id}/department`, board.id],
        [`${FOLDERS}/${folder.id}/department`, folder.id],
      ] as const) {
        o.ok(await o.staff.request('PUT', url, { departmentId: o.d.spare }));
        refused(await remove(), 400, 'department_in_use', id);
        const back = url.startsWith(REPORTS)
          ? `${REPORTS}/${id}`
          : url.startsWith(DASHBOARDS)
            ? `${DASHBOARDS}/${id}`
            : `${FOLDERS}/${id}`;
        expect((await o.staff.request('DELETE', back)).statusCode).toBe(204);
      }
      expect((await remove()).statusCode).toBe(204);
    });

    it('permissions: a role without the right is refused (403 forbidden) on every kind of route', async () => {
      const t = await boardTenant(ctx.app);
      const report = await t.report();
      const board = await t.dashboard();
      const card = await t.card(board.id, report.id);
      const folder = await t.folder('目录');
      const cases: [string[], string, string, object?][] = [
        [[], 'GET', REPORTS],
        [[], 'GET', `${REPORTS}/${report.id}`],
        [[], 'POST', `${REPORTS}/${report.id}/run`, {}],
        [['reports.view'], 'POST', REPORTS, { name: 'x', model: 'board.events', query: pastDays(7) }],
        [['reports.view'], 'PATCH', `${REPORTS}/${report.id}`, { name: 'x' }],
        [['reports.view'], 'POST', `${REPORTS}/${report.id}/save-as`, { name: 'x' }],
        [['reports.view'], 'POST', `${REPORTS}/${report.id}/export`, { format: 'csv' }],
        [['reports.view', 'reports.edit'], 'DELETE', `${REPORTS}/${report.id}`],
        [['reports.view', 'reports.edit'], 'POST', `${REPORTS}/batch-delete`, { ids: [report.id] }],
        [['reports.view'], 'GET', DASHBOARDS],
        [['reports.view'], 'GET', `${DASHBOARDS}/${board.id}`],
        [['reports.view'], 'POST', `${DASHBOARDS}/${board.id}/cards/${card.id}/run`, {}],
        [['dashboards.view'], 'POST', DASHBOARDS, { name: 'x' }],
        [['dashboards.view'], 'POST', `${DASHBOARDS}/${board.id}/cards`, { reportId: report.id }],
        [['dashboards.view'], 'DELETE', `${DASHBOARDS}/${board.id}/cards/${card.id}`],
        [['dashboards.view', 'dashboards.edit'], 'DELETE', `${DASHBOARDS}/${board.id}`],
        [['dashboards.view'], 'POST', `${PRESETS}/install`, { presetId: 'board.small', folderId: folder.id }],
        [['reports.view'], 'GET', FOLDERS],
        [['dashboards.view'], 'POST', FOLDERS, { name: 'x' }],
        [['dashboardFolders.edit'], 'DELETE', `${FOLDERS}/${folder.id}`],
      ];
      for (const [rights, method, url, body] of cases) {
        const { client } = await staffWith(ctx.app, t.staff, rights);
        refused(await client.request(method, url, body), 403, 'forbidden', `${method} ${url} with ${rights.join(',')}`);
      }
      // Everything is still there.
      expect((await t.open(board.id)).cards).toHaveLength(1);
      const viewer = (await staffWith(ctx.app, t.staff, ['reports.view', 'dashboards.view'])).client;
      expect((await viewer.request('POST', `${DASHBOARDS}/${board.id}/cards/${card.id}/run`, {})).statusCode).toBe(200);
      expect((await viewer.request('GET', `${REPORTS}/${report.id}`)).statusCode).toBe(200);
    });

    it('tenant isolation: another tenant’s dashboard, folder and card ids answer 404; its folders take nothing', async () => {
      const t = await boardTenant(ctx.app);
      const other = await boardTenant(ctx.app);
      const report = await t.report();
      const folder = await t.folder('目录');
      const board = await t.dashboard('看板', folder.id);
      const card = await t.card(board.id, report.id);
      const ownReport = await other.report();
      const ownBoard = await other.dashboard();
      const ownCard = await other.card(ownBoard.id, ownReport.id);
      for (const [method, url, body, code] of [
        ['GET', `${DASHBOARDS}/${board.id}`, undefined, 'dashboard_not_found'],
        ['PATCH', `${DASHBOARDS}/${board.id}`, { name: 'x' }, 'dashboard_not_found'],
        ['DELETE', `${DASHBOARDS}/${board.id}`, undefined, 'dashboard_not_found'],
        ['POST', `${DASHBOARDS}/${board.id}/position`, { direction: 'top' }, 'dashboard_not_found'],
        ['PUT', `${DASHBOARDS}/${board.id}/department`, { departmentId: '1' }, 'dashboard_not_found'],
        ['POST', `${DASHBOARDS}/${board.id}/cards`, { reportId: ownReport.id }, 'dashboard_not_found'],
        ['PUT', `${DASHBOARDS}/${board.id}/cards/order`, { cardIds: [card.id] }, 'dashboard_not_found'],
        ['PATCH', `${DASHBOARDS}/${board.id}/cards/${card.id}`, { size: 'L' }, 'dashboard_not_found'],
        ['DELETE', `${DASHBOARDS}/${board.id}/cards/${card.id}`, undefined, 'dashboard_not_found'],
        ['POST', `${DASHBOARDS}/${board.id}/cards/${card.id}/run`, {}, 'dashboard_not_found'],
        // The victim's card through the caller's own dashboard.
        ['PATCH', `${DASHBOARDS}/${ownBoard.id}/cards/${card.id}`, { size: 'L' }, 'dashboard_card_not_found'],
        ['DELETE', `${DASHBOARDS}/${ownBoard.id}/cards/${card.id}`, undefined, 'dashboard_card_not_found'],
        ['POST', `${DASHBOARDS}/${ownBoard.id}/cards/${card.id}/run`, {}, 'dashboard_card_not_found'],
        ['PUT', `${DASHBOARDS}/${ownBoard.id}/cards/order`, { cardIds: [card.id] }, 'dashboard_cards_order_invalid'],
        ['POST', `${DASHBOARDS}/${ownBoard.id}/cards`, { reportId: report.id }, 'report_not_found'],
        ['PATCH', `${FOLDERS}/${folder.id}`, { name: 'x' }, 'dashboard_folder_not_found'],
        ['DELETE', `${FOLDERS}/${folder.id}`, undefined, 'dashboard_folder_not_found'],
        ['POST', `${FOLDERS}/${folder.id}/position`, { direction: 'top' }, 'dashboard_folder_not_found'],
        ['PUT', `${FOLDERS}/${folder.id}/department`, { departmentId: '1' }, 'dashboard_folder_not_found'],
        ['POST', FOLDERS, { name: 'x', parentId: folder.id }, 'dashboard_folder_not_found'],
        ['POST', DASHBOARDS, { name: 'x', folderId: folder.id }, 'dashboard_folder_not_found'],
        ['PATCH', `${DASHBOARDS}/${ownBoard.id}`, { folderId: folder.id }, 'dashboard_folder_not_found'],
        ['POST', `${PRESETS}/install`, { presetId: 'board.small', folderId: folder.id }, 'dashboard_folder_not_found'],
      ] as const) {
        const res = await other.staff.request(method, url, body);
        const status = code === 'dashboard_cards_order_invalid' ? 400 : 404;
        refused(res, status, code, `${method} ${url}`);
      }
      expect(t.ok(await other.staff.request('GET', DASHBOARDS)).items.map((d: { id: string }) => d.id)).toEqual([ownBoard.id]);
      expect(t.ok(await other.staff.request('GET', FOLDERS)).items).toEqual([]);
      // The victim's dashboard is untouched; the attacker's own card too.
      const victim = await t.open(board.id);
      expect(victim.cards.map((c) => [c.id, c.size])).toEqual([[card.id, 'M']]);
      expect((await other.open(ownBoard.id)).cards.map((c) => c.id)).toEqual([ownCard.id]);
      // No card row points at the victim's report, even one the dashboard would not show.
      const rows = await ctx.app.oltp.forTenant(other.tenantId).from('dashboard_card').where('dashboard_id', ownBoard.id);
      expect(rows.map((row: { report_id: unknown }) => String(row.report_id))).toEqual([ownReport.id]);
    });
  },
  { plugins: [boardReports] },
);
