import Joi from 'joi';
import type { PluginRoute } from '../../kernel/contributions.js';
import { localeOf } from '../../server/error-responses.js';
import { principalOf } from '../../server/principal.js';
import { moduleRoute } from '../../server/route.js';
import { epochMs } from '../../server/schemas.js';
import { conditionTreeSchema } from './condition.schema.js';
import { conditionLimits, conditionProblemCodes, type ConditionTree } from './condition.types.js';
import type { ConditionsService } from './conditions.service.js';

const propertyFields = {
  key: Joi.string().required(),
  name: Joi.string().required(),
  type: Joi.string().required(),
  timeType: Joi.string().valid('date', 'datetime'),
  source: Joi.string().valid('system', 'custom', 'sdk', 'dynamicDate').required(),
  // A contact property of a field masked for the caller (ADR 0069): the builders show it disabled.
  masked: Joi.boolean().valid(true),
};

/** A value read through a dimension table or dictionary linked to its base property. */
const lookupProperty = Joi.object({
  ...propertyFields,
  lookup: Joi.object({
    kind: Joi.string().valid('dimension', 'dictionary').required(),
    dimensionId: Joi.string().required(),
    name: Joi.string().required(),
  })
    .label('CatalogueLookup')
    .required(),
}).label('CatalogueLookupProperty');

const property = Joi.object({
  ...propertyFields,
  lookups: Joi.array().items(lookupProperty),
}).label('CatalogueProperty');

const catalogueSchema = Joi.object({
  timeZone: Joi.string().required(),
  contactProperties: Joi.array().items(property).required(),
  events: Joi.array()
    .items(
      Joi.object({
        code: Joi.string().required(),
        name: Joi.string().required(),
        virtual: Joi.boolean().valid(true),
        properties: Joi.array().items(property).required(),
      }).label('CatalogueEvent'),
    )
    .required(),
  groups: Joi.array()
    .items(Joi.object({ id: Joi.string().required(), name: Joi.string().required() }).label('CatalogueGroup'))
    .required(),
  tags: Joi.array()
    .items(
      Joi.object({ id: Joi.string().required(), name: Joi.string().required(), type: Joi.string().required() }).label(
        'CatalogueTag',
      ),
    )
    .required(),
}).label('ConditionCatalogue');

const problem = Joi.object({
  path: Joi.string().allow('').required(),
  code: Joi.string()
    .valid(...conditionProblemCodes)
    .required(),
  message: Joi.string().required(),
}).label('ConditionProblem');

const treePayload = Joi.object<{ tree: ConditionTree }>({ tree: conditionTreeSchema.required() }).label('ConditionTreePayload');

export function conditionsRoutes(conditions: ConditionsService): PluginRoute[] {
  return [
    moduleRoute({
      method: 'GET',
      path: '/api/v1/conditions/catalogue',
      access: { permission: 'contacts.view' },
      options: {
        description: '条件目录 / What conditions may refer to: contact properties, events and their properties, groups, tags',
        notes:
          'A contact property (or a lookup of one) of a field masked for the caller carries `masked: true`: a filter, dimension or measure on it is refused (ADR 0069).',
        response: { schema: catalogueSchema },
      },
      handler: (request) => {
        const principal = principalOf(request);
        return conditions.catalogue(principal.tenantId, principal);
      },
    }),
    moduleRoute({
      method: 'POST',
      path: '/api/v1/conditions/validate',
      access: { permission: 'contacts.view' },
      options: {
        description: '校验筛选条件 / Validate a condition tree: every problem at once, with its path, code and message (§3.3)',
        validate: { payload: treePayload },
        payload: { maxBytes: conditionLimits.requestBytes },
        response: {
          schema: Joi.object({ valid: Joi.boolean().required(), problems: Joi.array().items(problem).required() }).label(
            'ConditionValidation',
          ),
        },
      },
      handler: async (request) => {
        const problems = await conditions.validate(principalOf(request).tenantId, request.payload.tree, localeOf(request));
        return { valid: problems.length === 0, problems };
      },
    }),
    moduleRoute({
      method: 'POST',
      path: '/api/v1/conditions/estimate',
      access: { permission: 'contacts.view' },
      options: {
        description:
          '预估人数 / Count the contacts matching a condition tree now (§1.5.1.3), interrupted at the analytics time limit',
        notes:
          'An invalid tree answers 400 `condition_invalid` with one detail per problem; a query past the time limit answers `olap_query_timeout`.',
        validate: { payload: treePayload },
        payload: { maxBytes: conditionLimits.requestBytes },
        response: {
          schema: Joi.object({ count: Joi.number().integer().min(0).required(), computedAt: epochMs().required() }).label(
            'ConditionEstimate',
          ),
        },
      },
      handler: (request) =>
        conditions.estimate(principalOf(request).tenantId, request.payload.tree, { asker: principalOf(request) }),
    }),
  ];
}
