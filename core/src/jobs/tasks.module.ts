import { defineModule } from '../kernel/define-module.js';
import { createServiceFactory, createServiceRef } from '../kernel/extension-point.js';
import { httpExtensionPoint, permissionsExtensionPoint } from '../kernel/extension-points.js';
import { coreServices, kernelServices, type PluginTasks } from '../kernel/services.js';
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
  provides: [
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
      },
      factory: ({ queue, kinds, contributions, logger }) =>
        new TaskWorker(queue, kinds, logger, {
          // Embedded: this process holds the OLAP store; scaled: every worker reaches StarRocks.
          hasOlap: true,
          onFinished: async (task) => {
            for (const { definition: listener } of contributions.taskFinishedListeners) await listener(task);
          },
        }),
    }),
    // What plugins may do with tasks: enqueue their own kinds.
    createServiceFactory({
      service: coreServices.tasks,
      scope: 'consumer',
      deps: { queue: taskQueueRef },
      factory: ({ queue }, consumer): PluginTasks => ({
        enqueue: async (tenantId, kind, payload, options = {}) => {
          if (!kind.startsWith(`${consumer.id}.`)) throw new Error(`Plugin "${consumer.id}" may enqueue only its own task kinds`);
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
