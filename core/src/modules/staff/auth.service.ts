import type { HuiliuConfig } from '../../config/config.js';
import { createServiceRef } from '../../kernel/extension-point.js';
import type { PermissionRegistry } from '../../kernel/permissions.js';
import { assertPasswordStrength, PasswordLane } from '../../lib/password.js';
import { hashToken, randomToken } from '../../lib/tokens.js';
import { ForbiddenError, InputError, RateLimitError, UnauthorizedError } from '../../server/errors.js';
import type { Principal } from '../../server/principal.js';
import {
  lockAfter,
  limitPerWindow,
  slowDownAfter,
  ThrottledError,
  type Throttle,
  type ThrottleCheck,
  type ThrottleTicket,
} from '../../server/throttle.js';
import type { RolesRepo } from './roles.repo.js';
import type { StaffRepo } from './staff.repo.js';
import type { TenantService } from '../tenancy/tenant.service.js';
import type { OperationLogService } from '../audit/operation-log.service.js';
import type { MfaChallenge, MfaService } from './mfa.service.js';
import type { PluginEnablement } from '../tenant-plugins/plugin-enablement.js';
import { normalizeEmail, toStaff, type Staff, type StaffRow } from './staff.types.js';

export interface LoginResult {
  /** The opaque session token for the cookie; only its hash is stored. */
  sessionToken: string;
  csrfToken: string;
  staff: Staff;
  permissions: Set<string>;
}

/** What a correct password gets: a session, or, when the staff member's MFA is on, a challenge. */
export type LoginOutcome = LoginResult | MfaChallenge;

/** Who is logging in from where. */
export interface LoginClient {
  /** The client's address (see clientIp). */
  ip: string;
  userAgent?: string;
}

/** Failed logins of one client address on one account per window before that pair is locked. */
export const LOGIN_MAX_FAILURES = 5;
export const LOGIN_WINDOW_MS = 15 * 60_000;

/**
 * The login throttles (docs/decisions/0012-login-throttling.md):
 * - the client address + account pair is locked after 5 failures for 15 min, doubling with each
 *   lock in a row up to 24 h — only the guessing client is locked out;
 * - the account, from every address together, is slowed after 10 failures to one check per
 *   1 s, 2 s, 4 s … 60 s — never locked;
 * - the client address, over every account, gets 50 failures per 15 min (password spraying).
 */
export const loginPolicies = {
  pair: lockAfter({
    max: LOGIN_MAX_FAILURES,
    windowMs: LOGIN_WINDOW_MS,
    lockMs: LOGIN_WINDOW_MS,
    maxLockMs: 24 * 3600_000,
    forgetMs: 24 * 3600_000,
  }),
  account: slowDownAfter({ free: 10, windowMs: LOGIN_WINDOW_MS, baseDelayMs: 1000, maxDelayMs: 60_000 }),
  ip: limitPerWindow({ max: 50, windowMs: LOGIN_WINDOW_MS, onSuccess: 'refund' }),
  /** Guesses of the current password by a signed-in session (a stolen cookie learning the password). */
  passwordChange: lockAfter({
    max: LOGIN_MAX_FAILURES,
    windowMs: LOGIN_WINDOW_MS,
    lockMs: LOGIN_WINDOW_MS,
    maxLockMs: 24 * 3600_000,
    forgetMs: 24 * 3600_000,
  }),
  /**
   * MFA codes (docs/decisions/0022-mfa-totp.md) are throttled like passwords: per client address +
   * staff member (`mfa.pair`), per staff member from every address (`mfa.account`), and within the
   * address's login budget (`login.ip`); codes typed by a signed-in session per staff member
   * (`mfa.session`).
   */
  mfaPair: lockAfter({
    max: LOGIN_MAX_FAILURES,
    windowMs: LOGIN_WINDOW_MS,
    lockMs: LOGIN_WINDOW_MS,
    maxLockMs: 24 * 3600_000,
    forgetMs: 24 * 3600_000,
  }),
  mfaAccount: slowDownAfter({ free: 10, windowMs: LOGIN_WINDOW_MS, baseDelayMs: 1000, maxDelayMs: 60_000 }),
  mfaSession: lockAfter({
    max: LOGIN_MAX_FAILURES,
    windowMs: LOGIN_WINDOW_MS,
    lockMs: LOGIN_WINDOW_MS,
    maxLockMs: 24 * 3600_000,
    forgetMs: 24 * 3600_000,
  }),
};

/** Counts the attempt on every check, or refuses it with 429 and `Retry-After`. */
export async function reserveAttempt(
  throttle: Throttle,
  checks: ThrottleCheck[],
  code: 'too_many_login_attempts' | 'too_many_requests',
): Promise<ThrottleTicket> {
  try {
    return await throttle.reserve(checks);
  } catch (error) {
    if (!(error instanceof ThrottledError)) throw error;
    const seconds = Math.ceil(error.retryAfterMs / 1000);
    throw new RateLimitError(code, { minutes: Math.max(1, Math.ceil(seconds / 60)) }, seconds);
  }
}

/** Runs the check of a reserved attempt and settles the throttles with its outcome. */
export async function settleAttempt(
  throttle: Throttle,
  ticket: ThrottleTicket,
  verify: () => Promise<boolean>,
): Promise<boolean> {
  let ok: boolean;
  try {
    ok = await verify();
  } catch (error) {
    // Not checked (the server was too busy, the challenge went away): the attempt does not count.
    await throttle.cancel(ticket).catch(() => undefined);
    throw error;
  }
  await throttle.settle(ticket, ok);
  return ok;
}

/** Refresh `last_seen_at` at most this often, so a busy console does not write on every call. */
const TOUCH_INTERVAL_MS = 60_000;

export class AuthService {
  private readonly throttle: Throttle;
  /** Argon2 checks of logins and password changes (their own lane: token exchanges have another). */
  readonly passwords: PasswordLane;

  constructor(
    private readonly repo: StaffRepo,
    private readonly roles: RolesRepo,
    private readonly permissions: PermissionRegistry,
    private readonly config: HuiliuConfig,
    private readonly tenants: TenantService,
    throttle: Throttle,
    private readonly mfa: MfaService,
    private readonly log: OperationLogService,
    /** Which plugins the tenant has (ADR 0041): a disabled plugin's permissions are held by nobody there. */
    private readonly enablement: Pick<PluginEnablement, 'disabledPermissions'>,
  ) {
    this.throttle = throttle;
    this.passwords = new PasswordLane({ concurrency: config.auth.passwordConcurrency, queue: config.auth.passwordQueue });
  }

  get sessionTtlMs(): number {
    return this.config.session.ttlHours * 3600_000;
  }

  get sessionIdleMs(): number {
    return this.config.session.idleMinutes * 60_000;
  }

  /**
   * What a staff member holds now: every permission for super staff, else fixed + their enabled
   * roles — less the permissions of plugins disabled for the tenant (their roles keep them).
   */
  async permissionsOf(tenantId: string, staffId: string, isSuper: boolean): Promise<Set<string>> {
    const held = this.permissions.forStaff({ isSuper }, isSuper ? [] : await this.roles.grantedTo(tenantId, staffId));
    for (const id of await this.enablement.disabledPermissions(tenantId)) held.delete(id);
    return held;
  }

  /**
   * Email + password login (邮箱即账号). Emails are unique across tenants, so the login itself
   * tells which tenant the staff member belongs to; this lookup is the one that is not tenant-scoped.
   * The attempt is counted by the throttles before the password is checked. With MFA on, the
   * answer is a challenge: the session opens once its code is checked (`completeMfa`).
   */
  async login(email: string, password: string, client: LoginClient): Promise<LoginOutcome> {
    const key = normalizeEmail(email);
    const row = await this.repo.findByEmail(key);
    const account = row ? `staff:${row.id}` : `email:${key}`;
    const ticket = await this.reserve(
      [
        { scope: 'login.pair', key: `${client.ip}\n${account}`, policy: loginPolicies.pair },
        { scope: 'login.account', key: account, policy: loginPolicies.account },
        { scope: 'login.ip', key: client.ip, policy: loginPolicies.ip },
      ],
      'too_many_login_attempts',
    );
    const ok = await this.check(ticket, () =>
      row ? this.passwords.verify(row.password_hash, password) : this.passwords.verifyDummy(password),
    );
    if (!row || !ok) throw new UnauthorizedError('invalid_credentials');
    if (row.status !== 'enabled') throw new ForbiddenError('staff_disabled');
    return (await this.mfa.challengeFor(row)) ?? this.openSession(row, client);
  }

  /**
   * The second step of a login with MFA: the challenge's code checked (`verify`: a TOTP or a
   * recovery code; `bind`: the first TOTP of a new device, which also returns the recovery codes),
   * then the session opens as after a password alone.
   */
  async completeMfa(
    step: 'verify' | 'bind',
    challenge: string,
    code: string,
    client: LoginClient,
  ): Promise<LoginResult & { recoveryCodes?: string[] }> {
    const done = await this.mfa.complete(step, challenge, code, client);
    const row = await this.repo.find(done.tenantId, done.staffId);
    if (!row) throw new UnauthorizedError('mfa_challenge_invalid');
    if (row.status !== 'enabled') throw new ForbiddenError('staff_disabled');
    const session = await this.openSession(row, client);
    return done.recoveryCodes ? { ...session, recoveryCodes: done.recoveryCodes } : session;
  }

  /** A new session for a staff member whose sign-in checks all passed. */
  private async openSession(row: StaffRow, client: LoginClient): Promise<LoginResult> {
    const sessionToken = randomToken();
    const csrfToken = randomToken(24);
    const now = Date.now();
    await this.repo.openSession(row, {
      token_hash: hashToken(sessionToken),
      csrf_token: csrfToken,
      user_agent: client.userAgent?.slice(0, 255) ?? null,
      created_at: now,
      expires_at: now + this.sessionTtlMs,
    });
    const tenantId = String(row.tenant_id);
    const roleIds = (await this.roles.rolesByStaff(tenantId, [String(row.id)])).get(String(row.id)) ?? [];
    const staff = toStaff({ ...row, last_login_at: now }, roleIds);
    await this.log.recordForStaff(staff.tenantId, staff.id, {
      objectType: 'staff',
      operation: 'login',
      objectId: staff.id,
      ip: client.ip,
    });
    return { sessionToken, csrfToken, staff, permissions: await this.permissionsOf(staff.tenantId, staff.id, staff.isSuper) };
  }

  private reserve(checks: ThrottleCheck[], code: 'too_many_login_attempts' | 'too_many_requests'): Promise<ThrottleTicket> {
    return reserveAttempt(this.throttle, checks, code);
  }

  private check(ticket: ThrottleTicket, verify: () => Promise<boolean>): Promise<boolean> {
    return settleAttempt(this.throttle, ticket, verify);
  }

  /**
   * Resolves a session cookie to its principal, or null when unknown, expired (absolute or idle),
   * or its staff member disabled. Rights are read on every request: a role change applies at once.
   */
  async principalForSession(sessionToken: string): Promise<Principal | null> {
    const row = await this.repo.findSession(hashToken(sessionToken));
    const now = Date.now();
    if (!row || Number(row.expires_at) <= now || row.status !== 'enabled') return null;
    if (now - Number(row.last_seen_at) > this.sessionIdleMs) {
      await this.repo.deleteSession(String(row.tenant_id), String(row.session_id));
      return null;
    }
    // The tenant belongs to tenancy: asked through its service, never joined.
    if (!(await this.tenants.isActive(String(row.tenant_id)))) return null;
    if (now - Number(row.last_seen_at) > TOUCH_INTERVAL_MS) {
      await this.repo.touchSession(row.session_id, now);
    }
    const isSuper = Boolean(row.is_super);
    return {
      kind: 'staff',
      tenantId: String(row.tenant_id),
      staffId: String(row.staff_id),
      isSuper,
      sessionId: String(row.session_id),
      csrfToken: row.csrf_token,
      permissions: await this.permissionsOf(String(row.tenant_id), String(row.staff_id), isSuper),
    };
  }

  /** Ends the session a browser still carries when it signs in again (a new session replaces it). */
  async endPreviousSession(sessionToken: string | undefined): Promise<void> {
    if (sessionToken) await this.repo.deleteSessionByToken(hashToken(sessionToken));
  }

  async logout(tenantId: string, sessionId: string): Promise<void> {
    await this.repo.deleteSession(tenantId, sessionId);
  }

  /** Changes the caller's own password; every other session of theirs is signed out. */
  async changePassword(tenantId: string, staffId: string, sessionId: string, current: string, next: string): Promise<void> {
    const row = await this.repo.find(tenantId, staffId);
    if (!row) throw new UnauthorizedError();
    const ticket = await this.reserve(
      [{ scope: 'password.change', key: `staff:${row.id}`, policy: loginPolicies.passwordChange }],
      'too_many_requests',
    );
    if (!(await this.check(ticket, () => this.passwords.verify(row.password_hash, current)))) {
      throw new InputError('current_password_wrong', {}, [{ path: 'currentPassword', code: 'current_password_wrong' }]);
    }
    assertPasswordStrength(next, 'newPassword');
    const passwordHash = await this.passwords.hash(next);
    await this.repo.changePassword(tenantId, staffId, sessionId, passwordHash);
  }
}

export const authServiceRef = createServiceRef<AuthService>({ id: 'staff.auth' });
