import type { Knex } from 'knex';
import type { ModuleDatabase } from '../../store/oltp/oltp-store.js';
import type { OperationLogFilter, OperationLogRow } from './operation-log.types.js';

const TABLE = 'operation_log';

/** Where a keyset page starts: after the row with this time and id (newest first). */
export interface OperationLogPosition {
  at: number;
  id: string;
}

export class OperationLogRepo {
  constructor(private readonly db: ModuleDatabase) {}

  /** True inside a caller's transaction: the row commits or rolls back with the operation. */
  inTransaction(): boolean {
    return this.db.inTransaction();
  }

  insert(tenantId: string, row: Omit<OperationLogRow, 'id' | 'tenant_id'>): Promise<string> {
    return this.db.forTenant(tenantId).insert(TABLE, row);
  }

  private filtered(tenantId: string, filter: OperationLogFilter): Knex.QueryBuilder<OperationLogRow> {
    let query = this.db.forTenant(tenantId).from<OperationLogRow>(TABLE);
    if (filter.staffId !== undefined) query = query.where('staff_id', filter.staffId);
    if (filter.objectType !== undefined) query = query.where('object_type', filter.objectType);
    if (filter.operation !== undefined) query = query.where('operation', filter.operation);
    if (filter.from !== undefined) query = query.where('at', '>=', filter.from);
    if (filter.to !== undefined) query = query.where('at', '<', filter.to);
    return query;
  }

  /** Rows newest first (time, then id), after `position` when given. */
  page(tenantId: string, filter: OperationLogFilter, position: OperationLogPosition | undefined, limit: number) {
    let query = this.filtered(tenantId, filter);
    if (position) {
      query = query.where((q) =>
        q.where('at', '<', position.at).orWhere((same) => same.where('at', position.at).andWhere('id', '<', position.id)),
      );
    }
    return query
      .orderBy([
        { column: 'at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(limit)
      .select<OperationLogRow[]>('*');
  }

  /** Whether more than `count` rows match (an export stops at `count`). */
  async moreThan(tenantId: string, filter: OperationLogFilter, count: number): Promise<boolean> {
    const beyond = await this.filtered(tenantId, filter)
      .orderBy([
        { column: 'at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .offset(count)
      .limit(1)
      .select('id');
    return beyond.length > 0;
  }
}
