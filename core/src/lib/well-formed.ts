/**
 * One rule for lone UTF-16 surrogates (ADR 0017 amendment, ADR 0065 amendment): each becomes U+FFFD,
 * wherever text enters the data (ingestion) and wherever a store is written (the OLAP values). A lone
 * surrogate has no UTF-8 form: drivers encoding to UTF-8 already write U+FFFD (DuckDB's VARCHAR,
 * mysql2, better-sqlite3), while JSON.stringify keeps it as a `\udxxx` escape, which DuckDB's JSON
 * functions refuse ("no low surrogate") and StarRocks' JSON reader may refuse with the whole Stream
 * Load. Replacing it first makes every store keep the same text.
 */

// String.prototype.toWellFormed is in Node 20 (V8 11.3) but in TypeScript's ES2024 lib, not ES2023.
type WellFormedString = string & { isWellFormed(): boolean; toWellFormed(): string };

/** `text` with every lone surrogate replaced by U+FFFD (the same string when there is none). */
export function wellFormedText(text: string): string {
  const candidate = text as WellFormedString;
  return candidate.isWellFormed() ? text : candidate.toWellFormed();
}

/**
 * `value` with every string in it — values and object keys, at any depth — well-formed. Parts that
 * need no change are returned as they are (no copy). Recursive: callers bound the depth first.
 */
export function wellFormed<T>(value: T): T {
  if (typeof value === 'string') return wellFormedText(value) as T;
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    value.forEach((item: unknown, index) => {
      const fixed = wellFormed(item);
      if (fixed !== item) (out ??= [...(value as unknown[])])[index] = fixed;
    });
    return (out ?? value) as T;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) return value;
  let changed = false;
  const entries = Object.entries(value as Record<string, unknown>).map(([key, item]) => {
    const fixedKey = wellFormedText(key);
    const fixed = wellFormed(item);
    if (fixedKey !== key || fixed !== item) changed = true;
    return [fixedKey, fixed] as const;
  });
  return (changed ? Object.fromEntries(entries) : value) as T;
}

/** JSON.stringify's replacer for well-formed text: strings and object keys (bigints as their decimal text). */
export function wellFormedReplacer(this: unknown, _key: string, value: unknown): unknown {
  if (typeof value === 'string') return wellFormedText(value);
  if (typeof value === 'bigint') return value.toString();
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.some((key) => !(key as WellFormedString).isWellFormed()))
      return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [wellFormedText(k), v]));
  }
  return value;
}
