import type { PropertyType } from '../../kernel/contributions.js';
import type { ModuleDatabase } from '../../store/oltp/oltp-store.js';

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
}
