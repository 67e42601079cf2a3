import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import { contactsServiceRef } from '../../../core/src/modules/contacts/contacts.service.js';
import { ANONYMOUS_ID, EXTERNAL_ID } from '../../../core/src/modules/contacts/contacts.types.js';
import { ingestTenant } from '../../../core/test/ingestion/support.js';
import type { TestApp } from '../../../core/test/support/test-app.js';

/** The address of a started test app (real port). */
export const baseOf = (app: TestApp) => `http://127.0.0.1:${app.server.info.port}`;

/**
 * A tenant ready for the SDK: custom channel 官网 (its ChannelID `channelKey`, event `purchase`
 * declared with amount/sku), its web app's writeKey, and a private app's key and secret.
 */
export async function sdkTenant(app: TestApp) {
  const t = await ingestTenant(app);
  const created = await t.staff.request('POST', '/api/v1/apps', { name: 'SDK' });
  expect(created.statusCode).toBe(201);
  const { app: apiApp, appSecret } = created.body as { app: { id: string; appKey: string }; appSecret: string };
  const contacts = app.service(contactsServiceRef);
  return {
    ...t,
    appKey: apiApp.appKey,
    appSecret,
    apiAppId: String(apiApp.id),
    writeKey: String(t.web.writeKey),
    /** The contact of an externalId (userId) of the channel, from OLTP. */
    contactOfUser: (userId: string) => contacts.contactOfAccount(t.tenantId, t.channelId, EXTERNAL_ID, userId),
    contactOfCookie: (anonymousId: string) => contacts.contactOfAccount(t.tenantId, t.channelId, ANONYMOUS_ID, anonymousId),
    /** The tenant's loaded events with this messageId (OLAP). */
    eventsWithId: (messageId: string) => t.events('message_id = ?', [messageId]),
    /** Ends every live token of the tenant's apps, as their expiry would. */
    expireTokens: () =>
      app.oltp
        .forTenant(t.tenantId)
        .from('api_token')
        .update({ expires_at: Date.now() - 1 }),
    tokenRows: async () => (await app.oltp.forTenant(t.tenantId).from('api_token').select('id')).length,
  };
}

export interface Seen {
  method: string;
  path: string;
  body: string;
  /** What the client got: the upstream's status, or the proxy's own answer. */
  status: number;
}

/** What the proxy does with the next request of a path: answer itself, or forward and then lie. */
export type Fault =
  | { status: number; body?: unknown; headers?: Record<string, string> }
  | { forwardThen: number; headers?: Record<string, string> };

/**
 * A proxy on a real port in front of the app: forwards every request, records it, and for a path
 * with queued faults answers those first — a 503 or 429 it makes up (nothing reaches the app), or
 * `forwardThen`: the app takes the request and the client is told it failed (a lost answer).
 */
export async function faultyProxy(upstream: string) {
  const seen: Seen[] = [];
  const faults = new Map<string, Fault[]>();
  const readBody = (request: IncomingMessage) =>
    new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => resolve(Buffer.concat(chunks)));
      request.on('error', reject);
    });
  const server: Server = createServer((request, response) => {
    void (async () => {
      const body = await readBody(request);
      const url = request.url ?? '/';
      const path = url.split('?')[0]!;
      const fault = faults.get(path)?.shift();
      const record = (status: number) =>
        seen.push({ method: request.method ?? 'GET', path, body: body.toString('utf8'), status });
      if (fault && 'status' in fault) {
        record(fault.status);
        response.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
        response.end(
          JSON.stringify(fault.body ?? { statusCode: fault.status, code: 'proxy_fault', message: 'made up', requestId: 'proxy' }),
        );
        return;
      }
      const headers: Record<string, string> = {};
      for (const [key, value] of Object.entries(request.headers))
        if (typeof value === 'string' && !['host', 'connection', 'content-length'].includes(key)) headers[key] = value;
      const answer = await fetch(`${upstream}${url}`, {
        method: request.method,
        headers,
        body: ['GET', 'HEAD'].includes(request.method ?? 'GET') ? undefined : new Uint8Array(body),
      });
      const text = await answer.text();
      if (fault) {
        record(fault.forwardThen);
        response.writeHead(fault.forwardThen, { 'content-type': 'application/json', ...fault.headers });
        response.end(
          JSON.stringify({ statusCode: fault.forwardThen, code: 'proxy_fault', message: 'answer lost', requestId: 'proxy' }),
        );
        return;
      }
      record(answer.status);
      const contentType = answer.headers.get('content-type');
      response.writeHead(answer.status, contentType ? { 'content-type': contentType } : {});
      response.end(text);
    })().catch((error: unknown) => {
      response.writeHead(599);
      response.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    /** Requests of a path seen so far. */
    to: (path: string) => seen.filter((s) => s.path === path),
    fail(path: string, ...list: Fault[]) {
      faults.set(path, [...(faults.get(path) ?? []), ...list]);
    },
    reset() {
      seen.length = 0;
      faults.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type Proxy = Awaited<ReturnType<typeof faultyProxy>>;
