import { defineModule } from '../kernel/define-module.js';
import { createServiceFactory, createServiceRef } from '../kernel/extension-point.js';
import { httpExtensionPoint, permissionsExtensionPoint } from '../kernel/extension-points.js';
import { coreServices, kernelServices, type PluginTasks } from '../kernel/services.js';
import { pluginEnablementRef } from '../modules/tenant-plugins/plugin-enablement.js';
import { ForbiddenError } from '../server/errors.js';
import { WorkerPool, workerPoolRef } from './pool.js';
import { TaskKinds, taskKindsRef } from './task-kinds.js';
import { TaskMutex, taskMutexRef } from './task-mutex.js';
import { TaskQueue, taskQueueRef } from './task-queue.js';
import { tasksRoutes } from './tasks.routes.js';
import { TaskWorker } from './worker.js';

export const taskWorkerRef = createServiceRef<TaskWorker>({ id: 'tasks.worker' });

/**
 * Durable tasks (ARCHITECTURE §7): the task table, its worker in this process, "one at a time"
 * mutexes, and the task API (设置 → 通知中心 → 任务).
 */
export const tasksModule = defineModule({
  id: 'tasks',
  title: { 'zh-CN': '任务', 'en-US': 'Tasks' },
  tables: ['task', 'task_mutex'],
  // A plugin's tasks do not run for a tenant it is disabled for (ADR 0041).
  dependencies: ['tenant-plugins'],
  provides: [
    // The piscina pool for pure CPU-heavy work (xlsx parsing…); threads start on first use, the app closes it.
    createServiceFactory({ service: workerPoolRef, factory: () => new WorkerPool(1) }),
    createServiceFactory({
      service: taskKindsRef,
      deps: { contributions: kernelServices.contributions },
      factory: ({ contributions }) => new TaskKinds(contributions),
    }),
    createServiceFactory({
      service: taskQueueRef,
      deps: { db: kernelServices.moduleDatabase, kinds: taskKindsRef },
      factory: ({ db, kinds }) => new TaskQueue(db, kinds),
    }),
    createServiceFactory({
      service: taskMutexRef,
      deps: { db: kernelServices.moduleDatabase },
      factory: ({ db }) => new TaskMutex(db),
    }),
    createServiceFactory({
      service: taskWorkerRef,
      deps: {
        queue: taskQueueRef,
        kinds: taskKindsRef,
        contributions: kernelServices.contributions,
        logger: kernelServices.logger,
        enablement: pluginEnablementRef,
      },
      factory: ({ queue, kinds, contributions, logger, enablement }) =>
        new TaskWorker(queue, kinds, logger, {
          // Embedded: this process holds the OLAP store; scaled: every worker reaches StarRocks.
          hasOlap: true,
          onFinished: async (task) => {
            for (const { definition: listener } of contributions.taskFinishedListeners) await listener(task);
          },
          // A task of a plugin disabled for its tenant fails `plugin_disabled` instead of running (ADR 0041).
          refuse: async (task) => {
            const owner = contributions.taskKinds.get(task.kind)?.pluginId;
            if (!owner || (await enablement.isEnabled(task.tenantId, owner))) return null;
            return { code: 'plugin_disabled', message: `The plugin ${owner} is disabled for this tenant` };
          },
        }),
    }),
    // What plugins may do with tasks: enqueue their own kinds.
    createServiceFactory({
      service: coreServices.tasks,
      scope: 'consumer',
      deps: { queue: taskQueueRef, enablement: pluginEnablementRef },
      factory: ({ queue, enablement }, consumer): PluginTasks => ({
        enqueue: async (tenantId, kind, payload, options = {}) => {
          if (!kind.startsWith(`${consumer.id}.`)) throw new Error(`Plugin "${consumer.id}" may enqueue only its own task kinds`);
          if (!(await enablement.isEnabled(tenantId, consumer.id))) {
            throw new ForbiddenError('plugin_disabled', { plugin: consumer.id });
          }
          const task = await queue.enqueue(tenantId, kind, payload, options);
          return { id: task!.id, status: task!.status };
        },
      }),
    }),
  ],
  register({ registerInit }) {
    registerInit({
      deps: { http: httpExtensionPoint, permissions: permissionsExtensionPoint, queue: taskQueueRef, kinds: taskKindsRef },
      init({ http, permissions, queue, kinds }) {
        permissions.addPermissions([
          { id: 'tasks.view', fixed: true, openApi: true, label: { 'zh-CN': '任务-查看', 'en-US': 'Tasks — view' } },
          // Stopping someone's import or export is more than looking at it: a core right beyond the seed's tables.
          { id: 'tasks.cancel', label: { 'zh-CN': '任务-取消', 'en-US': 'Tasks — cancel' } },
        ]);
        http.addRoutes(tasksRoutes(queue, kinds));
      },
    });
  },
});
