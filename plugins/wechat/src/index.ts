import {
  channelsExtensionPoint,
  definePlugin,
  eventsExtensionPoint,
  packageManifest,
  permissionsExtensionPoint,
} from '@huiliu/core/plugin-api';
import { openId, unionId, wechatChannel } from './channels/wechat.channel.js';
import { followEvents } from './events/follow.events.js';
import { massSendEvents } from './events/mass-send.events.js';
import { menuConversationEvents } from './events/menu-conversation.events.js';
import { menuEvents } from './events/menu.events.js';
import { messageEvents } from './events/message.events.js';
import { notificationEvents } from './events/notification.events.js';
import { qrCodeEvents } from './events/qr-code.events.js';
import { templateEvents } from './events/template.events.js';

export default definePlugin({
  id: 'wechat',
  title: { 'zh-CN': '微信公众号', 'en-US': 'WeChat official accounts' },
  // version and requires.core from package.json (the core range is declared there only).
  ...packageManifest(import.meta.url),
  register({ registerInit }) {
    registerInit({
      deps: { channels: channelsExtensionPoint, events: eventsExtensionPoint, permissions: permissionsExtensionPoint },
      init({ channels, events, permissions }) {
        // 微信营销's rows of the permission matrix: configurable once the tenant connects an official account.
        permissions.addFeature({ id: 'wechat', channelType: 'wechat' });
        channels.addUserIdType(openId);
        channels.addUserIdType(unionId);
        channels.addChannelType(wechatChannel);
        for (const event of [
          ...followEvents,
          ...qrCodeEvents,
          ...menuEvents,
          ...messageEvents,
          ...templateEvents,
          ...notificationEvents,
          ...massSendEvents,
          ...menuConversationEvents,
        ]) {
          events.addEventType(event);
        }
      },
    });
  },
});
