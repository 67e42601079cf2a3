import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { Logger } from 'pino';
import { SCHEDULE_TASK_KIND } from './scheduler.js';
import type { TaskKinds } from './task-kinds.js';
import type { ClaimedTask, RetentionRule, TaskQueue } from './task-queue.js';
import { isRetryable, type Task } from './task.types.js';

const DAY = 86_400_000;

export interface TaskRetention {
  /** Finished tasks (succeeded, failed, cancelled) are deleted this long after they ended; default 30 days. */
  finishedMs?: number;
  /** Scheduler firings (`schedule.run`) are deleted this long after they ended; default 1 day. */
  scheduleRunMs?: number;
  /** How often a worker prunes; default hourly (the first tick prunes at once). */
  everyMs?: number;
}

export interface TaskWorkerOptions {
  /** Tasks run at the same time by this worker. */
  concurrency?: number;
  pollMs?: number;
  leaseMs?: number;
  /** Whether this process holds the OLAP store (else it takes only kinds that need none). */
  hasOlap: boolean;
  /** How long finished tasks are kept (pruned by the worker's tick). */
  retention?: TaskRetention;
  /** Called once a task ends for good (succeeded, failed or cancelled). */
  onFinished?(task: Task): Promise<void>;
  /**
   * Why a claimed task may not run (its plugin is disabled for the task's tenant, ADR 0041), or
   * null: a refused task fails with that code at once, without retries.
   */
  refuse?(task: ClaimedTask): Promise<{ code: string; message: string } | null>;
}

/**
 * Claims due tasks and runs them: a heartbeat extends the lease while a task runs and aborts it
 * when cancellation is requested or the lease is lost; retryable failures go back to the queue.
 *
 * Every tick refills the free slots (concurrency minus running tasks) without waiting for the
 * running ones, and a task that ends wakes the loop at once: one long task never holds back the
 * short ones behind it. The tick also prunes finished tasks (see `TaskRetention`).
 */
export class TaskWorker {
  readonly owner = `${os.hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private readonly running = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private started = false;
  private stopping = false;
  private looping = false;
  private wakeAgain = false;
  private claiming: Promise<Promise<void>[]> | undefined;
  private lastPrunedAt: number | undefined;
  private readonly concurrency: number;
  private readonly pollMs: number;
  private readonly leaseMs: number;
  private readonly retention: Required<TaskRetention>;

  constructor(
    private readonly queue: TaskQueue,
    private readonly kinds: TaskKinds,
    private readonly logger: Logger,
    private readonly options: TaskWorkerOptions,
  ) {
    this.concurrency = options.concurrency ?? 2;
    this.pollMs = options.pollMs ?? 1000;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.retention = {
      finishedMs: options.retention?.finishedMs ?? 30 * DAY,
      scheduleRunMs: options.retention?.scheduleRunMs ?? DAY,
      everyMs: options.retention?.everyMs ?? 3_600_000,
    };
  }

  /** The number of tasks this worker is running now. */
  get busy(): number {
    return this.running.size;
  }

  start(): void {
    this.started = true;
    this.stopping = false;
    this.wake(0);
  }

  /** Stops claiming and waits for the running tasks (their leases keep them safe if we are killed). */
  async stop(): Promise<void> {
    this.stopping = true;
    this.started = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.claiming?.catch(() => undefined);
    await Promise.allSettled([...this.running.values()]);
  }

  /**
   * One tick: claims as many tasks as there are free slots and starts them without waiting for
   * them, then prunes when due. Returns the tasks claimed.
   */
  async tick(): Promise<number> {
    const started = await this.fill();
    await this.pruneIfDue();
    return started.length;
  }

  /** Claims what it can run now, runs it and resolves once those tasks have ended (tests, scripts). */
  async poll(): Promise<number> {
    const started = await this.fill();
    await Promise.all(started);
    return started.length;
  }

  /**
   * Runs due tasks until none is left, waiting also for those the background loop claimed: after
   * `start()`, `poll()` alone may return 0 while the loop is still running a task (tests, scripts).
   */
  async drain(): Promise<void> {
    for (;;) {
      const claimed = await this.poll();
      if (this.running.size > 0) {
        await Promise.allSettled([...this.running.values()]);
        continue;
      }
      if (claimed === 0) return;
    }
  }

  /** Deletes finished tasks past their retention (every tenant's). Returns the rows deleted. */
  async prune(): Promise<number> {
    const rules: RetentionRule[] = [
      { kind: SCHEDULE_TASK_KIND, keepMs: this.retention.scheduleRunMs },
      { keepMs: this.retention.finishedMs },
    ];
    return this.queue.prune(rules);
  }

  private async pruneIfDue(): Promise<void> {
    const now = Date.now();
    if (this.lastPrunedAt !== undefined && now - this.lastPrunedAt < this.retention.everyMs) return;
    this.lastPrunedAt = now;
    const deleted = await this.prune();
    if (deleted > 0) this.logger.info({ deleted }, 'pruned finished tasks');
  }

  /** Claims up to the free slots and starts the runs; one claim at a time, so slots are never over-filled. */
  private fill(): Promise<Promise<void>[]> {
    if (this.claiming) return this.claiming.then(() => this.fill());
    const claiming = this.claimAndStart().finally(() => {
      if (this.claiming === claiming) this.claiming = undefined;
    });
    this.claiming = claiming;
    return claiming;
  }

  private async claimAndStart(): Promise<Promise<void>[]> {
    const free = this.concurrency - this.running.size;
    if (free <= 0) return [];
    const kinds = this.kinds
      .runnable()
      .filter((k) => this.options.hasOlap || !k.needsOlap)
      .map((k) => k.kind);
    if (kinds.length === 0) return [];
    const tasks = await this.queue.claim(this.owner, {
      kinds,
      limit: free,
      leaseMs: this.leaseMs,
      onEnded: (task) =>
        (this.options.onFinished?.(task) ?? Promise.resolve()).catch((error: unknown) =>
          this.logger.error({ err: error, taskId: task.id }, 'listener of a task ended at claim failed'),
        ),
    });
    return tasks.map((task) => {
      const run = this.run(task)
        .catch((error) => this.logger.error({ err: error, taskId: task.id }, 'task run failed to record its end'))
        .finally(() => {
          this.running.delete(task.id);
          // A slot is free: refill it now rather than at the next poll.
          this.wake(0);
        });
      this.running.set(task.id, run);
      return run;
    });
  }

  /** Runs the loop after `delayMs`; at most one loop body runs at a time. */
  private wake(delayMs: number): void {
    if (!this.started || this.stopping) return;
    if (this.looping) {
      this.wakeAgain = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.loop(), delayMs);
  }

  private async loop(): Promise<void> {
    this.timer = undefined;
    this.looping = true;
    try {
      await this.tick();
    } catch (error) {
      this.logger.error({ err: error }, 'task poll failed');
    } finally {
      this.looping = false;
    }
    const again = this.wakeAgain;
    this.wakeAgain = false;
    this.wake(again ? 0 : this.pollMs);
  }

  private async run(task: ClaimedTask): Promise<void> {
    const definition = this.kinds.get(task.kind)!;
    const controller = new AbortController();
    const logger = this.logger.child({ taskId: task.id, tenantId: task.tenantId, kind: task.kind, attempt: task.attempts });
    let lost = false;
    let cancelled = false;
    const beat = async (progress?: number) => {
      const state = await this.queue.heartbeat(task, this.leaseMs, progress);
      if (!state.held) {
        lost = true;
        controller.abort(new Error('lease lost'));
      } else if (state.cancelRequested) {
        cancelled = true;
        controller.abort(new Error('cancelled'));
      }
    };
    // A cancel that arrived between the claim and now: the work is not started at all.
    await beat();
    const refusal = lost || cancelled ? null : ((await this.options.refuse?.(task)) ?? null);
    let outcome: string;
    if (lost) {
      logger.warn('lease lost before the task started');
      return;
    } else if (cancelled) {
      outcome = (await this.queue.markCancelled(task)) ? 'cancelled' : 'lost';
    } else if (refusal) {
      outcome = await this.queue.fail(task, { ...refusal, retryable: false });
      logger.warn({ code: refusal.code, outcome }, 'task refused');
    } else {
      const heartbeat = setInterval(
        () => void beat().catch((err) => logger.warn({ err }, 'heartbeat failed')),
        Math.max(50, this.leaseMs / 3),
      );
      try {
        const result = await definition.run({ task, signal: controller.signal, logger, progress: (percent) => beat(percent) });
        outcome = await this.queue.complete(task, result);
        if (outcome === 'cancelled') logger.warn('task finished after its cancellation was asked; it ends cancelled');
      } catch (error) {
        const err = error as { code?: unknown; message?: string };
        outcome = await this.queue.fail(task, {
          code: typeof err.code === 'string' ? err.code : 'task_failed',
          message: err.message ?? String(error),
          retryable: isRetryable(error),
        });
        if (outcome !== 'cancelled') logger.warn({ err: error, outcome }, 'task failed');
      } finally {
        clearInterval(heartbeat);
      }
    }
    if (outcome === 'lost') {
      logger.warn('task ended after its lease was lost; its end is discarded');
      return;
    }
    if (outcome === 'retry') return;
    const finished = await this.queue.get(task.tenantId, task.id);
    await this.options.onFinished?.(finished);
  }
}
