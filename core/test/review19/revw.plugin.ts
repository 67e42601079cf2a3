/**
 * Review of issue 19: a small third-party connector written from docs/plugins/*.md alone (settings
 * with a secret + 测试连接, a signed raw-body webhook behind a custom auth strategy, writes through
 * `coreServices.ingest`, an event-bus topic). Its handlers record what reached them, so the attack
 * tests can tell whether the kernel let a disabled or isolated plugin's code run.
 */
import {
  channelsExtensionPoint,
  coreServices,
  definePlugin,
  defineTopic,
  errorsExtensionPoint,
  eventsExtensionPoint,
  httpExtensionPoint,
  InputError,
  Joi,
  principalOf,
  rawBodyOf,
  UnauthorizedError,
  verifyHmac,
  type PluginChannels,
  type PluginEventBus,
  type PluginIngest,
} from '@huiliu/core/plugin-api';

export const REVW_SIGNING_KEY = 'revw-signing-key-000000000001';
export const REVW_API_SECRET = 'revw-api-secret-0000000000001';

export interface RevwOrder {
  tenantId: string;
  channelId: string;
  orderId: string;
}
export const revwOrderTopic = defineTopic<RevwOrder>('revw.orderReceived', {
  schema: Joi.object({ tenantId: Joi.string().required(), channelId: Joi.string().required(), orderId: Joi.string().required() }),
});

/** What reached the plugin's code (handlers, subscribers), per plugin id. */
export const reached: { plugin: string; what: string; tenantId?: string }[] = [];
/** The services each plugin instance got in its last init. */
export const servicesOf = new Map<string, { ingest: PluginIngest; channels: PluginChannels; bus: PluginEventBus }>();

const text = (zh: string, en: string) => ({ 'zh-CN': zh, 'en-US': en });

export const revwSettings = Joi.object({
  shopUrl: Joi.string()
    .uri({ scheme: ['https'] })
    .max(200)
    .required()
    .meta({ label: text('店铺地址', 'Shop URL') }),
  apiSecret: Joi.string()
    .min(8)
    .max(128)
    .required()
    .meta({ secret: true, label: text('API 密钥', 'API secret') }),
  signingKey: Joi.string()
    .min(16)
    .max(128)
    .meta({ secret: true, label: text('签名密钥', 'Signing key') }),
  region: Joi.string().valid('cn-east', 'cn-south').default('cn-east'),
});

/**
 * The connector. `id` is a parameter so a second copy (`revw2` namespace) can play "another plugin",
 * and `start` lets a test make its start fail (isolation, ADR 0040).
 */
export function revwPlugin(id: string, options: { start?: () => void; subscribeTo?: ReturnType<typeof defineTopic<any>> } = {}) {
  const camel = id.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
  const snake = id.replace(/-/g, '_');
  return definePlugin({
    id,
    version: '0.1.0',
    requires: { core: '^0.1.0' },
    register({ registerInit }) {
      registerInit({
        deps: {
          channels: channelsExtensionPoint,
          events: eventsExtensionPoint,
          errors: errorsExtensionPoint,
          http: httpExtensionPoint,
          ingest: coreServices.ingest,
          channelService: coreServices.channels,
          bus: coreServices.eventBus,
        },
        init({ channels, events, errors, http, ingest, channelService, bus }) {
          servicesOf.set(id, { ingest, channels: channelService, bus });
          errors.addErrorMessages({
            [`${snake}_key_invalid`]: text('店铺 ID 不正确', 'The shop id is not valid'),
            [`${snake}_auth_failed`]: text('店铺拒绝了密钥', 'The shop refused the secret'),
            [`${snake}_signature_invalid`]: text('签名不正确', 'The signature is not valid'),
            [`${snake}_order_invalid`]: text('订单不正确', 'The order is not valid'),
          });
          channels.addUserIdType({ id: `${camel}.buyerId`, name: text('买家 ID', 'Buyer id'), scope: 'channelType' });
          channels.addChannelType({
            type: id,
            name: text(`评审店铺 ${id}`, `Review shop ${id}`),
            userIdTypes: [`${camel}.buyerId`],
            customEvents: false,
            manual: {
              key: { label: text('店铺 ID', 'Shop id'), pattern: /^[a-z0-9]{4,32}$/, invalidCode: `${snake}_key_invalid` },
            },
            settings: revwSettings,
            handlers: {
              async connect({ tenantId, settings }) {
                reached.push({ plugin: id, what: 'connect', tenantId });
                if (settings.shopUrl === 'https://throw.revw.example')
                  throw new Error(`shop refused ${String(settings.apiSecret)} / ${String(settings.signingKey)}`);
              },
              async test({ tenantId, settings }) {
                reached.push({ plugin: id, what: 'test', tenantId });
                return settings.apiSecret === REVW_API_SECRET ? null : { code: `${snake}_auth_failed` };
              },
              async settingsChanged({ tenantId }) {
                reached.push({ plugin: id, what: 'settingsChanged', tenantId });
              },
            },
          });
          events.addEventType({
            code: `${snake}_order_paid`,
            name: text('订单付款', 'Order paid'),
            channelType: id,
            direction: 'inbound',
            properties: [{ id: 's_orderNo', name: text('订单号', 'Order number'), type: 'string' }],
          });
          // The docs' signed webhook, but the tenant and channel come from the URL and the key from the
          // channel's settings (a newcomer has no table mapping an account to a tenant).
          http.addAuthStrategy({
            name: 'signature',
            async authenticate(request, { rawBody }) {
              const { tenantId, channelId } = request.params as { tenantId: string; channelId: string };
              const signature = String(request.headers['x-revw-signature'] ?? '');
              const refuse = () => new UnauthorizedError(`${snake}_signature_invalid`);
              let settings: Record<string, unknown>;
              try {
                await channelService.get(tenantId, channelId, id);
                settings = await channelService.settings(tenantId, channelId);
              } catch {
                throw refuse();
              }
              if (typeof settings.signingKey !== 'string') throw refuse();
              const valid = verifyHmac({
                algorithm: 'sha256',
                key: settings.signingKey,
                data: rawBody ?? Buffer.alloc(0),
                signature,
                encoding: 'hex',
              });
              if (!valid) throw refuse();
              return { tenantId, subject: channelId };
            },
          });
          http.addRoutes([
            {
              method: 'POST',
              path: '/webhooks/{tenantId}/{channelId}',
              permission: 'integration',
              auth: 'signature',
              body: 'raw',
              maxBytes: 64 * 1024,
              description: '接收订单推送 / Receive an order push',
              handler: async (request) => {
                const { tenantId } = principalOf(request);
                const channelId = (request.params as { channelId: string }).channelId;
                let order: { orderId?: unknown; buyerId?: unknown };
                try {
                  order = JSON.parse(rawBodyOf(request).toString('utf8'));
                } catch {
                  throw new InputError(`${snake}_order_invalid`);
                }
                if (typeof order?.orderId !== 'string' || typeof order.buyerId !== 'string')
                  throw new InputError(`${snake}_order_invalid`);
                const { messageId } = await ingest.track({
                  tenantId,
                  channelId,
                  userIdType: `${camel}.buyerId`,
                  userId: order.buyerId,
                  event: `${snake}_order_paid`,
                  properties: { s_orderNo: order.orderId },
                  messageId: `${id}:${order.orderId}`,
                });
                await bus.publish(defineTopic<RevwOrder>(`${camel}.orderReceived`), {
                  tenantId,
                  channelId,
                  orderId: order.orderId,
                });
                return { messageId };
              },
            },
          ]);
          if (options.subscribeTo)
            bus.subscribe(options.subscribeTo, (payload: any) => {
              reached.push({ plugin: id, what: `bus:${options.subscribeTo!.id}`, tenantId: payload?.tenantId });
            });
          return { start: options.start };
        },
      });
    },
  });
}
