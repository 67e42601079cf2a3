import Joi from 'joi';
import type { PluginRoute } from '../../kernel/contributions.js';
import type { Request } from '@hapi/hapi';
import { clientIp } from '../../server/client.js';
import { moduleRoute } from '../../server/route.js';
import type { OperationLogService } from '../audit/operation-log.service.js';
import type { OperationDetail } from '../audit/operation-log.types.js';
import { staffOf } from '../../server/principal.js';
import { epochMs, id, idParams, localizedText, shortText } from '../../server/schemas.js';
import type { RolesService } from './roles.service.js';

const permissionIds = Joi.array().items(Joi.string().max(64)).max(500).label('RolePermissionIds');

const roleSchema = Joi.object({
  id: id().required(),
  name: Joi.string().required(),
  status: Joi.string().valid('enabled', 'disabled').label('RoleStatus').required(),
  permissions: permissionIds.required(),
  memberIds: Joi.array().items(id()).label('RoleMemberIds').required(),
  createdAt: epochMs().required(),
  updatedAt: epochMs().required(),
}).label('Role');

const permissionRowSchema = Joi.object({
  id: Joi.string().required(),
  menu: localizedText().required(),
  submenu: localizedText().required(),
  right: localizedText().required(),
  description: Joi.alternatives(localizedText(), Joi.valid(null)).label('PermissionDescription').required(),
  fixed: Joi.boolean().required(),
  requires: Joi.array().items(Joi.string()).label('RequiredPermissions').required(),
}).label('PermissionRow');

const catalogSchema = Joi.object({
  matrix: Joi.array().items(permissionRowSchema).label('PermissionMatrix').required(),
  extra: Joi.array().items(permissionRowSchema).label('ExtraPermissions').required(),
  presets: Joi.array()
    .items(
      Joi.object({
        key: Joi.string().required(),
        name: localizedText().required(),
        permissions: Joi.array().items(Joi.string()).label('PresetPermissions').required(),
      }).label('RolePreset'),
    )
    .label('RolePresets')
    .required(),
}).label('PermissionCatalog');

/** 设置 → 高级设置 → 角色 (seed §1.11.4.6): super staff only. */
export function rolesRoutes(roles: RolesService, log: OperationLogService): PluginRoute[] {
  /** 操作日志: what super staff did to a role (ids only). */
  const record = (request: Request, operation: string, roleId: string, detail?: OperationDetail) =>
    log.record(staffOf(request), { objectType: 'role', operation, objectId: roleId, detail, ip: clientIp(request) });
  return [
    moduleRoute({
      method: 'GET',
      path: '/api/v1/permissions',
      access: { permission: 'staff.manage' },
      options: {
        description:
          '权限矩阵 / The permission matrix rows the tenant may configure, rights beyond it, and the quick-select presets',
        response: { schema: catalogSchema },
      },
      handler: (request) => roles.catalog(staffOf(request).tenantId),
    }),
    moduleRoute({
      method: 'GET',
      path: '/api/v1/roles',
      access: { permission: 'staff.manage' },
      options: {
        description: '角色列表 / The tenant’s roles with their rights and members',
        response: { schema: Joi.array().items(roleSchema).label('Roles') },
      },
      handler: (request) => roles.list(staffOf(request).tenantId),
    }),
    moduleRoute({
      method: 'POST',
      path: '/api/v1/roles',
      access: { permission: 'staff.manage' },
      options: {
        description: '新建角色 / Create a role (its rights are closed over their linked rights)',
        validate: {
          payload: Joi.object<{ name: string; permissions: string[] }>({
            name: shortText(64).required(),
            permissions: permissionIds.required(),
          }).label('NewRole'),
        },
        response: { schema: roleSchema },
      },
      handler: async (request, h) => {
        const principal = staffOf(request);
        const role = await roles.create(principal.tenantId, principal.staffId, request.payload);
        await record(request, 'create', role.id, { permissions: role.permissions.length });
        return h.response(role).code(201);
      },
    }),
    moduleRoute({
      method: 'GET',
      path: '/api/v1/roles/{roleId}',
      access: { permission: 'staff.manage' },
      options: {
        description: '角色详情 / One role',
        validate: { params: idParams('roleId') },
        response: { schema: roleSchema },
      },
      handler: (request) => roles.get(staffOf(request).tenantId, request.params.roleId),
    }),
    moduleRoute({
      method: 'PATCH',
      path: '/api/v1/roles/{roleId}',
      access: { permission: 'staff.manage' },
      options: {
        description: '编辑、启用或停用角色 / Rename a role, change its rights, enable or disable it (members sign in again)',
        validate: {
          params: idParams('roleId'),
          payload: Joi.object<{ name?: string; permissions?: string[]; status?: 'enabled' | 'disabled' }>({
            name: shortText(64),
            permissions: permissionIds,
            status: Joi.string().valid('enabled', 'disabled').label('RoleStatus'),
          })
            .min(1)
            .label('RolePatch'),
        },
        response: { schema: roleSchema },
      },
      handler: async (request) => {
        const { name, permissions, status } = request.payload;
        const before = await roles.get(staffOf(request).tenantId, request.params.roleId);
        const role = await roles.update(staffOf(request).tenantId, request.params.roleId, request.payload);
        if (name !== undefined || permissions !== undefined)
          await record(request, 'edit', role.id, { permissions: role.permissions.length });
        if (status !== undefined && status !== before.status)
          await record(request, status === 'enabled' ? 'enable' : 'disable', role.id);
        return role;
      },
    }),
    moduleRoute({
      method: 'DELETE',
      path: '/api/v1/roles/{roleId}',
      access: { permission: 'staff.manage' },
      options: {
        description: '删除角色 / Delete a role; its members no longer hold it',
        validate: { params: idParams('roleId') },
      },
      handler: async (request, h) => {
        const role = await roles.delete(staffOf(request).tenantId, request.params.roleId);
        await record(request, 'delete', role.id, { memberIds: role.memberIds });
        return h.response().code(204);
      },
    }),
    moduleRoute({
      method: 'PUT',
      path: '/api/v1/roles/{roleId}/members',
      access: { permission: 'staff.manage' },
      options: {
        description: '关联成员 / Set the staff members who hold a role (normal staff only)',
        validate: {
          params: idParams('roleId'),
          payload: Joi.object<{ staffIds: string[] }>({
            staffIds: Joi.array().items(id()).max(1000).label('StaffIds').required(),
          }).label('RoleMembers'),
        },
        response: { schema: roleSchema },
      },
      handler: async (request) => {
        const { tenantId } = staffOf(request);
        const { added, removed } = await roles.setMembers(tenantId, request.params.roleId, request.payload.staffIds);
        for (const staffId of added) await record(request, 'addStaff', request.params.roleId, { staffId });
        for (const staffId of removed) await record(request, 'removeStaff', request.params.roleId, { staffId });
        return roles.get(tenantId, request.params.roleId);
      },
    }),
  ];
}
