// The ESM entry (`import { createHuiliu } from '@huiliu/sdk-web'`).
export { createHuiliu, uuidv7, version } from './huiliu.js';
export type { Done, Huiliu, HuiliuOptions, Profile, Properties } from './huiliu.js';
