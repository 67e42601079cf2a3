import type { ChartType, ReportSeries, SeriesReportResult } from '@huiliu/core/reports';
import type { EChartsCoreOption } from 'echarts/core';
import { formatAxisValue, formatMetricValue, formatsOf, type MetricFormat } from './report-format';
import { chartPalette, otherColor } from './theme';

// A series result (report.types.ts) as an ECharts option, per chart type of §1.7.2.6. Pure: the
// texts it needs come in `labels`, numbers are formatted in `language`.
//
// - By time (小时/天/周/月): the x-axis is the result's buckets (already tenant-local labels), one
//   line / bar / area per result series (group × dimension values × metric).
// - By total (合计): the x-axis is the dimension combinations (合计 without dimensions), one line /
//   bar / area per group × metric.
// - 上一周期 (compare): each current series has a twin in `previous`, aligned bucket by bucket,
//   drawn in the same colour — dashed lines, pale bars and areas — named "… (上一周期)".
// - Stacked bar (by total, one metric): stacks on the last dimension (the server keeps its top 12
//   and folds the rest into 其他); the x-axis is the other dimensions (and groups).
// - Pie (by total, one metric): one pie per compared group.

export interface ChartLabels {
  /** A dimension without a value: (空). */
  empty: string;
  /** The previous period's series suffix: 上一周期. */
  previous: string;
  /** The only category when there is no dimension: 合计. */
  total: string;
}

export interface ChartContext {
  labels: ChartLabels;
  /** The console language (number formats). */
  language: string;
}

/** The stacked bar's rest, as the server names it. */
export const OTHER = '其他';

/** The charts drawn by ECharts (数字 and 表格 are not). */
export type EChartType = Exclude<ChartType, 'number' | 'table'>;
export const echartTypes: readonly EChartType[] = ['line', 'timeBar', 'stackedBar', 'pie', 'stackedArea'];
export const isEChart = (chart: ChartType): chart is EChartType => (echartTypes as readonly ChartType[]).includes(chart);

/** Dimension values as one label: `上海 / a`; no value reads (空). */
export function dimensionLabel(values: readonly (string | null)[], labels: ChartLabels): string {
  return values.map((value) => value ?? labels.empty).join(' / ');
}

const metricName = (result: SeriesReportResult, id: string) => result.metrics.find((m) => m.id === id)?.name ?? id;
const groupName = (result: SeriesReportResult, group: number | undefined) => result.groups[group ?? 0]?.name ?? '';

/**
 * A series' name (legend, tooltip, table): `group · dimension values · metric`, each part only when
 * it tells series apart — the group when groups are compared, the metric when there are several
 * (or nothing else to name the series by).
 */
export function seriesLabel(result: SeriesReportResult, series: ReportSeries, labels: ChartLabels): string {
  const parts: string[] = [];
  if (result.groups.length > 0) parts.push(groupName(result, series.group));
  if (series.dimensions.length > 0) parts.push(dimensionLabel(series.dimensions, labels));
  if (result.metrics.length > 1 || parts.length === 0) parts.push(metricName(result, series.metric));
  return parts.join(' · ');
}

/** What identifies a series across the current and the previous period. */
export const seriesKey = (series: Pick<ReportSeries, 'metric' | 'dimensions' | 'group'>) =>
  JSON.stringify([series.group ?? 0, series.metric, series.dimensions]);

const previousName = (name: string, labels: ChartLabels) => `${name} (${labels.previous})`;

/** The y-axis format: percent only when every metric drawn is a percent. */
function axisFormat(result: SeriesReportResult, metricIds: Iterable<string>): MetricFormat {
  const formats = formatsOf(result);
  const ids = [...metricIds];
  return ids.length > 0 && ids.every((id) => formats.get(id) === 'percent') ? 'percent' : 'number';
}

function valueFormatter(format: MetricFormat, language: string) {
  return (value: unknown) => formatMetricValue(typeof value === 'number' ? value : null, format, language);
}

const legend = { type: 'scroll', bottom: 0 } as const;
const grid = (withLegend: boolean) => ({ left: 16, right: 40, top: 24, bottom: withLegend ? 40 : 16, containLabel: true });

function yAxis(format: MetricFormat, language: string) {
  return { type: 'value', axisLabel: { formatter: (value: number) => formatAxisValue(value, format, language) } };
}

type SeriesKind = 'line' | 'bar' | 'area';
const kindOf = (chart: EChartType): SeriesKind => (chart === 'timeBar' ? 'bar' : chart === 'stackedArea' ? 'area' : 'line');

/** One ECharts series of a line / bar / area chart, current or previous period. */
function cartesianSeries(
  kind: SeriesKind,
  entry: { name: string; data: (number | null)[]; color: string; format: MetricFormat; stack: string; previous: boolean },
  language: string,
) {
  const base = {
    name: entry.name,
    type: kind === 'bar' ? 'bar' : 'line',
    data: entry.data,
    color: entry.color,
    tooltip: { valueFormatter: valueFormatter(entry.format, language) },
    emphasis: { focus: 'series' },
  };
  if (kind === 'bar') return { ...base, ...(entry.previous ? { itemStyle: { opacity: 0.45 } } : {}) };
  return {
    ...base,
    connectNulls: false,
    ...(entry.previous ? { lineStyle: { type: 'dashed' }, symbol: 'emptyCircle' } : {}),
    ...(kind === 'area' ? { stack: entry.stack, areaStyle: { opacity: entry.previous ? 0.12 : 0.35 } } : {}),
  };
}

/** Line, time bar, stacked area by time: x = buckets, one series per result series. */
function byTimeOption(result: SeriesReportResult, chart: EChartType, context: ChartContext): EChartsCoreOption {
  const { labels, language } = context;
  const formats = formatsOf(result);
  const kind = kindOf(chart);
  const colors = new Map<string, string>();
  const series = result.series.map((s, index) => {
    const color = chartPalette[index % chartPalette.length]!;
    colors.set(seriesKey(s), color);
    return cartesianSeries(
      kind,
      {
        name: seriesLabel(result, s, labels),
        data: s.values,
        color,
        format: formats.get(s.metric) ?? 'number',
        stack: `current-${s.group ?? 0}`,
        previous: false,
      },
      language,
    );
  });
  const previous = (result.previous?.series ?? []).map((s, index) =>
    cartesianSeries(
      kind,
      {
        name: previousName(seriesLabel(result, s, labels), labels),
        // Aligned bucket by bucket with the current period's axis.
        data: result.buckets.map((_, at) => s.values[at] ?? null),
        color: colors.get(seriesKey(s)) ?? chartPalette[index % chartPalette.length]!,
        format: formats.get(s.metric) ?? 'number',
        stack: `previous-${s.group ?? 0}`,
        previous: true,
      },
      language,
    ),
  );
  return {
    tooltip: { trigger: 'axis', confine: true },
    legend,
    grid: grid(true),
    xAxis: { type: 'category', data: result.buckets, boundaryGap: kind === 'bar' },
    yAxis: yAxis(axisFormat(result, formats.keys()), language),
    series: [...series, ...previous],
  };
}

/** The dimension combinations of a result in the server's order (its ranking), as category labels. */
function categoriesOf(series: readonly ReportSeries[], labels: ChartLabels): { keys: string[]; names: string[] } {
  const keys: string[] = [];
  const names: string[] = [];
  for (const s of series) {
    const key = JSON.stringify(s.dimensions);
    if (keys.includes(key)) continue;
    keys.push(key);
    names.push(s.dimensions.length ? dimensionLabel(s.dimensions, labels) : labels.total);
  }
  return { keys, names };
}

/** Line, time bar, stacked area by total: x = dimension combinations, one series per group × metric. */
function byTotalOption(result: SeriesReportResult, chart: EChartType, context: ChartContext): EChartsCoreOption {
  const { labels, language } = context;
  const formats = formatsOf(result);
  const kind = kindOf(chart);
  const categories = categoriesOf(result.series, labels);
  if (categories.keys.length === 0) {
    categories.keys.push('[]');
    categories.names.push(labels.total);
  }
  const lines = (period: readonly ReportSeries[], previous: boolean) => {
    const byLine = new Map<string, { group?: number; metric: string; totals: Map<string, number | null> }>();
    for (const s of period) {
      const key = JSON.stringify([s.group ?? 0, s.metric]);
      let line = byLine.get(key);
      if (!line) byLine.set(key, (line = { group: s.group, metric: s.metric, totals: new Map() }));
      line.totals.set(JSON.stringify(s.dimensions), s.total);
    }
    return [...byLine.values()].map((line, index) => {
      const parts = [
        ...(result.groups.length ? [groupName(result, line.group)] : []),
        ...(result.metrics.length > 1 || result.groups.length === 0 ? [metricName(result, line.metric)] : []),
      ];
      const name = parts.join(' · ');
      return cartesianSeries(
        kind,
        {
          name: previous ? previousName(name, labels) : name,
          data: categories.keys.map((key) => line.totals.get(key) ?? null),
          color: chartPalette[index % chartPalette.length]!,
          format: formats.get(line.metric) ?? 'number',
          stack: previous ? 'previous' : 'current',
          previous,
        },
        language,
      );
    });
  };
  return {
    tooltip: { trigger: 'axis', confine: true },
    legend,
    grid: grid(true),
    xAxis: { type: 'category', data: categories.names, boundaryGap: kind === 'bar' },
    yAxis: yAxis(axisFormat(result, formats.keys()), language),
    series: [...lines(result.series, false), ...lines(result.previous?.series ?? [], true)],
  };
}

/** 堆叠柱状图 (§1.7.2.6.3): by total, one metric; stacks on the last dimension (top 12 + 其他). */
function stackedBarOption(result: SeriesReportResult, context: ChartContext): EChartsCoreOption {
  const { labels, language } = context;
  const metric = result.metrics[0];
  const format = metric?.format ?? 'number';
  const withGroups = result.groups.length > 0;
  const category = (s: ReportSeries) => {
    const parts = [
      ...(withGroups ? [groupName(result, s.group)] : []),
      ...(s.dimensions.length > 1 ? [dimensionLabel(s.dimensions.slice(0, -1), labels)] : []),
    ];
    return parts.length ? parts.join(' · ') : (metric?.name ?? labels.total);
  };
  const categories: string[] = [];
  const stacks: (string | null)[] = [];
  const cells = new Map<string, number | null>();
  for (const s of result.series) {
    const name = category(s);
    if (!categories.includes(name)) categories.push(name);
    const stack = s.dimensions.length ? (s.dimensions[s.dimensions.length - 1] ?? null) : (metric?.name ?? '');
    if (!stacks.includes(stack)) stacks.push(stack);
    cells.set(JSON.stringify([name, stack]), s.total);
  }
  // 其他 stays last, whatever the order it arrived in.
  stacks.sort((a, b) => Number(a === OTHER) - Number(b === OTHER));
  let colour = 0;
  const series = stacks.map((stack) => ({
    name: stack ?? labels.empty,
    type: 'bar',
    stack: 'total',
    data: categories.map((name) => cells.get(JSON.stringify([name, stack])) ?? null),
    color: stack === OTHER ? otherColor : chartPalette[colour++ % chartPalette.length],
    tooltip: { valueFormatter: valueFormatter(format, language) },
    emphasis: { focus: 'series' },
  }));
  return {
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, confine: true },
    legend,
    grid: grid(true),
    xAxis: { type: 'category', data: categories },
    yAxis: yAxis(format, language),
    series,
  };
}

/** 饼图 (§1.7.2.6.4): by total, one metric; a pie per compared group, slices per dimension values. */
function pieOption(result: SeriesReportResult, context: ChartContext): EChartsCoreOption {
  const { labels, language } = context;
  const metric = result.metrics[0];
  const format = metric?.format ?? 'number';
  const groups = result.groups.length ? result.groups.map((_, index) => index) : [undefined];
  const count = groups.length;
  const series = groups.map((group, index) => {
    const slices = result.series.filter((s) => group === undefined || (s.group ?? 0) === group);
    let colour = 0;
    return {
      name: group === undefined ? (metric?.name ?? '') : groupName(result, group),
      type: 'pie',
      radius: count > 1 ? ['30%', `${Math.max(30, Math.round(70 / Math.sqrt(count)))}%`] : ['40%', '68%'],
      center: [`${((index + 0.5) / count) * 100}%`, count > 1 ? '52%' : '48%'],
      // An all-zero pie is an empty ring, not equal slices.
      stillShowZeroSum: false,
      avoidLabelOverlap: true,
      label: { formatter: '{b}: {d}%' },
      tooltip: { valueFormatter: valueFormatter(format, language) },
      data: slices.map((s) => {
        const name = s.dimensions.length ? dimensionLabel(s.dimensions, labels) : (metric?.name ?? labels.total);
        const other = s.dimensions[s.dimensions.length - 1] === OTHER;
        return {
          name,
          value: s.total ?? 0,
          itemStyle: { color: other ? otherColor : chartPalette[colour++ % chartPalette.length] },
        };
      }),
    };
  });
  return {
    tooltip: { trigger: 'item', confine: true },
    legend,
    title:
      count > 1
        ? groups.map((group, index) => ({
            text: groupName(result, group),
            left: `${((index + 0.5) / count) * 100}%`,
            top: 4,
            textAlign: 'center',
            textStyle: { fontSize: 13 },
          }))
        : [],
    series,
  };
}

/** The ECharts option of a result drawn as `chart` (§1.7.2.6). */
export function reportChartOption(result: SeriesReportResult, chart: EChartType, context: ChartContext): EChartsCoreOption {
  if (chart === 'pie') return pieOption(result, context);
  if (chart === 'stackedBar') return stackedBarOption(result, context);
  return result.granularity === 'total' ? byTotalOption(result, chart, context) : byTimeOption(result, chart, context);
}
