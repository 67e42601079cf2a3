import { defineModule } from '../../kernel/define-module.js';
import { createServiceFactory } from '../../kernel/extension-point.js';
import { httpExtensionPoint } from '../../kernel/extension-points.js';
import { kernelServices } from '../../kernel/services.js';
import { tenantServiceRef } from '../tenancy/tenant.service.js';
import { noMemberships } from './catalogue.js';
import { conditionsRoutes } from './conditions.routes.js';
import { ConditionsService, conditionsServiceRef } from './conditions.service.js';

/**
 * 筛选条件 (§3.3, §1.5.1): the condition engine every filter goes through — validation, one SQL
 * statement per tree, estimates. Owns no tables: it reads the analytics store; through the
 * module-only `conditions.memberships` extension point the groups and tags module tells it their
 * active versions (`setMembershipSource`) and the metadata module what a tree may name
 * (`setMetadataSource`; without it, the tenant's analytics declaration).
 */
export const conditionsModule = defineModule({
  id: 'conditions',
  title: { 'zh-CN': '筛选条件', 'en-US': 'Conditions' },
  tables: [],
  dependencies: ['tenancy'],
  provides: [
    createServiceFactory({
      service: conditionsServiceRef,
      deps: { olap: kernelServices.olap, tenants: tenantServiceRef, contributions: kernelServices.contributions },
      // The source is read on each use: the module that sets it registers after this service is made.
      factory: ({ olap, tenants, contributions }) =>
        new ConditionsService(
          olap,
          tenants,
          () => contributions.membershipSource?.definition ?? noMemberships,
          () => contributions.metadataSource?.definition,
        ),
    }),
  ],
  register({ registerInit }) {
    registerInit({
      deps: { http: httpExtensionPoint, conditions: conditionsServiceRef },
      init({ http, conditions }) {
        http.addRoutes(conditionsRoutes(conditions));
      },
    });
  },
});
