import Joi from 'joi';
import type { ServerRoute } from '@hapi/hapi';
import type { DependencyContainer } from 'tsyringe';
import { TaskKinds } from '../../jobs/task-kinds.js';
import { TaskQueue } from '../../jobs/task-queue.js';
import type { TaskStatus } from '../../jobs/task.types.js';
import { defineRoute } from '../../server/route.js';
import { principalOf, staffOf } from '../../server/principal.js';
import { epochMs, id, pageQuery, type PageQuery } from '../../server/schemas.js';
import { attachmentDisposition } from '../../lib/content-disposition.js';
import { FilesService } from '../files/files.service.js';
import { NotificationsService } from './notifications.service.js';

const fileSchema = Joi.object({
  id: id().required(),
  name: Joi.string().required(),
  contentType: Joi.string().required(),
  size: Joi.number().integer().required(),
  taskId: id().allow(null).required(),
  expiresAt: epochMs().allow(null).required(),
  createdAt: epochMs().required(),
  expired: Joi.boolean(),
}).label('StoredFile');

const notificationSchema = Joi.object({
  id: id().required(),
  kind: Joi.string().required(),
  level: Joi.string().valid('success', 'error').required(),
  taskId: id().allow(null).required(),
  counts: Joi.object().pattern(Joi.string(), Joi.number()).required(),
  files: Joi.array().items(fileSchema).required(),
  error: Joi.object({ code: Joi.string().required(), message: Joi.string().allow('').required() })
    .allow(null)
    .required(),
  readAt: epochMs().allow(null).required(),
  createdAt: epochMs().required(),
}).label('Notification');

const taskSchema = Joi.object({
  id: id().required(),
  tenantId: id().required(),
  kind: Joi.string().required(),
  payload: Joi.object().unknown(true).required(),
  status: Joi.string().valid('queued', 'running', 'succeeded', 'failed', 'cancelled').required(),
  attempts: Joi.number().integer().required(),
  maxAttempts: Joi.number().integer().required(),
  progress: Joi.number().integer().required(),
  result: Joi.object().unknown(true).allow(null).required(),
  error: Joi.object().unknown(true).allow(null).required(),
  runAt: epochMs().required(),
  scheduleKey: Joi.string().allow(null).required(),
  dueAt: epochMs().allow(null).required(),
  createdBy: id().allow(null).required(),
  startedAt: epochMs().allow(null).required(),
  finishedAt: epochMs().allow(null).required(),
  createdAt: epochMs().required(),
  updatedAt: epochMs().required(),
}).label('Task');

export function notificationsRoutes(container: DependencyContainer): ServerRoute[] {
  const notifications = container.resolve(NotificationsService);
  const files = container.resolve(FilesService);
  const tasks = container.resolve(TaskQueue);
  const taskKinds = container.resolve(TaskKinds);
  const notificationParams = Joi.object({ notificationId: id().required() });
  return [
    defineRoute({
      method: 'GET',
      path: '/api/v1/notifications',
      access: { permission: 'authenticated' },
      options: {
        description: 'The notification center: results of the caller’s imports, exports, syncs and deletions',
        validate: { query: (pageQuery as Joi.ObjectSchema).keys({ unread: Joi.boolean().default(false) }) },
        response: {
          schema: Joi.object({
            items: Joi.array().items(notificationSchema).required(),
            total: Joi.number().integer().required(),
            page: Joi.number().integer().required(),
            pageSize: Joi.number().integer().required(),
            unread: Joi.number().integer().required(),
          }).label('NotificationPage'),
        },
      },
      handler: (request) => {
        const principal = staffOf(request);
        const query = request.query as unknown as PageQuery & { unread: boolean };
        return notifications.list(principal.tenantId, principal.staffId, { ...query, unreadOnly: query.unread });
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/notifications/{notificationId}/read',
      access: { permission: 'authenticated' },
      options: {
        description: 'Mark a notification read',
        validate: { params: notificationParams },
        response: { schema: notificationSchema },
      },
      handler: (request) => {
        const principal = staffOf(request);
        return notifications.markRead(principal.tenantId, principal.staffId, request.params.notificationId as string);
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/notifications/read-all',
      access: { permission: 'authenticated' },
      options: {
        description: 'Mark every notification read',
        response: { schema: Joi.object({ updated: Joi.number().integer() }) },
      },
      handler: async (request) => {
        const principal = staffOf(request);
        return { updated: await notifications.markAllRead(principal.tenantId, principal.staffId) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/files/{fileId}',
      access: { permission: 'authenticated', callers: 'any' },
      options: {
        description: 'Download a result file (exports are kept 3 days; an expired file answers 410 file_expired)',
        validate: { params: Joi.object({ fileId: id().required() }) },
      },
      handler: async (request, h) => {
        const { file, path } = await files.open(principalOf(request).tenantId, request.params.fileId as string);
        return h
          .file(path, { confine: files.root })
          .type(file.contentType)
          .header('content-disposition', attachmentDisposition(file.name))
          .header('cache-control', 'private, no-store');
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/tasks',
      access: { permission: 'tasks.view', callers: 'any' },
      options: {
        description: 'Long-running tasks of the tenant (imports, exports, syncs…), newest first',
        validate: {
          query: (pageQuery as Joi.ObjectSchema).keys({
            kind: Joi.string().max(100),
            status: Joi.string().valid('queued', 'running', 'succeeded', 'failed', 'cancelled'),
            all: Joi.boolean().default(false).description('include internal tasks (scheduler firings, journey steps)'),
          }),
        },
        response: {
          schema: Joi.object({
            items: Joi.array().items(taskSchema).required(),
            total: Joi.number().integer().required(),
            page: Joi.number().integer().required(),
            pageSize: Joi.number().integer().required(),
          }).label('TaskPage'),
        },
      },
      handler: (request) => {
        const query = request.query as { page: number; pageSize: number; kind?: string; status?: TaskStatus; all: boolean };
        // Operators see their long work (kinds that notify); internal work only when asked for.
        const kinds =
          query.kind || query.all
            ? undefined
            : taskKinds
                .all()
                .filter((k) => k.notifies)
                .map((k) => k.kind);
        return tasks.list(principalOf(request).tenantId, { ...query, kinds });
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/tasks/{taskId}',
      access: { permission: 'tasks.view', callers: 'any' },
      options: {
        description: 'One task with its progress and result',
        validate: { params: Joi.object({ taskId: id().required() }) },
        response: { schema: taskSchema },
      },
      handler: (request) => tasks.get(principalOf(request).tenantId, request.params.taskId as string),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/tasks/{taskId}/cancel',
      access: { permission: 'tasks.view', callers: 'any' },
      options: {
        description: 'Cancel a queued task, or ask a running one to stop',
        validate: { params: Joi.object({ taskId: id().required() }) },
        response: { schema: taskSchema },
      },
      handler: (request) => tasks.cancel(principalOf(request).tenantId, request.params.taskId as string),
    }),
  ];
}
