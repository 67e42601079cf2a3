import type { ModuleDatabase } from '../../store/oltp/oltp-store.js';
import type { StaffRow } from './staff.types.js';

/** A row of `password_reset`: one accepted request of an existing, enabled staff member. */
export interface PasswordResetRow {
  id: number | string;
  tenant_id: number | string;
  staff_id: number | string;
  /** SHA-256 of the mailed token; null until the mail is sent. */
  token_hash: string | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  requested_ip: string | null;
}

/** A reset found by its token, with the state of its staff member. */
export interface ResetByToken {
  id: number | string;
  tenant_id: number | string;
  staff_id: number | string;
  expires_at: number;
  used_at: number | null;
  status: StaffRow['status'];
}

/** Thrown inside a transaction to roll it back: the reset can no longer be used. */
class ResetRefused extends Error {}

/** The `password_reset` table, and the staff and session writes of a reset (one module's tables). */
export class PasswordResetRepo {
  constructor(private readonly db: ModuleDatabase) {}

  /** The request's lookup: emails are unique across tenants, so this one establishes the tenant. */
  findStaffByEmail(email: string): Promise<StaffRow | undefined> {
    return this.db.unscoped<StaffRow>('staff').where({ email }).first();
  }

  /**
   * Records a request and, in the same transaction, whatever must happen with it (the mail task):
   * either both are stored or neither.
   */
  async record(
    tenantId: string,
    row: { staff_id: string; created_at: number; expires_at: number; requested_ip: string | null },
    then: (resetId: string) => Promise<void>,
  ): Promise<string> {
    return this.db.transaction(async () => {
      const resetId = await this.db.forTenant(tenantId).insert('password_reset', { ...row, token_hash: null, used_at: null });
      await then(resetId);
      return resetId;
    });
  }

  /** Forgets a staff member's requests made before `before` (used or not: they are history). */
  async prune(tenantId: string, staffId: string, before: number): Promise<void> {
    await this.db
      .forTenant(tenantId)
      .from('password_reset')
      .where('password_reset.staff_id', staffId)
      .where('password_reset.created_at', '<', before)
      .delete();
  }

  /**
   * Gives a request its token, just before the mail goes out, and returns the staff member to mail;
   * null when the request may no longer be mailed: used, expired, superseded by a newer request of
   * the same staff member, or the staff member is gone or disabled. Older unused tokens of the
   * staff member stop working now (only the newest mailed link works).
   */
  async issue(tenantId: string, resetId: string, tokenHash: string, now: number, expiresAt: number): Promise<StaffRow | null> {
    return this.db.forTenant(tenantId).transaction(async (tx) => {
      const row = await tx.from<PasswordResetRow>('password_reset').where('password_reset.id', resetId).first();
      if (!row || row.used_at !== null || Number(row.expires_at) <= now) return null;
      const staffId = String(row.staff_id);
      const newer = await tx
        .from('password_reset')
        .where('password_reset.staff_id', staffId)
        .where('password_reset.id', '>', resetId)
        .first('password_reset.id');
      const staff = await tx.from<StaffRow>('staff').where('staff.id', staffId).first();
      if (newer || !staff || staff.status !== 'enabled') {
        await tx
          .from('password_reset')
          .where('password_reset.id', resetId)
          .whereNull('password_reset.used_at')
          .update({ expires_at: now });
        return null;
      }
      await this.expireUnused(tx, staffId, now, resetId);
      await tx
        .from('password_reset')
        .where('password_reset.id', resetId)
        .whereNull('password_reset.used_at')
        .update({ token_hash: tokenHash, expires_at: expiresAt });
      return staff;
    });
  }

  /** The reset of a token's hash (the lookup that establishes the tenant), with its staff member's status. */
  findByTokenHash(tokenHash: string): Promise<ResetByToken | undefined> {
    return this.db
      .unscoped('password_reset as r')
      .join('staff as m', 'm.id', 'r.staff_id')
      .where('r.token_hash', tokenHash)
      .first<ResetByToken | undefined>('r.id', 'r.tenant_id', 'r.staff_id', 'r.expires_at', 'r.used_at', 'm.status');
  }

  /**
   * Uses a reset, in one transaction: marks it used — a conditional UPDATE, so of two confirms of
   * one token exactly one matches the row —, sets the new password of its (still enabled) staff
   * member, stops the member's other unused resets and ends every session of theirs. False when the
   * reset was used, expired or refused meanwhile; then nothing changed.
   */
  async consume(tenantId: string, resetId: string, staffId: string, passwordHash: string, now: number): Promise<boolean> {
    try {
      await this.db.forTenant(tenantId).transaction(async (tx) => {
        const used = await tx
          .from('password_reset')
          .where('password_reset.id', resetId)
          .where('password_reset.staff_id', staffId)
          .whereNull('password_reset.used_at')
          .whereNotNull('password_reset.token_hash')
          .where('password_reset.expires_at', '>', now)
          .update({ used_at: now });
        if (used !== 1) throw new ResetRefused();
        const changed = await tx
          .from('staff')
          .where('staff.id', staffId)
          .where('staff.status', 'enabled')
          .update({ password_hash: passwordHash, updated_at: now });
        if (changed !== 1) throw new ResetRefused();
        await this.expireUnused(tx, staffId, now);
        await tx.from('staff_session').where('staff_session.staff_id', staffId).delete();
      });
      return true;
    } catch (error) {
      if (error instanceof ResetRefused) return false;
      throw error;
    }
  }

  private async expireUnused(
    tx: ReturnType<ModuleDatabase['forTenant']>,
    staffId: string,
    now: number,
    exceptId?: string,
  ): Promise<void> {
    const query = tx
      .from('password_reset')
      .where('password_reset.staff_id', staffId)
      .whereNull('password_reset.used_at')
      .where('password_reset.expires_at', '>', now);
    if (exceptId) query.whereNot('password_reset.id', exceptId);
    await query.update({ expires_at: now });
  }
}
