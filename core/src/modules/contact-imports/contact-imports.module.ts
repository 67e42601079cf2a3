import { defineModule } from '../../kernel/define-module.js';
import { createServiceFactory } from '../../kernel/extension-point.js';
import { httpExtensionPoint, schedulerExtensionPoint } from '../../kernel/extension-points.js';
import { kernelServices } from '../../kernel/services.js';
import { workerPoolRef } from '../../jobs/pool.js';
import { taskMutexRef } from '../../jobs/task-mutex.js';
import { taskQueueRef } from '../../jobs/task-queue.js';
import { operationLogServiceRef } from '../audit/operation-log.service.js';
import { contactsServiceRef } from '../contacts/contacts.service.js';
import { filesServiceRef } from '../files/files.service.js';
import { maskingServiceRef } from '../masking/masking.service.js';
import { metadataServiceRef } from '../metadata/metadata.service.js';
import { ContactImportsRepo } from './contact-imports.repo.js';
import { contactImportsRoutes } from './contact-imports.routes.js';
import { ContactImportsService, contactImportsServiceRef } from './contact-imports.service.js';
import { BATCH_EDIT_TASK, IMPORT_TASK } from './contact-imports.types.js';

/**
 * 用户导入 (§1.4.3, §1.4.9) and 批量编辑用户 (§1.4.6): the xlsx template, uploads, the import and
 * batch-edit tasks (parsed in the piscina pool, written through the contacts service in one
 * transaction with the import's commit marker), failure files and the notification (ADR 0033).
 */
export const contactImportsModule = defineModule({
  id: 'contactImports',
  title: { 'zh-CN': '用户导入', 'en-US': 'Contact imports' },
  tables: ['contact_import'],
  dependencies: ['contacts', 'metadata', 'masking', 'audit', 'files', 'tasks'],
  provides: [
    createServiceFactory({
      service: contactImportsServiceRef,
      deps: {
        db: kernelServices.moduleDatabase,
        logger: kernelServices.logger,
        contacts: contactsServiceRef,
        metadata: metadataServiceRef,
        masking: maskingServiceRef,
        files: filesServiceRef,
        queue: taskQueueRef,
        mutex: taskMutexRef,
        pool: workerPoolRef,
        log: operationLogServiceRef,
      },
      factory: ({ db, logger, contacts, metadata, masking, files, queue, mutex, pool, log }) =>
        new ContactImportsService(
          new ContactImportsRepo(db),
          contacts,
          metadata,
          masking,
          files,
          queue,
          mutex,
          pool,
          log,
          logger,
        ),
    }),
  ],
  register({ registerInit }) {
    registerInit({
      deps: {
        http: httpExtensionPoint,
        jobs: schedulerExtensionPoint,
        imports: contactImportsServiceRef,
        files: filesServiceRef,
      },
      init({ http, jobs, imports, files }) {
        http.addRoutes(contactImportsRoutes(imports, () => files.incomingDir()));
        // Operator-started: their results reach the notification center (ARCHITECTURE §7). They
        // write OLTP only (contacts reach OLAP through the contact-change outbox).
        jobs.addTaskKind({ kind: IMPORT_TASK, notifies: true, run: (context) => imports.run(context) });
        jobs.addTaskKind({ kind: BATCH_EDIT_TASK, notifies: true, run: (context) => imports.run(context) });
      },
    });
  },
});
