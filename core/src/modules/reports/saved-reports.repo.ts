import type { Knex } from 'knex';
import type { ModuleDatabase, TenantDb } from '../../store/oltp/oltp-store.js';

type Id = number | string;

export interface ReportRow {
  id: Id;
  tenant_id: Id;
  model: string;
  name: string;
  query: string;
  department_id: Id | null;
  created_by: Id | null;
  updated_by: Id | null;
  created_at: Id;
  updated_at: Id;
  deleted_at: Id | null;
}

export interface ReportQuotaRow {
  id: Id;
  tenant_id: Id;
  max_reports: number | string | null;
  max_dashboards: number | string | null;
  max_cards: number | string | null;
  changed_at: Id;
  changed_by: string | null;
}

/** `%` and `_` of a searched fragment taken literally (`!` is the LIKE escape on both engines). */
export const likeFragment = (text: string): string => `%${text.replace(/[!%_]/g, (c) => `!${c}`)}%`;

/** The reports module's tables (report, report_quota), always within one tenant. */
export class SavedReportsRepo {
  constructor(private readonly db: ModuleDatabase) {}

  private tenant(tenantId: string): TenantDb {
    return this.db.forTenant(tenantId);
  }

  transaction<T>(work: () => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }

  // ---- reports ------------------------------------------------------------------------------------

  /** Live reports, filtered by model and by a fragment of the name: a query for `paginate`. */
  listQuery(tenantId: string, filter: { model?: string; keyword?: string }): Knex.QueryBuilder<ReportRow> {
    const query = this.tenant(tenantId).from<ReportRow>('report').whereNull('report.deleted_at');
    if (filter.model) query.where('report.model', filter.model);
    if (filter.keyword) query.whereRaw("report.name LIKE ? ESCAPE '!'", [likeFragment(filter.keyword)]);
    return query;
  }

  /** A live report; `lock` locks its row until the transaction ends (MySQL/MariaDB). */
  report(tenantId: string, reportId: string, options: { lock?: boolean } = {}): Promise<ReportRow | undefined> {
    const query = this.tenant(tenantId).from<ReportRow>('report').where('report.id', reportId).whereNull('report.deleted_at');
    return (options.lock && this.db.client === 'mysql' ? query.forUpdate() : query).first();
  }

  /** The live reports among `ids`. */
  reports(tenantId: string, ids: readonly string[]): Promise<ReportRow[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.tenant(tenantId)
      .from<ReportRow>('report')
      .whereIn('report.id', [...ids])
      .whereNull('report.deleted_at')
      .select<ReportRow[]>('*');
  }

  async liveCount(tenantId: string): Promise<number> {
    const row = (await this.tenant(tenantId).from('report').whereNull('report.deleted_at').count({ n: '*' }).first()) as
      { n: number | string } | undefined;
    return Number(row?.n ?? 0);
  }

  insert(tenantId: string, row: Omit<ReportRow, 'id' | 'tenant_id'>): Promise<string> {
    return this.tenant(tenantId).insert('report', row);
  }

  async update(tenantId: string, reportId: string, patch: Partial<Omit<ReportRow, 'id' | 'tenant_id'>>): Promise<void> {
    await this.tenant(tenantId).from('report').where('report.id', reportId).update(patch);
  }

  /** Marks live reports deleted (their rows stay, so their ids are never reused). */
  async markDeleted(tenantId: string, ids: readonly string[], at: number): Promise<number> {
    if (ids.length === 0) return 0;
    return this.tenant(tenantId)
      .from('report')
      .whereIn('report.id', [...ids])
      .whereNull('report.deleted_at')
      .update({ deleted_at: at, updated_at: at });
  }

  /** Live reports of a department (a department in use is not deleted). */
  async departmentCount(tenantId: string, departmentId: string): Promise<number> {
    const row = (await this.tenant(tenantId)
      .from('report')
      .whereNull('report.deleted_at')
      .where('report.department_id', departmentId)
      .count({ n: '*' })
      .first()) as { n: number | string } | undefined;
    return Number(row?.n ?? 0);
  }

  // ---- quotas -------------------------------------------------------------------------------------

  quota(tenantId: string): Promise<ReportQuotaRow | undefined> {
    return this.tenant(tenantId).from<ReportQuotaRow>('report_quota').first();
  }

  /** Writes the tenant's quota row (the caller holds the tenant lock, so two writers never race). */
  async saveQuota(tenantId: string, row: Omit<ReportQuotaRow, 'id' | 'tenant_id'>): Promise<void> {
    const updated = await this.tenant(tenantId).from('report_quota').update(row);
    if (updated === 0) await this.tenant(tenantId).insert('report_quota', row);
  }
}
