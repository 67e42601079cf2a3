import {
  Client,
  createChannel,
  createTenant,
  executeAction,
  expectPluginContract,
  fireTrigger,
  queryOlap,
  runSchedule,
  sendWebhook,
  setPluginEnabled,
  startTestKernel,
  testKernelEngines,
  waitForIngestion,
  type ChannelDetail,
  type TenantFixture,
  type TestKernel,
} from '@huiliu/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import plugin from '../src/index.js';
import type { AcmeOrder } from '../src/shop/acme-api.js';
import { acmeSignature, startStandInShop, type StandInShop } from './stand-in-shop.js';

const engines = testKernelEngines();
const HOUR = 3_600_000;

// The shop's credentials: they go in once, as settings, and must never come back out.
const API_KEY = 'ak_test_5f2c9a7e1b';
const WEBHOOK_SECRET = 'whsec_test_0d4e8b2a6c1f9e3d';

describe('acme-shop plugin', () => {
  it('passes the plugin contract', async () => {
    const report = await expectPluginContract(plugin, { engines });
    expect(report.jsonSchemas).toEqual([
      'trigger:acmeShop.orderPaid@1',
      'action:acmeShop.sendCoupon@1',
      'report:acmeShop.paidOrdersByDay',
    ]);
    expect(report.migrations.map((m) => [m.engine, m.up])).toEqual(
      engines.map((engine) => [engine, ['acme_shop__backfill_run', 'acme_shop__shop']]),
    );
    // Both examples of the report ran on DuckDB, through the OLAP SQL guard.
    expect(report.reportSql).toEqual([
      { model: 'acmeShop.paidOrdersByDay', example: 1, columns: ['day', 'orders', 'amount'] },
      { model: 'acmeShop.paidOrdersByDay', example: 2, columns: ['day', 'orders', 'amount'] },
    ]);
  });
});

describe.each(engines)('acme-shop on %s', (engine) => {
  let kernel: TestKernel;
  let tenant: TenantFixture;
  let staff: Client;
  let shop: ChannelDetail;
  let standIn: StandInShop;
  /** Every answer the tests got from Huiliu: none may hold a secret (checked last). */
  const answers: unknown[] = [];

  beforeAll(async () => {
    standIn = await startStandInShop(API_KEY);
    kernel = await startTestKernel({ plugins: [plugin], engine });
    tenant = await createTenant(kernel.app);
    staff = await Client.staff(kernel.server, tenant.email, tenant.password);
    shop = await createChannel(kernel.app, tenant, {
      type: 'acme-shop',
      name: 'Acme 旗舰店',
      key: 'flagship',
      settings: { shopDomain: standIn.url, apiKey: API_KEY, webhookSecret: WEBHOOK_SECRET },
    });
    answers.push(shop);
  });

  afterAll(async () => {
    await kernel?.close();
    await standIn?.close();
  });

  const paidOrder = (id: string, customer: AcmeOrder['customer'], amount: number, paidAt = Date.now() - HOUR): AcmeOrder => ({
    id,
    amount,
    paidAt: new Date(paidAt).toISOString(),
    customer,
  });

  /** Acme's `order.paid` webhook for an order, signed as Acme signs it (or with `sign` given). */
  const webhook = async (order: AcmeOrder, sign = acmeSignature('flagship', WEBHOOK_SECRET), body?: Buffer) => {
    const res = await sendWebhook<{ received?: boolean; code?: string }>(kernel.app, {
      path: '/api/v1/p/acme-shop/webhooks',
      body: body ?? JSON.stringify({ id: `evt_${order.id}`, type: 'order.paid', order }),
      sign,
    });
    answers.push(res.body);
    return res;
  };

  const contactOf = async (customerId: string) => {
    const res = await staff.get<{ contactId: string }>(`/api/v1/p/acme-shop/channels/${shop.id}/customers/${customerId}`);
    expect(res.statusCode, JSON.stringify(res.body)).toBe(200);
    return res.body.contactId;
  };

  /** How many `acme_shop_order_paid` events OLAP holds per order number. */
  const paidEventsByOrder = async () =>
    Object.fromEntries(
      (
        await queryOlap<{ orderId: string; n: string | number }>(
          kernel.app,
          tenant.tenantId,
          "SELECT s_acmeOrderId AS orderId, count(*) AS n FROM events WHERE event = 'acme_shop_order_paid' GROUP BY s_acmeOrderId",
        )
      ).map((row) => [row.orderId, Number(row.n)]),
    );

  it('keeps the settings: the shop address shown, the two secrets sealed and only named', () => {
    expect(shop).toMatchObject({
      type: 'acme-shop',
      channelKey: 'flagship',
      settings: { shopDomain: standIn.url },
      secretsSet: ['apiKey', 'webhookSecret'],
    });
  });

  it('refuses a shop whose handle is not one, and a shop another tenant connected', async () => {
    await expect(
      createChannel(kernel.app, tenant, { type: 'acme-shop', name: '坏店', key: 'Flag Ship', settings: {} }),
    ).rejects.toThrow(/answered 400 .*acme_shop_key_invalid/);
    const other = await createTenant(kernel.app);
    await expect(
      createChannel(kernel.app, other, {
        type: 'acme-shop',
        name: '同一家店',
        key: 'flagship',
        settings: { shopDomain: standIn.url, apiKey: 'ak_other', webhookSecret: 'whsec_other_0123456789' },
      }),
    ).rejects.toThrow(/answered 409 .*acme_shop_shop_taken/);
  });

  it('测试连接 asks the shop with the API key: ok, or refused when the shop answers 401', async () => {
    const settings = { shopDomain: standIn.url, apiKey: API_KEY, webhookSecret: WEBHOOK_SECRET };
    const before = standIn.requests.length;
    const ok = await staff.post('/api/v1/channels/test', { type: 'acme-shop', settings });
    const refused = await staff.post('/api/v1/channels/test', {
      type: 'acme-shop',
      settings: { ...settings, apiKey: 'ak_wrong' },
    });
    // On the saved channel: the stored secrets, or an unsaved change of the key.
    const saved = await staff.post(`/api/v1/channels/${shop.id}/test`, {});
    const changed = await staff.post(`/api/v1/channels/${shop.id}/test`, { settings: { apiKey: 'ak_wrong' } });
    answers.push(ok.body, refused.body, saved.body, changed.body);
    expect([ok, refused, saved, changed].map((r) => r.statusCode)).toEqual([200, 200, 200, 200]);
    expect(ok.body).toEqual({ ok: true });
    expect(saved.body).toEqual({ ok: true });
    for (const res of [refused, changed]) expect(res.body).toMatchObject({ ok: false, code: 'acme_shop_api_key_refused' });
    expect(standIn.requests.slice(before)).toEqual([
      { path: '/api/ping', authorized: true },
      { path: '/api/ping', authorized: false },
      { path: '/api/ping', authorized: true },
      { path: '/api/ping', authorized: false },
    ]);
  });

  it('a signed webhook: the customer is a contact with its traits and Acme customer id, the order an event in OLAP and on the timeline', async () => {
    const order = paidOrder('A-1001', { id: 'c-1001', name: '王小明', mobile: '13800000001', email: 'xm@example.com' }, 199.5);
    const res = await webhook(order);
    expect(res.statusCode, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({ received: true });
    expect(await waitForIngestion(kernel.app, tenant.tenantId)).toBe(2); // the identify and the track

    const contactId = await contactOf('c-1001');
    const detail = await staff.get<{
      identified: boolean;
      profile: Record<string, unknown>;
      accounts: { channelId: string; idType: string; userId: string }[];
    }>(`/api/v1/console/contacts/${contactId}`);
    expect(detail.statusCode).toBe(200);
    expect(detail.body.identified).toBe(true);
    expect(detail.body.profile).toMatchObject({ name: '王小明', mobilePhone: '13800000001', email: 'xm@example.com' });
    expect(detail.body.accounts).toEqual([
      expect.objectContaining({ channelId: shop.id, idType: 'acmeShop.customerId', userId: 'c-1001' }),
    ]);

    const timeline = await staff.get<{
      items: {
        event: string;
        direction: string;
        channelId: string;
        messageId: string;
        properties: { code: string; value: unknown }[];
      }[];
    }>(`/api/v1/console/contacts/${contactId}/timeline`);
    expect(timeline.statusCode).toBe(200);
    expect(timeline.body.items).toHaveLength(1);
    const [event] = timeline.body.items;
    expect(event).toMatchObject({
      event: 'acme_shop_order_paid',
      direction: 'inbound',
      channelId: shop.id,
      messageId: 'acme-shop:flagship:order:A-1001:paid',
    });
    expect(event!.properties).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 's_acmeOrderId', value: 'A-1001' }),
        expect.objectContaining({ code: 's_acmeOrderAmount', value: 199.5 }),
      ]),
    );

    const rows = await queryOlap(
      kernel.app,
      tenant.tenantId,
      "SELECT CAST(contact_id AS VARCHAR) AS contact, s_acmeOrderId AS orderId, s_acmeOrderAmount AS amount FROM events WHERE event = 'acme_shop_order_paid'",
    );
    expect(rows).toEqual([{ contact: contactId, orderId: 'A-1001', amount: 199.5 }]);
  });

  it('stores a webhook the shop sends again once', async () => {
    const order = paidOrder('A-1002', { id: 'c-1001' }, 20);
    expect((await webhook(order)).statusCode).toBe(200);
    expect((await webhook(order)).statusCode).toBe(200);
    await waitForIngestion(kernel.app, tenant.tenantId);
    expect((await paidEventsByOrder())['A-1002']).toBe(1);
  });

  it('refuses a changed byte, a wrong secret, a stale timestamp and an unknown shop with 401; nothing is recorded', async () => {
    const order = paidOrder('X-1', { id: 'c-666' }, 1);
    const body = Buffer.from(JSON.stringify({ id: 'evt_X-1', type: 'order.paid', order }));
    const tampered = Buffer.from(body.toString('utf8').replace('"amount":1', '"amount":9'));
    const signed = acmeSignature('flagship', WEBHOOK_SECRET);
    const refused = [
      // Signed over the original bytes, sent with one changed.
      await webhook(order, () => signed(body), tampered),
      await webhook(order, acmeSignature('flagship', 'whsec_not_the_shops_secret')),
      await webhook(order, acmeSignature('flagship', WEBHOOK_SECRET, Date.now() - 10 * 60_000)),
      await webhook(order, acmeSignature('no-such-shop', WEBHOOK_SECRET)),
    ];
    expect(refused.map((r) => [r.statusCode, r.body.code])).toEqual(Array(4).fill([401, 'acme_shop_signature_invalid']));
    expect(await waitForIngestion(kernel.app, tenant.tenantId)).toBe(0);
    expect(await paidEventsByOrder()).not.toHaveProperty('X-1');
  });

  it('starts a journey for each paid order of at least the trigger’s amount, also for a customer not known yet', async () => {
    const fired = await fireTrigger(kernel.app, {
      type: 'acmeShop.orderPaid',
      version: 1,
      tenantId: tenant.tenantId,
      config: { minAmount: 100 },
    });
    // A known customer: the journey starts as the webhook arrives.
    await webhook(paidOrder('T-1', { id: 'c-1001' }, 300));
    expect(fired.emitted.map((e) => e.messageId)).toEqual(['acme-shop:flagship:order:T-1:paid']);
    // A first-time customer has no contact until the worker applied the webhook: the order waits for it.
    await webhook(paidOrder('T-2', { id: 'c-2002', name: '李四' }, 120));
    await webhook(paidOrder('T-3', { id: 'c-2002' }, 50)); // below minAmount
    expect(fired.emitted).toHaveLength(1);
    await waitForIngestion(kernel.app, tenant.tenantId);
    const emitted = await fired.waitForEmissions(2);
    expect(emitted.map(({ contactId, messageId, data }) => ({ contactId, messageId, data }))).toEqual([
      {
        contactId: await contactOf('c-1001'),
        messageId: 'acme-shop:flagship:order:T-1:paid',
        data: { orderId: 'T-1', amount: 300 },
      },
      {
        contactId: await contactOf('c-2002'),
        messageId: 'acme-shop:flagship:order:T-2:paid',
        data: { orderId: 'T-2', amount: 120 },
      },
    ]);
    await fired.stop();
    await webhook(paidOrder('T-4', { id: 'c-1001' }, 500));
    expect(fired.emitted).toHaveLength(2);
  });

  it('the nightly backfill pages through the shop’s orders; orders already recorded and a repeated firing add nothing', async () => {
    const dueAt = Math.ceil((Date.now() + 1) / 60_000) * 60_000;
    standIn.orders.push(
      paidOrder('A-1001', { id: 'c-1001', name: '王小明' }, 199.5), // its webhook came (first test)
      paidOrder('B-2001', { id: 'c-3003', name: '赵六', mobile: '13800000003' }, 88, dueAt - 5 * HOUR),
      paidOrder('B-2002', { id: 'c-1001' }, 66, dueAt - 4 * HOUR),
      paidOrder('OLD-1', { id: 'c-1001' }, 10, dueAt - 30 * HOUR), // before the firing's day
    );
    const before = standIn.requests.length;
    for (let run = 0; run < 2; run += 1) {
      const task = await runSchedule(kernel.app, 'acme-shop:nightly-backfill', { tenantId: tenant.tenantId, dueAt });
      expect(task.status).toBe('succeeded');
      await waitForIngestion(kernel.app, tenant.tenantId);
    }
    // Three orders in the day, two per page: two pages per firing, each with the API key.
    const pages = standIn.requests.slice(before);
    expect(pages).toHaveLength(4);
    expect(pages.every((r) => r.authorized && r.path.startsWith('/api/orders?'))).toBe(true);
    expect(await paidEventsByOrder()).toMatchObject({ 'A-1001': 1, 'B-2001': 1, 'B-2002': 1 });
    expect(await paidEventsByOrder()).not.toHaveProperty('OLD-1');
    expect((await staff.get(`/api/v1/console/contacts/${await contactOf('c-3003')}`)).body.profile).toMatchObject({
      name: '赵六',
      mobilePhone: '13800000003',
    });
    const runs = await staff.get<{ items: { dueAt: number; orders: number }[] }>('/api/v1/p/acme-shop/backfill-runs');
    expect(runs.body.items.map(({ dueAt, orders }) => ({ dueAt, orders }))).toEqual([{ dueAt, orders: 3 }]);
  });

  it('refuses the webhook of a tenant an operator disabled Acme Shop for, and records nothing; enabled again, it is accepted', async () => {
    const order = paidOrder('D-1', { id: 'c-1001' }, 10);
    expect(await setPluginEnabled(kernel.app, { tenantId: tenant.tenantId, pluginId: 'acme-shop', enabled: false })).toBe(false);
    try {
      const res = await webhook(order);
      expect([res.statusCode, res.body.code]).toEqual([403, 'plugin_disabled']);
      // The console routes too (the kernel answers them).
      expect((await staff.get('/api/v1/p/acme-shop/backfill-runs')).statusCode).toBe(403);
      expect(await waitForIngestion(kernel.app, tenant.tenantId)).toBe(0);
    } finally {
      await setPluginEnabled(kernel.app, { tenantId: tenant.tenantId, pluginId: 'acme-shop', enabled: true });
    }
    expect((await webhook(order)).statusCode).toBe(200);
    await waitForIngestion(kernel.app, tenant.tenantId);
    expect((await paidEventsByOrder())['D-1']).toBe(1);
  });

  it('sends the same coupon when a journey step runs again with its idempotency key', async () => {
    const send = (idempotencyKey: string) =>
      executeAction(kernel.app, {
        type: 'acmeShop.sendCoupon',
        version: 1,
        tenantId: tenant.tenantId,
        contactId: '1',
        config: { template: 'WELCOME_10' },
        idempotencyKey,
      });
    const first = await send('run-1:coupon');
    expect(first.outboundEvent).toEqual({
      code: 'acme_shop_coupon_sent',
      properties: { s_acmeCouponCode: expect.stringMatching(/^AC-[0-9A-F]{10}$/), s_acmeCouponTemplate: 'WELCOME_10' },
    });
    expect(first.output).toMatchObject({ validDays: 7 });
    expect(await send('run-1:coupon')).toEqual(first);
    expect((await send('run-2:coupon')).output!.couponCode).not.toBe(first.output!.couponCode);
  });

  it('never answered a secret: not on creation, the channel’s page, the type list, 测试连接 or a webhook', async () => {
    for (const url of [`/api/v1/channels/${shop.id}`, '/api/v1/channels', '/api/v1/channel-types']) {
      const res = await staff.get(url);
      expect(res.statusCode).toBe(200);
      answers.push(res.body);
    }
    expect(answers.length).toBeGreaterThan(20);
    const all = JSON.stringify(answers);
    expect(all).toContain('acmeShop.customerId'); // the type list was read
    expect(all).not.toContain(API_KEY);
    expect(all).not.toContain(WEBHOOK_SECRET);
  });
});
