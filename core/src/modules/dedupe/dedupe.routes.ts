import type { Request } from '@hapi/hapi';
import Joi from 'joi';
import type { PluginRoute } from '../../kernel/contributions.js';
import { clientIp } from '../../server/client.js';
import { principalOf } from '../../server/principal.js';
import { moduleRoute } from '../../server/route.js';
import { epochMs, id, idParams } from '../../server/schemas.js';
import type { OperationLogService } from '../audit/operation-log.service.js';
import type { MaskingService } from '../masking/masking.service.js';
import { DEDUPE_FIELDS, EXCLUDED_VALUE_LENGTH, EXCLUDED_VALUES_MAX, type DedupeField, type DedupeMode } from './dedupe-rules.js';
import type { DedupeSetStatus } from './dedupe.repo.js';
import { MERGE_SETS_MAX, maskMember, type DedupeService } from './dedupe.service.js';

const tenantOf = (request: Request) => principalOf(request).tenantId;
const staffIdOf = (request: Request) => {
  const principal = principalOf(request);
  return principal.kind === 'staff' ? principal.staffId : null;
};

const fieldSchema = Joi.string()
  .valid(...DEDUPE_FIELDS)
  .label('DedupeField');
const fieldsSchema = Joi.array()
  .items(fieldSchema)
  .min(1)
  .unique()
  .label('DedupeFields')
  .description('手机号码 mobilePhone, 证件号 idCard, 邮箱 email (at least one)');
const modeSchema = Joi.string()
  .valid('any', 'all')
  .label('DedupeMode')
  .description('any: 所选属性值任意其一相同即判定为同一用户; all: 所选属性值均相同时即判定为同一用户');
const excludedSchema = Joi.array()
  .items(Joi.string().max(EXCLUDED_VALUE_LENGTH))
  .max(EXCLUDED_VALUES_MAX)
  .label('DedupeExcludedValues')
  .description('过滤条件: values that never count as equal (compared trimmed, case-insensitively)');

const settingsInput = Joi.object({
  fields: fieldsSchema.required(),
  mode: modeSchema.required(),
  excludedValues: excludedSchema.required(),
  autoMerge: Joi.boolean().required().description('每天凌晨 2:45 (tenant time) find and merge every set'),
}).label('DedupeSettingsInput');

const settingsSchema = Joi.object({
  fields: fieldsSchema.required(),
  mode: modeSchema.required(),
  excludedValues: excludedSchema.required(),
  autoMerge: Joi.boolean().required(),
  saved: Joi.boolean().required().description('false: never saved, the defaults apply and the automatic merge is off'),
  updatedAt: epochMs().allow(null).required(),
}).label('DedupeSettings');

const runSchema = Joi.object({
  id: Joi.string().required(),
  trigger: Joi.string().valid('manual', 'auto').label('DedupeTrigger').required(),
  status: Joi.string().valid('running', 'done', 'failed').label('DedupeRunStatus').required(),
  rules: Joi.object({ fields: fieldsSchema.required(), mode: modeSchema.required(), excludedValues: excludedSchema.required() })
    .label('DedupeRules')
    .required(),
  taskId: Joi.string().allow(null).required(),
  createdBy: Joi.string().allow(null).required().description('null: the automatic run'),
  setCount: Joi.number().integer().required(),
  contactCount: Joi.number().integer().required(),
  mergedCount: Joi.number().integer().required(),
  staleCount: Joi.number().integer().required(),
  startedAt: epochMs().required(),
  finishedAt: epochMs().allow(null).required(),
}).label('DedupeRun');

const setStatus = Joi.string().valid('pending', 'merged', 'stale').label('DedupeSetStatus');

const memberSchema = Joi.object({
  id: Joi.string().required(),
  exists: Joi.boolean().required().description('false: merged away or deleted since the run'),
  changed: Joi.boolean().required().description('true: changed since the run'),
  identified: Joi.boolean().required(),
  name: Joi.string().allow(null).required(),
  nickname: Joi.string().allow(null).required(),
  mobile: Joi.string().allow(null).required(),
  idCard: Joi.string().allow(null).required(),
  email: Joi.string().allow(null).required(),
  updatedAt: epochMs().required(),
}).label('DedupeMember');

const setSchema = Joi.object({
  id: Joi.string().required(),
  runId: Joi.string().required(),
  status: setStatus.required(),
  matchedFields: Joi.array().items(fieldSchema).label('DedupeMatchedFields').required(),
  fresh: Joi.boolean().required().description('pending and unchanged since the run: a merge goes through'),
  members: Joi.array().items(memberSchema).label('DedupeMembers').required(),
  survivorId: Joi.string().allow(null).required(),
  decidedAt: epochMs().allow(null).required(),
}).label('DedupeSet');

const mergeResultSchema = Joi.object({
  setId: Joi.string().required(),
  merged: Joi.boolean().required(),
  code: Joi.string()
    .valid('dedupe_set_stale', 'dedupe_set_merged', 'dedupe_set_not_found')
    .allow(null)
    .label('DedupeMergeRefusal')
    .required(),
  survivorId: Joi.string().allow(null).required(),
  mergedIds: Joi.array().items(Joi.string()).label('DedupeMergedIds').required(),
  staleContactIds: Joi.array().items(Joi.string()).label('DedupeStaleContactIds').required(),
}).label('DedupeSetMergeResult');

/**
 * 所有用户 → 更多操作 → 合并用户 (seed §1.4.7): the dedupe rules, 启动查重, the review of a run's
 * sets (values masked per caller, ADR 0024) and 合并用户 of chosen sets (用户 · 合并 in the operation
 * log, one entry per merge). Reading the rules needs 用户-查看; everything else 用户-合并用户.
 */
export function dedupeRoutes(dedupe: DedupeService, masking: MaskingService, log: OperationLogService): PluginRoute[] {
  return [
    moduleRoute({
      method: 'GET',
      path: '/api/v1/console/contacts/dedupe/settings',
      access: { permission: 'contacts.view' },
      options: {
        description: '查重规则 / The dedupe rules: fields, any/all, excluded values, automatic merge',
        response: { schema: settingsSchema },
      },
      handler: (request) => dedupe.settings(tenantOf(request)),
    }),
    moduleRoute<unknown, unknown, { fields: DedupeField[]; mode: DedupeMode; excludedValues: string[]; autoMerge: boolean }>({
      method: 'PUT',
      path: '/api/v1/console/contacts/dedupe/settings',
      access: { permission: 'contacts.merge' },
      options: {
        description:
          '保存查重规则 / Save the dedupe rules (excluded values: at most 100, 1–191 characters, no repeats ignoring case); the nightly automatic merge runs only once saved with autoMerge',
        validate: { payload: settingsInput },
        response: { schema: settingsSchema },
      },
      handler: (request) => dedupe.saveSettings(tenantOf(request), request.payload, staffIdOf(request)),
    }),
    moduleRoute({
      method: 'POST',
      path: '/api/v1/console/contacts/dedupe/runs',
      access: { permission: 'contacts.merge' },
      options: {
        description: '启动查重 / Start a dedupe run under the saved rules (a task; one run at a time: 409 dedupe_running)',
        response: { schema: runSchema },
      },
      handler: async (request, h) => h.response(await dedupe.start(tenantOf(request), staffIdOf(request))).code(201),
    }),
    moduleRoute<unknown, { limit: number }>({
      method: 'GET',
      path: '/api/v1/console/contacts/dedupe/runs',
      access: { permission: 'contacts.merge' },
      options: {
        description: '查重记录 / The latest dedupe runs, newest first',
        validate: { query: Joi.object({ limit: Joi.number().integer().min(1).max(50).default(10) }).label('DedupeRunQuery') },
        response: {
          schema: Joi.object({ items: Joi.array().items(runSchema).label('DedupeRunList').required() }).label('DedupeRuns'),
        },
      },
      handler: async (request) => ({ items: await dedupe.runs(tenantOf(request), request.query.limit) }),
    }),
    moduleRoute<{ runId: string }>({
      method: 'GET',
      path: '/api/v1/console/contacts/dedupe/runs/{runId}',
      access: { permission: 'contacts.merge' },
      options: {
        description: '查重结果 / One dedupe run: status and counts',
        validate: { params: idParams('runId') },
        response: { schema: runSchema },
      },
      handler: (request) => dedupe.run(tenantOf(request), request.params.runId),
    }),
    moduleRoute<{ runId: string }, { status?: DedupeSetStatus; cursor?: string; limit: number }>({
      method: 'GET',
      path: '/api/v1/console/contacts/dedupe/runs/{runId}/sets',
      access: { permission: 'contacts.merge' },
      options: {
        description:
          '重复用户 / The duplicate sets of a run by id, each member as it is now (masked for the caller; gone or changed since the run)',
        validate: {
          params: idParams('runId'),
          query: Joi.object({
            status: setStatus,
            cursor: id().description('the `nextCursor` of the previous page'),
            limit: Joi.number().integer().min(1).max(200).default(50),
          }).label('DedupeSetQuery'),
        },
        response: {
          schema: Joi.object({
            items: Joi.array().items(setSchema).label('DedupeSetList').required(),
            nextCursor: Joi.string().allow(null).required(),
          }).label('DedupeSetPage'),
        },
      },
      handler: async (request) => {
        const [page, masker] = await Promise.all([
          dedupe.sets(tenantOf(request), request.params.runId, request.query),
          masking.forPrincipal(principalOf(request)),
        ]);
        return {
          ...page,
          items: page.items.map((set) => ({ ...set, members: set.members.map((member) => maskMember(member, masker)) })),
        };
      },
    }),
    moduleRoute<{ runId: string }, unknown, { sets: { setId: string; contactIds?: string[] }[] }>({
      method: 'POST',
      path: '/api/v1/console/contacts/dedupe/runs/{runId}/merge',
      access: { permission: 'contacts.merge' },
      options: {
        description:
          '合并用户 / Merge chosen sets of a run (each whole, or ≥ 2 chosen members): the most recently updated contact survives; a set merged or changed since the run is refused (dedupe_set_stale), never merged wrongly',
        validate: {
          params: idParams('runId'),
          payload: Joi.object({
            sets: Joi.array()
              .items(
                Joi.object({
                  setId: id().required(),
                  contactIds: Joi.array().items(id()).min(2).unique().description('only these members (default: all)'),
                }).label('DedupeMergeSelection'),
              )
              .min(1)
              .max(MERGE_SETS_MAX)
              .unique('setId')
              .required(),
          }).label('DedupeMergeInput'),
        },
        response: {
          schema: Joi.object({ results: Joi.array().items(mergeResultSchema).label('DedupeMergeResults').required() }).label(
            'DedupeMergeOutcome',
          ),
        },
      },
      handler: async (request) => {
        const principal = principalOf(request);
        const results = await dedupe.mergeSets(
          principal.tenantId,
          request.params.runId,
          request.payload.sets,
          staffIdOf(request),
        );
        // 用户 · 合并: one entry per merge (the survivor, the contact merged into it, the run and set).
        for (const result of results)
          for (const merge of result.merges)
            await log.record(principal, {
              objectType: 'contact',
              operation: 'merge',
              objectId: merge.survivorId,
              detail: { mergedId: merge.mergedId, dedupeRunId: request.params.runId, dedupeSetId: result.setId },
              ip: clientIp(request),
            });
        return { results: results.map(({ merges: _merges, ...result }) => result) };
      },
    }),
  ];
}
