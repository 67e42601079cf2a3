import type { TaskKinds } from '../../jobs/task-kinds.js';
import type { Task } from '../../jobs/task.types.js';
import { NotFoundError } from '../../server/errors.js';
import type { FilesService, StoredFile } from '../files/files.service.js';
import type { StaffService } from '../staff/staff.service.js';
import type { NotificationRow, NotificationsRepo } from './notifications.repo.js';

export interface Notification {
  id: string;
  kind: string;
  level: 'success' | 'error';
  taskId: string | null;
  counts: Record<string, number>;
  files: (StoredFile & { expired: boolean })[];
  error: { code: string; message: string } | null;
  readAt: number | null;
  createdAt: number;
}

interface NotificationData {
  counts?: Record<string, number>;
  fileIds?: string[];
  error?: { code: string; message: string } | null;
}

/**
 * The notification center (seed: results of imports, exports, syncs, deletions): a notifying
 * task's end produces a notification for the staff member who started it (success green,
 * failure red, with counts and its result files). Notifications of system-started tasks reach
 * every enabled staff member of the tenant, one row each (their own read state).
 */
export class NotificationsService {
  constructor(
    private readonly repo: NotificationsRepo,
    private readonly kinds: TaskKinds,
    private readonly files: FilesService,
    private readonly staff: StaffService,
  ) {}

  /** Called when a task ends for good; only notifying kinds that succeeded or failed notify. */
  async fromTask(task: Task): Promise<Notification | null> {
    if (!this.kinds.get(task.kind)?.notifies || (task.status !== 'succeeded' && task.status !== 'failed')) return null;
    const data: NotificationData = {
      counts: task.result?.counts ?? {},
      fileIds: task.result?.fileIds ?? [],
      error: task.status === 'failed' && task.error ? { code: task.error.code, message: task.error.message } : null,
    };
    // A task nobody started (scheduled syncs…) notifies every enabled staff member, each with their
    // own read state.
    const recipients = task.createdBy ? [task.createdBy] : await this.staff.enabledIds(task.tenantId);
    const ids = await this.repo.insertForRecipients(task.tenantId, recipients, {
      task_id: task.id,
      kind: task.kind,
      level: task.status === 'succeeded' && task.result?.level !== 'error' ? 'success' : 'error',
      data: JSON.stringify(data),
      created_at: Date.now(),
    });
    return ids.length ? this.get(task.tenantId, recipients[0]!, ids[0]!) : null;
  }

  private async toNotification(tenantId: string, row: NotificationRow): Promise<Notification> {
    const data = JSON.parse(row.data) as NotificationData;
    const now = Date.now();
    const files = await this.files.many(tenantId, data.fileIds ?? []);
    return {
      id: String(row.id),
      kind: row.kind,
      level: row.level,
      taskId: row.task_id === null ? null : String(row.task_id),
      counts: data.counts ?? {},
      files: files.map((f) => ({ ...f, expired: f.expiresAt !== null && f.expiresAt <= now })),
      error: data.error ?? null,
      readAt: row.read_at === null ? null : Number(row.read_at),
      createdAt: Number(row.created_at),
    };
  }

  async get(tenantId: string, staffId: string, notificationId: string): Promise<Notification> {
    const row = await this.repo.find(tenantId, staffId, notificationId);
    if (!row) throw new NotFoundError('notification_not_found');
    return this.toNotification(tenantId, row);
  }

  async list(tenantId: string, staffId: string, query: { page: number; pageSize: number; unreadOnly?: boolean }) {
    const { rows, total } = await this.repo.page(tenantId, staffId, query);
    return {
      items: await Promise.all(rows.map((row) => this.toNotification(tenantId, row))),
      total,
      page: query.page,
      pageSize: query.pageSize,
      unread: await this.repo.unreadCount(tenantId, staffId),
    };
  }

  unreadCount(tenantId: string, staffId: string): Promise<number> {
    return this.repo.unreadCount(tenantId, staffId);
  }

  async markRead(tenantId: string, staffId: string, notificationId: string): Promise<Notification> {
    await this.get(tenantId, staffId, notificationId);
    await this.repo.markRead(tenantId, staffId, notificationId);
    return this.get(tenantId, staffId, notificationId);
  }

  markAllRead(tenantId: string, staffId: string): Promise<number> {
    return this.repo.markRead(tenantId, staffId);
  }
}
