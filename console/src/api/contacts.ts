import type {
  CandidateStatus,
  ContactMerge,
  ContactSummary,
  CursorPage,
  MergeCandidate,
  MergeEvidence,
} from '@huiliu/core/api-types';
import { api } from './client';

// 合并管理 (console): the shapes of /api/v1/contacts/merge-candidates, /merges and /identity-settings
// from @huiliu/core/api-types (core/src/modules/contacts/merges.routes.ts).

export type { CandidateStatus, ContactMerge, ContactSummary, CursorPage, MergeCandidate, MergeEvidence };

export const candidateStatuses = ['pending', 'accepted', 'dismissed'] as const satisfies readonly CandidateStatus[];

/** The rules the merge history names (`ContactMerge.rule`); a rule this console does not know shows as its code. */
export const mergeRules = [
  'anonymous_identified',
  'wechat_info',
  'wechat_union_id',
  'candidate_accepted',
  'dedupe_rule',
] as const;
export type MergeRule = (typeof mergeRules)[number];

/** GET /api/v1/contacts/merge-candidates: a page, and how many wait for a decision in all. */
export type MergeCandidatePage = CursorPage<MergeCandidate> & { pending: number };

/** What `POST …/accept` answers: the decided candidate, and the merge (null when the pair was one contact already). */
export interface CandidateAccepted {
  candidate: MergeCandidate;
  merge: ContactMerge | null;
}

export interface IdentitySettings {
  blockedValues: string[];
}

/** The server's limits (core identity-rules.ts): at most this many blocked values, each at most this long. */
export const BLOCKED_VALUES_MAX = 100;
export const BLOCKED_VALUE_LENGTH = 191;
/** What a tenant starts with (and 恢复默认值 restores). */
export const DEFAULT_BLOCKED_VALUES: readonly string[] = ['nil', 'null', 'undefined', '1'];

export const MERGES_PAGE_SIZE = 20;

export const contactsKeys = {
  all: ['contacts'] as const,
  candidates: (status: CandidateStatus) => ['contacts', 'merge-candidates', status] as const,
  merges: (contactId: string | undefined) => ['contacts', 'merges', contactId ?? ''] as const,
  identitySettings: ['contacts', 'identity-settings'] as const,
};

const base = '/api/v1/contacts';

export const contactsApi = {
  candidates: (query: { status: CandidateStatus; cursor?: string; limit?: number }) =>
    api.get<MergeCandidatePage>(`${base}/merge-candidates`, {
      query: { status: query.status, cursor: query.cursor, limit: query.limit ?? MERGES_PAGE_SIZE },
    }),
  accept: (candidateId: string) =>
    api.post<CandidateAccepted>(`${base}/merge-candidates/${encodeURIComponent(candidateId)}/accept`),
  dismiss: (candidateId: string) =>
    api.post<MergeCandidate>(`${base}/merge-candidates/${encodeURIComponent(candidateId)}/dismiss`),
  merges: (query: { contactId?: string; cursor?: string; limit?: number }) =>
    api.get<CursorPage<ContactMerge>>(`${base}/merges`, {
      query: { contactId: query.contactId, cursor: query.cursor, limit: query.limit ?? MERGES_PAGE_SIZE },
    }),
  identitySettings: () => api.get<IdentitySettings>(`${base}/identity-settings`),
  saveIdentitySettings: (settings: IdentitySettings) => api.put<IdentitySettings>(`${base}/identity-settings`, settings),
};
