import type { ModuleDatabase } from '../../store/oltp/oltp-store.js';

export interface StoredFileRow {
  id: number | string;
  tenant_id: number | string;
  name: string;
  content_type: string;
  size: number;
  storage_path: string;
  task_id: number | string | null;
  created_by: number | string | null;
  expires_at: number | null;
  created_at: number;
  /** The permission a download needs besides signing in (an export's file: `contacts.export`); null: none. */
  permission: string | null;
}

/** The `stored_file` table, always within one tenant. */
export class FilesRepo {
  constructor(private readonly db: ModuleDatabase) {}

  private files(tenantId: string) {
    return this.db.forTenant(tenantId).from<StoredFileRow>('stored_file');
  }

  insert(
    tenantId: string,
    row: Omit<StoredFileRow, 'id' | 'tenant_id' | 'permission'> & { permission?: string | null },
  ): Promise<string> {
    return this.db.forTenant(tenantId).insert('stored_file', row);
  }

  find(tenantId: string, fileId: string): Promise<StoredFileRow | undefined> {
    return this.files(tenantId).where('stored_file.id', fileId).first();
  }

  many(tenantId: string, fileIds: readonly string[]): Promise<StoredFileRow[]> {
    return this.files(tenantId).whereIn('stored_file.id', [...fileIds]);
  }

  expired(tenantId: string, now: number): Promise<StoredFileRow[]> {
    return this.files(tenantId).whereNotNull('stored_file.expires_at').where('stored_file.expires_at', '<=', now);
  }

  async remove(tenantId: string, fileIds: readonly (string | number)[]): Promise<void> {
    if (fileIds.length)
      await this.files(tenantId)
        .whereIn('stored_file.id', [...fileIds])
        .delete();
  }
}
