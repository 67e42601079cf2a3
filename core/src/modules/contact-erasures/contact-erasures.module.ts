import { defineModule } from '../../kernel/define-module.js';
import { createServiceFactory } from '../../kernel/extension-point.js';
import { httpExtensionPoint, schedulerExtensionPoint, tasksExtensionPoint } from '../../kernel/extension-points.js';
import { kernelServices } from '../../kernel/services.js';
import { taskQueueRef } from '../../jobs/task-queue.js';
import { operationLogServiceRef } from '../audit/operation-log.service.js';
import { channelsServiceRef } from '../channels/channels.service.js';
import { contactsServiceRef } from '../contacts/contacts.service.js';
import { filesServiceRef } from '../files/files.service.js';
import { ingestionServiceRef } from '../ingestion/ingestion.service.js';
import { ContactErasuresRepo } from './contact-erasures.repo.js';
import { contactErasuresRoutes } from './contact-erasures.routes.js';
import { ContactErasuresService, contactErasuresServiceRef } from './contact-erasures.service.js';
import { ERASE_TASK } from './contact-erasures.types.js';

/**
 * 删除用户数据 (seed §2.2.6) and 删除微信GDPR数据 (§1.9.1.3.18), ADR 0037: requests made from a
 * connection's detail page, erased by a task (accounts, contact properties, events in OLAP, inbox
 * and quarantine; the contact-deletion hook `contacts.lifecycle` for groups), with the result in
 * the notification center and the operation log. A module of its own: it needs both the contacts
 * and the ingestion module's services, and ingestion depends on contacts.
 */
export const contactErasuresModule = defineModule({
  id: 'contact-erasures',
  title: { 'zh-CN': '删除用户数据', 'en-US': 'Contact data erasure' },
  tables: ['contact_erasure', 'contact_erasure_item'],
  dependencies: ['contacts', 'ingestion', 'channels', 'files', 'tasks', 'audit'],
  provides: [
    createServiceFactory({
      service: contactErasuresServiceRef,
      deps: {
        db: kernelServices.moduleDatabase,
        contacts: contactsServiceRef,
        ingestion: ingestionServiceRef,
        channels: channelsServiceRef,
        olap: kernelServices.olap,
        queue: taskQueueRef,
        files: filesServiceRef,
        contributions: kernelServices.contributions,
        logger: kernelServices.logger,
      },
      factory: ({ db, contacts, ingestion, channels, olap, queue, files, contributions, logger }) =>
        new ContactErasuresService(
          new ContactErasuresRepo(db),
          contacts,
          ingestion,
          channels,
          olap,
          queue,
          files,
          contributions,
          logger,
        ),
    }),
  ],
  register({ registerInit }) {
    registerInit({
      deps: {
        http: httpExtensionPoint,
        jobs: schedulerExtensionPoint,
        tasks: tasksExtensionPoint,
        erasures: contactErasuresServiceRef,
        log: operationLogServiceRef,
      },
      init({ http, jobs, tasks, erasures, log }) {
        http.addRoutes(contactErasuresRoutes(erasures, log));
        // Operator-started deletions reach the notification center (ARCHITECTURE §7).
        jobs.addTaskKind({
          kind: ERASE_TASK,
          notifies: true,
          needsOlap: true,
          maxAttempts: 5,
          run: (context) => erasures.run(context),
        });
        tasks.onTaskFinished((task) => erasures.taskFinished(task));
      },
    });
  },
});
