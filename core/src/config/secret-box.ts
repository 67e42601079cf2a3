import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from './config.js';
import { ensurePrivateDir } from './data-dir.js';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const VERSION = 'v1';

function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/**
 * Authenticated encryption of secrets at rest (AES-256-GCM). Each ciphertext names the id of the
 * key that sealed it, so the master key can rotate: the newest key seals, older keys still open.
 * Format: `v1.<keyId>.<iv>.<ciphertext>.<tag>` (base64url parts).
 */
export class SecretBox {
  private readonly keys = new Map<string, Buffer>();
  private readonly primaryId: string;

  constructor(primary: Buffer, previous: Buffer[] = []) {
    for (const key of [primary, ...previous]) {
      if (key.length !== KEY_BYTES) throw new Error(`A secret key must be ${KEY_BYTES} bytes`);
      this.keys.set(keyId(key), key);
    }
    this.primaryId = keyId(primary);
  }

  get keyId(): string {
    return this.primaryId;
  }

  seal(plaintext: string, associatedData = ''): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.primaryId)!, iv);
    cipher.setAAD(Buffer.from(associatedData, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, this.primaryId, iv.toString('base64url'), body.toString('base64url'), tag.toString('base64url')].join('.');
  }

  open(sealed: string, associatedData = ''): string {
    const [version, id, iv, body, tag] = sealed.split('.');
    if (version !== VERSION || !id || iv === undefined || body === undefined || tag === undefined) {
      throw new Error('Not a sealed secret');
    }
    const key = this.keys.get(id);
    if (!key) throw new Error(`No key with id ${id} to open this secret`);
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(associatedData, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  }

  /** A key for one purpose (cookie sealing, token HMACs…) derived from the master key by HKDF. */
  derive(purpose: string, bytes = 32): Buffer {
    return Buffer.from(hkdfSync('sha256', this.keys.get(this.primaryId)!, Buffer.alloc(0), `huiliu:${purpose}`, bytes));
  }
}

function decodeKey(value: string, label: string): Buffer {
  const key = Buffer.from(value.trim(), 'base64');
  if (key.length !== KEY_BYTES) {
    throw new ConfigError([`${label}: must be ${KEY_BYTES} random bytes in base64 (got ${key.length} bytes)`]);
  }
  return key;
}

/**
 * The master key: `HUILIU_SECRET_KEY` when set, else `<dataDir>/secret.key`, generated (mode 0600)
 * on the first start of an embedded install.
 */
export function loadSecretBox(options: { secretKey?: string; previousSecretKeys?: string; dataDir: string }): SecretBox {
  let primary: Buffer;
  if (options.secretKey) {
    primary = decodeKey(options.secretKey, 'HUILIU_SECRET_KEY');
  } else {
    const file = path.join(options.dataDir, 'secret.key');
    if (existsSync(file)) {
      primary = decodeKey(readFileSync(file, 'utf8'), file);
    } else {
      ensurePrivateDir(options.dataDir);
      primary = randomBytes(KEY_BYTES);
      writeFileSync(file, primary.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
      chmodSync(file, 0o600);
    }
  }
  const previous = (options.previousSecretKeys ?? '')
    .split(',')
    .filter((s) => s.trim() !== '')
    .map((s) => decodeKey(s, 'HUILIU_PREVIOUS_SECRET_KEYS'));
  return new SecretBox(primary, previous);
}
