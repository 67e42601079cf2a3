import type { Knex } from 'knex';
import type { ModuleDatabase, TenantDb } from '../../store/oltp/oltp-store.js';
import type { CardSize } from './dashboards.types.js';

type Id = number | string;

export interface DashboardFolderRow {
  id: Id;
  tenant_id: Id;
  parent_id: Id | null;
  name: string;
  depth: number | string;
  position: number | string;
  department_id: Id | null;
  created_by: Id | null;
  created_at: Id;
  updated_at: Id;
}

export interface DashboardRow {
  id: Id;
  tenant_id: Id;
  folder_id: Id | null;
  name: string;
  position: number | string;
  department_id: Id | null;
  created_by: Id | null;
  updated_by: Id | null;
  created_at: Id;
  updated_at: Id;
}

export interface DashboardCardRow {
  id: Id;
  tenant_id: Id;
  dashboard_id: Id;
  report_id: Id;
  size: CardSize;
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

async function countOf(query: Knex.QueryBuilder): Promise<number> {
  const row = (await query.count({ n: '*' }).first()) as { n: number | string } | undefined;
  return Number(row?.n ?? 0);
}

/** The dashboards module's tables (dashboard_folder, dashboard, dashboard_card), always within one tenant. */
export class DashboardsRepo {
  constructor(private readonly db: ModuleDatabase) {}

  private tenant(tenantId: string): TenantDb {
    return this.db.forTenant(tenantId);
  }

  transaction<T>(work: () => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }

  // ---- folders ------------------------------------------------------------------------------------

  /** Every folder of the tenant, by depth, position and id (a query: the caller may filter it). */
  foldersQuery(tenantId: string): Knex.QueryBuilder<DashboardFolderRow> {
    return this.tenant(tenantId)
      .from<DashboardFolderRow>('dashboard_folder')
      .orderBy(['dashboard_folder.depth', 'dashboard_folder.position', 'dashboard_folder.id']);
  }

  folders(tenantId: string): Promise<DashboardFolderRow[]> {
    return this.foldersQuery(tenantId).select<DashboardFolderRow[]>('*');
  }

  folder(tenantId: string, folderId: string): Promise<DashboardFolderRow | undefined> {
    return this.tenant(tenantId).from<DashboardFolderRow>('dashboard_folder').where('dashboard_folder.id', folderId).first();
  }

  insertFolder(tenantId: string, row: Omit<DashboardFolderRow, 'id' | 'tenant_id'>): Promise<string> {
    return this.tenant(tenantId).insert('dashboard_folder', row);
  }

  async updateFolder(
    tenantId: string,
    folderId: string,
    patch: Partial<Omit<DashboardFolderRow, 'id' | 'tenant_id'>>,
  ): Promise<void> {
    await this.tenant(tenantId).from('dashboard_folder').where('dashboard_folder.id', folderId).update(patch);
  }

  async deleteFolder(tenantId: string, folderId: string): Promise<void> {
    await this.tenant(tenantId).from('dashboard_folder').where('dashboard_folder.id', folderId).delete();
  }

  /** A folder cascade (ADR 0023): these folders and every dashboard in them take `departmentId`. */
  async cascadeDepartment(
    tenantId: string,
    folderIds: readonly string[],
    departmentId: string | null,
    at: number,
  ): Promise<void> {
    for (const part of chunks(folderIds)) {
      await this.tenant(tenantId)
        .from('dashboard_folder')
        .whereIn('dashboard_folder.id', part)
        .update({ department_id: departmentId, updated_at: at });
      await this.tenant(tenantId)
        .from('dashboard')
        .whereIn('dashboard.folder_id', part)
        .update({ department_id: departmentId, updated_at: at });
    }
  }

  // ---- dashboards ---------------------------------------------------------------------------------

  /** Dashboards, in their folder's order (a query: the caller may filter it). */
  dashboardsQuery(tenantId: string, filter: { folderId?: string | null } = {}): Knex.QueryBuilder<DashboardRow> {
    const query = this.tenant(tenantId).from<DashboardRow>('dashboard');
    if (filter.folderId === null) query.whereNull('dashboard.folder_id');
    else if (filter.folderId !== undefined) query.where('dashboard.folder_id', filter.folderId);
    return query.orderBy(['dashboard.position', 'dashboard.id']);
  }

  dashboard(tenantId: string, dashboardId: string): Promise<DashboardRow | undefined> {
    return this.tenant(tenantId).from<DashboardRow>('dashboard').where('dashboard.id', dashboardId).first();
  }

  count(tenantId: string): Promise<number> {
    return countOf(this.tenant(tenantId).from('dashboard'));
  }

  inFolders(tenantId: string, folderIds: readonly string[]): Promise<number> {
    if (folderIds.length === 0) return Promise.resolve(0);
    return countOf(
      this.tenant(tenantId)
        .from('dashboard')
        .whereIn('dashboard.folder_id', [...folderIds]),
    );
  }

  insertDashboard(tenantId: string, row: Omit<DashboardRow, 'id' | 'tenant_id'>): Promise<string> {
    return this.tenant(tenantId).insert('dashboard', row);
  }

  async updateDashboard(
    tenantId: string,
    dashboardId: string,
    patch: Partial<Omit<DashboardRow, 'id' | 'tenant_id'>>,
  ): Promise<void> {
    await this.tenant(tenantId).from('dashboard').where('dashboard.id', dashboardId).update(patch);
  }

  /** A dashboard and its cards. */
  async deleteDashboard(tenantId: string, dashboardId: string): Promise<void> {
    await this.tenant(tenantId).from('dashboard_card').where('dashboard_card.dashboard_id', dashboardId).delete();
    await this.tenant(tenantId).from('dashboard').where('dashboard.id', dashboardId).delete();
  }

  /** Folders and dashboards of a department (a department in use is not deleted). */
  async departmentCount(tenantId: string, departmentId: string): Promise<number> {
    return (
      (await countOf(this.tenant(tenantId).from('dashboard_folder').where('dashboard_folder.department_id', departmentId))) +
      (await countOf(this.tenant(tenantId).from('dashboard').where('dashboard.department_id', departmentId)))
    );
  }

  // ---- cards --------------------------------------------------------------------------------------

  /** The cards of the given dashboards, each dashboard's in order. */
  async cards(tenantId: string, dashboardIds: readonly string[]): Promise<DashboardCardRow[]> {
    const rows: DashboardCardRow[] = [];
    for (const part of chunks(dashboardIds))
      rows.push(
        ...(await this.tenant(tenantId)
          .from<DashboardCardRow>('dashboard_card')
          .whereIn('dashboard_card.dashboard_id', part)
          .orderBy(['dashboard_card.dashboard_id', 'dashboard_card.position', 'dashboard_card.id'])
          .select<DashboardCardRow[]>('*')),
      );
    return rows;
  }

  card(tenantId: string, dashboardId: string, cardId: string): Promise<DashboardCardRow | undefined> {
    return this.tenant(tenantId)
      .from<DashboardCardRow>('dashboard_card')
      .where('dashboard_card.dashboard_id', dashboardId)
      .where('dashboard_card.id', cardId)
      .first();
  }

  insertCard(tenantId: string, row: Omit<DashboardCardRow, 'id' | 'tenant_id'>): Promise<string> {
    return this.tenant(tenantId).insert('dashboard_card', row);
  }

  async updateCard(
    tenantId: string,
    cardId: string,
    patch: Partial<Pick<DashboardCardRow, 'size' | 'position' | 'updated_at'>>,
  ): Promise<void> {
    await this.tenant(tenantId).from('dashboard_card').where('dashboard_card.id', cardId).update(patch);
  }

  async deleteCard(tenantId: string, cardId: string): Promise<void> {
    await this.tenant(tenantId).from('dashboard_card').where('dashboard_card.id', cardId).delete();
  }

  /** Every card of these reports, on every dashboard (the reports were deleted). */
  async deleteCardsOfReports(tenantId: string, reportIds: readonly string[]): Promise<number> {
    let deleted = 0;
    for (const part of chunks(reportIds))
      deleted += await this.tenant(tenantId).from('dashboard_card').whereIn('dashboard_card.report_id', part).delete();
    return deleted;
  }
}
