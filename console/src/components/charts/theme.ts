/**
 * The one ECharts theme of the console (CONSOLE.md "Charts"): Ant Design's palette and type, quiet
 * axes, dashed split lines. Every chart registers and uses it through `./echarts` — no chart sets
 * its own colours, except 其他 (the stacked bar's rest), which is always the neutral grey.
 */
export const CHART_THEME = 'huiliu';

/** Series colours in order: Ant Design's primary colours, 12 of them (the stacked bar's top 12). */
export const chartPalette = [
  '#1677ff',
  '#13c2c2',
  '#52c41a',
  '#faad14',
  '#722ed1',
  '#eb2f96',
  '#fa8c16',
  '#2f54eb',
  '#a0d911',
  '#f5222d',
  '#597ef7',
  '#36cfc9',
] as const;

/** 其他 (everything outside a stacked bar's top 12). */
export const otherColor = '#bfbfbf';

const text = 'rgba(0, 0, 0, 0.88)';
const secondary = 'rgba(0, 0, 0, 0.45)';
const border = '#d9d9d9';
const split = '#f0f0f0';
const fontFamily =
  "-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, 'Noto Sans', 'PingFang SC', 'Hiragino Sans GB', 'Microsoft YaHei', sans-serif";

const axis = {
  axisLine: { show: true, lineStyle: { color: border } },
  axisTick: { show: false },
  axisLabel: { color: secondary },
  splitLine: { show: false, lineStyle: { color: [split], type: 'dashed' } },
  splitArea: { show: false },
};

export const chartTheme = {
  color: [...chartPalette],
  backgroundColor: 'transparent',
  textStyle: { fontFamily, color: text },
  title: { textStyle: { color: text, fontSize: 14, fontWeight: 500 }, subtextStyle: { color: secondary } },
  legend: { textStyle: { color: text }, pageTextStyle: { color: secondary }, itemGap: 16 },
  tooltip: {
    backgroundColor: 'rgba(255, 255, 255, 0.96)',
    borderColor: split,
    textStyle: { color: text, fontSize: 12 },
    axisPointer: { lineStyle: { color: border }, crossStyle: { color: border } },
  },
  categoryAxis: axis,
  valueAxis: { ...axis, axisLine: { show: false }, splitLine: { show: true, lineStyle: { color: [split], type: 'dashed' } } },
  line: { symbol: 'circle', symbolSize: 6, smooth: false, lineStyle: { width: 2 } },
  bar: { barMaxWidth: 40, itemStyle: { borderRadius: [2, 2, 0, 0] } },
  pie: { itemStyle: { borderColor: '#fff', borderWidth: 1 } },
};
