import { readFileSync } from 'node:fs';

/**
 * The `version` of the package a module belongs to, for modules one folder below the package root
 * (`src/` when run from source, `dist/` when built): `packageVersion(import.meta.url)`.
 */
export function packageVersion(moduleUrl: string | URL): string {
  return (JSON.parse(readFileSync(new URL('../package.json', moduleUrl), 'utf8')) as { version: string }).version;
}
