import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A random opaque token (session ids, bearer tokens, setup tokens). */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * A writeKey (custom-channel apps, mini-program channels): a public identifier of 32 URL-safe
 * characters that names the tenant and channel the SDK's data belongs to.
 */
export function generateWriteKey(): string {
  return randomToken(24);
}

/** How opaque tokens are stored: their SHA-256, so a database leak reveals no usable token. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}
