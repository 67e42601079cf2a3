import type { HuiliuApp } from '../../src/app.js';
import type { Client, TenantFixture } from './test-app.js';

/**
 * How the cross-tenant replay test gets a real id of the victim tenant for each route parameter.
 * A module adding a route with a new `{param}` adds its builder here; the replay test fails on a
 * parameter it cannot fill.
 */
export interface FixtureContext {
  app: HuiliuApp;
  tenant: TenantFixture;
  /** The victim's super staff, logged in. */
  client: Client;
  /** A marker string put into the victim's objects, so leaks are visible in other tenants' lists. */
  marker: string;
}

export const paramFixtures: Record<string, (ctx: FixtureContext) => Promise<string>> = {
  staffId: async ({ tenant }) => tenant.staffId,
  noteId: async ({ client, marker }) => {
    const res = await client.request('POST', '/api/v1/p/acme-crm/notes', { body: `note-${marker}` });
    return res.body.id as string;
  },
  channelId: async ({ client, marker }) => {
    const res = await client.request('POST', '/api/v1/channels', { type: 'custom', name: `channel-${marker}` });
    return res.body.id as string;
  },
  customAppId: async ({ client, marker }) => {
    const channel = await client.request('POST', '/api/v1/channels', { type: 'custom', name: `apps-${marker}` });
    const res = await client.request('POST', `/api/v1/p/custom-channel/channels/${channel.body.id}/apps`, {
      platform: 'web',
      name: `web-${marker}`,
      domain: 'victim.example.com',
    });
    return res.body.id as string;
  },
  taskId: async ({ client }) => {
    const res = await client.request('POST', '/api/v1/p/acme-crm/exports', {});
    return res.body.taskId as string;
  },
  notificationId: async ({ app, client }) => {
    await client.request('POST', '/api/v1/p/acme-crm/exports', {});
    while ((await app.jobs.worker.poll()) > 0);
    const res = await client.request('GET', '/api/v1/notifications');
    return res.body.items[0].id as string;
  },
  fileId: async ({ app, client }) => {
    await client.request('POST', '/api/v1/p/acme-crm/exports', {});
    while ((await app.jobs.worker.poll()) > 0);
    const res = await client.request('GET', '/api/v1/notifications');
    return res.body.items[0].files[0].id as string;
  },
  appId: async ({ client, marker }) => {
    const res = await client.request('POST', '/api/v1/apps', { name: `app-${marker}` });
    return res.body.app.id as string;
  },
};

/** A valid payload for routes that take one, keyed by `METHOD path` (validation runs before 404). */
export const examplePayloads: Record<string, unknown> = {
  'PATCH /api/v1/apps/{appId}': { name: 'hijacked', status: 'disabled' },
  'PATCH /api/v1/channels/{channelId}': { name: 'hijacked' },
  'POST /api/v1/p/custom-channel/channels/{channelId}/apps': { platform: 'web', name: 'intruder', domain: 'evil.example.com' },
  'PATCH /api/v1/p/custom-channel/apps/{customAppId}': { status: 'disabled' },
};
