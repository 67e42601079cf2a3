import type { OlapRelationDefinition } from '../../kernel/contributions.js';
import type { OlapTenantDeclaration } from './declaration.js';
import { propertyColumnType, type OlapColumnType } from './dialect.js';

/**
 * The physical per-tenant schema, engine-neutral. Physical names are the engine's business: modules
 * see only the logical relations of relations.ts. Columns are only ever added (see reconcile).
 */
export interface ColumnSpec {
  name: string;
  type: OlapColumnType;
  /** The value rows written before the column was added read (a number; none: NULL). */
  default?: number;
}

export interface TableSpec {
  name: string;
  columns: ColumnSpec[];
  primaryKey?: string[];
}

export const tables = {
  events: 'event_data',
  contacts: 'contact_data',
  contactAlias: 'contact_alias',
  groupMember: 'group_member_data',
  groupDelta: 'group_delta_data',
  tagValue: 'tag_value_data',
  eventType: 'event_type',
  ledger: 'load_ledger',
  eventView: 'event_view',
  contactView: 'contact_view',
} as const;

export const dimensionTable = (id: string): string => `dimension_${id}_data`;
export const pluginRelationTable = (name: string): string => `r_${name}`;
export const propertyColumn = (id: string): string => `p_${id}`;
export const dimensionFieldColumn = (id: string): string => `f_${id}`;

/** System columns of every event row, in creation order. `extra` holds undeclared properties. */
export const eventSystemColumns: readonly ColumnSpec[] = [
  { name: 'event_time', type: 'timestamp' },
  { name: 'event_day', type: 'date' },
  { name: 'event', type: 'varchar' },
  { name: 'contact_id', type: 'bigint' },
  { name: 'channel_id', type: 'bigint' },
  { name: 'channel_account_id', type: 'bigint' },
  { name: 'message_id', type: 'varchar' },
  { name: 'direction', type: 'varchar' },
  { name: 'journey_id', type: 'bigint' },
  { name: 'received_at', type: 'timestamp' },
  { name: 'extra', type: 'json' },
];

/**
 * System fields of a contact as OLAP keeps them (the contacts module's `contact_change` outbox
 * feeds them): the row field name, the column, and its type. Instants are epoch ms in, UTC out.
 */
export const contactSystemFields = [
  { field: 'id', column: 'id', type: 'bigint' },
  { field: 'identified', column: 'identified', type: 'boolean' },
  { field: 'name', column: 'name', type: 'varchar' },
  { field: 'gender', column: 'gender', type: 'varchar' },
  { field: 'birthday', column: 'birthday', type: 'date' },
  { field: 'mobile', column: 'mobile', type: 'varchar' },
  { field: 'email', column: 'email', type: 'varchar' },
  { field: 'country', column: 'country', type: 'varchar' },
  { field: 'province', column: 'province', type: 'varchar' },
  { field: 'city', column: 'city', type: 'varchar' },
  { field: 'utmSource', column: 'utm_source', type: 'varchar' },
  { field: 'utmMedium', column: 'utm_medium', type: 'varchar' },
  { field: 'utmCampaign', column: 'utm_campaign', type: 'varchar' },
  { field: 'utmContent', column: 'utm_content', type: 'varchar' },
  { field: 'utmTerm', column: 'utm_term', type: 'varchar' },
  { field: 'firstSeenAt', column: 'first_seen_at', type: 'timestamp' },
  { field: 'lastActiveAt', column: 'last_active_at', type: 'timestamp' },
  { field: 'createdAt', column: 'created_at', type: 'timestamp' },
  { field: 'updatedAt', column: 'updated_at', type: 'timestamp' },
  // Added with the contacts master (§2.1.3); at the end, as add-only reconciliation appends them.
  { field: 'nickname', column: 'nickname', type: 'varchar' },
  { field: 'avatar', column: 'avatar', type: 'varchar' },
  { field: 'company', column: 'company', type: 'varchar' },
  { field: 'department', column: 'department', type: 'varchar' },
  { field: 'title', column: 'title', type: 'varchar' },
  { field: 'industry', column: 'industry', type: 'varchar' },
  { field: 'homePhone', column: 'home_phone', type: 'varchar' },
  { field: 'idCard', column: 'id_card', type: 'varchar' },
  { field: 'postalCode', column: 'postal_code', type: 'varchar' },
  { field: 'street', column: 'street', type: 'varchar' },
  { field: 'website', column: 'website', type: 'varchar' },
  { field: 'comment', column: 'comment', type: 'varchar' },
] as const satisfies readonly { field: string; column: string; type: OlapColumnType }[];

export type ContactSystemField = (typeof contactSystemFields)[number]['field'];

/** Every table a tenant's declaration (and the plugins' relations) call for. */
export function tenantTables(
  declaration: OlapTenantDeclaration,
  pluginRelations: readonly OlapRelationDefinition[],
): TableSpec[] {
  const specs: TableSpec[] = [
    {
      name: tables.events,
      columns: [
        ...eventSystemColumns,
        ...declaration.eventProperties.map((p) => ({ name: propertyColumn(p.id), type: propertyColumnType(p.type) })),
      ],
    },
    {
      name: tables.contacts,
      columns: [
        ...contactSystemFields.map((f) => ({ name: f.column, type: f.type })),
        ...declaration.contactAttributes.map((a) => ({ name: propertyColumn(a.id), type: propertyColumnType(a.type) })),
      ],
    },
    {
      // A merged-away contact → its final survivor; applied in one place, the `events` relation.
      name: tables.contactAlias,
      columns: [
        { name: 'from_contact_id', type: 'bigint' },
        { name: 'to_contact_id', type: 'bigint' },
      ],
    },
    {
      name: tables.groupMember,
      columns: [
        { name: 'group_id', type: 'bigint' },
        { name: 'version', type: 'integer' },
        { name: 'contact_id', type: 'bigint' },
      ],
    },
    {
      // Real-time groups (ADR 0048): a contact's live membership over one version, newest state only;
      // the `group_member` relation reads a version through it.
      name: tables.groupDelta,
      columns: [
        { name: 'group_id', type: 'bigint' },
        { name: 'version', type: 'integer' },
        { name: 'contact_id', type: 'bigint' },
        { name: 'member', type: 'boolean' },
      ],
    },
    {
      // Tag results keep one value column per kind of value, so each tag type stays typed.
      name: tables.tagValue,
      columns: [
        { name: 'tag_id', type: 'bigint' },
        { name: 'calc_date', type: 'date' },
        { name: 'contact_id', type: 'bigint' },
        { name: 'value_string', type: 'varchar' },
        { name: 'value_number', type: 'double' },
        { name: 'value_strings', type: 'varchar[]' },
        // The computation (run) of the tag that wrote the rows: consumers read one run of a day, so a
        // recomputation writes beside the values they read (ADR 0050). Rows of before: run 0.
        { name: 'run', type: 'integer', default: 0 },
      ],
    },
    {
      name: tables.eventType,
      columns: [
        { name: 'code', type: 'varchar' },
        { name: 'alias', type: 'varchar' },
      ],
    },
    {
      // The exactly-once ledger: a batch id is written in the same transaction as its rows.
      name: tables.ledger,
      columns: [
        { name: 'batch_id', type: 'varchar' },
        { name: 'loaded_at', type: 'timestamp' },
        { name: 'event_rows', type: 'bigint' },
        { name: 'contact_rows', type: 'bigint' },
      ],
      primaryKey: ['batch_id'],
    },
    ...declaration.dimensions.map((d) => ({
      name: dimensionTable(d.id),
      columns: d.fields.map((f) => ({ name: dimensionFieldColumn(f.id), type: propertyColumnType(f.type) })),
    })),
    ...pluginRelations.map((r) => ({
      name: pluginRelationTable(r.name),
      columns: r.columns.map((c) => ({ name: c.name, type: propertyColumnType(c.type) })),
    })),
  ];
  return specs;
}

/** What reconciling a tenant needs to do: create tables, add columns — or refuse a type change. */
export interface SchemaPlan {
  createTables: TableSpec[];
  addColumns: { table: string; column: ColumnSpec }[];
  conflicts: { table: string; column: string; existing: string; declared: string }[];
}

/**
 * Compares the desired tables with the catalog (`table → column → physical type`). Columns the
 * catalog has and the declaration lacks are left alone: the schema is add-only.
 */
export function planSchema(
  desired: TableSpec[],
  existing: Map<string, Map<string, string>>,
  physicalType: (type: OlapColumnType) => string,
): SchemaPlan {
  const plan: SchemaPlan = { createTables: [], addColumns: [], conflicts: [] };
  for (const table of desired) {
    const columns = existing.get(table.name);
    if (!columns) {
      plan.createTables.push(table);
      continue;
    }
    for (const column of table.columns) {
      const found = columns.get(column.name);
      const declared = physicalType(column.type);
      if (found === undefined) plan.addColumns.push({ table: table.name, column });
      else if (found.toUpperCase() !== declared.toUpperCase()) {
        plan.conflicts.push({ table: table.name, column: column.name, existing: found, declared });
      }
    }
  }
  return plan;
}
