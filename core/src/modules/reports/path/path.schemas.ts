import Joi from 'joi';

/** The keys a path result (`PathReportResult`, ADR 0058) adds to a report result. */
export const pathResultKeys = {
  from: Joi.string().required(),
  to: Joi.string().required(),
  anchor: Joi.string().valid('start', 'end').required().label('PathAnchorKindInfo'),
  events: Joi.array()
    .items(Joi.object({ event: Joi.string().required(), name: Joi.string().required() }).label('PathEventInfo'))
    .required()
    .label('PathEventInfoList'),
  dimension: Joi.object({ key: Joi.string().required(), name: Joi.string().required() }).label('PathDimensionInfo'),
  layers: Joi.number().integer().required(),
  nodes: Joi.number().integer().required(),
  groups: Joi.array()
    .items(Joi.object({ name: Joi.string().required() }).label('PathGroupInfo'))
    .label('PathGroupInfoList'),
  paths: Joi.array()
    .items(
      Joi.object({
        group: Joi.number().integer(),
        sessions: Joi.number().integer().required(),
        more: Joi.boolean().required(),
        nodes: Joi.array()
          .items(
            Joi.object({
              id: Joi.string().required(),
              layer: Joi.number().integer().required(),
              event: Joi.number().integer().allow(null).required(),
              value: Joi.string().allow(null),
              sessions: Joi.number().integer().required(),
              retained: Joi.number().integer().required(),
              churned: Joi.number().integer().required(),
            }).label('PathNode'),
          )
          .required()
          .label('PathNodeList'),
        edges: Joi.array()
          .items(
            Joi.object({
              source: Joi.string().required(),
              target: Joi.string().required(),
              sessions: Joi.number().integer().required(),
            }).label('PathEdge'),
          )
          .required()
          .label('PathEdgeList'),
      }).label('PathSeries'),
    )
    .required()
    .label('PathSeriesList'),
};
