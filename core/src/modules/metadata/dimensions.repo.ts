import type { PropertyType } from '../../kernel/contributions.js';
import type { ModuleDatabase, TenantDb } from '../../store/oltp/oltp-store.js';

export interface DimensionTableRow {
  id: string;
  tenant_id: string;
  kind: 'dimension' | 'dictionary';
  code: string | null;
  code_key: string | null;
  name: string;
  link_target: 'event' | 'contact';
  link_property: string;
  link_key: string | null;
  primary_field_id: string | null;
  status: 'empty' | 'loading' | 'ready' | 'clearing';
  row_count: number;
  task_id: string | null;
  loaded_at: number | null;
  deleted_at: number | null;
  created_by: string | null;
  created_at: number;
  updated_at: number;
}

export interface DimensionFieldRow {
  id: string;
  tenant_id: string;
  dimension_id: string;
  code: string;
  code_key: string;
  name: string;
  type: PropertyType;
  position: number;
  created_at: number;
  updated_at: number;
}

/** The dimension-table and dictionary tables (§1.10.12, §1.10.13), always within one tenant. */
export class DimensionsRepo {
  constructor(private readonly db: ModuleDatabase) {}

  private tenant(tenantId: string): TenantDb {
    return this.db.forTenant(tenantId);
  }

  /** Runs `work` in one OLTP transaction. */
  transaction<T>(work: () => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }

  /** Live tables (dimension tables and dictionaries) with their fields in order. */
  async live(tenantId: string): Promise<{ table: DimensionTableRow; fields: DimensionFieldRow[] }[]> {
    const db = this.db.forTenant(tenantId);
    const tables = await db
      .from<DimensionTableRow>('meta_dimension_table')
      .select<DimensionTableRow[]>('*')
      .whereNull('deleted_at')
      .orderBy('id');
    if (tables.length === 0) return [];
    const fields = await db
      .from<DimensionFieldRow>('meta_dimension_field')
      .select<DimensionFieldRow[]>('*')
      .whereIn(
        'dimension_id',
        tables.map((t) => t.id),
      )
      .orderBy([{ column: 'dimension_id' }, { column: 'position' }, { column: 'id' }]);
    return tables.map((table) => ({ table, fields: fields.filter((f) => String(f.dimension_id) === String(table.id)) }));
  }

  /** A live table (dimension or dictionary) by id. */
  table(tenantId: string, id: string): Promise<DimensionTableRow | undefined> {
    return this.tenant(tenantId).from<DimensionTableRow>('meta_dimension_table').where('id', id).whereNull('deleted_at').first();
  }

  /** The live table of a kind linked to a property (`link_key` is unique while live). */
  linked(tenantId: string, kind: DimensionTableRow['kind'], target: string, property: string) {
    return this.tenant(tenantId)
      .from<DimensionTableRow>('meta_dimension_table')
      .where('link_key', linkKey(kind, target, property))
      .first();
  }

  /** Whether the tenant ever had (live or deleted) a table of this kind for the property. */
  async everLinked(tenantId: string, kind: DimensionTableRow['kind'], target: string, property: string): Promise<boolean> {
    const row = await this.tenant(tenantId)
      .from('meta_dimension_table')
      .where({ kind, link_target: target, link_property: property })
      .first('id');
    return row !== undefined;
  }

  byCodeKey(tenantId: string, key: string): Promise<DimensionTableRow | undefined> {
    return this.tenant(tenantId).from<DimensionTableRow>('meta_dimension_table').where('code_key', key).first();
  }

  countDimensions(tenantId: string): Promise<number> {
    return this.tenant(tenantId)
      .from('meta_dimension_table')
      .where('kind', 'dimension')
      .whereNull('deleted_at')
      .count<{ n: number }[]>({ n: '*' })
      .then(([row]) => Number(row?.n ?? 0));
  }

  fields(tenantId: string, dimensionId: string): Promise<DimensionFieldRow[]> {
    return this.tenant(tenantId)
      .from<DimensionFieldRow>('meta_dimension_field')
      .select<DimensionFieldRow[]>('*')
      .where('dimension_id', dimensionId)
      .orderBy([{ column: 'position' }, { column: 'id' }]);
  }

  insertTable(tenantId: string, row: Omit<DimensionTableRow, 'id' | 'tenant_id'>): Promise<string> {
    return this.tenant(tenantId).insert('meta_dimension_table', row);
  }

  insertField(tenantId: string, row: Omit<DimensionFieldRow, 'id' | 'tenant_id'>): Promise<string> {
    return this.tenant(tenantId).insert('meta_dimension_field', row);
  }

  /** Updates a live table; with `expect`, only while those columns still hold those values. Returns the rows changed. */
  async updateTable(
    tenantId: string,
    id: string,
    change: Partial<Omit<DimensionTableRow, 'id' | 'tenant_id'>>,
    expect: Partial<Pick<DimensionTableRow, 'status' | 'task_id' | 'updated_at'>> = {},
  ): Promise<number> {
    return this.tenant(tenantId)
      .from('meta_dimension_table')
      .where({ id, ...expect })
      .whereNull('deleted_at')
      .update(change);
  }

  async fieldRename(tenantId: string, fieldId: string, name: string, now: number): Promise<void> {
    await this.tenant(tenantId).from('meta_dimension_field').where('id', fieldId).update({ name, updated_at: now });
  }

  /** A tombstone: the id (and its OLAP table) is never reused; the code and the property are free again. */
  async tombstone(tenantId: string, id: string, now: number): Promise<void> {
    await this.tenant(tenantId)
      .from('meta_dimension_table')
      .where('id', id)
      .update({ deleted_at: now, code_key: null, link_key: null, status: 'empty', row_count: 0, task_id: null, updated_at: now });
  }

  // ---- dictionary entries ------------------------------------------------------------------------

  entries(tenantId: string, dimensionId: string): Promise<{ value: string; label: string }[]> {
    return this.tenant(tenantId)
      .from('meta_dictionary_entry')
      .where('dimension_id', dimensionId)
      .orderBy('value')
      .select<{ value: string; label: string }[]>('value', 'label');
  }

  /** Replaces a dictionary's entries (inside the caller's transaction). */
  async replaceEntries(tenantId: string, dimensionId: string, entries: readonly { value: string; label: string }[]) {
    const db = this.tenant(tenantId);
    await db.from('meta_dictionary_entry').where('dimension_id', dimensionId).delete();
    for (let at = 0; at < entries.length; at += ENTRY_BATCH)
      await db
        .from('meta_dictionary_entry')
        .insert(entries.slice(at, at + ENTRY_BATCH).map((e) => ({ dimension_id: dimensionId, value: e.value, label: e.label })));
  }

  async deleteEntries(tenantId: string, dimensionId: string): Promise<void> {
    await this.tenant(tenantId).from('meta_dictionary_entry').where('dimension_id', dimensionId).delete();
  }

  /** The labels of these values (those the dictionary has). */
  async labels(tenantId: string, dimensionId: string, values: readonly string[]): Promise<Map<string, string>> {
    const labels = new Map<string, string>();
    const unique = [...new Set(values)];
    for (let at = 0; at < unique.length; at += ENTRY_BATCH) {
      const rows = await this.tenant(tenantId)
        .from('meta_dictionary_entry')
        .where('dimension_id', dimensionId)
        .whereIn('value', unique.slice(at, at + ENTRY_BATCH))
        .select<{ value: string; label: string }[]>('value', 'label');
      for (const row of rows) labels.set(row.value, row.label);
    }
    return labels;
  }
}

/** Entry rows per INSERT / values per IN list. */
const ENTRY_BATCH = 500;

/** `<kind>:<target>:<property>`: at most one live dimension table and one dictionary per property. */
export const linkKey = (kind: DimensionTableRow['kind'], target: string, property: string): string =>
  `${kind}:${target}:${property}`;
