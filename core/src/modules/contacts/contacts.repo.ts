import type { ModuleDatabase, TenantDb } from '../../store/oltp/oltp-store.js';
import type { ChannelAccountRow, ContactRow } from './contacts.types.js';

/** IN lists are cut to this many values (SQLite's parameter limit is far above; MySQL's packet too). */
const IN_CHUNK = 500;

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

  contact(tenantId: string, id: string): Promise<ContactRow | undefined> {
    return this.tenant(tenantId).from<ContactRow>('contact').where('id', id).first();
  }

  async contacts(tenantId: string, ids: readonly string[]): Promise<ContactRow[]> {
    const rows: ContactRow[] = [];
    for (const part of chunks([...new Set(ids)]))
      rows.push(...(await this.tenant(tenantId).from<ContactRow>('contact').whereIn('id', part).select<ContactRow[]>('*')));
    return rows;
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

  changes(tenantId: string, limit: number): Promise<{ seq: number | string; contact_id: number | string }[]> {
    return this.tenant(tenantId)
      .from<{ seq: number | string; contact_id: number | string }>('contact_change')
      .orderBy('seq')
      .limit(limit)
      .select('seq', 'contact_id');
  }

  async deleteChanges(tenantId: string, seqs: readonly (number | string)[]): Promise<void> {
    for (const part of chunks(seqs)) await this.tenant(tenantId).from('contact_change').whereIn('seq', part).delete();
  }

  /** Tenants with contact changes not yet in OLAP (the outbox drainer's work list). */
  async tenantsWithChanges(limit = 100): Promise<string[]> {
    const rows = await this.db.unscoped<{ tenant_id: number | string }>('contact_change').distinct('tenant_id').limit(limit);
    return rows.map((r) => String(r.tenant_id));
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

  /** The contact, its row locked until the transaction ends (MySQL/MariaDB; SQLite has one writer). */
  contactForUpdate(tenantId: string, id: string): Promise<ContactRow | undefined> {
    return this.tenant(tenantId).from<ContactRow>('contact').where('id', id).forUpdate().first();
  }
}
