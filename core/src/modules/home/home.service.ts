import { inject, injectable } from 'tsyringe';
import { VERSION } from '../../container.js';
import { TenantService } from '../tenancy/tenant.service.js';
import type { Tenant } from '../tenancy/tenant.types.js';

/** A number on the home page (§1.2.3); modules contribute theirs (contacts, journeys, connections…). */
export interface HomeCounter {
  key: string;
  count(tenantId: string): Promise<number>;
}

export class HomeCounters {
  private readonly counters: HomeCounter[] = [];

  add(counter: HomeCounter): void {
    if (this.counters.some((c) => c.key === counter.key)) throw new Error(`Home counter "${counter.key}" is registered twice`);
    this.counters.push(counter);
  }

  all(): readonly HomeCounter[] {
    return this.counters;
  }
}

export interface HomeSummary {
  version: string;
  tenant: Tenant;
  counts: { key: string; value: number }[];
}

@injectable()
export class HomeService {
  constructor(
    @inject(TenantService) private readonly tenants: TenantService,
    @inject(HomeCounters) private readonly counters: HomeCounters,
    @inject(VERSION) private readonly version: string,
  ) {}

  async summary(tenantId: string): Promise<HomeSummary> {
    const tenant = await this.tenants.get(tenantId);
    const counts = await Promise.all(
      this.counters.all().map(async (counter) => ({ key: counter.key, value: await counter.count(tenantId) })),
    );
    return { version: this.version, tenant, counts };
  }
}
