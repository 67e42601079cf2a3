import type { ModuleDatabase, TenantDb } from '../../store/oltp/oltp-store.js';

export interface RoleRow {
  id: number | string;
  tenant_id: number | string;
  name: string;
  status: 'enabled' | 'disabled';
  permissions: string;
  created_by: number | string | null;
  created_at: number;
  updated_at: number;
}

/** The `role` and `staff_role` tables (the staff module's). */
export class RolesRepo {
  constructor(private readonly db: ModuleDatabase) {}

  /** See `OltpStore.transaction`: the staff repo's writes inside `work` join it. */
  transaction<T>(work: () => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }

  private roles(tenant: TenantDb) {
    return tenant.from<RoleRow>('role');
  }

  list(tenantId: string): Promise<RoleRow[]> {
    return this.roles(this.db.forTenant(tenantId)).orderBy('role.id', 'asc');
  }

  find(tenantId: string, roleId: string): Promise<RoleRow | undefined> {
    return this.roles(this.db.forTenant(tenantId)).where('role.id', roleId).first();
  }

  /** The tenant's roles among `roleIds` (ids of another tenant are simply absent). */
  async existing(tenantId: string, roleIds: string[]): Promise<string[]> {
    if (roleIds.length === 0) return [];
    const rows = await this.roles(this.db.forTenant(tenantId)).whereIn('role.id', roleIds).select('role.id');
    return rows.map((row: { id: number | string }) => String(row.id));
  }

  insert(tenantId: string, row: Omit<RoleRow, 'id' | 'tenant_id'>): Promise<string> {
    return this.db.forTenant(tenantId).insert('role', row);
  }

  async update(
    tenantId: string,
    roleId: string,
    patch: Partial<Pick<RoleRow, 'name' | 'status' | 'permissions' | 'updated_at'>>,
  ) {
    return this.roles(this.db.forTenant(tenantId)).where('role.id', roleId).update(patch);
  }

  async delete(tenantId: string, roleId: string): Promise<number> {
    const tenant = this.db.forTenant(tenantId);
    await tenant.from('staff_role').where('staff_role.role_id', roleId).delete();
    return this.roles(tenant).where('role.id', roleId).delete();
  }

  /** Role id → its members' staff ids. */
  async membersByRole(tenantId: string): Promise<Map<string, string[]>> {
    const rows: { staff_id: number | string; role_id: number | string }[] = await this.db
      .forTenant(tenantId)
      .from('staff_role')
      .select('staff_role.staff_id', 'staff_role.role_id')
      .orderBy('staff_role.staff_id', 'asc');
    const members = new Map<string, string[]>();
    for (const row of rows) {
      const list = members.get(String(row.role_id)) ?? [];
      list.push(String(row.staff_id));
      members.set(String(row.role_id), list);
    }
    return members;
  }

  async members(tenantId: string, roleId: string): Promise<string[]> {
    const rows = await this.db
      .forTenant(tenantId)
      .from('staff_role')
      .where('staff_role.role_id', roleId)
      .select('staff_role.staff_id');
    return rows.map((row: { staff_id: number | string }) => String(row.staff_id));
  }

  /** Staff id → role ids, for the staff of `staffIds` (all of the tenant's when omitted). */
  async rolesByStaff(tenantId: string, staffIds?: string[]): Promise<Map<string, string[]>> {
    const query = this.db.forTenant(tenantId).from('staff_role').select('staff_role.staff_id', 'staff_role.role_id');
    if (staffIds) query.whereIn('staff_role.staff_id', staffIds);
    const rows: { staff_id: number | string; role_id: number | string }[] = await query.orderBy('staff_role.role_id', 'asc');
    const roles = new Map<string, string[]>();
    for (const row of rows) {
      const list = roles.get(String(row.staff_id)) ?? [];
      list.push(String(row.role_id));
      roles.set(String(row.staff_id), list);
    }
    return roles;
  }

  /** The stored permission lists of a staff member's enabled roles. */
  async grantedTo(tenantId: string, staffId: string): Promise<string[]> {
    const rows: { permissions: string }[] = await this.db
      .forTenant(tenantId)
      .from('staff_role')
      .join('role', (join) => join.on('role.id', 'staff_role.role_id').andOn('role.tenant_id', 'staff_role.tenant_id'))
      .where('staff_role.staff_id', staffId)
      .where('role.status', 'enabled')
      .select('role.permissions');
    return rows.flatMap((row) => JSON.parse(row.permissions) as string[]);
  }

  /** Replaces a staff member's roles. */
  async setStaffRoles(tenantId: string, staffId: string, roleIds: string[]): Promise<void> {
    const tenant = this.db.forTenant(tenantId);
    await tenant.from('staff_role').where('staff_role.staff_id', staffId).delete();
    for (const roleId of roleIds) await tenant.insert('staff_role', { staff_id: staffId, role_id: roleId });
  }

  /** Replaces a role's members. */
  async setMembers(tenantId: string, roleId: string, staffIds: string[]): Promise<void> {
    const tenant = this.db.forTenant(tenantId);
    await tenant.from('staff_role').where('staff_role.role_id', roleId).delete();
    for (const staffId of staffIds) await tenant.insert('staff_role', { staff_id: staffId, role_id: roleId });
  }
}
