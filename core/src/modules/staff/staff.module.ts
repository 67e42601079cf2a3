import { defineModule } from '../../kernel/define-module.js';
import { createServiceFactory } from '../../kernel/extension-point.js';
import { homeExtensionPoint, httpExtensionPoint, permissionsExtensionPoint } from '../../kernel/extension-points.js';
import { kernelServices } from '../../kernel/services.js';
import { tenantServiceRef } from '../tenancy/tenant.service.js';
import { AuthService, authServiceRef } from './auth.service.js';
import { RolesRepo } from './roles.repo.js';
import { rolesRoutes } from './roles.routes.js';
import { RolesService, rolesServiceRef } from './roles.service.js';
import { MfaRepo } from './mfa.repo.js';
import { mfaRoutes } from './mfa.routes.js';
import { MfaService, mfaServiceRef } from './mfa.service.js';
import { StaffRepo } from './staff.repo.js';
import { channelsServiceRef } from '../channels/channels.service.js';
import { staffRoutes } from './staff.routes.js';
import { StaffService, staffServiceRef } from './staff.service.js';

/** Staff (员工): login by email (邮箱即账号), sessions, passwords, MFA (§1.2.2, §1.11.4.5.4, §4.1). */
export const staffModule = defineModule({
  id: 'staff',
  title: { 'zh-CN': '员工与登录', 'en-US': 'Staff and sign-in' },
  tables: ['staff', 'staff_session', 'role', 'staff_role', 'staff_mfa', 'login_challenge'],
  dependencies: ['tenancy', 'channels'],
  provides: [
    createServiceFactory({
      service: rolesServiceRef,
      deps: { db: kernelServices.moduleDatabase, permissions: kernelServices.permissions, channels: channelsServiceRef },
      factory: ({ db, permissions, channels }) => new RolesService(new RolesRepo(db), new StaffRepo(db), permissions, channels),
    }),
    createServiceFactory({
      service: staffServiceRef,
      deps: { db: kernelServices.moduleDatabase, roles: rolesServiceRef },
      factory: ({ db, roles }) => new StaffService(new StaffRepo(db), new RolesRepo(db), roles),
    }),
    createServiceFactory({
      service: mfaServiceRef,
      deps: { db: kernelServices.moduleDatabase, secrets: kernelServices.secretBox, throttle: kernelServices.throttle },
      factory: ({ db, secrets, throttle }) => new MfaService(new MfaRepo(db), secrets, throttle),
    }),
    createServiceFactory({
      service: authServiceRef,
      deps: {
        db: kernelServices.moduleDatabase,
        permissions: kernelServices.permissions,
        config: kernelServices.config,
        tenants: tenantServiceRef,
        throttle: kernelServices.throttle,
        mfa: mfaServiceRef,
      },
      factory: ({ db, permissions, config, tenants, throttle, mfa }) =>
        new AuthService(new StaffRepo(db), new RolesRepo(db), permissions, config, tenants, throttle, mfa),
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
        roles: rolesServiceRef,
        tenants: tenantServiceRef,
        mfa: mfaServiceRef,
      },
      init({ http, home, permissions, auth, staff, roles, tenants, mfa }) {
        // 高级设置 (员工, 角色, MFA): super staff only.
        permissions.addPermissions([
          { id: 'staff.view', superOnly: true, label: { 'zh-CN': '员工-查看', 'en-US': 'Staff — view' } },
          { id: 'staff.manage', superOnly: true, label: { 'zh-CN': '员工与角色-管理', 'en-US': 'Staff and roles — manage' } },
        ]);
        http.addRoutes(rolesRoutes(roles));
        home.addCounter({ key: 'staff', count: (tenantId) => staff.count(tenantId) });
        http.addRoutes(staffRoutes({ auth, staff, tenants }));
        http.addRoutes(mfaRoutes({ auth, mfa, staff, tenants }));
      },
    });
  },
});
