import { paginate, type ModuleDatabase, type Page } from '../../store/oltp/oltp-store.js';
import type { StaffRow } from './staff.types.js';

/** A session joined with its staff member (both tables of this module). */
export interface SessionJoinRow {
  session_id: number | string;
  tenant_id: number | string;
  staff_id: number | string;
  csrf_token: string;
  expires_at: number;
  last_seen_at: number;
  is_super: number | boolean;
  status: 'enabled' | 'disabled';
}

/** The `staff` and `staff_session` tables. */
export class StaffRepo {
  constructor(private readonly db: ModuleDatabase) {}

  private staff(tenantId: string) {
    return this.db.forTenant(tenantId).from<StaffRow>('staff');
  }

  /** Inserts a staff member; a taken email fails with a UNIQUE violation. */
  insert(tenantId: string, row: Omit<StaffRow, 'id' | 'tenant_id' | 'last_login_at'>): Promise<string> {
    return this.db.forTenant(tenantId).insert('staff', row);
  }

  find(tenantId: string, staffId: string): Promise<StaffRow | undefined> {
    return this.staff(tenantId).where('staff.id', staffId).first();
  }

  /** The login's lookup: emails are unique across tenants, so this one is not tenant-scoped. */
  findByEmail(email: string): Promise<StaffRow | undefined> {
    return this.db.unscoped<StaffRow>('staff').where({ email }).first();
  }

  async enabledIds(tenantId: string): Promise<string[]> {
    const rows = await this.staff(tenantId).where('staff.status', 'enabled').select('staff.id');
    return rows.map((row: { id: number | string }) => String(row.id));
  }

  page<T>(tenantId: string, page: number, pageSize: number, map: (row: StaffRow) => T): Promise<Page<T>> {
    return paginate(() => this.staff(tenantId), { page, pageSize, orderBy: 'staff.id', direction: 'asc' }, map);
  }

  /** Every staff member's id and name (operation log exports name staff with them). */
  names(tenantId: string): Promise<{ id: number | string; name: string }[]> {
    return this.staff(tenantId).select('staff.id', 'staff.name');
  }

  async count(tenantId: string): Promise<number> {
    const [row] = await this.staff(tenantId).count<{ n: number }[]>({ n: '*' });
    return Number(row?.n ?? 0);
  }

  /** A new session and the staff member's last login, in one transaction. */
  async openSession(
    row: StaffRow,
    session: { token_hash: string; csrf_token: string; user_agent: string | null; created_at: number; expires_at: number },
  ): Promise<void> {
    await this.db.transaction(async () => {
      await this.db.forTenant(String(row.tenant_id)).insert('staff_session', {
        ...session,
        staff_id: row.id,
        last_seen_at: session.created_at,
      });
      await this.staff(String(row.tenant_id)).where('staff.id', row.id).update({ last_login_at: session.created_at });
    });
  }

  /** The session of a cookie's token hash (the lookup that establishes the tenant). */
  findSession(tokenHash: string): Promise<SessionJoinRow | undefined> {
    return this.db
      .unscoped('staff_session as s')
      .join('staff as m', 'm.id', 's.staff_id')
      .where('s.token_hash', tokenHash)
      .first<SessionJoinRow | undefined>(
        's.id as session_id',
        's.tenant_id',
        's.staff_id',
        's.csrf_token',
        's.expires_at',
        's.last_seen_at',
        'm.is_super',
        'm.status',
      );
  }

  async touchSession(sessionId: string | number, at: number): Promise<void> {
    await this.db.unscoped('staff_session').where({ id: sessionId }).update({ last_seen_at: at });
  }

  async deleteSession(tenantId: string, sessionId: string): Promise<void> {
    await this.db.forTenant(tenantId).from('staff_session').where('staff_session.id', sessionId).delete();
  }

  /** A new password; every other session of the staff member ends. */
  async changePassword(tenantId: string, staffId: string, keepSessionId: string, passwordHash: string): Promise<void> {
    await this.db.forTenant(tenantId).transaction(async (tx) => {
      await tx.from('staff').where('staff.id', staffId).update({ password_hash: passwordHash, updated_at: Date.now() });
      await tx
        .from('staff_session')
        .where('staff_session.staff_id', staffId)
        .whereNot('staff_session.id', keepSessionId)
        .delete();
    });
  }
}
