import {
  DuckDBDateValue,
  DuckDBTimestampValue,
  LIST,
  VARCHAR,
  type DuckDBAppender,
  type DuckDBConnection,
} from '@duckdb/node-api';
import type { OlapColumnType } from '../dialect.js';
import { OlapQueryTimeoutError, OlapUnavailableError } from '../errors.js';
import type { ColumnValue } from '../values.js';

/** How often an interrupt is repeated until the interrupted work has returned. */
const INTERRUPT_REPEAT_MS = 50;

/**
 * Interrupts whatever `connection` runs, again every 50 ms until `stop` is called. DuckDB forgets an
 * interrupt that arrives before its query has started (it clears the flag when a query begins) — on
 * a busy machine the time limit can pass before that — so a single interrupt can be lost.
 */
export function keepInterrupting(connections: () => Iterable<DuckDBConnection>): () => void {
  const interrupt = () => {
    for (const connection of connections()) connection.interrupt();
  };
  interrupt();
  const timer = setInterval(interrupt, INTERRUPT_REPEAT_MS);
  return () => clearInterval(timer);
}

/**
 * Runs `work` on `connection` and interrupts it inside DuckDB when `timeoutMs` passes — the query
 * stops consuming CPU and the connection stays usable, unlike a JS timer that only stops waiting.
 */
export async function interruptible<T>(connection: DuckDBConnection, timeoutMs: number, work: () => Promise<T>): Promise<T> {
  let timedOut = false;
  let stopInterrupting: (() => void) | undefined;
  const timer = setTimeout(() => {
    timedOut = true;
    stopInterrupting = keepInterrupting(() => [connection]);
  }, timeoutMs);
  try {
    return await work();
  } catch (error) {
    if (timedOut) throw new OlapQueryTimeoutError(timeoutMs, error);
    throw error;
  } finally {
    clearTimeout(timer);
    stopInterrupting?.();
  }
}

/**
 * Runs `work` in one DuckDB transaction on `connection`: all of it commits, or none of it. `begin`
 * may replace the plain BEGIN with a statement list that starts the transaction and does the first
 * write in one round trip; if it fails, whatever it opened is rolled back.
 */
export async function inTransaction<T>(
  connection: DuckDBConnection,
  work: () => Promise<T>,
  begin: () => Promise<unknown> = () => connection.run('BEGIN TRANSACTION'),
): Promise<T> {
  let result: T;
  try {
    await begin();
    result = await work();
  } catch (error) {
    // After a failed statement DuckDB may already have aborted the transaction; either way roll back.
    await connection.run('ROLLBACK').catch(() => undefined);
    throw error;
  }
  try {
    await connection.run('COMMIT');
  } catch (error) {
    await connection.run('ROLLBACK').catch(() => undefined);
    throw error;
  }
  return result;
}

/**
 * Fills `schema.table` through an appender inside the caller's open transaction. On failure the
 * appender's buffered rows are cleared before it is closed: closing (or garbage-collecting) an
 * appender flushes it, which would otherwise write a failed batch's rows later.
 */
export async function appendInto(
  connection: DuckDBConnection,
  schema: string,
  table: string,
  fill: (appender: DuckDBAppender) => void,
): Promise<void> {
  const appender = await connection.createAppender(table, schema);
  try {
    fill(appender);
  } catch (error) {
    try {
      appender.clear();
      appender.closeSync();
    } catch {
      // The transaction is rolled back anyway; nothing of this appender survives it.
    }
    throw error;
  }
  appender.closeSync();
}

export type AppendValue = (appender: DuckDBAppender, value: ColumnValue | undefined) => void;

const stringList = LIST(VARCHAR);

/** The appender call for one column type; `null`/`undefined` append NULL. */
export function appendFor(type: OlapColumnType): AppendValue {
  const typed = ((): ((appender: DuckDBAppender, value: never) => void) => {
    switch (type) {
      case 'varchar':
      case 'json':
        return (a, v: string) => a.appendVarchar(v);
      case 'double':
        return (a, v: number) => a.appendDouble(v);
      case 'bigint':
        return (a, v: bigint) => a.appendBigInt(v);
      case 'integer':
        return (a, v: number) => a.appendInteger(v);
      case 'boolean':
        return (a, v: boolean) => a.appendBoolean(v);
      case 'date':
        return (a, v: number) => a.appendDate(new DuckDBDateValue(v));
      case 'timestamp':
        return (a, v: number) => a.appendTimestamp(new DuckDBTimestampValue(BigInt(v) * 1000n));
      case 'varchar[]':
        return (a, v: string[]) => a.appendList(v, stringList);
    }
  })();
  return (appender, value) => {
    if (value === null || value === undefined) appender.appendNull();
    else typed(appender, value as never);
  };
}

/** Maps a DuckDB catalog type name back to our column type (unknown names stay undefined). */
export function columnTypeOf(physical: string): OlapColumnType | undefined {
  switch (physical.toUpperCase()) {
    case 'VARCHAR':
      return 'varchar';
    case 'DOUBLE':
      return 'double';
    case 'BIGINT':
      return 'bigint';
    case 'INTEGER':
      return 'integer';
    case 'BOOLEAN':
      return 'boolean';
    case 'DATE':
      return 'date';
    case 'TIMESTAMP':
      return 'timestamp';
    case 'VARCHAR[]':
      return 'varchar[]';
    case 'JSON':
      return 'json';
    default:
      return undefined;
  }
}

/** A small pool of read connections; a caller waits for a free one. */
export class ConnectionPool {
  private readonly idle: DuckDBConnection[];
  private readonly busy = new Set<DuckDBConnection>();
  private readonly waiting: { resolve(connection: DuckDBConnection): void; reject(error: Error): void }[] = [];
  private drained: (() => void) | undefined;
  private closed = false;

  constructor(readonly connections: DuckDBConnection[]) {
    this.idle = [...connections];
  }

  /** Connections in use. */
  get busyCount(): number {
    return this.busy.size;
  }

  async use<T>(work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    if (this.closed) throw new OlapUnavailableError('olap_closed', 'the analytics engine is closed');
    const connection =
      this.idle.pop() ?? (await new Promise<DuckDBConnection>((resolve, reject) => this.waiting.push({ resolve, reject })));
    this.busy.add(connection);
    try {
      return await work(connection);
    } finally {
      this.busy.delete(connection);
      const next = this.closed ? undefined : this.waiting.shift();
      if (next) next.resolve(connection);
      else this.idle.push(connection);
      if (this.busy.size === 0) this.drained?.();
    }
  }

  /**
   * Stops accepting work, interrupts running queries (closing a connection under a running query
   * is not safe), waits for them to return their connections, then disconnects every connection.
   */
  async close(): Promise<void> {
    this.closed = true;
    for (const waiter of this.waiting.splice(0))
      waiter.reject(new OlapUnavailableError('olap_closed', 'the analytics engine is closed'));
    if (this.busy.size > 0) {
      const drained = new Promise<void>((resolve) => (this.drained = resolve));
      const stop = keepInterrupting(() => this.busy);
      await drained.finally(stop);
    }
    for (const connection of this.connections) connection.closeSync();
  }
}
