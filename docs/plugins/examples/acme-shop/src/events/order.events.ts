import { Joi, defineTopic, type EventTypeDefinition, type SystemPropertyDefinition } from '@huiliu/core/plugin-api';
import { CHANNEL_TYPE } from '../channels/acme-shop.channel.js';

export const orderId: SystemPropertyDefinition = {
  id: 's_acmeOrderId',
  name: { 'zh-CN': '订单号', 'en-US': 'Order number' },
  type: 'string',
};

export const orderAmount: SystemPropertyDefinition = {
  id: 's_acmeOrderAmount',
  name: { 'zh-CN': '订单金额', 'en-US': 'Order amount' },
  type: 'number',
};

export const couponCode: SystemPropertyDefinition = {
  id: 's_acmeCouponCode',
  name: { 'zh-CN': '优惠券码', 'en-US': 'Coupon code' },
  type: 'string',
};

export const couponTemplate: SystemPropertyDefinition = {
  id: 's_acmeCouponTemplate',
  name: { 'zh-CN': '优惠券模板', 'en-US': 'Coupon template' },
  type: 'string',
};

// Event codes start with the namespace in snake_case (acme_shop_…); `s_` properties are a shared
// vocabulary across plugins, so they get specific names (s_acme…).
export const ORDER_PAID = 'acme_shop_order_paid';
export const COUPON_SENT = 'acme_shop_coupon_sent';

/** The shop's events: what a customer did (inbound) and what a journey did to them (outbound). */
export const orderEvents: EventTypeDefinition[] = [
  {
    code: ORDER_PAID,
    name: { 'zh-CN': '支付订单', 'en-US': 'Order paid' },
    channelType: CHANNEL_TYPE,
    direction: 'inbound',
    properties: [orderId, orderAmount],
  },
  {
    code: COUPON_SENT,
    name: { 'zh-CN': '发放优惠券', 'en-US': 'Coupon sent' },
    channelType: CHANNEL_TYPE,
    direction: 'outbound',
    properties: [couponCode, couponTemplate],
  },
];

/** What the `acme-shop.orderPaid` topic carries: an order the webhook recorded. */
export interface OrderPaid {
  tenantId: string;
  channelId: string;
  /** The customer's `acmeShop.customerId`. */
  customerId: string;
  orderId: string;
  amount: number;
  /** Epoch ms. */
  paidAt: number;
  /** The messageId the order's event was recorded with. */
  messageId: string;
}

/**
 * Published on the event bus (in-process, at most once) when a webhook recorded a paid order; the
 * journey trigger listens to it. Topics start with the namespace: `acme-shop.` (or `acmeShop.`).
 */
export const orderPaidTopic = defineTopic<OrderPaid>('acme-shop.orderPaid', {
  schema: Joi.object({
    tenantId: Joi.string().required(),
    channelId: Joi.string().required(),
    customerId: Joi.string().required(),
    orderId: Joi.string().required(),
    amount: Joi.number().required(),
    paidAt: Joi.number().integer().required(),
    messageId: Joi.string().required(),
  }),
});
