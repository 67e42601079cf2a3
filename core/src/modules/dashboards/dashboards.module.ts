import { defineModule } from '../../kernel/define-module.js';
import { createServiceFactory } from '../../kernel/extension-point.js';
import { httpExtensionPoint, permissionsExtensionPoint } from '../../kernel/extension-points.js';
import { kernelServices } from '../../kernel/services.js';
import { departmentServiceRef } from '../departments/departments.service.js';
import { reportQuotasServiceRef } from '../reports/report-quotas.service.js';
import { savedReportsServiceRef } from '../reports/saved-reports.service.js';
import { tenantServiceRef } from '../tenancy/tenant.service.js';
import { pluginEnablementRef } from '../tenant-plugins/plugin-enablement.js';
import { DashboardsRepo } from './dashboards.repo.js';
import { dashboardsRoutes } from './dashboards.routes.js';
import { DashboardsService, dashboardsServiceRef } from './dashboards.service.js';

/**
 * 仪表盘 (seed §1.3, SPEC §6; ADR 0053): folders, dashboards and their cards — saved reports of the
 * reports module, reached through its services — with department data permissions (ADR 0023), the
 * tenant's quotas and the preset dashboards of enabled plugins.
 */
export const dashboardsModule = defineModule({
  id: 'dashboards',
  title: { 'zh-CN': '仪表盘', 'en-US': 'Dashboards' },
  tables: ['dashboard_folder', 'dashboard', 'dashboard_card'],
  dependencies: ['reports', 'departments', 'tenancy', 'tenant-plugins'],
  provides: [
    createServiceFactory({
      service: dashboardsServiceRef,
      deps: {
        db: kernelServices.moduleDatabase,
        saved: savedReportsServiceRef,
        quotas: reportQuotasServiceRef,
        departments: departmentServiceRef,
        tenants: tenantServiceRef,
        contributions: kernelServices.contributions,
        enablement: pluginEnablementRef,
      },
      factory: ({ db, ...deps }) => new DashboardsService(new DashboardsRepo(db), deps),
    }),
  ],
  register({ registerInit }) {
    registerInit({
      deps: {
        http: httpExtensionPoint,
        permissions: permissionsExtensionPoint,
        dashboards: dashboardsServiceRef,
        saved: savedReportsServiceRef,
        departments: departmentServiceRef,
      },
      init({ http, permissions, dashboards, saved, departments }) {
        // 仪表盘 and 仪表盘目录 rows of the permission matrix.
        permissions.addFeature({ id: 'dashboards' });
        // A deleted report leaves every dashboard, in the transaction that deletes it.
        saved.onReportsDeleted((tenantId, reportIds) => dashboards.removeCardsOfReports(tenantId, reportIds));
        // A department that folders or dashboards still belong to is not deleted (ADR 0023).
        departments.addReferenceCount('dashboards', (tenantId, departmentId) =>
          dashboards.departmentCount(tenantId, departmentId),
        );
        http.addRoutes(dashboardsRoutes(dashboards));
      },
    });
  },
});
