import { defineModule } from '../../kernel/define-module.js';
import { createServiceFactory } from '../../kernel/extension-point.js';
import { httpExtensionPoint, schedulerExtensionPoint } from '../../kernel/extension-points.js';
import { coreServices, kernelServices, type PluginFiles } from '../../kernel/services.js';
import { FilesRepo } from './files.repo.js';
import { filesRoutes } from './files.routes.js';
import { FilesService, filesServiceRef } from './files.service.js';

/** Result files (exports, failure reports): stored under the data dir, expiring, downloaded by id. */
export const filesModule = defineModule({
  id: 'files',
  title: { 'zh-CN': '文件', 'en-US': 'Files' },
  tables: ['stored_file'],
  provides: [
    createServiceFactory({
      service: filesServiceRef,
      deps: { db: kernelServices.moduleDatabase, config: kernelServices.config, logger: kernelServices.logger },
      factory: ({ db, config, logger }) => new FilesService(new FilesRepo(db), config, logger),
    }),
    createServiceFactory({
      service: coreServices.files,
      deps: { files: filesServiceRef },
      factory: ({ files }): PluginFiles => ({ save: (tenantId, input) => files.save(tenantId, input) }),
    }),
  ],
  register({ registerInit }) {
    registerInit({
      deps: { http: httpExtensionPoint, jobs: schedulerExtensionPoint, files: filesServiceRef },
      init({ http, jobs, files }) {
        jobs.addSchedule({
          key: 'cleanup',
          cron: '17 * * * *',
          description: 'Delete expired result files',
          run: async ({ tenantId }) => void (await files.cleanupExpired(tenantId)),
        });
        http.addRoutes(filesRoutes(files));
      },
    });
  },
});
