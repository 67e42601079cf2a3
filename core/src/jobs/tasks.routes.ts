import Joi from 'joi';
import type { PluginRoute } from '../kernel/contributions.js';
import { moduleRoute } from '../server/route.js';
import { principalOf } from '../server/principal.js';
import { NotFoundError } from '../server/errors.js';
import { epochMs, id, idParams, pageQueryWith } from '../server/schemas.js';
import type { TaskKinds } from './task-kinds.js';
import type { TaskQueue } from './task-queue.js';
import type { Principal } from '../server/principal.js';
import type { Task, TaskStatus } from './task.types.js';

/**
 * A task's payload holds what its creator typed (an export's filter values, file names): staff see it
 * on their own tasks, super staff on all; other staff get `{}` (the filter of an unmasked colleague may
 * hold a masked field's value). Open API apps see the payloads of the kinds they may list.
 */
function shown(principal: Principal, task: Task): Task {
  if (principal.kind === 'app') return task;
  if (principal.kind === 'staff' && (principal.isSuper || task.createdBy === principal.staffId)) return task;
  return { ...task, payload: {} };
}

const taskSchema = Joi.object({
  id: id().required(),
  tenantId: id().required(),
  kind: Joi.string().required(),
  payload: Joi.object().unknown(true).label('TaskPayload').required(),
  status: Joi.string().valid('queued', 'running', 'succeeded', 'failed', 'cancelled').label('TaskStatus').required(),
  attempts: Joi.number().integer().required(),
  maxAttempts: Joi.number().integer().required(),
  progress: Joi.number().integer().required(),
  result: Joi.object().unknown(true).label('TaskResult').allow(null).required(),
  error: Joi.object().unknown(true).label('TaskError').allow(null).required(),
  runAt: epochMs().required(),
  scheduleKey: Joi.string().allow(null).required(),
  dueAt: epochMs().allow(null).required(),
  createdBy: id().allow(null).required(),
  startedAt: epochMs().allow(null).required(),
  finishedAt: epochMs().allow(null).required(),
  createdAt: epochMs().required(),
  updatedAt: epochMs().required(),
}).label('Task');

export function tasksRoutes(tasks: TaskQueue, taskKinds: TaskKinds): PluginRoute[] {
  /** Task kinds operators follow (they notify); the others are internal work. */
  const visibleKinds = () =>
    taskKinds
      .all()
      .filter((k) => k.notifies)
      .map((k) => k.kind);
  return [
    moduleRoute({
      method: 'GET',
      path: '/api/v1/tasks',
      access: { permission: 'tasks.view', callers: 'any' },
      options: {
        description: '任务列表 / Long-running tasks of the tenant (imports, exports, syncs…), newest first',
        validate: {
          query: pageQueryWith<{ kind?: string; status?: TaskStatus; all: boolean }>({
            kind: Joi.string().max(100),
            status: Joi.string().valid('queued', 'running', 'succeeded', 'failed', 'cancelled'),
            all: Joi.boolean().default(false).description('include internal tasks (scheduler firings, journey steps)'),
          }),
        },
        response: {
          schema: Joi.object({
            items: Joi.array().items(taskSchema).label('TaskPageItems').required(),
            total: Joi.number().integer().required(),
            page: Joi.number().integer().required(),
            pageSize: Joi.number().integer().required(),
          }).label('TaskPage'),
        },
      },
      handler: async (request) => {
        const query = request.query;
        const principal = principalOf(request);
        // Open API apps never see internal tasks (scheduler firings, journey steps) nor their payloads.
        if (principal.kind === 'app') {
          const kinds = visibleKinds().filter((kind) => !query.kind || kind === query.kind);
          return tasks.list(principal.tenantId, { ...query, kind: undefined, kinds });
        }
        // Operators see their long work (kinds that notify); internal work only when asked for.
        const kinds = query.kind || query.all ? undefined : visibleKinds();
        const page = await tasks.list(principal.tenantId, { ...query, kinds });
        return { ...page, items: page.items.map((task) => shown(principal, task)) };
      },
    }),
    moduleRoute({
      method: 'GET',
      path: '/api/v1/tasks/{taskId}',
      access: { permission: 'tasks.view', callers: 'any' },
      options: {
        description: '任务详情 / One task with its progress and result',
        validate: { params: idParams('taskId') },
        response: { schema: taskSchema },
      },
      handler: async (request) => {
        const principal = principalOf(request);
        const task = await tasks.get(principal.tenantId, request.params.taskId);
        if (principal.kind === 'app' && !visibleKinds().includes(task.kind)) throw new NotFoundError('task_not_found');
        return shown(principal, task);
      },
    }),
    moduleRoute({
      method: 'POST',
      path: '/api/v1/tasks/{taskId}/cancel',
      access: { permission: 'tasks.cancel', callers: 'any' },
      options: {
        description: '取消任务 / Cancel a queued task, or ask a running one to stop',
        validate: { params: idParams('taskId') },
        response: { schema: taskSchema },
      },
      handler: async (request) => {
        const principal = principalOf(request);
        return shown(principal, await tasks.cancel(principal.tenantId, request.params.taskId));
      },
    }),
  ];
}
