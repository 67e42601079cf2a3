import type { InjectionToken } from 'tsyringe';
import type { Logger } from 'pino';
import type { HuiliuConfig } from './config/config.js';

/** Injection tokens for values that are not classes. */
export const CONFIG: InjectionToken<HuiliuConfig> = Symbol('HuiliuConfig');
export const LOGGER: InjectionToken<Logger> = Symbol('Logger');
export const VERSION: InjectionToken<string> = Symbol('HuiliuVersion');
