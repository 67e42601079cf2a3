import { inject, injectable } from 'tsyringe';
import { ConflictError, InputError, NotFoundError } from '../../server/errors.js';
import { isUniqueViolation, OltpStore } from '../../store/oltp/oltp-store.js';
import { assertPasswordStrength, hashPassword } from '../../lib/password.js';
import { isValidTimeZone } from '../../lib/time-zone.js';
import { normalizeEmail, toStaff, type Staff, type StaffRow } from '../staff/staff.types.js';
import { DEFAULT_TIME_ZONE, toTenant, type Tenant, type TenantRow } from './tenant.types.js';

export interface NewTenant {
  tenantName: string;
  timeZone?: string;
  staff: { email: string; name: string; password: string };
}

@injectable()
export class TenantService {
  constructor(@inject(OltpStore) private readonly oltp: OltpStore) {}

  async count(): Promise<number> {
    const [row] = await this.oltp.knex('tenant').count<{ n: number }[]>({ n: '*' });
    return Number(row?.n ?? 0);
  }

  async get(tenantId: string): Promise<Tenant> {
    const row = await this.oltp.knex<TenantRow>('tenant').where({ id: tenantId }).first();
    if (!row) throw new NotFoundError('tenant_not_found');
    return toTenant(row);
  }

  /** Creates a tenant and its first super staff (高级员工) in one transaction. */
  async createWithSuperStaff(input: NewTenant): Promise<{ tenant: Tenant; staff: Staff }> {
    const timeZone = input.timeZone ?? DEFAULT_TIME_ZONE;
    if (!isValidTimeZone(timeZone)) {
      throw new InputError('time_zone_invalid', { timeZone }, [{ path: 'timeZone', code: 'time_zone_invalid' }]);
    }
    assertPasswordStrength(input.staff.password);
    const passwordHash = await hashPassword(input.staff.password);
    const now = Date.now();
    try {
      return await this.oltp.knex.transaction(async (trx) => {
        const [tenantId] = await trx('tenant').insert({
          name: input.tenantName.trim(),
          time_zone: timeZone,
          status: 'active',
          created_at: now,
          updated_at: now,
        });
        const [staffId] = await trx('staff').insert({
          tenant_id: tenantId,
          email: normalizeEmail(input.staff.email),
          name: input.staff.name.trim(),
          password_hash: passwordHash,
          is_super: true,
          status: 'enabled',
          created_at: now,
          updated_at: now,
        });
        const tenant = await trx<TenantRow>('tenant').where({ id: tenantId }).first();
        const staff = await trx<StaffRow>('staff').where({ id: staffId }).first();
        return { tenant: toTenant(tenant!), staff: toStaff(staff!) };
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError('email_taken');
      throw error;
    }
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
      const query = this.oltp.knex('tenant').where({ id: tenantId });
      if (patch.time_zone !== undefined) query.whereNull('first_event_at');
      const updated = await query.update({ ...patch, updated_at: Date.now() });
      if (updated === 0) throw new ConflictError('time_zone_locked');
    }
    return this.get(tenantId);
  }

  /** Records the first event's arrival (ingestion calls it); from then on the zone is fixed. */
  async markFirstEvent(tenantId: string, at: number): Promise<void> {
    await this.oltp.knex('tenant').where({ id: tenantId }).whereNull('first_event_at').update({ first_event_at: at });
  }
}
