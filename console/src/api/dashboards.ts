import type {
  Dashboard,
  DashboardCard,
  DashboardCardReport,
  DashboardFolder,
  DashboardPositionDirection,
  DashboardPreset,
  DashboardSummary,
} from '@huiliu/core/api-types';
import type { TimeRange } from '@huiliu/core/conditions';
import type { ReportResult } from '@huiliu/core/reports';
import { api } from './client';

// 仪表盘 (seed §1.3, SPEC §6, ADR 0053): folders, dashboards, their cards and preset dashboards
// (core/src/modules/dashboards, dashboards.routes.ts). Shapes from @huiliu/core/api-types (dashboards.types.ts).

export const DASHBOARD_NAME_MAX = 50;
export const DASHBOARD_FOLDER_DEPTH = 4;

/** A card's width on the grid: S a third, M half, L the full width. */
export const cardSizes = ['S', 'M', 'L'] as const;
export type CardSize = (typeof cardSizes)[number];

export type {
  Dashboard,
  DashboardCard,
  DashboardCardReport as CardReport,
  DashboardFolder,
  DashboardPositionDirection as PositionDirection,
  DashboardPreset,
  DashboardSummary,
};

export interface DashboardQuota {
  dashboards: { used: number; max: number };
  cardsPerDashboard: number;
}

export const dashboardKeys = {
  all: ['dashboards'] as const,
  folders: ['dashboards', 'folders'] as const,
  list: ['dashboards', 'list'] as const,
  dashboard: (id: string) => ['dashboards', 'dashboard', id] as const,
  card: (dashboardId: string, cardId: string, timeRange: TimeRange | undefined) =>
    ['dashboards', 'dashboard', dashboardId, 'card', cardId, timeRange ?? null] as const,
  presets: ['dashboards', 'presets'] as const,
  quota: ['dashboards', 'quota'] as const,
};

const base = '/api/v1/console/dashboards';
const folders = '/api/v1/console/dashboard-folders';
const enc = encodeURIComponent;

export const dashboardsApi = {
  folders: () => api.get<{ items: DashboardFolder[] }>(folders),
  createFolder: (input: { name: string; parentId: string | null }) => api.post<DashboardFolder>(folders, input),
  updateFolder: (id: string, patch: { name?: string; parentId?: string | null }) =>
    api.patch<DashboardFolder>(`${folders}/${enc(id)}`, patch),
  removeFolder: (id: string) => api.delete(`${folders}/${enc(id)}`),
  moveFolder: (id: string, direction: DashboardPositionDirection) =>
    api.post<{ items: DashboardFolder[] }>(`${folders}/${enc(id)}/position`, { direction }),

  list: () => api.get<{ items: DashboardSummary[] }>(base),
  get: (id: string) => api.get<Dashboard>(`${base}/${enc(id)}`),
  create: (input: { name: string; folderId: string | null }) => api.post<Dashboard>(base, input),
  update: (id: string, patch: { name?: string; folderId?: string | null }) => api.patch<Dashboard>(`${base}/${enc(id)}`, patch),
  remove: (id: string) => api.delete(`${base}/${enc(id)}`),
  move: (id: string, direction: DashboardPositionDirection) =>
    api.post<{ items: DashboardSummary[] }>(`${base}/${enc(id)}/position`, { direction }),
  quota: () => api.get<DashboardQuota>(`${base}/quota`),

  addCard: (dashboardId: string, input: { reportId: string; size?: CardSize }) =>
    api.post<DashboardCard>(`${base}/${enc(dashboardId)}/cards`, input),
  resizeCard: (dashboardId: string, cardId: string, size: CardSize) =>
    api.patch<DashboardCard>(`${base}/${enc(dashboardId)}/cards/${enc(cardId)}`, { size }),
  removeCard: (dashboardId: string, cardId: string) => api.delete(`${base}/${enc(dashboardId)}/cards/${enc(cardId)}`),
  orderCards: (dashboardId: string, cardIds: string[]) =>
    api.put<Dashboard>(`${base}/${enc(dashboardId)}/cards/order`, { cardIds }),
  /** A card's report with the dashboard's temporary time range and 强制刷新. */
  runCard: (dashboardId: string, cardId: string, options: { timeRange?: TimeRange; force?: boolean }) =>
    api.post<ReportResult>(`${base}/${enc(dashboardId)}/cards/${enc(cardId)}/run`, options),

  presets: () => api.get<{ items: DashboardPreset[] }>('/api/v1/console/dashboard-presets'),
  installPreset: (presetId: string, folderId: string) =>
    api.post<{ dashboards: DashboardSummary[]; reports: number }>('/api/v1/console/dashboard-presets/install', {
      presetId,
      folderId,
    }),
};
