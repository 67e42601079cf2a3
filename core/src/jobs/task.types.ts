import type { Logger } from 'pino';

export type TaskStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface Task {
  id: string;
  tenantId: string;
  kind: string;
  payload: Record<string, unknown>;
  status: TaskStatus;
  attempts: number;
  maxAttempts: number;
  progress: number;
  result: TaskResult | null;
  error: { code: string; message: string; retryable: boolean } | null;
  runAt: number;
  scheduleKey: string | null;
  dueAt: number | null;
  createdBy: string | null;
  startedAt: number | null;
  finishedAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface TaskRow {
  id: number | string;
  tenant_id: number | string;
  kind: string;
  payload: string;
  status: TaskStatus;
  attempts: number;
  max_attempts: number;
  progress: number;
  result: string | null;
  error: string | null;
  run_at: number;
  lease_owner: string | null;
  lease_expires_at: number | null;
  cancel_requested: number | boolean;
  schedule_key: string | null;
  due_at: number | null;
  created_by: number | string | null;
  started_at: number | null;
  finished_at: number | null;
  created_at: number;
  updated_at: number;
}

const num = (v: number | null) => (v === null ? null : Number(v));

export function toTask(row: TaskRow): Task {
  return {
    id: String(row.id),
    tenantId: String(row.tenant_id),
    kind: row.kind,
    payload: JSON.parse(row.payload) as Record<string, unknown>,
    status: row.status,
    attempts: Number(row.attempts),
    maxAttempts: Number(row.max_attempts),
    progress: Number(row.progress),
    result: row.result ? (JSON.parse(row.result) as TaskResult) : null,
    error: row.error ? (JSON.parse(row.error) as Task['error']) : null,
    runAt: Number(row.run_at),
    scheduleKey: row.schedule_key,
    dueAt: num(row.due_at),
    createdBy: row.created_by === null ? null : String(row.created_by),
    startedAt: num(row.started_at),
    finishedAt: num(row.finished_at),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

/** What a finished task reports: counts for the notification, result files to download. */
export interface TaskResult {
  counts?: Record<string, number>;
  fileIds?: string[];
  data?: Record<string, unknown>;
  /**
   * How the notification shows a task that succeeded: `error` (red) when part of its work failed
   * (an import with failed rows, seed §1.4.6 "存在部分导入失败"); default success (green).
   */
  level?: 'success' | 'error';
}

export interface TaskContext {
  task: Task;
  /** Aborted when the task is cancelled or its lease is lost; long work checks it. */
  signal: AbortSignal;
  /** Reports progress 0–100 (also extends the lease). */
  progress(percent: number): Promise<void>;
  logger: Logger;
}

/**
 * A kind of long work. `notifies`: operator-started imports, exports, batch edits, syncs,
 * deletions and tag full syncs reach the notification center; journey steps and internal work
 * don't (ARCHITECTURE §7).
 */
export interface TaskKindDefinition {
  kind: string;
  notifies: boolean;
  /** Attempts before the task fails for good (retryable errors only); default 3. */
  maxAttempts?: number;
  /** Whether it touches the OLAP store (then only the process holding DuckDB may run it). */
  needsOlap?: boolean;
  run(context: TaskContext): Promise<TaskResult | void>;
}

/** An error a task throws to say "try again later" (upstream down, lock busy…). */
export class RetryableTaskError extends Error {
  readonly retryable = true;
  constructor(
    readonly code: string,
    message?: string,
  ) {
    super(message ?? code);
    this.name = 'RetryableTaskError';
  }
}

/** Whether a thrown error should be retried: it says so (`retryable: true`). */
export function isRetryable(error: unknown): boolean {
  return Boolean((error as { retryable?: unknown } | null)?.retryable === true);
}

/** Exponential backoff: 2 s, 4 s, 8 s … capped at 5 minutes. */
export function backoffMs(attempt: number): number {
  return Math.min(300_000, 1000 * 2 ** Math.max(1, attempt));
}
