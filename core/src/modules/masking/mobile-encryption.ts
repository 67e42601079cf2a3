import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { InputError } from '../../server/errors.js';
import { PUBLIC_KEY_PEM_MAX, RSA_KEY_BITS_MAX, RSA_KEY_BITS_MIN } from './masking.types.js';

/** A checked RSA public key: its PEM (SPKI, as given or converted), size and fingerprint. */
export interface CheckedPublicKey {
  pem: string;
  keyBits: number;
  fingerprint: string;
}

const refuse = (code: string, params: Record<string, unknown> = {}): never => {
  throw new InputError(code, params, [{ path: 'publicKeyPem', code }]);
};

/**
 * Checks the customer's RSA public key (seed §1.11.4.7.6: the customer encrypts mobiles before
 * sending them). A private key is refused outright — Huiliu never decrypts, so it must never hold
 * one — as is anything that is not an RSA public key of 1,024–4,096 bits.
 */
export function checkPublicKey(pem: string): CheckedPublicKey {
  const text = pem.trim();
  if (text.length > PUBLIC_KEY_PEM_MAX) refuse('masking_public_key_invalid');
  if (/PRIVATE KEY/.test(text)) refuse('masking_private_key_refused');
  let key: KeyObject;
  try {
    key = createPublicKey({ key: text, format: 'pem' });
  } catch {
    return refuse('masking_public_key_invalid');
  }
  // createPublicKey derives the public half of a private key or certificate too: only a public key is taken.
  if (!/^-----BEGIN (RSA )?PUBLIC KEY-----/.test(text) || key.asymmetricKeyType !== 'rsa') refuse('masking_public_key_invalid');
  const keyBits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (keyBits < RSA_KEY_BITS_MIN || keyBits > RSA_KEY_BITS_MAX)
    refuse('masking_public_key_size', { min: RSA_KEY_BITS_MIN, max: RSA_KEY_BITS_MAX });
  const der = key.export({ type: 'spki', format: 'der' });
  return {
    pem: key.export({ type: 'spki', format: 'pem' }).toString().trim(),
    keyBits,
    fingerprint: createHash('sha256').update(der).digest('hex'),
  };
}

/**
 * True when `value` has the shape of an RSA ciphertext of a `keyBits` key: base64 (standard or
 * URL-safe) or hex of exactly keyBits / 8 bytes. Tells an encrypted mobile from a plain number for
 * display; identity never matches either way (isMatchableMobile refuses anything but a number).
 */
export function isMobileCiphertext(value: string, keyBits: number): boolean {
  const text = value.trim();
  const bytes = keyBits / 8;
  if (/^[0-9a-fA-F]+$/.test(text) && text.length === bytes * 2) return true;
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) return false;
  return Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64').length === bytes;
}
