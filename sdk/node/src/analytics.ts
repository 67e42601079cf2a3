import type { CollectMessage, CollectMessageType } from '@huiliu/core/api-types';
import { defaultRetryPolicy, sendJson, trimBase, withRetries, type FetchLike, type RetryPolicy } from './http.js';
import { uuidv7 } from './uuid.js';
import { SDK_NAME, SDK_VERSION } from './version.js';

/** The collect API's limits (docs/integrators/collect-and-track.md). */
export const collectLimits = {
  batchMessages: 2000,
  /** A request is refused over 500 KB; batches stay under this, leaving room for the envelope. */
  batchBytes: 480 * 1024,
  /** One message over 32 KB makes the whole request a 400: such a message is refused here. */
  messageBytes: 32 * 1024,
} as const;

export interface AnalyticsOptions {
  /** The writeKey of a custom channel's app. */
  writeKey: string;
  /** The Huiliu address, e.g. `https://cdp.example.com`. */
  host: string;
  /** Send a batch once this many messages wait (default 100, at most 2000). */
  flushAt?: number;
  /** …or once the oldest has waited this long (ms, default 10,000). */
  flushInterval?: number;
  /** Messages waiting to be sent; past it new messages are dropped and reported (default 10,000). */
  maxQueueSize?: number;
  /** Resends of a batch after a network error, 429 or 5xx (default 3; never after a 400). */
  maxRetries?: number;
  /** Backoff of resends (defaults: 500 ms doubling, at most 30 s; `Retry-After` is honoured). */
  retry?: Partial<Omit<RetryPolicy, 'maxRetries'>>;
  /** Batches in flight at once (default 2). Each person's messages stay in one lane, in order. */
  concurrency?: number;
  /** Bytes of one batch request (default and maximum 480 KB). */
  maxBatchBytes?: number;
  /** Per request (default 30 s). */
  timeoutMs?: number;
  /** Send what is queued when the process is about to exit (`beforeExit`; default true). */
  flushOnExit?: boolean;
  /**
   * Called for messages that were not delivered: a batch the server refused (400, 401, 413…) or that
   * failed after its retries, a message too large, the queue full, a call after `closeAndFlush`.
   * Default: one line on stderr.
   */
  onError?: (error: Error, messages: readonly CollectMessage[]) => void;
  fetch?: FetchLike;
}

/** A person: their id in this channel (externalId), a cookie / device id, or both. */
type Person =
  { userId: string | number; anonymousId?: string | number } | { userId?: string | number; anonymousId: string | number };

interface Common {
  /** Deterministic ids are fine (deduplicated per tenant over 7 days); a UUIDv7 is made when absent. */
  messageId?: string;
  /** When it happened (default: now, at the call). */
  timestamp?: Date | string | number;
  context?: Record<string, unknown>;
}

export type IdentifyMessage = Person & Common & { traits?: Record<string, unknown> };
export type TrackMessage = Person & Common & { event: string; properties?: Record<string, unknown> };
export type PageMessage = Person & Common & { name?: string; category?: string; properties?: Record<string, unknown> };
export type ScreenMessage = Person & Common & { name?: string; properties?: Record<string, unknown> };
export type AliasMessage = Common & { userId: string | number; previousId: string | number; anonymousId?: string | number };
export type GroupMessage = Person & Common & { groupId: string | number; traits?: Record<string, unknown> };

/** An error of a message that never reached the server (too large, queue full, closed). */
export class AnalyticsError extends Error {
  override readonly name = 'AnalyticsError';
  constructor(
    readonly code: 'message_too_large' | 'queue_full' | 'closed',
    message: string,
  ) {
    super(message);
  }
}

interface Queued {
  message: CollectMessage;
  json: string;
  bytes: number;
  seq: number;
}

interface Lane {
  queue: Queued[];
  /** Messages given to this lane so far (the seq of the last). */
  seq: number;
  /** Every message up to this seq has been settled (delivered or reported). */
  settled: number;
  /** Send everything up to this seq, even under flushAt. */
  flushTo: number;
  running: boolean;
  waiters: { seq: number; resolve: () => void }[];
}

export interface AnalyticsStats {
  /** Messages the server accepted (200: durable). */
  delivered: number;
  /** Messages reported to `onError`. */
  failed: number;
  /** Messages waiting to be sent. */
  queued: number;
  /** Batches being sent (or waiting to be resent). */
  inFlight: number;
}

/**
 * Server-side tracking by writeKey, Segment-style: `identify`, `track`, `page`, `screen`, `alias`
 * and `group` queue a message and return at once; batches go to `POST /api/v1/collect/batch` when
 * `flushAt` messages wait or `flushInterval` has passed, `flush()` sends everything and resolves
 * once it is delivered (or reported), and the queue is flushed when the process is about to exit.
 *
 * Messages are spread over `concurrency` lanes by person (`anonymousId`, else `userId`): each lane
 * sends one batch at a time, so one person's messages arrive in the order they were made (identify
 * before the events after it) while lanes send in parallel.
 */
export class Analytics {
  private readonly url: string;
  private readonly authorization: string;
  private readonly flushAt: number;
  private readonly flushInterval: number;
  private readonly maxQueueSize: number;
  private readonly maxBatchBytes: number;
  private readonly policy: RetryPolicy;
  private readonly timeoutMs: number;
  private readonly fetchImpl: FetchLike;
  private readonly onError: (error: Error, messages: readonly CollectMessage[]) => void;
  private readonly lanes: Lane[];
  private queuedCount = 0;
  private inFlight = 0;
  private delivered = 0;
  private failed = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private capacityWaiters: (() => void)[] = [];
  private readonly exitHandler: (() => void) | undefined;

  constructor(options: AnalyticsOptions) {
    if (!options.writeKey || !options.host) throw new TypeError('Analytics needs writeKey and host');
    this.url = `${trimBase(options.host)}/api/v1/collect/batch`;
    this.authorization = `Basic ${Buffer.from(`${options.writeKey}:`).toString('base64')}`;
    this.flushAt = clamp(options.flushAt ?? 100, 1, collectLimits.batchMessages);
    this.flushInterval = Math.max(1, options.flushInterval ?? 10_000);
    this.maxQueueSize = Math.max(1, options.maxQueueSize ?? 10_000);
    this.maxBatchBytes = clamp(options.maxBatchBytes ?? collectLimits.batchBytes, 1024, collectLimits.batchBytes);
    this.policy = {
      ...defaultRetryPolicy,
      ...options.retry,
      maxRetries: Math.max(0, options.maxRetries ?? defaultRetryPolicy.maxRetries),
    };
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
    this.onError =
      options.onError ??
      ((error, messages) =>
        process.stderr.write(
          `[huiliu] ${messages.length} message(s) not delivered: ${(error as { code?: string }).code ?? error.name} ${error.message}\n`,
        ));
    const concurrency = clamp(options.concurrency ?? 2, 1, 64);
    this.lanes = Array.from({ length: concurrency }, () => ({
      queue: [],
      seq: 0,
      settled: 0,
      flushTo: 0,
      running: false,
      waiters: [],
    }));
    if (options.flushOnExit !== false) {
      this.exitHandler = () => {
        if (this.queuedCount > 0) void this.flush();
      };
      process.on('beforeExit', this.exitHandler);
    }
  }

  // ---- messages ----

  /** 识别联系人: `traits` are the contact's fields (name, mobilePhone, props.attr1…). Returns the messageId. */
  identify(message: IdentifyMessage): string {
    requirePerson(message, 'identify');
    return this.enqueue('identify', message, { traits: message.traits ?? {} });
  }

  /** 上报事件 (declared in 元数据管理, else quarantined). Returns the messageId. */
  track(message: TrackMessage): string {
    requirePerson(message, 'track');
    if (typeof message.event !== 'string' || message.event === '') throw new TypeError('track needs an event');
    return this.enqueue('track', message, { event: message.event, properties: message.properties ?? {} });
  }

  page(message: PageMessage): string {
    requirePerson(message, 'page');
    const properties = { ...message.properties, ...(message.category === undefined ? {} : { category: message.category }) };
    return this.enqueue('page', message, { ...(message.name === undefined ? {} : { name: message.name }), properties });
  }

  screen(message: ScreenMessage): string {
    requirePerson(message, 'screen');
    return this.enqueue('screen', message, {
      ...(message.name === undefined ? {} : { name: message.name }),
      properties: message.properties ?? {},
    });
  }

  /** Links a previous id (e.g. an anonymousId) to `userId`. */
  alias(message: AliasMessage): string {
    if (message.userId === undefined || message.previousId === undefined)
      throw new TypeError('alias needs userId and previousId');
    return this.enqueue('alias', message, { previousId: message.previousId });
  }

  group(message: GroupMessage): string {
    requirePerson(message, 'group');
    if (message.groupId === undefined) throw new TypeError('group needs a groupId');
    return this.enqueue('group', message, { groupId: message.groupId, traits: message.traits ?? {} });
  }

  private enqueue(
    type: CollectMessageType,
    input: Common & { userId?: string | number; anonymousId?: string | number },
    fields: Partial<CollectMessage>,
  ): string {
    const message: CollectMessage = {
      type,
      messageId: input.messageId ?? uuidv7(),
      ...(input.userId === undefined ? {} : { userId: input.userId }),
      ...(input.anonymousId === undefined ? {} : { anonymousId: input.anonymousId }),
      ...fields,
      timestamp: timeOf(input.timestamp),
      context: { ...input.context, library: { name: SDK_NAME, version: SDK_VERSION } },
    };
    if (this.closed) {
      this.report(new AnalyticsError('closed', 'closeAndFlush() was called: the message is not sent'), [message]);
      return message.messageId;
    }
    if (this.queuedCount >= this.maxQueueSize) {
      this.report(new AnalyticsError('queue_full', `more than ${this.maxQueueSize} messages wait to be sent`), [message]);
      return message.messageId;
    }
    const json = JSON.stringify(message);
    const bytes = Buffer.byteLength(json);
    if (bytes > collectLimits.messageBytes) {
      this.report(
        new AnalyticsError('message_too_large', `a message is ${bytes} bytes (at most ${collectLimits.messageBytes})`),
        [message],
      );
      return message.messageId;
    }
    const lane = this.lanes[laneOf(message.anonymousId ?? message.userId, this.lanes.length)]!;
    lane.seq += 1;
    lane.queue.push({ message, json, bytes, seq: lane.seq });
    this.queuedCount += 1;
    if (lane.queue.length >= this.flushAt) this.pump(lane);
    else
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        void this.flush();
      }, this.flushInterval).unref();
    return message.messageId;
  }

  // ---- sending ----

  /**
   * Sends every message queued so far; resolves once each is delivered or reported to `onError`
   * (it never rejects). Await it for delivery: a 200 means the messages are durable on the server.
   */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    return Promise.all(
      this.lanes.map((lane) => {
        if (lane.settled >= lane.seq) return undefined;
        lane.flushTo = lane.seq;
        const done = new Promise<void>((resolve) => lane.waiters.push({ seq: lane.seq, resolve }));
        this.pump(lane);
        return done;
      }),
    ).then(() => undefined);
  }

  /**
   * Resolves when the queue has room for more work: fewer than `flushAt × concurrency` messages
   * wait. A bulk sender awaits it between calls to keep memory flat and every lane busy:
   * `for (…) { analytics.track(…); await analytics.drained(); }`.
   */
  drained(): Promise<void> {
    // Some lane holds flushAt messages then, and such a lane is always sending.
    if (this.queuedCount < this.flushAt * this.lanes.length) return Promise.resolve();
    return new Promise((resolve) => this.capacityWaiters.push(resolve));
  }

  /**
   * Stops taking messages (later calls are reported as `closed`), sends what is queued and resolves
   * when it is delivered — or after `timeout` ms (default 10 s), whichever comes first.
   */
  async closeAndFlush({ timeout = 10_000 }: { timeout?: number } = {}): Promise<void> {
    this.closed = true;
    if (this.exitHandler) process.off('beforeExit', this.exitHandler);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.flush(), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeout)))]);
    clearTimeout(timer);
  }

  get stats(): AnalyticsStats {
    return { delivered: this.delivered, failed: this.failed, queued: this.queuedCount, inFlight: this.inFlight };
  }

  /** Sends the lane's batches one after another while enough wait (or a flush asks for them). */
  private pump(lane: Lane): void {
    if (lane.running) return;
    lane.running = true;
    void (async () => {
      try {
        while (lane.queue.length > 0 && (lane.queue.length >= this.flushAt || lane.queue[0]!.seq <= lane.flushTo)) {
          const batch = this.take(lane);
          await this.send(batch);
          lane.settled = batch[batch.length - 1]!.seq;
          lane.waiters = lane.waiters.filter((waiter) => (waiter.seq <= lane.settled ? (waiter.resolve(), false) : true));
        }
      } finally {
        lane.running = false;
      }
      // Messages queued meanwhile under flushAt wait for the timer; a pending flush still needs them.
      if (lane.waiters.length > 0 && lane.queue.length > 0) this.pump(lane);
    })();
  }

  /** The next batch of a lane: up to flushAt messages and maxBatchBytes. */
  private take(lane: Lane): Queued[] {
    let count = 0;
    let bytes = 64;
    while (count < lane.queue.length && count < this.flushAt) {
      const next = lane.queue[count]!.bytes + 1;
      if (count > 0 && bytes + next > this.maxBatchBytes) break;
      bytes += next;
      count += 1;
    }
    const batch = lane.queue.splice(0, count);
    this.queuedCount -= batch.length;
    if (this.queuedCount < this.flushAt * this.lanes.length) for (const resolve of this.capacityWaiters.splice(0)) resolve();
    return batch;
  }

  private async send(batch: Queued[]): Promise<void> {
    const items = batch.map((queued) => queued.json).join(',');
    this.inFlight += 1;
    try {
      await withRetries(
        () =>
          sendJson(this.fetchImpl, {
            method: 'POST',
            url: this.url,
            headers: { authorization: this.authorization },
            // sentAt of this attempt: the server corrects each event time for the client's clock with it.
            rawBody: `{"batch":[${items}],"sentAt":${JSON.stringify(new Date().toISOString())}}`,
            timeoutMs: this.timeoutMs,
          }),
        this.policy,
      );
      this.delivered += batch.length;
    } catch (error) {
      this.report(
        error instanceof Error ? error : new Error(String(error)),
        batch.map((queued) => queued.message),
      );
    } finally {
      this.inFlight -= 1;
    }
  }

  private report(error: Error, messages: CollectMessage[]): void {
    this.failed += messages.length;
    try {
      this.onError(error, messages);
    } catch {
      // A throwing hook must not stop the queue.
    }
  }
}

function requirePerson(message: { userId?: unknown; anonymousId?: unknown }, type: string): void {
  const present = (value: unknown) => (typeof value === 'string' && value.trim() !== '') || typeof value === 'number';
  if (!present(message.userId) && !present(message.anonymousId)) throw new TypeError(`${type} needs a userId or an anonymousId`);
}

function timeOf(value: Date | string | number | undefined): string | number {
  if (value === undefined) return new Date().toISOString();
  return value instanceof Date ? value.toISOString() : value;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Math.floor(value)));
}

/** FNV-1a of the person's id: the same person always takes the same lane. */
function laneOf(id: string | number | undefined, lanes: number): number {
  if (lanes === 1 || id === undefined) return 0;
  const text = String(id).trim();
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % lanes;
}
