import { defineModule } from '../kernel/define-module.js';
import { createServiceFactory } from '../kernel/extension-point.js';
import { schedulerExtensionPoint } from '../kernel/extension-points.js';
import { kernelServices } from '../kernel/services.js';
import { tenantServiceRef } from '../modules/tenancy/tenant.service.js';
import { pluginEnablementRef } from '../modules/tenant-plugins/plugin-enablement.js';
import { CronSchedule } from './cron.js';
import { Scheduler, SCHEDULE_RUN_MAX_ATTEMPTS, SCHEDULE_TASK_KIND, schedulerRef } from './scheduler.js';
import { taskQueueRef } from './task-queue.js';

/**
 * The scheduler: every minute, each tenant's schedules (contributed by modules and plugins through
 * `jobs.schedules`) are evaluated in the tenant's zone; a firing is a `schedule.run` task.
 */
export const scheduleModule = defineModule({
  id: 'schedule',
  title: { 'zh-CN': '定时任务', 'en-US': 'Schedules' },
  tables: [],
  dependencies: ['tenancy', 'tasks', 'tenant-plugins'],
  provides: [
    createServiceFactory({
      service: schedulerRef,
      deps: {
        tenants: tenantServiceRef,
        queue: taskQueueRef,
        contributions: kernelServices.contributions,
        logger: kernelServices.logger,
        enablement: pluginEnablementRef,
      },
      // Made once everything is registered (the app asks for it after loading), so it sees every schedule.
      factory: ({ tenants, queue, contributions, logger, enablement }) =>
        new Scheduler(
          tenants,
          queue,
          [...contributions.schedules.entries()].map(([key, { pluginId, definition }]) => ({
            key,
            pluginId,
            cron: new CronSchedule(definition.cron),
            run: definition.run,
            available: () => contributions.isAvailable(pluginId),
          })),
          logger,
          enablement,
        ),
    }),
  ],
  register({ registerInit }) {
    registerInit({
      deps: {
        jobs: schedulerExtensionPoint,
        contributions: kernelServices.contributions,
        enablement: pluginEnablementRef,
        logger: kernelServices.logger,
      },
      init({ jobs, contributions, enablement, logger }) {
        jobs.addTaskKind({
          kind: SCHEDULE_TASK_KIND,
          notifies: false,
          maxAttempts: SCHEDULE_RUN_MAX_ATTEMPTS,
          async run({ task }) {
            const key = String(task.payload.key);
            const schedule = contributions.schedules.get(key);
            if (!schedule) throw new Error(`No schedule "${key}"`);
            // A firing made before its plugin was isolated (ADR 0040) ends failed, not run.
            if (!contributions.isAvailable(schedule.pluginId)) {
              throw Object.assign(new Error(`plugin "${schedule.pluginId}" failed to start`), { code: 'plugin_unavailable' });
            }
            // Fired before its plugin was disabled for the tenant (or by a process that had not seen it yet): skipped.
            if (!(await enablement.isEnabled(task.tenantId, schedule.pluginId))) {
              logger.info({ schedule: key, tenantId: task.tenantId }, 'schedule skipped: its plugin is disabled for the tenant');
              return { counts: { skipped: 1 } };
            }
            await schedule.definition.run({ tenantId: task.tenantId, dueAt: task.dueAt ?? task.runAt });
          },
        });
      },
    });
  },
});
