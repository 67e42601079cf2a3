import Joi from 'joi';

/** A BIGINT id as it travels in JSON and URLs. */
export const id = (): Joi.StringSchema => Joi.string().pattern(/^[1-9][0-9]{0,18}$/, 'id');

export interface PageQuery {
  page: number;
  pageSize: number;
}

export const pageQuery: Joi.ObjectSchema<PageQuery> = Joi.object<PageQuery>({
  page: Joi.number().integer().min(1).default(1),
  pageSize: Joi.number().integer().min(1).max(100).default(20),
});

/** The page query plus a route's own filters, typed: `pageQueryWith<{ type?: string }>({ type: … })`. */
export function pageQueryWith<T extends object>(keys: Joi.PartialSchemaMap<T>): Joi.ObjectSchema<PageQuery & T> {
  return pageQuery.keys(keys) as unknown as Joi.ObjectSchema<PageQuery & T>;
}

/** Path params that are ids, typed: `idParams('channelId')` validates `{ channelId }`. */
export function idParams<K extends string>(...names: K[]): Joi.ObjectSchema<Record<K, string>> {
  const keys = Object.fromEntries(names.map((name) => [name, id().required()])) as Joi.PartialSchemaMap<Record<K, string>>;
  return Joi.object<Record<K, string>>(keys);
}

export const pageOf = (item: Joi.Schema, label: string): Joi.ObjectSchema =>
  Joi.object({
    items: Joi.array().items(item).label(`${label}Items`).required(),
    total: Joi.number().integer().required(),
    page: Joi.number().integer().required(),
    pageSize: Joi.number().integer().required(),
  }).label(label);

/** Operator-facing text in both console languages. */
export const localizedText = (): Joi.ObjectSchema =>
  Joi.object({ 'zh-CN': Joi.string().required(), 'en-US': Joi.string().required() }).label('LocalizedText');

export const epochMs = (): Joi.NumberSchema => Joi.number().integer().description('epoch milliseconds (UTC)');

export const tenantSchema = Joi.object({
  id: id().required(),
  name: Joi.string().required(),
  timeZone: Joi.string().required(),
  firstEventAt: epochMs().allow(null).required(),
  status: Joi.string().valid('active', 'suspended').label('TenantStatus').required(),
  expiresOn: Joi.string().allow(null).required().description('到期: last day paid for (tenant-local YYYY-MM-DD); null = none'),
  createdAt: epochMs().required(),
  updatedAt: epochMs().required(),
}).label('Tenant');

/** A staff member's role ids (also the request field: a normal staff member needs ≥ 1, checked by the service). */
export const staffRoleIds = Joi.array().items(id()).label('StaffRoleIds');

export const staffSchema = Joi.object({
  id: id().required(),
  tenantId: id().required(),
  email: Joi.string().required(),
  name: Joi.string().required(),
  isSuper: Joi.boolean().required(),
  status: Joi.string().valid('enabled', 'disabled').label('StaffStatus').required(),
  roleIds: staffRoleIds.required(),
  lastLoginAt: epochMs().allow(null).required(),
  mfaEnabled: Joi.boolean().required(),
  mfaBound: Joi.boolean().required(),
  createdAt: epochMs().required(),
  updatedAt: epochMs().required(),
}).label('Staff');

export const errorSchema = Joi.object({
  statusCode: Joi.number().integer().required(),
  code: Joi.string().required(),
  message: Joi.string().required(),
  details: Joi.array().items(Joi.object({ path: Joi.string().allow(''), code: Joi.string() })),
  requestId: Joi.string().required(),
}).label('Error');

/**
 * Characters a name may not hold: controls (C0, C1, DEL, line and paragraph separators), lone
 * surrogates, and the bidirectional overrides and isolates that make `abc` display as `cba`
 * (U+202A–202E, U+2066–2069, LRM/RLM/ALM).
 */
const UNSAFE_IN_NAMES = /[\p{Cc}\p{Cs}\u2028\u2029\u200E\u200F\u061C\u202A-\u202E\u2066-\u2069]/u;
/** Characters that show nothing: white space and default-ignorable code points (ZWSP, ZWJ, BOM, fillers…). */
const INVISIBLE = /[\p{White_Space}\p{Default_Ignorable_Code_Point}\u115F\u1160\u3164\uFFA0\u2800]/gu;

/** True when `text` holds a control character or a bidi override (see UNSAFE_IN_NAMES). */
export function hasUnsafeCharacters(text: string): boolean {
  return UNSAFE_IN_NAMES.test(text);
}

/** True when nothing of `text` would be visible. */
export function isInvisible(text: string): boolean {
  return text.replace(INVISIBLE, '') === '';
}

/**
 * Names and other operator-typed short texts: NFC, trimmed, not blank, no control characters or
 * bidi overrides (`string.unsafeCharacters`), not made only of invisible characters
 * (`string.invisible`).
 */
export const shortText = (max: number): Joi.StringSchema =>
  Joi.string()
    .normalize('NFC')
    .trim()
    .min(1)
    .max(max)
    .custom((value: string, helpers) => {
      if (hasUnsafeCharacters(value)) return helpers.error('string.unsafeCharacters');
      if (isInvisible(value)) return helpers.error('string.invisible');
      return value;
    }, 'a visible name')
    .messages({
      'string.unsafeCharacters': '{{#label}} must not contain control characters or bidirectional overrides',
      'string.invisible': '{{#label}} must contain visible characters',
    });

export const email = (): Joi.StringSchema => Joi.string().trim().email({ tlds: false }).max(191);
