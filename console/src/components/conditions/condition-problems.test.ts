import type { ConditionTree } from '@huiliu/core/conditions';
import { describe, expect, it } from 'vitest';
import { hasFieldProblem, locateProblem, parseProblemPath, placeProblems } from './condition-problems';

/** Root AND: [0] a property leaf, [1] an OR group of an event leaf with two filters and a group leaf, [2] a tag leaf. */
function tree(): ConditionTree {
  return {
    type: 'and',
    conditions: [
      { type: 'property', property: 'province', operator: 'eq', values: ['上海'] },
      {
        type: 'or',
        conditions: [
          {
            type: 'event',
            did: true,
            event: 'purchase',
            time: { kind: 'past', days: 30, includeToday: true },
            filters: [
              { property: 'amount', operator: 'gt', values: [10] },
              { property: 'sku', operator: 'eq', values: ['A'] },
            ],
            measure: { aggregate: 'count', operator: 'gte', values: [2] },
          },
          { type: 'group', groupId: '12', operator: 'in' },
        ],
      },
      { type: 'tag', tagId: '7', operator: 'containsAny', values: ['vip'] },
    ],
  };
}

describe('parseProblemPath', () => {
  it('reads a root-level leaf field', () => {
    expect(parseProblemPath('conditions.0.values')).toEqual({ node: [0], field: 'values' });
  });

  it('reads a leaf of a nested group and the index below its field', () => {
    expect(parseProblemPath('conditions.1.conditions.0.values.1')).toEqual({ node: [1, 0], field: 'values' });
  });

  it('reads a filter row of an event leaf', () => {
    expect(parseProblemPath('conditions.0.filters.2.property')).toEqual({ node: [0], filter: 2, field: 'property' });
    expect(parseProblemPath('conditions.1.conditions.0.filters.1.values.0')).toEqual({
      node: [1, 0],
      filter: 1,
      field: 'values',
    });
  });

  it('reads the key inside an object field (the measure)', () => {
    expect(parseProblemPath('conditions.1.conditions.0.measure.values')).toEqual({
      node: [1, 0],
      field: 'measure',
      subField: 'values',
    });
    expect(parseProblemPath('conditions.0.time.from')).toEqual({ node: [0], field: 'time', subField: 'from' });
  });

  it('names the root for an empty path or a root field, and a node for a bare node path', () => {
    expect(parseProblemPath('')).toEqual({ node: [] });
    expect(parseProblemPath('type')).toEqual({ node: [], field: 'type' });
    expect(parseProblemPath('conditions')).toEqual({ node: [], field: 'conditions' });
    expect(parseProblemPath('conditions.1')).toEqual({ node: [1] });
    expect(parseProblemPath('conditions.1.conditions')).toEqual({ node: [1], field: 'conditions' });
  });

  it('accepts bracketed indexes and a leading $', () => {
    expect(parseProblemPath('conditions[1].conditions[0].values')).toEqual({ node: [1, 0], field: 'values' });
    expect(parseProblemPath('$.conditions.0.filters[2].operator')).toEqual({ node: [0], filter: 2, field: 'operator' });
  });

  it('follows nesting deeper than the builder offers (a too-deep tree from elsewhere)', () => {
    expect(parseProblemPath('conditions.0.conditions.1.conditions.2')).toEqual({ node: [0, 1, 2] });
  });
});

describe('locateProblem', () => {
  it('keeps a target the tree has', () => {
    expect(locateProblem(tree(), 'conditions.1.conditions.0.filters.1.property')).toEqual({
      node: [1, 0],
      filter: 1,
      field: 'property',
    });
    expect(locateProblem(tree(), 'conditions.2.operator')).toEqual({ node: [2], field: 'operator' });
  });

  it('moves a problem on a node the tree lacks to the nearest node above it', () => {
    expect(locateProblem(tree(), 'conditions.1.conditions.5.values')).toEqual({ node: [1] });
    expect(locateProblem(tree(), 'conditions.9.values')).toEqual({ node: [] });
    expect(locateProblem(tree(), 'conditions.0.conditions.0.values')).toEqual({ node: [0] });
  });

  it('moves a problem on a filter row the leaf lacks to the leaf', () => {
    expect(locateProblem(tree(), 'conditions.1.conditions.0.filters.4.values')).toEqual({ node: [1, 0], field: 'filters' });
    expect(locateProblem(tree(), 'conditions.0.filters.0.values')).toEqual({ node: [0], field: 'filters' });
  });
});

describe('placeProblems', () => {
  const problems = [
    { path: 'conditions.0.values', code: 'condition_values_empty', message: '请至少输入一个值' },
    { path: 'conditions.0.operator', code: 'condition_operator_invalid', message: '运算符不适用' },
    { path: 'conditions.1.conditions.0.filters.1.property', code: 'condition_event_property_unknown', message: '事件属性不存在' },
    { path: 'conditions.1.conditions.0.measure.property', code: 'condition_aggregate_property_required', message: '请选择属性' },
    { path: 'conditions.1', code: 'condition_malformed', message: '条件组有误' },
    { path: '', code: 'condition_too_large', message: '条件过多' },
    { path: 'conditions.7.values', code: 'condition_values_empty', message: '不在树上' },
  ] as const;

  it('puts each problem on its leaf, filter row or group, with the field it names', () => {
    const placement = placeProblems(tree(), [...problems]);
    expect(placement.at([0]).map((problem) => [problem.message, problem.field])).toEqual([
      ['请至少输入一个值', 'values'],
      ['运算符不适用', 'operator'],
    ]);
    expect(placement.atFilter([1, 0], 1).map((problem) => problem.message)).toEqual(['事件属性不存在']);
    expect(placement.atFilter([1, 0], 0)).toEqual([]);
    expect(placement.at([1, 0]).map((problem) => [problem.field, problem.subField])).toEqual([['measure', 'property']]);
    expect(placement.at([1]).map((problem) => problem.message)).toEqual(['条件组有误']);
    expect(placement.at([]).map((problem) => problem.message)).toEqual(['条件过多', '不在树上']);
    expect(placement.at([2])).toEqual([]);
    expect(placement.at([1, 1])).toEqual([]);
  });

  it('places nothing without problems', () => {
    const placement = placeProblems(tree(), undefined);
    expect(placement.at([])).toEqual([]);
    expect(placement.at([0])).toEqual([]);
  });

  it('tells which controls a leaf’s problems are about', () => {
    const placement = placeProblems(tree(), [...problems]);
    expect(hasFieldProblem(placement.at([0]), 'values', 'range')).toBe(true);
    expect(hasFieldProblem(placement.at([0]), 'property')).toBe(false);
    expect(hasFieldProblem(placement.at([1]), 'values')).toBe(false);
  });
});
