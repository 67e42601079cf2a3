import type { PluginConsoleDefinition } from '@huiliu/core/console-api';
import customChannel from '@huiliu/plugin-custom-channel/console';
import miniprogram from '@huiliu/plugin-miniprogram/console';

/**
 * Every first-party plugin's console entry (`plugins/<name>/console/index.ts`, the package's
 * `./console` export), compiled into the console. Add one import per plugin that has a console
 * entry; third-party plugins get schema-rendered forms instead.
 */
export const pluginConsoles: readonly PluginConsoleDefinition[] = [customChannel, miniprogram];
