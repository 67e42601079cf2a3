import { channelsExtensionPoint, definePlugin, eventsExtensionPoint, packageManifest } from '@huiliu/core/plugin-api';
import { jinshujuChannel } from './channels/jinshuju.channel.js';
import { formEvents } from './events/form.events.js';

export default definePlugin({
  id: 'jinshuju',
  title: { 'zh-CN': '金数据', 'en-US': 'Jinshuju forms' },
  // version and requires.core from package.json (the core range is declared there only).
  ...packageManifest(import.meta.url),
  register({ registerInit }) {
    registerInit({
      deps: { channels: channelsExtensionPoint, events: eventsExtensionPoint },
      init({ channels, events }) {
        channels.addChannelType(jinshujuChannel);
        for (const event of formEvents) events.addEventType(event);
      },
    });
  },
});
