import { createHash } from 'node:crypto';
import Joi from 'joi';
import { propertyTypes, type PropertyType } from '../../kernel/contributions.js';
import { isValidTimeZone } from '../../lib/time-zone.js';
import { OlapInputError } from './errors.js';

/**
 * A tenant's OLAP schema, declared as data by the metadata module (never as DDL). It is a complete
 * snapshot: the engine reconciles the physical schema to it add-only — a property missing from a
 * later declaration disappears from the views, but its column and data stay (IDs are never reused).
 */
export interface OlapTenantDeclaration {
  /** IANA zone of the tenant: `event_day` and every calendar boundary use it. */
  timeZone: string;
  /** Event codes with the operator-facing event ID shown as `event_view.event_alias`. */
  events: OlapEventTypeDeclaration[];
  /** Custom (`p_<name>` in event_view) and system (`s_…`) event properties. */
  eventProperties: OlapPropertyDeclaration[];
  /** Custom contact fields, shown in contact_view as `p_attr<id>`. */
  contactAttributes: OlapContactAttributeDeclaration[];
  /** Dimension tables (§1.10.13) with their fields, by numeric id. */
  dimensions: OlapDimensionDeclaration[];
}

export interface OlapEventTypeDeclaration {
  code: string;
  alias: string;
}

export interface OlapPropertyDeclaration {
  /** The OLTP metadata id: the physical column is `p_<id>`. */
  id: string;
  /** The operator's property ID (`amount`), a system property (`s_msg_type`) or an SDK preset (`$os`). */
  name: string;
  type: PropertyType;
}

export interface OlapContactAttributeDeclaration {
  id: string;
  type: PropertyType;
  /** Display name, for humans reading the recorded declaration. */
  name?: string;
}

export interface OlapDimensionDeclaration {
  id: string;
  fields: { id: string; type: PropertyType }[];
}

/** A dense OLTP surrogate id (BIGINT), written as a string like every id that leaves OLTP. */
export const numericId = Joi.string().pattern(/^[1-9][0-9]{0,17}$/, 'numeric id');
/** The seed's identifier rule (letters, digits, underscore, legal variable name); SDK presets add `$`. */
const propertyName = Joi.string()
  .max(64)
  .pattern(/^\$?[A-Za-z_][A-Za-z0-9_]*$/, 'property identifier');
const eventCode = Joi.string()
  .max(64)
  .pattern(/^\$?[A-Za-z_][A-Za-z0-9_]*$/, 'event identifier');
const propertyType = Joi.string().valid(...propertyTypes);

export const declarationSchema: Joi.ObjectSchema<OlapTenantDeclaration> = Joi.object<OlapTenantDeclaration>({
  timeZone: Joi.string()
    .required()
    .custom((value: string, helpers) => (isValidTimeZone(value) ? value : helpers.error('any.invalid')), 'IANA time zone'),
  events: Joi.array()
    .items(Joi.object({ code: eventCode.required(), alias: eventCode.required() }))
    .unique('code')
    .default([]),
  eventProperties: Joi.array()
    .items(Joi.object({ id: numericId.required(), name: propertyName.required(), type: propertyType.required() }))
    .unique('id')
    .default([]),
  contactAttributes: Joi.array()
    .items(Joi.object({ id: numericId.required(), type: propertyType.required(), name: Joi.string().max(128) }))
    .unique('id')
    .default([]),
  dimensions: Joi.array()
    .items(
      Joi.object({
        id: numericId.required(),
        fields: Joi.array()
          .items(Joi.object({ id: numericId.required(), type: propertyType.required() }))
          .min(1)
          .unique('id')
          .required(),
      }),
    )
    .unique('id')
    .default([]),
}).unknown(false);

/** event_view's own columns: a declared property may not take one of these names. */
export const eventViewSystemColumns = [
  'contact_id',
  'event',
  'event_alias',
  'event_date',
  'event_day',
  's_channel_id',
  's_channel_account_id',
  's_message_id',
  's_direction',
  's_journey_id',
] as const;

/** The event_view column of a declared property: system properties keep their `s_` name. */
export function eventViewColumn(name: string): string {
  return name.startsWith('s_') ? name : `p_${name}`;
}

/**
 * Validates and normalizes a declaration: joi rules, then the cross-field ones joi cannot say —
 * view columns unique regardless of case (DuckDB and MySQL identifiers are case-insensitive) and
 * no property shadowing an event_view system column. Throws OlapInputError listing every problem.
 */
export function validateDeclaration(input: unknown): OlapTenantDeclaration {
  const { value, error } = declarationSchema.validate(input, { abortEarly: false, convert: true });
  if (error) {
    throw new OlapInputError(
      'olap_declaration_invalid',
      error.details.map((d) => ({ path: d.path.join('.'), code: d.type })),
    );
  }
  const problems: { path: string; code: string }[] = [];
  const seen = new Map<string, number>();
  const reserved = new Set<string>(eventViewSystemColumns);
  value.eventProperties.forEach((property, index) => {
    const column = eventViewColumn(property.name).toLowerCase();
    if (reserved.has(column)) problems.push({ path: `eventProperties.${index}.name`, code: 'olap_column_reserved' });
    const previous = seen.get(column);
    if (previous !== undefined)
      problems.push({ path: `eventProperties.${index}.name`, code: 'olap_column_duplicate_ignoring_case' });
    else seen.set(column, index);
  });
  const aliases = new Map<string, string>();
  value.events.forEach((event, index) => {
    const key = event.code.toLowerCase();
    if (aliases.has(key) && aliases.get(key) !== event.code)
      problems.push({ path: `events.${index}.code`, code: 'olap_event_duplicate_ignoring_case' });
    aliases.set(key, event.code);
  });
  if (problems.length) throw new OlapInputError('olap_declaration_invalid', problems);
  return canonicalDeclaration(value);
}

const byNumericId = (a: { id: string }, b: { id: string }) =>
  BigInt(a.id) < BigInt(b.id) ? -1 : BigInt(a.id) > BigInt(b.id) ? 1 : 0;

/** Sorted, with a fixed key order, so equal declarations have equal checksums. */
export function canonicalDeclaration(declaration: OlapTenantDeclaration): OlapTenantDeclaration {
  return {
    timeZone: declaration.timeZone,
    events: [...declaration.events]
      .sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0))
      .map((e) => ({ code: e.code, alias: e.alias })),
    eventProperties: [...declaration.eventProperties].sort(byNumericId).map((p) => ({ id: p.id, name: p.name, type: p.type })),
    contactAttributes: [...declaration.contactAttributes]
      .sort(byNumericId)
      .map((a) => (a.name === undefined ? { id: a.id, type: a.type } : { id: a.id, type: a.type, name: a.name })),
    dimensions: [...declaration.dimensions].sort(byNumericId).map((d) => ({
      id: d.id,
      fields: [...d.fields].sort(byNumericId).map((f) => ({ id: f.id, type: f.type })),
    })),
  };
}

export function declarationChecksum(declaration: OlapTenantDeclaration): string {
  return createHash('sha256')
    .update(JSON.stringify(canonicalDeclaration(declaration)))
    .digest('hex');
}
