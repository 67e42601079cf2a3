import Joi from 'joi';
import type { PluginRoute } from '../../kernel/contributions.js';
import { InputError } from '../../server/errors.js';
import { clientIp } from '../../server/client.js';
import { principalOf } from '../../server/principal.js';
import { moduleRoute } from '../../server/route.js';
import { epochMs, id, idParams, pageQueryWith } from '../../server/schemas.js';
import type { OperationLogService } from '../audit/operation-log.service.js';
import { parseIdFile, type ContactErasuresService } from './contact-erasures.service.js';
import { erasureLimits } from './contact-erasures.types.js';

const erasureSchema = Joi.object({
  id: Joi.string().required(),
  channelId: Joi.string().required(),
  kind: Joi.string().valid('customChannelData', 'wechatGdpr').label('ContactErasureKind').required(),
  source: Joi.string().valid('single', 'file').label('ContactErasureSource').required(),
  status: Joi.string().valid('queued', 'running', 'succeeded', 'failed').label('ContactErasureStatus').required(),
  total: Joi.number().integer().required(),
  deleted: Joi.number().integer().required(),
  notFound: Joi.number().integer().required(),
  taskId: Joi.string().allow(null).required(),
  fileId: Joi.string().allow(null).required().description('The result list (CSV: ID, 联系人ID, 结果) once the task succeeded'),
  createdBy: Joi.string().allow(null).required(),
  createdAt: epochMs().required(),
  finishedAt: epochMs().allow(null).required(),
}).label('ContactErasure');

const startedSchema = erasureSchema
  .keys({
    blankLines: Joi.number().integer().required().description('Blank lines of the file, skipped'),
    duplicates: Joi.number().integer().required().description('Lines repeating an earlier id, skipped'),
  })
  .label('ContactErasureStarted');

const tenantOf = (request: Parameters<typeof principalOf>[0]) => principalOf(request).tenantId;
const staffIdOf = (request: Parameters<typeof principalOf>[0]) => {
  const principal = principalOf(request);
  return principal.kind === 'staff' ? principal.staffId : null;
};

/** The bytes of the multipart part `file`, as hapi parsed it. */
function fileBytes(payload: unknown): Buffer {
  const part = (payload as Record<string, unknown> | null)?.file as { payload?: unknown } | undefined;
  const body = part?.payload;
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === 'string') {
    // A text/* part was decoded as UTF-8 by hapi: undecodable bytes became U+FFFD.
    if (body.includes('\uFFFD'))
      throw new InputError('contact_erasure_file_encoding', {}, [{ path: 'file', code: 'contact_erasure_file_encoding' }]);
    return Buffer.from(body, 'utf8');
  }
  throw new InputError('contact_erasure_file_required', {}, [{ path: 'file', code: 'contact_erasure_file_required' }]);
}

/**
 * 删除用户数据 (§2.2.6) and 删除微信GDPR数据 (§1.9.1.3.18), done from the connection's detail page:
 * 连接-编辑 (`connections.edit`, "使用连接内功能", matrix §1.11.4.6.2). Each request is recorded in
 * the operation log (用户 · 删除自定义渠道用户数据 / 删除微信GDPR数据) with ids and counts only.
 */
export function contactErasuresRoutes(erasures: ContactErasuresService, log: OperationLogService): PluginRoute[] {
  const record = async (
    request: Parameters<typeof principalOf>[0],
    started: { id: string; channelId: string; total: number; operation: string },
  ) =>
    log.record(principalOf(request), {
      objectType: 'contact',
      operation: started.operation,
      objectId: null,
      detail: { erasureId: started.id, channelId: started.channelId, ids: started.total },
      ip: clientIp(request),
    });
  const answer = ({ operation: _operation, ...erasure }: Awaited<ReturnType<ContactErasuresService['start']>>) => erasure;

  return [
    moduleRoute({
      method: 'GET',
      path: '/api/v1/console/contact-erasures',
      access: { permission: 'connections.edit' },
      options: {
        description: '删除用户数据记录 / Past erasure requests, newest first (optionally of one channel)',
        validate: { query: pageQueryWith<{ channelId?: string }>({ channelId: id() }) },
        response: {
          schema: Joi.object({
            items: Joi.array().items(erasureSchema).label('ContactErasureItems').required(),
            total: Joi.number().integer().required(),
            page: Joi.number().integer().required(),
            pageSize: Joi.number().integer().required(),
          }).label('ContactErasurePage'),
        },
      },
      handler: (request) => erasures.list(tenantOf(request), request.query),
    }),
    moduleRoute({
      method: 'GET',
      path: '/api/v1/console/contact-erasures/template',
      access: { permission: 'connections.edit' },
      options: {
        description: '下载模板 / The TXT template: one id per line (external_id, or OpenID / UnionID)',
        validate: {
          query: Joi.object<{ kind: 'customChannelData' | 'wechatGdpr' }>({
            kind: Joi.string().valid('customChannelData', 'wechatGdpr').default('customChannelData'),
          }),
        },
      },
      handler: (request, h) => {
        const file = erasures.template(request.query.kind);
        return h
          .response(file.content)
          .type('text/plain; charset=utf-8')
          .header('content-disposition', `attachment; filename="${file.filename}"`);
      },
    }),
    moduleRoute({
      method: 'GET',
      path: '/api/v1/console/contact-erasures/{erasureId}',
      access: { permission: 'connections.edit' },
      options: {
        description: '删除用户数据详情 / One erasure request with its counts and result file',
        validate: { params: idParams('erasureId') },
        response: { schema: erasureSchema },
      },
      handler: (request) => erasures.get(tenantOf(request), request.params.erasureId),
    }),
    moduleRoute({
      method: 'POST',
      path: '/api/v1/console/contact-erasures',
      access: { permission: 'connections.edit' },
      options: {
        description:
          '删除用户数据 / 删除微信GDPR数据: erase one person of a channel by an id of theirs there — a custom channel by external_id, an official account by OpenID or UnionID. Irreversible.',
        notes: [
          'Answers 202 at once; a task erases (account in this channel deleted, removed from every group, properties blanked and the name set to 已注销, this channel’s events deleted from OLAP, the inbox and the quarantine) and notifies with the result list.',
          'An id no account of the channel has is reported as not found (未找到), never an error.',
        ],
        validate: {
          payload: Joi.object<{ channelId: string; userId: string }>({
            channelId: id().required(),
            userId: Joi.string().trim().min(1).max(erasureLimits.idLength).required(),
          }).label('NewContactErasure'),
        },
        response: { status: { 202: startedSchema } },
      },
      handler: async (request, h) => {
        const started = await erasures.start(
          tenantOf(request),
          { channelId: request.payload.channelId, ids: [request.payload.userId], source: 'single' },
          staffIdOf(request),
        );
        await record(request, started);
        return h.response({ ...answer(started), blankLines: 0, duplicates: 0 }).code(202);
      },
    }),
    moduleRoute({
      method: 'POST',
      path: '/api/v1/console/contact-erasures/file',
      access: { permission: 'connections.edit' },
      options: {
        description:
          '批量删除用户数据 / Erase the people of a TXT file (multipart field `file`, one id per line) in one channel. Irreversible.',
        notes: [
          `UTF-8, one id per line, at most ${erasureLimits.fileIds.toLocaleString('en-US')} ids and 2 MB; blank lines and repeated ids are skipped (counted in the answer).`,
          'Refused as a whole: no id (contact_erasure_file_empty), an id longer than 191 characters (contact_erasure_id_too_long, one detail lines.<n> per line), too many ids (contact_erasure_too_many), not UTF-8.',
        ],
        validate: { query: Joi.object<{ channelId: string }>({ channelId: id().required() }) },
        payload: {
          output: 'data',
          parse: true,
          allow: 'multipart/form-data',
          multipart: { output: 'annotated' },
          maxBytes: erasureLimits.fileBytes + 64 * 1024,
        },
        response: { status: { 202: startedSchema } },
      },
      handler: async (request, h) => {
        const tenantId = tenantOf(request);
        // The channel first: another tenant's channel is a 404 whatever the file holds.
        await erasures.target(tenantId, request.query.channelId);
        const bytes = fileBytes(request.payload);
        if (bytes.length > erasureLimits.fileBytes)
          throw new InputError('contact_erasure_too_many', { max: erasureLimits.fileIds, count: 0 }, [
            { path: 'file', code: 'contact_erasure_too_many' },
          ]);
        const parsed = parseIdFile(bytes);
        const started = await erasures.start(
          tenantId,
          { channelId: request.query.channelId, ids: parsed.ids, source: 'file' },
          staffIdOf(request),
        );
        await record(request, started);
        return h.response({ ...answer(started), blankLines: parsed.blankLines, duplicates: parsed.duplicates }).code(202);
      },
    }),
  ];
}
