import Joi from 'joi';
import {
  conditionLimits,
  eventAggregates,
  measureOperators,
  operatorsByType,
  timeRangeKinds,
  type ConditionTree,
} from './condition.types.js';

/**
 * The tree's shape as joi (API validation and OpenAPI docs). It checks each node's form; what
 * depends on the tenant or on the combination — nesting depth, operators by type, value types,
 * reversed ranges, references — is the validator's, which reports it with stable codes.
 */
const operators = [...new Set(Object.values(operatorsByType).flat())];
const value = Joi.alternatives().try(Joi.string().max(conditionLimits.valueLength).allow(''), Joi.number());
const values = Joi.array().items(value).max(conditionLimits.values);
const offset = Joi.number().integer();

const timeRange = Joi.object({
  kind: Joi.string()
    .valid(...timeRangeKinds)
    .required(),
  from: Joi.alternatives().try(Joi.string().max(19), offset),
  to: Joi.alternatives().try(Joi.string().max(19), offset),
  date: Joi.string().max(19),
  offset,
  days: offset,
  includeToday: Joi.boolean(),
}).label('ConditionTimeRange');

const comparison = {
  operator: Joi.string()
    .valid(...operators)
    .required(),
  values,
  range: timeRange,
};

const propertyLeaf = Joi.object({
  type: Joi.string().valid('property').required(),
  property: Joi.string().max(128).required(),
  ...comparison,
}).label('PropertyCondition');

const eventLeaf = Joi.object({
  type: Joi.string().valid('event').required(),
  did: Joi.boolean().required(),
  event: Joi.string().max(128).required(),
  time: timeRange.required(),
  filters: Joi.array()
    .items(Joi.object({ property: Joi.string().max(128).required(), ...comparison }).label('EventPropertyFilter'))
    .max(conditionLimits.eventFilters),
  filterOp: Joi.string().valid('and', 'or'),
  measure: Joi.object({
    aggregate: Joi.string()
      .valid(...eventAggregates)
      .required(),
    property: Joi.string().max(128),
    operator: Joi.string()
      .valid(...measureOperators)
      .required(),
    values: Joi.array().items(Joi.number()).max(2).required(),
  }).label('EventMeasure'),
}).label('EventCondition');

const groupLeaf = Joi.object({
  type: Joi.string().valid('group').required(),
  groupId: Joi.string().max(20).required(),
  operator: Joi.string().valid('in', 'notIn').required(),
}).label('GroupCondition');

const tagLeaf = Joi.object({
  type: Joi.string().valid('tag').required(),
  tagId: Joi.string().max(20).required(),
  ...comparison,
}).label('TagCondition');

const group = Joi.object({
  type: Joi.string().valid('and', 'or').required(),
  conditions: Joi.array().items(Joi.link('#conditionNode')).max(conditionLimits.leaves).required(),
}).label('ConditionGroup');

const node = Joi.alternatives()
  .conditional('.type', {
    switch: [
      { is: 'property', then: propertyLeaf },
      { is: 'event', then: eventLeaf },
      { is: 'group', then: groupLeaf },
      { is: 'tag', then: tagLeaf },
    ],
    otherwise: group,
  })
  .id('conditionNode');

/** A condition tree: an AND/OR group at the root (see condition.types.ts). */
export const conditionTreeSchema: Joi.ObjectSchema<ConditionTree> = group.shared(node).label('ConditionTree');
