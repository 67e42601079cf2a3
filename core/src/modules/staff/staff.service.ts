import { createServiceRef } from '../../kernel/extension-point.js';
import { assertPasswordStrength, hashPassword } from '../../lib/password.js';
import { ConflictError, NotFoundError } from '../../server/errors.js';
import { isUniqueViolation, type Page } from '../../store/oltp/oltp-store.js';
import type { StaffRepo } from './staff.repo.js';
import { normalizeEmail, toStaff, type Staff } from './staff.types.js';

export type { Page };

export class StaffService {
  constructor(private readonly repo: StaffRepo) {}

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
      const id = await this.repo.insert(tenantId, {
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
  enabledIds(tenantId: string): Promise<string[]> {
    return this.repo.enabledIds(tenantId);
  }

  list(tenantId: string, page: number, pageSize: number): Promise<Page<Staff>> {
    return this.repo.page(tenantId, page, pageSize, toStaff);
  }

  async get(tenantId: string, staffId: string): Promise<Staff> {
    const row = await this.repo.find(tenantId, staffId);
    if (!row) throw new NotFoundError('staff_not_found');
    return toStaff(row);
  }

  /** Staff names by id (operation log exports). */
  async names(tenantId: string): Promise<Map<string, string>> {
    return new Map((await this.repo.names(tenantId)).map((row) => [String(row.id), row.name]));
  }

  count(tenantId: string): Promise<number> {
    return this.repo.count(tenantId);
  }
}

export const staffServiceRef = createServiceRef<StaffService>({ id: 'staff.staff' });
