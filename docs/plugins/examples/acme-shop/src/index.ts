import {
  channelsExtensionPoint,
  coreServices,
  definePlugin,
  errorsExtensionPoint,
  eventsExtensionPoint,
  httpExtensionPoint,
  journeysExtensionPoint,
  oltpExtensionPoint,
  packageManifest,
  permissionsExtensionPoint,
  reportsExtensionPoint,
  schedulerExtensionPoint,
} from '@huiliu/core/plugin-api';
import { sendCouponAction } from './actions/send-coupon.action.js';
import { acmeShopChannel, customerId } from './channels/acme-shop.channel.js';
import { errorMessages } from './errors.js';
import { orderEvents } from './events/order.events.js';
import { nightlyBackfill } from './jobs/nightly-backfill.schedule.js';
import { shopsTables } from './migrations/0001-shops.migration.js';
import { paidOrdersByDay } from './reports/paid-orders.report.js';
import { shopRoutes } from './routes/shop.routes.js';
import { ShopsRepo } from './shop/shops.repo.js';
import { orderPaidTrigger } from './triggers/order-paid.trigger.js';
import { ordersWebhook } from './webhooks/orders.webhook.js';
import { signatureStrategy } from './webhooks/signature.strategy.js';

/**
 * Acme Shop: an example connector built outside the Huiliu repository against
 * `@huiliu/core/plugin-api` only (docs/plugins/skeleton.md). `init` only registers; the work
 * happens in the handlers, routes and schedule it registers.
 *
 * Its namespace is its id, `acme-shop` (ADR 0040): channel type `acme-shop`, user-ID type
 * `acmeShop.customerId`, permissions `acmeShop.*`, event and error codes `acme_shop_…`, topics
 * `acme-shop.…`, tables `acme_shop__…`, routes under `/api/v1/p/acme-shop`.
 */
export default definePlugin({
  id: 'acme-shop',
  title: { 'zh-CN': 'Acme 商城', 'en-US': 'Acme Shop' },
  // version and requires.core come from package.json (the core range is declared there only).
  ...packageManifest(import.meta.url),
  register({ registerInit }) {
    registerInit({
      deps: {
        channels: channelsExtensionPoint,
        events: eventsExtensionPoint,
        journeys: journeysExtensionPoint,
        reports: reportsExtensionPoint,
        http: httpExtensionPoint,
        scheduler: schedulerExtensionPoint,
        oltp: oltpExtensionPoint,
        permissions: permissionsExtensionPoint,
        errors: errorsExtensionPoint,
        database: coreServices.database,
        channelRecords: coreServices.channels,
        ingest: coreServices.ingest,
        eventBus: coreServices.eventBus,
        tenantPlugins: coreServices.tenantPlugins,
      },
      init({
        channels,
        events,
        journeys,
        reports,
        http,
        scheduler,
        oltp,
        permissions,
        errors,
        database,
        channelRecords,
        ingest,
        eventBus,
        tenantPlugins,
        logger,
      }) {
        const shops = new ShopsRepo(database);
        errors.addErrorMessages(errorMessages);
        permissions.addPermissions([{ id: 'acmeShop.view' }]);
        oltp.addMigrations([shopsTables]);
        channels.addUserIdType(customerId);
        channels.addChannelType(acmeShopChannel(shops, channelRecords, logger));
        for (const event of orderEvents) events.addEventType(event);
        journeys.addTrigger(orderPaidTrigger(eventBus, ingest));
        journeys.addAction(sendCouponAction);
        reports.addReportModel(paidOrdersByDay);
        scheduler.addSchedule(nightlyBackfill(shops, channelRecords, ingest, logger));
        http.addAuthStrategy(signatureStrategy(shops, channelRecords, tenantPlugins));
        http.addRoutes([ordersWebhook(shops, ingest, eventBus), ...shopRoutes(shops, channelRecords, ingest)]);
      },
    });
  },
});
