import type { ResponseToolkit } from '@hapi/hapi';
import { rmSync } from 'node:fs';
import Joi from 'joi';
import type { PluginRoute } from '../../kernel/contributions.js';
import { attachmentDisposition } from '../../lib/content-disposition.js';
import { clientIp } from '../../server/client.js';
import { localeOf } from '../../server/error-responses.js';
import { InputError } from '../../server/errors.js';
import { principalOf, staffOf } from '../../server/principal.js';
import { moduleRoute } from '../../server/route.js';
import { epochMs, id, idParams } from '../../server/schemas.js';
import { contactImportLimits } from './contact-imports.types.js';
import type { ContactImportsService, UploadedXlsx } from './contact-imports.service.js';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

const kindSchema = Joi.string().valid('import', 'batchEdit').label('ContactImportKind');

const importSchema = Joi.object({
  id: Joi.string().required(),
  kind: kindSchema.required(),
  taskId: Joi.string().required(),
  fileName: Joi.string().required(),
  status: Joi.string().valid('queued', 'done', 'failed').label('ContactImportStatus').required(),
  progress: Joi.number().integer().min(0).max(100).required(),
  totalRows: Joi.number().integer().allow(null).required(),
  successCount: Joi.number().integer().allow(null).required(),
  failureCount: Joi.number().integer().allow(null).required(),
  failureFileId: Joi.string().allow(null).required(),
  errorCode: Joi.string().allow(null).required(),
  createdBy: Joi.string().allow(null).required(),
  createdAt: epochMs().required(),
  finishedAt: epochMs().allow(null).required(),
}).label('ContactImport');

/** The 202 answer of an upload: the import just recorded (hapi-swagger needs its own name for it). */
const startedSchema = importSchema.label('ContactImportStarted');

const isWrittenPart = (value: unknown): value is UploadedXlsx =>
  typeof value === 'object' && value !== null && typeof (value as UploadedXlsx).path === 'string';

/** Multipart with the file part written to the files' incoming directory. */
const upload = (uploadsDir: () => string) => ({
  output: 'data' as const,
  parse: true,
  allow: 'multipart/form-data',
  multipart: { output: 'file' as const },
  maxBytes: contactImportLimits.fileBytes + 64 * 1024,
  uploads: uploadsDir(),
});

/** The file part `file` (every part hapi wrote is removed by the service or here). */
function fileOf(payload: unknown): UploadedXlsx {
  const file = (payload as Record<string, unknown> | null)?.file;
  if (!isWrittenPart(file))
    throw new InputError('contact_import_file_required', {}, [{ path: 'file', code: 'contact_import_file_required' }]);
  return file;
}

function xlsxResponse(h: ResponseToolkit, file: { filename: string; content: Buffer }) {
  return h
    .response(file.content)
    .type(XLSX)
    .header('content-disposition', attachmentDisposition(file.filename))
    .header('cache-control', 'private, no-store');
}

/** 用户导入 (contacts.import) and 批量编辑用户 (contacts.edit: 更多操作-批量编辑用户, §1.11.4.6). */
export function contactImportsRoutes(imports: ContactImportsService, uploadsDir: () => string): PluginRoute[] {
  return [
    moduleRoute({
      method: 'GET',
      path: '/api/v1/console/contact-imports/template',
      access: { permission: 'contacts.import' },
      options: {
        description:
          '下载导入模板 / The import template (xlsx): every system field and the tenant’s custom fields, zh-CN labels; only this template is accepted',
      },
      handler: async (request, h) => xlsxResponse(h, await imports.template(principalOf(request).tenantId)),
    }),
    moduleRoute({
      method: 'POST',
      path: '/api/v1/console/contact-imports',
      access: { permission: 'contacts.import' },
      options: {
        description: '导入用户 / Import contacts: multipart field `file`, the filled-in template; processed by a task',
        notes: [
          'Answers 202 with the import; its result (counts, a failure file naming each bad row and its reasons) reaches the notification center.',
          'One import (or batch edit) at a time per tenant: a second answers 409 import_running. At most 20,000 rows; name is required.',
        ],
        payload: upload(uploadsDir),
        response: { status: { 202: startedSchema } },
      },
      handler: async (request, h) => {
        const started = await imports.start(staffOf(request), 'import', fileOf(request.payload), {
          locale: localeOf(request),
          ip: clientIp(request),
        });
        return h.response(started).code(202);
      },
    }),
    moduleRoute({
      method: 'POST',
      path: '/api/v1/console/contact-imports/batch-edits',
      access: { permission: 'contacts.edit' },
      options: {
        description:
          '批量编辑用户 / Batch edit: upload an edited contact export (multipart `file`); every editable column present overwrites the contacts’ values',
        notes: [
          'Read-only columns (contact ID, channel ids, times, utm) are ignored; a blank cell clears the value, except in a column masked for the uploader.',
          'Optional field `groupId` (a static group) once groups exist; until then it answers 400 contact_batch_edit_group_unavailable.',
        ],
        payload: upload(uploadsDir),
        response: { status: { 202: startedSchema } },
      },
      handler: async (request, h) => {
        const body = (request.payload as Record<string, unknown> | null) ?? {};
        const groupId = typeof body.groupId === 'string' && body.groupId !== '' ? body.groupId : undefined;
        if (groupId !== undefined && id().validate(groupId).error) {
          for (const part of Object.values(body)) if (isWrittenPart(part)) rmSync(part.path, { force: true });
          throw new InputError('validation_failed', {}, [{ path: 'groupId', code: 'id' }]);
        }
        const started = await imports.start(staffOf(request), 'batchEdit', fileOf(body), {
          locale: localeOf(request),
          groupId,
          ip: clientIp(request),
        });
        return h.response(started).code(202);
      },
    }),
    moduleRoute({
      method: 'GET',
      path: '/api/v1/console/contact-imports',
      access: { permission: 'contacts.view' },
      options: {
        description: '导入记录 / The tenant’s recent imports and batch edits, newest first',
        validate: {
          query: Joi.object({
            kind: kindSchema,
            limit: Joi.number().integer().min(1).max(100).default(20),
          }).label('ContactImportQuery'),
        },
        response: {
          schema: Joi.object({ items: Joi.array().items(importSchema).label('ContactImportItems').required() }).label(
            'ContactImportList',
          ),
        },
      },
      handler: async (request) => ({
        items: await imports.list(
          principalOf(request).tenantId,
          request.query as { kind?: 'import' | 'batchEdit'; limit: number },
        ),
      }),
    }),
    moduleRoute<{ importId: string }>({
      method: 'GET',
      path: '/api/v1/console/contact-imports/{importId}',
      access: { permission: 'contacts.view' },
      options: {
        description: '导入进度 / One import or batch edit: status, progress, counts and its failure file',
        validate: { params: idParams('importId') },
        response: { schema: importSchema },
      },
      handler: (request) => imports.get(principalOf(request).tenantId, request.params.importId),
    }),
  ];
}
