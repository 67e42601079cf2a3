import { api } from './client';
import type { DataQualitySummary, QuarantinedMessage } from '@huiliu/core/api-types';
import type { Page } from './types';

// 数据质量 (console): the shapes of /api/v1/ingestion/* from @huiliu/core/api-types
// (core/src/modules/ingestion/ingestion.routes.ts); the reason lists are the console's labels.

/** Why a message could not load and waits in the quarantine (kept 30 days). */
export const quarantineReasons = [
  'event_undeclared',
  'event_time_out_of_range',
  'event_time_invalid',
  'event_missing',
  'identity_missing',
  'identity_invalid',
  'identity_blocked',
  'wechat_info_invalid',
  'wechat_account_not_bound',
  'traits_invalid',
  'properties_invalid',
  'alias_previous_id_missing',
  'group_id_missing',
  'type_unsupported',
  'message_invalid',
  'message_too_deep',
  'load_failed',
] as const;
export type QuarantineReason = (typeof quarantineReasons)[number];

/** Problems counted while the message still loaded (the value kept in `extra` or dropped). */
export const issueReasons = ['property_type_mismatch', 'property_undeclared', 'trait_unknown'] as const;
export type IssueReason = (typeof issueReasons)[number];

export type { QuarantinedMessage };

/** GET /api/v1/ingestion/quality: waiting quarantined messages by reason and event, counted issues, the last load. */
export type QualitySummary = DataQualitySummary;
export type QuarantineGroup = QualitySummary['quarantine'][number];
export type IssueGroup = QualitySummary['issues'][number];

export interface QuarantineFilter {
  reason?: string;
  event?: string;
  replayed?: boolean;
}

/** Ids, or every waiting message of a reason and / or an event. */
export type ReplayRequest = { ids: string[] } | { reason?: string; event?: string };

export const QUARANTINE_PAGE_SIZE_MAX = 100;

export const ingestionKeys = {
  all: ['ingestion'] as const,
  quality: (days: number) => ['ingestion', 'quality', days] as const,
  quarantine: (query: QuarantineFilter & { page: number; pageSize: number }) => ['ingestion', 'quarantine', query] as const,
  message: (id: string) => ['ingestion', 'message', id] as const,
};

const base = '/api/v1/ingestion';

export const ingestionApi = {
  quality: (days: number) => api.get<QualitySummary>(`${base}/quality`, { query: { days } }),
  quarantine: ({ page, pageSize, reason, event, replayed }: QuarantineFilter & { page: number; pageSize: number }) =>
    api.get<Page<QuarantinedMessage>>(`${base}/quarantine`, {
      query: { page, pageSize: Math.min(pageSize, QUARANTINE_PAGE_SIZE_MAX), reason, event, replayed },
    }),
  message: (id: string) => api.get<QuarantinedMessage>(`${base}/quarantine/${encodeURIComponent(id)}`),
  replay: (body: ReplayRequest) => api.post<{ replayed: number }>(`${base}/quarantine/replay`, body),
};
