/**
 * LTV分析 (seed §1.7.11; SPEC §6, decision 1; ADR 0057): the question and the answer. Pure data and
 * types (the console bundles them through `@huiliu/core/reports`).
 */
import { exportLabel } from '../report-labels.js';
import type { ConditionTree, EventPropertyFilter, TimeRange } from '../../conditions/condition.types.js';

/** 周期: calendar days, natural weeks (Mon–Sun) and months in the tenant's zone. */
export type LtvUnit = 'day' | 'week' | 'month';
export const ltvUnits: readonly LtvUnit[] = ['day', 'week', 'month'];

/**
 * The metrics of §1.7.11.1.1 (总和, 付费人数, ARPU, ARPPU) and 新增付费人数 (the issue): every one is
 * cumulative from period 0 but 新增付费人数, which counts the users paying for the first time in a period.
 */
export type LtvMetric = 'sum' | 'payingUsers' | 'arpu' | 'arppu' | 'newPayingUsers';
export const ltvMetrics: readonly LtvMetric[] = ['sum', 'payingUsers', 'arpu', 'arppu', 'newPayingUsers'];

/** Limits of one LTV report (the seed: ≤ 2 dimensions; up to 5 groups like every group picker). */
export const ltvLimits = {
  dimensions: 2,
  groups: 5,
  /** Periods after period 0 (第 0 … 第 N 天/周/月). */
  periods: 90,
} as const;

/**
 * 初始用户 (§1.7.11.1.1): the users whose FIRST qualifying initial event falls in the time range (its
 * time is their initial moment), or whose date / date-time contact property does (that value is).
 */
export type LtvInitial =
  | { kind: 'event'; event: string; filters?: EventPropertyFilter[]; filterOp?: 'and' | 'or' }
  | { kind: 'property'; property: string };

/** 营收事件 and 营收指标: the sum of a numeric property of the revenue event, or its count. */
export interface LtvRevenue {
  event: string;
  filters?: EventPropertyFilter[];
  filterOp?: 'and' | 'or';
  aggregate: 'sum' | 'count';
  /** The numeric event property summed (`sum`). */
  property?: string;
}

/**
 * 维度 (§1.7.11.1.3): a contact property or a tag's value; an event property of the initial event
 * (initial users from an event only). Revenue inherits the initial event's value.
 */
export type LtvDimension =
  { kind: 'eventProperty'; property: string } | { kind: 'contactProperty'; property: string } | { kind: 'tag'; tagId: string };

export type LtvGroupSelection =
  | { type: 'group'; groupId: string }
  | { type: 'exclusive'; exclusiveGroupId: string; position: number }
  | { type: 'temporary'; temporaryGroupId: string };

export interface LtvQuery {
  initial: LtvInitial;
  revenue: LtvRevenue;
  /** 公共筛选条件 (§1.7.11.1.2): a condition tree on the initial users. */
  filters?: { contacts?: ConditionTree };
  dimensions?: LtvDimension[];
  /** 选择群组 (§1.7.11.1.4): one group filters; two or more are compared (and take no dimension). */
  groups?: LtvGroupSelection[];
  /** When the initial moments are (the initial event's time, or the property's value). */
  timeRange: TimeRange;
  unit: LtvUnit;
  /** N: the periods shown are 第 0 … 第 N. */
  periods: number;
  /** 按 24 小时滚动: day n is [initial + 24·n h, initial + 24·(n+1) h) instead of the n-th calendar day (days only). */
  rolling24h?: boolean;
  /** The metric the chart shows (every metric is in the result). */
  metric?: LtvMetric;
}

/**
 * One row of the 详情表: a cohort (initial users of a date / week / month) or `总体` (`cohort: null`,
 * every initial user of the range in its group and dimension values), with every metric by period.
 */
export interface LtvRow {
  /** The compared group's index in `groups` (absent without a group picker). */
  group?: number;
  /** Display values of the dimensions (`null`: no value). */
  dimensions: (string | null)[];
  /** The cohort's first day (`YYYY-MM-DD`; a week by its Monday, a month by its 1st), `null` for 总体. */
  cohort: string | null;
  /** 初始人数. */
  initialUsers: number;
  /** 付费人数: initial users with a revenue event in periods 0…N. */
  payingUsers: number;
  /** One value per period 0…N for each metric; `null` for a period that has not started yet. */
  values: Record<LtvMetric, (number | null)[]>;
}

export interface LtvReportResult {
  kind: 'ltv';
  model: string;
  timeZone: string;
  /** The range of initial moments, local dates (inclusive). */
  from: string;
  to: string;
  unit: LtvUnit;
  periods: number;
  rolling24h: boolean;
  /** The metric the question charts (a dashboard card draws it). */
  metric: LtvMetric;
  /** The revenue metric's name (`支付订单的总金额`). */
  revenueName: string;
  dimensions: { key: string; name: string }[];
  groups: { name: string }[];
  /** 总体 first, then the cohorts in date order, for each (group, dimension values); cohorts without users left out. */
  rows: LtvRow[];
  /** Dimension combinations there were, and whether more than the limit were left out. */
  groupCount: number;
  truncated: boolean;
  computedAt: number;
  cached: boolean;
}

/** The metrics' names as the seed's tables title them. */
export const ltvMetricNames: Record<LtvMetric, string> = {
  sum: '总和',
  payingUsers: '付费人数',
  arpu: 'ARPU',
  arppu: 'ARPPU',
  newPayingUsers: '新增付费人数',
};

/** `第 n 天` / `第 n 周` / `第 n 月`. */
export function ltvPeriodLabel(unit: LtvUnit, n: number): string {
  return `第${n}${unit === 'day' ? '天' : unit === 'week' ? '周' : '月'}`;
}

/**
 * The 详情表 of every metric one under the other, as an export writes it: 指标, (群组), the dimension
 * values, 初始日期 (总体 first), 初始人数, 付费人数, 付费率, then 第 0 … 第 N.
 */
export function ltvTable(result: Pick<LtvReportResult, 'unit' | 'periods' | 'dimensions' | 'groups' | 'rows'>): {
  header: string[];
  rows: (string | number | null)[][];
} {
  const header = [
    '指标',
    ...(result.groups.length ? ['群组'] : []),
    ...result.dimensions.map((d) => d.name),
    '初始日期',
    '初始人数',
    '付费人数',
    '付费率',
    ...Array.from({ length: result.periods + 1 }, (_, n) => ltvPeriodLabel(result.unit, n)),
  ];
  const rows = ltvMetrics.flatMap((metric) =>
    result.rows.map((row) => [
      ltvMetricNames[metric],
      ...(result.groups.length ? [result.groups[row.group ?? 0]?.name ?? ''] : []),
      ...row.dimensions.map(exportLabel),
      row.cohort ?? '总体',
      row.initialUsers,
      row.payingUsers,
      row.initialUsers ? row.payingUsers / row.initialUsers : null,
      ...row.values[metric],
    ]),
  );
  return { header, rows };
}
