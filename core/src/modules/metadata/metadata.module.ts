import { defineModule } from '../../kernel/define-module.js';
import { createServiceFactory } from '../../kernel/extension-point.js';
import {
  conditionsExtensionPoint,
  httpExtensionPoint,
  permissionsExtensionPoint,
  schedulerExtensionPoint,
} from '../../kernel/extension-points.js';
import { kernelServices } from '../../kernel/services.js';
import { taskQueueRef } from '../../jobs/task-queue.js';
import { channelsServiceRef } from '../channels/channels.service.js';
import { conditionsServiceRef } from '../conditions/conditions.service.js';
import { filesServiceRef } from '../files/files.service.js';
import { tenantServiceRef } from '../tenancy/tenant.service.js';
import { DimensionsRepo } from './dimensions.repo.js';
import { dimensionsRoutes } from './dimensions.routes.js';
import { DIMENSION_CLEAR_TASK, DIMENSION_UPLOAD_TASK, DimensionsService, dimensionsServiceRef } from './dimensions.service.js';
import { MetadataRepo } from './metadata.repo.js';
import { metadataRoutes } from './metadata.routes.js';
import { MetadataService, metadataServiceRef } from './metadata.service.js';

/**
 * 元数据管理 (§1.10): custom contact fields, event properties, custom and virtual events, dictionary
 * and dimension tables. The one author of each tenant's OLAP declaration, and the condition
 * engine's metadata source.
 */
export const metadataModule = defineModule({
  id: 'metadata',
  title: { 'zh-CN': '元数据管理', 'en-US': 'Metadata' },
  tables: [
    'meta_contact_field',
    'meta_event_property',
    'meta_event_type',
    'meta_event_type_property',
    'meta_virtual_event',
    'meta_dimension_table',
    'meta_dimension_field',
    'meta_dictionary_entry',
  ],
  dependencies: ['tenancy', 'channels', 'conditions', 'files', 'tasks'],
  provides: [
    createServiceFactory({
      service: metadataServiceRef,
      deps: {
        db: kernelServices.moduleDatabase,
        contributions: kernelServices.contributions,
        olap: kernelServices.olap,
        tenants: tenantServiceRef,
        channels: channelsServiceRef,
        conditions: conditionsServiceRef,
        logger: kernelServices.logger,
      },
      factory: ({ db, contributions, olap, tenants, channels, conditions, logger }) =>
        new MetadataService(
          new MetadataRepo(db),
          new DimensionsRepo(db),
          contributions,
          olap,
          tenants,
          channels,
          conditions,
          logger,
        ),
    }),
    createServiceFactory({
      service: dimensionsServiceRef,
      deps: {
        db: kernelServices.moduleDatabase,
        contributions: kernelServices.contributions,
        olap: kernelServices.olap,
        metadata: metadataServiceRef,
        queue: taskQueueRef,
        files: filesServiceRef,
      },
      factory: ({ db, contributions, olap, metadata, queue, files }) =>
        new DimensionsService(new DimensionsRepo(db), metadata, contributions, olap, queue, files),
    }),
  ],
  register({ registerInit }) {
    registerInit({
      deps: {
        http: httpExtensionPoint,
        permissions: permissionsExtensionPoint,
        conditions: conditionsExtensionPoint,
        jobs: schedulerExtensionPoint,
        metadata: metadataServiceRef,
        dimensions: dimensionsServiceRef,
        files: filesServiceRef,
      },
      init({ http, permissions, conditions, jobs, metadata, dimensions, files }) {
        // What conditions may name: the tenant's metadata, declared before it answers.
        conditions.setMetadataSource(metadata);
        // 元数据管理's rows of the permission matrix (metadata.view is fixed, metadata.manage).
        permissions.addFeature({ id: 'metadata' });
        http.addRoutes(metadataRoutes(metadata));
        http.addRoutes(dimensionsRoutes(dimensions, () => files.incomingDir()));
        // 维度表 loads and clears: operator-started, so they reach the notification center.
        jobs.addTaskKind({
          kind: DIMENSION_UPLOAD_TASK,
          notifies: true,
          needsOlap: true,
          run: (context) => dimensions.runUpload(context),
        });
        jobs.addTaskKind({
          kind: DIMENSION_CLEAR_TASK,
          notifies: true,
          needsOlap: true,
          run: (context) => dimensions.runClear(context),
        });
      },
    });
  },
});
