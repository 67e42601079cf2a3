import { channelsExtensionPoint, definePlugin, errorsExtensionPoint, eventsExtensionPoint } from '@huiliu/core/plugin-api';
import { errorMessages, miniprogramChannel } from './channels/miniprogram.channel.js';
import { sdkEvents } from './events/sdk.events.js';
import { pluginVersion } from './version.js';

export default definePlugin({
  id: 'miniprogram',
  version: pluginVersion,
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
