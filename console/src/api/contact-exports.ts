import type { ContactExport, ContactExportStatus } from '@huiliu/core/api-types';
import { api } from './client';
import type { Page } from './types';

/** 用户导出 (seed §1.4.4, §1.4.5): the dialog's choices, starting an export, the 导出任务列表. */

export interface ExportableField {
  key: string;
  label: string;
  group: 'system' | 'custom' | 'readOnly';
  /** Masked for the caller: it is not exported. */
  masked: boolean;
}

export interface ContactExportOptions {
  fields: ExportableField[];
  wechatChannels: { id: string; name: string }[];
  customChannels: { id: string; name: string }[];
  maxRows: number;
}

export interface ContactExportRequest {
  fields: string[];
  filter?: unknown;
  wechatChannelId?: string | null;
  customChannelId?: string | null;
}

export interface ContactExportStarted {
  exportId: string;
  taskId: string;
  count: number;
  excludedFields: string[];
}

export type { ContactExport, ContactExportStatus };

export const contactExportKeys = {
  all: ['contact-exports'] as const,
  options: ['contact-exports', 'options'] as const,
  list: (page: number, pageSize: number) => ['contact-exports', 'list', page, pageSize] as const,
};

export const contactExportsApi = {
  options: () => api.get<ContactExportOptions>('/api/v1/console/contact-exports/options'),
  start: (body: ContactExportRequest) => api.post<ContactExportStarted>('/api/v1/console/contact-exports', body),
  /** 群组详情 → 导出用户 (groups module): the same export, the group ANDed into the filter. */
  startForGroup: (groupId: string, body: ContactExportRequest) =>
    api.post<ContactExportStarted>(`/api/v1/console/groups/${encodeURIComponent(groupId)}/contacts/export`, body),
  list: (page: number, pageSize: number) =>
    api.get<Page<ContactExport>>('/api/v1/console/contact-exports', { query: { page, pageSize } }),
};

/** The download link of an export's file (same origin: the session cookie goes along). */
export function contactExportDownloadUrl(exportId: string): string {
  return `/api/v1/console/contact-exports/${encodeURIComponent(exportId)}/download`;
}
