import { InputError } from './errors.js';

/**
 * Keyset cursors of the Open API's lists (ARCHITECTURE §9): the sort key of the last row returned,
 * as opaque text (base64url of a JSON array behind a kind tag). Clients pass it back unchanged; one
 * that does not decode to the expected kind and shape answers 400 `cursor_invalid`. A cursor is
 * no credential: it only says where a page starts, and every query stays within its tenant.
 */
export type CursorValue = string | number;

/** The largest instant a Date holds (±100,000,000 days from 1970). */
export const MAX_EPOCH_MS = 8.64e15;

export function encodeCursor(kind: string, values: readonly CursorValue[]): string {
  return Buffer.from(JSON.stringify([kind, ...values]), 'utf8').toString('base64url');
}

/** The values of a cursor of `kind`, each checked by `shape` (`'string'` or `'number'`, in order). */
export function decodeCursor(kind: string, cursor: string, shape: readonly ('string' | 'number')[]): CursorValue[] {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InputError('cursor_invalid', {}, [{ path: 'cursor', code: 'cursor_invalid' }]);
  }
  const valid =
    Array.isArray(decoded) &&
    decoded.length === shape.length + 1 &&
    decoded[0] === kind &&
    shape.every((type, i) => {
      const value: unknown = decoded[i + 1];
      // Numbers are ids or epoch ms: within ±MAX_EPOCH_MS, the range of a JavaScript Date.
      return type === 'number'
        ? Number.isSafeInteger(value) && Math.abs(value as number) <= MAX_EPOCH_MS
        : typeof value === 'string' && value.length <= 256;
    });
  if (!valid) throw new InputError('cursor_invalid', {}, [{ path: 'cursor', code: 'cursor_invalid' }]);
  return (decoded as CursorValue[]).slice(1);
}
