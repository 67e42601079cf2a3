/**
 * A dimension value as an export writes it: no value is `(空)`, the all-users row `总体`, and a real
 * value that reads like one of those (or starts with a double quote) is written in double quotes — so
 * an SDK that sends `总体` is never mistaken for the total (R22-43).
 */
export function exportLabel(value: string | null | undefined): string {
  if (value === undefined) return '总体';
  if (value === null) return '(空)';
  return value === '总体' || value === '(空)' || value.startsWith('"') ? `"${value}"` : value;
}
