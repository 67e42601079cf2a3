import {
  DuckDBDataChunk,
  DuckDBDateValue,
  DuckDBTimestampValue,
  DuckDBTypeId,
  LIST,
  listValue,
  VARCHAR,
  type DuckDBAppender,
  type DuckDBConnection,
  type DuckDBValue,
  type DuckDBVector,
  DuckDBListValue,
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

/** An appender being filled: `flush` writes its rows (into the open transaction, if any), `discard` drops them. */
export interface PendingAppender {
  readonly appender: DuckDBAppender;
  flush(): void;
  discard(): void;
}

/**
 * An appender on `schema.table`. Creating it reads the catalog through the connection; filling it
 * touches only its own buffer until DuckDB flushes it (at `flush`, or by itself every 204,800 rows).
 * Closing (or garbage-collecting) an appender flushes it, so `discard` clears the buffered rows
 * first: a failed batch's rows must never be written later.
 */
export async function openAppender(connection: DuckDBConnection, schema: string, table: string): Promise<PendingAppender> {
  const appender = await connection.createAppender(table, schema);
  let open = true;
  const discard = () => {
    if (!open) return;
    open = false;
    try {
      appender.clear();
      appender.closeSync();
    } catch {
      // The transaction is rolled back anyway; nothing of this appender survives it.
    }
  };
  return {
    appender,
    flush() {
      if (!open) throw new Error('appender already closed');
      try {
        appender.closeSync();
        open = false;
      } catch (error) {
        discard();
        throw error;
      }
    },
    discard,
  };
}

/** Fills `schema.table` through an appender inside the caller's open transaction (see openAppender). */
export async function appendInto(
  connection: DuckDBConnection,
  schema: string,
  table: string,
  fill: (appender: DuckDBAppender) => void,
): Promise<void> {
  const pending = await openAppender(connection, schema, table);
  try {
    fill(pending.appender);
  } catch (error) {
    pending.discard();
    throw error;
  }
  pending.flush();
}

/** The appender calls the loader makes: a DuckDBAppender, or a ChunkAppender filling data chunks. */
export type RowSink = Pick<
  DuckDBAppender,
  | 'appendNull'
  | 'appendVarchar'
  | 'appendDouble'
  | 'appendBigInt'
  | 'appendInteger'
  | 'appendBoolean'
  | 'appendDate'
  | 'appendTimestamp'
  | 'appendList'
  | 'endRow'
>;

export type AppendValue = (appender: RowSink, value: ColumnValue | undefined) => void;

const stringList = LIST(VARCHAR);

/**
 * The appender call for one column type; `null`/`undefined` append NULL. One closure per type, the
 * NULL check inside it: the loader calls this for every cell (~28,000 times per 1,000-event batch).
 */
export function appendFor(type: OlapColumnType): AppendValue {
  switch (type) {
    case 'varchar':
    case 'json':
      return (a, v) => (v === null || v === undefined ? a.appendNull() : a.appendVarchar(v as string));
    case 'double':
      return (a, v) => (v === null || v === undefined ? a.appendNull() : a.appendDouble(v as number));
    case 'bigint':
      return (a, v) => (v === null || v === undefined ? a.appendNull() : a.appendBigInt(v as bigint));
    case 'integer':
      return (a, v) => (v === null || v === undefined ? a.appendNull() : a.appendInteger(v as number));
    case 'boolean':
      return (a, v) => (v === null || v === undefined ? a.appendNull() : a.appendBoolean(v as boolean));
    case 'date':
      return (a, v) => (v === null || v === undefined ? a.appendNull() : a.appendDate(new DuckDBDateValue(v as number)));
    case 'timestamp':
      return (a, v) => (v === null || v === undefined ? a.appendNull() : a.appendTimestamp(timestampOf(v as number)));
    case 'varchar[]':
      return (a, v) => (v === null || v === undefined ? a.appendNull() : a.appendList(v as string[], stringList));
  }
}

/** What a ChunkAppender reads of @duckdb/node-api's vectors (not public API; checked at creation). */
interface VectorInternals {
  items?: BigInt64Array | Int32Array | Float64Array;
  validity?: { data: BigUint64Array | null };
}

type ColumnKind = 'items' | 'set' | 'list';

/** Rows a DuckDB data chunk holds (STANDARD_VECTOR_SIZE; a larger row count is refused by the library). */
const CHUNK_ROWS = 2048;

/** Which vector fields a column's writes use, by type id; undefined: not supported, use the row appender. */
function kindOf(typeId: DuckDBTypeId): ColumnKind | undefined {
  switch (typeId) {
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.DOUBLE:
    case DuckDBTypeId.DATE:
    case DuckDBTypeId.TIMESTAMP:
      return 'items';
    case DuckDBTypeId.VARCHAR:
    case DuckDBTypeId.BOOLEAN:
      return 'set';
    case DuckDBTypeId.LIST:
      return 'list';
    default:
      return undefined;
  }
}

/**
 * The appender's row calls, written into DuckDB data chunks (column vectors) and handed to the
 * appender a chunk at a time (`appendDataChunk`). Every appender call crosses into native code
 * (~0.1 µs each, 28 a row, most of them NULLs); here a NULL clears one bit, a number is one
 * typed-array store, and only strings and lists still make one native call each, at chunk flush.
 *
 * It writes @duckdb/node-api's vector buffers directly (`items`, and the validity bits — the
 * library's own `setItem` does BigInt arithmetic for every validity bit, which costs more than the
 * appender call it replaces). Those fields are not public API: `create` checks them on the first
 * chunk and answers undefined when they are not as expected (another library version), and the
 * caller then uses the row appender. Writes must come in column order, like the appender's, and
 * a value's type must be the column's (the loader's writers are built from the catalog types).
 */
export class ChunkAppender implements RowSink {
  private readonly types: ReturnType<DuckDBAppender['columnType']>[];
  private readonly kinds: ColumnKind[];
  private readonly columns: number;
  private remaining: number;
  private chunk!: DuckDBDataChunk;
  private vectors: DuckDBVector[] = [];
  private items: (BigInt64Array | Int32Array | Float64Array | undefined)[] = [];
  /** Validity bits per column, 32 rows a word (little-endian, as DuckDB's 64-bit words read). */
  private valid: Uint32Array[] = [];
  private size = 0;
  private row = 0;
  private column = 0;

  private constructor(
    private readonly appender: DuckDBAppender,
    rows: number,
    kinds: ColumnKind[],
  ) {
    this.kinds = kinds;
    this.columns = kinds.length;
    this.types = kinds.map((_, i) => appender.columnType(i));
    this.remaining = rows;
  }

  /** A chunk writer for `rows` rows into `appender`, or undefined if a column type or the library does not allow it. */
  static create(appender: DuckDBAppender, rows: number): ChunkAppender | undefined {
    if (rows <= 0) return undefined;
    const kinds: ColumnKind[] = [];
    for (let i = 0; i < appender.columnCount; i += 1) {
      const kind = kindOf(appender.columnType(i).typeId);
      if (!kind) return undefined;
      kinds.push(kind);
    }
    const writer = new ChunkAppender(appender, rows, kinds);
    return writer.next() ? writer : undefined;
  }

  /** Opens the next chunk; false if the vectors do not look as this class expects. */
  private next(): boolean {
    const size = Math.min(this.remaining, CHUNK_ROWS);
    this.remaining -= size;
    this.size = size;
    this.row = 0;
    this.chunk = DuckDBDataChunk.create(this.types, size);
    this.vectors = [];
    this.items = [];
    this.valid = [];
    for (let i = 0; i < this.columns; i += 1) {
      const vector = this.chunk.getColumnVector(i);
      const internals = vector as unknown as VectorInternals;
      const validity = internals.validity;
      if (!validity || !('data' in validity)) return false;
      // All valid: the library's setItem then skips its validity arithmetic; ours is set at flush.
      validity.data = null;
      const items = this.kinds[i] === 'items' ? internals.items : undefined;
      if (this.kinds[i] === 'items' && !(ArrayBuffer.isView(items) && items.length === size)) return false;
      this.vectors.push(vector);
      this.items.push(items);
      this.valid.push(new Uint32Array(Math.ceil(size / 64) * 2).fill(0xffffffff));
    }
    return true;
  }

  private emit(): void {
    for (let i = 0; i < this.columns; i += 1) {
      const vector = this.vectors[i]!;
      const bits = this.valid[i]!;
      if (bits.some((word) => word !== 0xffffffff))
        (vector as unknown as VectorInternals).validity!.data = new BigUint64Array(bits.buffer);
      vector.flush();
    }
    this.appender.appendDataChunk(this.chunk);
  }

  appendNull(): void {
    const column = this.column++;
    const row = this.row;
    this.valid[column]![row >>> 5]! &= ~(1 << (row & 31));
    // A list vector reads every row's entry at flush: a NULL one must be set, not left as garbage.
    if (this.kinds[column] === 'list') this.vectors[column]!.setItem(row, null);
  }

  appendVarchar(value: string): void {
    this.vectors[this.column++]!.setItem(this.row, value);
  }

  appendBoolean(value: boolean): void {
    this.vectors[this.column++]!.setItem(this.row, value);
  }

  appendDouble(value: number): void {
    (this.items[this.column++] as Float64Array)[this.row] = value;
  }

  appendInteger(value: number): void {
    (this.items[this.column++] as Int32Array)[this.row] = value;
  }

  appendBigInt(value: bigint): void {
    (this.items[this.column++] as BigInt64Array)[this.row] = value;
  }

  appendDate(value: DuckDBDateValue): void {
    (this.items[this.column++] as Int32Array)[this.row] = value.days;
  }

  appendTimestamp(value: DuckDBTimestampValue): void {
    (this.items[this.column++] as BigInt64Array)[this.row] = value.micros;
  }

  appendList(value: Parameters<DuckDBAppender['appendList']>[0]): void {
    this.vectors[this.column++]!.setItem(this.row, isListValue(value) ? value : listValue(value as DuckDBValue[]));
  }

  endRow(): void {
    if (this.column !== this.columns) throw new Error(`row has ${this.column} of ${this.columns} columns`);
    this.column = 0;
    this.row += 1;
    if (this.row < this.size) return;
    this.emit();
    if (this.remaining > 0 && !this.next()) throw new Error('data chunk vectors changed shape');
  }

  /** Every announced row was written (and handed to the appender). */
  get complete(): boolean {
    return this.remaining === 0 && this.row === this.size;
  }
}

function isListValue(value: unknown): value is DuckDBListValue {
  return value instanceof DuckDBListValue;
}

/** Epoch ms → DuckDB's µs; one BigInt conversion while ms × 1000 is exact (until the year 2255). */
export function timestampOf(epochMs: number): DuckDBTimestampValue {
  const micros = epochMs * 1000;
  return new DuckDBTimestampValue(Number.isSafeInteger(micros) ? BigInt(micros) : BigInt(epochMs) * 1000n);
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
