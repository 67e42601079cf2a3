import { createServiceRef } from '../../kernel/extension-point.js';
import { ConflictError, InputError, NotFoundError } from '../../server/errors.js';
import { isValidTimeZone } from '../../lib/time-zone.js';
import type { TenantRepo } from './tenant.repo.js';
import { DEFAULT_TIME_ZONE, toTenant, type Tenant, type TenantRow } from './tenant.types.js';

export class TenantService {
  constructor(private readonly repo: TenantRepo) {}

  count(): Promise<number> {
    return this.repo.count();
  }

  async get(tenantId: string): Promise<Tenant> {
    const row = await this.repo.find(tenantId);
    if (!row) throw new NotFoundError('tenant_not_found');
    return toTenant(row);
  }

  /** True when the tenant exists and is active (sessions and tokens of other tenants are refused). */
  async isActive(tenantId: string): Promise<boolean> {
    return (await this.repo.find(tenantId))?.status === 'active';
  }

  /** Every active tenant and its time zone. */
  async listActive(): Promise<{ id: string; timeZone: string }[]> {
    return (await this.repo.listActive()).map((row) => ({ id: String(row.id), timeZone: row.time_zone }));
  }

  /** Creates a tenant (call inside a transaction when more belongs with it, see the setup module). */
  async create(input: { name: string; timeZone?: string }): Promise<Tenant> {
    const timeZone = input.timeZone ?? DEFAULT_TIME_ZONE;
    if (!isValidTimeZone(timeZone)) {
      throw new InputError('time_zone_invalid', { timeZone }, [{ path: 'timeZone', code: 'time_zone_invalid' }]);
    }
    const now = Date.now();
    const id = await this.repo.insert({
      name: input.name.trim(),
      time_zone: timeZone,
      status: 'active',
      created_at: now,
      updated_at: now,
    });
    return this.get(id);
  }

  async update(tenantId: string, changes: { name?: string; timeZone?: string }): Promise<Tenant> {
    const tenant = await this.get(tenantId);
    const patch: Partial<TenantRow> = {};
    if (changes.name !== undefined) patch.name = changes.name.trim();
    if (changes.timeZone !== undefined && changes.timeZone !== tenant.timeZone) {
      if (!isValidTimeZone(changes.timeZone)) {
        throw new InputError('time_zone_invalid', { timeZone: changes.timeZone }, [
          { path: 'timeZone', code: 'time_zone_invalid' },
        ]);
      }
      if (tenant.firstEventAt !== null) throw new ConflictError('time_zone_locked');
      patch.time_zone = changes.timeZone;
    }
    if (Object.keys(patch).length > 0) {
      // The zone may change only while no event has arrived: the guard is part of the UPDATE.
      const updated = await this.repo.update(
        tenantId,
        { ...patch, updated_at: Date.now() },
        { zoneUnlocked: patch.time_zone !== undefined },
      );
      if (updated === 0) throw new ConflictError('time_zone_locked');
    }
    return this.get(tenantId);
  }

  /** Records the first event's arrival (ingestion calls it); from then on the zone is fixed. */
  markFirstEvent(tenantId: string, at: number): Promise<void> {
    return this.repo.markFirstEvent(tenantId, at);
  }
}

export const tenantServiceRef = createServiceRef<TenantService>({ id: 'tenancy.tenants' });
