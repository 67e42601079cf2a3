import { defineModule } from '../../kernel/define-module.js';
import { createServiceFactory } from '../../kernel/extension-point.js';
import { httpExtensionPoint, permissionsExtensionPoint } from '../../kernel/extension-points.js';
import { coreServices, kernelServices, type PluginDepartments } from '../../kernel/services.js';
import { staffServiceRef } from '../staff/staff.service.js';
import { DepartmentsRepo } from './departments.repo.js';
import { departmentsRoutes } from './departments.routes.js';
import { DepartmentService, departmentServiceRef } from './departments.service.js';

/**
 * Departments (部门, 组织架构) and the data permissions of business objects (业务对象分配所属部门, seed
 * §1.11.4.5.5; ADR 0023): one service that the modules owning dashboards, journeys, reports and
 * WeChat reports — and plugins, through `coreServices.departments` — call for their objects.
 */
export const departmentsModule = defineModule({
  id: 'departments',
  title: { 'zh-CN': '部门与数据权限', 'en-US': 'Departments and data permissions' },
  tables: ['department', 'department_setting', 'staff_department'],
  dependencies: ['staff'],
  provides: [
    createServiceFactory({
      service: departmentServiceRef,
      deps: { db: kernelServices.moduleDatabase, staff: staffServiceRef },
      factory: ({ db, staff }) => new DepartmentService(new DepartmentsRepo(db), staff),
    }),
    // What plugins get: the decisions and the tree, read only; a reference count bound to the asking plugin.
    createServiceFactory({
      service: coreServices.departments,
      scope: 'consumer',
      deps: { departments: departmentServiceRef },
      factory: ({ departments }, consumer): PluginDepartments => ({
        list: (tenantId) => departments.list(tenantId),
        scopeFor: (viewer) => departments.scopeFor(viewer),
        assertVisible: (scope, departmentId) => departments.assertVisible(scope, departmentId),
        initialDepartment: (tenantId, input) => departments.initialDepartment(tenantId, input),
        initialFolderDepartment: (tenantId, input) => departments.initialFolderDepartment(tenantId, input),
        assertCanReassign: (viewer, check) => departments.assertCanReassign(viewer, check),
        departmentAfterMove: (input) => departments.departmentAfterMove(input),
        folderCascade: (folders, folderId, departmentId) => departments.folderCascade(folders, folderId, departmentId),
        addReferenceCount: (count) => departments.addReferenceCount(`${consumer.kind}:${consumer.id}`, count),
      }),
    }),
  ],
  register({ registerInit }) {
    registerInit({
      deps: { http: httpExtensionPoint, permissions: permissionsExtensionPoint, departments: departmentServiceRef },
      init({ http, permissions, departments }) {
        // 设置 → 高级设置 → 部门: only super staff (高级员工) manage the tree, the switch and assignments.
        permissions.addPermissions([{ id: 'departments.manage', superOnly: true }]);
        http.addRoutes(departmentsRoutes(departments));
      },
    });
  },
});
