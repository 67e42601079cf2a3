import {
  channelsExtensionPoint,
  definePlugin,
  errorsExtensionPoint,
  eventsExtensionPoint,
  packageManifest,
} from '@huiliu/core/plugin-api';
import { errorMessages, miniprogramChannel } from './channels/miniprogram.channel.js';
import { originSceneDictionary } from './dictionaries/origin-scene.js';
import { sdkEvents } from './events/sdk.events.js';

export default definePlugin({
  id: 'miniprogram',
  title: { 'zh-CN': '微信小程序', 'en-US': 'WeChat mini-programs' },
  // version and requires.core from package.json (the core range is declared there only).
  ...packageManifest(import.meta.url),
  register({ registerInit }) {
    registerInit({
      deps: { channels: channelsExtensionPoint, events: eventsExtensionPoint, errors: errorsExtensionPoint },
      init({ channels, events, errors }) {
        errors.addErrorMessages(errorMessages);
        channels.addChannelType(miniprogramChannel);
        for (const event of sdkEvents) events.addEventType(event);
        // 原始场景值字典 (§1.10.12.1.1): every tenant's default dictionary of s_originScene.
        events.addDictionary(originSceneDictionary);
      },
    });
  },
});
