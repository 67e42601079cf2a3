import { createHash, randomInt } from 'node:crypto';
import { generateSecret, generateURI, verify } from 'otplib';
import QRCode from 'qrcode';
import type { SecretBox } from '../../config/secret-box.js';
import { createServiceRef } from '../../kernel/extension-point.js';
import { hashToken, randomToken } from '../../lib/tokens.js';
import { ConflictError, InputError, UnauthorizedError } from '../../server/errors.js';
import type { Throttle } from '../../server/throttle.js';
import { isUniqueViolation } from '../../store/oltp/oltp-store.js';
import { loginPolicies, reserveAttempt, settleAttempt, type LoginClient } from './auth.service.js';
import type { ChallengeKind, LoginChallengeRow, MfaRepo, StaffMfaRow } from './mfa.repo.js';
import type { StaffRow } from './staff.types.js';

/** The name authenticator apps show above the code (the account is the staff member's email). */
export const MFA_ISSUER = '汇流 Huiliu';
/** How long the step between the password and the code lasts. */
export const CHALLENGE_TTL_MS = 5 * 60_000;
/** Wrong codes a challenge takes before it dies (the login starts over). */
export const CHALLENGE_MAX_ATTEMPTS = 5;
export const RECOVERY_CODE_COUNT = 10;

/** RFC 6238 as authenticator apps expect it: SHA-1, 6 digits, 30 s steps; one step of drift either way. */
const TOTP = { digits: 6, period: 30, epochTolerance: 30 } as const;
/** Recovery codes: 12 characters of an alphabet without look-alikes (0/o, 1/l/i), about 59 bits each. */
const RECOVERY_ALPHABET = '23456789abcdefghjkmnpqrstuvwxyz';
const RECOVERY_LENGTH = 12;

/** A correct password of a staff member with MFA on gets this instead of a session. */
export type MfaChallenge =
  | { mfa: 'required'; challenge: string }
  | {
      /** MFA on, no device bound yet (首次登录绑定设备): the new secret to scan or type in. */
      mfa: 'setup';
      challenge: string;
      secret: string;
      otpauthUri: string;
      /** The otpauth URI as a QR code PNG `data:` URL. */
      qrDataUrl: string;
    };

/** A staff member's own view of their MFA. */
export interface MfaStatus {
  enabled: boolean;
  bound: boolean;
  /** Unused recovery codes (0 when not bound). */
  recoveryCodesLeft: number;
}

/** The steps of the login a challenge's code opens. */
export type ChallengeStep = 'verify' | 'bind';
const kindOf: Record<ChallengeStep, ChallengeKind> = { verify: 'mfa', bind: 'mfa_setup' };

/** Recovery codes as typed: case, spaces and dashes do not matter. */
const normalizeRecoveryCode = (code: string) => code.toLowerCase().replace(/[\s-]/g, '');
/** Recovery codes are random (≈59 bits), so a plain SHA-256 is enough to keep them unusable if leaked. */
const hashRecoveryCode = (code: string) => createHash('sha256').update(normalizeRecoveryCode(code), 'utf8').digest('hex');

function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const chars = Array.from({ length: RECOVERY_LENGTH }, () => RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)]);
    return `${chars.slice(0, 4).join('')}-${chars.slice(4, 8).join('')}-${chars.slice(8).join('')}`;
  });
}

const recoveryHashesOf = (row: StaffMfaRow): string[] => (row.recovery_codes ? (JSON.parse(row.recovery_codes) as string[]) : []);
const isBound = (row: StaffMfaRow | undefined): row is StaffMfaRow & { secret: string } =>
  Boolean(row?.enabled) && row?.bound_at !== null && row?.bound_at !== undefined && typeof row.secret === 'string';

/**
 * 多因素验证 (seed §1.11.4.5.4; docs/decisions/0022-mfa-totp.md): TOTP (RFC 6238) per staff member,
 * switched on by super staff, bound at the first login after, with 10 one-time recovery codes.
 * Secrets are sealed by the SecretBox; a code's time step is never accepted twice.
 */
export class MfaService {
  constructor(
    private readonly repo: MfaRepo,
    private readonly secrets: SecretBox,
    private readonly throttle: Throttle,
  ) {}

  /** The login's second step for a staff member whose password was right, or null when MFA is off. */
  async challengeFor(staff: StaffRow): Promise<MfaChallenge | null> {
    if (!staff.mfa_enabled) return null;
    const tenantId = String(staff.tenant_id);
    const staffId = String(staff.id);
    const state = await this.repo.find(tenantId, staffId);
    if (!state?.enabled) return null;
    const now = Date.now();
    await this.repo.deleteExpiredChallenges(now);
    const challenge = randomToken();
    const row = { staff_id: staffId, token_hash: hashToken(challenge), created_at: now, expires_at: now + CHALLENGE_TTL_MS };
    if (isBound(state)) {
      await this.repo.insertChallenge(tenantId, { ...row, kind: 'mfa', pending_secret: null });
      return { mfa: 'required', challenge };
    }
    // 20 random bytes (160 bits, RFC 4226's recommendation), base32.
    const secret = generateSecret();
    await this.repo.insertChallenge(tenantId, {
      ...row,
      kind: 'mfa_setup',
      pending_secret: this.secrets.seal(secret, this.challengeContext(tenantId, staffId)),
    });
    const otpauthUri = generateURI({ issuer: MFA_ISSUER, label: staff.email, secret, digits: TOTP.digits, period: TOTP.period });
    const qrDataUrl = await QRCode.toDataURL(otpauthUri, { errorCorrectionLevel: 'M', margin: 1, width: 240 });
    return { mfa: 'setup', challenge, secret, otpauthUri, qrDataUrl };
  }

  /**
   * Checks the code of a login challenge, throttled like a password; a wrong code counts against
   * the challenge, which dies with the 5th. `verify` takes a TOTP of the bound device or a recovery
   * code (used up); `bind` takes the first TOTP of the new secret, binds it and returns the new
   * recovery codes. Returns whose session to open.
   */
  async complete(
    step: ChallengeStep,
    token: string,
    code: string,
    client: LoginClient,
  ): Promise<{ tenantId: string; staffId: string; recoveryCodes?: string[] }> {
    const challenge = await this.repo.findChallenge(hashToken(token));
    if (!challenge || challenge.kind !== kindOf[step] || Number(challenge.expires_at) <= Date.now()) {
      throw new UnauthorizedError('mfa_challenge_invalid');
    }
    const tenantId = String(challenge.tenant_id);
    const staffId = String(challenge.staff_id);
    const account = `staff:${staffId}`;
    const ticket = await reserveAttempt(
      this.throttle,
      [
        { scope: 'mfa.pair', key: `${client.ip}\n${account}`, policy: loginPolicies.mfaPair },
        { scope: 'mfa.account', key: account, policy: loginPolicies.mfaAccount },
        { scope: 'login.ip', key: client.ip, policy: loginPolicies.ip },
      ],
      'too_many_login_attempts',
    );
    let recoveryCodes: string[] | undefined;
    const ok = await settleAttempt(this.throttle, ticket, async () => {
      if (step === 'verify') return this.checkLoginCode(challenge, code);
      recoveryCodes = await this.bindDevice(challenge, code);
      return recoveryCodes !== undefined;
    });
    if (!ok) {
      await this.repo.countWrongCode(tenantId, String(challenge.id), CHALLENGE_MAX_ATTEMPTS);
      throw new InputError('mfa_code_invalid', {}, [{ path: 'code', code: 'mfa_code_invalid' }]);
    }
    return { tenantId, staffId, recoveryCodes };
  }

  /** Whether the staff member's MFA is on, bound, and how many recovery codes are left. */
  async status(tenantId: string, staffId: string): Promise<MfaStatus> {
    const state = await this.repo.find(tenantId, staffId);
    const bound = isBound(state);
    return {
      enabled: Boolean(state?.enabled),
      bound,
      recoveryCodesLeft: bound ? recoveryHashesOf(state).length : 0,
    };
  }

  /** New recovery codes for the signed-in staff member (the old ones stop working); needs a current TOTP. */
  async regenerateRecoveryCodes(tenantId: string, staffId: string, code: string): Promise<string[]> {
    const state = await this.repo.find(tenantId, staffId);
    if (!isBound(state)) throw new ConflictError('mfa_not_bound');
    const ticket = await reserveAttempt(
      this.throttle,
      [{ scope: 'mfa.session', key: `staff:${staffId}`, policy: loginPolicies.mfaSession }],
      'too_many_requests',
    );
    const ok = await settleAttempt(this.throttle, ticket, () => this.useTotp(tenantId, staffId, state, code));
    if (!ok) throw new InputError('mfa_code_invalid', {}, [{ path: 'code', code: 'mfa_code_invalid' }]);
    const codes = newRecoveryCodes();
    const current = (await this.repo.find(tenantId, staffId))?.recovery_codes ?? null;
    if (
      current === null ||
      !(await this.repo.swapRecoveryCodes(tenantId, staffId, current, codes.map(hashRecoveryCode), Date.now()))
    ) {
      // Reset or switched off in between.
      throw new ConflictError('mfa_not_bound');
    }
    return codes;
  }

  /**
   * Super staff switch a staff member's MFA on or off (off also clears the binding). A change ends
   * their sessions (but `keepSessionId`) and challenges. Returns whether anything changed.
   */
  async setEnabled(tenantId: string, staffId: string, enabled: boolean, keepSessionId?: string): Promise<boolean> {
    try {
      return await this.repo.transaction(async () => {
        const state = await this.repo.find(tenantId, staffId);
        if (Boolean(state?.enabled) === enabled) return false;
        const now = Date.now();
        if (enabled) await this.repo.enable(tenantId, staffId, now);
        else await this.repo.unbind(tenantId, staffId, false, now);
        await this.repo.endSignIns(tenantId, staffId, keepSessionId);
        return true;
      });
    } catch (error) {
      // Two switches at once both inserted the row: the other one switched it on.
      if (enabled && isUniqueViolation(error)) return false;
      throw error;
    }
  }

  /** 重置: clears a bound device, so the staff member binds one again at the next login. */
  async reset(tenantId: string, staffId: string, keepSessionId?: string): Promise<boolean> {
    return this.repo.transaction(async () => {
      const state = await this.repo.find(tenantId, staffId);
      if (!state?.enabled || (state.bound_at === null && state.secret === null)) return false;
      await this.repo.unbind(tenantId, staffId, true, Date.now());
      await this.repo.endSignIns(tenantId, staffId, keepSessionId);
      return true;
    });
  }

  /** A `verify` challenge's code: a TOTP of the bound device, or one of the recovery codes. */
  private async checkLoginCode(challenge: LoginChallengeRow, code: string): Promise<boolean> {
    const tenantId = String(challenge.tenant_id);
    const staffId = String(challenge.staff_id);
    const state = await this.repo.find(tenantId, staffId);
    // Reset or switched off since the password was checked: that login is over.
    if (!isBound(state)) throw new UnauthorizedError('mfa_challenge_invalid');
    const ok = isTotpShaped(code)
      ? await this.useTotp(tenantId, staffId, state, code)
      : await this.useRecoveryCode(tenantId, staffId, state, code);
    if (ok && !(await this.repo.deleteChallenge(tenantId, String(challenge.id)))) {
      // The same challenge answered twice at once: the other request won.
      throw new UnauthorizedError('mfa_challenge_invalid');
    }
    return ok;
  }

  /** A `bind` challenge's code: the first TOTP of the pending secret binds it. Returns the recovery codes. */
  private async bindDevice(challenge: LoginChallengeRow, code: string): Promise<string[] | undefined> {
    const tenantId = String(challenge.tenant_id);
    const staffId = String(challenge.staff_id);
    if (!challenge.pending_secret) throw new UnauthorizedError('mfa_challenge_invalid');
    const secret = this.secrets.open(challenge.pending_secret, this.challengeContext(tenantId, staffId));
    const step = await checkTotp(secret, code);
    if (step === null) return undefined;
    const codes = newRecoveryCodes();
    await this.repo.transaction(async () => {
      const bound = await this.repo.bind(
        tenantId,
        staffId,
        {
          secret: this.secrets.seal(secret, this.secretContext(tenantId, staffId)),
          step,
          recoveryCodes: codes.map(hashRecoveryCode),
        },
        Date.now(),
      );
      // Switched off, reset or bound by another login since this challenge began: start over.
      if (!bound || !(await this.repo.deleteChallenge(tenantId, String(challenge.id)))) {
        throw new UnauthorizedError('mfa_challenge_invalid');
      }
    });
    return codes;
  }

  /** Checks a TOTP of the bound secret and marks its time step used (a replayed code fails). */
  private async useTotp(
    tenantId: string,
    staffId: string,
    state: StaffMfaRow & { secret: string },
    code: string,
  ): Promise<boolean> {
    const secret = this.secrets.open(state.secret, this.secretContext(tenantId, staffId));
    const lastStep = state.last_step === null ? undefined : Number(state.last_step);
    const step = await checkTotp(secret, code, lastStep);
    return step !== null && this.repo.useStep(tenantId, staffId, state.secret, step, Date.now());
  }

  /** Uses up one recovery code (a code is good once). */
  private async useRecoveryCode(tenantId: string, staffId: string, state: StaffMfaRow, code: string): Promise<boolean> {
    const hashes = recoveryHashesOf(state);
    const hash = hashRecoveryCode(code);
    if (!state.recovery_codes || !hashes.includes(hash)) return false;
    const left = hashes.filter((h) => h !== hash);
    return this.repo.swapRecoveryCodes(tenantId, staffId, state.recovery_codes, left, Date.now());
  }

  /** Binds a sealed secret to its row: a ciphertext copied to another staff member does not open. */
  private secretContext(tenantId: string, staffId: string): string {
    return `staff_mfa:${tenantId}:${staffId}`;
  }

  private challengeContext(tenantId: string, staffId: string): string {
    return `login_challenge:${tenantId}:${staffId}`;
  }
}

/** Six digits (spaces allowed, as apps show `123 456`): a TOTP; anything else is taken as a recovery code. */
function isTotpShaped(code: string): boolean {
  return /^\d{6}$/.test(code.replace(/\s/g, ''));
}

/** The time step a TOTP belongs to (now or one step either side), later than `afterStep`; null if none. */
async function checkTotp(secret: string, code: string, afterStep?: number): Promise<number | null> {
  const token = code.replace(/\s/g, '');
  if (!/^\d{6}$/.test(token)) return null;
  try {
    const result = await verify({ secret, token, ...TOTP, afterTimeStep: afterStep });
    // The TOTP strategy's result names its step (the HOTP one of the shared type does not).
    return result.valid && 'timeStep' in result ? result.timeStep : null;
  } catch {
    // otplib refuses an `afterTimeStep` beyond the window (a clock set back): no code is good then.
    return null;
  }
}

export const mfaServiceRef = createServiceRef<MfaService>({ id: 'staff.mfa' });
