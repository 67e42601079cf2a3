import { packageVersion } from './lib/package-version.js';

/** The version of @huiliu/core, read from its package.json. */
export const coreVersion: string = packageVersion(import.meta.url);
