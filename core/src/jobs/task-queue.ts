import { createServiceRef } from '../kernel/extension-point.js';
import { NotFoundError } from '../server/errors.js';
import { isUniqueViolation, type ModuleDatabase, paginate, type Page } from '../store/oltp/oltp-store.js';
import type { TaskKinds } from './task-kinds.js';
import { backoffMs, toTask, type Task, type TaskResult, type TaskRow, type TaskStatus } from './task.types.js';

export interface EnqueueOptions {
  runAt?: number;
  createdBy?: string | null;
  maxAttempts?: number;
  /** A scheduler firing: the task is inserted at most once per (tenant, scheduleKey, dueAt). */
  schedule?: { key: string; dueAt: number };
}

export interface ClaimOptions {
  /** Only these kinds (e.g. a worker process without OLAP takes only kinds that need none). */
  kinds?: string[];
  limit?: number;
  leaseMs: number;
}

export type FailOutcome = 'retry' | 'failed' | 'lost';

function isDeadlock(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return code === 'ER_LOCK_DEADLOCK' || code === 'ER_LOCK_WAIT_TIMEOUT';
}

/**
 * The durable task table. Claiming is a conditional UPDATE with a lease measured on the
 * database clock (`FOR UPDATE SKIP LOCKED` on MySQL/MariaDB); every later write by a worker is
 * fenced by its lease, so a worker that lost its lease (crashed, paused) cannot finish a task
 * another worker has taken over.
 */
export class TaskQueue {
  constructor(
    private readonly oltp: ModuleDatabase,
    private readonly kinds: TaskKinds,
  ) {}

  async enqueue(
    tenantId: string,
    kind: string,
    payload: Record<string, unknown>,
    options: EnqueueOptions = {},
  ): Promise<Task | null> {
    const definition = this.kinds.get(kind);
    if (!definition) throw new Error(`Unknown task kind "${kind}"`);
    const now = await this.oltp.now();
    try {
      const id = await this.oltp.forTenant(tenantId).insert('task', {
        kind,
        payload: JSON.stringify(payload),
        status: 'queued',
        attempts: 0,
        max_attempts: options.maxAttempts ?? definition.maxAttempts ?? 3,
        progress: 0,
        run_at: options.runAt ?? now,
        schedule_key: options.schedule?.key ?? null,
        due_at: options.schedule?.dueAt ?? null,
        created_by: options.createdBy ?? null,
        created_at: now,
        updated_at: now,
      });
      return this.get(tenantId, id);
    } catch (error) {
      // The same firing inserted by another scheduler (or an earlier tick): fired exactly once.
      if (options.schedule && isUniqueViolation(error)) return null;
      throw error;
    }
  }

  async get(tenantId: string, taskId: string): Promise<Task> {
    const row = await this.oltp.forTenant(tenantId).from<TaskRow>('task').where('task.id', taskId).first();
    if (!row) throw new NotFoundError('task_not_found');
    return toTask(row);
  }

  async list(
    tenantId: string,
    query: { page: number; pageSize: number; kind?: string; status?: TaskStatus; kinds?: string[] },
  ): Promise<Page<Task>> {
    const filtered = () => {
      const q = this.oltp.forTenant(tenantId).from<TaskRow>('task');
      if (query.kind) q.where('task.kind', query.kind);
      else if (query.kinds) q.whereIn('task.kind', query.kinds);
      if (query.status) q.where('task.status', query.status);
      return q;
    };
    return paginate(filtered, { ...query, orderBy: 'task.id' }, toTask);
  }

  /** A queued task is cancelled at once; a running one is asked to stop (its worker aborts it). */
  async cancel(tenantId: string, taskId: string): Promise<Task> {
    const task = await this.get(tenantId, taskId);
    const now = await this.oltp.now();
    const db = this.oltp.forTenant(tenantId);
    if (task.status === 'queued') {
      await db
        .from('task')
        .where('task.id', taskId)
        .where('task.status', 'queued')
        .update({ status: 'cancelled', finished_at: now, updated_at: now });
    } else if (task.status === 'running') {
      await db.from('task').where('task.id', taskId).update({ cancel_requested: true, updated_at: now });
    }
    return this.get(tenantId, taskId);
  }

  /**
   * Takes up to `limit` due tasks — queued ones whose run-at has come, and running ones whose lease
   * expired (their worker died) — for `owner`. Serves every tenant: the worker pool is shared.
   */
  async claim(owner: string, options: ClaimOptions): Promise<Task[]> {
    // Concurrent claimers on MySQL/MariaDB can still deadlock on secondary-index locks; InnoDB
    // rolls one back, which then simply tries again.
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.claimOnce(owner, options);
      } catch (error) {
        if (!isDeadlock(error) || attempt >= 5) throw error;
        await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20 * attempt));
      }
    }
  }

  private async claimOnce(owner: string, options: ClaimOptions): Promise<Task[]> {
    const limit = options.limit ?? 1;
    const isolation = this.oltp.client === 'mysql' ? { isolationLevel: 'read committed' as const } : undefined;
    const claimed = await this.oltp.transaction(async () => {
      const now = await this.oltp.now();
      const candidates = this.oltp
        .unscoped<TaskRow>('task')
        .select('id', 'status', 'attempts', 'max_attempts')
        .where((q) =>
          q
            .where((w) => w.where('status', 'queued').where('run_at', '<=', now))
            .orWhere((w) => w.where('status', 'running').where('lease_expires_at', '<', now)),
        )
        .orderBy('run_at', 'asc')
        .limit(limit);
      if (options.kinds) candidates.whereIn('kind', options.kinds);
      if (this.oltp.client === 'mysql') candidates.forUpdate().skipLocked();
      const rows = await candidates;
      const taken: string[] = [];
      for (const row of rows) {
        const expired = row.status === 'running';
        if (expired && Number(row.attempts) >= Number(row.max_attempts)) {
          // Its last attempt died with the lease: do not run it again.
          await this.failExpired(String(row.id), now);
          continue;
        }
        const updated = await this.oltp
          .unscoped('task')
          .where({ id: row.id })
          .where((q) =>
            q.where('status', 'queued').orWhere((w) => w.where('status', 'running').where('lease_expires_at', '<', now)),
          )
          .update({
            status: 'running',
            lease_owner: owner,
            lease_expires_at: now + options.leaseMs,
            attempts: this.oltp.raw('attempts + 1'),
            started_at: this.oltp.raw('coalesce(started_at, ?)', [now]),
            updated_at: now,
          });
        if (updated === 1) taken.push(String(row.id));
      }
      return taken;
    }, isolation);
    if (claimed.length === 0) return [];
    const rows = await this.oltp.unscoped<TaskRow>('task').whereIn('id', claimed).orderBy('run_at', 'asc');
    return rows.map(toTask);
  }

  private async failExpired(taskId: string, now: number): Promise<void> {
    await this.oltp
      .unscoped('task')
      .where({ id: taskId, status: 'running' })
      .update({
        status: 'failed',
        error: JSON.stringify({
          code: 'task_lease_expired',
          message: 'The worker running the last attempt stopped',
          retryable: false,
        }),
        lease_owner: null,
        lease_expires_at: null,
        finished_at: now,
        updated_at: now,
      });
  }

  /** Extends the lease; tells the worker whether it still holds it and whether cancel was asked. */
  async heartbeat(
    taskId: string,
    owner: string,
    leaseMs: number,
    progress?: number,
  ): Promise<{ held: boolean; cancelRequested: boolean }> {
    const now = await this.oltp.now();
    const patch: Record<string, unknown> = { lease_expires_at: now + leaseMs, updated_at: now };
    if (progress !== undefined) patch.progress = Math.max(0, Math.min(100, Math.round(progress)));
    const updated = await this.oltp.unscoped('task').where({ id: taskId, status: 'running', lease_owner: owner }).update(patch);
    if (updated === 0) return { held: false, cancelRequested: false };
    const row = await this.oltp.unscoped<TaskRow>('task').where({ id: taskId }).first('cancel_requested');
    return { held: true, cancelRequested: Boolean(row?.cancel_requested) };
  }

  /** Records success, only while `owner` holds the lease. Returns false when the lease was lost. */
  async complete(taskId: string, owner: string, result: TaskResult | void): Promise<boolean> {
    const now = await this.oltp.now();
    const updated = await this.oltp
      .unscoped('task')
      .where({ id: taskId, status: 'running', lease_owner: owner })
      .update({
        status: 'succeeded',
        progress: 100,
        result: JSON.stringify(result ?? {}),
        error: null,
        lease_owner: null,
        lease_expires_at: null,
        finished_at: now,
        updated_at: now,
      });
    return updated === 1;
  }

  /** Records a failure: back to the queue with backoff when retryable and attempts remain. */
  async fail(task: Task, owner: string, error: { code: string; message: string; retryable: boolean }): Promise<FailOutcome> {
    const now = await this.oltp.now();
    const retry = error.retryable && task.attempts < task.maxAttempts;
    const updated = await this.oltp
      .unscoped('task')
      .where({ id: task.id, status: 'running', lease_owner: owner })
      .update(
        retry
          ? {
              status: 'queued',
              run_at: now + backoffMs(task.attempts),
              error: JSON.stringify(error),
              lease_owner: null,
              lease_expires_at: null,
              updated_at: now,
            }
          : {
              status: 'failed',
              error: JSON.stringify(error),
              lease_owner: null,
              lease_expires_at: null,
              finished_at: now,
              updated_at: now,
            },
      );
    if (updated === 0) return 'lost';
    return retry ? 'retry' : 'failed';
  }

  /** The worker stopped a task whose cancellation was requested. */
  async markCancelled(taskId: string, owner: string): Promise<boolean> {
    const now = await this.oltp.now();
    const updated = await this.oltp
      .unscoped('task')
      .where({ id: taskId, status: 'running', lease_owner: owner })
      .update({ status: 'cancelled', lease_owner: null, lease_expires_at: null, finished_at: now, updated_at: now });
    return updated === 1;
  }
}

export const taskQueueRef = createServiceRef<TaskQueue>({ id: 'tasks.queue' });
