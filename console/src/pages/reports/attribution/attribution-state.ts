import type { CatalogueEvent, ConditionCatalogue } from '@huiliu/core/conditions';
import type { AttributionQuery, AttributionReportResult } from '@huiliu/core/reports';
import type { EChartsCoreOption } from 'echarts/core';
import type { QueryProblem } from '../event/query-state';

// 归因分析's question as the builder edits it, and its answer as the table and the chart show it
// (seed §1.7.9; ADR 0059). Pure: texts come in as arguments.

/** The numeric properties 切换指标 may sum (of the target event). */
export const sumProperties = (event: CatalogueEvent | undefined) => (event?.properties ?? []).filter((p) => p.type === 'number');

/** A new question: the first event as the target, the second as the touch, 当天, last touch, the past 7 days. */
export function defaultQuery(catalogue: ConditionCatalogue): AttributionQuery | undefined {
  const first = catalogue.events[0];
  if (!first) return undefined;
  const second = catalogue.events[1] ?? first;
  return {
    target: { event: first.code },
    touches: [{ event: second.code }],
    windowDays: 0,
    attributionModel: 'last',
    directConversions: true,
    metric: { aggregate: 'count' },
    filters: {},
    groups: [],
    timeRange: { kind: 'past', days: 7, includeToday: true },
  };
}

/** A saved query as the builder edits it (defaults filled like the server's). */
export function editableQuery(saved: Record<string, unknown>): AttributionQuery {
  const query = saved as unknown as AttributionQuery;
  return {
    ...query,
    windowDays: query.windowDays ?? 0,
    attributionModel: query.attributionModel ?? 'last',
    directConversions: query.directConversions ?? true,
    metric: query.metric ?? { aggregate: 'count' },
    filters: query.filters ?? {},
    groups: query.groups ?? [],
  };
}

/** An event without empty parts (no filters → neither `filters` nor `filterOp`; a blank name goes). */
function cleanEvent<T extends { event: string; filters?: unknown[]; filterOp?: 'and' | 'or'; name?: string }>(value: T): T {
  const { filters, filterOp, name, ...rest } = value;
  return {
    ...rest,
    ...(filters?.length ? { filters } : {}),
    ...(filters && filters.length > 1 && filterOp ? { filterOp } : {}),
    ...(name?.trim() ? { name: name.trim() } : {}),
  } as T;
}

/** The question as sent: empty parts left out (equal questions hit the same cache entry). */
export function queryToSend(query: AttributionQuery): AttributionQuery {
  const filters: NonNullable<AttributionQuery['filters']> = {};
  if (query.filters?.contacts?.conditions.length) filters.contacts = query.filters.contacts;
  const metric =
    query.metric.aggregate === 'sum'
      ? { aggregate: 'sum' as const, ...(query.metric.property ? { property: query.metric.property } : {}) }
      : { aggregate: 'count' as const };
  return {
    ...query,
    target: cleanEvent(query.target),
    touches: query.touches.map(cleanEvent),
    metric,
    filters,
    groups: query.groups ?? [],
  };
}

/** What the builder can tell before asking the server. */
export function localProblems(
  query: AttributionQuery,
  text: { propertyRequired: string; windowInvalid: string; touchRequired: string },
): QueryProblem[] {
  const problems: QueryProblem[] = [];
  if (query.touches.length === 0) problems.push({ path: 'touches', code: 'touches_required', message: text.touchRequired });
  if (!Number.isInteger(query.windowDays) || query.windowDays < 0 || query.windowDays > 30)
    problems.push({ path: 'windowDays', code: 'window_invalid', message: text.windowInvalid });
  if (query.metric.aggregate === 'sum' && !query.metric.property)
    problems.push({ path: 'metric.property', code: 'report_attribution_property_invalid', message: text.propertyRequired });
  return problems;
}

export interface AttributionLabels {
  direct: string;
}

export interface AttributionTableRow {
  key: string;
  group?: string;
  touch: string;
  totalClicks: number | null;
  effectiveClicks: number | null;
  /** Percent (two decimals) or null. */
  clickRate: number | null;
  value: number;
  contribution: number | null;
}

const percent = (fraction: number | null) => (fraction === null ? null : Math.round(fraction * 10_000) / 100);

/** A row's name: its touch's, or 直接转化. */
export const rowName = (result: AttributionReportResult, touch: number | null, labels: AttributionLabels) =>
  touch === null ? labels.direct : (result.touches[touch]?.name ?? '');

/** The table's rows, as the export writes them (report-export: group, touch, clicks, rate, value, contribution). */
export function attributionRows(result: AttributionReportResult, labels: AttributionLabels): AttributionTableRow[] {
  return result.rows.map((row, index) => ({
    key: String(index),
    ...(result.groups.length ? { group: result.groups[row.group ?? 0]?.name ?? '' } : {}),
    touch: rowName(result, row.touch, labels),
    totalClicks: row.totalClicks,
    effectiveClicks: row.effectiveClicks,
    clickRate: percent(row.clickRate),
    value: row.value,
    contribution: percent(row.contribution),
  }));
}

/** The bar chart of 贡献度 (%): the rows on the y-axis, one bar series per compared group. */
export function attributionChartOption(
  result: AttributionReportResult,
  labels: AttributionLabels & { contribution: string },
): EChartsCoreOption {
  const groups = Math.max(result.groups.length, 1);
  const names = [...new Set(result.rows.filter((r) => (r.group ?? 0) === 0).map((r) => rowName(result, r.touch, labels)))];
  const series = Array.from({ length: groups }, (_, g) => {
    const own = result.rows.filter((r) => (r.group ?? 0) === g);
    return {
      type: 'bar',
      name: result.groups[g]?.name ?? labels.contribution,
      data: own.map((r) => percent(r.contribution) ?? 0),
      barMaxWidth: 28,
      label: { show: true, position: 'right', formatter: '{c}%' },
    };
  });
  return {
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (v: number) => `${v}%` },
    legend: groups > 1 ? { type: 'scroll', top: 0 } : undefined,
    grid: { left: 16, right: 48, top: groups > 1 ? 40 : 16, bottom: 24, containLabel: true },
    xAxis: { type: 'value', max: 100, axisLabel: { formatter: '{value}%' } },
    yAxis: { type: 'category', inverse: true, data: names },
    series,
  };
}
