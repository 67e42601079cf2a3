/**
 * 分布分析 (seed §1.7.6; SPEC §6; ADR 0056): the question and its answer. Pure data and types — the
 * console bundles them through `@huiliu/core/reports`.
 */
import type { ConditionTree, EventPropertyFilter, TimeRange } from '../../conditions/condition.types.js';
import type { ReportGroupSelection } from '../report.types.js';

/**
 * The per-user metric (选择指标): over one event (or virtual event `virtual:<id>`) and its filters,
 * each user's number of events, or the distinct count / sum / average / maximum / minimum of an event
 * property (sum, avg, max, min: a numeric one).
 */
export type DistributionAggregate = 'count' | 'distinct' | 'sum' | 'avg' | 'max' | 'min';
export const distributionAggregates: readonly DistributionAggregate[] = ['count', 'distinct', 'sum', 'avg', 'max', 'min'];

export interface DistributionMetric {
  event: string;
  aggregate: DistributionAggregate;
  /** The event property aggregated (every aggregate but `count`). */
  property?: string;
  filters?: EventPropertyFilter[];
  filterOp?: 'and' | 'or';
}

/**
 * 设置分布区间: 默认区间 (ADR 0056: counts 1, 2, 3, 4, 5–9, 10–19, ≥20; other metrics "nice" equal
 * steps over the users' range), or 自定义区间 — ascending boundaries b1 < … < bn giving (−∞, b1),
 * [b1, b2), …, [bn, +∞): a interval includes its start and excludes its end (seed: 1000–2000
 * includes 1000, not 2000).
 */
export type DistributionIntervals = { mode: 'default' } | { mode: 'custom'; boundaries: number[] };

/** 选择查看维度: one event property of the metric's event, or one contact property. */
export interface DistributionDimension {
  kind: 'eventProperty' | 'contactProperty';
  property: string;
}

/** 分布分析: the question the builder edits. */
export interface DistributionQuery {
  metric: DistributionMetric;
  intervals: DistributionIntervals;
  dimension?: DistributionDimension;
  /**
   * 公共筛选条件: `events` filters the metric's events by their properties; `contacts` is a condition
   * tree on the user (properties, groups, tags, did / did not).
   */
  filters?: { events?: EventPropertyFilter[]; eventsOp?: 'and' | 'or'; contacts?: ConditionTree };
  /** 选择查看群组: up to 5 groups compared side by side. */
  groups?: ReportGroupSelection[];
  /** The events' time range in the tenant's zone. */
  timeRange: TimeRange;
}

/** An interval `[from, to)` of the metric (`null`: unbounded on that side). */
export interface DistributionInterval {
  /** `3`, `5–9`, `≥20` (counts); `<1000`, `[1000,2000)`, `≥2000` (others). */
  label: string;
  from: number | null;
  to: number | null;
}

/** One bar series: the users of a dimension value (and group) per interval. */
export interface DistributionSeries {
  /** The dimension's value (`null`: no value, shown 未知); absent without a dimension. */
  dimension?: string | null;
  /** The compared group's index in `groups` (absent without a group picker). */
  group?: number;
  /** Users per interval, in the order of `intervals`. */
  users: number[];
  /** The users of the series (each in exactly one interval): the base of the shares. */
  total: number;
}

/** 分布分析's answer. */
export interface DistributionReportResult {
  kind: 'distribution';
  model: string;
  timeZone: string;
  /** Local dates, inclusive. */
  from: string;
  to: string;
  metric: { name: string; aggregate: DistributionAggregate };
  intervals: DistributionInterval[];
  /** The dimension (absent without one). */
  dimension?: { key: string; name: string };
  groups: { name: string }[];
  series: DistributionSeries[];
  /** Dimension values there were (per group, the largest), and whether more than the limit were left out. */
  groupCount: number;
  truncated: boolean;
  computedAt: number;
  cached: boolean;
}
