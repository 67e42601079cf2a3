import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildContext, metadataFromDeclaration, type GroupRef, type TagRef } from '../../src/modules/conditions/catalogue.js';
import { conditionTreeSchema } from '../../src/modules/conditions/condition.schema.js';
import { conditionLimits, conditionProblemCodes, type ConditionTree } from '../../src/modules/conditions/condition.types.js';
import { resolveTimeRange, toUtcBounds } from '../../src/modules/conditions/time-range.js';
import { validateConditionTree } from '../../src/modules/conditions/validator.js';
import { errorMessages } from '../../src/server/messages.js';
import { duckDbDialect as d } from '../../src/store/olap/duckdb/duckdb-dialect.js';
import type { OlapTenantDeclaration } from '../../src/store/olap/declaration.js';
import { SqlFragment } from '../../src/store/olap/sql-fragment.js';
import { shanghai } from './support.js';

const DAY = 86_400_000;
const declaration: OlapTenantDeclaration = {
  timeZone: 'Asia/Shanghai',
  events: [{ code: 'purchase', alias: 'purchase' }],
  eventProperties: [
    { id: '11', name: 'amount', type: 'number' },
    { id: '12', name: 'sku', type: 'string' },
  ],
  contactAttributes: [{ id: '21', type: 'integer' }],
  dimensions: [],
};
const groups: GroupRef[] = [{ id: '9', name: 'VIP', version: 1 }];
const tags: TagRef[] = [{ id: '5', name: 'level', type: 'string', calcDate: '2026-02-09' }];
const context = buildContext(metadataFromDeclaration('Asia/Shanghai', declaration), groups, tags);
const problems = (tree: unknown) => validateConditionTree(tree, context).map((p) => `${p.path} ${p.code}`);
const leaf = (node: Record<string, unknown>): ConditionTree => ({ type: 'and', conditions: [node as never] });

describe('time ranges (§3.3), on the seed’s query date 2-10', () => {
  const now = shanghai(2026, 2, 10, 15);
  const day = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString().slice(0, 10));
  const span = (range: Parameters<typeof resolveTimeRange>[0]) => {
    const bounds = resolveTimeRange(range, now, 'Asia/Shanghai');
    return [day(bounds.from), day(bounds.to === undefined ? undefined : bounds.to - DAY)];
  };

  it.each([
    [{ kind: 'relativeBefore', offset: -7 }, [undefined, '2026-02-03']],
    [{ kind: 'relativeAfter', offset: -7 }, ['2026-02-03', undefined]],
    [{ kind: 'relativeAfter', offset: 0 }, ['2026-02-10', undefined]],
    [{ kind: 'relativeBefore', offset: 0 }, [undefined, '2026-02-10']],
    [{ kind: 'relativeBefore', offset: 7 }, [undefined, '2026-02-17']],
    [{ kind: 'relativeAfter', offset: 7 }, ['2026-02-17', undefined]],
    [{ kind: 'today' }, ['2026-02-10', '2026-02-10']],
    [{ kind: 'thisMonth' }, ['2026-02-01', '2026-02-28']],
    [{ kind: 'relativeDay', offset: -7 }, ['2026-02-03', '2026-02-03']],
    [{ kind: 'relativeDay', offset: 7 }, ['2026-02-17', '2026-02-17']],
    [{ kind: 'past', days: 7, includeToday: true }, ['2026-02-03', '2026-02-10']],
    [{ kind: 'past', days: 7, includeToday: false }, ['2026-02-03', '2026-02-09']],
    [{ kind: 'next', days: 7 }, ['2026-02-10', '2026-02-17']],
    [{ kind: 'relativeRange', from: -7, to: 1 }, ['2026-02-03', '2026-02-11']],
    [{ kind: 'relativeRange', from: -7, to: 7 }, ['2026-02-03', '2026-02-17']],
    [{ kind: 'relativeRange', from: 7, to: 10 }, ['2026-02-17', '2026-02-20']],
    [{ kind: 'between', from: '2026-02-03', to: '2026-02-05' }, ['2026-02-03', '2026-02-05']],
  ] as const)('%j covers %j', (range, expected) => {
    expect(span(range as never)).toEqual(expected);
  });

  it('an absolute time range includes its last second', () => {
    const bounds = resolveTimeRange(
      { kind: 'between', from: '2026-02-03 10:00:00', to: '2026-02-03 10:00:59' },
      now,
      'Asia/Shanghai',
    );
    expect(bounds.to! - bounds.from!).toBe(60_000);
  });

  it('maps local day bounds to UTC instants, across a DST change', () => {
    const la = toUtcBounds(
      resolveTimeRange({ kind: 'today' }, Date.UTC(2026, 2, 8, 20), 'America/Los_Angeles'),
      'America/Los_Angeles',
    );
    expect(new Date(la.from!).toISOString()).toBe('2026-03-08T08:00:00.000Z');
    expect(new Date(la.to!).toISOString()).toBe('2026-03-09T07:00:00.000Z');
  });
});

describe('condition validator', () => {
  it('accepts a well-formed tree of every leaf kind', () => {
    const tree: ConditionTree = {
      type: 'or',
      conditions: [
        { type: 'property', property: 'province', operator: 'eq', values: ['上海'] },
        { type: 'property', property: 'createdAt', operator: 'in', range: { kind: 'past', days: 7, includeToday: true } },
        {
          type: 'and',
          conditions: [
            {
              type: 'event',
              did: false,
              event: 'purchase',
              time: { kind: 'today' },
              filters: [{ property: 'sku', operator: 'notEmpty' }],
            },
            { type: 'group', groupId: '9', operator: 'notIn' },
            { type: 'tag', tagId: '5', operator: 'contains', values: ['g'] },
          ],
        },
      ],
    };
    expect(validateConditionTree(tree, context)).toEqual([]);
    expect(conditionTreeSchema.validate({ tree }.tree).error).toBeUndefined();
  });

  it('reports every problem at once, each with its path and code', () => {
    const tree = {
      type: 'and',
      conditions: [
        { type: 'property', property: 'nope', operator: 'eq', values: ['x'] },
        { type: 'property', property: 'province', operator: 'lt', values: [1] },
        { type: 'property', property: 'attr21', operator: 'eq', values: ['ten'] },
        { type: 'property', property: 'attr21', operator: 'eq', values: [] },
        { type: 'property', property: 'attr21', operator: 'between', values: [1] },
        { type: 'property', property: 'attr21', operator: 'between', values: [5, 1] },
        { type: 'property', property: 'birthday', operator: 'in', range: { kind: 'before', date: '2026-02-10 10:00:00' } },
        {
          type: 'property',
          property: 'createdAt',
          operator: 'in',
          range: { kind: 'between', from: '2026-02-30', to: '2026-03-01' },
        },
        { type: 'property', property: 'createdAt', operator: 'in', range: { kind: 'past', days: 0, includeToday: true } },
        { type: 'event', did: true, event: 'refund', time: { kind: 'today' } },
        {
          type: 'event',
          did: true,
          event: 'purchase',
          time: { kind: 'relativeRange', from: 2, to: 1 },
          filters: [{ property: 'color', operator: 'eq', values: ['red'] }],
          measure: { aggregate: 'sum', operator: 'gt', values: [1] },
        },
        {
          type: 'event',
          did: true,
          event: 'purchase',
          time: { kind: 'today' },
          measure: { aggregate: 'avg', property: 'sku', operator: 'gt', values: [1] },
        },
        { type: 'group', groupId: '404', operator: 'in' },
        { type: 'tag', tagId: '404', operator: 'eq', values: ['x'] },
        { type: 'and', conditions: [] },
        { type: 'or', conditions: [{ type: 'and', conditions: [{ type: 'property', property: 'city', operator: 'empty' }] }] },
        { type: 'property', property: 'city', operator: 'empty', values: ['x'] },
        { type: 'mystery' },
      ],
    };
    expect(problems(tree)).toEqual([
      'conditions.0.property condition_property_unknown',
      'conditions.1.operator condition_operator_invalid',
      'conditions.2.values.0 condition_value_type_invalid',
      'conditions.3.values condition_values_empty',
      'conditions.4.values condition_values_count',
      'conditions.5.values condition_range_reversed',
      'conditions.6.range.date condition_value_type_invalid',
      'conditions.7.range.from condition_value_type_invalid',
      'conditions.8.range.days condition_range_invalid',
      'conditions.9.event condition_event_unknown',
      'conditions.10.time condition_range_reversed',
      'conditions.10.filters.0.property condition_event_property_unknown',
      'conditions.10.measure.property condition_aggregate_property_required',
      'conditions.11.measure.property condition_aggregate_invalid',
      'conditions.12.groupId condition_group_unknown',
      'conditions.13.tagId condition_tag_unknown',
      'conditions.14 condition_group_empty',
      'conditions.15.conditions.0 condition_nesting_too_deep',
      'conditions.16.values condition_values_count',
      'conditions.17.type condition_malformed',
    ]);
  });

  it('takes an absolute range from a time to the end of the same day', () => {
    const halfDay = leaf({
      type: 'property',
      property: 'createdAt',
      operator: 'in',
      range: { kind: 'between', from: '2026-02-10 12:00:00', to: '2026-02-10' },
    });
    expect(problems(halfDay)).toEqual([]);
  });

  it('refuses a "did" count that can never hold, pointing to "did not"', () => {
    const count = (operator: string, value: number | number[], did = true) =>
      problems(
        leaf({
          type: 'event',
          did,
          event: 'purchase',
          time: { kind: 'today' },
          measure: { aggregate: 'count', operator, values: Array.isArray(value) ? value : [value] },
        }),
      );
    expect(count('eq', 0)).toEqual(['conditions.0.measure condition_measure_unsatisfiable']);
    expect(count('lt', 1)).toEqual(['conditions.0.measure condition_measure_unsatisfiable']);
    expect(count('lte', 0)).toEqual(['conditions.0.measure condition_measure_unsatisfiable']);
    expect(count('lt', 2)).toEqual([]);
    expect(count('eq', 0, false)).toEqual([]);
    expect(count('between', [0, 0])).toEqual(['conditions.0.measure condition_measure_unsatisfiable']);
    expect(count('between', [0, 1])).toEqual([]);
    expect(count('between', [0, 0], false)).toEqual([]);
  });

  it('is total: any JSON gives problems, never an exception', () => {
    for (const input of [
      null,
      42,
      'and',
      [],
      {},
      { type: 'and' },
      { type: 'event' },
      { type: 'and', conditions: [null, [], 'x'] },
    ]) {
      expect(validateConditionTree(input, context).length).toBeGreaterThan(0);
    }
  });

  it('bounds the size of a tree', () => {
    const many = {
      type: 'and',
      conditions: Array.from({ length: conditionLimits.leaves + 1 }, () => ({
        type: 'property',
        property: 'city',
        operator: 'notEmpty',
      })),
    };
    expect(problems(many)).toEqual(['conditions condition_too_large']);
    const wide = leaf({
      type: 'property',
      property: 'city',
      operator: 'eq',
      values: Array.from({ length: conditionLimits.values + 1 }, () => 'x'),
    });
    expect(problems(wide)).toEqual(['conditions.0.values condition_too_large']);
    const spread = {
      type: 'and',
      conditions: Array.from({ length: 11 }, () => ({
        type: 'property',
        property: 'city',
        operator: 'eq',
        values: Array.from({ length: 500 }, () => 'x'),
      })),
    };
    expect(problems(spread)).toEqual([' condition_too_large']);
    const long = leaf({
      type: 'property',
      property: 'city',
      operator: 'eq',
      values: ['x'.repeat(conditionLimits.valueLength + 1)],
    });
    expect(problems(long)).toEqual(['conditions.0.values.0 condition_too_large']);
  });

  it('has a message in both languages for every problem code', () => {
    for (const code of conditionProblemCodes) {
      expect(errorMessages[code]['zh-CN']).toBeTruthy();
      expect(errorMessages[code]['en-US']).toBeTruthy();
    }
  });
});

describe('SQL fragments', () => {
  it('keep placeholders and parameters in step', () => {
    const fragment = SqlFragment.concat('a = ', SqlFragment.param(1), ' AND ', SqlFragment.param('x', 'CAST(? AS DATE)'));
    expect(fragment.text).toBe('a = ? AND CAST(? AS DATE)');
    expect(fragment.params).toEqual([1, 'x']);
    expect(() => SqlFragment.withPlaceholders('f(?, ?)', [1])).toThrow(/2 placeholders for 1 parameters/);
    expect(() => SqlFragment.param(1, 'no placeholder')).toThrow();
  });
});

describe('DuckDB dialect functions for conditions and reports', () => {
  let instance: DuckDBInstance;
  const value = async (expression: string, params: (string | number)[] = []) => {
    const connection = await instance.connect();
    try {
      const reader = await connection.runAndReadAll(`SELECT ${expression} AS v`, params);
      return reader.getRowObjectsJson()[0]!.v;
    } finally {
      connection.closeSync();
    }
  };

  beforeAll(async () => {
    instance = await DuckDBInstance.create(':memory:');
  });
  afterAll(() => {
    instance.closeSync();
  });

  it('buckets an instant by local hour, day, Monday week and month', async () => {
    // 2026-03-01 23:30 local in Shanghai is a Sunday: its week began on Monday 2-23.
    const ts = "TIMESTAMP '2026-03-01 15:30:00'";
    expect(await value(d.bucket('hour', ts, 'Asia/Shanghai'))).toBe('2026-03-01 23:00:00');
    expect(await value(d.bucket('day', ts, 'Asia/Shanghai'))).toBe('2026-03-01');
    expect(await value(d.bucket('week', ts, 'Asia/Shanghai'))).toBe('2026-02-23');
    expect(await value(d.bucket('month', ts, 'Asia/Shanghai'))).toBe('2026-03-01');
    expect(await value(d.bucket('month', "TIMESTAMP '2026-02-28 16:00:00'", 'Asia/Shanghai'))).toBe('2026-03-01');
  });

  it('matches text literally and measures strings and arrays', async () => {
    expect(await value(d.containsText("'50% off'", '?'), ['%'])).toBe(true);
    expect(await value(d.containsText("'abc'", '?'), ['_'])).toBe(false);
    expect(await value(d.textLength("'上海'"))).toBe('2');
    expect(await value(d.arrayLength("['a','b']"))).toBe('2');
    expect(await value(d.arrayContainsAny("['a','b']", ['?', '?']), ['x', 'b'])).toBe(true);
    expect(await value(d.arrayContainsAll("['a','b']", ['?', '?']), ['a', 'x'])).toBe(false);
  });

  it('reads JSON members and computes median and percentiles', async () => {
    expect(await value(d.jsonString(`'{"color":"red","n":3}'::JSON`, 'color'))).toBe('red');
    expect(await value(d.jsonNumber(`'{"color":"red","n":3}'::JSON`, 'n'))).toBe(3);
    expect(await value(d.jsonNumber(`'{"color":"red"}'::JSON`, 'n'))).toBe(null);
    expect(() => d.jsonString('x', "a'); DROP")).toThrow(/invalid JSON key/);
    expect(await value(`(SELECT ${d.median('x')} FROM (VALUES (1), (2), (3), (10)) t(x))`)).toBe(2.5);
    expect(await value(`(SELECT ${d.percentile('x', 0.9)} FROM range(0, 11) t(x))`)).toBe(9);
  });

  it('places an anniversary in a year; 29 February falls on the 28th in common years', async () => {
    expect(await value(d.anniversaryInYear("DATE '2000-02-29'", '2026'))).toBe('2026-02-28');
    expect(await value(d.anniversaryInYear("DATE '2000-02-29'", '2028'))).toBe('2028-02-29');
    expect(await value(d.anniversaryInYear("DATE '1990-12-31'", '2100'))).toBe('2100-12-31');
    expect(await value(d.anniversaryInYear("DATE '1996-02-29'", '2100'))).toBe('2100-02-28');
  });
});

describe('the catalogue from metadata (pure)', () => {
  it('without a metadata source, the declaration gives today’s catalogue: attr<id>, every property on every event', () => {
    const metadata = metadataFromDeclaration('Asia/Shanghai', {
      ...declaration,
      events: [...declaration.events, { code: 'refund', alias: '退款' }],
      eventProperties: [...declaration.eventProperties, { id: '13', name: 's_channel', type: 'string' }],
    });
    const built = buildContext(metadata, [], []);
    expect(built.contactProperty('attr21')).toMatchObject({ column: 'p_21', type: 'number', source: 'custom' });
    expect(built.contactProperty('dynamic:attr21')).toBeUndefined();
    expect([...built.event('refund')!.properties.keys()]).toEqual(['amount', 'sku', 's_channel']);
    expect(built.event('refund')!.properties.get('s_channel')).toMatchObject({ column: 'p_13', source: 'system' });
    expect(built.event('refund')!.name).toBe('退款');
    expect(metadata).toMatchObject({ virtualEvents: [], lookups: [] });
    expect(buildContext(metadataFromDeclaration('UTC', undefined), [], []).event('purchase')).toBeUndefined();
  });

  const virtualContext = (members: unknown[]) =>
    buildContext(
      {
        ...metadataFromDeclaration('Asia/Shanghai', declaration),
        virtualEvents: [{ key: 'virtual:1', name: 'v', members: members as never }],
      },
      [],
      [],
    );
  const didVirtual = leaf({ type: 'event', did: true, event: 'virtual:1', time: { kind: 'today' } });

  it('a virtual event keeps its known members and the union of their properties', () => {
    const built = virtualContext([{ event: 'purchase' }, { event: 'deleted_event' }]);
    expect(built.event('virtual:1')!.members!.map((m) => m.event.code)).toEqual(['purchase']);
    expect([...built.event('virtual:1')!.properties.keys()]).toEqual(['amount', 'sku']);
    expect(virtualContext([{ event: 'deleted_event' }]).event('virtual:1')!.properties.size).toBe(0);
  });

  it.each([
    [
      'a filter on a property the member does not carry',
      [{ event: 'purchase', filters: [{ property: 'gone', operator: 'eq', values: ['x'] }] }],
    ],
    ['a value of the wrong type', [{ event: 'purchase', filters: [{ property: 'amount', operator: 'gt', values: ['ten'] }] }]],
    [
      'an operator the type does not have',
      [{ event: 'purchase', filters: [{ property: 'amount', operator: 'contains', values: [1] }] }],
    ],
    ['an unknown filterOp', [{ event: 'purchase', filters: [], filterOp: 'xor' }]],
    ['filters that are not a list', [{ event: 'purchase', filters: 'amount > 1' }]],
  ])('a stored member definition with %s is one problem on the leaf’s event', (_what, members) => {
    expect(validateConditionTree(didVirtual, virtualContext(members)).map((p) => `${p.path} ${p.code}`)).toEqual([
      'conditions.0.event condition_virtual_event_invalid',
    ]);
  });

  it('a valid member definition is no problem, and its values do not count towards the tree’s limits', () => {
    const many = Array.from({ length: conditionLimits.values }, (_, i) => `v${i}`);
    const members = Array.from({ length: 12 }, () => ({
      event: 'purchase',
      filters: [{ property: 'sku', operator: 'eq', values: many }],
    }));
    expect(validateConditionTree(didVirtual, virtualContext(members))).toEqual([]);
  });
});
