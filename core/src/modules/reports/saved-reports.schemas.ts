import Joi from 'joi';
import { epochMs, id, idParams, shortText } from '../../server/schemas.js';
import { timeRangeSchema } from '../conditions/condition.schema.js';
import type { TimeRange } from '../conditions/condition.types.js';
import { savedReportLimits } from './saved-reports.types.js';

/**
 * The joi schemas of saved reports (SPEC §6; ADR 0053): their routes' and those the dashboards
 * module answers with (a card's run, the report picker).
 */

export { reportResultSchema } from './reports.routes.js';

export const savedReportNameSchema = shortText(savedReportLimits.nameMax).label('SavedReportName');
export const savedReportQuerySchema = Joi.object()
  .unknown(true)
  .label('SavedReportQuery')
  .description('the model’s query (its joi schema)');
export const reportParams = idParams('reportId');

const summaryKeys = {
  id: id().required().description('numeric; a deleted report’s id is never reused'),
  model: Joi.string().required().description('the report model (GET /api/v1/console/report-models)'),
  modelName: Joi.string().allow(null).required().description('null when the model’s plugin is gone'),
  dashboard: Joi.boolean().required().description('whether it may go on dashboards (用户画像: no)'),
  name: Joi.string().required(),
  departmentId: id().allow(null).required().description('所属部门 (ADR 0023); null: visible to everyone'),
  createdBy: id().allow(null).required(),
  updatedBy: id().allow(null).required(),
  createdAt: epochMs().required(),
  updatedAt: epochMs().required(),
};
export const savedReportSummarySchema = Joi.object(summaryKeys).label('SavedReportSummary');
export const savedReportSchema = Joi.object({ ...summaryKeys, query: savedReportQuerySchema.required() }).label('SavedReport');

/** What a saved report's run takes: 强制刷新 and a dashboard's temporary time range. */
export const runOptionsSchema = Joi.object<{ force: boolean; timeRange?: TimeRange }>({
  force: Joi.boolean().default(false).description('强制刷新: skip the cache'),
  timeRange: timeRangeSchema
    .label('TemporaryTimeRange')
    .description('a temporary time range in place of the query’s own (models that have one)'),
}).label('SavedReportRunOptions');
