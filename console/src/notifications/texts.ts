import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';
import type { Task } from '../api/types';
import { errorText, firstTextKey, type MessageKey } from '../i18n';
import { formatNumber } from '../utils/format';

/** `acme-crm.exportNotes` → the plugin id `acme-crm` and the rest `exportNotes` (core kinds too: `schedule`). */
function splitKind(kind: string): [string, string] {
  const dot = kind.indexOf('.');
  return dot < 0 ? [kind, ''] : [kind.slice(0, dot), kind.slice(dot + 1)];
}

/**
 * The name of a task kind: the console's `notifications.kinds.<kind>` (a core kind), else the
 * plugin's `plugin.<pluginId>.taskKinds.<rest>` (a first-party plugin's console messages), else
 * the kind id itself.
 */
export function useTaskKindName(): (kind: string) => string {
  const { t } = useTranslation();
  return useCallback(
    (kind: string) => {
      const [pluginId, rest] = splitKind(kind);
      const key = firstTextKey([`notifications.kinds.${kind}`, ...(rest ? [`plugin.${pluginId}.taskKinds.${rest}`] : [])]);
      return key ? t(key as MessageKey) : kind;
    },
    [t],
  );
}

/**
 * A result's counts as "名称：1,234" items: `notifications.counts.<name>`, else the plugin's
 * `plugin.<pluginId>.taskCounts.<name>`, else the name.
 */
export function useCountItems(): (kind: string, counts: Record<string, number>) => { name: string; text: string }[] {
  const { t, i18n } = useTranslation();
  return useCallback(
    (kind, counts) => {
      const [pluginId] = splitKind(kind);
      return Object.entries(counts).map(([name, value]) => {
        const key = firstTextKey([`notifications.counts.${name}`, `plugin.${pluginId}.taskCounts.${name}`]);
        const label = key ? t(key as MessageKey) : name;
        return { name, text: t('notifications.countItem', { name: label, value: formatNumber(value, i18n.language) }) };
      });
    },
    [t, i18n.language],
  );
}

/**
 * Why a task failed: our text for its code when we have one (`errors.<code>`, plugins' codes
 * too), else the message the task failed with (already meaningful, e.g. an upstream's refusal),
 * else the code.
 */
export function useTaskErrorText(): (error: Pick<NonNullable<Task['error']>, 'code' | 'message'>) => string {
  const { i18n } = useTranslation();
  return useCallback(
    (error) => errorText(error.code, {}, error.message) ?? error.code,
    // The texts change with the language.
    [i18n.language],
  );
}
