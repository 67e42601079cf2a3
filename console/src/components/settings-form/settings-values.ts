import type { FormInstance } from 'antd';
import type { ApiError } from '../../api/client';
import type { LocalizedText, SettingsFieldSchema, SettingsSchema } from '../../api/types';
import { defaultLanguage, isLanguage } from '../../i18n';

/**
 * Values of a settings form (ADR 0039) as the console keeps and sends them. A channel type's form
 * is a JSON Schema object whose secret fields (`x-secret`) are write-only: the server never returns
 * them, so an edit form shows them blank and sends only what the operator typed.
 */

export type SettingsValues = Record<string, unknown>;

export function isSecretField(field: SettingsFieldSchema): boolean {
  return field['x-secret'] === true || field.writeOnly === true;
}

function text(value: LocalizedText | undefined, language: string): string | undefined {
  return value ? value[isLanguage(language) ? language : defaultLanguage] : undefined;
}

/** The field's label in the console's language: `x-label`, else `title`, else its key. */
export function fieldLabel(key: string, field: SettingsFieldSchema, language: string): string {
  return text(field['x-label'], language) ?? field.title ?? key;
}

export function fieldHelp(field: SettingsFieldSchema, language: string): string | undefined {
  return text(field['x-description'], language) ?? field.description;
}

function entries(schema: SettingsFieldSchema): [string, SettingsFieldSchema][] {
  return Object.entries(schema.properties ?? {});
}

/** The form's starting values: stored non-secret values, else the schema's defaults (secrets blank). */
export function initialSettingsValues(schema: SettingsFieldSchema, stored: SettingsValues = {}): SettingsValues {
  const values: SettingsValues = {};
  for (const [key, field] of entries(schema)) {
    if (isSecretField(field)) continue;
    if (field.type === 'object' && field.properties) {
      const nested = stored[key];
      values[key] = initialSettingsValues(field, nested && typeof nested === 'object' ? (nested as SettingsValues) : {});
    } else if (stored[key] !== undefined) {
      values[key] = stored[key];
    } else if (field.default !== undefined) {
      values[key] = field.default;
    }
  }
  return values;
}

const isBlank = (value: unknown) => value === undefined || value === null || value === '';

function compact(schema: SettingsFieldSchema, values: SettingsValues): SettingsValues {
  const out: SettingsValues = {};
  for (const [key, field] of entries(schema)) {
    const value = values[key];
    if (field.type === 'object' && field.properties && value && typeof value === 'object') {
      const nested = compact(field, value as SettingsValues);
      if (Object.keys(nested).length) out[key] = nested;
    } else if (!isBlank(value)) {
      out[key] = typeof value === 'string' && !isSecretField(field) ? value.trim() : value;
    }
  }
  return out;
}

/** What 创建连接 sends: blank fields left out (the server applies defaults). */
export function createSettingsPayload(schema: SettingsSchema, values: SettingsValues = {}): SettingsValues {
  return compact(schema, values);
}

/**
 * What the channel page sends (PATCH): every non-secret field, `null` for a blank one (removed,
 * its default applies); a secret only when typed, or `''` when marked to be cleared.
 */
export function patchSettingsPayload(
  schema: SettingsSchema,
  values: SettingsValues = {},
  cleared: string[] = [],
): SettingsValues {
  const out: SettingsValues = {};
  for (const [key, field] of entries(schema)) {
    const value = values[key];
    if (isSecretField(field)) {
      if (cleared.includes(key)) out[key] = '';
      else if (typeof value === 'string' && value !== '') out[key] = value;
    } else if (field.type === 'object' && field.properties) {
      out[key] = value && typeof value === 'object' ? compact(field, value as SettingsValues) : null;
    } else {
      out[key] = isBlank(value) ? null : typeof value === 'string' ? value.trim() : value;
    }
  }
  return out;
}

/** The i18n key of a joi code the server answered for a field (`string.min` → `…errors.string_min`). */
export function settingsErrorKey(code: string): string {
  return `connections.settings.errors.${code.replace(/\./g, '_')}`;
}

/**
 * Puts `channel_settings_invalid`'s details (`settings.<field>`) on the form's fields under
 * `namePrefix`. Returns whether any field error was shown.
 */
export function applySettingsErrors(
  form: FormInstance | undefined,
  error: ApiError,
  namePrefix: (string | number)[],
  translate: (code: string) => string,
): boolean {
  if (!form || error.code !== 'channel_settings_invalid') return false;
  const fields = error.details
    .map((detail) => (Array.isArray(detail.path) ? detail.path.map(String) : String(detail.path).split('.')))
    .map((path, index) => ({ path, code: error.details[index]!.code }))
    .filter(({ path }) => path[0] === 'settings' && path.length > 1)
    .map(({ path, code }) => ({ name: [...namePrefix, ...path.slice(1)], errors: [translate(code)] }));
  if (fields.length) form.setFields(fields);
  return fields.length > 0;
}
