import { inject, injectable } from 'tsyringe';
import { ConflictError, ForbiddenError } from '../../server/errors.js';
import { randomToken, safeEqual } from '../../lib/tokens.js';
import { TenantService, type NewTenant } from './tenant.service.js';

/**
 * First run: while no tenant exists, the console's first-run page creates the first tenant and its
 * super staff. It needs a one-time setup token that only the server log shows, so whoever reaches
 * the port first cannot take over a fresh install.
 */
@injectable()
export class SetupService {
  private token: string | undefined;
  private inProgress = false;

  constructor(@inject(TenantService) private readonly tenants: TenantService) {}

  /** Issues the setup token when setup is needed; returns it (or undefined when done). */
  async prepare(): Promise<string | undefined> {
    if ((await this.tenants.count()) > 0) {
      this.token = undefined;
      return undefined;
    }
    this.token ??= randomToken(18);
    return this.token;
  }

  async isNeeded(): Promise<boolean> {
    return (await this.tenants.count()) === 0;
  }

  async complete(setupToken: string, input: NewTenant): ReturnType<TenantService['createWithSuperStaff']> {
    if (!(await this.isNeeded())) throw new ConflictError('setup_already_done');
    if (!this.token || !safeEqual(setupToken.trim(), this.token)) throw new ForbiddenError('setup_token_invalid');
    if (this.inProgress) throw new ConflictError('setup_already_done');
    this.inProgress = true;
    try {
      const created = await this.tenants.createWithSuperStaff(input);
      this.token = undefined;
      return created;
    } finally {
      this.inProgress = false;
    }
  }
}
