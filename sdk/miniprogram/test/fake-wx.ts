import type { Wx, WxLaunchOptions, WxRequestOptions, WxSystemInfo } from '../src/wx.js';

/** One `wx.request` the fake saw, with how it ended. */
export interface SeenRequest {
  url: string;
  method: string;
  header: Record<string, string>;
  body: unknown;
  statusCode?: number;
  errMsg?: string;
}

type Intercept = (request: {
  url: string;
  method: string;
  body: unknown;
}) => { statusCode: number; data: unknown } | Promise<{ statusCode: number; data: unknown }>;

/**
 * A faithful stand-in for the parts of `wx` the SDK and the guide's snippets use. Storage survives
 * "restarts" (it is the device's); values go through JSON like WeChat's storage (which keeps only
 * serializable data). `request` goes over real HTTP (Node's fetch) to the address given, calls
 * `success` for every HTTP answer — 4xx and 5xx included, as WeChat does — and `fail` only when no
 * answer came (offline, refused connection). Callbacks run asynchronously, as on a device.
 */
export class FakeWx implements Wx {
  /** The device's storage: kept across kills (`restart`). */
  readonly storage: Map<string, string>;
  /** Killed: this process is gone, its timers may fire but nothing it does reaches anyone. */
  private dead = false;

  constructor(storage: Map<string, string> = new Map()) {
    this.storage = storage;
  }

  /**
   * WeChat kills the mini-program (it stayed in the background too long, or the user closed it)
   * and later starts it again: a new process on the same device storage.
   */
  restart(): FakeWx {
    this.dead = true;
    const next = new FakeWx(this.storage);
    next.offline = this.offline;
    next.networkType = this.networkType;
    next.systemInfo = this.systemInfo;
    return next;
  }

  readonly requests: SeenRequest[] = [];
  /** No network: every request fails with WeChat's offline error, after a tick. */
  offline = false;
  networkType = 'wifi';
  systemInfo: WxSystemInfo = {
    brand: 'iPhone',
    model: 'iPhone 15 Pro<iPhone16,1>',
    system: 'iOS 17.4.1',
    platform: 'ios',
    version: '8.0.50',
    SDKVersion: '3.4.10',
  };
  launchOptions: WxLaunchOptions = { scene: 1001, path: 'pages/index/index', query: {} };
  /** Requests to these origins are answered here (the integrator's own server, WeChat's API). */
  readonly intercepts = new Map<string, Intercept>();
  private readonly inflight = new Set<Promise<void>>();
  private networkListeners: ((result: { isConnected: boolean; networkType: string }) => void)[] = [];
  private codes = 0;

  getStorageSync = (key: string): unknown => {
    const value = this.storage.get(key);
    // WeChat answers '' for a key it does not have.
    return value === undefined ? '' : JSON.parse(value);
  };

  setStorageSync = (key: string, value: unknown): void => {
    if (this.dead) return;
    if (value === undefined) throw new Error('setStorageSync:fail parameter error');
    this.storage.set(key, JSON.stringify(value));
  };

  removeStorageSync = (key: string): void => {
    this.storage.delete(key);
  };

  getSystemInfoSync = (): WxSystemInfo => ({ ...this.systemInfo });

  getLaunchOptionsSync = (): WxLaunchOptions => structuredClone(this.launchOptions);

  getNetworkType = (options: { success?(result: { networkType: string }): void }): void => {
    setTimeout(() => options.success?.({ networkType: this.offline ? 'none' : this.networkType }), 0);
  };

  onNetworkStatusChange = (listener: (result: { isConnected: boolean; networkType: string }) => void): void => {
    this.networkListeners.push(listener);
  };

  /** Network back or gone: what WeChat tells `onNetworkStatusChange` listeners. */
  setOnline(online: boolean): void {
    this.offline = !online;
    for (const listener of this.networkListeners)
      listener({ isConnected: online, networkType: online ? this.networkType : 'none' });
  }

  /** `wx.login`: a fresh one-time code, as WeChat gives (code2session turns it into the openid). */
  login = (options: { success?(result: { code: string; errMsg: string }): void; fail?(error: unknown): void }): void => {
    this.codes += 1;
    const code = `code-${this.codes}-${Math.random().toString(36).slice(2, 8)}`;
    setTimeout(() => options.success?.({ code, errMsg: 'login:ok' }), 0);
  };

  request = (options: WxRequestOptions): { abort(): void } => {
    if (this.dead) return { abort() {} };
    const method = options.method ?? 'GET';
    const header = { ...(options.header ?? {}) };
    const hasContentType = Object.keys(header).some((key) => key.toLowerCase() === 'content-type');
    if (!hasContentType) header['content-type'] = 'application/json';
    const body =
      options.data === undefined ? undefined : typeof options.data === 'string' ? options.data : JSON.stringify(options.data);
    const seen: SeenRequest = { url: options.url, method, header, body: options.data };
    this.requests.push(seen);
    const done = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 0));
      if (this.offline) {
        seen.errMsg = 'request:fail net::ERR_INTERNET_DISCONNECTED';
        options.fail?.({ errMsg: seen.errMsg });
        return;
      }
      const intercept = [...this.intercepts.entries()].find(([origin]) => options.url.startsWith(origin));
      if (intercept) {
        const answer = await intercept[1]({ url: options.url, method, body: options.data });
        seen.statusCode = answer.statusCode;
        options.success?.({ statusCode: answer.statusCode, data: answer.data, header: {} });
        return;
      }
      let res: Response;
      try {
        res = await fetch(options.url, {
          method,
          headers: header,
          body: method === 'GET' ? undefined : body,
          signal: AbortSignal.timeout(options.timeout ?? 60_000),
        });
      } catch (error) {
        seen.errMsg = `request:fail ${(error as Error).message}`;
        options.fail?.({ errMsg: seen.errMsg });
        return;
      }
      const text = await res.text();
      let data: unknown = text;
      // dataType json (the default): WeChat parses the answer when it can, else gives the text.
      if ((options.dataType ?? 'json') === 'json') {
        try {
          data = JSON.parse(text);
        } catch {
          data = text;
        }
      }
      seen.statusCode = res.status;
      options.success?.({
        statusCode: res.status,
        data,
        header: Object.fromEntries([...(res.headers as unknown as Map<string, string>)]),
      });
    })();
    this.inflight.add(done);
    void done.finally(() => this.inflight.delete(done));
    return { abort() {} };
  };

  /** Waits until no request is in flight (callbacks included), a few rounds for chained ones. */
  async settle(): Promise<void> {
    for (let round = 0; round < 20; round += 1) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (this.inflight.size === 0) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        if (this.inflight.size === 0) return;
      }
      await Promise.all([...this.inflight]);
    }
  }

  /** The collect requests (to /api/v1/collect/) with their answers. */
  collectRequests(): SeenRequest[] {
    return this.requests.filter((r) => r.url.includes('/api/v1/collect/'));
  }
}

type Hooks = Record<string, unknown> & {
  onLaunch?(options: WxLaunchOptions): void;
  onShow?(options?: unknown): void;
  onHide?(): void;
  onLoad?(query: Record<string, string>): void;
  onUnload?(): void;
};

interface PageInstance {
  route: string;
  options: Record<string, string>;
  hooks: Hooks;
  data: Record<string, unknown>;
  setData(patch: Record<string, unknown>): void;
}

/**
 * The mini-program runtime around a FakeWx: the `App`, `Page` and `getCurrentPages` globals an
 * app's files call, and the lifecycle WeChat drives — cold launch (App onLaunch → onShow → the
 * first page's onLoad → onShow), navigation, going to the background and back, and a kill (a new
 * process on the same device storage).
 */
export class FakeMiniProgram {
  private app: Hooks | undefined;
  private readonly pages = new Map<string, Hooks>();
  private stack: PageInstance[] = [];

  constructor(readonly wx: FakeWx = new FakeWx()) {}

  /** What the app's JS sees as globals (`App`, `Page`, `getCurrentPages`, `wx`). */
  get globals() {
    return {
      wx: this.wx,
      App: (options: Hooks) => {
        if (this.app) throw new Error('App() called twice');
        this.app = options;
      },
      Page: (options: Hooks) => {
        // WeChat knows the page's route from the file that called Page(); the fake takes it from definePage.
        if (!this.defining) throw new Error('Page() outside a page file');
        this.pages.set(this.defining, options);
      },
      getCurrentPages: () => this.stack.map((page) => ({ route: page.route, options: page.options })),
    };
  }

  private defining: string | undefined;

  /** Runs a page file: its `Page({...})` call registers the page under `route`. */
  definePage(route: string, file: (globals: FakeMiniProgram['globals']) => void): void {
    this.defining = route;
    try {
      file(this.globals);
    } finally {
      this.defining = undefined;
    }
  }

  /** A cold start: App onLaunch and onShow with the same options, then the entry page. */
  launch(options: WxLaunchOptions): void {
    if (!this.app) throw new Error('no App() registered');
    this.wx.launchOptions = structuredClone(options);
    this.app.onLaunch?.call(this.app, structuredClone(options));
    this.app.onShow?.call(this.app, structuredClone(options));
    this.open(options.path ?? 'pages/index/index', (options.query as Record<string, string>) ?? {});
  }

  /** wx.navigateTo: the current page is hidden, the new one loaded and shown. */
  navigateTo(route: string, query: Record<string, string> = {}): void {
    const current = this.stack[this.stack.length - 1];
    current?.hooks.onHide?.call(current);
    this.open(route, query);
  }

  /** wx.navigateBack: the top page unloads, the one below is shown again. */
  navigateBack(): void {
    const top = this.stack.pop();
    top?.hooks.onUnload?.call(top);
    const current = this.stack[this.stack.length - 1];
    current?.hooks.onShow?.call(current);
  }

  /** To the background (home button, another app): page onHide, then App onHide. */
  hide(): void {
    const current = this.stack[this.stack.length - 1];
    current?.hooks.onHide?.call(current);
    this.app?.onHide?.call(this.app);
  }

  /** Back to the foreground from a scene: App onShow, then the current page's onShow. */
  show(options: WxLaunchOptions): void {
    this.app?.onShow?.call(this.app, structuredClone(options));
    const current = this.stack[this.stack.length - 1];
    current?.hooks.onShow?.call(current);
  }

  /** The page on top of the stack (its methods are what taps call). */
  currentPage(): PageInstance & Record<string, unknown> {
    const page = this.stack[this.stack.length - 1];
    if (!page) throw new Error('no page open');
    return page as PageInstance & Record<string, unknown>;
  }

  private open(route: string, query: Record<string, string>): void {
    const hooks = this.pages.get(route);
    if (!hooks) throw new Error(`no page ${route}`);
    // Each page instance gets its own copy of the options object, with `route` set (as WeChat does).
    const instance = Object.assign(Object.create(hooks) as PageInstance & Hooks, {
      route,
      options: query,
      hooks,
      data: structuredClone((hooks.data as Record<string, unknown> | undefined) ?? {}),
      setData(this: PageInstance, patch: Record<string, unknown>) {
        Object.assign(this.data, patch);
      },
    });
    this.stack.push(instance);
    hooks.onLoad?.call(instance, { ...query });
    hooks.onShow?.call(instance);
  }
}
