import { defineModule } from '../../kernel/define-module.js';
import { createServiceFactory } from '../../kernel/extension-point.js';
import { conditionsExtensionPoint, httpExtensionPoint } from '../../kernel/extension-points.js';
import { kernelServices } from '../../kernel/services.js';
import { conditionsServiceRef } from '../conditions/conditions.service.js';
import { groupsServiceRef } from '../groups/groups.service.js';
import { GroupSelectionsRepo } from './group-selections.repo.js';
import { groupSelectionsRoutes } from './group-selections.routes.js';
import { GroupSelectionsService, groupSelectionsServiceRef } from './group-selections.service.js';

/**
 * 互斥组 and 临时群组 (SPEC §4, seed §1.7.4.3 and §1.7.10; ADR 0049): exclusive groups (2–20 groups
 * in priority order, disjoint segments) and each staff member's temporary groups (≤ 3, ad-hoc
 * conditions), resolved to condition trees for reports (`resolveSelection`, `countSelection`).
 * It reaches groups only through the groups service, and tells the condition engine's usage checks
 * which groups are members of an exclusive group (a member cannot be deleted, ADR 0050).
 */
export const groupSelectionsModule = defineModule({
  id: 'group-selections',
  title: { 'zh-CN': '互斥组与临时群组', 'en-US': 'Exclusive and temporary groups' },
  tables: ['exclusive_group', 'exclusive_group_member', 'temporary_group'],
  dependencies: ['groups', 'conditions'],
  provides: [
    createServiceFactory({
      service: groupSelectionsServiceRef,
      deps: { db: kernelServices.moduleDatabase, groups: groupsServiceRef, conditions: conditionsServiceRef },
      factory: ({ db, ...deps }) => new GroupSelectionsService(new GroupSelectionsRepo(db), deps),
    }),
  ],
  register({ registerInit }) {
    registerInit({
      deps: { http: httpExtensionPoint, conditions: conditionsExtensionPoint, selections: groupSelectionsServiceRef },
      init({ http, conditions, selections }) {
        // A member of a live 互斥组 cannot be deleted (ADR 0049, through the usage checks of ADR 0050).
        conditions.addUsageCheck({
          kind: 'group',
          code: 'group_in_exclusive_group',
          users: (tenantId, groupId) => selections.exclusiveGroupsUsing(tenantId, groupId),
        });
        http.addRoutes(groupSelectionsRoutes(selections));
      },
    });
  },
});
