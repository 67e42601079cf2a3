import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, createTestApp, type TestApp } from '../core/test/support/test-app.js';
import { clickMenu, launchBrowser, login, screenshot } from './browser.js';

describe('console: plugins page with the installed first-party plugins (as npm start loads them)', () => {
  let app: TestApp;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    // The first-party packages from the workspace's node_modules, as `npm start` loads them (built).
    app = await createTestApp('sqlite', { loadPluginPackages: true });
    await app.start();
    base = `http://127.0.0.1:${app.server.info.port}`;
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('lists core and the four plugins, and shows a plugin’s contributions', async () => {
    const tenant = await createTenant(app, { name: '插件租户' });
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
    page.setDefaultTimeout(20_000);
    await login(page, base, tenant.email, tenant.password);
    await clickMenu(page, ['menu-settings', 'menu-system', 'menu-plugins']);
    await page.getByTestId('plugins-page').waitFor();
    for (const id of ['core', 'wechat', 'miniprogram', 'custom-channel', 'jinshuju']) {
      await page.getByTestId(`plugin-row-${id}`).waitFor();
    }
    expect(await page.getByTestId('plugin-state-wechat').textContent()).toBe('运行中');
    await page.getByTestId('plugin-toggle-wechat').click();
    const contributions = page.getByTestId('plugin-contributions-wechat');
    await contributions.waitFor();
    const text = await contributions.textContent();
    expect(text).toContain('wechat.openId');
    expect(text).toContain('wechat_scan_qrcode');
    await contributions.locator('tr[data-row-key="wechat_scan_qrcode"] .ant-table-row-expand-icon').click();
    expect(await page.getByTestId('plugin-event-properties-wechat_scan_qrcode').textContent()).toContain('s_qrCodeType');
    await screenshot(page, 'plugins-01-wechat');
    await page.close();
  });
});
