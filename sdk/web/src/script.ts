/**
 * The script-tag build (`/sdk/huiliu.min.js`). It reads its own `src` query as the seed's snippet
 * (§2.1.3) writes it — `token` (the writeKey), `baseDomain` (Huiliu's address; default: where the
 * script came from), `appId` (a WeChat official account) — and exposes the SDK as `window.huiliu`
 * and `window.LFAPP` (the seed's name). Calls a stub queued before the script loaded
 * (`huiliu.q` / `LFAPP.q`: `[method, args]` pairs) are replayed in order.
 */
import { createHuiliu, type Huiliu, type HuiliuOptions } from './huiliu.js';

type Call = [string, unknown[]];
type Stub = { q?: Call[] } | undefined;
type Global = Window & { huiliu?: Stub; LFAPP?: Stub };

const w = window as Global;
const stubs = [w.huiliu, w.LFAPP];
const src = (document.currentScript as HTMLScriptElement | null)?.src;
const query = src ? new URL(src).searchParams : new URLSearchParams();
const pending: Call[] = [];
let instance: Huiliu | undefined;

const api = {
  /** Starts the SDK (done by itself when the script's URL has a `token`); later calls are ignored. */
  init(options: Partial<HuiliuOptions>) {
    if (instance) return api;
    const writeKey = options.writeKey || query.get('token');
    if (!writeKey) return api;
    instance = createHuiliu({
      appId: query.get('appId') || undefined,
      ...options,
      writeKey,
      serverUrl: options.serverUrl || query.get('baseDomain') || (src ? new URL(src).origin : location.origin),
    });
    api.appId = instance.appId;
    api.openId = instance.openId;
    for (const [method, args] of pending.splice(0)) call(method, args);
    return api;
  },
  appId: undefined as string | undefined,
  openId: undefined as string | undefined,
} as Record<string, unknown> & { init(options: Partial<HuiliuOptions>): unknown; appId?: string; openId?: string };

function call(method: string, args: unknown[]): unknown {
  if (method === 'init') return api.init((args[0] ?? {}) as Partial<HuiliuOptions>);
  if (!instance) return void pending.push([method, args]);
  const fn = (instance as unknown as Record<string, unknown>)[method];
  return typeof fn === 'function' ? (fn as (...a: unknown[]) => unknown)(...args) : undefined;
}

for (const method of ['identify', 'track', 'page', 'reset', 'flush', 'getAnonymousId', 'getUserId']) {
  api[method] = (...args: unknown[]) => call(method, args);
}

if (query.get('token')) api.init({});
w.huiliu = w.LFAPP = api as Stub;
for (const stub of stubs) for (const [method, args] of stub?.q ?? []) call(method, args);
