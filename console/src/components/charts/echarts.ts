import { BarChart, LineChart, PieChart, SankeyChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TitleComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { CHART_THEME, chartTheme } from './theme';

// ECharts with only what the report charts draw (tree-shaken), and the console's theme registered
// once. Charts import `echarts` from here, never the full 'echarts' bundle.
echarts.use([
  LineChart,
  BarChart,
  PieChart,
  SankeyChart,
  GridComponent,
  LegendComponent,
  TitleComponent,
  TooltipComponent,
  CanvasRenderer,
]);
echarts.registerTheme(CHART_THEME, chartTheme);

export { echarts, CHART_THEME };
/** An ECharts instance as echarts-for-react hands it over. */
export type EChartsType = import('echarts-for-react/esm/types').EChartsInstance;
