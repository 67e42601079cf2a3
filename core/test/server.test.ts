import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { PermissionRegistry } from '../src/kernel/permissions.js';
import { kernelServices } from '../src/kernel/services.js';
import { createServer } from '../src/server/server.js';
import { errorMessages, locales } from '../src/server/messages.js';
import { Client, createTenant, describeEngines } from './support/test-app.js';

describeEngines('server', (ctx) => {
  it('answers /health and /ready with the OLTP store reachable', async () => {
    const client = new Client(ctx.app.server);
    expect((await client.request('GET', '/health')).body).toEqual({ status: 'ok' });
    const ready = await client.request('GET', '/ready');
    expect(ready.statusCode).toBe(200);
    expect(ready.body).toEqual({ status: 'ready', checks: { oltp: 'ok', olap: 'ok' }, plugins: {} });
  });

  it('serves the OpenAPI document listing the API routes', async () => {
    const client = new Client(ctx.app.server);
    const doc = await client.request('GET', '/swagger.json');
    expect(doc.statusCode).toBe(200);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/api/v1/auth/login', '/api/v1/apps/{appId}', '/api/v1/home']),
    );
    expect((await client.request('GET', '/documentation')).statusCode).toBe(200);
  });

  it('answers an unknown API route with route_not_found in zh-CN by default and en-US on request', async () => {
    const client = new Client(ctx.app.server);
    const zh = await client.request('GET', '/api/v1/nothing-here');
    expect(zh.statusCode).toBe(404);
    expect(zh.body).toMatchObject({ statusCode: 404, code: 'route_not_found', message: '接口不存在' });
    client.language = 'en-US';
    const en = await client.request('GET', '/api/v1/nothing-here');
    expect(en.body.message).toBe('No such API route');
  });

  it('answers malformed JSON with invalid_json and an oversized body with payload_too_large', async () => {
    const client = new Client(ctx.app.server);
    const res = await ctx.app.server.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: '{"email":',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.payload).code).toBe('invalid_json');
    const big = await client.request('POST', '/api/v1/auth/login', { email: 'a@b.cn', password: 'x'.repeat(2 * 1024 * 1024) });
    expect(big.statusCode).toBe(413);
    expect(big.body.code).toBe('payload_too_large');
  });

  it('rejects an id that is not a number with validation_failed', async () => {
    const tenant = await createTenant(ctx.app);
    const client = await Client.staff(ctx.app.server, tenant.email, tenant.password);
    const res = await client.request('GET', '/api/v1/apps/abc');
    expect(res.statusCode).toBe(400);
    expect(res.body).toMatchObject({ code: 'validation_failed', details: [{ path: 'appId', code: 'string.pattern.name' }] });
  });

  it('makes every service that core modules provide (a broken wiring fails here, not at first use)', () => {
    const ids = ctx.app.kernel.providedServiceIds();
    expect(ids).toEqual(
      expect.arrayContaining(['tenancy.tenants', 'staff.auth', 'tasks.queue', 'schedule.scheduler', 'core.files']),
    );
    for (const id of ids) expect(ctx.app.kernel.resolveAsKernel(id), id).toBeTruthy();
  });

  it('declares a known permission on every API route', () => {
    const permissions = ctx.app.service(kernelServices.permissions);
    const routes = ctx.app.server.table().filter((route) => /^\/(api|v1)\//.test(route.path));
    expect(routes.length).toBeGreaterThan(20);
    const undeclared = routes
      .map((route) => `${route.method.toUpperCase()} ${route.path}: ${route.settings.plugins?.huiliu?.permission}`)
      .filter((line) => !permissions.isKnown(line.slice(line.lastIndexOf(': ') + 2)));
    expect(undeclared).toEqual([]);
  });
});

it('has a zh-CN and an en-US message for every error code', () => {
  for (const [code, messages] of Object.entries(errorMessages)) {
    expect(code).toMatch(/^[a-z]+(_[a-z]+)*$/);
    for (const locale of locales) expect((messages as Record<string, string>)[locale], `${code} ${locale}`).toBeTruthy();
  }
});

describe('the console', () => {
  /** A server with no API routes, serving the console from `consoleDir`. */
  const serverFor = (consoleDir: string, sdkDir?: string) =>
    createServer({
      host: '127.0.0.1',
      port: 0,
      version: '0.0.0',
      logger: pino({ level: 'silent' }),
      consoleDir,
      sdkDir,
      strictResponses: true,
      routes: [],
      auth: {
        cookiePassword: 'x'.repeat(43),
        secureCookies: false,
        sessionTtlMs: 1000,
        permissions: new PermissionRegistry(),
        principalForSession: async () => null,
        principalForToken: async () => null,
      },
    });

  it('serves index.html for client-side routes and built assets as they are', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'huiliu-console-'));
    writeFileSync(path.join(dir, 'index.html'), '<!doctype html><div id="root"></div>');
    mkdirSync(path.join(dir, 'assets'));
    writeFileSync(path.join(dir, 'assets', 'app.js'), 'console.log(1)');
    const server = await serverFor(dir);
    const page = await server.inject({ method: 'GET', url: '/settings/apps' });
    expect(page.statusCode).toBe(200);
    expect(page.payload).toContain('<div id="root">');
    expect(page.headers['cache-control']).toBe('no-cache');
    const asset = await server.inject({ method: 'GET', url: '/assets/app.js' });
    expect(asset.payload).toBe('console.log(1)');
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const api = await server.inject({ method: 'GET', url: '/api/v1/nothing-here' });
    expect(JSON.parse(api.payload).code).toBe('route_not_found');
  });

  it('answers 503 with a build hint while the console is not built', async () => {
    const server = await serverFor(mkdtempSync(path.join(os.tmpdir(), 'huiliu-console-')));
    const res = await server.inject({ method: 'GET', url: '/settings/apps' });
    expect(res.statusCode).toBe(503);
    expect(res.payload).toContain('npm run build');
  });

  it('serves the web SDK to any site at /sdk/huiliu.min.js: JavaScript, CORS, a day of cache, revalidated by ETag', async () => {
    const consoleDir = mkdtempSync(path.join(os.tmpdir(), 'huiliu-console-'));
    writeFileSync(path.join(consoleDir, 'index.html'), '<!doctype html><div id="root"></div>');
    const sdkDir = mkdtempSync(path.join(os.tmpdir(), 'huiliu-sdk-'));
    writeFileSync(path.join(sdkDir, 'huiliu.min.js'), 'window.huiliu={}');
    const server = await serverFor(consoleDir, sdkDir);
    const res = await server.inject({
      method: 'GET',
      url: '/sdk/huiliu.min.js?token=abc',
      headers: { origin: 'https://shop.example.com' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.payload).toBe('window.huiliu={}');
    expect(res.headers['content-type']).toBe('application/javascript; charset=utf-8');
    expect(res.headers['cache-control']).toBe('public, max-age=86400');
    expect(res.headers['access-control-allow-origin']).toBe('https://shop.example.com');
    expect(res.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(res.headers['set-cookie']).toBeUndefined();
    const etag = res.headers.etag as string;
    expect(etag).toBeTruthy();
    const again = await server.inject({ method: 'GET', url: '/sdk/huiliu.min.js', headers: { 'if-none-match': etag } });
    expect(again.statusCode).toBe(304);
    // Only the SDK's builds; the ESM build not built yet answers 503 with a hint.
    expect((await server.inject({ method: 'GET', url: '/sdk/other.js' })).statusCode).toBe(404);
    const missing = await server.inject({ method: 'GET', url: '/sdk/huiliu.esm.js' });
    expect(missing.statusCode).toBe(503);
    expect(missing.payload).toContain('npm run build');
    // Without an SDK directory there is no SDK route: the console's fallback answers.
    const bare = await serverFor(consoleDir);
    expect((await bare.inject({ method: 'GET', url: '/sdk/huiliu.min.js' })).payload).toContain('<div id="root">');
  });
});
