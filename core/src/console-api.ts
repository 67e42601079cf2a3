/**
 * @huiliu/core/console-api — what a first-party plugin's console entry is made of. No runtime
 * dependencies: the console bundle imports it. The console compiles every first-party plugin's
 * `console/` entry at build time (third-party plugins get schema-rendered forms instead).
 */

/** A lazily loaded React component (the default export of a module). */
export type LazyComponent = () => Promise<{ default: unknown }>;

export interface PluginConsoleRoute {
  /** Absolute console path, e.g. `/connections/custom/:channelId/apps/:customAppId`. */
  path: string;
  /** i18n key (within the plugin's messages) of the page title. */
  title: string;
  /** A permission the page needs (hidden and guarded without it). */
  permission?: string;
  component: LazyComponent;
}

export interface PluginConsoleDefinition {
  /** The plugin id; its messages live under the i18n namespace `plugin.<id>`. */
  pluginId: string;
  /** zh-CN first; en-US must have the same keys (checked by the console build). */
  messages: { 'zh-CN': Record<string, unknown>; 'en-US': Record<string, unknown> };
  routes?: PluginConsoleRoute[];
  /**
   * The section of a channel's detail page (连接管理 → a channel) for each channel type the plugin
   * owns; it receives `{ channel }` as props.
   */
  channelSections?: Record<string, LazyComponent>;
}

/** Declares a first-party plugin's console entry (its `console/index.ts` default export). */
export function definePluginConsole(definition: PluginConsoleDefinition): PluginConsoleDefinition {
  return definition;
}
