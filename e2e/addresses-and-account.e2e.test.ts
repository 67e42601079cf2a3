import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstPartyPlugins } from '../core/test/support/plugins.js';
import { Client, createTenant, createTestApp, type TestApp } from '../core/test/support/test-app.js';
import { testEngines } from '../core/test/support/engines.js';
import { apiFromPage, formErrorOf, launchBrowser, login, screenshot } from './browser.js';

for (const engine of testEngines()) {
  describe(`console: bad addresses show "not found"; the staff menu changes the password [${engine}]`, () => {
    let app: TestApp;
    let browser: Browser;
    let base: string;

    beforeAll(async () => {
      app = await createTestApp(engine, {}, { plugins: firstPartyPlugins });
      await app.start();
      base = `http://127.0.0.1:${app.server.info.port}`;
      browser = await launchBrowser();
    });

    afterAll(async () => {
      await browser?.close();
      await app?.close();
    });

    const newPage = async (): Promise<Page> => {
      const page = await browser.newPage({ viewport: { width: 1366, height: 860 }, locale: 'zh-CN' });
      page.setDefaultTimeout(20_000);
      return page;
    };

    /** What a page must not show for a missing thing: the "bad input" text and a retry that cannot help. */
    const expectNoLoadError = async (page: Page) => {
      expect(await page.getByText('提交的内容有误').count()).toBe(0);
      expect(await page.getByRole('button', { name: /重\s?试/ }).count()).toBe(0);
      expect(await page.getByTestId('channel-load-error').count()).toBe(0);
      expect(await page.getByTestId('custom-app-load-error').count()).toBe(0);
    };

    it('shows the not-found page for malformed and unknown ids in the address', async () => {
      const tenant = await createTenant(app, { name: '地址租户' });
      const admin = await Client.staff(app.server, tenant.email, tenant.password);
      const channel = (await admin.request('POST', '/api/v1/channels', { type: 'custom', name: '地址商城' })).body;
      const customApp = (
        await admin.request('POST', `/api/v1/p/custom-channel/channels/${channel.id}/apps`, {
          platform: 'web',
          name: '官网',
          domain: 'shop.example.com',
        })
      ).body;
      const page = await newPage();
      await login(page, base, tenant.email, tenant.password);

      // A channel: malformed (400 validation_failed on the path) and unknown (404) alike.
      for (const bad of ['abc', '0', '99999999999999999999', '999999']) {
        await page.goto(`${base}/connections/${bad}`);
        await page.getByTestId('channel-not-found').waitFor();
        expect(await page.getByTestId('channel-not-found').textContent(), bad).toContain('连接不存在');
        await expectNoLoadError(page);
      }
      await screenshot(page, `addresses-${engine}-01-channel-not-found`);
      // Its way out leads back to the list.
      await page.getByTestId('channel-not-found').getByRole('button').click();
      await page.getByTestId('connections-page').waitFor();

      // An app of the custom channel: malformed, unknown, and one under another channel's address.
      for (const path of [
        `/connections/${channel.id}/apps/abc`,
        `/connections/${channel.id}/apps/999999`,
        `/connections/999999/apps/${customApp.id}`,
        `/connections/abc/apps/${customApp.id}`,
      ]) {
        await page.goto(`${base}${path}`);
        await page.getByTestId('custom-app-not-found').waitFor();
        expect(await page.getByTestId('custom-app-not-found').textContent(), path).toContain('应用不存在');
        await expectNoLoadError(page);
      }
      // The real one still opens.
      await page.goto(`${base}/connections/${channel.id}/apps/${customApp.id}`);
      expect(await page.getByTestId('custom-app-title').textContent()).toBe('官网');

      // Addresses no page answers (a private app has no page of its own).
      for (const path of ['/settings/apps/abc', '/connections/abc/def/ghi', '/nothing-here']) {
        await page.goto(`${base}${path}`);
        await page.getByTestId('page-not-found').waitFor();
        expect(await page.getByTestId('page-not-found').textContent(), path).toContain('页面不存在');
        await expectNoLoadError(page);
      }
      await page.close();
    });

    it('changes the password from the staff menu, with field errors, and signs out the other sessions', async () => {
      const tenant = await createTenant(app, { name: '密码租户' });
      const newPassword = 'Changed-pass-456';
      // Another session of the same staff member, which the change signs out.
      const other = await Client.staff(app.server, tenant.email, tenant.password);
      const page = await newPage();
      await login(page, base, tenant.email, tenant.password);

      await page.getByTestId('staff-menu').hover();
      await page.getByTestId('change-password').click();
      await page.getByTestId('change-password-modal').waitFor();
      const current = page.getByTestId('change-password-current');
      const fresh = page.getByTestId('change-password-new');
      const confirm = page.getByTestId('change-password-confirm');

      // Checked in the page first: required fields, the password rule, the confirmation. A click
      // during the modal's opening animation can be lost on a loaded machine (CI saw it once), so
      // the submit is repeated until the form has answered; the assertion is the same.
      const submit = page.getByTestId('change-password-submit');
      await expect
        .poll(async () => {
          const error = await formErrorOf(current);
          if (!error) await submit.click();
          return error;
        })
        .toContain('请输入当前密码');
      await fresh.fill('short1');
      await confirm.fill('other-value');
      await expect.poll(() => formErrorOf(fresh)).toContain('至少 8 个字符，且包含字母和数字');
      await expect.poll(() => formErrorOf(confirm)).toContain('两次输入的新密码不一致');

      // A wrong current password: the server refuses, the field says so.
      await current.fill('Not-my-pass-1');
      await fresh.fill(newPassword);
      await confirm.fill(newPassword);
      await submit.click();
      await expect.poll(() => formErrorOf(current)).toContain('当前密码不正确');
      await screenshot(page, `account-${engine}-01-wrong-current-password`, { hideToasts: true });
      expect((await other.request('GET', '/api/v1/auth/session')).statusCode).toBe(200);

      // The right one: done, the modal closes, this session stays, the other one is signed out.
      await current.fill(tenant.password);
      await submit.click();
      await page.getByText('密码已修改，其他设备上的登录已退出').waitFor();
      await expect.poll(() => page.getByTestId('change-password-modal').count()).toBe(0);
      expect((await apiFromPage(page, 'GET', '/api/v1/auth/session')).status).toBe(200);
      expect((await other.request('GET', '/api/v1/auth/session')).statusCode).toBe(401);

      // Signing in again: the old password no longer works, the new one does.
      await page.getByTestId('staff-menu').hover();
      await page.getByTestId('logout').click();
      await page.getByTestId('login-email').waitFor();
      await page.getByTestId('login-email').fill(tenant.email);
      await page.getByTestId('login-password').fill(tenant.password);
      await page.getByTestId('login-submit').click();
      await expect.poll(() => page.getByTestId('login-error').textContent()).toContain('邮箱或密码错误');
      await login(page, base, tenant.email, newPassword);
      await page.close();
    });

    it('speaks English too: the menu entry and the wrong-current-password error', async () => {
      const tenant = await createTenant(app, { name: 'Password tenant' });
      const page = await browser.newPage({ viewport: { width: 1366, height: 860 }, locale: 'en-US' });
      page.setDefaultTimeout(20_000);
      await page.addInitScript(() => window.localStorage.setItem('huiliu.language', 'en-US'));
      await login(page, base, tenant.email, tenant.password);
      await page.getByTestId('staff-menu').hover();
      expect(await page.getByTestId('change-password').textContent()).toBe('Change password');
      await page.getByTestId('change-password').click();
      await page.getByTestId('change-password-current').fill('Not-my-pass-1');
      await page.getByTestId('change-password-new').fill('Changed-pass-456');
      await page.getByTestId('change-password-confirm').fill('Changed-pass-456');
      await page.getByTestId('change-password-submit').click();
      await expect
        .poll(() => formErrorOf(page.getByTestId('change-password-current')))
        .toContain('The current password is wrong');
      await page.close();
    });
  });
}
