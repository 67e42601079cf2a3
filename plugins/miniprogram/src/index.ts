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
import { errorMessages, miniprogramChannel } from './channels/miniprogram.channel.js';
import { originSceneDictionary } from './dictionaries/origin-scene.js';
import { sdkEvents } from './events/sdk.events.js';
import { writeKeyTable } from './write-keys/write-key.migration.js';
import { WriteKeyRepository } from './write-keys/write-key.repo.js';
import { writeKeyRoutes } from './write-keys/write-key.routes.js';
import { WriteKeyService } from './write-keys/write-key.service.js';

export default definePlugin({
  id: 'miniprogram',
  title: { 'zh-CN': '微信小程序', 'en-US': 'WeChat mini-programs' },
  // version and requires.core from package.json (the core range is declared there only).
  ...packageManifest(import.meta.url),
  register({ registerInit }) {
    registerInit({
      deps: {
        channels: channelsExtensionPoint,
        events: eventsExtensionPoint,
        errors: errorsExtensionPoint,
        http: httpExtensionPoint,
        oltp: oltpExtensionPoint,
        database: coreServices.database,
        channelRecords: coreServices.channels,
      },
      init({ channels, events, errors, http, oltp, database, channelRecords }) {
        const writeKeys = new WriteKeyService(new WriteKeyRepository(database), channelRecords);
        errors.addErrorMessages(errorMessages);
        oltp.addMigrations([writeKeyTable]);
        channels.addChannelType(miniprogramChannel(writeKeys));
        // The collect API finds the tenant and channel of a mini-program SDK's writeKey here.
        channels.addWriteKeyResolver({ resolve: (writeKey) => writeKeys.ownerOfWriteKey(writeKey) });
        http.addRoutes(writeKeyRoutes(writeKeys));
        for (const event of sdkEvents) events.addEventType(event);
        // 原始场景值字典 (§1.10.12.1.1): every tenant's default dictionary of s_originScene.
        events.addDictionary(originSceneDictionary);
      },
    });
  },
});

export type { MiniprogramWriteKey } from './write-keys/write-key.types.js';
