import type { OperationCatalogue, OperationDetail, OperationLogItem, OperationLogPage, Staff } from '@huiliu/core/api-types';
import { api, type Query } from './client';
import type { Page } from './types';

// 操作日志 (console): the shapes of /api/v1/operation-logs from @huiliu/core/api-types
// (core/src/modules/audit/operation-log.routes.ts).

export type { OperationCatalogue, OperationDetail, OperationLogItem, OperationLogPage };

/** Filters of the list and the export: staff, object type / operation, time [from, to) in epoch ms. */
export interface OperationLogFilter {
  staffId?: string;
  objectType?: string;
  operation?: string;
  from?: number;
  to?: number;
}

export const OPERATION_LOG_PAGE_SIZE = 20;
/** The server's cap on one export (the newest rows). */
export const OPERATION_LOG_EXPORT_MAX = 100_000;
const STAFF_PAGE_SIZE = 100;

const base = '/api/v1/operation-logs';

export const operationLogKeys = {
  all: ['operation-logs'] as const,
  list: (filter: OperationLogFilter) => ['operation-logs', 'list', filter] as const,
  catalogue: ['operation-logs', 'operations'] as const,
  staff: ['operation-logs', 'staff'] as const,
};

const filterQuery = (filter: OperationLogFilter): Query => ({
  staffId: filter.staffId,
  objectType: filter.objectType,
  operation: filter.operation,
  from: filter.from,
  to: filter.to,
});

export const operationLogApi = {
  list: (filter: OperationLogFilter, cursor?: string) =>
    api.get<OperationLogPage>(base, { query: { ...filterQuery(filter), cursor, limit: OPERATION_LOG_PAGE_SIZE } }),
  catalogue: () => api.get<OperationCatalogue>(`${base}/operations`),
  /** Every staff member of the tenant (names for the filter and the staff column), all pages. */
  async staff(): Promise<Staff[]> {
    const staff: Staff[] = [];
    for (let page = 1; ; page += 1) {
      const result = await api.get<Page<Staff>>('/api/v1/staff', { query: { page, pageSize: STAFF_PAGE_SIZE } });
      staff.push(...result.items);
      if (result.items.length < STAFF_PAGE_SIZE || staff.length >= result.total) return staff;
    }
  },
  /** Where the CSV export downloads from: a plain same-origin link (the session cookie goes along). */
  exportUrl(filter: OperationLogFilter, locale: string): string {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries({ ...filterQuery(filter), locale })) {
      if (value !== undefined) params.set(key, String(value));
    }
    return `${base}/export?${params.toString()}`;
  },
};
