import type {
  DedupeField,
  DedupeMember,
  DedupeMode,
  DedupeRun,
  DedupeSet,
  DedupeSettings,
  SetMergeResult,
} from '@huiliu/core/api-types';
import { api } from './client';

// 合并用户 (seed §1.4.7): /api/v1/console/contacts/dedupe… (core/src/modules/dedupe/dedupe.routes.ts).

export type { DedupeField, DedupeMember, DedupeMode, DedupeRun, DedupeSet, DedupeSettings, SetMergeResult };

/** The fields a dedupe may compare, in the seed's order (手机号码, 证件号, 邮箱). */
export const dedupeFields = ['mobilePhone', 'idCard', 'email'] as const satisfies readonly DedupeField[];
/** What a tenant starts with (and 恢复默认值 restores). */
export const DEFAULT_EXCLUDED_VALUES: readonly string[] = ['nil', 'null', 'undefined', '1'];
/** The server's limits (core dedupe-rules.ts). */
export const EXCLUDED_VALUES_MAX = 100;
export const EXCLUDED_VALUE_LENGTH = 191;
export const DEDUPE_SETS_PAGE_SIZE = 50;

export type DedupeSettingsInput = Pick<DedupeSettings, 'fields' | 'mode' | 'excludedValues' | 'autoMerge'>;

export const dedupeKeys = {
  all: ['contacts', 'dedupe'] as const,
  settings: ['contacts', 'dedupe', 'settings'] as const,
  runs: ['contacts', 'dedupe', 'runs'] as const,
  sets: (runId: string) => ['contacts', 'dedupe', 'runs', runId, 'sets'] as const,
};

const base = '/api/v1/console/contacts/dedupe';

export const dedupeApi = {
  settings: () => api.get<DedupeSettings>(`${base}/settings`),
  saveSettings: (settings: DedupeSettingsInput) => api.put<DedupeSettings>(`${base}/settings`, settings),
  start: () => api.post<DedupeRun>(`${base}/runs`),
  runs: (limit = 1) => api.get<{ items: DedupeRun[] }>(`${base}/runs`, { query: { limit } }),
  sets: (runId: string, cursor?: string) =>
    api.get<{ items: DedupeSet[]; nextCursor: string | null }>(`${base}/runs/${encodeURIComponent(runId)}/sets`, {
      query: { cursor, limit: DEDUPE_SETS_PAGE_SIZE },
    }),
  merge: (runId: string, sets: { setId: string; contactIds?: string[] }[]) =>
    api.post<{ results: SetMergeResult[] }>(`${base}/runs/${encodeURIComponent(runId)}/merge`, { sets }),
};
