import type { ModuleDatabase } from '../../store/oltp/oltp-store.js';

export interface TenantPluginRow {
  id: number | string;
  tenant_id: number | string;
  plugin_id: string;
  enabled: boolean | number;
  changed_at: number | string;
  changed_by: string | null;
}

/** The `tenant_plugin` table: a platform operator's switch of one plugin for one tenant. */
export class TenantPluginsRepo {
  constructor(private readonly db: ModuleDatabase) {}

  list(tenantId: string): Promise<TenantPluginRow[]> {
    return this.db
      .forTenant(tenantId)
      .from<TenantPluginRow>('tenant_plugin')
      .orderBy('tenant_plugin.plugin_id')
      .select<TenantPluginRow[]>('*');
  }

  /** Every tenant's switch of one plugin (the uninstall report; not tenant-scoped on purpose). */
  acrossTenants(pluginId: string): Promise<TenantPluginRow[]> {
    return this.db
      .unscoped<TenantPluginRow>('tenant_plugin')
      .where({ plugin_id: pluginId })
      .orderBy('tenant_id')
      .select<TenantPluginRow[]>('*');
  }

  /** Sets the switch; call with the tenant locked (see TenantService.lock), so update-then-insert cannot race. */
  async save(tenantId: string, row: { plugin_id: string; enabled: boolean; changed_at: number; changed_by: string | null }) {
    const updated = await this.db
      .forTenant(tenantId)
      .from('tenant_plugin')
      .where('tenant_plugin.plugin_id', row.plugin_id)
      .update({ enabled: row.enabled, changed_at: row.changed_at, changed_by: row.changed_by });
    if (updated === 0) await this.db.forTenant(tenantId).insert('tenant_plugin', row);
  }

  transaction<T>(work: () => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }
}
