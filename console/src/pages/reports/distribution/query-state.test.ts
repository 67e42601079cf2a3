import type { CatalogueEvent } from '@huiliu/core/conditions';
import type { DistributionQuery, DistributionReportResult } from '@huiliu/core/reports';
import { describe, expect, it } from 'vitest';
import { distributionChartOption, distributionRows, share } from './distribution-view';
import {
  dimensionFromKey,
  dimensionKey,
  localProblems,
  parseBoundaries,
  queryToSend,
  withAggregate,
  withEvent,
} from './query-state';

const purchase: CatalogueEvent = {
  code: 'purchase',
  name: '购买',
  properties: [
    { key: 'amount', name: '金额', type: 'number', source: 'custom' },
    { key: 'sku', name: '商品', type: 'string', source: 'custom' },
  ],
};
const visit: CatalogueEvent = {
  code: 'visit',
  name: '访问',
  properties: [{ key: 'sku', name: '商品', type: 'string', source: 'custom' }],
};
const texts = { propertyRequired: 'p', boundariesRequired: 'r', boundariesAscending: 'a' };

describe('分布分析 question', () => {
  it('boundaries typed in any order become ascending distinct numbers; junk is dropped', () => {
    expect(parseBoundaries(['2000', '1000', 'x', '1000', ' 500 '])).toEqual([500, 1000, 2000]);
  });

  it('a property aggregate picks a property it allows; another event falls back to 次数 without one', () => {
    expect(withAggregate({ event: 'purchase', aggregate: 'count' }, 'sum', purchase)).toEqual({
      event: 'purchase',
      aggregate: 'sum',
      property: 'amount',
    });
    expect(withAggregate({ event: 'purchase', aggregate: 'count' }, 'distinct', purchase).property).toBe('amount');
    const moved = withEvent(
      { event: 'purchase', aggregate: 'sum', property: 'amount', filters: [{ property: 'sku', operator: 'eq', values: ['a'] }] },
      visit,
      purchase,
    );
    expect(moved).toEqual({ event: 'visit', aggregate: 'count', filters: [{ property: 'sku', operator: 'eq', values: ['a'] }] });
  });

  it('local problems: a property aggregate without a property, custom intervals without or with unordered boundaries', () => {
    const base: DistributionQuery = {
      metric: { event: 'purchase', aggregate: 'avg' },
      intervals: { mode: 'custom', boundaries: [] },
      timeRange: { kind: 'past', days: 7, includeToday: true },
    };
    expect(localProblems(base, texts).map((p) => [p.path, p.message])).toEqual([
      ['metric.property', 'p'],
      ['intervals.boundaries', 'r'],
    ]);
    expect(
      localProblems(
        { ...base, metric: { ...base.metric, property: 'amount' }, intervals: { mode: 'custom', boundaries: [2, 1] } },
        texts,
      ),
    ).toEqual([{ path: 'intervals.boundaries', code: 'report_ranges_invalid', message: 'a' }]);
  });

  it('sends empty filter parts left out, and the dimension only when there is one', () => {
    const sent = queryToSend({
      metric: { event: 'purchase', aggregate: 'count', filters: [], filterOp: 'or' },
      intervals: { mode: 'default' },
      filters: { events: [], contacts: { type: 'and', conditions: [] } },
      timeRange: { kind: 'past', days: 7, includeToday: true },
    });
    expect(sent).toEqual({
      metric: { event: 'purchase', aggregate: 'count' },
      intervals: { mode: 'default' },
      filters: {},
      groups: [],
      timeRange: { kind: 'past', days: 7, includeToday: true },
    });
    expect(dimensionFromKey(dimensionKey({ kind: 'eventProperty', property: 'sku' }))).toEqual({
      kind: 'eventProperty',
      property: 'sku',
    });
    expect(dimensionFromKey('contact:city')).toEqual({ kind: 'contactProperty', property: 'city' });
    expect(dimensionFromKey(undefined)).toBeUndefined();
  });
});

describe('分布分析 result view', () => {
  const result: DistributionReportResult = {
    kind: 'distribution',
    model: 'distribution',
    timeZone: 'Asia/Shanghai',
    from: '2025-03-01',
    to: '2025-03-07',
    metric: { name: '购买的次数', aggregate: 'count' },
    intervals: [
      { label: '1', from: 1, to: 2 },
      { label: '≥2', from: 2, to: null },
    ],
    dimension: { key: 'contact.city', name: '城市' },
    groups: [{ name: '新客' }],
    series: [
      { group: 0, dimension: '上海', users: [1, 2], total: 3 },
      { group: 0, dimension: null, users: [0, 0], total: 0 },
    ],
    groupCount: 2,
    truncated: false,
    computedAt: 0,
    cached: false,
  };
  const labels = { unknown: '未知', users: '用户数' };

  it('one bar series per group × dimension value, named by both; no value reads 未知', () => {
    const option = distributionChartOption(result, labels) as {
      xAxis: { data: string[] };
      series: { name: string; data: number[] }[];
    };
    expect(option.xAxis.data).toEqual(['1', '≥2']);
    expect(option.series.map((s) => [s.name, s.data])).toEqual([
      ['新客 · 上海', [1, 2]],
      ['新客 · 未知', [0, 0]],
    ]);
  });

  it('table rows: group, dimension, interval, users, share of the series (0 of 0 is 0 %)', () => {
    expect(distributionRows(result, labels).map((r) => [r.group, r.dimension, r.interval, r.users, r.share])).toEqual([
      ['新客', '上海', '1', 1, 33.33],
      ['新客', '上海', '≥2', 2, 66.67],
      ['新客', '未知', '1', 0, 0],
      ['新客', '未知', '≥2', 0, 0],
    ]);
    expect(share(1, 3)).toBe(33.33);
  });
});
