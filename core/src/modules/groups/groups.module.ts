import { defineModule } from '../../kernel/define-module.js';
import { createServiceFactory } from '../../kernel/extension-point.js';
import {
  conditionsExtensionPoint,
  contactsExtensionPoint,
  httpExtensionPoint,
  permissionsExtensionPoint,
  schedulerExtensionPoint,
  tasksExtensionPoint,
} from '../../kernel/extension-points.js';
import { batchLoadedTopic, groupMembershipChangedTopic } from '../../kernel/event-bus.js';
import { coreServices, kernelServices } from '../../kernel/services.js';
import { taskQueueRef } from '../../jobs/task-queue.js';
import { channelsServiceRef } from '../channels/channels.service.js';
import { conditionsServiceRef } from '../conditions/conditions.service.js';
import { contactExportsServiceRef } from '../contact-exports/contact-exports.service.js';
import { contactImportsServiceRef } from '../contact-imports/contact-imports.service.js';
import { contactsServiceRef } from '../contacts/contacts.service.js';
import { contactDetailServiceRef } from '../contacts/detail.service.js';
import { contactListServiceRef } from '../contacts/list.service.js';
import { GroupsRepo } from './groups.repo.js';
import { groupsApiRoutes, groupsRoutes } from './groups.routes.js';
import { GroupsService, groupsServiceRef } from './groups.service.js';
import { DAILY_CRON, GROUP_COMPUTE_TASK, GROUP_REALTIME_TASK, REALTIME_SWEEP_CRON, STATIC_SYNC_CRON } from './groups.types.js';

/**
 * 用户群组 (seed §1.5, SPEC §4, ADR 0044): dynamic groups computed into OLAP versions through their
 * status machine, static groups mastered in OLTP and copied to OLAP, directories, the Open API's
 * group calls (§2.1.4). It plugs into the condition engine (group source), the contact detail
 * (groups provider), the batch edit (static-group sink), merges and erasures.
 */
export const groupsModule = defineModule({
  id: 'groups',
  title: { 'zh-CN': '用户群组', 'en-US': 'Groups' },
  tables: ['group_folder', 'user_group', 'group_version', 'group_static_member'],
  dependencies: ['contacts', 'conditions', 'contact-exports', 'contactImports', 'channels', 'tasks'],
  provides: [
    createServiceFactory({
      service: groupsServiceRef,
      deps: {
        db: kernelServices.moduleDatabase,
        olap: kernelServices.olap,
        logger: kernelServices.logger,
        conditions: conditionsServiceRef,
        contacts: contactsServiceRef,
        list: contactListServiceRef,
        exports: contactExportsServiceRef,
        channels: channelsServiceRef,
        queue: taskQueueRef,
      },
      factory: ({ db, ...deps }) => new GroupsService(new GroupsRepo(db), deps),
    }),
  ],
  register({ registerInit }) {
    registerInit({
      deps: {
        http: httpExtensionPoint,
        jobs: schedulerExtensionPoint,
        tasks: tasksExtensionPoint,
        permissions: permissionsExtensionPoint,
        conditions: conditionsExtensionPoint,
        lifecycle: contactsExtensionPoint,
        groups: groupsServiceRef,
        contacts: contactsServiceRef,
        detail: contactDetailServiceRef,
        imports: contactImportsServiceRef,
        events: coreServices.eventBus,
      },
      init({ http, jobs, tasks, permissions, conditions, lifecycle, groups, contacts, detail, imports, events }) {
        // 群组 and 群组目录 rows of the permission matrix; the Open API's scopes.
        permissions.addFeature({ id: 'groups' });
        permissions.addPermissions([
          { id: 'groups.read', openApi: true, appOnly: true },
          { id: 'groups.write', openApi: true, appOnly: true },
        ]);
        conditions.setGroupSource(groups);
        // Dynamic groups whose conditions name a group or a tag keep it from being deleted (ADR 0050).
        conditions.addUsageCheck({
          kind: 'group',
          code: 'group_in_use',
          users: (tenantId, id) => groups.dynamicGroupsUsing(tenantId, 'group', id),
        });
        conditions.addUsageCheck({
          kind: 'tag',
          code: 'tag_in_use_by_group',
          users: (tenantId, id) => groups.dynamicGroupsUsing(tenantId, 'tag', id),
        });
        detail.setGroupsProvider(groups);
        imports.setStaticGroupSink(groups);
        contacts.onMerge((merge) => groups.onMerge(merge));
        lifecycle.onContactErased((event) => groups.onContactErased(event));
        // Internal work: a computation reaches no notification (its status is on the group).
        jobs.addTaskKind({
          kind: GROUP_COMPUTE_TASK,
          notifies: false,
          needsOlap: true,
          maxAttempts: 3,
          run: (context) => groups.runCompute(context),
        });
        tasks.onTaskFinished((task) => groups.computeEnded(task));
        // Real-time groups (ADR 0048): each load batch's contacts are queued for evaluation (ingestion
        // does not wait); a failed round is retried as a task; entered / left contacts are published.
        groups.realtime.publish = (change) => events.publish(groupMembershipChangedTopic, change);
        events.subscribe(batchLoadedTopic, ({ tenantId, contactIds }) => groups.realtime.enqueue(tenantId, contactIds));
        jobs.addTaskKind({
          kind: GROUP_REALTIME_TASK,
          notifies: false,
          needsOlap: true,
          maxAttempts: 5,
          run: (context) => groups.realtime.runTask(context),
        });
        jobs.addSchedule({
          key: 'daily-update',
          cron: DAILY_CRON,
          description: '每天凌晨自动更新 (seed §1.5.1.2.1): recompute every daily dynamic group after midnight, tenant time',
          run: async ({ tenantId }) => void (await groups.runDaily(tenantId)),
        });
        jobs.addSchedule({
          key: 'static-sync',
          cron: STATIC_SYNC_CRON,
          description:
            'Static groups whose OLAP copy is behind the OLTP master (a crash between the two writes) are copied again',
          run: async ({ tenantId }) => void (await groups.syncBehind(tenantId)),
        });
        jobs.addSchedule({
          key: 'realtime-sweep',
          cron: REALTIME_SWEEP_CRON,
          description:
            'Real-time groups re-evaluated whole every 10 minutes: relative-time conditions move without events (ADR 0048)',
          run: async ({ tenantId }) => void (await groups.realtime.sweep(tenantId)),
        });
        http.addRoutes(groupsRoutes(groups));
        http.addRoutes(groupsApiRoutes(groups));
        // A stopping process lets the real-time queue drain before OLAP closes (the sweep catches up the rest).
        return { stop: () => groups.realtime.stop() };
      },
    });
  },
});
