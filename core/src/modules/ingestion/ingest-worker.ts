import os from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { ZonedClock } from '../../lib/zoned-clock.js';
import type { AnalyticsEngine, OlapEventRow } from '../../store/olap/analytics-engine.js';
import { propertyColumnType } from '../../store/olap/dialect.js';
import { coerce, MISMATCH } from '../../store/olap/values.js';
import { INBOX_PARTITIONS } from '../../store/oltp/migrations/0009_ingestion.js';
import { isDeadlock, isOltpUnavailable } from '../../store/oltp/oltp-store.js';
import { holderIsGone } from '../../store/oltp/process-lease.js';
import type { PropertyType } from '../../kernel/contributions.js';
import {
  backoff,
  IdentityConflictError,
  WeChatAccountNotBoundError,
  type ContactsService,
  type IdentityBatch,
} from '../contacts/contacts.service.js';
import { validateTraits } from '../contacts/traits.js';
import type { MetadataService } from '../metadata/metadata.service.js';
import type { TenantService } from '../tenancy/tenant.service.js';
import { Enricher, enrichableBy } from './enrichment.js';
import {
  PartitionTakenError,
  type IngestionRepo,
  type InboxRow,
  type LoadBatchRow,
  type QuarantineRow,
} from './ingestion.repo.js';
import { eventTimeOf, idOf, ingestLimits, isMessageType, weChatInfoOf, type InboxMessage } from './message.js';

/** What a loaded batch tells its listeners (journey triggers, real-time groups). */
export interface BatchLoaded {
  tenantId: string;
  batchId: string;
  events: number;
  /** Contacts created or changed by the batch, and those it loaded events for. */
  contactIds: string[];
}

export type BatchLoadedListener = (batch: BatchLoaded) => void | Promise<void>;

export interface IngestWorkerOptions {
  /** Messages taken per partition pass (one load batch per tenant among them). */
  batchSize: number;
  /** Idle wait between passes that found nothing. */
  idleMs: number;
  leaseTtlMs: number;
  /**
   * `all` (embedded mode: one process): lease every free partition. `fair` (scaled mode, ADR 0067):
   * each live worker (heartbeat in `ingest_worker`) holds at most ceil(16 / live workers) and frees the
   * extra ones at a pass boundary, never in the middle of a batch.
   */
  share: 'all' | 'fair';
  /** How often a `fair` worker renews its heartbeat and counts the live workers. */
  heartbeatMs: number;
  /**
   * Scaled mode's load cadence (ADR 0067): a partition's messages of a tenant are taken only once the
   * oldest waited this long, or a whole `batchSize` is pending — so each (partition, tenant) loads at
   * most once per interval, in large batches. 0 (embedded mode) = at once. `drain()` ignores it.
   */
  loadIntervalMs: number;
  /** The direction of a system event type (the plugins' definitions); undefined for others (inbound). */
  eventDirection: (code: string) => 'inbound' | 'outbound' | undefined;
}

const defaults: IngestWorkerOptions = {
  batchSize: 1000,
  idleMs: 200,
  leaseTtlMs: 30_000,
  share: 'all',
  heartbeatMs: 1000,
  loadIntervalMs: 0,
  eventDirection: () => undefined,
};

/** The user-ID type of a plugin's message (core sets it for `via: 'plugin'` only; ADR 0038). */
function pluginUserIdTypeOf(message: InboxMessage): string | undefined {
  return message.via === 'plugin' && typeof message.userIdType === 'string' && message.userIdType !== ''
    ? message.userIdType
    : undefined;
}
const IDENTITY_ATTEMPTS = 8;
/** Problems kept per quarantined message (a message with thousands of bad keys keeps the first ones). */
const PROBLEMS_KEPT = 50;
/** Distinct subjects counted per batch and reason; more are counted under `*`. */
const SUBJECTS_PER_BATCH = 100;

/**
 * A batch failed at a stage that wrote nothing anywhere: `prepare` (its OLTP transaction rolled
 * back) or `load` (the analytics engine's load is atomic; the recorded batch is undone before
 * this is thrown). Its messages can be retried one by one to isolate the one that fails.
 */
class BatchFailedError extends Error {
  constructor(
    readonly failure: unknown,
    readonly stage: 'prepare' | 'load',
  ) {
    super(`load batch failed at ${stage}: ${failure instanceof Error ? failure.name : typeof failure}`);
    this.name = 'BatchFailedError';
  }
}

/** Errors that say nothing about the messages (the database is away, another worker took over). */
function isTransient(error: unknown): boolean {
  return (
    isOltpUnavailable(error) ||
    isDeadlock(error) ||
    error instanceof PartitionTakenError ||
    error instanceof IdentityConflictError
  );
}

function capProblems(problems: { path: string; code: string }[]): { path: string; code: string }[] {
  if (problems.length <= PROBLEMS_KEPT) return problems;
  return [...problems.slice(0, PROBLEMS_KEPT), { path: `+${problems.length - PROBLEMS_KEPT}`, code: 'more_problems' }];
}
const DAY_MS = 24 * 3600 * 1000;

/** Messages a partition pass took (those left waiting for the load cadence are not counted). */
function takenOf(byTenant: ReadonlyMap<string, readonly unknown[]>): number {
  let taken = 0;
  for (const list of byTenant.values()) taken += list.length;
  return taken;
}
const PRUNE_EVERY_MS = 10 * 60 * 1000;

type Problem = { path: string; code: string };
type Quarantine = { kind: 'quarantine'; reason: string; problems?: Problem[]; event?: string };
type Decision = { kind: 'event'; row: OlapEventRow } | { kind: 'identify' } | { kind: 'alias' } | Quarantine;

/** The event a message loads as, with its properties before enrichment (docs/decisions/0026). */
interface EventShape {
  event: string;
  properties: Record<string, unknown>;
  /** Keys kept in `extra` by design, not counted as undeclared properties (a group's `traits`). */
  extraOnly?: string;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** A Segment page's fields (in `properties`, else in `context.page`) and the `$pageview` properties they fill. */
const PAGE_FIELDS: readonly [string, string][] = [
  ['url', 's_url'],
  ['path', 's_urlPath'],
  ['title', 's_title'],
  ['referrer', 's_referrer'],
];

/**
 * What a track, page, screen or group message loads as: track its `event`; page → `$pageview`
 * (url, path, title, referrer from `properties`, else from `context.page`, and `name` become
 * s_url, s_urlPath, s_title, s_referrer, s_pageName; `category` a property); screen →
 * `$AppViewScreen` (`name` → s_screenName); group → `$group` (`groupId` → s_groupId, the group's
 * traits in `extra.traits`). Other properties pass as sent.
 */
function eventShapeOf(message: InboxMessage): EventShape | Quarantine {
  const sent = message.properties ?? {};
  if (message.type !== 'group' && !isPlainObject(sent))
    return { kind: 'quarantine', reason: 'properties_invalid', problems: [{ path: 'properties', code: 'object.base' }] };
  const properties: Record<string, unknown> = { ...(sent as Record<string, unknown>) };
  const put = (code: string, value: unknown) => {
    if (properties[code] === undefined && value !== undefined && value !== null) properties[code] = value;
  };
  switch (message.type) {
    case 'page': {
      const context = isPlainObject(message.context) ? message.context : {};
      const page = isPlainObject(context.page) ? context.page : {};
      for (const [key, code] of PAGE_FIELDS) {
        const given = properties[key];
        delete properties[key];
        put(code, given ?? page[key]);
      }
      put('s_pageName', message.name);
      put('category', message.category);
      return { event: '$pageview', properties };
    }
    case 'screen':
      put('s_screenName', message.name);
      return { event: '$AppViewScreen', properties };
    case 'group': {
      const groupId = idOf(message.groupId);
      if (groupId === undefined)
        return {
          kind: 'quarantine',
          reason: 'group_id_missing',
          event: '$group',
          problems: [{ path: 'groupId', code: 'any.required' }],
        };
      const traits = message.traits ?? {};
      if (!isPlainObject(traits))
        return {
          kind: 'quarantine',
          reason: 'traits_invalid',
          event: '$group',
          problems: [{ path: 'traits', code: 'object.base' }],
        };
      return {
        event: '$group',
        properties: { s_groupId: groupId, ...(Object.keys(traits).length > 0 ? { traits } : {}) },
        extraOnly: 'traits',
      };
    }
    default: {
      const event = message.event;
      if (typeof event !== 'string' || event === '') return { kind: 'quarantine', reason: 'event_missing' };
      return { event, properties };
    }
  }
}

/**
 * The ingest worker (ARCHITECTURE §5.3): leases inbox partitions and drains each in sequence
 * order. Per tenant among the taken messages, one OLTP transaction resolves identity, checks the
 * metadata, quarantines what cannot load, records the `load_batch` and marks its messages as
 * taken; then the batch is loaded into OLAP under its id (the ledger makes a repeat a no-op); then
 * the batch is finished. A crash anywhere loses nothing and loads nothing twice: an unfinished
 * batch is loaded again under the same id on the next pass.
 */
export class IngestWorker {
  readonly holder = `${os.hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private readonly options: IngestWorkerOptions;
  private readonly listeners: BatchLoadedListener[] = [];
  /** Event and property codes already recorded as arrived (metadata blocks their deletion). */
  private readonly arrived = new Set<string>();
  private running: Promise<unknown> = Promise.resolve();
  private started = false;
  private timer: NodeJS.Timeout | undefined;
  private wakeRequested = false;
  private lastPrune = 0;
  /** Until when (this process's clock) each partition lease is surely ours: renewed past half its TTL. */
  private readonly heldUntil = new Map<number, number>();
  /** Device and place properties from context.userAgent / context.ip, cached per distinct value. */
  private readonly enricher = new Enricher();
  /** `fair` share: the live workers seen at the last heartbeat, and when it was. */
  private liveWorkers = 1;
  private lastHeartbeat = 0;
  /** Partitions are visited from a per-process offset, so workers starting together do not all race for partition 0. */
  private readonly firstPartition = randomBytes(1)[0]! % INBOX_PARTITIONS;

  constructor(
    private readonly repo: IngestionRepo,
    private readonly contacts: ContactsService,
    private readonly metadata: MetadataService,
    private readonly tenants: TenantService,
    private readonly olap: AnalyticsEngine,
    private readonly logger: Logger,
    options: Partial<IngestWorkerOptions> = {},
  ) {
    this.options = { ...defaults, ...options };
  }

  onBatchLoaded(listener: BatchLoadedListener): void {
    this.listeners.push(listener);
  }

  // ---- the loop -----------------------------------------------------------------------------------

  start(): void {
    if (this.started) return;
    this.started = true;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.started = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running.catch(() => undefined);
    this.heldUntil.clear();
    await this.repo.release(this.holder).catch(() => undefined);
    if (this.options.share === 'fair') await this.repo.retire(this.holder).catch(() => undefined);
  }

  /** New messages were appended in this process: drain soon instead of after the idle wait. */
  wake(): void {
    if (!this.started) return;
    this.wakeRequested = true;
    if (this.timer) {
      clearTimeout(this.timer);
      this.schedule(0);
    }
  }

  private schedule(delay: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.wakeRequested = false;
      void this.serial(() => this.pass())
        .catch((error: unknown) => {
          this.logger.error({ err: error }, 'ingest pass failed');
          return 0;
        })
        .then((taken) => {
          if (this.started) this.schedule(taken > 0 || this.wakeRequested ? 0 : this.options.idleMs);
        });
    }, delay);
  }

  /** Passes never overlap in one process (the loop and `drain()` share this queue). */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.running.catch(() => undefined).then(work);
    this.running = next;
    return next;
  }

  /**
   * Drains until nothing is pending (tests, `huiliu` commands, the benchmark): every partition this
   * process can lease, then the contact outbox. Returns the messages taken.
   */
  drain(): Promise<number> {
    return this.serial(async () => {
      let total = 0;
      for (;;) {
        const taken = await this.pass({ flush: true });
        total += taken;
        if (taken === 0) return total;
      }
    });
  }

  /**
   * One pass over every partition; returns how many messages it took. `flush`: take what is pending
   * now, whatever the load cadence says.
   */
  private async pass(options: { flush?: boolean } = {}): Promise<number> {
    let taken = 0;
    let failure: unknown;
    if (this.options.share === 'fair') await this.rebalance();
    for (let step = 0; step < INBOX_PARTITIONS; step += 1) {
      const partition = (this.firstPartition + step) % INBOX_PARTITIONS;
      try {
        if (!(await this.holds(partition))) continue;
        taken += await this.drainPartition(partition, options.flush === true);
      } catch (error) {
        // One partition's trouble never holds up the others; the pass reports it at the end.
        failure ??= error;
        this.logger.error({ err: error, partition }, 'inbox partition failed; the others go on');
      }
    }
    if (failure !== undefined) throw failure;
    // Contact changes made outside the pipeline (console edits, imports) reach OLAP here too.
    await this.contacts.syncAll();
    if (Date.now() - this.lastPrune > PRUNE_EVERY_MS) await this.prune();
    return taken;
  }

  /**
   * Takes or renews the partition's lease — a write only once half of its TTL has passed. One held
   * by a process of this host that is gone (killed) is taken over at once rather than a whole TTL
   * later, as the analytics owner lease is; its unfinished batch is then recovered like any other.
   */
  private async holds(partition: number): Promise<boolean> {
    const now = Date.now();
    if ((this.heldUntil.get(partition) ?? 0) - this.options.leaseTtlMs / 2 > now) return true;
    // A fair share is full: a partition not held yet is left to the other workers.
    if (this.options.share === 'fair' && !this.heldUntil.has(partition) && this.heldUntil.size >= this.fairShare()) return false;
    let leased = await this.repo.lease(partition, this.holder, this.options.leaseTtlMs);
    if (!leased) {
      const previous = await this.repo.holderOf(partition);
      if (
        previous &&
        holderIsGone(previous) &&
        (await this.repo.takeOver(partition, previous, this.holder, this.options.leaseTtlMs))
      ) {
        this.logger.warn({ partition, previous }, 'took over the inbox partition of a process that is gone');
        leased = true;
      }
    }
    if (leased) {
      if (!this.heldUntil.has(partition)) this.logger.info({ partition, holder: this.holder }, 'inbox partition leased');
      this.heldUntil.set(partition, now + this.options.leaseTtlMs);
    } else if (this.heldUntil.delete(partition)) {
      this.logger.warn({ partition, holder: this.holder }, 'inbox partition lease lost to another worker');
    }
    return leased;
  }

  /** The most partitions this worker may hold: ceil(16 / live workers). */
  private fairShare(): number {
    return Math.ceil(INBOX_PARTITIONS / Math.max(1, this.liveWorkers));
  }

  /**
   * At a pass boundary (no batch of this worker is open): renew the heartbeat, count the live workers,
   * and free the partitions beyond the fair share so the others can lease them. Heartbeats of
   * processes of this host that are gone (killed) do not count.
   */
  private async rebalance(): Promise<void> {
    const now = Date.now();
    if (now - this.lastHeartbeat >= this.options.heartbeatMs) {
      const live = await this.repo.heartbeat(this.holder, this.options.leaseTtlMs, holderIsGone);
      this.lastHeartbeat = now;
      if (live.length !== this.liveWorkers)
        this.logger.info({ holder: this.holder, liveWorkers: live.length }, 'ingest workers changed');
      this.liveWorkers = Math.max(1, live.length);
    }
    const share = this.fairShare();
    const held = [...this.heldUntil.keys()].sort((a, b) => a - b);
    if (held.length <= share) return;
    const extra = held.slice(share);
    // Said before the release: from here on this worker does no more work in them.
    this.logger.info({ partitions: extra, holder: this.holder, share }, 'inbox partitions released to other workers');
    for (const partition of extra) this.heldUntil.delete(partition);
    await this.repo.release(this.holder, extra);
  }

  private async prune(): Promise<void> {
    this.lastPrune = Date.now();
    const now = await this.repo.now();
    // Drained messages stay for the dedupe window (7 days, longer than the 3 days of replay).
    while ((await this.repo.pruneInbox(now - ingestLimits.dedupeDays * DAY_MS, 5000)) > 0);
    while ((await this.repo.pruneQuarantine(now, 5000)) > 0);
    while ((await this.repo.pruneBatches(now - ingestLimits.dedupeDays * DAY_MS, 5000)) > 0);
  }

  private async drainPartition(partition: number, flush: boolean): Promise<number> {
    for (const batch of await this.repo.unfinished(partition)) await this.recover(batch);
    const rows = await this.repo.pending(partition, this.options.batchSize);
    const byTenant = new Map<string, InboxRow[]>();
    for (const row of rows) {
      const tenantId = String(row.tenant_id);
      let list = byTenant.get(tenantId);
      if (!list) byTenant.set(tenantId, (list = []));
      list.push(row);
    }
    // Scaled mode's cadence: a tenant's messages wait until the oldest is old enough or a batch is full.
    if (!flush && this.options.loadIntervalMs > 0 && rows.length < this.options.batchSize) {
      const due = Date.now() - this.options.loadIntervalMs;
      for (const [tenantId, list] of byTenant) if (Number(list[0]!.received_at) > due) byTenant.delete(tenantId);
    }
    for (const [tenantId, list] of byTenant) {
      try {
        await this.loadTenant(tenantId, partition, list);
      } catch (error) {
        // Another worker holds the partition now (our lease lapsed): it drains these messages.
        if (error instanceof PartitionTakenError) {
          this.logger.warn({ partition }, 'inbox partition taken by another worker; leaving it');
          return takenOf(byTenant);
        }
        if (!(error instanceof BatchFailedError)) throw error;
        await this.isolate(tenantId, partition, list, error);
      }
    }
    return takenOf(byTenant);
  }

  /**
   * A batch failed because of its content: its messages are tried one by one, and one that still
   * fails is quarantined as `load_failed` (replayable once the cause is fixed) — one bad message
   * never stalls its partition.
   */
  private async isolate(tenantId: string, partition: number, rows: InboxRow[], failure: BatchFailedError): Promise<void> {
    this.logger.warn(
      { tenantId, partition, messages: rows.length, stage: failure.stage, err: failure.failure },
      'load batch failed; isolating its messages',
    );
    for (const row of rows) {
      try {
        if (rows.length === 1) throw failure;
        await this.loadTenant(tenantId, partition, [row]);
      } catch (error) {
        if (!(error instanceof BatchFailedError)) throw error;
        await this.repo.transaction(async () => {
          const now = Date.now();
          const batchId = await this.repo.recordBatch(tenantId, partition, [row.seq], { events: 0, quarantined: 1 }, now);
          let message: Partial<InboxMessage> = {};
          try {
            message = JSON.parse(row.body) as InboxMessage;
          } catch {
            // Kept as it is in `body`.
          }
          await this.repo.quarantine(tenantId, [
            {
              message_id: row.message_id,
              reason: 'load_failed',
              event: typeof message.event === 'string' ? message.event.slice(0, 128) : null,
              type: typeof message.type === 'string' ? message.type.slice(0, 16) : 'unknown',
              // The stage only: an engine's error text may quote the message's values.
              problems: JSON.stringify([{ path: '*', code: error.stage === 'load' ? 'olap_rejected' : 'oltp_rejected' }]),
              body: row.body,
              load_batch_id: batchId,
              received_at: Number(row.received_at),
              quarantined_at: now,
              expires_at: now + ingestLimits.quarantineDays * DAY_MS,
              replayed_at: null,
              replayed_by: null,
            },
          ]);
          await this.repo.finishBatch(tenantId, partition, batchId, now);
        });
      }
    }
  }

  /** A batch recorded before a crash: its own messages, loaded again under the same id. */
  private async recover(batch: LoadBatchRow): Promise<void> {
    const tenantId = String(batch.tenant_id);
    const rows = await this.repo.ofBatch(tenantId, batch.partition, String(batch.id));
    this.logger.warn({ tenantId, batchId: String(batch.id), messages: rows.length }, 'finishing a load batch left unfinished');
    try {
      await this.loadTenant(tenantId, batch.partition, rows, String(batch.id));
    } catch (error) {
      // Undone (or never prepared): its messages are pending again and the next pass isolates them.
      if (!(error instanceof BatchFailedError)) throw error;
      if (error.stage === 'prepare') await this.repo.transaction(() => this.repo.undoBatch(tenantId, String(batch.id)));
    }
  }

  // ---- one tenant's batch -----------------------------------------------------------------------------

  private async loadTenant(tenantId: string, partition: number, rows: InboxRow[], existingBatchId?: string): Promise<void> {
    const tenant = await this.tenants.get(tenantId);
    const metadata = await this.metadata.describe(tenantId);
    const clock = new ZonedClock(tenant.timeZone);
    const eventCodes = new Set(metadata.events.map((e) => e.code));
    const enrichable = enrichableBy(metadata.events);
    const propertyTypes = new Map<string, PropertyType>(metadata.eventProperties.map((p) => [p.code, p.type]));
    const fields = (await this.metadata.contactFields(tenantId)).map((f) => ({ key: f.key, type: f.type }));
    // RSA-encrypted mobiles (§1.11.4.7.6) are longer than any number.
    const mobileMax = await this.contacts.mobileMax(tenantId);

    let prepared: { batchId: string; events: OlapEventRow[]; changed: string[] } | undefined;
    for (let attempt = 1; !prepared; attempt += 1) {
      try {
        prepared = await this.repo.transaction(async () => {
          const now = Date.now();
          const messages = rows.map((row) => ({ row, message: JSON.parse(row.body) as InboxMessage }));
          // A plugin's message names a user id of its own type (no externalId, no anonymousId).
          const accounts = messages.flatMap(({ message }) => {
            const idType = pluginUserIdTypeOf(message);
            const userId = idOf(message.userId);
            return idType && userId !== undefined ? [{ channelId: message.channelId, idType, userId }] : [];
          });
          const identity = await this.contacts.identityBatch(
            tenantId,
            messages.flatMap(({ message }) => {
              if (pluginUserIdTypeOf(message)) return [];
              const ids = {
                channelId: message.channelId,
                userId: idOf(message.userId) ?? null,
                anonymousId: idOf(message.anonymousId) ?? null,
              };
              // An alias's earlier id is looked up as an externalId and as an anonymousId.
              const previousId = message.type === 'alias' ? idOf(message.previousId) : undefined;
              return previousId === undefined
                ? [ids]
                : [ids, { channelId: message.channelId, userId: previousId, anonymousId: previousId }];
            }),
            now,
            accounts,
          );
          const already = existingBatchId ? await this.alreadyQuarantined(tenantId, existingBatchId, rows) : new Set<string>();
          const events: OlapEventRow[] = [];
          const quarantined: Omit<QuarantineRow, 'id' | 'tenant_id' | 'load_batch_id'>[] = [];
          const issues = new Map<string, { reason: string; subject: string; count: number }>();
          const seen = { events: new Set<string>(), properties: new Set<string>() };
          const subjects = new Map<string, number>();
          const count = (reason: string, given: string) => {
            let subject = given;
            if (!issues.has(`${reason}\u0000${subject}`)) {
              const distinct = subjects.get(reason) ?? 0;
              if (distinct >= SUBJECTS_PER_BATCH) subject = '*';
              else subjects.set(reason, distinct + 1);
            }
            const k = `${reason}\u0000${subject}`;
            const entry = issues.get(k);
            if (entry) entry.count += 1;
            else issues.set(k, { reason, subject, count: 1 });
          };
          for (const { row, message } of messages) {
            if (already.has(String(row.seq))) continue;
            const decision = await this.decide(message, identity, {
              eventCodes,
              enrichable,
              propertyTypes,
              fields,
              mobileMax,
              clock,
              now,
              count,
              seen,
            });
            if (decision.kind === 'event') events.push(decision.row);
            else if (decision.kind === 'quarantine')
              quarantined.push({
                message_id: typeof message.messageId === 'string' ? message.messageId.slice(0, 128) : row.message_id,
                reason: decision.reason,
                // An empty event (event_missing) is no event: null, as the quarantine list answers it.
                event:
                  decision.event ??
                  (typeof message.event === 'string' && message.event !== '' ? message.event.slice(0, 128) : null),
                type: typeof message.type === 'string' ? message.type.slice(0, 16) : 'unknown',
                problems: decision.problems ? JSON.stringify(capProblems(decision.problems)) : null,
                body: row.body,
                received_at: Number(row.received_at),
                quarantined_at: now,
                expires_at: now + ingestLimits.quarantineDays * DAY_MS,
                replayed_at: null,
                replayed_by: null,
              });
          }
          const changed = await identity.finish();
          const batchId =
            existingBatchId ??
            (await this.repo.recordBatch(
              tenantId,
              partition,
              rows.map((r) => r.seq),
              { events: events.length, quarantined: quarantined.length },
              now,
            ));
          // Quarantine rows carry their batch: a recovery does not quarantine the same message twice.
          await this.repo.quarantine(
            tenantId,
            quarantined.map((q) => ({ ...q, load_batch_id: batchId })),
          );
          // A recovered batch's counts were committed with its first attempt.
          if (issues.size > 0 && !existingBatchId) await this.repo.countIssues(tenantId, clock.localDate(now), issues, now);
          await this.recordArrivals(tenantId, seen);
          return { batchId, events, changed };
        });
      } catch (error) {
        if ((error instanceof IdentityConflictError || isDeadlock(error)) && attempt < IDENTITY_ATTEMPTS) {
          await backoff(attempt);
          continue;
        }
        throw isTransient(error) ? error : new BatchFailedError(error, 'prepare');
      }
    }

    const { batchId, events, changed } = prepared;
    if (events.length > 0) {
      try {
        await this.olap.forTenant(tenantId).load({ batchId: `ingest-${batchId}`, events });
      } catch (error) {
        if (isTransient(error)) throw error;
        // Nothing was loaded (a load is atomic): undo the recorded batch so its messages are judged again.
        await this.repo.transaction(() => this.repo.undoBatch(tenantId, batchId));
        throw new BatchFailedError(error, 'load');
      }
    }
    await this.repo.transaction(() => this.repo.finishBatch(tenantId, partition, batchId, Date.now()));
    this.logger.debug({ tenantId, partition, batchId, messages: rows.length, holder: this.holder }, 'load batch finished');
    if (events.length > 0 && tenant.firstEventAt === null) await this.tenants.markFirstEvent(tenantId, Date.now());
    while ((await this.contacts.syncToOlap(tenantId)) > 0);
    // The contacts the batch changed: identified or edited, and those with new events (real-time groups, journeys).
    const contactIds = [...new Set([...changed, ...events.map((event) => String(event.contactId))])];
    for (const listener of this.listeners) {
      try {
        await listener({ tenantId, batchId, events: events.length, contactIds });
      } catch (error) {
        this.logger.error({ err: error, tenantId, batchId }, 'batchLoaded listener failed');
      }
    }
  }

  private async alreadyQuarantined(tenantId: string, batchId: string, rows: InboxRow[]): Promise<Set<string>> {
    const bodies = new Set((await this.repo.quarantinedOfBatch(tenantId, batchId)).map((q) => q.body));
    return new Set(rows.filter((r) => bodies.has(r.body)).map((r) => String(r.seq)));
  }

  private async recordArrivals(tenantId: string, seen: { events: Set<string>; properties: Set<string> }): Promise<void> {
    const fresh = (codes: Set<string>, kind: string) =>
      [...codes].filter((code) => !this.arrived.has(`${tenantId}:${kind}:${code}`));
    const events = fresh(seen.events, 'e');
    const properties = fresh(seen.properties, 'p');
    if (events.length === 0 && properties.length === 0) return;
    await this.metadata.recordArrivals(tenantId, { events, properties });
    for (const code of events) this.arrived.add(`${tenantId}:e:${code}`);
    for (const code of properties) this.arrived.add(`${tenantId}:p:${code}`);
  }

  /** What becomes of one message: an event row, an applied identify or alias, or a quarantine reason. */
  private async decide(
    message: InboxMessage,
    identity: IdentityBatch,
    context: {
      eventCodes: Set<string>;
      /** The enriched SDK presets each event carries (enrichment.ts). */
      enrichable: Map<string, ReadonlySet<string>>;
      propertyTypes: Map<string, PropertyType>;
      fields: { key: string; type: 'string' | 'integer' | 'decimal' | 'date' | 'anniversary' }[];
      mobileMax: number | undefined;
      clock: ZonedClock;
      now: number;
      count(reason: string, subject: string): void;
      seen: { events: Set<string>; properties: Set<string> };
    },
  ): Promise<Decision> {
    // Fields nested deeper than a message may be were left out when accepted (message.ts).
    if (Array.isArray(message.tooDeep) && message.tooDeep.length > 0)
      return {
        kind: 'quarantine',
        reason: 'message_too_deep',
        problems: message.tooDeep.map((path) => ({ path: String(path), code: 'message_too_deep' })),
      };
    if (message.type === 'invalid') return { kind: 'quarantine', reason: 'message_invalid' };
    if (!isMessageType(message.type)) return { kind: 'quarantine', reason: 'type_unsupported' };
    const userId = idOf(message.userId);
    const anonymousId = idOf(message.anonymousId);
    // An alias names an earlier id (an anonymousId or an earlier userId) and the userId it becomes.
    const previousId = message.type === 'alias' ? idOf(message.previousId) : undefined;
    if (message.type === 'alias') {
      // Not a string or number (an object, a boolean…): said as such, as for an invalid userId.
      if (
        previousId === undefined &&
        message.previousId !== undefined &&
        message.previousId !== null &&
        typeof message.previousId !== 'string'
      )
        return { kind: 'quarantine', reason: 'identity_invalid', problems: [{ path: 'previousId', code: 'string.base' }] };
      if (previousId === undefined)
        return {
          kind: 'quarantine',
          reason: 'alias_previous_id_missing',
          problems: [{ path: 'previousId', code: 'any.required' }],
        };
      if (!userId)
        return { kind: 'quarantine', reason: 'identity_missing', problems: [{ path: 'userId', code: 'any.required' }] };
    }
    if (!userId && !anonymousId) return { kind: 'quarantine', reason: 'identity_missing' };
    for (const [path, id] of [
      ['userId', userId],
      ['anonymousId', anonymousId],
      ['previousId', previousId],
    ] as const)
      if (id !== undefined && id.length > 191)
        return { kind: 'quarantine', reason: 'identity_invalid', problems: [{ path, code: 'string.max' }] };
    const time = eventTimeOf(message, context.now);
    if (!time.ok) return { kind: 'quarantine', reason: time.reason };
    // A plugin's message: its user id is of the plugin's type; a blocked one names no one (ADR 0038).
    const pluginIdType = pluginUserIdTypeOf(message);
    if (pluginIdType && !identity.usable(userId)) return { kind: 'quarantine', reason: 'identity_blocked' };
    const resolve = (adopt?: string) =>
      pluginIdType
        ? identity.account(message.channelId, pluginIdType, userId!, time.at, adopt)
        : identity.resolve({ channelId: message.channelId, userId, anonymousId }, time.at, adopt);

    if (message.type === 'alias') {
      // A blocked userId names no one: the alias would attach the earlier id to nobody.
      if (!identity.usable(userId)) return { kind: 'quarantine', reason: 'identity_blocked' };
      const resolved = await identity.alias({ channelId: message.channelId, userId, anonymousId }, previousId!, time.at);
      if (!resolved) return { kind: 'quarantine', reason: 'identity_blocked' };
      return { kind: 'alias' };
    }

    if (message.type === 'identify') {
      const given = message.traits ?? {};
      if (!isPlainObject(given))
        return { kind: 'quarantine', reason: 'traits_invalid', problems: [{ path: 'traits', code: 'object.base' }] };
      // RudderStack (and analytics.js) put traits in context.traits: both count, traits wins per key.
      const contextTraits = isPlainObject(message.context) ? message.context.traits : undefined;
      const traits = isPlainObject(contextTraits) ? { ...contextTraits, ...given } : given;
      const { weChatInfo: weChatTrait, ...profile } = traits;
      // The Open API may not write the birthday (seed); SDKs, CSV sync and connectors may (ADR 0038).
      const checked = validateTraits(profile, context.fields, {
        birthdayWritable: message.via !== 'openapi',
        mobileMax: context.mobileMax,
      });
      if (checked.problems.length > 0) return { kind: 'quarantine', reason: 'traits_invalid', problems: checked.problems };
      for (const key of checked.unknown) context.count('trait_unknown', key.slice(0, 128));
      // weChatInfo (seed §2.1.1.1): the Open API's field, or the SDK profile's (inside traits).
      const weChat = weChatInfoOf(message.weChatInfo ?? weChatTrait);
      if (weChat === 'invalid') return { kind: 'quarantine', reason: 'wechat_info_invalid' };
      let weChatChannel: string | undefined;
      let fan: string | undefined;
      if (weChat) {
        try {
          weChatChannel = await identity.weChatChannelOf(weChat.appId);
        } catch (error) {
          if (error instanceof WeChatAccountNotBoundError) return { kind: 'quarantine', reason: 'wechat_account_not_bound' };
          throw error;
        }
        fan = await identity.weChatContact(weChatChannel, weChat);
      }
      const resolved = await resolve(fan);
      if (!resolved) return { kind: 'quarantine', reason: 'identity_blocked' };
      const contactId = weChat
        ? await identity.linkWeChat(resolved.contactId, weChatChannel!, weChat, time.at)
        : resolved.contactId;
      await identity.identify(contactId, checked.patch, time.at);
      return { kind: 'identify' };
    }

    const shape = eventShapeOf(message);
    if ('kind' in shape) return shape;
    const { event, properties: sent, extraOnly } = shape;
    if (!context.eventCodes.has(event)) return { kind: 'quarantine', reason: 'event_undeclared', event };
    // $os, $city… from the context, where the client sent none and the event carries them.
    const properties = this.enricher.enrich(sent, message.context, context.enrichable.get(event));
    for (const [name, value] of Object.entries(properties)) {
      const type = context.propertyTypes.get(name);
      if (type === undefined) {
        if (name !== extraOnly) context.count('property_undeclared', name.slice(0, 128));
        continue;
      }
      context.seen.properties.add(name);
      if (value !== null && value !== undefined && coerce(value, propertyColumnType(type), context.clock) === MISMATCH)
        context.count('property_type_mismatch', name);
    }
    context.seen.events.add(event);
    const resolved = await resolve();
    if (!resolved) return { kind: 'quarantine', reason: 'identity_blocked' };
    // A plugin's outbound event (what we did to the contact) stays outbound, as its type says.
    const direction = pluginIdType ? (this.options.eventDirection(event) ?? 'inbound') : 'inbound';
    // Last active = the latest inbound event time not after its receipt (ARCHITECTURE §5.5).
    if (direction === 'inbound' && time.at <= message.receivedAt) identity.active(resolved.contactId, time.at);
    return {
      kind: 'event',
      row: {
        eventTime: time.at,
        event,
        contactId: resolved.contactId,
        messageId: message.messageId,
        direction,
        channelId: message.channelId,
        channelAccountId: resolved.accountId,
        receivedAt: message.receivedAt,
        properties,
      },
    };
  }
}
