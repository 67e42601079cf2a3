import {
  channelsExtensionPoint,
  definePlugin,
  errorsExtensionPoint,
  eventsExtensionPoint,
  packageVersion,
} from '@huiliu/core/plugin-api';
import { errorMessages, miniprogramChannel } from './channels/miniprogram.channel.js';
import { sdkEvents } from './events/sdk.events.js';

export default definePlugin({
  id: 'miniprogram',
  title: { 'zh-CN': '微信小程序', 'en-US': 'WeChat mini-programs' },
  version: packageVersion(import.meta.url),
  requires: { core: '^0.1.0' },
  register({ registerInit }) {
    registerInit({
      deps: { channels: channelsExtensionPoint, events: eventsExtensionPoint, errors: errorsExtensionPoint },
      init({ channels, events, errors }) {
        errors.addErrorMessages(errorMessages);
        channels.addChannelType(miniprogramChannel);
        for (const event of sdkEvents) events.addEventType(event);
      },
    });
  },
});
