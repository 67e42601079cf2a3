import type { Browser, Page, Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import lumen, { LUMEN_SHOP_VALID_SECRET } from '../core/test/fixtures/lumen-shop.plugin.js';
import { testEngines } from '../core/test/support/engines.js';
import { firstPartyPlugins } from '../core/test/support/plugins.js';
import { createTenant, createTestApp, type TestApp } from '../core/test/support/test-app.js';
import { formErrorOf, launchBrowser, login, screenshot } from './browser.js';

const WRONG_SECRET = 'lumen-typo-secret-4242';
const WEBHOOK_KEY = 'whsec-e2e-0123456789abcdef';

for (const engine of testEngines()) {
  describe(`console: connection settings of a third-party channel type (ADR 0039) [${engine}]`, () => {
    let app: TestApp;
    let browser: Browser;
    let base: string;

    beforeAll(async () => {
      // The first-party plugins and a third-party connector with a settings form: the console has
      // no code of its own for it — it renders the form from the type's JSON Schema.
      app = await createTestApp(engine, {}, { plugins: [...firstPartyPlugins, lumen] });
      await app.start();
      base = `http://127.0.0.1:${app.server.info.port}`;
      browser = await launchBrowser();
    });

    afterAll(async () => {
      await browser?.close();
      await app?.close();
    });

    /** Every API answer the page received, to prove no secret ever came back. */
    const recordResponses = (page: Page) => {
      const bodies: Promise<string>[] = [];
      page.on('response', (response: Response) => {
        if (new URL(response.url()).pathname.startsWith('/api/')) bodies.push(response.text().catch(() => ''));
      });
      return async () => (await Promise.all(bodies)).join('\n');
    };

    it('creates a channel with settings and a secret, tests the connection, edits it, and never gets a secret back', async () => {
      const tenant = await createTenant(app, { name: '设置租户' });
      const page = await browser.newPage({ viewport: { width: 1366, height: 1000 }, locale: 'zh-CN' });
      page.setDefaultTimeout(45_000);
      const responses = recordResponses(page);
      await login(page, base, tenant.email, tenant.password);

      // 创建连接 → Lumen 店铺: the type's settings form appears under the name and key.
      await page.getByTestId('menu-connections').click();
      await page.getByTestId('connections-page').waitFor();
      await page.getByTestId('connections-create').click();
      await page.getByTestId('channel-type-option-lumen').click();
      await page.getByTestId('channel-create-settings').waitFor();
      await page.getByTestId('channel-name-input').fill('Lumen 旗舰店');
      await page.getByTestId('channel-key-input').fill('shop0001');
      expect(await page.getByTestId('channel-create-settings').textContent()).toContain('店铺地址');
      expect(await page.getByTestId('settings-field-apiSecret').getAttribute('type')).toBe('password');
      expect(await page.getByTestId('settings-field-syncDays').inputValue()).toBe('30');

      // The browser checks the form first: a URL that is none.
      await page.getByTestId('settings-field-shopUrl').fill('shop.lumen.example');
      await page.getByTestId('channel-settings-test').click();
      await expect.poll(() => formErrorOf(page.getByTestId('settings-field-shopUrl'))).toContain('网址');
      await page.getByTestId('settings-field-shopUrl').fill('https://shop.lumen.example');
      await page.getByTestId('settings-field-apiKey').fill('key_1');
      await page.getByTestId('settings-field-apiSecret').fill(WRONG_SECRET);
      await page.getByTestId('settings-field-webhookSigningKey').fill(WEBHOOK_KEY);

      // 测试连接 before creating: the shop refuses the secret, and says so in the connector's words.
      await page.getByTestId('channel-settings-test').click();
      const result = page.getByTestId('channel-settings-test-result');
      await expect.poll(() => result.getAttribute('data-ok')).toBe('false');
      expect(await page.getByTestId('channel-settings-test-message').textContent()).toBe('店铺拒绝了 API Key key_1 的密钥');
      await page.getByTestId('settings-field-apiSecret').fill(LUMEN_SHOP_VALID_SECRET);
      await page.getByTestId('channel-settings-test').click();
      await expect.poll(() => result.getAttribute('data-ok')).toBe('true');
      await screenshot(page, `channel-settings-${engine}-01-create`, { hideToasts: true });
      await page.getByTestId('channel-form-submit').click();

      // The channel's page: 连接设置 with the stored values; the secrets show 已设置, never a value.
      await page.getByTestId('channel-settings').waitFor();
      const channelId = /\/connections\/(\d+)$/.exec(page.url())![1]!;
      expect(await page.getByTestId('settings-field-shopUrl').inputValue()).toBe('https://shop.lumen.example');
      expect(await page.getByTestId('settings-field-apiSecret').inputValue()).toBe('');
      expect(await page.getByTestId('settings-field-apiSecret').getAttribute('placeholder')).toBe('已设置（留空则保持不变）');
      await page.getByTestId('settings-field-webhookSigningKey-set').waitFor();

      // 测试连接 with the secret left blank uses the stored one.
      await page.getByTestId('channel-settings-test').click();
      await expect.poll(() => page.getByTestId('channel-settings-test-result').getAttribute('data-ok')).toBe('true');
      // An unsaved wrong secret is tested as typed…
      await page.getByTestId('settings-field-apiSecret').fill(WRONG_SECRET);
      await page.getByTestId('channel-settings-test').click();
      await expect.poll(() => page.getByTestId('channel-settings-test-result').getAttribute('data-ok')).toBe('false');
      // …and not kept: edit a plain field, clear the optional secret and save without it.
      await page.getByTestId('settings-field-apiSecret').fill('');
      await page.getByTestId('settings-field-syncDays').fill('7');
      await page.getByTestId('settings-field-webhookSigningKey-clear').click();
      await page.getByTestId('settings-field-webhookSigningKey-clearing').waitFor();
      await page.getByTestId('channel-settings-save').click();
      await page.getByText('连接设置已保存').waitFor();
      await screenshot(page, `channel-settings-${engine}-02-detail`, { hideToasts: true });

      // After a reload: the edit stands, the webhook key is gone, the API secret still works.
      await page.reload();
      await page.getByTestId('channel-settings').waitFor();
      await expect.poll(() => page.getByTestId('settings-field-syncDays').inputValue()).toBe('7');
      await page.getByTestId('settings-field-apiSecret-set').waitFor();
      expect(await page.getByTestId('settings-field-webhookSigningKey-set').count()).toBe(0);
      await page.getByTestId('channel-settings-test').click();
      await expect.poll(() => page.getByTestId('channel-settings-test-result').getAttribute('data-ok')).toBe('true');

      const detail = await page.evaluate(async (id) => (await fetch(`/api/v1/channels/${id}`)).json(), channelId);
      expect(detail).toMatchObject({ settings: { syncDays: 7, apiKey: 'key_1' }, secretsSet: ['apiSecret'] });
      // No API answer of the whole session held a secret.
      const bodies = await responses();
      expect(bodies).toContain('secretsSet');
      for (const secret of [LUMEN_SHOP_VALID_SECRET, WRONG_SECRET, WEBHOOK_KEY]) expect(bodies).not.toContain(secret);
      await page.close();
    });
  });
}
