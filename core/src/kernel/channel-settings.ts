import joiToJson from 'joi-to-json';
import type Joi from 'joi';
import type { LocalizedText } from './contributions.js';

// joi-to-json is CommonJS (`module.exports = parse`) while its typings declare an ES default export.
const parse = joiToJson as unknown as (schema: unknown, mode: 'json') => Record<string, unknown>;

type Locale = keyof LocalizedText;

/** What the kernel knows of a channel type's settings form (ADR 0039). */
export interface ChannelSettingsShape {
  schema: Joi.ObjectSchema;
  /** Top-level field names, in declaration order. */
  fields: string[];
  /** The fields marked `.meta({ secret: true })`: sealed at rest, never returned. */
  secretFields: string[];
  /** The form as JSON Schema in one language (`title` / `description` in it, both under `x-label` / `x-description`). */
  jsonSchema(locale: Locale): Record<string, unknown>;
}

interface Description {
  type?: string;
  flags?: { label?: unknown; description?: unknown };
  metas?: unknown[];
  keys?: Record<string, Description>;
  [key: string]: unknown;
}

const shapes = new WeakMap<object, ChannelSettingsShape>();

function metaOf(description: Description): Record<string, unknown> {
  return Object.assign({}, ...((description.metas ?? []).filter((m) => m && typeof m === 'object') as object[]));
}

function isSecret(description: Description): boolean {
  return (description.metas ?? []).some((m) => !!m && typeof m === 'object' && (m as { secret?: unknown }).secret === true);
}

/** Whether a `.meta({ secret: true })` hides anywhere inside a description (keys, items, alternatives…). */
function hasSecretInside(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(hasSecretInside);
  if (!node || typeof node !== 'object') return false;
  const description = node as Description;
  if (typeof description.type === 'string' && isSecret(description)) return true;
  return Object.entries(description).some(([key, value]) => key !== 'metas' && hasSecretInside(value));
}

function isLocalized(value: unknown): value is LocalizedText {
  return (
    !!value &&
    typeof value === 'object' &&
    typeof (value as LocalizedText)['zh-CN'] === 'string' &&
    typeof (value as LocalizedText)['en-US'] === 'string' &&
    (value as LocalizedText)['zh-CN'].trim() !== '' &&
    (value as LocalizedText)['en-US'].trim() !== ''
  );
}

/**
 * A field's text (label or description): `.meta({ label: { 'zh-CN', 'en-US' } })` first, else
 * joi's `.label()` / `.description()` string for both languages. Throws on a meta text that misses
 * a language.
 */
function textOf(field: string, description: Description, which: 'label' | 'description'): LocalizedText | undefined {
  const meta = metaOf(description)[which];
  if (meta !== undefined) {
    if (!isLocalized(meta)) throw new Error(`settings field "${field}": meta ${which} needs a zh-CN and an en-US text`);
    return { 'zh-CN': meta['zh-CN'], 'en-US': meta['en-US'] };
  }
  const plain = description.flags?.[which];
  return typeof plain === 'string' && plain.trim() ? { 'zh-CN': plain, 'en-US': plain } : undefined;
}

/**
 * Checks a channel type's `settings` schema and describes it; throws an Error saying what is wrong
 * (the registry prefixes `Plugin "<id>": channel type "<type>": `). The rules:
 * - a joi object schema that converts to a JSON Schema of `type: object` (the console renders it);
 * - secret fields (`.meta({ secret: true })`) are strings at the top level only: a secret is kept,
 *   replaced or cleared by its field name (PATCH leaves out what it keeps) and `secretsSet` lists
 *   names — inside an object or an array there is no name to say which one was kept;
 * - a `label` / `description` meta names both languages.
 */
export function inspectChannelSettings(schema: unknown): ChannelSettingsShape {
  if (!schema || typeof schema !== 'object') throw new Error('settings must be a joi object schema');
  const cached = shapes.get(schema);
  if (cached) return cached;
  const candidate = schema as { type?: unknown; describe?: unknown; validate?: unknown };
  if (typeof candidate.describe !== 'function' || typeof candidate.validate !== 'function' || candidate.type !== 'object') {
    throw new Error('settings must be a joi object schema (Joi.object({...}))');
  }
  const joiSchema = schema as Joi.ObjectSchema;
  let json: Record<string, unknown>;
  try {
    json = parse(joiSchema, 'json');
  } catch (error) {
    throw new Error(`settings do not convert to JSON Schema: ${(error as Error).message}`);
  }
  if (json?.type !== 'object')
    throw new Error(`settings must convert to a JSON Schema object (got ${JSON.stringify(json?.type)})`);

  const root = joiSchema.describe() as Description;
  if (isSecret(root)) throw new Error('the settings object itself cannot be secret: mark its string fields');
  const keys = root.keys ?? {};
  const fields = Object.keys(keys);
  const secretFields: string[] = [];
  const labels = new Map<string, { label?: LocalizedText; description?: LocalizedText }>();
  for (const field of fields) {
    const description = keys[field]!;
    if (isSecret(description)) {
      if (description.type !== 'string') {
        throw new Error(`settings field "${field}" is secret but of type ${description.type}: secret fields must be strings`);
      }
      secretFields.push(field);
    } else {
      if (hasSecretInside({ ...description, metas: [] })) {
        throw new Error(
          `settings field "${field}" hides a secret inside it: only top-level string fields can be secret (they are kept, replaced and cleared by name)`,
        );
      }
    }
    labels.set(field, { label: textOf(field, description, 'label'), description: textOf(field, description, 'description') });
  }

  const properties = (json.properties ?? {}) as Record<string, Record<string, unknown>>;
  const variants = new Map<Locale, Record<string, unknown>>();
  const shape: ChannelSettingsShape = {
    schema: joiSchema,
    fields,
    secretFields,
    jsonSchema(locale) {
      const existing = variants.get(locale);
      if (existing) return existing;
      const localized: Record<string, Record<string, unknown>> = {};
      for (const [field, property] of Object.entries(properties)) {
        const texts = labels.get(field) ?? {};
        const out: Record<string, unknown> = { ...property };
        // A secret's default would be a credential shipped in the plugin's code: never shown.
        if (secretFields.includes(field)) {
          delete out.default;
          out.writeOnly = true;
          out['x-secret'] = true;
        }
        if (texts.label) {
          out.title = texts.label[locale];
          out['x-label'] = texts.label;
        }
        if (texts.description) {
          out.description = texts.description[locale];
          out['x-description'] = texts.description;
        }
        localized[field] = out;
      }
      const result = { ...json, properties: localized };
      variants.set(locale, result);
      return result;
    },
  };
  shape.jsonSchema('zh-CN');
  shapes.set(schema, shape);
  return shape;
}
