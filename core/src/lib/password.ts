import { hash, verify } from '@node-rs/argon2';
import { InputError, UnavailableError } from '../server/errors.js';
import { Semaphore, SemaphoreBusyError } from './semaphore.js';

export const PASSWORD_MIN_LENGTH = 8;

/** Argon2id with the library's defaults (19 MiB, t=2, p=1: OWASP's recommended floor). */
export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

/** The seed sets no password rules; ours: at least 8 characters with letters and digits. */
export function assertPasswordStrength(password: string, path = 'password'): void {
  if (password.length < PASSWORD_MIN_LENGTH || !/[A-Za-z]/.test(password) || !/[0-9]/.test(password)) {
    throw new InputError('password_too_weak', { min: PASSWORD_MIN_LENGTH }, [{ path, code: 'password_too_weak' }]);
  }
}

/** A precomputed hash to verify against when the account does not exist (no timing oracle). */
let dummyHash: Promise<string> | undefined;
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword('not-a-real-password-0');
  return dummyHash;
}

/**
 * Argon2 work of one purpose (logins, token exchange), bounded: each check takes ~19 MiB and a
 * CPU core for tens of milliseconds, so a flood must queue (briefly) or be refused with 503
 * `server_busy` instead of slowing every login down. Each purpose has its own lane, so a flood
 * of token exchanges does not starve staff logins.
 */
export class PasswordLane {
  readonly semaphore: Semaphore;

  constructor(limits: { concurrency: number; queue: number; maxWaitMs?: number }) {
    this.semaphore = new Semaphore(limits.concurrency, limits.queue, limits.maxWaitMs ?? 10_000);
  }

  verify(passwordHash: string, password: string): Promise<boolean> {
    return this.gate(() => verifyPassword(passwordHash, password));
  }

  /** Verifies against a dummy hash (an unknown account): the same cost, so no timing oracle. */
  async verifyDummy(password: string): Promise<false> {
    const dummy = await dummyPasswordHash();
    await this.gate(() => verifyPassword(dummy, password));
    return false;
  }

  hash(password: string): Promise<string> {
    return this.gate(() => hashPassword(password));
  }

  private async gate<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await this.semaphore.run(work);
    } catch (error) {
      if (error instanceof SemaphoreBusyError) throw new UnavailableError('server_busy', 1);
      throw error;
    }
  }
}
