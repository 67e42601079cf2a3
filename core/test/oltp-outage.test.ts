import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKnex } from '../src/store/oltp/knex.js';
import { testEngines } from './support/engines.js';
import { Client, createTenant, createTestApp, type TestApp } from './support/test-app.js';

const body = (res: { payload: string }) => JSON.parse(res.payload) as Record<string, any>;

/** A request and how long it took. */
async function timed(app: TestApp, url: string, headers: Record<string, string> = {}) {
  const started = Date.now();
  const res = await app.server.inject({ method: 'GET', url, headers });
  return { res, ms: Date.now() - started };
}

function expectOutage(res: { statusCode: number; payload: string; headers: Record<string, unknown> }, what: string) {
  // Never 401: the console signs users out on 401.
  expect(res.statusCode, what).toBe(503);
  expect(body(res).code, what).toBe('database_unavailable');
  expect(res.headers['retry-after'], what).toBe('1');
  expect(res.headers['set-cookie'], what).toBeUndefined();
}

if (testEngines().includes('mariadb'))
  describe('OLTP outage [mariadb]: a table lock held by another connection', () => {
    let app: TestApp;
    let locker: mysql.Connection;
    beforeAll(async () => {
      app = await createTestApp('mariadb', {
        oltp: { acquireTimeoutMs: 1000, statementTimeoutMs: 3000, busyTimeoutMs: 1000, poolMax: 2 },
        readyTimeoutMs: 500,
      });
      const url = new URL(app.config.oltpUrl!);
      locker = await mysql.createConnection({
        host: url.hostname,
        port: Number(url.port || 3306),
        user: decodeURIComponent(url.username || 'root'),
        password: decodeURIComponent(url.password),
        database: url.pathname.slice(1),
      });
    });
    afterAll(async () => {
      await locker?.end();
      await app?.close();
    });

    it('answers 503 (not 401) on timeouts and an exhausted pool, /ready 503 in its own time, and recovers', async () => {
      const tenant = await createTenant(app);
      const staff = await Client.staff(app.server, tenant.email, tenant.password);
      const { app: apiApp, appSecret } = (await staff.request('POST', '/api/v1/apps', { name: 'outage' })).body;
      const token = (await new Client(app.server).request('POST', '/api/v1/auth/token', { appKey: apiApp.appKey, appSecret }))
        .body.accessToken as string;
      const cookie = staff.authHeaders();
      const bearer = { authorization: `Bearer ${token}` };
      expect((await timed(app, '/api/v1/auth/session', cookie)).res.statusCode).toBe(200);

      await locker.query('LOCK TABLES staff_session WRITE, api_token WRITE');
      try {
        // Two requests take both pooled connections and wait on the lock; the third waits for a connection.
        const hung = [timed(app, '/api/v1/auth/session', cookie), timed(app, '/api/v1/tenant', bearer)];
        await new Promise((resolve) => setTimeout(resolve, 150));
        const starved = timed(app, '/api/v1/auth/session', cookie);
        const ready = await timed(app, '/ready');
        expect(ready.res.statusCode).toBe(503);
        expect(body(ready.res)).toEqual({ status: 'not_ready', checks: { oltp: 'timeout', olap: 'ok' }, plugins: {} });
        expect(ready.ms).toBeLessThan(1500);

        const pool = await starved;
        expectOutage(pool.res, 'exhausted pool');
        expect(pool.ms).toBeLessThan(2900);
        for (const { res, ms } of await Promise.all(hung)) {
          expectOutage(res, 'statement timeout');
          expect(ms).toBeLessThan(6000);
        }
      } finally {
        await locker.query('UNLOCK TABLES');
      }

      // Recovered: the same cookie and token work again, /ready is green.
      expect((await timed(app, '/ready')).res.statusCode).toBe(200);
      expect((await timed(app, '/api/v1/auth/session', cookie)).res.statusCode).toBe(200);
      expect((await timed(app, '/api/v1/tenant', bearer)).res.statusCode).toBe(200);

      // A lock released while a request waits: the request simply succeeds.
      await locker.query('LOCK TABLES staff_session WRITE');
      const waiting = timed(app, '/api/v1/auth/session', cookie);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await locker.query('UNLOCK TABLES');
      expect((await waiting).res.statusCode).toBe(200);
    });
  });

if (testEngines().includes('sqlite'))
  describe('OLTP outage [sqlite]: another process holds the write lock, or the one connection is busy', () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await createTestApp('sqlite', {
        oltp: { acquireTimeoutMs: 800, statementTimeoutMs: 3000, busyTimeoutMs: 200 },
        readyTimeoutMs: 400,
      });
    });
    afterAll(async () => app?.close());

    it('answers a write blocked by another process 503 and recovers once the lock is gone', async () => {
      const tenant = await createTenant(app);
      // Another process's connection to the same file (as `huiliu admin create` would open).
      const { knex: other } = await createKnex({
        oltpUrl: `sqlite:${app.oltp.info.database}`,
        dataDir: app.dataDir,
        oltp: { busyTimeoutMs: 0 },
      });
      await other.raw('BEGIN IMMEDIATE');
      try {
        const login = await app.server.inject({
          method: 'POST',
          url: '/api/v1/auth/login',
          payload: { email: tenant.email, password: tenant.password },
        });
        expectOutage(login, 'login while another process writes');
        // Readers are not blocked (WAL): readiness stays green.
        expect((await timed(app, '/ready')).res.statusCode).toBe(200);
      } finally {
        await other.raw('ROLLBACK');
        await other.destroy();
      }
      await Client.staff(app.server, tenant.email, tenant.password);
    });

    it('answers 503 while the pool’s one connection is held, /ready 503 within its timeout, then recovers', async () => {
      const tenant = await createTenant(app);
      const staff = await Client.staff(app.server, tenant.email, tenant.password);
      const cookie = staff.authHeaders();
      const held = await app.oltp.knex.transaction();
      try {
        const ready = await timed(app, '/ready');
        expect(ready.res.statusCode).toBe(503);
        expect(body(ready.res).checks.oltp).toBe('timeout');
        expect(ready.ms).toBeLessThan(1200);
        const session = await timed(app, '/api/v1/auth/session', cookie);
        expectOutage(session.res, 'session lookup without a connection');
      } finally {
        await held.commit();
      }
      expect((await timed(app, '/ready')).res.statusCode).toBe(200);
      expect((await timed(app, '/api/v1/auth/session', cookie)).res.statusCode).toBe(200);
    });
  });
