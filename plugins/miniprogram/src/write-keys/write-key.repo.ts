import type { Knex, PluginDatabase, WriteKeyOwnerInfo } from '@huiliu/core/plugin-api';
import { WRITE_KEY_TABLE as TABLE } from './write-key.migration.js';
import { toWriteKey, type MiniprogramWriteKey, type WriteKeyRow } from './write-key.types.js';

/** Tenant-confined access to the plugin's own table. */
export class WriteKeyRepository {
  constructor(private readonly database: PluginDatabase) {}

  private table(tenantId: string): Knex.QueryBuilder<WriteKeyRow> {
    return this.database.forTenant(tenantId).from<WriteKeyRow>(TABLE);
  }

  async get(tenantId: string, channelId: string): Promise<MiniprogramWriteKey | undefined> {
    const row = await this.table(tenantId).where(`${TABLE}.channel_id`, channelId).first();
    return row ? toWriteKey(row) : undefined;
  }

  async insert(tenantId: string, channelId: string, writeKey: string, now: number): Promise<void> {
    await this.database.forTenant(tenantId).insert(TABLE, {
      channel_id: channelId,
      write_key: writeKey,
      write_key_issued_at: now,
      created_at: now,
      updated_at: now,
    });
  }

  async replace(tenantId: string, channelId: string, writeKey: string, now: number): Promise<number> {
    return this.table(tenantId)
      .where(`${TABLE}.channel_id`, channelId)
      .update({ write_key: writeKey, write_key_issued_at: now, updated_at: now });
  }

  /**
   * The one lookup that is not tenant-scoped: a writeKey arrives without a tenant (the SDK sends
   * only the key) and tells which tenant and channel the data belongs to.
   */
  async ownerOfWriteKey(writeKey: string): Promise<WriteKeyOwnerInfo | undefined> {
    const row = await this.database.findAcrossTenants<WriteKeyRow>(TABLE, { write_key: writeKey });
    if (!row) return undefined;
    const channelId = String(row.channel_id);
    // The channel is the app: a mini-program has no apps inside its channel, and no on/off switch.
    return { tenantId: String(row.tenant_id), channelId, appId: channelId, enabled: true };
  }
}
