import type { ModuleDatabase } from '../../store/oltp/oltp-store.js';
import type { ImportKind, ImportStatus } from './contact-imports.types.js';

export interface ContactImportRow {
  id: number | string;
  tenant_id: number | string;
  kind: ImportKind;
  task_id: number | string;
  file_id: number | string;
  file_name: string;
  status: ImportStatus;
  total_rows: number | null;
  success_count: number | null;
  failure_count: number | null;
  failure_file_id: number | string | null;
  error_code: string | null;
  created_by: number | string | null;
  created_at: number | string;
  updated_at: number | string;
  committed_at: number | string | null;
}

/** The `contact_import` rows: one per uploaded file, its task and its commit marker. */
export class ContactImportsRepo {
  constructor(private readonly db: ModuleDatabase) {}

  transaction<T>(work: () => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }

  insert(tenantId: string, row: Omit<ContactImportRow, 'id' | 'tenant_id'>): Promise<string> {
    return this.db.forTenant(tenantId).insert('contact_import', row);
  }

  find(tenantId: string, id: string): Promise<ContactImportRow | undefined> {
    return this.db.forTenant(tenantId).from<ContactImportRow>('contact_import').where('id', id).first();
  }

  byTask(tenantId: string, taskId: string): Promise<ContactImportRow | undefined> {
    return this.db.forTenant(tenantId).from<ContactImportRow>('contact_import').where('task_id', taskId).first();
  }

  async update(tenantId: string, id: string, patch: Partial<ContactImportRow>): Promise<void> {
    await this.db.forTenant(tenantId).from('contact_import').where('id', id).update(patch);
  }

  /** Newest first. */
  list(tenantId: string, query: { kind?: ImportKind; limit: number }): Promise<ContactImportRow[]> {
    const q = this.db.forTenant(tenantId).from<ContactImportRow>('contact_import');
    if (query.kind) q.where('kind', query.kind);
    return q.orderBy('id', 'desc').limit(query.limit).select<ContactImportRow[]>('*');
  }
}
