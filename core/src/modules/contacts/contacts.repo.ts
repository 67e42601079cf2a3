import type { ModuleDatabase, TenantDb } from '../../store/oltp/oltp-store.js';
import type { CandidateStatus, ChannelAccountRow, ContactMergeRow, ContactRow, MergeCandidateRow } from './contacts.types.js';

/** IN lists are cut to this many values (SQLite's parameter limit is far above; MySQL's packet too). */
const IN_CHUNK = 500;

/** A multi-row insert's ids were not the consecutive ones expected (see `insertContacts`). */
export class NonConsecutiveIdsError extends Error {
  constructor() {
    super('the ids of a multi-row insert are not consecutive');
    this.name = 'NonConsecutiveIdsError';
  }
}

/** A column value read back equals the one written (numbers and booleans come back as numbers or strings). */
function sameValue(read: unknown, written: unknown): boolean {
  if (written === null || written === undefined) return read === null || read === undefined;
  if (typeof written === 'boolean') return Boolean(Number(read)) === written;
  if (typeof written === 'number') return Number(read) === written;
  return read === written;
}

function chunks<T>(values: readonly T[], size = IN_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < values.length; i += size) out.push(values.slice(i, i + size));
  return out;
}

/** The contacts master, channel accounts and the contact-change outbox, always within one tenant. */
export class ContactsRepo {
  constructor(private readonly db: ModuleDatabase) {}

  private tenant(tenantId: string): TenantDb {
    return this.db.forTenant(tenantId);
  }

  transaction<T>(work: () => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }

  // ---- channel accounts ---------------------------------------------------------------------------

  /** Accounts of one channel and id type whose user ids are among `userIds`. */
  async accounts(tenantId: string, channelId: string, idType: string, userIds: readonly string[]): Promise<ChannelAccountRow[]> {
    const rows: ChannelAccountRow[] = [];
    for (const part of chunks([...new Set(userIds)]))
      rows.push(
        ...(await this.tenant(tenantId)
          .from<ChannelAccountRow>('channel_account')
          .where({ channel_id: channelId, id_type: idType })
          .whereIn('user_id', part)
          .select<ChannelAccountRow[]>('*')),
      );
    return rows;
  }

  accountsOfContact(tenantId: string, contactId: string): Promise<ChannelAccountRow[]> {
    return this.tenant(tenantId)
      .from<ChannelAccountRow>('channel_account')
      .where('contact_id', contactId)
      .orderBy('id')
      .select<ChannelAccountRow[]>('*');
  }

  insertAccount(tenantId: string, row: Omit<ChannelAccountRow, 'id' | 'tenant_id'>): Promise<string> {
    return this.tenant(tenantId).insert('channel_account', row);
  }

  // ---- contacts -----------------------------------------------------------------------------------

  insertContact(tenantId: string, row: Partial<Omit<ContactRow, 'id' | 'tenant_id'>>): Promise<string> {
    return this.tenant(tenantId).insert('contact', row);
  }

  /**
   * Inserts many contacts (an import) and returns their ids in order: multi-row INSERTs of 500 whose
   * ids come from the engine's insert id (SQLite: the last rowid; MySQL/MariaDB: the first id of the
   * statement, consecutive under innodb_autoinc_lock_mode 0/1 with auto_increment_increment 1),
   * checked by reading the rows back. When the check fails (lock mode 2 interleaves ids) it throws
   * NonConsecutiveIdsError: the caller rolls its transaction back and inserts `oneByOne`.
   */
  async insertContacts(
    tenantId: string,
    rows: readonly Partial<Omit<ContactRow, 'id' | 'tenant_id'>>[],
    options: { oneByOne?: boolean } = {},
  ): Promise<string[]> {
    const db = this.tenant(tenantId);
    const ids: string[] = [];
    if (options.oneByOne) {
      for (const row of rows) ids.push(await db.insert('contact', row));
      return ids;
    }
    for (const part of chunks(rows)) {
      const [returned] = (await db.from('contact').insert(part as Record<string, unknown>[])) as unknown as (number | string)[];
      const n = part.length;
      const first = this.db.client === 'mysql' ? Number(returned) : Number(returned) - n + 1;
      // Read back by the ids expected: a row of another writer among them (interleaved ids) differs in
      // its identifying values or insert time.
      const checked = ['name', 'mobile', 'email', 'inserted_at'] as const;
      const found = await db
        .from<ContactRow>('contact')
        .whereBetween('id', [first, first + n - 1])
        .orderBy('id')
        .select<ContactRow[]>('id', ...checked);
      const same =
        found.length === n &&
        found.every((row, i) => checked.every((column) => sameValue(row[column], (part[i] as Record<string, unknown>)[column])));
      if (!same) throw new NonConsecutiveIdsError();
      ids.push(...found.map((row) => String(row.id)));
    }
    return ids;
  }

  /** Updates many contacts, each with its own change (a batch edit). */
  async updateContacts(tenantId: string, changes: readonly { id: string; change: Partial<ContactRow> }[]): Promise<void> {
    const db = this.tenant(tenantId);
    for (const { id, change } of changes) await db.from<ContactRow>('contact').where('id', id).update(change);
  }

  contact(tenantId: string, id: string): Promise<ContactRow | undefined> {
    return this.tenant(tenantId).from<ContactRow>('contact').where('id', id).first();
  }

  async contacts(tenantId: string, ids: readonly string[]): Promise<ContactRow[]> {
    const rows: ContactRow[] = [];
    for (const part of chunks([...new Set(ids)]))
      rows.push(...(await this.tenant(tenantId).from<ContactRow>('contact').whereIn('id', part).select<ContactRow[]>('*')));
    return rows;
  }

  /** Sets the updated time of the contacts among `ids` that exist; returns the ids it reached. */
  async touch(tenantId: string, ids: readonly string[], at: number): Promise<string[]> {
    const reached: string[] = [];
    for (const part of chunks([...new Set(ids)])) {
      const rows = await this.tenant(tenantId).from('contact').whereIn('id', part).select<{ id: number | string }[]>('id');
      if (rows.length === 0) continue;
      const found = rows.map((row) => String(row.id));
      await this.tenant(tenantId).from('contact').whereIn('id', found).update({ updated_at: at });
      reached.push(...found);
    }
    return reached;
  }

  async updateContact(tenantId: string, id: string, patch: Partial<ContactRow>): Promise<void> {
    await this.tenant(tenantId).from<ContactRow>('contact').where('id', id).update(patch);
  }

  /**
   * First seen / last active of many contacts, one statement per 500 (a load batch touches up to a
   * contact per message): each column a row changes is set by `CASE id WHEN … THEN … ELSE column END`.
   */
  async updateActivity(
    tenantId: string,
    rows: readonly { id: string; first_seen_at?: number; last_active_at?: number }[],
  ): Promise<void> {
    for (const part of chunks(rows)) {
      const patch: Record<string, unknown> = {};
      for (const column of ['first_seen_at', 'last_active_at'] as const) {
        const changed = part.filter((row) => row[column] !== undefined);
        if (changed.length === 0) continue;
        patch[column] = this.db.raw(
          `CASE id ${changed.map(() => 'WHEN ? THEN ?').join(' ')} ELSE ${column} END`,
          changed.flatMap((row) => [Number(row.id), row[column]!]),
        );
      }
      await this.tenant(tenantId)
        .from('contact')
        .whereIn(
          'id',
          part.map((row) => row.id),
        )
        .update(patch);
    }
  }

  // ---- the outbox ---------------------------------------------------------------------------------

  async insertChanges(tenantId: string, contactIds: readonly string[], at: number): Promise<void> {
    const db = this.tenant(tenantId);
    for (const part of chunks(contactIds))
      await db.from('contact_change').insert(part.map((id) => ({ tenant_id: tenantId, contact_id: id, changed_at: at })));
  }

  /** A merged-away contact's outbox row: the sync sends its alias and deletes its OLAP row. */
  async insertMergedChange(tenantId: string, mergedId: string, survivorId: string, at: number): Promise<void> {
    await this.tenant(tenantId)
      .from('contact_change')
      .insert({ tenant_id: tenantId, contact_id: mergedId, merged_into: survivorId, changed_at: at });
  }

  changes(
    tenantId: string,
    limit: number,
  ): Promise<{ seq: number | string; contact_id: number | string; merged_into: number | string | null }[]> {
    return this.tenant(tenantId)
      .from<{ seq: number | string; contact_id: number | string; merged_into: number | string | null }>('contact_change')
      .orderBy('seq')
      .limit(limit)
      .select('seq', 'contact_id', 'merged_into');
  }

  async deleteChanges(tenantId: string, seqs: readonly (number | string)[]): Promise<void> {
    for (const part of chunks(seqs)) await this.tenant(tenantId).from('contact_change').whereIn('seq', part).delete();
  }

  /** Tenants with contact changes not yet in OLAP (the outbox drainer's work list). */
  async tenantsWithChanges(limit = 100): Promise<string[]> {
    const rows = await this.db.unscoped<{ tenant_id: number | string }>('contact_change').distinct('tenant_id').limit(limit);
    return rows.map((r) => String(r.tenant_id));
  }

  // ---- merges -------------------------------------------------------------------------------------

  /**
   * The contacts' current rows, locked until the transaction ends (MySQL/MariaDB: a locking read
   * sees the latest committed row, not the transaction's snapshot; SQLite has one writer anyway).
   * Locked in id order, so two merges of overlapping contacts wait rather than deadlock.
   */
  async lockContacts(tenantId: string, ids: readonly string[]): Promise<ContactRow[]> {
    const sorted = [...new Set(ids)].sort((a, b) => Number(a) - Number(b));
    const query = this.tenant(tenantId).from<ContactRow>('contact').whereIn('id', sorted).orderBy('id');
    return (this.db.client === 'mysql' ? query.forUpdate() : query).select<ContactRow[]>('*');
  }

  /**
   * Accounts of one id type with one user id in any channel (ids unique across a channel type), read
   * with a lock on MySQL/MariaDB: the latest committed rows, and the index range stays locked until
   * the transaction ends, so a concurrent writer linking the same id waits (or deadlocks and is
   * retried) instead of adding a second holder unseen.
   */
  accountsById(tenantId: string, idType: string, userId: string): Promise<ChannelAccountRow[]> {
    const query = this.tenant(tenantId)
      .from<ChannelAccountRow>('channel_account')
      .where({ id_type: idType, user_id: userId })
      .orderBy('id');
    return (this.db.client === 'mysql' ? query.forUpdate() : query).select<ChannelAccountRow[]>('*');
  }

  async moveAccounts(tenantId: string, fromContactId: string, toContactId: string, at: number): Promise<void> {
    await this.tenant(tenantId)
      .from('channel_account')
      .where('contact_id', fromContactId)
      .update({ contact_id: toContactId, updated_at: at });
  }

  async deleteContact(tenantId: string, id: string): Promise<void> {
    await this.tenant(tenantId).from('contact').where('id', id).delete();
  }

  /** Records `from` → `to` and re-points every alias that ended at `from` (chains stay one hop). */
  async addAlias(tenantId: string, fromId: string, toId: string, at: number): Promise<void> {
    const db = this.tenant(tenantId);
    await db.from('contact_alias').where('to_contact_id', fromId).update({ to_contact_id: toId });
    await db.from('contact_alias').where('from_contact_id', fromId).delete();
    await db.insert('contact_alias', { from_contact_id: fromId, to_contact_id: toId, merged_at: at });
  }

  /**
   * The final survivor of each merged-away id among `ids` (ids never merged are absent). `latest`:
   * a locking read on MySQL/MariaDB — the latest committed aliases, not the transaction's snapshot.
   */
  async survivors(tenantId: string, ids: readonly string[], options: { latest?: boolean } = {}): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (const part of chunks([...new Set(ids)])) {
      const query = this.tenant(tenantId).from('contact_alias').whereIn('from_contact_id', part);
      const rows = await (options.latest && this.db.client === 'mysql' ? query.forUpdate() : query).select<
        { from_contact_id: number | string; to_contact_id: number | string }[]
      >('from_contact_id', 'to_contact_id');
      for (const row of rows) found.set(String(row.from_contact_id), String(row.to_contact_id));
    }
    return found;
  }

  /** Candidates whose two contacts are both among `ids`. */
  candidatesAmong(tenantId: string, ids: readonly string[]): Promise<MergeCandidateRow[]> {
    return this.tenant(tenantId)
      .from<MergeCandidateRow>('merge_candidate')
      .whereIn('contact_a', ids)
      .whereIn('contact_b', ids)
      .orderBy('id')
      .select<MergeCandidateRow[]>('*');
  }

  /** Every contact merged (directly or through a chain) into `survivorId`. */
  async aliasesTo(tenantId: string, survivorId: string): Promise<string[]> {
    const rows = await this.tenant(tenantId)
      .from('contact_alias')
      .where('to_contact_id', survivorId)
      .select<{ from_contact_id: number | string }[]>('from_contact_id');
    return rows.map((row) => String(row.from_contact_id));
  }

  mergeById(tenantId: string, id: string): Promise<ContactMergeRow | undefined> {
    return this.tenant(tenantId).from<ContactMergeRow>('contact_merge').where('id', id).first();
  }

  insertMerge(tenantId: string, row: Omit<ContactMergeRow, 'id' | 'tenant_id'>): Promise<string> {
    return this.tenant(tenantId).insert('contact_merge', row);
  }

  /** Merge history, newest first; of one contact (as survivor or merged) when `contactIds` is given. */
  merges(
    tenantId: string,
    query: { contactIds?: readonly string[]; beforeId?: string; limit: number },
  ): Promise<ContactMergeRow[]> {
    let builder = this.tenant(tenantId).from<ContactMergeRow>('contact_merge');
    if (query.contactIds)
      builder = builder.where((q) => q.whereIn('survivor_id', query.contactIds!).orWhereIn('merged_id', query.contactIds!));
    if (query.beforeId) builder = builder.where('id', '<', query.beforeId);
    return builder.orderBy('id', 'desc').limit(query.limit).select<ContactMergeRow[]>('*');
  }

  // ---- merge candidates ---------------------------------------------------------------------------

  candidateOfPair(tenantId: string, a: string, b: string): Promise<MergeCandidateRow | undefined> {
    return this.tenant(tenantId).from<MergeCandidateRow>('merge_candidate').where({ contact_a: a, contact_b: b }).first();
  }

  insertCandidate(tenantId: string, row: Omit<MergeCandidateRow, 'id' | 'tenant_id'>): Promise<string> {
    return this.tenant(tenantId).insert('merge_candidate', row);
  }

  candidate(tenantId: string, id: string): Promise<MergeCandidateRow | undefined> {
    const query = this.tenant(tenantId).from<MergeCandidateRow>('merge_candidate').where('id', id);
    return (this.db.client === 'mysql' ? query.forUpdate() : query).first();
  }

  candidates(
    tenantId: string,
    query: { status?: CandidateStatus; beforeId?: string; limit: number },
  ): Promise<MergeCandidateRow[]> {
    let builder = this.tenant(tenantId).from<MergeCandidateRow>('merge_candidate');
    if (query.status) builder = builder.where('status', query.status);
    if (query.beforeId) builder = builder.where('id', '<', query.beforeId);
    return builder.orderBy('id', 'desc').limit(query.limit).select<MergeCandidateRow[]>('*');
  }

  async countCandidates(tenantId: string, status: CandidateStatus): Promise<number> {
    const row = await this.tenant(tenantId).from('merge_candidate').where('status', status).count({ n: '*' }).first();
    return Number((row as { n?: number | string } | undefined)?.n ?? 0);
  }

  async decideCandidate(
    tenantId: string,
    id: string,
    change: Pick<MergeCandidateRow, 'status' | 'decided_by' | 'decided_at' | 'updated_at'>,
  ): Promise<void> {
    await this.tenant(tenantId).from('merge_candidate').where('id', id).update(change);
  }

  // ---- identity settings --------------------------------------------------------------------------

  async blockedValues(tenantId: string): Promise<string[] | undefined> {
    const row = await this.tenant(tenantId).from<{ blocked_values: string }>('identity_setting').first('blocked_values');
    return row ? (JSON.parse(row.blocked_values) as string[]) : undefined;
  }

  async saveBlockedValues(tenantId: string, values: readonly string[], staffId: string | null, at: number): Promise<void> {
    const db = this.tenant(tenantId);
    const patch = { blocked_values: JSON.stringify(values), updated_by: staffId, updated_at: at };
    const updated = await db.from('identity_setting').update(patch);
    if (updated === 0) await db.insert('identity_setting', { ...patch, created_at: at });
  }

  // ---- dedupe (§1.4.7) ----------------------------------------------------------------------------

  /**
   * Contacts whose `column` value — trimmed and lower-cased, not empty and not one of `excluded`
   * (given trimmed and lower-cased) — another contact of the tenant shares: one GROUP BY over the
   * contacts master finds the shared values, then their holders are read 500 values at a time.
   * The value is returned as stored; the dedupe module groups and filters further (RSA mobiles).
   */
  async sharedValueHolders(
    tenantId: string,
    column: 'mobile' | 'email' | 'id_card',
    excluded: readonly string[],
  ): Promise<{ id: string; value: string; updatedAt: number }[]> {
    const normal = `lower(trim(${column}))`;
    const base = () => {
      const query = this.tenant(tenantId).from('contact').whereNotNull(column).whereRaw(`${normal} <> ''`);
      if (excluded.length > 0) query.whereRaw(`${normal} not in (${excluded.map(() => '?').join(', ')})`, [...excluded]);
      return query;
    };
    const shared = (await base().groupByRaw(normal).havingRaw('count(*) > 1').min({ v: column })) as { v: string }[];
    const out: { id: string; value: string; updatedAt: number }[] = [];
    for (const part of chunks(shared.map((row) => row.v))) {
      const rows = await base()
        .whereRaw(`${normal} in (${part.map(() => 'lower(trim(?))').join(', ')})`, part)
        .orderBy('id')
        .select<Record<string, unknown>[]>('id', column, 'updated_at');
      for (const row of rows) out.push({ id: String(row.id), value: String(row[column]), updatedAt: Number(row.updated_at) });
    }
    return out;
  }

  // ---- erasure (删除用户数据 / GDPR, ADR 0037) ------------------------------------------------------

  /** The accounts of a channel whose id (of one of `idTypes`) is `userId`, locked on MySQL/MariaDB. */
  accountsByIdInChannel(
    tenantId: string,
    channelId: string,
    idTypes: readonly string[],
    userId: string,
  ): Promise<ChannelAccountRow[]> {
    const query = this.tenant(tenantId)
      .from<ChannelAccountRow>('channel_account')
      .where({ channel_id: channelId, user_id: userId })
      .whereIn('id_type', idTypes)
      .orderBy('id');
    return (this.db.client === 'mysql' ? query.forUpdate() : query).select<ChannelAccountRow[]>('*');
  }

  /** Every account of a contact in one channel. */
  accountsOfContactInChannel(tenantId: string, contactId: string, channelId: string): Promise<ChannelAccountRow[]> {
    return this.tenant(tenantId)
      .from<ChannelAccountRow>('channel_account')
      .where({ contact_id: contactId, channel_id: channelId })
      .orderBy('id')
      .select<ChannelAccountRow[]>('*');
  }

  async deleteAccounts(tenantId: string, ids: readonly string[]): Promise<void> {
    for (const part of chunks(ids)) await this.tenant(tenantId).from('channel_account').whereIn('id', part).delete();
  }

  /** Merge candidates of any of the contacts (either side). */
  async candidatesOf(tenantId: string, contactIds: readonly string[]): Promise<MergeCandidateRow[]> {
    const rows: MergeCandidateRow[] = [];
    for (const part of chunks([...new Set(contactIds)]))
      rows.push(
        ...(await this.tenant(tenantId)
          .from<MergeCandidateRow>('merge_candidate')
          .where((q) => q.whereIn('contact_a', part).orWhereIn('contact_b', part))
          .select<MergeCandidateRow[]>('*')),
      );
    return rows;
  }

  async deleteCandidates(tenantId: string, ids: readonly string[]): Promise<void> {
    for (const part of chunks(ids)) await this.tenant(tenantId).from('merge_candidate').whereIn('id', part).delete();
  }

  /** Every merge a contact (or one merged into it) took part in. */
  async mergesOf(tenantId: string, contactIds: readonly string[]): Promise<ContactMergeRow[]> {
    const rows: ContactMergeRow[] = [];
    for (const part of chunks([...new Set(contactIds)]))
      rows.push(
        ...(await this.tenant(tenantId)
          .from<ContactMergeRow>('contact_merge')
          .where((q) => q.whereIn('survivor_id', part).orWhereIn('merged_id', part))
          .select<ContactMergeRow[]>('*')),
      );
    return rows;
  }

  async updateMerge(tenantId: string, id: string, patch: Pick<ContactMergeRow, 'before' | 'evidence'>): Promise<void> {
    await this.tenant(tenantId).from('contact_merge').where('id', id).update(patch);
  }

  // ---- Open API reads -----------------------------------------------------------------------------

  /**
   * One page of contacts by id ascending (keyset: ids after `afterId`), optionally only identified
   * or anonymous ones, or those updated at or after `updatedSince` (epoch ms).
   */
  contactsAfter(
    tenantId: string,
    query: { afterId?: string; limit: number; identified?: boolean; updatedSince?: number },
  ): Promise<ContactRow[]> {
    const q = this.tenant(tenantId).from<ContactRow>('contact');
    if (query.afterId !== undefined) q.where('id', '>', query.afterId);
    if (query.identified !== undefined) q.where('identified', query.identified);
    if (query.updatedSince !== undefined) q.where('updated_at', '>=', query.updatedSince);
    return q.orderBy('id').limit(query.limit).select<ContactRow[]>('*');
  }

  /** The channel accounts of many contacts (of the given id types, or all), by contact then id. */
  async accountsOfContacts(
    tenantId: string,
    contactIds: readonly string[],
    idTypes?: readonly string[],
  ): Promise<ChannelAccountRow[]> {
    const rows: ChannelAccountRow[] = [];
    for (const part of chunks([...new Set(contactIds)])) {
      const q = this.tenant(tenantId).from<ChannelAccountRow>('channel_account').whereIn('contact_id', part);
      if (idTypes) q.whereIn('id_type', idTypes);
      rows.push(...(await q.orderBy([{ column: 'contact_id' }, { column: 'id' }]).select<ChannelAccountRow[]>('*')));
    }
    return rows;
  }

  /** The accounts of many contacts in one channel, of the given id types (exports' id columns), by contact then id. */
  async accountsInChannel(
    tenantId: string,
    contactIds: readonly string[],
    channelId: string,
    idTypes: readonly string[],
  ): Promise<Pick<ChannelAccountRow, 'contact_id' | 'id_type' | 'user_id'>[]> {
    const rows: Pick<ChannelAccountRow, 'contact_id' | 'id_type' | 'user_id'>[] = [];
    for (const part of chunks([...new Set(contactIds)], 1000))
      rows.push(
        ...(await this.tenant(tenantId)
          .from<ChannelAccountRow>('channel_account')
          .where('channel_id', channelId)
          .whereIn('id_type', [...idTypes])
          .whereIn('contact_id', part)
          .orderBy([{ column: 'contact_id' }, { column: 'id' }])
          .select('contact_id', 'id_type', 'user_id')),
      );
    return rows;
  }

  /** The contact, its row locked until the transaction ends (MySQL/MariaDB; SQLite has one writer). */
  contactForUpdate(tenantId: string, id: string): Promise<ContactRow | undefined> {
    const query = this.tenant(tenantId).from<ContactRow>('contact').where('id', id);
    return (this.db.client === 'mysql' ? query.forUpdate() : query).first();
  }
}
