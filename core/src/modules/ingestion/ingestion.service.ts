import type { Logger } from 'pino';
import type { ContributionRegistry } from '../../kernel/contribution-registry.js';
import type { WriteKeyOwnerInfo } from '../../kernel/contributions.js';
import { createServiceRef } from '../../kernel/extension-point.js';
import { DomainError, InputError, NotFoundError, RateLimitError } from '../../server/errors.js';
import type { ChannelsService } from '../channels/channels.service.js';
import type { ContactsService } from '../contacts/contacts.service.js';
import { WECHAT_CHANNEL_TYPE } from '../contacts/contacts.types.js';
import { BlockedValues } from '../contacts/identity-rules.js';
import { validateTraits } from '../contacts/traits.js';
import { ZonedClock } from '../../lib/zoned-clock.js';
import { wellFormed } from '../../lib/well-formed.js';
import type { MetadataService } from '../metadata/metadata.service.js';
import type { TenantService } from '../tenancy/tenant.service.js';
import { withClientContext, type RequestClient } from './enrichment.js';
import type { BatchLoadedListener, IngestWorker } from './ingest-worker.js';
import type { IngestionRepo, NewInboxRow, QuarantineRow } from './ingestion.repo.js';
import {
  dedupeKey,
  eventTimeOf,
  idOf,
  ingestLimits,
  nestsDeeperThan,
  partitionOf,
  uuidv7,
  weChatInfoOf,
  type InboxMessage,
  type MessageType,
} from './message.js';

export const ingestionServiceRef = createServiceRef<IngestionService>({ id: 'ingestion.ingestion' });

/** Seconds a client waits when the inbox is longer than the configured limit (back-pressure). */
const BUSY_RETRY_AFTER_S = 5;

export interface AcceptResult {
  /** Messages made durable by this call (a repeated messageId counts: its first copy is durable). */
  accepted: number;
  /** Messages of a disabled app, dropped and not counted (§1.9.2). */
  dropped: number;
  messageIds: string[];
}

/** Segment's fields a message may carry; anything else a client sends is not kept. */
const MESSAGE_FIELDS = [
  'type',
  'userId',
  'anonymousId',
  'event',
  'properties',
  'traits',
  'name',
  'category',
  'groupId',
  'previousId',
  'context',
  'timestamp',
  'sentAt',
  'weChatInfo',
] as const;
const BACKLOG_REFRESH_MS = 1000;

/** A value that may be a time (ISO 8601 string, epoch ms): what a batch's sentAt may be to apply. */
const isTimeLike = (value: unknown): value is string | number =>
  typeof value === 'number' || (typeof value === 'string' && value.length <= 64);

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** How the collect routes call acceptCollect / prepareCollect. */
export interface CollectOptions {
  type?: MessageType;
  sentAt?: unknown;
  context?: unknown;
  client?: RequestClient;
  /** The messages' places in the request's batch (per-item writeKeys split a batch). */
  indexes?: number[];
}

/** One message's inbox row, ready to append. */
interface PreparedRow {
  row: NewInboxRow;
  messageId: string;
  /** Bytes of what the client sent (the batch's context merged in), as the limits count them. */
  clientBytes: number;
}

/** One owner's part of a collect request, checked and not yet written (prepareCollect). */
export interface PreparedCollect {
  rows: PreparedRow[];
  /** Messages of a disabled app: not kept. */
  dropped: number;
}

/** A plugin's message, checked at call time (see plugin-ingest.ts), ready to become its inbox row. */
export interface PluginMessage {
  tenantId: string;
  channelId: string;
  pluginId: string;
  userIdType: string;
  type: 'identify' | 'track';
  /** Its Segment fields: userId, traits or event and properties, messageId, timestamp. */
  fields: Record<string, unknown>;
  /** Where a problem with the whole message is reported (`input`, `batch.3`). */
  path: string;
}

export interface QuarantinedMessage {
  id: string;
  messageId: string;
  reason: string;
  event: string | null;
  type: string;
  problems: { path: string; code: string }[];
  message: Record<string, unknown>;
  receivedAt: number;
  quarantinedAt: number;
  expiresAt: number;
  replayedAt: number | null;
}

/**
 * Accepting data (ARCHITECTURE §5.1–5.2): the collect API (SDKs, by writeKey) and the Open API
 * (apps, by token) append messages to the durable inbox in one transaction — the answer means the
 * message is committed — and the ingest worker drains it. Also 数据质量: the quarantine and counters.
 */
export class IngestionService {
  private backlog = { value: 0, at: 0, refreshing: false };

  constructor(
    private readonly repo: IngestionRepo,
    private readonly worker: IngestWorker,
    private readonly contributions: ContributionRegistry,
    private readonly channels: ChannelsService,
    private readonly metadata: MetadataService,
    private readonly tenants: TenantService,
    private readonly contacts: ContactsService,
    private readonly limits: { backlogLimit: number },
    private readonly logger?: Logger,
  ) {}

  /** Called after every loaded batch (journey triggers, real-time groups, report caches). */
  onBatchLoaded(listener: BatchLoadedListener): void {
    this.worker.onBatchLoaded(listener);
  }

  /** The newest loaded batch of a tenant and when it loaded: report caches key on it (§5.5). */
  async lastLoadedBatch(tenantId: string): Promise<{ batchId: string; loadedAt: number } | null> {
    const row = await this.repo.lastLoaded(tenantId);
    return row && row.loaded_at !== null ? { batchId: String(row.id), loadedAt: Number(row.loaded_at) } : null;
  }

  // ---- accepting -----------------------------------------------------------------------------------

  /** The owner of an SDK writeKey, asked of every plugin that resolves keys; undefined when unknown. */
  async ownerOfWriteKey(writeKey: string): Promise<WriteKeyOwnerInfo | undefined> {
    for (const { definition } of this.contributions.writeKeyResolvers) {
      const owner = await definition.resolve(writeKey);
      if (owner) return owner;
    }
    return undefined;
  }

  /**
   * 429 before the inbox grows without bound. The undrained count is refreshed in the background at
   * most once a second (counting millions of rows must not delay the answer); the first call waits.
   */
  private async checkBacklog(): Promise<void> {
    const refresh = async () => {
      this.backlog.refreshing = true;
      try {
        this.backlog.value = await this.repo.backlog();
        this.backlog.at = Date.now();
      } finally {
        this.backlog.refreshing = false;
      }
    };
    if (this.backlog.at === 0) await refresh();
    else if (Date.now() - this.backlog.at > BACKLOG_REFRESH_MS && !this.backlog.refreshing)
      void refresh().catch((error: unknown) => this.logger?.warn({ err: error }, 'inbox backlog count failed'));
    if (this.backlog.value >= this.limits.backlogLimit) throw new RateLimitError('ingest_busy', {}, BUSY_RETRY_AFTER_S);
  }

  /**
   * The inbox row of one raw message: Segment's fields plus where it came from. Refuses (400) only
   * what cannot be kept: a message over 32 KB. A field nested deeper than 64 levels is left out and
   * the message quarantined as `message_too_deep` (never a 500: the recursive JSON.stringify would
   * overflow the stack). Everything else is the worker's to judge. `clientBytes`: the size the
   * client's limits count — its message with a batch's context merged in, without what the server
   * adds (channel, receipt time, the caller's address).
   */
  private toRow(
    tenantId: string,
    raw: unknown,
    envelope: {
      channelId: string;
      appId?: string;
      via: InboxMessage['via'];
      type?: string;
      sentAt?: unknown;
      /** A batch's top-level `context` (Segment): applies to every item, the item's own keys win. */
      context?: unknown;
      receivedAt: number;
      /** The collect API's caller (address, user agent), for the context fields the message lacks. */
      client?: RequestClient;
      /** What core itself says of a plugin's message (never taken from what was sent). */
      internal?: Required<Pick<InboxMessage, 'userIdType' | 'pluginId'>>;
    },
    path: string,
  ): PreparedRow {
    const isObject = raw !== null && typeof raw === 'object' && !Array.isArray(raw);
    const source: Record<string, unknown> = isObject ? (raw as Record<string, unknown>) : {};
    // Text is kept well-formed from here on (a lone UTF-16 surrogate → U+FFFD, lib/well-formed.ts).
    const given = wellFormed(idOf(source.messageId));
    const messageId = given ?? uuidv7(envelope.receivedAt);
    const depth = ingestLimits.messageDepth;
    const tooDeep: string[] = [];
    // What the client sent (its fields, the batch's sentAt and context): the limits count this.
    const sent: Record<string, unknown> = {};
    if (!isObject) {
      // Not an object: kept as sent (`raw`) and quarantined as message_invalid by the worker.
      if (nestsDeeperThan(raw, depth - 1)) tooDeep.push('raw');
      else sent.raw = raw;
    }
    if (given !== undefined) sent.messageId = source.messageId;
    for (const field of MESSAGE_FIELDS) {
      if (field === 'type' || source[field] === undefined) continue;
      // A member of the message is at level 2: it may nest 63 levels.
      if (nestsDeeperThan(source[field], depth - 1)) tooDeep.push(field);
      else sent[field] = source[field];
    }
    // The envelope's context was measured by prepareCollect: the merge nests no deeper than either.
    if (isObject && isRecord(envelope.context) && !tooDeep.includes('context')) {
      if (sent.context === undefined || sent.context === null) sent.context = envelope.context;
      else if (isRecord(sent.context)) sent.context = { ...envelope.context, ...sent.context };
    }
    // Every field nests at most 63 levels here (checked above): the walk is bounded.
    for (const [field, value] of Object.entries(sent)) sent[field] = wellFormed(value);
    const clientBytes = Buffer.byteLength(JSON.stringify(sent));
    if (clientBytes > ingestLimits.messageBytes)
      throw new InputError('message_too_large', { limit: ingestLimits.messageBytes / 1024 }, [
        { path, code: 'message_too_large' },
      ]);
    // The batch's sentAt, where the item has none: only a value that can be a time (a short string
    // or a number — anything else would be ignored by eventTimeOf), so it is not counted: copied
    // into 2,000 items it adds at most a few bytes each, never an amplification.
    if (sent.sentAt === undefined && isTimeLike(envelope.sentAt)) sent.sentAt = envelope.sentAt;
    const message: InboxMessage = {
      type: !isObject ? 'invalid' : (envelope.type ?? (typeof source.type === 'string' ? source.type : 'unknown')),
      ...(sent.raw !== undefined ? { raw: sent.raw } : {}),
      messageId,
      channelId: envelope.channelId,
      ...(envelope.appId ? { appId: envelope.appId } : {}),
      via: envelope.via,
      receivedAt: envelope.receivedAt,
    };
    for (const [field, value] of Object.entries(sent))
      if (field !== 'raw' && field !== 'messageId') (message as unknown as Record<string, unknown>)[field] = value;
    if (tooDeep.length > 0) message.tooDeep = tooDeep;
    if (envelope.internal) Object.assign(message, envelope.internal);
    // The caller's address and user agent fill the context fields the message lacks (not counted).
    if (isObject && envelope.client) message.context = withClientContext(message.context, envelope.client);
    return {
      messageId,
      clientBytes,
      row: {
        tenant_id: tenantId,
        partition: partitionOf(tenantId, message),
        message_id: dedupeKey(messageId),
        body: JSON.stringify(message),
        received_at: envelope.receivedAt,
      },
    };
  }

  /** One transaction for every row (of one or several tenants): all of them are durable, or none. */
  private async append(rows: PreparedRow[]): Promise<string[]> {
    await this.repo.append(rows.map((r) => r.row));
    this.worker.wake();
    return rows.map((r) => r.messageId);
  }

  /**
   * The collect API and the Segment-compatible `/v1/*`: messages of one SDK call (one, or a batch).
   * `type` is set by the single-message routes; batch messages carry their own. A batch's top-level
   * `sentAt` and `context` apply to every item that has none (the item's own context keys win).
   */
  async acceptCollect(owner: WriteKeyOwnerInfo, messages: unknown[], options: CollectOptions): Promise<AcceptResult> {
    return (await this.appendCollect([this.prepareCollect(owner, messages, options)]))[0]!;
  }

  /**
   * The first half of accepting: every message of one owner checked and turned into its inbox row,
   * nothing written. A request whose items name several writeKeys prepares every owner's part
   * before any is appended, so a 400 for one item keeps nothing of the others (ADR 0026 §2).
   * Throws 400 `message_too_large` (an item over 32 KB, the batch's context merged in) or
   * `message_too_deep` (a batch context nested deeper than a message may be).
   */
  prepareCollect(owner: WriteKeyOwnerInfo, messages: unknown[], options: CollectOptions): PreparedCollect {
    if (!owner.enabled) return { rows: [], dropped: messages.length };
    // The batch's context becomes each item's (level 2 of every message): refused as a whole.
    if (nestsDeeperThan(options.context, ingestLimits.messageDepth - 1))
      throw new InputError('message_too_deep', { limit: ingestLimits.messageDepth }, [
        { path: 'context', code: 'message_too_deep' },
      ]);
    const receivedAt = Date.now();
    const rows = messages.map((raw, index) =>
      this.toRow(
        owner.tenantId,
        raw,
        {
          channelId: owner.channelId,
          appId: owner.appId,
          via: 'collect',
          type: options.type,
          sentAt: options.sentAt,
          context: options.context,
          receivedAt,
          client: options.client,
        },
        options.type ? 'body' : `batch.${options.indexes?.[index] ?? index}`,
      ),
    );
    return { rows, dropped: 0 };
  }

  /**
   * The second half: the prepared parts of one request appended in one OLTP transaction (across
   * tenants: the inbox is one table). The request's limit holds after merging: a batch's context
   * copied into 2,000 items would otherwise store 300 times what was sent, so the items as stored
   * (without what the server adds) may total 500 KB — 413 `request_too_large` otherwise. 429 when
   * the inbox is too long. One result per part, in order.
   */
  async appendCollect(parts: PreparedCollect[]): Promise<AcceptResult[]> {
    const rows = parts.flatMap((part) => part.rows);
    if (rows.length > 0) {
      const total = rows.reduce((sum, row) => sum + row.clientBytes, 0);
      if (total > ingestLimits.requestBytes)
        throw new DomainError('request_too_large', 413, { limit: ingestLimits.requestBytes / 1024 });
      await this.checkBacklog();
      await this.append(rows);
    }
    return parts.map((part) => ({
      accepted: part.rows.length,
      dropped: part.dropped,
      messageIds: part.rows.map((r) => r.messageId),
    }));
  }

  /** The tenant's channel named by its ChannelID (`udc_…`) or AppID; 400 when there is none. */
  async channelOf(tenantId: string, channelKey: string, path: string): Promise<string> {
    const channel = await this.channels.findByKey(tenantId, channelKey);
    if (!channel) throw new InputError('channel_not_found', {}, [{ path, code: 'channel_not_found' }]);
    return channel.id;
  }

  /**
   * Open API 识别联系人 (§2.1.1): the payload is checked now — system fields, `utm`, `props.attrN`
   * typed by the metadata, the channel — and a problem answers 400 with its field codes; a valid
   * identify is appended to the inbox and applied in order with the person's events.
   */
  async acceptOpenApiIdentify(tenantId: string, payload: Record<string, unknown>): Promise<{ messageId: string }> {
    // Answered at once, as the worker would quarantine it (and before anything walks it recursively).
    if (nestsDeeperThan(payload, ingestLimits.messageDepth))
      throw new InputError('message_too_deep', { limit: ingestLimits.messageDepth }, [
        { path: 'body', code: 'message_too_deep' },
      ]);
    const { externalId, channel, messageId, timestamp, weChatInfo, ...traits } = payload;
    const channelId = await this.channelOf(tenantId, (channel as { channelId: string }).channelId, 'channel.channelId');
    const fields = (await this.metadata.contactFields(tenantId)).map((f) => ({ key: f.key, type: f.type }));
    const checked = validateTraits(traits, fields, {
      birthdayWritable: false,
      mobileMax: await this.contacts.mobileMax(tenantId),
    });
    const problems = [...checked.problems, ...checked.unknown.map((path) => ({ path, code: 'contact_field_unknown' }))];
    // What the worker would quarantine is refused here: this API answers synchronously.
    const userId = idOf(externalId);
    if (userId === undefined) problems.push({ path: 'externalId', code: 'contact_external_id_invalid' });
    // A blocked value (nil, null, undefined, 1… per tenant) never identifies anyone (ADR 0019).
    else if (new BlockedValues((await this.contacts.identitySettings(tenantId)).blockedValues).blocks(userId))
      problems.push({ path: 'externalId', code: 'contact_external_id_blocked' });
    if (timestamp !== undefined && timestamp !== null) {
      const time = eventTimeOf({ timestamp, receivedAt: Date.now() }, Date.now());
      if (!time.ok) problems.push({ path: 'timestamp', code: time.reason });
    }
    const weChat = weChatInfoOf(weChatInfo);
    if (weChat === 'invalid') problems.push({ path: 'weChatInfo', code: 'wechat_info_invalid' });
    if (problems.length > 0) throw new InputError('contact_invalid', {}, problems);
    if (weChat && weChat !== 'invalid') {
      // Merging with the fan needs the official account bound (seed §2.1.1.1).
      const account = await this.channels.findByKey(tenantId, weChat.appId);
      if (!account || account.type !== WECHAT_CHANNEL_TYPE)
        throw new InputError('wechat_account_not_bound', { appId: weChat.appId }, [
          { path: 'weChatInfo.appId', code: 'wechat_account_not_bound' },
        ]);
    }
    await this.checkBacklog();
    const receivedAt = Date.now();
    const row = this.toRow(
      tenantId,
      { userId: externalId, traits, messageId, timestamp, ...(weChat && weChat !== 'invalid' ? { weChatInfo: weChat } : {}) },
      { channelId, via: 'openapi', type: 'identify', receivedAt },
      'body',
    );
    const [id] = await this.append([row]);
    return { messageId: id! };
  }

  /** Open API tracking: events of one channel (one, or a batch), judged by the worker like SDK data. */
  async acceptOpenApiTrack(tenantId: string, channelKey: string, messages: unknown[], single: boolean): Promise<AcceptResult> {
    const channelId = await this.channelOf(tenantId, channelKey, 'channelId');
    await this.checkBacklog();
    const receivedAt = Date.now();
    const rows = messages.map((raw, index) => {
      // The Open API names the person by externalId, as identify does; userId is accepted too.
      const source = raw !== null && typeof raw === 'object' ? { ...(raw as Record<string, unknown>) } : raw;
      if (source && typeof source === 'object' && 'externalId' in source && !('userId' in source)) {
        const record = source as Record<string, unknown>;
        record.userId = record.externalId;
        delete record.externalId;
      }
      return this.toRow(
        tenantId,
        source,
        { channelId, via: 'openapi', type: 'track', receivedAt },
        single ? 'body' : `batch.${index}`,
      );
    });
    const messageIds = await this.append(rows);
    return { accepted: rows.length, dropped: 0, messageIds };
  }

  /**
   * The plugin write path (`coreServices.ingest`, ADR 0038): messages the plugin ingest service has
   * checked (tenant, channel, user-ID type, ids), appended in one transaction — all or none — with
   * the collect API's limits (32 KB a message, 500 KB in all) and back-pressure (429 `ingest_busy`).
   * Everything inside them is the worker's to judge, as for the other sources.
   */
  async acceptPlugin(messages: readonly PluginMessage[]): Promise<string[]> {
    if (messages.length === 0) return [];
    const receivedAt = Date.now();
    const rows = messages.map((m) =>
      this.toRow(
        m.tenantId,
        m.fields,
        {
          channelId: m.channelId,
          via: 'plugin',
          type: m.type,
          receivedAt,
          internal: { userIdType: m.userIdType, pluginId: m.pluginId },
        },
        m.path,
      ),
    );
    const callBytes = rows.reduce((sum, row) => sum + row.clientBytes, 0);
    if (callBytes > ingestLimits.requestBytes)
      throw new DomainError('request_too_large', 413, { limit: ingestLimits.requestBytes / 1024 });
    await this.checkBacklog();
    return this.append(rows);
  }

  // ---- 数据质量 ----------------------------------------------------------------------------------------

  private toQuarantined = (row: QuarantineRow): QuarantinedMessage => ({
    id: String(row.id),
    messageId: row.message_id,
    reason: row.reason,
    event: row.event,
    type: row.type,
    problems: row.problems ? (JSON.parse(row.problems) as { path: string; code: string }[]) : [],
    message: JSON.parse(row.body) as Record<string, unknown>,
    receivedAt: Number(row.received_at),
    quarantinedAt: Number(row.quarantined_at),
    expiresAt: Number(row.expires_at),
    replayedAt: row.replayed_at === null ? null : Number(row.replayed_at),
  });

  /** Counts by reason: quarantined messages waiting (by reason and event) and values counted since `sinceDay`. */
  async quality(tenantId: string, days: number) {
    // Counters are kept by day in the tenant's zone: the last `days` days are counted there too.
    const today = new ZonedClock((await this.tenants.get(tenantId)).timeZone).localDate(Date.now());
    const first = new Date(`${today}T00:00:00Z`);
    first.setUTCDate(first.getUTCDate() - (days - 1));
    const sinceDay = first.toISOString().slice(0, 10);
    const [quarantine, issues, lastLoaded] = await Promise.all([
      this.repo.quarantineSummary(tenantId),
      this.repo.issueSummary(tenantId, sinceDay),
      this.repo.lastLoaded(tenantId),
    ]);
    return {
      quarantine: quarantine
        .map((r) => ({ reason: r.reason, event: r.event, count: Number(r.n), lastAt: Number(r.last) }))
        .sort((a, b) => b.count - a.count),
      issues: issues
        .map((r) => ({ reason: r.reason, subject: r.subject, count: Number(r.n), lastAt: Number(r.last) }))
        .sort((a, b) => b.count - a.count),
      lastLoadedAt: lastLoaded?.loaded_at === undefined || lastLoaded.loaded_at === null ? null : Number(lastLoaded.loaded_at),
    };
  }

  async quarantined(
    tenantId: string,
    filter: { reason?: string; event?: string; replayed?: boolean },
    page: { page: number; pageSize: number },
  ) {
    const { rows, total } = await this.repo.quarantined(tenantId, filter, page);
    return { items: rows.map(this.toQuarantined), total, page: page.page, pageSize: page.pageSize };
  }

  async quarantinedOne(tenantId: string, id: string): Promise<QuarantinedMessage> {
    const row = await this.repo.quarantinedOne(tenantId, id);
    if (!row) throw new NotFoundError('quarantine_message_not_found');
    return this.toQuarantined(row);
  }

  /**
   * Replays quarantined messages (by ids, or every one of a reason / event) once the metadata is
   * fixed: each goes back into the inbox once — marked replayed in the same transaction — and is
   * judged again; a message that still cannot load returns to the quarantine as a new entry.
   */
  async replay(
    tenantId: string,
    filter: { ids?: string[]; reason?: string; event?: string },
    by: string | null,
  ): Promise<{ replayed: number }> {
    const limit = 10_000;
    let replayed = 0;
    let afterId = '0';
    // 500 at a time (bodies are up to 32 KB each), at most 10,000 per call.
    for (let seen = 0; seen < limit;) {
      const part = await this.repo.replayable(tenantId, { ...filter, afterId }, 500);
      if (part.length === 0) break;
      seen += part.length;
      afterId = String(part[part.length - 1]!.id);
      replayed += await this.repo.transaction(async () => {
        const now = Date.now();
        const rows: NewInboxRow[] = [];
        for (const row of part) {
          if ((await this.repo.markReplayed(tenantId, [String(row.id)], by, now)) !== 1) continue;
          const message = JSON.parse(row.body) as InboxMessage;
          rows.push({
            tenant_id: tenantId,
            partition: partitionOf(tenantId, message),
            // Its own dedupe key: the original messageId is still in the inbox's window.
            message_id: `replay:${row.id}`,
            body: row.body,
            received_at: now,
          });
        }
        await this.repo.append(rows);
        return rows.length;
      });
    }
    if (replayed > 0) this.worker.wake();
    this.logger?.info({ tenantId, replayed }, 'quarantined messages replayed');
    return { replayed };
  }

  /**
   * Deletes the accepted messages of a person's channel accounts that are not loaded yet — pending
   * in the inbox, or held in the quarantine (数据质量) — so that erasing their data (删除用户数据,
   * 删除微信GDPR数据; ADR 0037) leaves nothing to load later. A message is theirs when it belongs to
   * the channel and its userId or anonymousId is one of `userIds`. Idempotent.
   */
  async purgeAccountMessages(
    tenantId: string,
    channelId: string,
    userIds: readonly string[],
  ): Promise<{ inbox: number; quarantine: number }> {
    const ids = new Set(userIds);
    const theirs = (body: string) => {
      let message: Partial<InboxMessage>;
      try {
        message = JSON.parse(body) as Partial<InboxMessage>;
      } catch {
        return false;
      }
      if (String(message.channelId) !== String(channelId)) return false;
      const userId = idOf(message.userId);
      const anonymousId = idOf(message.anonymousId);
      return (userId !== undefined && ids.has(userId)) || (anonymousId !== undefined && ids.has(anonymousId));
    };
    const page = 500;
    let inbox = 0;
    let after: string | number = 0;
    for (;;) {
      const rows = await this.repo.pendingOfTenant(tenantId, after, page);
      if (rows.length === 0) break;
      after = rows[rows.length - 1]!.seq;
      inbox += await this.repo.deletePending(
        tenantId,
        rows.filter((row) => theirs(row.body)).map((row) => row.seq),
      );
      if (rows.length < page) break;
    }
    let quarantine = 0;
    after = 0;
    for (;;) {
      const rows = await this.repo.quarantinePage(tenantId, after, page);
      if (rows.length === 0) break;
      after = rows[rows.length - 1]!.id;
      quarantine += await this.repo.deleteQuarantined(
        tenantId,
        rows.filter((row) => theirs(row.body)).map((row) => row.id),
      );
      if (rows.length < page) break;
    }
    return { inbox, quarantine };
  }
}
