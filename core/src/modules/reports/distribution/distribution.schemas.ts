import Joi from 'joi';

/** A series of a distribution result (`DistributionSeries`). */
export const distributionSeriesSchema = Joi.object({
  dimension: Joi.string().allow(null),
  group: Joi.number().integer(),
  users: Joi.array().items(Joi.number().integer()).required().label('DistributionSeriesUsers'),
  total: Joi.number().integer().required(),
}).label('DistributionSeries');

/** The keys a distribution result (`DistributionReportResult`) adds to a report result. */
export const distributionResultKeys = {
  metric: Joi.object({ name: Joi.string().required(), aggregate: Joi.string().required() }).label('DistributionMetricInfo'),
  intervals: Joi.array()
    .items(
      Joi.object({
        label: Joi.string().required(),
        from: Joi.number().allow(null).required(),
        to: Joi.number().allow(null).required(),
      }).label('DistributionInterval'),
    )
    .label('DistributionIntervals'),
  dimension: Joi.object({ key: Joi.string().required(), name: Joi.string().required() }).label('DistributionDimensionInfo'),
};
