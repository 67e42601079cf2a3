import { defineModule } from '../../kernel/define-module.js';
import { createServiceFactory } from '../../kernel/extension-point.js';
import { auditExtensionPoint, httpExtensionPoint, permissionsExtensionPoint } from '../../kernel/extension-points.js';
import { coreServices, kernelServices, type PluginOperationLog } from '../../kernel/services.js';
import { tenantServiceRef } from '../tenancy/tenant.service.js';
import { OperationLogRepo } from './operation-log.repo.js';
import { operationLogRoutes } from './operation-log.routes.js';
import { OperationLogService, operationLogServiceRef } from './operation-log.service.js';
import { seedObjectTypes, seedOperations } from './seed-operations.js';

/**
 * 操作日志 (seed §1.11.4.8): the console operations of staff, kept long term, read and exported by
 * super staff. Modules record through `audit.operationLog`, plugins through `core.operationLog`;
 * what may be recorded is declared through `auditExtensionPoint` (the seed's list is declared here).
 */
export const auditModule = defineModule({
  id: 'audit',
  title: { 'zh-CN': '操作日志', 'en-US': 'Operation log' },
  tables: ['operation_log'],
  // Exports show times in the tenant's time zone.
  dependencies: ['tenancy'],
  provides: [
    createServiceFactory({
      service: operationLogServiceRef,
      deps: {
        db: kernelServices.moduleDatabase,
        contributions: kernelServices.contributions,
        tenants: tenantServiceRef,
        logger: kernelServices.logger,
      },
      factory: ({ db, contributions, tenants, logger }) =>
        new OperationLogService(new OperationLogRepo(db), contributions, tenants, logger),
    }),
    // What plugins see: recording the operations they declared.
    createServiceFactory({
      service: coreServices.operationLog,
      deps: { log: operationLogServiceRef },
      factory: ({ log }): PluginOperationLog => ({ record: (principal, entry) => log.record(principal, entry) }),
    }),
  ],
  register({ registerInit }) {
    registerInit({
      deps: {
        http: httpExtensionPoint,
        permissions: permissionsExtensionPoint,
        audit: auditExtensionPoint,
        log: operationLogServiceRef,
      },
      init({ http, permissions, audit, log }) {
        for (const objectType of seedObjectTypes) audit.addObjectType(objectType);
        audit.addOperations(seedOperations);
        // Only super staff (高级员工) read the log (seed §1.11.4.8 注 2).
        permissions.addPermissions([{ id: 'operationLog.view', superOnly: true }]);
        http.addRoutes(operationLogRoutes(log));
      },
    });
  },
});
