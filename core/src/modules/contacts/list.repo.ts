import { isUniqueViolation, type ModuleDatabase, type TenantDb } from '../../store/oltp/oltp-store.js';
import type { ChannelAccountRow, ContactRow } from './contacts.types.js';

interface ListColumnRow {
  id: number | string;
  tenant_id: number | string;
  staff_id: number | string;
  columns: string;
  created_at: number | string;
  updated_at: number | string;
}

/** The contact list's OLTP reads and its per-staff column setting, always within one tenant. */
export class ContactListRepo {
  constructor(private readonly db: ModuleDatabase) {}

  private tenant(tenantId: string): TenantDb {
    return this.db.forTenant(tenantId);
  }

  /** The staff member's saved column keys, or undefined while none were saved. */
  async columns(tenantId: string, staffId: string): Promise<string[] | undefined> {
    const row = await this.tenant(tenantId).from<ListColumnRow>('contact_list_column').where('staff_id', staffId).first();
    if (!row) return undefined;
    const parsed: unknown = JSON.parse(row.columns);
    return Array.isArray(parsed) ? parsed.filter((key): key is string => typeof key === 'string') : undefined;
  }

  /** One row per staff member: updated in place, inserted the first time (a concurrent first insert wins, then updates). */
  async saveColumns(tenantId: string, staffId: string, columns: readonly string[], at: number): Promise<void> {
    const db = this.tenant(tenantId);
    const patch = { columns: JSON.stringify(columns), updated_at: at };
    const update = () => db.from('contact_list_column').where('staff_id', staffId).update(patch);
    if ((await update()) > 0) return;
    try {
      await db.insert('contact_list_column', { staff_id: staffId, ...patch, created_at: at });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      await update();
    }
  }

  /** Accounts of any channel whose id type is among `idTypes` and whose user id is `userId`. */
  accountsByUserId(tenantId: string, idTypes: readonly string[], userId: string, limit: number): Promise<ChannelAccountRow[]> {
    return this.tenant(tenantId)
      .from<ChannelAccountRow>('channel_account')
      .whereIn('id_type', idTypes)
      .where('user_id', userId)
      .orderBy('id')
      .limit(limit)
      .select<ChannelAccountRow[]>('*');
  }

  contactNames(tenantId: string, ids: readonly string[]): Promise<Pick<ContactRow, 'id' | 'name' | 'nickname' | 'identified'>[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.tenant(tenantId)
      .from<ContactRow>('contact')
      .whereIn('id', [...new Set(ids)])
      .select<Pick<ContactRow, 'id' | 'name' | 'nickname' | 'identified'>[]>('id', 'name', 'nickname', 'identified');
  }
}
