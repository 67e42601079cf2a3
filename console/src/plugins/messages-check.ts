import type { PluginConsoleDefinition } from '@huiliu/core/console-api';

type Entry = Pick<PluginConsoleDefinition, 'pluginId' | 'messages'>;

/** Dotted leaf keys of a messages object; non-string leaves are reported as problems. */
function leafKeys(value: Record<string, unknown>, prefix: string, problems: string[]): string[] {
  return Object.entries(value).flatMap(([key, child]) => {
    const path = `${prefix}${key}`;
    if (typeof child === 'string') return [path];
    if (typeof child === 'object' && child !== null && !Array.isArray(child)) {
      return leafKeys(child as Record<string, unknown>, `${path}.`, problems);
    }
    problems.push(`"${path}" is neither a string nor an object`);
    return [];
  });
}

/**
 * What is wrong with the console entries' messages: en-US must have exactly the zh-CN keys
 * (strings at the leaves), plugin ids must be unique. Run by the console build
 * (vite.config.ts) so a plugin cannot ship a half-translated console.
 */
export function pluginMessageProblems(entries: readonly Entry[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    const own = (text: string) => problems.push(`Plugin console "${entry.pluginId}": ${text}`);
    if (seen.has(entry.pluginId)) own('declared twice');
    seen.add(entry.pluginId);
    const found: string[] = [];
    const zh = new Set(leafKeys(entry.messages['zh-CN'] ?? {}, '', found));
    const en = new Set(leafKeys(entry.messages['en-US'] ?? {}, '', found));
    for (const text of found) own(text);
    for (const key of zh) if (!en.has(key)) own(`en-US lacks "${key}"`);
    for (const key of en) if (!zh.has(key)) own(`en-US has "${key}", which zh-CN does not`);
  }
  return problems;
}
