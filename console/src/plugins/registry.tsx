import type { LazyComponent } from '@huiliu/core/console-api';
import { type ComponentType, lazy, type LazyExoticComponent } from 'react';
import { addPluginMessages, type PluginMessageKey } from '../i18n';
import { pluginConsoles } from './entries';
import type { ChannelSectionProps } from './types';

// Messages first: every plugin's texts are in i18next, under `plugin.<id>.`, before the first render.
for (const entry of pluginConsoles) addPluginMessages(entry.pluginId, entry.messages);

function lazyComponent<P extends object>(load: LazyComponent): LazyExoticComponent<ComponentType<P>> {
  return lazy(load as () => Promise<{ default: ComponentType<P> }>);
}

/** A page a plugin console entry adds (mounted by src/routes.tsx, never in the menu). */
export interface PluginPageRoute {
  pluginId: string;
  path: string;
  /** The page title's message key. */
  name: PluginMessageKey;
  permission?: string;
  Page: LazyExoticComponent<ComponentType>;
}

export const pluginPageRoutes: PluginPageRoute[] = pluginConsoles.flatMap((entry) =>
  (entry.routes ?? []).map((route) => ({
    pluginId: entry.pluginId,
    path: route.path,
    name: `plugin.${entry.pluginId}.${route.title}` as const,
    permission: route.permission,
    Page: lazyComponent(route.component),
  })),
);

const channelSections = new Map<string, { pluginId: string; Section: LazyExoticComponent<ComponentType<ChannelSectionProps>> }>();
for (const entry of pluginConsoles) {
  for (const [type, load] of Object.entries(entry.channelSections ?? {})) {
    const existing = channelSections.get(type);
    if (existing) {
      throw new Error(
        `Plugin consoles "${existing.pluginId}" and "${entry.pluginId}" both add a section for channel type "${type}"`,
      );
    }
    channelSections.set(type, { pluginId: entry.pluginId, Section: lazyComponent<ChannelSectionProps>(load) });
  }
}

/** The section a plugin adds to the detail page of channels of `type` (undefined: none). */
export function channelSectionOf(type: string): LazyExoticComponent<ComponentType<ChannelSectionProps>> | undefined {
  return channelSections.get(type)?.Section;
}
