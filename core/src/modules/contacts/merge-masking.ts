import type { ContactMasker } from '../masking/masking.service.js';
import type { ContactMerge, ContactSummary, MergeCandidate } from './contacts.service.js';
import { contactTraitFields } from './contacts.types.js';

/** A contact row's system column → the field key masks name (`mobile` → `mobilePhone`, `province` → `state`). */
const fieldKeyOfColumn = new Map<string, string>(contactTraitFields.map((field) => [field.column, field.key]));

/**
 * A contact row as the merge history keeps it (OLTP columns, custom fields as the `attributes`
 * JSON by seq) with the caller's masks applied: system columns by their field key, custom fields as
 * `attr<seq>`. Other columns (id, times, utm) are no fields and stay.
 */
export function maskContactRow(row: Record<string, unknown>, masker: ContactMasker): Record<string, unknown> {
  if (masker.isClear || masker.maskedFields.size === 0) return row;
  const out: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(row)) {
    const key = fieldKeyOfColumn.get(column);
    if (key) out[column] = masker.value(key, value);
    else if (column === 'attributes' && value !== null && value !== undefined) out[column] = maskAttributes(value, masker);
    else out[column] = value;
  }
  return out;
}

function maskAttributes(value: unknown, masker: ContactMasker): unknown {
  const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return value;
  const masked = Object.fromEntries(Object.entries(parsed).map(([seq, v]) => [seq, masker.value(`attr${seq}`, v)]));
  return typeof value === 'string' ? JSON.stringify(masked) : masked;
}

/** 合并历史: both contacts' values before the merge, masked (合并联系人：加密的字段继续显示为加密格式). */
export function maskMerge(merge: ContactMerge, masker: ContactMasker): ContactMerge {
  if (masker.isClear) return merge;
  const { survivor, merged } = merge.before;
  return {
    ...merge,
    before: {
      ...merge.before,
      survivor: survivor ? maskContactRow(survivor, masker) : survivor,
      merged: merged ? maskContactRow(merged, masker) : merged,
    },
  };
}

/** One side of a merge candidate: its name, mobile, email and nickname masked. */
export function maskSummary(summary: ContactSummary, masker: ContactMasker): ContactSummary {
  return {
    ...summary,
    name: masker.value('name', summary.name),
    mobile: masker.value('mobilePhone', summary.mobile),
    email: masker.value('email', summary.email),
    nickname: masker.value('nickname', summary.nickname),
  };
}

export function maskCandidate(candidate: MergeCandidate, masker: ContactMasker): MergeCandidate {
  if (masker.isClear) return candidate;
  const [a, b] = candidate.contacts;
  return { ...candidate, contacts: [maskSummary(a, masker), maskSummary(b, masker)] };
}
