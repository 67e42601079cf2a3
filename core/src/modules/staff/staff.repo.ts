import type { Knex } from 'knex';
import { UnauthorizedError } from '../../server/errors.js';
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

  /** See `OltpStore.transaction`: the roles repo's writes inside `work` join it. */
  transaction<T>(work: () => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }

  private staff(tenantId: string) {
    return this.db.forTenant(tenantId).from<StaffRow>('staff');
  }

  /** Staff rows with their MFA state (`staff_mfa`, absent = off) for the staff JSON. */
  private withMfa<Q extends Knex.QueryBuilder>(query: Q): Q {
    return query
      .leftJoin('staff_mfa', 'staff_mfa.staff_id', 'staff.id')
      .select('staff.*', 'staff_mfa.enabled as mfa_enabled', 'staff_mfa.bound_at as mfa_bound_at') as Q;
  }

  /** Inserts a staff member; a taken email fails with a UNIQUE violation. */
  insert(tenantId: string, row: Omit<StaffRow, 'id' | 'tenant_id' | 'last_login_at'>): Promise<string> {
    return this.db.forTenant(tenantId).insert('staff', row);
  }

  find(tenantId: string, staffId: string): Promise<StaffRow | undefined> {
    return this.withMfa(this.staff(tenantId)).where('staff.id', staffId).first();
  }

  /** The tenant's staff among `staffIds` (ids of other tenants are left out), by id. */
  byIds(tenantId: string, staffIds: readonly string[]): Promise<StaffRow[]> {
    return this.staff(tenantId)
      .whereIn('staff.id', [...staffIds])
      .orderBy('staff.id')
      .select<StaffRow[]>('*');
  }

  /** The login's lookup: emails are unique across tenants, so this one is not tenant-scoped. */
  findByEmail(email: string): Promise<StaffRow | undefined> {
    return this.withMfa(this.db.unscoped<StaffRow>('staff')).where('staff.email', email).first();
  }

  async enabledIds(tenantId: string): Promise<string[]> {
    const rows = await this.staff(tenantId).where('staff.status', 'enabled').select('staff.id');
    return rows.map((row: { id: number | string }) => String(row.id));
  }

  async page<T>(tenantId: string, page: number, pageSize: number, map: (row: StaffRow) => T): Promise<Page<T>> {
    const rows = await paginate(
      () => this.staff(tenantId),
      { page, pageSize, orderBy: 'staff.id', direction: 'asc' },
      (row) => row,
    );
    const ids = rows.items.map((row) => row.id);
    const mfa = ids.length
      ? await this.db
          .forTenant(tenantId)
          .from('staff_mfa')
          .whereIn('staff_mfa.staff_id', ids)
          .select<{ staff_id: number | string; enabled: number | boolean; bound_at: number | null }[]>(
            'staff_mfa.staff_id',
            'staff_mfa.enabled',
            'staff_mfa.bound_at',
          )
      : [];
    const byStaff = new Map(mfa.map((row) => [String(row.staff_id), row]));
    return {
      ...rows,
      items: rows.items.map((row) => {
        const state = byStaff.get(String(row.id));
        return map({ ...row, mfa_enabled: state?.enabled ?? false, mfa_bound_at: state?.bound_at ?? null });
      }),
    };
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
      // Only if the account is as it was when its password was checked: a password reset, a new
      // password or a disable that committed meanwhile wins (and one still running is waited for —
      // the update locks the row). Otherwise a sign-in checked against the old password would open
      // a session after the reset had ended every session.
      const updated = await this.staff(String(row.tenant_id))
        .where('staff.id', row.id)
        .where('staff.password_hash', row.password_hash)
        .where('staff.status', 'enabled')
        .update({ last_login_at: session.created_at });
      if (updated !== 1) throw new UnauthorizedError('invalid_credentials');
      await this.db.forTenant(String(row.tenant_id)).insert('staff_session', {
        ...session,
        staff_id: row.id,
        last_seen_at: session.created_at,
      });
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

  /** The normal (not super) staff of the tenant among `staffIds`. */
  async normalStaffIds(tenantId: string, staffIds: string[]): Promise<string[]> {
    if (staffIds.length === 0) return [];
    const rows = await this.staff(tenantId).whereIn('staff.id', staffIds).where('staff.is_super', false).select('staff.id');
    return rows.map((row: { id: number | string }) => String(row.id));
  }

  async update(
    tenantId: string,
    staffId: string,
    patch: Partial<Pick<StaffRow, 'email' | 'name' | 'status' | 'password_hash'>> & { updated_at: number },
  ): Promise<number> {
    return this.staff(tenantId).where('staff.id', staffId).update(patch);
  }

  async delete(tenantId: string, staffId: string): Promise<number> {
    const tenant = this.db.forTenant(tenantId);
    await tenant.from('staff_session').where('staff_session.staff_id', staffId).delete();
    await tenant.from('staff_role').where('staff_role.staff_id', staffId).delete();
    return this.staff(tenantId).where('staff.id', staffId).delete();
  }

  /** Ends every session of these staff members (their rights or their account changed). */
  async endSessions(tenantId: string, staffIds: string[]): Promise<void> {
    if (staffIds.length === 0) return;
    await this.db.forTenant(tenantId).from('staff_session').whereIn('staff_session.staff_id', staffIds).delete();
  }

  async touchSession(sessionId: string | number, at: number): Promise<void> {
    await this.db.unscoped('staff_session').where({ id: sessionId }).update({ last_seen_at: at });
  }

  /** Deletes the session of a token hash, whichever tenant it belongs to (the token is the proof). */
  async deleteSessionByToken(tokenHash: string): Promise<void> {
    await this.db.unscoped('staff_session').where({ token_hash: tokenHash }).delete();
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
