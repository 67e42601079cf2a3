import type {
  ContactListColumn,
  ContactListColumnType,
  ContactListColumnsSetting,
  ContactListKind,
  ContactListPage,
  ContactListRow,
  WeChatIdMatch,
} from '@huiliu/core/api-types';
import type { ConditionTree } from '@huiliu/core/conditions';
import { api } from './client';

// 所有用户 (console): the shapes of /api/v1/console/contacts… from @huiliu/core/api-types
// (core/src/modules/contacts/list.routes.ts).

export type {
  ContactListColumn,
  ContactListColumnType,
  ContactListColumnsSetting,
  ContactListKind,
  ContactListPage,
  ContactListRow,
  WeChatIdMatch,
};

export const contactListKinds = ['all', 'identified', 'anonymous'] as const satisfies readonly ContactListKind[];

export const CONTACT_LIST_PAGE_SIZE = 20;
/** The server's limits (core list.types.ts). */
export const CONTACT_LIST_KEYWORD_MAX = 100;
export const CONTACT_LIST_COLUMNS_MAX = 50;

export interface ContactListSearch {
  kind: ContactListKind;
  keyword?: string;
  filter?: ConditionTree;
}

export const contactListKeys = {
  all: ['contact-list'] as const,
  list: (search: ContactListSearch) => ['contact-list', 'page', search] as const,
  columns: ['contact-list', 'columns'] as const,
  weChat: (value: string) => ['contact-list', 'wechat-ids', value] as const,
};

const base = '/api/v1/console/contacts';

export const contactListApi = {
  search: (search: ContactListSearch, cursor?: string) =>
    api.post<ContactListPage>(`${base}/search`, {
      kind: search.kind,
      ...(search.keyword ? { keyword: search.keyword } : {}),
      ...(search.filter && search.filter.conditions.length > 0 ? { filter: search.filter } : {}),
      ...(cursor ? { cursor } : {}),
      limit: CONTACT_LIST_PAGE_SIZE,
    }),
  columns: () => api.get<ContactListColumnsSetting>(`${base}/list-columns`),
  saveColumns: (columns: string[]) => api.put<ContactListColumnsSetting>(`${base}/list-columns`, { columns }),
  weChatIds: (value: string) => api.get<{ items: WeChatIdMatch[] }>(`${base}/wechat-ids`, { query: { value } }),
};
