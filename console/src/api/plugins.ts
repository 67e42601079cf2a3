import { api } from './client';
import type { PluginList } from './types';

export const pluginsQueryKey = ['plugins'] as const;

/** Installed plugins with their versions and contributions (super staff: `plugins.view`). */
export function listPlugins(): Promise<PluginList> {
  return api.get<PluginList>('/api/v1/plugins');
}
