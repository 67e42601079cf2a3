import type {
  TagFileRef,
  TagFolder,
  TagKind,
  TagStatus,
  Tag as TagOfCore,
  TagUpdateMode,
  TagValueType,
} from '@huiliu/core/api-types';
import type { ConditionTree } from '@huiliu/core/conditions';
import { api } from './client';

// 用户标签 (seed §1.6): /api/v1/tags and /api/v1/tag-folders (core/src/modules/tags/tags.routes.ts).

export type { TagFileRef, TagFolder, TagKind, TagStatus, TagUpdateMode, TagValueType };
export const tagKinds = [
  'layered',
  'preference',
  'metric',
  'firstLast',
  'sql',
  'file',
  'sentiment',
] as const satisfies readonly TagKind[];
export const tagValueTypes = ['string', 'number', 'string[]', 'date', 'bool'] as const satisfies readonly TagValueType[];
export const metricAggregates = ['count', 'sum', 'avg', 'max', 'min', 'distinctCount'] as const;
export const sentimentEvents = ['wechat_send_text', 'wechat_comment_article'] as const;
/** The server's limit (core tags.types.ts). */
export const MAX_LAYERS = 20;
/** Kinds always computed by hand. */
export const MANUAL_ONLY_KINDS: readonly TagKind[] = ['file', 'sentiment'];
/** Statuses of a computation under way: the list polls while a tag is in one. */
export const RUNNING_STATUSES: readonly TagStatus[] = ['pending', 'computing', 'computed', 'syncing'];

export interface TagRule {
  layers?: { value: string; condition: ConditionTree }[];
  event?: string;
  property?: string;
  rankBy?: 'count' | 'sum';
  rankProperty?: string;
  topN?: number;
  aggregate?: (typeof metricAggregates)[number];
  position?: 'first' | 'last';
  days?: number | null;
  sql?: string;
  keyType?: 'contactId' | 'account';
  channelId?: string;
  idType?: string;
  files?: TagFileRef[];
  events?: string[];
}

/** The server's tag; its rule read as the editor's field bag (each kind fills some of them). */
export interface Tag extends Omit<TagOfCore, 'rule'> {
  rule: TagRule;
}

export interface TagInput {
  code?: string;
  name: string;
  description?: string | null;
  folderId?: string | null;
  kind: TagKind;
  valueType?: TagValueType;
  updateMode: TagUpdateMode;
  rule: TagRule;
}

export type ReportRange = 'last7' | 'today';

export interface TagReport {
  range: ReportRange;
  dates: string[];
  calcDates: string[];
  rows: { value: string | number | boolean; counts: Record<string, number>; total: number; condition: ConditionTree | null }[];
  totals: Record<string, number>;
  generatedAt: number;
  cached: boolean;
}

export interface TagFileUpload extends TagFileRef {
  problems: { line: number; code: string }[];
}

export const tagKeys = {
  all: ['tags'] as const,
  list: (folder: string) => ['tags', 'list', folder] as const,
  folders: ['tags', 'folders'] as const,
  report: (tagId: string, range: ReportRange) => ['tags', 'report', tagId, range] as const,
};

const id = (value: string) => encodeURIComponent(value);

export const tagsApi = {
  list: (folder: string) =>
    api
      .get<{ items: Tag[] }>('/api/v1/tags', { query: { folderId: folder === 'all' ? undefined : folder } })
      .then((r) => r.items),
  get: (tagId: string) => api.get<Tag>(`/api/v1/tags/${id(tagId)}`),
  create: (input: TagInput) => api.post<Tag>('/api/v1/tags', input),
  // The ID never changes: it is left out of an edit.
  update: (tagId: string, input: TagInput) => api.put<Tag>(`/api/v1/tags/${id(tagId)}`, { ...input, code: undefined }),
  remove: (tagId: string) => api.delete(`/api/v1/tags/${id(tagId)}`),
  compute: (tagId: string) => api.post<Tag>(`/api/v1/tags/${id(tagId)}/compute`),
  report: (tagId: string, range: ReportRange, force = false) =>
    api.get<TagReport>(`/api/v1/tags/${id(tagId)}/report`, { query: { range, force: force || undefined } }),
  exportUrl: (tagId: string) => `/api/v1/tags/${id(tagId)}/export`,
  uploadFile: (valueType: TagValueType, file: File) => {
    const form = new FormData();
    form.append('file', file);
    return api.upload<TagFileUpload>('/api/v1/tags/files', form, { query: { valueType } });
  },
  folders: () => api.get<{ items: TagFolder[] }>('/api/v1/tag-folders').then((r) => r.items),
  createFolder: (name: string) => api.post<TagFolder>('/api/v1/tag-folders', { name }),
  renameFolder: (folderId: string, name: string) => api.patch<TagFolder>(`/api/v1/tag-folders/${id(folderId)}`, { name }),
  removeFolder: (folderId: string) => api.delete(`/api/v1/tag-folders/${id(folderId)}`),
};
