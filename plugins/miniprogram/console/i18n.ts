import { usePluginTranslation } from '@huiliu/console/sdk';
import type { Messages } from './messages';

export const PLUGIN_ID = 'miniprogram';

/** `t` over this plugin's messages (`plugin.miniprogram.*` in the console). */
export function useT() {
  return usePluginTranslation<Messages>(PLUGIN_ID);
}
