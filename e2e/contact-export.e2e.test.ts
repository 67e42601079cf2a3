import { readFile } from 'node:fs/promises';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { ingestWorkerRef } from '../core/src/modules/ingestion/ingestion.module.js';
import { testEngines } from '../core/test/support/engines.js';
import { clickMenu, login, screenshot } from './browser.js';
import { tenantWithWebApp, useConsoleApp } from './console-app.js';

/** On MariaDB and a loaded machine round trips take a moment. */
const POLL = { timeout: 30_000, interval: 250 };

for (const engine of testEngines()) {
  describe(`console: 导出用户 and 导出任务列表 [${engine}]`, () => {
    const ctx = useConsoleApp(engine);

    it('exports the identified contacts from 所有用户 → 更多操作, follows the task in 导出任务列表 and downloads the xlsx', async () => {
      const { app, base } = ctx;
      const { tenant, collect } = await tenantWithWebApp(app, base, '导出租户');
      await collect('identify', { userId: 'u-1', traits: { name: '张三', mobilePhone: '13800000001', city: '上海' } });
      await collect('identify', { userId: 'u-2', traits: { name: '李四', email: 'li@example.com', city: '北京' } });
      await collect('track', { anonymousId: 'visitor-1', event: '$pageview' });
      await app.service(ingestWorkerRef).drain();

      const context = await ctx.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
      const page = await context.newPage();
      const pageErrors: string[] = [];
      page.on('pageerror', (error) => pageErrors.push(error.message));
      await login(page, base, tenant.email, tenant.password);
      await clickMenu(page, ['menu-contacts', 'menu-allContacts']);
      await page.getByTestId('contacts-page').waitFor();

      // 更多操作 → 导出用户: 姓名, 手机号码, 邮箱 ticked; add 城市.
      await page.getByTestId('contacts-more-actions').click();
      await page.getByTestId('contacts-action-export').click();
      const modal = page.getByTestId('contact-export-modal');
      await page.getByTestId('contact-export-field-city').waitFor();
      await page.getByTestId('contact-export-field-city').click();
      expect(await page.getByTestId('contact-export-scope').textContent()).toContain('所有实名用户');
      expect(await modal.textContent()).toContain('匿名用户不导出');
      await screenshot(page, `contact-export-${engine}-01-dialog`);
      await page.getByTestId('contact-export-submit').click();
      await page.getByTestId('task-submitted').waitFor();
      expect(await page.getByTestId('task-submitted').textContent()).toContain('任务已提交');

      // 更多操作 → 导出任务列表: the export finishes and its file downloads.
      await page.getByTestId('contacts-more-actions').click();
      await page.getByTestId('contacts-action-exportTasks').click();
      const drawer = page.getByTestId('contact-export-tasks');
      await drawer.waitFor();
      const link = drawer.locator('a[data-testid^="contact-export-download-"]');
      await expect.poll(() => link.count(), POLL).toBe(1);
      expect(await drawer.locator('[data-testid^="contact-export-status-"]').first().textContent()).toBe('已完成');
      await screenshot(page, `contact-export-${engine}-02-tasks`, { hideToasts: true });
      const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
      expect(download.suggestedFilename()).toMatch(/^用户导出-\d+\.xlsx$/);

      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.load((await readFile((await download.path())!)) as unknown as ArrayBuffer);
      const sheet = workbook.getWorksheet('用户')!;
      const keys = workbook.getWorksheet('_huiliu')!;
      expect(keys.state).toBe('veryHidden');
      expect(keys.getCell('A1').value).toBe('huiliu:contacts-export:v1');
      const keyList: string[] = [];
      keys.eachRow((row, n) => {
        if (n > 1) keyList.push(String(row.getCell(1).value));
      });
      expect(keyList).toEqual(['contactId', 'name', 'mobilePhone', 'email', 'city']);
      expect((sheet.getRow(1).values as unknown[]).slice(1)).toEqual(['用户ID', '姓名', '手机号码', '邮箱', '城市']);
      const rows: unknown[][] = [];
      sheet.eachRow((row, n) => {
        if (n > 1) rows.push((row.values as unknown[]).slice(2));
      });
      // The anonymous visitor is not exported.
      expect(rows).toHaveLength(2);
      expect(rows).toEqual(
        expect.arrayContaining([
          ['张三', '13800000001', undefined, '上海'],
          ['李四', undefined, 'li@example.com', '北京'],
        ]),
      );
      expect(pageErrors).toEqual([]);
      await context.close();
    });
  });
}
