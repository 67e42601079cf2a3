import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { Logger } from 'pino';
import type { TaskKinds } from './task-kinds.js';
import type { TaskQueue } from './task-queue.js';
import { isRetryable, type Task } from './task.types.js';

export interface TaskWorkerOptions {
  /** Tasks run at the same time by this worker. */
  concurrency?: number;
  pollMs?: number;
  leaseMs?: number;
  /** Whether this process holds the OLAP store (else it takes only kinds that need none). */
  hasOlap: boolean;
  /** Called once a task ends for good (succeeded, failed or cancelled). */
  onFinished?(task: Task): Promise<void>;
}

/**
 * Claims due tasks and runs them: a heartbeat extends the lease while a task runs and aborts it
 * when cancellation is requested or the lease is lost; retryable failures go back to the queue.
 */
export class TaskWorker {
  readonly owner = `${os.hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private readonly running = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;
  private readonly concurrency: number;
  private readonly pollMs: number;
  private readonly leaseMs: number;

  constructor(
    private readonly queue: TaskQueue,
    private readonly kinds: TaskKinds,
    private readonly logger: Logger,
    private readonly options: TaskWorkerOptions,
  ) {
    this.concurrency = options.concurrency ?? 2;
    this.pollMs = options.pollMs ?? 1000;
    this.leaseMs = options.leaseMs ?? 30_000;
  }

  start(): void {
    this.stopping = false;
    const loop = async () => {
      if (this.stopping) return;
      try {
        await this.poll();
      } catch (error) {
        this.logger.error({ err: error }, 'task poll failed');
      }
      if (!this.stopping) this.timer = setTimeout(loop, this.pollMs);
    };
    this.timer = setTimeout(loop, 0);
  }

  /** Stops claiming and waits for the running tasks (their leases keep them safe if we are killed). */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    await Promise.allSettled([...this.running.values()]);
  }

  /** Claims what it can run now and starts it; resolves once those tasks have ended. */
  async poll(): Promise<number> {
    const free = this.concurrency - this.running.size;
    if (free <= 0) return 0;
    const kinds = this.kinds
      .all()
      .filter((k) => this.options.hasOlap || !k.needsOlap)
      .map((k) => k.kind);
    if (kinds.length === 0) return 0;
    const tasks = await this.queue.claim(this.owner, { kinds, limit: free, leaseMs: this.leaseMs });
    const runs = tasks.map((task) => {
      const run = this.run(task).finally(() => this.running.delete(task.id));
      this.running.set(task.id, run);
      return run;
    });
    await Promise.all(runs);
    return tasks.length;
  }

  private async run(task: Task): Promise<void> {
    const definition = this.kinds.get(task.kind)!;
    const controller = new AbortController();
    const logger = this.logger.child({ taskId: task.id, tenantId: task.tenantId, kind: task.kind });
    let cancelled = false;
    const beat = async (progress?: number) => {
      const state = await this.queue.heartbeat(task.id, this.owner, this.leaseMs, progress);
      if (!state.held) controller.abort(new Error('lease lost'));
      else if (state.cancelRequested) {
        cancelled = true;
        controller.abort(new Error('cancelled'));
      }
    };
    const heartbeat = setInterval(
      () => void beat().catch((err) => logger.warn({ err }, 'heartbeat failed')),
      Math.max(50, this.leaseMs / 3),
    );
    try {
      const result = await definition.run({ task, signal: controller.signal, logger, progress: (percent) => beat(percent) });
      if (cancelled) await this.queue.markCancelled(task.id, this.owner);
      else if (!(await this.queue.complete(task.id, this.owner, result))) {
        logger.warn('task finished after its lease was lost; the result is discarded');
        return;
      }
    } catch (error) {
      if (cancelled) {
        await this.queue.markCancelled(task.id, this.owner);
      } else {
        const err = error as { code?: unknown; message?: string };
        const outcome = await this.queue.fail(task, this.owner, {
          code: typeof err.code === 'string' ? err.code : 'task_failed',
          message: err.message ?? String(error),
          retryable: isRetryable(error),
        });
        logger.warn({ err: error, outcome }, 'task failed');
        if (outcome !== 'failed') return;
      }
    } finally {
      clearInterval(heartbeat);
    }
    const finished = await this.queue.get(task.tenantId, task.id);
    await this.options.onFinished?.(finished);
  }
}
