import type { Knex, PluginDatabase } from '@huiliu/core/plugin-api';
import { APPS_TABLE as TABLE } from '../migrations/tables.js';
import { toCustomApp, type CustomApp, type CustomAppRow, type WriteKeyOwner } from './app.types.js';

/** Tenant-confined access to the plugin's own table. */
export class AppsRepository {
  constructor(private readonly database: PluginDatabase) {}

  private table(tenantId: string): Knex.QueryBuilder<CustomAppRow> {
    return this.database.forTenant(tenantId).from<CustomAppRow>(TABLE);
  }

  async list(tenantId: string, channelId: string): Promise<CustomApp[]> {
    const rows = await this.table(tenantId).where(`${TABLE}.channel_id`, channelId).orderBy(`${TABLE}.id`, 'asc');
    return rows.map(toCustomApp);
  }

  async get(tenantId: string, appId: string): Promise<CustomApp | undefined> {
    const row = await this.table(tenantId).where(`${TABLE}.id`, appId).first();
    return row ? toCustomApp(row) : undefined;
  }

  async countEnabled(tenantId: string, channelId: string): Promise<number> {
    const [row] = await this.table(tenantId)
      .where(`${TABLE}.channel_id`, channelId)
      .where(`${TABLE}.status`, 'enabled')
      .count<{ n: number }[]>({ n: '*' });
    return Number(row?.n ?? 0);
  }

  async insert(tenantId: string, row: Omit<CustomAppRow, 'id' | 'tenant_id'> & { created_by: string | null }): Promise<string> {
    return this.database.forTenant(tenantId).insert(TABLE, row);
  }

  async update(tenantId: string, appId: string, patch: Partial<CustomAppRow>): Promise<void> {
    await this.table(tenantId)
      .where(`${TABLE}.id`, appId)
      .update({ ...patch, updated_at: Date.now() });
  }

  /**
   * The one lookup that is not tenant-scoped: a writeKey arrives without a tenant (SDKs send only
   * the key) and tells which tenant, channel and app the data belongs to.
   */
  async ownerOfWriteKey(writeKey: string): Promise<WriteKeyOwner | undefined> {
    const row = await this.database.findAcrossTenants<CustomAppRow>(TABLE, { write_key: writeKey });
    if (!row) return undefined;
    return {
      tenantId: String(row.tenant_id),
      channelId: String(row.channel_id),
      appId: String(row.id),
      platform: row.platform,
      enabled: row.status === 'enabled',
    };
  }
}
