import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import mysql from 'mysql2/promise';
import type { Logger } from 'pino';
import { createPrivateFile, ensurePrivateDir } from '../../config/data-dir.js';

export type OltpClient = 'sqlite' | 'mysql';

export interface OltpConnectionInfo {
  client: OltpClient;
  /** SQLite file path, or the MySQL database name. */
  database: string;
  /** A printable description without the password. */
  display: string;
  /** The statement timeout every pooled MySQL connection runs with (ms; 0 = none). */
  statementTimeoutMs?: number;
}

/** Connection limits of the OLTP store (config `oltp.*`). */
export interface OltpLimits {
  /** How long a query waits for a pooled connection before failing (both engines). */
  acquireTimeoutMs: number;
  /** MySQL/MariaDB: a statement (lock waits included) running longer fails; 0 = none. */
  statementTimeoutMs: number;
  /** SQLite: how long a write waits for another process's lock (the process waits with it). */
  busyTimeoutMs: number;
  /** MySQL/MariaDB pool size (default: the URL's `?pool=`, else 10). */
  poolMax?: number;
}

export const defaultOltpLimits: OltpLimits = { acquireTimeoutMs: 10_000, statementTimeoutMs: 60_000, busyTimeoutMs: 5_000 };

/**
 * Error codes meaning "the database did not answer in time or cannot be reached" (as opposed to a
 * bad query): the server answers them with 503, never with 401 or 500.
 */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_QUERY_TIMEOUT',
  'ER_QUERY_INTERRUPTED',
  'ER_STATEMENT_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'SQLITE_BUSY',
  'SQLITE_BUSY_SNAPSHOT',
  'SQLITE_BUSY_TIMEOUT',
  'SQLITE_LOCKED',
]);
/** MySQL/MariaDB error numbers with the same meaning (1969: MariaDB's max_statement_time). */
const UNAVAILABLE_ERRNOS = new Set([1040, 1053, 1205, 1317, 1969, 3024]);

/** True when `error` says the OLTP store is unreachable, overloaded or timed out. */
export function isOltpUnavailable(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const { name, code, errno } = error as { name?: unknown; code?: unknown; errno?: unknown };
  if (name === 'KnexTimeoutError') return true;
  if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
  return typeof errno === 'number' && UNAVAILABLE_ERRNOS.has(errno);
}

interface MysqlUrlParts {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  params: URLSearchParams;
}

function parseMysqlUrl(url: string): MysqlUrlParts {
  const parsed = new URL(url);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || 'huiliu';
  if (!/^[A-Za-z0-9_$]+$/.test(database)) {
    throw new Error(`HUILIU_OLTP_URL: database name "${database}" may hold only letters, digits, _ and $`);
  }
  return {
    host: parsed.hostname || '127.0.0.1',
    port: parsed.port ? Number(parsed.port) : 3306,
    user: decodeURIComponent(parsed.username || 'root'),
    password: decodeURIComponent(parsed.password || ''),
    database,
    params: parsed.searchParams,
  };
}

export function describeOltp(oltpUrl: string | undefined, dataDir: string): OltpConnectionInfo {
  if (!oltpUrl || oltpUrl.startsWith('sqlite:')) {
    const file = oltpUrl ? oltpUrl.replace(/^sqlite:(\/\/)?/, '') : '';
    const resolved = file ? path.resolve(dataDir, file) : path.join(dataDir, 'huiliu.sqlite');
    return { client: 'sqlite', database: resolved, display: `sqlite:${resolved}` };
  }
  const parts = parseMysqlUrl(oltpUrl);
  return {
    client: 'mysql',
    database: parts.database,
    display: `mysql://${parts.user}@${parts.host}:${parts.port}/${parts.database}`,
  };
}

/** Creates the MySQL database named in the URL when it does not exist yet. */
async function ensureMysqlDatabase(parts: MysqlUrlParts): Promise<void> {
  const connection = await mysql.createConnection({
    host: parts.host,
    port: parts.port,
    user: parts.user,
    password: parts.password,
  });
  try {
    await connection.query(
      `CREATE DATABASE IF NOT EXISTS \`${parts.database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
    );
  } finally {
    await connection.end();
  }
}

/**
 * The knex instance for the OLTP store: better-sqlite3 in WAL mode under the data dir by default,
 * mysql2 when `oltpUrl` is a mysql:// URL (the database is created if missing).
 */
export async function createKnex(
  options: {
    oltpUrl?: string;
    dataDir: string;
    oltp?: Partial<OltpLimits>;
  },
  logger?: Logger,
): Promise<{ knex: Knex; info: OltpConnectionInfo }> {
  const limits: OltpLimits = { ...defaultOltpLimits, ...options.oltp };
  // knex's own messages (pool acquire failures, deprecations) into the app's log, not the console.
  const log = logger && {
    log: {
      warn: (message: unknown) => {
        const text = String(message);
        // Another process holds the migration lock: OltpStore.migrate waits for it (and says how to
        // free a lock a dead process left); knex's advice to run `knex migrate:unlock` would mislead.
        if (text.startsWith("Can't take lock to run migrations"))
          logger.info('waiting for another process to finish the OLTP migrations');
        else if (!text.startsWith('If you are sure migrations are not running')) logger.warn({ oltp: text });
      },
      error: (message: unknown) => logger.error({ oltp: String(message) }),
      deprecate: (message: unknown) => logger.warn({ oltp: String(message) }),
      debug: (message: unknown) => logger.debug({ oltp: String(message) }),
    },
  };
  const info = describeOltp(options.oltpUrl, options.dataDir);
  if (info.client === 'sqlite') {
    // 0700 directory, 0600 file: SQLite gives its -wal and -shm files the database file's mode.
    ensurePrivateDir(path.dirname(info.database));
    createPrivateFile(info.database);
    const knex = knexFactory({
      client: 'better-sqlite3',
      ...log,
      connection: { filename: info.database },
      useNullAsDefault: true,
      // Errors quote the SQL with `?` placeholders, never the values (tokens, emails) into logs.
      compileSqlOnError: false,
      acquireConnectionTimeout: limits.acquireTimeoutMs,
      pool: {
        min: 1,
        max: 1,
        afterCreate(connection: { pragma(sql: string): unknown }, done: (error: Error | null, connection: unknown) => void) {
          connection.pragma('journal_mode = WAL');
          connection.pragma('synchronous = NORMAL');
          connection.pragma('foreign_keys = ON');
          connection.pragma(`busy_timeout = ${Math.trunc(limits.busyTimeoutMs)}`);
          done(null, connection);
        },
      },
    });
    return { knex, info };
  }
  const parts = parseMysqlUrl(options.oltpUrl!);
  await ensureMysqlDatabase(parts);
  const knex = knexFactory({
    client: 'mysql2',
    ...log,
    connection: {
      host: parts.host,
      port: parts.port,
      user: parts.user,
      password: parts.password,
      database: parts.database,
      charset: 'utf8mb4',
      timezone: 'Z',
      supportBigNumbers: true,
      bigNumberStrings: false,
      decimalNumbers: true,
    },
    compileSqlOnError: false,
    acquireConnectionTimeout: limits.acquireTimeoutMs,
    pool: {
      min: 0,
      max: limits.poolMax ?? Number(parts.params.get('pool') ?? 10),
      afterCreate(connection: CallbackConnection, done: (error: Error | null, connection: unknown) => void) {
        applyStatementTimeout(connection, limits.statementTimeoutMs).then(
          () => done(null, connection),
          (error: Error) => done(error, connection),
        );
      },
    },
  });
  return { knex, info: { ...info, statementTimeoutMs: limits.statementTimeoutMs } };
}

interface CallbackConnection {
  query(sql: string, callback: (error: Error | null) => void): void;
}

function run(connection: CallbackConnection, sql: string): Promise<void> {
  return new Promise((resolve, reject) => connection.query(sql, (error) => (error ? reject(error) : resolve())));
}

/**
 * The session limits of one MySQL/MariaDB connection: MariaDB's `max_statement_time` (MySQL 8:
 * `max_execution_time`, SELECTs only), and lock waits (table, metadata and row locks) no longer
 * than the statement timeout. 0 restores the server defaults (migrations run that way).
 */
async function applyStatementTimeout(connection: CallbackConnection, timeoutMs: number): Promise<void> {
  const seconds = timeoutMs / 1000;
  try {
    await run(connection, `SET SESSION max_statement_time = ${seconds}`);
  } catch {
    await run(connection, `SET SESSION max_execution_time = ${Math.round(timeoutMs)}`);
  }
  if (timeoutMs > 0) {
    const lockSeconds = Math.max(1, Math.ceil(seconds));
    await run(connection, `SET SESSION lock_wait_timeout = ${lockSeconds}, innodb_lock_wait_timeout = ${lockSeconds}`);
  } else {
    await run(connection, 'SET SESSION lock_wait_timeout = DEFAULT, innodb_lock_wait_timeout = DEFAULT');
  }
}

/**
 * Runs `work` on one connection of `executor` (a transaction) with the statement timeout lifted,
 * then restores it: migrations (index builds, table rewrites) may run for minutes.
 */
export async function withoutStatementTimeout<T>(
  executor: Knex | Knex.Transaction,
  info: OltpConnectionInfo,
  work: () => Promise<T>,
): Promise<T> {
  if (info.client !== 'mysql' || !info.statementTimeoutMs) return work();
  const set = async (ms: number) => {
    const seconds = ms / 1000;
    try {
      await executor.raw(`SET SESSION max_statement_time = ${seconds}`);
    } catch {
      await executor.raw(`SET SESSION max_execution_time = ${Math.round(ms)}`);
    }
  };
  await set(0);
  try {
    return await work();
  } finally {
    await set(info.statementTimeoutMs);
  }
}
