import { ConflictError } from '../../server/errors.js';
import { isUniqueViolation, type ModuleDatabase, type TenantDb } from '../../store/oltp/oltp-store.js';
import type { GroupKind, GroupStatus } from './groups.types.js';

type Id = number | string;

export interface GroupRow {
  id: Id;
  tenant_id: Id;
  kind: GroupKind;
  name: string;
  description: string | null;
  folder_id: Id | null;
  condition: string | null;
  update_mode: string | null;
  realtime_at: Id | null;
  /** 1…20 while the group is real-time (ADR 0048); NULL otherwise. */
  realtime_slot: number | string | null;
  status: GroupStatus;
  active_version: number | string | null;
  active_count: number | string | null;
  computing_version: number | string | null;
  last_version: number | string;
  error_code: string | null;
  computed_at: Id | null;
  static_seq: Id;
  olap_seq: Id;
  wechat_channel_id: Id | null;
  wechat_linked_at: Id | null;
  created_by: Id | null;
  created_at: Id;
  updated_at: Id;
  deleted_at: Id | null;
}

export interface GroupVersionRow {
  id: Id;
  tenant_id: Id;
  group_id: Id;
  version: number | string;
  status: 'computing' | 'computed' | 'done' | 'failed';
  member_count: number | string | null;
  added_count: number | string | null;
  removed_count: number | string | null;
  task_id: Id | null;
  error_code: string | null;
  started_at: Id;
  finished_at: Id | null;
}

export interface GroupFolderRow {
  id: Id;
  tenant_id: Id;
  parent_id: Id | null;
  name: string;
  depth: number | string;
  position: number | string;
  created_at: Id;
  updated_at: Id;
}

const IN_CHUNK = 500;
function chunks<T>(values: readonly T[], size = IN_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < values.length; i += size) out.push(values.slice(i, i + size));
  return out;
}

/** The groups module's tables (group_folder, user_group, group_version, group_static_member), always within one tenant. */
export class GroupsRepo {
  constructor(private readonly db: ModuleDatabase) {}

  private tenant(tenantId: string): TenantDb {
    return this.db.forTenant(tenantId);
  }

  get client(): 'sqlite' | 'mysql' {
    return this.db.client;
  }

  transaction<T>(work: () => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }

  // ---- groups -------------------------------------------------------------------------------------

  /**
   * `live_name` follows the name while the group lives (unique per tenant, migration 0035): a
   * concurrent request that took the name between the check and this write is 409 `group_name_taken`.
   */
  insertGroup(tenantId: string, row: Omit<GroupRow, 'id' | 'tenant_id'>): Promise<string> {
    return nameGuarded(row.name, () =>
      this.tenant(tenantId).insert('user_group', { ...row, live_name: row.deleted_at === null ? row.name : null }),
    );
  }

  /** A live (not deleted) group; `lock` locks its row until the transaction ends (MySQL/MariaDB). */
  group(tenantId: string, groupId: string, options: { lock?: boolean } = {}): Promise<GroupRow | undefined> {
    const query = this.tenant(tenantId).from<GroupRow>('user_group').where('id', groupId).whereNull('deleted_at');
    return (options.lock && this.db.client === 'mysql' ? query.forUpdate() : query).first();
  }

  groups(tenantId: string, ids?: readonly string[]): Promise<GroupRow[]> {
    const query = this.tenant(tenantId).from<GroupRow>('user_group').whereNull('deleted_at');
    if (ids) query.whereIn('id', [...ids]);
    return query.orderBy('id', 'desc').select<GroupRow[]>('*');
  }

  async nameTaken(tenantId: string, name: string, exceptId?: string): Promise<boolean> {
    const query = this.tenant(tenantId).from('user_group').whereNull('deleted_at').where('name', name);
    if (exceptId) query.whereNot('id', exceptId);
    return (await query.first('id')) !== undefined;
  }

  async updateGroup(tenantId: string, groupId: string, patch: Partial<Omit<GroupRow, 'id' | 'tenant_id'>>): Promise<void> {
    const liveName =
      patch.deleted_at !== undefined && patch.deleted_at !== null
        ? { live_name: null }
        : patch.name !== undefined
          ? { live_name: patch.name }
          : {};
    await nameGuarded(patch.name ?? '', () =>
      this.tenant(tenantId)
        .from('user_group')
        .where('id', groupId)
        .update({ ...patch, ...liveName }),
    );
  }

  /** A conditional status change: applies only while the group is in one of `from`. Returns whether it did. */
  async transition(
    tenantId: string,
    groupId: string,
    from: readonly GroupStatus[],
    patch: Partial<Omit<GroupRow, 'id' | 'tenant_id'>>,
  ): Promise<boolean> {
    const count = await this.tenant(tenantId)
      .from('user_group')
      .where('id', groupId)
      .whereNull('deleted_at')
      .whereIn('status', [...from])
      .update(patch);
    return count > 0;
  }

  dailyGroups(tenantId: string): Promise<GroupRow[]> {
    return this.tenant(tenantId)
      .from<GroupRow>('user_group')
      .whereNull('deleted_at')
      .where({ kind: 'dynamic', update_mode: 'daily' })
      .select<GroupRow[]>('*');
  }

  /** The live groups among `ids`, their rows locked until the transaction ends (MySQL/MariaDB). */
  async lockLive(tenantId: string, ids: readonly string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const query = this.tenant(tenantId)
      .from<GroupRow>('user_group')
      .whereIn('id', [...ids])
      .whereNull('deleted_at');
    const rows = await (this.db.client === 'mysql' ? query.forUpdate() : query).select<{ id: Id }[]>('id');
    return rows.map((row) => String(row.id));
  }

  /** Live real-time groups with an active version (ADR 0048): the ones a load batch re-evaluates. */
  realtimeGroups(tenantId: string): Promise<GroupRow[]> {
    return this.tenant(tenantId)
      .from<GroupRow>('user_group')
      .whereNull('deleted_at')
      .where('kind', 'dynamic')
      .whereNotNull('realtime_slot')
      .whereNotNull('active_version')
      .orderBy('id')
      .select<GroupRow[]>('*');
  }

  /** The real-time slots (1…20) the tenant's groups hold: the per-tenant limit (ADR 0048). */
  async realtimeSlots(tenantId: string): Promise<Set<number>> {
    const rows = await this.tenant(tenantId)
      .from<GroupRow>('user_group')
      .whereNotNull('realtime_slot')
      .select<{ realtime_slot: number | string }[]>('realtime_slot');
    return new Set(rows.map((row) => Number(row.realtime_slot)));
  }

  /**
   * Real-time changes moved the members of the active version by `by`: the count follows, unless a
   * computation switched the version meanwhile (its count is then the new version's).
   */
  async adjustActiveCount(tenantId: string, groupId: string, version: number, by: number): Promise<void> {
    await this.tenant(tenantId)
      .from('user_group')
      .where({ id: groupId, active_version: version })
      .update({ active_count: this.db.raw('COALESCE(active_count, 0) + ?', [by]) });
  }

  /**
   * The sweep's exact count of the active version's live members (ADR 0048), unless the version
   * changed meanwhile; `realtime_at` records the sweep.
   */
  async setActiveCount(tenantId: string, groupId: string, version: number, count: number, at: number): Promise<void> {
    await this.tenant(tenantId)
      .from('user_group')
      .where({ id: groupId, active_version: version })
      .update({ active_count: count, realtime_at: at });
  }

  /** Static groups whose OLAP copy is behind the OLTP master. */
  staticBehind(tenantId: string): Promise<GroupRow[]> {
    return this.tenant(tenantId)
      .from<GroupRow>('user_group')
      .whereNull('deleted_at')
      .where('kind', 'static')
      .whereRaw('olap_seq < static_seq')
      .select<GroupRow[]>('*');
  }

  /** Bumps a static group's change number and returns the new one (inside the change's transaction). */
  async nextStaticSeq(tenantId: string, groupId: string, at: number): Promise<number> {
    await this.tenant(tenantId)
      .from('user_group')
      .where('id', groupId)
      .update({ static_seq: this.db.raw('static_seq + 1'), updated_at: at });
    const row = await this.tenant(tenantId).from<GroupRow>('user_group').where('id', groupId).first('static_seq');
    return Number(row!.static_seq);
  }

  /** Moves the OLAP pointer of a static group forward only (a slower concurrent sync never moves it back). */
  async markStaticSynced(tenantId: string, groupId: string, seq: number, count: number, at: number): Promise<boolean> {
    const updated = await this.tenant(tenantId)
      .from('user_group')
      .where('id', groupId)
      .where('olap_seq', '<', seq)
      .update({ olap_seq: seq, active_version: seq, active_count: count, computed_at: at });
    return updated > 0;
  }

  async groupsInFolders(tenantId: string, folderIds: readonly string[]): Promise<number> {
    if (folderIds.length === 0) return 0;
    const row = (await this.tenant(tenantId)
      .from('user_group')
      .whereNull('deleted_at')
      .whereIn('folder_id', [...folderIds])
      .count({ n: '*' })
      .first()) as { n: number | string } | undefined;
    return Number(row?.n ?? 0);
  }

  // ---- versions -----------------------------------------------------------------------------------

  async insertVersion(tenantId: string, row: Omit<GroupVersionRow, 'id' | 'tenant_id'>): Promise<void> {
    await this.tenant(tenantId).insert('group_version', row);
  }

  async updateVersion(
    tenantId: string,
    groupId: string,
    version: number,
    patch: Partial<Omit<GroupVersionRow, 'id' | 'tenant_id'>>,
  ): Promise<void> {
    await this.tenant(tenantId).from('group_version').where({ group_id: groupId, version }).update(patch);
  }

  versions(tenantId: string, groupId: string): Promise<GroupVersionRow[]> {
    return this.tenant(tenantId)
      .from<GroupVersionRow>('group_version')
      .where('group_id', groupId)
      .orderBy('version', 'desc')
      .select<GroupVersionRow[]>('*');
  }

  async deleteVersions(tenantId: string, groupId: string, versions: readonly number[]): Promise<void> {
    for (const part of chunks(versions))
      await this.tenant(tenantId).from('group_version').where('group_id', groupId).whereIn('version', part).delete();
  }

  // ---- static members -----------------------------------------------------------------------------

  async memberIds(tenantId: string, groupId: string, contactIds: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (const part of chunks([...new Set(contactIds)])) {
      const rows = await this.tenant(tenantId)
        .from('group_static_member')
        .where('group_id', groupId)
        .whereIn('contact_id', part)
        .select<{ contact_id: Id }[]>('contact_id');
      for (const row of rows) found.add(String(row.contact_id));
    }
    return found;
  }

  async insertMembers(tenantId: string, groupId: string, contactIds: readonly string[], seq: number, at: number): Promise<void> {
    for (const part of chunks(contactIds))
      await this.tenant(tenantId)
        .from('group_static_member')
        .insert(part.map((contactId) => ({ tenant_id: tenantId, group_id: groupId, contact_id: contactId, seq, added_at: at })));
  }

  async deleteMembers(tenantId: string, groupId: string, contactIds: readonly string[]): Promise<number> {
    let deleted = 0;
    for (const part of chunks([...new Set(contactIds)]))
      deleted += await this.tenant(tenantId)
        .from('group_static_member')
        .where('group_id', groupId)
        .whereIn('contact_id', part)
        .delete();
    return deleted;
  }

  /** Every member of a static group (the master), by contact id. */
  async allMembers(tenantId: string, groupId: string): Promise<string[]> {
    const rows = await this.tenant(tenantId)
      .from('group_static_member')
      .where('group_id', groupId)
      .orderBy('contact_id')
      .select<{ contact_id: Id }[]>('contact_id');
    return rows.map((row) => String(row.contact_id));
  }

  /** A page of a static group's members by contact id (keyset after `afterId`). */
  async memberPage(tenantId: string, groupId: string, afterId: string | undefined, limit: number): Promise<string[]> {
    const query = this.tenant(tenantId).from('group_static_member').where('group_id', groupId);
    if (afterId) query.where('contact_id', '>', afterId);
    const rows = await query.orderBy('contact_id').limit(limit).select<{ contact_id: Id }[]>('contact_id');
    return rows.map((row) => String(row.contact_id));
  }

  async memberCount(tenantId: string, groupId: string): Promise<number> {
    const row = (await this.tenant(tenantId).from('group_static_member').where('group_id', groupId).count({ n: '*' }).first()) as
      { n: number | string } | undefined;
    return Number(row?.n ?? 0);
  }

  /** The static groups a contact is in (live groups only). */
  async staticGroupsOf(tenantId: string, contactId: string): Promise<string[]> {
    const rows = await this.tenant(tenantId)
      .from('group_static_member')
      .where('contact_id', contactId)
      .select<{ group_id: Id }[]>('group_id');
    return rows.map((row) => String(row.group_id));
  }

  // ---- folders ------------------------------------------------------------------------------------

  folders(tenantId: string): Promise<GroupFolderRow[]> {
    return this.tenant(tenantId)
      .from<GroupFolderRow>('group_folder')
      .orderBy(['depth', 'position', 'id'])
      .select<GroupFolderRow[]>('*');
  }

  folder(tenantId: string, folderId: string): Promise<GroupFolderRow | undefined> {
    return this.tenant(tenantId).from<GroupFolderRow>('group_folder').where('id', folderId).first();
  }

  insertFolder(tenantId: string, row: Omit<GroupFolderRow, 'id' | 'tenant_id'>): Promise<string> {
    return this.tenant(tenantId).insert('group_folder', row);
  }

  async updateFolder(
    tenantId: string,
    folderId: string,
    patch: Partial<Omit<GroupFolderRow, 'id' | 'tenant_id'>>,
  ): Promise<void> {
    await this.tenant(tenantId).from('group_folder').where('id', folderId).update(patch);
  }

  async deleteFolder(tenantId: string, folderId: string): Promise<void> {
    await this.tenant(tenantId).from('group_folder').where('id', folderId).delete();
  }
}

/** A unique violation of the (tenant, live_name) index (R22B-7) as 409 `group_name_taken`, not 500. */
async function nameGuarded<T>(name: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    // SQLite names the columns, MySQL the index: both contain `live_name`.
    if (isUniqueViolation(error) && /live_name/.test(String((error as Error).message)))
      throw new ConflictError('group_name_taken', { name });
    throw error;
  }
}
