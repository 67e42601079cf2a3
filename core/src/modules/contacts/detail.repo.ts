import { isUniqueViolation, type ModuleDatabase } from '../../store/oltp/oltp-store.js';

export interface ContactViewSettingRow {
  id: number | string;
  tenant_id: number | string;
  staff_id: number | string;
  profile_tags: string | null;
  timeline_outbound: string | null;
  created_at: number | string;
  updated_at: number | string;
}

/** 显示设置 of the contact detail page, one row per staff member (absent = the defaults). */
export class ContactViewSettingsRepo {
  constructor(private readonly db: ModuleDatabase) {}

  get(tenantId: string, staffId: string): Promise<ContactViewSettingRow | undefined> {
    return this.db.forTenant(tenantId).from<ContactViewSettingRow>('contact_view_setting').where('staff_id', staffId).first();
  }

  async save(
    tenantId: string,
    staffId: string,
    values: { profile_tags: string | null; timeline_outbound: string | null },
    at: number,
  ): Promise<void> {
    const db = this.db.forTenant(tenantId);
    const update = () =>
      db
        .from('contact_view_setting')
        .where('staff_id', staffId)
        .update({ ...values, updated_at: at });
    if ((await update()) > 0) return;
    try {
      await db.insert('contact_view_setting', { staff_id: staffId, ...values, created_at: at, updated_at: at });
    } catch (error) {
      // Saved at the same moment in another tab: the row exists now.
      if (!isUniqueViolation(error)) throw error;
      await update();
    }
  }
}
