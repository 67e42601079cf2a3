import { OlapBusyError, OlapUnavailableError } from './errors.js';

export interface OlapWriterOptions {
  /** Most tasks one key (a tenant) may have queued or running; one more is refused with `olap_busy`. */
  maxQueuedPerKey?: number;
  /** Most tasks queued or running over every key. */
  maxQueued?: number;
}

interface Entry<C> {
  task: (context: C) => Promise<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/**
 * The one queue every OLAP write goes through: batches, DDL, results, deletes. DuckDB allows one
 * writer at a time in practice — DDL committed while a batch's transaction is open makes that
 * batch's commit fail — so instead of retrying conflicts we never create them: one task runs at a
 * time, with the writer's context (its connection).
 *
 * Fair and bounded: every key (a tenant id) has its own FIFO queue, and the writer serves the keys
 * round-robin, one task each, so a tenant with a hundred queued writes delays another tenant's load
 * by at most one of them. A key's tasks run in submission order. A key with `maxQueuedPerKey` tasks
 * (or a writer with `maxQueued`) refuses more with `olap_busy` instead of growing without bound.
 * Long work is cut into tasks by its caller (results from SQL are appended in chunks, one task each).
 */
export class OlapWriter<C> {
  /** Keys with waiting tasks, in serving order: Map order is insertion order. */
  private readonly queues = new Map<string, Entry<C>[]>();
  /** Tasks waiting or running, per key. */
  private readonly counts = new Map<string, number>();
  private total = 0;
  private running = false;
  private closed = false;
  private drained: (() => void) | undefined;
  private readonly maxQueuedPerKey: number;
  private readonly maxQueued: number;

  constructor(
    private readonly context: C,
    options: OlapWriterOptions = {},
  ) {
    this.maxQueuedPerKey = Math.max(1, options.maxQueuedPerKey ?? 200);
    this.maxQueued = Math.max(this.maxQueuedPerKey, options.maxQueued ?? 5_000);
  }

  /** Tasks submitted and not yet finished (including the running one). */
  get pending(): number {
    return this.total;
  }

  /** Tasks of `key` submitted and not yet finished. */
  pendingFor(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  /**
   * Runs `task` after the tasks `key` submitted before it, taking turns with the other keys; its
   * failure does not stop later tasks. Rejects at once with `olap_busy` when the queue is full.
   */
  run<T>(key: string, task: (context: C) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new OlapUnavailableError('olap_closed', 'the analytics engine is closed'));
    const queued = this.counts.get(key) ?? 0;
    if (queued >= this.maxQueuedPerKey) return Promise.reject(new OlapBusyError(queued));
    if (this.total >= this.maxQueued) return Promise.reject(new OlapBusyError(this.total));
    this.counts.set(key, queued + 1);
    this.total += 1;
    return new Promise<T>((resolve, reject) => {
      const entry: Entry<C> = { task, resolve: resolve as (value: unknown) => void, reject };
      const queue = this.queues.get(key);
      if (queue) queue.push(entry);
      else this.queues.set(key, [entry]);
      this.pump();
    });
  }

  /** Refuses new tasks and waits for the queued ones. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.total === 0) return;
    await new Promise<void>((resolve) => (this.drained = resolve));
  }

  private pump(): void {
    if (this.running) return;
    const next = this.queues.entries().next();
    if (next.done) return;
    const [key, queue] = next.value;
    const entry = queue.shift()!;
    // Served: the key goes to the back of the line (or leaves it when it has nothing more).
    this.queues.delete(key);
    if (queue.length) this.queues.set(key, queue);
    this.running = true;
    void Promise.resolve()
      .then(() => entry.task(this.context))
      .then(entry.resolve, entry.reject)
      .finally(() => {
        this.running = false;
        const left = (this.counts.get(key) ?? 1) - 1;
        if (left > 0) this.counts.set(key, left);
        else this.counts.delete(key);
        this.total -= 1;
        if (this.total === 0) this.drained?.();
        this.pump();
      });
  }
}
