import { defineModule } from '../../kernel/define-module.js';
import { createServiceFactory } from '../../kernel/extension-point.js';
import { httpExtensionPoint } from '../../kernel/extension-points.js';
import { kernelServices } from '../../kernel/services.js';
import { demoServiceRef } from '../demo/demo.service.js';
import { staffServiceRef } from '../staff/staff.service.js';
import { tenantServiceRef } from '../tenancy/tenant.service.js';
import { setupRoutes } from './setup.routes.js';
import { SetupService, setupServiceRef } from './setup.service.js';

/** First run (§1.2.1) and new tenants with their first super staff (`huiliu admin create`). */
export const setupModule = defineModule({
  id: 'setup',
  title: { 'zh-CN': '首次使用', 'en-US': 'First run' },
  tables: [],
  dependencies: ['tenancy', 'staff', 'demo'],
  provides: [
    createServiceFactory({
      service: setupServiceRef,
      deps: { db: kernelServices.moduleDatabase, tenants: tenantServiceRef, staff: staffServiceRef, demo: demoServiceRef },
      factory: ({ db, tenants, staff, demo }) => new SetupService(db, tenants, staff, demo),
    }),
  ],
  register({ registerInit }) {
    registerInit({
      deps: { http: httpExtensionPoint, setup: setupServiceRef },
      init({ http, setup }) {
        http.addRoutes(setupRoutes(setup));
      },
    });
  },
});
