import { createServiceRef } from '../kernel/extension-point.js';
import { NotFoundError } from '../server/errors.js';
import { isDeadlock, isUniqueViolation, type ModuleDatabase, paginate, type Page } from '../store/oltp/oltp-store.js';
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
  /**
   * Told, after the claim committed, of each task the claim ended instead of running: its last
   * attempt died with the lease (failed `task_lease_expired`) or a cancel was pending (cancelled).
   * The worker passes its `onFinished`, so such a task notifies and settles like any other end.
   */
  onEnded?(task: Task): Promise<void>;
}

/**
 * The right to write a running task: the claim's owner and its attempt number. Every claim
 * increments `attempts` in the same UPDATE that sets the owner, so (owner, attempt) names one
 * claim: a stale run — even one in the same process, after its lease expired and the task was
 * claimed again — no longer matches and cannot heartbeat, complete, fail or cancel the task.
 */
export interface Lease {
  owner: string;
  attempt: number;
}

/** A task as claimed by a worker, with the lease its later writes are fenced by. */
export interface ClaimedTask extends Task {
  lease: Lease;
}

/** How a worker's final write ended: as asked, as cancelled (a cancel was pending), or refused (lease lost). */
export type SettleOutcome = 'succeeded' | 'cancelled' | 'lost';
export type FailOutcome = 'retry' | 'failed' | 'cancelled' | 'lost';

/** How long finished tasks are kept before `prune` deletes them. */
export interface RetentionRule {
  /** Only this kind; without it, every kind. */
  kind?: string;
  /** Tasks that ended (succeeded, failed, cancelled) longer ago than this are deleted. */
  keepMs: number;
}

const FINAL_STATUSES: TaskStatus[] = ['succeeded', 'failed', 'cancelled'];

/**
 * The durable task table. Claiming is a conditional UPDATE with a lease measured on the
 * database clock (`FOR UPDATE SKIP LOCKED` on MySQL/MariaDB); every later write by a worker is
 * fenced by its lease (owner and attempt number), so a worker that lost its lease (crashed,
 * paused) cannot finish a task another claim has taken over.
 *
 * Cancellation (the rule, enforced here rather than by the worker's good behaviour):
 * - a queued task is cancelled at once and is never claimed afterwards;
 * - a running task gets `cancel_requested`; its worker sees it on its next heartbeat (also the one
 *   it makes right after claiming, before starting the work) and aborts the run's signal;
 * - once `cancel_requested` is set, the task can only end `cancelled`: completing, failing or
 *   retrying it ends it as cancelled instead (a result the run returned anyway is kept), and a
 *   claim of it after its worker died cancels it instead of running it. Work the run did before it
 *   noticed is not undone — cancelling is cooperative.
 * So whatever order a claim and a cancel reach the database in, once `cancel()` has returned the
 * task either had already ended (succeeded or failed before the cancel) or ends `cancelled` —
 * never `succeeded` after the cancel.
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

  /**
   * Cancels a task (see the class comment): a queued one at once, a running one by setting
   * `cancel_requested`, after which it can only end cancelled. Each step is one conditional UPDATE,
   * so a claim racing it cannot lose it: either the cancel turns `queued` into `cancelled` first
   * (the claim's UPDATE then matches nothing) or the claim wins and the cancel marks the running task.
   * A task that has already ended is returned unchanged.
   */
  async cancel(tenantId: string, taskId: string): Promise<Task> {
    await this.get(tenantId, taskId); // 404 for another tenant's task
    const db = this.oltp.forTenant(tenantId);
    // A retry can move a running task back to `queued` between the two UPDATEs: then try again.
    for (let round = 0; round < 5; round += 1) {
      const now = await this.oltp.now();
      const cancelledQueued = await db
        .from('task')
        .where('task.id', taskId)
        .where('task.status', 'queued')
        .update({ status: 'cancelled', cancel_requested: true, finished_at: now, updated_at: now });
      if (cancelledQueued > 0) break;
      const askedRunning = await db
        .from('task')
        .where('task.id', taskId)
        .where('task.status', 'running')
        .update({ cancel_requested: true, updated_at: now });
      if (askedRunning > 0) break;
      if ((await this.get(tenantId, taskId)).status !== 'queued') break;
    }
    return this.get(tenantId, taskId);
  }

  /**
   * Takes up to `limit` due tasks — queued ones whose run-at has come, and running ones whose lease
   * expired (their worker died) — for `owner`. Serves every tenant: the worker pool is shared.
   */
  async claim(owner: string, options: ClaimOptions): Promise<ClaimedTask[]> {
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

  private async claimOnce(owner: string, options: ClaimOptions): Promise<ClaimedTask[]> {
    const limit = options.limit ?? 1;
    const isolation = this.oltp.client === 'mysql' ? { isolationLevel: 'read committed' as const } : undefined;
    const ended: string[] = [];
    const claimed = await this.oltp.transaction(async () => {
      const now = await this.oltp.now();
      const candidates = this.oltp
        .unscoped<TaskRow>('task')
        .select('id', 'status', 'attempts', 'max_attempts', 'cancel_requested')
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
        if (row.cancel_requested) {
          // Its worker died after a cancel was asked: it ends cancelled, it does not run again.
          if (await this.endExpired(String(row.id), now, { status: 'cancelled' })) ended.push(String(row.id));
          continue;
        }
        if (expired && Number(row.attempts) >= Number(row.max_attempts)) {
          // Its last attempt died with the lease: do not run it again.
          const failed = await this.endExpired(String(row.id), now, {
            status: 'failed',
            error: JSON.stringify({
              code: 'task_lease_expired',
              message: 'The worker running the last attempt stopped',
              retryable: false,
            }),
          });
          if (failed) ended.push(String(row.id));
          continue;
        }
        const updated = await this.oltp
          .unscoped('task')
          .where({ id: row.id, cancel_requested: false })
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
    if (ended.length > 0 && options.onEnded) {
      const endedRows = await this.oltp.unscoped<TaskRow>('task').whereIn('id', ended);
      for (const row of endedRows) await options.onEnded(toTask(row));
    }
    if (claimed.length === 0) return [];
    const rows = await this.oltp.unscoped<TaskRow>('task').whereIn('id', claimed).orderBy('run_at', 'asc');
    return rows.map((row: TaskRow) => {
      const task = toTask(row);
      return { ...task, lease: { owner, attempt: task.attempts } };
    });
  }

  /** Ends a task found with an expired lease (or a pending cancel) without running it. */
  private async endExpired(
    taskId: string,
    now: number,
    end: { status: 'failed' | 'cancelled'; error?: string },
  ): Promise<boolean> {
    const updated = await this.oltp
      .unscoped('task')
      .where({ id: taskId })
      .whereIn('status', ['queued', 'running'])
      .update({ ...end, lease_owner: null, lease_expires_at: null, finished_at: now, updated_at: now });
    return updated === 1;
  }

  /** The rows a worker may still write: running, under this very claim. */
  private fenced(task: ClaimedTask) {
    return this.oltp
      .unscoped('task')
      .where({ id: task.id, status: 'running', lease_owner: task.lease.owner, attempts: task.lease.attempt });
  }

  /** Extends the lease; tells the worker whether it still holds it and whether cancel was asked. */
  async heartbeat(task: ClaimedTask, leaseMs: number, progress?: number): Promise<{ held: boolean; cancelRequested: boolean }> {
    const now = await this.oltp.now();
    const patch: Record<string, unknown> = { lease_expires_at: now + leaseMs, updated_at: now };
    if (progress !== undefined) patch.progress = Math.max(0, Math.min(100, Math.round(progress)));
    const updated = await this.fenced(task).update(patch);
    if (updated === 0) return { held: false, cancelRequested: false };
    const row = await this.oltp.unscoped<TaskRow>('task').where({ id: task.id }).first('cancel_requested');
    return { held: true, cancelRequested: Boolean(row?.cancel_requested) };
  }

  /**
   * The worker's final write: `patch` applies only while this claim holds the task and no cancel
   * is pending; a pending cancel ends the task `cancelled` instead. `cancel_requested` only ever
   * goes from false to true and the fence only ever breaks, so the second UPDATE needs no loop.
   */
  private async settle(
    task: ClaimedTask,
    patch: Record<string, unknown>,
    now: number,
    keptOnCancel: Record<string, unknown> = {},
  ): Promise<'applied' | 'cancelled' | 'lost'> {
    const released = { lease_owner: null, lease_expires_at: null, updated_at: now };
    const applied = await this.fenced(task)
      .where({ cancel_requested: false })
      .update({ ...patch, ...released });
    if (applied === 1) return 'applied';
    const cancelled = await this.fenced(task)
      .where({ cancel_requested: true })
      .update({ ...keptOnCancel, status: 'cancelled', finished_at: now, ...released });
    return cancelled === 1 ? 'cancelled' : 'lost';
  }

  /**
   * Records success, only while this claim holds the lease. A cancel asked meanwhile wins: the task
   * ends `cancelled` (with the result the run returned).
   */
  async complete(task: ClaimedTask, result: TaskResult | void): Promise<SettleOutcome> {
    const now = await this.oltp.now();
    const outcome = await this.settle(
      task,
      { status: 'succeeded', progress: 100, result: JSON.stringify(result ?? {}), error: null, finished_at: now },
      now,
      { result: JSON.stringify(result ?? {}) },
    );
    return outcome === 'applied' ? 'succeeded' : outcome;
  }

  /**
   * Records a failure: back to the queue with backoff when retryable and attempts remain, else
   * failed. A pending cancel wins over both.
   */
  async fail(task: ClaimedTask, error: { code: string; message: string; retryable: boolean }): Promise<FailOutcome> {
    const now = await this.oltp.now();
    const retry = error.retryable && task.lease.attempt < task.maxAttempts;
    const outcome = await this.settle(
      task,
      retry
        ? { status: 'queued', run_at: now + backoffMs(task.lease.attempt), error: JSON.stringify(error) }
        : { status: 'failed', error: JSON.stringify(error), finished_at: now },
      now,
    );
    if (outcome !== 'applied') return outcome;
    return retry ? 'retry' : 'failed';
  }

  /** The worker stopped a task whose cancellation was requested (or never started it). */
  async markCancelled(task: ClaimedTask): Promise<boolean> {
    const now = await this.oltp.now();
    const updated = await this.fenced(task)
      .where({ cancel_requested: true })
      .update({ status: 'cancelled', lease_owner: null, lease_expires_at: null, finished_at: now, updated_at: now });
    return updated === 1;
  }

  /**
   * Deletes tasks that ended longer ago than their rule keeps them (the first rule naming the
   * task's kind wins, else the rule without a kind), in batches; every tenant's. Queued and running
   * tasks are never deleted. Returns the rows deleted.
   */
  async prune(rules: RetentionRule[], batchSize = 500): Promise<number> {
    const now = await this.oltp.now();
    const named = rules.filter((r) => r.kind !== undefined).map((r) => r.kind!);
    let deleted = 0;
    for (const rule of rules) {
      const candidates = () => {
        const q = this.oltp
          .unscoped<TaskRow>('task')
          .select('id')
          .where('finished_at', '<', now - rule.keepMs)
          .whereIn('status', FINAL_STATUSES)
          .limit(batchSize);
        if (rule.kind !== undefined) q.where('kind', rule.kind);
        else if (named.length) q.whereNotIn('kind', named);
        return q;
      };
      for (;;) {
        const ids = (await candidates()).map((row: { id: number | string }) => row.id);
        if (ids.length === 0) break;
        // Their mutex rows go first (SQLite may run without foreign-key enforcement).
        await this.oltp.unscoped('task_mutex').whereIn('task_id', ids).delete();
        deleted += await this.oltp.unscoped('task').whereIn('id', ids).delete();
        if (ids.length < batchSize) break;
      }
    }
    return deleted;
  }
}

export const taskQueueRef = createServiceRef<TaskQueue>({ id: 'tasks.queue' });
