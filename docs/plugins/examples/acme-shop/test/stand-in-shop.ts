import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AcmeOrder } from '../src/shop/acme-api.js';

/**
 * A local stand-in for the Acme Shop API, started by the tests: `GET /api/ping` and
 * `GET /api/orders` (paid in [paidFrom, paidTo), `pageSize` per page, an opaque cursor), both
 * answering 401 unless `Authorization: Bearer <apiKey>`. It records what it was asked.
 */
export interface StandInShop {
  /** `http://127.0.0.1:<port>`: the channel's `shopDomain`. */
  url: string;
  /** What the orders API lists; tests add to it. */
  orders: AcmeOrder[];
  /** Every request: path with query, and whether it carried the right API key. */
  requests: { path: string; authorized: boolean }[];
  close(): Promise<void>;
}

export async function startStandInShop(apiKey: string, pageSize = 2): Promise<StandInShop> {
  const shop: Omit<StandInShop, 'url' | 'close'> = { orders: [], requests: [] };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const authorized = req.headers.authorization === `Bearer ${apiKey}`;
    shop.requests.push({ path: `${url.pathname}${url.search}`, authorized });
    const answer = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (!authorized) return answer(401, { error: 'invalid_api_key' });
    if (url.pathname === '/api/ping') return answer(200, { ok: true });
    if (url.pathname === '/api/orders') {
      const from = Number(url.searchParams.get('paidFrom'));
      const to = Number(url.searchParams.get('paidTo'));
      const offset = Number(url.searchParams.get('cursor') ?? 0);
      const paid = shop.orders
        .filter((o) => Date.parse(o.paidAt) >= from && Date.parse(o.paidAt) < to)
        .sort((a, b) => Date.parse(a.paidAt) - Date.parse(b.paidAt) || a.id.localeCompare(b.id));
      const items = paid.slice(offset, offset + pageSize);
      return answer(200, { items, nextCursor: offset + pageSize < paid.length ? String(offset + pageSize) : null });
    }
    return answer(404, { error: 'not_found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    ...shop,
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * The headers Acme signs a webhook with: the shop's handle, a timestamp (ms) and the hex
 * HMAC-SHA256 of `<timestamp>.` followed by the exact body bytes, keyed with the webhook secret.
 */
export function acmeSignature(handle: string, webhookSecret: string, timestamp = Date.now()) {
  return (rawBody: Buffer): Record<string, string> => ({
    'x-acme-shop-handle': handle,
    'x-acme-shop-timestamp': String(timestamp),
    'x-acme-shop-signature': createHmac('sha256', webhookSecret).update(`${timestamp}.`).update(rawBody).digest('hex'),
  });
}
