import Joi from 'joi';
import type { PluginRoute } from '../../kernel/contributions.js';
import { moduleRoute } from '../../server/route.js';
import { staffOf } from '../../server/principal.js';
import { epochMs, id, idParams, pageQueryWith } from '../../server/schemas.js';
import { fileSchema } from '../files/files.schemas.js';
import type { NotificationsService } from './notifications.service.js';

const notificationSchema = Joi.object({
  id: id().required(),
  kind: Joi.string().required(),
  level: Joi.string().valid('success', 'error').label('NotificationLevel').required(),
  taskId: id().allow(null).required(),
  counts: Joi.object().pattern(Joi.string(), Joi.number()).required(),
  files: Joi.array().items(fileSchema).label('StoredFiles').required(),
  error: Joi.object({ code: Joi.string().required(), message: Joi.string().allow('').required() })
    .label('NotificationError')
    .allow(null)
    .required(),
  readAt: epochMs().allow(null).required(),
  createdAt: epochMs().required(),
}).label('Notification');

export function notificationsRoutes(notifications: NotificationsService): PluginRoute[] {
  const notificationParams = idParams('notificationId');
  return [
    moduleRoute({
      method: 'GET',
      path: '/api/v1/notifications',
      access: { permission: 'authenticated' },
      options: {
        description: '通知列表 / The notification center: results of the caller’s imports, exports, syncs and deletions',
        validate: { query: pageQueryWith<{ unread: boolean }>({ unread: Joi.boolean().default(false) }) },
        response: {
          schema: Joi.object({
            items: Joi.array().items(notificationSchema).label('NotificationPageItems').required(),
            total: Joi.number().integer().required(),
            page: Joi.number().integer().required(),
            pageSize: Joi.number().integer().required(),
            unread: Joi.number().integer().required(),
          }).label('NotificationPage'),
        },
      },
      handler: (request) => {
        const principal = staffOf(request);
        const query = request.query;
        return notifications.list(principal.tenantId, principal.staffId, { ...query, unreadOnly: query.unread });
      },
    }),
    moduleRoute({
      method: 'POST',
      path: '/api/v1/notifications/{notificationId}/read',
      access: { permission: 'authenticated' },
      options: {
        description: '标为已读 / Mark a notification read',
        validate: { params: notificationParams },
        response: { schema: notificationSchema },
      },
      handler: (request) => {
        const principal = staffOf(request);
        return notifications.markRead(principal.tenantId, principal.staffId, request.params.notificationId);
      },
    }),
    moduleRoute({
      method: 'POST',
      path: '/api/v1/notifications/read-all',
      access: { permission: 'authenticated' },
      options: {
        description: '全部已读 / Mark every notification read',
        response: { schema: Joi.object({ updated: Joi.number().integer() }).label('ReadAllResult') },
      },
      handler: async (request) => {
        const principal = staffOf(request);
        return { updated: await notifications.markAllRead(principal.tenantId, principal.staffId) };
      },
    }),
  ];
}
