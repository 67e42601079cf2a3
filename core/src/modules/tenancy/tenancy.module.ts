import { defineModule } from '../../kernel/define-module.js';
import { createServiceFactory } from '../../kernel/extension-point.js';
import { httpExtensionPoint, permissionsExtensionPoint } from '../../kernel/extension-points.js';
import { kernelServices } from '../../kernel/services.js';
import { tenancyRoutes } from './tenancy.routes.js';
import { TenantRepo } from './tenant.repo.js';
import { TenantService, tenantServiceRef } from './tenant.service.js';

/** Tenants (租户): name and time zone (§1.2); every other module's rows belong to one. */
export const tenancyModule = defineModule({
  id: 'tenancy',
  title: { 'zh-CN': '租户', 'en-US': 'Tenant' },
  tables: ['tenant'],
  provides: [
    createServiceFactory({
      service: tenantServiceRef,
      deps: { db: kernelServices.moduleDatabase },
      factory: ({ db }) => new TenantService(new TenantRepo(db)),
    }),
  ],
  register({ registerInit }) {
    registerInit({
      deps: { http: httpExtensionPoint, permissions: permissionsExtensionPoint, tenants: tenantServiceRef },
      init({ http, permissions, tenants }) {
        permissions.addPermissions([
          { id: 'tenant.view', fixed: true, openApi: true, label: { 'zh-CN': '租户-查看', 'en-US': 'Tenant — view' } },
          { id: 'tenant.edit', superOnly: true, label: { 'zh-CN': '租户-编辑', 'en-US': 'Tenant — edit' } },
        ]);
        http.addRoutes(tenancyRoutes(tenants));
      },
    });
  },
});
