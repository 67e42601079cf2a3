import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../core/test/support/test-app.js';
import { testEngines } from '../core/test/support/engines.js';
import { launchBrowser, screenshot } from './browser.js';

for (const engine of testEngines()) {
  describe(`console: first run → login → home → private apps → logout [${engine}]`, () => {
    let app: TestApp;
    let browser: Browser;
    let base: string;

    beforeAll(async () => {
      app = await createTestApp(engine);
      await app.start();
      base = `http://127.0.0.1:${app.server.info.port}`;
      browser = await launchBrowser();
    });

    afterAll(async () => {
      await browser?.close();
      await app?.close();
    });

    it('walks a newcomer from the first-run page to the home page and back out', async () => {
      const page = await browser.newPage({ viewport: { width: 1366, height: 860 }, locale: 'zh-CN' });
      const email = `owner.${engine}@example.com`;
      const password = 'Owner-pass-2026';

      // A fresh install sends every page to the first-run page.
      await page.goto(`${base}/`);
      await page.getByTestId('setup-page').waitFor();
      expect(page.url()).toMatch(/\/setup$/);
      await screenshot(page, `${engine}-01-setup`);

      await page.getByTestId('setup-token').fill(app.setupToken!);
      await page.getByTestId('setup-tenant-name').fill('汇流演示');
      await page.getByTestId('setup-name').fill('王运营');
      await page.getByTestId('setup-email').fill(email);
      await page.getByTestId('setup-password').fill(password);
      await page.getByTestId('setup-password-confirm').fill(password);
      await page.getByTestId('setup-submit').click();

      // Setup done → login with the email prefilled.
      await page.getByTestId('login-setup-done').waitFor();
      expect(page.url()).toMatch(/\/login/);
      expect(await page.getByTestId('login-email').inputValue()).toBe(email);
      await page.getByTestId('login-password').fill('Wrong-pass-1');
      await page.getByTestId('login-submit').click();
      await expect.poll(() => page.getByTestId('login-error').textContent()).toContain('邮箱或密码错误');
      await page.getByTestId('login-password').fill(password);
      await page.getByTestId('login-submit').click();

      // Home (§1.2.3): tenant, version and the numbers that exist now.
      await page.getByTestId('home-tenant-name').waitFor();
      expect(await page.getByTestId('layout-tenant-name').textContent()).toBe('汇流演示');
      expect(await page.getByTestId('home-time-zone').textContent()).toBe('Asia/Shanghai');
      expect(await page.getByTestId('home-count-staff').textContent()).toContain('1');
      expect(await page.getByTestId('home-count-apps').textContent()).toContain('0');
      await screenshot(page, `${engine}-02-home-zh`);

      // The session survives a reload.
      await page.reload();
      await page.getByTestId('home-tenant-name').waitFor();

      // Private apps: create one, its secret is shown once.
      await page.goto(`${base}/settings/apps`);
      await page.getByTestId('apps-create').click();
      await page.getByTestId('app-name-input').fill('ERP 同步');
      await page.getByTestId('app-form-submit').click();
      await page.getByTestId('app-secret-modal').waitFor();
      const appKey = (await page.getByTestId('app-secret-key').textContent())!;
      expect(appKey).toMatch(/^ak_[0-9a-f]{24}/);
      await screenshot(page, `${engine}-03-app-secret`);
      await page.getByTestId('app-secret-done').click();
      await expect.poll(() => page.locator('body').textContent()).toContain('ERP 同步');

      // The home count follows.
      await page.goto(`${base}/`);
      await expect.poll(() => page.getByTestId('home-count-apps').textContent()).toContain('1');

      // Language switch to English.
      await page.getByTestId('lang-switch').click();
      await page.getByTestId('lang-option-en-US').click();
      await expect
        .poll(() =>
          page
            .getByTestId('logout')
            .count()
            .then(() => page.locator('body').textContent()),
        )
        .toContain('Private apps');
      await screenshot(page, `${engine}-04-home-en`);

      // Log out → login page; the API no longer answers for this browser.
      await page.getByTestId('staff-menu').hover();
      await page.getByTestId('logout').click();
      await page.getByTestId('login-submit').waitFor();
      const status = await page.evaluate(async () => (await fetch('/api/v1/auth/session')).status);
      expect(status).toBe(401);
      await page.close();
    });
  });
}
