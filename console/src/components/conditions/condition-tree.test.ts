import type {
  CatalogueEvent,
  Comparison,
  ConditionCatalogue,
  ConditionTree,
  EventCondition,
  EventMeasure,
} from '@huiliu/core/conditions';
import { describe, expect, it } from 'vitest';
import {
  appendNode,
  newLeaf,
  newNestedGroup,
  nodeAt,
  removeNode,
  retargetComparison,
  setGroupType,
  withAggregate,
  withEvent,
  withFilters,
  withOperator,
} from './condition-tree';
import { convertRangeTimeType, joinOffset, splitOffset, todayIn } from './time-range';

const purchase: CatalogueEvent = {
  code: 'purchase',
  name: '购买',
  properties: [
    { key: 'sku', name: '商品', type: 'string', source: 'custom' },
    { key: 'amount', name: '金额', type: 'number', source: 'custom' },
  ],
};
const refund: CatalogueEvent = {
  code: 'refund',
  name: '退款',
  properties: [
    { key: 'sku', name: '商品', type: 'string', source: 'custom' },
    { key: 'reason', name: '原因', type: 'string', source: 'custom' },
  ],
};

function catalogue(overrides: Partial<ConditionCatalogue> = {}): ConditionCatalogue {
  return {
    timeZone: 'Asia/Shanghai',
    contactProperties: [{ key: 'province', name: '省份', type: 'string', source: 'system' }],
    events: [purchase, refund],
    groups: [{ id: '12', name: '问卷' }],
    tags: [{ id: '7', name: '等级', type: 'number' }],
    ...overrides,
  };
}

function tree(): ConditionTree {
  return {
    type: 'and',
    conditions: [
      { type: 'group', groupId: '12', operator: 'in' },
      { type: 'or', conditions: [{ type: 'group', groupId: '13', operator: 'notIn' }] },
    ],
  };
}

describe('tree edits', () => {
  it('removes a nested group together with its last leaf', () => {
    const edited = removeNode(tree(), [1, 0]);
    expect(edited).toEqual({ type: 'and', conditions: [{ type: 'group', groupId: '12', operator: 'in' }] });
  });

  it('appends into a nested group and switches its relation without touching the root', () => {
    let edited = appendNode(tree(), [1], { type: 'group', groupId: '14', operator: 'in' });
    edited = setGroupType(edited, [1], 'and');
    expect(nodeAt(edited, [1])).toEqual({
      type: 'and',
      conditions: [
        { type: 'group', groupId: '13', operator: 'notIn' },
        { type: 'group', groupId: '14', operator: 'in' },
      ],
    });
    expect(edited.type).toBe('and');
    expect(tree().conditions).toHaveLength(2);
  });

  it('starts new leaves on the catalogue’s first entry, and none when the catalogue has nothing', () => {
    expect(newLeaf('tag', catalogue())).toEqual({ type: 'tag', tagId: '7', operator: 'eq', values: [] });
    expect(newLeaf('event', catalogue())).toEqual({
      type: 'event',
      did: true,
      event: 'purchase',
      time: { kind: 'past', days: 30, includeToday: true },
    });
    expect(newLeaf('group', catalogue({ groups: [] }))).toBeUndefined();
  });

  it('opens a nested group with the opposite relation and one leaf', () => {
    expect(newNestedGroup('and', catalogue())).toEqual({
      type: 'or',
      conditions: [{ type: 'property', property: 'province', operator: 'eq', values: [] }],
    });
    expect(newNestedGroup('or', catalogue()).type).toBe('and');
  });
});

describe('comparisons', () => {
  const text = { type: 'string' } as const;
  const number = { type: 'number' } as const;

  it('keeps values across operators of the same shape and drops them otherwise', () => {
    expect(withOperator({ operator: 'eq', values: ['a', 'b'] }, 'ne', text)).toEqual({ operator: 'ne', values: ['a', 'b'] });
    expect(withOperator({ operator: 'eq', values: ['a', 'b'] }, 'contains', text)).toEqual({ operator: 'contains', values: [] });
    expect(withOperator({ operator: 'eq', values: ['a'] }, 'notEmpty', text)).toStrictEqual({ operator: 'notEmpty' });
    expect(withOperator({ operator: 'lt', values: [3] }, 'between', number)).toEqual({ operator: 'between', values: [] });
    expect(withOperator({ operator: 'notNull' }, 'in', { type: 'time', timeType: 'date' })).toEqual({
      operator: 'in',
      range: { kind: 'past', days: 30, includeToday: true },
    });
  });

  it('resets the comparison when the property’s type changes and keeps it otherwise', () => {
    const comparison: Comparison = { operator: 'contains', values: ['上'] };
    expect(retargetComparison(comparison, text, number)).toEqual({ operator: 'eq', values: [] });
    expect(retargetComparison(comparison, text, { type: 'bool' })).toStrictEqual({ operator: 'isTrue' });
    expect(retargetComparison(comparison, text, text)).toEqual(comparison);
    expect(retargetComparison(comparison, undefined, text)).toEqual({ operator: 'eq', values: [] });
  });

  it('converts absolute ranges between date and datetime properties', () => {
    const date = { type: 'time', timeType: 'date' } as const;
    const datetime = { type: 'time', timeType: 'datetime' } as const;
    expect(
      retargetComparison({ operator: 'in', range: { kind: 'between', from: '2025-02-03', to: '2025-02-10' } }, date, datetime),
    ).toEqual({
      operator: 'in',
      range: { kind: 'between', from: '2025-02-03 00:00:00', to: '2025-02-10 23:59:59' },
    });
    expect(convertRangeTimeType({ kind: 'before', date: '2025-02-03 12:30:00' }, 'date')).toEqual({
      kind: 'before',
      date: '2025-02-03',
    });
    expect(retargetComparison({ operator: 'in', range: { kind: 'today' } }, { type: 'time', dynamicDate: true }, date)).toEqual({
      operator: 'in',
      range: { kind: 'today' },
    });
  });
});

describe('event leaves', () => {
  const leaf: EventCondition = {
    type: 'event',
    did: true,
    event: 'purchase',
    time: { kind: 'today' },
    filters: [
      { property: 'sku', operator: 'eq', values: ['A'] },
      { property: 'amount', operator: 'gt', values: [10] },
    ],
    filterOp: 'or',
    measure: { aggregate: 'sum', property: 'amount', operator: 'gt', values: [100] },
  };

  it('keeps the filters the new event also has and falls back to a count without a numeric property', () => {
    expect(withEvent(leaf, refund, purchase)).toEqual({
      type: 'event',
      did: true,
      event: 'refund',
      time: { kind: 'today' },
      filters: [{ property: 'sku', operator: 'eq', values: ['A'] }],
      filterOp: 'or',
      measure: { aggregate: 'count', operator: 'gt', values: [100] },
    });
  });

  it('drops filters and their relation together', () => {
    expect(withFilters(leaf, [])).not.toHaveProperty('filters');
    expect(withFilters(leaf, [])).not.toHaveProperty('filterOp');
  });

  it('gives an aggregate a property it allows: numbers for sums, any for distinct counts, none for counts', () => {
    const count: EventMeasure = { aggregate: 'count', operator: 'gte', values: [1] };
    expect(withAggregate(count, 'sum', purchase.properties)).toEqual({ ...count, aggregate: 'sum', property: 'amount' });
    expect(withAggregate(count, 'distinctCount', purchase.properties)).toEqual({
      ...count,
      aggregate: 'distinctCount',
      property: 'sku',
    });
    expect(withAggregate({ ...count, aggregate: 'max', property: 'amount' }, 'count', purchase.properties)).toStrictEqual(count);
  });
});

describe('time range helpers', () => {
  it('writes offsets as days ago or later, with today as 0', () => {
    expect(splitOffset(-7)).toEqual({ days: 7, direction: 'ago' });
    expect(splitOffset(3)).toEqual({ days: 3, direction: 'later' });
    expect(joinOffset(7, 'ago')).toBe(-7);
    expect(joinOffset(0, 'ago')).toBe(0);
    expect(Object.is(joinOffset(0, 'ago'), -0)).toBe(false);
  });

  it('tells today’s date in the tenant’s zone', () => {
    const instant = new Date('2025-02-09T18:30:00Z');
    expect(todayIn('Asia/Shanghai', instant)).toBe('2025-02-10');
    expect(todayIn('America/New_York', instant)).toBe('2025-02-09');
  });
});
