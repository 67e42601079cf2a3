import { hash, verify } from '@node-rs/argon2';
import { InputError } from '../server/errors.js';

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
