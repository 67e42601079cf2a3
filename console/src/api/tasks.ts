import { api } from './client';
import type { Page, Task, TaskStatus } from './types';

export const TASKS_PAGE_SIZE_MAX = 100;

/** Every task query starts with this key: invalidate it after a change. */
export const tasksQueryKey = ['tasks'] as const;
export const taskListQueryKey = (query: { page: number; pageSize: number; status?: TaskStatus }) =>
  ['tasks', 'list', query] as const;

/** States in which a task may still change (and be cancelled). */
export const activeTaskStatuses: readonly TaskStatus[] = ['queued', 'running'];

export function isTaskActive(task: Pick<Task, 'status'>): boolean {
  return activeTaskStatuses.includes(task.status);
}

/** The tenant's long-running tasks, newest first (`tasks.view`, every staff member holds it). */
export function listTasks(query: { page: number; pageSize: number; kind?: string; status?: TaskStatus }): Promise<Page<Task>> {
  return api.get<Page<Task>>('/api/v1/tasks', {
    query: {
      page: query.page,
      pageSize: Math.min(query.pageSize, TASKS_PAGE_SIZE_MAX),
      kind: query.kind,
      status: query.status,
    },
  });
}

export function getTask(taskId: string): Promise<Task> {
  return api.get<Task>(`/api/v1/tasks/${encodeURIComponent(taskId)}`);
}

/** A queued task is cancelled at once; a running one is asked to stop (it answers still `running`). */
export function cancelTask(taskId: string): Promise<Task> {
  return api.post<Task>(`/api/v1/tasks/${encodeURIComponent(taskId)}/cancel`);
}
