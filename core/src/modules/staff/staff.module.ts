import { defineModule } from '../../kernel/define-module.js';
import { createServiceFactory } from '../../kernel/extension-point.js';
import {
  auditStaffDirectoryExtensionPoint,
  homeExtensionPoint,
  httpExtensionPoint,
  permissionsExtensionPoint,
} from '../../kernel/extension-points.js';
import { kernelServices } from '../../kernel/services.js';
import { tenantServiceRef } from '../tenancy/tenant.service.js';
import { operationLogServiceRef } from '../audit/operation-log.service.js';
import { AuthService, authServiceRef } from './auth.service.js';
import { StaffRepo } from './staff.repo.js';
import { staffRoutes } from './staff.routes.js';
import { StaffService, staffServiceRef } from './staff.service.js';

/** Staff (员工): login by email (邮箱即账号), sessions, passwords (§1.2.2, §4.1). */
export const staffModule = defineModule({
  id: 'staff',
  title: { 'zh-CN': '员工与登录', 'en-US': 'Staff and sign-in' },
  tables: ['staff', 'staff_session'],
  // Logins and password changes go to the operation log.
  dependencies: ['tenancy', 'audit'],
  provides: [
    createServiceFactory({
      service: staffServiceRef,
      deps: { db: kernelServices.moduleDatabase },
      factory: ({ db }) => new StaffService(new StaffRepo(db)),
    }),
    createServiceFactory({
      service: authServiceRef,
      deps: {
        db: kernelServices.moduleDatabase,
        permissions: kernelServices.permissions,
        config: kernelServices.config,
        tenants: tenantServiceRef,
        throttle: kernelServices.throttle,
        log: operationLogServiceRef,
      },
      factory: ({ db, permissions, config, tenants, throttle, log }) =>
        new AuthService(new StaffRepo(db), permissions, config, tenants, throttle, log),
    }),
  ],
  register({ registerInit }) {
    registerInit({
      deps: {
        http: httpExtensionPoint,
        home: homeExtensionPoint,
        permissions: permissionsExtensionPoint,
        auth: authServiceRef,
        staff: staffServiceRef,
        tenants: tenantServiceRef,
        log: operationLogServiceRef,
        staffDirectory: auditStaffDirectoryExtensionPoint,
      },
      init({ http, home, permissions, auth, staff, tenants, log, staffDirectory }) {
        permissions.addPermissions([{ id: 'staff.view', superOnly: true }]);
        home.addCounter({ key: 'staff', count: (tenantId) => staff.count(tenantId) });
        // Operation log exports name staff as they are called when exported.
        staffDirectory.setStaffDirectory({ names: (tenantId) => staff.names(tenantId) });
        http.addRoutes(staffRoutes({ auth, staff, tenants, log }));
      },
    });
  },
});
