import type { PluginIdentifyInput, PluginTrackInput } from '@huiliu/core/plugin-api';
import { customerId } from '../channels/acme-shop.channel.js';
import { ORDER_PAID } from '../events/order.events.js';
import type { AcmeOrder } from '../shop/acme-api.js';
import type { Shop } from '../shop/shops.repo.js';

/**
 * What `coreServices.ingest` is given for a paid order, from the webhook and from the nightly
 * backfill alike (docs/plugins/ingest.md).
 *
 * The messageIds are the dedupe keys (per tenant, across every source, 7 days). They are derived
 * from the order — the plugin id, the shop, the order number — not from the delivery: a webhook the
 * shop resends, the same order read again by the backfill, and a backfill firing run twice all
 * produce the same ids, so each order is stored once whichever path saw it first. (A webhook
 * event's own id would dedupe resends too, but the backfill, which reads orders, cannot know it.)
 */
const messageId = (shop: Shop, order: AcmeOrder, what: 'customer' | 'paid') =>
  `acme-shop:${shop.handle}:order:${order.id}:${what}`;

/** Who the customer is: the contact holding this `acmeShop.customerId` in the shop's channel gets the traits. */
export function customerIdentify(shop: Shop, order: AcmeOrder): PluginIdentifyInput {
  const { id, name, mobile, email } = order.customer;
  return {
    tenantId: shop.tenantId,
    channelId: shop.channelId,
    userIdType: customerId.id,
    userId: id,
    // The Open API's trait names (mobilePhone, not mobile); absent values are left out, not cleared.
    traits: {
      ...(name !== undefined ? { name } : {}),
      ...(mobile !== undefined ? { mobilePhone: mobile } : {}),
      ...(email !== undefined ? { email } : {}),
    },
    messageId: messageId(shop, order, 'customer'),
    timestamp: order.paidAt,
  };
}

/** The paid order as an `acme_shop_order_paid` event of the customer, at the time it was paid. */
export function orderPaidTrack(shop: Shop, order: AcmeOrder): PluginTrackInput {
  return {
    tenantId: shop.tenantId,
    channelId: shop.channelId,
    userIdType: customerId.id,
    userId: order.customer.id,
    event: ORDER_PAID,
    properties: { s_acmeOrderId: order.id, s_acmeOrderAmount: order.amount },
    messageId: messageId(shop, order, 'paid'),
    timestamp: order.paidAt,
  };
}
