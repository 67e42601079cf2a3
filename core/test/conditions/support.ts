import { afterAll, beforeAll } from 'vitest';
import type { HuiliuApp } from '../../src/app.js';
import type { ContributionRegistry } from '../../src/kernel/contribution-registry.js';
import type { GroupRef, MembershipSource, TagRef } from '../../src/modules/conditions/catalogue.js';
import { ConditionsService } from '../../src/modules/conditions/conditions.service.js';
import type { MetadataSource, TenantMetadata } from '../../src/modules/conditions/metadata-source.js';
import { TenantRepo } from '../../src/modules/tenancy/tenant.repo.js';
import { TenantService } from '../../src/modules/tenancy/tenant.service.js';
import type { AnalyticsEngine } from '../../src/store/olap/analytics-engine.js';
import type { OlapTenantDeclaration } from '../../src/store/olap/declaration.js';
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

/**
 * The metadata module's source, implemented by a test double: the same metadata for every tenant
 * (tests declare an OLAP schema whose ids match it), replaceable between cases.
 */
export class MetadataDouble implements MetadataSource {
  constructor(public metadata: TenantMetadata) {}

  describe(): Promise<TenantMetadata> {
    return Promise.resolve(structuredClone(this.metadata));
  }
}

/**
 * The conditions service over a real analytics engine and a real tenant service on `oltp`; without
 * `metadata`, its catalogue comes from the tenant's analytics declaration.
 */
export function conditionsService(
  olap: AnalyticsEngine,
  oltp: OltpStore,
  memberships: MembershipSource,
  metadata?: MetadataSource,
): ConditionsService {
  const tenants = new TenantService(new TenantRepo(oltp.forModule('tenancy', ['tenant'])));
  return new ConditionsService(
    olap,
    tenants,
    () => memberships,
    () => metadata,
  );
}

/** Local wall clock in Asia/Shanghai (UTC+8, no DST) as epoch ms. */
export const shanghai = (y: number, m: number, d: number, h = 0, min = 0, s = 0): number => Date.UTC(y, m - 1, d, h - 8, min, s);

/**
 * Lets a suite drive the condition engine over analytics declarations it writes by hand: the
 * metadata module's source is set aside (the engine falls back to the declaration) for the
 * suite's duration. The metadata module's own path is tested in core/test/metadata.
 */
export function overHandWrittenDeclarations(app: () => HuiliuApp): void {
  let saved: ContributionRegistry['metadataSource'];
  beforeAll(() => {
    saved = app().kernel.contributions.metadataSource;
    app().kernel.contributions.metadataSource = undefined;
  });
  afterAll(() => {
    app().kernel.contributions.metadataSource = saved;
  });
}

/** The condition fixtures' declaration (engine.test.ts; the StarRocks golden SQL of core/test/olap/starrocks). */
export const conditionDeclaration: OlapTenantDeclaration = {
  timeZone: 'Asia/Shanghai',
  events: [
    { code: 'purchase', alias: 'purchase' },
    { code: 'subscribe', alias: 'subscribe' },
    { code: 'unfollow', alias: 'unfollow' },
  ],
  eventProperties: [
    { id: '11', name: 'amount', type: 'number' },
    { id: '12', name: 'sku', type: 'string' },
    { id: '13', name: 'categories', type: 'string[]' },
    { id: '14', name: 'paid_at', type: 'datetime' },
  ],
  contactAttributes: [
    { id: '21', type: 'integer', name: 'level' },
    { id: '22', type: 'date', name: 'joined' },
  ],
  dimensions: [],
};
