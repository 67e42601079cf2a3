import type { HuiliuConfig } from '../../config/config.js';
import { createServiceRef } from '../../kernel/extension-point.js';
import type { PermissionRegistry } from '../../kernel/permissions.js';
import { assertPasswordStrength, dummyPasswordHash, hashPassword, verifyPassword } from '../../lib/password.js';
import { hashToken, randomToken } from '../../lib/tokens.js';
import { ForbiddenError, InputError, RateLimitError, UnauthorizedError } from '../../server/errors.js';
import type { Principal } from '../../server/principal.js';
import type { ModuleDatabase } from '../../store/oltp/oltp-store.js';
import type { TenantService } from '../tenancy/tenant.service.js';
import { normalizeEmail, toStaff, type Staff, type StaffRow } from './staff.types.js';

export interface LoginResult {
  /** The opaque session token for the cookie; only its hash is stored. */
  sessionToken: string;
  csrfToken: string;
  staff: Staff;
  permissions: Set<string>;
}

interface SessionJoinRow {
  session_id: number | string;
  tenant_id: number | string;
  staff_id: number | string;
  csrf_token: string;
  expires_at: number;
  last_seen_at: number;
  is_super: number | boolean;
  status: 'enabled' | 'disabled';
}

/** Failed logins of one email allowed per window before further attempts are refused. */
export const LOGIN_MAX_FAILURES = 5;
export const LOGIN_WINDOW_MS = 15 * 60_000;

/** Refresh `last_seen_at` at most this often, so a busy console does not write on every call. */
const TOUCH_INTERVAL_MS = 60_000;

export class AuthService {
  /** Recent failed logins per email (per process): a brake on password guessing. */
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly db: ModuleDatabase,
    private readonly permissions: PermissionRegistry,
    private readonly config: HuiliuConfig,
    private readonly tenants: TenantService,
  ) {}

  get sessionTtlMs(): number {
    return this.config.session.ttlHours * 3600_000;
  }

  /**
   * Email + password login (邮箱即账号). Emails are unique across tenants, so the login itself
   * tells which tenant the staff member belongs to; this lookup is the one that is not tenant-scoped.
   */
  async login(email: string, password: string, userAgent?: string): Promise<LoginResult> {
    const key = normalizeEmail(email);
    this.assertNotThrottled(key);
    const row = await this.db.unscoped<StaffRow>('staff').where({ email: key }).first();
    const ok = await verifyPassword(row?.password_hash ?? (await dummyPasswordHash()), password);
    if (!row || !ok) {
      this.recordFailure(key);
      throw new UnauthorizedError('invalid_credentials');
    }
    this.failures.delete(key);
    if (row.status !== 'enabled') throw new ForbiddenError('staff_disabled');
    const sessionToken = randomToken();
    const csrfToken = randomToken(24);
    const now = Date.now();
    await this.db.transaction(async () => {
      await this.db.unscoped('staff_session').insert({
        tenant_id: row.tenant_id,
        staff_id: row.id,
        token_hash: hashToken(sessionToken),
        csrf_token: csrfToken,
        user_agent: userAgent?.slice(0, 255) ?? null,
        created_at: now,
        expires_at: now + this.sessionTtlMs,
        last_seen_at: now,
      });
      await this.db.unscoped('staff').where({ id: row.id }).update({ last_login_at: now });
    });
    const staff = toStaff({ ...row, last_login_at: now });
    return { sessionToken, csrfToken, staff, permissions: this.permissions.forStaff(staff) };
  }

  private recentFailures(key: string, now = Date.now()): number[] {
    const recent = (this.failures.get(key) ?? []).filter((at) => now - at < LOGIN_WINDOW_MS);
    if (recent.length) this.failures.set(key, recent);
    else this.failures.delete(key);
    return recent;
  }

  private assertNotThrottled(key: string): void {
    const recent = this.recentFailures(key);
    if (recent.length >= LOGIN_MAX_FAILURES) {
      const minutes = Math.ceil((recent[0]! + LOGIN_WINDOW_MS - Date.now()) / 60_000);
      throw new RateLimitError('too_many_login_attempts', { minutes });
    }
  }

  private recordFailure(key: string): void {
    const now = Date.now();
    this.failures.set(key, [...this.recentFailures(key, now), now]);
    if (this.failures.size > 10_000) {
      // Bound the memory: drop the oldest entries (Map keeps insertion order).
      for (const stale of [...this.failures.keys()].slice(0, 1000)) this.failures.delete(stale);
    }
  }

  /** Resolves a session cookie to its principal, or null when unknown, expired or disabled. */
  async principalForSession(sessionToken: string): Promise<Principal | null> {
    const row = await this.db
      .unscoped('staff_session as s')
      .join(this.db.owns('staff as m'), 'm.id', 's.staff_id')
      .where('s.token_hash', hashToken(sessionToken))
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
    const now = Date.now();
    if (!row || Number(row.expires_at) <= now || row.status !== 'enabled') return null;
    // The tenant belongs to tenancy: asked through its service, never joined.
    if (!(await this.tenants.isActive(String(row.tenant_id)))) return null;
    if (now - Number(row.last_seen_at) > TOUCH_INTERVAL_MS) {
      await this.db.unscoped('staff_session').where({ id: row.session_id }).update({ last_seen_at: now });
    }
    const isSuper = Boolean(row.is_super);
    return {
      kind: 'staff',
      tenantId: String(row.tenant_id),
      staffId: String(row.staff_id),
      isSuper,
      sessionId: String(row.session_id),
      csrfToken: row.csrf_token,
      permissions: this.permissions.forStaff({ isSuper }),
    };
  }

  async logout(tenantId: string, sessionId: string): Promise<void> {
    await this.db.forTenant(tenantId).from('staff_session').where('staff_session.id', sessionId).delete();
  }

  /** Changes the caller's own password; every other session of theirs is signed out. */
  async changePassword(tenantId: string, staffId: string, sessionId: string, current: string, next: string): Promise<void> {
    const db = this.db.forTenant(tenantId);
    const row = await db.from<StaffRow>('staff').where('staff.id', staffId).first();
    if (!row || !(await verifyPassword(row.password_hash, current))) {
      throw new InputError('invalid_credentials', {}, [{ path: 'currentPassword', code: 'invalid_credentials' }]);
    }
    assertPasswordStrength(next, 'newPassword');
    const passwordHash = await hashPassword(next);
    await db.transaction(async (tx) => {
      await tx.from('staff').where('staff.id', staffId).update({ password_hash: passwordHash, updated_at: Date.now() });
      await tx.from('staff_session').where('staff_session.staff_id', staffId).whereNot('staff_session.id', sessionId).delete();
    });
  }
}

export const authServiceRef = createServiceRef<AuthService>({ id: 'staff.auth' });
