import { defineModule } from '../../kernel/define-module.js';
import { createServiceFactory } from '../../kernel/extension-point.js';
import { coreServices, kernelServices, type PluginTenantEnablement } from '../../kernel/services.js';
import { ForbiddenError } from '../../server/errors.js';
import { tenantServiceRef } from '../tenancy/tenant.service.js';
import { PluginEnablement, pluginEnablementRef, type EnablementPlugin } from './plugin-enablement.js';
import { TenantPluginsRepo } from './tenant-plugins.repo.js';

/**
 * Per-tenant plugin enablement (ADR 0041): which plugins each tenant has, switched by platform
 * operators (`huiliu admin plugins`). Channels, staff, apps, tasks and the scheduler ask it; the
 * route layer answers a disabled plugin's routes 403 `plugin_disabled`.
 */
export const tenantPluginsModule = defineModule({
  id: 'tenant-plugins',
  title: { 'zh-CN': '租户插件', 'en-US': 'Tenant plugins' },
  tables: ['tenant_plugin'],
  dependencies: ['tenancy'],
  provides: [
    createServiceFactory({
      service: pluginEnablementRef,
      deps: {
        db: kernelServices.moduleDatabase,
        tenants: tenantServiceRef,
        plugins: kernelServices.plugins,
        contributions: kernelServices.contributions,
        permissions: kernelServices.permissions,
      },
      factory: ({ db, tenants, plugins, contributions, permissions }) => {
        // The loaded plugins, read once they are all loaded (the first question comes at run time).
        let loaded: EnablementPlugin[] | undefined;
        const catalog = () =>
          (loaded ??= plugins
            .list()
            .filter((plugin) => plugin.id !== 'core')
            .map((plugin) => ({
              id: plugin.id,
              dependencies: Object.keys(plugin.dependencies),
              defaultEnabled: plugin.defaultEnabled,
            })));
        return new PluginEnablement(new TenantPluginsRepo(db), tenants, catalog, { contributions, permissions });
      },
    }),
    // What a plugin asks about itself: is it enabled for this tenant (public routes, background work)?
    createServiceFactory({
      service: coreServices.tenantPlugins,
      scope: 'consumer',
      deps: { enablement: pluginEnablementRef },
      factory: ({ enablement }, consumer): PluginTenantEnablement => ({
        isEnabled: (tenantId) => enablement.isEnabled(tenantId, consumer.id),
        assertEnabled: async (tenantId) => {
          if (!(await enablement.isEnabled(tenantId, consumer.id))) {
            throw new ForbiddenError('plugin_disabled', { plugin: consumer.id });
          }
        },
      }),
    }),
  ],
  register({ registerInit }) {
    registerInit({ deps: {}, init() {} });
  },
});
