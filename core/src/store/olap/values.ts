import type { OlapColumnType } from './dialect.js';
import { wellFormedReplacer, wellFormedText } from '../../lib/well-formed.js';
import type { ZonedClock } from '../../lib/zoned-clock.js';

/** Returned when a value cannot be stored in a column without losing something. */
export const MISMATCH: unique symbol = Symbol('mismatch');

/**
 * A value ready for a column: varchar → string, double → number, bigint → bigint, integer → number,
 * boolean → boolean, date → days since epoch, timestamp → epoch ms (UTC), varchar[] → string[],
 * json → JSON text. `null` for an absent value.
 */
export type ColumnValue = string | number | bigint | boolean | string[] | null;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const NUMERIC = /^\s*-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;
const INTEGER = /^\s*-?\d+\s*$/;
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const LOCAL_DATETIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/;
const ZONED_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;
const DAY_MS = 86_400_000;

function validDate(year: number, month: number, day: number): number | undefined {
  const ms = Date.UTC(year, month - 1, day);
  const date = new Date(ms);
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  return ms;
}

/** `YYYY-MM-DD` → days since epoch, or undefined. */
export function parseDateOnly(value: string): number | undefined {
  const match = DATE_ONLY.exec(value);
  if (!match) return undefined;
  const ms = validDate(Number(match[1]), Number(match[2]), Number(match[3]));
  return ms === undefined ? undefined : ms / DAY_MS;
}

function parseTimestamp(value: string, clock: ZonedClock): number | undefined {
  if (ZONED_DATETIME.test(value)) {
    const ms = Date.parse(value);
    return Number.isFinite(ms) ? ms : undefined;
  }
  const local = LOCAL_DATETIME.exec(value);
  if (local) {
    const day = validDate(Number(local[1]), Number(local[2]), Number(local[3]));
    const [hour, minute, second] = [Number(local[4]), Number(local[5]), Number(local[6] ?? 0)];
    if (day === undefined || hour > 23 || minute > 59 || second > 59) return undefined;
    const millis = Number((local[7] ?? '0').padEnd(3, '0'));
    // A wall-clock time without a zone is the tenant's (the seed's `YYYY-MM-DD HH:mm:ss`).
    return clock.fromLocal(day + ((hour * 60 + minute) * 60 + second) * 1000 + millis);
  }
  const dateOnly = parseDateOnly(value);
  return dateOnly === undefined ? undefined : clock.fromLocal(dateOnly * DAY_MS);
}

/**
 * Converts an incoming value for a column when nothing is lost ("12" → 12, 1 → true, "2026-01-02
 * 08:00:00" → that instant in the tenant's zone); anything else is a MISMATCH, which the loader
 * stores as NULL with the raw value kept in `extra` (ARCHITECTURE §5.4). Text — varchar, list items,
 * JSON strings and keys — is made well-formed: a lone UTF-16 surrogate becomes U+FFFD on every engine
 * (lib/well-formed.ts).
 */
export function coerce(value: unknown, type: OlapColumnType, clock: ZonedClock): ColumnValue | typeof MISMATCH {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'varchar':
      if (typeof value === 'string') return wellFormedText(value);
      if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean' || typeof value === 'bigint')
        return String(value);
      return MISMATCH;
    case 'double':
      if (typeof value === 'number') return Number.isFinite(value) ? value : MISMATCH;
      if (typeof value === 'string' && NUMERIC.test(value)) {
        // `1e999` is numeric text but no finite number.
        const number = Number(value);
        return Number.isFinite(number) ? number : MISMATCH;
      }
      if (typeof value === 'bigint' && value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER))
        return Number(value);
      return MISMATCH;
    case 'bigint':
    case 'integer': {
      // The usual case first, without a BigInt round trip: an integral number in range.
      if (typeof value === 'number' && Number.isSafeInteger(value)) {
        if (type === 'integer') return value >= -2147483648 && value <= 2147483647 ? value | 0 : MISMATCH;
        return BigInt(value);
      }
      let big: bigint | undefined;
      if (typeof value === 'number' && Number.isSafeInteger(value)) big = BigInt(value);
      else if (typeof value === 'string' && INTEGER.test(value)) big = BigInt(value.trim());
      else if (typeof value === 'bigint') big = value;
      if (big === undefined) return MISMATCH;
      if (type === 'integer') return big >= -2147483648n && big <= 2147483647n ? Number(big) : MISMATCH;
      return big >= INT64_MIN && big <= INT64_MAX ? big : MISMATCH;
    }
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (value === 1 || value === 0) return value === 1;
      if (typeof value === 'string') {
        const lower = value.trim().toLowerCase();
        if (lower === 'true') return true;
        if (lower === 'false') return false;
      }
      return MISMATCH;
    case 'date':
      if (typeof value === 'string') {
        const days = parseDateOnly(value.endsWith(' 00:00:00') ? value.slice(0, 10) : value);
        return days === undefined ? MISMATCH : days;
      }
      return MISMATCH;
    case 'timestamp':
      if (typeof value === 'number') return Number.isFinite(value) ? Math.trunc(value) : MISMATCH;
      if (typeof value === 'string') return parseTimestamp(value, clock) ?? MISMATCH;
      if (value instanceof Date) return Number.isFinite(value.getTime()) ? value.getTime() : MISMATCH;
      return MISMATCH;
    case 'varchar[]':
      if (!Array.isArray(value)) return MISMATCH;
      {
        const out: string[] = [];
        for (const item of value) {
          if (typeof item === 'string') out.push(wellFormedText(item));
          else if ((typeof item === 'number' && Number.isFinite(item)) || typeof item === 'boolean') out.push(String(item));
          else return MISMATCH;
        }
        return out;
      }
    case 'json':
      return JSON.stringify(value, wellFormedReplacer);
  }
}
