import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';

export type Engine = 'sqlite' | 'mariadb';

/**
 * The OLTP engines every store-touching test runs on: SQLite and MariaDB. MariaDB is required
 * (CI starts it); `HUILIU_TEST_ENGINES=sqlite` narrows a local run on purpose.
 */
export function testEngines(): Engine[] {
  const wanted = (process.env.HUILIU_TEST_ENGINES ?? 'sqlite,mariadb').split(',').map((s) => s.trim());
  return (['sqlite', 'mariadb'] as const).filter((engine) => wanted.includes(engine));
}

export const mysqlBaseUrl = (): string => process.env.HUILIU_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

/** A fresh MariaDB database for one test app; returns its URL and a function dropping it. */
export async function createMysqlDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `huiliu_t_${process.pid}_${randomBytes(4).toString('hex')}`;
  const base = new URL(mysqlBaseUrl());
  return {
    url: `${mysqlBaseUrl().replace(/\/$/, '')}/${name}`,
    async drop() {
      const connection = await mysql.createConnection({
        host: base.hostname,
        port: Number(base.port || 3306),
        user: decodeURIComponent(base.username || 'root'),
        password: decodeURIComponent(base.password),
      });
      try {
        await connection.query(`DROP DATABASE IF EXISTS \`${name}\``);
      } finally {
        await connection.end();
      }
    },
  };
}
