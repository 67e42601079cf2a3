import { createServiceRef } from '../../kernel/extension-point.js';
import { ConflictError, ForbiddenError } from '../../server/errors.js';
import { randomToken, safeEqual } from '../../lib/tokens.js';
import type { ModuleDatabase } from '../../store/oltp/oltp-store.js';
import type { Staff } from '../staff/staff.types.js';
import type { StaffService } from '../staff/staff.service.js';
import type { DemoService } from '../demo/demo.service.js';
import type { Tenant } from '../tenancy/tenant.types.js';
import type { TenantService } from '../tenancy/tenant.service.js';

export interface NewTenant {
  tenantName: string;
  timeZone?: string;
  staff: { email: string; name: string; password: string };
}

/**
 * First run: while no tenant exists, the console's first-run page creates the first tenant and its
 * super staff. It needs a one-time setup token that only the server log shows, so whoever reaches
 * the port first cannot take over a fresh install.
 */
export class SetupService {
  private token: string | undefined;
  private inProgress = false;

  constructor(
    private readonly db: ModuleDatabase,
    private readonly tenants: TenantService,
    private readonly staff: StaffService,
    private readonly demo: DemoService,
  ) {}

  /**
   * Creates a tenant and its first super staff (高级员工) in one transaction: the first-run page,
   * `huiliu admin create` and tests use it. Each module writes its own table.
   */
  async createWithSuperStaff(input: NewTenant): Promise<{ tenant: Tenant; staff: Staff }> {
    // Check the password before anything is written (hashing happens inside createSuper).
    this.staff.assertPasswordStrength(input.staff.password);
    return this.db.transaction(async () => {
      const tenant = await this.tenants.create({ name: input.tenantName, timeZone: input.timeZone });
      const staff = await this.staff.createSuper(tenant.id, input.staff);
      return { tenant, staff };
    });
  }

  /** Issues the setup token when setup is needed; returns it (or undefined when done). */
  async prepare(): Promise<string | undefined> {
    if (!(await this.isNeeded())) {
      this.token = undefined;
      return undefined;
    }
    this.token ??= randomToken(18);
    return this.token;
  }

  /** No tenant of the operator's own exists yet: `huiliu demo`'s tenant does not count (ADR 0030). */
  async isNeeded(): Promise<boolean> {
    const demo = await this.demo.find();
    return (await this.tenants.count()) - (demo ? 1 : 0) <= 0;
  }

  async complete(setupToken: string, input: NewTenant): ReturnType<SetupService['createWithSuperStaff']> {
    if (!(await this.isNeeded())) throw new ConflictError('setup_already_done');
    if (!this.token || !safeEqual(setupToken.trim(), this.token)) throw new ForbiddenError('setup_token_invalid');
    if (this.inProgress) throw new ConflictError('setup_already_done');
    this.inProgress = true;
    try {
      const created = await this.createWithSuperStaff(input);
      this.token = undefined;
      return created;
    } finally {
      this.inProgress = false;
    }
  }
}

export const setupServiceRef = createServiceRef<SetupService>({ id: 'setup.setup' });
