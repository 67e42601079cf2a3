import { readFileSync } from 'node:fs';

/**
 * The `version` of the package a module belongs to, for modules one folder below the package root
 * (`src/` when run from source, `dist/` when built): `packageVersion(import.meta.url)`.
 */
export function packageVersion(moduleUrl: string | URL): string {
  return (JSON.parse(readFileSync(new URL('../package.json', moduleUrl), 'utf8')) as { version: string }).version;
}

/**
 * The `version` and the core range (`huiliu.requires.core`) a plugin declares in its package.json,
 * for `definePlugin({ id, ...packageManifest(import.meta.url), register })`: the range is written
 * once, where the loader checks it before importing the plugin.
 */
export function packageManifest(moduleUrl: string | URL): { version: string; requires: { core: string } } {
  const file = new URL('../package.json', moduleUrl);
  const pkg = JSON.parse(readFileSync(file, 'utf8')) as { version: string; huiliu?: { requires?: { core?: unknown } } };
  const core = pkg.huiliu?.requires?.core;
  if (typeof core !== 'string') throw new Error(`${file.pathname} has no huiliu.requires.core (the @huiliu/core range)`);
  return { version: pkg.version, requires: { core } };
}
