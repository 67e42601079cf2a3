import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { DEMO_EMAIL, seedDemo } from '../core/src/cli/demo.js';
import { conditionsServiceRef } from '../core/src/modules/conditions/conditions.service.js';
import { groupsServiceRef } from '../core/src/modules/groups/groups.service.js';
import { testEngines } from '../core/test/support/engines.js';
import { createTenant } from '../core/test/support/test-app.js';
import { clickMenu, login, screenshot } from './browser.js';
import { useConsoleApp } from './console-app.js';

/** On MariaDB and a loaded machine round trips (and a group computation) take a moment. */
const POLL = { timeout: 30_000, interval: 250 };
const CONTACTS = 300;

for (const engine of testEngines()) {
  describe(`console: 用户群组 — a dynamic group with did / did-not events, a static group by import [${engine}]`, () => {
    const ctx = useConsoleApp(engine);

    it('builds a nested condition, estimates, saves, reaches 完成 and lists the members; imports a static group', async () => {
      const { app, base } = ctx;
      const password = 'Demo-pass-2026';
      await createTenant(app, { name: '运营租户' });
      const demo = await seedDemo(app, { baseUrl: base, contacts: CONTACTS, password });
      expect(demo.contacts).toBe(CONTACTS);

      const page = await ctx.newPage();
      const pageErrors: string[] = [];
      page.on('pageerror', (error) => pageErrors.push(error.message));
      await login(page, base, DEMO_EMAIL, password);
      await clickMenu(page, ['menu-groups']);
      await page.getByTestId('groups-page').waitFor();
      await page.getByTestId('group-new-dynamic').click();
      const drawer = page.getByTestId('group-dynamic-drawer');
      await drawer.getByTestId('condition-builder').waitFor();
      await drawer.getByTestId('group-name').fill('浏览未支付');

      // Root (且): 做过 浏览商品 …
      const addLeaf = async (group: string, kind: string) => {
        await drawer.getByTestId(`condition-group-${group}-add`).click();
        await page.locator('.ant-dropdown:not(.ant-dropdown-hidden)').getByRole('menuitem', { name: kind }).click();
      };
      const chooseEvent = async (leaf: string, name: string) => {
        await drawer.getByTestId(`${leaf}-event`).click();
        await page.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden)').getByTitle(name, { exact: true }).click();
      };
      await addLeaf('root', '用户行为');
      await chooseEvent('condition-0', '浏览商品');
      // … 且 (a nested 或 group: 未做过 支付订单 或 未做过 提交订单).
      await drawer.getByTestId('condition-add-group').click();
      await addLeaf('1', '用户行为');
      await addLeaf('1', '用户行为');
      await drawer.getByTestId('condition-1.0-remove').click();
      for (const [leaf, name] of [
        ['condition-1.0', '支付订单'],
        ['condition-1.1', '提交订单'],
      ] as const) {
        await chooseEvent(leaf, name);
        await drawer.getByTestId(`${leaf}-did`).click();
        await page.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden)').getByTitle('未做过', { exact: true }).click();
      }
      await drawer.getByTestId('group-estimate').click();
      await drawer.getByTestId('group-estimate-count').waitFor();
      const estimated = Number(await drawer.getByTestId('group-estimate-count').getAttribute('data-count'));
      // 实时更新: event conditions only, so the switch is accepted.
      await drawer.getByTestId('group-realtime').click();
      expect(await drawer.getByTestId('group-realtime').getAttribute('aria-checked')).toBe('true');
      await screenshot(page, `groups-${engine}-01-builder`);
      await drawer.getByTestId('group-dynamic-save').click();

      // The detail page: 待计算 … → 完成, then the members of the active version.
      await page.getByTestId('group-detail-page').waitFor();
      await expect.poll(async () => page.getByTestId('group-status').getAttribute('data-status'), POLL).toBe('done');
      const groups = app.service(groupsServiceRef);
      const [saved] = (await groups.list(demo.tenantId)).filter((g) => g.name === '浏览未支付');
      expect(saved!.realtime).toBe(true);
      await page.getByTestId('group-realtime-tag').waitFor();
      expect(saved!.condition).toMatchObject({
        type: 'and',
        conditions: [
          { type: 'event', did: true, event: 'view_product' },
          {
            type: 'or',
            conditions: [
              { type: 'event', did: false, event: 'pay_order' },
              { type: 'event', did: false, event: 'submit_order' },
            ],
          },
        ],
      });
      // The estimate is what the engine counts for the saved tree, and what the computation wrote.
      const truth = await app.service(conditionsServiceRef).estimate(demo.tenantId, saved!.condition!);
      expect(estimated).toBe(truth.count);
      expect(truth.count).toBeGreaterThan(0);
      expect(truth.count).toBeLessThan(CONTACTS);
      await expect
        .poll(async () => page.getByTestId('group-members-total').getAttribute('data-total'), POLL)
        .toBe(String(truth.count));
      expect(await page.getByTestId('group-member-count').getAttribute('data-count')).toBe(String(truth.count));
      await screenshot(page, `groups-${engine}-02-detail`);

      // A static group, filled by an xlsx of user IDs (two good ids and one bad row).
      const members = (await groups.memberIdsPage(demo.tenantId, saved!.id, { limit: 2 })).items;
      expect(members).toHaveLength(Math.min(2, truth.count));
      await clickMenu(page, ['menu-groups']);
      await page.getByTestId('groups-page').waitFor();
      await page.getByTestId('group-new-static').click();
      await page.getByTestId('group-static-name').fill('导入的名单');
      await page.getByTestId('group-static-save').click();
      await page.getByTestId('group-detail-page').waitFor();
      await page.getByTestId('group-import').click();
      const workbook = new ExcelJS.Workbook();
      const sheet = workbook.addWorksheet('用户');
      sheet.addRow(['用户ID']);
      for (const id of members) sheet.addRow([id]);
      sheet.addRow(['不是ID']);
      await page
        .getByTestId('group-import-modal')
        .locator('input[type="file"]')
        .setInputFiles({
          name: '名单.xlsx',
          mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
          buffer: Buffer.from(await workbook.xlsx.writeBuffer()),
        });
      const result = page.getByTestId('group-import-result');
      await result.waitFor(POLL);
      expect(await result.getAttribute('data-added')).toBe(String(members.length));
      expect(await result.getAttribute('data-failed')).toBe('1');
      await expect.poll(async () => result.textContent()).toContain('用户ID格式不正确');
      await screenshot(page, `groups-${engine}-03-import`);
      await page.locator('.ant-modal-close').click();
      await expect
        .poll(async () => page.getByTestId('group-members-total').getAttribute('data-total'), POLL)
        .toBe(String(members.length));
      expect(pageErrors).toEqual([]);
    });
  });
}
