import Joi from 'joi';

const cells = (label: string) => Joi.array().items(Joi.number().allow(null)).label(label);
const eventInfo = Joi.object({ event: Joi.string().required(), name: Joi.string().required() }).label('RetentionEventInfo');

/** The keys a retention result (`RetentionReportResult`) adds to the report result's response schema. */
export const retentionResultKeys = {
  metric: Joi.string().valid('retained', 'churned'),
  unit: Joi.string().valid('day', 'week', 'month'),
  mode: Joi.string().valid('period', 'onOrAfter'),
  offsets: Joi.array().items(Joi.number().integer()).label('RetentionOffsets'),
  initialEvent: eventInfo,
  returnEvent: eventInfo,
  tables: Joi.array()
    .items(
      Joi.object({
        group: Joi.number().integer(),
        cohorts: Joi.array()
          .items(
            Joi.object({
              date: Joi.string().required(),
              users: Joi.number().integer().required(),
              values: cells('RetentionCells').required(),
              rates: cells('RetentionRates').required(),
            }).label('RetentionCohort'),
          )
          .label('RetentionCohorts')
          .required(),
        total: Joi.object({
          users: Joi.number().integer().required(),
          values: cells('RetentionCells').required(),
          bases: Joi.array().items(Joi.number().integer()).label('RetentionBases').required(),
          rates: cells('RetentionRates').required(),
        })
          .label('RetentionTotal')
          .required(),
      }).label('RetentionTable'),
    )
    .label('RetentionTables'),
};
