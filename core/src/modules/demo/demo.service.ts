import { createServiceRef } from '../../kernel/extension-point.js';
import type { ModuleDatabase } from '../../store/oltp/oltp-store.js';

export interface DemoRun {
  tenantId: string;
  /** The demo tenant's super staff. */
  staffId: string;
  /** The date (YYYY-MM-DD, tenant zone) the sample data is generated from. */
  anchorDay: string;
  createdAt: number;
  completedAt: number | null;
}

interface DemoRunRow {
  tenant_id: string | number;
  staff_id: string | number;
  anchor_day: string;
  created_at: string | number;
  completed_at: string | number | null;
}

const runOf = (row: DemoRunRow): DemoRun => ({
  tenantId: String(row.tenant_id),
  staffId: String(row.staff_id),
  anchorDay: row.anchor_day,
  createdAt: Number(row.created_at),
  completedAt: row.completed_at === null ? null : Number(row.completed_at),
});

/**
 * The demo tenant's record (ADR 0030): `huiliu demo` finds its tenant here — the one lookup that
 * is not scoped to a tenant, because it establishes which tenant the demo is.
 */
export class DemoService {
  constructor(private readonly db: ModuleDatabase) {}

  async find(): Promise<DemoRun | undefined> {
    const row = await this.db.unscoped<DemoRunRow>('demo_run').orderBy('id').first();
    return row ? runOf(row) : undefined;
  }

  async record(tenantId: string, staffId: string, anchorDay: string): Promise<DemoRun> {
    const now = Date.now();
    await this.db
      .forTenant(tenantId)
      .insert('demo_run', { staff_id: staffId, anchor_day: anchorDay, created_at: now, completed_at: null });
    return { tenantId, staffId, anchorDay, createdAt: now, completedAt: null };
  }

  async complete(tenantId: string): Promise<void> {
    await this.db.forTenant(tenantId).from('demo_run').update({ completed_at: Date.now() });
  }
}

export const demoServiceRef = createServiceRef<DemoService>({ id: 'demo' });
