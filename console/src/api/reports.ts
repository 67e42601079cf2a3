import type { TimeRange } from '@huiliu/core/conditions';
import type { SavedReport, SavedReportSummary } from '@huiliu/core/api-types';
import type { EventAnalysisQuery, ReportModelInfo, ReportResult } from '@huiliu/core/reports';
import { api, requestFile, type DownloadedFile } from './client';
import type { Page } from './types';

// 报表分析 (seed §1.7, SPEC §6, ADR 0052/0053): running a question of a report model, exporting its
// answer, and saved reports (core/src/modules/reports/reports.routes.ts, saved-reports.routes.ts).
// The saved-report shapes come from @huiliu/core/api-types (saved-reports.types.ts).

export type { EventAnalysisQuery, ReportModelInfo, ReportResult, SavedReport, SavedReportSummary };

export type ExportFormat = 'csv' | 'xlsx';

/** 报表名称: required, at most 50 characters (saved-reports.types.ts). */
export const REPORT_NAME_MAX = 50;

/** The most saved reports one 批量删除 takes (saved-reports.types.ts). */
export const REPORT_BATCH_MAX = 100;

/** Where a saved report of a model opens: only models with a builder page (事件分析 so far). */
export function reportBuilderPath(model: string, reportId: string): string | undefined {
  if (model === 'retention') return `/analytics/retention/${encodeURIComponent(reportId)}`;
  if (model === 'user') return `/analytics/user/${encodeURIComponent(reportId)}`;
  if (model === 'distribution') return `/analytics/distribution/${encodeURIComponent(reportId)}`;
  if (model === 'ltv') return `/analytics/ltv/${encodeURIComponent(reportId)}`;
  if (model === 'attribution') return `/analytics/attribution/${encodeURIComponent(reportId)}`;
  if (model === 'funnel') return `/analytics/funnel/${encodeURIComponent(reportId)}`;
  if (model === 'path') return `/analytics/path/${encodeURIComponent(reportId)}`;
  if (model === 'customQuery') return `/analytics/sql/${encodeURIComponent(reportId)}`;
  if (model === 'profile') return `/analytics/profile/${encodeURIComponent(reportId)}`;
  return model === 'event' ? `/analytics/event/${encodeURIComponent(reportId)}` : undefined;
}

export const reportKeys = {
  all: ['reports'] as const,
  models: ['reports', 'models'] as const,
  run: (model: string, query: unknown) => ['reports', 'run', model, query] as const,
  saved: ['reports', 'saved'] as const,
  list: (model: string | undefined, keyword: string) => ['reports', 'saved', 'list', model ?? 'all', keyword] as const,
  /** A page of 所有报表 (server-side paging). */
  page: (query: { model?: string; keyword: string; page: number; pageSize: number }) =>
    ['reports', 'saved', 'page', query.model ?? 'all', query.keyword, query.page, query.pageSize] as const,
  report: (id: string) => ['reports', 'saved', 'report', id] as const,
  views: ['reports', 'custom-query', 'views'] as const,
};

const base = '/api/v1/console/reports';
const enc = encodeURIComponent;

export const reportsApi = {
  models: () => api.get<{ items: ReportModelInfo[] }>('/api/v1/console/report-models'),
  /** Answers a question (cached by the server; `force` = 强制刷新). */
  run: (model: string, query: unknown, force = false, signal?: AbortSignal) =>
    api.post<ReportResult>('/api/v1/console/report-runs', { model, query, force }, { signal }),
  /** The answer as a CSV or xlsx file, up to the model's export limit. */
  exportFile: (model: string, query: unknown, format: ExportFormat, name: string): Promise<DownloadedFile> =>
    requestFile('/api/v1/console/report-exports', { model, query, format, name }, `report.${format}`),

  // ---- saved reports ----
  list: (query: { model?: string; keyword?: string; page?: number; pageSize?: number }) =>
    api.get<Page<SavedReportSummary>>(base, {
      query: { model: query.model, keyword: query.keyword || undefined, page: query.page, pageSize: query.pageSize ?? 100 },
    }),
  get: (id: string) => api.get<SavedReport>(`${base}/${enc(id)}`),
  create: (input: { model: string; name: string; query: unknown }) => api.post<SavedReport>(base, input),
  update: (id: string, patch: { name?: string; query?: unknown }) => api.patch<SavedReport>(`${base}/${enc(id)}`, patch),
  /** 另存为: a new report of the same model with the builder's query. */
  saveAs: (id: string, input: { name: string; query?: unknown }) => api.post<SavedReport>(`${base}/${enc(id)}/save-as`, input),
  remove: (id: string) => api.delete(`${base}/${enc(id)}`),
  /** 批量删除: all or nothing (the server refuses the whole batch when one cannot be deleted). */
  removeMany: (ids: string[]) => api.post<{ deleted: number }>(`${base}/batch-delete`, { ids }),
  /** 更新所属部门: the caller's own department or one below it (ADR 0023). */
  setDepartment: (id: string, departmentId: string) => api.put<SavedReport>(`${base}/${enc(id)}/department`, { departmentId }),
  runSaved: (id: string, options: { force?: boolean; timeRange?: TimeRange } = {}) =>
    api.post<ReportResult>(`${base}/${enc(id)}/run`, options),
  exportSaved: (id: string, format: ExportFormat) => requestFile(`${base}/${enc(id)}/export`, { format }, `report.${format}`),

  // ---- 自定义查询 (ADR 0062) and 保存为群组 (ADR 0063) ----
  /** The columns of event_view and contact_view as custom queries see them. */
  views: () => api.get<{ items: OperatorView[] }>('/api/v1/console/custom-query/views'),
  /** A cell's users (retention cohort × offset, funnel step) as a new static group. */
  saveCellGroup: (input: { model: string; query: unknown; cell: ReportCell; name: string; folderId?: string | null }) =>
    api.post<{ group: { id: string; name: string; folderId: string | null }; count: number }>(
      '/api/v1/console/report-cell-groups',
      input,
    ),
};

export interface OperatorView {
  name: string;
  columns: { name: string; type: string; label?: string }[];
}

/** A cell of a result whose users can be saved as a group (core: RetentionCell, FunnelCell). */
export type ReportCell =
  { group?: number; cohort: string; offset: number | null } | { group?: number; step: number; dimension?: string | null };

/** 自定义查询's limits (core custom-query.ts): rows shown and exported. */
export const CUSTOM_QUERY_ROWS = { shown: 1_000, exported: 100_000 } as const;
