import type { ContributionRegistry } from '../../kernel/contribution-registry.js';
import type { PresetDashboardDefinition } from '../../kernel/contributions.js';
import { createServiceRef } from '../../kernel/extension-point.js';
import { ConflictError, InputError, NotFoundError } from '../../server/errors.js';
import type { Locale } from '../../server/messages.js';
import { isUniqueViolation } from '../../store/oltp/oltp-store.js';
import type { TimeRange } from '../conditions/condition.types.js';
import type { DepartmentScope, TreeNode } from '../departments/department-rules.js';
import type { DepartmentService } from '../departments/departments.service.js';
import type { ReportQuotasService } from '../reports/report-quotas.service.js';
import type { ReportResult } from '../reports/report.types.js';
import type { ReportViewer, SavedReportsService } from '../reports/saved-reports.service.js';
import type { SavedReport } from '../reports/saved-reports.types.js';
import type { TenantService } from '../tenancy/tenant.service.js';
import type { PluginEnablement } from '../tenant-plugins/plugin-enablement.js';
import type { DashboardCardRow, DashboardFolderRow, DashboardRow, DashboardsRepo } from './dashboards.repo.js';
import {
  dashboardLimits,
  defaultCardSize,
  type CardReport,
  type CardSize,
  type Dashboard,
  type DashboardCard,
  type DashboardFolder,
  type DashboardPreset,
  type DashboardSummary,
  type PositionDirection,
  type PresetInstallation,
} from './dashboards.types.js';

export const dashboardsServiceRef = createServiceRef<DashboardsService>({ id: 'dashboards.service' });

/**
 * Who works with dashboards: a staff member (its department decides what it sees) or an app — the
 * principal, whose permissions decide the masked fields of the cards it opens (ADR 0069).
 */
export type DashboardViewer = ReportViewer;

export interface DashboardsDeps {
  saved: SavedReportsService;
  quotas: ReportQuotasService;
  departments: DepartmentService;
  tenants: Pick<TenantService, 'lock'>;
  contributions: ContributionRegistry;
  enablement: Pick<PluginEnablement, 'isEnabled'>;
}

const ID = /^[1-9][0-9]{0,18}$/;
const str = (value: number | string | null | undefined) => (value === null || value === undefined ? null : String(value));
const creatorOf = (viewer: DashboardViewer) => (viewer.kind === 'staff' ? viewer.staffId : null);

function toFolder(row: DashboardFolderRow): DashboardFolder {
  return {
    id: String(row.id),
    parentId: str(row.parent_id),
    name: row.name,
    depth: Number(row.depth),
    position: Number(row.position),
    departmentId: str(row.department_id),
    createdBy: str(row.created_by),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

function toSummary(row: DashboardRow, cardCount: number): DashboardSummary {
  return {
    id: String(row.id),
    folderId: str(row.folder_id),
    name: row.name,
    position: Number(row.position),
    departmentId: str(row.department_id),
    cardCount,
    createdBy: str(row.created_by),
    updatedBy: str(row.updated_by),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

/** `name` with a suffix, the name cut so the whole stays within the limit. */
function suffixed(name: string, suffix: string): string {
  return `${[...name]
    .slice(0, dashboardLimits.nameMax - suffix.length)
    .join('')
    .trimEnd()}${suffix}`;
}

/**
 * 仪表盘 (seed §1.3, SPEC §6; ADR 0053): folders up to 4 levels, dashboards in them, and cards — each
 * a saved report of the reports module, at most once per dashboard and at most the tenant's cards
 * quota per dashboard. Folders and dashboards carry departments with the rules of ADR 0023 (initial
 * department, 更新所属部门 with its cascade, 添加至目录 / 移至目录); a card whose report the caller
 * does not see is shown as 无权限, never with its name or query. Preset dashboards (预置仪表盘) of the
 * tenant's enabled plugins install as saved reports and dashboards, all or nothing. Every write
 * holds the tenant lock (the reports module's writes take it too), so quotas, duplicates and a
 * report deleted while it is being added to a dashboard never race.
 */
export class DashboardsService {
  constructor(
    private readonly repo: DashboardsRepo,
    private readonly deps: DashboardsDeps,
  ) {}

  private scope(viewer: DashboardViewer): Promise<DepartmentScope> {
    return this.deps.departments.scopeFor(viewer);
  }

  /** Runs `work` in a transaction holding the tenant lock. */
  private locked<T>(tenantId: string, work: () => Promise<T>): Promise<T> {
    return this.repo.transaction(async () => {
      await this.deps.tenants.lock(tenantId);
      return work();
    });
  }

  // ---- folders --------------------------------------------------------------------------------------

  /** 仪表盘目录: the folders the caller sees (also the folder picker of 添加至目录 / 移至目录). */
  async folders(viewer: DashboardViewer): Promise<DashboardFolder[]> {
    const scope = await this.scope(viewer);
    const rows = await scope
      .whereVisible(this.repo.foldersQuery(viewer.tenantId), 'dashboard_folder.department_id')
      .select<DashboardFolderRow[]>('*');
    return rows.map(toFolder);
  }

  private async folderRow(tenantId: string, folderId: string): Promise<DashboardFolderRow> {
    const row = ID.test(folderId) ? await this.repo.folder(tenantId, folderId) : undefined;
    if (!row) throw new NotFoundError('dashboard_folder_not_found');
    return row;
  }

  /** A folder the caller names: 404 when the tenant has no such folder, 403 (无权限) when not visible. */
  private async visibleFolder(viewer: DashboardViewer, folderId: string, scope?: DepartmentScope): Promise<DashboardFolderRow> {
    const row = await this.folderRow(viewer.tenantId, folderId);
    this.deps.departments.assertVisible(scope ?? (await this.scope(viewer)), str(row.department_id));
    return row;
  }

  private nameTaken(rows: readonly DashboardFolderRow[], parentId: string | null, name: string, exceptId?: string): boolean {
    return rows.some((row) => str(row.parent_id) === parentId && row.name === name && String(row.id) !== exceptId);
  }

  /**
   * 新建目录 / 新建子目录: at most 4 levels (400 `dashboard_folder_too_deep`), names unique among
   * siblings (409 `dashboard_folder_name_taken`), last among its siblings; its department is its
   * parent's, else the creator's (ADR 0023).
   */
  async createFolder(viewer: DashboardViewer, input: { name: string; parentId?: string | null }): Promise<DashboardFolder> {
    const { tenantId } = viewer;
    const id = await this.locked(tenantId, async () => {
      const parent = input.parentId ? await this.visibleFolder(viewer, input.parentId) : undefined;
      const depth = parent ? Number(parent.depth) + 1 : 1;
      if (depth > dashboardLimits.folderDepth)
        throw new InputError('dashboard_folder_too_deep', { max: dashboardLimits.folderDepth }, [
          { path: 'parentId', code: 'dashboard_folder_too_deep' },
        ]);
      const parentId = parent ? String(parent.id) : null;
      const rows = await this.repo.folders(tenantId);
      if (this.nameTaken(rows, parentId, input.name))
        throw new ConflictError('dashboard_folder_name_taken', { name: input.name });
      const departmentId = await this.deps.departments.initialFolderDepartment(tenantId, {
        creatorStaffId: creatorOf(viewer),
        parentFolderDepartmentId: parent ? str(parent.department_id) : null,
      });
      const now = Date.now();
      return this.repo.insertFolder(tenantId, {
        parent_id: parentId,
        name: input.name,
        depth,
        position: nextPosition(rows.filter((row) => str(row.parent_id) === parentId)),
        department_id: departmentId,
        created_by: creatorOf(viewer),
        created_at: now,
        updated_at: now,
      });
    });
    return toFolder(await this.folderRow(tenantId, id));
  }

  /**
   * 编辑目录 (rename) and 移至目录 (`parentId`; null: top level) with its sub-folders and dashboards:
   * never into itself (400 `dashboard_folder_move_invalid`), never deeper than 4 levels. Moved into a
   * folder with a department, it takes that department and passes it on (ADR 0023).
   */
  async updateFolder(
    viewer: DashboardViewer,
    folderId: string,
    patch: { name?: string; parentId?: string | null },
  ): Promise<DashboardFolder> {
    const { tenantId } = viewer;
    await this.locked(tenantId, async () => {
      const scope = await this.scope(viewer);
      const folder = await this.visibleFolder(viewer, folderId, scope);
      const rows = await this.repo.folders(tenantId);
      const name = patch.name ?? folder.name;
      const currentParent = str(folder.parent_id);
      const parentId = patch.parentId === undefined ? currentParent : patch.parentId;
      const subtree = depthsBelow(rows, folderId);
      let depth = Number(folder.depth);
      let target: DashboardFolderRow | undefined;
      if (parentId !== currentParent) {
        if (parentId !== null && subtree.has(parentId))
          throw new InputError('dashboard_folder_move_invalid', {}, [
            { path: 'parentId', code: 'dashboard_folder_move_invalid' },
          ]);
        target = parentId === null ? undefined : await this.visibleFolder(viewer, parentId, scope);
        depth = target ? Number(target.depth) + 1 : 1;
        const height = Math.max(...subtree.values());
        if (depth + height > dashboardLimits.folderDepth)
          throw new InputError('dashboard_folder_too_deep', { max: dashboardLimits.folderDepth }, [
            { path: 'parentId', code: 'dashboard_folder_too_deep' },
          ]);
      }
      if (this.nameTaken(rows, parentId, name, folderId)) throw new ConflictError('dashboard_folder_name_taken', { name });
      const now = Date.now();
      await this.repo.updateFolder(tenantId, folderId, {
        name,
        parent_id: parentId,
        depth,
        ...(parentId === currentParent ? {} : { position: nextPosition(rows.filter((row) => str(row.parent_id) === parentId)) }),
        updated_at: now,
      });
      if (parentId === currentParent) return;
      for (const [id, below] of subtree)
        if (id !== folderId) await this.repo.updateFolder(tenantId, id, { depth: depth + below });
      const departmentId = this.deps.departments.departmentAfterMove({
        objectDepartmentId: str(folder.department_id),
        targetFolderDepartmentId: target ? str(target.department_id) : null,
      });
      if (departmentId !== str(folder.department_id)) await this.cascade(tenantId, rows, folderId, departmentId, now);
    });
    return toFolder(await this.folderRow(tenantId, folderId));
  }

  /** 删除目录: only an empty one — no sub-folder, no dashboard, seen or not (409 `dashboard_folder_not_empty`). */
  async deleteFolder(viewer: DashboardViewer, folderId: string): Promise<void> {
    await this.locked(viewer.tenantId, async () => {
      await this.visibleFolder(viewer, folderId);
      const folders = (await this.repo.folders(viewer.tenantId)).filter((row) => str(row.parent_id) === folderId).length;
      const dashboards = await this.repo.inFolders(viewer.tenantId, [folderId]);
      if (folders > 0 || dashboards > 0) throw new ConflictError('dashboard_folder_not_empty', { folders, dashboards });
      await this.repo.deleteFolder(viewer.tenantId, folderId);
    });
  }

  /** 置顶 / 上移 / 下移 among the sibling folders the caller sees; answers the siblings in their new order. */
  async moveFolder(viewer: DashboardViewer, folderId: string, direction: PositionDirection): Promise<DashboardFolder[]> {
    const { tenantId } = viewer;
    const scope = await this.scope(viewer);
    const parentId = await this.locked(tenantId, async () => {
      const folder = await this.visibleFolder(viewer, folderId, scope);
      const parent = str(folder.parent_id);
      const siblings = (await this.repo.folders(tenantId)).filter((row) => str(row.parent_id) === parent);
      for (const [id, position] of reorder(siblings, folderId, direction, (row) => scope.sees(str(row.department_id))))
        await this.repo.updateFolder(tenantId, id, { position });
      return parent;
    });
    return (await this.folders(viewer)).filter((folder) => folder.parentId === parentId);
  }

  /**
   * 更新所属部门 of a folder (ADR 0023): refused for a sub-folder whose parent has a department and
   * outside the caller's own department and below; its sub-folders and their dashboards follow.
   */
  async reassignFolder(viewer: DashboardViewer, folderId: string, departmentId: string): Promise<DashboardFolder> {
    const { tenantId } = viewer;
    await this.locked(tenantId, async () => {
      const folder = await this.visibleFolder(viewer, folderId);
      const parent = folder.parent_id === null ? undefined : await this.folderRow(tenantId, String(folder.parent_id));
      await this.deps.departments.assertCanReassign(viewer, {
        targetDepartmentId: departmentId,
        isFolder: true,
        containerDepartmentId: parent ? str(parent.department_id) : null,
      });
      await this.cascade(tenantId, await this.repo.folders(tenantId), folderId, departmentId, Date.now());
    });
    return toFolder(await this.folderRow(tenantId, folderId));
  }

  private async cascade(
    tenantId: string,
    rows: readonly DashboardFolderRow[],
    folderId: string,
    departmentId: string | null,
    at: number,
  ): Promise<void> {
    const plan = this.deps.departments.folderCascade(nodesOf(rows), folderId, departmentId);
    await this.repo.cascadeDepartment(tenantId, plan.folderIds, plan.departmentId, at);
  }

  // ---- dashboards -----------------------------------------------------------------------------------

  /** 所有仪表盘: the dashboards the caller sees — of one folder, of none (`folderId: null`), or all; by name. */
  async list(viewer: DashboardViewer, filter: { folderId?: string | null; keyword?: string } = {}): Promise<DashboardSummary[]> {
    const scope = await this.scope(viewer);
    let rows = await scope
      .whereVisible(this.repo.dashboardsQuery(viewer.tenantId, { folderId: filter.folderId }), 'dashboard.department_id')
      .select<DashboardRow[]>('*');
    const keyword = filter.keyword?.trim().toLowerCase();
    if (keyword) rows = rows.filter((row) => row.name.toLowerCase().includes(keyword));
    const counts = cardCounts(
      await this.repo.cards(
        viewer.tenantId,
        rows.map((row) => String(row.id)),
      ),
    );
    return rows.map((row) => toSummary(row, counts.get(String(row.id)) ?? 0));
  }

  private async dashboardRow(tenantId: string, dashboardId: string): Promise<DashboardRow> {
    const row = ID.test(dashboardId) ? await this.repo.dashboard(tenantId, dashboardId) : undefined;
    if (!row) throw new NotFoundError('dashboard_not_found');
    return row;
  }

  private async visibleDashboard(viewer: DashboardViewer, dashboardId: string, scope?: DepartmentScope): Promise<DashboardRow> {
    const row = await this.dashboardRow(viewer.tenantId, dashboardId);
    this.deps.departments.assertVisible(scope ?? (await this.scope(viewer)), str(row.department_id));
    return row;
  }

  /**
   * 打开仪表盘: the dashboard and its cards in order; a card whose report the caller does not see is
   * `{ status: 'forbidden' }` (无权限) — its report's id only, never its name or query.
   */
  async get(viewer: DashboardViewer, dashboardId: string): Promise<Dashboard> {
    const scope = await this.scope(viewer);
    const row = await this.visibleDashboard(viewer, dashboardId, scope);
    const cards = await this.repo.cards(viewer.tenantId, [dashboardId]);
    const reports = await this.deps.saved.forCards(
      viewer.tenantId,
      scope,
      cards.map((card) => String(card.report_id)),
    );
    const shown: DashboardCard[] = [];
    for (const card of cards) {
      const found = reports.get(String(card.report_id));
      // A card always has its report (deleting a report removes its cards in the same transaction).
      if (!found) continue;
      const base = { id: String(card.id), reportId: String(card.report_id), size: card.size, position: Number(card.position) };
      shown.push(
        found.visible ? { ...base, status: 'ok', report: this.cardReport(found.report) } : { ...base, status: 'forbidden' },
      );
    }
    return { ...toSummary(row, shown.length), cards: shown };
  }

  private cardReport(report: SavedReport): CardReport {
    return {
      id: report.id,
      name: report.name,
      model: report.model,
      modelName: report.modelName,
      query: report.query,
      timeRange: this.takesTimeRange(report.model),
    };
  }

  /** Whether a model's reports take a dashboard's temporary time range (`timeRangeField: null`: no). */
  private takesTimeRange(modelId: string): boolean {
    const owned = this.deps.contributions.reportModels.get(modelId);
    return owned !== undefined && owned.definition.timeRangeField !== null;
  }

  /**
   * 新建仪表盘: in a folder the caller sees or in none; 409 `dashboard_quota_exceeded` once the
   * tenant has its quota. Its department is its folder's, else the creator's (ADR 0023).
   */
  async create(viewer: DashboardViewer, input: { name: string; folderId?: string | null }): Promise<Dashboard> {
    const id = await this.locked(viewer.tenantId, async () => {
      const max = (await this.deps.quotas.get(viewer.tenantId)).dashboards;
      if ((await this.repo.count(viewer.tenantId)) >= max) throw new ConflictError('dashboard_quota_exceeded', { max });
      const folder = input.folderId ? await this.visibleFolder(viewer, input.folderId) : undefined;
      const [created] = await this.insertDashboards(viewer, folder, [input.name]);
      return created!;
    });
    return this.get(viewer, id);
  }

  /** Inserts dashboards (in this order, last in their folder) into `folder` or none. */
  private async insertDashboards(
    viewer: DashboardViewer,
    folder: DashboardFolderRow | undefined,
    names: readonly string[],
  ): Promise<string[]> {
    const folderId = folder ? String(folder.id) : null;
    const departmentId = await this.deps.departments.initialDepartment(viewer.tenantId, {
      creatorStaffId: creatorOf(viewer),
      folderDepartmentId: folder ? str(folder.department_id) : null,
    });
    let position = nextPosition(await this.repo.dashboardsQuery(viewer.tenantId, { folderId }).select<DashboardRow[]>('*'));
    const now = Date.now();
    const ids: string[] = [];
    for (const name of names)
      ids.push(
        await this.repo.insertDashboard(viewer.tenantId, {
          folder_id: folderId,
          name,
          position: position++,
          department_id: departmentId,
          created_by: creatorOf(viewer),
          updated_by: creatorOf(viewer),
          created_at: now,
          updated_at: now,
        }),
      );
    return ids;
  }

  /**
   * 重命名 and 添加至目录 / 移出目录 (`folderId`; null: no folder): moved into a folder with a
   * department, the dashboard takes it (ADR 0023); it goes last among the dashboards there.
   */
  async update(
    viewer: DashboardViewer,
    dashboardId: string,
    patch: { name?: string; folderId?: string | null },
  ): Promise<Dashboard> {
    await this.locked(viewer.tenantId, async () => {
      const scope = await this.scope(viewer);
      const row = await this.visibleDashboard(viewer, dashboardId, scope);
      const changes: Partial<DashboardRow> = { updated_by: creatorOf(viewer), updated_at: Date.now() };
      if (patch.name !== undefined) changes.name = patch.name;
      if (patch.folderId !== undefined && patch.folderId !== str(row.folder_id)) {
        const target = patch.folderId === null ? undefined : await this.visibleFolder(viewer, patch.folderId, scope);
        changes.folder_id = patch.folderId;
        changes.department_id = this.deps.departments.departmentAfterMove({
          objectDepartmentId: str(row.department_id),
          targetFolderDepartmentId: target ? str(target.department_id) : null,
        });
        changes.position = nextPosition(
          await this.repo.dashboardsQuery(viewer.tenantId, { folderId: patch.folderId }).select<DashboardRow[]>('*'),
        );
      }
      await this.repo.updateDashboard(viewer.tenantId, dashboardId, changes);
    });
    return this.get(viewer, dashboardId);
  }

  /** 删除仪表盘 with its cards (its reports stay). */
  async remove(viewer: DashboardViewer, dashboardId: string): Promise<void> {
    await this.locked(viewer.tenantId, async () => {
      await this.visibleDashboard(viewer, dashboardId);
      await this.repo.deleteDashboard(viewer.tenantId, dashboardId);
    });
  }

  /** 置顶 / 上移 / 下移 among the dashboards of its folder the caller sees; answers them in their new order. */
  async move(viewer: DashboardViewer, dashboardId: string, direction: PositionDirection): Promise<DashboardSummary[]> {
    const scope = await this.scope(viewer);
    const folderId = await this.locked(viewer.tenantId, async () => {
      const row = await this.visibleDashboard(viewer, dashboardId, scope);
      const folder = str(row.folder_id);
      const siblings = await this.repo.dashboardsQuery(viewer.tenantId, { folderId: folder }).select<DashboardRow[]>('*');
      for (const [id, position] of reorder(siblings, dashboardId, direction, (sibling) => scope.sees(str(sibling.department_id))))
        await this.repo.updateDashboard(viewer.tenantId, id, { position });
      return folder;
    });
    return this.list(viewer, { folderId });
  }

  /**
   * 更新所属部门 of a dashboard (ADR 0023): refused while its folder has a department (it follows the
   * folder) and outside the caller's own department and below.
   */
  async reassign(viewer: DashboardViewer, dashboardId: string, departmentId: string): Promise<Dashboard> {
    await this.locked(viewer.tenantId, async () => {
      const row = await this.visibleDashboard(viewer, dashboardId);
      const folder = row.folder_id === null ? undefined : await this.folderRow(viewer.tenantId, String(row.folder_id));
      await this.deps.departments.assertCanReassign(viewer, {
        targetDepartmentId: departmentId,
        isFolder: false,
        containerDepartmentId: folder ? str(folder.department_id) : null,
      });
      await this.repo.updateDashboard(viewer.tenantId, dashboardId, { department_id: departmentId, updated_at: Date.now() });
    });
    return this.get(viewer, dashboardId);
  }

  // ---- cards ----------------------------------------------------------------------------------------

  /**
   * 添加报表: a saved report of the tenant the caller sees (404 `report_not_found`, 403), of a model
   * that may go on dashboards (400 `report_not_dashboardable`), not yet on this dashboard (409
   * `dashboard_report_duplicate`), while the dashboard has fewer cards than the tenant's cards quota
   * (409 `dashboard_cards_full`). It goes last.
   */
  async addCard(
    viewer: DashboardViewer,
    dashboardId: string,
    input: { reportId: string; size?: CardSize },
  ): Promise<DashboardCard> {
    const { tenantId } = viewer;
    const scope = await this.scope(viewer);
    const cardId = await this.locked(tenantId, async () => {
      await this.visibleDashboard(viewer, dashboardId, scope);
      const report = await this.deps.saved.lockForCard(tenantId, input.reportId);
      this.deps.departments.assertVisible(scope, report.departmentId);
      if (!report.dashboard)
        throw new InputError('report_not_dashboardable', {}, [{ path: 'reportId', code: 'report_not_dashboardable' }]);
      const cards = await this.repo.cards(tenantId, [dashboardId]);
      if (cards.some((card) => String(card.report_id) === report.id)) throw new ConflictError('dashboard_report_duplicate');
      const max = (await this.deps.quotas.get(tenantId)).cards;
      if (cards.length >= max) throw new ConflictError('dashboard_cards_full', { max });
      const now = Date.now();
      try {
        return await this.repo.insertCard(tenantId, {
          dashboard_id: dashboardId,
          report_id: report.id,
          size: input.size ?? defaultCardSize,
          position: nextPosition(cards),
          created_at: now,
          updated_at: now,
        });
      } catch (error) {
        if (isUniqueViolation(error)) throw new ConflictError('dashboard_report_duplicate');
        throw error;
      }
    });
    return this.card(viewer, dashboardId, cardId);
  }

  private async cardRow(tenantId: string, dashboardId: string, cardId: string): Promise<DashboardCardRow> {
    const row = ID.test(cardId) ? await this.repo.card(tenantId, dashboardId, cardId) : undefined;
    if (!row) throw new NotFoundError('dashboard_card_not_found');
    return row;
  }

  /** One card as the dashboard shows it. */
  async card(viewer: DashboardViewer, dashboardId: string, cardId: string): Promise<DashboardCard> {
    const card = (await this.get(viewer, dashboardId)).cards.find((c) => c.id === cardId);
    if (!card) throw new NotFoundError('dashboard_card_not_found');
    return card;
  }

  /** 调整大小: S, M or L. */
  async resizeCard(viewer: DashboardViewer, dashboardId: string, cardId: string, size: CardSize): Promise<DashboardCard> {
    await this.locked(viewer.tenantId, async () => {
      await this.visibleDashboard(viewer, dashboardId);
      await this.cardRow(viewer.tenantId, dashboardId, cardId);
      await this.repo.updateCard(viewer.tenantId, cardId, { size, updated_at: Date.now() });
    });
    return this.card(viewer, dashboardId, cardId);
  }

  /** 移除报表 from the dashboard (the saved report stays). */
  async removeCard(viewer: DashboardViewer, dashboardId: string, cardId: string): Promise<void> {
    await this.locked(viewer.tenantId, async () => {
      await this.visibleDashboard(viewer, dashboardId);
      await this.cardRow(viewer.tenantId, dashboardId, cardId);
      await this.repo.deleteCard(viewer.tenantId, cardId);
    });
  }

  /** 排序: the dashboard's cards in a new order — every card once (400 `dashboard_cards_order_invalid`). */
  async orderCards(viewer: DashboardViewer, dashboardId: string, cardIds: readonly string[]): Promise<Dashboard> {
    await this.locked(viewer.tenantId, async () => {
      await this.visibleDashboard(viewer, dashboardId);
      const cards = await this.repo.cards(viewer.tenantId, [dashboardId]);
      const current = cards.map((card) => String(card.id));
      if (
        cardIds.length !== current.length ||
        new Set(cardIds).size !== cardIds.length ||
        cardIds.some((id) => !current.includes(id))
      )
        throw new InputError('dashboard_cards_order_invalid', {}, [{ path: 'cardIds', code: 'dashboard_cards_order_invalid' }]);
      const now = Date.now();
      for (const [position, id] of cardIds.entries())
        if (Number(cards.find((card) => String(card.id) === id)!.position) !== position)
          await this.repo.updateCard(viewer.tenantId, id, { position, updated_at: now });
    });
    return this.get(viewer, dashboardId);
  }

  /**
   * Runs a card's report (403 when the caller does not see the dashboard or the report): 强制刷新,
   * and a temporary time range that models without one ignore.
   */
  async runCard(
    viewer: DashboardViewer,
    dashboardId: string,
    cardId: string,
    options: { force?: boolean; timeRange?: TimeRange },
  ): Promise<ReportResult> {
    await this.visibleDashboard(viewer, dashboardId);
    const card = await this.cardRow(viewer.tenantId, dashboardId, cardId);
    return this.deps.saved.run(viewer, String(card.report_id), options);
  }

  /** The reports were deleted: their cards leave every dashboard (inside the deleting transaction). */
  async removeCardsOfReports(tenantId: string, reportIds: readonly string[]): Promise<void> {
    await this.repo.deleteCardsOfReports(tenantId, reportIds);
  }

  /** Folders and dashboards of a department (the departments module's reference count). */
  departmentCount(tenantId: string, departmentId: string): Promise<number> {
    return this.repo.departmentCount(tenantId, departmentId);
  }

  // ---- quotas ---------------------------------------------------------------------------------------

  async quota(tenantId: string): Promise<{ dashboards: { used: number; max: number }; cardsPerDashboard: number }> {
    const [used, quotas] = await Promise.all([this.repo.count(tenantId), this.deps.quotas.get(tenantId)]);
    return { dashboards: { used, max: quotas.dashboards }, cardsPerDashboard: quotas.cards };
  }

  // ---- preset dashboards ----------------------------------------------------------------------------

  /** The preset dashboards the tenant can have: of the plugins enabled for it (see presetEnabled). */
  async presets(tenantId: string): Promise<DashboardPreset[]> {
    const cards = (await this.deps.quotas.get(tenantId)).cards;
    const out: DashboardPreset[] = [];
    for (const { pluginId, definition } of this.deps.contributions.presetDashboards.values()) {
      if (!(await this.presetEnabled(tenantId, pluginId, definition))) continue;
      out.push({
        id: definition.id,
        name: definition.name,
        plugin: pluginId,
        reports: definition.reports.length,
        dashboards: Math.max(1, Math.ceil(definition.reports.length / cards)),
      });
    }
    return out;
  }

  /**
   * Whether the tenant can have a preset: its plugin and the plugins of its reports' models are enabled
   * for the tenant, and every model may go on dashboards (a preset that breaks this is a plugin bug).
   */
  private async presetEnabled(tenantId: string, pluginId: string, preset: PresetDashboardDefinition): Promise<boolean> {
    const models = preset.reports.map((report) => this.deps.contributions.reportModels.get(report.model));
    if (models.some((model) => !model || model.definition.dashboard === false)) return false;
    for (const owner of new Set([pluginId, ...models.map((model) => model!.pluginId)]))
      if (!(await this.deps.enablement.isEnabled(tenantId, owner))) return false;
    return true;
  }

  /**
   * 添加预置仪表盘 into a folder the caller sees: its reports become saved reports, on dashboards of
   * at most the tenant's cards quota each — named `<name>` when one suffices, else `<name> 1`,
   * `<name> 2`… — all or nothing: 409 `report_quota_exceeded` (seed §1.3.4.2) or
   * `dashboard_quota_exceeded` and nothing is created. Names are in the caller's language.
   */
  async installPreset(
    viewer: DashboardViewer,
    input: { presetId: string; folderId: string },
    locale: Locale,
  ): Promise<PresetInstallation> {
    const { tenantId } = viewer;
    const owned = this.deps.contributions.presetDashboards.get(input.presetId);
    if (!owned || !(await this.presetEnabled(tenantId, owned.pluginId, owned.definition)))
      throw new NotFoundError('dashboard_preset_not_found');
    const preset = owned.definition;
    await this.visibleFolder(viewer, input.folderId);
    const checked = await this.deps.saved.check(
      viewer,
      preset.reports.map((report) => ({
        model: report.model,
        name: [...(report.title[locale] || report.title['zh-CN'])].slice(0, 50).join(''),
        query: report.query,
      })),
    );
    const ids = await this.locked(tenantId, async () => {
      const quotas = await this.deps.quotas.get(tenantId);
      const reportIds = await this.deps.saved.createChecked(viewer, checked);
      const groups: string[][] = [];
      for (let i = 0; i < reportIds.length; i += quotas.cards) groups.push(reportIds.slice(i, i + quotas.cards));
      if (groups.length === 0) groups.push([]);
      if ((await this.repo.count(tenantId)) + groups.length > quotas.dashboards)
        throw new ConflictError('dashboard_quota_exceeded', { max: quotas.dashboards });
      // Read again under the lock: the folder may have moved or changed department meanwhile.
      const folder = await this.visibleFolder(viewer, input.folderId);
      const name = preset.name[locale] || preset.name['zh-CN'];
      const names = groups.length === 1 ? [suffixed(name, '')] : groups.map((_, i) => suffixed(name, ` ${i + 1}`));
      const dashboardIds = await this.insertDashboards(viewer, folder, names);
      const now = Date.now();
      for (const [i, group] of groups.entries())
        for (const [position, reportId] of group.entries())
          await this.repo.insertCard(tenantId, {
            dashboard_id: dashboardIds[i]!,
            report_id: reportId,
            size: defaultCardSize,
            position,
            created_at: now,
            updated_at: now,
          });
      return dashboardIds;
    });
    const dashboards = (await this.list(viewer, { folderId: input.folderId })).filter((d) => ids.includes(d.id));
    return { dashboards, reports: preset.reports.length };
  }
}

/** Where a new item goes among `siblings`: after the last. */
function nextPosition(siblings: readonly { position: number | string }[]): number {
  return siblings.reduce((max, row) => Math.max(max, Number(row.position) + 1), 0);
}

function nodesOf(rows: readonly DashboardFolderRow[]): TreeNode[] {
  return rows.map((row) => ({ id: String(row.id), parentId: str(row.parent_id) }));
}

/** The folder and every folder below it, with how many levels below it each is. */
function depthsBelow(rows: readonly DashboardFolderRow[], folderId: string): Map<string, number> {
  const subtree = new Map<string, number>([[folderId, 0]]);
  for (let grew = true; grew;) {
    grew = false;
    for (const row of rows) {
      const parent = str(row.parent_id);
      if (parent && subtree.has(parent) && !subtree.has(String(row.id))) {
        subtree.set(String(row.id), subtree.get(parent)! + 1);
        grew = true;
      }
    }
  }
  return subtree;
}

function cardCounts(cards: readonly DashboardCardRow[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const card of cards) counts.set(String(card.dashboard_id), (counts.get(String(card.dashboard_id)) ?? 0) + 1);
  return counts;
}

/**
 * 置顶 / 上移 / 下移: the positions (0…n−1) of `siblings` after moving `id` — to the top, or past the
 * previous / next sibling the caller sees (moving past hidden ones would look like nothing happened).
 * Only changed positions are returned. At an end, nothing changes.
 */
export function reorder<Row extends { id: number | string; position: number | string }>(
  siblings: readonly Row[],
  id: string,
  direction: PositionDirection,
  visible: (row: Row) => boolean,
): Map<string, number> {
  const ordered = [...siblings].sort((a, b) => Number(a.position) - Number(b.position) || Number(a.id) - Number(b.id));
  const index = ordered.findIndex((row) => String(row.id) === id);
  if (index < 0) return new Map();
  const [moving] = ordered.splice(index, 1);
  let to = index;
  if (direction === 'top') to = 0;
  else if (direction === 'up') {
    const previous = ordered.slice(0, index).findLastIndex(visible);
    to = previous < 0 ? index : previous;
  } else {
    const next = ordered.findIndex((row, i) => i >= index && visible(row));
    to = next < 0 ? index : next + 1;
  }
  ordered.splice(to, 0, moving!);
  const changed = new Map<string, number>();
  for (const [position, row] of ordered.entries()) if (Number(row.position) !== position) changed.set(String(row.id), position);
  return changed;
}
