import type { ModuleDatabase, TenantDb } from '../../store/oltp/oltp-store.js';
import type { DepartmentRow } from './departments.types.js';

interface StaffDepartmentRow {
  staff_id: number | string;
  department_id: number | string;
}

/** The `department`, `department_setting` and `staff_department` tables, always within one tenant. */
export class DepartmentsRepo {
  constructor(private readonly db: ModuleDatabase) {}

  private tenant(tenantId: string): TenantDb {
    return this.db.forTenant(tenantId);
  }

  /** Runs `work` in one OLTP transaction (other modules' writes inside join it). */
  transaction<T>(work: () => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }

  // ---- the tree -------------------------------------------------------------------------------------

  /** Every department of the tenant; `lock` holds them (MySQL) until the transaction ends, so two moves cannot race into a cycle. */
  departments(tenantId: string, options: { lock?: boolean } = {}): Promise<DepartmentRow[]> {
    const query = this.tenant(tenantId).from<DepartmentRow>('department').orderBy('sort').orderBy('id');
    return (options.lock && this.db.client === 'mysql' ? query.forUpdate() : query).select<DepartmentRow[]>('*');
  }

  department(tenantId: string, id: string): Promise<DepartmentRow | undefined> {
    return this.tenant(tenantId).from<DepartmentRow>('department').where('department.id', id).first();
  }

  async count(tenantId: string): Promise<number> {
    const [row] = await this.tenant(tenantId).from('department').count<{ n: number }[]>({ n: '*' });
    return Number(row?.n ?? 0);
  }

  /** The next free place among the children of `parentId` (null: the top level). */
  async nextSort(tenantId: string, parentId: string | null): Promise<number> {
    const [row] = await this.tenant(tenantId)
      .from('department')
      .where('department.parent_key', parentId ?? 0)
      .max<{ top: number | null }[]>({ top: 'sort' });
    return row?.top === null || row?.top === undefined ? 0 : Number(row.top) + 1;
  }

  /** A new department; a sibling of the same name fails with a UNIQUE violation. */
  insert(tenantId: string, input: { name: string; parentId: string | null; sort: number; at: number }): Promise<string> {
    return this.tenant(tenantId).insert('department', {
      name: input.name,
      parent_id: input.parentId,
      parent_key: input.parentId ?? 0,
      sort: input.sort,
      created_at: input.at,
      updated_at: input.at,
    });
  }

  async rename(tenantId: string, id: string, name: string, at: number): Promise<void> {
    await this.tenant(tenantId).from('department').where('department.id', id).update({ name, updated_at: at });
  }

  /** Puts the department under `parentId` (parent_id and its non-null copy together). */
  async setParent(tenantId: string, id: string, parentId: string | null, at: number): Promise<void> {
    await this.tenant(tenantId)
      .from('department')
      .where('department.id', id)
      .update({ parent_id: parentId, parent_key: parentId ?? 0, updated_at: at });
  }

  async setSort(tenantId: string, id: string, sort: number): Promise<void> {
    await this.tenant(tenantId).from('department').where('department.id', id).update({ sort });
  }

  async remove(tenantId: string, id: string): Promise<void> {
    await this.tenant(tenantId).from('department').where('department.id', id).delete();
  }

  // ---- the 组织架构 switch ----------------------------------------------------------------------------

  async orgEnabled(tenantId: string): Promise<boolean> {
    const row = await this.tenant(tenantId).from<{ org_enabled: number | boolean }>('department_setting').first('org_enabled');
    return Boolean(row?.org_enabled);
  }

  async setOrgEnabled(tenantId: string, enabled: boolean, staffId: string | null, at: number): Promise<void> {
    await this.transaction(async () => {
      const db = this.tenant(tenantId);
      const patch = { org_enabled: enabled, updated_by: staffId, updated_at: at };
      const updated = await db.from('department_setting').update(patch);
      if (updated === 0) await db.insert('department_setting', { ...patch, created_at: at });
    });
  }

  // ---- staff ------------------------------------------------------------------------------------------

  async departmentOf(tenantId: string, staffId: string): Promise<string | null> {
    const row = await this.tenant(tenantId)
      .from<StaffDepartmentRow>('staff_department')
      .where('staff_department.staff_id', staffId)
      .first('department_id');
    return row ? String(row.department_id) : null;
  }

  async staffIdsIn(tenantId: string, departmentId: string): Promise<string[]> {
    const rows = await this.tenant(tenantId)
      .from<StaffDepartmentRow>('staff_department')
      .where('staff_department.department_id', departmentId)
      .orderBy('staff_department.staff_id')
      .select<StaffDepartmentRow[]>('staff_id');
    return rows.map((row) => String(row.staff_id));
  }

  /** Staff members directly in each department that has any. */
  async staffCounts(tenantId: string): Promise<Map<string, number>> {
    const rows = await this.tenant(tenantId)
      .from('staff_department')
      .groupBy('staff_department.department_id')
      .select('staff_department.department_id')
      .count<{ department_id: number | string; n: number | string }[]>({ n: '*' });
    return new Map(rows.map((row) => [String(row.department_id), Number(row.n)]));
  }

  /** Puts the staff member in `departmentId` (replacing its department) or in none. */
  async assign(tenantId: string, staffId: string, departmentId: string | null, at: number): Promise<void> {
    const db = this.tenant(tenantId);
    if (departmentId === null) {
      await db.from('staff_department').where('staff_department.staff_id', staffId).delete();
      return;
    }
    const updated = await db
      .from('staff_department')
      .where('staff_department.staff_id', staffId)
      .update({ department_id: departmentId, updated_at: at });
    if (updated === 0)
      await db.insert('staff_department', { staff_id: staffId, department_id: departmentId, created_at: at, updated_at: at });
  }
}
