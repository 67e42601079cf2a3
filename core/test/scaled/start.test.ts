import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createMysqlDatabase, testEngines } from '../support/engines.js';
import { startStarRocksDouble } from '../support/starrocks-double/index.js';
import { createTestStore } from '../support/test-app.js';

/**
 * Scaled mode's start (ADR 0067): it fails within seconds, with a stable code, its zh-CN and en-US
 * messages and no password, when StarRocks cannot be reached or OLTP is on SQLite; and `/ready`
 * names each store apart. The OLTP-on-SQLite refusal needs no MariaDB; the rest runs on MariaDB
 * (scaled mode's OLTP).
 */
const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'cli', 'main.js');
const PASSWORD = 'Fe-Secret-4711';

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; stderr: string; ms: number }> {
  const cwd = mkdtempSync(path.join(os.tmpdir(), 'huiliu-scaled-start-'));
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HUILIU_LOG_LEVEL: 'warn', HUILIU_DATA_DIR: path.join(cwd, 'data'), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.stdout.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    // A process that does not fail fast is stopped and reported as such (code null).
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, ms: Date.now() - started });
    });
  });
}

/** A TCP port that accepts connections and never answers (an FE that hangs). */
async function silentPort(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port nothing listens on (connections are refused). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** How many tables the database holds (0 when it does not exist). */
async function tablesIn(database: { name: string; url: string }): Promise<number> {
  const { default: mysql } = await import('mysql2/promise');
  const url = new URL(database.url);
  const connection = await mysql.createConnection({
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username || 'root'),
    password: decodeURIComponent(url.password),
  });
  try {
    const [rows] = await connection.query('SELECT count(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?', [
      database.name,
    ]);
    return Number((rows as { n: number }[])[0]!.n);
  } finally {
    await connection.end();
  }
}

it('is built (the test runs the built CLI)', () => {
  expect(existsSync(cli)).toBe(true);
});

for (const command of ['worker', 'start']) {
  it(`huiliu ${command} refuses scaled mode with OLTP on SQLite, naming why, in both languages`, async () => {
    const port = await closedPort();
    const res = await run([command], {
      HUILIU_OLAP_URL: `starrocks://root:${PASSWORD}@127.0.0.1:${port}/?httpPort=${port}`,
    });
    expect(res.code).toBe(1);
    expect(res.ms).toBeLessThan(60_000);
    expect(res.stderr).toContain('scaled_mode_needs_mysql');
    expect(res.stderr).toContain('扩展部署（设置了 HUILIU_OLAP_URL）需要 MySQL/MariaDB 作为业务库');
    expect(res.stderr).toContain('Scaled mode (HUILIU_OLAP_URL is set) needs OLTP on MySQL/MariaDB');
    expect(res.stderr).not.toContain(PASSWORD);
  });
}

describe.runIf(testEngines().includes('mariadb'))('scaled mode start on MariaDB [mariadb]', () => {
  for (const command of ['worker', 'start']) {
    for (const fe of ['refused', 'silent'] as const) {
      it(`huiliu ${command} fails within seconds when the StarRocks FE is unreachable (${fe}), without the password`, async () => {
        const database = await createMysqlDatabase();
        const silent = fe === 'silent' ? await silentPort() : undefined;
        const port = silent?.port ?? (await closedPort());
        try {
          const res = await run([command], {
            HUILIU_OLTP_URL: database.url,
            HUILIU_OLAP_URL: `starrocks://root:${PASSWORD}@127.0.0.1:${port}/?httpPort=${port}&connectTimeoutMs=1000`,
            HUILIU_PORT: '0',
          });
          expect(res.code).toBe(1);
          // Fail-fast, shown without a clock: the FE is probed before anything else, so no migration ran (the
          // database holds no table). The bound only catches a start that retried for minutes; on a loaded
          // machine a node start alone has taken 25 s.
          expect(await tablesIn(database)).toBe(0);
          expect(res.ms).toBeLessThan(60_000);
          expect(res.stderr).toContain('olap_unreachable');
          expect(res.stderr).toContain('无法连接分析库（StarRocks），请检查 HUILIU_OLAP_URL 与网络');
          expect(res.stderr).toContain('The analytics store (StarRocks) cannot be reached');
          expect(res.stderr).not.toContain(PASSWORD);
        } finally {
          await silent?.close();
          await database.drop();
        }
      });
    }
  }

  it('/ready reports oltp, olap (the FE over MySQL) and olap_load (Stream Load over HTTP) apart, naming no host or user', async () => {
    const double = await startStarRocksDouble({ unanswered: 'empty' });
    const store = await createTestStore('mariadb');
    try {
      const app = await store.open({ overrides: { olapUrl: double.url({ replicationNum: 1 }), readyTimeoutMs: 2000 } });
      try {
        const ready = await app.server.inject({ method: 'GET', url: '/ready' });
        expect(ready.statusCode).toBe(200);
        expect(JSON.parse(ready.payload)).toMatchObject({ checks: { oltp: 'ok', olap: 'ok', olap_load: 'ok' } });

        // Stream Load's FE HTTP port is down: only olap_load fails.
        await double.streamLoad.close();
        const loadDown = await app.server.inject({ method: 'GET', url: '/ready' });
        expect(loadDown.statusCode).toBe(503);
        expect(JSON.parse(loadDown.payload)).toMatchObject({
          status: 'not_ready',
          checks: { oltp: 'ok', olap: 'ok', olap_load: 'unreachable' },
        });

        // The FE's MySQL protocol is down too.
        await double.fe.close();
        const feDown = await app.server.inject({ method: 'GET', url: '/ready' });
        expect(feDown.statusCode).toBe(503);
        const body = JSON.parse(feDown.payload) as { checks: Record<string, string> };
        expect(body.checks.oltp).toBe('ok');
        expect(body.checks.olap).not.toBe('ok');
        expect(body.checks.olap_load).toBe('unreachable');
        for (const payload of [loadDown.payload, feDown.payload]) {
          expect(payload).not.toContain('127.0.0.1');
          expect(payload).not.toContain(double.streamLoad.user);
          expect(payload).not.toContain(double.streamLoad.password);
        }
      } finally {
        await app.stop();
      }
    } finally {
      await store.drop();
      await double.close().catch(() => undefined);
    }
  });
});
