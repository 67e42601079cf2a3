import type { Logger } from 'pino';
import type { HuiliuConfig } from '../../config/config.js';
import type { TaskQueue } from '../../jobs/task-queue.js';
import { RetryableTaskError, type TaskContext } from '../../jobs/task.types.js';
import { createServiceRef } from '../../kernel/extension-point.js';
import { MailSendError, type Mailer } from '../../lib/mailer.js';
import { assertPasswordStrength } from '../../lib/password.js';
import { hashToken, randomToken } from '../../lib/tokens.js';
import { DomainError, InputError, RateLimitError } from '../../server/errors.js';
import { limitPerWindow, ThrottledError, type Throttle, type ThrottleCheck } from '../../server/throttle.js';
import type { TenantService } from '../tenancy/tenant.service.js';
import type { AuthService } from './auth.service.js';
import type { PasswordResetRepo } from './password-reset.repo.js';
import { passwordResetMail } from './password-reset.mail.js';
import { normalizeEmail } from './staff.types.js';

/** A reset link works this long after its mail is sent. */
export const PASSWORD_RESET_TTL_MS = 30 * 60_000;
/** The durable task that mails one reset link (created for existing, enabled staff only). */
export const PASSWORD_RESET_MAIL_TASK = 'staff.passwordResetMail';
/** Requests kept as history this long, then forgotten (at the staff member's next request). */
const HISTORY_MS = 90 * 86_400_000;
/** Accepted requests waiting for their lookup in this process; beyond that new ones are dropped (and logged). */
const MAX_PENDING = 1000;

/**
 * Reset requests per window (docs/decisions/0021-password-reset-by-email.md), counted whether or
 * not the email belongs to anyone: per email (no mailbox gets flooded) and per client address.
 */
export const passwordResetPolicies = {
  email: limitPerWindow({ max: 5, windowMs: 3600_000, onSuccess: 'keep' }),
  ip: limitPerWindow({ max: 20, windowMs: 3600_000, onSuccess: 'keep' }),
};

/** Where a request came from. */
export interface ResetClient {
  ip: string;
  /** The origin the client asked for, the link's base when `publicUrl` is not configured. */
  origin: string | undefined;
}

interface Pending {
  email: string;
  ip: string;
  origin: string | undefined;
}

/** The mail task's payload: the request, and the link's base when no `publicUrl` is configured. */
interface MailPayload {
  resetId: string;
  origin: string | null;
}

/**
 * 忘记密码 (seed §1.1.3.1.1, §1.2.2). A request answers the same whatever the email and does the
 * same work on the request path (count it, queue it in memory); the lookup happens afterwards, and
 * for an existing, enabled staff member a request row and a durable mail task are stored together.
 * The task makes the token (only its hash is stored) and sends the mail, with retries.
 */
/**
 * Without `publicUrl` the link may take the request's origin only when it names this machine
 * (localhost, 127.0.0.0/8, ::1 — a developer's console): any other Host header could be forged to
 * mail a staff member a link to someone else's site (reset-link poisoning).
 */
export function loopbackOrigin(origin: string | undefined): string | null {
  if (!origin) return null;
  try {
    const { hostname } = new URL(origin);
    return hostname === 'localhost' || /^127(\.\d{1,3}){3}$/.test(hostname) || hostname === '[::1]' ? origin : null;
  } catch {
    return null;
  }
}

export class PasswordResetService {
  private readonly pending: Pending[] = [];
  private draining: Promise<void> | undefined;

  constructor(
    private readonly repo: PasswordResetRepo,
    private readonly deps: {
      auth: AuthService;
      tenants: TenantService;
      throttle: Throttle;
      mailer: Mailer;
      tasks: TaskQueue;
      config: HuiliuConfig;
      logger: Logger;
      clock?: () => number;
    },
  ) {}

  private now(): number {
    return (this.deps.clock ?? Date.now)();
  }

  /** Whether mails can be sent (an SMTP server is configured). */
  get mailConfigured(): boolean {
    return this.deps.mailer.configured;
  }

  /**
   * Accepts a request (or refuses it with 429 when its email or address asked too often). Nothing
   * here depends on whether the email belongs to anyone: no answer and no timing tells.
   */
  async request(email: string, client: ResetClient): Promise<void> {
    const key = normalizeEmail(email);
    await this.reserve([
      { scope: 'reset.email', key, policy: passwordResetPolicies.email },
      { scope: 'reset.ip', key: client.ip, policy: passwordResetPolicies.ip },
    ]);
    if (!this.deps.mailer.configured) {
      this.deps.logger.warn('a password reset was asked for, but no SMTP server is configured (mail.smtp): no mail is sent');
      return;
    }
    if (this.pending.length >= MAX_PENDING) {
      this.deps.logger.warn('password reset requests arrive faster than they are handled: one was dropped');
      return;
    }
    this.pending.push({ email: key, ip: client.ip, origin: client.origin });
    this.draining ??= this.drain().finally(() => {
      this.draining = undefined;
    });
  }

  /** Resolves once every accepted request has been looked at (tests; stopping). */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private async drain(): Promise<void> {
    // Off the request path: the answer is on its way before any lookup starts.
    await new Promise((resolve) => setImmediate(resolve));
    for (let next = this.pending.shift(); next; next = this.pending.shift()) {
      try {
        await this.accept(next);
      } catch (error) {
        // Errors of the store can quote the statement's values (the address): code only.
        this.deps.logger.error({ code: (error as { code?: unknown }).code }, 'a password reset request could not be recorded');
      }
    }
  }

  /** An existing, enabled staff member of an active tenant gets a request row and its mail task. */
  private async accept(request: Pending): Promise<void> {
    const staff = await this.repo.findStaffByEmail(request.email);
    if (!staff || staff.status !== 'enabled') return;
    const tenantId = String(staff.tenant_id);
    if (!(await this.deps.tenants.isActive(tenantId))) return;
    const now = this.now();
    await this.repo.prune(tenantId, String(staff.id), now - HISTORY_MS);
    await this.repo.record(
      tenantId,
      { staff_id: String(staff.id), created_at: now, expires_at: now + PASSWORD_RESET_TTL_MS, requested_ip: request.ip || null },
      async (resetId) => {
        const payload: MailPayload = { resetId, origin: this.deps.config.publicUrl ? null : loopbackOrigin(request.origin) };
        await this.deps.tasks.enqueue(tenantId, PASSWORD_RESET_MAIL_TASK, { ...payload });
      },
    );
  }

  /**
   * The mail task: a fresh token for the request (older unused links of the staff member stop
   * working), then the mail. A failure the SMTP server may get over is retried with a new token.
   */
  async sendMail({ task, logger }: Pick<TaskContext, 'task' | 'logger'>): Promise<void> {
    const payload = task.payload as unknown as MailPayload;
    const base = (this.deps.config.publicUrl ?? payload.origin ?? '').replace(/\/+$/, '');
    if (!base) {
      logger.warn(
        'password reset mail not sent: set publicUrl (the request came to a host other than this machine, which a Host header can forge)',
      );
      return;
    }
    if (!this.deps.mailer.configured) {
      logger.warn('password reset mail not sent: no SMTP server is configured (mail.smtp)');
      return;
    }
    const token = randomToken();
    const now = this.now();
    const staff = await this.repo.issue(
      task.tenantId,
      String(payload.resetId),
      hashToken(token),
      now,
      now + PASSWORD_RESET_TTL_MS,
    );
    if (!staff) return; // used, expired, superseded, or the staff member was disabled meanwhile
    const link = `${base}/reset-password?token=${encodeURIComponent(token)}`;
    try {
      await this.deps.mailer.send(
        passwordResetMail({ to: staff.email, name: staff.name, link, minutes: PASSWORD_RESET_TTL_MS / 60_000 }),
      );
    } catch (error) {
      if (!(error instanceof MailSendError)) throw error;
      // The message names codes only (an SMTP refusal quotes the address).
      if (error.retryable) throw new RetryableTaskError('mail_send_failed', error.message);
      throw Object.assign(new Error(error.message), { code: 'mail_send_failed' });
    }
  }

  /**
   * Sets a new password with a mailed token: unknown, expired and used tokens are refused alike
   * (400 `password_reset_token_invalid`). The password, the token's use and the end of every session
   * of the staff member are one transaction; of two confirms of one token exactly one succeeds.
   */
  async confirm(token: string, newPassword: string): Promise<void> {
    const reset = await this.repo.findByTokenHash(hashToken(token));
    if (
      !reset ||
      reset.used_at !== null ||
      Number(reset.expires_at) <= this.now() ||
      reset.status !== 'enabled' ||
      !(await this.deps.tenants.isActive(String(reset.tenant_id)))
    ) {
      throw invalidToken();
    }
    assertPasswordStrength(newPassword, 'newPassword');
    const passwordHash = await this.deps.auth.passwords.hash(newPassword);
    const done = await this.repo.consume(
      String(reset.tenant_id),
      String(reset.id),
      String(reset.staff_id),
      passwordHash,
      this.now(),
    );
    if (!done) throw invalidToken();
  }

  /** Waits for the requests accepted so far (the server stopped taking new ones). */
  async stop(): Promise<void> {
    await this.idle();
  }

  private async reserve(checks: ThrottleCheck[]): Promise<void> {
    try {
      await this.deps.throttle.reserve(checks);
    } catch (error) {
      if (!(error instanceof ThrottledError)) throw error;
      const seconds = Math.ceil(error.retryAfterMs / 1000);
      throw new RateLimitError('too_many_requests', {}, seconds);
    }
  }
}

function invalidToken(): DomainError {
  return new InputError('password_reset_token_invalid', {}, [{ path: 'token', code: 'password_reset_token_invalid' }]);
}

export const passwordResetServiceRef = createServiceRef<PasswordResetService>({ id: 'staff.passwordReset' });
