import type { ModuleDatabase } from '../../store/oltp/oltp-store.js';

interface DisplaySettingRow {
  id: number | string;
  tenant_id: number | string;
  staff_id: number | string;
  outbound_events: string;
  created_at: number;
  updated_at: number;
}

/** The home module's table: each staff member's 显示设置 of the home timeline. */
export class HomeRepo {
  constructor(private readonly db: ModuleDatabase) {}

  async outboundEvents(tenantId: string, staffId: string): Promise<string[] | undefined> {
    const row = await this.db
      .forTenant(tenantId)
      .from<DisplaySettingRow>('home_display_setting')
      .where('staff_id', staffId)
      .first();
    return row ? (JSON.parse(row.outbound_events) as string[]) : undefined;
  }

  /** Saves the staff member's choice (one row per staff member; a race on the first save retries as an update). */
  async saveOutboundEvents(tenantId: string, staffId: string, events: readonly string[]): Promise<void> {
    const now = Date.now();
    const value = JSON.stringify(events);
    const update = () =>
      this.db
        .forTenant(tenantId)
        .from('home_display_setting')
        .where('staff_id', staffId)
        .update({ outbound_events: value, updated_at: now });
    if ((await update()) > 0) return;
    try {
      await this.db
        .forTenant(tenantId)
        .insert('home_display_setting', { staff_id: staffId, outbound_events: value, created_at: now, updated_at: now });
    } catch (error) {
      // Another request of the same staff member inserted first (unique tenant + staff): update it.
      if ((await update()) === 0) throw error;
    }
  }
}
