/**
 * The reports' API shapes (seed §1.7.1, §1.7.2, §3; SPEC §6; ADR 0052): the event analysis query,
 * the result every model answers with, and the chart rules. Pure data and types, free of runtime
 * imports but the condition types: the console bundles it (`@huiliu/core/reports`).
 */
import type { ConditionTree, EventPropertyFilter, TimeRange } from '../conditions/condition.types.js';
import type { DistributionReportResult } from './distribution/distribution.types.js';

export * from './distribution/distribution.types.js';
import type { LtvReportResult } from './ltv/ltv.types.js';

export * from './ltv/ltv.types.js';
import type { UserAnalysisReportResult } from './user/user-analysis.types.js';

export * from './user/user-analysis.types.js';
import type { AttributionReportResult } from './attribution/attribution.types.js';

export * from './attribution/attribution.types.js';
import type { PathReportResult } from './path/path.types.js';

export * from './path/path.types.js';
import type { ProfileReportResult } from './profile/profile.types.js';

export * from './profile/profile.types.js';
export { exportLabel } from './report-labels.js';

/** 报表分析 limits of §1.7.1: dimension groups shown in the console and written to an export. */
export const reportLimits = {
  shownGroups: { user: 1000, event: 100, funnel: 100, distribution: 1000 },
  exportedGroups: { user: 4000, event: 4000, funnel: 400, distribution: 4000 },
  /** Metrics (and formulas) of one event analysis. */
  metrics: 10,
  dimensions: 5,
  /** Groups compared side by side (选择查看群组). */
  groups: 5,
  /** Time buckets of one result (e.g. hours of a month): more is refused, pick a coarser granularity. */
  buckets: 1500,
  /** A formula's length in characters. */
  formulaLength: 200,
  /** Bucket boundaries of a numeric dimension. */
  ranges: 30,
  /** The stacked bar shows its stack dimension's top 12 values and 其他 (§1.7.2.6.3). */
  stackTop: 12,
} as const;

export type Granularity = 'total' | 'hour' | 'day' | 'week' | 'month';
export const granularities: readonly Granularity[] = ['total', 'hour', 'day', 'week', 'month'];

/**
 * What a metric computes over the events it counts (§1.7.2.2.1): 总次数, 触发用户数, 人均次数, and
 * per property 去重数 (any type), 总和 / 均值 / 最大值 / 最小值 (numeric ones).
 */
export type MetricAggregate = 'count' | 'users' | 'perUser' | 'distinct' | 'sum' | 'avg' | 'max' | 'min';
export const metricAggregates: readonly MetricAggregate[] = ['count', 'users', 'perUser', 'distinct', 'sum', 'avg', 'max', 'min'];
/** The aggregates that need a property (`distinct` any; the others a numeric one). */
export const propertyAggregates: readonly MetricAggregate[] = ['distinct', 'sum', 'avg', 'max', 'min'];

/** An event metric: an event (or virtual event `virtual:<id>`), its own filters and what to compute. */
export interface EventMetric {
  /** `A`…`J`: how formulas and results name it. */
  id: string;
  kind: 'event';
  event: string;
  aggregate: MetricAggregate;
  /** The event property aggregated (distinct, sum, avg, max, min). */
  property?: string;
  filters?: EventPropertyFilter[];
  filterOp?: 'and' | 'or';
  /** Display name (default: event name + aggregate). */
  name?: string;
}

/**
 * A custom metric (自定义指标, §1.7.2.2.2): an arithmetic formula over other metrics' ids with
 * + − × ÷ and parentheses, e.g. `A - B` (净增长 = 关注 − 取关). Division by zero gives no value.
 */
export interface FormulaMetric {
  id: string;
  kind: 'formula';
  formula: string;
  name: string;
  /** `percent`: shown ×100 with one decimal and %. */
  format?: 'number' | 'percent';
}

export type ReportMetric = EventMetric | FormulaMetric;

/**
 * 维度 (§3.2): an event property (every metric's event must carry it; lookups `sku.brand` through
 * dimension tables and dictionaries included), a contact property, or a tag's value. Numeric values
 * group by `ranges` when given — ascending boundaries b1 < b2 < … giving (−∞, b1), [b1, b2), …, [bn, +∞)
 * — else by value.
 */
export type ReportDimension =
  | { kind: 'eventProperty'; property: string; ranges?: number[] }
  | { kind: 'contactProperty'; property: string; ranges?: number[] }
  | { kind: 'tag'; tagId: string; ranges?: number[] };

/** 选择查看群组: a group (static, dynamic, WeChat fan), a segment of a 互斥组, or a temporary group. */
export type ReportGroupSelection =
  | { type: 'group'; groupId: string }
  | { type: 'exclusive'; exclusiveGroupId: string; position: number }
  | { type: 'temporary'; temporaryGroupId: string };

export type ChartType = 'line' | 'timeBar' | 'stackedBar' | 'pie' | 'stackedArea' | 'number' | 'table';
export const chartTypes: readonly ChartType[] = ['line', 'timeBar', 'stackedBar', 'pie', 'stackedArea', 'number', 'table'];

/** 事件分析 (§1.7.2): the question the builder edits. */
export interface EventAnalysisQuery {
  metrics: ReportMetric[];
  dimensions?: ReportDimension[];
  /**
   * 公共筛选条件 (§3.3): `events` filters every metric's events by properties all of them carry;
   * `contacts` is a condition tree on the user (properties, groups, tags, did / did not).
   */
  filters?: { events?: EventPropertyFilter[]; eventsOp?: 'and' | 'or'; contacts?: ConditionTree };
  /** Up to 5 groups compared; each is a series of its own. */
  groups?: ReportGroupSelection[];
  /** The events' time range, in the tenant's zone (§3.3 time ranges; both ends resolved). */
  timeRange: TimeRange;
  granularity: Granularity;
  /** 对比上一周期: the same query over the period of the same length just before. */
  compare?: boolean;
  chart: ChartType;
}

/** Metrics × dimensions of a query, as the chart support matrix of §1.7.2.6 names it. */
export interface ChartShape {
  metrics: number;
  dimensions: number;
  byTime: boolean;
}

/**
 * §1.7.2.6: which charts a query may use (table: everything). `undefined` when allowed, else why
 * not — the console disables the choice with this reason.
 */
export function chartRefusal(
  chart: ChartType,
  shape: ChartShape,
): 'chart_needs_total' | 'chart_too_many_metrics' | 'chart_metrics_and_dimensions' | undefined {
  if (chart === 'table') return undefined;
  const manyMetrics = shape.metrics > 1;
  if (chart === 'line' || chart === 'timeBar' || chart === 'stackedArea') {
    return manyMetrics && shape.dimensions > 0 ? 'chart_metrics_and_dimensions' : undefined;
  }
  // stackedBar, pie, number: by total only, one metric.
  if (shape.byTime) return 'chart_needs_total';
  return manyMetrics ? 'chart_too_many_metrics' : undefined;
}

/** One line of a result: a metric for one dimension combination (and group), over the buckets. */
export interface ReportSeries {
  /** The metric's id (`A`, or a formula's). */
  metric: string;
  /** Display values of the dimensions, in order (`null`: no value, shown 未知 / (空)). */
  dimensions: (string | null)[];
  /** The compared group's index in `groups` (absent without a group picker). */
  group?: number;
  /** One value per bucket (`null`: no value, e.g. an average of nothing, ÷ 0). */
  values: (number | null)[];
  /** The value over the whole time range (a distinct count is NOT the sum of the buckets). */
  total: number | null;
}

export interface ReportResultPeriod {
  /** Local dates, inclusive. */
  from: string;
  to: string;
  /** Bucket labels: `YYYY-MM-DD HH:00` (hour), `YYYY-MM-DD` (day; a week by its Monday; a month by its 1st), or `合计` (total). */
  buckets: string[];
  series: ReportSeries[];
}

/** A series result (event analysis and every model charted over buckets). */
export interface SeriesReportResult extends ReportResultPeriod {
  kind: 'series';
  model: string;
  timeZone: string;
  granularity: Granularity;
  metrics: { id: string; name: string; format: 'number' | 'percent' }[];
  dimensions: { key: string; name: string }[];
  groups: { name: string }[];
  /** 上一周期, aligned bucket by bucket. */
  previous?: ReportResultPeriod;
  /** Dimension combinations there were, and whether more than the limit were left out. */
  groupCount: number;
  truncated: boolean;
  /** When the numbers were computed (epoch ms) and whether they came from the cache. */
  computedAt: number;
  cached: boolean;
}

/** A table result: what a model given as SQL (`toSql`, plugins) answers — its rows as they are. */
export interface TableReportResult {
  kind: 'table';
  model: string;
  timeZone: string;
  columns: { name: string; type: string }[];
  rows: Record<string, unknown>[];
  groupCount: number;
  truncated: boolean;
  computedAt: number;
  cached: boolean;
}

export type ReportResult =
  | SeriesReportResult
  | TableReportResult
  | FunnelReportResult
  | DistributionReportResult
  | LtvReportResult
  | RetentionReportResult
  | UserAnalysisReportResult
  | AttributionReportResult
  | PathReportResult
  | ProfileReportResult;

/** A report model as the console lists it. */
export interface ReportModelInfo {
  id: string;
  name: string;
  /** The plugin or core module that contributes it. */
  source: string;
  /** Whether its saved reports may go on dashboards (用户画像: no, §1.3.1). */
  dashboard: boolean;
  /** §1.7.1: dimension groups shown and exported. */
  limits: { shown: number; exported: number };
}

// ---- 留存分析 (seed §1.7.7; ADR 0055) --------------------------------------------------------------

/** A retention period: natural day, week (Mon–Sun) or month in the tenant's zone. */
export type RetentionUnit = 'day' | 'week' | 'month';
export const retentionUnits: readonly RetentionUnit[] = ['day', 'week', 'month'];
/** N of "N 日/周/月留存": periods 0..N are shown (次日/次周/次月 = 1). */
export const retentionMaxPeriods: Record<RetentionUnit, number> = { day: 30, week: 12, month: 12 };
/** Cohorts (initial periods) of one result. */
export const retentionMaxCohorts = 400;

/** An initial or return event (or virtual event `virtual:<id>`) and its property filters. */
export interface RetentionEvent {
  event: string;
  filters?: EventPropertyFilter[];
  filterOp?: 'and' | 'or';
}

/** 留存分析 (§1.7.7): the question the builder edits. */
export interface RetentionQuery {
  initial: RetentionEvent;
  return: RetentionEvent;
  /** 留存用户 or 流失用户. */
  metric: 'retained' | 'churned';
  unit: RetentionUnit;
  /** N: periods 0..N (retained) or 1..N (churned). */
  periods: number;
  /**
   * `period` (the seed's): retained at k = a return event in period k. `onOrAfter`: in period k or
   * any later one, up to now (churned users ignore it: they are cumulative already).
   */
  mode?: 'period' | 'onOrAfter';
  /** 公共筛选条件: user properties only (§1.7.7.5). */
  filters?: { contacts?: ConditionTree };
  groups?: ReportGroupSelection[];
  /** The initial events' time range (the return events are read up to N periods after its end). */
  timeRange: TimeRange;
}

/** One cohort (initial period) row: users, then one cell per offset (`null`: that period has not started). */
export interface RetentionCohort {
  /** The period's first local date (a week by its Monday, a month by its 1st). */
  date: string;
  users: number;
  values: (number | null)[];
  /** values ÷ users (`null`: blank, or no users). */
  rates: (number | null)[];
}

/** 合计: all cohorts together; offset k over the cohorts whose period k has ended. */
export interface RetentionTotal {
  users: number;
  values: (number | null)[];
  /** The users of the cohorts counted at each offset (the rate's denominator). */
  bases: number[];
  rates: (number | null)[];
}

export interface RetentionTable {
  /** The compared group's index in `groups` (absent without a group picker). */
  group?: number;
  cohorts: RetentionCohort[];
  total: RetentionTotal;
}

/** A retention result: one table per compared group (one without groups). */
export interface RetentionReportResult {
  kind: 'retention';
  model: string;
  timeZone: string;
  /** The time range as local dates, inclusive. */
  from: string;
  to: string;
  metric: 'retained' | 'churned';
  unit: RetentionUnit;
  mode: 'period' | 'onOrAfter';
  /** The offsets k of the cells: 0..N (retained) or 1..N (churned). */
  offsets: number[];
  initialEvent: { event: string; name: string };
  returnEvent: { event: string; name: string };
  groups: { name: string }[];
  tables: RetentionTable[];
  groupCount: number;
  truncated: boolean;
  computedAt: number;
  cached: boolean;
}

// ---- 漏斗分析 (§1.7.3; ADR 0054) ------------------------------------------------------------------

/** The most steps of a funnel (§1.7.3.2.1: 最多八个), the fewest (2, the default two cannot be deleted). */
export const funnelLimits = { minSteps: 2, maxSteps: 8, maxDays: 30, maxHours: 720, exclusions: 10 } as const;

/** A step (or an exclusion): an event or virtual event (`virtual:<id>`) with its own property filters. */
export interface FunnelStep {
  event: string;
  filters?: EventPropertyFilter[];
  filterOp?: 'and' | 'or';
  /** Display name (default: the event's name). */
  name?: string;
}

/** 排除步骤: a chain with this event between step `afterStep` and the next (1-based) is not counted past `afterStep`. */
export interface FunnelExclusion {
  event: string;
  filters?: EventPropertyFilter[];
  filterOp?: 'and' | 'or';
  afterStep: number;
}

/**
 * 窗口期: `day` = the calendar-date difference from step 1 (tenant zone) is at most `value` (≤ 30);
 * `hour` = the time elapsed since step 1 is at most `value` hours (≤ 720), inclusive.
 */
export interface FunnelWindow {
  value: number;
  unit: 'day' | 'hour';
}

/** 漏斗分析 (§1.7.3): the question the builder edits. */
export interface FunnelAnalysisQuery {
  /** 2–8 steps, in order. */
  steps: FunnelStep[];
  window: FunnelWindow;
  /** 限制窗口期在时间区间内: every step, not only step 1, must happen inside the time range. */
  windowWithinRange?: boolean;
  /** The time range of step 1, in the tenant's zone. */
  timeRange: TimeRange;
  exclusions?: FunnelExclusion[];
  /** 关联属性: an event property every step's event carries; all steps of a chain must have the same value. */
  holdProperty?: string;
  /** One funnel per value: an event property of step 1 or a contact property. */
  dimension?: { kind: 'eventProperty' | 'contactProperty'; property: string };
  /** The user condition tree (properties, groups, tags, did / did not). */
  filters?: { contacts?: ConditionTree };
  /** Up to 5 groups compared; each has funnels of its own. */
  groups?: ReportGroupSelection[];
}

/** Buckets of the time-to-convert histogram (seconds from step 1 to the last step, `[from, to)`). */
export const funnelTimeBuckets: readonly { label: string; from: number; to: number | null }[] = [
  { label: '<1分钟', from: 0, to: 60 },
  { label: '1-10分钟', from: 60, to: 600 },
  { label: '10分钟-1小时', from: 600, to: 3600 },
  { label: '1小时-1天', from: 3600, to: 86_400 },
  { label: '1-3天', from: 86_400, to: 259_200 },
  { label: '3-7天', from: 259_200, to: 604_800 },
  { label: '≥7天', from: 604_800, to: null },
];

/** One step of one funnel. */
export interface FunnelStepValue {
  /** Users reaching at least this step. */
  users: number;
  /** users(k) / users(k−1) (step 1: 1 when anyone entered); null when the previous step had no user. */
  conversion: number | null;
  /** users(k) / users(1): the product of the step rates. */
  overall: number | null;
  /** Median seconds from the previous step to this one over the users who converted it (best chain); step 1: null. */
  medianSeconds: number | null;
}

/** One funnel: all users (no `dimension` key) or one dimension value, of one compared group. */
export interface FunnelSeries {
  /** The compared group's index in `groups` (absent without a group picker). */
  group?: number;
  /** The dimension value (`null`: no value); absent: every user. */
  dimension?: string | null;
  steps: FunnelStepValue[];
  /** Users who completed the funnel, per bucket of `funnelTimeBuckets`. */
  timeToConvert: number[];
}

export interface FunnelReportResult {
  kind: 'funnel';
  model: string;
  timeZone: string;
  /** Local dates of step 1's range, inclusive. */
  from: string;
  to: string;
  steps: { name: string; event: string }[];
  window: FunnelWindow;
  dimension?: { key: string; name: string };
  groups: { name: string }[];
  timeBuckets: { label: string; from: number; to: number | null }[];
  /** Per group: the all-users funnel first, then one per dimension value (most step-1 users first). */
  funnels: FunnelSeries[];
  groupCount: number;
  truncated: boolean;
  computedAt: number;
  cached: boolean;
}
