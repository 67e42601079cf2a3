import { expect, expectTypeOf, it } from 'vitest';
import mysql from 'mysql2/promise';
import {
  Client,
  createChannel,
  createChannelAccount,
  createMysqlDatabase,
  createTenant,
  defaultTestMysqlUrl,
  executeAction,
  fireTrigger,
  queryOlap,
  runSchedule,
  sendWebhook,
  setPluginEnabled,
  startTestKernel,
  testKernelEngines,
  waitForIngestion,
  type ChannelDetail,
  type InjectResult,
  type PluginInfo,
} from '../src/testing.js';
import { contactsServiceRef } from '../src/modules/contacts/contacts.service.js';
import kitDemo, { kitDemoCleanups, kitDemoRuns, kitDemoSignature } from './fixtures/kit-demo.plugin.js';
import { ingestTenant } from './ingestion/support.js';
import { kernelEngine } from './support/engines.js';
import { firstPartyPlugins } from './support/plugins.js';
import { describeEngines } from './support/test-app.js';

async function databaseExists(name: string): Promise<boolean> {
  const base = new URL(defaultTestMysqlUrl());
  const connection = await mysql.createConnection({
    host: base.hostname,
    port: Number(base.port || 3306),
    user: decodeURIComponent(base.username || 'root'),
    password: decodeURIComponent(base.password),
  });
  try {
    const [rows] = await connection.query('SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [name]);
    return (rows as unknown[]).length > 0;
  } finally {
    await connection.end();
  }
}

describeEngines(
  'testing kit',
  (ctx) => {
    it('createChannel creates a channel through the console API and refuses a key its type rejects', async () => {
      const app = ctx.app;
      const tenant = await createTenant(app);
      const shop = await createChannel(app, tenant, { type: 'kit-demo', name: '演示旗舰店', key: 'shop-1' });
      expectTypeOf(shop).toEqualTypeOf<ChannelDetail>();
      expect(shop).toMatchObject({ type: 'kit-demo', name: '演示旗舰店', channelKey: 'shop-1', status: 'active' });
      // Listed like any channel an operator created.
      const staff = await Client.staff(app.server, tenant.email, tenant.password);
      const list = await staff.get<{ items: ChannelDetail[] }>('/api/v1/channels?type=kit-demo');
      expect(list.body.items.map((c) => c.id)).toEqual([shop.id]);
      await expect(createChannel(app, tenant, { type: 'kit-demo', name: '坏编号', key: 'no-shop' })).rejects.toThrow(
        /createChannel: POST \/api\/v1\/channels answered 400 .*kit_demo_key_invalid/,
      );
    });

    it('createChannelAccount records an account a lookup finds, once per user id, and only for an id type the channel owns', async () => {
      const app = ctx.app;
      const tenant = await createTenant(app);
      const shop = await createChannel(app, tenant, { type: 'kit-demo', name: '演示店', key: 'shop-2' });
      const account = await createChannelAccount(app, {
        tenantId: tenant.tenantId,
        channelId: shop.id,
        idType: 'kitDemo.memberId',
        userId: 'm-1001',
      });
      expect(account).toMatchObject({ channelId: shop.id, idType: 'kitDemo.memberId', userId: 'm-1001' });
      expect(account.contactId).toMatch(/^[1-9][0-9]*$/);
      const contacts = app.service(contactsServiceRef);
      expect(await contacts.contactOfAccount(tenant.tenantId, shop.id, 'kitDemo.memberId', 'm-1001')).toBe(account.contactId);
      expect((await contacts.accountsOf(tenant.tenantId, account.contactId)).map((a) => String(a.id))).toEqual([
        account.channelAccountId,
      ]);
      const again = await createChannelAccount(app, {
        tenantId: tenant.tenantId,
        channelId: shop.id,
        idType: 'kitDemo.memberId',
        userId: 'm-1001',
      });
      expect(again).toEqual(account);
      await expect(
        createChannelAccount(app, { tenantId: tenant.tenantId, channelId: shop.id, idType: 'externalId', userId: 'x' }),
      ).rejects.toThrow('channel type "kit-demo" does not own user-ID type "externalId" (it owns "kitDemo.memberId")');
      // Drained, the contact is in OLAP.
      await waitForIngestion(app, tenant.tenantId);
      const rows = await queryOlap<{ id: string }>(app, tenant.tenantId, 'SELECT id FROM contacts');
      expect(rows.map((r) => r.id)).toEqual([account.contactId]);
    });

    it('runSchedule runs a firing through the task queue and worker, and runs the same firing again when asked twice', async () => {
      const app = ctx.app;
      const tenant = await createTenant(app);
      const dueAt = Date.UTC(2026, 0, 5, 19, 15);
      kitDemoRuns.length = 0;
      const task = await runSchedule(app, 'kit-demo:nightly', { tenantId: tenant.tenantId, dueAt });
      expect(task).toMatchObject({
        kind: 'schedule.run',
        status: 'succeeded',
        attempts: 1,
        scheduleKey: 'kit-demo:nightly',
        dueAt,
      });
      expect(kitDemoRuns).toEqual([{ tenantId: tenant.tenantId, dueAt }]);
      // The same firing again: its run repeats with the same dueAt (as after a crash).
      await runSchedule(app, 'kit-demo:nightly', { tenantId: tenant.tenantId, dueAt });
      expect(kitDemoRuns).toEqual([
        { tenantId: tenant.tenantId, dueAt },
        { tenantId: tenant.tenantId, dueAt },
      ]);
      await expect(runSchedule(app, 'kit-demo:weekly', { tenantId: tenant.tenantId })).rejects.toThrow(
        /no schedule "kit-demo:weekly" \(registered: .*kit-demo:nightly/,
      );
      await expect(runSchedule(app, 'kit-demo:broken', { tenantId: tenant.tenantId, dueAt })).rejects.toThrow(
        /schedule "kit-demo:broken" for tenant \d+ due 2026-01-05T19:15:00.000Z failed: .*the shop API answered 500/,
      );
    });

    it('fireTrigger collects what the trigger emits for a signed webhook and nothing for a forged one; stop() runs its cleanup', async () => {
      const app = ctx.app;
      const tenant = await createTenant(app);
      const fired = await fireTrigger(app, {
        type: 'kitDemo.signedUp',
        version: 1,
        tenantId: tenant.tenantId,
        config: { minAge: 18 },
      });
      const path = `/api/v1/p/kit-demo/webhooks/${tenant.tenantId}/signups`;
      // The signature covers these exact bytes (spacing and key order included).
      const body = '{"signupId":"s-1",  "contactId":"42","age":30}';
      const signed = await sendWebhook(app, { path, body, sign: (raw) => ({ 'x-kit-signature': kitDemoSignature(raw) }) });
      expect(signed.statusCode).toBe(204);
      expect(signed.rawBody.toString('utf8')).toBe(body);
      expect(await fired.waitForEmissions(1)).toEqual([
        { contactId: '42', messageId: 's-1', occurredAt: expect.any(Number), data: { age: 30 } },
      ]);
      // Re-serialized JSON is other bytes: the signature of the compact form does not match.
      const forged = await sendWebhook(app, {
        path,
        body: { signupId: 's-2', contactId: '43', age: 40 },
        headers: { 'x-kit-signature': kitDemoSignature(Buffer.from(body, 'utf8')) },
      });
      expect(forged.statusCode).toBe(401);
      expect(forged.body).toEqual({ code: 'kit_demo_signature_invalid' });
      // Below the configured age: no emission.
      const young = await sendWebhook(app, {
        path,
        body: { signupId: 's-3', contactId: '44', age: 12 },
        sign: (raw) => ({ 'x-kit-signature': kitDemoSignature(raw) }),
      });
      expect(young.statusCode).toBe(204);
      expect(fired.emitted.map((e) => e.messageId)).toEqual(['s-1']);
      await fired.stop();
      expect(kitDemoCleanups).toContain(fired.journeyId);
      await expect(
        fireTrigger(app, { type: 'kitDemo.signedUp', version: 1, tenantId: tenant.tenantId, config: { minAge: -1 } }),
      ).rejects.toThrow(
        'fireTrigger: trigger "kitDemo.signedUp@1": the config does not match its schema: "minAge" must be greater than or equal to 0',
      );
      await expect(
        fireTrigger(app, { type: 'kitDemo.signedUp', version: 2, tenantId: tenant.tenantId, config: {} }),
      ).rejects.toThrow('no trigger "kitDemo.signedUp@2" is registered');
    });

    it('executeAction validates the config with its defaults, returns the result and passes ActionError through', async () => {
      const app = ctx.app;
      const tenant = await createTenant(app);
      const result = await executeAction(app, {
        type: 'kitDemo.sendGift',
        version: 1,
        tenantId: tenant.tenantId,
        contactId: '7',
        config: { gift: 'mug' },
        idempotencyKey: 'run-1:gift',
      });
      expect(result).toEqual({
        outboundEvent: { code: 'kit_demo_gift_sent', properties: { s_kitDemoGift: 'mug' } },
        output: { contactId: '7', count: 1, key: 'run-1:gift' },
      });
      await expect(
        executeAction(app, { type: 'kitDemo.sendGift', version: 1, tenantId: tenant.tenantId, contactId: '7', config: {} }),
      ).rejects.toThrow('"gift" is required');
      await expect(
        executeAction(app, {
          type: 'kitDemo.sendGift',
          version: 1,
          tenantId: tenant.tenantId,
          contactId: '7',
          config: { gift: 'sold-out' },
        }),
      ).rejects.toMatchObject({ name: 'ActionError', code: 'kit_demo_sold_out', retryable: false });
      await expect(
        executeAction(app, { type: 'kitDemo.unknownEvent', version: 1, tenantId: tenant.tenantId, contactId: '7', config: {} }),
      ).rejects.toThrow('returned the outbound event "kit_demo_not_registered", which is not a registered event type');
    });

    it('waitForIngestion loads what the collect API accepted into OLAP', async () => {
      const app = ctx.app;
      const t = await ingestTenant(app);
      const accepted = await t.collect('track', {
        type: 'track',
        event: 'purchase',
        userId: 'buyer-1',
        messageId: `kit-${Date.now()}`,
        properties: { amount: 12.5, sku: 'A-1' },
      });
      expect(accepted.statusCode).toBe(200);
      // Nothing drains it but the helper (the app's workers are not started).
      expect(await queryOlap(app, t.tenantId, "SELECT event FROM events WHERE event = 'purchase'")).toEqual([]);
      expect(await waitForIngestion(app, t.tenantId)).toBeGreaterThanOrEqual(1);
      expect(await queryOlap(app, t.tenantId, "SELECT event FROM events WHERE event = 'purchase'")).toEqual([
        { event: 'purchase' },
      ]);
    });

    it('setPluginEnabled switches a plugin for one tenant as the operators’ CLI does, at once; its refusals throw their code', async () => {
      const app = ctx.app;
      const [tenant, other] = [await createTenant(app), await createTenant(app)];
      const staff = await Client.staff(app.server, tenant.email, tenant.password);
      const enabledForTenant = async () =>
        (await staff.get<{ items: (PluginInfo & { enabledForTenant: boolean })[] }>('/api/v1/plugins')).body.items.find(
          (p) => p.id === 'kit-demo',
        )?.enabledForTenant;
      expect(await enabledForTenant()).toBe(true);
      expect(await setPluginEnabled(app, { tenantId: tenant.tenantId, pluginId: 'kit-demo', enabled: false })).toBe(false);
      expect(await enabledForTenant()).toBe(false);
      await expect(createChannel(app, tenant, { type: 'kit-demo', name: '停用', key: 'shop-9' })).rejects.toThrow(
        /answered 403 .*plugin_disabled/,
      );
      // Only that tenant.
      expect((await createChannel(app, other, { type: 'kit-demo', name: '另一租户', key: 'shop-9' })).type).toBe('kit-demo');
      await expect(setPluginEnabled(app, { tenantId: tenant.tenantId, pluginId: 'core', enabled: false })).rejects.toMatchObject({
        code: 'plugin_core_required',
      });
      await expect(setPluginEnabled(app, { tenantId: tenant.tenantId, pluginId: 'ghost', enabled: true })).rejects.toMatchObject({
        code: 'plugin_unknown',
      });
      expect(await setPluginEnabled(app, { tenantId: tenant.tenantId, pluginId: 'kit-demo', enabled: true })).toBe(true);
      expect((await createChannel(app, tenant, { type: 'kit-demo', name: '恢复', key: 'shop-9' })).type).toBe('kit-demo');
    });

    it('Client answers typed responses', async () => {
      const app = ctx.app;
      const tenant = await createTenant(app);
      const staff = await Client.staff(app.server, tenant.email, tenant.password);
      const res = await staff.get<{ items: PluginInfo[] }>('/api/v1/plugins');
      expectTypeOf(res).toEqualTypeOf<InjectResult<{ items: PluginInfo[] }>>();
      expect(res.statusCode).toBe(200);
      expect(res.body.items.map((p) => p.id)).toContain('kit-demo');
      const created = await staff.post<ChannelDetail>('/api/v1/channels', {
        type: 'kit-demo',
        name: '直接创建',
        channelKey: 'shop-3',
      });
      expect(created.statusCode).toBe(201);
      expect((await staff.delete(`/api/v1/channels/${created.body.id}`)).statusCode).toBe(204);
    });

    if (ctx.engine === 'mariadb') {
      it('startTestKernel uses the MySQL database name it is given, refuses one that exists, and drops it on close', async () => {
        const name = `huiliu_kit_${process.pid}_${Date.now().toString(36)}`;
        const kernel = await startTestKernel({ plugins: [kitDemo], engine: 'mysql', mysqlDatabase: name });
        try {
          const [[row]] = (await kernel.app.oltp.knex.raw('SELECT DATABASE() AS name')) as [{ name: string }[]];
          expect(row!.name).toBe(name);
          await expect(createMysqlDatabase({ name })).rejects.toThrow(`the database "${name}" already exists`);
        } finally {
          await kernel.close();
        }
        expect(await databaseExists(name)).toBe(false);
      });
    } else {
      it('startTestKernel refuses a MySQL database name without the mysql engine', async () => {
        await expect(
          startTestKernel({ plugins: [kitDemo], engine: kernelEngine(ctx.engine), mysqlDatabase: 'x' }),
        ).rejects.toThrow('mysqlDatabase names a MySQL/MariaDB database; pass engine: "mysql" too');
      });
    }
  },
  { plugins: [...firstPartyPlugins, kitDemo] },
);

it('testKernelEngines runs both engines unless HUILIU_TEST_ENGINES narrows them', () => {
  expect(testKernelEngines({})).toEqual(['sqlite', 'mysql']);
  expect(testKernelEngines({ HUILIU_TEST_ENGINES: 'sqlite' })).toEqual(['sqlite']);
  expect(testKernelEngines({ HUILIU_TEST_ENGINES: 'mariadb,sqlite' })).toEqual(['sqlite', 'mysql']);
  expect(() => testKernelEngines({ HUILIU_TEST_ENGINES: 'oracle' })).toThrow('unknown engine "oracle"');
});

it('createMysqlDatabase refuses a database name that is not letters, digits and _ (before connecting)', async () => {
  await expect(createMysqlDatabase({ name: 'bad`name' })).rejects.toThrow('"bad`name" is not a database name');
  await expect(createMysqlDatabase({ name: 'x'.repeat(65) })).rejects.toThrow('is not a database name');
});
