import Joi from 'joi';
import type { PluginRoute } from '../../kernel/contributions.js';
import { actorOf } from '../../server/principal.js';
import { moduleRoute } from '../../server/route.js';
import { epochMs, id, idParams } from '../../server/schemas.js';
import { conditionTreeSchema } from '../conditions/condition.schema.js';
import { conditionLimits, type ConditionTree } from '../conditions/condition.types.js';
import type { GroupSelectionsService } from './group-selections.service.js';
import { selectionLimits, type ExclusiveGroupInput, type GroupSelection } from './group-selections.types.js';

const nameSchema = Joi.string().trim().min(1).max(selectionLimits.nameMax);
const descriptionSchema = Joi.string().allow('', null).max(selectionLimits.descriptionMax);
// The 2–20 rule is the service's (a stable code, exclusive_group_members_count); this only bounds the body.
const memberIdsSchema = Joi.array().items(id()).max(100).label('ExclusiveGroupMemberIds');
const conditionPayload = { maxBytes: conditionLimits.requestBytes };

const memberSchema = Joi.object({
  position: Joi.number().integer().min(1).required().description('1 = the highest priority'),
  groupId: id().required(),
  name: Joi.string().allow('').required(),
  kind: Joi.string().valid('dynamic', 'static').label('ExclusiveMemberKind').required(),
}).label('ExclusiveGroupMember');

export const exclusiveGroupSchema = Joi.object({
  id: id().required().description('numeric; a deleted exclusive group’s id is never reused'),
  name: Joi.string().required(),
  description: Joi.string().allow('', null).required(),
  members: Joi.array().items(memberSchema).label('ExclusiveGroupMembers').required(),
  createdBy: id().allow(null).required(),
  createdAt: epochMs().required(),
  updatedAt: epochMs().required(),
}).label('ExclusiveGroup');

export const temporaryGroupSchema = Joi.object({
  id: id().required(),
  name: Joi.string().required(),
  condition: Joi.object().unknown(true).label('TemporaryGroupCondition').required(),
  createdAt: epochMs().required(),
  updatedAt: epochMs().required(),
}).label('TemporaryGroup');

export const selectionSchema = Joi.alternatives()
  .try(
    Joi.object({ type: Joi.string().valid('group').required(), groupId: id().required() }).label('GroupSelectionGroup'),
    Joi.object({
      type: Joi.string().valid('exclusive').required(),
      exclusiveGroupId: id().required(),
      position: Joi.number()
        .integer()
        .min(1)
        .max(selectionLimits.exclusiveMembersMax)
        .required()
        .description('the segment: its member’s position'),
    }).label('GroupSelectionSegment'),
    Joi.object({ type: Joi.string().valid('temporary').required(), temporaryGroupId: id().required() }).label(
      'GroupSelectionTemporary',
    ),
  )
  .label('GroupSelection');

const countsSchema = Joi.object({
  items: Joi.array()
    .items(
      Joi.object({
        selection: selectionSchema.required(),
        name: Joi.string().allow('').required(),
        count: Joi.number().integer().required(),
      }).label('GroupSelectionCount'),
    )
    .label('GroupSelectionCountList')
    .required(),
  computedAt: epochMs().required(),
}).label('GroupSelectionCounts');

const exclusiveParams = idParams('exclusiveGroupId');
const temporaryParams = idParams('temporaryGroupId');

/** 互斥组, 临时群组 and the selections reports pick (SPEC §4, seed §1.7.4.3, §1.7.10; ADR 0049). */
export function groupSelectionsRoutes(service: GroupSelectionsService): PluginRoute[] {
  return [
    // ---- 互斥组 ----
    moduleRoute({
      method: 'GET',
      path: '/api/v1/console/exclusive-groups',
      access: { permission: 'groups.view' },
      options: {
        description: '互斥组列表 / Exclusive groups, newest first, with their members in priority order',
        response: {
          schema: Joi.object({ items: Joi.array().items(exclusiveGroupSchema).label('ExclusiveGroupList').required() }).label(
            'ExclusiveGroups',
          ),
        },
      },
      handler: async (request) => ({ items: await service.listExclusive(actorOf(request).tenantId) }),
    }),
    moduleRoute<{ exclusiveGroupId: string }>({
      method: 'GET',
      path: '/api/v1/console/exclusive-groups/{exclusiveGroupId}',
      access: { permission: 'groups.view' },
      options: {
        description: '互斥组详情 / An exclusive group',
        validate: { params: exclusiveParams },
        response: { schema: exclusiveGroupSchema },
      },
      handler: (request) => service.getExclusive(actorOf(request).tenantId, request.params.exclusiveGroupId),
    }),
    moduleRoute<unknown, unknown, ExclusiveGroupInput>({
      method: 'POST',
      path: '/api/v1/console/exclusive-groups',
      access: { permission: 'groups.edit' },
      options: {
        description:
          '新建互斥组 / Create an exclusive group: 2–20 member groups, highest priority first; a contact belongs to the first member it is in',
        validate: {
          payload: Joi.object({
            name: nameSchema.required(),
            description: descriptionSchema,
            groupIds: memberIdsSchema.required(),
          }).label('ExclusiveGroupInput'),
        },
        response: { status: { 201: exclusiveGroupSchema } },
      },
      handler: async (request, h) => {
        const actor = actorOf(request);
        return h.response(await service.createExclusive(actor.tenantId, request.payload, actor.staffId)).code(201);
      },
    }),
    moduleRoute<{ exclusiveGroupId: string }, unknown, Partial<ExclusiveGroupInput>>({
      method: 'PATCH',
      path: '/api/v1/console/exclusive-groups/{exclusiveGroupId}',
      access: { permission: 'groups.edit' },
      options: {
        description: '编辑互斥组 / Rename, describe, or change the members and their priority (applies at once)',
        validate: {
          params: exclusiveParams,
          payload: Joi.object({ name: nameSchema, description: descriptionSchema, groupIds: memberIdsSchema }).label(
            'ExclusiveGroupPatch',
          ),
        },
        response: { schema: exclusiveGroupSchema },
      },
      handler: (request) =>
        service.updateExclusive(actorOf(request).tenantId, request.params.exclusiveGroupId, request.payload ?? {}),
    }),
    moduleRoute<{ exclusiveGroupId: string }>({
      method: 'DELETE',
      path: '/api/v1/console/exclusive-groups/{exclusiveGroupId}',
      access: { permission: 'groups.delete' },
      options: {
        description: '删除互斥组 / Delete an exclusive group (its member groups stay)',
        validate: { params: exclusiveParams },
      },
      handler: async (request, h) => {
        await service.deleteExclusive(actorOf(request).tenantId, request.params.exclusiveGroupId);
        return h.response().code(204);
      },
    }),
    moduleRoute<{ exclusiveGroupId: string }>({
      method: 'GET',
      path: '/api/v1/console/exclusive-groups/{exclusiveGroupId}/counts',
      access: { permission: 'groups.view' },
      options: {
        description: '互斥组各分组人数 / How many contacts each segment holds now (disjoint: they add up to the union)',
        validate: { params: exclusiveParams },
        response: { schema: countsSchema },
      },
      handler: (request) => service.countExclusive(actorOf(request).tenantId, request.params.exclusiveGroupId),
    }),

    // ---- 临时群组 ----
    moduleRoute({
      method: 'GET',
      path: '/api/v1/console/temporary-groups',
      access: { permission: 'groups.view' },
      options: {
        description: '我的临时群组 / The caller’s temporary groups (at most 3)',
        response: {
          schema: Joi.object({ items: Joi.array().items(temporaryGroupSchema).label('TemporaryGroupList').required() }).label(
            'TemporaryGroups',
          ),
        },
      },
      handler: async (request) => ({ items: await service.listTemporary(actorOf(request)) }),
    }),
    moduleRoute<unknown, unknown, { name: string; condition: ConditionTree }>({
      method: 'POST',
      path: '/api/v1/console/temporary-groups',
      access: { permission: 'groups.view' },
      options: {
        description:
          '添加临时群组 / Add a temporary group: ad-hoc conditions, never computed; at most 3 per staff member (409 temporary_group_limit)',
        validate: {
          payload: Joi.object({ name: nameSchema.required(), condition: conditionTreeSchema.required() }).label(
            'TemporaryGroupInput',
          ),
        },
        payload: conditionPayload,
        response: { status: { 201: temporaryGroupSchema } },
      },
      handler: async (request, h) => h.response(await service.createTemporary(actorOf(request), request.payload)).code(201),
    }),
    moduleRoute<{ temporaryGroupId: string }, unknown, { name?: string; condition?: ConditionTree }>({
      method: 'PATCH',
      path: '/api/v1/console/temporary-groups/{temporaryGroupId}',
      access: { permission: 'groups.view' },
      options: {
        description: '编辑临时群组 / Change one of the caller’s temporary groups',
        validate: {
          params: temporaryParams,
          payload: Joi.object({ name: nameSchema, condition: conditionTreeSchema }).label('TemporaryGroupPatch'),
        },
        payload: conditionPayload,
        response: { schema: temporaryGroupSchema },
      },
      handler: (request) => service.updateTemporary(actorOf(request), request.params.temporaryGroupId, request.payload ?? {}),
    }),
    moduleRoute<{ temporaryGroupId: string }>({
      method: 'DELETE',
      path: '/api/v1/console/temporary-groups/{temporaryGroupId}',
      access: { permission: 'groups.view' },
      options: {
        description: '删除临时群组 / Delete one of the caller’s temporary groups',
        validate: { params: temporaryParams },
      },
      handler: async (request, h) => {
        await service.deleteTemporary(actorOf(request), request.params.temporaryGroupId);
        return h.response().code(204);
      },
    }),

    // ---- 选择查看群组 ----
    moduleRoute({
      method: 'GET',
      path: '/api/v1/console/group-selections',
      access: { permission: 'groups.view' },
      options: {
        description:
          '选择查看群组 / What a report may look at: groups, exclusive groups with their segments, the caller’s temporary groups',
        response: {
          schema: Joi.object({
            groups: Joi.array()
              .items(
                Joi.object({
                  id: id().required(),
                  name: Joi.string().required(),
                  kind: Joi.string().valid('dynamic', 'static').label('GroupSelectionOptionKind').required(),
                }).label('GroupSelectionOption'),
              )
              .label('GroupSelectionOptions')
              .required(),
            exclusiveGroups: Joi.array()
              .items(
                Joi.object({
                  id: id().required(),
                  name: Joi.string().required(),
                  segments: Joi.array()
                    .items(
                      Joi.object({
                        position: Joi.number().integer().required(),
                        groupId: id().required(),
                        name: Joi.string().allow('').required(),
                      }).label('GroupSelectionSegmentOption'),
                    )
                    .label('GroupSelectionSegmentOptions')
                    .required(),
                }).label('GroupSelectionExclusiveOption'),
              )
              .label('GroupSelectionExclusiveOptions')
              .required(),
            temporaryGroups: Joi.array().items(temporaryGroupSchema).label('GroupSelectionTemporaryOptions').required(),
            temporaryLimit: Joi.number().integer().required(),
          }).label('GroupSelectionChoices'),
        },
      },
      handler: (request) => service.options(actorOf(request)),
    }),
    moduleRoute<unknown, unknown, { selections: GroupSelection[] }>({
      method: 'POST',
      path: '/api/v1/console/group-selections/count',
      access: { permission: 'groups.view' },
      options: {
        description: '群组人数对比 / How many contacts each selection (up to 5) holds now, at one evaluation time',
        validate: {
          payload: Joi.object({
            selections: Joi.array()
              .items(selectionSchema)
              .min(1)
              .max(selectionLimits.compareMax)
              .label('GroupSelections')
              .required(),
          }).label('GroupSelectionCountInput'),
        },
        response: { schema: countsSchema },
      },
      handler: (request) => service.count(actorOf(request), request.payload.selections),
    }),
  ];
}
