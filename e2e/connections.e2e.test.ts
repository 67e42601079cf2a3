import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstPartyPlugins } from '../core/test/support/plugins.js';
import { hashPassword } from '../core/src/lib/password.js';
import { Client, createTenant, createTestApp, type TestApp } from '../core/test/support/test-app.js';
import { testEngines } from '../core/test/support/engines.js';
import { formErrorOf, launchBrowser, login, screenshot } from './browser.js';

for (const engine of testEngines()) {
  describe(`console: connections → custom channel → apps and writeKeys [${engine}]`, () => {
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

    /** The public writeKey check (SDK set-up), asked outside the browser. */
    const checkWriteKey = async (writeKey: string) => {
      const res = await fetch(`${base}/api/v1/p/custom-channel/write-keys/${encodeURIComponent(writeKey)}`);
      return { status: res.status, body: (await res.json()) as { enabled?: boolean; code?: string } };
    };

    it('creates a custom channel, adds web and iOS apps, copies and disables a writeKey, offers no delete while an app is enabled', async () => {
      const tenant = await createTenant(app, { name: '连接租户' });
      const context: BrowserContext = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
      const page: Page = await context.newPage();
      // Generous: two CI runs on a loaded 2-core machine ran out of 20 s at different steps of this long flow.
      page.setDefaultTimeout(45_000);
      await login(page, base, tenant.email, tenant.password);

      // 连接管理: channel types as cards with counts, nothing created yet.
      await page.getByTestId('menu-connections').click();
      await page.getByTestId('connections-page').waitFor();
      await page.getByTestId('connections-empty').waitFor();
      expect(await page.getByTestId('channel-type-card-custom-count').textContent()).toBe('0');
      expect(await page.getByTestId('channel-type-card-all').textContent()).toContain('全部连接');

      // 创建连接 → 自定义渠道 with a blank ChannelID; the official account is authorization-only.
      await page.getByTestId('connections-create').click();
      await page.getByTestId('channel-name-input').waitFor();
      expect(await page.getByTestId('channel-type-option-custom').isChecked()).toBe(true);
      expect(await page.getByTestId('channel-type-option-wechat').isDisabled()).toBe(true);
      expect(await page.getByTestId('channel-key-input').getAttribute('placeholder')).toBe('留空自动生成');
      await page.getByTestId('channel-name-input').fill('联否商城');
      await page.getByTestId('channel-form-submit').click();

      // The detail page shows channelType custom and a generated udc_… ChannelID.
      await page.getByTestId('channel-detail-page').waitFor();
      await page.getByTestId('channel-key').waitFor();
      expect(page.url()).toMatch(/\/connections\/\d+$/);
      const channelUrl = page.url();
      expect(await page.getByTestId('channel-name').textContent()).toBe('联否商城');
      expect(await page.getByTestId('channel-type-code').textContent()).toBe('custom');
      expect(await page.getByTestId('channel-key').textContent()).toMatch(/^udc_[a-z0-9]{12}$/);
      expect(await page.getByTestId('channel-basics').textContent()).toContain('ChannelID');

      // 添加应用: a web app with an invalid domain → the server's error on the field.
      await page.getByTestId('custom-apps').waitFor();
      await page.getByTestId('custom-apps-empty-web').waitFor();
      await page.getByTestId('custom-apps-add').click();
      await page.getByTestId('custom-app-name-input').fill('官网');
      await page.getByTestId('custom-app-domain-input').fill('https://shop.example.com/path');
      await page.getByTestId('custom-app-submit').click();
      await expect.poll(() => formErrorOf(page.getByTestId('custom-app-domain-input'))).toContain('域名不合法');
      // …then a valid one.
      await page.getByTestId('custom-app-domain-input').fill('Shop.Example.com');
      await page.getByTestId('custom-app-submit').click();
      // A shared CI machine under load can take long here (a 20 s wait once ran out).
      await page.getByTestId('custom-app-name').filter({ hasText: '官网' }).waitFor({ timeout: 60_000 });
      expect(await page.getByTestId('custom-app-identifier').textContent()).toBe('shop.example.com');
      expect(await page.getByTestId('custom-app-status').textContent()).toBe('启用');
      expect(await page.getByTestId('custom-apps-count-web').textContent()).toBe('1');
      await screenshot(page, `connections-${engine}-02-channel-detail`, { hideToasts: true });

      // The app page: full writeKey, copied through the copy button, checked against the API.
      await page.getByTestId('custom-app-view').click();
      await page.getByTestId('custom-app-page').waitFor();
      const writeKey = (await page.getByTestId('custom-app-write-key').textContent())!;
      expect(writeKey).toMatch(/^[A-Za-z0-9_-]{32}$/);
      await page.getByTestId('custom-app-write-key-copy').click();
      await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(writeKey);
      expect(await checkWriteKey(writeKey)).toEqual({
        status: 200,
        body: { writeKey, platform: 'web', enabled: true },
      });
      // The web SDK's snippet with this writeKey and this server, copied as shown; the script it loads is served.
      const snippet = `<script src="${base}/sdk/huiliu.min.js?token=${writeKey}&baseDomain=${base}"></script>`;
      expect(await page.getByTestId('custom-app-snippet').textContent()).toBe(snippet);
      await page.getByTestId('custom-app-snippet-copy').click();
      await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(snippet);
      expect(await page.getByTestId('custom-app-snippet-async').textContent()).toContain(`token=${writeKey}&baseDomain=${base}'`);
      expect((await fetch(`${base}/sdk/huiliu.min.js`)).headers.get('content-type')).toBe(
        'application/javascript; charset=utf-8',
      );
      await screenshot(page, `connections-${engine}-03-web-app`, { hideToasts: true });

      // Disable (after a confirm that says what is dropped): 停用 here and in the check.
      await page.getByTestId('custom-app-status-switch').click();
      await page.getByTestId('custom-app-disable-confirm').click();
      await expect.poll(() => page.getByTestId('custom-app-status').textContent()).toBe('停用');
      expect((await checkWriteKey(writeKey)).body.enabled).toBe(false);
      await page.reload();
      await page.getByTestId('custom-app-write-key').waitFor();
      expect(await page.getByTestId('custom-app-status').textContent()).toBe('停用');
      expect(await page.getByTestId('custom-app-status-switch').isChecked()).toBe(false);

      // Another app, enabled: an iOS app.
      await page.goto(channelUrl);
      await page.getByTestId('custom-apps-add').click();
      await page.getByTestId('custom-app-platform-ios').click();
      await page.getByTestId('custom-app-name-input').fill('商城 iOS');
      await page.getByTestId('custom-app-bundleId-input').fill('com.example.shop');
      await page.getByTestId('custom-app-submit').click();
      await page.getByTestId('custom-app-name').filter({ hasText: '商城 iOS' }).waitFor();
      expect(await page.getByTestId('custom-apps-count-ios').textContent()).toBe('1');

      // Deleting the channel is not offered while an app is enabled: the button is disabled and
      // its tooltip says why (no confirm that ends in a refusal).
      await expect.poll(() => page.getByTestId('channel-delete').isDisabled()).toBe(true);
      await page.getByTestId('channel-delete-wrapper').hover();
      await expect
        .poll(() => page.getByTestId('channel-delete-blocked-reason').textContent())
        .toBe('该渠道下还有 1 个启用中的应用仍可能上报数据，请先停用这些应用再删除渠道');
      await screenshot(page, `connections-${engine}-04-delete-blocked`, { hideToasts: true });
      expect(await page.getByTestId('channel-delete-confirm').count()).toBe(0);
      // Disabling that app (here, in the channel's section) makes the delete available at once…
      await page.getByTestId(`custom-apps-tab-ios`).click();
      await page.getByTestId('custom-app-toggle').filter({ visible: true }).click();
      await page.getByTestId('custom-app-disable-confirm').click();
      await expect.poll(() => page.getByTestId('channel-delete').isDisabled()).toBe(false);
      // …with its confirm (cancelled here: the channel is used below).
      await page.getByTestId('channel-delete').click();
      await page.getByTestId('channel-delete-confirm').waitFor();
      // The cancel of this confirm (another confirm may still be fading out), and it is gone before going on.
      await page
        .locator('.ant-modal-confirm', { has: page.getByTestId('channel-delete-confirm') })
        .getByRole('button', { name: /^取\s?消$/ })
        .click();
      await page.getByTestId('channel-delete-confirm').waitFor({ state: 'hidden' });
      // Enabling it again disables the delete again.
      await page.getByTestId('custom-app-toggle').filter({ visible: true }).click();
      await expect.poll(() => page.getByTestId('channel-delete').isDisabled()).toBe(true);
      expect(page.url()).toBe(channelUrl);

      // The list: the channel, and the custom channel type counts it.
      await page.getByTestId('menu-connections').click();
      await page.getByTestId('connections-page').waitFor();
      await page.getByTestId('channel-name-link').filter({ hasText: '联否商城' }).waitFor();
      expect(await page.getByTestId('channel-type-card-custom-count').textContent()).toBe('1');
      expect(await page.getByTestId('channel-key-cell').textContent()).toMatch(/^udc_/);
      await screenshot(page, `connections-${engine}-01-list`, { hideToasts: true });

      // Filtering by another type shows its own empty state.
      await page.getByTestId('channel-type-card-miniprogram').click();
      await page.getByTestId('connections-empty-filtered').waitFor();
      expect(page.url()).toMatch(/\?type=miniprogram$/);

      // Home counts connections.
      await page.getByTestId('menu-home').click();
      await expect.poll(() => page.getByTestId('home-count-connections').textContent()).toContain('连接数');
      expect(await page.getByTestId('home-count-connections').textContent()).toContain('1');
      await context.close();
    }, 180_000);

    it('lets staff with 连接-查看 only list connections, without creating or opening them', async () => {
      const tenant = await createTenant(app, { name: '只读租户' });
      const admin = await Client.staff(app.server, tenant.email, tenant.password);
      const channel = (await admin.request('POST', '/api/v1/channels', { type: 'custom', name: '只读商城' })).body;
      // Normal staff (not 高级员工) hold the fixed permissions only: connections.view, not .edit.
      const email = `viewer.${engine}.${Date.now()}@example.com`;
      const now = Date.now();
      await app.oltp.forTenant(tenant.tenantId).insert('staff', {
        email,
        name: '只读运营',
        password_hash: await hashPassword('Viewer-pass-1'),
        is_super: false,
        status: 'enabled',
        created_at: now,
        updated_at: now,
      });

      const page = await browser.newPage({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
      page.setDefaultTimeout(20_000);
      await login(page, base, email, 'Viewer-pass-1');
      await page.getByTestId('menu-connections').click();
      await page.getByTestId(`channel-row-${channel.id}`).waitFor();
      expect(await page.getByTestId('channel-name').textContent()).toBe('只读商城');
      expect(await page.getByTestId('channel-type-card-custom-count').textContent()).toBe('1');
      expect(await page.getByTestId('connections-create').count()).toBe(0);
      expect(await page.getByTestId('channel-name-link').count()).toBe(0);
      expect(await page.getByTestId('channel-action-open').count()).toBe(0);

      // Its address leads to the forbidden page, not to the channel.
      await page.goto(`${base}/connections/${channel.id}`);
      await page.getByText('无权访问').waitFor();
      expect(await page.getByTestId('channel-detail-page').count()).toBe(0);
      await page.close();
    });

    it('shows a connection whose plugin was removed as such, and lets it be deleted', async () => {
      const tenant = await createTenant(app, { name: '插件移除租户' });
      // A connection of a type no loaded plugin provides (as after uninstalling its plugin).
      const now = Date.now();
      const channelId = await app.oltp.forTenant(tenant.tenantId).insert('channel', {
        type: 'retired',
        channel_key: 'rt_0001',
        name: '旧系统',
        status: 'active',
        created_at: now,
        updated_at: now,
      });
      const page = await browser.newPage({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
      page.setDefaultTimeout(20_000);
      await login(page, base, tenant.email, tenant.password);
      await page.getByTestId('menu-connections').click();
      await page.getByTestId(`channel-row-${channelId}`).waitFor();
      expect(await page.getByTestId('channel-type-card-retired').textContent()).toContain('插件已移除');
      expect(await page.getByTestId('channel-plugin-removed').textContent()).toBe('插件已移除');
      await screenshot(page, `connections-plugin-removed-list-${engine}`);

      await page.getByTestId('channel-name-link').click();
      await page.getByTestId('channel-detail-page').waitFor();
      await page.getByTestId('channel-plugin-removed').waitFor();
      expect(await page.getByTestId('channel-plugin-removed').textContent()).toContain('提供该渠道类型的插件已移除');
      expect(await page.getByTestId('channel-plugin-removed-tag').textContent()).toBe('插件已移除');
      await screenshot(page, `connections-plugin-removed-detail-${engine}`);
      await page.getByTestId('channel-delete').click();
      await page.getByTestId('channel-delete-confirm').click();
      await page.getByTestId('connections-page').waitFor();
      await page.getByTestId('connections-empty').waitFor();
      expect(await page.getByTestId('channel-type-card-retired').count()).toBe(0);
      await page.close();
    });
  });
}
