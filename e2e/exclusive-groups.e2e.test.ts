import { describe, expect, it } from 'vitest';
import { groupSelectionsServiceRef } from '../core/src/modules/group-selections/group-selections.service.js';
import { ingestWorkerRef } from '../core/src/modules/ingestion/ingestion.module.js';
import { testEngines } from '../core/test/support/engines.js';
import { clickMenu, login, screenshot } from './browser.js';
import { tenantWithWebApp, useConsoleApp } from './console-app.js';

/** On MariaDB and a loaded machine round trips take a moment. */
const POLL = { timeout: 20_000, interval: 250 };

for (const engine of testEngines()) {
  describe(`console: 互斥组 and 临时群组 — priority, segment counts, the group picker [${engine}]`, () => {
    const ctx = useConsoleApp(engine);

    it('builds an exclusive group in priority order, counts its disjoint segments, compares a segment with a temporary group, and keeps to 3 temporary groups', async () => {
      const { app, base } = ctx;
      const { tenant, admin, collect } = await tenantWithWebApp(app, base, '互斥组租户');
      for (const [userId, name] of [
        ['u-1', '张三'],
        ['u-2', '李四'],
        ['u-3', '王五'],
        ['u-4', '赵六'],
      ] as const)
        expect((await collect('identify', { userId, traits: { name } })).accepted).toBe(1);
      await app.service(ingestWorkerRef).drain();
      const idOf = async (name: string) => {
        const res = await admin.request('POST', '/api/v1/console/contacts/search', { keyword: name });
        expect(res.body.items, name).toHaveLength(1);
        return res.body.items[0].id as string;
      };
      const [zhang, li, wang, zhao] = [await idOf('张三'), await idOf('李四'), await idOf('王五'), await idOf('赵六')];
      const staticGroup = async (name: string, contactIds: string[]) => {
        const created = await admin.request('POST', '/api/v1/console/groups/static', { name });
        expect(created.statusCode, JSON.stringify(created.body)).toBe(201);
        const added = await admin.request('POST', `/api/v1/console/groups/${created.body.id}/members`, { contactIds });
        expect(added.body.added).toBe(contactIds.length);
        return created.body.id as string;
      };
      const shanghai = await staticGroup('上海客户', [zhang, wang]);
      const valuable = await staticGroup('高价值', [zhang, li]);
      const callback = await staticGroup('回访名单', [zhao]);

      const page = await ctx.newPage();
      const pageErrors: string[] = [];
      page.on('pageerror', (error) => pageErrors.push(error.message));
      await login(page, base, tenant.email, tenant.password);
      await clickMenu(page, ['menu-exclusiveGroups']);
      await page.getByTestId('exclusive-groups-page').waitFor();

      // 新建互斥组: 高价值 then 上海客户, then 上海客户 moved up to first priority.
      await page.getByTestId('exclusive-group-new').click();
      const modal = page.getByTestId('exclusive-group-modal');
      await modal.getByTestId('exclusive-group-name').fill('客户分层');
      const dropdown = page.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden)');
      for (const name of ['高价值', '上海客户']) {
        await modal.getByTestId('exclusive-group-add-member').click();
        await dropdown.getByTitle(`${name}（静态组）`, { exact: true }).click();
      }
      await expect
        .poll(() => modal.getByTestId('exclusive-group-member-name').allTextContents(), POLL)
        .toEqual(['高价值', '上海客户']);
      await modal.getByTestId('exclusive-member-up-1').click();
      expect(await modal.getByTestId('exclusive-group-member-name').allTextContents()).toEqual(['上海客户', '高价值']);
      await screenshot(page, `exclusive-groups-${engine}-01-create`);
      await page.getByTestId('exclusive-group-save').click();
      const selections = app.service(groupSelectionsServiceRef);
      await expect.poll(async () => (await selections.listExclusive(tenant.tenantId)).length, POLL).toBe(1);
      const [saved] = await selections.listExclusive(tenant.tenantId);
      expect(saved!.members.map((m) => m.groupId)).toEqual([shanghai, valuable]);
      const row = page.getByTestId(`exclusive-row-${saved!.id}`);
      await expect
        .poll(() => row.getByTestId('exclusive-row-member').allTextContents(), POLL)
        .toEqual(['1. 上海客户', '2. 高价值']);

      // The segments: 张三 counts only in 上海客户 (first), 李四 in 高价值 — 3 people, no overlap.
      await row.locator('.ant-table-row-expand-icon').click();
      const counts = page.getByTestId(`exclusive-counts-${saved!.id}`);
      await expect
        .poll(
          async () =>
            counts.getByTestId('exclusive-segment-count').evaluateAll((cells) => cells.map((c) => c.getAttribute('data-count'))),
          POLL,
        )
        .toEqual(['2', '1']);
      expect(await page.getByTestId(`exclusive-total-${saved!.id}`).getAttribute('data-count')).toBe('3');
      await screenshot(page, `exclusive-groups-${engine}-02-segments`);

      // 群组人数对比: 添加临时群组 from the picker (a condition on 回访名单: 赵六), and segment 1 of 客户分层 (张三, 王五).
      const compare = page.getByTestId('group-compare');
      await compare.getByTestId('group-picker').click();
      await page.getByTestId('group-picker-add-temporary').click();
      const temporary = page.getByTestId('temporary-group-modal');
      await temporary.getByTestId('temporary-group-name').fill('临时回访');
      await temporary.getByTestId('condition-group-root-add').click();
      await page.locator('.ant-dropdown:not(.ant-dropdown-hidden)').getByRole('menuitem', { name: '用户群组' }).click();
      await temporary.getByTestId('condition-0-group').click();
      await dropdown.getByTitle('回访名单', { exact: true }).click();
      await page.getByTestId('temporary-group-save').click();
      await expect
        .poll(async () => (await admin.request('GET', '/api/v1/console/temporary-groups')).body.items.length, POLL)
        .toBe(1);
      await temporary.waitFor({ state: 'hidden' });
      await compare.getByTestId('group-picker').click();
      await dropdown.getByTitle('客户分层 / 1. 上海客户', { exact: true }).click();
      await page.keyboard.press('Escape');
      await compare.getByTestId('group-compare-run').click();
      const result = compare.getByTestId('group-compare-result');
      await result.waitFor(POLL);
      expect(
        await result.getByTestId('group-compare-count').evaluateAll((cells) => cells.map((c) => c.getAttribute('data-count'))),
      ).toEqual(['1', '2']);
      await expect.poll(() => result.textContent(), POLL).toContain('临时回访');
      expect(await result.textContent()).toContain('客户分层 / 上海客户');
      const [mine] = (await admin.request('GET', '/api/v1/console/temporary-groups')).body.items;
      expect(mine.condition).toEqual({ type: 'and', conditions: [{ type: 'group', groupId: callback, operator: 'in' }] });
      await screenshot(page, `exclusive-groups-${engine}-03-compare`);

      // Three temporary groups per account: after two more, 添加临时群组 is disabled.
      for (const name of ['二', '三'])
        expect(
          (
            await admin.request('POST', '/api/v1/console/temporary-groups', {
              name,
              condition: { type: 'and', conditions: [{ type: 'group', groupId: shanghai, operator: 'in' }] },
            })
          ).statusCode,
        ).toBe(201);
      await page.reload();
      await page.getByTestId('group-compare').waitFor();
      await expect.poll(() => page.getByTestId('temporary-group-tag').count(), POLL).toBe(3);
      await page.getByTestId('group-compare').getByTestId('group-picker').click();
      await expect.poll(() => page.getByTestId('group-picker-add-temporary').isDisabled(), POLL).toBe(true);
      await page.keyboard.press('Escape');

      // 删除互斥组: its groups stay.
      await page.getByTestId(`exclusive-delete-${saved!.id}`).click();
      await page.getByTestId('exclusive-delete-confirm').click();
      await expect.poll(() => page.getByTestId(`exclusive-row-${saved!.id}`).count(), POLL).toBe(0);
      expect((await admin.request('GET', `/api/v1/console/groups/${shanghai}`)).statusCode).toBe(200);
      expect(pageErrors).toEqual([]);
    });
  });
}
