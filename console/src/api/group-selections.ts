import type {
  ExclusiveGroup,
  GroupSelection,
  GroupSelectionChoices,
  SelectionCount,
  TemporaryGroup,
} from '@huiliu/core/api-types';
import type { ConditionTree } from '@huiliu/core/conditions';
import { api } from './client';

// 互斥组, 临时群组 and the selections reports pick (core/src/modules/group-selections, ADR 0049).

export type { ExclusiveGroup, GroupSelection, GroupSelectionChoices, SelectionCount, TemporaryGroup };

/** The server's limits (core group-selections.types.ts). */
export const EXCLUSIVE_MEMBERS_MIN = 2;
export const EXCLUSIVE_MEMBERS_MAX = 20;
export const TEMPORARY_PER_STAFF = 3;
export const COMPARE_MAX = 5;

/** The picker's value for a selection: `group:<id>`, `exclusive:<id>:<position>`, `temporary:<id>`. */
export function selectionKey(selection: GroupSelection): string {
  switch (selection.type) {
    case 'group':
      return `group:${selection.groupId}`;
    case 'exclusive':
      return `exclusive:${selection.exclusiveGroupId}:${selection.position}`;
    case 'temporary':
      return `temporary:${selection.temporaryGroupId}`;
  }
}

export function parseSelectionKey(key: string): GroupSelection | undefined {
  const [type, id, position] = key.split(':');
  if (!id) return undefined;
  if (type === 'group') return { type, groupId: id };
  if (type === 'temporary') return { type, temporaryGroupId: id };
  if (type === 'exclusive' && position) return { type, exclusiveGroupId: id, position: Number(position) };
  return undefined;
}

export const selectionKeys = {
  all: ['group-selections'] as const,
  choices: ['group-selections', 'choices'] as const,
  exclusive: ['group-selections', 'exclusive'] as const,
  counts: (id: string) => ['group-selections', 'exclusive', id, 'counts'] as const,
  temporary: ['group-selections', 'temporary'] as const,
};

const exclusiveBase = '/api/v1/console/exclusive-groups';
const temporaryBase = '/api/v1/console/temporary-groups';
const enc = encodeURIComponent;

export const selectionsApi = {
  choices: () => api.get<GroupSelectionChoices>('/api/v1/console/group-selections'),
  count: (selections: GroupSelection[]) =>
    api.post<{ items: SelectionCount[]; computedAt: number }>('/api/v1/console/group-selections/count', { selections }),
  exclusiveGroups: () => api.get<{ items: ExclusiveGroup[] }>(exclusiveBase),
  createExclusive: (input: { name: string; description?: string | null; groupIds: string[] }) =>
    api.post<ExclusiveGroup>(exclusiveBase, input),
  updateExclusive: (id: string, patch: { name?: string; description?: string | null; groupIds?: string[] }) =>
    api.patch<ExclusiveGroup>(`${exclusiveBase}/${enc(id)}`, patch),
  removeExclusive: (id: string) => api.delete(`${exclusiveBase}/${enc(id)}`),
  exclusiveCounts: (id: string) => api.get<{ items: SelectionCount[]; computedAt: number }>(`${exclusiveBase}/${enc(id)}/counts`),
  temporaryGroups: () => api.get<{ items: TemporaryGroup[] }>(temporaryBase),
  createTemporary: (input: { name: string; condition: ConditionTree }) => api.post<TemporaryGroup>(temporaryBase, input),
  updateTemporary: (id: string, patch: { name?: string; condition?: ConditionTree }) =>
    api.patch<TemporaryGroup>(`${temporaryBase}/${enc(id)}`, patch),
  removeTemporary: (id: string) => api.delete(`${temporaryBase}/${enc(id)}`),
};
