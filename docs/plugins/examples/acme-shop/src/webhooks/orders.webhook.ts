import {
  InputError,
  Joi,
  NotFoundError,
  principalOf,
  rawBodyOf,
  type PluginEventBus,
  type PluginIngest,
  type PluginRoute,
} from '@huiliu/core/plugin-api';
import { orderPaidTopic } from '../events/order.events.js';
import { customerIdentify, orderPaidTrack } from '../orders/order-messages.js';
import { webhookEventSchema } from '../shop/acme-api.js';
import type { ShopsRepo } from '../shop/shops.repo.js';

/**
 * `POST /api/v1/p/acme-shop/webhooks` — Acme's webhook. The body is taken raw (`body: 'raw'`): the
 * signature is over its exact bytes, checked by the `signature` strategy before this handler runs;
 * only then is it parsed. The order is written through `coreServices.ingest` (the same inbox,
 * dedupe, identity and quarantine as the public APIs) before the shop gets its 200: a write that
 * fails (429 `ingest_busy`, 5xx) fails the webhook, and the shop sends it again.
 */
export function ordersWebhook(shops: ShopsRepo, ingest: PluginIngest, events: PluginEventBus): PluginRoute {
  return {
    method: 'POST',
    path: '/webhooks',
    permission: 'integration',
    auth: 'signature',
    body: 'raw',
    maxBytes: 64 * 1024,
    // Counted per tenant once the signature passed (a forged request does not use up the tenant's share).
    rateLimit: { max: 600, windowSec: 60, by: 'tenant' },
    description: '接收 Acme 商城的推送（签名） / Receive a signed Acme Shop webhook',
    response: { schema: Joi.object({ received: Joi.boolean().required() }).label('AcmeShopWebhookReceipt') },
    handler: async (request) => {
      const principal = principalOf(request); // kind 'integration': the tenant the strategy found
      const shop = principal.kind === 'integration' ? await shops.get(principal.tenantId, principal.subject ?? '') : undefined;
      if (!shop) throw new NotFoundError('channel_not_found');

      let parsed: unknown;
      try {
        parsed = JSON.parse(rawBodyOf(request).toString('utf8'));
      } catch {
        throw new InputError('acme_shop_event_invalid');
      }
      const { value: event, error } = webhookEventSchema.validate(parsed);
      if (error) {
        throw new InputError(
          'acme_shop_event_invalid',
          {},
          error.details.map((d) => ({ path: d.path.join('.'), code: d.type })),
        );
      }
      // Other event types are acknowledged, so the shop does not send them again.
      if (event.type !== 'order.paid' || !event.order) return { received: true };

      const order = event.order;
      // Same user id → applied in this order: the customer's traits, then the order.
      await ingest.identify(customerIdentify(shop, order));
      const { messageId } = await ingest.track(orderPaidTrack(shop, order));
      // Tell listeners in this process (the journey trigger). A resent webhook publishes again with
      // the same messageId: a journey enters a contact once per trigger messageId.
      await events.publish(orderPaidTopic, {
        tenantId: shop.tenantId,
        channelId: shop.channelId,
        customerId: order.customer.id,
        orderId: order.id,
        amount: order.amount,
        paidAt: Date.parse(order.paidAt),
        messageId,
      });
      return { received: true };
    },
  };
}
