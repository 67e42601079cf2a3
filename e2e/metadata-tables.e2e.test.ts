import { readFileSync } from 'node:fs';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstPartyPlugins } from '../core/test/support/plugins.js';
import { Client, createTenant, createTestApp, type TestApp } from '../core/test/support/test-app.js';
import { testEngines } from '../core/test/support/engines.js';
import { apiFromPage, clickMenu, launchBrowser, login, screenshot } from './browser.js';

/** Server round trips on MariaDB take a moment: poll for up to 15 s (vitest's default is 1 s). */
const POLL = { timeout: 15_000 };
/** A task: queued, claimed by the app's own worker (about a second), run, then seen by the page's 5 s refetch. */
const TASK_POLL = { timeout: 40_000 };

/** Opens an antd select and clicks the (visible) option whose text contains `text`. */
async function choose(page: Page, select: Locator, text: string, options: { open?: boolean } = {}): Promise<void> {
  if (options.open !== false) await select.click();
  const option = page
    .locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option')
    .filter({ hasText: text })
    .first();
  await option.waitFor({ state: 'visible' });
  await option.click();
}

/** Picks a CSV in an upload dialog (the antd Upload's file input) and waits for it to be listed. */
async function pickCsv(page: Page, modalTestId: string, name: string, content: string): Promise<void> {
  const modal = page.getByTestId(modalTestId);
  await modal.locator('input[type="file"]').setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(content, 'utf8') });
  await modal.locator('.ant-upload-list-item').filter({ hasText: name }).waitFor();
}

/**
 * Opens a page through the side menu and waits for it. Right after the login, on a loaded machine,
 * a menu click has been seen to leave the page unshown (the menu re-rendered under it): one more
 * walk through the menu, then an error that names where the browser is.
 */
async function openFromMenu(page: Page, menu: string[], pageTestId: string): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    await clickMenu(page, menu);
    try {
      await page.getByTestId(pageTestId).waitFor({ timeout: 15_000 });
      return;
    } catch (error) {
      if (attempt === 2) throw new Error(`${pageTestId} not shown; the browser is at ${page.url()}`, { cause: error });
    }
  }
}

for (const engine of testEngines()) {
  describe(`console: 元数据管理 — dictionaries and dimension tables [${engine}]`, () => {
    let app: TestApp;
    let browser: Browser;
    let base: string;

    beforeAll(async () => {
      app = await createTestApp(engine, {}, { plugins: firstPartyPlugins });
      await app.start(); // the worker runs queued tasks by itself within about a second
      base = `http://127.0.0.1:${app.server.info.port}`;
      browser = await launchBrowser();
    });

    afterAll(async () => {
      await browser?.close();
      await app?.close();
    });

    const newPage = async (): Promise<Page> => {
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN', acceptDownloads: true });
      page.setDefaultTimeout(20_000);
      return page;
    };

    it('uploads a dictionary, refuses a bad file with its row errors, downloads and deletes it', async () => {
      const tenant = await createTenant(app, { name: '字典表租户' });
      const admin = await Client.staff(app.server, tenant.email, tenant.password);
      const sku = await admin.request('POST', '/api/v1/metadata/event-properties', {
        code: 'sku',
        name: '商品编码',
        type: 'string',
      });
      expect(sku.statusCode).toBe(201);
      const page = await newPage();
      await login(page, base, tenant.email, tenant.password);

      await openFromMenu(page, ['menu-metadata', 'menu-dictionaries'], 'dictionaries-page');
      const row = page.getByTestId('dictionary-row-event-sku');
      await row.waitFor();
      // Tens of string properties over pages: the search finds one by ID or name. The mini-program
      // scene values ship as the dictionary of s_originScene; contact properties are listed too.
      const search = page.getByTestId('dictionaries-search');
      await search.fill('originScene');
      const scene = page.getByTestId('dictionary-row-event-s_originScene');
      await scene.waitFor();
      expect(await page.locator('[data-testid^="dictionary-row-"]').count()).toBe(1);
      expect(await scene.getByTestId('dictionary-rows').textContent()).toMatch(/^\d{3,} 行$/);
      await search.fill('城市');
      await page.getByTestId('dictionary-row-contact-city').waitFor();
      expect(await page.getByTestId('dictionary-row-contact-city').getByTestId('dictionary-none').count()).toBe(1);
      await search.fill('no-such-property');
      await page.getByTestId('dictionaries-no-match').waitFor();
      await search.fill('');
      await row.waitFor();
      expect(await row.getByTestId('dictionary-none').textContent()).toBe('未上传');
      expect(await row.getByTestId('dictionary-download').getAttribute('aria-disabled')).toBe('true');
      expect(await row.getByTestId('dictionary-delete').getAttribute('aria-disabled')).toBe('true');

      // Upload: the row shows the dictionary and its row count.
      await row.getByTestId('dictionary-upload').click();
      await page.getByTestId('dictionary-upload-modal').waitFor();
      await pickCsv(
        page,
        'dictionary-upload-modal',
        'sku.csv',
        'value,label\n010289,大桶洗洁精\n010290,小瓶洗手液\n010291,抹布\n',
      );
      await screenshot(page, `metadata-tables-${engine}-01-dictionary-upload`);
      // The toast lives 3 s: watch for it from before the click, not after the list refreshed.
      const uploadedToast = page
        .locator('.ant-message-notice')
        .filter({ hasText: '字典表已上传（3 行）' })
        .waitFor({ timeout: 15_000 })
        .then(
          () => true,
          () => false,
        );
      await page.getByTestId('dictionary-upload-submit').click();
      await page.getByTestId('dictionary-upload-modal').waitFor({ state: 'detached' });
      await expect.poll(() => row.getByTestId('dictionary-rows').count(), POLL).toBe(1);
      expect(await row.getByTestId('dictionary-rows').textContent()).toBe('3 行');
      expect(await uploadedToast).toBe(true);

      // A bad file (a duplicate value, an empty label): the row errors with their lines, the dialog stays.
      await row.getByTestId('dictionary-upload').click();
      await page.getByTestId('dictionary-upload-modal').waitFor();
      await pickCsv(page, 'dictionary-upload-modal', 'bad.csv', 'value,label\na,甲\na,乙\nb,\n');
      await page.getByTestId('dictionary-upload-submit').click();
      await page.getByTestId('dictionary-upload-error').waitFor();
      expect(await page.getByTestId('dictionary-upload-error').textContent()).toContain('文件有 2 处问题');
      expect(await page.getByTestId('dictionary-upload-row-error').allTextContents()).toEqual([
        expect.stringMatching(/^第 3 行：.+/),
        '第 4 行：描述不能为空',
      ]);
      await screenshot(page, `metadata-tables-${engine}-02-dictionary-row-errors`, { hideToasts: true });
      expect(await page.getByTestId('dictionary-upload-modal').isVisible()).toBe(true);
      await page.getByTestId('dictionary-upload-cancel').click();
      await page.getByTestId('dictionary-upload-modal').waitFor({ state: 'detached' });
      // The previous dictionary is kept.
      expect(await row.getByTestId('dictionary-rows').textContent()).toBe('3 行');
      const listed = await apiFromPage(page, 'GET', '/api/v1/metadata/dictionaries');
      const entry = listed.body.items.find((item: { property: string }) => item.property === 'sku');
      expect(entry.dictionary).toMatchObject({ rowCount: 3 });
      await screenshot(page, `metadata-tables-${engine}-03-dictionaries`, { hideToasts: true });

      // Download: the link gives the CSV back.
      expect(await row.getByTestId('dictionary-download').getAttribute('href')).toBe(
        `/api/v1/metadata/dictionaries/${entry.dictionary.id}/download`,
      );
      const [download] = await Promise.all([page.waitForEvent('download'), row.getByTestId('dictionary-download').click()]);
      expect(download.suggestedFilename()).toMatch(/\.csv$/);
      const downloaded = readFileSync((await download.path())!, 'utf8').replace(/^\uFEFF/, '');
      expect(downloaded.trim().split(/\r?\n/)).toEqual(['value,label', '010289,大桶洗洁精', '010290,小瓶洗手液', '010291,抹布']);

      // Delete with confirm: gone.
      await row.getByTestId('dictionary-delete').click();
      await page.getByTestId(`dictionary-delete-confirm-${entry.dictionary.id}`).click();
      await expect.poll(() => row.getByTestId('dictionary-none').count(), POLL).toBe(1);
      const after = await apiFromPage(page, 'GET', '/api/v1/metadata/dictionaries');
      expect(after.body.items.find((item: { property: string }) => item.property === 'sku').dictionary).toBeNull();
      expect((await apiFromPage(page, 'GET', `/api/v1/metadata/dictionaries/${entry.dictionary.id}/download`)).status).toBe(404);
      await page.close();
    });

    it('creates a dimension table, loads a CSV with a task, locks the primary key, clears and deletes it', async () => {
      const tenant = await createTenant(app, { name: '维度表租户' });
      const admin = await Client.staff(app.server, tenant.email, tenant.password);
      const goods = await admin.request('POST', '/api/v1/metadata/event-properties', {
        code: 'goods_id',
        name: '商品ID',
        type: 'string',
      });
      expect(goods.statusCode).toBe(201);
      const page = await newPage();
      await login(page, base, tenant.email, tenant.password);

      await openFromMenu(page, ['menu-metadata', 'menu-dimensionTables'], 'dimension-tables-page');
      await page.getByTestId('dimension-tables-empty').waitFor();

      // Create: ID, name, linked event property, three fields, the primary key.
      await page.getByTestId('dimension-tables-create').click();
      await page.getByTestId('dimension-table-code').waitFor();
      await page.getByTestId('dimension-table-code').fill('goods');
      await page.getByTestId('dimension-table-name').fill('商品');
      await page.getByTestId('dimension-table-link').click();
      await page.keyboard.type('goods_id');
      await choose(page, page.getByTestId('dimension-table-link'), '商品ID（goods_id）', { open: false });
      await page.getByTestId('dimension-field-0-code').fill('goods_id');
      await page.getByTestId('dimension-field-0-name').fill('商品ID');
      await page.getByTestId('dimension-field-add').click();
      await page.getByTestId('dimension-field-1-code').fill('price');
      await page.getByTestId('dimension-field-1-name').fill('价格');
      await choose(page, page.getByTestId('dimension-field-1-type'), '数字');
      await page.getByTestId('dimension-field-add').click();
      await page.getByTestId('dimension-field-2-code').fill('color');
      await page.getByTestId('dimension-field-2-name').fill('颜色');
      // Move the primary key away and back: one radio at a time.
      await page.getByTestId('dimension-field-2-primary').check();
      expect(await page.getByTestId('dimension-field-0-primary').isChecked()).toBe(false);
      await page.getByTestId('dimension-field-0-primary').check();
      expect(await page.getByTestId('dimension-field-2-primary').isChecked()).toBe(false);
      await screenshot(page, `metadata-tables-${engine}-04-dimension-drawer`);
      await page.getByTestId('dimension-table-submit').click();
      await page.getByTestId('dimension-table-drawer').waitFor({ state: 'hidden' });

      const row = page.getByTestId('dimension-table-row-goods');
      await row.waitFor();
      expect(await row.getByTestId('dimension-table-name-cell').textContent()).toBe('商品');
      expect(await row.getByTestId('dimension-table-status').textContent()).toBe('无数据');
      expect(await row.getByTestId('dimension-table-fields').textContent()).toBe('3 个字段');
      expect(await row.getByTestId('dimension-table-clear').getAttribute('aria-disabled')).toBe('true');
      const created = (await apiFromPage(page, 'GET', '/api/v1/metadata/dimension-tables')).body.items[0];
      expect(created).toMatchObject({
        code: 'goods',
        name: '商品',
        linkTarget: 'event',
        linkProperty: 'goods_id',
        primaryField: 'goods_id',
        status: 'empty',
        rowCount: 0,
      });
      expect(created.fields.map((field: { code: string; type: string }) => `${field.code}/${field.type}`)).toEqual([
        'goods_id/string',
        'price/number',
        'color/string',
      ]);
      const tableId = created.id as string;

      // The template names the field IDs.
      const [template] = await Promise.all([page.waitForEvent('download'), row.getByTestId('dimension-table-template').click()]);
      expect(
        readFileSync((await template.path())!, 'utf8')
          .replace(/^\uFEFF/, '')
          .trim(),
      ).toBe('goods_id,price,color');

      // Upload: a task; the status follows it to 已导入 with the row count.
      await row.getByTestId('dimension-table-upload').click();
      await page.getByTestId('dimension-upload-modal').waitFor();
      await pickCsv(page, 'dimension-upload-modal', 'goods.csv', 'goods_id,price,color\n010289,19.9,红色\n010290,29.5,蓝色\n');
      await page.getByTestId('dimension-upload-submit').click();
      await page.getByTestId('task-submitted').waitFor();
      await page.getByTestId('dimension-upload-modal').waitFor({ state: 'detached' });
      await expect.poll(() => row.getByTestId('dimension-table-status').textContent(), TASK_POLL).toBe('已导入');
      expect(await row.getByTestId('dimension-table-rows').textContent()).toBe('2');
      expect(await row.getByTestId('dimension-table-loaded-at').textContent()).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
      const loaded = (await apiFromPage(page, 'GET', `/api/v1/metadata/dimension-tables/${tableId}`)).body;
      expect(loaded).toMatchObject({ status: 'ready', rowCount: 2 });
      const uploadTaskId = loaded.taskId as string;
      await screenshot(page, `metadata-tables-${engine}-05-dimension-tables`, { hideToasts: true });

      // With data the primary key is fixed: every radio disabled; new fields may still be added.
      await row.getByTestId('dimension-table-edit').click();
      await page.getByTestId('dimension-primary-locked').waitFor();
      for (const index of [0, 1, 2]) expect(await page.getByTestId(`dimension-field-${index}-primary`).isDisabled()).toBe(true);
      expect(await page.getByTestId('dimension-field-0-primary').isChecked()).toBe(true);
      expect(await page.getByTestId('dimension-field-0-code').isDisabled()).toBe(true);
      await screenshot(page, `metadata-tables-${engine}-06-dimension-primary-locked`, { hideToasts: true });
      await page.keyboard.press('Escape');
      await page.getByTestId('dimension-table-drawer').waitFor({ state: 'hidden' });

      // Clear with confirm: a task; back to 无数据 and 0 rows; the primary key is free again.
      await row.getByTestId('dimension-table-clear').click();
      await page.getByTestId(`dimension-table-clear-confirm-${tableId}`).click();
      await page.getByTestId('task-submitted').first().waitFor();
      await expect.poll(() => row.getByTestId('dimension-table-status').textContent(), TASK_POLL).toBe('无数据');
      expect(await row.getByTestId('dimension-table-rows').textContent()).toBe('0');
      const cleared = (await apiFromPage(page, 'GET', `/api/v1/metadata/dimension-tables/${tableId}`)).body;
      expect(cleared).toMatchObject({ status: 'empty', rowCount: 0 });
      const clearTaskId = cleared.taskId as string;
      expect(clearTaskId).not.toBe(uploadTaskId);
      await row.getByTestId('dimension-table-edit').click();
      await page.getByTestId('dimension-field-0-primary').waitFor();
      expect(await page.getByTestId('dimension-primary-locked').count()).toBe(0);
      expect(await page.getByTestId('dimension-field-2-primary').isDisabled()).toBe(false);
      await page.keyboard.press('Escape');
      await page.getByTestId('dimension-table-drawer').waitFor({ state: 'hidden' });

      // Both tasks in the notification center's task list, by name.
      await page.goto(`${base}/settings/notifications?tab=tasks`);
      await page.getByTestId(`task-row-${uploadTaskId}`).waitFor();
      expect(await page.getByTestId(`task-kind-${uploadTaskId}`).textContent()).toBe('导入维度表');
      expect(await page.getByTestId(`task-kind-${clearTaskId}`).textContent()).toBe('清空维度表');
      expect(await page.getByTestId(`task-status-${uploadTaskId}`).textContent()).toBe('成功');
      expect(await page.getByTestId(`task-counts-${uploadTaskId}`).textContent()).toContain('导入行数：2');

      // Delete with confirm: gone.
      await openFromMenu(page, ['menu-metadata', 'menu-dimensionTables'], 'dimension-tables-page');
      await row.waitFor();
      await row.getByTestId('dimension-table-delete').click();
      await page.getByTestId(`dimension-table-delete-confirm-${tableId}`).click();
      await page.getByTestId('dimension-tables-empty').waitFor();
      expect(await row.count()).toBe(0);
      expect((await apiFromPage(page, 'GET', `/api/v1/metadata/dimension-tables/${tableId}`)).status).toBe(404);
      await page.close();
    });
  });
}
