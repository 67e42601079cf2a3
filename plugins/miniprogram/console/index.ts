import { definePluginConsole } from '@huiliu/core/console-api';
import { enUS, zhCN } from './messages';

/**
 * The mini-program plugin's console entry (compiled into the console, see console/src/plugins):
 * the writeKey section of a mini-program channel's detail page.
 */
export default definePluginConsole({
  pluginId: 'miniprogram',
  messages: { 'zh-CN': zhCN, 'en-US': enUS },
  channelSections: {
    miniprogram: () => import('./WriteKeySection'),
  },
});
