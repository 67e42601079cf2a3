/**
 * 用户分析 (seed §1.7.4; SPEC §6; ADR 0060): the question and its answer. Pure data and types — the
 * console bundles them through `@huiliu/core/reports`.
 */
import type { ConditionTree, TimeRange } from '../../conditions/condition.types.js';
import { exportLabel } from '../report-labels.js';

/**
 * 指标 (§1.7.4.2.1): 用户数 (contacts), and of a contact property its 去重数 (any type) or its
 * 总和 / 均值 / 最大值 / 最小值 (a numeric one).
 */
export type UserAnalysisAggregate = 'users' | 'distinct' | 'sum' | 'avg' | 'max' | 'min';
export const userAnalysisAggregates: readonly UserAnalysisAggregate[] = ['users', 'distinct', 'sum', 'avg', 'max', 'min'];

export interface UserAnalysisMetric {
  aggregate: UserAnalysisAggregate;
  /** The contact property aggregated (every aggregate but `users`). */
  property?: string;
}

/**
 * 分析维度 (§1.7.4.2.2): a contact property or a tag's value. A numeric one groups by `ranges` when
 * given — ascending boundaries b1 < … < bn giving (−∞, b1), [b1, b2), …, [bn, +∞), as event
 * analysis's — else by value. Several = their Cartesian product.
 */
export type UserAnalysisDimension =
  { kind: 'contactProperty'; property: string; ranges?: number[] } | { kind: 'tag'; tagId: string; ranges?: number[] };

/** The contact properties a 聚合分组 may be defined on (§1.7.4.4.1), as the only dimension. */
export const userAnalysisAggregateProperties: readonly string[] = ['country', 'province', 'city'];

/**
 * 聚合分组 (§1.7.4.4.1): values of the only dimension (country, province or city) shown together
 * under a name, e.g. "10个关键城市" = ten cities. A value belongs to one aggregate group at most.
 */
export interface UserAnalysisAggregateGroup {
  name: string;
  values: string[];
}

export const userAnalysisLimits = {
  metrics: 10,
  dimensions: 5,
  /** 多个标签组对比 (§1.7.4.4.2). */
  groups: 5,
  aggregateGroups: 20,
  aggregateValues: 500,
} as const;

export type UserAnalysisGroupSelection =
  | { type: 'group'; groupId: string }
  | { type: 'exclusive'; exclusiveGroupId: string; position: number }
  | { type: 'temporary'; temporaryGroupId: string };

/** 用户分析: the question the builder edits. */
export interface UserAnalysisQuery {
  metrics: UserAnalysisMetric[];
  dimensions?: UserAnalysisDimension[];
  /** 公共筛选条件: a condition tree on the contacts (properties combined 与 / 或; groups, tags too). */
  filters?: { contacts?: ConditionTree };
  /** 选择查看标签组: up to 5 groups compared side by side (one pie each). */
  groups?: UserAnalysisGroupSelection[];
  /** 聚合分组 of the only dimension (country, province or city). */
  aggregateGroups?: UserAnalysisAggregateGroup[];
  /**
   * 在选定时间范围内 (ADR 0060): when given, only contacts created (创建时间, in the tenant's zone) in
   * this range count — an anonymous contact has no creation time and is left out. Absent: every contact.
   */
  timeRange?: TimeRange;
}

/** One dimension combination of one group, with a value per metric. */
export interface UserAnalysisRow {
  /** The compared group's index in `groups` (absent without a group picker). */
  group?: number;
  /** Display values of the dimensions, in order (`null`: no value, shown 未知). */
  dimensions: (string | null)[];
  /** The dimension value is an aggregate group's name (聚合分组), not a value of the property. */
  aggregate?: true;
  /** One value per metric (`null`: an average / maximum / minimum of nothing). */
  values: (number | null)[];
}

/** Every contact of one group (总体): the base of the shares; `users` 0 is an empty pie (无数据). */
export interface UserAnalysisTotal {
  group?: number;
  users: number;
  values: (number | null)[];
}

/** 用户分析's answer. */
export interface UserAnalysisReportResult {
  kind: 'userAnalysis';
  model: string;
  timeZone: string;
  /** The creation time range as local dates, inclusive (absent: every contact; a side may be open). */
  from?: string;
  to?: string;
  metrics: { name: string; aggregate: UserAnalysisAggregate }[];
  dimensions: { key: string; name: string }[];
  groups: { name: string }[];
  /** One per compared group (one without groups), in order. */
  totals: UserAnalysisTotal[];
  /** Per group, the dimension combinations ranked by the first metric (none without a dimension). */
  rows: UserAnalysisRow[];
  /** Dimension combinations there were (per group, the largest), and whether more than the limit were left out. */
  groupCount: number;
  truncated: boolean;
  computedAt: number;
  cached: boolean;
}

/**
 * The table as an export writes it (the console's table, unpaged): per group its 总体 row, then one
 * row per dimension combination, a column per metric and, when the first metric adds up (用户数, 总和), its
 * share of 总体 (%).
 */
export function userAnalysisTable(
  result: Pick<UserAnalysisReportResult, 'metrics' | 'dimensions' | 'groups' | 'totals' | 'rows'>,
): {
  header: string[];
  rows: (string | number | null)[][];
} {
  const grouped = result.groups.length > 0;
  // A share of 总体 means something for what adds up: 用户数 and 总和.
  const shared = result.dimensions.length > 0 && additive(result.metrics[0]?.aggregate);
  const header = [
    ...(grouped ? ['群组'] : []),
    ...result.dimensions.map((d) => d.name),
    ...result.metrics.map((m) => m.name),
    ...(shared ? ['占比(%)'] : []),
  ];
  const groupName = (group: number | undefined) => result.groups[group ?? 0]?.name ?? '';
  const rows: (string | number | null)[][] = [];
  for (const total of result.totals) {
    const base = total.values[0] ?? null;
    rows.push([
      ...(grouped ? [groupName(total.group)] : []),
      ...result.dimensions.map(() => exportLabel(undefined)),
      ...total.values,
      ...(shared ? [base ? 100 : 0] : []),
    ]);
    for (const row of result.rows.filter((r) => (r.group ?? 0) === (total.group ?? 0))) {
      rows.push([
        ...(grouped ? [groupName(row.group)] : []),
        // An aggregate group's name is a value too: one named 总体 or (空) is quoted (R22B-16).
        ...row.dimensions.map((value) => exportLabel(row.aggregate ? (value ?? '') : value)),
        ...row.values,
        ...(shared ? [userAnalysisShare(row.values[0] ?? null, base)] : []),
      ]);
    }
  }
  return { header, rows };
}

/** Whether a metric adds up over the dimension values (用户数, 总和): its pie and shares mean something. */
export const additive = (aggregate: UserAnalysisAggregate | undefined): boolean => aggregate === 'users' || aggregate === 'sum';

/** A value's share of 总体 in percent, two decimals (0 when 总体 is 0 or none). */
export function userAnalysisShare(value: number | null, total: number | null): number {
  return value !== null && total ? Math.round((value / total) * 10_000) / 100 : 0;
}
