import Joi from 'joi';
import { describe, expect, it, vi } from 'vitest';
import { ContributionRegistry } from '../../src/kernel/contribution-registry.js';
import type { ChannelTypeDefinition } from '../../src/kernel/contributions.js';
import { PermissionRegistry } from '../../src/kernel/permissions.js';
import { coreServices, type PluginChannels } from '../../src/kernel/services.js';
import { channelsServiceRef } from '../../src/modules/channels/channels.service.js';
import customChannel from '../../../plugins/custom-channel/src/index.js';
import acme from '../fixtures/acme-crm.plugin.js';
import lumen, { LUMEN_SHOP_VALID_SECRET, lumenShopCalls } from '../fixtures/lumen-shop.plugin.js';
import { Client, createTenant, describeEngines, type TestApp } from '../support/test-app.js';

/** The clear secrets of these tests: none may ever appear in a response, a column or the operation log. */
const WEBHOOK_KEY = 'whsec-0123456789abcdef';
const NEW_SECRET = 'lumen-rotated-secret-9999';
const WRONG_SECRET = 'lumen-wrong-secret-7777';
const SECRETS = [LUMEN_SHOP_VALID_SECRET, WEBHOOK_KEY, NEW_SECRET, WRONG_SECRET];

const validSettings = (overrides: Record<string, unknown> = {}) => ({
  shopUrl: 'https://shop.lumen.example',
  apiKey: 'key_1',
  apiSecret: LUMEN_SHOP_VALID_SECRET,
  webhookSigningKey: WEBHOOK_KEY,
  ...overrides,
});

const channelType = (settings: unknown, handlers?: ChannelTypeDefinition['handlers']): ChannelTypeDefinition => ({
  type: 'probe',
  name: { 'zh-CN': '探针', 'en-US': 'Probe' },
  userIdTypes: [],
  customEvents: false,
  settings: settings as Joi.ObjectSchema,
  handlers,
});

const register = (definition: ChannelTypeDefinition) => () =>
  new ContributionRegistry(new PermissionRegistry()).addChannelType('probe', definition);

describe('channel type settings are checked at registration', () => {
  it('refuses settings that are not a joi object schema', () => {
    expect(register(channelType({ shopUrl: 'https://x' }))).toThrow(
      'Plugin "probe": channel type "probe": settings must be a joi object schema (Joi.object({...}))',
    );
    expect(register(channelType(Joi.string()))).toThrow(
      'Plugin "probe": channel type "probe": settings must be a joi object schema (Joi.object({...}))',
    );
  });

  it('refuses a secret field that is not a string', () => {
    expect(register(channelType(Joi.object({ pin: Joi.number().meta({ secret: true }) })))).toThrow(
      'Plugin "probe": channel type "probe": settings field "pin" is secret but of type number: secret fields must be strings',
    );
  });

  it('refuses a secret below the top level (in an object or an array)', () => {
    const message =
      'Plugin "probe": channel type "probe": settings field "auth" hides a secret inside it: only top-level string fields can be secret (they are kept, replaced and cleared by name)';
    expect(register(channelType(Joi.object({ auth: Joi.object({ token: Joi.string().meta({ secret: true }) }) })))).toThrow(
      message,
    );
    expect(register(channelType(Joi.object({ auth: Joi.array().items(Joi.string().meta({ secret: true })) })))).toThrow(message);
  });

  it('refuses a meta label or description that misses a language', () => {
    expect(register(channelType(Joi.object({ host: Joi.string().meta({ label: { 'zh-CN': '主机' } }) })))).toThrow(
      'Plugin "probe": channel type "probe": settings field "host": meta label needs a zh-CN and an en-US text',
    );
    expect(
      register(channelType(Joi.object({ host: Joi.string().meta({ description: { 'en-US': 'The host', 'zh-CN': ' ' } }) }))),
    ).toThrow('settings field "host": meta description needs a zh-CN and an en-US text');
  });

  it('refuses a handler that is not a function', () => {
    expect(register(channelType(undefined, { test: 'yes' as never }))).toThrow(
      'Plugin "probe": channel type "probe": handlers.test must be a function',
    );
  });

  it('accepts a form with top-level string secrets and plain joi labels', () => {
    expect(
      register(
        channelType(
          Joi.object({
            host: Joi.string().label('Host').description('where'),
            token: Joi.string().meta({ secret: true }),
          }),
        ),
      ),
    ).not.toThrow();
  });
});

describeEngines(
  'connection settings and credentials (ADR 0039)',
  (ctx) => {
    /** Every response body of a test, to prove no secret ever left the server. */
    const bodies: string[] = [];
    const expectNoSecretIn = (text: string) => {
      for (const secret of SECRETS) expect(text).not.toContain(secret);
    };
    const admin = async () => {
      const tenant = await createTenant(ctx.app);
      const client = await Client.staff(ctx.app.server, tenant.email, tenant.password);
      const request: Client['request'] = async (...args) => {
        const res = await client.request(...args);
        bodies.push(JSON.stringify(res.body));
        return res;
      };
      return { tenant, client, request };
    };
    const rawRow = (app: TestApp, channelId: string) =>
      app.oltp.knex('channel').where('id', channelId).first<{ settings: string | null; secret_settings: string | null }>();
    const pluginChannels = (pluginId: string) =>
      ctx.app.kernel.resolveService(coreServices.channels.id, pluginId) as PluginChannels;
    const create = async (request: Client['request'], settings: Record<string, unknown> = validSettings(), key = 'shop0001') =>
      request('POST', '/api/v1/channels', { type: 'lumen', name: 'Lumen 旗舰店', channelKey: key, settings });

    it('lists the settings form as JSON Schema: secrets write-only, labels in both languages', async () => {
      const { request } = await admin();
      const types = (await request('GET', '/api/v1/channel-types')).body.items as any[];
      const lumenType = types.find((t) => t.type === 'lumen');
      expect(lumenType.testable).toBe(true);
      const schema = lumenType.settingsSchema;
      expect(schema).toMatchObject({ type: 'object', required: ['shopUrl', 'apiKey', 'apiSecret'] });
      expect(schema.properties.apiSecret).toMatchObject({
        type: 'string',
        writeOnly: true,
        'x-secret': true,
        title: 'API 密钥',
        'x-label': { 'zh-CN': 'API 密钥', 'en-US': 'API secret' },
        minLength: 8,
      });
      expect(schema.properties.webhookSigningKey).toMatchObject({ writeOnly: true, 'x-secret': true });
      expect(schema.properties.shopUrl).toMatchObject({
        format: 'uri',
        'x-description': {
          'zh-CN': '以 https:// 开头的店铺后台地址',
          'en-US': 'The shop’s admin address, starting with https://',
        },
      });
      expect(schema.properties.region).toMatchObject({ enum: ['cn-east', 'cn-south'], default: 'cn-east' });
      expect(schema.properties.syncDays).toMatchObject({ type: 'integer', minimum: 1, maximum: 90, default: 30 });
      expect(schema.properties.shopUrl.writeOnly).toBeUndefined();
      const english = (await request('GET', '/api/v1/channel-types', undefined, { 'accept-language': 'en-US' })).body
        .items as any[];
      expect(english.find((t) => t.type === 'lumen').settingsSchema.properties.apiSecret.title).toBe('API secret');
      const custom = types.find((t) => t.type === 'custom');
      expect(custom).toMatchObject({ settingsSchema: null, testable: false });
    });

    it('creates a channel with settings: connect gets them validated and in clear, no API and no column shows a secret', async () => {
      const { tenant, request } = await admin();
      lumenShopCalls.length = 0;
      const created = await create(request);
      expect(created.statusCode).toBe(201);
      expect(created.body).toMatchObject({
        type: 'lumen',
        settings: { shopUrl: 'https://shop.lumen.example', apiKey: 'key_1', region: 'cn-east', syncDays: 30, sandbox: false },
        secretsSet: ['apiSecret', 'webhookSigningKey'],
      });
      expect(Object.keys(created.body.settings)).not.toContain('apiSecret');
      const channelId = created.body.id as string;
      expect(lumenShopCalls).toEqual([
        {
          hook: 'connect',
          tenantId: tenant.tenantId,
          channelId,
          settings: { ...validSettings(), region: 'cn-east', syncDays: 30, sandbox: false },
        },
      ]);

      const row = await rawRow(ctx.app, channelId);
      expect(JSON.parse(row!.settings!)).toEqual({
        shopUrl: 'https://shop.lumen.example',
        apiKey: 'key_1',
        region: 'cn-east',
        syncDays: 30,
        sandbox: false,
      });
      expect(Object.keys(JSON.parse(row!.secret_settings!)).sort()).toEqual(['apiSecret', 'webhookSigningKey']);
      expectNoSecretIn(`${row!.settings} ${row!.secret_settings}`);

      const detail = await request('GET', `/api/v1/channels/${channelId}`);
      expect(detail.body).toMatchObject({ secretsSet: ['apiSecret', 'webhookSigningKey'], settings: { apiKey: 'key_1' } });
      await request('GET', '/api/v1/channels?type=lumen');
      await request('PATCH', `/api/v1/channels/${channelId}`, { name: '改名' });
      expect(await pluginChannels('lumen').settings(tenant.tenantId, channelId)).toEqual({
        ...validSettings(),
        region: 'cn-east',
        syncDays: 30,
        sandbox: false,
      });
      for (const body of bodies) expectNoSecretIn(body);
    });

    it('refuses invalid settings with 400 channel_settings_invalid and one joi code per field, creating nothing', async () => {
      const { request } = await admin();
      const res = await create(request, {
        shopUrl: 'http://shop.lumen.example',
        apiKey: 'key_1',
        apiSecret: 'x7Q',
        syncDays: 365,
        color: 'red',
      });
      expect(res.statusCode).toBe(400);
      expect(res.body.code).toBe('channel_settings_invalid');
      expect(res.body.details).toEqual([
        { path: 'settings.shopUrl', code: 'string.uriCustomScheme' },
        { path: 'settings.apiSecret', code: 'string.min' },
        { path: 'settings.syncDays', code: 'number.max' },
        { path: 'settings.color', code: 'object.unknown' },
      ]);
      expect(JSON.stringify(res.body)).not.toContain('x7Q');
      expect((await request('GET', '/api/v1/channels')).body.total).toBe(0);
      // A type without a form takes no settings.
      const custom = await request('POST', '/api/v1/channels', { type: 'custom', name: 'x', settings: { token: 'abc' } });
      expect(custom.body).toMatchObject({
        code: 'channel_settings_invalid',
        details: [{ path: 'settings.token', code: 'object.unknown' }],
      });
    });

    it('PATCH keeps an omitted or null secret, clears an optional one with "", refuses clearing a required one', async () => {
      const { tenant, request } = await admin();
      const channelId = (await create(request)).body.id as string;
      lumenShopCalls.length = 0;

      const kept = await request('PATCH', `/api/v1/channels/${channelId}/settings`, {
        settings: { shopUrl: 'https://new.lumen.example', syncDays: 7, apiSecret: null },
      });
      expect(kept.statusCode).toBe(200);
      expect(kept.body).toMatchObject({
        settings: { shopUrl: 'https://new.lumen.example', apiKey: 'key_1', syncDays: 7, region: 'cn-east' },
        secretsSet: ['apiSecret', 'webhookSigningKey'],
      });
      const afterKeep = await pluginChannels('lumen').settings(tenant.tenantId, channelId);
      expect(afterKeep).toMatchObject({ apiSecret: LUMEN_SHOP_VALID_SECRET, webhookSigningKey: WEBHOOK_KEY, syncDays: 7 });
      // The plugin heard of it, with the complete settings in clear; connect was not called again.
      expect(lumenShopCalls.map((c) => [c.hook, c.channelId, c.settings.apiSecret, c.settings.shopUrl])).toEqual([
        ['settingsChanged', channelId, LUMEN_SHOP_VALID_SECRET, 'https://new.lumen.example'],
      ]);

      const cleared = await request('PATCH', `/api/v1/channels/${channelId}/settings`, {
        settings: { webhookSigningKey: '', apiSecret: NEW_SECRET, syncDays: null },
      });
      expect(cleared.body).toMatchObject({ secretsSet: ['apiSecret'], settings: { syncDays: 30 } });
      expect(await pluginChannels('lumen').settings(tenant.tenantId, channelId)).toMatchObject({ apiSecret: NEW_SECRET });
      expect(await pluginChannels('lumen').settings(tenant.tenantId, channelId)).not.toHaveProperty('webhookSigningKey');

      const required = await request('PATCH', `/api/v1/channels/${channelId}/settings`, { settings: { apiSecret: '' } });
      expect(required.statusCode).toBe(400);
      expect(required.body).toMatchObject({
        code: 'channel_settings_invalid',
        details: [{ path: 'settings.apiSecret', code: 'any.required' }],
      });
      const unknown = await request('PATCH', `/api/v1/channels/${channelId}/settings`, { settings: { color: 'red' } });
      expect(unknown.body.details).toEqual([{ path: 'settings.color', code: 'object.unknown' }]);
      expect(await pluginChannels('lumen').settings(tenant.tenantId, channelId)).toMatchObject({ apiSecret: NEW_SECRET });

      // The operation log names the channel and the changed fields, never a value.
      const logs = await ctx.app.oltp
        .forTenant(tenant.tenantId)
        .from('operation_log')
        .where('operation_log.object_type', 'channel')
        .where('operation_log.operation', 'editSettings')
        .orderBy('operation_log.id')
        .select<{ object_id: string; detail: string }[]>('*');
      expect(logs.map((row) => [row.object_id, JSON.parse(row.detail)])).toEqual([
        [channelId, { type: 'lumen', changedFieldIds: ['shopUrl', 'syncDays'], changedFields: 2 }],
        [channelId, { type: 'lumen', changedFieldIds: ['apiSecret', 'syncDays', 'webhookSigningKey'], changedFields: 3 }],
      ]);
      const rows = await ctx.app.oltp.forTenant(tenant.tenantId).from('operation_log').select('*');
      expectNoSecretIn(JSON.stringify(rows));
      for (const body of bodies) expectNoSecretIn(body);
    });

    it('answers 502 channel_settings_apply_failed when the connector cannot apply saved settings (they stay saved)', async () => {
      const { tenant, request } = await admin();
      const channelId = (await create(request)).body.id as string;
      const res = await request('PATCH', `/api/v1/channels/${channelId}/settings`, {
        settings: { shopUrl: 'https://broken.lumen.example' },
      });
      expect(res.statusCode).toBe(502);
      expect(res.body.code).toBe('channel_settings_apply_failed');
      expectNoSecretIn(JSON.stringify(res.body));
      expect(await pluginChannels('lumen').settings(tenant.tenantId, channelId)).toMatchObject({
        shopUrl: 'https://broken.lumen.example',
      });
    });

    it('tests settings before creation: ok, refused with the connector’s localized reason, invalid, unsupported', async () => {
      const { tenant, request } = await admin();
      lumenShopCalls.length = 0;
      const ok = await request('POST', '/api/v1/channels/test', { type: 'lumen', settings: validSettings() });
      expect(ok).toMatchObject({ statusCode: 200, body: { ok: true } });
      expect(lumenShopCalls).toEqual([
        {
          hook: 'test',
          tenantId: tenant.tenantId,
          channelId: undefined,
          settings: { ...validSettings(), region: 'cn-east', syncDays: 30, sandbox: false },
        },
      ]);

      const refused = await request('POST', '/api/v1/channels/test', {
        type: 'lumen',
        settings: validSettings({ apiSecret: WRONG_SECRET }),
      });
      expect(refused.body).toEqual({ ok: false, code: 'lumen_shop_auth_failed', message: '店铺拒绝了 API Key key_1 的密钥' });
      const english = await request(
        'POST',
        '/api/v1/channels/test',
        { type: 'lumen', settings: validSettings({ apiSecret: WRONG_SECRET }) },
        { 'accept-language': 'en-US' },
      );
      expect(english.body.message).toBe('The shop refused the secret of API key key_1');

      const invalid = await request('POST', '/api/v1/channels/test', { type: 'lumen', settings: { apiKey: 'key_1' } });
      expect(invalid.statusCode).toBe(400);
      expect(invalid.body.details).toEqual([
        { path: 'settings.shopUrl', code: 'any.required' },
        { path: 'settings.apiSecret', code: 'any.required' },
      ]);
      const unsupported = await request('POST', '/api/v1/channels/test', { type: 'custom', settings: {} });
      expect(unsupported.body).toMatchObject({ statusCode: 400, code: 'channel_test_unsupported' });
      const unknown = await request('POST', '/api/v1/channels/test', { type: 'nope', settings: {} });
      expect(unknown.body).toMatchObject({ statusCode: 400, code: 'channel_type_unknown' });
      for (const body of bodies) expectNoSecretIn(body);
    });

    it('reports a throwing test as channel_test_failed, logging the error with its secrets masked', async () => {
      const { tenant, request } = await admin();
      const service = ctx.app.service(channelsServiceRef);
      const logged = vi.spyOn((service as unknown as { logger: { error: (...args: unknown[]) => void } }).logger, 'error');
      try {
        const res = await request('POST', '/api/v1/channels/test', {
          type: 'lumen',
          settings: validSettings({ shopUrl: 'https://broken.lumen.example' }),
        });
        expect(res.body).toEqual({ ok: false, code: 'channel_test_failed', message: '测试连接时出错，请检查设置后重试' });
        expect(logged).toHaveBeenCalledTimes(1);
        const [fields] = logged.mock.calls[0]!;
        expect(fields).toMatchObject({
          tenantId: tenant.tenantId,
          type: 'lumen',
          hook: 'test',
          err: { type: 'Error', message: 'Lumen API answered 500 to key_1:[secret]' },
        });
        expectNoSecretIn(JSON.stringify(logged.mock.calls));
        expect(JSON.stringify(logged.mock.calls)).not.toContain('shopUrl');
      } finally {
        logged.mockRestore();
      }
    });

    it('times out a hanging test with channel_test_timeout and aborts its signal', async () => {
      const { request } = await admin();
      const service = ctx.app.service(channelsServiceRef);
      const before = service.testTimeoutMs;
      service.testTimeoutMs = 300;
      try {
        const started = Date.now();
        const res = await request('POST', '/api/v1/channels/test', {
          type: 'lumen',
          settings: validSettings({ shopUrl: 'https://hang.lumen.example' }),
        });
        expect(res.body).toEqual({ ok: false, code: 'channel_test_timeout', message: '测试连接超时（1 秒内没有结果）' });
        expect(Date.now() - started).toBeLessThan(5_000);
      } finally {
        service.testTimeoutMs = before;
      }
    });

    it('tests an existing channel with its stored secrets, or with unsaved changes, without saving them', async () => {
      const { tenant, request } = await admin();
      const channelId = (await create(request)).body.id as string;
      lumenShopCalls.length = 0;
      const stored = await request('POST', `/api/v1/channels/${channelId}/test`, {});
      expect(stored.body).toEqual({ ok: true });
      const noBody = await request('POST', `/api/v1/channels/${channelId}/test`);
      expect(noBody.body).toEqual({ ok: true });
      const changed = await request('POST', `/api/v1/channels/${channelId}/test`, {
        settings: { apiSecret: WRONG_SECRET, apiKey: 'key_2' },
      });
      expect(changed.body).toMatchObject({ ok: false, code: 'lumen_shop_auth_failed' });
      expect(lumenShopCalls.map((c) => [c.hook, c.channelId, c.settings.apiSecret, c.settings.apiKey])).toEqual([
        ['test', channelId, LUMEN_SHOP_VALID_SECRET, 'key_1'],
        ['test', channelId, LUMEN_SHOP_VALID_SECRET, 'key_1'],
        ['test', channelId, WRONG_SECRET, 'key_2'],
      ]);
      expect(await pluginChannels('lumen').settings(tenant.tenantId, channelId)).toMatchObject({
        apiKey: 'key_1',
        apiSecret: LUMEN_SHOP_VALID_SECRET,
      });
      for (const body of bodies) expectNoSecretIn(body);
    });

    it('answers 404 to another tenant for the settings, the test and the detail of a channel', async () => {
      const victim = await admin();
      const channelId = (await create(victim.request)).body.id as string;
      const attacker = await admin();
      lumenShopCalls.length = 0;
      for (const [method, url, payload] of [
        ['GET', `/api/v1/channels/${channelId}`, undefined],
        ['PATCH', `/api/v1/channels/${channelId}/settings`, { settings: { apiSecret: NEW_SECRET } }],
        ['POST', `/api/v1/channels/${channelId}/test`, {}],
      ] as const) {
        const res = await attacker.request(method, url, payload);
        expect(res.statusCode, `${method} ${url}`).toBe(404);
        expect(res.body.code).toBe('channel_not_found');
      }
      expect(lumenShopCalls).toEqual([]);
      await expect(pluginChannels('lumen').settings(attacker.tenant.tenantId, channelId)).rejects.toMatchObject({
        statusCode: 404,
        code: 'channel_not_found',
      });
      expect(await pluginChannels('lumen').settings(victim.tenant.tenantId, channelId)).toMatchObject({
        apiSecret: LUMEN_SHOP_VALID_SECRET,
      });
    });

    it('gives a channel’s settings only to the plugin providing its type', async () => {
      const { tenant, request } = await admin();
      const channelId = (await create(request)).body.id as string;
      await expect(pluginChannels('acme-crm').settings(tenant.tenantId, channelId)).rejects.toThrow(
        `Plugin "acme-crm": reads the settings of channel ${channelId}, whose type "lumen" is plugin "lumen"'s: a plugin reads only its own channel types' settings`,
      );
      const custom = (await request('POST', '/api/v1/channels', { type: 'custom', name: 'web' })).body.id as string;
      await expect(pluginChannels('lumen').settings(tenant.tenantId, custom)).rejects.toThrow(
        'whose type "custom" is plugin "custom-channel"\'s',
      );
      expect(await pluginChannels('custom-channel').settings(tenant.tenantId, custom)).toEqual({});
    });

    it('does not open a sealed secret moved to another channel row or tenant; entering it again repairs the channel', async () => {
      const { tenant, request } = await admin();
      const source = (await create(request, validSettings(), 'shop0001')).body.id as string;
      const target = (await create(request, validSettings({ apiSecret: NEW_SECRET }), 'shop0002')).body.id as string;
      const other = await admin();
      const foreign = (await create(other.request, validSettings({ apiSecret: NEW_SECRET }), 'shop0003')).body.id as string;
      const sealed = (await rawRow(ctx.app, source))!.secret_settings;
      await ctx.app.oltp.knex('channel').whereIn('id', [target, foreign]).update({ secret_settings: sealed });

      for (const [tenantId, channelId] of [
        [tenant.tenantId, target],
        [other.tenant.tenantId, foreign],
      ] as const) {
        await expect(pluginChannels('lumen').settings(tenantId, channelId)).rejects.toMatchObject({
          statusCode: 500,
          code: 'channel_settings_unreadable',
        });
      }
      // The page still opens (secretsSet names the fields, nothing is opened); the test says why it cannot run.
      expect((await request('GET', `/api/v1/channels/${target}`)).body.secretsSet).toEqual(['apiSecret', 'webhookSigningKey']);
      const test = await request('POST', `/api/v1/channels/${target}/test`, {});
      expect(test.body).toMatchObject({ statusCode: 500, code: 'channel_settings_unreadable' });
      // Swapping two fields of one row fails too: the field is part of the associated data.
      const swapped = JSON.parse(sealed!);
      await ctx.app.oltp
        .knex('channel')
        .where('id', source)
        .update({
          secret_settings: JSON.stringify({ apiSecret: swapped.webhookSigningKey, webhookSigningKey: swapped.apiSecret }),
        });
      await expect(pluginChannels('lumen').settings(tenant.tenantId, source)).rejects.toMatchObject({
        code: 'channel_settings_unreadable',
      });

      const repaired = await request('PATCH', `/api/v1/channels/${target}/settings`, {
        settings: { apiSecret: NEW_SECRET, webhookSigningKey: WEBHOOK_KEY },
      });
      expect(repaired.statusCode).toBe(200);
      expect(await pluginChannels('lumen').settings(tenant.tenantId, target)).toMatchObject({
        apiSecret: NEW_SECRET,
        webhookSigningKey: WEBHOOK_KEY,
      });
    });
  },
  { plugins: [customChannel, acme, lumen] },
);
