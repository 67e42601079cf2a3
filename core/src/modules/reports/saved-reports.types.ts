/**
 * Saved reports and the per-tenant quotas of reports and dashboards (seed §1.3.1, §1.3.4.2, §1.7;
 * SPEC §6; ADR 0053): the shapes and limits. Pure data.
 */

export const savedReportLimits = {
  /** 报表名称: required, at most 50 characters. */
  nameMax: 50,
  /** Ids one batch delete takes (all or nothing). */
  batchMax: 100,
} as const;

/** A tenant's quotas: what platform operators set, or these defaults. */
export interface ReportQuotas {
  /** Saved reports (live ones) a tenant may have. */
  reports: number;
  /** Dashboards a tenant may have. */
  dashboards: number;
  /** Reports on one dashboard (seed §1.3.1: 每个仪表盘默认最大添加 10 个报表). */
  cards: number;
}

export const defaultReportQuotas: ReportQuotas = { reports: 500, dashboards: 100, cards: 10 };

/** The range an operator may set each quota to. */
export const reportQuotaBounds: Record<keyof ReportQuotas, { min: number; max: number }> = {
  reports: { min: 0, max: 100_000 },
  dashboards: { min: 0, max: 10_000 },
  cards: { min: 1, max: 100 },
};

/** A tenant's quotas with which of them an operator set (the others are defaults). */
export interface ReportQuotaSettings extends ReportQuotas {
  /** The quotas an operator set for this tenant (absent ones follow the defaults). */
  custom: (keyof ReportQuotas)[];
  changedAt: number | null;
  changedBy: string | null;
}

/** A saved report as lists show it (the history picker): no query. */
export interface SavedReportSummary {
  id: string;
  model: string;
  /** The model's name; null when its plugin is no longer installed. */
  modelName: string | null;
  /** Whether it may go on dashboards (its model's `dashboard` flag; false for a model that is gone). */
  dashboard: boolean;
  name: string;
  departmentId: string | null;
  createdBy: string | null;
  updatedBy: string | null;
  createdAt: number;
  updatedAt: number;
}

/** One saved report with its query. */
export interface SavedReport extends SavedReportSummary {
  query: Record<string, unknown>;
}
