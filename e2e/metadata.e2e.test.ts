import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../core/src/lib/password.js';
import { firstPartyPlugins } from '../core/test/support/plugins.js';
import { Client, createTenant, createTestApp, type TestApp } from '../core/test/support/test-app.js';
import { testEngines } from '../core/test/support/engines.js';
import { apiFromPage, clickMenu, formErrorOf, launchBrowser, login, screenshot } from './browser.js';

/** Server round trips on MariaDB take a moment: poll for up to 15 s (vitest's default is 1 s). */
const POLL = { timeout: 15_000 };

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

/** The texts of a column's cells (by test id), in table order. */
async function cellTexts(page: Page, testId: string): Promise<string[]> {
  return page.getByTestId(testId).allTextContents();
}

for (const engine of testEngines()) {
  describe(`console: 元数据管理 — custom events, properties, contact fields, virtual events [${engine}]`, () => {
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
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
      page.setDefaultTimeout(20_000);
      return page;
    };

    it('creates a custom event with a new inline property, a contact field it moves, a renamed property and a virtual event', async () => {
      const tenant = await createTenant(app, { name: '元数据租户' });
      const admin = await Client.staff(app.server, tenant.email, tenant.password);
      const channel = (await admin.request('POST', '/api/v1/channels', { type: 'custom', name: '官网商城' })).body;
      expect(channel.id).toBeTruthy();
      const page = await newPage();
      await login(page, base, tenant.email, tenant.password);

      // ---- 事件元数据: a custom event with a sub-event, a NEW inline property and a system one.
      await clickMenu(page, ['menu-metadata', 'menu-events']);
      await page.getByTestId('events-page').waitFor();
      await page.getByTestId('custom-events-empty').waitFor();
      await page.getByTestId('custom-events-create').click();
      await page.getByTestId('custom-event-code').waitFor();
      await choose(page, page.getByTestId('custom-event-channel'), '官网商城');
      await page.getByTestId('custom-event-code').fill('order_paid');
      await page.getByTestId('custom-event-name').fill('支付订单');
      await page.getByTestId('sub-event-add').click();
      await page.getByTestId('sub-event-0-code').fill('order_item');
      await page.getByTestId('sub-event-0-name').fill('购买商品');
      await page.getByTestId('event-property-add-new').click();
      await page.getByTestId('event-property-row-0-code').fill('amount');
      await page.getByTestId('event-property-row-0-name').fill('金额');
      await choose(page, page.getByTestId('event-property-row-0-type'), '数字');
      await page.getByTestId('event-property-add-existing').click();
      await choose(page, page.getByTestId('event-property-row-1-select'), 's_qrCodeType');
      await screenshot(page, `metadata-${engine}-01-custom-event-drawer`);
      await page.getByTestId('custom-event-submit').click();

      const row = page.getByTestId('custom-event-row-order_paid');
      await row.waitFor();
      expect(await row.getByTestId('custom-event-name-cell').textContent()).toBe('支付订单');
      expect(await row.getByTestId('custom-event-channel-cell').textContent()).toBe('官网商城');
      expect(await row.getByTestId('custom-event-sub-events').textContent()).toBe('1');
      expect(await row.getByTestId('custom-event-properties').textContent()).toBe('2');
      await row.getByTestId('custom-event-properties').hover();
      const propertyList = page.getByTestId('custom-event-properties-list');
      await propertyList.waitFor();
      expect(await propertyList.textContent()).toContain('amount 金额 · 数字');
      expect(await propertyList.textContent()).toContain('s_qrCodeType');
      // The sub-event is an event of its own, not a row of the list.
      expect(await page.getByTestId('custom-event-row-order_item').count()).toBe(0);
      await screenshot(page, `metadata-${engine}-02-custom-events`, { hideToasts: true });

      // An ID differing only in case: the server's refusal under the ID field.
      await page.getByTestId('custom-events-create').click();
      await choose(page, page.getByTestId('custom-event-channel'), '官网商城');
      await page.getByTestId('custom-event-code').fill('Order_Paid');
      await page.getByTestId('custom-event-name').fill('支付订单2');
      await page.getByTestId('custom-event-submit').click();
      await expect
        .poll(() => formErrorOf(page.getByTestId('custom-event-code')), POLL)
        .toBe('已存在仅大小写不同的 ID「order_paid」');
      await screenshot(page, `metadata-${engine}-03-case-conflict`, { hideToasts: true });
      await page.keyboard.press('Escape');
      await page.getByTestId('custom-event-drawer').waitFor({ state: 'hidden' });

      // Edit: connection and ID fixed, saved rows cannot be removed; new rows can; add a sub-event.
      await row.getByTestId('custom-event-edit').click();
      await page.getByTestId('custom-event-name').waitFor();
      expect(await page.getByTestId('custom-event-code').isDisabled()).toBe(true);
      expect(await page.getByTestId('custom-event-code').inputValue()).toBe('order_paid');
      expect(await page.locator('.ant-select-disabled[data-testid="custom-event-channel"]').count()).toBe(1);
      await page.getByTestId('event-property-row-0-saved').waitFor();
      expect(await page.getByTestId('event-property-row-0-remove').count()).toBe(0);
      expect(await page.getByTestId('event-property-row-1-remove').count()).toBe(0);
      expect(await page.getByTestId('sub-event-0-remove').count()).toBe(0);
      expect(await page.getByTestId('sub-event-0-code').isDisabled()).toBe(true);
      await page.getByTestId('sub-event-add').click();
      await page.getByTestId('sub-event-1-code').fill('order_gift');
      await page.getByTestId('sub-event-1-remove').click();
      expect(await page.getByTestId('sub-event-1-code').count()).toBe(0);
      await page.getByTestId('sub-event-add').click();
      await page.getByTestId('sub-event-1-code').fill('order_refund');
      await page.getByTestId('sub-event-1-name').fill('退款');
      await page.getByTestId('custom-event-name').fill('完成支付');
      await page.getByTestId('custom-event-submit').click();
      await expect.poll(() => row.getByTestId('custom-event-name-cell').textContent(), POLL).toBe('完成支付');
      expect(await row.getByTestId('custom-event-sub-events').textContent()).toBe('2');
      const saved = await apiFromPage(page, 'GET', '/api/v1/metadata/event-types?source=custom');
      const paid = saved.body.items.find((event: { code: string }) => event.code === 'order_paid');
      expect(paid.subEvents.map((sub: { code: string }) => sub.code)).toEqual(['order_item', 'order_refund']);
      expect(paid.properties.map((p: { code: string; source: string }) => `${p.code}/${p.source}`)).toEqual([
        'amount/custom',
        's_qrCodeType/system',
      ]);

      // System presets: read only, with their s_ properties, filterable by channel type.
      await page.getByTestId('events-tab-system').click();
      await page.getByTestId('system-event-row-wechat_subscribe').waitFor();
      await choose(page, page.getByTestId('system-events-channel-type'), '微信公众号');
      await expect.poll(() => page.getByTestId('system-event-row-wechat_subscribe').count(), POLL).toBe(1);
      expect(await page.getByTestId('custom-events-create').count()).toBe(0);
      expect(await page.getByTestId('custom-event-edit').count()).toBe(0);
      await screenshot(page, `metadata-${engine}-04-system-events`, { hideToasts: true });

      // ---- 事件属性: the inline property is listed; create one, rename it, delete it.
      await clickMenu(page, ['menu-metadata', 'menu-eventProperties']);
      await page.getByTestId('event-properties-page').waitFor();
      const amount = page.getByTestId('event-property-row-amount');
      await amount.waitFor();
      expect(await amount.getByTestId('event-property-type-cell').textContent()).toBe('数字');
      await page.getByTestId('event-properties-create').click();
      await page.getByTestId('event-property-code').fill('s_coupon');
      await page.getByTestId('event-property-name').fill('优惠券');
      await page.getByTestId('event-property-submit').click();
      await expect.poll(() => formErrorOf(page.getByTestId('event-property-code')), POLL).toBe('自定义属性 ID 不可以 s_ 开头');
      await page.getByTestId('event-property-code').fill('coupon');
      await page.getByTestId('event-property-submit').click();
      const coupon = page.getByTestId('event-property-row-coupon');
      await coupon.waitFor();
      expect(await coupon.getByTestId('event-property-name-cell').textContent()).toBe('优惠券');
      await coupon.getByTestId('event-property-edit').click();
      expect(await page.getByTestId('event-property-code').isDisabled()).toBe(true);
      await page.getByTestId('event-property-name').fill('优惠券码');
      await page.getByTestId('event-property-submit').click();
      await expect.poll(() => coupon.getByTestId('event-property-name-cell').textContent(), POLL).toBe('优惠券码');
      await screenshot(page, `metadata-${engine}-05-event-properties`, { hideToasts: true });
      // An extended property of an event cannot be deleted: the server's reason.
      await amount.getByTestId('event-property-delete').click();
      await page.getByTestId('event-property-delete-confirm-amount').click();
      await expect.poll(() => page.locator('.ant-message').textContent(), POLL).toContain('该属性是事件的扩展属性');
      expect(await amount.count()).toBe(1);
      await coupon.getByTestId('event-property-delete').click();
      await page.getByTestId('event-property-delete-confirm-coupon').click();
      await expect.poll(() => coupon.count(), POLL).toBe(0);
      // SDK presets with their five collection flags.
      await page.getByTestId('event-properties-tab-sdk').click();
      const debug = page.getByTestId('event-property-row-$debug_mode');
      await debug.waitFor();
      expect(await debug.locator('[data-testid$="-yes"]').count()).toBe(5);
      expect(await page.getByTestId('event-property-row-$latitude').locator('[data-testid$="-no"]').count()).toBe(5);
      expect(await page.getByTestId('event-property-row-$browser').getByTestId('sdk-flag-js-yes').count()).toBe(1);
      expect(await page.getByTestId('event-property-row-$browser').getByTestId('sdk-flag-ios-no').count()).toBe(1);
      await screenshot(page, `metadata-${engine}-06-sdk-properties`, { hideToasts: true });

      // ---- 自定义字段: create, refuse a third anniversary on the type field, move.
      for (const name of ['结婚纪念日', '入会纪念日'])
        expect((await admin.request('POST', '/api/v1/metadata/contact-fields', { name, type: 'anniversary' })).statusCode).toBe(
          201,
        );
      await clickMenu(page, ['menu-metadata', 'menu-contactFields']);
      await page.getByTestId('contact-fields-page').waitFor();
      await page.getByTestId('contact-field-row-attr2').waitFor();
      await page.getByTestId('contact-fields-create').click();
      expect(await page.getByTestId('contact-field-hint').textContent()).toContain('已有 2 个');
      await page.getByTestId('contact-field-name').fill('第三纪念日');
      await choose(page, page.getByTestId('contact-field-type'), '纪念日');
      await page.getByTestId('contact-field-submit').click();
      await expect
        .poll(() => formErrorOf(page.getByTestId('contact-field-type')), POLL)
        .toBe('自定义字段中最多能创建 2 个纪念日类型的字段');
      await page.getByTestId('contact-field-name').fill('会员等级');
      await choose(page, page.getByTestId('contact-field-type'), '整数');
      await page.getByTestId('contact-field-submit').click();
      const level = page.getByTestId('contact-field-row-attr3');
      await level.waitFor();
      expect(await level.getByTestId('contact-field-type-cell').textContent()).toBe('整数');
      expect(await cellTexts(page, 'contact-field-name-cell')).toEqual(['结婚纪念日', '入会纪念日', '会员等级']);
      // The first row cannot move up, the last cannot move down.
      expect(await page.getByTestId('contact-field-up').first().getAttribute('aria-disabled')).toBe('true');
      expect(await level.getByTestId('contact-field-down').getAttribute('aria-disabled')).toBe('true');
      await level.getByTestId('contact-field-up').click();
      await expect.poll(() => cellTexts(page, 'contact-field-name-cell'), POLL).toEqual(['结婚纪念日', '会员等级', '入会纪念日']);
      expect(await cellTexts(page, 'contact-field-key')).toEqual(['attr1', 'attr3', 'attr2']);
      // A taken name: on the name field.
      await level.getByTestId('contact-field-edit').click();
      expect(await page.locator('.ant-select-disabled[data-testid="contact-field-type"]').count()).toBe(1);
      await page.getByTestId('contact-field-name').fill('入会纪念日');
      await expect.poll(() => page.getByTestId('contact-field-name').inputValue(), POLL).toBe('入会纪念日');
      await page.getByTestId('contact-field-submit').click();
      // A click that lands while the modal is still opening is not taken (CI once saw no request
      // and no error): click again until the refusal shows — a taken name is refused each time.
      await expect
        .poll(async () => {
          const error = await formErrorOf(page.getByTestId('contact-field-name'));
          if (error === '') await page.getByTestId('contact-field-submit').click();
          return error;
        }, POLL)
        .toBe('名称「入会纪念日」已被使用');
      await page.getByTestId('contact-field-name').fill('会员星级');
      await page.getByTestId('contact-field-submit').click();
      await expect.poll(() => level.getByTestId('contact-field-name-cell').textContent(), POLL).toBe('会员星级');
      await screenshot(page, `metadata-${engine}-07-contact-fields`, { hideToasts: true });

      // ---- 虚拟事件: 支付订单 with amount > 50, or 购买商品.
      await clickMenu(page, ['menu-metadata', 'menu-virtualEvents']);
      await page.getByTestId('virtual-events-page').waitFor();
      await page.getByTestId('virtual-events-empty').waitFor();
      await page.getByTestId('virtual-events-create').click();
      await page.getByTestId('virtual-event-name').fill('大额支付或购买');
      await choose(page, page.getByTestId('virtual-member-0-event'), 'order_paid');
      await page.getByTestId('virtual-member-0-add-filter').click();
      await page.getByTestId('virtual-member-0-filter-0-property').click();
      // Narrow the long property list by typing, then click the option (no Enter racing the filter).
      await page.keyboard.type('amount');
      await choose(page, page.getByTestId('virtual-member-0-filter-0-property'), 'amount', { open: false });
      await expect
        .poll(
          () => page.getByTestId('virtual-member-0-filter-0-property').locator('.ant-select-selection-item').textContent(),
          POLL,
        )
        .toBe('金额');
      await choose(page, page.getByTestId('virtual-member-0-filter-0-operator'), '大于');
      await page.getByTestId('virtual-member-0-filter-0-values').fill('50');
      await page.getByTestId('virtual-member-add').click();
      await choose(page, page.getByTestId('virtual-member-1-event'), 'order_item');
      await screenshot(page, `metadata-${engine}-08-virtual-event-drawer`);
      await page.getByTestId('virtual-event-submit').click();
      const virtualName = page.getByTestId('virtual-event-name-cell').filter({ hasText: '大额支付或购买' });
      await virtualName.waitFor();
      expect(await page.getByTestId('virtual-event-member').allTextContents()).toEqual(['完成支付 (1)', '购买商品']);
      const virtualEvents = await apiFromPage(page, 'GET', '/api/v1/metadata/virtual-events');
      expect(virtualEvents.body.items).toHaveLength(1);
      expect(virtualEvents.body.items[0].members).toEqual([
        { event: 'order_paid', filters: [{ property: 'amount', operator: 'gt', values: [50] }] },
        { event: 'order_item' },
      ]);
      await screenshot(page, `metadata-${engine}-09-virtual-events`, { hideToasts: true });
      await page.close();
    });

    it('shows staff without 元数据-管理 the metadata without change actions', async () => {
      const tenant = await createTenant(app, { name: '元数据只读' });
      const admin = await Client.staff(app.server, tenant.email, tenant.password);
      await admin.request('POST', '/api/v1/metadata/contact-fields', { name: '会员等级', type: 'integer' });
      await admin.request('POST', '/api/v1/metadata/event-properties', { code: 'sku', name: 'SKU', type: 'string' });
      const email = `meta.viewer.${engine}.${Date.now()}@example.com`;
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
      const page = await newPage();
      await login(page, base, email, 'Viewer-pass-1');
      await clickMenu(page, ['menu-metadata', 'menu-contactFields']);
      await page.getByTestId('contact-field-row-attr1').waitFor();
      await page.getByTestId('metadata-view-only').waitFor();
      expect(await page.getByTestId('contact-fields-create').count()).toBe(0);
      expect(await page.getByTestId('contact-field-up').count()).toBe(0);
      await clickMenu(page, ['menu-metadata', 'menu-eventProperties']);
      await page.getByTestId('event-property-row-sku').waitFor();
      expect(await page.getByTestId('event-properties-create').count()).toBe(0);
      expect(await page.getByTestId('event-property-delete').count()).toBe(0);
      await clickMenu(page, ['menu-metadata', 'menu-events']);
      await page.getByTestId('custom-events-empty').waitFor();
      expect(await page.getByTestId('custom-events-create').count()).toBe(0);
      await page.close();
    });
  });
}
