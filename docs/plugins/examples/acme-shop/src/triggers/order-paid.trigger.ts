import { Joi, batchLoadedTopic, type PluginEventBus, type PluginIngest, type TriggerDefinition } from '@huiliu/core/plugin-api';
import { CHANNEL_TYPE, customerId } from '../channels/acme-shop.channel.js';
import { orderPaidTopic, type OrderPaid } from '../events/order.events.js';

export interface OrderPaidConfig {
  minAmount: number;
}

/**
 * A journey starts for a contact whose order is paid (at least `minAmount`). While a journey is
 * active the trigger listens to the webhook's `acme-shop.orderPaid` topic of its tenant.
 *
 * The journey needs the contact, and the write path is asynchronous: a first-time customer has no
 * contact until the ingest worker applied the webhook's messages. Such an order waits here until a
 * loaded batch of the tenant (`core.batchLoaded`) makes the customer known. Both topics are
 * in-process and at most once — the journey engine will make activation durable; this is the
 * trigger's part of it.
 */
export function orderPaidTrigger(events: PluginEventBus, ingest: PluginIngest): TriggerDefinition<OrderPaidConfig> {
  return {
    type: 'acmeShop.orderPaid',
    version: 1,
    name: { 'zh-CN': 'Acme 订单支付', 'en-US': 'Acme order paid' },
    channelType: CHANNEL_TYPE,
    config: Joi.object<OrderPaidConfig>({
      minAmount: Joi.number().min(0).default(0).description('Only orders of at least this amount'),
    }),
    examples: [{ minAmount: 0 }, { minAmount: 100 }],
    activate({ tenantId, config, emit }) {
      /** Orders whose customer is not a contact yet, by messageId. */
      const waiting = new Map<string, OrderPaid>();
      const enter = async (order: OrderPaid) => {
        const contactId = await ingest.contactOf({
          tenantId,
          channelId: order.channelId,
          userIdType: customerId.id,
          userId: order.customerId,
        });
        if (!contactId) {
          waiting.set(order.messageId, order);
          return;
        }
        waiting.delete(order.messageId);
        await emit({
          contactId,
          messageId: order.messageId,
          occurredAt: order.paidAt,
          data: { orderId: order.orderId, amount: order.amount },
        });
      };
      const stopOrders = events.subscribe(orderPaidTopic, async (order) => {
        if (order.tenantId === tenantId && order.amount >= config.minAmount) await enter(order);
      });
      const stopBatches = events.subscribe(batchLoadedTopic, async (batch) => {
        if (batch.tenantId !== tenantId) return;
        for (const order of [...waiting.values()]) await enter(order);
      });
      return () => {
        stopOrders();
        stopBatches();
      };
    },
  };
}
