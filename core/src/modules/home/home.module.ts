import { defineModule } from '../../kernel/define-module.js';
import { httpExtensionPoint, permissionsExtensionPoint } from '../../kernel/extension-points.js';
import { kernelServices } from '../../kernel/services.js';
import { tenantServiceRef } from '../tenancy/tenant.service.js';
import { homeRoutes } from './home.routes.js';
import { HomeService } from './home.service.js';

/** 首页 (§1.2.3): the counters are contributed through `home.counters` by each module and plugin. */
export const homeModule = defineModule({
  id: 'home',
  title: { 'zh-CN': '首页', 'en-US': 'Home' },
  tables: [],
  dependencies: ['tenancy'],
  register({ registerInit }) {
    registerInit({
      deps: {
        http: httpExtensionPoint,
        permissions: permissionsExtensionPoint,
        tenants: tenantServiceRef,
        contributions: kernelServices.contributions,
        version: kernelServices.version,
      },
      init({ http, permissions, tenants, contributions, version }) {
        permissions.addPermissions([{ id: 'home.view', fixed: true, label: { 'zh-CN': '首页-查看', 'en-US': 'Home — view' } }]);
        http.addRoutes(homeRoutes(new HomeService(tenants, contributions, version)));
      },
    });
  },
});
