import { expect } from 'vitest';
import { ingestWorkerRef } from '../../src/modules/ingestion/ingestion.module.js';
import { uuidv7 } from '../../src/modules/ingestion/message.js';
import { identityTenant } from '../contacts/support.js';
import { Client, createTenant, type TestApp } from '../support/test-app.js';

export { uuidv7 };

/**
 * A tenant ready to send data: its super staff client, a custom channel (官网) with a web app and its
 * writeKey, an Open API app client, and the custom event `purchase` (amount: number, sku: string).
 */
export async function ingestTenant(app: TestApp, options: { timeZone?: string } = {}) {
  const tenant = await createTenant(app, options);
  const staff = await Client.staff(app.server, tenant.email, tenant.password);
  const channel = (await staff.request('POST', '/api/v1/channels', { type: 'custom', name: '官网' })).body;
  expect(channel.id).toBeTruthy();
  const web = (
    await staff.request('POST', `/api/v1/p/custom-channel/channels/${channel.id}/apps`, {
      platform: 'web',
      name: '官网',
      domain: 'shop.example.com',
    })
  ).body;
  expect(web.writeKey).toBeTruthy();
  const purchase = await staff.request('POST', '/api/v1/metadata/event-types', {
    channelId: channel.id,
    code: 'purchase',
    name: '购买',
    properties: [
      { code: 'amount', name: '金额', type: 'number' },
      { code: 'sku', name: '商品', type: 'string' },
    ],
  });
  expect(purchase.statusCode).toBe(201);
  const { app: apiApp, appSecret } = (await staff.request('POST', '/api/v1/apps', { name: 'ERP' })).body;
  const token = await new Client(app.server).request('POST', '/api/v1/auth/token', { appKey: apiApp.appKey, appSecret });
  expect(token.statusCode).toBe(200);
  const api = Client.app(app.server, token.body.accessToken);

  /** An SDK call with the writeKey as HTTP Basic user. */
  const collect = (path: 'track' | 'identify' | 'batch', body: unknown, writeKey: string = web.writeKey) =>
    new Client(app.server).request('POST', `/api/v1/collect/${path}`, body, {
      authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`,
    });

  return {
    tenant,
    tenantId: tenant.tenantId,
    staff,
    api,
    channelId: String(channel.id),
    channelKey: String(channel.channelKey),
    web,
    collect,
    drain: () => app.service(ingestWorkerRef).drain(),
    /** Rows of the tenant's OLAP events (json row mode). */
    events: async (where = 'TRUE', params: (string | number)[] = []) =>
      (
        await app.olap
          .forTenant(tenant.tenantId)
          .query(`SELECT * FROM events WHERE ${where} ORDER BY event_time, message_id`, { params, rowMode: 'json' })
      ).rows as Record<string, unknown>[],
  };
}

/**
 * A tenant with two bound official accounts and a web app (identityTenant), and a caller of the
 * Segment-compatible `/v1/<path>` routes with the web app's writeKey as HTTP Basic user.
 */
export async function segmentTenant(app: TestApp, prefix: string) {
  const t = await identityTenant(app, [`${prefix}-${uuidv7().slice(-6)}`, `${prefix}-${uuidv7().slice(-6)}`]);
  const basic = (writeKey: string) => `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
  const v1 = (path: string, body: unknown, headers: Record<string, string> = { authorization: basic(t.web.writeKey) }) =>
    app.server.inject({
      method: 'POST',
      url: `/v1/${path}`,
      payload: typeof body === 'string' ? body : JSON.stringify(body),
      headers: { 'content-type': 'application/json', ...headers },
    });
  const inboxCount = async (tenantId: string) =>
    Number(((await app.oltp.forTenant(tenantId).from('inbox').count({ n: '*' }).first()) as { n: number | string }).n);
  return { ...t, v1, basic, inboxCount };
}
