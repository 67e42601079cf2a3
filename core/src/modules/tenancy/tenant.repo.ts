import type { ModuleDatabase } from '../../store/oltp/oltp-store.js';
import type { TenantRow } from './tenant.types.js';

/** The `tenant` table. A tenant row is its own scope, so these queries are the unscoped kind. */
export class TenantRepo {
  constructor(private readonly db: ModuleDatabase) {}

  async count(): Promise<number> {
    const [row] = await this.db.unscoped('tenant').count<{ n: number }[]>({ n: '*' });
    return Number(row?.n ?? 0);
  }

  find(tenantId: string): Promise<TenantRow | undefined> {
    return this.db.unscoped<TenantRow>('tenant').where({ id: tenantId }).first();
  }

  /** Every tenant, active or not (platform reports such as `huiliu plugins uninstall-report`). */
  listAll(): Promise<Pick<TenantRow, 'id' | 'name' | 'status'>[]> {
    return this.db.unscoped<TenantRow>('tenant').select('id', 'name', 'status').orderBy('id');
  }

  /**
   * The tenant row, locked until the surrounding transaction ends (MySQL/MariaDB; SQLite has one
   * writer): changes that check then write per-tenant state serialize on it.
   */
  lock(tenantId: string): Promise<Pick<TenantRow, 'id'> | undefined> {
    const query = this.db.unscoped<TenantRow>('tenant').where({ id: tenantId }).select('id');
    return (this.db.client === 'mysql' ? query.forUpdate() : query).first();
  }

  /** Active tenants with their zones (the scheduler evaluates schedules in each). */
  listActive(): Promise<Pick<TenantRow, 'id' | 'time_zone'>[]> {
    return this.db.unscoped<TenantRow>('tenant').where({ status: 'active' }).select('id', 'time_zone').orderBy('id');
  }

  async insert(row: Omit<TenantRow, 'id' | 'first_event_at'>): Promise<string> {
    const [id] = await this.db.unscoped('tenant').insert(row);
    return String(id);
  }

  /** Updates a tenant; with `zoneUnlocked` only while no event has arrived. Returns the rows changed. */
  update(tenantId: string, patch: Partial<TenantRow>, options: { zoneUnlocked?: boolean } = {}): Promise<number> {
    const query = this.db.unscoped('tenant').where({ id: tenantId });
    if (options.zoneUnlocked) query.whereNull('first_event_at');
    return query.update(patch);
  }

  async markFirstEvent(tenantId: string, at: number): Promise<void> {
    await this.db.unscoped('tenant').where({ id: tenantId }).whereNull('first_event_at').update({ first_event_at: at });
  }
}
