import { defineModule } from '../../kernel/define-module.js';
import { createServiceFactory } from '../../kernel/extension-point.js';
import {
  httpExtensionPoint,
  permissionsExtensionPoint,
  reportsExtensionPoint,
  schedulerExtensionPoint,
} from '../../kernel/extension-points.js';
import { kernelServices } from '../../kernel/services.js';
import { taskQueueRef } from '../../jobs/task-queue.js';
import { conditionsServiceRef } from '../conditions/conditions.service.js';
import { departmentServiceRef } from '../departments/departments.service.js';
import { groupSelectionsServiceRef } from '../group-selections/group-selections.service.js';
import { tenantServiceRef } from '../tenancy/tenant.service.js';
import { distributionModel } from './distribution/distribution.js';
import { eventAnalysisModel } from './event-analysis.js';
import { retentionAnalysisModel } from './retention/retention-analysis.js';
import { ltvAnalysisModel } from './ltv/ltv-analysis.js';
import { funnelModel } from './funnel/funnel.js';
import { userAnalysisModel } from './user/user-analysis.js';
import { attributionModel } from './attribution/attribution.js';
import { pathModel } from './path/path.js';
import { groupsServiceRef } from '../groups/groups.service.js';
import { tagsServiceRef } from '../tags/tags.service.js';
import { maskingServiceRef } from '../masking/masking.service.js';
import { CellGroups } from './cell-groups.js';
import { cellGroupRoutes } from './cell-groups.routes.js';
import { customQueryModel } from './custom-query/custom-query.js';
import {
  PROFILE_DAILY_CRON,
  PROFILE_REFRESH_TASK,
  ProfileSnapshotsService,
  profileModel,
  profileSnapshotsServiceRef,
} from './profile/profile.js';
import { ReportQuotasService, reportQuotasServiceRef } from './report-quotas.service.js';
import { reportsRoutes } from './reports.routes.js';
import { ReportsService, reportsServiceRef } from './reports.service.js';
import { SavedReportsRepo } from './saved-reports.repo.js';
import { savedReportsRoutes } from './saved-reports.routes.js';
import { SavedReportsService, savedReportsServiceRef } from './saved-reports.service.js';

/**
 * 报表分析 (seed §1.7, §3; SPEC §6; ADR 0052): the report engine — every model registered through the
 * reports extension point, core's like plugins' — with its cache, runs and exports; saved reports
 * and the per-tenant quotas of reports and dashboards (ADR 0053).
 */
export const reportsModule = defineModule({
  id: 'reports',
  title: { 'zh-CN': '报表分析', 'en-US': 'Analytics' },
  tables: ['report', 'report_quota', 'report_profile'],
  // groups: 保存为群组 creates static groups through its service (ADR 0063); tags: a custom query's tag_… columns.
  dependencies: ['tenancy', 'departments', 'conditions', 'group-selections', 'groups', 'tags', 'tasks', 'masking'],
  provides: [
    createServiceFactory({
      service: reportsServiceRef,
      deps: {
        contributions: kernelServices.contributions,
        olap: kernelServices.olap,
        tenants: tenantServiceRef,
        logger: kernelServices.logger,
        masking: maskingServiceRef,
      },
      factory: ({ contributions, olap, tenants, logger, masking }) =>
        new ReportsService(contributions, olap, tenants, logger, (actor) =>
          masking.fieldAccess(actor.tenantId, actor.unmasked ?? false),
        ),
    }),
    createServiceFactory({
      service: reportQuotasServiceRef,
      deps: { db: kernelServices.moduleDatabase, tenants: tenantServiceRef },
      factory: ({ db, tenants }) => new ReportQuotasService(new SavedReportsRepo(db), tenants),
    }),
    createServiceFactory({
      service: savedReportsServiceRef,
      deps: {
        db: kernelServices.moduleDatabase,
        reports: reportsServiceRef,
        quotas: reportQuotasServiceRef,
        departments: departmentServiceRef,
        tenants: tenantServiceRef,
      },
      factory: ({ db, ...deps }) => new SavedReportsService(new SavedReportsRepo(db), deps),
    }),
    createServiceFactory({
      service: profileSnapshotsServiceRef,
      deps: {
        db: kernelServices.moduleDatabase,
        olap: kernelServices.olap,
        conditions: conditionsServiceRef,
        selections: groupSelectionsServiceRef,
        queue: taskQueueRef,
        logger: kernelServices.logger,
      },
      factory: (deps) => new ProfileSnapshotsService(deps),
    }),
  ],
  register({ registerInit }) {
    registerInit({
      deps: {
        http: httpExtensionPoint,
        permissions: permissionsExtensionPoint,
        models: reportsExtensionPoint,
        reports: reportsServiceRef,
        saved: savedReportsServiceRef,
        quotas: reportQuotasServiceRef,
        departments: departmentServiceRef,
        conditions: conditionsServiceRef,
        selections: groupSelectionsServiceRef,
        olap: kernelServices.olap,
        groups: groupsServiceRef,
        tags: tagsServiceRef,
        masking: maskingServiceRef,
        logger: kernelServices.logger,
        jobs: schedulerExtensionPoint,
        profiles: profileSnapshotsServiceRef,
      },
      init({
        http,
        permissions,
        models,
        reports,
        saved,
        quotas,
        departments,
        conditions,
        selections,
        olap,
        groups,
        tags,
        masking,
        logger,
        jobs,
        profiles,
      }) {
        // Core's models go through the same extension point as plugins' (事件分析 first).
        models.addReportModel(eventAnalysisModel({ conditions, selections, dialect: olap.dialect }));
        models.addReportModel(retentionAnalysisModel({ conditions, selections, dialect: olap.dialect }));
        models.addReportModel(distributionModel({ conditions, selections }));
        models.addReportModel(ltvAnalysisModel({ conditions, selections, dialect: olap.dialect }));
        models.addReportModel(funnelModel({ conditions, selections, dialect: olap.dialect }));
        models.addReportModel(userAnalysisModel({ conditions, selections, dialect: olap.dialect }));
        models.addReportModel(attributionModel({ conditions, selections, dialect: olap.dialect }));
        models.addReportModel(pathModel({ conditions, selections, dialect: olap.dialect }));
        // 自定义查询 (ADR 0062) and 保存为群组 (ADR 0063).
        models.addReportModel(
          customQueryModel({
            contactView: (tenantId, sql) => tags.contactViewOf(tenantId, sql),
            maskedKeys: (tenantId) => masking.maskedFields(tenantId),
          }),
        );
        const cellGroups = new CellGroups({ reports, saved, groups, logger });
        http.addRoutes(cellGroupRoutes({ cellGroups, olap, conditions, tags }));
        // 用户画像 (ADR 0061): answered from daily snapshots, refreshed at 02:00 in each tenant's zone.
        models.addReportModel(profileModel({ snapshots: profiles }));
        jobs.addTaskKind({
          kind: PROFILE_REFRESH_TASK,
          notifies: false,
          needsOlap: true,
          maxAttempts: 3,
          run: async ({ task }) => ({ counts: await profiles.refresh(task.tenantId) }),
        });
        jobs.addSchedule({
          key: 'profile-daily',
          cron: PROFILE_DAILY_CRON,
          description: '用户画像 每天凌晨2点同步更新 (seed §1.7.5): recompute every stored profile snapshot of the tenant',
          run: ({ tenantId, dueAt }) => profiles.daily(tenantId, dueAt),
        });
        // 报表分析's rows of the permission matrix (reports.view / edit / delete).
        permissions.addFeature({ id: 'reports' });
        http.addRoutes(reportsRoutes(reports));
        http.addRoutes(savedReportsRoutes(saved, quotas));
        // A department that saved reports still belong to is not deleted (ADR 0023).
        departments.addReferenceCount('reports', (tenantId, departmentId) => saved.departmentCount(tenantId, departmentId));
      },
    });
  },
});
