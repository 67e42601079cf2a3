import {
  Joi,
  NotFoundError,
  principalOf,
  type PluginChannels,
  type PluginIngest,
  type PluginRoute,
} from '@huiliu/core/plugin-api';
import { CHANNEL_TYPE, customerId } from '../channels/acme-shop.channel.js';
import type { ShopsRepo } from '../shop/shops.repo.js';

const id = Joi.string().pattern(/^[1-9][0-9]{0,18}$/);

const backfillRun = Joi.object({
  dueAt: Joi.number().integer().required(),
  orders: Joi.number().integer().min(0).required(),
  updatedAt: Joi.number().integer().required(),
}).label('AcmeShopBackfillRun');

/**
 * The console's routes under `/api/v1/p/acme-shop` (staff, permission `acmeShop.view`). The tenant
 * comes from the caller only (`principalOf(request).tenantId`); another tenant's channel is a 404.
 */
export function shopRoutes(shops: ShopsRepo, channels: PluginChannels, ingest: PluginIngest): PluginRoute[] {
  return [
    {
      method: 'GET',
      path: '/backfill-runs',
      permission: 'acmeShop.view',
      description: '最近的每晚补录 / The latest nightly backfill runs, newest first',
      response: { schema: Joi.object({ items: Joi.array().items(backfillRun).required() }).label('AcmeShopBackfillRuns') },
      handler: async (request) => ({ items: await shops.backfillRuns(principalOf(request).tenantId) }),
    },
    {
      method: 'GET',
      path: '/channels/{channelId}/customers/{customerId}',
      permission: 'acmeShop.view',
      description: '按 Acme 顾客 ID 查找用户 / The contact holding an Acme customer id in this shop',
      validate: {
        params: Joi.object({ channelId: id.required(), customerId: Joi.string().max(191).required() }),
      },
      response: { schema: Joi.object({ contactId: id.required() }).label('AcmeShopCustomer') },
      handler: async (request) => {
        const { tenantId } = principalOf(request);
        // 404 channel_not_found unless it is an Acme shop of the caller's tenant.
        const channel = await channels.get(tenantId, String(request.params.channelId), CHANNEL_TYPE);
        const contactId = await ingest.contactOf({
          tenantId,
          channelId: channel.id,
          userIdType: customerId.id,
          userId: String(request.params.customerId),
        });
        if (!contactId) throw new NotFoundError('acme_shop_customer_not_found');
        return { contactId };
      },
    },
  ];
}
