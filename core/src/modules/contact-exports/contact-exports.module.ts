import { defineModule } from '../../kernel/define-module.js';
import { createServiceFactory } from '../../kernel/extension-point.js';
import { httpExtensionPoint, schedulerExtensionPoint, tasksExtensionPoint } from '../../kernel/extension-points.js';
import { kernelServices } from '../../kernel/services.js';
import { taskQueueRef } from '../../jobs/task-queue.js';
import { operationLogServiceRef } from '../audit/operation-log.service.js';
import { channelsServiceRef } from '../channels/channels.service.js';
import { conditionsServiceRef } from '../conditions/conditions.service.js';
import { contactReadsServiceRef } from '../contacts/contacts.reads.js';
import { filesServiceRef } from '../files/files.service.js';
import { maskingServiceRef } from '../masking/masking.service.js';
import { metadataServiceRef } from '../metadata/metadata.service.js';
import { ContactExportsRepo } from './contact-exports.repo.js';
import { contactExportsRoutes } from './contact-exports.routes.js';
import { CONTACT_EXPORT_TASK, ContactExportsService, contactExportsServiceRef } from './contact-exports.service.js';

/**
 * 用户导出 (seed §1.4.4, §1.4.5; ADR 0034): exports of identified contacts into xlsx files (the
 * format the import template and batch edit share), written by a task, kept 3 days, listed in the
 * 导出任务列表 and downloaded with 用户-导出.
 */
export const contactExportsModule = defineModule({
  id: 'contact-exports',
  title: { 'zh-CN': '用户导出', 'en-US': 'Contact exports' },
  tables: ['contact_export'],
  dependencies: ['contacts', 'conditions', 'masking', 'metadata', 'channels', 'files', 'tasks', 'audit'],
  provides: [
    createServiceFactory({
      service: contactExportsServiceRef,
      deps: {
        db: kernelServices.moduleDatabase,
        olap: kernelServices.olap,
        logger: kernelServices.logger,
        conditions: conditionsServiceRef,
        masking: maskingServiceRef,
        metadata: metadataServiceRef,
        channels: channelsServiceRef,
        reads: contactReadsServiceRef,
        files: filesServiceRef,
        queue: taskQueueRef,
      },
      factory: ({ db, ...deps }) => new ContactExportsService(new ContactExportsRepo(db), deps),
    }),
  ],
  register({ registerInit }) {
    registerInit({
      deps: {
        http: httpExtensionPoint,
        jobs: schedulerExtensionPoint,
        tasks: tasksExtensionPoint,
        exports: contactExportsServiceRef,
        files: filesServiceRef,
        log: operationLogServiceRef,
      },
      init({ http, jobs, tasks, exports, files, log }) {
        // Operator-started: its end reaches the notification center (green success, red failure).
        jobs.addTaskKind({
          kind: CONTACT_EXPORT_TASK,
          notifies: true,
          needsOlap: true,
          maxAttempts: 2,
          run: (context) => exports.run(context),
        });
        tasks.onTaskFinished((task) => exports.finished(task));
        http.addRoutes(contactExportsRoutes(exports, files, log));
      },
    });
  },
});
