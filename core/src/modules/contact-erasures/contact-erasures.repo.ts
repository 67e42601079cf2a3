import type { ModuleDatabase, TenantDb } from '../../store/oltp/oltp-store.js';
import type { ContactErasureItemRow, ContactErasureRow, ErasureItemState } from './contact-erasures.types.js';

const CHUNK = 500;

/** Erasure requests and their ids, always within one tenant. */
export class ContactErasuresRepo {
  constructor(private readonly db: ModuleDatabase) {}

  private tenant(tenantId: string): TenantDb {
    return this.db.forTenant(tenantId);
  }

  transaction<T>(work: () => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }

  async insert(
    tenantId: string,
    row: Omit<ContactErasureRow, 'id' | 'tenant_id' | 'deleted' | 'not_found' | 'file_id' | 'finished_at' | 'task_id'>,
    userIds: readonly string[],
  ): Promise<string> {
    const id = await this.tenant(tenantId).insert('contact_erasure', { ...row, deleted: 0, not_found: 0 });
    for (let i = 0; i < userIds.length; i += CHUNK)
      await this.tenant(tenantId)
        .from('contact_erasure_item')
        .insert(
          userIds
            .slice(i, i + CHUNK)
            .map((userId) => ({ tenant_id: tenantId, erasure_id: id, user_id: userId, state: 'pending' })),
        );
    return id;
  }

  find(tenantId: string, id: string): Promise<ContactErasureRow | undefined> {
    return this.tenant(tenantId).from<ContactErasureRow>('contact_erasure').where('id', id).first();
  }

  async update(tenantId: string, id: string, patch: Partial<ContactErasureRow>): Promise<void> {
    await this.tenant(tenantId).from('contact_erasure').where('id', id).update(patch);
  }

  async page(
    tenantId: string,
    query: { channelId?: string; page: number; pageSize: number },
  ): Promise<{ rows: ContactErasureRow[]; total: number }> {
    const base = () => {
      const q = this.tenant(tenantId).from<ContactErasureRow>('contact_erasure');
      if (query.channelId) q.where('channel_id', query.channelId);
      return q;
    };
    const [count] = await base().count<{ n: number }[]>({ n: '*' });
    const rows = await base()
      .orderBy('id', 'desc')
      .limit(query.pageSize)
      .offset((query.page - 1) * query.pageSize)
      .select<ContactErasureRow[]>('*');
    return { rows, total: Number(count?.n ?? 0) };
  }

  /** Ids not done yet (pending or erasing), in order. */
  unfinished(tenantId: string, erasureId: string, limit: number): Promise<ContactErasureItemRow[]> {
    return this.tenant(tenantId)
      .from<ContactErasureItemRow>('contact_erasure_item')
      .where('erasure_id', erasureId)
      .whereIn('state', ['pending', 'erasing'])
      .orderBy('id')
      .limit(limit)
      .select<ContactErasureItemRow[]>('*');
  }

  items(tenantId: string, erasureId: string): Promise<ContactErasureItemRow[]> {
    return this.tenant(tenantId)
      .from<ContactErasureItemRow>('contact_erasure_item')
      .where('erasure_id', erasureId)
      .orderBy('id')
      .select<ContactErasureItemRow[]>('*');
  }

  async setItem(
    tenantId: string,
    id: string,
    patch: { state: ErasureItemState; contact_id?: string | null; accounts?: string | null; done_at?: number | null },
  ): Promise<void> {
    await this.tenant(tenantId).from('contact_erasure_item').where('id', id).update(patch);
  }

  /** Ids found by no account: `not_found` (only while still pending). */
  async markNotFound(tenantId: string, ids: readonly string[], at: number): Promise<void> {
    for (let i = 0; i < ids.length; i += CHUNK)
      await this.tenant(tenantId)
        .from('contact_erasure_item')
        .whereIn('id', ids.slice(i, i + CHUNK))
        .where('state', 'pending')
        .update({ state: 'not_found', done_at: at });
  }

  async finishItems(tenantId: string, ids: readonly string[], at: number): Promise<void> {
    for (let i = 0; i < ids.length; i += CHUNK)
      await this.tenant(tenantId)
        .from('contact_erasure_item')
        .whereIn('id', ids.slice(i, i + CHUNK))
        .where('state', 'erasing')
        .update({ state: 'deleted', done_at: at });
  }

  async counts(tenantId: string, erasureId: string): Promise<Record<ErasureItemState, number>> {
    const rows = await this.tenant(tenantId)
      .from('contact_erasure_item')
      .where('erasure_id', erasureId)
      .groupBy('state')
      .select('state')
      .count<{ state: ErasureItemState; n: number | string }[]>({ n: '*' });
    const out: Record<ErasureItemState, number> = { pending: 0, erasing: 0, deleted: 0, not_found: 0 };
    for (const row of rows) out[row.state] = Number(row.n);
    return out;
  }
}
