import type { SecretBox } from '../../config/secret-box.js';
import { DomainError } from '../../server/errors.js';

/**
 * A channel's secret settings at rest (ADR 0039): the `secret_settings` column holds a JSON map
 * from each secret field's name to its value sealed with the SecretBox (AES-256-GCM). The
 * associated data binds the tenant, the channel and the field, so a sealed value copied to another
 * channel row, another tenant or another field fails to open. The names are in clear: they are
 * what `secretsSet` shows, and reading them needs no decryption.
 */
export function secretAssociatedData(tenantId: string, channelId: string, field: string): string {
  return `channel-settings:${tenantId}:${channelId}:${field}`;
}

type SealedMap = Record<string, string>;

function parseSealed(column: string | null | undefined): SealedMap {
  if (!column) return {};
  const parsed = JSON.parse(column) as unknown;
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
  return Object.fromEntries(Object.entries(parsed).filter(([, value]) => typeof value === 'string')) as SealedMap;
}

/** The secret fields that hold a value, without opening anything. */
export function secretNames(column: string | null | undefined): string[] {
  return Object.keys(parseSealed(column)).sort();
}

/** The column's value for these clear secrets: null when there is none. */
export function sealSecrets(box: SecretBox, tenantId: string, channelId: string, secrets: Record<string, string>): string | null {
  const entries = Object.entries(secrets);
  if (entries.length === 0) return null;
  return JSON.stringify(
    Object.fromEntries(
      entries.map(([field, value]) => [field, box.seal(value, secretAssociatedData(tenantId, channelId, field))]),
    ),
  );
}

/**
 * The clear values of the named secret fields (all by default) that hold one. A value that does
 * not open — copied from another row, or sealed by a master key no longer configured — is a 500
 * `channel_settings_unreadable`: the operator enters the secret again.
 */
export function openSecrets(
  box: SecretBox,
  tenantId: string,
  channelId: string,
  column: string | null | undefined,
  fields?: readonly string[],
): Record<string, string> {
  const sealed = parseSealed(column);
  const out: Record<string, string> = {};
  for (const [field, value] of Object.entries(sealed)) {
    if (fields && !fields.includes(field)) continue;
    try {
      out[field] = box.open(value, secretAssociatedData(tenantId, channelId, field));
    } catch {
      throw new DomainError('channel_settings_unreadable', 500, { field });
    }
  }
  return out;
}

/** `text` with every secret value replaced by `[secret]` (for logging a connector's error). */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of [...secrets].filter((s) => s.length > 0).sort((a, b) => b.length - a.length)) {
    out = out.split(secret).join('[secret]');
  }
  return out;
}
