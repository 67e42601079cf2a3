import type { DistributionReportResult, DistributionSeries } from '@huiliu/core/reports';
import type { EChartsCoreOption } from 'echarts/core';

// A distribution result (分布分析, ADR 0056) as the console shows it. Pure: texts come in `labels`.
// - Chart: a bar chart, the intervals on the x-axis, one bar series of users per series of the
//   result (group × dimension value), the first `chartSeriesLimit` of them (the table has them all).
// - Table: one row per series and interval with its users and their share of the series' users.

export interface DistributionLabels {
  /** A dimension value that is missing: 未知. */
  unknown: string;
  /** The y-axis and the table's users column: 用户数. */
  users: string;
}

/** Bar series drawn at most (dimension values are ranked by users: the largest ones). */
export const chartSeriesLimit = 12;

/** A series' name: `group · dimension value`, or the metric's name when neither is there. */
export function distributionSeriesName(
  result: DistributionReportResult,
  series: DistributionSeries,
  labels: DistributionLabels,
): string {
  const parts: string[] = [];
  if (result.groups.length > 0) parts.push(result.groups[series.group ?? 0]?.name ?? '');
  if (result.dimension) parts.push(series.dimension ?? labels.unknown);
  return parts.length ? parts.join(' · ') : result.metric.name;
}

/** A share as a percentage with two decimals (0 of 0 is 0 %). */
export const share = (users: number, total: number): number => (total ? Math.round((users / total) * 10_000) / 100 : 0);

export function distributionChartOption(result: DistributionReportResult, labels: DistributionLabels): EChartsCoreOption {
  const shown = result.series.slice(0, chartSeriesLimit);
  return {
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    legend: shown.length > 1 ? { type: 'scroll', top: 0 } : undefined,
    grid: { left: 48, right: 24, top: shown.length > 1 ? 40 : 16, bottom: 32, containLabel: true },
    xAxis: { type: 'category', data: result.intervals.map((i) => i.label) },
    yAxis: { type: 'value', name: labels.users, minInterval: 1 },
    series: shown.map((series) => ({
      type: 'bar',
      name: distributionSeriesName(result, series, labels),
      data: series.users,
      barMaxWidth: 48,
    })),
  };
}

export interface DistributionRow {
  key: string;
  group?: string;
  dimension?: string;
  interval: string;
  users: number;
  /** Percent, two decimals. */
  share: number;
}

/** The table's rows, as the export writes them (report-export: group, dimension, interval, users, share). */
export function distributionRows(result: DistributionReportResult, labels: DistributionLabels): DistributionRow[] {
  return result.series.flatMap((series, s) =>
    result.intervals.map((interval, i) => ({
      key: `${s}:${i}`,
      ...(result.groups.length ? { group: result.groups[series.group ?? 0]?.name ?? '' } : {}),
      ...(result.dimension ? { dimension: series.dimension ?? labels.unknown } : {}),
      interval: interval.label,
      users: series.users[i] ?? 0,
      share: share(series.users[i] ?? 0, series.total),
    })),
  );
}
