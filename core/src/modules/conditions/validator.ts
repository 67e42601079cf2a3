import type { ConditionContext, EventRef } from './catalogue.js';
import {
  conditionLimits,
  eventAggregates,
  listOperators,
  measureOperators,
  operatorsByType,
  timeRangeKinds,
  valuelessOperators,
  type ConditionOperator,
  type ConditionProblem,
  type ConditionProblemCode,
  type ConditionValueType,
} from './condition.types.js';
import { parseLocal } from './time-range.js';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const isInteger = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value);

/** Operators that take exactly one value. */
const singleValueOperators: readonly ConditionOperator[] = ['contains', 'notContains', 'lt', 'gt', 'gte', 'lte'];

/**
 * Checks a condition tree against what the tenant has. Total: any JSON goes in, every problem comes
 * out at once — each with the JSON path of the offending part and a stable code — and an empty list
 * means the compiler accepts the tree.
 */
/** The instants a time condition may name: 1900-01-01 up to (not including) 3000-01-01. */
export const INSTANT_MIN = Date.UTC(1900, 0, 1);
export const INSTANT_MAX = Date.UTC(3000, 0, 1);

export function validateConditionTree(tree: unknown, context: ConditionContext): ConditionProblem[] {
  let problems: ConditionProblem[] = [];
  const report = (path: string, code: ConditionProblemCode): void => {
    problems.push({ path, code });
  };
  let leaves = 0;
  let valueCount = 0;

  const join = (path: string, key: string | number) => (path === '' ? String(key) : `${path}.${key}`);

  /** The values of a node; null when they were malformed or too many (already reported). */
  function values(node: Json, path: string): unknown[] | undefined | null {
    if (node.values === undefined) return undefined;
    if (!Array.isArray(node.values)) {
      report(join(path, 'values'), 'condition_malformed');
      return null;
    }
    if (node.values.length > conditionLimits.values) {
      report(join(path, 'values'), 'condition_too_large');
      return null;
    }
    valueCount += node.values.length;
    return node.values;
  }

  function checkValue(value: unknown, type: ConditionValueType, path: string): void {
    const ok =
      type === 'number'
        ? typeof value === 'number' && Number.isFinite(value)
        : typeof value === 'string' && value.length <= conditionLimits.valueLength;
    if (!ok)
      report(path, typeof value === 'string' && type !== 'number' ? 'condition_too_large' : 'condition_value_type_invalid');
  }

  /** A local date or datetime of an absolute range; a `date` property takes dates only. */
  function checkInstant(
    value: unknown,
    timeType: 'date' | 'datetime' | undefined,
    path: string,
  ): { ms: number; hasTime: boolean } | undefined {
    if (typeof value !== 'string') {
      report(path, 'condition_value_type_invalid');
      return undefined;
    }
    const parsed = parseLocal(value);
    if (!parsed || (parsed.hasTime && timeType === 'date')) {
      report(path, 'condition_value_type_invalid');
      return undefined;
    }
    // Years the engines' timestamps hold (0001 or 9999-12-31's end, year 10000, would not).
    if (parsed.ms < INSTANT_MIN || parsed.ms >= INSTANT_MAX - 86_400_000) {
      report(path, 'condition_range_invalid');
      return undefined;
    }
    return parsed;
  }

  function checkOffset(value: unknown, path: string, minimum = -conditionLimits.dayOffset): number | undefined {
    if (!isInteger(value)) {
      report(path, 'condition_value_type_invalid');
      return undefined;
    }
    if (value < minimum || value > conditionLimits.dayOffset) {
      report(path, 'condition_range_invalid');
      return undefined;
    }
    return value;
  }

  function checkRange(range: unknown, timeType: 'date' | 'datetime' | undefined, path: string): void {
    if (!isObject(range) || typeof range.kind !== 'string' || !(timeRangeKinds as readonly string[]).includes(range.kind)) {
      report(path, 'condition_malformed');
      return;
    }
    switch (range.kind) {
      case 'between': {
        const from = checkInstant(range.from, timeType, join(path, 'from'));
        const to = checkInstant(range.to, timeType, join(path, 'to'));
        // `to` is inclusive: a date reaches the end of its day, a datetime the end of its second
        // (as resolveTimeRange reads it), so "2-10 12:00:00 .. 2-10" is half a day, not reversed.
        const toEnd = to && to.ms + (to.hasTime ? 1000 : 86_400_000);
        if (from !== undefined && toEnd !== undefined && from.ms >= toEnd) report(path, 'condition_range_reversed');
        return;
      }
      case 'before':
      case 'after':
        checkInstant(range.date, timeType, join(path, 'date'));
        return;
      case 'relativeBefore':
      case 'relativeAfter':
      case 'relativeDay':
        checkOffset(range.offset, join(path, 'offset'));
        return;
      case 'today':
      case 'thisMonth':
        return;
      case 'past':
        checkOffset(range.days, join(path, 'days'), 1);
        if (typeof range.includeToday !== 'boolean') report(join(path, 'includeToday'), 'condition_malformed');
        return;
      case 'next':
        checkOffset(range.days, join(path, 'days'), 1);
        return;
      case 'relativeRange': {
        const from = checkOffset(range.from, join(path, 'from'));
        const to = checkOffset(range.to, join(path, 'to'));
        if (from !== undefined && to !== undefined && from > to) report(path, 'condition_range_reversed');
        return;
      }
    }
  }

  /** Operator and operands of a property, event-property or tag comparison. */
  function checkComparison(node: Json, type: ConditionValueType, timeType: 'date' | 'datetime' | undefined, path: string): void {
    const operator = node.operator;
    if (typeof operator !== 'string' || !(operatorsByType[type] as readonly string[]).includes(operator)) {
      report(join(path, 'operator'), 'condition_operator_invalid');
      return;
    }
    const op = operator as ConditionOperator;
    const list = values(node, path);
    if (list === null) return;
    const valuesPath = join(path, 'values');
    if (op === 'in') {
      if (node.range === undefined) report(join(path, 'range'), 'condition_malformed');
      else checkRange(node.range, timeType, join(path, 'range'));
      if (list?.length) report(valuesPath, 'condition_values_count');
      return;
    }
    if (node.range !== undefined) report(join(path, 'range'), 'condition_malformed');
    if (valuelessOperators.includes(op)) {
      if (list?.length) report(valuesPath, 'condition_values_count');
      return;
    }
    if (!list || list.length === 0) {
      report(valuesPath, 'condition_values_empty');
      return;
    }
    const elementType = type === 'strings' ? 'string' : type;
    list.forEach((value, index) => checkValue(value, elementType, join(valuesPath, index)));
    if (listOperators.includes(op)) return;
    if (op === 'between') {
      if (list.length !== 2) report(valuesPath, 'condition_values_count');
      else if (typeof list[0] === 'number' && typeof list[1] === 'number' && list[0] > list[1]) {
        report(valuesPath, 'condition_range_reversed');
      }
      return;
    }
    if (singleValueOperators.includes(op) && list.length !== 1) report(valuesPath, 'condition_values_count');
  }

  function checkMeasure(
    measure: unknown,
    did: boolean,
    event: { properties: ReadonlyMap<string, { type: ConditionValueType }> } | undefined,
    path: string,
  ): void {
    if (!isObject(measure)) {
      report(path, 'condition_malformed');
      return;
    }
    const aggregate = measure.aggregate;
    if (typeof aggregate !== 'string' || !(eventAggregates as readonly string[]).includes(aggregate)) {
      report(join(path, 'aggregate'), 'condition_aggregate_invalid');
    } else if (aggregate !== 'count') {
      if (measure.property === undefined) report(join(path, 'property'), 'condition_aggregate_property_required');
      else if (typeof measure.property !== 'string') report(join(path, 'property'), 'condition_malformed');
      else if (event) {
        const property = event.properties.get(measure.property);
        if (!property) report(join(path, 'property'), 'condition_event_property_unknown');
        else if (aggregate !== 'distinctCount' && property.type !== 'number') {
          report(join(path, 'property'), 'condition_aggregate_invalid');
        }
      }
    } else if (measure.property !== undefined) {
      report(join(path, 'property'), 'condition_malformed');
    }
    const operator = measure.operator;
    if (typeof operator !== 'string' || !(measureOperators as readonly string[]).includes(operator)) {
      report(join(path, 'operator'), 'condition_operator_invalid');
      return;
    }
    const list = values(measure, path);
    if (list === null) return;
    const valuesPath = join(path, 'values');
    if (!list || list.length === 0) {
      report(valuesPath, 'condition_values_empty');
      return;
    }
    list.forEach((value, index) => checkValue(value, 'number', join(valuesPath, index)));
    if (operator === 'between') {
      if (list.length !== 2) report(valuesPath, 'condition_values_count');
      else if (typeof list[0] === 'number' && typeof list[1] === 'number' && list[0] > list[1]) {
        report(valuesPath, 'condition_range_reversed');
      } else if (did && aggregate === 'count' && typeof list[1] === 'number' && list[1] < 1) {
        // "Between 0 and 0 times" is "= 0" in disguise.
        report(path, 'condition_measure_unsatisfiable');
      }
    } else if (list.length !== 1) {
      report(valuesPath, 'condition_values_count');
    } else if (did && aggregate === 'count' && typeof list[0] === 'number') {
      // "Did" is at least once: a count that must be 0 (or below 1) can never hold.
      const value = list[0];
      const never = (operator === 'eq' && value < 1) || (operator === 'lt' && value <= 1) || (operator === 'lte' && value < 1);
      if (never) report(path, 'condition_measure_unsatisfiable');
    }
  }

  /**
   * A virtual event's stored member filters, checked like a leaf's against each member's
   * properties. They are not the caller's to fix, so any problem is one
   * `condition_virtual_event_invalid` on the leaf's event (their values do not count towards the
   * tree's limits).
   */
  function checkVirtualEvent(event: EventRef, path: string): void {
    const saved = { problems, valueCount };
    problems = [];
    for (const member of event.members ?? []) {
      const filters: unknown = member.filters;
      if (member.filterOp !== undefined && member.filterOp !== 'and' && member.filterOp !== 'or')
        report(path, 'condition_malformed');
      if (!Array.isArray(filters) || filters.length > conditionLimits.eventFilters) {
        report(path, 'condition_malformed');
        continue;
      }
      for (const filter of filters as unknown[]) {
        const property =
          isObject(filter) && typeof filter.property === 'string' ? member.event.properties.get(filter.property) : undefined;
        if (!property) report(path, 'condition_event_property_unknown');
        else checkComparison(filter as Json, property.type, property.timeType, path);
      }
    }
    const invalid = problems.length > 0;
    ({ problems, valueCount } = saved);
    if (invalid) report(join(path, 'event'), 'condition_virtual_event_invalid');
  }

  function checkLeaf(node: Json, path: string): void {
    leaves += 1;
    switch (node.type) {
      case 'property': {
        if (typeof node.property !== 'string') return report(join(path, 'property'), 'condition_malformed');
        const property = context.contactProperty(node.property);
        if (!property) return report(join(path, 'property'), 'condition_property_unknown');
        return checkComparison(node, property.type, property.timeType, path);
      }
      case 'event': {
        if (typeof node.did !== 'boolean') report(join(path, 'did'), 'condition_malformed');
        const event = typeof node.event === 'string' ? context.event(node.event) : undefined;
        if (typeof node.event !== 'string') report(join(path, 'event'), 'condition_malformed');
        else if (!event) report(join(path, 'event'), 'condition_event_unknown');
        else if (event.members) checkVirtualEvent(event, path);
        if (node.time === undefined) report(join(path, 'time'), 'condition_malformed');
        else checkRange(node.time, 'datetime', join(path, 'time'));
        if (node.filterOp !== undefined && node.filterOp !== 'and' && node.filterOp !== 'or') {
          report(join(path, 'filterOp'), 'condition_malformed');
        }
        if (node.filters !== undefined) {
          if (!Array.isArray(node.filters)) report(join(path, 'filters'), 'condition_malformed');
          else if (node.filters.length > conditionLimits.eventFilters) report(join(path, 'filters'), 'condition_too_large');
          else {
            node.filters.forEach((filter: unknown, index) => {
              const filterPath = join(join(path, 'filters'), index);
              if (!isObject(filter) || typeof filter.property !== 'string') return report(filterPath, 'condition_malformed');
              if (!event) return;
              const property = event.properties.get(filter.property);
              if (!property) return report(join(filterPath, 'property'), 'condition_event_property_unknown');
              checkComparison(filter, property.type, property.timeType, filterPath);
            });
          }
        }
        if (node.measure !== undefined) checkMeasure(node.measure, node.did !== false, event, join(path, 'measure'));
        return;
      }
      case 'group': {
        if (typeof node.groupId !== 'string') report(join(path, 'groupId'), 'condition_malformed');
        else if (!context.group(node.groupId)) report(join(path, 'groupId'), 'condition_group_unknown');
        if (node.operator !== 'in' && node.operator !== 'notIn') report(join(path, 'operator'), 'condition_operator_invalid');
        return;
      }
      case 'tag': {
        if (typeof node.tagId !== 'string') return report(join(path, 'tagId'), 'condition_malformed');
        const tag = context.tag(node.tagId);
        if (!tag) return report(join(path, 'tagId'), 'condition_tag_unknown');
        return checkComparison(node, tag.type, 'datetime', path);
      }
      default:
        return report(join(path, 'type'), 'condition_malformed');
    }
  }

  function checkNode(node: unknown, path: string, depth: number): void {
    if (!isObject(node)) return report(path, 'condition_malformed');
    if (node.type === 'and' || node.type === 'or') {
      if (depth >= 2) return report(path, 'condition_nesting_too_deep');
      if (!Array.isArray(node.conditions)) return report(join(path, 'conditions'), 'condition_malformed');
      if (node.conditions.length === 0 && depth > 0) return report(path, 'condition_group_empty');
      if (node.conditions.length > conditionLimits.leaves) return report(join(path, 'conditions'), 'condition_too_large');
      node.conditions.forEach((child: unknown, index) => checkNode(child, join(join(path, 'conditions'), index), depth + 1));
      return;
    }
    if (depth === 0) return report(join(path, 'type'), 'condition_malformed');
    checkLeaf(node, path);
  }

  checkNode(tree, '', 0);
  if (leaves > conditionLimits.leaves || valueCount > conditionLimits.totalValues) {
    problems.unshift({ path: '', code: 'condition_too_large' });
  }
  return problems;
}
