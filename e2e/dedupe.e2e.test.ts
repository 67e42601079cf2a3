import { describe, expect, it } from 'vitest';
import { ingestWorkerRef } from '../core/src/modules/ingestion/ingestion.module.js';
import { testEngines } from '../core/test/support/engines.js';
import { apiFromPage, clickMenu, login, screenshot } from './browser.js';
import { tenantWithWebApp, useConsoleApp } from './console-app.js';

/** On MariaDB and a loaded machine round trips (and the dedupe task) take a moment. */
const POLL = { timeout: 30_000, interval: 250 };

for (const engine of testEngines()) {
  describe(`console: 所有用户 → 更多操作 → 合并用户 — rules, 启动查重, merge [${engine}]`, () => {
    const ctx = useConsoleApp(engine);

    it('finds two contacts sharing an email (one in capitals) and merges them from the console', async () => {
      const { app, base } = ctx;
      const { tenant, admin, collect } = await tenantWithWebApp(app, base, '查重租户');
      // Two people by the SDK over real HTTP: the same email, written differently; a third apart.
      for (const [userId, traits] of [
        ['crm-1', { name: '王小明', email: 'xiaoming@example.com', company: '汇流' }],
        ['shop-9', { name: '小明', email: ' XiaoMing@Example.com', mobilePhone: '13800138000' }],
        ['shop-10', { name: '李雷', email: 'lilei@example.com', mobilePhone: 'null' }],
      ] as const) {
        expect((await collect('identify', { userId, traits })).accepted).toBe(1);
        await app.service(ingestWorkerRef).drain();
      }
      const contactOf = async (userId: string) =>
        (
          (await app.oltp
            .forTenant(tenant.tenantId)
            .from('channel_account')
            .where({ id_type: 'externalId', user_id: userId })
            .first()) as { contact_id: number | string }
        ).contact_id.toString();
      const [first, second] = [await contactOf('crm-1'), await contactOf('shop-9')];
      expect(first).not.toBe(second);

      const page = await ctx.newPage();
      await login(page, base, tenant.email, tenant.password);
      await clickMenu(page, ['menu-contacts', 'menu-allContacts']);
      await page.getByTestId('contacts-more-actions').click();
      await page.getByTestId('contacts-action-dedupe').click();
      await page.getByTestId('dedupe-drawer').waitFor();

      // 查重规则: the defaults; only 邮箱, 任意其一相同; one excluded value added; 自动合并 on; saved.
      await page.getByTestId('dedupe-rules').waitFor();
      const tags = page.getByTestId('dedupe-excluded-value');
      await expect
        .poll(async () => Promise.all((await tags.all()).map((tag) => tag.getAttribute('data-value'))), POLL)
        .toEqual(['nil', 'null', 'undefined', '1']);
      await page.getByTestId('dedupe-field-mobilePhone').click();
      await page.getByTestId('dedupe-field-idCard').click();
      await page.getByTestId('dedupe-excluded-input').fill('n/a');
      await page.getByTestId('dedupe-excluded-input').press('Enter');
      await page.getByTestId('dedupe-auto').click();
      await page.getByTestId('dedupe-rules-unsaved').waitFor();
      await page.getByTestId('dedupe-rules-save').click();
      await expect.poll(() => page.locator('.ant-message').textContent(), POLL).toContain('查重规则已保存');
      expect((await apiFromPage(page, 'GET', '/api/v1/console/contacts/dedupe/settings')).body).toMatchObject({
        fields: ['email'],
        mode: 'any',
        excludedValues: ['nil', 'null', 'undefined', '1', 'n/a'],
        autoMerge: true,
        saved: true,
      });

      // 启动查重: the task runs; one set of the two contacts.
      await page.getByTestId('dedupe-start').click();
      await expect.poll(() => page.getByTestId('dedupe-run-summary').getAttribute('data-status'), POLL).toBe('done');
      expect(await page.getByTestId('dedupe-run-summary').textContent()).toContain('1 组重复用户，共 2 位');
      const set = page.getByTestId('dedupe-set');
      await expect.poll(() => set.count(), POLL).toBe(1);
      expect(
        (await set.getByTestId('dedupe-member').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-contact-id')))).sort(),
      ).toEqual([first, second].sort());
      await page.getByTestId('dedupe-results').scrollIntoViewIfNeeded();
      await screenshot(page, `dedupe-${engine}-01-results`, { hideToasts: true });

      // 合并用户: nothing chosen → disabled; the set ticked → the irreversible-action confirm → merged.
      expect(await page.getByTestId('dedupe-merge').isDisabled()).toBe(true);
      await set.locator('.ant-table-selection-column input[type="checkbox"]').check();
      await page.getByTestId('dedupe-merge').click();
      await page.getByText('合并不可撤销', { exact: false }).waitFor();
      await screenshot(page, `dedupe-${engine}-02-confirm`, { hideToasts: true });
      await page.getByTestId('dedupe-merge-confirm').click();
      await expect.poll(() => page.locator('.ant-message').textContent(), POLL).toContain('已合并 1 组');
      await expect.poll(() => set.getByTestId('dedupe-set-status').getAttribute('data-status'), POLL).toBe('merged');

      // The server agrees: one contact (the most recent, shop-9's), its gaps filled; history and log.
      expect(await contactOf('crm-1')).toBe(second);
      expect(await contactOf('shop-9')).toBe(second);
      const [merge] = (await admin.request('GET', '/api/v1/contacts/merges')).body.items;
      expect(merge).toMatchObject({ survivorId: second, mergedId: first, rule: 'dedupe_rule' });
      const log = await admin.request('GET', '/api/v1/operation-logs?objectType=contact&operation=merge');
      expect(log.body.items).toEqual([expect.objectContaining({ objectId: second })]);
      expect(await set.getByTestId('dedupe-member-survivor').count()).toBe(1);
      await page.getByTestId('dedupe-results').scrollIntoViewIfNeeded();
      await screenshot(page, `dedupe-${engine}-03-merged`, { hideToasts: true });

      // 合并历史 is one click away and shows the merge with its rule.
      await page.getByTestId('dedupe-history-link').click();
      const row = page.getByTestId(`merge-row-${merge.id}`);
      await row.waitFor();
      expect(await row.getByTestId('merge-rule').textContent()).toBe('查重合并');
    });
  });
}
