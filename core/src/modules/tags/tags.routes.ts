import type { Request, ResponseToolkit } from '@hapi/hapi';
import Joi from 'joi';
import type { PluginRoute } from '../../kernel/contributions.js';
import { InputError } from '../../server/errors.js';
import { principalOf } from '../../server/principal.js';
import { moduleRoute } from '../../server/route.js';
import { epochMs, id, idParams, shortText } from '../../server/schemas.js';
import { conditionTreeSchema } from '../conditions/condition.schema.js';
import { reportLeaf, type ReportRange, type TagChange, type TagInput, type TagsService } from './tags.service.js';
import {
  MAX_LAYERS,
  MAX_TOP_N,
  SENTIMENT_EVENTS,
  metricAggregates,
  tagKinds,
  tagStatuses,
  tagValueTypes,
  type TagKind,
  type TagValueType,
} from './tags.types.js';

const tenantOf = (request: Request) => principalOf(request).tenantId;
const staffIdOf = (request: Request) => {
  const principal = principalOf(request);
  return principal.kind === 'staff' ? principal.staffId : null;
};

const kind = Joi.string()
  .valid(...tagKinds)
  .label('TagKind');
const valueType = Joi.string()
  .valid(...tagValueTypes)
  .label('TagValueType');
const days = Joi.number().integer().min(1).max(3650).allow(null).default(null).description('the last N days; null: all events');

const layeredRule = Joi.object({
  layers: Joi.array()
    .items(Joi.object({ value: shortText(64).required(), condition: conditionTreeSchema.required() }).label('TagLayer'))
    .max(100)
    .required()
    .description(`ordered: the first layer a contact matches gives its value (at most ${MAX_LAYERS}: tag_layers_too_many)`),
}).label('LayeredTagRule');
const preferenceRule = Joi.object({
  event: Joi.string().max(128).required(),
  property: Joi.string().max(128).required(),
  rankBy: Joi.string().valid('count', 'sum').default('count'),
  rankProperty: Joi.string().max(128),
  topN: Joi.number().integer().min(1).max(MAX_TOP_N).required(),
  days,
}).label('PreferenceTagRule');
const metricRule = Joi.object({
  event: Joi.string().max(128).required(),
  aggregate: Joi.string()
    .valid(...metricAggregates)
    .required(),
  property: Joi.string().max(128),
  days,
}).label('MetricTagRule');
const firstLastRule = Joi.object({
  event: Joi.string().max(128).required(),
  position: Joi.string().valid('first', 'last').required(),
  property: Joi.string().max(128).required(),
  days,
}).label('FirstLastTagRule');
const sqlRule = Joi.object({ sql: Joi.string().max(100_000).required() }).label('SqlTagRule');
const fileRule = Joi.object({
  keyType: Joi.string()
    .valid('contactId', 'account')
    .required()
    .description('用户ID类型: the contact ID, or an account of a channel'),
  channelId: id().when('keyType', { is: 'account', then: Joi.required(), otherwise: Joi.forbidden() }),
  idType: Joi.string().max(64).when('keyType', { is: 'account', then: Joi.required(), otherwise: Joi.forbidden() }),
  files: Joi.array()
    .items(
      Joi.object({
        fileId: id().required(),
        name: Joi.string().max(255).required(),
        rows: Joi.number().integer().min(0).required(),
        invalidRows: Joi.number().integer().min(0).required(),
      }).label('TagFile'),
    )
    .min(1)
    .max(20)
    .unique('fileId')
    .required(),
}).label('FileTagRule');
const sentimentRule = Joi.object({
  events: Joi.array()
    .items(Joi.string().valid(...SENTIMENT_EVENTS))
    .min(1)
    .unique()
    .required()
    .description('留言文本 wechat_send_text, 微信图文留言 wechat_comment_article'),
}).label('SentimentTagRule');

const ruleByKind = Joi.when('kind', {
  switch: [
    { is: 'layered', then: layeredRule },
    { is: 'preference', then: preferenceRule },
    { is: 'metric', then: metricRule },
    { is: 'firstLast', then: firstLastRule },
    { is: 'sql', then: sqlRule },
    { is: 'file', then: fileRule },
  ],
  otherwise: sentimentRule,
}).label('TagRuleInput');

const common = {
  name: shortText(64).required(),
  description: Joi.string().max(500).allow('', null),
  folderId: id().allow(null),
  valueType,
  updateMode: Joi.string().valid('manual', 'daily').default('manual').label('TagUpdateMode'),
};

const tagInput = Joi.object<TagInput>({
  code: Joi.string()
    .max(64)
    .required()
    .description('用户标签ID: tag_ + letters, digits, underscores; case-sensitive; never editable or reused'),
  kind: kind.required(),
  ...common,
  rule: ruleByKind.required(),
}).label('TagInput');

const tagChange = Joi.object<TagChange & { kind: TagKind }>({
  kind: kind.required(),
  ...common,
  rule: ruleByKind.required(),
}).label('TagChange');

const tagSchema = Joi.object({
  id: Joi.string().required(),
  code: Joi.string().required(),
  name: Joi.string().required(),
  description: Joi.string().allow(null, '').required(),
  folderId: Joi.string().allow(null).required(),
  kind: kind.required(),
  valueType: valueType.required(),
  updateMode: Joi.string().valid('manual', 'daily').required(),
  rule: Joi.object().unknown(true).label('TagRule').required(),
  status: Joi.string()
    .valid(...tagStatuses)
    .label('TagStatus')
    .required(),
  activeCalcDate: Joi.string().allow(null).required(),
  calcDate: Joi.string().allow(null).required(),
  error: Joi.object().unknown(true).allow(null).label('TagError').required(),
  computedAt: epochMs().allow(null).required(),
  createdBy: Joi.string().allow(null).required(),
  createdAt: epochMs().required(),
  updatedAt: epochMs().required(),
  canEdit: Joi.boolean().required(),
  canCompute: Joi.boolean().required(),
  canDelete: Joi.boolean().required(),
}).label('Tag');

const folderSchema = Joi.object({
  id: Joi.string().required(),
  name: Joi.string().required(),
  tagCount: Joi.number().integer().required(),
  createdAt: epochMs().required(),
}).label('TagFolder');

const reportSchema = Joi.object({
  range: Joi.string().valid('last7', 'today').required(),
  dates: Joi.array().items(Joi.string()).label('TagReportDates').required(),
  calcDates: Joi.array().items(Joi.string()).label('TagReportCalcDates').required(),
  rows: Joi.array()
    .items(
      Joi.object({
        value: Joi.alternatives(Joi.string().allow(''), Joi.number(), Joi.boolean()).required(),
        counts: Joi.object().pattern(Joi.string(), Joi.number()).required(),
        total: Joi.number().required(),
        condition: Joi.object()
          .unknown(true)
          .allow(null)
          .label('TagReportCondition')
          .required()
          .description('the tag-value condition of 新建动态组'),
      }).label('TagReportRow'),
    )
    .label('TagReportRows')
    .required(),
  totals: Joi.object().pattern(Joi.string(), Joi.number()).required(),
  generatedAt: epochMs().required(),
  cached: Joi.boolean().required(),
}).label('TagReport');

function csvResponse(h: ResponseToolkit, file: { filename: string; content: string; truncated: boolean }) {
  const ascii = file.filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return h
    .response(file.content)
    .type('text/csv; charset=utf-8')
    .header('x-huiliu-truncated', String(file.truncated))
    .header('content-disposition', `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(file.filename)}`);
}

/** 用户标签 (seed §1.6): the permissions are the seed's 用户标签 / 标签目录 rows (ADR 0020). */
export function tagsRoutes(tags: TagsService): PluginRoute[] {
  const tagParams = idParams('tagId');
  return [
    // ---- folders (标签体系) ----
    moduleRoute({
      method: 'GET',
      path: '/api/v1/tag-folders',
      access: { permission: 'tagFolders.view' },
      options: {
        description: '标签体系 / Tag folders with their tag counts',
        response: {
          schema: Joi.object({ items: Joi.array().items(folderSchema).label('TagFolderList').required() }).label('TagFolders'),
        },
      },
      handler: async (request) => ({ items: await tags.folders(tenantOf(request)) }),
    }),
    moduleRoute<unknown, unknown, { name: string }>({
      method: 'POST',
      path: '/api/v1/tag-folders',
      access: { permission: 'tagFolders.edit' },
      options: {
        description: '新建标签目录 / Create a tag folder (names unique)',
        validate: { payload: Joi.object({ name: shortText(64).required() }).label('TagFolderInput') },
        response: { schema: folderSchema },
      },
      handler: async (request, h) =>
        h.response(await tags.createFolder(tenantOf(request), request.payload.name, staffIdOf(request))).code(201),
    }),
    moduleRoute<{ tagFolderId: string }, unknown, { name: string }>({
      method: 'PATCH',
      path: '/api/v1/tag-folders/{tagFolderId}',
      access: { permission: 'tagFolders.edit' },
      options: {
        description: '重命名标签目录 / Rename a tag folder',
        validate: {
          params: idParams('tagFolderId'),
          payload: Joi.object({ name: shortText(64).required() }).label('TagFolderChange'),
        },
        response: { schema: folderSchema },
      },
      handler: (request) => tags.renameFolder(tenantOf(request), request.params.tagFolderId, request.payload.name),
    }),
    moduleRoute<{ tagFolderId: string }>({
      method: 'DELETE',
      path: '/api/v1/tag-folders/{tagFolderId}',
      access: { permission: 'tagFolders.delete' },
      options: {
        description: '删除标签目录 / Delete an empty tag folder (409 tag_folder_not_empty otherwise)',
        validate: { params: idParams('tagFolderId') },
      },
      handler: async (request, h) => {
        await tags.deleteFolder(tenantOf(request), request.params.tagFolderId);
        return h.response().code(204);
      },
    }),

    // ---- tags ----
    moduleRoute<unknown, { folderId?: string; kind?: TagKind; search?: string }>({
      method: 'GET',
      path: '/api/v1/tags',
      access: { permission: 'tags.view' },
      options: {
        description: '用户标签 / Tags, newest first (folderId "none": tags outside any folder)',
        validate: {
          query: Joi.object({
            folderId: Joi.alternatives(id(), Joi.string().valid('none')),
            kind,
            search: Joi.string().max(64).allow(''),
          }).label('TagQuery'),
        },
        response: { schema: Joi.object({ items: Joi.array().items(tagSchema).label('TagList').required() }).label('Tags') },
      },
      handler: async (request) => ({
        items: await tags.list(tenantOf(request), {
          folderId: request.query.folderId === 'none' ? null : request.query.folderId,
          kind: request.query.kind,
          search: request.query.search || undefined,
        }),
      }),
    }),
    moduleRoute<unknown, unknown, TagInput>({
      method: 'POST',
      path: '/api/v1/tags',
      access: { permission: 'tags.edit' },
      options: {
        description:
          '新建用户标签 / Create a tag of one of the seven kinds; saving does not compute it (立即计算 does). A SQL tag’s SQL is checked by the operator-SQL sandbox',
        validate: { payload: tagInput },
        response: { schema: tagSchema },
      },
      handler: async (request, h) =>
        h.response(await tags.create(tenantOf(request), request.payload, staffIdOf(request))).code(201),
    }),
    moduleRoute<{ tagId: string }>({
      method: 'GET',
      path: '/api/v1/tags/{tagId}',
      access: { permission: 'tags.view' },
      options: { description: '用户标签详情 / One tag', validate: { params: tagParams }, response: { schema: tagSchema } },
      handler: (request) => tags.get(tenantOf(request), request.params.tagId),
    }),
    moduleRoute<{ tagId: string }, unknown, TagChange & { kind: TagKind }>({
      method: 'PUT',
      path: '/api/v1/tags/{tagId}',
      access: { permission: 'tags.edit' },
      options: {
        description:
          '编辑用户标签 / Edit a tag: only in 完成, 计算失败, 失败 (or never computed); 409 tag_status_forbids_edit otherwise',
        validate: { params: tagParams, payload: tagChange },
        response: { schema: tagSchema },
      },
      handler: async (request) => {
        const current = await tags.get(tenantOf(request), request.params.tagId);
        if (current.kind !== request.payload.kind)
          throw new InputError('tag_kind_fixed', {}, [{ path: 'kind', code: 'tag_kind_fixed' }]);
        const payload = request.payload as TagChange & { kind: TagKind };
        const change: TagChange = {
          name: payload.name,
          description: payload.description,
          folderId: payload.folderId,
          valueType: payload.valueType,
          updateMode: payload.updateMode,
          rule: payload.rule,
        };
        return tags.update(tenantOf(request), request.params.tagId, change, staffIdOf(request));
      },
    }),
    moduleRoute<{ tagId: string }>({
      method: 'DELETE',
      path: '/api/v1/tags/{tagId}',
      access: { permission: 'tags.delete' },
      options: {
        description:
          '删除用户标签 / Delete a tag (its ID is never reused); not while it computes (409 tag_status_forbids_delete), nor while a dynamic group (tag_in_use_by_group) or another tag (tag_in_use_by_tag) uses it',
        validate: { params: tagParams },
      },
      handler: async (request, h) => {
        await tags.delete(tenantOf(request), request.params.tagId);
        return h.response().code(204);
      },
    }),
    moduleRoute<{ tagId: string }>({
      method: 'POST',
      path: '/api/v1/tags/{tagId}/compute',
      access: { permission: 'tags.edit' },
      options: {
        description: '立即计算 / Compute a tag now: only in 待计算, 完成, 计算失败, 失败 (or never computed)',
        validate: { params: tagParams },
        response: { schema: tagSchema },
      },
      handler: async (request, h) =>
        h.response(await tags.compute(tenantOf(request), request.params.tagId, staffIdOf(request))).code(202),
    }),
    moduleRoute<{ tagId: string }>({
      method: 'GET',
      path: '/api/v1/tags/{tagId}/calcs',
      access: { permission: 'tags.view' },
      options: {
        description: '计算记录 / The kept calculation days (one per day, the last 50), newest first',
        validate: { params: tagParams },
        response: {
          schema: Joi.object({
            items: Joi.array()
              .items(
                Joi.object({
                  calcDate: Joi.string().required(),
                  contactCount: Joi.number().required(),
                  computedAt: epochMs().required(),
                }).label('TagCalc'),
              )
              .label('TagCalcList')
              .required(),
          }).label('TagCalcs'),
        },
      },
      handler: async (request) => ({ items: await tags.calcs(tenantOf(request), request.params.tagId) }),
    }),
    moduleRoute<{ tagId: string }, { range: ReportRange; force: boolean }>({
      method: 'GET',
      path: '/api/v1/tags/{tagId}/report',
      access: { permission: 'tags.view' },
      options: {
        description:
          '用户标签报表 / Contacts per value per day: the last 7 days (default) or 今日, the top 100 values; kept until force=true (强制刷新)',
        validate: {
          params: tagParams,
          query: Joi.object({
            range: Joi.string().valid('last7', 'today').default('last7'),
            force: Joi.boolean().default(false),
          }).label('TagReportQuery'),
        },
        response: { schema: reportSchema },
      },
      handler: async (request) => {
        const tenantId = tenantOf(request);
        const tag = await tags.get(tenantId, request.params.tagId);
        const report = await tags.report(tenantId, request.params.tagId, request.query.range, request.query.force);
        return { ...report, rows: report.rows.map((row) => ({ ...row, condition: reportLeaf(tag, row.value) })) };
      },
    }),
    moduleRoute<{ tagId: string }, { calcDate?: string }>({
      method: 'GET',
      path: '/api/v1/tags/{tagId}/export',
      access: { permission: 'tags.export' },
      options: {
        description: '导出用户标签 / CSV (用户ID, 标签值) of a calculation day (default: the active one), at most 100,000 rows',
        validate: {
          params: tagParams,
          query: Joi.object({ calcDate: Joi.string().pattern(/^\d{4}-\d{2}-\d{2}$/) }).label('TagExportQuery'),
        },
      },
      handler: async (request, h) =>
        csvResponse(h, await tags.exportCsv(tenantOf(request), request.params.tagId, request.query.calcDate)),
    }),
    moduleRoute<unknown, { valueType: TagValueType }>({
      method: 'POST',
      path: '/api/v1/tags/files',
      access: { permission: 'tags.edit' },
      options: {
        description:
          '上传外部文件 / Upload a CSV or xlsx of 用户ID, value rows (line 1 the header) for an external-file tag: every row checked, problems by line',
        validate: { query: Joi.object({ valueType: valueType.required() }).label('TagFileQuery') },
        payload: {
          output: 'data',
          parse: true,
          allow: 'multipart/form-data',
          multipart: { output: 'annotated' },
          maxBytes: 20 * 1024 * 1024,
        },
        response: {
          schema: Joi.object({
            fileId: Joi.string().required(),
            name: Joi.string().required(),
            rows: Joi.number().integer().required(),
            invalidRows: Joi.number().integer().required(),
            problems: Joi.array()
              .items(
                Joi.object({ line: Joi.number().integer().required(), code: Joi.string().required() }).label('TagFileProblem'),
              )
              .label('TagFileProblems')
              .required(),
          }).label('TagFileUpload'),
        },
      },
      handler: async (request, h) => {
        const part = (request.payload as Record<string, unknown> | null)?.file as
          { payload?: unknown; filename?: string } | undefined;
        const body = part?.payload;
        const bytes = Buffer.isBuffer(body) ? body : typeof body === 'string' ? Buffer.from(body, 'utf8') : undefined;
        if (!bytes || !part?.filename)
          throw new InputError('tag_file_required', {}, [{ path: 'file', code: 'tag_file_required' }]);
        const result = await tags.uploadFile(
          tenantOf(request),
          { name: part.filename, bytes, valueType: request.query.valueType },
          staffIdOf(request),
        );
        return h.response(result).code(201);
      },
    }),
  ];
}
