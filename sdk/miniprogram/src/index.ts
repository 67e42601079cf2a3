import { Huiliu, type InitOptions, type Properties } from './client.js';
import type { Wx, WxLaunchOptions } from './wx.js';

export { Huiliu, SDK_VERSION, systemPresets, type InitOptions, type OpenIdResult, type Properties } from './client.js';
export type { Wx, WxLaunchOptions, WxRequestOptions, WxRequestSuccess, WxSystemInfo } from './wx.js';

/** A tracker over the given `wx` (tests, or a second tracker in one app). */
export function createHuiliu(wxApi: Wx | (() => Wx)): Huiliu {
  return new Huiliu(wxApi);
}

declare const wx: Wx | undefined;

/** The tracker over the mini-program's global `wx`, found when first used. */
export const tracker: Huiliu = new Huiliu(() => {
  if (typeof wx === 'undefined') throw new Error('huiliu: the global wx is not available');
  return wx;
});

// `const huiliu = require('@huiliu/sdk-miniprogram')`: the default tracker's methods at the top level.
export const init = (options: InitOptions): Huiliu => tracker.init(options);
export const track = (event: string, properties?: Properties): void => tracker.track(event, properties);
export const identify = (userIdOrTraits?: string | Properties, traits?: Properties): void =>
  tracker.identify(userIdOrTraits, traits);
export const flush = (): Promise<void> => tracker.flush();
export const app = <T extends Record<string, unknown>>(options?: T): T => tracker.app(options);
export const page = <T extends Record<string, unknown>>(options?: T): T => tracker.page(options);
export const appLaunched = (options?: WxLaunchOptions): void => tracker.appLaunched(options);
export const appShown = (options?: WxLaunchOptions): void => tracker.appShown(options);
export const appHidden = (): void => tracker.appHidden();
export const pageShown = (route: string, query?: Record<string, unknown>): void => tracker.pageShown(route, query);
export const ids = (): { anonymousId: string; userId?: string } => tracker.ids();
