import { defineModule } from '../../kernel/define-module.js';
import { createServiceFactory } from '../../kernel/extension-point.js';
import { httpExtensionPoint } from '../../kernel/extension-points.js';
import { kernelServices } from '../../kernel/services.js';
import { tenantServiceRef } from '../tenancy/tenant.service.js';
import { membershipSourceOf } from './catalogue.js';
import { conditionsRoutes } from './conditions.routes.js';
import { ConditionsService, conditionsServiceRef } from './conditions.service.js';

/**
 * 筛选条件 (§3.3, §1.5.1): the condition engine every filter goes through — validation, one SQL
 * statement per tree, estimates. Owns no tables: it reads the analytics store; through the
 * module-only `conditions.memberships` extension point the groups and the tags modules tell it their
 * active versions (`setGroupSource`, `setTagSource`) and the metadata module what a tree may name
 * (`setMetadataSource`; without it, the tenant's analytics declaration). Through the same point the
 * modules keeping users of groups and tags register them (`addUsageCheck`, ADR 0050): `usagesOf`
 * answers what uses a group or a tag, so neither the groups nor the tags module depends on the other.
 * The masking module tells it which contact properties a caller sees masked (`setFieldMaskSource`,
 * ADR 0069): the catalogue flags them for the builders.
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
          () => membershipSourceOf(contributions.groupSource?.definition, contributions.tagSource?.definition),
          () => contributions.metadataSource?.definition,
          () => contributions.usageChecks.map((check) => check.definition),
          () => contributions.fieldMaskSource?.definition,
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
