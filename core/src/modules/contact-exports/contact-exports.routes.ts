import Joi from 'joi';
import type { PluginRoute } from '../../kernel/contributions.js';
import { attachmentDisposition } from '../../lib/content-disposition.js';
import { clientIp } from '../../server/client.js';
import { principalOf } from '../../server/principal.js';
import { moduleRoute } from '../../server/route.js';
import { epochMs, id, idParams, pageQuery } from '../../server/schemas.js';
import type { OperationLogService } from '../audit/operation-log.service.js';
import { conditionTreeSchema } from '../conditions/condition.schema.js';
import type { FilesService } from '../files/files.service.js';
import { CONTACT_EXPORT_PERMISSION, type ContactExportsService } from './contact-exports.service.js';
import type { ContactExportRequest } from './contact-exports.types.js';

const fieldKey = Joi.string()
  .max(64)
  .pattern(/^[A-Za-z][A-Za-z0-9.]*$/);

const exportSchema = Joi.object({
  id: id().required(),
  taskId: id().required(),
  createdBy: id().allow(null).required(),
  status: Joi.string().valid('queued', 'running', 'succeeded', 'failed', 'cancelled').label('ContactExportStatus').required(),
  columns: Joi.array().items(Joi.string()).label('ContactExportColumns').required().description('column keys, `contactId` first'),
  excludedFields: Joi.array()
    .items(Joi.string())
    .label('ContactExportExcludedFields')
    .required()
    .description('masked fields asked for but left out'),
  filtered: Joi.boolean().required().description('false: every identified contact'),
  wechatChannelId: id().allow(null).required(),
  customChannelId: id().allow(null).required(),
  rowCount: Joi.number().integer().allow(null).required(),
  fileId: id().allow(null).required(),
  errorCode: Joi.string().allow(null).required(),
  expiresAt: epochMs().allow(null).required(),
  expired: Joi.boolean().required(),
  createdAt: epochMs().required(),
  finishedAt: epochMs().allow(null).required(),
}).label('ContactExport');

const channelChoice = Joi.object({ id: id().required(), name: Joi.string().required() }).label('ContactExportChannel');

/**
 * 用户导出 and 导出任务列表 (seed §1.4.4, §1.4.5): the export dialog's choices, starting an export (a
 * task; 202), the tenant's exports newest first, and the download — all narrowed to 用户-导出
 * (contacts.export).
 */
export function contactExportsRoutes(
  exports: ContactExportsService,
  files: FilesService,
  log: OperationLogService,
): PluginRoute[] {
  return [
    moduleRoute({
      method: 'GET',
      path: '/api/v1/console/contact-exports/options',
      access: { permission: CONTACT_EXPORT_PERMISSION },
      options: {
        description:
          '导出用户的可选项 / What an export may contain: system, custom and read-only fields (masked ones marked: they are not exported for this caller), official accounts and custom channels, and the row limit',
        response: {
          schema: Joi.object({
            fields: Joi.array()
              .items(
                Joi.object({
                  key: Joi.string().required(),
                  label: Joi.string().required(),
                  group: Joi.string().valid('system', 'custom', 'readOnly').required(),
                  masked: Joi.boolean().required(),
                }).label('ContactExportField'),
              )
              .label('ContactExportFields')
              .required(),
            wechatChannels: Joi.array().items(channelChoice).label('ContactExportWechatChannels').required(),
            customChannels: Joi.array().items(channelChoice).label('ContactExportCustomChannels').required(),
            maxRows: Joi.number().integer().required(),
          }).label('ContactExportOptions'),
        },
      },
      handler: (request) => exports.options(principalOf(request)),
    }),
    moduleRoute<unknown, unknown, ContactExportRequest>({
      method: 'POST',
      path: '/api/v1/console/contact-exports',
      access: { permission: CONTACT_EXPORT_PERMISSION },
      options: {
        description:
          '导出用户 / Export identified contacts (anonymous ones never) matching the list filter into an xlsx: `contactId` first, then the chosen fields, then the official account’s OpenID/UnionID and the custom channel’s external_id when asked. At most 100,000 per export (400 contact_export_too_many: narrow the filter). Masked fields are left out for staff without 联系人不脱敏 (`excludedFields`). Runs as a task (202); the file is kept 3 days',
        validate: {
          payload: Joi.object<ContactExportRequest>({
            fields: Joi.array().items(fieldKey).max(600).required(),
            filter: conditionTreeSchema.allow(null).label('ContactExportFilter'),
            wechatChannelId: id().allow(null),
            customChannelId: id().allow(null),
          }).label('ContactExportRequest'),
        },
        response: {
          status: {
            202: Joi.object({
              exportId: id().required(),
              taskId: id().required(),
              count: Joi.number().integer().required().description('identified contacts the filter matches now'),
              excludedFields: Joi.array()
                .items(Joi.string())
                .label('ContactExportStartedExcluded')
                .required()
                .description('masked fields asked for but left out'),
            }).label('ContactExportStarted'),
          },
        },
      },
      handler: async (request, h) => {
        const principal = principalOf(request);
        const started = await exports.start(principal, request.payload);
        await log.record(principal, {
          objectType: 'contact',
          operation: 'export',
          objectId: started.exportId,
          detail: {
            taskId: started.taskId,
            count: started.count,
            columns: request.payload.fields.length - started.excludedFields.length,
            excluded: started.excludedFields.length,
            filtered: Boolean(request.payload.filter),
            wechatChannelId: request.payload.wechatChannelId ?? null,
            customChannelId: request.payload.customChannelId ?? null,
          },
          ip: clientIp(request),
        });
        return h.response(started).code(202);
      },
    }),
    moduleRoute<unknown, { page: number; pageSize: number }>({
      method: 'GET',
      path: '/api/v1/console/contact-exports',
      access: { permission: CONTACT_EXPORT_PERMISSION },
      options: {
        description:
          '导出任务列表 / The tenant’s exports, newest first: status, rows, the masked fields left out, and when the file expires (3 days)',
        validate: { query: pageQuery },
        response: {
          schema: Joi.object({
            items: Joi.array().items(exportSchema).label('ContactExportList').required(),
            total: Joi.number().integer().required(),
            page: Joi.number().integer().required(),
            pageSize: Joi.number().integer().required(),
          }).label('ContactExportPage'),
        },
      },
      handler: (request) => exports.list(principalOf(request).tenantId, request.query),
    }),
    moduleRoute<{ exportId: string }>({
      method: 'GET',
      path: '/api/v1/console/contact-exports/{exportId}',
      access: { permission: CONTACT_EXPORT_PERMISSION },
      options: {
        description: '导出任务 / One export',
        validate: { params: idParams('exportId') },
        response: { schema: exportSchema },
      },
      handler: (request) => exports.get(principalOf(request).tenantId, request.params.exportId),
    }),
    moduleRoute<{ exportId: string }>({
      method: 'GET',
      path: '/api/v1/console/contact-exports/{exportId}/download',
      access: { permission: CONTACT_EXPORT_PERMISSION },
      options: {
        description:
          '下载导出文件 / Download an export’s xlsx (409 contact_export_not_ready before it is written; 410 contact_export_expired after 3 days)',
        validate: { params: idParams('exportId') },
      },
      handler: async (request, h) => {
        const file = await exports.download(principalOf(request), request.params.exportId);
        return h
          .file(file.path, { confine: files.root })
          .type(file.contentType)
          .header('content-disposition', attachmentDisposition(file.name))
          .header('cache-control', 'private, no-store');
      },
    }),
  ];
}
