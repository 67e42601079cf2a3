import Joi from 'joi';
import type { PluginRoute } from '../../kernel/contributions.js';
import { principalOf, staffOf } from '../../server/principal.js';
import { moduleRoute } from '../../server/route.js';
import { epochMs, id, idParams, shortText, staffSchema } from '../../server/schemas.js';
import type { DepartmentService } from './departments.service.js';
import { DEPARTMENT_LIMIT, DEPARTMENT_NAME_MAX } from './departments.types.js';

const departmentSchema = Joi.object({
  id: id().required(),
  name: Joi.string().required(),
  parentId: id().allow(null).required(),
  sort: Joi.number().integer().required(),
  staffCount: Joi.number().integer().required(),
  createdAt: epochMs().required(),
  updatedAt: epochMs().required(),
}).label('Department');

const treeSchema = Joi.object({
  orgEnabled: Joi.boolean().required(),
  departments: Joi.array().items(departmentSchema).label('Departments').required(),
  myDepartmentId: id().allow(null).required(),
  assignableIds: Joi.array().items(id()).label('DepartmentIds').required(),
}).label('DepartmentTree');

const settingsSchema = Joi.object({ orgEnabled: Joi.boolean().required() }).label('DepartmentSettings');

const departmentParams = idParams('departmentId');
const staffParams = idParams('staffId');

export function departmentsRoutes(departments: DepartmentService): PluginRoute[] {
  return [
    moduleRoute({
      method: 'GET',
      path: '/api/v1/departments',
      // Every staff member reads the tree: pickers of 所属部门 (更新所属部门) show it.
      access: { permission: 'authenticated' },
      options: {
        description:
          '部门树 / The department tree (flat, parents first), the 组织架构 switch, the caller’s department and the departments it may assign',
        response: { schema: treeSchema },
      },
      handler: (request) => departments.tree(staffOf(request)),
    }),
    moduleRoute({
      method: 'POST',
      path: '/api/v1/departments',
      access: { permission: 'departments.manage' },
      options: {
        description: `新建部门 / Create a department (top level, or under parentId); names are unique among siblings; at most ${DEPARTMENT_LIMIT}`,
        validate: {
          payload: Joi.object<{ name: string; parentId?: string | null }>({
            name: shortText(DEPARTMENT_NAME_MAX).required(),
            parentId: id().allow(null),
          }).label('NewDepartment'),
        },
        response: { status: { 201: departmentSchema } },
      },
      handler: async (request, h) => {
        const created = await departments.create(principalOf(request).tenantId, request.payload);
        return h.response(created).code(201);
      },
    }),
    moduleRoute({
      method: 'PATCH',
      path: '/api/v1/departments/{departmentId}',
      access: { permission: 'departments.manage' },
      options: {
        description:
          '修改部门 / Rename a department, or move it under parentId (null: top level) at position among its new siblings; never under itself or below',
        validate: {
          params: departmentParams,
          payload: Joi.object<{ name?: string; parentId?: string | null; position?: number }>({
            name: shortText(DEPARTMENT_NAME_MAX),
            parentId: id().allow(null),
            position: Joi.number().integer().min(0).max(DEPARTMENT_LIMIT),
          })
            .min(1)
            .label('DepartmentChanges'),
        },
        response: { schema: departmentSchema },
      },
      handler: (request) => departments.update(principalOf(request).tenantId, request.params.departmentId, request.payload),
    }),
    moduleRoute({
      method: 'DELETE',
      path: '/api/v1/departments/{departmentId}',
      access: { permission: 'departments.manage' },
      options: {
        description: '删除部门 / Delete a department without sub-departments, staff or business objects',
        validate: { params: departmentParams },
      },
      handler: async (request, h) => {
        await departments.remove(principalOf(request).tenantId, request.params.departmentId);
        return h.response().code(204);
      },
    }),
    moduleRoute({
      method: 'GET',
      path: '/api/v1/departments/{departmentId}/staff',
      access: { permission: 'departments.manage' },
      options: {
        description: '部门员工 / The staff members directly in a department',
        validate: { params: departmentParams },
        response: {
          schema: Joi.object({ items: Joi.array().items(staffSchema).label('DepartmentStaffItems').required() }).label(
            'DepartmentStaff',
          ),
        },
      },
      handler: async (request) => ({
        items: await departments.staffIn(principalOf(request).tenantId, request.params.departmentId),
      }),
    }),
    moduleRoute({
      method: 'PUT',
      path: '/api/v1/departments/settings',
      access: { permission: 'departments.manage' },
      options: {
        description: '组织架构开关 / Switch department data permissions on or off (off: every staff member sees every object)',
        validate: {
          payload: Joi.object<{ orgEnabled: boolean }>({ orgEnabled: Joi.boolean().required() }).label('DepartmentSettings'),
        },
        response: { schema: settingsSchema },
      },
      handler: (request) => {
        const principal = staffOf(request);
        return departments.setOrgEnabled(principal.tenantId, request.payload.orgEnabled, principal.staffId);
      },
    }),
    moduleRoute({
      method: 'PUT',
      path: '/api/v1/staff/{staffId}/department',
      access: { permission: 'departments.manage' },
      options: {
        description: '分配员工 / Put a staff member in a department (its only one), or in none with null',
        validate: {
          params: staffParams,
          payload: Joi.object<{ departmentId: string | null }>({ departmentId: id().allow(null).required() }).label(
            'StaffDepartmentChange',
          ),
        },
        response: {
          schema: Joi.object({ staffId: id().required(), departmentId: id().allow(null).required() }).label('StaffDepartment'),
        },
      },
      handler: (request) =>
        departments.assignStaff(principalOf(request).tenantId, request.params.staffId, request.payload.departmentId),
    }),
  ];
}
