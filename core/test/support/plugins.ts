import type { PluginDefinition } from '../../src/kernel/define-plugin.js';
import customChannel from '../../../plugins/custom-channel/src/index.js';
import jinshuju from '../../../plugins/jinshuju/src/index.js';
import miniprogram from '../../../plugins/miniprogram/src/index.js';
import wechat from '../../../plugins/wechat/src/index.js';
import acme from '../fixtures/acme-crm.plugin.js';
import lumen from '../fixtures/lumen-shop.plugin.js';

/** The first-party plugins (from source) and the fixture third-party plugins. */
export const firstPartyPlugins: PluginDefinition<any>[] = [wechat, miniprogram, customChannel, jinshuju];
export const allPlugins: PluginDefinition<any>[] = [...firstPartyPlugins, acme, lumen];
