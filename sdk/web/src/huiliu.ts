/**
 * The Huiliu browser SDK (docs/decisions/0027-web-sdk.md, guide docs/integrators/web-sdk.md):
 * identify / track / page over the collect API (`POST /api/v1/collect/batch`, the writeKey as the
 * HTTP Basic user). Messages get a UUIDv7 messageId and wait in a bounded queue kept in
 * localStorage until the server answers 200, so a reload or a stretch offline loses nothing and a
 * resend is dropped by the server's messageId deduplication.
 */

declare const __HUILIU_VERSION__: string;

/** The SDK's version (`$sdk_version`). */
export const version: string = typeof __HUILIU_VERSION__ === 'string' ? __HUILIU_VERSION__ : '0.0.0-dev';

export interface HuiliuOptions {
  /** The web app's writeKey (连接管理 → 自定义渠道 → 应用). */
  writeKey: string;
  /** Huiliu's address, e.g. `https://cdp.example.com` (the collect API is under `/api/v1/collect`). */
  serverUrl: string;
  /** A WeChat official account's AppID (`wx…`): inside WeChat the SDK exposes `appId` and `openId`. */
  appId?: string;
  /** Reads the visitor's openid of `appId` (default: the page URL's `openid` parameter, then the remembered one). */
  getOpenId?: () => string | null | undefined;
  /** Automatic page views on load and on single-page-app route changes (default true). */
  autoPage?: boolean;
  /** Send when this many messages wait (default 20)… */
  flushAt?: number;
  /** …or this many milliseconds after the first one (default 1000). */
  flushInterval?: number;
  /** Messages kept while the server cannot be reached; the oldest are dropped beyond it (default 1000). */
  maxQueue?: number;
  /** First retry delay in ms (default 1000), doubled per failure up to `retryMax` (default 60000), with jitter. */
  retryBase?: number;
  retryMax?: number;
  /** Marks events as test data (`$debug_mode` = true). */
  debug?: boolean;
  /** The anonymous id cookie's domain (e.g. `.example.com` to share it across subdomains). */
  cookieDomain?: string;
}

/** The seed's identify profile (§2.1.3): `externalId` plus the contact's system fields. */
export interface Profile {
  externalId?: string | number;
  name?: string;
  mobilePhone?: string;
  email?: string;
  weChatInfo?: { appId?: string; openId?: string | null; unionId?: string | null };
  utm?: Partial<Record<'source' | 'medium' | 'campaign' | 'content' | 'term', string>>;
  props?: Record<string, unknown>;
  [field: string]: unknown;
}

export type Properties = Record<string, unknown>;
export type Done = (result?: unknown) => void;
type Message = Record<string, unknown> & { messageId: string };

export interface Huiliu {
  identify(profile: Profile, ok?: Done, fail?: Done): void;
  track(event: string, properties?: Properties, ok?: Done, fail?: Done): void;
  page(name?: string, properties?: Properties): void;
  /** On logout: forget the user and start a new anonymous id. */
  reset(): void;
  /** Sends what waits now; resolves when the attempt is over. */
  flush(): Promise<void>;
  getAnonymousId(): string;
  getUserId(): string | undefined;
  /** The official account's AppID and the visitor's openid (inside WeChat, when known). */
  appId?: string;
  openId?: string;
}

const PREFIX = 'hl_';
const UTM = ['source', 'medium', 'campaign', 'content', 'term'] as const;
/** The collect API's limits: 32 KB a message; batches are kept well under its 500 KB a request. */
const MESSAGE_MAX = 32_000;
const BATCH_BYTES = 450_000;
const BATCH_COUNT = 500;
/** sendBeacon bodies are limited to 64 KB in flight. */
const BEACON_BYTES = 60_000;

/* eslint-disable-next-line no-console -- the one channel to tell a developer what was dropped */
const warn = (text: string) => console.warn(`[huiliu] ${text}`);
const bytes = (text: string) => new TextEncoder().encode(text).length;
const now = () => new Date().toISOString();

/** A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, version 7, variant 10, random bits. */
export function uuidv7(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  let t = Date.now();
  for (let i = 5; i >= 0; i -= 1) {
    b[i] = t % 256;
    t = Math.floor(t / 256);
  }
  b[6] = (b[6]! & 0x0f) | 0x70;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => (x + 256).toString(16).slice(1)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Web Storage that never throws (private modes, disabled storage, quota). */
function store(kind: 'localStorage' | 'sessionStorage') {
  return {
    get(key: string): string | null {
      try {
        return window[kind].getItem(key);
      } catch {
        return null;
      }
    },
    set(key: string, value: string | null | undefined): boolean {
      try {
        if (value == null) window[kind].removeItem(key);
        else window[kind].setItem(key, value);
        return true;
      } catch {
        return false;
      }
    },
  };
}
const local = store('localStorage');
const session = store('sessionStorage');

function cookie(name: string): string | undefined {
  const found = new RegExp(`(?:^|; )${name}=([^;]*)`).exec(document.cookie);
  return found ? decodeURIComponent(found[1]!) : undefined;
}

const LOCATION_CHANGE = 'huiliu:locationchange';
/** history.pushState / replaceState announce themselves (once per page, whatever the instances). */
function watchHistory(): void {
  const h = history as History & { __huiliu?: boolean };
  if (h.__huiliu) return;
  h.__huiliu = true;
  for (const key of ['pushState', 'replaceState'] as const) {
    const original = h[key];
    h[key] = function (this: History, ...args: Parameters<History['pushState']>) {
      const result = original.apply(this, args);
      dispatchEvent(new Event(LOCATION_CHANGE));
      return result;
    };
  }
}

/** Starts the SDK: persisted messages are sent again, the first page view is recorded. */
export function createHuiliu(options: HuiliuOptions): Huiliu {
  const {
    writeKey,
    flushAt = 20,
    flushInterval = 1000,
    maxQueue = 1000,
    retryBase = 1000,
    retryMax = 60_000,
    debug,
    cookieDomain,
  } = options;
  const endpoint = `${options.serverUrl.replace(/\/+$/, '')}/api/v1/collect/batch`;
  const queueKey = `${PREFIX}q_${writeKey}`;
  const callbacks: Record<string, [Done | undefined, Done | undefined]> = {};
  let memory: Message[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let sending = false;
  let attempt = 0;
  let lastUrl = '';

  // ---- identity ----
  const saveAnonymousId = (id: string) => {
    const secure = location.protocol === 'https:' ? '; Secure' : '';
    const domain = cookieDomain ? `; domain=${cookieDomain}` : '';
    document.cookie = `${PREFIX}aid=${encodeURIComponent(id)}; path=/; max-age=63072000; SameSite=Lax${domain}${secure}`;
    local.set(`${PREFIX}aid`, id);
    return id;
  };
  let anonymousId = saveAnonymousId(cookie(`${PREFIX}aid`) || local.get(`${PREFIX}aid`) || uuidv7());
  let userId = local.get(`${PREFIX}uid`) || undefined;

  // ---- the persisted queue (read and written whole, so tabs of one site share it) ----
  const read = (): Message[] => {
    const raw = local.get(queueKey);
    if (raw === null) return memory;
    try {
      return JSON.parse(raw) as Message[];
    } catch {
      return [];
    }
  };
  const write = (queue: Message[]) => {
    memory = queue;
    local.set(queueKey, queue.length ? JSON.stringify(queue) : null);
  };

  const settle = (ids: string[], ok: boolean, result: unknown) => {
    for (const id of ids) {
      const done = callbacks[id];
      delete callbacks[id];
      done?.[ok ? 0 : 1]?.(result);
    }
  };

  const schedule = (ms: number) => {
    if (timer) return;
    timer = setTimeout(() => {
      // Fired: a send that finds another in flight leaves the next step to that one.
      timer = undefined;
      void send(true);
    }, ms);
  };

  /** Posts the oldest waiting messages; retries network errors, 429 and 5xx; drops other refusals. */
  async function send(fromTimer = false): Promise<void> {
    if (sending || (attempt && !fromTimer)) return;
    clearTimeout(timer);
    timer = undefined;
    const batch: Message[] = [];
    let size = 0;
    for (const message of read()) {
      const length = bytes(JSON.stringify(message));
      if (batch.length && (size + length > BATCH_BYTES || batch.length >= BATCH_COUNT)) break;
      batch.push(message);
      size += length;
    }
    if (!batch.length) return;
    sending = true;
    let status = 0;
    let retryAfter: string | null = null;
    let body: unknown;
    try {
      const res = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Basic ${btoa(`${writeKey}:`)}` },
        body: JSON.stringify({ batch, sentAt: now() }),
        credentials: 'omit',
      });
      status = res.status;
      retryAfter = res.headers.get('retry-after');
      body = await res.json().catch(() => undefined);
    } catch {
      // offline, DNS, CORS, connection refused: retried
    }
    sending = false;
    const ids = batch.map((m) => m.messageId);
    if (status && status < 500 && status !== 429) {
      // Answered: 2xx is durable; any other refusal would be refused again, so it is dropped.
      attempt = 0;
      write(read().filter((m) => !ids.includes(m.messageId)));
      const ok = status < 300;
      if (!ok) warn(`${ids.length} message(s) refused (${status}): ${JSON.stringify(body)}`);
      settle(ids, ok, body);
      if (read().length) schedule(0);
      return;
    }
    attempt += 1;
    const ceiling = Math.min(retryMax, retryBase * 2 ** (attempt - 1));
    const delay = ceiling / 2 + (Math.random() * ceiling) / 2;
    const after = Number(retryAfter) * 1000;
    schedule(after > delay ? Math.min(after, retryMax) : delay);
  }

  /** Page hidden or unloading: hand what waits to sendBeacon. It stays queued (no answer comes back); a later send is deduplicated. */
  const beacon = () => {
    if (navigator.onLine === false || !navigator.sendBeacon) return;
    const batch: Message[] = [];
    let size = 0;
    for (const message of read()) {
      size += bytes(JSON.stringify(message));
      if (size > BEACON_BYTES) break;
      batch.push(message);
    }
    if (batch.length) navigator.sendBeacon(endpoint, JSON.stringify({ writeKey, batch, sentAt: now() }));
  };

  const enqueue = (partial: Record<string, unknown>, ok?: Done, fail?: Done, soon?: boolean) => {
    const message: Message = {
      ...partial,
      messageId: uuidv7(),
      anonymousId,
      ...(userId ? { userId } : {}),
      timestamp: now(),
      context: {
        library: { name: 'huiliu-web', version },
        page: { url: location.href, path: location.pathname, title: document.title, referrer: document.referrer },
        locale: navigator.language,
      },
    };
    if (bytes(JSON.stringify(message)) > MESSAGE_MAX) {
      warn(`message over ${MESSAGE_MAX} bytes not sent`);
      fail?.(new Error('message_too_large'));
      return;
    }
    const queue = read().concat(message);
    if (queue.length > maxQueue)
      settle(
        queue.splice(0, queue.length - maxQueue).map((m) => m.messageId),
        false,
        'dropped',
      );
    write(queue);
    if (ok || fail) callbacks[message.messageId] = [ok, fail];
    if (soon || queue.length >= flushAt) void send();
    else schedule(flushInterval);
  };

  // ---- UTM: the landing URL's, kept for the session ----
  const captureUtm = () => {
    const query = new URLSearchParams(location.search);
    const found: Record<string, string> = {};
    for (const key of UTM) {
      const value = query.get(`utm_${key}`);
      if (value) found[key] = value;
    }
    if (Object.keys(found).length) session.set(`${PREFIX}utm`, JSON.stringify(found));
  };
  const utm = (): Record<string, string> => {
    try {
      return (JSON.parse(session.get(`${PREFIX}utm`) || '{}') as Record<string, string>) || {};
    } catch {
      return {};
    }
  };

  const api: Huiliu = {
    identify(profile, ok, fail) {
      const traits: Profile = { ...profile };
      if (!['name', 'mobilePhone', 'email'].some((key) => traits[key] != null && traits[key] !== '')) {
        const message = 'identify needs at least one of name, mobilePhone or email';
        warn(message);
        fail?.(new Error(message));
        return;
      }
      const { externalId } = traits;
      delete traits.externalId;
      if (externalId != null && externalId !== '') {
        userId = String(externalId);
        local.set(`${PREFIX}uid`, userId);
      }
      // weChatInfo without an openid (outside WeChat, or not authorised yet) would be refused: left out.
      const info = traits.weChatInfo;
      if (info && !(info.appId && (info.openId || info.unionId))) delete traits.weChatInfo;
      const landing = utm();
      if (!traits.utm && Object.keys(landing).length) traits.utm = landing;
      enqueue({ type: 'identify', traits }, ok, fail, true);
    },
    track(event, properties, ok, fail) {
      if (typeof event !== 'string' || !event) {
        warn('track needs an event code');
        fail?.(new Error('event_missing'));
        return;
      }
      const presets: Properties = { $sdk_type: 'js', $sdk_version: version };
      for (const [key, value] of Object.entries(utm())) presets[`$utm_${key}`] = value;
      if (debug) presets.$debug_mode = true;
      enqueue({ type: 'track', event, properties: { ...presets, ...properties } }, ok, fail);
    },
    page(name, properties) {
      captureUtm();
      const url = location.href;
      api.track('$pageview', {
        s_url: url,
        s_urlPath: location.pathname,
        s_title: document.title,
        s_referrer: lastUrl || document.referrer,
        ...(name ? { s_pageName: name } : {}),
        ...properties,
      });
      lastUrl = url;
    },
    reset() {
      userId = undefined;
      local.set(`${PREFIX}uid`, null);
      anonymousId = saveAnonymousId(uuidv7());
    },
    flush: () => send(),
    getAnonymousId: () => anonymousId,
    getUserId: () => userId,
  };

  // ---- WeChat: the official account and the visitor's openid ----
  if (options.appId) {
    api.appId = options.appId;
    if (/MicroMessenger/i.test(navigator.userAgent)) {
      const key = `${PREFIX}oid_${options.appId}`;
      const openId = options.getOpenId?.() || new URLSearchParams(location.search).get('openid') || local.get(key);
      if (openId) {
        local.set(key, openId);
        api.openId = openId;
      }
    }
  }

  captureUtm();
  addEventListener('online', () => {
    attempt = 0;
    void send();
  });
  addEventListener('pagehide', beacon);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') beacon();
  });
  if (options.autoPage !== false) {
    // After the route change's own code ran (SPAs set the title right after pushState).
    const changed = () =>
      setTimeout(() => {
        if (location.href !== lastUrl) api.page();
      }, 0);
    watchHistory();
    addEventListener(LOCATION_CHANGE, changed);
    addEventListener('popstate', changed);
    addEventListener('hashchange', changed);
    api.page();
  }
  if (read().length) void send();
  return api;
}
