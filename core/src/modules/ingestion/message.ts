import { createHash, randomBytes } from 'node:crypto';
import { INBOX_PARTITIONS } from '../../store/oltp/migrations/0009_ingestion.js';
import type { WeChatInfo } from '../contacts/contacts.types.js';

/** Limits of ARCHITECTURE §5.1 (Segment's): a request and one message, in bytes of JSON. */
export const ingestLimits = {
  requestBytes: 500 * 1024,
  messageBytes: 32 * 1024,
  /** Messages of one batch call. */
  batchMessages: 2000,
  /**
   * Levels of nesting of one message (the message object is level 1, `properties` level 2…).
   * Segment's libraries never nest that deep; deeper JSON would overflow the stack of the
   * (recursive) JSON.stringify and of every reader after it, so such a message is quarantined as
   * `message_too_deep` (docs/decisions/0026, amended).
   */
  messageDepth: 64,
  /** The dedupe window of a messageId (§5.2). */
  dedupeDays: 7,
  /** Quarantined messages are kept this long, replayable once the metadata is fixed (§5.4). */
  quarantineDays: 30,
  /** Event times accepted: not older than this… */
  pastMs: 2 * 366 * 24 * 3600 * 1000,
  /** …and not later than the receipt plus this (§5.5). */
  futureMs: 10 * 60 * 1000,
} as const;

/**
 * The message types the pipeline loads (Segment's spec, docs/decisions/0026): identify and alias
 * change contacts; track, page (`$pageview`), screen (`$AppViewScreen`) and group (`$group`) load
 * an event. Any other type is quarantined as `type_unsupported`.
 */
export const messageTypes = ['identify', 'track', 'page', 'screen', 'group', 'alias'] as const;
export type MessageType = (typeof messageTypes)[number];

export const isMessageType = (value: unknown): value is MessageType =>
  typeof value === 'string' && (messageTypes as readonly string[]).includes(value);

/**
 * A message as the inbox keeps it: Segment's fields (type, messageId, userId, anonymousId, event,
 * properties, traits, context, timestamp, sentAt) plus where it came from. Nothing is checked
 * beyond the envelope at accept time: the worker decides (load, convert or quarantine).
 */
export interface InboxMessage {
  type: string;
  messageId: string;
  /** The channel (连接) id the message belongs to. */
  channelId: string;
  /** The custom-channel app of a writeKey. */
  appId?: string;
  via: 'collect' | 'openapi' | 'plugin';
  /**
   * Set by core for `via: 'plugin'` only (never taken from what a client sends): the user-ID type
   * of `userId` in the channel (e.g. `youzan.fansId`) and the plugin that sent it (ADR 0038).
   */
  userIdType?: string;
  pluginId?: string;
  userId?: unknown;
  anonymousId?: unknown;
  event?: unknown;
  properties?: unknown;
  traits?: unknown;
  /** A page's or screen's name (Segment). */
  name?: unknown;
  /** A page's category (Segment); kept as the property `category`. */
  category?: unknown;
  /** A group call's group (Segment). */
  groupId?: unknown;
  /** An alias's earlier id: an anonymousId or an earlier userId of this channel (Segment). */
  previousId?: unknown;
  context?: unknown;
  /** An identify's weChatInfo {appId, openId, unionId} (seed §2.1.1.1). */
  weChatInfo?: unknown;
  timestamp?: unknown;
  sentAt?: unknown;
  /** What was sent when a batch item was not an object (kept for 数据质量). */
  raw?: unknown;
  /**
   * The fields left out because they nest deeper than `ingestLimits.messageDepth` (`raw` for an
   * item that is not an object): the message is quarantined as `message_too_deep`.
   */
  tooDeep?: string[];
  /** Epoch ms when the server accepted it. */
  receivedAt: number;
}

/**
 * Whether a JSON value nests deeper than `levels` (an object or array is one level, its members
 * the next; a scalar is none). Iterative: a value nested 100,000 deep is measured without
 * recursion, and the walk stops at the first member past the limit.
 */
export function nestsDeeperThan(value: unknown, levels: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  const stack: [object, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, level] = stack.pop()!;
    if (level > levels) return true;
    for (const member of Array.isArray(node) ? node : Object.values(node))
      if (member !== null && typeof member === 'object') stack.push([member as object, level + 1]);
  }
  return false;
}

/** A time-ordered UUID (RFC 9562 v7): 48 bits of ms, then random. */
export function uuidv7(now = Date.now()): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Dedupe keys the server makes itself (replays, hashes): a client's messageId never takes one. */
const RESERVED_KEY = /^(replay|sha256):/;

/**
 * The dedupe key of a messageId: itself, or its SHA-256 when longer than the column or when it
 * starts like a key the server makes (`replay:<id>` of a replayed quarantine entry).
 */
export function dedupeKey(messageId: string): string {
  return messageId.length <= 128 && !RESERVED_KEY.test(messageId)
    ? messageId
    : `sha256:${createHash('sha256').update(messageId).digest('hex')}`;
}

/**
 * A string id as sent (numbers are taken as their decimal text, as Segment's libraries do).
 * Trailing whitespace is not part of an id: MySQL/MariaDB compare `utf8mb4_bin` with PAD SPACE, so
 * "u" and "u " would be one id there and two on SQLite — trimmed, they are one id everywhere.
 */
export function idOf(value: unknown): string | undefined {
  if (typeof value === 'string') {
    const id = value.trimEnd();
    return id.trim() === '' ? undefined : id;
  }
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/**
 * The inbox partition (§5.2): hash(tenant, anonymousId ?? userId) mod 16, so one person's
 * identify and track are drained in order. A message without either id goes by its messageId. An
 * alias without an anonymousId goes by its previousId: the earlier id's messages (an anonymous
 * visitor's events, partitioned by that cookie) are drained before it.
 */
export function partitionOf(
  tenantId: string,
  message: Pick<InboxMessage, 'anonymousId' | 'userId' | 'messageId'> & Partial<Pick<InboxMessage, 'type' | 'previousId'>>,
): number {
  const who =
    idOf(message.anonymousId) ??
    (message.type === 'alias' ? idOf(message.previousId) : undefined) ??
    idOf(message.userId) ??
    message.messageId;
  // FNV-1a over UTF-16 units: fast, stable across processes and versions (never change it).
  let hash = 0x811c9dc5;
  const text = `${tenantId}\u0000${who}`;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % INBOX_PARTITIONS;
}

/** Epoch ms of an ISO-8601 string or epoch-ms number; undefined when it is neither. */
export function instantOf(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? Math.trunc(value) : undefined;
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  // A date-time with an offset or Z (a bare local time would be read in the server's zone).
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i.test(value.trim())) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

export type EventTime = { ok: true; at: number } | { ok: false; reason: 'event_time_invalid' | 'event_time_out_of_range' };

/**
 * When the event happened (§5.5): its timestamp, corrected for the client's clock skew when the
 * client said when it sent it (Segment: receivedAt − (sentAt − timestamp)); receipt time when no
 * timestamp is given. Accepted from 2 years before now to 10 minutes after receipt.
 */
export function eventTimeOf(message: Pick<InboxMessage, 'timestamp' | 'sentAt' | 'receivedAt'>, now: number): EventTime {
  let at = message.receivedAt;
  if (message.timestamp !== undefined && message.timestamp !== null) {
    const timestamp = instantOf(message.timestamp);
    if (timestamp === undefined) return { ok: false, reason: 'event_time_invalid' };
    const sentAt = message.sentAt === undefined || message.sentAt === null ? undefined : instantOf(message.sentAt);
    at = sentAt === undefined ? timestamp : message.receivedAt - (sentAt - timestamp);
  }
  if (at < now - ingestLimits.pastMs || at > message.receivedAt + ingestLimits.futureMs)
    return { ok: false, reason: 'event_time_out_of_range' };
  return { ok: true, at };
}

/**
 * An identify's weChatInfo (seed §2.1.1.1): the official account's appId and the fan's openId
 * and/or unionId. Undefined when absent (null counts as absent); `invalid` when malformed.
 */
export function weChatInfoOf(value: unknown): WeChatInfo | undefined | 'invalid' {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) return 'invalid';
  const { appId, openId, unionId } = value as Record<string, unknown>;
  const text = (v: unknown, max: number) => (typeof v === 'string' && v.trim() !== '' && v.length <= max ? v.trim() : undefined);
  const info = { appId: text(appId, 64), openId: text(openId, 191), unionId: text(unionId, 191) };
  const given = (v: unknown) => v !== undefined && v !== null && v !== '';
  if (!info.appId || (!info.openId && !info.unionId)) return 'invalid';
  if ((given(openId) && !info.openId) || (given(unionId) && !info.unionId)) return 'invalid';
  return {
    appId: info.appId,
    ...(info.openId ? { openId: info.openId } : {}),
    ...(info.unionId ? { unionId: info.unionId } : {}),
  };
}
