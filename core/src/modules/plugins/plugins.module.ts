import { defineModule } from '../../kernel/define-module.js';
import { httpExtensionPoint, permissionsExtensionPoint } from '../../kernel/extension-points.js';
import { kernelServices } from '../../kernel/services.js';
import { pluginEnablementRef } from '../tenant-plugins/plugin-enablement.js';
import { pluginsRoutes } from './plugins.routes.js';

/** 设置 → 系统 → 插件: the installed plugins and what each contributes. */
export const pluginsModule = defineModule({
  id: 'plugins',
  title: { 'zh-CN': '插件', 'en-US': 'Plugins' },
  tables: [],
  dependencies: ['tenant-plugins'],
  register({ registerInit }) {
    registerInit({
      deps: {
        http: httpExtensionPoint,
        permissions: permissionsExtensionPoint,
        plugins: kernelServices.plugins,
        enablement: pluginEnablementRef,
      },
      init({ http, permissions, plugins, enablement }) {
        permissions.addPermissions([
          { id: 'plugins.view', superOnly: true, label: { 'zh-CN': '插件-查看', 'en-US': 'Plugins — view' } },
        ]);
        http.addRoutes(pluginsRoutes(plugins, enablement));
      },
    });
  },
});
