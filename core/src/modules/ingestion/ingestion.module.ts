import { defineModule } from '../../kernel/define-module.js';
import { createServiceFactory, createServiceRef } from '../../kernel/extension-point.js';
import { httpExtensionPoint, permissionsExtensionPoint } from '../../kernel/extension-points.js';
import { kernelServices } from '../../kernel/services.js';
import { channelsServiceRef } from '../channels/channels.service.js';
import { contactsServiceRef } from '../contacts/contacts.service.js';
import { metadataServiceRef } from '../metadata/metadata.service.js';
import { tenantServiceRef } from '../tenancy/tenant.service.js';
import { IngestWorker } from './ingest-worker.js';
import { IngestionRepo } from './ingestion.repo.js';
import { ingestionRoutes } from './ingestion.routes.js';
import { IngestionService, ingestionServiceRef } from './ingestion.service.js';
import { maskingServiceRef } from '../masking/masking.service.js';

export const ingestWorkerRef = createServiceRef<IngestWorker>({ id: 'ingestion.worker' });
const ingestionRepoRef = createServiceRef<IngestionRepo>({ id: 'ingestion.repo' });

/**
 * Ingestion (ARCHITECTURE §5): the collect API and Open API tracking append to the durable inbox;
 * the ingest worker drains it partition by partition into OLAP exactly once, through the contacts
 * module's identity step, quarantining what cannot load (数据质量).
 */
export const ingestionModule = defineModule({
  id: 'ingestion',
  title: { 'zh-CN': '数据接入', 'en-US': 'Ingestion' },
  tables: ['inbox', 'load_batch', 'quarantine', 'ingest_issue', 'ingest_partition'],
  dependencies: ['tenancy', 'channels', 'contacts', 'metadata', 'masking'],
  provides: [
    createServiceFactory({
      service: ingestionRepoRef,
      deps: { db: kernelServices.moduleDatabase },
      factory: ({ db }) => new IngestionRepo(db),
    }),
    createServiceFactory({
      service: ingestWorkerRef,
      deps: {
        repo: ingestionRepoRef,
        contacts: contactsServiceRef,
        metadata: metadataServiceRef,
        tenants: tenantServiceRef,
        olap: kernelServices.olap,
        logger: kernelServices.logger,
        config: kernelServices.config,
      },
      factory: ({ repo, contacts, metadata, tenants, olap, logger, config }) =>
        new IngestWorker(repo, contacts, metadata, tenants, olap, logger, { batchSize: config.ingest.batchSize }),
    }),
    createServiceFactory({
      service: ingestionServiceRef,
      deps: {
        repo: ingestionRepoRef,
        worker: ingestWorkerRef,
        contributions: kernelServices.contributions,
        channels: channelsServiceRef,
        metadata: metadataServiceRef,
        tenants: tenantServiceRef,
        contacts: contactsServiceRef,
        config: kernelServices.config,
        logger: kernelServices.logger,
      },
      factory: ({ repo, worker, contributions, channels, metadata, tenants, contacts, config, logger }) =>
        new IngestionService(
          repo,
          worker,
          contributions,
          channels,
          metadata,
          tenants,
          contacts,
          { backlogLimit: config.ingest.backlogLimit },
          logger,
        ),
    }),
  ],
  register({ registerInit }) {
    registerInit({
      deps: {
        http: httpExtensionPoint,
        permissions: permissionsExtensionPoint,
        ingestion: ingestionServiceRef,
        worker: ingestWorkerRef,
        config: kernelServices.config,
        masking: maskingServiceRef,
      },
      init({ http, permissions, ingestion, worker, config, masking }) {
        permissions.addPermissions([
          // Open API only: an app identifies contacts and tracks events of the tenant's channels.
          { id: 'contacts.identify', openApi: true, appOnly: true },
          { id: 'events.track', openApi: true, appOnly: true },
        ]);
        http.addRoutes(ingestionRoutes(ingestion, masking));
        return {
          start: () => {
            if (config.ingest.worker) worker.start();
          },
          stop: () => worker.stop(),
        };
      },
    });
  },
});
