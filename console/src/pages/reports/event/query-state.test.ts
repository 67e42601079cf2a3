import type { ConditionCatalogue } from '@huiliu/core/conditions';
import type { EventAnalysisQuery, EventMetric, ReportMetric } from '@huiliu/core/reports';
import { describe, expect, it } from 'vitest';
import {
  addMetric,
  allowedChart,
  commonEventProperties,
  defaultQuery,
  dimensionFromKey,
  dimensionKey,
  dimensionType,
  localProblems,
  newEventMetric,
  newFormula,
  nextMetricId,
  parseRanges,
  problemsUnder,
  queryToSend,
  withAllowedChart,
  withMetricAggregate,
  withMetricEvent,
} from './query-state';

const catalogue: ConditionCatalogue = {
  timeZone: 'Asia/Shanghai',
  contactProperties: [
    { key: 'city', name: '城市', type: 'string', source: 'system' },
    { key: 'age', name: '年龄', type: 'number', source: 'system' },
  ],
  events: [
    {
      code: 'purchase',
      name: '购买',
      properties: [
        { key: 'amount', name: '金额', type: 'number', source: 'custom' },
        { key: 'sku', name: '商品', type: 'string', source: 'custom' },
      ],
    },
    { code: 'refund', name: '退款', properties: [{ key: 'amount', name: '金额', type: 'number', source: 'custom' }] },
    {
      code: 'virtual:3',
      name: '交易',
      virtual: true,
      properties: [{ key: 'amount', name: '金额', type: 'string', source: 'custom' }],
    },
  ],
  groups: [],
  tags: [{ id: '7', name: '消费等级', type: 'number' }],
};

const metric = (id: string, event = 'purchase', extra: Partial<EventMetric> = {}): EventMetric => ({
  id,
  kind: 'event',
  event,
  aggregate: 'count',
  ...extra,
});

const query = (overrides: Partial<EventAnalysisQuery> = {}): EventAnalysisQuery => ({
  ...defaultQuery(catalogue)!,
  ...overrides,
});

describe('事件分析 builder: metrics', () => {
  it('gives new metrics the first free id, event metrics before formulas, ten at most', () => {
    const a = newEventMetric(catalogue, [])!;
    expect(a).toEqual({ id: 'A', kind: 'event', event: 'purchase', aggregate: 'count' });
    const formula = newFormula([a, metric('B', 'refund')], '净购买')!;
    expect(formula).toEqual({ id: 'C', kind: 'formula', formula: 'A - B', name: '净购买', format: 'number' });
    const metrics = addMetric([a, formula], metric('D', 'refund'));
    expect(metrics.map((m) => m.id)).toEqual(['A', 'D', 'C']);
    expect(nextMetricId([metric('B'), metric('C')])).toBe('A');
    const ten: ReportMetric[] = 'ABCDEFGHIJ'.split('').map((id) => metric(id));
    expect(nextMetricId(ten)).toBeUndefined();
    expect(newEventMetric(catalogue, ten)).toBeUndefined();
  });

  it('keeps a property only where the aggregate allows it: numbers for sums, any for distinct counts', () => {
    const sum = withMetricAggregate(metric('A'), 'sum', catalogue.events[0]);
    expect(sum).toMatchObject({ aggregate: 'sum', property: 'amount' });
    const distinct = withMetricAggregate({ ...sum, property: 'amount' }, 'distinct', catalogue.events[0]);
    expect(distinct.property).toBe('amount');
    const onSku = withMetricAggregate({ ...distinct, property: 'sku' }, 'avg', catalogue.events[0]);
    expect(onSku.property).toBe('amount');
    expect(withMetricAggregate(onSku, 'users', catalogue.events[0])).not.toHaveProperty('property');
  });

  it('moves a metric to another event keeping the filters and property that still fit', () => {
    const on = metric('A', 'purchase', {
      aggregate: 'sum',
      property: 'amount',
      filters: [
        { property: 'amount', operator: 'gt', values: [10] },
        { property: 'sku', operator: 'eq', values: ['a'] },
      ],
      filterOp: 'or',
    });
    const moved = withMetricEvent(on, catalogue.events[1]!, catalogue.events[0]);
    expect(moved).toEqual({
      id: 'A',
      kind: 'event',
      event: 'refund',
      aggregate: 'sum',
      property: 'amount',
      filters: [{ property: 'amount', operator: 'gt', values: [10] }],
      filterOp: 'or',
    });
    // The virtual event's amount is a string: no sum any more, back to 总次数, the filter goes.
    expect(withMetricEvent(on, catalogue.events[2]!, catalogue.events[0])).toEqual({
      id: 'A',
      kind: 'event',
      event: 'virtual:3',
      aggregate: 'count',
    });
  });

  it('tells the problems it can see before asking the server, on the fields they belong to', () => {
    const problems = localProblems(
      query({
        metrics: [metric('A', 'purchase', { aggregate: 'sum' }), { id: 'B', kind: 'formula', formula: ' ', name: '' }],
      }),
      { propertyRequired: 'P', formulaRequired: 'F', nameRequired: 'N' },
    );
    expect(problems.map((p) => [p.path, p.message])).toEqual([
      ['metrics.0.property', 'P'],
      ['metrics.1.formula', 'F'],
      ['metrics.1.name', 'N'],
    ]);
    expect(problemsUnder(problems, 'metrics.1').map((p) => p.path)).toEqual(['formula', 'name']);
    expect(problemsUnder([{ path: 'chart', code: 'x' }], 'chart')).toEqual([{ path: '', code: 'x' }]);
  });
});

describe('事件分析 builder: dimensions and filters', () => {
  it('offers only event properties every metric’s event carries with the same type', () => {
    expect(commonEventProperties(catalogue, [metric('A')]).map((p) => p.key)).toEqual(['amount', 'sku']);
    expect(commonEventProperties(catalogue, [metric('A'), metric('B', 'refund')]).map((p) => p.key)).toEqual(['amount']);
    expect(commonEventProperties(catalogue, [metric('A'), metric('B', 'virtual:3')])).toEqual([]);
    expect(commonEventProperties(catalogue, [metric('A', 'gone')])).toEqual([]);
  });

  it('encodes dimensions as select values and knows the numeric ones', () => {
    for (const dimension of [
      { kind: 'eventProperty', property: 'amount' },
      { kind: 'contactProperty', property: 'city' },
      { kind: 'tag', tagId: '7' },
    ] as const) {
      expect(dimensionFromKey(dimensionKey(dimension))).toEqual(dimension);
    }
    expect(dimensionFromKey('event:sku.brand')).toEqual({ kind: 'eventProperty', property: 'sku.brand' });
    expect(dimensionFromKey('nope')).toBeUndefined();
    expect(dimensionType({ kind: 'tag', tagId: '7' }, catalogue, [metric('A')])).toBe('number');
    expect(dimensionType({ kind: 'contactProperty', property: 'city' }, catalogue, [metric('A')])).toBe('string');
    expect(dimensionType({ kind: 'eventProperty', property: 'amount' }, catalogue, [metric('A')])).toBe('number');
  });

  it('reads range boundaries as ascending distinct numbers', () => {
    expect(parseRanges(['100', '0', ' 10 ', 'abc', '', '10', '1,000'])).toEqual([0, 10, 100, 1000]);
    expect(parseRanges([5, Number.NaN, -1])).toEqual([-1, 5]);
  });

  it('sends no empty filter parts, and a single filter without its relation', () => {
    const sent = queryToSend(
      query({
        filters: {
          events: [{ property: 'amount', operator: 'gt', values: [1] }],
          eventsOp: 'or',
          contacts: { type: 'and', conditions: [] },
        },
      }),
    );
    expect(sent.filters).toEqual({ events: [{ property: 'amount', operator: 'gt', values: [1] }] });
    expect(queryToSend(query({ filters: { events: [] } })).filters).toEqual({});
  });
});

describe('事件分析 builder: the chart matrix (§1.7.2.6)', () => {
  it('keeps a chosen chart the matrix allows and replaces one it refuses (a refused chart is never sent)', () => {
    const one = { metrics: [metric('A')], dimensions: [], granularity: 'day' as const };
    expect(allowedChart(one, 'timeBar')).toBe('timeBar');
    expect(allowedChart(one, 'pie')).toBe('line'); // pie: by total only
    expect(allowedChart({ ...one, granularity: 'total' }, 'pie')).toBe('pie');
    const two = {
      metrics: [metric('A'), metric('B')],
      dimensions: [{ kind: 'contactProperty' as const, property: 'city' }],
      granularity: 'day' as const,
    };
    expect(allowedChart(two, 'line')).toBe('table');
    expect(withAllowedChart(query({ granularity: 'total', chart: 'number', metrics: [metric('A'), metric('B')] })).chart).toBe(
      'line',
    );
    const sent = queryToSend(query({ chart: 'stackedBar' }));
    expect(sent.chart).toBe('line');
  });
});
