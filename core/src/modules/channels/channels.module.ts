import { defineModule } from '../../kernel/define-module.js';
import { createServiceFactory } from '../../kernel/extension-point.js';
import {
  auditExtensionPoint,
  homeExtensionPoint,
  httpExtensionPoint,
  permissionsExtensionPoint,
} from '../../kernel/extension-points.js';
import { coreServices, kernelServices, type PluginChannels } from '../../kernel/services.js';
import { operationLogServiceRef } from '../audit/operation-log.service.js';
import { pluginEnablementRef } from '../tenant-plugins/plugin-enablement.js';
import { channelsRoutes } from './channels.routes.js';
import { ChannelsRepo } from './channels.repo.js';
import { ChannelsService, channelsServiceRef } from './channels.service.js';
import { unconnectedUserIdTypes } from './unconnected-user-id-types.js';

/** Connections (连接, §2.1): the tenant's channels of the channel types plugins contribute. */
export const channelsModule = defineModule({
  id: 'channels',
  title: { 'zh-CN': '连接', 'en-US': 'Connections' },
  tables: ['channel'],
  // Connections created and deleted in the console go to the operation log.
  // Which plugins a tenant has (tenant-plugins): a disabled plugin's channel types are unavailable there.
  dependencies: ['audit', 'tenant-plugins'],
  provides: [
    createServiceFactory({
      service: channelsServiceRef,
      deps: {
        db: kernelServices.moduleDatabase,
        contributions: kernelServices.contributions,
        secretBox: kernelServices.secretBox,
        logger: kernelServices.logger,
        enablement: pluginEnablementRef,
      },
      factory: ({ db, contributions, secretBox, logger, enablement }) =>
        new ChannelsService(new ChannelsRepo(db), contributions, secretBox, logger, enablement),
    }),
    // What plugins see of channels: read access (their own pages about one channel), and the
    // settings of their own channel types' channels — per plugin, so the service knows who asks.
    createServiceFactory({
      service: coreServices.channels,
      scope: 'consumer',
      deps: { channels: channelsServiceRef },
      factory: ({ channels }, consumer): PluginChannels => ({
        get: (tenantId, channelId, type) => channels.get(tenantId, channelId, type),
        settings: (tenantId, channelId) => channels.settingsFor(consumer.id, tenantId, channelId),
      }),
    }),
  ],
  register({ registerInit }) {
    registerInit({
      deps: {
        http: httpExtensionPoint,
        home: homeExtensionPoint,
        permissions: permissionsExtensionPoint,
        channels: channelsServiceRef,
        log: operationLogServiceRef,
        contributions: kernelServices.contributions,
        audit: auditExtensionPoint,
      },
      init({ http, home, permissions, channels, log, contributions, audit }) {
        // Until their connectors exist; a plugin adding one of these ids becomes its owner (ADR 0038).
        for (const userIdType of unconnectedUserIdTypes) contributions.addProvisionalUserIdType('channels', userIdType);
        // 连接设置 saved in the console (ADR 0039): which fields changed, never a value.
        audit.addOperations([
          { objectType: 'channel', operation: 'editSettings', label: { 'zh-CN': '修改连接设置', 'en-US': 'Edit settings' } },
        ]);
        // 连接管理's rows of the permission matrix (connections.view/edit/delete).
        permissions.addFeature({ id: 'connections' });
        home.addCounter({ key: 'connections', count: (tenantId) => channels.count(tenantId) });
        http.addRoutes(channelsRoutes(channels, log));
      },
    });
  },
});
