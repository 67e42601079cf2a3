import { api } from './client';
import type { Notification, NotificationPage } from './types';

export const NOTIFICATIONS_PAGE_SIZE_MAX = 100;

/** Every notification query starts with this key: invalidate it after a change. */
export const notificationsQueryKey = ['notifications'] as const;
/** The header bell: the latest notifications and the unread count. */
export const latestNotificationsQueryKey = ['notifications', 'latest'] as const;
export const notificationListQueryKey = (query: { page: number; pageSize: number; unread: boolean }) =>
  ['notifications', 'list', query] as const;

/** The caller's notifications, newest first, with the unread count (`unread: true`: unread ones only). */
export function listNotifications(query: { page: number; pageSize: number; unread?: boolean }): Promise<NotificationPage> {
  return api.get<NotificationPage>('/api/v1/notifications', {
    query: {
      page: query.page,
      pageSize: Math.min(query.pageSize, NOTIFICATIONS_PAGE_SIZE_MAX),
      unread: query.unread ? true : undefined,
    },
  });
}

export function markNotificationRead(notificationId: string): Promise<Notification> {
  return api.post<Notification>(`/api/v1/notifications/${encodeURIComponent(notificationId)}/read`);
}

export function markAllNotificationsRead(): Promise<{ updated: number }> {
  return api.post<{ updated: number }>('/api/v1/notifications/read-all');
}

/**
 * Where a result file downloads from: a plain same-origin link (the session cookie goes along;
 * the server answers with Content-Disposition: attachment). Expired files answer 410 JSON, so
 * they get no link.
 */
export function fileDownloadUrl(fileId: string): string {
  return `/api/v1/files/${encodeURIComponent(fileId)}`;
}
