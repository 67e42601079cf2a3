/** A plugin that cannot be registered: the message names the plugin and what is wrong. */
export class PluginError extends Error {
  constructor(
    readonly pluginId: string,
    message: string,
  ) {
    super(`Plugin "${pluginId}": ${message}`);
    this.name = 'PluginError';
  }
}
