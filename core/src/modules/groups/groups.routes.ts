import type { Request } from '@hapi/hapi';
import Joi from 'joi';
import type { PluginRoute } from '../../kernel/contributions.js';
import { principalOf, staffOf } from '../../server/principal.js';
import { moduleRoute } from '../../server/route.js';
import { epochMs, id, idParams } from '../../server/schemas.js';
import { conditionTreeSchema } from '../conditions/condition.schema.js';
import { conditionLimits, type ConditionTree } from '../conditions/condition.types.js';
import type { ContactExportRequest } from '../contact-exports/contact-exports.types.js';
import { contactListPageSchema, contactListQueryKeys } from '../contacts/list.schemas.js';
import type { ContactListQuery } from '../contacts/list.types.js';
import type { GroupsService } from './groups.service.js';
import { groupKinds, groupLimits, groupStatuses, updateModes, type GroupPatch, type UpdateMode } from './groups.types.js';

const tenantOf = (request: Request) => principalOf(request).tenantId;
const staffIdOf = (request: Request) => {
  const principal = principalOf(request);
  return principal.kind === 'staff' ? principal.staffId : null;
};

const nameSchema = Joi.string().trim().min(1).max(groupLimits.nameMax);
const descriptionSchema = Joi.string().allow('', null).max(groupLimits.descriptionMax);
const updateModeSchema = Joi.string()
  .valid(...updateModes)
  .label('GroupUpdateMode')
  .description('manual 手动更新, daily 每天凌晨自动更新 (00:10 tenant time)');

const realtimeSchema = Joi.boolean().description(
  '实时更新 (ADR 0048): re-evaluated after each load batch; conditions without group or tag leaves (400 group_realtime_unsupported), ≤ 20 per tenant (409 group_realtime_limit)',
);

export const groupSchema = Joi.object({
  id: id().required().description('numeric; a deleted group’s id is never reused'),
  kind: Joi.string()
    .valid(...groupKinds)
    .label('GroupKind')
    .required(),
  name: Joi.string().required(),
  description: Joi.string().allow('', null).required(),
  folderId: id().allow(null).required(),
  condition: Joi.object().unknown(true).allow(null).label('GroupCondition').required().description('dynamic: the condition tree'),
  updateMode: updateModeSchema.allow(null).label('GroupUpdateModeOrNone').required(),
  realtime: Joi.boolean()
    .required()
    .description('实时更新: members follow each load batch between computations (dynamic groups, ADR 0048)'),
  status: Joi.string()
    .valid(...groupStatuses)
    .label('GroupStatus')
    .required()
    .description(
      'pending 待计算, computing 计算中, computed 计算完成, compute_failed 计算失败, syncing 冗余中, done 完成, failed 失败',
    ),
  activeVersion: Joi.number().integer().allow(null).required().description('the version conditions and reports read'),
  memberCount: Joi.number().integer().allow(null).required(),
  errorCode: Joi.string().allow(null).required(),
  computedAt: epochMs().allow(null).required(),
  wechatChannelId: id().allow(null).required(),
  wechatLinkedAt: epochMs().allow(null).required(),
  createdBy: id().allow(null).required(),
  createdAt: epochMs().required(),
  updatedAt: epochMs().required(),
}).label('Group');

const versionSchema = Joi.object({
  version: Joi.number().integer().required(),
  status: Joi.string().valid('computing', 'computed', 'done', 'failed').label('GroupVersionStatus').required(),
  memberCount: Joi.number().integer().allow(null).required(),
  addedCount: Joi.number().integer().allow(null).required(),
  removedCount: Joi.number().integer().allow(null).required(),
  active: Joi.boolean().required(),
  errorCode: Joi.string().allow(null).required(),
  startedAt: epochMs().required(),
  finishedAt: epochMs().allow(null).required(),
}).label('GroupVersion');

const folderSchema = Joi.object({
  id: id().required(),
  parentId: id().allow(null).required(),
  name: Joi.string().required(),
  depth: Joi.number().integer().min(1).max(groupLimits.folderDepth).required(),
  position: Joi.number().integer().required(),
}).label('GroupFolder');

const contactIdsPayload = (label: string) =>
  Joi.object<{ contactIds: string[] }>({
    contactIds: Joi.array().items(id()).min(1).max(groupLimits.idsPerCall).required().label('GroupContactIds'),
  }).label(label);

const addResultSchema = Joi.object({
  added: Joi.number().integer().required(),
  alreadyMembers: Joi.number().integer().required(),
  notFound: Joi.array().items(Joi.string()).label('GroupContactsNotFound').required(),
}).label('GroupMembersAdded');

const removeResultSchema = Joi.object({
  removed: Joi.number().integer().required(),
  notFound: Joi.array().items(Joi.string()).label('GroupContactsNotFoundRemoved').required(),
}).label('GroupMembersRemoved');

const groupParams = idParams('groupId');
const folderParams = idParams('folderId');
const conditionPayload = { maxBytes: conditionLimits.requestBytes };

/** 用户群组 in the console (seed §1.5; 群组-查看/编辑/删除, 群组目录-查看/编辑/删除 of §1.11.4.6.2). */
export function groupsRoutes(groups: GroupsService): PluginRoute[] {
  return [
    moduleRoute<unknown, { folderId?: string; root?: boolean; kind?: string; keyword?: string }>({
      method: 'GET',
      path: '/api/v1/console/groups',
      access: { permission: 'groups.view' },
      options: {
        description:
          '群组列表 / Groups, newest first: of one folder (folderId), of no folder (root=true) or all; by kind; by name',
        validate: {
          query: Joi.object({
            folderId: id(),
            root: Joi.boolean(),
            kind: Joi.string().valid(...groupKinds),
            keyword: Joi.string().allow('').max(64),
          }).label('GroupListQuery'),
        },
        response: { schema: Joi.object({ items: Joi.array().items(groupSchema).label('GroupList').required() }).label('Groups') },
      },
      handler: async (request) => ({
        items: await groups.list(tenantOf(request), {
          folderId: request.query.root ? null : request.query.folderId,
          kind: request.query.kind,
          keyword: request.query.keyword,
        }),
      }),
    }),
    moduleRoute<{ groupId: string }>({
      method: 'GET',
      path: '/api/v1/console/groups/{groupId}',
      access: { permission: 'groups.view' },
      options: {
        description: '群组详情 / A group',
        validate: { params: groupParams },
        response: { schema: groupSchema },
      },
      handler: (request) => groups.get(tenantOf(request), request.params.groupId),
    }),
    moduleRoute<unknown, unknown, { condition: ConditionTree }>({
      method: 'POST',
      path: '/api/v1/console/groups/estimate',
      access: { permission: 'groups.edit' },
      options: {
        description: '预估 / How many contacts the conditions match now (nothing is saved)',
        validate: { payload: Joi.object({ condition: conditionTreeSchema.required() }).label('GroupEstimateInput') },
        payload: conditionPayload,
        response: {
          schema: Joi.object({ count: Joi.number().integer().required(), computedAt: epochMs().required() }).label(
            'GroupEstimate',
          ),
        },
      },
      handler: (request) => groups.estimate(tenantOf(request), request.payload.condition),
    }),
    moduleRoute<
      unknown,
      unknown,
      {
        name: string;
        description?: string | null;
        folderId?: string | null;
        condition: ConditionTree;
        updateMode: UpdateMode;
        realtime?: boolean;
      }
    >({
      method: 'POST',
      path: '/api/v1/console/groups/dynamic',
      access: { permission: 'groups.edit' },
      options: {
        description: '新建动态组 / Create a dynamic group: saved 待计算, its computation starts at once',
        validate: {
          payload: Joi.object({
            name: nameSchema.required(),
            description: descriptionSchema,
            folderId: id().allow(null),
            condition: conditionTreeSchema.required(),
            updateMode: updateModeSchema.required(),
            realtime: realtimeSchema,
          }).label('DynamicGroupInput'),
        },
        payload: conditionPayload,
        response: { status: { 201: groupSchema } },
      },
      handler: async (request, h) =>
        h.response(await groups.createDynamic(tenantOf(request), request.payload, staffIdOf(request))).code(201),
    }),
    moduleRoute<
      unknown,
      unknown,
      { name: string; description?: string | null; folderId?: string | null; wechatChannelId?: string | null }
    >({
      method: 'POST',
      path: '/api/v1/console/groups/static',
      access: { permission: 'groups.edit' },
      options: {
        description: '新建静态组 / Create a static group; wechatChannelId links it to that official account for good',
        validate: {
          payload: Joi.object({
            name: nameSchema.required(),
            description: descriptionSchema,
            folderId: id().allow(null),
            wechatChannelId: id().allow(null),
          }).label('StaticGroupInput'),
        },
        response: { status: { 201: groupSchema } },
      },
      handler: async (request, h) =>
        h.response(await groups.createStatic(tenantOf(request), request.payload, staffIdOf(request))).code(201),
    }),
    moduleRoute<{ groupId: string }, unknown, GroupPatch>({
      method: 'PATCH',
      path: '/api/v1/console/groups/{groupId}',
      access: { permission: 'groups.edit' },
      options: {
        description:
          '编辑群组 / Edit a group: a dynamic one only at 完成 (409 group_not_editable), and saving starts a computation; a static one’s name and description at any time',
        validate: {
          params: groupParams,
          payload: Joi.object({
            name: nameSchema,
            description: descriptionSchema,
            condition: conditionTreeSchema,
            updateMode: updateModeSchema,
            realtime: realtimeSchema,
          })
            .min(1)
            .label('GroupPatch'),
        },
        payload: conditionPayload,
        response: { schema: groupSchema },
      },
      handler: (request) => groups.update(tenantOf(request), request.params.groupId, request.payload, staffIdOf(request)),
    }),
    moduleRoute<{ groupId: string }>({
      method: 'POST',
      path: '/api/v1/console/groups/{groupId}/recompute',
      access: { permission: 'groups.edit' },
      options: {
        description: '重新计算 / Recompute a dynamic group: only at 完成, 计算失败 or 失败 (409 group_not_recomputable)',
        validate: { params: groupParams },
        response: { schema: groupSchema },
      },
      handler: (request) => groups.recompute(tenantOf(request), request.params.groupId, staffIdOf(request)),
    }),
    moduleRoute<{ groupId: string }, unknown, { name: string; folderId?: string | null }>({
      method: 'POST',
      path: '/api/v1/console/groups/{groupId}/save-as',
      access: { permission: 'groups.edit' },
      options: {
        description: '另存为 / Copy a dynamic group’s conditions and update mode into a new group (which computes)',
        validate: {
          params: groupParams,
          payload: Joi.object({ name: nameSchema.required(), folderId: id().allow(null) }).label('GroupSaveAsInput'),
        },
        response: { status: { 201: groupSchema } },
      },
      handler: async (request, h) =>
        h.response(await groups.saveAs(tenantOf(request), request.params.groupId, request.payload, staffIdOf(request))).code(201),
    }),
    moduleRoute<{ groupId: string }>({
      method: 'DELETE',
      path: '/api/v1/console/groups/{groupId}',
      access: { permission: 'groups.delete' },
      options: {
        description:
          '删除群组 / Delete a group (its id is never reused): refused while it computes (409 group_busy) or while something uses it — another dynamic group’s conditions (409 group_in_use), a 互斥组 (group_in_exclusive_group), a tag’s rule (group_in_use_by_tag)',
        validate: { params: groupParams },
      },
      handler: async (request, h) => {
        await groups.delete(tenantOf(request), request.params.groupId);
        return h.response().code(204);
      },
    }),
    moduleRoute<{ groupId: string }, unknown, { folderId: string | null }>({
      method: 'PUT',
      path: '/api/v1/console/groups/{groupId}/folder',
      access: { permission: 'groups.edit' },
      options: {
        description: '移至目录 / 移出群组目录 (folderId null)',
        validate: {
          params: groupParams,
          payload: Joi.object({ folderId: id().allow(null).required() }).label('GroupFolderMove'),
        },
        response: { schema: groupSchema },
      },
      handler: (request) => groups.moveToFolder(tenantOf(request), request.params.groupId, request.payload.folderId),
    }),
    moduleRoute<{ groupId: string }>({
      method: 'GET',
      path: '/api/v1/console/groups/{groupId}/versions',
      access: { permission: 'groups.view' },
      options: {
        description: '计算记录 / The group’s versions (last 50), newest first, the active one marked',
        validate: { params: groupParams },
        response: {
          schema: Joi.object({ items: Joi.array().items(versionSchema).label('GroupVersionList').required() }).label(
            'GroupVersions',
          ),
        },
      },
      handler: async (request) => ({ items: await groups.versions(tenantOf(request), request.params.groupId) }),
    }),
    moduleRoute<{ groupId: string }, unknown, ContactListQuery>({
      method: 'POST',
      path: '/api/v1/console/groups/{groupId}/contacts/search',
      access: { permission: 'groups.view' },
      options: {
        description:
          '群组详情-用户列表 / The group’s members (active version) as the contact list shows them, with its filter and keyword (筛选用户 within the group)',
        validate: {
          params: groupParams,
          payload: Joi.object({ ...contactListQueryKeys, filter: conditionTreeSchema }).label('GroupContactSearch'),
        },
        payload: conditionPayload,
        response: { schema: contactListPageSchema },
      },
      handler: (request) => groups.memberList(staffOf(request), request.params.groupId, request.payload),
    }),
    moduleRoute<{ groupId: string }, unknown, ContactExportRequest>({
      method: 'POST',
      path: '/api/v1/console/groups/{groupId}/contacts/export',
      access: { permission: 'contacts.export' },
      options: {
        description:
          '导出用户 (群组详情) / Export the group’s identified members matching the filter: a contact export (see contact-exports)',
        validate: {
          params: groupParams,
          payload: Joi.object({
            fields: Joi.array().items(Joi.string().max(64)).max(600).label('GroupExportFields').required(),
            filter: conditionTreeSchema.allow(null).label('GroupExportFilter'),
            wechatChannelId: id().allow(null),
            customChannelId: id().allow(null),
          }).label('GroupExportRequest'),
        },
        payload: conditionPayload,
      },
      handler: async (request, h) =>
        h.response(await groups.exportMembers(principalOf(request), request.params.groupId, request.payload)).code(202),
    }),
    moduleRoute<{ groupId: string }, unknown, { contactIds: string[] }>({
      method: 'POST',
      path: '/api/v1/console/groups/{groupId}/members',
      access: { permission: 'groups.edit' },
      options: {
        description: '添加至静态组 / Add contacts to a static group (409 group_not_static for a dynamic one)',
        validate: { params: groupParams, payload: contactIdsPayload('GroupMembersAddInput') },
        response: { schema: addResultSchema },
      },
      handler: (request) => groups.addMembers(tenantOf(request), request.params.groupId, request.payload.contactIds),
    }),
    moduleRoute<{ groupId: string }, unknown, { contactIds: string[] }>({
      method: 'POST',
      path: '/api/v1/console/groups/{groupId}/members/remove',
      access: { permission: 'groups.edit' },
      options: {
        description: '移出静态组 / Remove contacts from a static group',
        validate: { params: groupParams, payload: contactIdsPayload('GroupMembersRemoveInput') },
        response: { schema: removeResultSchema },
      },
      handler: (request) => groups.removeMembers(tenantOf(request), request.params.groupId, request.payload.contactIds),
    }),
    moduleRoute<{ groupId: string }, unknown, { file?: unknown }>({
      method: 'POST',
      path: '/api/v1/console/groups/{groupId}/members/import',
      access: { permission: 'groups.edit' },
      options: {
        description: `导入静态组 / Add the contacts of an xlsx (multipart \`file\`): user IDs in the first column, a header row allowed, at most ${groupLimits.importRows} rows; bad rows reported per row`,
        validate: { params: groupParams },
        payload: {
          output: 'data',
          parse: true,
          allow: 'multipart/form-data',
          multipart: { output: 'data' },
          maxBytes: groupLimits.importBytes + 64 * 1024,
        },
        response: {
          schema: Joi.object({
            added: Joi.number().integer().required(),
            alreadyMembers: Joi.number().integer().required(),
            failed: Joi.array()
              .items(
                Joi.object({
                  row: Joi.number().integer().required(),
                  value: Joi.string().required(),
                  code: Joi.string()
                    .valid('group_import_id_invalid', 'group_import_contact_unknown')
                    .label('GroupImportRowCode')
                    .required(),
                }).label('GroupImportRowProblem'),
              )
              .label('GroupImportRowProblems')
              .required(),
          }).label('GroupImportResult'),
        },
      },
      handler: (request) => {
        const file = (request.payload as { file?: unknown } | null)?.file;
        return groups.importMembers(tenantOf(request), request.params.groupId, Buffer.isBuffer(file) ? file : undefined);
      },
    }),
    moduleRoute<{ groupId: string }, unknown, { wechatChannelId: string }>({
      method: 'POST',
      path: '/api/v1/console/groups/{groupId}/wechat-link',
      access: { permission: 'groups.edit' },
      options: {
        description: '与微信公众号关联同步 / Link a static group to an official account — irreversible (409 group_wechat_linked)',
        validate: { params: groupParams, payload: Joi.object({ wechatChannelId: id().required() }).label('GroupWeChatLink') },
        response: { schema: groupSchema },
      },
      handler: (request) => groups.linkWeChat(tenantOf(request), request.params.groupId, request.payload.wechatChannelId),
    }),
    // ---- 群组目录 ----
    moduleRoute({
      method: 'GET',
      path: '/api/v1/console/group-folders',
      access: { permission: 'groupFolders.view' },
      options: {
        description: '群组目录 / Every folder (up to 4 levels), by depth and position',
        response: {
          schema: Joi.object({ items: Joi.array().items(folderSchema).label('GroupFolderList').required() }).label(
            'GroupFolders',
          ),
        },
      },
      handler: async (request) => ({ items: await groups.folders(tenantOf(request)) }),
    }),
    moduleRoute<unknown, unknown, { name: string; parentId?: string | null }>({
      method: 'POST',
      path: '/api/v1/console/group-folders',
      access: { permission: 'groupFolders.edit' },
      options: {
        description: '新建目录 / 新建子目录 (at most 4 levels: 400 group_folder_too_deep)',
        validate: {
          payload: Joi.object({
            name: Joi.string().trim().min(1).max(groupLimits.folderNameMax).required(),
            parentId: id().allow(null),
          }).label('GroupFolderInput'),
        },
        response: { status: { 201: folderSchema } },
      },
      handler: async (request, h) => h.response(await groups.createFolder(tenantOf(request), request.payload)).code(201),
    }),
    moduleRoute<{ folderId: string }, unknown, { name?: string; parentId?: string | null }>({
      method: 'PATCH',
      path: '/api/v1/console/group-folders/{folderId}',
      access: { permission: 'groupFolders.edit' },
      options: {
        description: '编辑目录 / 移至目录: rename, or move with its sub-folders (never into itself, never deeper than 4 levels)',
        validate: {
          params: folderParams,
          payload: Joi.object({
            name: Joi.string().trim().min(1).max(groupLimits.folderNameMax),
            parentId: id().allow(null),
          })
            .min(1)
            .label('GroupFolderPatch'),
        },
        response: { schema: folderSchema },
      },
      handler: (request) => groups.updateFolder(tenantOf(request), request.params.folderId, request.payload),
    }),
    moduleRoute<{ folderId: string }>({
      method: 'DELETE',
      path: '/api/v1/console/group-folders/{folderId}',
      access: { permission: 'groupFolders.delete' },
      options: {
        description: '删除目录 / Delete an empty folder (409 group_folder_not_empty while it holds folders or groups)',
        validate: { params: folderParams },
      },
      handler: async (request, h) => {
        await groups.deleteFolder(tenantOf(request), request.params.folderId);
        return h.response().code(204);
      },
    }),
  ];
}

const apiGroupSchema = Joi.object({
  id: id().required(),
  kind: Joi.string()
    .valid(...groupKinds)
    .label('ApiGroupKind')
    .required(),
  name: Joi.string().required(),
  description: Joi.string().allow('', null).required(),
  status: Joi.string()
    .valid(...groupStatuses)
    .label('ApiGroupStatus')
    .required(),
  memberCount: Joi.number().integer().allow(null).required(),
  createdAt: epochMs().required(),
  updatedAt: epochMs().required(),
}).label('ApiGroup');

const apiGroup = (group: Awaited<ReturnType<GroupsService['get']>>) => ({
  id: group.id,
  kind: group.kind,
  name: group.name,
  description: group.description,
  status: group.status,
  memberCount: group.memberCount,
  createdAt: group.createdAt,
  updatedAt: group.updatedAt,
});

/** The Open API's group calls (seed §2.1.4 标签组: create, get, groups of a contact, contacts of a group, add, remove). */
export function groupsApiRoutes(groups: GroupsService): PluginRoute[] {
  return [
    moduleRoute<unknown, unknown, { name: string; description?: string | null }>({
      method: 'POST',
      path: '/api/v1/groups',
      access: { permission: 'groups.write', callers: 'app' },
      options: {
        description: '创建标签组 / Create a static group',
        validate: { payload: Joi.object({ name: nameSchema.required(), description: descriptionSchema }).label('ApiGroupInput') },
        response: { status: { 201: apiGroupSchema } },
      },
      handler: async (request, h) =>
        h.response(apiGroup(await groups.createStatic(tenantOf(request), request.payload, null))).code(201),
    }),
    moduleRoute<{ groupId: string }>({
      method: 'GET',
      path: '/api/v1/groups/{groupId}',
      access: { permission: 'groups.read', callers: 'app' },
      options: {
        description: '查询标签组 / A group (static or dynamic)',
        validate: { params: groupParams },
        response: { schema: apiGroupSchema },
      },
      handler: async (request) => apiGroup(await groups.get(tenantOf(request), request.params.groupId)),
    }),
    moduleRoute<{ contactId: string }>({
      method: 'GET',
      path: '/api/v1/contacts/{contactId}/groups',
      access: { permission: 'groups.read', callers: 'app' },
      options: {
        description: '查询联系人的标签组 / The groups a contact is in: static ones and dynamic ones’ active versions',
        validate: { params: idParams('contactId') },
        response: {
          schema: Joi.object({
            items: Joi.array()
              .items(
                Joi.object({ id: id().required(), name: Joi.string().required(), kind: Joi.string().required() }).label(
                  'ApiContactGroup',
                ),
              )
              .label('ApiContactGroupList')
              .required(),
          }).label('ApiContactGroups'),
        },
      },
      handler: async (request) => ({ items: await groups.groupsOfContactApi(tenantOf(request), request.params.contactId) }),
    }),
    moduleRoute<{ groupId: string }, { cursor?: string; limit: number }>({
      method: 'GET',
      path: '/api/v1/groups/{groupId}/contacts',
      access: { permission: 'groups.read', callers: 'app' },
      options: {
        description: '查询标签组联系人 / Contact ids of a group by id ascending, a keyset page at a time',
        validate: {
          params: groupParams,
          query: Joi.object({
            cursor: Joi.string().max(1024),
            limit: Joi.number().integer().min(1).max(groupLimits.pageMax).default(groupLimits.pageDefault),
          }).label('ApiGroupContactsQuery'),
        },
        response: {
          schema: Joi.object({
            items: Joi.array().items(id()).label('ApiGroupContactIds').required(),
            nextCursor: Joi.string().allow(null).required(),
          }).label('ApiGroupContacts'),
        },
      },
      handler: (request) => groups.memberIdsPage(tenantOf(request), request.params.groupId, request.query),
    }),
    moduleRoute<{ groupId: string }, unknown, { contactIds: string[] }>({
      method: 'POST',
      path: '/api/v1/groups/{groupId}/contacts',
      access: { permission: 'groups.write', callers: 'app' },
      options: {
        description: `添加标签组联系人 / Add up to ${groupLimits.idsPerCall} contacts to a static group (409 group_not_static)`,
        validate: { params: groupParams, payload: contactIdsPayload('ApiGroupAddInput') },
        response: { schema: addResultSchema },
      },
      handler: (request) => groups.addMembers(tenantOf(request), request.params.groupId, request.payload.contactIds),
    }),
    moduleRoute<{ groupId: string }, unknown, { contactIds: string[] }>({
      method: 'POST',
      path: '/api/v1/groups/{groupId}/contacts/remove',
      access: { permission: 'groups.write', callers: 'app' },
      options: {
        description: `删除标签组联系人 / Remove up to ${groupLimits.idsPerCall} contacts from a static group`,
        validate: { params: groupParams, payload: contactIdsPayload('ApiGroupRemoveInput') },
        response: { schema: removeResultSchema },
      },
      handler: (request) => groups.removeMembers(tenantOf(request), request.params.groupId, request.payload.contactIds),
    }),
  ];
}
