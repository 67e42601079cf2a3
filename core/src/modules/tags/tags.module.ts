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
import { kernelServices } from '../../kernel/services.js';
import { workerPoolRef } from '../../jobs/pool.js';
import { taskQueueRef } from '../../jobs/task-queue.js';
import { conditionsServiceRef } from '../conditions/conditions.service.js';
import { contactsServiceRef } from '../contacts/contacts.service.js';
import { filesServiceRef } from '../files/files.service.js';
import { tenantServiceRef } from '../tenancy/tenant.service.js';
import { TagsRepo } from './tags.repo.js';
import { tagsRoutes } from './tags.routes.js';
import { TAG_COMPUTE_TASK, TagsService, tagsServiceRef } from './tags.service.js';

/** 每天凌晨 00:10 (tenant time): the daily tags are computed. */
export const TAGS_DAILY_CRON = '10 0 * * *';
/** 凌晨 04:30: calculation days beyond the last 50 are pruned (seed §1.6.3.3 "第二天凌晨"). */
export const TAGS_PRUNE_CRON = '30 4 * * *';

/**
 * 用户标签 (seed §1.6, SPEC §5, ADR 0045): tag folders, the seven kinds of tag and their
 * computation into OLAP's `tag_value` (one result per tenant-local day, the last 50 kept), the tag
 * status machine, reports and export; the tags' half of the condition engine's "active version"
 * interface (`setTagSource`), and the contact-erasure hook (an erased contact leaves every tag).
 */
export const tagsModule = defineModule({
  id: 'tags',
  title: { 'zh-CN': '用户标签', 'en-US': 'User tags' },
  tables: ['tag_folder', 'tag', 'tag_calc'],
  dependencies: ['conditions', 'contacts', 'files', 'tasks', 'tenancy'],
  provides: [
    createServiceFactory({
      service: tagsServiceRef,
      deps: {
        db: kernelServices.moduleDatabase,
        olap: kernelServices.olap,
        conditions: conditionsServiceRef,
        tenants: tenantServiceRef,
        contacts: contactsServiceRef,
        files: filesServiceRef,
        pool: workerPoolRef,
        queue: taskQueueRef,
        contributions: kernelServices.contributions,
        logger: kernelServices.logger,
      },
      factory: ({ db, olap, conditions, tenants, contacts, files, pool, queue, contributions, logger }) =>
        new TagsService(new TagsRepo(db), olap, conditions, tenants, contacts, files, pool, queue, contributions, logger),
    }),
  ],
  register({ registerInit }) {
    registerInit({
      deps: {
        http: httpExtensionPoint,
        jobs: schedulerExtensionPoint,
        conditions: conditionsExtensionPoint,
        permissions: permissionsExtensionPoint,
        contacts: contactsExtensionPoint,
        tasks: tasksExtensionPoint,
        tags: tagsServiceRef,
      },
      init({ http, jobs, conditions, permissions, contacts, tasks, tags }) {
        // 用户标签's rows of the permission matrix (tags.*, tagFolders.*).
        permissions.addFeature({ id: 'tags' });
        http.addRoutes(tagsRoutes(tags));
        conditions.setTagSource(tags);
        // Tags whose rules name a group or another tag keep it from being deleted (ADR 0050).
        conditions.addUsageCheck({
          kind: 'group',
          code: 'group_in_use_by_tag',
          users: (tenantId, id) => tags.tagsUsing(tenantId, 'group', id),
        });
        conditions.addUsageCheck({
          kind: 'tag',
          code: 'tag_in_use_by_tag',
          users: (tenantId, id) => tags.tagsUsing(tenantId, 'tag', id),
        });
        contacts.onContactErased((event) => tags.onContactErased(event));
        // A computation is internal work of the tag (its status shows it), not a notification.
        jobs.addTaskKind({
          kind: TAG_COMPUTE_TASK,
          notifies: false,
          needsOlap: true,
          maxAttempts: 3,
          run: (context) => tags.runTask(context),
        });
        // A computation whose last attempt died (or that was cancelled) leaves the tag 计算失败 / 失败.
        tasks.onTaskFinished((task) => tags.computeEnded(task));
        jobs.addSchedule({
          key: 'daily-compute',
          cron: TAGS_DAILY_CRON,
          description: '用户标签 每天凌晨自动更新 (seed §1.6.2): queue every daily tag whose status allows a computation',
          run: async ({ tenantId, dueAt }) => void (await tags.daily(tenantId, dueAt)),
        });
        jobs.addSchedule({
          key: 'prune',
          cron: TAGS_PRUNE_CRON,
          description: '用户标签 保留最近 50 次计算结果 (seed §1.6.3.3): prune older calculation days',
          run: async ({ tenantId }) => void (await tags.prune(tenantId)),
        });
      },
    });
  },
});
