import { contactTraitFields, utmKeys, type ContactPatch, type ContactRow } from './contacts.types.js';

/** A contact is identified once name, mobile or email has a value (§1.4.10.5). */
export const isIdentified = (row: Pick<ContactRow, 'name' | 'mobile' | 'email'>): boolean =>
  Boolean(row.name || row.mobile || row.email);

/**
 * What applying `patch` at `at` changes on `row`, or null when no value changes — the one rule the
 * identify step (IdentityBatch) and the Open API's update share. The contact becomes identified once
 * name, mobile or email has a value: at that moment its created time (`at`) and created utm (the
 * patch's, else empty) are recorded. With every identifying value cleared it is anonymous again; its
 * created time and utm stay on record. `updated_at` is the caller's (it moves only on a change).
 */
export function contactChange(row: ContactRow, patch: ContactPatch, at: number): Partial<ContactRow> | null {
  const change: Partial<ContactRow> = {};
  for (const field of contactTraitFields) {
    const value = patch.fields[field.column];
    if (value !== undefined && (row[field.column] ?? null) !== value) (change as Record<string, unknown>)[field.column] = value;
  }
  const attributes = row.attributes ? (JSON.parse(row.attributes) as Record<string, unknown>) : {};
  let attributesChanged = false;
  for (const [seq, value] of Object.entries(patch.attributes)) {
    if ((attributes[seq] ?? null) === value) continue;
    attributesChanged = true;
    if (value === null) delete attributes[seq];
    else attributes[seq] = value;
  }
  if (attributesChanged) change.attributes = JSON.stringify(attributes);
  if (Object.keys(change).length === 0) return null;

  const next = { ...row, ...change };
  if (!row.identified && isIdentified(next)) {
    change.identified = true;
    change.created_at = at;
    for (const utm of utmKeys) change[`utm_${utm}`] = patch.utm[utm] ?? null;
  } else if (row.identified && !isIdentified(next)) {
    change.identified = false;
  }
  return change;
}
