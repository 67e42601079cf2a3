import { createHash } from 'node:crypto';
import { Joi, type ActionDefinition } from '@huiliu/core/plugin-api';
import { CHANNEL_TYPE } from '../channels/acme-shop.channel.js';
import { COUPON_SENT } from '../events/order.events.js';

export interface SendCouponConfig {
  template: string;
  validDays: number;
}

/**
 * Sends a coupon of one of the shop's templates. The code is derived from the idempotency key, so
 * running the same step again yields the same coupon (a real connector passes the key to Acme's
 * API as its idempotency key). The outbound event lands on the contact's timeline.
 */
export const sendCouponAction: ActionDefinition<SendCouponConfig> = {
  type: 'acmeShop.sendCoupon',
  version: 1,
  name: { 'zh-CN': '发放 Acme 优惠券', 'en-US': 'Send an Acme coupon' },
  channelType: CHANNEL_TYPE,
  config: Joi.object<SendCouponConfig>({
    template: Joi.string()
      .pattern(/^[A-Z0-9_]{2,32}$/)
      .required()
      .description('The coupon template in the Acme Shop admin'),
    validDays: Joi.number().integer().min(1).max(365).default(7),
  }),
  examples: [{ template: 'WELCOME_10', validDays: 7 }],
  async execute({ config, idempotencyKey }) {
    const couponCode = `AC-${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 10).toUpperCase()}`;
    return {
      outboundEvent: { code: COUPON_SENT, properties: { s_acmeCouponCode: couponCode, s_acmeCouponTemplate: config.template } },
      output: { couponCode, validDays: config.validDays },
    };
  },
};
