import { createServiceRef } from '../../kernel/extension-point.js';
import { assertPasswordStrength, hashPassword } from '../../lib/password.js';
import { ConflictError, NotFoundError } from '../../server/errors.js';
import { isUniqueViolation, paginate, type ModuleDatabase, type Page, type TenantDb } from '../../store/oltp/oltp-store.js';
import { normalizeEmail, toStaff, type Staff, type StaffRow } from './staff.types.js';

export type { Page };

export class StaffService {
  constructor(private readonly database: ModuleDatabase) {}

  private db(tenantId: string): TenantDb {
    return this.database.forTenant(tenantId);
  }

  /** Refuses a weak password (before a caller writes anything that belongs with the staff member). */
  assertPasswordStrength(password: string, path?: string): void {
    assertPasswordStrength(password, path);
  }

  /** The tenant's first super staff (高级员工); emails are unique across tenants. */
  async createSuper(tenantId: string, input: { email: string; name: string; password: string }): Promise<Staff> {
    assertPasswordStrength(input.password);
    const passwordHash = await hashPassword(input.password);
    const now = Date.now();
    try {
      const id = await this.db(tenantId).insert('staff', {
        email: normalizeEmail(input.email),
        name: input.name.trim(),
        password_hash: passwordHash,
        is_super: true,
        status: 'enabled',
        created_at: now,
        updated_at: now,
      });
      return await this.get(tenantId, id);
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError('email_taken');
      throw error;
    }
  }

  /** Ids of the tenant's enabled staff (e.g. the recipients of a notification nobody asked for). */
  async enabledIds(tenantId: string): Promise<string[]> {
    const rows = await this.db(tenantId)
      .from<{ id: number | string }>('staff')
      .where('staff.status', 'enabled')
      .select('staff.id');
    return rows.map((row: { id: number | string }) => String(row.id));
  }

  async list(tenantId: string, page: number, pageSize: number): Promise<Page<Staff>> {
    return paginate(
      () => this.db(tenantId).from<StaffRow>('staff'),
      { page, pageSize, orderBy: 'staff.id', direction: 'asc' },
      toStaff,
    );
  }

  async get(tenantId: string, staffId: string): Promise<Staff> {
    const row = await this.db(tenantId).from<StaffRow>('staff').where('staff.id', staffId).first();
    if (!row) throw new NotFoundError('staff_not_found');
    return toStaff(row);
  }

  async count(tenantId: string): Promise<number> {
    const [row] = await this.db(tenantId).from('staff').count<{ n: number }[]>({ n: '*' });
    return Number(row?.n ?? 0);
  }
}

export const staffServiceRef = createServiceRef<StaffService>({ id: 'staff.staff' });
