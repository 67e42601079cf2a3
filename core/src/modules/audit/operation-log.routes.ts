import Joi from 'joi';
import type { PluginRoute } from '../../kernel/contributions.js';
import { MAX_EPOCH_MS } from '../../server/cursor.js';
import { localeOf } from '../../server/error-responses.js';
import { locales, type Locale } from '../../server/messages.js';
import { principalOf } from '../../server/principal.js';
import { moduleRoute } from '../../server/route.js';
import { epochMs, id } from '../../server/schemas.js';
import type { OperationLogQuery, OperationLogService } from './operation-log.service.js';
import { operationLogLimits, type OperationLogFilter } from './operation-log.types.js';

const code = () => Joi.string().pattern(/^[a-z][A-Za-z0-9]{0,31}$/, 'camelCase code');
const text = Joi.object({ 'zh-CN': Joi.string().required(), 'en-US': Joi.string().required() }).label('LocalizedText');

const filterKeys = {
  staffId: id().description('only what this staff member did'),
  objectType: code().description('a declared object type (GET /api/v1/operation-logs/operations), e.g. channel'),
  operation: code().description('a declared operation, e.g. delete (of every object type unless objectType is given)'),
  from: epochMs().min(0).max(MAX_EPOCH_MS).description('from this instant (inclusive)'),
  to: epochMs().min(0).max(MAX_EPOCH_MS).description('until this instant (exclusive); not before from'),
};

const itemSchema = Joi.object({
  id: id().required(),
  staffId: id().required().description('who (names come from GET /api/v1/staff)'),
  objectType: Joi.string().required(),
  operation: Joi.string().required(),
  objectId: Joi.string().allow(null).required(),
  detail: Joi.object()
    .unknown(true)
    .label('OperationDetail')
    .allow(null)
    .label('OperationDetailOrNull')
    .required()
    .description('ids, counts, flags and codes only — never personal data'),
  ip: Joi.string().allow(null).required().description('the staff member’s client address'),
  at: epochMs().required(),
}).label('OperationLogItem');

interface ExportQuery extends OperationLogFilter {
  locale?: Locale;
}

/** 设置 → 高级设置 → 操作日志 (§1.11.4.8): super staff only (`operationLog.view`), console sessions only. */
export function operationLogRoutes(log: OperationLogService): PluginRoute[] {
  return [
    moduleRoute<unknown, OperationLogQuery>({
      method: 'GET',
      path: '/api/v1/operation-logs',
      access: { permission: 'operationLog.view' },
      options: {
        description:
          '操作日志 / What staff did in the console, newest first, a keyset page at a time (cursor); filters: staff, operation, time [from, to)',
        validate: {
          query: Joi.object<OperationLogQuery>({
            ...filterKeys,
            cursor: Joi.string().max(1024).description('nextCursor of the previous page'),
            limit: Joi.number().integer().min(1).max(operationLogLimits.pageMax).default(operationLogLimits.pageDefault),
          }).label('OperationLogQuery'),
        },
        response: {
          schema: Joi.object({
            items: Joi.array().items(itemSchema).label('OperationLogItems').required(),
            nextCursor: Joi.string().allow(null).required(),
          }).label('OperationLogPage'),
        },
      },
      handler: (request) => log.list(principalOf(request).tenantId, request.query),
    }),
    moduleRoute({
      method: 'GET',
      path: '/api/v1/operation-logs/operations',
      access: { permission: 'operationLog.view' },
      options: {
        description: '操作类型 / The object types and operations the log records, with their labels (for the filter)',
        response: {
          schema: Joi.object({
            objectTypes: Joi.array()
              .items(Joi.object({ objectType: Joi.string().required(), label: text.required() }).label('OperationObjectType'))
              .label('OperationObjectTypes')
              .required(),
            operations: Joi.array()
              .items(
                Joi.object({
                  objectType: Joi.string().required(),
                  operation: Joi.string().required(),
                  label: text.required(),
                }).label('OperationType'),
              )
              .label('OperationTypes')
              .required(),
          }).label('OperationCatalogue'),
        },
      },
      handler: () => log.catalogue(),
    }),
    moduleRoute<unknown, ExportQuery>({
      method: 'GET',
      path: '/api/v1/operation-logs/export',
      access: { permission: 'operationLog.view' },
      options: {
        description: `导出操作日志 / The matching rows as CSV (UTF-8 with BOM), newest first, at most ${operationLogLimits.exportRows.toLocaleString('en-US')} rows (header x-export-truncated: true when more matched); staff names as they are now, times in the tenant's time zone`,
        validate: {
          query: Joi.object<ExportQuery>({
            ...filterKeys,
            locale: Joi.string()
              .valid(...locales)
              .label('ExportLocale')
              .description('language of the header and labels (default: Accept-Language)'),
          }).label('OperationLogExportQuery'),
        },
      },
      handler: async (request, h) => {
        const { locale, ...filter } = request.query;
        const file = await log.exportCsv(principalOf(request).tenantId, filter, locale ?? localeOf(request));
        return h
          .response(file.content)
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${file.filename}"`)
          .header('x-export-truncated', String(file.truncated))
          .header('cache-control', 'no-store');
      },
    }),
  ];
}
