import type { RetentionReportResult, RetentionTable } from '@huiliu/core/reports';
import type { EChartsCoreOption } from 'echarts/core';
import { formatAxisValue, formatMetricValue } from '../../../components/charts/report-format';
import { chartPalette } from '../../../components/charts/theme';

// 留存分析's answer (report.types.ts RetentionReportResult) as the chart and the table show it. Pure:
// texts come in `labels`, numbers are formatted in `language`.
//
// - Chart (seed §1.7.7.5 折线图): x = the offsets (第0天, 第1天 …), y = the rate; one line per initial
//   period (cohort) of one table, and its 合计 dashed. A blank cell (period not started) is a gap.
//   With compared groups and `lines: 'groups'` (dashboard cards): one line per group's 合计.
// - Table: 合计 first, then one row per cohort: date, users, each offset's count and rate.

export interface RetentionLabels {
  /** `第{{k}}天` etc. for the result's unit. */
  offset: (k: number) => string;
  /** 合计. */
  total: string;
}

export function retentionChartOption(
  result: RetentionReportResult,
  options: { table?: number; lines?: 'cohorts' | 'groups'; labels: RetentionLabels; language: string },
): EChartsCoreOption {
  const { labels, language } = options;
  const percent = (value: unknown) => formatMetricValue(typeof value === 'number' ? value : null, 'percent', language);
  const line = (name: string, data: (number | null)[], index: number, dashed = false) => ({
    name,
    type: 'line',
    data,
    color: chartPalette[index % chartPalette.length],
    connectNulls: false,
    tooltip: { valueFormatter: percent },
    emphasis: { focus: 'series' },
    ...(dashed ? { lineStyle: { type: 'dashed', width: 3 } } : {}),
  });
  const series =
    options.lines === 'groups' && result.groups.length
      ? result.tables.map((table, index) => line(result.groups[table.group ?? index]?.name ?? '', table.total.rates, index))
      : (() => {
          const table = result.tables[options.table ?? 0];
          if (!table) return [];
          return [
            line(labels.total, table.total.rates, 0, true),
            ...table.cohorts.map((cohort, index) => line(cohort.date, cohort.rates, index + 1)),
          ];
        })();
  return {
    tooltip: { trigger: 'axis' },
    legend: { type: 'scroll', bottom: 0 },
    grid: { left: 16, right: 40, top: 24, bottom: 40, containLabel: true },
    xAxis: { type: 'category', data: result.offsets.map(labels.offset), boundaryGap: false },
    yAxis: { type: 'value', min: 0, axisLabel: { formatter: (value: number) => formatAxisValue(value, 'percent', language) } },
    series,
  };
}

export interface RetentionRow {
  key: string;
  date: string;
  users: number;
  /** Per offset: count and rate (`null`: blank). */
  cells: { value: number | null; rate: number | null }[];
  total: boolean;
}

/** The rows of one table: 合计 then the cohorts. */
export function retentionRows(table: RetentionTable, labels: Pick<RetentionLabels, 'total'>): RetentionRow[] {
  const cells = (values: (number | null)[], rates: (number | null)[]) =>
    values.map((value, index) => ({ value, rate: rates[index] ?? null }));
  return [
    {
      key: 'total',
      date: labels.total,
      users: table.total.users,
      cells: cells(table.total.values, table.total.rates),
      total: true,
    },
    ...table.cohorts.map((cohort) => ({
      key: cohort.date,
      date: cohort.date,
      users: cohort.users,
      cells: cells(cohort.values, cohort.rates),
      total: false,
    })),
  ];
}
