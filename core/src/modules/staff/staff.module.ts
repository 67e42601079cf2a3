import { defineModule } from '../../kernel/define-module.js';
import { createServiceFactory } from '../../kernel/extension-point.js';
import {
  auditStaffDirectoryExtensionPoint,
  homeExtensionPoint,
  httpExtensionPoint,
  permissionsExtensionPoint,
  schedulerExtensionPoint,
} from '../../kernel/extension-points.js';
import { kernelServices } from '../../kernel/services.js';
import { taskQueueRef } from '../../jobs/task-queue.js';
import { tenantServiceRef } from '../tenancy/tenant.service.js';
import { operationLogServiceRef } from '../audit/operation-log.service.js';
import { AuthService, authServiceRef } from './auth.service.js';
import { RolesRepo } from './roles.repo.js';
import { rolesRoutes } from './roles.routes.js';
import { RolesService, rolesServiceRef } from './roles.service.js';
import { MfaRepo } from './mfa.repo.js';
import { mfaRoutes } from './mfa.routes.js';
import { MfaService, mfaServiceRef } from './mfa.service.js';
import { PasswordResetRepo } from './password-reset.repo.js';
import { passwordResetRoutes } from './password-reset.routes.js';
import { PASSWORD_RESET_MAIL_TASK, PasswordResetService, passwordResetServiceRef } from './password-reset.service.js';
import { StaffRepo } from './staff.repo.js';
import { channelsServiceRef } from '../channels/channels.service.js';
import { pluginEnablementRef } from '../tenant-plugins/plugin-enablement.js';
import { staffRoutes } from './staff.routes.js';
import { StaffService, staffServiceRef } from './staff.service.js';

/** Staff (员工): login by email (邮箱即账号), sessions, passwords and their reset by mail, MFA (§1.2.2, §1.11.4.5.4, §4.1). */
export const staffModule = defineModule({
  id: 'staff',
  title: { 'zh-CN': '员工与登录', 'en-US': 'Staff and sign-in' },
  tables: ['staff', 'staff_session', 'role', 'staff_role', 'staff_mfa', 'login_challenge', 'password_reset'],
  // Logins, password changes and staff/role changes go to the operation log (audit).
  dependencies: ['tenancy', 'tenant-plugins', 'channels', 'tasks', 'audit'],
  provides: [
    createServiceFactory({
      service: rolesServiceRef,
      deps: {
        db: kernelServices.moduleDatabase,
        permissions: kernelServices.permissions,
        channels: channelsServiceRef,
        enablement: pluginEnablementRef,
      },
      factory: ({ db, permissions, channels, enablement }) =>
        new RolesService(new RolesRepo(db), new StaffRepo(db), permissions, channels, enablement),
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
        log: operationLogServiceRef,
        enablement: pluginEnablementRef,
      },
      factory: ({ db, permissions, config, tenants, throttle, mfa, log, enablement }) =>
        new AuthService(new StaffRepo(db), new RolesRepo(db), permissions, config, tenants, throttle, mfa, log, enablement),
    }),
    createServiceFactory({
      service: passwordResetServiceRef,
      deps: {
        db: kernelServices.moduleDatabase,
        auth: authServiceRef,
        tenants: tenantServiceRef,
        throttle: kernelServices.throttle,
        mailer: kernelServices.mailer,
        tasks: taskQueueRef,
        config: kernelServices.config,
        logger: kernelServices.logger,
      },
      factory: ({ db, ...deps }) => new PasswordResetService(new PasswordResetRepo(db), deps),
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
        jobs: schedulerExtensionPoint,
        resets: passwordResetServiceRef,
        config: kernelServices.config,
        logger: kernelServices.logger,
        log: operationLogServiceRef,
        staffDirectory: auditStaffDirectoryExtensionPoint,
        enablement: pluginEnablementRef,
      },
      init({
        http,
        home,
        permissions,
        auth,
        staff,
        roles,
        tenants,
        mfa,
        jobs,
        resets,
        config,
        logger,
        log,
        staffDirectory,
        enablement,
      }) {
        // 高级设置 (员工, 角色, MFA): super staff only.
        permissions.addPermissions([
          { id: 'staff.view', superOnly: true, label: { 'zh-CN': '员工-查看', 'en-US': 'Staff — view' } },
          { id: 'staff.manage', superOnly: true, label: { 'zh-CN': '员工与角色-管理', 'en-US': 'Staff and roles — manage' } },
        ]);
        http.addRoutes(rolesRoutes(roles, log));
        home.addCounter({ key: 'staff', count: (tenantId) => staff.count(tenantId) });
        // Operation log exports name staff as they are called when exported.
        staffDirectory.setStaffDirectory({ names: (tenantId) => staff.names(tenantId) });
        http.addRoutes(staffRoutes({ auth, staff, tenants, log, enablement }));
        http.addRoutes(mfaRoutes({ auth, mfa, staff, tenants, log, enablement }));
        http.addRoutes(passwordResetRoutes(resets));
        // Mailing a reset link: internal work (no notification), retried when the SMTP server fails.
        jobs.addTaskKind({
          kind: PASSWORD_RESET_MAIL_TASK,
          notifies: false,
          maxAttempts: 3,
          run: (context) => resets.sendMail(context),
        });
        return {
          start() {
            if (!resets.mailConfigured) {
              logger.warn('no SMTP server is configured (mail.smtp): 忘记密码 answers as usual but sends no mail');
            } else if (!config.publicUrl) {
              logger.warn(
                'publicUrl is not set: password reset links take their host from the request; set HUILIU_PUBLIC_URL in production',
              );
            }
          },
          stop: () => resets.stop(),
        };
      },
    });
  },
});
