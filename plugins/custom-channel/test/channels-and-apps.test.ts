import { expect, it } from 'vitest';
import { Client, createTenant, describeEngines } from '../../../core/test/support/test-app.js';
import { firstPartyPlugins } from '../../../core/test/support/plugins.js';
import { normalizeDomain } from '../src/apps/apps.service.js';

describeEngines(
  'custom channels and their apps',
  (ctx) => {
    const server = async () => ctx.app.server;
    const admin = async () => {
      const tenant = await createTenant(ctx.app);
      return { tenant, client: await Client.staff(ctx.app.server, tenant.email, tenant.password) };
    };
    const newChannel = async (client: Client, body: Record<string, unknown> = {}) =>
      client.request('POST', '/api/v1/channels', { type: 'custom', name: '联否商城', ...body });
    const newApp = async (client: Client, channelId: string, body: Record<string, unknown>) =>
      client.request('POST', `/api/v1/p/custom-channel/channels/${channelId}/apps`, body);

    it('rejects an invalid ChannelID and a duplicate one, and generates udc_… when blank', async () => {
      const { client } = await admin();
      const invalid = await newChannel(client, { channelKey: 'has space' });
      expect(invalid.statusCode).toBe(400);
      expect(invalid.body).toMatchObject({
        code: 'custom_channel_id_invalid',
        details: [{ path: 'channelKey', code: 'custom_channel_id_invalid' }],
      });
      expect(invalid.body.message).toContain('has space');

      const generated = await newChannel(client);
      expect(generated.statusCode).toBe(201);
      expect(generated.body).toMatchObject({ type: 'custom', name: '联否商城', status: 'active' });
      expect(generated.body.channelKey).toMatch(/^udc_[a-z0-9]{12}$/);

      const chosen = await newChannel(client, { channelKey: 'Shop_01' });
      expect(chosen.body.channelKey).toBe('Shop_01');
      const duplicate = await newChannel(client, { channelKey: 'Shop_01', name: '另一个' });
      expect(duplicate.statusCode).toBe(409);
      expect(duplicate.body).toMatchObject({ code: 'channel_key_taken', message: 'ChannelID Shop_01 已被本租户的其他连接使用' });
      // ChannelIDs are case-sensitive identifiers: shop_01 is another one.
      expect((await newChannel(client, { channelKey: 'shop_01' })).statusCode).toBe(201);
    });

    it('lets two tenants use the same ChannelID', async () => {
      const first = await admin();
      const second = await admin();
      expect((await newChannel(first.client, { channelKey: 'udc_same' })).statusCode).toBe(201);
      expect((await newChannel(second.client, { channelKey: 'udc_same' })).statusCode).toBe(201);
    });

    it('refuses channel types that are unknown or not created by hand', async () => {
      const { client } = await admin();
      const unknown = await client.request('POST', '/api/v1/channels', { type: 'nope', name: 'x' });
      expect(unknown.body.code).toBe('channel_type_unknown');
      const wechat = await client.request('POST', '/api/v1/channels', { type: 'wechat', name: 'x' });
      expect(wechat.statusCode).toBe(400);
      expect(wechat.body.code).toBe('channel_type_not_manual');
    });

    it('lists channel types with this tenant’s counts, renames and counts on the home page', async () => {
      const { client } = await admin();
      const channel = (await newChannel(client)).body;
      await newChannel(client, { name: '第二个' });
      const types = (await client.request('GET', '/api/v1/channel-types')).body.items;
      const custom = types.find((t: any) => t.type === 'custom');
      expect(custom).toMatchObject({ count: 2, customEvents: true, userIdTypes: ['externalId'], pluginId: 'custom-channel' });
      expect(custom.manual).toMatchObject({ keyLabel: { 'zh-CN': 'ChannelID' }, keyGenerated: true });
      expect(types.map((t: any) => t.type)).toEqual(expect.arrayContaining(['wechat', 'miniprogram', 'custom', 'jinshuju']));
      const renamed = await client.request('PATCH', `/api/v1/channels/${channel.id}`, { name: '改名商城' });
      expect(renamed.body).toMatchObject({ id: channel.id, name: '改名商城', channelKey: channel.channelKey });
      const list = await client.request('GET', '/api/v1/channels?type=custom');
      expect(list.body.total).toBe(2);
      const home = await client.request('GET', '/api/v1/home');
      expect(home.body.counts).toContainEqual({ key: 'connections', value: 2 });
    });

    it('validates each app kind: web domain, iOS Bundle ID, Android package name', async () => {
      const { client } = await admin();
      const channelId = (await newChannel(client)).body.id;
      const badDomain = await newApp(client, channelId, {
        platform: 'web',
        name: '官网',
        domain: 'https://shop.example.com/path',
      });
      expect(badDomain.statusCode).toBe(400);
      expect(badDomain.body).toMatchObject({ code: 'custom_app_domain_invalid', details: [{ path: 'domain' }] });
      const badBundle = await newApp(client, channelId, { platform: 'ios', name: 'iOS', bundleId: 'nodots' });
      expect(badBundle.body.code).toBe('custom_app_bundle_id_invalid');
      const badPackage = await newApp(client, channelId, { platform: 'android', name: '安卓', packageName: 'com.1bad.app' });
      expect(badPackage.body.code).toBe('custom_app_package_name_invalid');
      const missing = await newApp(client, channelId, { platform: 'web', name: '官网' });
      expect(missing.body).toMatchObject({ code: 'validation_failed', details: [{ path: 'domain', code: 'any.required' }] });
      const mixed = await newApp(client, channelId, {
        platform: 'ios',
        name: 'iOS',
        bundleId: 'com.example.app',
        domain: 'example.com',
      });
      expect(mixed.body).toMatchObject({ code: 'validation_failed', details: [{ path: 'domain', code: 'any.unknown' }] });

      const web = await newApp(client, channelId, { platform: 'web', name: '官网', domain: 'Shop.Example.com' });
      expect(web.statusCode).toBe(201);
      expect(web.body).toMatchObject({ platform: 'web', domain: 'shop.example.com', bundleId: null, status: 'enabled' });
      expect(web.body.writeKey).toMatch(/^[A-Za-z0-9_-]{32}$/);
      const ios = await newApp(client, channelId, { platform: 'ios', name: 'iOS', bundleId: 'com.example.shop' });
      const android = await newApp(client, channelId, { platform: 'android', name: '安卓', packageName: 'com.example.shop' });
      expect([ios.body.bundleId, android.body.packageName]).toEqual(['com.example.shop', 'com.example.shop']);
      expect(new Set([web.body.writeKey, ios.body.writeKey, android.body.writeKey]).size).toBe(3);
      const listed = await client.request('GET', `/api/v1/p/custom-channel/channels/${channelId}/apps`);
      expect(listed.body.items.map((a: any) => a.platform)).toEqual(['web', 'ios', 'android']);
      const wrongField = await client.request('PATCH', `/api/v1/p/custom-channel/apps/${ios.body.id}`, { domain: 'example.com' });
      expect(wrongField.body.code).toBe('custom_app_field_not_for_platform');
    });

    it('refuses apps on a channel of another type or of another tenant', async () => {
      const { client } = await admin();
      const other = await admin();
      const channelId = (await newChannel(other.client)).body.id;
      const res = await newApp(client, channelId, { platform: 'web', name: 'x', domain: 'example.com' });
      expect(res.statusCode).toBe(404);
      expect(res.body.code).toBe('channel_not_found');
    });

    it('regenerating a writeKey revokes the old one; disabling persists and shows in the check', async () => {
      const { client } = await admin();
      const anonymous = new Client(await server());
      const channelId = (await newChannel(client)).body.id;
      const web = (await newApp(client, channelId, { platform: 'web', name: '官网', domain: 'example.com' })).body;
      const check = (key: string) => anonymous.request('GET', `/api/v1/p/custom-channel/write-keys/${encodeURIComponent(key)}`);
      expect((await check(web.writeKey)).body).toEqual({ writeKey: web.writeKey, platform: 'web', enabled: true });

      const regenerated = await client.request('POST', `/api/v1/p/custom-channel/apps/${web.id}/write-key`);
      expect(regenerated.statusCode).toBe(200);
      expect(regenerated.body.writeKey).not.toBe(web.writeKey);
      const old = await check(web.writeKey);
      expect(old.statusCode).toBe(404);
      expect(old.body.code).toBe('custom_write_key_not_found');
      expect((await check(regenerated.body.writeKey)).body.enabled).toBe(true);

      const disabled = await client.request('PATCH', `/api/v1/p/custom-channel/apps/${web.id}`, { status: 'disabled' });
      expect(disabled.body.status).toBe('disabled');
      expect((await client.request('GET', `/api/v1/p/custom-channel/apps/${web.id}`)).body.status).toBe('disabled');
      expect((await check(regenerated.body.writeKey)).body).toEqual({
        writeKey: regenerated.body.writeKey,
        platform: 'web',
        enabled: false,
      });
    });

    it('refuses to delete a channel while enabled apps may still send data, then deletes it with its apps', async () => {
      const { client } = await admin();
      const channelId = (await newChannel(client)).body.id;
      const web = (await newApp(client, channelId, { platform: 'web', name: '官网', domain: 'example.com' })).body;
      const ios = (await newApp(client, channelId, { platform: 'ios', name: 'iOS', bundleId: 'com.example.app' })).body;
      const refused = await client.request('DELETE', `/api/v1/channels/${channelId}`);
      expect(refused.statusCode).toBe(409);
      expect(refused.body).toMatchObject({ code: 'custom_channel_has_enabled_apps' });
      expect(refused.body.message).toContain('2 个启用中的应用');
      await client.request('PATCH', `/api/v1/p/custom-channel/apps/${web.id}`, { status: 'disabled' });
      await client.request('PATCH', `/api/v1/p/custom-channel/apps/${ios.id}`, { status: 'disabled' });
      expect((await client.request('DELETE', `/api/v1/channels/${channelId}`)).statusCode).toBe(204);
      expect((await client.request('GET', `/api/v1/channels/${channelId}`)).statusCode).toBe(404);
      const gone = await new Client(await server()).request('GET', `/api/v1/p/custom-channel/write-keys/${web.writeKey}`);
      expect(gone.statusCode).toBe(404);
    });

    it('says on the channel whether it may be deleted now, and why not, in the caller’s language', async () => {
      const { client } = await admin();
      const created = await newChannel(client);
      expect(created.body).toMatchObject({ deletable: true, deleteBlockedReason: null });
      const channelId = created.body.id as string;
      const web = (await newApp(client, channelId, { platform: 'web', name: '官网', domain: 'example.com' })).body;

      const blocked = await client.request('GET', `/api/v1/channels/${channelId}`);
      expect(blocked.statusCode).toBe(200);
      expect(blocked.body.deletable).toBe(false);
      expect(blocked.body.deleteBlockedReason).toEqual({
        code: 'custom_channel_has_enabled_apps',
        message: '该渠道下还有 1 个启用中的应用仍可能上报数据，请先停用这些应用再删除渠道',
      });
      // The same reason the refused DELETE gives.
      const refused = await client.request('DELETE', `/api/v1/channels/${channelId}`);
      expect(refused.body.message).toBe(blocked.body.deleteBlockedReason.message);
      client.language = 'en-US';
      const renamed = await client.request('PATCH', `/api/v1/channels/${channelId}`, { name: '新名字' });
      expect(renamed.body).toMatchObject({ name: '新名字', deletable: false });
      expect(renamed.body.deleteBlockedReason.message).toContain('still has 1 enabled app(s)');

      await client.request('PATCH', `/api/v1/p/custom-channel/apps/${web.id}`, { status: 'disabled' });
      const allowed = await client.request('GET', `/api/v1/channels/${channelId}`);
      expect(allowed.body).toMatchObject({ deletable: true, deleteBlockedReason: null });
      // The list stays light: no per-row checks.
      const list = await client.request('GET', '/api/v1/channels');
      expect(list.body.items[0]).not.toHaveProperty('deletable');
    });

    it('serves the Open API: channel types and creating a custom channel with a bearer token', async () => {
      const { client } = await admin();
      const { app: openApp, appSecret } = (await client.request('POST', '/api/v1/apps', { name: 'erp' })).body;
      const token = (
        await new Client(await server()).request('POST', '/api/v1/auth/token', { appKey: openApp.appKey, appSecret })
      ).body.accessToken;
      const bearer = Client.app(await server(), token);
      expect((await bearer.request('GET', '/api/v1/channel-types')).statusCode).toBe(200);
      const created = await bearer.request('POST', '/api/v1/channels', { type: 'custom', name: 'API 渠道' });
      expect(created.statusCode).toBe(201);
      expect(created.body.channelKey).toMatch(/^udc_/);
      // Deleting stays a console action: the token is refused as such (403), not as "sign in" (401).
      const deleted = await bearer.request('DELETE', `/api/v1/channels/${created.body.id}`);
      expect(deleted.statusCode).toBe(403);
      expect(deleted.body.code).toBe('console_only_route');
    });
  },
  { plugins: firstPartyPlugins },
);

it('normalizes domains: lower case, IDN, wildcard; refuses schemes, paths and bare names', () => {
  expect(normalizeDomain('Shop.Example.COM')).toBe('shop.example.com');
  expect(normalizeDomain('*.example.com')).toBe('*.example.com');
  expect(normalizeDomain('商城.中国')).toBe('商城.中国');
  for (const bad of [
    'https://example.com',
    'example.com/path',
    'localhost',
    'exa mple.com',
    '',
    'a..b.com',
    'user@example.com',
  ]) {
    expect(normalizeDomain(bad), bad).toBeNull();
  }
});
