import { expect } from 'vitest';
import { contactsServiceRef } from '../../../core/src/modules/contacts/contacts.service.js';
import { ANONYMOUS_ID, EXTERNAL_ID } from '../../../core/src/modules/contacts/contacts.types.js';
import { ingestWorkerRef } from '../../../core/src/modules/ingestion/ingestion.module.js';
import { Client, createTenant, type TestApp } from '../../../core/test/support/test-app.js';

let appIds = 0;

/**
 * A tenant with a mini-program channel (its writeKey read from the console route) and the custom
 * event `add_to_cart` (sku: string, price: number) declared on it; `base` is the listening app.
 */
export async function miniprogramTenant(app: TestApp) {
  const tenant = await createTenant(app);
  const staff = await Client.staff(app.server, tenant.email, tenant.password);
  appIds += 1;
  const channelKey = `wx${(0xabc000 + appIds).toString(16).padStart(16, '0')}`;
  const channel = await staff.request('POST', '/api/v1/channels', { type: 'miniprogram', name: '商城小程序', channelKey });
  expect(channel.statusCode).toBe(201);
  const channelId = String(channel.body.id);
  const key = await staff.request('GET', `/api/v1/p/miniprogram/channels/${channelId}/write-key`);
  expect(key.statusCode).toBe(200);
  const event = await staff.request('POST', '/api/v1/metadata/event-types', {
    channelId,
    code: 'add_to_cart',
    name: '加入购物车',
    properties: [
      { code: 'sku', name: '商品', type: 'string' },
      { code: 'price', name: '价格', type: 'number' },
    ],
  });
  expect(event.statusCode).toBe(201);
  const olap = app.olap.forTenant(tenant.tenantId);
  const rows = async (sql: string, params: (string | number)[] = []) =>
    (await olap.query(sql, { params, rowMode: 'json' })).rows as Record<string, unknown>[];
  const contacts = app.service(contactsServiceRef);
  return {
    tenant,
    staff,
    channelId,
    channelKey,
    writeKey: key.body.writeKey as string,
    base: `http://127.0.0.1:${app.server.info.port}`,
    drain: () => app.service(ingestWorkerRef).drain(),
    rows,
    /** The tenant's events with their typed properties (`p_<code>`), in the order sent (UUIDv7 messageIds). */
    events: () => rows('SELECT * FROM event_view ORDER BY s_message_id'),
    contactOfUser: (userId: string) => contacts.contactOfAccount(tenant.tenantId, channelId, EXTERNAL_ID, userId),
    contactOfAnonymous: (anonymousId: string) => contacts.contactOfAccount(tenant.tenantId, channelId, ANONYMOUS_ID, anonymousId),
  };
}
