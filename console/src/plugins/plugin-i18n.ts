import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';
import type { MessageKeysOf } from '../i18n';

/**
 * The shape a plugin's en-US messages must have: exactly the zh-CN keys, strings at the leaves.
 * `const enUS: PluginMessages<typeof zhCN> = {…}` fails the typecheck on a missing or extra key.
 */
export type PluginMessages<T> = { [K in keyof T]: T[K] extends string ? string : PluginMessages<T[K]> };

/** The dotted keys of a plugin's messages, e.g. `'apps.columns.name'`. */
export type PluginMessageKeyOf<T> = MessageKeysOf<T>;

/** A plugin's `t`: keys within its own messages (typed by its zh-CN messages `M`). */
export type PluginT<M> = (key: PluginMessageKeyOf<M>, options?: Record<string, unknown>) => string;

type LooseT = (key: string, options?: Record<string, unknown>) => string;

/**
 * i18n for a plugin console entry: its messages live under `plugin.<pluginId>.` (added by the
 * console's plugin registry), `t('apps.title')` reads `plugin.<pluginId>.apps.title`.
 */
export function usePluginTranslation<M>(pluginId: string): { t: PluginT<M>; language: string } {
  const { t, i18n } = useTranslation();
  const pluginT = useCallback<PluginT<M>>(
    (key, options) => (t as unknown as LooseT)(`plugin.${pluginId}.${key}`, options),
    [t, pluginId],
  );
  return { t: pluginT, language: i18n.language };
}
