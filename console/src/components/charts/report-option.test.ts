import type { ReportSeries, SeriesReportResult } from '@huiliu/core/reports';
import { describe, expect, it } from 'vitest';
import { OTHER, reportChartOption, seriesLabel, type ChartContext } from './report-option';
import { reportTableLayout } from './report-table';
import { chartPalette, otherColor } from './theme';

const context: ChartContext = { labels: { empty: '(空)', previous: '上一周期', total: '合计' }, language: 'zh-CN' };

function result(overrides: Partial<SeriesReportResult> = {}): SeriesReportResult {
  return {
    kind: 'series',
    model: 'event',
    timeZone: 'Asia/Shanghai',
    granularity: 'day',
    from: '2025-03-01',
    to: '2025-03-03',
    buckets: ['2025-03-01', '2025-03-02', '2025-03-03'],
    series: [{ metric: 'A', dimensions: [], values: [3, 0, 1200], total: 1203 }],
    metrics: [{ id: 'A', name: '购买的总次数', format: 'number' }],
    dimensions: [],
    groups: [],
    groupCount: 1,
    truncated: false,
    computedAt: 0,
    cached: false,
    ...overrides,
  };
}

const s = (metric: string, dimensions: (string | null)[], values: (number | null)[], total: number | null, group?: number) =>
  ({ metric, dimensions, values, total, ...(group === undefined ? {} : { group }) }) as ReportSeries;

// The option is a plain object; tests read it loosely.
type Loose = any;
const option = (r: SeriesReportResult, chart: Parameters<typeof reportChartOption>[1]) =>
  reportChartOption(r, chart, context) as Loose;

describe('report series → ECharts option', () => {
  it('draws a line by time over the server’s bucket labels, one line per series', () => {
    const o = option(result(), 'line');
    expect(o.xAxis).toMatchObject({ type: 'category', data: ['2025-03-01', '2025-03-02', '2025-03-03'], boundaryGap: false });
    expect(o.series).toHaveLength(1);
    expect(o.series[0]).toMatchObject({ type: 'line', name: '购买的总次数', data: [3, 0, 1200] });
    expect(o.series[0].tooltip.valueFormatter(1200)).toBe('1,200');
    expect(o.yAxis.axisLabel.formatter(1200)).toBe('1,200');
  });

  it('names series by what tells them apart: dimension values, metric when several, group when compared', () => {
    const oneMetric = result({
      dimensions: [{ key: 'contact.city', name: '城市' }],
      series: [s('A', ['上海'], [1, 2, 3], 6), s('A', [null], [0, 0, 1], 1)],
    });
    expect(option(oneMetric, 'line').series.map((x: Loose) => x.name)).toEqual(['上海', '(空)']);
    const twoMetrics = result({
      metrics: [
        { id: 'A', name: '购买次数', format: 'number' },
        { id: 'C', name: '退款率', format: 'percent' },
      ],
      series: [s('A', [], [1, 2, 3], 6), s('C', [], [0.1, 0.2, null], 0.15)],
    });
    const o = option(twoMetrics, 'timeBar');
    expect(o.series.map((x: Loose) => [x.name, x.type])).toEqual([
      ['购买次数', 'bar'],
      ['退款率', 'bar'],
    ]);
    expect(o.series[1].tooltip.valueFormatter(0.15)).toBe('15.0%');
    expect(o.series[1].tooltip.valueFormatter(null)).toBe('-');
    // Mixed formats: the axis stays in numbers.
    expect(o.yAxis.axisLabel.formatter(0.5)).toBe('0.5');
    const groups = result({
      groups: [{ name: '会员' }, { name: '上海' }],
      dimensions: [{ key: 'event.sku', name: '商品' }],
      series: [s('A', ['a'], [1, 0, 0], 1, 0), s('A', ['a'], [2, 0, 0], 2, 1)],
    });
    expect(option(groups, 'line').series.map((x: Loose) => x.name)).toEqual(['会员 · a', '上海 · a']);
    expect(seriesLabel(groups, groups.series[0]!, context.labels)).toBe('会员 · a');
  });

  it('draws the previous period as dashed lines in the same colour, aligned bucket by bucket', () => {
    const r = result({
      series: [s('A', [], [1, 2, 3], 6)],
      previous: {
        from: '2025-02-26',
        to: '2025-02-28',
        buckets: ['2025-02-26', '2025-02-27', '2025-02-28'],
        series: [s('A', [], [4, 5, 6], 15)],
      },
    });
    const o = option(r, 'line');
    expect(o.series).toHaveLength(2);
    expect(o.series[1]).toMatchObject({ name: '购买的总次数 (上一周期)', data: [4, 5, 6], lineStyle: { type: 'dashed' } });
    expect(o.series[1].color).toBe(o.series[0].color);
    expect(o.xAxis.data).toEqual(r.buckets);
    const bars = option(r, 'timeBar');
    expect(bars.series[1].itemStyle).toEqual({ opacity: 0.45 });
  });

  it('stacks areas per group and period', () => {
    const r = result({
      groups: [{ name: 'G1' }, { name: 'G2' }],
      series: [s('A', [], [1, 1, 1], 3, 0), s('A', [], [2, 2, 2], 6, 1)],
    });
    const o = option(r, 'stackedArea');
    expect(o.series.map((x: Loose) => [x.type, x.stack, Boolean(x.areaStyle)])).toEqual([
      ['line', 'current-0', true],
      ['line', 'current-1', true],
    ]);
  });

  it('by total: the x-axis is the dimension combinations, one series per group × metric', () => {
    const r = result({
      granularity: 'total',
      buckets: ['合计'],
      dimensions: [{ key: 'contact.city', name: '城市' }],
      metrics: [
        { id: 'A', name: '购买次数', format: 'number' },
        { id: 'B', name: '购买人数', format: 'number' },
      ],
      series: [s('A', ['上海'], [3], 3), s('B', ['上海'], [2], 2), s('A', ['北京'], [1], 1), s('B', ['北京'], [1], 1)],
    });
    // (Several metrics with a dimension is refused for lines; a table is what shows it — the mapping still holds.)
    const o = option(r, 'timeBar');
    expect(o.xAxis.data).toEqual(['上海', '北京']);
    expect(o.series.map((x: Loose) => [x.name, x.data])).toEqual([
      ['购买次数', [3, 1]],
      ['购买人数', [2, 1]],
    ]);
    const plain = option(result({ granularity: 'total', buckets: ['合计'], series: [s('A', [], [4], 4)] }), 'line');
    expect(plain.xAxis.data).toEqual(['合计']);
    expect(plain.series[0].data).toEqual([4]);
  });

  it('stacked bar: stacks on the last dimension, other dimensions on the x-axis, 其他 last and grey', () => {
    const r = result({
      granularity: 'total',
      buckets: ['合计'],
      dimensions: [
        { key: 'contact.city', name: '城市' },
        { key: 'event.sku', name: '商品' },
      ],
      series: [
        s('A', ['上海', OTHER], [5], 5),
        s('A', ['上海', 'a'], [3], 3),
        s('A', ['北京', 'b'], [2], 2),
        s('A', ['北京', 'a'], [1], 1),
      ],
    });
    const o = option(r, 'stackedBar');
    expect(o.xAxis.data).toEqual(['上海', '北京']);
    expect(o.series.map((x: Loose) => [x.name, x.stack, x.data])).toEqual([
      ['a', 'total', [3, 1]],
      ['b', 'total', [null, 2]],
      [OTHER, 'total', [5, null]],
    ]);
    expect(o.series[2].color).toBe(otherColor);
    expect(o.series[0].color).toBe(chartPalette[0]);
    // One dimension: one bar, stacked by its values.
    const single = option(
      result({ granularity: 'total', buckets: ['合计'], series: [s('A', ['a'], [2], 2), s('A', ['b'], [1], 1)] }),
      'stackedBar',
    );
    expect(single.xAxis.data).toEqual(['购买的总次数']);
    expect(single.series.map((x: Loose) => x.data)).toEqual([[2], [1]]);
  });

  it('pie: slices per dimension values, one pie per compared group; 其他 grey; zero sums stay empty', () => {
    const r = result({
      granularity: 'total',
      buckets: ['合计'],
      dimensions: [{ key: 'event.amount', name: '金额' }],
      series: [s('A', ['<30'], [1], 1), s('A', ['[30,100)'], [2], 2), s('A', [OTHER], [4], 4)],
    });
    const o = option(r, 'pie');
    expect(o.series).toHaveLength(1);
    expect(o.series[0].data.map((d: Loose) => [d.name, d.value])).toEqual([
      ['<30', 1],
      ['[30,100)', 2],
      [OTHER, 4],
    ]);
    expect(o.series[0].data[2].itemStyle.color).toBe(otherColor);
    expect(o.series[0].stillShowZeroSum).toBe(false);
    const compared = option(
      result({
        granularity: 'total',
        buckets: ['合计'],
        groups: [{ name: '甲' }, { name: '乙' }],
        series: [s('A', [], [3], 3, 0), s('A', [], [0], 0, 1)],
      }),
      'pie',
    );
    expect(compared.series.map((x: Loose) => [x.name, x.center[0], x.data[0].value])).toEqual([
      ['甲', '25%', 3],
      ['乙', '75%', 0],
    ]);
    expect(compared.title.map((x: Loose) => x.text)).toEqual(['甲', '乙']);
  });
});

describe('report table layout', () => {
  it('lays rows out as the export: group, dimensions, metric, 合计, buckets; previous rows after their twin', () => {
    const r = result({
      groups: [{ name: '会员' }],
      dimensions: [{ key: 'contact.city', name: '城市' }],
      series: [s('A', ['上海'], [1, 2, 3], 6, 0), s('A', [null], [0, 0, 1], 1, 0)],
      previous: { from: 'x', to: 'y', buckets: ['p1', 'p2', 'p3'], series: [s('A', ['上海'], [4, 5, 6], 15, 0)] },
    });
    const layout = reportTableLayout(r, { ...context.labels, group: '群组', metric: '指标' });
    expect(layout.heads).toEqual(['群组', '城市', '指标']);
    expect(layout.valueHeads).toEqual(['合计', '2025-03-01', '2025-03-02', '2025-03-03']);
    expect(layout.rows.map((row) => [row.cells, row.total, row.values, row.previous])).toEqual([
      [['会员', '上海', '购买的总次数'], 6, [1, 2, 3], false],
      [['会员', '上海', '购买的总次数 (上一周期)'], 15, [4, 5, 6], true],
      [['会员', '(空)', '购买的总次数'], 1, [0, 0, 1], false],
    ]);
    const total = reportTableLayout(result({ granularity: 'total', buckets: ['合计'], series: [s('A', [], [4], 4)] }), {
      ...context.labels,
      group: '群组',
      metric: '指标',
    });
    expect(total.valueHeads).toEqual(['合计']);
    expect(total.rows[0]).toMatchObject({ values: [4], previous: false });
    expect(total.rows[0]!.total).toBeUndefined();
  });
});
