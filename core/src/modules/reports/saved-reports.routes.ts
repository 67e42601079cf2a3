import Joi from 'joi';
import type { PluginRoute } from '../../kernel/contributions.js';
import { principalOf } from '../../server/principal.js';
import { moduleRoute } from '../../server/route.js';
import { id, pageOf, pageQueryWith, type PageQuery } from '../../server/schemas.js';
import { conditionLimits, type TimeRange } from '../conditions/condition.types.js';
import type { ExportFormat } from './report-export.js';
import type { ReportQuotasService } from './report-quotas.service.js';
import {
  reportParams,
  reportResultSchema,
  runOptionsSchema,
  savedReportNameSchema,
  savedReportQuerySchema,
  savedReportSchema,
  savedReportSummarySchema,
} from './saved-reports.schemas.js';
import type { SavedReportsService } from './saved-reports.service.js';
import { savedReportLimits } from './saved-reports.types.js';

const BASE = '/api/v1/console/reports';
const queryPayload = { maxBytes: conditionLimits.requestBytes };

/** 保存 / 另存为 / 历史报表 / 导出 of 报表分析 (SPEC §6; ADR 0053): saved reports in the console. */
export function savedReportsRoutes(saved: SavedReportsService, quotas: ReportQuotasService): PluginRoute[] {
  return [
    moduleRoute<unknown, PageQuery & { model?: string; keyword?: string }>({
      method: 'GET',
      path: BASE,
      access: { permission: 'reports.view' },
      options: {
        description: '历史报表 / Saved reports the caller sees, newest first: of one model, by a fragment of the name',
        validate: {
          query: pageQueryWith<{ model?: string; keyword?: string }>({
            model: Joi.string().max(100),
            keyword: Joi.string().allow('').max(savedReportLimits.nameMax),
          }).label('SavedReportListQuery'),
        },
        response: { schema: pageOf(savedReportSummarySchema, 'SavedReportPage') },
      },
      handler: (request) => saved.list(principalOf(request), request.query),
    }),
    moduleRoute({
      method: 'GET',
      path: `${BASE}/quota`,
      access: { permission: 'reports.view' },
      options: {
        description: '报表配额 / How many saved reports the tenant has and may have (set by platform operators)',
        response: {
          schema: Joi.object({ used: Joi.number().integer().required(), max: Joi.number().integer().required() }).label(
            'SavedReportQuota',
          ),
        },
      },
      handler: async (request) => {
        const { tenantId } = principalOf(request);
        const [used, limits] = await Promise.all([quotas.reportsUsed(tenantId), quotas.get(tenantId)]);
        return { used, max: limits.reports };
      },
    }),
    moduleRoute<{ reportId: string }>({
      method: 'GET',
      path: `${BASE}/{reportId}`,
      access: { permission: 'reports.view' },
      options: {
        description: '打开报表 / A saved report with its query (403 department_no_access: 无权限)',
        validate: { params: reportParams },
        response: { schema: savedReportSchema },
      },
      handler: (request) => saved.get(principalOf(request), request.params.reportId),
    }),
    moduleRoute<unknown, unknown, { model: string; name: string; query: Record<string, unknown> }>({
      method: 'POST',
      path: BASE,
      access: { permission: 'reports.edit' },
      options: {
        description:
          '保存报表 / Save a report: the query is checked by its model (400 report_query_invalid…); 409 report_quota_exceeded',
        payload: queryPayload,
        validate: {
          payload: Joi.object({
            model: Joi.string().max(100).required(),
            name: savedReportNameSchema.required(),
            query: savedReportQuerySchema.required(),
          }).label('SavedReportInput'),
        },
        response: { status: { 201: savedReportSchema } },
      },
      handler: async (request, h) => h.response(await saved.create(principalOf(request), request.payload)).code(201),
    }),
    moduleRoute<{ reportId: string }, unknown, { name?: string; query?: Record<string, unknown> }>({
      method: 'PATCH',
      path: `${BASE}/{reportId}`,
      access: { permission: 'reports.edit' },
      options: {
        description: '编辑报表 / Rename a saved report and/or save a new query (checked by its model)',
        payload: queryPayload,
        validate: {
          params: reportParams,
          payload: Joi.object({ name: savedReportNameSchema, query: savedReportQuerySchema }).min(1).label('SavedReportPatch'),
        },
        response: { schema: savedReportSchema },
      },
      handler: (request) => saved.update(principalOf(request), request.params.reportId, request.payload),
    }),
    moduleRoute<{ reportId: string }, unknown, { name: string; query?: Record<string, unknown> }>({
      method: 'POST',
      path: `${BASE}/{reportId}/save-as`,
      access: { permission: 'reports.edit' },
      options: {
        description: '另存为 / A new report of the same model: the given query (what the builder shows) or the source’s',
        payload: queryPayload,
        validate: {
          params: reportParams,
          payload: Joi.object({ name: savedReportNameSchema.required(), query: savedReportQuerySchema }).label(
            'SavedReportSaveAs',
          ),
        },
        response: { status: { 201: savedReportSchema } },
      },
      handler: async (request, h) =>
        h.response(await saved.saveAs(principalOf(request), request.params.reportId, request.payload)).code(201),
    }),
    moduleRoute<{ reportId: string }>({
      method: 'DELETE',
      path: `${BASE}/{reportId}`,
      access: { permission: 'reports.delete' },
      options: {
        description: '删除报表 / Delete a saved report: it leaves every dashboard too (one transaction)',
        validate: { params: reportParams },
      },
      handler: async (request, h) => {
        await saved.remove(principalOf(request), request.params.reportId);
        return h.response().code(204);
      },
    }),
    moduleRoute<unknown, unknown, { ids: string[] }>({
      method: 'POST',
      path: `${BASE}/batch-delete`,
      access: { permission: 'reports.delete' },
      options: {
        description:
          '批量删除 / Delete up to 100 saved reports, all or nothing (404 report_not_found, 403 department_no_access: none deleted)',
        validate: {
          payload: Joi.object({
            ids: Joi.array().items(id()).min(1).max(savedReportLimits.batchMax).required().label('SavedReportIds'),
          }).label('SavedReportBatchDelete'),
        },
        response: { schema: Joi.object({ deleted: Joi.number().integer().required() }).label('SavedReportsDeleted') },
      },
      handler: (request) => saved.removeMany(principalOf(request), request.payload.ids),
    }),
    moduleRoute<{ reportId: string }, unknown, { departmentId: string }>({
      method: 'PUT',
      path: `${BASE}/{reportId}/department`,
      access: { permission: 'reports.edit' },
      options: {
        description: '更新所属部门 / Give a saved report a department: the caller’s own or one below it (ADR 0023)',
        validate: {
          params: reportParams,
          payload: Joi.object({ departmentId: id().required() }).label('SavedReportDepartment'),
        },
        response: { schema: savedReportSchema },
      },
      handler: (request) => saved.reassign(principalOf(request), request.params.reportId, request.payload.departmentId),
    }),
    moduleRoute<{ reportId: string }, unknown, { force: boolean; timeRange?: TimeRange }>({
      method: 'POST',
      path: `${BASE}/{reportId}/run`,
      access: { permission: 'reports.view' },
      options: {
        description: '查看报表 / Run a saved report (cached; force skips the cache; timeRange replaces the query’s own)',
        validate: { params: reportParams, payload: runOptionsSchema },
        response: { schema: reportResultSchema },
      },
      handler: (request) => saved.run(principalOf(request), request.params.reportId, request.payload),
    }),
    moduleRoute<{ reportId: string }, unknown, { format: ExportFormat; force: boolean }>({
      method: 'POST',
      path: `${BASE}/{reportId}/export`,
      access: { permission: 'reports.edit' },
      options: {
        description: '导出报表 / A saved report’s answer as CSV or xlsx, up to the model’s export limit (§1.7.1)',
        validate: {
          params: reportParams,
          payload: Joi.object({
            format: Joi.string().valid('csv', 'xlsx').required().label('ReportExportFormat'),
            force: Joi.boolean().default(false),
          }).label('SavedReportExport'),
        },
      },
      handler: async (request, h) => {
        const file = await saved.export(principalOf(request), request.params.reportId, request.payload);
        return h
          .response(file.body)
          .type(file.contentType)
          .header(
            'content-disposition',
            `attachment; filename="report.${request.payload.format}"; filename*=UTF-8''${encodeURIComponent(file.fileName)}`,
          );
      },
    }),
  ];
}
