import type {
  AccessToken,
  ApiChannelAccount,
  ApiContact,
  ApiCursorPage,
  ApiEvent,
  ChannelDetail,
  ChannelTypeInfo,
  ContactBatch,
  ContactEventsQuery,
  ContactField,
  ContactListQuery,
  ContactOpenIdsBatch,
  ContactUpdate,
  EventProperty,
  EventType,
  IdentifyAccepted,
  AcceptResult,
  NewChannel,
  NewCustomEvent,
  OpenApiIdentify,
  OpenApiTrack,
  OpenApiTrackBatch,
  Page,
  Channel,
  CustomPropertyType,
} from '@huiliu/core/api-types';
import { defaultRetryPolicy, HuiliuApiError, sendJson, trimBase, withRetries, type FetchLike, type RetryPolicy } from './http.js';
import { uuidv7 } from './uuid.js';

export interface HuiliuClientOptions {
  /** The Huiliu address, e.g. `https://cdp.example.com`. */
  baseUrl: string;
  /** A private app's key (设置 → 应用集成 → 私有App设置). */
  appKey: string;
  appSecret: string;
  /** Renew the token this long before it expires (default 300 s). */
  refreshMarginSeconds?: number;
  /** Resends of retryable calls (default 3; see `retry`). */
  maxRetries?: number;
  /** Backoff of resends (defaults: 500 ms doubling, at most 30 s). */
  retry?: Partial<RetryPolicy>;
  /** Per request (default 30 s). */
  timeoutMs?: number;
  /** `Accept-Language` of error messages: `zh-CN` (default) or `en-US`. */
  locale?: 'zh-CN' | 'en-US';
  fetch?: FetchLike;
  /** The clock that decides when the token is due (tests move it). */
  now?: () => number;
}

/** A custom channel's app (Web / iOS / Android) and its writeKey (plugin `custom-channel`). */
export interface CustomApp {
  id: string;
  channelId: string;
  platform: 'web' | 'ios' | 'android';
  name: string;
  domain: string | null;
  bundleId: string | null;
  packageName: string | null;
  writeKey: string;
  status: 'enabled' | 'disabled';
  writeKeyIssuedAt: number;
  createdAt: number;
  updatedAt: number;
}

export type NewCustomApp =
  | { platform: 'web'; name: string; domain: string }
  | { platform: 'ios'; name: string; bundleId: string }
  | { platform: 'android'; name: string; packageName: string };

interface Call {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** Whether the call may be sent again after a network error, 429 or 5xx. */
  retry: boolean;
}

/**
 * The Open API client (seed §2.1.4): exchanges the app's key and secret for a bearer token, keeps
 * it, renews it before it expires and once when a call answers 401, and never runs two exchanges at
 * once. Reads, identify and track are resent on network errors, 429 and 5xx (identify and track
 * carry a messageId made here, so a resend is deduplicated by the server); creations are not.
 */
export class HuiliuClient {
  private readonly baseUrl: string;
  private readonly options: HuiliuClientOptions;
  private readonly policy: RetryPolicy;
  private readonly fetchImpl: FetchLike;
  private readonly now: () => number;
  private token: { value: string; renewAt: number } | undefined;
  private exchange: Promise<string> | undefined;

  constructor(options: HuiliuClientOptions) {
    if (!options.baseUrl || !options.appKey || !options.appSecret)
      throw new TypeError('HuiliuClient needs baseUrl, appKey and appSecret');
    this.options = options;
    this.baseUrl = trimBase(options.baseUrl);
    this.policy = {
      ...defaultRetryPolicy,
      ...options.retry,
      ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries }),
    };
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
    this.now = options.now ?? Date.now;
  }

  // ---- token ----

  /** A valid bearer token: the kept one, or a new one when it is due (concurrent callers share one exchange). */
  async accessToken(): Promise<string> {
    if (this.token && this.now() < this.token.renewAt) return this.token.value;
    return this.renew();
  }

  /** Forgets the kept token (the next call exchanges a new one). */
  invalidateToken(): void {
    this.token = undefined;
  }

  private renew(): Promise<string> {
    this.exchange ??= (async () => {
      try {
        const asked = this.now();
        const answer = await withRetries(
          () =>
            sendJson<AccessToken>(this.fetchImpl, {
              method: 'POST',
              url: `${this.baseUrl}/api/v1/auth/token`,
              headers: this.languageHeader(),
              body: { appKey: this.options.appKey, appSecret: this.options.appSecret },
              timeoutMs: this.timeoutMs(),
            }),
          this.policy,
        );
        const margin = Math.min(this.options.refreshMarginSeconds ?? 300, answer.expiresIn / 2);
        this.token = { value: answer.accessToken, renewAt: asked + (answer.expiresIn - margin) * 1000 };
        return answer.accessToken;
      } finally {
        this.exchange = undefined;
      }
    })();
    return this.exchange;
  }

  // ---- calls ----

  private timeoutMs(): number {
    return this.options.timeoutMs ?? 30_000;
  }

  private languageHeader(): Record<string, string> {
    return { 'accept-language': this.options.locale ?? 'zh-CN' };
  }

  private url(call: Call): string {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(call.query ?? {})) if (value !== undefined) query.set(key, String(value));
    const text = query.toString();
    return `${this.baseUrl}${call.path}${text ? `?${text}` : ''}`;
  }

  /** One call with the bearer token: renewed once on a 401, resent per the call's retry rule. */
  private async call<T>(call: Call): Promise<T> {
    const rawBody = call.body === undefined ? undefined : JSON.stringify(call.body);
    const once = async () => {
      const token = await this.accessToken();
      try {
        return await this.send<T>(call, token, rawBody);
      } catch (error) {
        if (!(error instanceof HuiliuApiError) || error.status !== 401) throw error;
        // Expired or revoked early: renew once (unless a concurrent call already did) and resend.
        if (this.token?.value === token) this.invalidateToken();
        return this.send<T>(call, await this.accessToken(), rawBody);
      }
    };
    return call.retry ? withRetries(once, this.policy) : once();
  }

  private send<T>(call: Call, token: string, rawBody: string | undefined): Promise<T> {
    return sendJson<T>(this.fetchImpl, {
      method: call.method,
      url: this.url(call),
      headers: { authorization: `Bearer ${token}`, ...this.languageHeader() },
      rawBody,
      timeoutMs: this.timeoutMs(),
    });
  }

  // ---- identify and track (docs/integrators/collect-and-track.md) ----

  /**
   * 识别联系人: durable on 200, applied in order with the person's events. A messageId is made
   * (UUIDv7) when none is given, so a resend after a lost answer is recognised.
   */
  identify(body: OpenApiIdentify): Promise<IdentifyAccepted> {
    return this.call({
      method: 'POST',
      path: '/api/v1/contacts/identify',
      body: { ...body, messageId: body.messageId ?? uuidv7() },
      retry: true,
    });
  }

  /** 上报事件: one event of a channel (ChannelID or mini-program AppID). */
  track(body: OpenApiTrack): Promise<AcceptResult> {
    return this.call({
      method: 'POST',
      path: '/api/v1/events/track',
      body: { ...body, messageId: body.messageId ?? uuidv7() },
      retry: true,
    });
  }

  /** 批量上报事件: up to 2000 events of one channel, < 500 KB a request. */
  trackBatch(body: OpenApiTrackBatch): Promise<AcceptResult> {
    return this.call({
      method: 'POST',
      path: '/api/v1/events/batch',
      body: { ...body, batch: body.batch.map((event) => ({ ...event, messageId: event.messageId ?? uuidv7() })) },
      retry: true,
    });
  }

  // ---- contacts (docs/integrators/contacts-api.md) ----

  readonly contacts = {
    /** 查询联系人详情 (a merged-away id answers its survivor). */
    get: (contactId: string): Promise<ApiContact> =>
      this.call({ method: 'GET', path: `/api/v1/contacts/${encodeURIComponent(contactId)}`, retry: true }),
    /** 获取联系人列表: by id ascending; pass `nextCursor` back as `cursor`. */
    list: (query: ContactListQuery = {}): Promise<ApiCursorPage<ApiContact>> =>
      this.call({ method: 'GET', path: '/api/v1/contacts', query: { ...query }, retry: true }),
    /** Every contact, page by page (`list` until `nextCursor` is null). */
    all: (query: Omit<ContactListQuery, 'cursor'> = {}): AsyncGenerator<ApiContact> =>
      this.pages((cursor) => this.contacts.list({ ...query, cursor })),
    /** 批量获取联系人详情: ≤ 100 ids. */
    batchGet: (ids: string[]): Promise<ContactBatch> =>
      this.call({ method: 'POST', path: '/api/v1/contacts/batch-get', body: { ids }, retry: true }),
    /** 批量获取联系人 open ID: ≤ 100 ids. */
    openIds: (ids: string[]): Promise<ContactOpenIdsBatch> =>
      this.call({ method: 'POST', path: '/api/v1/contacts/open-ids', body: { ids }, retry: true }),
    /** 更新联系人: applied at once; the same values sent twice change nothing more (resent like a read). */
    update: (contactId: string, changes: ContactUpdate): Promise<ApiContact> =>
      this.call({ method: 'PATCH', path: `/api/v1/contacts/${encodeURIComponent(contactId)}`, body: changes, retry: true }),
    /** The contact's channel accounts. */
    accounts: async (contactId: string): Promise<ApiChannelAccount[]> =>
      (
        await this.call<{ items: ApiChannelAccount[] }>({
          method: 'GET',
          path: `/api/v1/contacts/${encodeURIComponent(contactId)}/accounts`,
          retry: true,
        })
      ).items,
    /** 获取事件列表: newest first. */
    events: (contactId: string, query: ContactEventsQuery = {}): Promise<ApiCursorPage<ApiEvent>> =>
      this.call({
        method: 'GET',
        path: `/api/v1/contacts/${encodeURIComponent(contactId)}/events`,
        query: { ...query },
        retry: true,
      }),
  };

  // ---- channels (docs/integrators/open-api.md) ----

  readonly channels = {
    /** 获取 channelType 列表. */
    types: async (): Promise<ChannelTypeInfo[]> =>
      (await this.call<{ items: ChannelTypeInfo[] }>({ method: 'GET', path: '/api/v1/channel-types', retry: true })).items,
    list: (query: { type?: string; page?: number; pageSize?: number } = {}): Promise<Page<Channel>> =>
      this.call({ method: 'GET', path: '/api/v1/channels', query: { ...query }, retry: true }),
    get: (channelId: string): Promise<ChannelDetail> =>
      this.call({ method: 'GET', path: `/api/v1/channels/${encodeURIComponent(channelId)}`, retry: true }),
    /** 创建自定义渠道: `{type: 'custom', name, channelKey?}` (a blank ChannelID is generated). Not resent. */
    create: (channel: NewChannel): Promise<ChannelDetail> =>
      this.call({ method: 'POST', path: '/api/v1/channels', body: channel, retry: false }),
    rename: (channelId: string, name: string): Promise<ChannelDetail> =>
      this.call({ method: 'PATCH', path: `/api/v1/channels/${encodeURIComponent(channelId)}`, body: { name }, retry: true }),
    /** The apps of a custom channel, with their writeKeys. */
    apps: async (channelId: string): Promise<CustomApp[]> =>
      (
        await this.call<{ items: CustomApp[] }>({
          method: 'GET',
          path: `/api/v1/p/custom-channel/channels/${encodeURIComponent(channelId)}/apps`,
          retry: true,
        })
      ).items,
    /** Adds a web / iOS / Android app to a custom channel (its writeKey is in the answer). Not resent. */
    createApp: (channelId: string, app: NewCustomApp): Promise<CustomApp> =>
      this.call({
        method: 'POST',
        path: `/api/v1/p/custom-channel/channels/${encodeURIComponent(channelId)}/apps`,
        body: app,
        retry: false,
      }),
  };

  // ---- metadata (seed §2.1.4) ----

  readonly metadata = {
    /** 获取联系人自定义字段: identify sets them as `props.attr<n>` (`key`). */
    contactFields: async (): Promise<ContactField[]> =>
      (await this.call<{ items: ContactField[] }>({ method: 'GET', path: '/api/v1/metadata/contact-fields', retry: true })).items,
    /** 获取系统 / 自定义事件类型. */
    eventTypes: async (
      query: { source?: 'system' | 'custom'; channelType?: string; channelId?: string } = {},
    ): Promise<EventType[]> =>
      (
        await this.call<{ items: EventType[] }>({
          method: 'GET',
          path: '/api/v1/metadata/event-types',
          query: { ...query },
          retry: true,
        })
      ).items,
    eventType: (eventTypeId: string): Promise<EventType> =>
      this.call({ method: 'GET', path: `/api/v1/metadata/event-types/${encodeURIComponent(eventTypeId)}`, retry: true }),
    /** 创建自定义事件类型 (new custom properties inline). Not resent. */
    createEventType: (event: NewCustomEvent): Promise<EventType> =>
      this.call({ method: 'POST', path: '/api/v1/metadata/event-types', body: event, retry: false }),
    eventProperties: async (query: { source?: 'system' | 'sdk' | 'custom'; type?: string } = {}): Promise<EventProperty[]> =>
      (
        await this.call<{ items: EventProperty[] }>({
          method: 'GET',
          path: '/api/v1/metadata/event-properties',
          query: { ...query },
          retry: true,
        })
      ).items,
    /** 创建自定义属性. Not resent. */
    createEventProperty: (property: { code: string; name: string; type: CustomPropertyType }): Promise<EventProperty> =>
      this.call({ method: 'POST', path: '/api/v1/metadata/event-properties', body: property, retry: false }),
  };

  private async *pages<T>(page: (cursor: string | undefined) => Promise<ApiCursorPage<T>>): AsyncGenerator<T> {
    let cursor: string | undefined;
    do {
      const answer = await page(cursor);
      yield* answer.items;
      cursor = answer.nextCursor ?? undefined;
    } while (cursor !== undefined);
  }
}
