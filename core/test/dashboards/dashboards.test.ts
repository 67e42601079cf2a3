import { expect, it } from 'vitest';
import { reportQuotasServiceRef } from '../../src/modules/reports/report-quotas.service.js';
import { setPluginEnabled } from '../../src/testing.js';
import { Client, describeEngines } from '../support/test-app.js';
import { boardReports, boardTenant, DASHBOARDS, FOLDERS, pastDays, PRESETS, REPORTS } from './support.js';

describeEngines(
  'dashboards: folders, dashboards, cards, card runs, quotas and preset dashboards (seed §1.3)',
  (ctx) => {
    const quotas = () => ctx.app.service(reportQuotasServiceRef);

    it('folders: 4 levels at most, never into themselves, names unique per level, only empty ones deleted', async () => {
      const t = await boardTenant(ctx.app);
      const l1 = await t.folder('一级');
      const l2 = await t.folder('二级', l1.id);
      const l3 = await t.folder('三级', l2.id);
      const l4 = await t.folder('四级', l3.id);
      expect(l4.depth).toBe(4);
      const l5 = await t.staff.request('POST', FOLDERS, { name: '五级', parentId: l4.id });
      expect([l5.statusCode, l5.body.code, l5.body.params]).toEqual([400, 'dashboard_folder_too_deep', { max: 4 }]);
      const same = await t.staff.request('POST', FOLDERS, { name: '二级', parentId: l1.id });
      expect([same.statusCode, same.body.code]).toEqual([409, 'dashboard_folder_name_taken']);
      await t.folder('二级'); // the same name on another level
      const other = await t.folder('另一个');
      const otherChild = await t.folder('子', other.id);
      // Moving the 3-level subtree under a second-level folder would make 5 levels.
      const deep = await t.staff.request('PATCH', `${FOLDERS}/${l2.id}`, { parentId: otherChild.id });
      expect([deep.statusCode, deep.body.code]).toEqual([400, 'dashboard_folder_too_deep']);
      const into = await t.staff.request('PATCH', `${FOLDERS}/${l1.id}`, { parentId: l3.id });
      expect([into.statusCode, into.body.code]).toEqual([400, 'dashboard_folder_move_invalid']);
      const self = await t.staff.request('PATCH', `${FOLDERS}/${l1.id}`, { parentId: l1.id });
      expect(self.body.code).toBe('dashboard_folder_move_invalid');
      const moved = t.ok(await t.staff.request('PATCH', `${FOLDERS}/${l3.id}`, { parentId: other.id, name: '三级改名' }));
      expect(moved).toMatchObject({ parentId: other.id, depth: 2, name: '三级改名' });
      const folders = t.ok(await t.staff.request('GET', FOLDERS)).items as { id: string; depth: number }[];
      expect(folders.find((f) => f.id === l4.id)!.depth).toBe(3);
      // Not empty: a sub-folder, or a dashboard.
      const withChild = await t.staff.request('DELETE', `${FOLDERS}/${l3.id}`);
      expect([withChild.statusCode, withChild.body.code, withChild.body.params]).toEqual([
        409,
        'dashboard_folder_not_empty',
        { folders: 1, dashboards: 0 },
      ]);
      const board = await t.dashboard('看板', l4.id);
      const withBoard = await t.staff.request('DELETE', `${FOLDERS}/${l4.id}`);
      expect([withBoard.statusCode, withBoard.body.params]).toEqual([409, { folders: 0, dashboards: 1 }]);
      t.ok(await t.staff.request('PATCH', `${DASHBOARDS}/${board.id}`, { folderId: null }));
      expect((await t.staff.request('DELETE', `${FOLDERS}/${l4.id}`)).statusCode).toBe(204);
      expect((await t.staff.request('DELETE', `${FOLDERS}/${l4.id}`)).statusCode).toBe(404);
    });

    it('orders folders and dashboards: 置顶 / 上移 / 下移, nothing at the ends', async () => {
      const t = await boardTenant(ctx.app);
      const [a, b, c] = [await t.folder('A'), await t.folder('B'), await t.folder('C')];
      const names = (res: { body: { items: { name: string }[] } }) => res.body.items.map((f) => f.name);
      const move = (id: string, direction: string) => t.staff.request('POST', `${FOLDERS}/${id}/position`, { direction });
      expect(names(await move(c.id, 'top'))).toEqual(['C', 'A', 'B']);
      expect(names(await move(a.id, 'down'))).toEqual(['C', 'B', 'A']);
      expect(names(await move(a.id, 'down'))).toEqual(['C', 'B', 'A']);
      expect(names(await move(b.id, 'up'))).toEqual(['B', 'C', 'A']);
      expect(names(await move(b.id, 'up'))).toEqual(['B', 'C', 'A']);
      const bad = await move(a.id, 'sideways');
      expect(bad.statusCode).toBe(400);
      // Sub-folders are ordered among themselves.
      const [x, y] = [await t.folder('X', a.id), await t.folder('Y', a.id)];
      expect(names(await move(y.id, 'top'))).toEqual(['Y', 'X']);
      expect(x.id).toBeTruthy();

      const folder = await t.folder('看板');
      const [d1, d2, d3] = [
        await t.dashboard('一', folder.id),
        await t.dashboard('二', folder.id),
        await t.dashboard('三', folder.id),
      ];
      await t.dashboard('目录外');
      const boardMove = (id: string, direction: string) => t.staff.request('POST', `${DASHBOARDS}/${id}/position`, { direction });
      expect(names(await boardMove(d3.id, 'up'))).toEqual(['一', '三', '二']);
      expect(names(await boardMove(d2.id, 'top'))).toEqual(['二', '一', '三']);
      expect(names(await boardMove(d2.id, 'down'))).toEqual(['一', '二', '三']);
      expect(d1.id).toBeTruthy();
      const inFolder = t.ok(await t.staff.request('GET', `${DASHBOARDS}?folderId=${folder.id}`)).items;
      expect(inFolder.map((d: { name: string }) => d.name)).toEqual(['一', '二', '三']);
      const root = t.ok(await t.staff.request('GET', `${DASHBOARDS}?root=true`)).items;
      expect(root.map((d: { name: string }) => d.name)).toEqual(['目录外']);
      const found = t.ok(await t.staff.request('GET', `${DASHBOARDS}?keyword=${encodeURIComponent('外')}`)).items;
      expect(found.map((d: { name: string }) => d.name)).toEqual(['目录外']);
      // 添加至目录: last in the new folder.
      const moved = t.ok(await t.staff.request('PATCH', `${DASHBOARDS}/${root[0].id}`, { folderId: folder.id, name: '移入' }));
      expect(moved).toMatchObject({ folderId: folder.id, name: '移入', position: 3 });
    });

    it('cards: a report once per dashboard, on many dashboards, at most the cards quota; resize, reorder, remove', async () => {
      const t = await boardTenant(ctx.app);
      const reports = [await t.report('一'), await t.report('二'), await t.report('三')];
      const board = await t.dashboard('主看板');
      const other = await t.dashboard('副看板');
      const first = await t.card(board.id, reports[0]!.id);
      expect(first).toMatchObject({ reportId: reports[0]!.id, size: 'M', position: 0, status: 'ok', report: { name: '一' } });
      const duplicate = await t.staff.request('POST', `${DASHBOARDS}/${board.id}/cards`, { reportId: reports[0]!.id });
      expect([duplicate.statusCode, duplicate.body.code]).toEqual([409, 'dashboard_report_duplicate']);
      await t.card(other.id, reports[0]!.id);
      const second = await t.card(board.id, reports[1]!.id, 'L');
      const profile = await t.report('画像', pastDays(7), 'board.profile');
      const refused = await t.staff.request('POST', `${DASHBOARDS}/${board.id}/cards`, { reportId: profile.id });
      expect([refused.statusCode, refused.body.code]).toEqual([400, 'report_not_dashboardable']);
      const missing = await t.staff.request('POST', `${DASHBOARDS}/${board.id}/cards`, { reportId: '999999999999' });
      expect([missing.statusCode, missing.body.code]).toEqual([404, 'report_not_found']);

      await quotas().set(t.tenantId, { cards: 2 }, 'test');
      const full = await t.staff.request('POST', `${DASHBOARDS}/${board.id}/cards`, { reportId: reports[2]!.id });
      expect([full.statusCode, full.body.code, full.body.params]).toEqual([409, 'dashboard_cards_full', { max: 2 }]);
      expect(full.body.message).toBe('每个仪表盘最多添加 2 个报表');
      expect(t.ok(await t.staff.request('GET', `${DASHBOARDS}/quota`))).toEqual({
        dashboards: { used: 2, max: 100 },
        cardsPerDashboard: 2,
      });
      await quotas().set(t.tenantId, { cards: null }, 'test');
      const third = await t.card(board.id, reports[2]!.id, 'S');

      const resized = t.ok(await t.staff.request('PATCH', `${DASHBOARDS}/${board.id}/cards/${second.id}`, { size: 'S' }));
      expect(resized.size).toBe('S');
      const badSize = await t.staff.request('PATCH', `${DASHBOARDS}/${board.id}/cards/${second.id}`, { size: 'XL' });
      expect(badSize.statusCode).toBe(400);
      const order = [third.id, first.id, second.id];
      const reordered = t.ok(await t.staff.request('PUT', `${DASHBOARDS}/${board.id}/cards/order`, { cardIds: order }));
      expect(reordered.cards.map((c: { id: string }) => c.id)).toEqual(order);
      expect(reordered.cards.map((c: { position: number }) => c.position)).toEqual([0, 1, 2]);
      for (const cardIds of [
        [third.id, first.id],
        [third.id, first.id, first.id],
        [third.id, first.id, '999999999'],
      ]) {
        const bad = await t.staff.request('PUT', `${DASHBOARDS}/${board.id}/cards/order`, { cardIds });
        expect([bad.statusCode, bad.body.code]).toEqual([400, 'dashboard_cards_order_invalid']);
      }
      // A card of another dashboard is not one of this dashboard's.
      const otherCard = (await t.open(other.id)).cards[0]!;
      const wrong = await t.staff.request('DELETE', `${DASHBOARDS}/${board.id}/cards/${otherCard.id}`);
      expect([wrong.statusCode, wrong.body.code]).toEqual([404, 'dashboard_card_not_found']);
      expect((await t.staff.request('DELETE', `${DASHBOARDS}/${board.id}/cards/${first.id}`)).statusCode).toBe(204);
      const opened = await t.open(board.id);
      expect(opened.cards.map((c) => c.reportId)).toEqual([reports[2]!.id, reports[1]!.id]);
      expect(opened.cardCount).toBe(2);
      // The report stays; deleting the dashboard leaves the reports too.
      expect(t.ok(await t.staff.request('GET', `${REPORTS}/${reports[0]!.id}`)).name).toBe('一');
      expect((await t.staff.request('DELETE', `${DASHBOARDS}/${board.id}`)).statusCode).toBe(204);
      expect((await t.staff.request('GET', `${DASHBOARDS}/${board.id}`)).statusCode).toBe(404);
      expect(t.ok(await t.staff.request('GET', REPORTS)).total).toBe(4);
      expect(await ctx.app.oltp.forTenant(t.tenantId).from('dashboard_card').where('dashboard_id', board.id)).toEqual([]);
    });

    it('runs a card with a temporary time range and force refresh; a model without a time range ignores it', async () => {
      const t = await boardTenant(ctx.app);
      const events = await t.report('事件', pastDays(7));
      const paths = await t.report('路径', pastDays(7), 'board.paths');
      const board = await t.dashboard();
      const eventsCard = await t.card(board.id, events.id);
      const pathsCard = await t.card(board.id, paths.id);
      const opened = await t.open(board.id);
      expect(opened.cards.map((c) => c.report!.timeRange)).toEqual([true, false]);
      const run = (cardId: string, body: object) =>
        t.staff.request('POST', `${DASHBOARDS}/${board.id}/cards/${cardId}/run`, body);
      const saved = t.ok(await run(eventsCard.id, {}));
      expect(saved.rows[0].range_label).toBe('past:7');
      const temporary = t.ok(await run(eventsCard.id, { timeRange: { kind: 'past', days: 30, includeToday: true } }));
      expect(temporary.rows[0].range_label).toBe('past:30');
      expect(t.ok(await run(eventsCard.id, { timeRange: { kind: 'thisMonth' } })).rows[0].range_label).toBe('thisMonth:');
      expect(t.ok(await run(eventsCard.id, {})).cached).toBe(true);
      expect(t.ok(await run(eventsCard.id, { force: true })).cached).toBe(false);
      // 路径分析-like models keep their own range.
      const ignored = t.ok(await run(pathsCard.id, { timeRange: { kind: 'today' } }));
      expect(ignored.rows[0]).toEqual({ range_label: 'past:7', depth: 4 });
      // A range the model refuses, and an unknown kind.
      const refused = await run(eventsCard.id, { timeRange: { kind: 'next', days: 3 } });
      expect([refused.statusCode, refused.body.code]).toEqual([400, 'report_query_invalid']);
      expect((await run(eventsCard.id, { timeRange: { kind: 'someday' } })).statusCode).toBe(400);
      const unknown = await run('999999999', {});
      expect([unknown.statusCode, unknown.body.code]).toEqual([404, 'dashboard_card_not_found']);
      // The saved query never changes.
      expect(t.ok(await t.staff.request('GET', `${REPORTS}/${events.id}`)).query).toEqual(pastDays(7));
    });

    it('stops creating dashboards at the tenant’s quota', async () => {
      const t = await boardTenant(ctx.app);
      await quotas().set(t.tenantId, { dashboards: 2 }, 'test');
      await t.dashboard();
      await t.dashboard();
      const over = await t.staff.request('POST', DASHBOARDS, { name: '第三个' });
      expect([over.statusCode, over.body.code, over.body.params]).toEqual([409, 'dashboard_quota_exceeded', { max: 2 }]);
      expect(t.ok(await t.staff.request('GET', `${DASHBOARDS}/quota`)).dashboards).toEqual({ used: 2, max: 2 });
    });

    it('never lets concurrent card additions pass the cards quota', async () => {
      const t = await boardTenant(ctx.app);
      await quotas().set(t.tenantId, { cards: 3 }, 'test');
      const reports = await Promise.all(Array.from({ length: 6 }, (_, i) => t.report(`报表${i}`)));
      const board = await t.dashboard();
      const results = await Promise.all(
        reports.map((report) => t.staff.request('POST', `${DASHBOARDS}/${board.id}/cards`, { reportId: report.id })),
      );
      expect(results.map((r) => r.statusCode).sort()).toEqual([201, 201, 201, 409, 409, 409]);
      expect((await t.open(board.id)).cards).toHaveLength(3);
      // The same report added twice at once: one card.
      const other = await t.dashboard();
      const twice = await Promise.all(
        [0, 1].map(() => t.staff.request('POST', `${DASHBOARDS}/${other.id}/cards`, { reportId: reports[0]!.id })),
      );
      expect(twice.map((r) => r.statusCode).sort()).toEqual([201, 409]);
    });

    it('a report deleted while it is being added to a dashboard leaves no card behind', async () => {
      const t = await boardTenant(ctx.app);
      for (let round = 0; round < 3; round += 1) {
        const report = await t.report();
        const board = await t.dashboard();
        const [added, deleted] = await Promise.all([
          t.staff.request('POST', `${DASHBOARDS}/${board.id}/cards`, { reportId: report.id }),
          t.staff.request('DELETE', `${REPORTS}/${report.id}`),
        ]);
        expect(deleted.statusCode).toBe(204);
        expect([201, 404]).toContain(added.statusCode);
        expect((await t.open(board.id)).cards).toEqual([]);
      }
    });

    it('lists the presets of enabled plugins and installs one as reports and dashboards of at most the cards quota', async () => {
      const t = await boardTenant(ctx.app);
      const folder = await t.folder('小程序看板');
      const presets = t.ok(await t.staff.request('GET', PRESETS)).items;
      expect(presets).toEqual([
        {
          id: 'board.small',
          name: { 'zh-CN': '小看板', 'en-US': 'Small board' },
          plugin: 'board-reports',
          reports: 3,
          dashboards: 1,
        },
        {
          id: 'board.big',
          name: { 'zh-CN': '小程序看板', 'en-US': 'Mini-program board' },
          plugin: 'board-reports',
          reports: 25,
          dashboards: 3,
        },
      ]);
      const small = t.ok(
        await t.staff.request('POST', `${PRESETS}/install`, { presetId: 'board.small', folderId: folder.id }),
        201,
      );
      expect(small.reports).toBe(3);
      expect(small.dashboards.map((d: { name: string; cardCount: number }) => [d.name, d.cardCount])).toEqual([['小看板', 3]]);
      const big = t.ok(await t.staff.request('POST', `${PRESETS}/install`, { presetId: 'board.big', folderId: folder.id }), 201);
      expect(big.dashboards.map((d: { name: string; cardCount: number }) => [d.name, d.cardCount])).toEqual([
        ['小程序看板 1', 10],
        ['小程序看板 2', 10],
        ['小程序看板 3', 5],
      ]);
      const opened = await t.open(big.dashboards[2].id);
      expect(opened.cards.map((c) => c.report!.name)).toEqual(Array.from({ length: 5 }, (_, i) => `预置报表 ${21 + i}`));
      expect(t.ok(await t.staff.request('GET', `${REPORTS}?model=board.events`)).total).toBe(28);
      // In English, with the names of the caller's language; a smaller cards quota makes more dashboards.
      await quotas().set(t.tenantId, { cards: 2 }, 'test');
      const english = new Client(ctx.app.server);
      english.language = 'en-US';
      const login = await english.request('POST', '/api/v1/auth/login', { email: t.email, password: t.password });
      expect(login.statusCode).toBe(200);
      const en = t.ok(await english.request('POST', `${PRESETS}/install`, { presetId: 'board.small', folderId: folder.id }), 201);
      expect(en.dashboards.map((d: { name: string; cardCount: number }) => [d.name, d.cardCount])).toEqual([
        ['Small board 1', 2],
        ['Small board 2', 1],
      ]);
      const unknownFolder = await t.staff.request('POST', `${PRESETS}/install`, {
        presetId: 'board.small',
        folderId: '999999999',
      });
      expect([unknownFolder.statusCode, unknownFolder.body.code]).toEqual([404, 'dashboard_folder_not_found']);
      const noFolder = await t.staff.request('POST', `${PRESETS}/install`, { presetId: 'board.small' });
      expect(noFolder.statusCode).toBe(400);
      for (const presetId of ['board.none', 'board.profiles']) {
        const unknown = await t.staff.request('POST', `${PRESETS}/install`, { presetId, folderId: folder.id });
        expect([unknown.statusCode, unknown.body.code], presetId).toEqual([404, 'dashboard_preset_not_found']);
      }
    });

    it('refuses a whole preset over the reports or dashboards quota: nothing is created', async () => {
      const t = await boardTenant(ctx.app);
      const folder = await t.folder('预置');
      await t.report('已有');
      await t.dashboard('已有');
      await quotas().set(t.tenantId, { reports: 25 }, 'test');
      const count = async () => ({
        reports: t.ok(await t.staff.request('GET', REPORTS)).total,
        dashboards: t.ok(await t.staff.request('GET', DASHBOARDS)).items.length,
        cards: (await ctx.app.oltp.forTenant(t.tenantId).from('dashboard_card')).length,
      });
      const before = await count();
      const over = await t.staff.request('POST', `${PRESETS}/install`, { presetId: 'board.big', folderId: folder.id });
      expect([over.statusCode, over.body.code, over.body.params]).toEqual([409, 'report_quota_exceeded', { max: 25 }]);
      expect(await count()).toEqual(before);
      await quotas().set(t.tenantId, { reports: 26, dashboards: 3 }, 'test');
      const boards = await t.staff.request('POST', `${PRESETS}/install`, { presetId: 'board.big', folderId: folder.id });
      expect([boards.statusCode, boards.body.code, boards.body.params]).toEqual([409, 'dashboard_quota_exceeded', { max: 3 }]);
      expect(await count()).toEqual(before);
      await quotas().set(t.tenantId, { dashboards: 4 }, 'test');
      t.ok(await t.staff.request('POST', `${PRESETS}/install`, { presetId: 'board.big', folderId: folder.id }), 201);
      expect(await count()).toEqual({ reports: 26, dashboards: 4, cards: 25 });
    });

    it('offers no preset of a plugin disabled for the tenant', async () => {
      const t = await boardTenant(ctx.app);
      const folder = await t.folder('预置');
      await setPluginEnabled(ctx.app, { tenantId: t.tenantId, pluginId: 'board-reports', enabled: false });
      expect(t.ok(await t.staff.request('GET', PRESETS)).items).toEqual([]);
      const refused = await t.staff.request('POST', `${PRESETS}/install`, { presetId: 'board.small', folderId: folder.id });
      expect([refused.statusCode, refused.body.code]).toEqual([404, 'dashboard_preset_not_found']);
      await setPluginEnabled(ctx.app, { tenantId: t.tenantId, pluginId: 'board-reports', enabled: true });
      expect(t.ok(await t.staff.request('GET', PRESETS)).items).toHaveLength(2);
    });
  },
  { plugins: [boardReports] },
);
