import { deploymentMode } from '../../config/config.js';
import { defineModule } from '../../kernel/define-module.js';
import { createServiceFactory, createServiceRef } from '../../kernel/extension-point.js';
import { httpExtensionPoint, permissionsExtensionPoint } from '../../kernel/extension-points.js';
import { coreServices, kernelServices, type PluginIngest } from '../../kernel/services.js';
import { batchLoadedTopic } from '../../kernel/event-bus.js';
import { channelsServiceRef } from '../channels/channels.service.js';
import { contactsServiceRef } from '../contacts/contacts.service.js';
import { metadataServiceRef } from '../metadata/metadata.service.js';
import { tenantServiceRef } from '../tenancy/tenant.service.js';
import { IngestWorker } from './ingest-worker.js';
import { IngestionRepo } from './ingestion.repo.js';
import { ingestionRoutes } from './ingestion.routes.js';
import { IngestionService, ingestionServiceRef } from './ingestion.service.js';
import { maskingServiceRef } from '../masking/masking.service.js';
import { PluginIngestService } from './plugin-ingest.js';
import { pluginEnablementRef } from '../tenant-plugins/plugin-enablement.js';

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
  tables: ['inbox', 'load_batch', 'quarantine', 'ingest_issue', 'ingest_partition', 'ingest_worker'],
  dependencies: ['tenancy', 'channels', 'contacts', 'metadata', 'masking', 'tenant-plugins'],
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
        contributions: kernelServices.contributions,
      },
      factory: ({ repo, contacts, metadata, tenants, olap, logger, config, contributions }) =>
        new IngestWorker(repo, contacts, metadata, tenants, olap, logger, {
          // Scaled mode (ADR 0067): the partitions are shared among the worker processes, and loads
          // follow StarRocks' cadence (few, large loads per table); embedded mode drains at once.
          ...(deploymentMode(config) === 'scaled'
            ? { share: 'fair', batchSize: config.ingest.loadBatchSize, loadIntervalMs: config.ingest.loadIntervalMs }
            : { share: 'all', batchSize: config.ingest.batchSize, loadIntervalMs: 0 }),
          // A plugin's outbound events stay outbound (ADR 0038).
          eventDirection: (code) => contributions.eventTypes.get(code)?.definition.direction,
        }),
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
    // What plugins see (ADR 0038): the write path of their channels, bound to the asking plugin.
    createServiceFactory({
      service: coreServices.ingest,
      scope: 'consumer',
      deps: {
        ingestion: ingestionServiceRef,
        channels: channelsServiceRef,
        contacts: contactsServiceRef,
        tenants: tenantServiceRef,
        contributions: kernelServices.contributions,
        enablement: pluginEnablementRef,
      },
      factory: (deps, consumer): PluginIngest => new PluginIngestService(consumer.id, deps),
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
        events: coreServices.eventBus,
      },
      init({ http, permissions, ingestion, worker, config, masking, events }) {
        permissions.addPermissions([
          // Open API only: an app identifies contacts and tracks events of the tenant's channels.
          { id: 'contacts.identify', openApi: true, appOnly: true },
          { id: 'events.track', openApi: true, appOnly: true },
        ]);
        http.addRoutes(ingestionRoutes(ingestion, masking));
        // `core.batchLoaded` for plugins and modules (journey triggers later; ADR 0042): after the batch
        // is finished and its contacts are in OLAP, in the process that loaded it.
        worker.onBatchLoaded(({ tenantId, batchId, events: eventCount, contactIds }) =>
          events.publish(batchLoadedTopic, { tenantId, batchId, events: eventCount, contactIds: [...contactIds] }),
        );
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
