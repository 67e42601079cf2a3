import { rmSync } from 'node:fs';
import type { ResponseToolkit } from '@hapi/hapi';
import Joi from 'joi';
import type { PluginRoute } from '../../kernel/contributions.js';
import { InputError } from '../../server/errors.js';
import { principalOf } from '../../server/principal.js';
import { moduleRoute } from '../../server/route.js';
import { epochMs, idParams, shortText } from '../../server/schemas.js';
import type { DimensionsService } from './dimensions.service.js';
import {
  dictionaryLimits,
  dimensionFieldTypes,
  dimensionLimits,
  type DimensionTableChange,
  type LinkTarget,
  type NewDimensionTable,
} from './dimensions.types.js';
import { NAME_MAX } from './metadata.types.js';

const linkTarget = Joi.string().valid('event', 'contact').label('LinkTarget');

const dictionaryInfoSchema = Joi.object({
  id: Joi.string().required(),
  rowCount: Joi.number().integer().required(),
  updatedAt: epochMs().required(),
}).label('DictionaryInfo');

const dictionaryItemSchema = Joi.object({
  target: linkTarget.required(),
  property: Joi.string().required().description('An event property code or a contact property key (city, attr3)'),
  propertyName: Joi.string().required(),
  source: Joi.string().valid('system', 'sdk', 'custom').label('DictionaryPropertySource').required(),
  dictionary: dictionaryInfoSchema.allow(null).label('DictionaryInfoOrNull').required(),
}).label('DictionaryItem');

const fieldType = Joi.string()
  .valid(...dimensionFieldTypes)
  .label('DimensionFieldType');

const dimensionTableSchema = Joi.object({
  id: Joi.string().required(),
  code: Joi.string().required(),
  name: Joi.string().required(),
  linkTarget: linkTarget.required(),
  linkProperty: Joi.string().required(),
  linkPropertyName: Joi.string().required(),
  fields: Joi.array()
    .items(
      Joi.object({
        id: Joi.string().required(),
        code: Joi.string().required(),
        name: Joi.string().required(),
        type: fieldType.required(),
      }).label('DimensionField'),
    )
    .label('DimensionFields')
    .required(),
  primaryField: Joi.string().allow('').required().description('The code of the primary-key field'),
  status: Joi.string().valid('empty', 'loading', 'ready', 'clearing').label('DimensionStatus').required(),
  rowCount: Joi.number().integer().required(),
  loadedAt: epochMs().allow(null).required(),
  taskId: Joi.string().allow(null).required(),
  createdAt: epochMs().required(),
  updatedAt: epochMs().required(),
}).label('DimensionTable');

const taskStarted = Joi.object({ taskId: Joi.string().required() }).label('DimensionTaskStarted');

const code = Joi.string().max(64);
const fieldInput = Joi.object({ code: code.required(), name: shortText(NAME_MAX).required(), type: fieldType.required() }).label(
  'DimensionFieldInput',
);
const fieldInputs = Joi.array().items(fieldInput).max(dimensionLimits.fields).label('DimensionFieldInputs');

const dictionaryParams = idParams('dictionaryId');
const dimensionParams = idParams('dimensionId');
const staffIdOf = (request: Parameters<typeof principalOf>[0]) => {
  const principal = principalOf(request);
  return principal.kind === 'staff' ? principal.staffId : null;
};
const tenantOf = (request: Parameters<typeof principalOf>[0]) => principalOf(request).tenantId;

/** Multipart, with the file part in memory (`file`). */
const smallUpload = {
  output: 'data' as const,
  parse: true,
  allow: 'multipart/form-data',
  multipart: { output: 'annotated' as const },
  maxBytes: dictionaryLimits.fileBytes + 64 * 1024,
};

/** The bytes of the multipart part `file`, as hapi parsed it. */
function fileBytes(payload: unknown): Buffer {
  const part = (payload as Record<string, unknown> | null)?.file as { payload?: unknown } | undefined;
  const body = part?.payload;
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === 'string') {
    // A text/* part was decoded as UTF-8 by hapi: undecodable bytes became U+FFFD.
    if (body.includes('\uFFFD'))
      throw new InputError('metadata_csv_encoding_invalid', {}, [{ path: 'file', code: 'metadata_csv_encoding_invalid' }]);
    return Buffer.from(body, 'utf8');
  }
  throw new InputError('metadata_file_required', {}, [{ path: 'file', code: 'metadata_file_required' }]);
}

interface WrittenPart {
  path: string;
  bytes: number;
  filename?: string;
}

const isWrittenPart = (value: unknown): value is WrittenPart =>
  typeof value === 'object' && value !== null && typeof (value as WrittenPart).path === 'string';

function csvResponse(h: ResponseToolkit, file: { filename: string; content: string }) {
  const ascii = file.filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return h
    .response(file.content)
    .type('text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(file.filename)}`);
}

/** 字典表 (§1.10.12) and 维度表 (§1.10.13): view = 元数据-查看; changes = 元数据-管理. */
export function dimensionsRoutes(dimensions: DimensionsService, uploadsDir: () => string): PluginRoute[] {
  return [
    // ---- dictionaries ----
    moduleRoute({
      method: 'GET',
      path: '/api/v1/metadata/dictionaries',
      access: { permission: 'metadata.view' },
      options: {
        description: '字典表列表 / Every string property (event and contact) with its dictionary, if any (§1.10.12)',
        response: {
          schema: Joi.object({ items: Joi.array().items(dictionaryItemSchema).label('DictionaryItems').required() }).label(
            'DictionaryList',
          ),
        },
      },
      handler: async (request) => ({ items: await dimensions.dictionaries(tenantOf(request)) }),
    }),
    moduleRoute({
      method: 'POST',
      path: '/api/v1/metadata/dictionaries/upload',
      access: { permission: 'metadata.manage' },
      options: {
        description: '上传字典表 / Upload a dictionary (full overwrite): multipart field `file`, a UTF-8 CSV `value,label`',
        notes: [
          'The header is value,label (or 值,描述); at most 50,000 rows and 2 MB.',
          'Every row is checked first: any bad row refuses the file (400 metadata_dictionary_invalid, one detail rows.<line> per bad row) and the previous dictionary is kept.',
        ],
        validate: {
          query: Joi.object<{ target: LinkTarget; property: string }>({
            target: linkTarget.required(),
            property: Joi.string().max(64).required(),
          }),
        },
        payload: smallUpload,
        response: { schema: dictionaryInfoSchema },
      },
      handler: (request) =>
        dimensions.uploadDictionary(
          tenantOf(request),
          request.query.target,
          request.query.property,
          fileBytes(request.payload),
          staffIdOf(request),
        ),
    }),
    moduleRoute({
      method: 'GET',
      path: '/api/v1/metadata/dictionaries/{dictionaryId}/download',
      access: { permission: 'metadata.view' },
      options: {
        description: '下载字典表 / Download a dictionary as CSV (value,label)',
        validate: { params: dictionaryParams },
      },
      handler: async (request, h) =>
        csvResponse(h, await dimensions.downloadDictionary(tenantOf(request), request.params.dictionaryId)),
    }),
    moduleRoute({
      method: 'DELETE',
      path: '/api/v1/metadata/dictionaries/{dictionaryId}',
      access: { permission: 'metadata.manage' },
      options: { description: '删除字典表 / Delete a dictionary', validate: { params: dictionaryParams } },
      handler: async (request, h) => {
        await dimensions.deleteDictionary(tenantOf(request), request.params.dictionaryId);
        return h.response().code(204);
      },
    }),

    // ---- dimension tables ----
    moduleRoute({
      method: 'GET',
      path: '/api/v1/metadata/dimension-tables',
      access: { permission: 'metadata.view' },
      options: {
        description: '维度表列表 / Dimension tables (§1.10.13)',
        response: {
          schema: Joi.object({ items: Joi.array().items(dimensionTableSchema).label('DimensionTableItems').required() }).label(
            'DimensionTableList',
          ),
        },
      },
      handler: async (request) => ({ items: await dimensions.dimensionTables(tenantOf(request)) }),
    }),
    moduleRoute({
      method: 'GET',
      path: '/api/v1/metadata/dimension-tables/{dimensionId}',
      access: { permission: 'metadata.view' },
      options: {
        description: '维度表详情 / One dimension table',
        validate: { params: dimensionParams },
        response: { schema: dimensionTableSchema },
      },
      handler: (request) => dimensions.dimensionTable(tenantOf(request), request.params.dimensionId),
    }),
    moduleRoute({
      method: 'POST',
      path: '/api/v1/metadata/dimension-tables',
      access: { permission: 'metadata.manage' },
      options: {
        description: '新建维度表 / Create a dimension table: ID, name, linked property, fields and primary key',
        validate: {
          payload: Joi.object<NewDimensionTable>({
            code: code.required(),
            name: shortText(NAME_MAX).required(),
            linkTarget: linkTarget.required(),
            linkProperty: Joi.string().max(64).required(),
            fields: fieldInputs.min(1).required(),
            primaryField: code.required(),
          }).label('NewDimensionTable'),
        },
        response: { status: { 201: dimensionTableSchema } },
      },
      handler: async (request, h) =>
        h.response(await dimensions.createDimensionTable(tenantOf(request), request.payload, staffIdOf(request))).code(201),
    }),
    moduleRoute({
      method: 'PATCH',
      path: '/api/v1/metadata/dimension-tables/{dimensionId}',
      access: { permission: 'metadata.manage' },
      options: {
        description:
          '更新维度表 / Change a dimension table: rename, re-pick the linked property, add fields (send every existing one), change the primary key while empty',
        validate: {
          params: dimensionParams,
          payload: Joi.object<DimensionTableChange>({
            name: shortText(NAME_MAX),
            linkTarget,
            linkProperty: Joi.string().max(64),
            fields: fieldInputs.min(1),
            primaryField: code,
          }).label('DimensionTableChange'),
        },
        response: { schema: dimensionTableSchema },
      },
      handler: (request) => dimensions.updateDimensionTable(tenantOf(request), request.params.dimensionId, request.payload),
    }),
    moduleRoute({
      method: 'POST',
      path: '/api/v1/metadata/dimension-tables/{dimensionId}/upload',
      access: { permission: 'metadata.manage' },
      options: {
        description:
          '上传维度表数据 / Upload rows: multipart field `file`, a UTF-8 CSV whose header names field IDs; loaded by a task',
        notes: [
          'The header must name only fields of the table and include the primary key. The answer is 202 with the task id; the table is loading until the task ends.',
          'Each upload replaces the table’s rows with the file’s; within the file the last row of a primary key wins; rows that do not match their field types are skipped and reported in the task result.',
        ],
        validate: { params: dimensionParams },
        payload: {
          output: 'data',
          parse: true,
          allow: 'multipart/form-data',
          multipart: { output: 'file' },
          maxBytes: dimensionLimits.fileBytes + 64 * 1024,
          uploads: uploadsDir(),
        },
        response: { status: { 202: taskStarted } },
      },
      handler: async (request, h) => {
        const parts = Object.values((request.payload as Record<string, unknown> | null) ?? {}).filter(isWrittenPart);
        try {
          const file = (request.payload as Record<string, unknown> | null)?.file;
          if (!isWrittenPart(file))
            throw new InputError('metadata_file_required', {}, [{ path: 'file', code: 'metadata_file_required' }]);
          const started = await dimensions.uploadDimension(
            tenantOf(request),
            request.params.dimensionId,
            file,
            staffIdOf(request),
          );
          return h.response(started).code(202);
        } finally {
          for (const part of parts) rmSync(part.path, { force: true });
        }
      },
    }),
    moduleRoute({
      method: 'POST',
      path: '/api/v1/metadata/dimension-tables/{dimensionId}/clear',
      access: { permission: 'metadata.manage' },
      options: {
        description: '清空维度表 / Empty a dimension table (a task); its primary key can change once it is empty',
        validate: { params: dimensionParams },
        response: { status: { 202: taskStarted } },
      },
      handler: async (request, h) =>
        h.response(await dimensions.clearDimension(tenantOf(request), request.params.dimensionId, staffIdOf(request))).code(202),
    }),
    moduleRoute({
      method: 'DELETE',
      path: '/api/v1/metadata/dimension-tables/{dimensionId}',
      access: { permission: 'metadata.manage' },
      options: {
        description: '删除维度表 / Delete a dimension table and its data',
        validate: { params: dimensionParams },
      },
      handler: async (request, h) => {
        await dimensions.deleteDimension(tenantOf(request), request.params.dimensionId);
        return h.response().code(204);
      },
    }),
    moduleRoute({
      method: 'GET',
      path: '/api/v1/metadata/dimension-tables/{dimensionId}/template',
      access: { permission: 'metadata.view' },
      options: {
        description: '下载维度表模板 / The CSV template: a header row of the field IDs',
        validate: { params: dimensionParams },
      },
      handler: async (request, h) => csvResponse(h, await dimensions.template(tenantOf(request), request.params.dimensionId)),
    }),
  ];
}
