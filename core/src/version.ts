import { readFileSync } from 'node:fs';

/** The version of @huiliu/core, read from its package.json. */
export const coreVersion: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
