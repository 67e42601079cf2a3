import { createServiceRef } from '../../kernel/extension-point.js';
import { ConflictError, DomainError, NotFoundError } from '../../server/errors.js';
import { paginate, type Page } from '../../store/oltp/oltp-store.js';
import type { TimeRange } from '../conditions/condition.types.js';
import type { DepartmentScope } from '../departments/department-rules.js';
import type { DepartmentService, DepartmentViewer } from '../departments/departments.service.js';
import { seesMaskedFieldsInClear } from '../masking/masking.types.js';
import type { TenantService } from '../tenancy/tenant.service.js';
import { exportReport, type ExportFormat } from './report-export.js';
import type { ReportResult } from './report.types.js';
import type { ReportQuotasService } from './report-quotas.service.js';
import type { ReportActor, ReportsService } from './reports.service.js';
import type { ReportRow, SavedReportsRepo } from './saved-reports.repo.js';
import type { SavedReport, SavedReportSummary } from './saved-reports.types.js';

export const savedReportsServiceRef = createServiceRef<SavedReportsService>({ id: 'reports.savedReports' });

/**
 * Who works with saved reports: a staff member (its department decides what it sees) or an app —
 * the principal, whose permissions tell whether it sees masked contact fields (联系人不脱敏).
 */
export type ReportViewer = DepartmentViewer & { permissions?: ReadonlySet<string> };

/** Called inside the transaction that deletes saved reports (dashboards drop their cards). */
export type ReportsDeletedListener = (tenantId: string, reportIds: readonly string[]) => Promise<void>;

/** A saved report to create: what the builder saves, or a preset dashboard's report. */
export interface NewSavedReport {
  model: string;
  name: string;
  query: unknown;
}

const ID = /^[1-9][0-9]{0,18}$/;
const CHECKED: unique symbol = Symbol('checked reports');

interface CheckedReport {
  model: string;
  name: string;
  /** The query as its model's schema returned it, as JSON. */
  query: string;
}

/** Reports whose queries their models accepted (`SavedReportsService.check`), ready to save. */
export interface CheckedReports {
  readonly [CHECKED]: true;
  readonly tenantId: string;
  readonly reports: readonly CheckedReport[];
}
const str = (value: number | string | null) => (value === null ? null : String(value));

/** The report engine's asker: a saved report runs with the masks of whoever opens it (ADR 0069), not its author's. */
export const actorOf = (viewer: ReportViewer): ReportActor => ({
  tenantId: viewer.tenantId,
  staffId: viewer.kind === 'staff' ? viewer.staffId : null,
  unmasked: seesMaskedFieldsInClear(viewer),
});

/**
 * Saved reports (报表分析's 保存 / 另存为 / 历史报表, SPEC §6; ADR 0053): a model, a name and the
 * model's query. The query is checked completely by the report engine (`ReportsService.check`)
 * whenever it is saved; running and exporting go through the engine too. A report belongs to a
 * department (业务对象分配所属部门, ADR 0023): lists leave out what the caller does not see and
 * opening one answers 403 `department_no_access`. The tenant's quota of saved reports is checked
 * under the tenant lock, so concurrent saves never pass it. Deleting marks the row (its id is never
 * reused) and, in the same transaction, tells the listeners (the dashboards drop their cards).
 */
export class SavedReportsService {
  private readonly deletedListeners: ReportsDeletedListener[] = [];

  constructor(
    private readonly repo: SavedReportsRepo,
    private readonly deps: {
      reports: ReportsService;
      quotas: ReportQuotasService;
      departments: DepartmentService;
      tenants: Pick<TenantService, 'lock'>;
    },
  ) {}

  /** Registers a listener called inside the transaction that deletes reports (once per owner, in init). */
  onReportsDeleted(listener: ReportsDeletedListener): void {
    this.deletedListeners.push(listener);
  }

  // ---- reads ---------------------------------------------------------------------------------------

  /** 历史报表: the caller's visible saved reports, newest first, of one model and/or by a fragment of the name. */
  async list(
    viewer: ReportViewer,
    query: { model?: string; keyword?: string; page: number; pageSize: number },
  ): Promise<Page<SavedReportSummary>> {
    const scope = await this.deps.departments.scopeFor(viewer);
    const models = this.modelInfo();
    const keyword = query.keyword?.trim();
    return paginate(
      () => scope.whereVisible(this.repo.listQuery(viewer.tenantId, { model: query.model, keyword }), 'report.department_id'),
      { page: query.page, pageSize: query.pageSize, orderBy: 'report.id', direction: 'desc' },
      (row) => toSummary(row, models),
    );
  }

  /** One saved report with its query: 404 `report_not_found`, 403 `department_no_access` (无权限). */
  async get(viewer: ReportViewer, reportId: string): Promise<SavedReport> {
    return toReport(await this.visibleRow(viewer, reportId), this.modelInfo());
  }

  /**
   * The live reports among `ids` with whether `scope` sees each (a dashboard's cards): another
   * tenant's ids are simply not found.
   */
  async forCards(
    tenantId: string,
    scope: DepartmentScope,
    ids: readonly string[],
  ): Promise<Map<string, { report: SavedReport; visible: boolean }>> {
    const models = this.modelInfo();
    const rows = await this.repo.reports(
      tenantId,
      [...new Set(ids)].filter((id) => ID.test(id)),
    );
    return new Map(
      rows.map((row) => [String(row.id), { report: toReport(row, models), visible: scope.sees(str(row.department_id)) }]),
    );
  }

  /**
   * A live report of the tenant, its row locked until the transaction ends (a card being added: a
   * concurrent delete waits, then removes the card too). 404 `report_not_found`.
   */
  async lockForCard(tenantId: string, reportId: string): Promise<SavedReport> {
    const row = ID.test(reportId) ? await this.repo.report(tenantId, reportId, { lock: true }) : undefined;
    if (!row) throw new NotFoundError('report_not_found');
    return toReport(row, this.modelInfo());
  }

  // ---- writes --------------------------------------------------------------------------------------

  /**
   * 保存: the query is checked by its model (400s, 404 `report_model_unknown`); 409
   * `report_quota_exceeded` once the tenant has its quota of saved reports. The report takes the
   * creator's department (ADR 0023; reports have no folders).
   */
  async create(viewer: ReportViewer, input: NewSavedReport): Promise<SavedReport> {
    const [id] = await this.createChecked(viewer, await this.check(viewer, [input]));
    return this.get(viewer, id!);
  }

  /**
   * Checks reports to save (every query by its model: 400s, 404 `report_model_unknown`) without
   * saving anything: what `createChecked` takes. A preset dashboard checks its reports before it
   * takes any lock.
   */
  async check(viewer: ReportViewer, inputs: readonly NewSavedReport[]): Promise<CheckedReports> {
    const actor = actorOf(viewer);
    const reports: CheckedReport[] = [];
    for (const input of inputs) {
      const query = await this.deps.reports.check(actor, input.model, input.query);
      reports.push({ model: input.model, name: input.name, query: JSON.stringify(query) });
    }
    return { [CHECKED]: true, tenantId: viewer.tenantId, reports };
  }

  /**
   * Saves checked reports, all or none (409 `report_quota_exceeded` when they would take the tenant
   * past its quota); joins the caller's transaction when there is one. Returns their ids in order.
   */
  async createChecked(viewer: ReportViewer, checked: CheckedReports): Promise<string[]> {
    if (checked[CHECKED] !== true || checked.tenantId !== viewer.tenantId)
      throw new Error('createChecked takes what check() returned');
    const actor = actorOf(viewer);
    const departmentId = await this.deps.departments.initialDepartment(viewer.tenantId, { creatorStaffId: actor.staffId });
    return this.repo.transaction(async () => {
      await this.deps.tenants.lock(viewer.tenantId);
      const max = (await this.deps.quotas.get(viewer.tenantId)).reports;
      if ((await this.repo.liveCount(viewer.tenantId)) + checked.reports.length > max)
        throw new ConflictError('report_quota_exceeded', { max });
      const now = Date.now();
      const ids: string[] = [];
      for (const report of checked.reports)
        ids.push(
          await this.repo.insert(viewer.tenantId, {
            ...report,
            department_id: departmentId,
            created_by: actor.staffId,
            updated_by: actor.staffId,
            created_at: now,
            updated_at: now,
            deleted_at: null,
          }),
        );
      return ids;
    });
  }

  /** 编辑: a new name and/or query (checked by the report's model). */
  async update(viewer: ReportViewer, reportId: string, patch: { name?: string; query?: unknown }): Promise<SavedReport> {
    const row = await this.visibleRow(viewer, reportId);
    const actor = actorOf(viewer);
    const query = patch.query === undefined ? undefined : await this.deps.reports.check(actor, row.model, patch.query);
    await this.repo.update(viewer.tenantId, reportId, {
      ...(patch.name === undefined ? {} : { name: patch.name }),
      ...(query === undefined ? {} : { query: JSON.stringify(query) }),
      updated_by: actor.staffId,
      updated_at: Date.now(),
    });
    return this.get(viewer, reportId);
  }

  /** 另存为: a new report of the same model, with the given query (what the builder shows) or the source's. */
  async saveAs(viewer: ReportViewer, reportId: string, input: { name: string; query?: unknown }): Promise<SavedReport> {
    const source = await this.visibleRow(viewer, reportId);
    return this.create(viewer, {
      model: source.model,
      name: input.name,
      query: input.query === undefined ? JSON.parse(source.query) : input.query,
    });
  }

  /** 删除: the report and, in the same transaction, its cards on every dashboard. */
  async remove(viewer: ReportViewer, reportId: string): Promise<void> {
    await this.removeMany(viewer, [reportId]);
  }

  /**
   * 批量删除, all or nothing: 404 `report_not_found` when one of them is not a live report of the
   * tenant, 403 `department_no_access` when the caller does not see one — and then nothing is deleted.
   */
  async removeMany(viewer: ReportViewer, reportIds: readonly string[]): Promise<{ deleted: number }> {
    const ids = [...new Set(reportIds)];
    const scope = await this.deps.departments.scopeFor(viewer);
    return this.repo.transaction(async () => {
      await this.deps.tenants.lock(viewer.tenantId);
      const rows = new Map(
        (
          await this.repo.reports(
            viewer.tenantId,
            ids.filter((id) => ID.test(id)),
          )
        ).map((row) => [String(row.id), row]),
      );
      const missing = ids.findIndex((id) => !rows.has(id));
      if (missing >= 0)
        throw new DomainError('report_not_found', 404, {}, [{ path: `ids.${missing}`, code: 'report_not_found' }]);
      for (const row of rows.values()) this.deps.departments.assertVisible(scope, str(row.department_id));
      await this.repo.markDeleted(viewer.tenantId, ids, Date.now());
      for (const listener of this.deletedListeners) await listener(viewer.tenantId, ids);
      return { deleted: ids.length };
    });
  }

  /** 更新所属部门 (ADR 0023): only to the caller's own department or one below it. */
  async reassign(viewer: ReportViewer, reportId: string, departmentId: string): Promise<SavedReport> {
    await this.visibleRow(viewer, reportId);
    await this.deps.departments.assertCanReassign(viewer, {
      targetDepartmentId: departmentId,
      isFolder: false,
      containerDepartmentId: null,
    });
    await this.repo.update(viewer.tenantId, reportId, { department_id: departmentId, updated_at: Date.now() });
    return this.get(viewer, reportId);
  }

  // ---- running -------------------------------------------------------------------------------------

  /**
   * Runs a saved report (403 when the caller does not see it): 强制刷新 skips the cache; a dashboard's
   * temporary time range replaces the query's own (models without one ignore it).
   */
  async run(
    viewer: ReportViewer,
    reportId: string,
    options: { force?: boolean; timeRange?: TimeRange } = {},
  ): Promise<ReportResult> {
    const row = await this.visibleRow(viewer, reportId);
    return this.deps.reports.run(actorOf(viewer), row.model, JSON.parse(row.query), {
      force: options.force,
      timeRange: options.timeRange,
    });
  }

  /** 导出: the answer as CSV or xlsx, up to the model's export limit (§1.7.1), named after the report. */
  async export(
    viewer: ReportViewer,
    reportId: string,
    options: { format: ExportFormat; force?: boolean },
  ): Promise<{ body: Buffer; contentType: string; fileName: string }> {
    const row = await this.visibleRow(viewer, reportId);
    const result = await this.deps.reports.run(actorOf(viewer), row.model, JSON.parse(row.query), {
      force: options.force,
      purpose: 'export',
    });
    return exportReport(result, options.format, row.name);
  }

  // ---- helpers -------------------------------------------------------------------------------------

  /** Live saved reports of a department (the departments module's reference count). */
  departmentCount(tenantId: string, departmentId: string): Promise<number> {
    return this.repo.departmentCount(tenantId, departmentId);
  }

  private async visibleRow(viewer: ReportViewer, reportId: string): Promise<ReportRow> {
    const row = ID.test(reportId) ? await this.repo.report(viewer.tenantId, reportId) : undefined;
    if (!row) throw new NotFoundError('report_not_found');
    this.deps.departments.assertVisible(await this.deps.departments.scopeFor(viewer), str(row.department_id));
    return row;
  }

  private modelInfo(): Map<string, { name: string; dashboard: boolean }> {
    return new Map(this.deps.reports.models().map((model) => [model.id, { name: model.name, dashboard: model.dashboard }]));
  }
}

function toSummary(row: ReportRow, models: Map<string, { name: string; dashboard: boolean }>): SavedReportSummary {
  const model = models.get(row.model);
  return {
    id: String(row.id),
    model: row.model,
    modelName: model?.name ?? null,
    dashboard: model?.dashboard ?? false,
    name: row.name,
    departmentId: str(row.department_id),
    createdBy: str(row.created_by),
    updatedBy: str(row.updated_by),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

function toReport(row: ReportRow, models: Map<string, { name: string; dashboard: boolean }>): SavedReport {
  return { ...toSummary(row, models), query: JSON.parse(row.query) as Record<string, unknown> };
}
