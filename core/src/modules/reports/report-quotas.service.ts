import { createServiceRef } from '../../kernel/extension-point.js';
import { InputError } from '../../server/errors.js';
import type { TenantService } from '../tenancy/tenant.service.js';
import type { ReportQuotaRow, SavedReportsRepo } from './saved-reports.repo.js';
import { defaultReportQuotas, reportQuotaBounds, type ReportQuotaSettings, type ReportQuotas } from './saved-reports.types.js';

const quotaKeys = ['reports', 'dashboards', 'cards'] as const satisfies readonly (keyof ReportQuotas)[];
const columnOf = { reports: 'max_reports', dashboards: 'max_dashboards', cards: 'max_cards' } as const;

/** A change of quotas: a number sets one, null puts it back to the default, absent leaves it. */
export type ReportQuotaChange = Partial<Record<keyof ReportQuotas, number | null>>;

/**
 * Per-tenant quotas of saved reports, dashboards and reports per dashboard (seed §1.3.1 "每个仪表盘
 * 默认最大添加 10 个报表", §1.3.4.2 "报表数已经达到上限，需要联系我司商务增加报表数量"; ADR 0053). One
 * optional `report_quota` row per tenant; NULL or no row = the defaults. Platform operators set them
 * with `huiliu admin quotas`; tenant staff only meet them (409). Read on every write that counts, so a
 * change applies at once in every process.
 */
export class ReportQuotasService {
  constructor(
    private readonly repo: SavedReportsRepo,
    private readonly tenants: Pick<TenantService, 'get' | 'lock'>,
  ) {}

  /** The tenant's quotas (operators' values, else the defaults). */
  async get(tenantId: string): Promise<ReportQuotas> {
    const { reports, dashboards, cards } = await this.settings(tenantId);
    return { reports, dashboards, cards };
  }

  /** The quotas with which of them an operator set. */
  async settings(tenantId: string): Promise<ReportQuotaSettings> {
    return toSettings(await this.repo.quota(tenantId));
  }

  /** Live saved reports of the tenant (what the reports quota counts). */
  reportsUsed(tenantId: string): Promise<number> {
    return this.repo.liveCount(tenantId);
  }

  /**
   * Sets a tenant's quotas (platform operators): each within its bounds (400 `report_quota_invalid`);
   * 404 `tenant_not_found`. Lowering one below what the tenant has keeps what exists and refuses more.
   */
  async set(tenantId: string, change: ReportQuotaChange, changedBy: string | null): Promise<ReportQuotaSettings> {
    for (const key of quotaKeys) {
      const value = change[key];
      if (value === undefined || value === null) continue;
      const { min, max } = reportQuotaBounds[key];
      if (!Number.isInteger(value) || value < min || value > max)
        throw new InputError('report_quota_invalid', { quota: key, min, max }, [{ path: key, code: 'report_quota_invalid' }]);
    }
    await this.tenants.get(tenantId);
    return this.repo.transaction(async () => {
      await this.tenants.lock(tenantId);
      const current = await this.repo.quota(tenantId);
      const row: Omit<ReportQuotaRow, 'id' | 'tenant_id'> = {
        max_reports: current?.max_reports ?? null,
        max_dashboards: current?.max_dashboards ?? null,
        max_cards: current?.max_cards ?? null,
        changed_at: Date.now(),
        changed_by: changedBy,
      };
      for (const key of quotaKeys) if (change[key] !== undefined) row[columnOf[key]] = change[key];
      await this.repo.saveQuota(tenantId, row);
      return toSettings({ ...row, id: 0, tenant_id: tenantId });
    });
  }
}

function toSettings(row: ReportQuotaRow | undefined): ReportQuotaSettings {
  const settings: ReportQuotaSettings = {
    ...defaultReportQuotas,
    custom: [],
    changedAt: row ? Number(row.changed_at) : null,
    changedBy: row?.changed_by ?? null,
  };
  for (const key of quotaKeys) {
    const value = row?.[columnOf[key]];
    if (value === null || value === undefined) continue;
    settings[key] = Number(value);
    settings.custom.push(key);
  }
  return settings;
}

export const reportQuotasServiceRef = createServiceRef<ReportQuotasService>({ id: 'reports.quotas' });
