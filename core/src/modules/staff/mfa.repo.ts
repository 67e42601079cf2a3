import type { ModuleDatabase } from '../../store/oltp/oltp-store.js';

/** A row of `staff_mfa`: one staff member's TOTP state. */
export interface StaffMfaRow {
  id: number | string;
  tenant_id: number | string;
  staff_id: number | string;
  enabled: number | boolean;
  /** The base32 secret sealed by the SecretBox; NULL until bound. */
  secret: string | null;
  bound_at: number | null;
  last_step: number | string | null;
  /** JSON array of the SHA-256 (hex) of the unused recovery codes. */
  recovery_codes: string | null;
  created_at: number;
  updated_at: number;
}

export type ChallengeKind = 'mfa' | 'mfa_setup';

/** A row of `login_challenge`: the step between a correct password and a session. */
export interface LoginChallengeRow {
  id: number | string;
  tenant_id: number | string;
  staff_id: number | string;
  token_hash: string;
  kind: ChallengeKind;
  /** The new secret of a `mfa_setup` challenge, sealed. */
  pending_secret: string | null;
  attempts: number;
  created_at: number;
  expires_at: number;
}

/** What clearing a binding writes: the device, its replay mark and its recovery codes are gone. */
const UNBOUND = { secret: null, bound_at: null, last_step: null, recovery_codes: null };

/** The `staff_mfa` and `login_challenge` tables (and the sessions an MFA change ends). */
export class MfaRepo {
  constructor(private readonly db: ModuleDatabase) {}

  private mfa(tenantId: string) {
    return this.db.forTenant(tenantId).from<StaffMfaRow>('staff_mfa');
  }

  private challenges(tenantId: string) {
    return this.db.forTenant(tenantId).from<LoginChallengeRow>('login_challenge');
  }

  /** Runs `work` in one transaction (the repo's calls inside join it). */
  transaction<T>(work: () => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }

  find(tenantId: string, staffId: string): Promise<StaffMfaRow | undefined> {
    return this.mfa(tenantId).where('staff_mfa.staff_id', staffId).first();
  }

  /** Switches MFA on with no device bound (inserting the row the first time). */
  async enable(tenantId: string, staffId: string, now: number): Promise<void> {
    const updated = await this.mfa(tenantId)
      .where('staff_mfa.staff_id', staffId)
      .update({ enabled: true, ...UNBOUND, updated_at: now });
    if (updated === 0) {
      await this.db.forTenant(tenantId).insert('staff_mfa', {
        staff_id: staffId,
        enabled: true,
        ...UNBOUND,
        created_at: now,
        updated_at: now,
      });
    }
  }

  /** Clears the binding; `enabled` false also switches MFA off. */
  async unbind(tenantId: string, staffId: string, enabled: boolean, now: number): Promise<void> {
    await this.mfa(tenantId)
      .where('staff_mfa.staff_id', staffId)
      .update({ enabled, ...UNBOUND, updated_at: now });
  }

  /**
   * Binds a device: only while MFA is on and nothing is bound (a reset or a switch-off in between,
   * or a second bind, changes nothing). Returns whether it bound.
   */
  async bind(
    tenantId: string,
    staffId: string,
    binding: { secret: string; step: number; recoveryCodes: string[] },
    now: number,
  ): Promise<boolean> {
    const updated = await this.mfa(tenantId)
      .where('staff_mfa.staff_id', staffId)
      .where('staff_mfa.enabled', true)
      .whereNull('staff_mfa.bound_at')
      .update({
        secret: binding.secret,
        bound_at: now,
        last_step: binding.step,
        recovery_codes: JSON.stringify(binding.recoveryCodes),
        updated_at: now,
      });
    return updated === 1;
  }

  /**
   * Marks a TOTP time step used, only if it is later than the last one used (two requests with
   * one code: one wins). Returns whether this call marked it.
   */
  async useStep(tenantId: string, staffId: string, secret: string, step: number, now: number): Promise<boolean> {
    const updated = await this.mfa(tenantId)
      .where('staff_mfa.staff_id', staffId)
      .where('staff_mfa.secret', secret)
      .where((q) => q.whereNull('staff_mfa.last_step').orWhere('staff_mfa.last_step', '<', step))
      .update({ last_step: step, updated_at: now });
    return updated === 1;
  }

  /** Replaces the recovery codes if they are still `expected` (a used code cannot be used twice). */
  async swapRecoveryCodes(tenantId: string, staffId: string, expected: string, next: string[], now: number): Promise<boolean> {
    const updated = await this.mfa(tenantId)
      .where('staff_mfa.staff_id', staffId)
      .where('staff_mfa.recovery_codes', expected)
      .update({ recovery_codes: JSON.stringify(next), updated_at: now });
    return updated === 1;
  }

  async insertChallenge(
    tenantId: string,
    challenge: Pick<LoginChallengeRow, 'staff_id' | 'token_hash' | 'kind' | 'pending_secret' | 'created_at' | 'expires_at'>,
  ): Promise<void> {
    await this.db.forTenant(tenantId).insert('login_challenge', { ...challenge, attempts: 0 });
  }

  /** The challenge of a token's hash: the lookup that establishes the tenant (not tenant-scoped). */
  findChallenge(tokenHash: string): Promise<LoginChallengeRow | undefined> {
    return this.db.unscoped<LoginChallengeRow>('login_challenge').where({ token_hash: tokenHash }).first();
  }

  /** Counts a wrong code; the challenge is deleted with the `max`-th. */
  async countWrongCode(tenantId: string, challengeId: string, max: number): Promise<void> {
    await this.challenges(tenantId).where('login_challenge.id', challengeId).increment('attempts', 1);
    await this.challenges(tenantId)
      .where('login_challenge.id', challengeId)
      .where('login_challenge.attempts', '>=', max)
      .delete();
  }

  /** Uses a challenge up. Returns whether this call deleted it (two requests with one challenge: one wins). */
  async deleteChallenge(tenantId: string, challengeId: string): Promise<boolean> {
    return (await this.challenges(tenantId).where('login_challenge.id', challengeId).delete()) === 1;
  }

  /** Expired challenges of every tenant (swept when a new one is made; the index on expires_at keeps it cheap). */
  async deleteExpiredChallenges(now: number): Promise<void> {
    await this.db.unscoped('login_challenge').where('expires_at', '<=', now).delete();
  }

  /**
   * After a change of the staff member's MFA state: the challenges in flight die and the sessions
   * end (but `keepSessionId`, the caller's own, when they changed their own state).
   */
  async endSignIns(tenantId: string, staffId: string, keepSessionId: string | undefined): Promise<void> {
    await this.challenges(tenantId).where('login_challenge.staff_id', staffId).delete();
    const sessions = this.db.forTenant(tenantId).from('staff_session').where('staff_session.staff_id', staffId);
    if (keepSessionId !== undefined) sessions.whereNot('staff_session.id', keepSessionId);
    await sessions.delete();
  }
}
