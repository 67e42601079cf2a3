import { expect, it } from 'vitest';
import { ingestWorkerRef } from '../../../core/src/modules/ingestion/ingestion.module.js';
import { firstPartyPlugins } from '../../../core/test/support/plugins.js';
import { Client, createTenant, describeEngines } from '../../../core/test/support/test-app.js';

const APP_ID = 'wx0123456789abcdef';

describeEngines(
  'mini-program writeKeys',
  (ctx) => {
    const admin = async () => {
      const tenant = await createTenant(ctx.app);
      return { tenant, client: await Client.staff(ctx.app.server, tenant.email, tenant.password) };
    };
    const newMiniprogram = async (client: Client, channelKey = APP_ID) => {
      const res = await client.request('POST', '/api/v1/channels', { type: 'miniprogram', name: '商城小程序', channelKey });
      expect(res.statusCode).toBe(201);
      return res.body as { id: string };
    };
    const collect = (writeKey: string, body: unknown) =>
      new Client(ctx.app.server).request('POST', '/api/v1/collect/track', body, {
        authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`,
      });
    const inbox = async (tenantId: string): Promise<Record<string, unknown>[]> => {
      const rows: { body: string }[] = await ctx.app.oltp.forTenant(tenantId).from('inbox').select('body');
      return rows.map((row) => JSON.parse(row.body) as Record<string, unknown>);
    };

    it('gives a new mini-program channel a writeKey; its messages carry the channel', async () => {
      const { tenant, client } = await admin();
      const channel = await newMiniprogram(client);
      const key = await client.request('GET', `/api/v1/p/miniprogram/channels/${channel.id}/write-key`);
      expect(key.statusCode).toBe(200);
      expect(key.body).toMatchObject({ channelId: channel.id, writeKey: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/) });
      // Reading again gives the same key (it is stored, not made per read).
      const again = await client.request('GET', `/api/v1/p/miniprogram/channels/${channel.id}/write-key`);
      expect(again.body.writeKey).toBe(key.body.writeKey);

      const sent = await collect(key.body.writeKey, { messageId: 'm-1', anonymousId: 'a-1', event: '$MPShow' });
      expect(sent.statusCode).toBe(200);
      expect(sent.body).toMatchObject({ accepted: 1, dropped: 0 });
      const [message] = (await inbox(tenant.tenantId)).filter((m) => m.messageId === 'm-1');
      expect(message).toMatchObject({ channelId: channel.id, appId: channel.id, via: 'collect' });
      await ctx.app.service(ingestWorkerRef).drain();
    });

    it('regenerates: the old key is refused at once, the new one accepted', async () => {
      const { client } = await admin();
      const channel = await newMiniprogram(client);
      const old = (await client.request('GET', `/api/v1/p/miniprogram/channels/${channel.id}/write-key`)).body.writeKey;
      const renewed = await client.request('POST', `/api/v1/p/miniprogram/channels/${channel.id}/write-key`);
      expect(renewed.statusCode).toBe(200);
      expect(renewed.body.writeKey).not.toBe(old);
      expect((await collect(old, { anonymousId: 'a', event: '$MPShow' })).body.code).toBe('write_key_invalid');
      expect((await collect(renewed.body.writeKey, { anonymousId: 'a', event: '$MPShow' })).statusCode).toBe(200);
      const read = await client.request('GET', `/api/v1/p/miniprogram/channels/${channel.id}/write-key`);
      expect(read.body.writeKey).toBe(renewed.body.writeKey);
      await ctx.app.service(ingestWorkerRef).drain();
    });

    it('makes the key of a channel that has none (created before the table) when it is first read', async () => {
      const { tenant, client } = await admin();
      const channel = await newMiniprogram(client);
      // A channel from before this plugin version: no row.
      await ctx.app.oltp.forTenant(tenant.tenantId).from('miniprogram__write_key').where('channel_id', channel.id).delete();
      const [first, second] = await Promise.all([
        client.request('GET', `/api/v1/p/miniprogram/channels/${channel.id}/write-key`),
        client.request('GET', `/api/v1/p/miniprogram/channels/${channel.id}/write-key`),
      ]);
      expect(first.statusCode).toBe(200);
      expect(second.statusCode).toBe(200);
      expect(second.body.writeKey).toBe(first.body.writeKey);
      const rows = await ctx.app.oltp.forTenant(tenant.tenantId).from('miniprogram__write_key').where('channel_id', channel.id);
      expect(rows).toHaveLength(1);
    });

    it('answers 404 for a custom channel and for another tenant’s mini-program; deleting the channel revokes its key', async () => {
      const owner = await admin();
      const other = await admin();
      const channel = await newMiniprogram(owner.client);
      const key = (await owner.client.request('GET', `/api/v1/p/miniprogram/channels/${channel.id}/write-key`)).body.writeKey;
      const foreign = await other.client.request('GET', `/api/v1/p/miniprogram/channels/${channel.id}/write-key`);
      expect(foreign.statusCode).toBe(404);
      expect((await other.client.request('POST', `/api/v1/p/miniprogram/channels/${channel.id}/write-key`)).statusCode).toBe(404);
      const custom = (await owner.client.request('POST', '/api/v1/channels', { type: 'custom', name: '官网' })).body;
      expect((await owner.client.request('GET', `/api/v1/p/miniprogram/channels/${custom.id}/write-key`)).statusCode).toBe(404);
      // The key did not change through the other tenant's call.
      expect((await owner.client.request('GET', `/api/v1/p/miniprogram/channels/${channel.id}/write-key`)).body.writeKey).toBe(
        key,
      );

      expect((await owner.client.request('DELETE', `/api/v1/channels/${channel.id}`)).statusCode).toBe(204);
      expect((await collect(key, { anonymousId: 'a', event: '$MPShow' })).statusCode).toBe(401);
    });
  },
  { plugins: firstPartyPlugins },
);
