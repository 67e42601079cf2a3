import { defineModule } from '../../kernel/define-module.js';
import { httpExtensionPoint, permissionsExtensionPoint } from '../../kernel/extension-points.js';
import { kernelServices } from '../../kernel/services.js';
import { contactUsageServiceRef } from '../contacts/usage.js';
import { maskingServiceRef } from '../masking/masking.service.js';
import { metadataServiceRef } from '../metadata/metadata.service.js';
import { tenantServiceRef } from '../tenancy/tenant.service.js';
import { HomeRepo } from './home.repo.js';
import { homeRoutes } from './home.routes.js';
import { HomeService } from './home.service.js';

/**
 * 首页 (§1.2.3) and 使用情况 (§1.11.5, ADR 0036): version, tenant and expiry, contacts, the counters
 * modules and plugins contribute through `home.counters`, the tenant's event timeline with each staff
 * member's 显示设置 (its own table), tracked users (TU) and events per month.
 */
export const homeModule = defineModule({
  id: 'home',
  title: { 'zh-CN': '首页', 'en-US': 'Home' },
  tables: ['home_display_setting'],
  // Contact counts and names (contacts), names masked per caller (masking), event names (metadata).
  dependencies: ['tenancy', 'contacts', 'masking', 'metadata'],
  register({ registerInit }) {
    registerInit({
      deps: {
        http: httpExtensionPoint,
        permissions: permissionsExtensionPoint,
        tenants: tenantServiceRef,
        contributions: kernelServices.contributions,
        version: kernelServices.version,
        db: kernelServices.moduleDatabase,
        olap: kernelServices.olap,
        contacts: contactUsageServiceRef,
        masking: maskingServiceRef,
        metadata: metadataServiceRef,
      },
      init({ http, permissions, tenants, contributions, version, db, olap, contacts, masking, metadata }) {
        permissions.addPermissions([{ id: 'home.view', fixed: true, label: { 'zh-CN': '首页-查看', 'en-US': 'Home — view' } }]);
        // 设置 › 使用情况's row of the permission matrix (settings.usage).
        permissions.addFeature({ id: 'usage' });
        const home = new HomeService(tenants, contributions, version, contacts, metadata, olap, new HomeRepo(db));
        http.addRoutes(homeRoutes(home, masking));
      },
    });
  },
});
