import { definePluginConsole } from '@huiliu/core/console-api';
import { enUS, zhCN } from './messages';

/**
 * The custom channel's console entry (compiled into the console, see console/src/plugins): the
 * apps section of a custom channel's detail page, and the page of one app.
 */
export default definePluginConsole({
  pluginId: 'custom-channel',
  messages: { 'zh-CN': zhCN, 'en-US': enUS },
  channelSections: {
    custom: () => import('./ChannelApps'),
  },
  routes: [
    {
      path: '/connections/:channelId/apps/:customAppId',
      title: 'appPage.title',
      permission: 'connections.edit',
      component: () => import('./AppPage'),
    },
  ],
});
