import ExcelJS from 'exceljs';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { testEngines } from '../core/test/support/engines.js';
import { createTenant } from '../core/test/support/test-app.js';
import { login, screenshot } from './browser.js';
import { useConsoleApp } from './console-app.js';

const POLL = { timeout: 40_000 };

/** Clicks a link or button that downloads, and returns the downloaded bytes. */
async function download(page: Page, click: () => Promise<void>): Promise<Buffer> {
  const [file] = await Promise.all([page.waitForEvent('download'), click()]);
  return readFileSync((await file.path())!);
}

for (const engine of testEngines()) {
  describe(`console: 导入用户 — template, upload, notification, failure file [${engine}]`, () => {
    const ctx = useConsoleApp(engine);

    it('imports a template with good and bad rows; the notification’s failure file names the bad rows and their reasons', async () => {
      const tenant = await createTenant(ctx.app, { name: '导入租户' });
      const page = await ctx.newPage();
      await login(page, ctx.base, tenant.email, tenant.password);
      await page.goto(`${ctx.base}/contacts/all`);
      await page.getByTestId('contacts-page').waitFor();
      await page.getByTestId('contacts-more-actions').click();
      await page.getByTestId('contacts-action-import').click();
      const modal = page.getByTestId('contact-import-modal-import');
      await modal.waitFor();
      expect(await page.getByTestId('contact-import-notes').textContent()).toContain('务必使用系统自带的 Excel 模板');

      // 下载模板, fill it in as an operator would: two good rows, three bad ones.
      const template = await download(page, () => page.getByTestId('contact-import-template').click());
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.load(template as unknown as ArrayBuffer);
      const sheet = workbook.worksheets[0]!;
      const column = (label: string) => {
        let found = 0;
        sheet.getRow(1).eachCell((cell, index) => {
          if (cell.value === label) found = index;
        });
        return found;
      };
      const rows: [string | null, string | null][] = [
        ['张三', '13800138000'],
        [null, '13900139000'],
        ['李四', '021-33654565'],
        ['王 五', '13700137000'],
        ['赵六', '13600136000'],
      ];
      rows.forEach(([name, mobile], index) => {
        sheet.getRow(index + 2).getCell(column('姓名')).value = name;
        sheet.getRow(index + 2).getCell(column('手机号码')).value = mobile;
      });
      const filled = Buffer.from(await workbook.xlsx.writeBuffer());

      await modal.locator('input[type="file"]').setInputFiles({
        name: '用户名单.xlsx',
        mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        buffer: filled,
      });
      await modal.locator('.ant-upload-list-item').filter({ hasText: '用户名单.xlsx' }).waitFor();
      await screenshot(page, `contact-import-${engine}-01-upload`);
      await page.getByTestId('contact-import-submit').click();
      await page.getByTestId('contact-import-submitted').waitFor();
      // The task's progress, then its counts (the app's own worker runs it).
      await page.getByTestId('contact-import-counts').waitFor(POLL);
      expect(await page.getByTestId('contact-import-counts').textContent()).toBe('成功 2 个，失败 3 个');
      await screenshot(page, `contact-import-${engine}-02-submitted`, { hideToasts: true });

      // 通知中心: the import's notification, red (part failed), with its counts and the failure file.
      await page.getByTestId('contact-import-to-notifications').click();
      await page.getByTestId('notifications-page').waitFor();
      const notifications = (await (await page.request.get(`${ctx.base}/api/v1/notifications?page=1&pageSize=10`)).json()) as {
        items: { id: string; kind: string; level: string; files: { id: string }[] }[];
      };
      const notification = notifications.items.find((n) => n.kind === 'contactImports.import')!;
      expect(notification.level).toBe('error');
      await expect.poll(() => page.getByTestId(`notification-kind-${notification.id}`).textContent(), POLL).toContain('导入用户');
      const link = page.getByTestId(`notification-download-${notification.files[0]!.id}`);
      await link.waitFor();
      await screenshot(page, `contact-import-${engine}-03-notification`, { hideToasts: true });
      const failure = await download(page, () => link.click());
      const result = new ExcelJS.Workbook();
      await result.xlsx.load(failure as unknown as ArrayBuffer);
      const out = result.worksheets[0]!;
      const header: string[] = [];
      out.getRow(1).eachCell((cell) => header.push(String(cell.value)));
      expect(header.slice(-2)).toEqual(['原行号', '失败原因']);
      const bad: [string, string][] = [];
      for (let r = 2; r <= out.rowCount; r += 1) {
        const row = out.getRow(r);
        bad.push([String(row.getCell(header.length - 1).value), String(row.getCell(header.length).value)]);
      }
      expect(bad).toEqual([
        ['3', '姓名为必填项'],
        ['4', '手机号码存在“-”'],
        ['5', '姓名存在空格'],
      ]);
    });
  });
}
