import Joi from 'joi';
import type { PluginRoute } from '../../kernel/contributions.js';
import { ForbiddenError } from '../../server/errors.js';
import { principalOf } from '../../server/principal.js';
import { moduleRoute } from '../../server/route.js';
import { id } from '../../server/schemas.js';
import { conditionLimits } from '../conditions/condition.types.js';
import { groupLimits } from '../groups/groups.types.js';
import type { CellGroupInput, CellGroups } from './cell-groups.js';
import type { AnalyticsEngine } from '../../store/olap/analytics-engine.js';
import type { ConditionsService } from '../conditions/conditions.service.js';
import type { TagsService } from '../tags/tags.service.js';
import { viewColumns } from './custom-query/custom-query.js';

const cellGroupPayload = Joi.object<CellGroupInput>({
  model: Joi.string().max(100),
  query: Joi.object().unknown(true).label('ReportQuery'),
  reportId: id(),
  cell: Joi.object().unknown(true).required().label('ReportCell'),
  name: Joi.string().trim().min(1).max(groupLimits.nameMax).required(),
  description: Joi.string().trim().max(groupLimits.descriptionMax).allow('', null),
  folderId: id().allow(null),
})
  .xor('model', 'reportId')
  .and('model', 'query')
  .label('ReportCellGroupInput');

const viewColumnSchema = Joi.object({
  name: Joi.string().required(),
  type: Joi.string().required(),
  label: Joi.string(),
}).label('OperatorViewColumn');

/**
 * 保存为群组 from a report cell (ADR 0063), and the columns of the views custom queries read (ADR 0062).
 */
export function cellGroupRoutes(deps: {
  cellGroups: CellGroups;
  olap: AnalyticsEngine;
  conditions: ConditionsService;
  tags: TagsService;
}): PluginRoute[] {
  return [
    moduleRoute<unknown, unknown, CellGroupInput>({
      method: 'POST',
      path: '/api/v1/console/report-cell-groups',
      // Creating a static group (groups.edit) from what the caller may read (reports.view, checked below).
      access: { permission: 'groups.edit' },
      options: {
        description:
          '保存为群组 / Save the users of a report cell (retention cohort × period, funnel step) as a new static group. 400 report_cell_invalid, report_cell_unsupported, report_cell_too_many_contacts, group_name_*; 403 without reports.view',
        payload: { maxBytes: conditionLimits.requestBytes },
        validate: { payload: cellGroupPayload },
        response: {
          status: {
            201: Joi.object({
              group: Joi.object({
                id: Joi.string().required(),
                name: Joi.string().required(),
                folderId: Joi.string().allow(null).required(),
              })
                .required()
                .label('ReportCellGroupRef'),
              count: Joi.number().integer().required(),
            }).label('ReportCellGroup'),
          },
        },
      },
      handler: async (request, h) => {
        const principal = principalOf(request);
        if (!principal.permissions.has('reports.view')) throw new ForbiddenError('forbidden');
        return h.response(await deps.cellGroups.save(principal, request.payload)).code(201);
      },
    }),
    moduleRoute({
      method: 'GET',
      path: '/api/v1/console/custom-query/views',
      access: { permission: 'reports.view' },
      options: {
        description:
          '自定义查询的表 / The columns of event_view and contact_view as custom queries see them (computed groups’ and tags’ columns included)',
        response: {
          schema: Joi.object({
            items: Joi.array()
              .items(
                Joi.object({
                  name: Joi.string().required(),
                  columns: Joi.array().items(viewColumnSchema).required().label('OperatorViewColumns'),
                }).label('OperatorView'),
              )
              .required()
              .label('OperatorViewList'),
          }).label('OperatorViews'),
        },
      },
      handler: async (request) => {
        const { tenantId } = principalOf(request);
        const [catalogue, tags] = await Promise.all([deps.conditions.catalogue(tenantId), deps.tags.list(tenantId)]);
        // Custom properties are `p_<key>` columns (event: `p_amount`; contact: `p_attr3`), system ones their key.
        const labels = (properties: { key: string; name: string }[]) =>
          new Map(properties.flatMap((p) => [[p.key, p.name] as const, [`p_${p.key}`, p.name] as const]));
        const items = await viewColumns(
          deps.olap,
          tenantId,
          {
            groups: catalogue.groups,
            tags: tags
              .filter((tag) => tag.activeCalcDate !== null)
              .map((tag) => ({ code: tag.code, name: tag.name, type: tag.valueType })),
          },
          {
            events: labels(catalogue.events.filter((e) => !e.virtual).flatMap((e) => e.properties)),
            contacts: labels(catalogue.contactProperties),
          },
        );
        return { items };
      },
    }),
  ];
}
