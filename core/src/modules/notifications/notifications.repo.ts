import type { ModuleDatabase } from '../../store/oltp/oltp-store.js';

export interface NotificationRow {
  id: number | string;
  tenant_id: number | string;
  staff_id: number | string | null;
  task_id: number | string | null;
  kind: string;
  level: 'success' | 'error';
  data: string;
  read_at: number | null;
  created_at: number;
}

/** The `notification` table: one row per recipient, each with its own read state. */
export class NotificationsRepo {
  constructor(private readonly db: ModuleDatabase) {}

  /** Inserts one notification per recipient in one transaction; returns their ids in order. */
  async insertForRecipients(
    tenantId: string,
    recipients: string[],
    row: Pick<NotificationRow, 'task_id' | 'kind' | 'level' | 'data' | 'created_at'>,
  ): Promise<string[]> {
    const ids: string[] = [];
    await this.db.forTenant(tenantId).transaction(async (tx) => {
      for (const staffId of recipients) ids.push(await tx.insert('notification', { ...row, staff_id: staffId }));
    });
    return ids;
  }

  /** The recipient's notifications (only theirs: another staff member's ids answer nothing). */
  visible(tenantId: string, staffId: string) {
    return this.db.forTenant(tenantId).from<NotificationRow>('notification').where('notification.staff_id', staffId);
  }

  find(tenantId: string, staffId: string, notificationId: string): Promise<NotificationRow | undefined> {
    return this.visible(tenantId, staffId).where('notification.id', notificationId).first();
  }

  async page(tenantId: string, staffId: string, query: { page: number; pageSize: number; unreadOnly?: boolean }) {
    const filtered = () => {
      const q = this.visible(tenantId, staffId);
      if (query.unreadOnly) q.whereNull('notification.read_at');
      return q;
    };
    const [countRow] = await filtered().count<{ n: number }[]>({ n: '*' });
    const rows: NotificationRow[] = await filtered()
      .orderBy('notification.id', 'desc')
      .limit(query.pageSize)
      .offset((query.page - 1) * query.pageSize);
    return { rows, total: Number(countRow?.n ?? 0) };
  }

  async unreadCount(tenantId: string, staffId: string): Promise<number> {
    const [row] = await this.visible(tenantId, staffId).whereNull('notification.read_at').count<{ n: number }[]>({ n: '*' });
    return Number(row?.n ?? 0);
  }

  /** Marks read what is unread (one notification, or all of the recipient's); returns the rows changed. */
  markRead(tenantId: string, staffId: string, notificationId?: string): Promise<number> {
    const q = this.visible(tenantId, staffId).whereNull('notification.read_at');
    if (notificationId !== undefined) q.where('notification.id', notificationId);
    return q.update({ read_at: Date.now() });
  }
}
