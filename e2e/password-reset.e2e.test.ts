import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../core/test/support/engines.js';
import { resetLinkIn, SmtpCatcher } from '../core/test/support/smtp-catcher.js';
import { createTenant, createTestApp, type TestApp } from '../core/test/support/test-app.js';
import { launchBrowser, screenshot } from './browser.js';

for (const engine of testEngines()) {
  describe(`console: 忘记密码 → mail → new password → login [${engine}]`, () => {
    let app: TestApp;
    let catcher: SmtpCatcher;
    let browser: Browser;
    let base: string;

    beforeAll(async () => {
      // A real SMTP server on loopback catches the mail; no publicUrl, so the link takes the
      // address the browser used.
      catcher = await SmtpCatcher.start();
      app = await createTestApp(engine, { mail: { smtp: catcher.settings() } });
      await app.start();
      base = `http://127.0.0.1:${app.server.info.port}`;
      browser = await launchBrowser();
    });

    afterAll(async () => {
      await browser?.close();
      await app?.close();
      await catcher?.close();
    });

    it('walks a staff member who forgot the password back into the console', async () => {
      const tenant = await createTenant(app, { name: '汇流找回' });
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' });
      page.setDefaultTimeout(20_000);

      // Login page → 忘记密码, with the email typed so far.
      await page.goto(`${base}/login`);
      await page.getByTestId('login-email').fill(tenant.email);
      expect(await page.getByTestId('login-forgot-password').textContent()).toBe('忘记密码');
      await page.getByTestId('login-forgot-password').click();
      await page.getByTestId('forgot-submit').waitFor();
      expect(page.url()).toBe(`${base}/forgot-password`);
      expect(await page.getByTestId('forgot-email').inputValue()).toBe(tenant.email);
      await screenshot(page, `${engine}-reset-01-forgot`);
      await page.getByTestId('forgot-submit').click();
      await expect.poll(() => page.getByTestId('forgot-sent').textContent()).toContain('如果该邮箱已注册，你将收到一封重置邮件');
      await screenshot(page, `${engine}-reset-02-sent`);

      // The mail (sent by the app's own worker) carries the link.
      const mail = await catcher.waitForMail(tenant.email, 1, 20_000);
      const link = resetLinkIn(mail);
      expect(link.origin).toBe(base);

      // The link: the new password twice → the login page.
      await page.goto(link.href);
      await page.getByTestId('reset-password').fill('Found-again-2026');
      await page.getByTestId('reset-password-confirm').fill('Found-again-2026');
      await screenshot(page, `${engine}-reset-03-new-password`);
      await page.getByTestId('reset-submit').click();
      await page.getByTestId('login-password-reset-done').waitFor();
      expect(new URL(page.url()).pathname).toBe('/login');
      expect(await page.getByTestId('login-password-reset-done').textContent()).toContain('密码已重置');

      // The old password no longer works; the new one does.
      await page.getByTestId('login-email').fill(tenant.email);
      await page.getByTestId('login-password').fill(tenant.password);
      await page.getByTestId('login-submit').click();
      await expect.poll(() => page.getByTestId('login-error').textContent()).toContain('邮箱或密码错误');
      await page.getByTestId('login-password').fill('Found-again-2026');
      await page.getByTestId('login-submit').click();
      await page.getByTestId('home-tenant-name').waitFor();
      expect(await page.getByTestId('layout-tenant-name').textContent()).toBe('汇流找回');

      // The link was for one use: opened again, it is refused.
      await page.goto(link.href);
      await page.getByTestId('reset-password').fill('Another-pass-2027');
      await page.getByTestId('reset-password-confirm').fill('Another-pass-2027');
      await page.getByTestId('reset-submit').click();
      await expect.poll(() => page.getByTestId('reset-link-invalid').textContent()).toContain('重置链接无效或已过期');
      await screenshot(page, `${engine}-reset-04-used-link`);
      await page.close();
    });
  });
}
