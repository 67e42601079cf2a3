import type { OlapRelationDefinition } from '../../kernel/contributions.js';
import { eventViewColumn, type OlapTenantDeclaration } from './declaration.js';
import type { SqlDialect } from './dialect.js';
import type { CheckedSql } from './sql-guard.js';
import {
  contactSystemFields,
  dimensionFieldColumn,
  dimensionTable,
  eventSystemColumns,
  pluginRelationTable,
  propertyColumn,
  tables,
} from './physical-schema.js';

/**
 * The logical relations modules write SQL against. In SQL text they are plain table names:
 *
 * | name            | rows                                                                    |
 * |-----------------|-------------------------------------------------------------------------|
 * | `events`        | one per event; `contact_id` already resolved through merges (survivor); |
 * |                 | system columns, `p_<id>` per declared property, `s_…` system aliases    |
 * | `contacts`      | one per contact: system columns and `p_<id>` custom attributes          |
 * | `contact_alias` | from_contact_id → to_contact_id: a merged-away contact and its survivor |
 * | `group_member`  | group_id, version, contact_id (a version with its real-time delta)      |
 * | `tag_value`     | tag_id, calc_date, contact_id, value_string, value_number, value_strings|
 * | `dimension_<id>`| a dimension table's rows, fields as `f_<id>`                            |
 * | `event_view`    | the operator-facing view (SQL tags, custom queries)                     |
 * | `contact_view`  | the operator-facing contact view (+ `group_<id>` / `tag_…` on request)  |
 * | plugin names    | relations plugins declared as data                                      |
 *
 * `forTenant(t)` turns such SQL into physical SQL by prefixing CTEs for the names it references —
 * portable to StarRocks, and the only place physical names appear. The SQL guard (sql-guard.ts)
 * first makes sure the SQL reads nothing else: these names and its own CTEs.
 *
 * `tag_value` also has `run`: the computation of the tag that wrote the row. A day's values are
 * read at one run (the tag's active one, or the one its report shows), so a recomputation is
 * written beside them and shows only once switched to (ADR 0050).
 */
export const logicalRelationNames = [
  'events',
  'contacts',
  'contact_alias',
  'group_member',
  'tag_value',
  'event_view',
  'contact_view',
] as const;

/** A group joined into contact_view as the boolean column `group_<groupId>` (active version). */
export interface ContactViewGroup {
  groupId: string;
  version: number;
}

/** A tag joined into contact_view under its column (the tag's ID, `tag_…`) for one calculation day. */
export interface ContactViewTag {
  tagId: string;
  column: string;
  calcDate: string;
  /** The run of that day (default 0: values written without a run). */
  run?: number;
  type: 'string' | 'number' | 'string[]' | 'date' | 'bool';
}

export interface ContactViewMemberships {
  groups?: ContactViewGroup[];
  tags?: ContactViewTag[];
}

const TAG_COLUMN = /^tag_[A-Za-z0-9_]+$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The `group_<id>` and `tag_…` columns a query over contact_view mentions, so the SQL layer can look
 * up their active versions and pass them to `resolve(sql, { contactView })`.
 */
export function referencedMembershipColumns(sql: string): { groupIds: string[]; tagColumns: string[] } {
  const groupIds = new Set<string>();
  const tagColumns = new Set<string>();
  for (const match of sql.matchAll(/\b(group_([1-9][0-9]*)|tag_[A-Za-z0-9_]+)\b/g)) {
    if (match[2]) groupIds.add(match[2]);
    else if (match[1] !== 'tag_value') tagColumns.add(match[1]!);
  }
  return { groupIds: [...groupIds], tagColumns: [...tagColumns] };
}

export class TenantRelations {
  readonly schema: string;
  /** Every relation name SQL of this tenant may read (lower case): core, dimensions, plugins. */
  readonly names: ReadonlySet<string>;

  constructor(
    private readonly dialect: SqlDialect,
    readonly tenantId: string,
    readonly declaration: OlapTenantDeclaration,
    private readonly pluginRelations: readonly OlapRelationDefinition[],
    /** `schema`: the tenant's schema (database) name, `t_<tenant>` unless an engine prefixes it (StarRocks' databasePrefix). */
    options: { schema?: string } = {},
  ) {
    this.schema = options.schema ?? `t_${tenantId}`;
    this.names = new Set<string>([
      ...logicalRelationNames,
      ...declaration.dimensions.map((d) => `dimension_${d.id}`),
      ...pluginRelations.map((r) => r.name.toLowerCase()),
    ]);
  }

  /** `"t_<tenant>"."<table>"`. */
  table(name: string): string {
    return `${this.dialect.quoteIdentifier(this.schema)}.${this.dialect.quoteIdentifier(name)}`;
  }

  private q(name: string): string {
    return this.dialect.quoteIdentifier(name);
  }

  /** Events with contact_id resolved to the merge survivor: the one place aliases apply. */
  events(): string {
    const columns = eventSystemColumns.filter((c) => c.name !== 'contact_id').map((c) => `e.${this.q(c.name)}`);
    const properties = this.declaration.eventProperties.flatMap((p) => {
      const physical = `e.${this.q(propertyColumn(p.id))}`;
      // System properties also answer to their `s_` name: plugins' report SQL cannot know the
      // tenant's numeric ids, but an `s_` id has one meaning (and one type) everywhere.
      return p.name.startsWith('s_') ? [physical, `${physical} AS ${this.q(p.name)}`] : [physical];
    });
    return (
      `SELECT COALESCE(a.to_contact_id, e.contact_id) AS contact_id, e.contact_id AS source_contact_id, ` +
      [...columns, ...properties].join(', ') +
      ` FROM ${this.table(tables.events)} AS e LEFT JOIN ${this.table(tables.contactAlias)} AS a ON a.from_contact_id = e.contact_id`
    );
  }

  contacts(): string {
    const columns = [
      ...contactSystemFields.map((f) => this.q(f.column)),
      ...this.declaration.contactAttributes.map((a) => this.q(propertyColumn(a.id))),
    ];
    return `SELECT ${columns.join(', ')} FROM ${this.table(tables.contacts)}`;
  }

  contactAlias(): string {
    return `SELECT from_contact_id, to_contact_id FROM ${this.table(tables.contactAlias)}`;
  }

  /**
   * A group version's members as consumers see them (ADR 0048): the version's rows, less the contacts
   * a real-time delta row names for that version, plus the delta's members. No delta: the rows as written.
   * An uncorrelated ANTI JOIN, not `WHERE NOT EXISTS (…)`: DuckDB plans the correlated form as a delim
   * join that groups the version's rows first, which doubled a group leaf's count over a 400k-member
   * version even with an empty delta (bench/src/realtime-groups.mjs, docs/performance.md 实时群组).
   */
  groupMember(): string {
    const members = this.table(tables.groupMember);
    const delta = this.table(tables.groupDelta);
    // DuckDB's uncorrelated ANTI JOIN (a correlated NOT EXISTS was planned as a delim join that doubled
    // the read; docs/performance.md). StarRocks spells it LEFT ANTI JOIN: toStarRocksSql writes it so (ADR 0066).
    return (
      `SELECT m.group_id, m.version, m.contact_id FROM ${members} AS m ANTI JOIN ${delta} AS d ` +
      `ON d.group_id = m.group_id AND d.version = m.version AND d.contact_id = m.contact_id ` +
      `UNION ALL SELECT group_id, version, contact_id FROM ${delta} WHERE member`
    );
  }

  tagValue(): string {
    return `SELECT tag_id, calc_date, contact_id, value_string, value_number, value_strings, run FROM ${this.table(tables.tagValue)}`;
  }

  dimension(id: string): string {
    const declared = this.declaration.dimensions.find((d) => d.id === id);
    if (!declared) throw new Error(`dimension table ${id} is not declared for tenant ${this.tenantId}`);
    const fields = declared.fields.map((f) => this.q(dimensionFieldColumn(f.id)));
    return `SELECT ${fields.join(', ')} FROM ${this.table(dimensionTable(id))}`;
  }

  pluginRelation(name: string): string {
    const relation = this.pluginRelations.find((r) => r.name === name);
    if (!relation) throw new Error(`OLAP relation "${name}" is not registered`);
    return `SELECT ${relation.columns.map((c) => this.q(c.name)).join(', ')} FROM ${this.table(pluginRelationTable(name))}`;
  }

  /** The body of the per-tenant `event_view` (operator names, tenant-local dates). */
  eventViewBody(): string {
    const tz = this.declaration.timeZone;
    const columns = [
      'e.contact_id AS contact_id',
      'e.event AS event',
      'COALESCE(et.alias, e.event) AS event_alias',
      `${this.dialect.localTimestamp('e.event_time', tz)} AS event_date`,
      'e.event_day AS event_day',
      'e.channel_id AS s_channel_id',
      'e.channel_account_id AS s_channel_account_id',
      'e.message_id AS s_message_id',
      'e.direction AS s_direction',
      'e.journey_id AS s_journey_id',
      ...this.declaration.eventProperties.map((p) => `e.${this.q(propertyColumn(p.id))} AS ${this.q(eventViewColumn(p.name))}`),
    ];
    return (
      `SELECT ${columns.join(', ')} FROM (${this.events()}) AS e ` +
      `LEFT JOIN ${this.table(tables.eventType)} AS et ON et.code = e.event`
    );
  }

  /** The body of the per-tenant `contact_view`: id, system fields (times tenant-local), `p_attr<id>`. */
  contactViewBody(): string {
    const tz = this.declaration.timeZone;
    const columns = [
      ...contactSystemFields.map((f) =>
        f.type === 'timestamp'
          ? `${this.dialect.localTimestamp(`c.${this.q(f.column)}`, tz)} AS ${this.q(f.column)}`
          : `c.${this.q(f.column)}`,
      ),
      ...this.declaration.contactAttributes.map((a) => `c.${this.q(propertyColumn(a.id))} AS ${this.q(`p_attr${a.id}`)}`),
    ];
    return `SELECT ${columns.join(', ')} FROM ${this.table(tables.contacts)} AS c`;
  }

  /**
   * contact_view with the requested group and tag columns joined — only those, since each join
   * scans a membership table. `group_<id>` is a boolean; `tag_…` is the tag's typed value (dates as
   * epoch ms, as the seed's SQL tags expect).
   */
  contactViewSql(memberships: ContactViewMemberships = {}): string {
    const groups = memberships.groups ?? [];
    const tags = memberships.tags ?? [];
    if (groups.length === 0 && tags.length === 0) return `SELECT * FROM ${this.table(tables.contactView)}`;
    const select = ['cv.*'];
    const joins: string[] = [];
    groups.forEach((group, index) => {
      if (!/^[1-9][0-9]*$/.test(group.groupId) || !Number.isInteger(group.version)) {
        throw new Error(`invalid group reference ${JSON.stringify(group)}`);
      }
      const alias = `g${index}`;
      select.push(`(${alias}.contact_id IS NOT NULL) AS ${this.q(`group_${group.groupId}`)}`);
      joins.push(
        `LEFT JOIN (SELECT DISTINCT contact_id FROM (${this.groupMember()}) AS gm WHERE group_id = ${group.groupId} AND version = ${group.version}) AS ${alias} ON ${alias}.contact_id = cv.id`,
      );
    });
    tags.forEach((tag, index) => {
      const run = tag.run ?? 0;
      if (
        !/^[1-9][0-9]*$/.test(tag.tagId) ||
        !TAG_COLUMN.test(tag.column) ||
        !DATE.test(tag.calcDate) ||
        !Number.isInteger(run)
      ) {
        throw new Error(`invalid tag reference ${JSON.stringify(tag)}`);
      }
      const alias = `t${index}`;
      const value =
        tag.type === 'string'
          ? `${alias}.value_string`
          : tag.type === 'string[]'
            ? `${alias}.value_strings`
            : tag.type === 'bool'
              ? `(${alias}.value_number <> 0)`
              : tag.type === 'date'
                ? `CAST(${alias}.value_number AS BIGINT)`
                : `${alias}.value_number`;
      select.push(`${value} AS ${this.q(tag.column)}`);
      joins.push(
        `LEFT JOIN (SELECT contact_id, value_string, value_number, value_strings FROM ${this.table(tables.tagValue)} ` +
          `WHERE tag_id = ${tag.tagId} AND calc_date = DATE '${tag.calcDate}' AND run = ${run}) AS ${alias} ON ${alias}.contact_id = cv.id`,
      );
    });
    return `SELECT ${select.join(', ')} FROM ${this.table(tables.contactView)} AS cv ${joins.join(' ')}`;
  }

  /** The physical SQL of one relation name (one of `names`). */
  private relationBody(name: string, memberships: ContactViewMemberships | undefined): string {
    switch (name) {
      case 'events':
        return this.events();
      case 'contacts':
        return this.contacts();
      case 'contact_alias':
        return this.contactAlias();
      case 'group_member':
        return this.groupMember();
      case 'tag_value':
        return this.tagValue();
      case 'event_view':
        return `SELECT * FROM ${this.table(tables.eventView)}`;
      case 'contact_view':
        return this.contactViewSql(memberships);
    }
    const dimension = /^dimension_([1-9][0-9]*)$/.exec(name);
    if (dimension && this.declaration.dimensions.some((d) => d.id === dimension[1])) return this.dimension(dimension[1]!);
    return this.pluginRelation(name);
  }

  /**
   * Physical SQL for SQL the guard checked: a CTE for each relation it reads, in front of its own
   * CTEs when it opens with WITH (keeping RECURSIVE), else in front of the whole query.
   */
  resolve(sql: CheckedSql, options: { contactView?: ContactViewMemberships } = {}): string {
    const ctes = sql.relations.map((name) => `${this.q(name)} AS (${this.relationBody(name, options.contactView)})`);
    if (ctes.length === 0) return sql.body;
    if (sql.withOpening) {
      const recursive = sql.withOpening.recursive ? 'RECURSIVE ' : '';
      return `WITH ${recursive}${ctes.join(', ')}, ${sql.body.slice(sql.withOpening.length)}`;
    }
    return `WITH ${ctes.join(', ')} ${sql.body}`;
  }
}
