import {
  channelsExtensionPoint,
  coreServices,
  definePlugin,
  errorsExtensionPoint,
  eventsExtensionPoint,
  httpExtensionPoint,
  oltpExtensionPoint,
  packageManifest,
} from '@huiliu/core/plugin-api';
import { AppsRepository } from './apps/apps.repo.js';
import { appsRoutes } from './apps/apps.routes.js';
import { AppsService } from './apps/apps.service.js';
import { customChannel, externalId } from './channels/custom.channel.js';
import { errorMessages } from './errors.js';
import { sdkEvents } from './events/sdk.events.js';
import { appsTable } from './migrations/0001-apps.migration.js';
import { appsTablePrefix } from './migrations/0002-apps-prefix.migration.js';

export default definePlugin({
  id: 'custom-channel',
  title: { 'zh-CN': '自定义渠道', 'en-US': 'Custom channel' },
  // Its names start with its channel type, `custom` (custom_… error codes), not its id (ADR 0040).
  namespace: 'custom',
  // version and requires.core from package.json (the core range is declared there only).
  ...packageManifest(import.meta.url),
  register({ registerInit }) {
    registerInit({
      deps: {
        channels: channelsExtensionPoint,
        events: eventsExtensionPoint,
        http: httpExtensionPoint,
        oltp: oltpExtensionPoint,
        errors: errorsExtensionPoint,
        database: coreServices.database,
        channelRecords: coreServices.channels,
      },
      init({ channels, events, http, oltp, errors, database, channelRecords }) {
        const repo = new AppsRepository(database);
        const apps = new AppsService(repo, channelRecords);
        errors.addErrorMessages(errorMessages);
        oltp.addMigrations([appsTable, appsTablePrefix]);
        channels.addUserIdType(externalId);
        channels.addChannelType(customChannel(repo));
        // The collect API (SDKs) finds the tenant, channel and app of a writeKey here.
        channels.addWriteKeyResolver({ resolve: (writeKey) => apps.ownerOfWriteKey(writeKey) });
        for (const event of sdkEvents) events.addEventType(event);
        http.addRoutes(appsRoutes(apps));
      },
    });
  },
});

export { AppsService } from './apps/apps.service.js';
export type { CustomApp, WriteKeyOwner } from './apps/app.types.js';
