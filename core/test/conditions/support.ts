import type { GroupRef, MembershipSource, TagRef } from '../../src/modules/conditions/catalogue.js';
import { ConditionsService } from '../../src/modules/conditions/conditions.service.js';
import { TenantRepo } from '../../src/modules/tenancy/tenant.repo.js';
import { TenantService } from '../../src/modules/tenancy/tenant.service.js';
import type { AnalyticsEngine } from '../../src/store/olap/analytics-engine.js';
import type { OltpStore } from '../../src/store/oltp/oltp-store.js';

/**
 * The groups-and-tags module's "active version" interface, implemented by a test double until that
 * module exists: groups and tags by id, with the version / calculation day consumers read.
 */
export class MembershipDouble implements MembershipSource {
  readonly groupRefs = new Map<string, GroupRef>();
  readonly tagRefs = new Map<string, TagRef>();

  groups(_tenantId: string, ids: readonly string[]): Promise<GroupRef[]> {
    return Promise.resolve(ids.flatMap((id) => this.groupRefs.get(id) ?? []));
  }
  tags(_tenantId: string, ids: readonly string[]): Promise<TagRef[]> {
    return Promise.resolve(ids.flatMap((id) => this.tagRefs.get(id) ?? []));
  }
  list(): Promise<{ groups: GroupRef[]; tags: TagRef[] }> {
    return Promise.resolve({ groups: [...this.groupRefs.values()], tags: [...this.tagRefs.values()] });
  }
}

/** The conditions service over a real analytics engine and a real tenant service on `oltp`. */
export function conditionsService(olap: AnalyticsEngine, oltp: OltpStore, memberships: MembershipSource): ConditionsService {
  const tenants = new TenantService(new TenantRepo(oltp.forModule('tenancy', ['tenant'])));
  return new ConditionsService(olap, tenants, () => memberships);
}

/** Local wall clock in Asia/Shanghai (UTC+8, no DST) as epoch ms. */
export const shanghai = (y: number, m: number, d: number, h = 0, min = 0, s = 0): number => Date.UTC(y, m - 1, d, h - 8, min, s);
