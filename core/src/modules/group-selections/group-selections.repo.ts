import type { ModuleDatabase, TenantDb } from '../../store/oltp/oltp-store.js';

type Id = number | string;

export interface ExclusiveGroupRow {
  id: Id;
  tenant_id: Id;
  name: string;
  description: string | null;
  created_by: Id | null;
  created_at: Id;
  updated_at: Id;
  deleted_at: Id | null;
}

export interface ExclusiveMemberRow {
  exclusive_group_id: Id;
  position: number | string;
  group_id: Id;
}

export interface TemporaryGroupRow {
  id: Id;
  tenant_id: Id;
  staff_id: Id;
  slot: number | string;
  name: string;
  condition: string;
  created_at: Id;
  updated_at: Id;
}

/** The group-selections module's tables (exclusive_group, exclusive_group_member, temporary_group), always within one tenant. */
export class GroupSelectionsRepo {
  constructor(private readonly db: ModuleDatabase) {}

  private tenant(tenantId: string): TenantDb {
    return this.db.forTenant(tenantId);
  }

  transaction<T>(work: () => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }

  // ---- exclusive groups ---------------------------------------------------------------------------

  exclusiveGroups(tenantId: string): Promise<ExclusiveGroupRow[]> {
    return this.tenant(tenantId)
      .from<ExclusiveGroupRow>('exclusive_group')
      .whereNull('deleted_at')
      .orderBy('id', 'desc')
      .select<ExclusiveGroupRow[]>('*');
  }

  exclusiveGroup(tenantId: string, id: string): Promise<ExclusiveGroupRow | undefined> {
    return this.tenant(tenantId).from<ExclusiveGroupRow>('exclusive_group').where('id', id).whereNull('deleted_at').first();
  }

  async exclusiveNameTaken(tenantId: string, name: string, exceptId?: string): Promise<boolean> {
    const query = this.tenant(tenantId).from('exclusive_group').whereNull('deleted_at').where('name', name);
    if (exceptId) query.whereNot('id', exceptId);
    return (await query.first('id')) !== undefined;
  }

  /** `live_name` follows the name while the group lives (unique per tenant, migration 0032). */
  insertExclusiveGroup(tenantId: string, row: Omit<ExclusiveGroupRow, 'id' | 'tenant_id'>): Promise<string> {
    return this.tenant(tenantId).insert('exclusive_group', { ...row, live_name: row.deleted_at === null ? row.name : null });
  }

  async updateExclusiveGroup(
    tenantId: string,
    id: string,
    patch: Partial<Omit<ExclusiveGroupRow, 'id' | 'tenant_id'>>,
  ): Promise<void> {
    const liveName =
      patch.deleted_at !== undefined && patch.deleted_at !== null
        ? { live_name: null }
        : patch.name !== undefined
          ? { live_name: patch.name }
          : {};
    await this.tenant(tenantId)
      .from('exclusive_group')
      .where('id', id)
      .update({ ...patch, ...liveName });
  }

  /** The members of the given exclusive groups (all live ones without ids), by group and position. */
  members(tenantId: string, exclusiveGroupIds?: readonly string[]): Promise<ExclusiveMemberRow[]> {
    const query = this.tenant(tenantId).from<ExclusiveMemberRow>('exclusive_group_member');
    if (exclusiveGroupIds) query.whereIn('exclusive_group_id', [...exclusiveGroupIds]);
    return query
      .orderBy(['exclusive_group_id', 'position'])
      .select<ExclusiveMemberRow[]>('exclusive_group_id', 'position', 'group_id');
  }

  /** Replaces an exclusive group's members with `groupIds` in this order (position 1 first). */
  async replaceMembers(tenantId: string, exclusiveGroupId: string, groupIds: readonly string[]): Promise<void> {
    await this.tenant(tenantId).from('exclusive_group_member').where('exclusive_group_id', exclusiveGroupId).delete();
    if (groupIds.length)
      await this.tenant(tenantId)
        .from('exclusive_group_member')
        .insert(
          groupIds.map((groupId, index) => ({
            tenant_id: tenantId,
            exclusive_group_id: exclusiveGroupId,
            position: index + 1,
            group_id: groupId,
          })),
        );
  }

  /** The live exclusive groups that have `groupId` as a member. */
  async exclusiveGroupsUsing(tenantId: string, groupId: string): Promise<ExclusiveGroupRow[]> {
    const ids = (
      await this.tenant(tenantId)
        .from('exclusive_group_member')
        .where('group_id', groupId)
        .select<{ exclusive_group_id: Id }[]>('exclusive_group_id')
    ).map((row) => String(row.exclusive_group_id));
    if (ids.length === 0) return [];
    return this.tenant(tenantId)
      .from<ExclusiveGroupRow>('exclusive_group')
      .whereIn('id', ids)
      .whereNull('deleted_at')
      .select<ExclusiveGroupRow[]>('*');
  }

  // ---- temporary groups ---------------------------------------------------------------------------

  temporaryGroups(tenantId: string, staffId: string): Promise<TemporaryGroupRow[]> {
    return this.tenant(tenantId)
      .from<TemporaryGroupRow>('temporary_group')
      .where('staff_id', staffId)
      .orderBy('slot')
      .select<TemporaryGroupRow[]>('*');
  }

  temporaryGroup(tenantId: string, staffId: string, id: string): Promise<TemporaryGroupRow | undefined> {
    return this.tenant(tenantId).from<TemporaryGroupRow>('temporary_group').where({ id, staff_id: staffId }).first();
  }

  insertTemporaryGroup(tenantId: string, row: Omit<TemporaryGroupRow, 'id' | 'tenant_id'>): Promise<string> {
    return this.tenant(tenantId).insert('temporary_group', row);
  }

  async updateTemporaryGroup(
    tenantId: string,
    staffId: string,
    id: string,
    patch: Partial<Pick<TemporaryGroupRow, 'name' | 'condition' | 'updated_at'>>,
  ): Promise<void> {
    await this.tenant(tenantId).from('temporary_group').where({ id, staff_id: staffId }).update(patch);
  }

  async deleteTemporaryGroup(tenantId: string, staffId: string, id: string): Promise<number> {
    return this.tenant(tenantId).from('temporary_group').where({ id, staff_id: staffId }).delete();
  }
}
