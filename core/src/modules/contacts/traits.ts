import { contactTraitFields, utmKeys, type ContactPatch } from './contacts.types.js';

/** A problem with one value of an identify, by path (`gender`, `props.attr2`, `utm.source`). */
export interface TraitProblem {
  path: string;
  code: string;
}

export interface TraitsResult {
  patch: ContactPatch;
  problems: TraitProblem[];
  /** Keys that are neither system fields nor custom fields (the collect API ignores them). */
  unknown: string[];
}

/** A custom field as identify sees it: `attr<seq>` and its type (§1.10.7). */
export interface TraitField {
  key: string;
  type: 'string' | 'integer' | 'decimal' | 'date' | 'anniversary';
}

const GENDERS = new Set(['male', 'female', 'unknown']);
const STRING_ATTRIBUTE_MAX = 1024;
/** Keys of an identify body that are not traits (the Open API's envelope). */
const ENVELOPE = new Set(['externalId', 'channel', 'weChatInfo', 'utm', 'props', 'dateOfBirthday']);

/** `YYYY-MM-DD` and a real calendar day (no 2023-02-29). */
export function isCalendarDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** An empty string clears a value like null does. */
const blank = (value: unknown): boolean => value === null || value === '';

/**
 * Checks the traits of an identify (seed §2.1.3): system fields are strings of bounded length;
 * gender is male/female/unknown; birthday (or dateOfBirthday) is `YYYY-MM-DD`; `utm` holds the five
 * created-utm strings; `props.attrN` are custom fields typed by the metadata. Returns the patch and
 * every problem (the Open API answers them as a 400, the collect API quarantines the message).
 */
export function validateTraits(
  traits: Record<string, unknown>,
  fields: readonly TraitField[],
  options: {
    birthdayWritable: boolean;
    /** The longest mobile taken: more than a number's 64 while the tenant sends RSA-encrypted mobiles (masking). */
    mobileMax?: number;
  },
): TraitsResult {
  const patch: ContactPatch = { fields: {}, attributes: {}, utm: {} };
  const problems: TraitProblem[] = [];
  const unknown: string[] = [];
  const known = new Set<string>(contactTraitFields.map((f) => f.key));

  const birthdayKey = traits.dateOfBirthday !== undefined ? 'dateOfBirthday' : 'birthday';
  for (const field of contactTraitFields) {
    const key = field.key === 'birthday' ? birthdayKey : field.key;
    const value = traits[key];
    if (value === undefined) continue;
    if (blank(value)) {
      if (field.key === 'birthday' && !options.birthdayWritable) problems.push({ path: key, code: 'contact_birthday_readonly' });
      else patch.fields[field.column] = null;
      continue;
    }
    if (typeof value !== 'string') {
      problems.push({ path: key, code: 'contact_value_invalid' });
      continue;
    }
    const max =
      field.key === 'mobilePhone' && options.mobileMax !== undefined ? Math.max(field.max, options.mobileMax) : field.max;
    if (value.length > max) {
      problems.push({ path: key, code: 'contact_value_too_long' });
      continue;
    }
    if (field.key === 'gender' && !GENDERS.has(value)) {
      problems.push({ path: key, code: 'contact_gender_invalid' });
      continue;
    }
    if (field.key === 'birthday') {
      if (!options.birthdayWritable) {
        problems.push({ path: key, code: 'contact_birthday_readonly' });
        continue;
      }
      if (!isCalendarDate(value)) {
        problems.push({ path: key, code: 'contact_birthday_invalid' });
        continue;
      }
    }
    patch.fields[field.column] = value;
  }

  const utm = traits.utm;
  if (utm !== undefined && utm !== null) {
    if (typeof utm !== 'object' || Array.isArray(utm)) problems.push({ path: 'utm', code: 'contact_value_invalid' });
    else
      for (const [key, value] of Object.entries(utm as Record<string, unknown>)) {
        if (!(utmKeys as readonly string[]).includes(key)) unknown.push(`utm.${key}`);
        else if (blank(value)) continue;
        else if (typeof value !== 'string') problems.push({ path: `utm.${key}`, code: 'contact_value_invalid' });
        else if (value.length > 255) problems.push({ path: `utm.${key}`, code: 'contact_value_too_long' });
        else patch.utm[key as (typeof utmKeys)[number]] = value;
      }
  }

  const props = traits.props;
  if (props !== undefined && props !== null) {
    if (typeof props !== 'object' || Array.isArray(props)) problems.push({ path: 'props', code: 'contact_value_invalid' });
    else {
      const byKey = new Map(fields.map((f) => [f.key, f]));
      for (const [key, value] of Object.entries(props as Record<string, unknown>)) {
        const field = byKey.get(key);
        const path = `props.${key}`;
        if (!field) {
          problems.push({ path, code: 'contact_attribute_unknown' });
          continue;
        }
        const seq = key.slice('attr'.length);
        if (blank(value)) {
          patch.attributes[seq] = null;
          continue;
        }
        const converted = attributeValue(field.type, value);
        if (converted === undefined) problems.push({ path, code: 'contact_attribute_invalid' });
        else patch.attributes[seq] = converted;
      }
    }
  }

  for (const key of Object.keys(traits)) if (!known.has(key) && !ENVELOPE.has(key)) unknown.push(key);
  return { patch, problems, unknown };
}

/** A custom field's value in its type, or undefined when it cannot be taken without loss. */
function attributeValue(type: TraitField['type'], value: unknown): string | number | undefined {
  switch (type) {
    case 'string':
      if (typeof value === 'number' && Number.isFinite(value)) return String(value);
      return typeof value === 'string' && value.length <= STRING_ATTRIBUTE_MAX ? value : undefined;
    case 'integer': {
      const n = typeof value === 'string' && /^-?\d{1,15}$/.test(value.trim()) ? Number(value) : value;
      return typeof n === 'number' && Number.isSafeInteger(n) ? n : undefined;
    }
    case 'decimal': {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
    }
    case 'date':
    case 'anniversary':
      return typeof value === 'string' && isCalendarDate(value) ? value : undefined;
  }
}
