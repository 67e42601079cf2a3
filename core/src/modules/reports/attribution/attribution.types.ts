/**
 * 归因分析 (seed §1.7.9; SPEC §6; ADR 0059): the question and its answer. Pure data and types — the
 * console bundles them through `@huiliu/core/reports`.
 */
import type { ConditionTree, EventPropertyFilter, TimeRange } from '../../conditions/condition.types.js';
import type { ReportGroupSelection } from '../report.types.js';

/** 分析模型: 首次触点归因, 末次触点归因, 线性归因. */
export type AttributionModelKind = 'first' | 'last' | 'linear';
export const attributionModelKinds: readonly AttributionModelKind[] = ['first', 'last', 'linear'];

/** Limits of one attribution report (ADR 0059). */
export const attributionLimits = {
  /** 待归因事件 of one question. */
  touches: 10,
  /** The longest custom window, in days (0 is 当天). */
  maxWindowDays: 30,
} as const;

/** An event (or virtual event `virtual:<id>`) with its own property filters. */
export interface AttributionEvent {
  event: string;
  filters?: EventPropertyFilter[];
  filterOp?: 'and' | 'or';
  /** Display name of a touch (default: the event's name). */
  name?: string;
}

/**
 * 目标转化事件总次数 (`count`: Σ weights) or, with 切换指标, Σ weight × a numeric property of the
 * target event (`sum`).
 */
export interface AttributionMetric {
  aggregate: 'count' | 'sum';
  /** The target event's numeric property summed (`sum`). */
  property?: string;
}

/** 归因分析: the question the builder edits. */
export interface AttributionQuery {
  /** 目标转化事件 and its filters; the time range selects these events. */
  target: AttributionEvent;
  /** 待归因事件 (触点), 1 … 10, each with its filters: one result row each, in this order. */
  touches: AttributionEvent[];
  /**
   * 归因窗口期 in days: 0 = 当天 (a touch on the target's local calendar date), N = a touch whose
   * local date is ≥ the target's date − N. Either way the touch is no later than the target (the same
   * second counts as before).
   */
  windowDays: number;
  attributionModel: AttributionModelKind;
  /** 直接转化参与归因计算: show the 直接转化 row and count it in the contribution's denominator. */
  directConversions: boolean;
  metric: AttributionMetric;
  /** 公共筛选条件: a condition tree on the user, applied to every event of the analysis. */
  filters?: { contacts?: ConditionTree };
  /** 选择查看群组: up to 5 groups compared (one table each). */
  groups?: ReportGroupSelection[];
  /** When the target events happened, in the tenant's zone. */
  timeRange: TimeRange;
}

/** One row of the table: a touch (`touch` its index in `touches`) or 直接转化 (`touch: null`). */
export interface AttributionRow {
  /** The compared group's index in `groups` (absent without a group picker). */
  group?: number;
  touch: number | null;
  /** 总点击数: the touch's events from the range's first day − window to its end (null for 直接转化). */
  totalClicks: number | null;
  /** 有效转化点击数: those before some target within its window (null for 直接转化). */
  effectiveClicks: number | null;
  /** 有效转化点击率 (0…1): effective / total; null without a click. */
  clickRate: number | null;
  /** 目标转化事件总次数 (Σ weights) or Σ weight × the property: the touch's credit. */
  value: number;
  /** 贡献度 (0…1): value / Σ values of the rows shown; null when that sum is 0. */
  contribution: number | null;
}

/** 归因分析's answer. */
export interface AttributionReportResult {
  kind: 'attribution';
  model: string;
  timeZone: string;
  /** The targets' range, local dates (inclusive). */
  from: string;
  to: string;
  /** The first day the touches are counted from (`from` − window). */
  touchFrom: string;
  windowDays: number;
  attributionModel: AttributionModelKind;
  directConversions: boolean;
  /** The metric's name (`支付订单的次数`, `支付订单的金额总和`). */
  metric: { aggregate: 'count' | 'sum'; name: string };
  target: { name: string; event: string };
  touches: { name: string; event: string }[];
  groups: { name: string }[];
  /** Per group (in order): the touches in their order, then 直接转化 when shown. */
  rows: AttributionRow[];
  /** Per group: the target events in the range and their metric (count, or the property's sum). */
  totals: { group?: number; conversions: number; value: number }[];
  groupCount: number;
  truncated: boolean;
  computedAt: number;
  cached: boolean;
}

/** `%` with two decimals (an export's cell), null stays null. */
const percent = (fraction: number | null) => (fraction === null ? null : Math.round(fraction * 10_000) / 100);

/**
 * The table as the console shows it and an export writes it: (群组,) 待归因事件, 总点击数, 有效转化点击数,
 * 有效转化点击率(%), the metric, 贡献度(%).
 */
export function attributionTable(result: Pick<AttributionReportResult, 'groups' | 'touches' | 'rows' | 'metric'>): {
  header: string[];
  rows: (string | number | null)[][];
} {
  const header = [
    ...(result.groups.length ? ['群组'] : []),
    '待归因事件',
    '总点击数',
    '有效转化点击数',
    '有效转化点击率(%)',
    result.metric.aggregate === 'count' ? '目标转化事件总次数' : result.metric.name,
    '贡献度(%)',
  ];
  const rows = result.rows.map((row) => [
    ...(result.groups.length ? [result.groups[row.group ?? 0]?.name ?? ''] : []),
    row.touch === null ? '直接转化' : (result.touches[row.touch]?.name ?? ''),
    row.totalClicks,
    row.effectiveClicks,
    percent(row.clickRate),
    Math.round(row.value * 1e6) / 1e6,
    percent(row.contribution),
  ]);
  return { header, rows };
}
