import Joi from 'joi';

const share = Joi.number().min(0).max(1).allow(null).required();
const counted = (label: string) => Joi.object({ count: Joi.number().integer().required(), share }).label(label);

/** The keys a profile result (`ProfileReportResult`, ADR 0061) adds to a report result. */
export const profileResultKeys = {
  group: Joi.object({ name: Joi.string().required() }).required().label('ProfileGroupInfo'),
  view: Joi.string().valid('time', 'region').required().label('ProfileViewName'),
  search: Joi.string().allow(''),
  members: Joi.number().integer().required(),
  updatedAt: Joi.number().integer().required(),
  time: Joi.object({
    matrix: Joi.array()
      .items(Joi.array().items(Joi.number().integer()).length(24).label('ProfileHourCounts'))
      .length(7)
      .required()
      .label('ProfileMatrix'),
    weekdays: Joi.array().items(counted('ProfileWeekday')).length(7).required().label('ProfileWeekdays'),
    hours: Joi.array().items(counted('ProfileHour')).length(24).required().label('ProfileHours'),
    total: Joi.number().integer().required(),
    withoutCreatedTime: Joi.number().integer().required(),
  })
    .required()
    .label('ProfileTime'),
  region: Joi.object({
    provinces: Joi.array()
      .items(
        Joi.object({ name: Joi.string().required(), count: Joi.number().integer().required(), share }).label('ProfileProvince'),
      )
      .required()
      .label('ProfileProvinces'),
    total: Joi.number().integer().required(),
    masked: Joi.boolean(),
  })
    .required()
    .label('ProfileRegion'),
};
