import { defineModule } from '../../kernel/define-module.js';
import { createServiceFactory } from '../../kernel/extension-point.js';
import {
  channelsExtensionPoint,
  homeExtensionPoint,
  httpExtensionPoint,
  permissionsExtensionPoint,
} from '../../kernel/extension-points.js';
import { coreServices, kernelServices, type PluginChannels } from '../../kernel/services.js';
import { operationLogServiceRef } from '../audit/operation-log.service.js';
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
  dependencies: ['audit'],
  provides: [
    createServiceFactory({
      service: channelsServiceRef,
      deps: { db: kernelServices.moduleDatabase, contributions: kernelServices.contributions },
      factory: ({ db, contributions }) => new ChannelsService(new ChannelsRepo(db), contributions),
    }),
    // What plugins see of channels: read access (their own pages about one channel).
    createServiceFactory({
      service: coreServices.channels,
      deps: { channels: channelsServiceRef },
      factory: ({ channels }): PluginChannels => ({
        get: (tenantId, channelId, type) => channels.get(tenantId, channelId, type),
      }),
    }),
  ],
  register({ registerInit }) {
    registerInit({
      deps: {
        http: httpExtensionPoint,
        home: homeExtensionPoint,
        permissions: permissionsExtensionPoint,
        channelTypes: channelsExtensionPoint,
        channels: channelsServiceRef,
        log: operationLogServiceRef,
      },
      init({ http, home, permissions, channelTypes, channels, log }) {
        for (const userIdType of unconnectedUserIdTypes) channelTypes.addUserIdType(userIdType);
        // 连接管理's rows of the permission matrix (connections.view/edit/delete).
        permissions.addFeature({ id: 'connections' });
        home.addCounter({ key: 'connections', count: (tenantId) => channels.count(tenantId) });
        http.addRoutes(channelsRoutes(channels, log));
      },
    });
  },
});
