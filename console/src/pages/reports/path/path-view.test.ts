import type { ConditionCatalogue } from '@huiliu/core/conditions';
import { describe, expect, it } from 'vitest';
import { pathResult } from './fixtures';
import { pathChartOption, pathRows, type PathLabels } from './path-view';
import { defaultQuery, dimensionProperties, editableQuery, nextLayer, queryToSend, withoutEvent } from './query-state';

const labels: PathLabels = {
  other: '其他',
  empty: '未知',
  sessions: '节点会话数',
  retained: '节点留存量',
  churned: '节点流失量',
  layer: (layer) => `第 ${layer} 层`,
};

const catalogue: ConditionCatalogue = {
  timeZone: 'Asia/Shanghai',
  contactProperties: [],
  events: [
    { code: 'view', name: '浏览', properties: [{ key: 'page', name: '页面', type: 'string', source: 'custom' }] },
    { code: 'cart', name: '加购', properties: [{ key: 'page', name: '页面', type: 'string', source: 'custom' }] },
    { code: 'pay', name: '支付', properties: [{ key: 'amount', name: '金额', type: 'number', source: 'custom' }] },
  ],
  groups: [],
  tags: [],
};

describe('路径分析 view', () => {
  it('a sankey: one column per layer, nodes labelled event · value (其他, 未知), links with sessions', () => {
    const result = pathResult();
    const option = pathChartOption(result, result.paths[0]!, labels) as {
      series: {
        type: string;
        data: { name: string; depth: number; value: number }[];
        links: unknown[];
        label: { formatter: (p: { name: string }) => string };
      }[];
      tooltip: { formatter: (p: unknown) => string };
    };
    const series = option.series[0]!;
    expect(series.type).toBe('sankey');
    expect(series.data.map((d) => [d.name, d.depth, d.value])).toEqual([
      ['1-1', 0, 5],
      ['2-1', 1, 3],
      ['2-2', 1, 1],
      ['3-1', 2, 2],
    ]);
    expect(series.links).toEqual([
      { source: '1-1', target: '2-1', value: 3 },
      { source: '1-1', target: '2-2', value: 1 },
      { source: '2-1', target: '3-1', value: 1 },
      { source: '2-2', target: '3-1', value: 1 },
    ]);
    expect(series.data.map((d) => series.label.formatter({ name: d.name }))).toEqual([
      '浏览 · home',
      '加购 · 未知',
      '其他',
      '支付 · 未知',
    ]);
    expect(option.tooltip.formatter({ dataType: 'node', data: { name: '2-1' } })).toBe(
      '第 2 层 · 加购 · 未知<br/>节点会话数: 3<br/>节点留存量: 1<br/>节点流失量: 2',
    );
    expect(option.tooltip.formatter({ dataType: 'edge', data: { source: '1-1', target: '2-2', value: 1 } })).toBe(
      '浏览 · home → 其他<br/>节点会话数: 1',
    );
    expect(pathRows(result, labels).map((r) => [r.layer, r.node, r.sessions, r.retained, r.churned])).toEqual([
      [1, '浏览 · home', 5, 4, 1],
      [2, '加购 · 未知', 3, 1, 2],
      [2, '其他', 1, 1, 0],
      [3, '支付 · 未知', 2, 1, 1],
    ]);
  });

  it('the question: defaults, what is sent, removing an event keeps the anchor on its event, 展开下一层 up to 10', () => {
    const query = defaultQuery(catalogue)!;
    expect(query).toEqual({
      events: [{ event: 'view' }],
      anchor: { kind: 'start', event: 0 },
      interval: { value: 30, unit: 'minute' },
      filters: {},
      groups: [],
      merge: false,
      layers: 4,
      nodes: 7,
      timeRange: { kind: 'past', days: 7, includeToday: true },
    });
    const three = {
      ...query,
      events: [{ event: 'view' }, { event: 'cart', filters: [] }, { event: 'pay' }],
      anchor: { kind: 'end' as const, event: 2 },
    };
    expect(queryToSend(three).events).toEqual([{ event: 'view' }, { event: 'cart' }, { event: 'pay' }]);
    expect(withoutEvent(three, 0).anchor).toEqual({ kind: 'end', event: 1 });
    expect(withoutEvent(three, 2).anchor).toEqual({ kind: 'end', event: 0 });
    expect(withoutEvent(withoutEvent(three, 0), 0).events).toEqual([{ event: 'pay' }]);
    expect(withoutEvent({ ...query }, 0)).toEqual(query);
    expect(nextLayer({ ...query, layers: 9 }).layers).toBe(10);
    expect(nextLayer({ ...query, layers: 10 }).layers).toBe(10);
    expect(dimensionProperties(three, catalogue).map((p) => p.key)).toEqual(['page', 'amount']);
    expect(
      editableQuery({ events: [{ event: 'view' }], anchor: { kind: 'start', event: 0 }, timeRange: query.timeRange }),
    ).toEqual(query);
  });
});
