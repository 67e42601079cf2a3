import { isMatchableMobile } from '../contacts/identity-rules.js';

/**
 * 查重规则 (seed §1.4.7): the fields a dedupe compares — only 手机号码, 证件号 and 邮箱 — and how.
 * The field keys are the identify API's (`mobilePhone`, `idCard`, `email`).
 */
export const DEDUPE_FIELDS = ['mobilePhone', 'idCard', 'email'] as const;
export type DedupeField = (typeof DEDUPE_FIELDS)[number];

/** The contacts master's column of each field. */
export const dedupeColumn: Record<DedupeField, 'mobile' | 'id_card' | 'email'> = {
  mobilePhone: 'mobile',
  idCard: 'id_card',
  email: 'email',
};

/** `any`: 所选属性值任意其一相同即判定为同一用户; `all`: 所选属性值均相同时即判定为同一用户. */
export type DedupeMode = 'any' | 'all';

/** 默认增加过滤条件：nil、null、undefined、1 (the seed's defaults; operators add and remove values). */
export const DEFAULT_EXCLUDED_VALUES: readonly string[] = ['nil', 'null', 'undefined', '1'];
export const EXCLUDED_VALUES_MAX = 100;
export const EXCLUDED_VALUE_LENGTH = 191;

export interface DedupeRules {
  fields: DedupeField[];
  mode: DedupeMode;
  excludedValues: string[];
}

/** The rules of a tenant that never saved any: the seed's "手机号码、邮箱、身份证号码任意一个相同". */
export const DEFAULT_RULES: DedupeRules = {
  fields: [...DEDUPE_FIELDS],
  mode: 'any',
  excludedValues: [...DEFAULT_EXCLUDED_VALUES],
};

/** How two values compare: trimmed and case-insensitively (`A@X.cn ` = `a@x.cn`; an ID card's `x` = `X`). */
export const normalValue = (value: string): string => value.trim().toLowerCase();

/** A contact holding a value another contact holds too (the contacts repo's answer). */
export interface Holder {
  id: string;
  value: string;
  updatedAt: number;
}

/** One set of duplicates: its members (by id) and the fields whose equal values linked them. */
export interface DuplicateSet {
  members: { id: string; updatedAt: number }[];
  matchedFields: DedupeField[];
}

/**
 * Whether a held value may match at all: not empty, not excluded (the repo filters these too), and
 * for mobiles a plain number — an RSA-encrypted mobile never matches (§1.11.4.7.6, ADR 0024).
 */
export function matchable(field: DedupeField, value: string, excluded: ReadonlySet<string>): boolean {
  const normal = normalValue(value);
  if (normal === '' || excluded.has(normal)) return false;
  return field !== 'mobilePhone' || isMatchableMobile(value);
}

/**
 * The duplicate sets under the rules, from each field's holders of shared values.
 *
 * - `any`: contacts are linked when any chosen field has an equal value; a set is a connected
 *   component of those links (A and B share a mobile, B and C an email → A, B and C are one set), so
 *   the sets are disjoint and merging one set never touches another.
 * - `all`: contacts are one set when every chosen field has a value and all of them are equal; a
 *   contact missing one of the fields is in no set.
 *
 * Sets have at least two members; members and sets are ordered by id.
 */
export function duplicateSets(
  rules: Pick<DedupeRules, 'fields' | 'mode' | 'excludedValues'>,
  holders: ReadonlyMap<DedupeField, readonly Holder[]>,
): DuplicateSet[] {
  const excluded = new Set(rules.excludedValues.map(normalValue));
  const updatedAt = new Map<string, number>();
  // field → contact → normalised value, for matchable values only.
  const values = new Map<DedupeField, Map<string, string>>();
  for (const field of rules.fields) {
    const byContact = new Map<string, string>();
    for (const holder of holders.get(field) ?? []) {
      if (!matchable(field, holder.value, excluded)) continue;
      byContact.set(holder.id, normalValue(holder.value));
      updatedAt.set(holder.id, holder.updatedAt);
    }
    values.set(field, byContact);
  }

  const groups: { ids: string[]; fields: Set<DedupeField> }[] = [];
  if (rules.mode === 'all') {
    const [first, ...rest] = rules.fields;
    if (!first) return [];
    const byTuple = new Map<string, string[]>();
    for (const [id, value] of values.get(first)!) {
      const tuple = [value];
      let complete = true;
      for (const field of rest) {
        const other = values.get(field)!.get(id);
        if (other === undefined) {
          complete = false;
          break;
        }
        tuple.push(other);
      }
      if (!complete) continue;
      const key = JSON.stringify(tuple);
      byTuple.set(key, [...(byTuple.get(key) ?? []), id]);
    }
    for (const ids of byTuple.values()) if (ids.length > 1) groups.push({ ids, fields: new Set(rules.fields) });
  } else {
    // Union-find over the links of every chosen field.
    const parent = new Map<string, string>();
    const find = (id: string): string => {
      let root = id;
      while (parent.get(root) !== root) root = parent.get(root)!;
      for (let at = id; at !== root;) {
        const next = parent.get(at)!;
        parent.set(at, root);
        at = next;
      }
      return root;
    };
    const linkedBy = new Map<string, Set<DedupeField>>();
    const byValue = new Map<DedupeField, Map<string, string[]>>();
    for (const field of rules.fields) {
      const holdersOf = new Map<string, string[]>();
      for (const [id, value] of values.get(field)!) holdersOf.set(value, [...(holdersOf.get(value) ?? []), id]);
      byValue.set(field, holdersOf);
      for (const ids of holdersOf.values()) {
        if (ids.length < 2) continue;
        for (const id of ids) if (!parent.has(id)) parent.set(id, id);
      }
    }
    for (const [field, holdersOf] of byValue)
      for (const ids of holdersOf.values()) {
        if (ids.length < 2) continue;
        const root = find(ids[0]!);
        for (const id of ids.slice(1)) {
          const other = find(id);
          if (other !== root) parent.set(other, root);
        }
        for (const id of ids) linkedBy.set(id, (linkedBy.get(id) ?? new Set()).add(field));
      }
    const components = new Map<string, string[]>();
    for (const id of parent.keys()) {
      const root = find(id);
      components.set(root, [...(components.get(root) ?? []), id]);
    }
    for (const ids of components.values()) {
      const fields = new Set<DedupeField>();
      for (const id of ids) for (const field of linkedBy.get(id) ?? []) fields.add(field);
      groups.push({ ids, fields });
    }
  }

  return groups
    .map(({ ids, fields }) => ({
      members: ids.sort((a, b) => Number(a) - Number(b)).map((id) => ({ id, updatedAt: updatedAt.get(id)! })),
      matchedFields: DEDUPE_FIELDS.filter((field) => fields.has(field)),
    }))
    .sort((a, b) => Number(a.members[0]!.id) - Number(b.members[0]!.id));
}
