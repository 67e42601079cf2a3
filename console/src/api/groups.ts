import type {
  ContactListKind,
  ContactListPage,
  Group,
  GroupFolder,
  GroupKind,
  GroupStatus,
  GroupUpdateMode,
  GroupVersion,
  StaticImportResult,
} from '@huiliu/core/api-types';
import type { ConditionTree } from '@huiliu/core/conditions';
import { api } from './client';

// 用户群组 (seed §1.5): /api/v1/console/groups… and /group-folders (core/src/modules/groups/groups.routes.ts).

export type { Group, GroupFolder, GroupKind, GroupStatus, GroupUpdateMode, GroupVersion, StaticImportResult };

export const groupStatuses = [
  'pending',
  'computing',
  'computed',
  'compute_failed',
  'syncing',
  'done',
  'failed',
] as const satisfies readonly GroupStatus[];

/** The seed's rules (core groups.types.ts): 编辑 only at 完成; 重新计算 at 完成 / 计算失败 / 失败. */
export const canEdit = (group: Group) => group.kind === 'static' || group.status === 'done';
export const canRecompute = (group: Group) =>
  group.kind === 'dynamic' && ['done', 'compute_failed', 'failed'].includes(group.status);
export const isBusy = (group: Group) => ['pending', 'computing', 'computed', 'syncing'].includes(group.status);

/** The server's limits. */
export const GROUP_NAME_MAX = 64;
export const GROUP_FOLDER_DEPTH = 4;
export const GROUP_IMPORT_ROWS = 20_000;
export const GROUP_MEMBERS_PAGE = 20;

export interface DynamicGroupInput {
  name: string;
  description?: string | null;
  folderId?: string | null;
  condition: ConditionTree;
  updateMode: GroupUpdateMode;
  /** 实时更新 (ADR 0048). */
  realtime?: boolean;
}

export const groupKeys = {
  all: ['groups'] as const,
  list: (folderId: string | null | undefined, keyword: string) => ['groups', 'list', folderId ?? 'all', keyword] as const,
  group: (id: string) => ['groups', 'group', id] as const,
  versions: (id: string) => ['groups', 'group', id, 'versions'] as const,
  members: (id: string, search: unknown) => ['groups', 'group', id, 'members', search] as const,
  folders: ['groups', 'folders'] as const,
};

const base = '/api/v1/console/groups';
const enc = encodeURIComponent;

export const groupsApi = {
  list: (query: { folderId?: string | null; keyword?: string }) =>
    api.get<{ items: Group[] }>(base, {
      query: {
        ...(query.folderId === null ? { root: true } : query.folderId ? { folderId: query.folderId } : {}),
        ...(query.keyword ? { keyword: query.keyword } : {}),
      },
    }),
  get: (id: string) => api.get<Group>(`${base}/${enc(id)}`),
  estimate: (condition: ConditionTree) => api.post<{ count: number; computedAt: number }>(`${base}/estimate`, { condition }),
  createDynamic: (input: DynamicGroupInput) => api.post<Group>(`${base}/dynamic`, input),
  createStatic: (input: {
    name: string;
    description?: string | null;
    folderId?: string | null;
    wechatChannelId?: string | null;
  }) => api.post<Group>(`${base}/static`, input),
  update: (
    id: string,
    patch: Partial<Pick<DynamicGroupInput, 'name' | 'description' | 'condition' | 'updateMode' | 'realtime'>>,
  ) => api.patch<Group>(`${base}/${enc(id)}`, patch),
  recompute: (id: string) => api.post<Group>(`${base}/${enc(id)}/recompute`),
  saveAs: (id: string, name: string) => api.post<Group>(`${base}/${enc(id)}/save-as`, { name }),
  remove: (id: string) => api.delete(`${base}/${enc(id)}`),
  move: (id: string, folderId: string | null) => api.put<Group>(`${base}/${enc(id)}/folder`, { folderId }),
  versions: (id: string) => api.get<{ items: GroupVersion[] }>(`${base}/${enc(id)}/versions`),
  members: (id: string, search: { kind: ContactListKind; keyword?: string; filter?: ConditionTree }, cursor?: string) =>
    api.post<ContactListPage>(`${base}/${enc(id)}/contacts/search`, {
      kind: search.kind,
      ...(search.keyword ? { keyword: search.keyword } : {}),
      ...(search.filter && search.filter.conditions.length > 0 ? { filter: search.filter } : {}),
      ...(cursor ? { cursor } : {}),
      limit: GROUP_MEMBERS_PAGE,
    }),
  addMembers: (id: string, contactIds: string[]) =>
    api.post<{ added: number; alreadyMembers: number; notFound: string[] }>(`${base}/${enc(id)}/members`, { contactIds }),
  removeMembers: (id: string, contactIds: string[]) =>
    api.post<{ removed: number; notFound: string[] }>(`${base}/${enc(id)}/members/remove`, { contactIds }),
  importMembers: (id: string, file: File) => {
    const form = new FormData();
    form.append('file', file);
    return api.upload<StaticImportResult>(`${base}/${enc(id)}/members/import`, form);
  },
  linkWeChat: (id: string, wechatChannelId: string) => api.post<Group>(`${base}/${enc(id)}/wechat-link`, { wechatChannelId }),
  folders: () => api.get<{ items: GroupFolder[] }>('/api/v1/console/group-folders'),
  createFolder: (name: string, parentId: string | null) =>
    api.post<GroupFolder>('/api/v1/console/group-folders', { name, parentId }),
  updateFolder: (id: string, patch: { name?: string; parentId?: string | null }) =>
    api.patch<GroupFolder>(`/api/v1/console/group-folders/${enc(id)}`, patch),
  removeFolder: (id: string) => api.delete(`/api/v1/console/group-folders/${enc(id)}`),
};
