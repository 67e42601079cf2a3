import Joi from 'joi';

const values = Joi.array().items(Joi.number().allow(null)).required().label('UserAnalysisValues');

/** The keys a user analysis result (`UserAnalysisReportResult`, ADR 0060) adds to a report result. */
export const userAnalysisResultKeys = {
  from: Joi.string(),
  to: Joi.string(),
  metrics: Joi.array()
    .items(Joi.object({ name: Joi.string().required(), aggregate: Joi.string().required() }).label('UserAnalysisMetricInfo'))
    .required()
    .label('UserAnalysisMetricInfoList'),
  dimensions: Joi.array()
    .items(Joi.object({ key: Joi.string().required(), name: Joi.string().required() }).label('UserAnalysisDimensionInfo'))
    .required()
    .label('UserAnalysisDimensionInfoList'),
  groups: Joi.array()
    .items(Joi.object({ name: Joi.string().required() }).label('UserAnalysisGroupInfo'))
    .required()
    .label('UserAnalysisGroupInfoList'),
  totals: Joi.array()
    .items(
      Joi.object({ group: Joi.number().integer(), users: Joi.number().integer().required(), values }).label('UserAnalysisTotal'),
    )
    .required()
    .label('UserAnalysisTotals'),
  rows: Joi.array()
    .items(
      Joi.object({
        group: Joi.number().integer(),
        dimensions: Joi.array().items(Joi.string().allow(null)).required().label('UserAnalysisRowDimensions'),
        aggregate: Joi.boolean().valid(true),
        values,
      }).label('UserAnalysisRow'),
    )
    .required()
    .label('UserAnalysisRows'),
};
