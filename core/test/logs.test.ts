import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, createLogger, type HuiliuApp } from '../src/app.js';
import { loadConfig } from '../src/config/config.js';
import { createMysqlDatabase, testEngines } from './support/engines.js';
import { firstPartyPlugins } from './support/plugins.js';
import { Client, createTenant } from './support/test-app.js';

/** A pino destination keeping every line written to it. */
class CapturedLog extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  }
  get text(): string {
    return this.lines.join('\n');
  }
  entries(): Record<string, any>[] {
    return this.lines.map((line) => JSON.parse(line) as Record<string, any>);
  }
}

/** A real app whose log goes, through the production logger (createLogger), into `log`. */
async function appWithLog(engine: string, logRequests: 'compact' | 'full', log: CapturedLog) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'huiliu-logs-'));
  const database = engine === 'mariadb' ? await createMysqlDatabase() : undefined;
  const config = loadConfig({
    env: {},
    overrides: {
      dataDir,
      port: 0,
      host: '127.0.0.1',
      logLevel: 'info',
      logRequests,
      loadPluginPackages: false,
      ...(database ? { oltpUrl: database.url } : {}),
    },
  });
  const app = await createApp(config, { logger: createLogger(config, log), strictResponses: true, plugins: firstPartyPlugins });
  return {
    app,
    async close() {
      await app.stop();
      await database?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

for (const engine of testEngines())
  for (const mode of ['compact', 'full'] as const)
    describe(`request logs carry no credentials [${engine}, ${mode}]`, () => {
      const log = new CapturedLog();
      let app: HuiliuApp;
      let close: () => Promise<void>;
      beforeAll(async () => {
        ({ app, close } = await appWithLog(engine, mode, log));
      });
      afterAll(async () => close?.());

      it('logs login, token exchange, bearer and plugin calls without a cookie, CSRF token, secret or token value', async () => {
        const tenant = await createTenant(app);
        const anonymous = new Client(app.server);
        const wrong = await anonymous.request('POST', '/api/v1/auth/login', { email: tenant.email, password: 'Wrong-guess-77' });
        expect(wrong.statusCode).toBe(401);

        // Login: the answer sets the session cookie and hands out the CSRF token.
        const login = await app.server.inject({
          method: 'POST',
          url: '/api/v1/auth/login',
          payload: { email: tenant.email, password: tenant.password },
          headers: { 'user-agent': 'log-test' },
        });
        expect(login.statusCode).toBe(200);
        const cookie = String(login.headers['set-cookie']).split(';')[0]!;
        const sessionValue = cookie.split('=')[1]!;
        const csrfToken = JSON.parse(login.payload).csrfToken as string;
        expect(sessionValue.length).toBeGreaterThan(20);

        // Cookie + CSRF calls.
        const session = await app.server.inject({ method: 'GET', url: '/api/v1/auth/session', headers: { cookie } });
        expect(session.statusCode).toBe(200);
        const created = await app.server.inject({
          method: 'POST',
          url: '/api/v1/apps',
          payload: { name: 'log test' },
          headers: { cookie, 'x-csrf-token': csrfToken },
        });
        expect(created.statusCode).toBe(201);
        const { app: apiApp, appSecret } = JSON.parse(created.payload) as { app: { appKey: string }; appSecret: string };

        // Token exchange, then bearer calls: a core route, a console-only route, plugin routes, a collect-side check.
        const issued = await anonymous.request('POST', '/api/v1/auth/token', { appKey: apiApp.appKey, appSecret });
        expect(issued.statusCode).toBe(200);
        const accessToken = issued.body.accessToken as string;
        const bearer = Client.app(app.server, accessToken);
        expect((await bearer.request('GET', '/api/v1/tenant')).statusCode).toBe(200);
        expect((await bearer.request('GET', '/api/v1/apps')).statusCode).toBe(403);
        const channel = await bearer.request('POST', '/api/v1/channels', { type: 'custom', name: 'web' });
        expect(channel.statusCode).toBe(201);
        const site = await bearer.request('POST', `/api/v1/p/custom-channel/channels/${channel.body.id}/apps`, {
          platform: 'web',
          name: 'site',
          domain: 'shop.example.com',
        });
        expect(site.statusCode).toBe(201);
        const check = await anonymous.request('GET', `/api/v1/p/custom-channel/write-keys/${site.body.writeKey}`);
        expect(check.statusCode).toBe(200);
        // A secret passed in a query string (as swagger UI's `access_token`) stays out too.
        await app.server.inject({ method: 'GET', url: `/api/v1/tenant?access_token=${accessToken}` });

        const text = log.text;
        const requestLines = log.entries().filter((entry) => entry.req && entry.res);
        expect(requestLines.length).toBeGreaterThanOrEqual(10);
        for (const secret of [sessionValue, csrfToken, appSecret, accessToken, tenant.password, 'Wrong-guess-77']) {
          expect(text.includes(secret), `the log holds ${secret.slice(0, 6)}…`).toBe(false);
        }
        expect(text).toContain('POST /api/v1/auth/login 200');
        expect(text).toContain('POST /api/v1/auth/token 200');
        for (const line of requestLines) {
          // Request ids without the hostname and pid.
          expect(line.req.id).toMatch(/^\d+:[0-9a-f]{6}:\d+$/);
          expect(line.req.id).not.toContain(os.hostname());
          expect(line.req.id.split(':')).not.toContain(String(process.pid));
          expect(JSON.stringify(line)).not.toMatch(/authorization|cookie|x-csrf-token/i);
          if (mode === 'compact') expect(Object.keys(line.req).sort()).toEqual(['id', 'method', 'path']);
          else expect(line.req.headers).toBeTypeOf('object');
        }
        if (mode === 'full') expect(requestLines.some((line) => line.req.headers['user-agent'] === 'log-test')).toBe(true);
        // The answer's request id is the log line's.
        expect(requestLines.map((line) => line.req.id)).toContain(wrong.body.requestId);
      });
    });
