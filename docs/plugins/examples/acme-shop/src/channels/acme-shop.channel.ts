import {
  Joi,
  type ChannelTypeDefinition,
  type PluginChannels,
  type PluginLogger,
  type UserIdTypeDefinition,
} from '@huiliu/core/plugin-api';
import { ping, type ShopSettings } from '../shop/acme-api.js';
import type { ShopsRepo } from '../shop/shops.repo.js';

/** The channel type: the plugin's namespace (`acme-shop`, its id) or a name under it (ADR 0040). */
export const CHANNEL_TYPE = 'acme-shop';

/** A customer's id in one Acme shop: unique within that shop (channel), not across shops. */
export const customerId: UserIdTypeDefinition = {
  // <the channel type in camelCase>.<name>
  id: 'acmeShop.customerId',
  name: { 'zh-CN': 'Acme 顾客 ID', 'en-US': 'Acme customer ID' },
  scope: 'channel',
};

/**
 * The connection's settings form (docs/plugins/settings.md). The console renders it on 创建连接
 * and on the channel's page; fields marked `secret` are sealed by core and never returned by any API.
 */
export const shopSettings = Joi.object<ShopSettings>({
  shopDomain: Joi.string()
    // https in production; http is accepted for a shop stand-in on the local machine (the tests').
    .uri({ scheme: ['https', 'http'] })
    .max(200)
    .required()
    .meta({
      label: { 'zh-CN': '店铺地址', 'en-US': 'Shop address' },
      description: {
        'zh-CN': '店铺 API 的地址，如 https://flagship.acme.example',
        'en-US': 'The shop’s API address, e.g. https://flagship.acme.example',
      },
    }),
  apiKey: Joi.string()
    .max(128)
    .required()
    .meta({ secret: true, label: { 'zh-CN': 'API Key', 'en-US': 'API key' } }),
  webhookSecret: Joi.string()
    .min(16)
    .max(128)
    .required()
    .meta({
      secret: true,
      label: { 'zh-CN': 'Webhook 签名密钥', 'en-US': 'Webhook signing secret' },
      description: { 'zh-CN': 'Acme 后台 → Webhooks 中显示的签名密钥', 'en-US': 'Shown in the Acme admin under Webhooks' },
    }),
});

/**
 * One Acme shop is one channel (连接). Operators create it by hand: the shop's handle is its key,
 * the form above its settings. `connect` records which tenant the handle belongs to (webhooks name
 * the shop, not the tenant); `test` backs the 测试连接 button.
 */
export function acmeShopChannel(shops: ShopsRepo, channels: PluginChannels, logger: PluginLogger): ChannelTypeDefinition {
  return {
    type: CHANNEL_TYPE,
    name: { 'zh-CN': 'Acme 商城', 'en-US': 'Acme Shop' },
    description: {
      'zh-CN': '接收 Acme 商城的订单推送，记录顾客与支付订单事件，每晚补录前一天的订单',
      'en-US': 'Receives Acme Shop order webhooks, records customers and paid orders, backfills the previous day every night',
    },
    userIdTypes: [customerId.id],
    // A connector's events are fixed (seed §2.1.2): no custom events.
    customEvents: false,
    manual: {
      key: {
        label: { 'zh-CN': '店铺标识', 'en-US': 'Shop handle' },
        pattern: /^[a-z][a-z0-9-]{2,31}$/,
        invalidCode: 'acme_shop_key_invalid',
        help: {
          'zh-CN': 'Acme 商城后台中的店铺标识，如 flagship',
          'en-US': 'The shop handle from the Acme Shop admin, e.g. flagship',
        },
      },
    },
    settings: shopSettings,
    handlers: {
      // After an operator created the channel; `settings` are validated (secrets in clear: never log them).
      async connect({ tenantId, channelId, settings }) {
        const channel = await channels.get(tenantId, channelId, CHANNEL_TYPE);
        await shops.add({ tenantId, channelId, handle: channel.channelKey });
        logger.info({ tenantId, channelId, shopDomain: (settings as unknown as ShopSettings).shopDomain }, 'Acme shop connected');
      },
      // 测试连接, before or after creation: does the shop accept the API key? `signal` aborts after 15 s.
      test: ({ settings, signal }) => ping(settings as unknown as ShopSettings, signal),
      // The channel's row in acme_shop__shop goes with the channel (ON DELETE CASCADE): nothing to do on disconnect.
    },
  };
}
