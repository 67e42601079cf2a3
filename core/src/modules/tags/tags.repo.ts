import { isUniqueViolation, type ModuleDatabase, type TenantDb } from '../../store/oltp/oltp-store.js';
import type { TagKind, TagStatus, TagUpdateMode, TagValueType } from './tags.types.js';

export interface TagRow {
  id: number | string;
  tenant_id: number | string;
  code: string;
  name: string;
  description: string | null;
  folder_id: number | string | null;
  kind: TagKind;
  value_type: TagValueType;
  update_mode: TagUpdateMode;
  rule: string;
  status: TagStatus;
  active_calc_date: string | null;
  calc_date: string | null;
  /** The last run number handed out (ADR 0050). */
  last_run: number | string;
  /** The run the running / last computation writes (with calc_date). */
  calc_run: number | string | null;
  /** The run consumers read (with active_calc_date). */
  active_run: number | string;
  task_id: number | string | null;
  error: string | null;
  computed_at: number | string | null;
  created_by: number | string | null;
  updated_by: number | string | null;
  created_at: number | string;
  updated_at: number | string;
  deleted_at: number | string | null;
}

export interface TagFolderRow {
  id: number | string;
  tenant_id: number | string;
  name: string;
  created_by: number | string | null;
  created_at: number | string;
  updated_at: number | string;
}

export interface TagCalcRow {
  id: number | string;
  tenant_id: number | string;
  tag_id: number | string;
  calc_date: string;
  /** The run of the day the report and the export show. */
  run: number | string;
  contact_count: number | string;
  computed_at: number | string;
}

type TagInsert = Omit<TagRow, 'id' | 'tenant_id' | 'last_run' | 'calc_run' | 'active_run'> &
  Partial<Pick<TagRow, 'last_run' | 'calc_run' | 'active_run'>>;

/** The tags module's tables (tag_folder, tag, tag_calc), always within one tenant. */
export class TagsRepo {
  constructor(private readonly db: ModuleDatabase) {}

  private tenant(tenantId: string): TenantDb {
    return this.db.forTenant(tenantId);
  }

  transaction<T>(work: () => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }

  // ---- folders ----

  folders(tenantId: string): Promise<TagFolderRow[]> {
    return this.tenant(tenantId).from<TagFolderRow>('tag_folder').orderBy('id');
  }

  folder(tenantId: string, folderId: string): Promise<TagFolderRow | undefined> {
    return this.tenant(tenantId).from<TagFolderRow>('tag_folder').where('id', folderId).first();
  }

  folderByName(tenantId: string, name: string): Promise<TagFolderRow | undefined> {
    return this.tenant(tenantId).from<TagFolderRow>('tag_folder').where('name', name).first();
  }

  insertFolder(tenantId: string, row: Omit<TagFolderRow, 'id' | 'tenant_id'>): Promise<string> {
    return this.tenant(tenantId).insert('tag_folder', row);
  }

  async updateFolder(
    tenantId: string,
    folderId: string,
    patch: Partial<Pick<TagFolderRow, 'name' | 'updated_at'>>,
  ): Promise<void> {
    await this.tenant(tenantId).from('tag_folder').where('id', folderId).update(patch);
  }

  async deleteFolder(tenantId: string, folderId: string): Promise<void> {
    await this.tenant(tenantId).from('tag_folder').where('id', folderId).delete();
  }

  async countInFolder(tenantId: string, folderId: string): Promise<number> {
    const row = (await this.tenant(tenantId)
      .from('tag')
      .where('folder_id', folderId)
      .whereNull('deleted_at')
      .count({ n: '*' })
      .first()) as { n: number | string } | undefined;
    return Number(row?.n ?? 0);
  }

  // ---- tags ----

  /** Live (not deleted) tags, newest first, filtered by folder / kind / a name or ID fragment. */
  list(tenantId: string, filter: { folderId?: string | null; kind?: TagKind; search?: string } = {}): Promise<TagRow[]> {
    const query = this.tenant(tenantId).from<TagRow>('tag').whereNull('deleted_at');
    if (filter.folderId === null) query.whereNull('folder_id');
    else if (filter.folderId !== undefined) query.where('folder_id', filter.folderId);
    if (filter.kind) query.where('kind', filter.kind);
    if (filter.search) {
      const like = `%${filter.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      query.where((q) => q.where('name', 'like', like).orWhere('code', 'like', like));
    }
    return query.orderBy('id', 'desc');
  }

  /** A live tag by its row id. */
  tag(tenantId: string, tagId: string): Promise<TagRow | undefined> {
    return this.tenant(tenantId).from<TagRow>('tag').where('id', tagId).whereNull('deleted_at').first();
  }

  /** Live tags among `ids` (row ids). */
  tags(tenantId: string, ids: readonly string[]): Promise<TagRow[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.tenant(tenantId).from<TagRow>('tag').whereIn('id', ids).whereNull('deleted_at');
  }

  /** Live tags by their operator IDs (`tag_…`). */
  tagsByCode(tenantId: string, codes: readonly string[]): Promise<TagRow[]> {
    if (codes.length === 0) return Promise.resolve([]);
    return this.tenant(tenantId).from<TagRow>('tag').whereIn('code', codes).whereNull('deleted_at');
  }

  /** Any tag with this ID, deleted ones too (a deleted ID is never reused). */
  anyByCode(tenantId: string, code: string): Promise<TagRow | undefined> {
    return this.tenant(tenantId).from<TagRow>('tag').where('code', code).first();
  }

  /** Live daily tags (the 00:10 firing). */
  dailyTags(tenantId: string): Promise<TagRow[]> {
    return this.tenant(tenantId).from<TagRow>('tag').where('update_mode', 'daily').whereNull('deleted_at').orderBy('id');
  }

  /** Every tag that has calculation days (deleted ones too: the prune drops their values). */
  async tagIdsWithCalcs(tenantId: string): Promise<string[]> {
    const rows = (await this.tenant(tenantId).from('tag_calc').distinct('tag_id')) as { tag_id: number | string }[];
    return rows.map((row) => String(row.tag_id));
  }

  insertTag(tenantId: string, row: TagInsert): Promise<string> {
    return this.tenant(tenantId).insert('tag', row);
  }

  async updateTag(tenantId: string, tagId: string, patch: Partial<TagInsert>): Promise<void> {
    await this.tenant(tenantId).from('tag').where('id', tagId).update(patch);
  }

  /**
   * Moves a tag from one of `from` statuses to `patch.status`: the conditional UPDATE decides races
   * (two 立即计算 clicks, a compute racing an edit). With `lastRun`, only while the tag's last run
   * number is still that one (a computation taking the next run). True when this call moved it.
   */
  async transition(
    tenantId: string,
    tagId: string,
    from: readonly TagStatus[],
    patch: Partial<TagInsert>,
    lastRun?: number,
  ): Promise<boolean> {
    const query = this.tenant(tenantId)
      .from('tag')
      .where('id', tagId)
      .whereNull('deleted_at')
      .whereIn('status', [...from]);
    if (lastRun !== undefined) query.where('last_run', lastRun);
    return Number(await query.update(patch)) > 0;
  }

  // ---- calculation days ----

  calcs(tenantId: string, tagId: string): Promise<TagCalcRow[]> {
    return this.tenant(tenantId).from<TagCalcRow>('tag_calc').where('tag_id', tagId).orderBy('calc_date', 'desc');
  }

  /** Records a day's result: its run (what the report shows from now on), contacts and time. */
  async upsertCalc(
    tenantId: string,
    tagId: string,
    calcDate: string,
    run: number,
    contactCount: number,
    at: number,
  ): Promise<void> {
    const db = this.tenant(tenantId);
    // Insert first: an UPDATE that finds no row takes a gap lock on MariaDB, and tags computed at once
    // (neighbouring keys) then deadlock on their inserts. A day already recorded is updated instead.
    try {
      await db.insert('tag_calc', { tag_id: tagId, calc_date: calcDate, run, contact_count: contactCount, computed_at: at });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      await db
        .from('tag_calc')
        .where({ tag_id: tagId, calc_date: calcDate })
        .update({ run, contact_count: contactCount, computed_at: at });
    }
  }

  async deleteCalcs(tenantId: string, tagId: string, calcDates: readonly string[]): Promise<void> {
    if (calcDates.length === 0) return;
    await this.tenant(tenantId)
      .from('tag_calc')
      .where('tag_id', tagId)
      .whereIn('calc_date', [...calcDates])
      .delete();
  }
}
