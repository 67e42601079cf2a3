import Joi from 'joi';
import { eventAggregates, measureOperators, operatorsByType, timeRangeKinds, type ConditionTree } from './condition.types.js';

/**
 * The tree's shape as joi (API validation and OpenAPI docs). It checks each node's form; what
 * depends on the tenant or on the combination — nesting depth, operators by type, value types,
 * reversed ranges, references — is the validator's, which reports it with stable codes.
 */
const operators = [...new Set(Object.values(operatorsByType).flat())];
const value = Joi.alternatives().try(Joi.string().allow(''), Joi.number()).label('ConditionValue');
// Sizes (values per list, per tree, string lengths) are the validator's, with stable codes; the
// routes cap the request at conditionLimits.requestBytes.
const values = Joi.array().items(value).label('ConditionValues');
const offset = Joi.number().integer();

const timeRange = Joi.object({
  kind: Joi.string()
    .valid(...timeRangeKinds)
    .required()
    .label('TimeRangeKind'),
  from: Joi.alternatives().try(Joi.string().max(19), offset).label('ConditionTimeBound'),
  to: Joi.alternatives().try(Joi.string().max(19), offset).label('ConditionTimeBound'),
  date: Joi.string().max(19),
  offset,
  days: offset,
  includeToday: Joi.boolean(),
}).label('ConditionTimeRange');

const comparison = {
  operator: Joi.string()
    .valid(...operators)
    .required()
    .label('ComparisonOperator'),
  values,
  range: timeRange,
};

const measure = Joi.object({
  aggregate: Joi.string()
    .valid(...eventAggregates)
    .required()
    .label('EventAggregate'),
  property: Joi.string().max(128),
  operator: Joi.string()
    .valid(...measureOperators)
    .required()
    .label('MeasureOperator'),
  values: Joi.array().items(Joi.number()).required().label('EventMeasureValues'),
}).label('EventMeasure');

const filter = Joi.object({ property: Joi.string().max(128).required(), ...comparison }).label('EventPropertyFilter');

/**
 * Every field a node may have, by kind — one documented object rather than a union, because
 * OpenAPI tools render joi unions poorly and a union's error ("matches none") hides which field is
 * wrong. Which fields a kind requires is the validator's, reported with its path and a stable code.
 */
const nodeFields = {
  type: Joi.string()
    .valid('and', 'or', 'property', 'event', 'group', 'tag')
    .required()
    .description('and/or: a group; else a leaf')
    .label('ConditionNodeType'),
  // property, tag, event filters
  property: Joi.string().max(128).description('property: the contact property key'),
  operator: Joi.string()
    .valid(...operators, 'notIn')
    .description('property/tag: by value type; group: in/notIn')
    .label('ConditionOperator'),
  values,
  range: timeRange,
  // event
  did: Joi.boolean(),
  event: Joi.string().max(128),
  time: timeRange,
  filters: Joi.array().items(filter).label('EventPropertyFilters'),
  filterOp: Joi.string().valid('and', 'or').label('ConditionFilterOp'),
  measure,
  // group, tag
  groupId: Joi.string().max(20),
  tagId: Joi.string().max(20),
};

/**
 * Written out level by level instead of recursively (Joi.link), so a hostile 10,000-deep payload
 * is refused at the third level without recursing. A group below the second level passes the shape
 * check only as `{type, …}` — the validator reports it as `condition_nesting_too_deep`.
 */
const tooDeep = Joi.object({ type: Joi.string().required() }).unknown(true).label('ConditionNodeTooDeep');
const innerNode = Joi.object({ ...nodeFields, conditions: Joi.array().items(tooDeep).label('ConditionNodesTooDeep') }).label(
  'ConditionNodeInner',
);
const node = Joi.object({ ...nodeFields, conditions: Joi.array().items(innerNode).label('ConditionNodesInner') }).label(
  'ConditionNode',
);

/** A condition tree: an AND/OR group at the root (see condition.types.ts). */
export const conditionTreeSchema: Joi.ObjectSchema<ConditionTree> = Joi.object<ConditionTree>({
  type: Joi.string().valid('and', 'or').required().label('ConditionGroupType'),
  conditions: Joi.array().items(node).required().label('ConditionNodes'),
}).label('ConditionTree');

/** One property filter of an event leaf (also a virtual event member's filter). */
export const eventFilterSchema = filter;

/** A time range (§3.3) as every condition leaf takes it; its rules are the validator's. A dashboard's temporary range too. */
export const timeRangeSchema = timeRange;
