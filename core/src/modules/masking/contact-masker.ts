import { MASKED_VALUE } from './masking.types.js';

/**
 * A contact as the serializers show it (the Open API's shape, seed §2.1.3): system fields at the top
 * under identify's names (`mobilePhone`, `idCard`, `state`…) and custom fields under `props.attr<seq>`.
 * Anything else (`id`, times, `utm`, `accounts`) is not a field and is never masked.
 */
export type ContactJson = Record<string, unknown>;

const isBlank = (value: unknown): boolean => value === null || value === undefined || value === '';

/** A column of an export or a list: a field key (`mobilePhone`, `attr3`, `props.attr3`) or an object with one. */
export type MaskableColumn = string | { key: string };

const keyOf = (column: MaskableColumn): string => {
  const key = typeof column === 'string' ? column : column.key;
  return key.startsWith('props.') ? key.slice('props.'.length) : key;
};

/**
 * What one caller may see of contacts (seed §1.11.4.7.5): made by `MaskingService.forPrincipal`
 * once per request (or stored with a task as `toJSON()`), then applied by every contact
 * serializer — list, detail, home timeline names, create and import answers, the edit form, merge
 * candidates and history, exports. Pure and synchronous; it never reads the database.
 *
 * A masked value shows as `***`; an empty one stays empty (null or ''), so the page still tells
 * "no mobile" from "a mobile you may not see". Callers who see clear text (`isClear`: super staff,
 * staff holding 联系人不脱敏, Open API apps) get every value unchanged.
 */
export class ContactMasker {
  readonly maskedFields: ReadonlySet<string>;

  /** A masker that masks nothing (clear text). */
  static readonly clear = new ContactMasker([], true);

  /**
   * @param maskedFields the tenant's masked field keys (kept even when `isClear`, so a page can mark them)
   * @param isClear the caller sees clear text
   */
  constructor(
    maskedFields: Iterable<string>,
    readonly isClear: boolean,
  ) {
    this.maskedFields = new Set(maskedFields);
  }

  /** Rebuilds a masker stored with a task (an export runs after its request ended). */
  static fromJSON(json: { maskedFields: readonly string[]; isClear: boolean }): ContactMasker {
    return new ContactMasker(json.maskedFields, json.isClear);
  }

  toJSON(): { maskedFields: string[]; isClear: boolean } {
    return { maskedFields: [...this.maskedFields].sort(), isClear: this.isClear };
  }

  /** True when this caller sees `fieldKey` as `***`. */
  isMasked(fieldKey: string): boolean {
    return !this.isClear && this.maskedFields.has(fieldKey);
  }

  /** One value of `fieldKey` as this caller sees it: `***` when masked and not empty. */
  value<T>(fieldKey: string, value: T): T | typeof MASKED_VALUE {
    return this.isMasked(fieldKey) && !isBlank(value) ? MASKED_VALUE : value;
  }

  /** The contact with every masked, non-empty value replaced by `***` (a copy; same shape). */
  mask<T extends ContactJson>(contact: T): T {
    return this.rewrite(contact, (key, value) => this.value(key, value));
  }

  /**
   * The name a timeline or a list shows for a contact: its name, else its nickname — each masked by
   * its own setting (首页时间轴: 用户姓名和昵称被加密的场景). Null when it has neither.
   */
  maskName(contact: { name?: string | null; nickname?: string | null }): string | null {
    if (!isBlank(contact.name)) return this.value('name', contact.name!);
    if (!isBlank(contact.nickname)) return this.value('nickname', contact.nickname!);
    return null;
  }

  /**
   * The contact for the edit form (编辑联系人): masked fields blank (null) — the value is never sent
   * to the browser, not even as `***`.
   */
  forEdit<T extends ContactJson>(contact: T): T {
    return this.rewrite(contact, (key, value) => (this.isMasked(key) ? null : value));
  }

  /**
   * An edit's patch as it is to be saved: a masked field left blank (null, '' or absent) — or sent
   * back as `***` — is dropped, so the stored value stays; a value typed into a masked field is kept
   * (saved, and shown masked again). A caller who sees clear text may blank a field to clear it.
   */
  mergeEditPatch<T extends ContactJson>(patch: T): T {
    if (this.isClear) return patch;
    const keep = (key: string, value: unknown) => !(this.isMasked(key) && (isBlank(value) || value === MASKED_VALUE));
    const out: ContactJson = {};
    for (const [key, value] of Object.entries(patch)) {
      if (key === 'props' && isPlainObject(value)) {
        out.props = Object.fromEntries(Object.entries(value).filter(([attr, v]) => keep(attr, v)));
      } else if (keep(key, value)) out[key] = value;
    }
    return out as T;
  }

  /** The columns an export may write (导出联系人: 加密的字段不支持导出): masked ones removed. */
  exportColumns<C extends MaskableColumn>(columns: readonly C[]): C[] {
    return columns.filter((column) => !this.isMasked(keyOf(column)));
  }

  private rewrite<T extends ContactJson>(contact: T, map: (key: string, value: unknown) => unknown): T {
    if (this.isClear || this.maskedFields.size === 0) return contact;
    const out: ContactJson = {};
    for (const [key, value] of Object.entries(contact)) {
      if (key === 'props' && isPlainObject(value))
        out.props = Object.fromEntries(Object.entries(value).map(([attr, v]) => [attr, map(attr, v)]));
      else out[key] = map(key, value);
    }
    return out as T;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
