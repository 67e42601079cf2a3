import type { PluginChannels, PluginIngest, PluginLogger, ScheduleDefinition } from '@huiliu/core/plugin-api';
import { customerIdentify, orderPaidTrack } from '../orders/order-messages.js';
import { paidOrders, type ShopSettings } from '../shop/acme-api.js';
import type { ShopsRepo } from '../shop/shops.repo.js';

const DAY = 86_400_000;

/**
 * Every night at 03:30 in each tenant's time zone (registered as `acme-shop:nightly-backfill`): the
 * orders paid in the 24 hours before the firing, read page by page from each of the tenant's shops,
 * so an order whose webhook was lost is recorded too. Orders are written with the same messageIds
 * as the webhook's (orders/order-messages.ts): orders the webhook recorded, and every order of a
 * firing that runs again (a firing runs at least once), are stored once.
 */
export function nightlyBackfill(
  shops: ShopsRepo,
  channels: PluginChannels,
  ingest: PluginIngest,
  logger: PluginLogger,
): ScheduleDefinition {
  return {
    key: 'nightly-backfill',
    cron: '30 3 * * *',
    description: 'Backfill the previous day of Acme Shop orders',
    async run({ tenantId, dueAt }) {
      let count = 0;
      for (const shop of await shops.ofTenant(tenantId)) {
        const settings = (await channels.settings(tenantId, shop.channelId)) as unknown as ShopSettings;
        for await (const page of paidOrders(settings, dueAt - DAY, dueAt)) {
          if (page.length === 0) continue;
          // A page (at most 100 orders) is one transaction per call: all stored, or none and the firing is retried.
          await ingest.identifyBatch(page.map((order) => customerIdentify(shop, order)));
          await ingest.trackBatch(page.map((order) => orderPaidTrack(shop, order)));
          count += page.length;
        }
      }
      await shops.saveBackfillRun(tenantId, dueAt, count);
      logger.info({ tenantId, dueAt, orders: count }, 'Acme shop backfill done');
    },
  };
}
