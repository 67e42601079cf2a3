import { Joi, RetryableTaskError, UpstreamError } from '@huiliu/core/plugin-api';

/**
 * The imaginary Acme Shop's API, as far as the connector uses it. Everything that comes from the
 * shop — a webhook's body or a page of orders — is validated before it is used.
 */

/** A channel's settings as its form (`shopSettings`) validates them. Secrets arrive in clear: never log them. */
export interface ShopSettings {
  shopDomain: string;
  apiKey: string;
  webhookSecret: string;
}

/** A paid order, as webhooks and the orders API carry it. */
export interface AcmeOrder {
  /** The order number, unique within the shop. */
  id: string;
  /** In yuan. */
  amount: number;
  /** ISO 8601 with an offset. */
  paidAt: string;
  customer: { id: string; name?: string; mobile?: string; email?: string };
}

/** A webhook's body. */
export interface AcmeWebhookEvent {
  /** The shop's id of this event; a retried delivery carries the same one. */
  id: string;
  type: string;
  order?: AcmeOrder;
}

const order = Joi.object<AcmeOrder>({
  id: Joi.string().max(64).required(),
  amount: Joi.number().min(0).required(),
  paidAt: Joi.string().isoDate().required(),
  customer: Joi.object({
    id: Joi.string().max(191).required(),
    name: Joi.string().max(255),
    mobile: Joi.string().max(64),
    email: Joi.string().max(255),
  })
    .unknown(true)
    .required(),
}).unknown(true);

/** `order.paid` events carry an order; other event types are acknowledged and ignored. */
export const webhookEventSchema = Joi.object<AcmeWebhookEvent>({
  id: Joi.string().max(128).required(),
  type: Joi.string().max(64).required(),
  order: order.when('type', { is: 'order.paid', then: Joi.required() }),
}).unknown(true);

const ordersPage = Joi.object<{ items: AcmeOrder[]; nextCursor: string | null }>({
  items: Joi.array().items(order).max(500).required(),
  nextCursor: Joi.string().max(512).allow(null).required(),
}).unknown(true);

/**
 * Calls the shop's API with the channel's API key. Answers with the response, whatever its status;
 * a network failure or a timeout throws.
 */
function call(settings: ShopSettings, path: string, signal: AbortSignal): Promise<Response> {
  return fetch(new URL(path, settings.shopDomain), {
    headers: { authorization: `Bearer ${settings.apiKey}`, accept: 'application/json' },
    signal,
  });
}

/** 测试连接: null when the shop accepts the API key, else why not (a code registered in errors.ts). */
export async function ping(
  settings: ShopSettings,
  signal: AbortSignal,
): Promise<{ code: string; params?: Record<string, unknown> } | null> {
  const res = await call(settings, '/api/ping', signal);
  if (res.ok) return null;
  if (res.status === 401 || res.status === 403) return { code: 'acme_shop_api_key_refused' };
  return { code: 'acme_shop_unavailable', params: { status: res.status } };
}

/**
 * The shop's orders paid in [from, to), page by page (the API's cursor), for the backfill. A failure
 * the next attempt may not have (network, 5xx) is retryable; a refused key is not.
 */
export async function* paidOrders(settings: ShopSettings, from: number, to: number): AsyncGenerator<AcmeOrder[]> {
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams({ paidFrom: String(from), paidTo: String(to), limit: '100' });
    if (cursor) query.set('cursor', cursor);
    let res: Response;
    try {
      res = await call(settings, `/api/orders?${query}`, AbortSignal.timeout(30_000));
    } catch {
      // Not the error's text: it may name the URL.
      throw new RetryableTaskError('acme_shop_unavailable', 'the shop did not answer');
    }
    if (res.status === 401 || res.status === 403) throw new UpstreamError('acme_shop_api_key_refused', false);
    if (!res.ok) throw new RetryableTaskError('acme_shop_unavailable', `the shop answered ${res.status}`);
    const { value, error } = ordersPage.validate(await res.json().catch(() => undefined));
    if (error) throw new UpstreamError('acme_shop_unavailable', false, { status: 'invalid page' });
    yield value.items;
    cursor = value.nextCursor;
  } while (cursor);
}
