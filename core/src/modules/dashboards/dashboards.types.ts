import type { LocalizedText } from '../../kernel/contributions.js';

/**
 * 仪表盘 (seed §1.3, SPEC §6; ADR 0053): the shapes and limits of the dashboards module. Pure data.
 */

export const dashboardLimits = {
  nameMax: 50,
  folderNameMax: 50,
  /** Folders nest up to 4 levels, like the other directories of the console (群组, 标签). */
  folderDepth: 4,
} as const;

/** A card's size on the dashboard grid: small (a third), medium (half), large (full width). */
export const cardSizes = ['S', 'M', 'L'] as const;
export type CardSize = (typeof cardSizes)[number];
export const defaultCardSize: CardSize = 'M';

/** 置顶 / 上移 / 下移 among the siblings the caller sees. */
export const positionDirections = ['top', 'up', 'down'] as const;
export type PositionDirection = (typeof positionDirections)[number];

export interface DashboardFolder {
  id: string;
  parentId: string | null;
  name: string;
  /** 1…4. */
  depth: number;
  /** Order among its siblings (0 first). */
  position: number;
  /** 所属部门 (ADR 0023); null: visible to everyone. */
  departmentId: string | null;
  createdBy: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface DashboardSummary {
  id: string;
  folderId: string | null;
  name: string;
  /** Order among the dashboards of its folder (0 first). */
  position: number;
  departmentId: string | null;
  cardCount: number;
  createdBy: string | null;
  updatedBy: string | null;
  createdAt: number;
  updatedAt: number;
}

/** What a card shows of its saved report (only when the caller sees it). */
export interface CardReport {
  id: string;
  name: string;
  model: string;
  modelName: string | null;
  query: Record<string, unknown>;
  /** Whether a temporary time range applies to it (models with `timeRangeField: null`, e.g. 路径分析, ignore it). */
  timeRange: boolean;
}

/** A card: its report, or `forbidden` (无权限) when the caller does not see the report's department. */
export type DashboardCard = {
  id: string;
  reportId: string;
  size: CardSize;
  position: number;
} & ({ status: 'ok'; report: CardReport } | { status: 'forbidden' });

export interface Dashboard extends DashboardSummary {
  cards: DashboardCard[];
}

/** A preset dashboard (预置仪表盘) a plugin enabled for the tenant offers. */
export interface DashboardPreset {
  id: string;
  name: LocalizedText;
  /** The plugin contributing it. */
  plugin: string;
  /** Saved reports it creates. */
  reports: number;
  /** Dashboards it makes with the tenant's cards quota (one per that many reports). */
  dashboards: number;
}

export interface PresetInstallation {
  dashboards: DashboardSummary[];
  /** Saved reports created. */
  reports: number;
}
