import { createHmac } from 'node:crypto';
import { expect, it } from 'vitest';
import { pluginEnablementRef } from '../../src/modules/tenant-plugins/plugin-enablement.js';
import { isDomainError } from '../../src/server/errors.js';
import { sendWebhook, waitForIngestion } from '../../src/testing.js';
import { Client, createTenant, describeEngines, type TestApp } from '../support/test-app.js';
import { reached, REVW_API_SECRET, REVW_SIGNING_KEY, revwOrderTopic, revwPlugin, servicesOf } from './revw.plugin.js';

const revw = revwPlugin('revw');
const revw2 = revwPlugin('revw-two', { subscribeTo: revwOrderTopic });
/** Its start fails: isolated (ADR 0040). It subscribed to revw's topic in init. */
const broken = revwPlugin('revw-broken', {
  subscribeTo: revwOrderTopic,
  start: () => {
    throw new Error('cannot reach the shop');
  },
});

const settings = (overrides: Record<string, unknown> = {}) => ({
  shopUrl: 'https://shop.revw.example',
  apiSecret: REVW_API_SECRET,
  signingKey: REVW_SIGNING_KEY,
  ...overrides,
});

async function shopOf(app: TestApp, type = 'revw') {
  const tenant = await createTenant(app);
  const staff = await Client.staff(app.server, tenant.email, tenant.password);
  const created = await staff.request('POST', '/api/v1/channels', {
    type,
    name: '评审店',
    channelKey: `shop${Math.random().toString(36).slice(2, 10)}`,
    settings: settings(),
  });
  expect(created.statusCode, JSON.stringify(created.body)).toBe(201);
  return { tenant, tenantId: tenant.tenantId, staff, channelId: String(created.body.id), created: created.body };
}

const webhook = (app: TestApp, tenantId: string, channelId: string, body: string | Buffer, key = REVW_SIGNING_KEY) =>
  sendWebhook(app, {
    path: `/api/v1/p/revw/webhooks/${tenantId}/${channelId}`,
    body,
    sign: (raw) => ({ 'x-revw-signature': createHmac('sha256', key).update(raw).digest('hex') }),
  });

async function refusal(call: Promise<unknown>) {
  try {
    await call;
  } catch (error) {
    if (isDomainError(error)) return { code: error.code, statusCode: error.statusCode };
    return { thrown: String(error) };
  }
  return undefined;
}

describeEngines(
  'review 19: a newcomer’s connector, and attacks on settings, secrets and tenancy',
  (ctx) => {
    it('works as the docs say: settings with secrets, 测试连接, a signed raw webhook into ingest', async () => {
      const t = await shopOf(ctx.app);
      expect(t.created.secretsSet).toEqual(['apiSecret', 'signingKey']);
      expect(t.created.settings).toEqual({ shopUrl: 'https://shop.revw.example', region: 'cn-east' });
      expect((await t.staff.request('POST', `/api/v1/channels/${t.channelId}/test`, {})).body).toEqual({ ok: true });
      const wrong = await t.staff.request('POST', `/api/v1/channels/${t.channelId}/test`, {
        settings: { apiSecret: 'not-the-secret' },
      });
      expect(wrong.body).toMatchObject({ ok: false, code: 'revw_auth_failed', message: '店铺拒绝了密钥' });

      const body = '{"orderId":"o-1","buyerId":"b-1"}';
      const ok = await webhook(ctx.app, t.tenantId, t.channelId, body);
      expect(ok.statusCode, JSON.stringify(ok.body)).toBe(200);
      expect(ok.body).toEqual({ messageId: 'revw:o-1' });
      const tampered = await sendWebhook(ctx.app, {
        path: `/api/v1/p/revw/webhooks/${t.tenantId}/${t.channelId}`,
        body: body.replace('o-1', 'o-2'),
        headers: { 'x-revw-signature': ok.headers['x-revw-signature'] as string },
        sign: () => ({ 'x-revw-signature': createHmac('sha256', REVW_SIGNING_KEY).update(body).digest('hex') }),
      });
      expect(tampered.statusCode).toBe(401);
      expect(tampered.body.code).toBe('revw_signature_invalid');
      await waitForIngestion(ctx.app, t.tenantId);
      const contactId = await servicesOf
        .get('revw')!
        .ingest.contactOf({ tenantId: t.tenantId, channelId: t.channelId, userIdType: 'revw.buyerId', userId: 'b-1' });
      expect(contactId).toMatch(/^\d+$/);
    });

    it('another tenant’s channel id: settings, test and ingest answer channel_not_found; the webhook 401', async () => {
      const victim = await shopOf(ctx.app);
      const attacker = await shopOf(ctx.app);
      const patch = await attacker.staff.request('PATCH', `/api/v1/channels/${victim.channelId}/settings`, {
        settings: { shopUrl: 'https://evil.example' },
      });
      expect([patch.statusCode, patch.body.code]).toEqual([404, 'channel_not_found']);
      const test = await attacker.staff.request('POST', `/api/v1/channels/${victim.channelId}/test`, {});
      expect([test.statusCode, test.body.code]).toEqual([404, 'channel_not_found']);
      const { ingest, channels } = servicesOf.get('revw')!;
      expect(
        await refusal(
          ingest.track({
            tenantId: attacker.tenantId,
            channelId: victim.channelId,
            userIdType: 'revw.buyerId',
            userId: 'x',
            event: 'revw_order_paid',
          }),
        ),
      ).toEqual({ code: 'channel_not_found', statusCode: 400 });
      expect(await refusal(channels.settings(attacker.tenantId, victim.channelId))).toEqual({
        code: 'channel_not_found',
        statusCode: 404,
      });
      // The attacker signs with its own key but names the victim's tenant and channel.
      const hook = await webhook(
        ctx.app,
        victim.tenantId,
        victim.channelId,
        '{"orderId":"x","buyerId":"y"}',
        'wrong-key-000000000000',
      );
      expect(hook.statusCode).toBe(401);
    });

    it('another plugin cannot read the channel’s settings, nor ingest for it, nor with its user-ID type', async () => {
      const t = await shopOf(ctx.app);
      const other = servicesOf.get('revw-two')!;
      const read = await refusal(other.channels.settings(t.tenantId, t.channelId));
      expect(read).toMatchObject({ thrown: expect.stringContaining('a plugin reads only its own channel types') });
      expect(
        await refusal(
          other.ingest.track({
            tenantId: t.tenantId,
            channelId: t.channelId,
            userIdType: 'revw.buyerId',
            userId: 'x',
            event: 'revw_order_paid',
          }),
        ),
      ).toEqual({ code: 'ingest_channel_type_not_owned', statusCode: 400 });
      const own = await shopOf(ctx.app, 'revw-two');
      expect(
        await refusal(
          other.ingest.identify({ tenantId: own.tenantId, channelId: own.channelId, userIdType: 'revw.buyerId', userId: 'x' }),
        ),
      ).toEqual({ code: 'ingest_user_id_type_invalid', statusCode: 400 });
    });

    it('a tenant the plugin is switched off for: its 测试连接 and settingsChanged code does not run (ADR 0041)', async () => {
      const t = await shopOf(ctx.app);
      await ctx.app.service(pluginEnablementRef).setEnabled(t.tenantId, 'revw', false, null);
      reached.length = 0;
      const patch = await t.staff.request('PATCH', `/api/v1/channels/${t.channelId}/settings`, {
        settings: { shopUrl: 'https://shop2.revw.example' },
      });
      expect([patch.statusCode, patch.body.code]).toEqual([403, 'plugin_disabled']);
      const test = await t.staff.request('POST', `/api/v1/channels/${t.channelId}/test`, {});
      expect([test.statusCode, test.body.code]).toEqual([403, 'plugin_disabled']);
      const testNew = await t.staff.request('POST', '/api/v1/channels/test', { type: 'revw', settings: settings() });
      expect([testNew.statusCode, testNew.body.code]).toEqual([403, 'plugin_disabled']);
      expect(reached.filter((r) => r.tenantId === t.tenantId)).toEqual([]);
      // The settings were not changed either.
      const detail = await t.staff.request('GET', `/api/v1/channels/${t.channelId}`);
      expect(detail.body.settings.shopUrl).toBe('https://shop.revw.example');
      await ctx.app.service(pluginEnablementRef).setEnabled(t.tenantId, 'revw', true, null);
    });

    it('two concurrent PATCHes, one changing a secret, the other a plain field: both changes stay', async () => {
      for (let round = 0; round < 3; round += 1) {
        const t = await shopOf(ctx.app);
        const [a, b] = await Promise.all([
          t.staff.request('PATCH', `/api/v1/channels/${t.channelId}/settings`, {
            settings: { apiSecret: 'rotated-secret-0002' },
          }),
          t.staff.request('PATCH', `/api/v1/channels/${t.channelId}/settings`, { settings: { region: 'cn-south' } }),
        ]);
        expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
        const stored = await servicesOf.get('revw')!.channels.settings(t.tenantId, t.channelId);
        expect({ secret: stored.apiSecret, region: stored.region }).toEqual({
          secret: 'rotated-secret-0002',
          region: 'cn-south',
        });
      }
    });

    it('huge and bad input: 100k settings fields, deep JSON, 10 MB and non-UTF-8 bodies, long messageIds, huge batches', async () => {
      const t = await shopOf(ctx.app);
      const wide = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`f${i}`, 1]));
      const tooWide = await t.staff.request('PATCH', `/api/v1/channels/${t.channelId}/settings`, { settings: wide });
      expect(tooWide.statusCode).toBeGreaterThanOrEqual(400);
      expect(tooWide.statusCode).toBeLessThan(500);
      const deep = `{"settings":{"region":${'{"a":'.repeat(5000)}"x"${'}'.repeat(5000)}}}`;
      const nested = await t.staff.request('PATCH', `/api/v1/channels/${t.channelId}/settings`, deep, {
        'content-type': 'application/json',
      });
      expect([nested.statusCode, nested.body.code]).toEqual([400, 'channel_settings_invalid']);
      const big = await webhook(ctx.app, t.tenantId, t.channelId, Buffer.alloc(10 * 1024 * 1024, 0x61));
      expect([big.statusCode, big.body.code]).toEqual([413, 'payload_too_large']);
      const bytes = await webhook(ctx.app, t.tenantId, t.channelId, Buffer.from([0xff, 0xfe, 0x7b, 0x80]));
      expect([bytes.statusCode, bytes.body.code]).toEqual([400, 'revw_order_invalid']);
      const { ingest } = servicesOf.get('revw')!;
      const base = {
        tenantId: t.tenantId,
        channelId: t.channelId,
        userIdType: 'revw.buyerId',
        userId: 'b',
        event: 'revw_order_paid',
      };
      const long = await ingest.track({ ...base, messageId: 'm'.repeat(10_000) });
      expect(long.messageId).toBe('m'.repeat(10_000));
      expect(await refusal(ingest.trackBatch(Array.from({ length: 100_000 }, () => base)))).toEqual({
        code: 'ingest_batch_too_large',
        statusCode: 400,
      });
      expect(await refusal(ingest.track({ ...base, userIdType: 'revwTwo.buyerId' }))).toEqual({
        code: 'ingest_user_id_type_invalid',
        statusCode: 400,
      });
      // Nothing of the refused calls was kept; the long messageId was stored once.
      await waitForIngestion(ctx.app, t.tenantId);
    });

    it('a connect handler that throws with the secret in its text: no secret in the answer', async () => {
      const tenant = await createTenant(ctx.app);
      const staff = await Client.staff(ctx.app.server, tenant.email, tenant.password);
      const res = await staff.request('POST', '/api/v1/channels', {
        type: 'revw',
        name: '抛错',
        channelKey: 'throwsconnect',
        settings: settings({ shopUrl: 'https://throw.revw.example' }),
      });
      expect(JSON.stringify(res.body)).not.toContain(REVW_API_SECRET);
      expect(JSON.stringify(res.body)).not.toContain(REVW_SIGNING_KEY);
      expect(res.statusCode).toBe(502);
      expect(res.body.code).toBe('channel_connect_failed');
      // Nothing half-made: the channel is gone, so the same key can be created again.
      const list = await staff.request('GET', '/api/v1/channels?pageSize=100');
      expect((list.body.items as { channelKey: string }[]).some((c) => c.channelKey === 'throwsconnect')).toBe(false);
      const again = await staff.request('POST', '/api/v1/channels', {
        type: 'revw',
        name: '抛错',
        channelKey: 'throwsconnect',
        settings: settings({ shopUrl: 'https://throw.revw.example' }),
      });
      expect(again.body.code).toBe('channel_connect_failed');
    });
  },
  { plugins: [revw, revw2] },
);

describeEngines(
  'review 19: a plugin isolated after a failed start',
  (ctx) => {
    it('its connect and 测试连接 do not run, its event-bus subscriptions do not fire', async () => {
      await ctx.app.kernel.start();
      const tenant = await createTenant(ctx.app);
      const staff = await Client.staff(ctx.app.server, tenant.email, tenant.password);
      reached.length = 0;
      const created = await staff.request('POST', '/api/v1/channels', {
        type: 'revw-broken',
        name: '坏店',
        channelKey: 'broken01',
        settings: settings(),
      });
      expect([created.statusCode, created.body.code]).toEqual([503, 'plugin_unavailable']);
      const test = await staff.request('POST', '/api/v1/channels/test', { type: 'revw-broken', settings: settings() });
      expect([test.statusCode, test.body.code]).toEqual([503, 'plugin_unavailable']);
      // revw publishes its topic; the isolated plugin subscribed to it in init().
      const t = await shopOf(ctx.app);
      const hook = await webhook(ctx.app, t.tenantId, t.channelId, '{"orderId":"o-9","buyerId":"b-9"}');
      expect(hook.statusCode, JSON.stringify(hook.body)).toBe(200);
      expect(reached.filter((r) => r.plugin === 'revw-broken')).toEqual([]);
    });
  },
  { plugins: [revw, broken] },
);
