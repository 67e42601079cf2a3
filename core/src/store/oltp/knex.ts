import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import mysql from 'mysql2/promise';
import { createPrivateFile, ensurePrivateDir } from '../../config/data-dir.js';

export type OltpClient = 'sqlite' | 'mysql';

export interface OltpConnectionInfo {
  client: OltpClient;
  /** SQLite file path, or the MySQL database name. */
  database: string;
  /** A printable description without the password. */
  display: string;
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
export async function createKnex(options: {
  oltpUrl?: string;
  dataDir: string;
}): Promise<{ knex: Knex; info: OltpConnectionInfo }> {
  const info = describeOltp(options.oltpUrl, options.dataDir);
  if (info.client === 'sqlite') {
    // 0700 directory, 0600 file: SQLite gives its -wal and -shm files the database file's mode.
    ensurePrivateDir(path.dirname(info.database));
    createPrivateFile(info.database);
    const knex = knexFactory({
      client: 'better-sqlite3',
      connection: { filename: info.database },
      useNullAsDefault: true,
      pool: {
        min: 1,
        max: 1,
        afterCreate(connection: { pragma(sql: string): unknown }, done: (error: Error | null, connection: unknown) => void) {
          connection.pragma('journal_mode = WAL');
          connection.pragma('synchronous = NORMAL');
          connection.pragma('foreign_keys = ON');
          connection.pragma('busy_timeout = 5000');
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
    pool: { min: 0, max: Number(parts.params.get('pool') ?? 10) },
  });
  return { knex, info };
}
