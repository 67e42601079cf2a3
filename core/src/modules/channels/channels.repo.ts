import { paginate, type ModuleDatabase, type Page } from '../../store/oltp/oltp-store.js';
import type { ChannelRow } from './channel.types.js';

/** The `channel` table, always within one tenant. */
export class ChannelsRepo {
  constructor(private readonly db: ModuleDatabase) {}

  private channels(tenantId: string) {
    return this.db.forTenant(tenantId).from<ChannelRow>('channel');
  }

  async countsByType(tenantId: string): Promise<Map<string, number>> {
    const rows = await this.channels(tenantId)
      .select('channel.type')
      .count<{ type: string; n: number }[]>({ n: '*' })
      .groupBy('channel.type');
    return new Map(rows.map((r) => [r.type, Number(r.n)]));
  }

  async count(tenantId: string): Promise<number> {
    const [row] = await this.channels(tenantId).count<{ n: number }[]>({ n: '*' });
    return Number(row?.n ?? 0);
  }

  page<T>(
    tenantId: string,
    query: { type?: string; page: number; pageSize: number },
    map: (row: ChannelRow) => T,
  ): Promise<Page<T>> {
    const filtered = () => {
      const q = this.channels(tenantId);
      if (query.type) q.where('channel.type', query.type);
      return q;
    };
    return paginate(filtered, { ...query, orderBy: 'channel.id' }, map);
  }

  find(tenantId: string, channelId: string, type?: string): Promise<ChannelRow | undefined> {
    const q = this.channels(tenantId).where('channel.id', channelId);
    if (type) q.where('channel.type', type);
    return q.first();
  }

  /**
   * The channel row, locked until the surrounding transaction ends (MySQL/MariaDB; SQLite has one
   * writer): a settings change reads, merges and writes without losing a concurrent one.
   */
  findForUpdate(tenantId: string, channelId: string): Promise<ChannelRow | undefined> {
    const q = this.channels(tenantId).where('channel.id', channelId);
    return (this.db.client === 'mysql' ? q.forUpdate() : q).first();
  }

  transaction<T>(work: () => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }

  /** Inserts a channel; a taken key fails with a UNIQUE violation (the caller retries or refuses). */
  /** Channels of the tenant with this ChannelID / AppID (one per type at most). */
  byKey(tenantId: string, channelKey: string): Promise<ChannelRow[]> {
    return this.db
      .forTenant(tenantId)
      .from<ChannelRow>('channel')
      .where('channel_key', channelKey)
      .orderBy('id')
      .select<ChannelRow[]>('*');
  }

  insert(tenantId: string, row: Omit<ChannelRow, 'id' | 'tenant_id'>): Promise<string> {
    return this.db.forTenant(tenantId).insert('channel', row);
  }

  /**
   * Inserts a channel and then its sealed secrets, whose associated data needs the new id, in one
   * transaction: a channel never exists without the secrets it was created with.
   */
  insertWithSecrets(
    tenantId: string,
    row: Omit<ChannelRow, 'id' | 'tenant_id'>,
    sealFor: (channelId: string) => string | null,
  ): Promise<string> {
    return this.db.transaction(async () => {
      const id = await this.insert(tenantId, row);
      const sealed = sealFor(id);
      if (sealed !== null) await this.channels(tenantId).where('channel.id', id).update({ secret_settings: sealed });
      return id;
    });
  }

  async updateSettings(
    tenantId: string,
    channelId: string,
    values: { settings: string; secret_settings: string | null },
  ): Promise<void> {
    await this.channels(tenantId)
      .where('channel.id', channelId)
      .update({ ...values, updated_at: Date.now() });
  }

  async rename(tenantId: string, channelId: string, name: string): Promise<void> {
    await this.channels(tenantId).where('channel.id', channelId).update({ name, updated_at: Date.now() });
  }

  async remove(tenantId: string, channelId: string): Promise<void> {
    await this.channels(tenantId).where('channel.id', channelId).delete();
  }
}
