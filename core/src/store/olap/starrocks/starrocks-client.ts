import mysql, { type FieldPacket, type PoolConnection, type QueryError } from 'mysql2';
import type { Logger } from 'pino';
import type { OlapQueryResult } from '../analytics-engine.js';
import { OlapQueryTimeoutError, OlapUnavailableError } from '../errors.js';
import { compactJsonText, parseStarRocksArray } from './starrocks-result.js';

/**
 * The MySQL-protocol side of the StarRocks engine: a mysql2 pool used ONLY through `query()` —
 * text protocol, placeholders filled in on the client (`bindParams`) — never `execute()`, whose
 * server-side prepared statements StarRocks supports only for SELECT and several clients saw break
 * (refs/starrocks.md §5). Each timed statement sets `query_timeout` (seconds) for its session, and a
 * client-side timer sends `KILL QUERY <connection id>` on a second connection at the time limit
 * (KILL.md: "terminates the statement the connection is currently executing, but leaves the
 * connection itself intact"); the session's `query_timeout` is set back to StarRocks' default (300 s,
 * System_variable.md) before the connection returns to the pool, or the connection is dropped.
 */

/**
 * After the time limit, how long the statement may take to end (KILL QUERY, the server's own
 * query_timeout) before the connection is dropped: an FE that stopped answering without closing the
 * socket answers neither (review R23-5), and the caller must not wait for it forever.
 */
export const KILL_GRACE_MS = 3_000;

/** StarRocks' default `query_timeout` (System_variable.md), restored on every connection given back. */
export const DEFAULT_QUERY_TIMEOUT_SECONDS = 300;

export interface StarRocksLogin {
  host: string;
  port: number;
  user: string;
  password: string;
  connectTimeoutMs: number;
}

export interface RunOptions {
  /** Interrupt after this long (query_timeout on the server, KILL QUERY from the client). */
  timeoutMs: number;
}

export interface SelectOptions extends RunOptions {
  /**
   * At most this many rows are kept; `truncated` tells whether more existed. Reading stops at row
   * `maxRows + 1`: the connection is then dropped (never returned to the pool with half an answer
   * unread), so StarRocks stops sending at its next write.
   */
  maxRows?: number;
  /**
   * The SQL itself returns at most `maxRows + 1` rows (operator SQL's LIMIT): the answer is read to
   * its end and the connection kept, instead of dropping it for the one row more.
   */
  bounded?: boolean;
  rowMode?: 'js' | 'json';
  /**
   * Result columns (lower-case names) that hold ARRAYs: StarRocks sends them as VARCHAR text
   * (starrocks-result.ts), read back as lists here. Their type reads `VARCHAR[]`.
   */
  arrays?: ReadonlySet<string>;
}

/** MySQL protocol column type codes (mysql2/lib/constants/types.js). */
const T = {
  DECIMAL: 0x00,
  TINY: 0x01,
  SHORT: 0x02,
  LONG: 0x03,
  FLOAT: 0x04,
  DOUBLE: 0x05,
  TIMESTAMP: 0x07,
  LONGLONG: 0x08,
  INT24: 0x09,
  DATE: 0x0a,
  DATETIME: 0x0c,
  YEAR: 0x0d,
  NEWDATE: 0x0e,
  JSON: 0xf5,
  NEWDECIMAL: 0xf6,
} as const;

/** Result column types under the names DuckDB gives them (the engine contract compares them). */
export function columnTypeName(field: FieldPacket): string {
  switch (field.columnType) {
    case T.TINY:
      // StarRocks' BOOLEAN travels as TINYINT(1) (MySQL's convention; not documented by StarRocks).
      return field.columnLength === 1 ? 'BOOLEAN' : 'TINYINT';
    case T.SHORT:
      return 'SMALLINT';
    case T.LONG:
    case T.INT24:
    case T.YEAR:
      return 'INTEGER';
    case T.LONGLONG:
      return 'BIGINT';
    case T.FLOAT:
      return 'FLOAT';
    case T.DOUBLE:
      return 'DOUBLE';
    case T.DECIMAL:
    case T.NEWDECIMAL:
      return 'DECIMAL';
    case T.DATE:
    case T.NEWDATE:
      return 'DATE';
    case T.DATETIME:
    case T.TIMESTAMP:
      return 'TIMESTAMP';
    case T.JSON:
      return 'JSON';
    default:
      return 'VARCHAR';
  }
}

/** `YYYY-MM-DD HH:MM:SS[.ffffff]` with the fraction's trailing zeros dropped, as DuckDB prints it. */
function timestampText(text: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d+))?/.exec(text);
  if (!match) return text;
  const fraction = (match[3] ?? '').replace(/0+$/, '');
  return `${match[1]} ${match[2]}${fraction ? `.${fraction}` : ''}`;
}

/**
 * A cell of a text-protocol answer in the contract's row modes: `js` — BIGINT as bigint, DATE and
 * TIMESTAMP as Date (UTC wall clock); `json` — BIGINT and DECIMAL as strings, DATE `YYYY-MM-DD`,
 * TIMESTAMP `YYYY-MM-DD HH:MM:SS[.fff]`. JSON stays text, compacted as DuckDB returns it
 * (`{"a": 1}` → `{"a":1}`). An `array` column's text (`["a","b"]`) is a list in both modes, as DuckDB
 * gives it; text that does not read as a flat array stays text.
 */
export function convertCell(text: string | null, field: FieldPacket, mode: 'js' | 'json', array = false): unknown {
  if (text === null) return null;
  if (array && columnTypeName(field) === 'VARCHAR') return parseStarRocksArray(text) ?? text;
  switch (columnTypeName(field)) {
    case 'BOOLEAN':
      return text !== '0';
    case 'TINYINT':
    case 'SMALLINT':
    case 'INTEGER':
    case 'FLOAT':
    case 'DOUBLE':
      return Number(text);
    case 'BIGINT':
      return mode === 'js' ? BigInt(text) : text;
    case 'DECIMAL':
      return mode === 'js' ? Number(text) : text;
    case 'DATE':
      return mode === 'js' ? new Date(`${text}T00:00:00Z`) : text;
    case 'TIMESTAMP': {
      const normalized = timestampText(text);
      return mode === 'js' ? new Date(`${normalized.replace(' ', 'T')}Z`) : normalized;
    }
    case 'JSON':
      return compactJsonText(text);
    default:
      return text;
  }
}

/**
 * Fills `?` placeholders with SQL literals on the client (mysql2's `escape`: quoted strings with
 * backslash escapes, which StarRocks reads as MySQL does). A `?` inside a string literal, a quoted
 * identifier or a comment is left alone (mysql2's own `format` would replace it).
 */
export function bindParams(sql: string, params: readonly (string | number | bigint | boolean | null)[]): string {
  let out = '';
  let next = 0;
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    if (ch === "'" || ch === '"' || ch === '`') {
      let j = i + 1;
      while (j < sql.length) {
        if (sql[j] === '\\' && ch !== '`') j += 2;
        else if (sql[j] === ch && sql[j + 1] === ch) j += 2;
        else if (sql[j] === ch) break;
        else j += 1;
      }
      out += sql.slice(i, j + 1);
      i = j + 1;
    } else if (ch === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end === -1 ? sql.length : end;
      out += sql.slice(i, stop);
      i = stop;
    } else if (ch === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      const stop = end === -1 ? sql.length : end + 2;
      out += sql.slice(i, stop);
      i = stop;
    } else if (ch === '?') {
      if (next >= params.length) throw new Error(`the SQL has more placeholders than the ${params.length} parameters`);
      out += literal(params[next++]!);
      i += 1;
    } else {
      out += ch;
      i += 1;
    }
  }
  if (next !== params.length) throw new Error(`${params.length} parameters for ${next} placeholders`);
  return out;
}

/** One value as a StarRocks literal. */
export function literal(value: string | number | bigint | boolean | null): string {
  if (value === null) return 'NULL';
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`parameter ${value} is not a finite number`);
    return String(value);
  }
  return mysql.escape(value);
}

/** True when the server says the statement ran past its query_timeout (StarRocks 3.4: error 5024). */
function isServerTimeout(error: unknown): boolean {
  const { errno, message } = error as { errno?: number; message?: string };
  return (
    errno === 5024 || /reached its timeout|exceeded time limit|query timeout|time out with specfied time/i.test(message ?? '')
  );
}

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
]);

/** True when the FE could not be reached or dropped the connection. */
export function isUnreachable(error: unknown): boolean {
  const { code, fatal } = (error ?? {}) as { code?: string; fatal?: boolean };
  return (
    (typeof code === 'string' && UNREACHABLE.has(code)) || (fatal === true && code !== undefined && code.startsWith('PROTOCOL'))
  );
}

/** A connection failure as `olap_unreachable` (503); any other error as it is. */
function unreachable(error: unknown): unknown {
  if (!isUnreachable(error)) return error;
  const code = (error as { code?: string }).code ?? 'connection lost';
  return Object.assign(new OlapUnavailableError('olap_unreachable', `the StarRocks FE did not answer (${code})`), {
    cause: error,
  });
}

/**
 * Every cell as its text. JSON cells are decoded as UTF-8 explicitly (mysql2 reads a JSON column as
 * binary by default and warns: non-ASCII text would be garbled).
 */
const typeCast = (field: { type: string; string(encoding?: string): string | null }, next: () => unknown): unknown =>
  field.type === 'GEOMETRY' ? next() : field.type === 'JSON' ? field.string('utf8') : field.string();

function statementOf(
  connection: PoolConnection,
  sql: string,
): Promise<{ affectedRows: number; rows: unknown[]; fields: FieldPacket[] }> {
  return new Promise((resolve, reject) => {
    connection.query({ sql, rowsAsArray: true, typeCast }, (error, result, fields) => {
      if (error) return reject(error);
      if (Array.isArray(result)) resolve({ affectedRows: 0, rows: result as unknown[], fields: fields ?? [] });
      else resolve({ affectedRows: Number((result as { affectedRows?: number }).affectedRows ?? 0), rows: [], fields: [] });
    });
  });
}

/** A pool of MySQL-protocol connections to the FE, logged in as one user. */
export class StarRocksSql {
  private readonly pool: mysql.Pool;
  private closed = false;

  constructor(
    login: StarRocksLogin,
    poolSize: number,
    /** Where KILL QUERY is sent from (the engine's administrator; KILL needs no privilege, KILL.md). */
    private readonly killer: StarRocksLogin,
    private readonly logger?: Logger,
  ) {
    this.pool = mysql.createPool({
      host: login.host,
      port: login.port,
      user: login.user,
      password: login.password,
      connectionLimit: poolSize,
      connectTimeout: login.connectTimeoutMs,
      // BIGINT as text, DATE/DATETIME as text: converted by convertCell, never by mysql2's defaults.
      supportBigNumbers: true,
      bigNumberStrings: true,
      dateStrings: true,
      multipleStatements: false,
      waitForConnections: true,
      idleTimeout: 60_000,
      maxIdle: poolSize,
    });
  }

  /** Opens one connection, runs `SELECT 1`, closes it — within the connect timeout. */
  static async probe(login: StarRocksLogin): Promise<void> {
    const connection = mysql.createConnection({
      host: login.host,
      port: login.port,
      user: login.user,
      password: login.password,
      connectTimeout: login.connectTimeoutMs,
    });
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' })),
          login.connectTimeoutMs,
        );
        connection.query('SELECT 1', (error) => {
          clearTimeout(timer);
          if (error) reject(error);
          else resolve();
        });
      });
    } finally {
      connection.destroy();
    }
  }

  private acquire(): Promise<PoolConnection> {
    if (this.closed) return Promise.reject(new OlapUnavailableError('olap_closed', 'the analytics engine is closed'));
    return new Promise((resolve, reject) =>
      this.pool.getConnection((error, connection) => (error ? reject(error) : resolve(connection))),
    );
  }

  /**
   * Runs `work` on a pooled connection whose `query_timeout` is set for it, with the KILL QUERY timer
   * running; afterwards the session variable is set back and the connection returned — or dropped,
   * when it broke or could not be reset, or when `work` called `discard` (it stopped reading an
   * answer half-way: the rest would reach the next borrower).
   */
  private async timed<T>(timeoutMs: number, work: (connection: PoolConnection, discard: () => void) => Promise<T>): Promise<T> {
    let connection: PoolConnection;
    try {
      connection = await this.acquire();
    } catch (error) {
      throw unreachable(error);
    }
    let healthy = true;
    let timedOut = false;
    let kill: Promise<void> | undefined;
    let timer: NodeJS.Timeout | undefined;
    let abandon: NodeJS.Timeout | undefined;
    let giveUp: (error: Error) => void = () => undefined;
    const abandoned = new Promise<never>((_resolve, reject) => (giveUp = reject));
    try {
      await Promise.race([statementOf(connection, `SET query_timeout = ${Math.max(1, Math.ceil(timeoutMs / 1000))}`), abandoned]);
      timer = setTimeout(() => {
        timedOut = true;
        kill = this.kill(connection.threadId).catch((error: unknown) =>
          this.logger?.warn({ err: error }, 'KILL QUERY at the time limit failed'),
        );
        abandon = setTimeout(() => {
          healthy = false;
          connection.destroy();
          giveUp(Object.assign(new Error('the StarRocks FE did not end the statement after its time limit'), { fatal: true }));
        }, KILL_GRACE_MS);
      }, timeoutMs);
      const discard = () => {
        healthy = false;
        connection.destroy();
        // mysql2's destroy() only ends the socket's writing side (FIN): the FE would go on sending the
        // answer and mysql2 on parsing it. Destroying the socket stops reading now; unread data makes
        // the kernel answer with a reset, so the FE's next write fails (how StarRocks then ends the query
        // is not documented; its query_timeout bounds it in any case — ADR 0064).
        (connection as { stream?: { destroy(): void } }).stream?.destroy();
      };
      return await Promise.race([work(connection, discard), abandoned]);
    } catch (error) {
      if ((error as { fatal?: boolean }).fatal) healthy = false;
      if (timedOut || isServerTimeout(error)) throw new OlapQueryTimeoutError(timeoutMs, error);
      throw unreachable(error);
    } finally {
      clearTimeout(timer);
      clearTimeout(abandon);
      // A KILL still on its way must not reach the next statement of this connection.
      if (kill) await kill;
      if (healthy) {
        try {
          await statementOf(connection, `SET query_timeout = ${DEFAULT_QUERY_TIMEOUT_SECONDS}`);
          connection.release();
        } catch {
          connection.destroy();
        }
      } else connection.destroy();
    }
  }

  /** `KILL QUERY <id>` from a connection of its own (the pool may be full of waiting queries). */
  private async kill(threadId: number | null): Promise<void> {
    if (threadId === null) return;
    const connection = mysql.createConnection({
      host: this.killer.host,
      port: this.killer.port,
      user: this.killer.user,
      password: this.killer.password,
      connectTimeout: this.killer.connectTimeoutMs,
    });
    try {
      await new Promise<void>((resolve, reject) =>
        connection.query(`KILL QUERY ${Number(threadId)}`, (error) => (error ? reject(error) : resolve())),
      );
    } finally {
      connection.destroy();
    }
  }

  /** A statement without rows (DDL, DELETE, INSERT … SELECT): its affected-row count. */
  async statement(sql: string, options: RunOptions): Promise<number> {
    return this.timed(options.timeoutMs, async (connection) => (await statementOf(connection, sql)).affectedRows);
  }

  /** Runs a SELECT and converts its answer (`truncated` when more than maxRows rows came). */
  async select<Row = Record<string, unknown>>(sql: string, options: SelectOptions): Promise<OlapQueryResult<Row>> {
    const mode = options.rowMode ?? 'js';
    const isArray = (field: FieldPacket) => options.arrays?.has(field.name.toLowerCase()) === true;
    let fields: FieldPacket[] = [];
    const rows: Row[] = [];
    let total = 0;
    await this.stream(
      sql,
      options,
      (row, columns) => {
        fields = columns;
        total += 1;
        // Row maxRows + 1 says the answer is truncated: nothing after it is read.
        if (options.maxRows !== undefined && rows.length >= options.maxRows) return options.bounded === true;
        const out: Record<string, unknown> = {};
        columns.forEach(
          (field, index) => (out[field.name] = convertCell(row[index] as string | null, field, mode, isArray(field))),
        );
        rows.push(out as Row);
      },
      (columns) => (fields = columns),
    );
    return {
      columns: fields.map((field) => ({
        name: field.name,
        type: isArray(field) && columnTypeName(field) === 'VARCHAR' ? 'VARCHAR[]' : columnTypeName(field),
      })),
      rows,
      truncated: options.maxRows !== undefined && total > options.maxRows,
    };
  }

  /**
   * Streams a SELECT's rows (text cells) to `onRow`, one at a time. `onRow` returning `false` stops
   * the answer there: the connection is dropped at once (no further row is read or handed on) and
   * the call resolves.
   */
  async stream(
    sql: string,
    options: RunOptions,
    onRow: (row: unknown[], fields: FieldPacket[]) => boolean | void,
    onFields?: (fields: FieldPacket[]) => void,
  ): Promise<void> {
    await this.timed(
      options.timeoutMs,
      (connection, discard) =>
        new Promise<void>((resolve, reject) => {
          // Rows come only after `fields`; a statement without a result set (an OK packet) emits one
          // `result` (its header) and no fields: nothing to hand on.
          let fields: FieldPacket[] | undefined;
          let failure: unknown;
          let stopped = false;
          connection
            .query({ sql, rowsAsArray: true, typeCast })
            .on('error', (error: QueryError) => {
              failure = error;
              reject(error);
            })
            .on('fields', (columns: FieldPacket[] | undefined) => {
              if (!Array.isArray(columns)) return;
              fields = columns;
              onFields?.(columns);
            })
            .on('result', (row: unknown) => {
              // Rows of the packet already received still arrive after a stop: dropped.
              if (failure || stopped || !fields) return;
              try {
                if (onRow(row as unknown[], fields) === false) {
                  stopped = true;
                  // A destroyed connection emits neither `end` nor an error (mysql2: closing on purpose).
                  discard();
                  resolve();
                }
              } catch (error) {
                failure = error;
              }
            })
            .on('end', () => (failure ? reject(failure) : resolve()));
        }),
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await new Promise<void>((resolve) => this.pool.end(() => resolve()));
  }
}
