import { defineModule } from '../../kernel/define-module.js';
import { createServiceFactory } from '../../kernel/extension-point.js';
import { homeExtensionPoint, httpExtensionPoint, permissionsExtensionPoint } from '../../kernel/extension-points.js';
import { kernelServices } from '../../kernel/services.js';
import { tenantServiceRef } from '../tenancy/tenant.service.js';
import { pluginEnablementRef } from '../tenant-plugins/plugin-enablement.js';
import { AppsRepo } from './apps.repo.js';
import { appsRoutes } from './apps.routes.js';
import { AppsService, appsServiceRef } from './apps.service.js';

/** Open API apps (私有App, §4.3): appKey/appSecret → bearer tokens. */
export const appsModule = defineModule({
  id: 'apps',
  title: { 'zh-CN': '私有 App（Open API 鉴权）', 'en-US': 'Private apps (Open API authentication)' },
  tables: ['api_app', 'api_token'],
  dependencies: ['tenancy', 'tenant-plugins'],
  provides: [
    createServiceFactory({
      service: appsServiceRef,
      deps: {
        db: kernelServices.moduleDatabase,
        permissions: kernelServices.permissions,
        config: kernelServices.config,
        tenants: tenantServiceRef,
        throttle: kernelServices.throttle,
        enablement: pluginEnablementRef,
      },
      factory: ({ db, permissions, config, tenants, throttle, enablement }) =>
        new AppsService(new AppsRepo(db), permissions, config, tenants, throttle, enablement),
    }),
  ],
  register({ registerInit }) {
    registerInit({
      deps: { http: httpExtensionPoint, home: homeExtensionPoint, permissions: permissionsExtensionPoint, apps: appsServiceRef },
      init({ http, home, permissions, apps }) {
        // 设置 → App集成设置 → 私有App设置 of the permission matrix.
        permissions.addFeature({ id: 'privateApps' });
        home.addCounter({ key: 'apps', count: (tenantId) => apps.count(tenantId) });
        http.addRoutes(appsRoutes(apps));
      },
    });
  },
});
