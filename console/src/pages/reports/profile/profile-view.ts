import { UNKNOWN_PROVINCE, provinceMatches, type ProfileReportResult } from '@huiliu/core/reports';
import type { EChartsCoreOption } from 'echarts/core';

/** Heat colours of 用户画像 (seed §1.7.5): sparse is yellow, dense is red. */
export const HEAT_COLORS = ['#fff7bc', '#fec44f', '#fe9929', '#ec7014', '#cc4c02', '#b10026'];

export interface ProfileLabels {
  /** 周日..周六. */
  weekdays: string[];
  /** `7点`. */
  hour: (hour: number) => string;
  users: string;
  share: string;
}

/** A share (0..1) as a percentage with one decimal (CONSOLE.md); `–` without a base. */
export const percent = (share: number | null): string => (share === null ? '–' : `${(share * 100).toFixed(1)}%`);

const max = (values: number[]) => values.reduce((m, v) => Math.max(m, v), 0);

/** 热力透视图: weekday (rows, 周日 on top) × hour (columns), yellow → red. */
export function heatmapOption(result: ProfileReportResult, labels: ProfileLabels): EChartsCoreOption {
  const data = result.time.matrix.flatMap((hours, day) => hours.map((count, hour) => [hour, day, count]));
  return {
    tooltip: {
      position: 'top',
      formatter: (params: { value: [number, number, number] }) =>
        `${labels.weekdays[params.value[1]]} ${labels.hour(params.value[0])}<br/>${labels.users}: ${params.value[2].toLocaleString()}`,
    },
    grid: { left: 56, right: 16, top: 16, bottom: 72 },
    xAxis: { type: 'category', data: Array.from({ length: 24 }, (_, h) => labels.hour(h)), splitArea: { show: true } },
    yAxis: { type: 'category', data: labels.weekdays, inverse: true, splitArea: { show: true } },
    visualMap: {
      min: 0,
      max: Math.max(1, max(data.map((cell) => cell[2]!))),
      calculable: true,
      orient: 'horizontal',
      left: 'center',
      bottom: 8,
      inRange: { color: HEAT_COLORS },
    },
    series: [{ name: labels.users, type: 'heatmap', data, label: { show: false } }],
  };
}

/** 星期分布 or 时间点分布: counts as bars, the share of the total on each bar. */
export function distributionOption(
  names: string[],
  values: { count: number; share: number | null }[],
  labels: ProfileLabels,
): EChartsCoreOption {
  return {
    tooltip: {
      trigger: 'axis',
      formatter: (params: { dataIndex: number }[]) => {
        const value = values[params[0]!.dataIndex]!;
        return `${names[params[0]!.dataIndex]}<br/>${labels.users}: ${value.count.toLocaleString()}<br/>${labels.share}: ${percent(value.share)}`;
      },
    },
    grid: { left: 48, right: 16, top: 32, bottom: 32 },
    xAxis: { type: 'category', data: names },
    yAxis: { type: 'value', minInterval: 1 },
    visualMap: { show: false, min: 0, max: Math.max(1, max(values.map((v) => v.count))), inRange: { color: HEAT_COLORS } },
    series: [
      {
        name: labels.users,
        type: 'bar',
        data: values.map((v) => v.count),
        label: { show: true, position: 'top', formatter: (p: { dataIndex: number }) => percent(values[p.dataIndex]!.share) },
      },
    ],
  };
}

/** 中国地图: members per province (未知 is not on the map), yellow → red. */
export function mapOption(result: ProfileReportResult, labels: ProfileLabels): EChartsCoreOption {
  const provinces = result.region.provinces.filter((p) => p.name !== UNKNOWN_PROVINCE);
  return {
    tooltip: {
      trigger: 'item',
      formatter: (params: { name: string; value: number }) =>
        `${params.name}<br/>${labels.users}: ${Number.isFinite(params.value) ? params.value.toLocaleString() : 0}`,
    },
    visualMap: {
      min: 0,
      max: Math.max(1, max(provinces.map((p) => p.count))),
      left: 8,
      bottom: 8,
      calculable: true,
      inRange: { color: HEAT_COLORS },
    },
    series: [
      {
        name: labels.users,
        type: 'map',
        map: 'china',
        roam: false,
        emphasis: { label: { show: true } },
        data: provinces.map((p) => ({ name: p.name, value: p.count })),
      },
    ],
  };
}

/** 饼状图: every province and 未知, the tooltip with its count and share. */
export function pieOption(result: ProfileReportResult, labels: ProfileLabels): EChartsCoreOption {
  return {
    tooltip: {
      trigger: 'item',
      formatter: (p: { name: string; value: number; percent: number }) =>
        `${p.name}<br/>${labels.users}: ${p.value.toLocaleString()} (${p.percent.toFixed(1)}%)`,
    },
    legend: { type: 'scroll', orient: 'vertical', right: 8, top: 16, bottom: 16 },
    series: [
      {
        name: labels.users,
        type: 'pie',
        radius: ['35%', '65%'],
        center: ['40%', '50%'],
        data: result.region.provinces.map((p) => ({ name: p.name, value: p.count })),
      },
    ],
  };
}

/** 数据报表's rows: the provinces whose name the search matches (上 finds 上海; 上海市 finds 上海). */
export function regionRows(result: ProfileReportResult, search: string) {
  return result.region.provinces.filter((row) => provinceMatches(row.name, search));
}
