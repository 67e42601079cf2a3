import { additive, userAnalysisShare, type UserAnalysisReportResult, type UserAnalysisRow } from '@huiliu/core/reports';
import type { EChartsCoreOption } from 'echarts/core';

// A user analysis result (用户分析, ADR 0060) as the console shows it. Pure: texts come in `labels`.
// - Pies: one per compared group (one without groups), the first metric per dimension combination,
//   the largest `pieSlices` and the rest as 其他 (用户数 and 总和 add up; other metrics draw bars).
// - Bars: the combinations on the x-axis (the first `barCategories`), one series per metric × group.
// - Table: per group its 总体, then each combination, a column per metric and the share of 总体.

export interface UserAnalysisLabels {
  /** A dimension value that is missing: 未知. */
  unknown: string;
  /** The slices past the largest ones: 其他. */
  other: string;
  /** The row of every contact: 总体. */
  overall: string;
}

export const pieSlices = 12;
export const barCategories = 30;

/** A row's name: its dimension values joined (an aggregate group's name as it is). */
export function rowName(row: Pick<UserAnalysisRow, 'dimensions'>, labels: UserAnalysisLabels): string {
  return row.dimensions.map((value) => value ?? labels.unknown).join(' · ');
}

/** Whether the result draws pies: a dimension, and a first metric that adds up. */
export const drawsPies = (result: UserAnalysisReportResult) =>
  result.dimensions.length > 0 && additive(result.metrics[0]?.aggregate);

/** The groups drawn: each compared group's index, or the one of everyone. */
export const groupIndexes = (result: UserAnalysisReportResult): number[] =>
  result.groups.length ? result.groups.map((_, i) => i) : [0];

/** A group's rows. */
export const rowsOf = (result: UserAnalysisReportResult, group: number) =>
  result.rows.filter((row) => (row.group ?? 0) === group);

/** One group's pie: the largest slices of the first metric, the rest as 其他. */
export function pieOption(result: UserAnalysisReportResult, group: number, labels: UserAnalysisLabels): EChartsCoreOption {
  const rows = rowsOf(result, group).filter((row) => (row.values[0] ?? 0) > 0);
  const shown = rows.slice(0, pieSlices).map((row) => ({ name: rowName(row, labels), value: row.values[0] ?? 0 }));
  const rest = rows.slice(pieSlices).reduce((sum, row) => sum + (row.values[0] ?? 0), 0);
  if (rest > 0) shown.push({ name: labels.other, value: rest });
  return {
    tooltip: { trigger: 'item', formatter: '{b}: {c} ({d}%)' },
    legend: { type: 'scroll', bottom: 0 },
    series: [
      {
        type: 'pie',
        name: result.metrics[0]?.name ?? '',
        radius: ['30%', '62%'],
        center: ['50%', '45%'],
        data: shown,
        label: { formatter: '{b}\n{d}%' },
      },
    ],
  };
}

/** The bars: the first combinations of the first group's order, one series per metric (× group). */
export function barOption(result: UserAnalysisReportResult, labels: UserAnalysisLabels): EChartsCoreOption {
  const names: string[] = [];
  for (const row of result.rows) {
    const name = rowName(row, labels);
    if (!names.includes(name)) names.push(name);
    if (names.length >= barCategories) break;
  }
  const categories = result.dimensions.length ? names : [labels.overall];
  const series = groupIndexes(result).flatMap((group) =>
    result.metrics.map((metric, m) => {
      const byName = new Map(rowsOf(result, group).map((row) => [rowName(row, labels), row.values[m] ?? null]));
      const total = result.totals.find((t) => (t.group ?? 0) === group);
      return {
        type: 'bar',
        name: result.groups.length ? `${result.groups[group]?.name ?? ''} · ${metric.name}` : metric.name,
        data: result.dimensions.length ? categories.map((name) => byName.get(name) ?? null) : [total?.values[m] ?? null],
        barMaxWidth: 40,
      };
    }),
  );
  return {
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    legend: series.length > 1 ? { type: 'scroll', top: 0 } : undefined,
    grid: { left: 48, right: 24, top: series.length > 1 ? 40 : 16, bottom: 32, containLabel: true },
    xAxis: { type: 'category', data: categories, axisLabel: { interval: 0, rotate: categories.length > 8 ? 30 : 0 } },
    yAxis: { type: 'value' },
    series,
  };
}

export interface UserAnalysisTableRow {
  key: string;
  group?: string;
  /** The dimension values' cells (总体 on a group's first row). */
  dimensions: string[];
  aggregate?: boolean;
  overall?: boolean;
  values: (number | null)[];
  /** Percent of 总体, two decimals (when the first metric adds up). */
  share?: number;
}

/** The table's rows, as the export writes them (report-export: group, dimensions, metrics, share). */
export function tableRows(result: UserAnalysisReportResult, labels: UserAnalysisLabels): UserAnalysisTableRow[] {
  const shared = drawsPies(result);
  return result.totals.flatMap((total) => {
    const group = total.group ?? 0;
    const groupName = result.groups.length ? { group: result.groups[group]?.name ?? '' } : {};
    const base = total.values[0] ?? null;
    const first: UserAnalysisTableRow = {
      key: `${group}:total`,
      ...groupName,
      dimensions: result.dimensions.map(() => labels.overall),
      overall: true,
      values: total.values,
      ...(shared ? { share: base ? 100 : 0 } : {}),
    };
    return [
      first,
      ...rowsOf(result, group).map((row, i) => ({
        key: `${group}:${i}`,
        ...groupName,
        dimensions: row.dimensions.map((value) => value ?? labels.unknown),
        ...(row.aggregate ? { aggregate: true } : {}),
        values: row.values,
        ...(shared ? { share: userAnalysisShare(row.values[0] ?? null, base) } : {}),
      })),
    ];
  });
}
