import { defineModule } from '../../kernel/define-module.js';
import { createServiceFactory } from '../../kernel/extension-point.js';
import { httpExtensionPoint, schedulerExtensionPoint } from '../../kernel/extension-points.js';
import { kernelServices } from '../../kernel/services.js';
import { taskMutexRef } from '../../jobs/task-mutex.js';
import { taskQueueRef } from '../../jobs/task-queue.js';
import { operationLogServiceRef } from '../audit/operation-log.service.js';
import { contactsServiceRef } from '../contacts/contacts.service.js';
import { maskingServiceRef } from '../masking/masking.service.js';
import { DedupeRepo } from './dedupe.repo.js';
import { dedupeRoutes } from './dedupe.routes.js';
import { DEDUPE_TASK, DedupeService, dedupeServiceRef } from './dedupe.service.js';

/** 每天凌晨 2:45 (seed §1.4.7), in each tenant's time zone. */
export const DEDUPE_AUTO_CRON = '45 2 * * *';

/**
 * 合并用户 — 查重 (seed §1.4.7, ADR 0035): the tenant's dedupe rules, dedupe runs and their
 * duplicate sets, the merge of chosen sets through the contacts module's merge, and the nightly
 * automatic merge. It reads the contacts master only through the contacts service.
 */
export const dedupeModule = defineModule({
  id: 'dedupe',
  title: { 'zh-CN': '合并用户', 'en-US': 'Dedupe' },
  tables: ['dedupe_setting', 'dedupe_run', 'dedupe_set'],
  dependencies: ['contacts', 'masking', 'audit', 'tasks'],
  provides: [
    createServiceFactory({
      service: dedupeServiceRef,
      deps: {
        db: kernelServices.moduleDatabase,
        contacts: contactsServiceRef,
        queue: taskQueueRef,
        mutex: taskMutexRef,
        logger: kernelServices.logger,
      },
      factory: ({ db, contacts, queue, mutex, logger }) => new DedupeService(new DedupeRepo(db), contacts, queue, mutex, logger),
    }),
  ],
  register({ registerInit }) {
    registerInit({
      deps: {
        http: httpExtensionPoint,
        jobs: schedulerExtensionPoint,
        dedupe: dedupeServiceRef,
        masking: maskingServiceRef,
        log: operationLogServiceRef,
      },
      init({ http, jobs, dedupe, masking, log }) {
        http.addRoutes(dedupeRoutes(dedupe, masking, log));
        // 启动查重 and the automatic run: they reach the notification center (the automatic one every
        // staff member). The automatic run merges, and a merge sends its contacts to OLAP.
        jobs.addTaskKind({ kind: DEDUPE_TASK, notifies: true, needsOlap: true, run: (context) => dedupe.runTask(context) });
        jobs.addSchedule({
          key: 'auto-merge',
          cron: DEDUPE_AUTO_CRON,
          description: '自动合并用户 (seed §1.4.7): when enabled and saved, find and merge every duplicate set',
          run: ({ tenantId, dueAt }) => dedupe.autoRun(tenantId, dueAt),
        });
      },
    });
  },
});
