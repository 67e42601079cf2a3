import type { ContributionRegistry } from '../../kernel/contribution-registry.js';
import type { TenantService } from '../tenancy/tenant.service.js';
import type { Tenant } from '../tenancy/tenant.types.js';

export interface HomeSummary {
  version: string;
  tenant: Tenant;
  counts: { key: string; value: number }[];
}

/** The home page (§1.2.3): version, tenant, and the numbers modules and plugins contribute (home.counters). */
export class HomeService {
  constructor(
    private readonly tenants: TenantService,
    private readonly contributions: ContributionRegistry,
    private readonly version: string,
  ) {}

  async summary(tenantId: string): Promise<HomeSummary> {
    const tenant = await this.tenants.get(tenantId);
    const counts = await Promise.all(
      [...this.contributions.homeCounters.values()].map(async ({ definition }) => ({
        key: definition.key,
        value: await definition.count(tenantId),
      })),
    );
    return { version: this.version, tenant, counts };
  }
}
