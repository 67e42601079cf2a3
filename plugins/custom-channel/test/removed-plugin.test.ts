import { afterEach, describe, expect, it } from 'vitest';
import { testEngines } from '../../../core/test/support/engines.js';
import { Client, createTenant, createTestStore } from '../../../core/test/support/test-app.js';
import plugin from '../src/index.js';

describe.each(testEngines())('a channel whose plugin was removed [%s]', (engine) => {
  let store: Awaited<ReturnType<typeof createTestStore>> | undefined;
  afterEach(async () => {
    await store?.drop();
  });

  it('is listed and opened marked unavailable, can be renamed and deleted, but not created again', async () => {
    store = await createTestStore(engine);
    const withPlugin = await store.open({ plugins: [plugin] });
    const tenant = await createTenant(withPlugin);
    let client = await Client.staff(withPlugin.server, tenant.email, tenant.password);
    const channel = (await client.request('POST', '/api/v1/channels', { type: 'custom', name: '官网渠道' })).body;
    expect(channel.typeAvailable).toBe(true);
    const app = await client.request('POST', `/api/v1/p/custom-channel/channels/${channel.id}/apps`, {
      platform: 'web',
      name: '官网',
      domain: 'example.com',
    });
    expect(app.statusCode).toBe(201);
    // With its plugin, the enabled app keeps the channel from being deleted.
    expect((await client.request('DELETE', `/api/v1/channels/${channel.id}`)).statusCode).toBe(409);
    await withPlugin.stop();

    const without = await store.open({ plugins: [] });
    try {
      client = await Client.staff(without.server, tenant.email, tenant.password);
      const list = await client.request('GET', '/api/v1/channels');
      expect(list.statusCode).toBe(200);
      expect(list.body.items).toEqual([expect.objectContaining({ id: channel.id, type: 'custom', typeAvailable: false })]);
      const one = await client.request('GET', `/api/v1/channels/${channel.id}`);
      expect(one.statusCode).toBe(200);
      expect(one.body).toMatchObject({ name: '官网渠道', typeAvailable: false, settings: {}, secretsSet: [] });
      // Its settings cannot be checked without the type's form (ADR 0039).
      const settings = await client.request('PATCH', `/api/v1/channels/${channel.id}/settings`, { settings: {} });
      expect(settings.body).toMatchObject({ statusCode: 400, code: 'channel_type_unknown' });
      const types = (await client.request('GET', '/api/v1/channel-types')).body.items;
      expect(types.find((t: { type: string }) => t.type === 'custom')).toEqual({
        type: 'custom',
        name: { 'zh-CN': 'custom', 'en-US': 'custom' },
        description: null,
        userIdTypes: [],
        customEvents: false,
        manual: null,
        settingsSchema: null,
        testable: false,
        pluginId: null,
        available: false,
        count: 1,
      });
      const renamed = await client.request('PATCH', `/api/v1/channels/${channel.id}`, { name: '旧官网' });
      expect(renamed.body).toMatchObject({ name: '旧官网', typeAvailable: false });
      const create = await client.request('POST', '/api/v1/channels', { type: 'custom', name: 'x' });
      expect(create.body).toMatchObject({ statusCode: 400, code: 'channel_type_unknown' });

      expect((await client.request('DELETE', `/api/v1/channels/${channel.id}`)).statusCode).toBe(204);
      expect((await client.request('GET', `/api/v1/channels/${channel.id}`)).statusCode).toBe(404);
      // The plugin's rows of the channel went with it (foreign key), so a reinstall finds no orphans.
      expect(await without.oltp.knex('custom_channel__app').where('channel_id', channel.id)).toEqual([]);
      expect(
        (await client.request('GET', '/api/v1/channel-types')).body.items.some((t: { type: string }) => t.type === 'custom'),
      ).toBe(false);
    } finally {
      await without.stop();
    }
  });
});
