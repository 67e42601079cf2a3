import { INBOX_PARTITIONS } from '../../store/oltp/migrations/0009_ingestion.js';
import type { ModuleDatabase } from '../../store/oltp/oltp-store.js';

export interface InboxRow {
  seq: number | string;
  tenant_id: number | string;
  partition: number;
  message_id: string;
  body: string;
  received_at: number | string;
  load_batch_id: number | string | null;
  drained_at: number | string | null;
}

export interface LoadBatchRow {
  id: number | string;
  tenant_id: number | string;
  partition: number;
  from_seq: number | string;
  to_seq: number | string;
  state: 'loading' | 'loaded';
  messages: number;
  events: number;
  quarantined: number;
  created_at: number | string;
  loaded_at: number | string | null;
}

export interface QuarantineRow {
  id: number | string;
  tenant_id: number | string;
  message_id: string;
  reason: string;
  event: string | null;
  type: string;
  problems: string | null;
  body: string;
  load_batch_id: number | string | null;
  received_at: number | string;
  quarantined_at: number | string;
  expires_at: number | string;
  replayed_at: number | string | null;
  replayed_by: number | string | null;
}

export interface NewInboxRow {
  tenant_id: string;
  partition: number;
  message_id: string;
  body: string;
  received_at: number;
}

/** Messages this worker read were taken by another batch meanwhile: the transaction rolls back. */
export class PartitionTakenError extends Error {
  constructor(readonly partition: number) {
    super(`messages of inbox partition ${partition} were taken by another worker`);
    this.name = 'PartitionTakenError';
  }
}

/** Inserts per statement: well under SQLite's 32,766 parameters and MySQL's packet size. */
const INSERT_CHUNK = 200;

/**
 * Every partition, for inbox queries that do not name one: `partition IN (0…15)` lets them use the
 * (partition, load_batch_id, seq) index as 16 ranges instead of scanning the whole index (the inbox
 * keeps 7 days of drained rows).
 */
const ALL_PARTITIONS = Array.from({ length: INBOX_PARTITIONS }, (_, partition) => partition);

/**
 * The inbox, load batches, quarantine, issue counters and partition leases. The inbox append and the
 * worker's reads are not tenant-scoped — a writeKey names the tenant of each row it stamps, and a
 * partition holds every tenant's messages — everything else is.
 */
export class IngestionRepo {
  constructor(private readonly db: ModuleDatabase) {}

  transaction<T>(work: () => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }

  now(): Promise<number> {
    return this.db.now();
  }

  /**
   * Appends accepted messages in one transaction. A messageId the tenant already sent within the
   * dedupe window is skipped (UNIQUE(tenant, message_id)): the first copy is durable and counted once.
   */
  async append(rows: readonly NewInboxRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.db.transaction(async () => {
      for (let i = 0; i < rows.length; i += INSERT_CHUNK)
        await this.db
          .unscoped('inbox')
          .insert(rows.slice(i, i + INSERT_CHUNK) as unknown as Record<string, unknown>[])
          .onConflict(['tenant_id', 'message_id'])
          .ignore();
    });
  }

  /** Messages of the partition no batch has taken yet, in sequence order. */
  pending(partition: number, limit: number): Promise<InboxRow[]> {
    return this.db
      .unscoped<InboxRow>('inbox')
      .where({ partition })
      .whereNull('load_batch_id')
      .orderBy('seq')
      .limit(limit)
      .select<InboxRow[]>('*');
  }

  /** The messages a load batch took (exactly those: rows committed late are not among them). */
  ofBatch(tenantId: string, partition: number, batchId: string): Promise<InboxRow[]> {
    return this.db
      .forTenant(tenantId)
      .from<InboxRow>('inbox')
      .where({ partition, load_batch_id: batchId })
      .orderBy('seq')
      .select<InboxRow[]>('*');
  }

  /** Batches recorded but not finished (a crash between recording and finishing), oldest first. */
  unfinished(partition: number): Promise<LoadBatchRow[]> {
    return this.db
      .unscoped<LoadBatchRow>('load_batch')
      .where({ partition, state: 'loading' })
      .orderBy('id')
      .select<LoadBatchRow[]>('*');
  }

  /** Records a batch and marks its messages as taken by it, before anything is loaded. */
  async recordBatch(
    tenantId: string,
    partition: number,
    seqs: readonly (number | string)[],
    counts: { events: number; quarantined: number },
    at: number,
  ): Promise<string> {
    const numeric = seqs.map(Number);
    const id = await this.db.forTenant(tenantId).insert('load_batch', {
      partition,
      from_seq: Math.min(...numeric),
      to_seq: Math.max(...numeric),
      state: 'loading',
      messages: seqs.length,
      events: counts.events,
      quarantined: counts.quarantined,
      created_at: at,
      loaded_at: null,
    });
    // With the partition, SQLite takes the (partition, load_batch_id, seq) index; with the tenant
    // alone it chose UNIQUE(tenant_id, message_id) and walked every row of the tenant.
    let marked = 0;
    for (let i = 0; i < seqs.length; i += 500)
      marked += Number(
        await this.db
          .forTenant(tenantId)
          .from('inbox')
          .where('partition', partition)
          .whereNull('load_batch_id')
          .whereIn('seq', seqs.slice(i, i + 500))
          .update({ load_batch_id: id }),
      );
    // Another worker took some of them (its lease outlived ours): roll back rather than load them twice.
    if (marked !== seqs.length) throw new PartitionTakenError(partition);
    return id;
  }

  /**
   * Undoes a recorded batch whose load wrote nothing: its messages are pending again, and its
   * quarantine rows are removed (judging them again re-creates them).
   */
  async undoBatch(tenantId: string, batchId: string): Promise<void> {
    const db = this.db.forTenant(tenantId);
    await db.from('inbox').where('load_batch_id', batchId).update({ load_batch_id: null });
    await db.from('quarantine').where('load_batch_id', batchId).whereNull('replayed_at').delete();
    await db.from('load_batch').where('id', batchId).where('state', 'loading').delete();
  }

  /** Marks the batch loaded and its messages drained (by the partition's index, not a scan of the inbox). */
  async finishBatch(tenantId: string, partition: number, batchId: string, at: number): Promise<void> {
    await this.db.forTenant(tenantId).from('load_batch').where('id', batchId).update({ state: 'loaded', loaded_at: at });
    await this.db.forTenant(tenantId).from('inbox').where({ partition, load_batch_id: batchId }).update({ drained_at: at });
  }

  /** The newest loaded batch of a tenant (report caches key on it, ARCHITECTURE §5.5). */
  async lastLoaded(tenantId: string): Promise<LoadBatchRow | undefined> {
    return this.db
      .forTenant(tenantId)
      .from<LoadBatchRow>('load_batch')
      .where('state', 'loaded')
      .orderBy('loaded_at', 'desc')
      .orderBy('id', 'desc')
      .first();
  }

  // ---- partitions -----------------------------------------------------------------------------------

  /** Takes (or renews) a partition lease on the database clock; false when another holder has it. */
  async lease(partition: number, holder: string, ttlMs: number): Promise<boolean> {
    const now = await this.db.now();
    const updated = await this.db
      .unscoped('ingest_partition')
      .where({ partition })
      .where((q) => q.whereNull('holder').orWhere('holder', holder).orWhere('expires_at', '<', now))
      .update({ holder, expires_at: now + ttlMs });
    return Number(updated) === 1;
  }

  /** The current holder of a partition lease (null when free). */
  async holderOf(partition: number): Promise<string | null> {
    const row = (await this.db.unscoped('ingest_partition').where({ partition }).select('holder').first()) as
      { holder: string | null } | undefined;
    return row?.holder ?? null;
  }

  /** Takes a partition lease from `previous` (a process that is gone), unless someone else took it first. */
  async takeOver(partition: number, previous: string, holder: string, ttlMs: number): Promise<boolean> {
    const now = await this.db.now();
    const updated = await this.db
      .unscoped('ingest_partition')
      .where({ partition, holder: previous })
      .update({ holder, expires_at: now + ttlMs });
    return Number(updated) === 1;
  }

  /** Frees every partition of `holder` (a stopping worker), or only `partitions` (a fair-share release). */
  async release(holder: string, partitions?: readonly number[]): Promise<void> {
    const query = this.db.unscoped('ingest_partition').where({ holder });
    if (partitions) query.whereIn('partition', partitions);
    await query.update({ holder: null, expires_at: null });
  }

  // ---- worker heartbeats (scaled mode's fair share, ADR 0067) ---------------------------------------------

  /**
   * Renews this worker's heartbeat on the database clock and returns the live workers (heartbeats not
   * expired; this one included), so each can hold at most ceil(16 / live) partitions. Heartbeats of
   * processes known to be gone (`isGone`: same host, pid no longer running) are deleted at once, and
   * expired ones after an hour (kept that long only to be seen in the table by an operator).
   */
  async heartbeat(holder: string, ttlMs: number, isGone: (holder: string) => boolean): Promise<string[]> {
    const now = await this.db.now();
    await this.db
      .unscoped('ingest_worker')
      .insert({ holder, expires_at: now + ttlMs })
      .onConflict('holder')
      .merge();
    const rows = (await this.db.unscoped('ingest_worker').where('expires_at', '>=', now).select('holder')) as {
      holder: string;
    }[];
    const gone = rows.map((row) => row.holder).filter((other) => other !== holder && isGone(other));
    if (gone.length > 0) await this.db.unscoped('ingest_worker').whereIn('holder', gone).delete();
    await this.db
      .unscoped('ingest_worker')
      .where('expires_at', '<', now - 3_600_000)
      .delete();
    return rows.map((row) => row.holder).filter((other) => !gone.includes(other));
  }

  /** A stopping worker is no longer counted. */
  async retire(holder: string): Promise<void> {
    await this.db.unscoped('ingest_worker').where({ holder }).delete();
  }

  /** The partition leases as they are (operators' view; the multi-worker test samples it). */
  leases(): Promise<{ partition: number; holder: string | null; expires_at: number | string | null }[]> {
    return this.db.unscoped('ingest_partition').orderBy('partition').select('partition', 'holder', 'expires_at') as Promise<
      { partition: number; holder: string | null; expires_at: number | string | null }[]
    >;
  }

  // ---- back-pressure and pruning ---------------------------------------------------------------------

  /** Messages accepted and not yet taken by a batch (all tenants). */
  async backlog(): Promise<number> {
    const [row] = await this.db
      .unscoped('inbox')
      .whereIn('partition', ALL_PARTITIONS)
      .whereNull('load_batch_id')
      .count<{ n: number }[]>({ n: '*' });
    return Number(row?.n ?? 0);
  }

  /** Deletes drained messages received before `before` (past the dedupe and replay window). */
  async pruneInbox(before: number, limit: number): Promise<number> {
    const rows = await this.db
      .unscoped<InboxRow>('inbox')
      .where('received_at', '<', before)
      .whereNotNull('drained_at')
      .limit(limit)
      .select<Pick<InboxRow, 'seq'>[]>('seq');
    if (rows.length === 0) return 0;
    return Number(
      await this.db
        .unscoped('inbox')
        .whereIn(
          'seq',
          rows.map((r) => r.seq),
        )
        .delete(),
    );
  }

  async pruneQuarantine(before: number, limit: number): Promise<number> {
    const rows = await this.db
      .unscoped<QuarantineRow>('quarantine')
      .where('expires_at', '<', before)
      .limit(limit)
      .select<Pick<QuarantineRow, 'id'>[]>('id');
    if (rows.length === 0) return 0;
    return Number(
      await this.db
        .unscoped('quarantine')
        .whereIn(
          'id',
          rows.map((r) => r.id),
        )
        .delete(),
    );
  }

  async pruneBatches(before: number, limit: number): Promise<number> {
    const rows = await this.db
      .unscoped<LoadBatchRow>('load_batch')
      .where('state', 'loaded')
      .where('loaded_at', '<', before)
      .limit(limit)
      .select<Pick<LoadBatchRow, 'id'>[]>('id');
    if (rows.length === 0) return 0;
    return Number(
      await this.db
        .unscoped('load_batch')
        .whereIn(
          'id',
          rows.map((r) => r.id),
        )
        .delete(),
    );
  }

  // ---- quarantine and counters -------------------------------------------------------------------------

  async quarantine(tenantId: string, rows: readonly Omit<QuarantineRow, 'id' | 'tenant_id'>[]): Promise<void> {
    const db = this.db.forTenant(tenantId);
    for (let i = 0; i < rows.length; i += INSERT_CHUNK)
      await db.from('quarantine').insert(rows.slice(i, i + INSERT_CHUNK).map((row) => ({ ...row, tenant_id: tenantId })));
  }

  quarantinedOfBatch(tenantId: string, batchId: string): Promise<Pick<QuarantineRow, 'body'>[]> {
    return this.db.forTenant(tenantId).from<QuarantineRow>('quarantine').where('load_batch_id', batchId).select('body');
  }

  /** Adds to the day's counters of (reason, subject). */
  async countIssues(
    tenantId: string,
    day: string,
    counts: ReadonlyMap<string, { reason: string; subject: string; count: number }>,
    at: number,
  ): Promise<void> {
    const db = this.db.forTenant(tenantId);
    for (const { reason, subject, count } of counts.values()) {
      const updated = await db
        .from('ingest_issue')
        .where({ day, reason, subject })
        .update({ occurrences: this.db.raw('occurrences + ?', [count]), last_seen_at: at });
      if (Number(updated) === 0)
        await db.from('ingest_issue').insert({ tenant_id: tenantId, day, reason, subject, occurrences: count, last_seen_at: at });
    }
  }

  quarantineSummary(
    tenantId: string,
  ): Promise<{ reason: string; event: string | null; n: number | string; last: number | string }[]> {
    return this.db
      .forTenant(tenantId)
      .from('quarantine')
      .whereNull('replayed_at')
      .groupBy('reason', 'event')
      .select('reason', 'event')
      .count({ n: '*' })
      .max({ last: 'quarantined_at' }) as unknown as Promise<
      { reason: string; event: string | null; n: number | string; last: number | string }[]
    >;
  }

  issueSummary(
    tenantId: string,
    sinceDay: string,
  ): Promise<{ reason: string; subject: string; n: number | string; last: number | string }[]> {
    return this.db
      .forTenant(tenantId)
      .from('ingest_issue')
      .where('day', '>=', sinceDay)
      .groupBy('reason', 'subject')
      .select('reason', 'subject')
      .sum({ n: 'occurrences' })
      .max({ last: 'last_seen_at' }) as unknown as Promise<
      { reason: string; subject: string; n: number | string; last: number | string }[]
    >;
  }

  async quarantined(
    tenantId: string,
    filter: { reason?: string; event?: string; replayed?: boolean },
    page: { page: number; pageSize: number },
  ): Promise<{ rows: QuarantineRow[]; total: number }> {
    const query = () => {
      const q = this.db.forTenant(tenantId).from<QuarantineRow>('quarantine');
      if (filter.reason) q.where('reason', filter.reason);
      if (filter.event) q.where('event', filter.event);
      if (filter.replayed === true) q.whereNotNull('replayed_at');
      else if (filter.replayed === false) q.whereNull('replayed_at');
      return q;
    };
    const [count] = await query().count<{ n: number }[]>({ n: '*' });
    const rows = (await query()
      .orderBy('id', 'desc')
      .limit(page.pageSize)
      .offset((page.page - 1) * page.pageSize)
      .select('*')) as unknown as QuarantineRow[];
    return { rows, total: Number(count?.n ?? 0) };
  }

  quarantinedOne(tenantId: string, id: string): Promise<QuarantineRow | undefined> {
    return this.db.forTenant(tenantId).from<QuarantineRow>('quarantine').where('id', id).first();
  }

  /** Not yet replayed quarantine rows, by ids or by filter, oldest first. */
  replayable(
    tenantId: string,
    filter: { ids?: string[]; reason?: string; event?: string; afterId?: string },
    limit: number,
  ): Promise<QuarantineRow[]> {
    const q = this.db.forTenant(tenantId).from<QuarantineRow>('quarantine').whereNull('replayed_at');
    if (filter.afterId) q.where('id', '>', filter.afterId);
    if (filter.ids) q.whereIn('id', filter.ids);
    if (filter.reason) q.where('reason', filter.reason);
    if (filter.event) q.where('event', filter.event);
    return q.orderBy('id').limit(limit).select<QuarantineRow[]>('*');
  }

  /** Marks rows replayed; returns how many this call marked (a concurrent replay marks the rest). */
  async markReplayed(tenantId: string, ids: readonly string[], by: string | null, at: number): Promise<number> {
    if (ids.length === 0) return 0;
    return Number(
      await this.db
        .forTenant(tenantId)
        .from('quarantine')
        .whereIn('id', ids)
        .whereNull('replayed_at')
        .update({ replayed_at: at, replayed_by: by }),
    );
  }

  // ---- erasure (删除用户数据 / GDPR, ADR 0037) ------------------------------------------------------

  /** The tenant's messages no load batch has taken yet, after `afterSeq`, in sequence order. */
  pendingOfTenant(tenantId: string, afterSeq: string | number, limit: number): Promise<Pick<InboxRow, 'seq' | 'body'>[]> {
    return this.db
      .forTenant(tenantId)
      .from<InboxRow>('inbox')
      .whereIn('partition', ALL_PARTITIONS)
      .whereNull('load_batch_id')
      .where('seq', '>', afterSeq)
      .orderBy('seq')
      .limit(limit)
      .select('seq', 'body');
  }

  /** Deletes pending messages (a batch that took one meanwhile keeps it: PartitionTakenError on its side). */
  async deletePending(tenantId: string, seqs: readonly (string | number)[]): Promise<number> {
    if (seqs.length === 0) return 0;
    return Number(await this.db.forTenant(tenantId).from('inbox').whereIn('seq', seqs).whereNull('load_batch_id').delete());
  }

  /** The tenant's quarantined messages after `afterId`, by id. */
  quarantinePage(tenantId: string, afterId: string | number, limit: number): Promise<Pick<QuarantineRow, 'id' | 'body'>[]> {
    return this.db
      .forTenant(tenantId)
      .from<QuarantineRow>('quarantine')
      .where('id', '>', afterId)
      .orderBy('id')
      .limit(limit)
      .select('id', 'body');
  }

  async deleteQuarantined(tenantId: string, ids: readonly (string | number)[]): Promise<number> {
    if (ids.length === 0) return 0;
    return Number(await this.db.forTenant(tenantId).from('quarantine').whereIn('id', ids).delete());
  }
}
