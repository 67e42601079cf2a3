import Joi from 'joi';
import type { PluginRoute } from '../../kernel/contributions.js';
import { actorOf } from '../../server/principal.js';
import { moduleRoute } from '../../server/route.js';
import { conditionLimits } from '../conditions/condition.types.js';
import { distributionResultKeys, distributionSeriesSchema } from './distribution/distribution.schemas.js';
import { pathResultKeys } from './path/path.schemas.js';
import { profileResultKeys } from './profile/profile.schemas.js';
import { exportReport, type ExportFormat } from './report-export.js';
import type { ReportsService } from './reports.service.js';
import { retentionResultKeys } from './retention/retention.schemas.js';
import { userAnalysisResultKeys } from './user/user-analysis.schemas.js';
import { attributionResultKeys } from './attribution/attribution.schemas.js';

const modelSchema = Joi.object({
  id: Joi.string().required(),
  name: Joi.string().required(),
  source: Joi.string().required(),
  dashboard: Joi.boolean().required(),
  limits: Joi.object({ shown: Joi.number().integer().required(), exported: Joi.number().integer().required() })
    .label('ReportModelLimits')
    .required(),
}).label('ReportModel');

const seriesSchema = Joi.object({
  metric: Joi.string().required(),
  dimensions: Joi.array().items(Joi.string().allow(null)).required().label('ReportSeriesDimensions'),
  group: Joi.number().integer(),
  values: Joi.array().items(Joi.number().allow(null)).required().label('ReportSeriesValues'),
  total: Joi.number().allow(null).required(),
}).label('ReportSeries');
const periodKeys = {
  from: Joi.string(),
  to: Joi.string(),
  buckets: Joi.array().items(Joi.string()).label('ReportBuckets'),
  series: Joi.array().items(seriesSchema).label('ReportSeriesList'),
};
const dimensionInfo = Joi.object({ key: Joi.string().required(), name: Joi.string().required() }).label('ReportDimensionInfo');
const groupsInfo = Joi.array()
  .items(Joi.object({ name: Joi.string().required() }).label('ReportGroupInfo'))
  .label('ReportGroupInfoList');

/** The keys of a series result (`SeriesReportResult`: 事件分析). */
const seriesResultKeys = {
  granularity: Joi.string().required(),
  ...periodKeys,
  metrics: Joi.array()
    .items(
      Joi.object({ id: Joi.string().required(), name: Joi.string().required(), format: Joi.string().required() }).label(
        'ReportMetricInfo',
      ),
    )
    .label('ReportMetricInfoList'),
  dimensions: Joi.array().items(dimensionInfo).label('ReportDimensionInfoList'),
  groups: groupsInfo,
  previous: Joi.object(periodKeys).label('ReportResultPeriod'),
};

/** The keys of a table result (`TableReportResult`: models given as SQL). */
const tableResultKeys = {
  columns: Joi.array()
    .items(Joi.object({ name: Joi.string().required(), type: Joi.string().required() }).label('ReportColumn'))
    .label('ReportColumns'),
  rows: Joi.array().items(Joi.object().unknown(true).label('ReportRow')).label('ReportRows'),
};

/** The keys of a funnel result (`FunnelReportResult`, ADR 0054). */
const funnelResultKeys = {
  from: Joi.string().required(),
  to: Joi.string().required(),
  steps: Joi.array()
    .items(Joi.object({ name: Joi.string().required(), event: Joi.string().required() }).label('FunnelStepInfo'))
    .label('FunnelStepInfoList'),
  window: Joi.object({ value: Joi.number().integer().required(), unit: Joi.string().required() }).label('FunnelWindowInfo'),
  dimension: dimensionInfo,
  groups: groupsInfo,
  timeBuckets: Joi.array()
    .items(
      Joi.object({
        label: Joi.string().required(),
        from: Joi.number().required(),
        to: Joi.number().allow(null).required(),
      }).label('FunnelTimeBucket'),
    )
    .label('FunnelTimeBucketList'),
  funnels: Joi.array()
    .items(
      Joi.object({
        group: Joi.number().integer(),
        dimension: Joi.string().allow(null),
        steps: Joi.array()
          .items(
            Joi.object({
              users: Joi.number().integer().required(),
              conversion: Joi.number().allow(null).required(),
              overall: Joi.number().allow(null).required(),
              medianSeconds: Joi.number().allow(null).required(),
            }).label('FunnelStepValue'),
          )
          .required()
          .label('FunnelStepValueList'),
        timeToConvert: Joi.array().items(Joi.number().integer()).required().label('FunnelTimeToConvert'),
      }).label('FunnelSeries'),
    )
    .label('FunnelSeriesList'),
};

/** The keys of a distribution result (`DistributionReportResult`, ADR 0056). */
const distributionKeys = {
  from: Joi.string().required(),
  to: Joi.string().required(),
  ...distributionResultKeys,
  groups: groupsInfo,
  series: Joi.array().items(distributionSeriesSchema).label('DistributionSeriesList'),
};

const ltvValues = Joi.array().items(Joi.number().allow(null)).label('LtvValues');
/** The keys of an LTV result (`LtvReportResult`, ADR 0057). */
const ltvResultKeys = {
  from: Joi.string().required(),
  to: Joi.string().required(),
  unit: Joi.string().required(),
  periods: Joi.number().integer().required(),
  rolling24h: Joi.boolean().required(),
  metric: Joi.string().required(),
  revenueName: Joi.string().required(),
  dimensions: Joi.array().items(dimensionInfo).label('LtvDimensionInfoList'),
  groups: groupsInfo,
  rows: Joi.array()
    .items(
      Joi.object({
        group: Joi.number().integer(),
        dimensions: Joi.array().items(Joi.string().allow(null)).required().label('LtvRowDimensions'),
        cohort: Joi.string().allow(null).required(),
        initialUsers: Joi.number().integer().required(),
        payingUsers: Joi.number().integer().required(),
        values: Joi.object({
          sum: ltvValues,
          payingUsers: ltvValues,
          arpu: ltvValues,
          arppu: ltvValues,
          newPayingUsers: ltvValues,
        })
          .required()
          .label('LtvRowValues'),
      }).label('LtvRow'),
    )
    .label('LtvRows'),
};

/** The keys of a retention result (`RetentionReportResult`, ADR 0055). */
const retentionKeys = {
  from: Joi.string().required(),
  to: Joi.string().required(),
  groups: groupsInfo,
  ...retentionResultKeys,
};

/** Every result: the keys all kinds share, then the kind's own (`ReportResult` in report.types.ts). */
const resultOf = (kind: string, keys: Record<string, Joi.Schema>, label: string) =>
  Joi.object({
    kind: Joi.string().valid(kind).required(),
    model: Joi.string().required(),
    timeZone: Joi.string().required(),
    groupCount: Joi.number().integer().required(),
    truncated: Joi.boolean().required(),
    computedAt: Joi.number().integer().required(),
    cached: Joi.boolean().required(),
    ...keys,
  }).label(label);

/** A result (`ReportResult` in report.types.ts), checked against its kind's own shape. */
export const reportResultSchema = Joi.alternatives()
  .conditional('.kind', {
    switch: [
      { is: 'series', then: resultOf('series', seriesResultKeys, 'SeriesReportResult') },
      { is: 'table', then: resultOf('table', tableResultKeys, 'TableReportResult') },
      { is: 'funnel', then: resultOf('funnel', funnelResultKeys, 'FunnelReportResult') },
      { is: 'distribution', then: resultOf('distribution', distributionKeys, 'DistributionReportResult') },
      { is: 'ltv', then: resultOf('ltv', ltvResultKeys, 'LtvReportResult') },
      { is: 'retention', then: resultOf('retention', retentionKeys, 'RetentionReportResult') },
      { is: 'userAnalysis', then: resultOf('userAnalysis', userAnalysisResultKeys, 'UserAnalysisReportResult') },
      {
        is: 'attribution',
        then: resultOf('attribution', { ...attributionResultKeys, groups: groupsInfo }, 'AttributionReportResult'),
      },
      { is: 'path', then: resultOf('path', pathResultKeys, 'PathReportResult') },
      { is: 'profile', then: resultOf('profile', profileResultKeys, 'ProfileReportResult') },
    ],
  })
  .label('ReportResult');

const runPayload = Joi.object({
  model: Joi.string().max(100).required(),
  query: Joi.object().unknown(true).required().label('ReportQuery'),
  force: Joi.boolean().default(false).description('强制刷新: skip the cache'),
}).label('ReportRun');

/** 报表分析: the model registry, running a question and exporting its answer (ADR 0052). */
export function reportsRoutes(reports: ReportsService): PluginRoute[] {
  return [
    moduleRoute({
      method: 'GET',
      path: '/api/v1/console/report-models',
      access: { permission: 'reports.view' },
      options: {
        description: '报表模型 / The report models: core’s and those plugins contribute',
        response: {
          schema: Joi.object({ items: Joi.array().items(modelSchema).label('ReportModelList').required() }).label('ReportModels'),
        },
      },
      handler: () => ({ items: reports.models() }),
    }),
    moduleRoute<unknown, unknown, { model: string; query: Record<string, unknown>; force: boolean }>({
      method: 'POST',
      path: '/api/v1/console/report-runs',
      access: { permission: 'reports.view' },
      options: {
        description:
          '运行报表 / Answer a question of a model (cached by the question and the data it reads; force skips the cache). 400 report_query_invalid, condition_invalid, report_* with paths',
        payload: { maxBytes: conditionLimits.requestBytes },
        validate: { payload: runPayload },
        response: { schema: reportResultSchema },
      },
      handler: (request) =>
        reports.run(actorOf(request), request.payload.model, request.payload.query, { force: request.payload.force }),
    }),
    moduleRoute<
      unknown,
      unknown,
      { model: string; query: Record<string, unknown>; force: boolean; format: ExportFormat; name?: string }
    >({
      method: 'POST',
      path: '/api/v1/console/report-exports',
      access: { permission: 'reports.edit' },
      options: {
        description: '导出报表 / The answer as CSV or xlsx, up to the model’s export limit of dimension groups (§1.7.1)',
        payload: { maxBytes: conditionLimits.requestBytes },
        validate: {
          payload: runPayload
            .keys({
              format: Joi.string().valid('csv', 'xlsx').default('xlsx'),
              name: Joi.string().trim().max(100).allow(''),
            })
            .label('ReportExport'),
        },
      },
      handler: async (request, h) => {
        const { model, query, force, format, name } = request.payload;
        const result = await reports.run(actorOf(request), model, query, { force, purpose: 'export' });
        const file = await exportReport(result, format, name || reports.model(model).name);
        return h
          .response(file.body)
          .type(file.contentType)
          .header(
            'content-disposition',
            `attachment; filename="report.${format}"; filename*=UTF-8''${encodeURIComponent(file.fileName)}`,
          );
      },
    }),
  ];
}
