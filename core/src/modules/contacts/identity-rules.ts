/**
 * Which identifier values may match (ARCHITECTURE §5.8, seed §1.4.7, §1.11.4.7.6). A value in the
 * tenant's blocked list (nil, null, undefined, 1 by default; operators add and remove values) never
 * matches anyone: two people whose SDK sent `userId: "null"` are not one person. Compared trimmed
 * and case-insensitively ("NULL" is as blocked as "null").
 */
export const DEFAULT_BLOCKED_VALUES: readonly string[] = ['nil', 'null', 'undefined', '1'];

/** At most this many blocked values per tenant, each at most this long. */
export const BLOCKED_VALUES_MAX = 100;
export const BLOCKED_VALUE_LENGTH = 191;

const normal = (value: string) => value.trim().toLowerCase();

export class BlockedValues {
  private readonly values: Set<string>;

  constructor(values: readonly string[]) {
    this.values = new Set(values.map(normal));
  }

  /** True when `value` may not identify anyone. */
  blocks(value: string): boolean {
    return this.values.has(normal(value));
  }

  /** `value` when it may match, else undefined. */
  usable(value: string | null | undefined): string | undefined {
    if (value === null || value === undefined || value === '') return undefined;
    return this.blocks(value) ? undefined : value;
  }
}

/**
 * A mobile number the client sent RSA-encrypted (seed §1.11.4.7.6): ciphertext, shown as a string,
 * never matched with a plain number — and two ciphertexts of one number differ (RSA padding is
 * random), so they never match each other either. A plain number has at most 20 digits, spaces,
 * dashes, parentheses and a leading +; anything else is not a number to match on.
 */
export function isMatchableMobile(value: string): boolean {
  const trimmed = value.trim();
  return /^\+?[0-9][0-9 ()-]{4,24}$/.test(trimmed) && trimmed.replace(/\D/g, '').length <= 20;
}
