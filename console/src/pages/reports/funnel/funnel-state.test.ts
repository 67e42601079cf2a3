import type { ConditionCatalogue } from '@huiliu/core/conditions';
import type { FunnelAnalysisQuery, FunnelReportResult } from '@huiliu/core/reports';
import { describe, expect, it } from 'vitest';
import {
  addStep,
  canRemoveStep,
  defaultQuery,
  formatDuration,
  funnelChartOption,
  funnelTableRows,
  localProblems,
  queryToSend,
  removeStep,
  withWindowUnit,
  type FunnelTexts,
} from './funnel-state';

const catalogue: ConditionCatalogue = {
  timeZone: 'Asia/Shanghai',
  contactProperties: [],
  events: [
    { code: 'view', name: '浏览', properties: [] },
    { code: 'pay', name: '支付', properties: [] },
  ],
  groups: [],
  tags: [],
};

const texts: FunnelTexts = {
  overall: '总体',
  empty: '(空)',
  units: { day: '天', hour: '小时', minute: '分钟', second: '秒' },
  users: '人数',
  conversion: '步骤转化率',
  overallConversion: '总体转化率',
};

describe('漏斗分析 question', () => {
  it('starts with two steps that cannot be deleted; adds up to 8; deleting a step moves the exclusions with it', () => {
    const query = defaultQuery(catalogue)!;
    expect(query.steps).toEqual([{ event: 'view' }, { event: 'pay' }]);
    expect(query.window).toEqual({ unit: 'day', value: 7 });
    expect([canRemoveStep(0), canRemoveStep(1), canRemoveStep(2)]).toEqual([false, false, true]);
    expect(removeStep(query, 1)).toBe(query);
    let many: FunnelAnalysisQuery = query;
    for (let i = 0; i < 10; i += 1) many = addStep(many);
    expect(many.steps).toHaveLength(8);
    const four: FunnelAnalysisQuery = {
      ...query,
      steps: [{ event: 'view' }, { event: 'pay' }, { event: 'view' }, { event: 'pay' }],
      exclusions: [
        { event: 'pay', afterStep: 1 },
        { event: 'pay', afterStep: 3 },
      ],
    };
    // Step 3 removed: the exclusion between 3 and 4 now lies between 2 and the new 3.
    expect(removeStep(four, 2).exclusions).toEqual([
      { event: 'pay', afterStep: 1 },
      { event: 'pay', afterStep: 2 },
    ]);
    // Step 4 (the last) removed: the exclusion after step 3 would follow the last step — dropped.
    expect(removeStep(four, 3).exclusions).toEqual([{ event: 'pay', afterStep: 1 }]);
    // Step 3 of five removed: the exclusion after step 4 now follows step 3.
    const five = { ...four, steps: [...four.steps, { event: 'view' }], exclusions: [{ event: 'pay', afterStep: 4 }] };
    expect(removeStep(five, 2).exclusions).toEqual([{ event: 'pay', afterStep: 3 }]);
  });

  it('keeps the window within 30 days or 720 hours and says when it is not', () => {
    const query = { ...defaultQuery(catalogue)!, window: { unit: 'hour' as const, value: 100 } };
    expect(withWindowUnit(query, 'day').window).toEqual({ unit: 'day', value: 30 });
    expect(localProblems(query, { eventRequired: 'e', window: 'w' })).toEqual([]);
    expect(localProblems({ ...query, window: { unit: 'day', value: 31 } }, { eventRequired: 'e', window: 'w' })).toEqual([
      { path: 'window.value', code: 'number_max', message: 'w' },
    ]);
    expect(
      localProblems({ ...query, steps: [{ event: 'view' }, { event: '' }] }, { eventRequired: 'e', window: 'w' }).map(
        (p) => p.path,
      ),
    ).toEqual(['steps.1.event']);
  });

  it('sends no empty filters, names, property or dimension', () => {
    const query: FunnelAnalysisQuery = {
      ...defaultQuery(catalogue)!,
      steps: [
        { event: 'view', filters: [], name: ' ' },
        { event: 'pay', name: '付款' },
      ],
      holdProperty: '',
      filters: { contacts: { type: 'and', conditions: [] } },
    };
    expect(queryToSend(query)).toEqual({
      steps: [{ event: 'view' }, { event: 'pay', name: '付款' }],
      window: { unit: 'day', value: 7 },
      windowWithinRange: false,
      timeRange: { kind: 'past', days: 7, includeToday: true },
      exclusions: [],
      filters: {},
      groups: [],
    });
  });
});

describe('漏斗分析 answer', () => {
  const result: FunnelReportResult = {
    kind: 'funnel',
    model: 'funnel',
    timeZone: 'Asia/Shanghai',
    from: '2025-03-01',
    to: '2025-03-07',
    steps: [
      { name: '浏览', event: 'view' },
      { name: '支付', event: 'pay' },
    ],
    window: { unit: 'day', value: 7 },
    dimension: { key: 'contact.city', name: '城市' },
    groups: [],
    timeBuckets: [{ label: '<1分钟', from: 0, to: null }],
    funnels: [
      {
        steps: [
          { users: 8, conversion: 1, overall: 1, medianSeconds: null },
          { users: 2, conversion: 0.25, overall: 0.25, medianSeconds: 93784 },
        ],
        timeToConvert: [2],
      },
      {
        dimension: null,
        steps: [
          { users: 4, conversion: 1, overall: 1, medianSeconds: null },
          { users: 1, conversion: 0.25, overall: 0.25, medianSeconds: 60 },
        ],
        timeToConvert: [1],
      },
    ],
    groupCount: 1,
    truncated: false,
    computedAt: 0,
    cached: false,
  };

  it('reads durations in the two largest units', () => {
    expect(formatDuration(93784, texts.units)).toBe('1天2小时');
    expect(formatDuration(3700, texts.units)).toBe('1小时1分钟');
    expect(formatDuration(45, texts.units)).toBe('45秒');
    expect(formatDuration(0, texts.units)).toBe('0秒');
    expect(formatDuration(null, texts.units)).toBe('-');
    expect(formatDuration(93784, { day: 'd ', hour: 'h ', minute: 'min ', second: 's' })).toBe('1d 2h');
  });

  it('draws one bar series per funnel labelled with users and overall conversion, and tables every step', () => {
    const option = funnelChartOption(result, texts, 'zh-CN') as {
      xAxis: { data: string[] };
      series: { name: string; data: number[]; label: { formatter: (p: { dataIndex: number }) => string } }[];
    };
    expect(option.xAxis.data).toEqual(['1. 浏览', '2. 支付']);
    expect(option.series.map((s) => [s.name, s.data])).toEqual([
      ['总体', [8, 2]],
      ['(空)', [4, 1]],
    ]);
    expect(option.series[0]!.label.formatter({ dataIndex: 1 })).toBe('2\n25.0%');
    expect(funnelTableRows(result, texts).map((r) => [r.funnel, r.rowSpan, r.step, r.users, r.conversion])).toEqual([
      ['总体', 2, '1. 浏览', 8, 1],
      ['总体', 0, '2. 支付', 2, 0.25],
      ['(空)', 2, '1. 浏览', 4, 1],
      ['(空)', 0, '2. 支付', 1, 0.25],
    ]);
  });
});
