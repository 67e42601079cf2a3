import {
  listOperators,
  operatorsByType,
  valuelessOperators,
  type CatalogueEvent,
  type CatalogueProperty,
  type Comparison,
  type ConditionCatalogue,
  type ConditionGroup,
  type ConditionLeaf,
  type ConditionNode,
  type ConditionOperator,
  type ConditionTree,
  type ConditionValueType,
  type EventAggregate,
  type EventCondition,
  type EventMeasure,
  type EventPropertyFilter,
  type MeasureOperator,
} from '@huiliu/core/conditions';
import { convertRangeTimeType, defaultEventRange, defaultRangeFor, type TimeType } from './time-range';

// Pure helpers of the condition builder: where a node sits, immutable edits, and the defaults
// that keep a tree well-formed while the operator edits it. No React here.

/** Where a node sits: indexes into `conditions` from the root (`[]` is the root, `[1, 0]` a leaf of group 1). */
export type NodePath = readonly number[];

/** A stable text form of a path, for keys and test ids (`root`, `1`, `1.0`). */
export function pathKey(path: NodePath): string {
  return path.length === 0 ? 'root' : path.join('.');
}

export function isGroup(node: ConditionNode): node is ConditionGroup {
  return node.type === 'and' || node.type === 'or';
}

/** The node at `path`, or undefined when the tree has none there. */
export function nodeAt(tree: ConditionTree, path: NodePath): ConditionNode | undefined {
  let node: ConditionNode = tree;
  for (const index of path) {
    if (!isGroup(node)) return undefined;
    const child: ConditionNode | undefined = node.conditions[index];
    if (!child) return undefined;
    node = child;
  }
  return node;
}

/** A copy of the tree with the node at `path` replaced by `replace(node)` (`undefined` removes it). */
function editAt(
  group: ConditionGroup,
  path: NodePath,
  replace: (node: ConditionNode) => ConditionNode | undefined,
): ConditionGroup {
  const [index, ...rest] = path;
  if (index === undefined) {
    const replaced = replace(group);
    if (!replaced || !isGroup(replaced)) throw new Error('The root stays an AND/OR group');
    return replaced;
  }
  const child = group.conditions[index];
  if (!child) return group;
  let next: ConditionNode | undefined;
  if (rest.length === 0) next = replace(child);
  else if (isGroup(child)) next = editAt(child, rest, replace);
  else return group;
  const conditions = [...group.conditions];
  if (next) conditions[index] = next;
  else conditions.splice(index, 1);
  return { ...group, conditions };
}

export function replaceNode(tree: ConditionTree, path: NodePath, node: ConditionNode): ConditionTree {
  return editAt(tree, path, () => node);
}

/**
 * Removes the node at `path`. A nested group left without conditions goes too: an empty nested
 * group matches nothing useful and the server refuses it (`condition_group_empty`).
 */
export function removeNode(tree: ConditionTree, path: NodePath): ConditionTree {
  if (path.length === 0) return tree;
  const edited = editAt(tree, path, () => undefined);
  const parentPath = path.slice(0, -1);
  const parent = nodeAt(edited, parentPath);
  if (parentPath.length > 0 && parent && isGroup(parent) && parent.conditions.length === 0) {
    return editAt(edited, parentPath, () => undefined);
  }
  return edited;
}

/** Appends `node` to the group at `groupPath`. */
export function appendNode(tree: ConditionTree, groupPath: NodePath, node: ConditionNode): ConditionTree {
  return editAt(tree, groupPath, (group) => (isGroup(group) ? { ...group, conditions: [...group.conditions, node] } : group));
}

export function setGroupType(tree: ConditionTree, groupPath: NodePath, type: 'and' | 'or'): ConditionTree {
  return editAt(tree, groupPath, (group) => (isGroup(group) ? { ...group, type } : group));
}

// ---------------------------------------------------------------- comparisons

/** The kinds of value input an operator takes. */
export type ValueShape = 'none' | 'list' | 'single' | 'pair' | 'range';

export function valueShape(operator: ConditionOperator): ValueShape {
  if (valuelessOperators.includes(operator)) return 'none';
  if (listOperators.includes(operator)) return 'list';
  if (operator === 'between') return 'pair';
  if (operator === 'in') return 'range';
  return 'single';
}

/** What a comparison compares: the value type and, for times, whether days or instants. */
export interface ValueKind {
  type: ConditionValueType;
  timeType?: TimeType;
  /** The anniversary of a date (`dynamic:birthday`): "today" is the natural first range. */
  dynamicDate?: boolean;
}

export function valueKindOf(property: Pick<CatalogueProperty, 'type' | 'timeType' | 'source'>): ValueKind {
  return {
    type: property.type,
    ...(property.type === 'time' ? { timeType: property.timeType ?? 'date' } : {}),
    ...(property.source === 'dynamicDate' ? { dynamicDate: true } : {}),
  };
}

/** The comparison an operator starts with: no values yet, or the default range for `in`. */
export function comparisonFor(operator: ConditionOperator, kind: ValueKind): Comparison {
  const shape = valueShape(operator);
  if (shape === 'none') return { operator };
  if (shape === 'range') return { operator, range: defaultRangeFor(kind) };
  return { operator, values: [] };
}

export function defaultComparison(kind: ValueKind): Comparison {
  return comparisonFor(operatorsByType[kind.type][0]!, kind);
}

/**
 * The comparison after the operator changed: values carry over when the new operator takes the
 * same shape (`eq` → `ne` keeps the list, `lt` → `gte` keeps the number), otherwise they reset.
 */
export function withOperator(comparison: Comparison, operator: ConditionOperator, kind: ValueKind): Comparison {
  const from = valueShape(comparison.operator);
  const to = valueShape(operator);
  if (from === to && to === 'list') return { operator, values: [...(comparison.values ?? [])] };
  if (from === to && to === 'single') return { operator, values: [...(comparison.values ?? [])].slice(0, 1) };
  if (from === to && to === 'pair') return { operator, values: [...(comparison.values ?? [])] };
  if (from === to && to === 'range' && comparison.range) return { operator, range: comparison.range };
  return comparisonFor(operator, kind);
}

/**
 * The comparison after its property changed from one kind to another: kept when both compare the
 * same type (the operator picked a neighbouring field), with absolute dates converted between
 * date and datetime; reset to the new type's first operator otherwise.
 */
export function retargetComparison(comparison: Comparison, from: ValueKind | undefined, to: ValueKind): Comparison {
  if (!from || from.type !== to.type || !operatorsByType[to.type].includes(comparison.operator)) {
    return defaultComparison(to);
  }
  if (comparison.range && to.type === 'time') {
    return { ...comparison, range: convertRangeTimeType(comparison.range, to.timeType ?? 'date') };
  }
  return comparison;
}

/** Only the keys a comparison of this operator carries (no stray `values` on a valueless one). */
export function pickComparison(comparison: Comparison): Comparison {
  const shape = valueShape(comparison.operator);
  if (shape === 'none') return { operator: comparison.operator };
  if (shape === 'range')
    return comparison.range ? { operator: comparison.operator, range: comparison.range } : { operator: comparison.operator };
  return { operator: comparison.operator, values: comparison.values ?? [] };
}

// ---------------------------------------------------------------- leaves

export type LeafKind = ConditionLeaf['type'];
export const leafKinds: readonly LeafKind[] = ['property', 'event', 'group', 'tag'];

/** A property the caller may pick: not of a field masked for them (the catalogue's `masked`, ADR 0069). */
export const isPickable = (property: CatalogueProperty): boolean => property.masked !== true;

/** Whether the catalogue has anything a leaf of this kind could refer to. */
export function canAddLeaf(kind: LeafKind, catalogue: ConditionCatalogue): boolean {
  switch (kind) {
    case 'property':
      return catalogue.contactProperties.some(isPickable);
    case 'event':
      return catalogue.events.length > 0;
    case 'group':
      return catalogue.groups.length > 0;
    case 'tag':
      return catalogue.tags.length > 0;
  }
}

/** A new leaf of `kind`, pointing at the catalogue's first (pickable) entry (so the tree stays well-formed). */
export function newLeaf(kind: LeafKind, catalogue: ConditionCatalogue): ConditionLeaf | undefined {
  switch (kind) {
    case 'property': {
      const property = catalogue.contactProperties.find(isPickable);
      if (!property) return undefined;
      return { type: 'property', property: property.key, ...defaultComparison(valueKindOf(property)) };
    }
    case 'event': {
      const event = catalogue.events[0];
      if (!event) return undefined;
      return { type: 'event', did: true, event: event.code, time: defaultEventRange() };
    }
    case 'group': {
      const group = catalogue.groups[0];
      if (!group) return undefined;
      return { type: 'group', groupId: group.id, operator: 'in' };
    }
    case 'tag': {
      const tag = catalogue.tags[0];
      if (!tag) return undefined;
      return { type: 'tag', tagId: tag.id, ...defaultComparison({ type: tag.type }) };
    }
  }
}

/**
 * A new nested group holding one property leaf (an empty group is refused by the server). Its
 * relation is the opposite of its parent's: a nested group with the parent's own relation would
 * mean the same as its leaves side by side.
 */
export function newNestedGroup(parentType: 'and' | 'or', catalogue: ConditionCatalogue): ConditionGroup {
  const first = leafKinds.map((kind) => newLeaf(kind, catalogue)).find((leaf) => leaf !== undefined);
  return { type: parentType === 'and' ? 'or' : 'and', conditions: first ? [first] : [] };
}

export function findProperty(properties: readonly CatalogueProperty[], key: string): CatalogueProperty | undefined {
  return properties.find((property) => property.key === key);
}

export function findEvent(catalogue: ConditionCatalogue, code: string): CatalogueEvent | undefined {
  return catalogue.events.find((event) => event.code === code);
}

// ---------------------------------------------------------------- event leaves

/** Properties an aggregate may use: numbers for sum/avg/max/min, any for distinctCount, none for count. */
export function aggregateProperties(aggregate: EventAggregate, properties: readonly CatalogueProperty[]): CatalogueProperty[] {
  if (aggregate === 'count') return [];
  if (aggregate === 'distinctCount') return [...properties];
  return properties.filter((property) => property.type === 'number');
}

export function newMeasure(): EventMeasure {
  return { aggregate: 'count', operator: 'gte', values: [1] };
}

/** The measure after its aggregate changed: the property follows what the aggregate allows. */
export function withAggregate(
  measure: EventMeasure,
  aggregate: EventAggregate,
  properties: readonly CatalogueProperty[],
): EventMeasure {
  const { property: previous, ...rest } = measure;
  if (aggregate === 'count') return { ...rest, aggregate };
  const allowed = aggregateProperties(aggregate, properties);
  const property = allowed.some((candidate) => candidate.key === previous) ? previous : allowed[0]?.key;
  return property === undefined ? { ...rest, aggregate } : { ...rest, aggregate, property };
}

export function withMeasureOperator(measure: EventMeasure, operator: MeasureOperator): EventMeasure {
  const wasPair = measure.operator === 'between';
  const isPair = operator === 'between';
  if (wasPair === isPair) return { ...measure, operator };
  return { ...measure, operator, values: isPair ? [] : measure.values.slice(0, 1) };
}

export function newFilter(event: CatalogueEvent): EventPropertyFilter | undefined {
  const property = event.properties[0];
  if (!property) return undefined;
  return { property: property.key, ...defaultComparison(valueKindOf(property)) };
}

/**
 * The event leaf after its event changed: filters on properties the new event also has (with the
 * same type) stay, the others go; a measure keeps working with a property the new event allows.
 */
export function withEvent(leaf: EventCondition, event: CatalogueEvent, previous: CatalogueEvent | undefined): EventCondition {
  const { filters, filterOp, measure, ...rest } = leaf;
  const next: EventCondition = { ...rest, event: event.code };
  const keptFilters = (filters ?? []).filter((filter) => {
    const before = previous && findProperty(previous.properties, filter.property);
    const after = findProperty(event.properties, filter.property);
    return after !== undefined && before !== undefined && before.type === after.type && before.timeType === after.timeType;
  });
  if (keptFilters.length > 0) {
    next.filters = keptFilters;
    if (filterOp) next.filterOp = filterOp;
  }
  if (measure) {
    const adjusted = withAggregate(measure, measure.aggregate, event.properties);
    next.measure =
      adjusted.aggregate !== 'count' && adjusted.property === undefined ? withAggregate(measure, 'count', []) : adjusted;
  }
  return next;
}

/** Sets the event leaf's filters; without any, the leaf carries neither `filters` nor `filterOp`. */
export function withFilters(leaf: EventCondition, filters: EventPropertyFilter[]): EventCondition {
  const next: EventCondition = { ...leaf, filters };
  if (filters.length > 0) return next;
  delete next.filters;
  delete next.filterOp;
  return next;
}

/** The leaves of a tree (bounded by `conditionLimits.leaves`). */
export function countLeaves(node: ConditionNode): number {
  return isGroup(node) ? node.conditions.reduce((sum, child) => sum + countLeaves(child), 0) : 1;
}
