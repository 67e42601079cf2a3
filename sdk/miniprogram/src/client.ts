import { base64, queryString, uuidv7 } from './util.js';
import type { Wx, WxLaunchOptions, WxRequestSuccess, WxSystemInfo } from './wx.js';

export const SDK_VERSION = '0.1.0';

/** What `getOpenId` may resolve to: the openid, or WeChat's code2session answer (unionid wins). */
export type OpenIdResult = string | { openid?: string; unionid?: string } | null | undefined;

export interface InitOptions {
  /** The mini-program channel's writeKey (连接管理 → the channel → SDK 接入). */
  writeKey: string;
  /** The Huiliu address, e.g. `https://cdp.example.com` (its domain must be a request 合法域名). */
  serverUrl: string;
  /**
   * Resolves the user's openid (or `{ openid, unionid }`), usually through `wx.login` and your
   * server's code2session. Until it resolves, events carry only the anonymous id.
   */
  getOpenId?: () => Promise<OpenIdResult> | OpenIdResult;
  autoTrack?: { launch?: boolean; show?: boolean; hide?: boolean; pageView?: boolean };
  /** Send when this many messages are waiting (default 20). */
  flushAt?: number;
  /** …or this many milliseconds after the first one was queued (default 5000). */
  flushInterval?: number;
  /** Messages kept in storage while they cannot be sent; the oldest go first (default 500). */
  maxQueueSize?: number;
  /** Messages per request (default 100; the server takes at most 2000). */
  batchSize?: number;
  /** Retry back-off: the first wait and the longest one, in ms (default 1000 and 60000). */
  retry?: { baseMs?: number; maxMs?: number };
  /** Marks every event as test data ($debug_mode). */
  debugMode?: boolean;
}

export type Properties = Record<string, unknown>;

interface Message {
  type: 'track' | 'identify';
  messageId: string;
  anonymousId: string;
  userId?: string;
  event?: string;
  properties?: Properties;
  traits?: Properties;
  timestamp: string;
  context: Record<string, unknown>;
}

const KEYS = {
  anonymousId: 'huiliu_anonymous_id',
  userId: 'huiliu_user_id',
  queue: 'huiliu_queue',
  launched: 'huiliu_launched',
};
/** The collect API's limits: 32 KB per message, 500 KB per request (docs/integrators/collect-and-track.md). */
const MESSAGE_BYTES = 32 * 1024;
const REQUEST_BYTES = 450 * 1024;
const UTM = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_content', 'utm_term'];

/** Why a batch was not delivered: retried (network, 5xx, 429) or dropped (any other answer). */
type SendOutcome = 'sent' | 'retry' | 'drop';

/**
 * One mini-program's tracker. `createHuiliu(wx)` makes one; the package's default export is one
 * over the global `wx`. Nothing is sent before `init`.
 */
export class Huiliu {
  private options: Required<Omit<InitOptions, 'getOpenId' | 'autoTrack' | 'retry' | 'debugMode'>> & {
    getOpenId?: InitOptions['getOpenId'];
    autoTrack: { launch: boolean; show: boolean; hide: boolean; pageView: boolean };
    retry: { baseMs: number; maxMs: number };
    debugMode: boolean;
  } = null as never;
  private queue: Message[] = [];
  private anonymousId = '';
  private userId: string | undefined;
  private presets: Properties = {};
  private networkType: string | undefined;
  private utm: Properties = {};
  private scene: string | undefined;
  private shownAt: number | undefined;
  private currentPage: string | undefined;
  private previousPage: string | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private inflight: Promise<void> | undefined;
  private failures = 0;
  private openIdPending: Promise<void> | undefined;
  /** Settles when WeChat first told the network type (or after a second): sends wait for it. */
  private networkKnown: Promise<void> = Promise.resolve();

  private readonly wxOf: () => Wx;

  /** `wx`, or a function giving it when used (the global `wx` may not exist yet when this loads). */
  constructor(wxApi: Wx | (() => Wx)) {
    this.wxOf = typeof wxApi === 'function' ? wxApi : () => wxApi;
  }

  private get wx(): Wx {
    return this.wxOf();
  }

  get initialized(): boolean {
    return this.options !== null;
  }

  init(options: InitOptions): this {
    if (!options || !options.writeKey) throw new Error('huiliu.init: writeKey is required');
    if (!options.serverUrl) throw new Error('huiliu.init: serverUrl is required');
    const auto = options.autoTrack || {};
    this.options = {
      writeKey: options.writeKey,
      serverUrl: options.serverUrl.replace(/\/+$/, ''),
      getOpenId: options.getOpenId,
      autoTrack: {
        launch: auto.launch !== false,
        show: auto.show !== false,
        hide: auto.hide !== false,
        pageView: auto.pageView !== false,
      },
      flushAt: Math.max(1, options.flushAt || 20),
      flushInterval: options.flushInterval === undefined ? 5000 : Math.max(0, options.flushInterval),
      maxQueueSize: Math.max(1, options.maxQueueSize || 500),
      batchSize: Math.min(2000, Math.max(1, options.batchSize || 100)),
      retry: {
        baseMs: (options.retry && options.retry.baseMs) || 1000,
        maxMs: (options.retry && options.retry.maxMs) || 60_000,
      },
      debugMode: options.debugMode === true,
    };
    this.anonymousId = this.read<string>(KEYS.anonymousId) || '';
    if (!this.anonymousId) {
      this.anonymousId = uuidv7();
      this.write(KEYS.anonymousId, this.anonymousId);
    }
    this.userId = this.read<string>(KEYS.userId) || undefined;
    // What an earlier run could not send (offline, killed before the flush).
    const stored = this.read<Message[]>(KEYS.queue);
    this.queue = Array.isArray(stored) ? stored : [];
    this.presets = systemPresets(this.safe(() => this.wx.getSystemInfoSync && this.wx.getSystemInfoSync()));
    if (this.options.debugMode) this.presets.$debug_mode = true;
    if (this.wx.getNetworkType) {
      // Asynchronous on a device: the first events (launch, show) are sent once it answered, so
      // they carry $network_type too — but sends never wait more than a second for it.
      this.networkKnown = new Promise<void>((resolve) => {
        setTimeout(resolve, 1000);
        const asked = this.safe(() => {
          this.wx.getNetworkType!({
            success: (result) => {
              this.setNetworkType(result.networkType);
              resolve();
            },
            fail: () => resolve(),
          });
          return true;
        });
        if (!asked) resolve();
      });
    }
    if (this.wx.onNetworkStatusChange) {
      this.safe(() =>
        this.wx.onNetworkStatusChange!((result) => {
          this.setNetworkType(result.networkType);
          // Back online: send what waited.
          if (result.isConnected) void this.flush();
        }),
      );
    }
    return this;
  }

  /** The anonymous id (kept in storage) and the known user id, if any. */
  ids(): { anonymousId: string; userId?: string } {
    return this.userId ? { anonymousId: this.anonymousId, userId: this.userId } : { anonymousId: this.anonymousId };
  }

  /** Messages waiting to be sent (kept in storage too). */
  pending(): number {
    return this.queue.length;
  }

  // ---- tracking ------------------------------------------------------------------------------------

  /** A custom event (declared in 元数据管理 for this mini-program) with its properties. */
  track(event: string, properties?: Properties): void {
    if (!this.initialized || typeof event !== 'string' || !event) return;
    const own = properties && typeof properties === 'object' ? properties : {};
    this.enqueue({ type: 'track', event, properties: Object.assign({}, this.presets, this.context(), own) });
  }

  /**
   * Identifies the user: `identify(userId, traits)`, `identify(traits)` (the current user), or
   * `identify(userId)`. Traits are contact fields (name, mobilePhone, email, gender, city…,
   * `props.attrN`); with a name, mobile or email the contact becomes 实名.
   */
  identify(userIdOrTraits?: string | Properties, traits?: Properties): void {
    if (!this.initialized) return;
    let given: Properties | undefined = traits;
    if (typeof userIdOrTraits === 'string' || typeof userIdOrTraits === 'number') this.setUserId(String(userIdOrTraits));
    else if (userIdOrTraits && typeof userIdOrTraits === 'object') given = userIdOrTraits;
    this.enqueue({ type: 'identify', ...(given ? { traits: given } : {}) });
  }

  /** Sends what is queued now (also called by the timer, on hide and on launch). */
  flush(): Promise<void> {
    if (!this.initialized) return Promise.resolve();
    if (this.inflight) return this.inflight;
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.queue.length === 0) return Promise.resolve();
    this.inflight = this.sendAll().then(
      () => {
        this.inflight = undefined;
      },
      () => {
        this.inflight = undefined;
      },
    );
    return this.inflight;
  }

  // ---- lifecycle -----------------------------------------------------------------------------------

  /** App `onLaunch`: $MPLaunch, the openid, and what an earlier run left queued. */
  appLaunched(options?: WxLaunchOptions): void {
    if (!this.initialized) return;
    const launch = options || this.safe(() => this.wx.getLaunchOptionsSync && this.wx.getLaunchOptionsSync()) || {};
    this.entered(launch);
    const firstTime = !this.read<boolean>(KEYS.launched);
    if (firstTime) this.write(KEYS.launched, true);
    if (this.options.autoTrack.launch) {
      this.track('$MPLaunch', {
        s_pagePath: launch.path || '',
        s_pageQuery: queryString(launch.query),
        s_isFirstTime: firstTime,
      });
    }
    this.resolveOpenId();
    void this.flush();
  }

  /** App `onShow`: $MPShow; starts the duration $MPHide reports. */
  appShown(options?: WxLaunchOptions): void {
    if (!this.initialized) return;
    const shown = options || this.safe(() => this.wx.getLaunchOptionsSync && this.wx.getLaunchOptionsSync()) || {};
    this.entered(shown);
    this.shownAt = Date.now();
    if (this.options.autoTrack.show) {
      this.track('$MPShow', { s_pagePath: shown.path || '', s_pageQuery: queryString(shown.query) });
    }
    void this.flush();
  }

  /** App `onHide`: $MPHide with the seconds since show, sent at once (the app may be killed). */
  appHidden(): void {
    if (!this.initialized) return;
    if (this.options.autoTrack.hide) {
      const duration = this.shownAt === undefined ? 0 : Math.max(0, (Date.now() - this.shownAt) / 1000);
      this.track('$MPHide', { s_pagePath: this.currentPage || '', s_duration: Math.round(duration * 1000) / 1000 });
    }
    this.shownAt = undefined;
    void this.flush();
  }

  /** Page `onShow`: $MPViewScreen with the page, its query and the page before it. */
  pageShown(route: string, query?: Record<string, unknown>): void {
    if (!this.initialized) return;
    if (route !== this.currentPage) {
      this.previousPage = this.currentPage;
      this.currentPage = route;
    }
    if (this.options.autoTrack.pageView) {
      this.track('$MPViewScreen', {
        s_pagePath: route,
        s_pageQuery: queryString(query),
        s_referrerPath: this.previousPage || '',
      });
    }
  }

  /**
   * Wraps the options given to `App()`: `App(huiliu.app({ onLaunch() {…} }))`. Your hooks run
   * unchanged after the SDK's.
   */
  app<T extends Record<string, unknown>>(options: T = {} as T): T {
    const own = options as Record<string, unknown>;
    const wrap = (name: string, before: (args: unknown[]) => void) => {
      const original = own[name];
      own[name] = function (this: unknown, ...args: unknown[]) {
        try {
          before(args);
        } catch {
          // Tracking never breaks the app.
        }
        return typeof original === 'function' ? original.apply(this, args) : undefined;
      };
    };
    wrap('onLaunch', (args) => this.appLaunched(args[0] as WxLaunchOptions));
    wrap('onShow', (args) => this.appShown(args[0] as WxLaunchOptions));
    wrap('onHide', () => this.appHidden());
    return options;
  }

  /** Wraps the options given to `Page()`: `Page(huiliu.page({ data: {…}, onShow() {…} }))`. */
  page<T extends Record<string, unknown>>(options: T = {} as T): T {
    const shown = (route: string, query: unknown) => this.pageShown(route, query as Record<string, unknown> | undefined);
    const own = options as Record<string, unknown>;
    const onLoad = own.onLoad;
    const onShow = own.onShow;
    own.onLoad = function (this: { __huiliuQuery?: unknown }, ...args: unknown[]) {
      this.__huiliuQuery = args[0];
      return typeof onLoad === 'function' ? onLoad.apply(this, args) : undefined;
    };
    own.onShow = function (this: { route?: string; __route__?: string; __huiliuQuery?: unknown }, ...args: unknown[]) {
      try {
        shown(this.route || this.__route__ || '', this.__huiliuQuery);
      } catch {
        // Tracking never breaks the page.
      }
      return typeof onShow === 'function' ? onShow.apply(this, args) : undefined;
    };
    return options;
  }

  // ---- internals -----------------------------------------------------------------------------------

  private entered(options: WxLaunchOptions): void {
    if (options.scene !== undefined && options.scene !== null) this.scene = String(options.scene);
    const query = options.query || {};
    const utm: Properties = {};
    for (const key of UTM) if (query[key]) utm[`$${key}`] = query[key];
    // The latest campaign (最近广告来源…): a new entry with utm_ replaces the previous one.
    if (Object.keys(utm).length > 0) this.utm = utm;
  }

  /** Per-event context properties: the entry scene, the latest utm, the network. */
  private context(): Properties {
    const properties: Properties = Object.assign({}, this.utm);
    if (this.scene !== undefined) properties.s_originScene = this.scene;
    if (this.networkType !== undefined) properties.$network_type = this.networkType;
    return properties;
  }

  private setNetworkType(networkType: string | undefined): void {
    if (!networkType) return;
    const first = this.networkType === undefined;
    this.networkType = networkType;
    // Events queued before WeChat answered get the type it had then (the first answer).
    if (first) {
      for (const message of this.queue)
        if (message.type === 'track' && message.properties && message.properties.$network_type === undefined)
          message.properties.$network_type = networkType;
      this.persist();
    }
  }

  private setUserId(userId: string): void {
    if (!userId || userId === this.userId) return;
    this.userId = userId;
    this.write(KEYS.userId, userId);
  }

  /** Once per launch while the user id is unknown: ask the app, then link the anonymous id to it. */
  private resolveOpenId(): void {
    const getOpenId = this.options.getOpenId;
    if (!getOpenId || this.userId || this.openIdPending) return;
    this.openIdPending = Promise.resolve()
      .then(() => getOpenId())
      .then((result) => {
        const id =
          typeof result === 'string'
            ? result
            : result && typeof result === 'object'
              ? result.unionid || result.openid
              : undefined;
        if (!id || this.userId) return;
        // unionid, else openid, is the externalId (seed §2.1.3); with the anonymous id the
        // pipeline makes the events so far this person's.
        this.setUserId(id);
        this.enqueue({ type: 'identify' });
        void this.flush();
      })
      .catch(() => {
        // Stays anonymous; asked again on the next launch.
      })
      .then(() => {
        this.openIdPending = undefined;
      });
  }

  /** Waits for a pending `getOpenId` (tests and `flush` before closing). */
  whenIdentified(): Promise<void> {
    return this.openIdPending || Promise.resolve();
  }

  private enqueue(partial: { type: Message['type']; event?: string; properties?: Properties; traits?: Properties }): void {
    const message: Message = Object.assign({}, partial, {
      messageId: uuidv7(),
      anonymousId: this.anonymousId,
      timestamp: new Date().toISOString(),
      context: { library: { name: 'huiliu-miniprogram', version: SDK_VERSION } },
    }) as Message;
    if (this.userId) message.userId = this.userId;
    // The server would refuse the whole batch (400) for one message over its limit: drop it alone.
    if (utf8Length(JSON.stringify(message)) > MESSAGE_BYTES) {
      // eslint-disable-next-line no-console
      if (typeof console !== 'undefined') console.warn('[huiliu] message over 32 KB dropped', message.event || message.type);
      return;
    }
    this.queue.push(message);
    // Bounded: when offline for long, the oldest messages make room.
    if (this.queue.length > this.options.maxQueueSize) this.queue.splice(0, this.queue.length - this.options.maxQueueSize);
    this.persist();
    if (this.queue.length >= this.options.flushAt) void this.flush();
    else this.schedule(this.options.flushInterval);
  }

  private schedule(delay: number): void {
    if (this.timer !== undefined || this.inflight) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, delay);
  }

  private async sendAll(): Promise<void> {
    await this.networkKnown;
    while (this.queue.length > 0) {
      const batch: Message[] = [];
      let bytes = 0;
      for (const message of this.queue) {
        const size = utf8Length(JSON.stringify(message));
        if (batch.length >= this.options.batchSize || (batch.length > 0 && bytes + size > REQUEST_BYTES)) break;
        batch.push(message);
        bytes += size;
      }
      const outcome = await this.send(batch);
      if (outcome === 'retry') {
        this.failures += 1;
        const wait = Math.min(this.options.retry.maxMs, this.options.retry.baseMs * Math.pow(2, this.failures - 1));
        // Jitter: many devices coming back online do not all retry at the same instant.
        this.timer = setTimeout(
          () => {
            this.timer = undefined;
            void this.flush();
          },
          wait / 2 + Math.random() * (wait / 2),
        );
        return;
      }
      this.failures = 0;
      // Delivered, or refused for good (a 400 is not retried: the same request would fail again).
      const done: Record<string, true> = {};
      for (const message of batch) done[message.messageId] = true;
      this.queue = this.queue.filter((message) => !done[message.messageId]);
      this.persist();
    }
  }

  private send(batch: Message[]): Promise<SendOutcome> {
    return new Promise<SendOutcome>((resolve) => {
      try {
        this.wx.request({
          url: `${this.options.serverUrl}/api/v1/collect/batch`,
          method: 'POST',
          header: {
            'content-type': 'application/json',
            Authorization: `Basic ${base64(`${this.options.writeKey}:`)}`,
          },
          data: { sentAt: new Date().toISOString(), batch },
          timeout: 15_000,
          success: (result: WxRequestSuccess) => {
            const status = result.statusCode;
            if (status >= 200 && status < 300) resolve('sent');
            else if (status === 429 || status >= 500) resolve('retry');
            else {
              // The integrator's one hint that a writeKey is wrong or a batch malformed (never retried).
              // eslint-disable-next-line no-console
              if (typeof console !== 'undefined') console.warn('[huiliu] batch refused', status, result.data);
              resolve('drop');
            }
          },
          fail: () => resolve('retry'),
        });
      } catch {
        resolve('retry');
      }
    });
  }

  private persist(): void {
    this.write(KEYS.queue, this.queue);
  }

  private read<T>(key: string): T | undefined {
    const value = this.safe(() => this.wx.getStorageSync(key));
    return value === '' || value === null || value === undefined ? undefined : (value as T);
  }

  private write(key: string, value: unknown): void {
    // Storage full (10 MB per user): tracking goes on in memory.
    this.safe(() => this.wx.setStorageSync(key, value));
  }

  private safe<T>(work: () => T): T | undefined {
    try {
      return work();
    } catch {
      return undefined;
    }
  }
}

/** The SDK presets of the mini-program column (seed §1.10.8.2) that `wx.getSystemInfoSync` gives. */
export function systemPresets(info: WxSystemInfo | undefined): Properties {
  const presets: Properties = {};
  if (!info) return presets;
  if (info.platform) presets.$platform = info.platform;
  if (info.system) {
    const [os, ...version] = info.system.trim().split(/\s+/);
    if (os) presets.$os = os;
    if (version.length > 0) presets.$os_version = version.join(' ');
  }
  if (info.brand) presets.$manufacturer = info.brand === 'iPhone' ? 'Apple' : info.brand;
  if (info.model) presets.$device_model = info.model.replace(/<[^>]*>$/, '').trim();
  return presets;
}

/** UTF-8 bytes of a string (no TextEncoder in the mini-program runtime). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      bytes += 4;
      i += 1;
    } else bytes += 3;
  }
  return bytes;
}
