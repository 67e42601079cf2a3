import { OlapUnavailableError } from './errors.js';

/**
 * The one serialized queue every OLAP write goes through: batches, DDL, results, deletes. DuckDB
 * allows one writer at a time in practice — DDL committed while a batch's transaction is open makes
 * that batch's commit fail — so instead of retrying conflicts we never create them. Tasks run
 * strictly in submission order, one at a time, each with the writer's context (its connection).
 */
export class OlapWriter<C> {
  private tail: Promise<unknown> = Promise.resolve();
  private queued = 0;
  private closed = false;

  constructor(private readonly context: C) {}

  /** Tasks submitted and not yet finished (including the running one). */
  get pending(): number {
    return this.queued;
  }

  /** Runs `task` after every task submitted before it; its failure does not stop later tasks. */
  run<T>(task: (context: C) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new OlapUnavailableError('olap_closed', 'the analytics engine is closed'));
    this.queued += 1;
    const result = this.tail.then(() => task(this.context));
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    this.tail = settled.finally(() => {
      this.queued -= 1;
    });
    return result;
  }

  /** Refuses new tasks and waits for the queued ones. */
  async close(): Promise<void> {
    this.closed = true;
    await this.tail;
  }
}
