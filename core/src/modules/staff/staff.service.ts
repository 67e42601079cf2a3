import { inject, injectable } from 'tsyringe';
import { NotFoundError } from '../../server/errors.js';
import type { TenantDb } from '../../store/oltp/oltp-store.js';
import { OltpStore, paginate, type Page } from '../../store/oltp/oltp-store.js';

export type { Page };
import { toStaff, type Staff, type StaffRow } from './staff.types.js';

@injectable()
export class StaffService {
  constructor(@inject(OltpStore) private readonly oltp: OltpStore) {}

  private db(tenantId: string): TenantDb {
    return this.oltp.forTenant(tenantId);
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
