import { useSyncExternalStore } from 'react';

/**
 * Tasks this console started and whose notification has not arrived yet: while there are any,
 * the bell asks for notifications every few seconds instead of every 15 s, so a result shows up
 * soon after the task ends. An entry leaves when its notification arrives, or after
 * `PENDING_TTL_MS` (a long import, or a kind that does not notify).
 */
export const PENDING_TTL_MS = 10 * 60_000;

const pending = new Map<string, number>();
const listeners = new Set<() => void>();

function emit(): void {
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function addPendingTask(taskId: string, now: number = Date.now()): void {
  pending.set(taskId, now);
  emit();
}

/** Drops the tasks whose notification arrived (`taskIds`) and those pending too long. */
export function settlePendingTasks(taskIds: Iterable<string | null>, now: number = Date.now()): void {
  let changed = false;
  for (const taskId of taskIds) {
    if (taskId !== null && pending.delete(taskId)) changed = true;
  }
  for (const [taskId, since] of pending) {
    if (now - since > PENDING_TTL_MS) {
      pending.delete(taskId);
      changed = true;
    }
  }
  if (changed) emit();
}

export function usePendingTaskCount(): number {
  return useSyncExternalStore(subscribe, () => pending.size);
}
