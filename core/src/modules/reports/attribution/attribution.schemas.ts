import Joi from 'joi';

const eventInfo = Joi.object({ name: Joi.string().required(), event: Joi.string().required() }).label('AttributionEventInfo');

/** The keys an attribution result (`AttributionReportResult`, ADR 0059) adds to a report result. */
export const attributionResultKeys = {
  from: Joi.string().required(),
  to: Joi.string().required(),
  touchFrom: Joi.string().required(),
  windowDays: Joi.number().integer().required(),
  attributionModel: Joi.string().required(),
  directConversions: Joi.boolean().required(),
  metric: Joi.object({ aggregate: Joi.string().required(), name: Joi.string().required() }).label('AttributionMetricInfo'),
  target: eventInfo,
  touches: Joi.array().items(eventInfo).label('AttributionTouchInfoList'),
  rows: Joi.array()
    .items(
      Joi.object({
        group: Joi.number().integer(),
        touch: Joi.number().integer().allow(null).required(),
        totalClicks: Joi.number().integer().allow(null).required(),
        effectiveClicks: Joi.number().integer().allow(null).required(),
        clickRate: Joi.number().allow(null).required(),
        value: Joi.number().required(),
        contribution: Joi.number().allow(null).required(),
      }).label('AttributionRow'),
    )
    .label('AttributionRows'),
  totals: Joi.array()
    .items(
      Joi.object({
        group: Joi.number().integer(),
        conversions: Joi.number().integer().required(),
        value: Joi.number().required(),
      }).label('AttributionTotal'),
    )
    .label('AttributionTotals'),
};
