import type { ModuleDatabase } from '../../store/oltp/oltp-store.js';
import type { ContactExportRow } from './contact-exports.types.js';

/** The `contact_export` table, always within one tenant. */
export class ContactExportsRepo {
  constructor(private readonly db: ModuleDatabase) {}

  private exports(tenantId: string) {
    return this.db.forTenant(tenantId).from<ContactExportRow>('contact_export');
  }

  transaction<T>(work: () => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }

  insert(tenantId: string, row: Omit<ContactExportRow, 'id' | 'tenant_id'>): Promise<string> {
    return this.db.forTenant(tenantId).insert('contact_export', row);
  }

  find(tenantId: string, id: string): Promise<ContactExportRow | undefined> {
    return this.exports(tenantId).where('contact_export.id', id).first();
  }

  byTask(tenantId: string, taskId: string): Promise<ContactExportRow | undefined> {
    return this.exports(tenantId).where('contact_export.task_id', taskId).first();
  }

  async update(tenantId: string, id: string, patch: Partial<ContactExportRow>): Promise<void> {
    await this.exports(tenantId).where('contact_export.id', id).update(patch);
  }

  /** The tenant's exports, newest first. */
  async page(tenantId: string, query: { page: number; pageSize: number }): Promise<{ rows: ContactExportRow[]; total: number }> {
    const [countRow] = await this.exports(tenantId).count<{ n: number }[]>({ n: '*' });
    const rows = await this.exports(tenantId)
      .orderBy([
        { column: 'contact_export.created_at', order: 'desc' },
        { column: 'contact_export.id', order: 'desc' },
      ])
      .limit(query.pageSize)
      .offset((query.page - 1) * query.pageSize)
      .select<ContactExportRow[]>('*');
    return { rows, total: Number(countRow?.n ?? 0) };
  }
}
