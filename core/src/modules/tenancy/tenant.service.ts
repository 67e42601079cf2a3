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

  /** Every tenant (platform reports), active or suspended. */
  async listAll(): Promise<{ id: string; name: string; status: Tenant['status'] }[]> {
    return (await this.repo.listAll()).map((row) => ({ id: String(row.id), name: row.name, status: row.status }));
  }

  /**
   * Locks the tenant's row for the current transaction (call inside `ModuleDatabase.transaction`):
   * per-tenant check-then-write changes of other modules serialize on it. 404 `tenant_not_found`.
   */
  async lock(tenantId: string): Promise<void> {
    if (!/^\d+$/.test(tenantId) || !(await this.repo.lock(tenantId))) throw new NotFoundError('tenant_not_found');
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

  /**
   * 到期 (seed §1.11.5): the last day the tenant is paid for, `YYYY-MM-DD` in its zone, or null for
   * none. Set by the platform operator (`huiliu admin expiry`); shown, not enforced (ADR 0036).
   */
  async setExpiry(tenantId: string, expiresOn: string | null): Promise<Tenant> {
    if (expiresOn !== null && !isCalendarDate(expiresOn)) {
      throw new InputError('tenant_expiry_invalid', { expiresOn }, [{ path: 'expiresOn', code: 'tenant_expiry_invalid' }]);
    }
    await this.get(tenantId);
    await this.repo.update(tenantId, { expires_on: expiresOn, updated_at: Date.now() });
    return this.get(tenantId);
  }

  /** Records the first event's arrival (ingestion calls it); from then on the zone is fixed. */
  markFirstEvent(tenantId: string, at: number): Promise<void> {
    return this.repo.markFirstEvent(tenantId, at);
  }
}

/** A real calendar day written `YYYY-MM-DD`. */
function isCalendarDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

export const tenantServiceRef = createServiceRef<TenantService>({ id: 'tenancy.tenants' });
