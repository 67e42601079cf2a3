import { expect, it } from 'vitest';
import { errorMessages, locales } from '../src/server/messages.js';
import { Client, createTenant, describeEngines } from './support/test-app.js';

describeEngines('server', (ctx) => {
  it('answers /health and /ready with the OLTP store reachable', async () => {
    const client = new Client(ctx.app.server);
    expect((await client.request('GET', '/health')).body).toEqual({ status: 'ok' });
    const ready = await client.request('GET', '/ready');
    expect(ready.statusCode).toBe(200);
    expect(ready.body).toEqual({ status: 'ready', checks: { oltp: 'ok', olap: 'ok' } });
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

  it('serves the console’s index.html for client-side routes', async () => {
    const res = await ctx.app.server.inject({ method: 'GET', url: '/settings/apps' });
    // 200 with the built console, 503 with a build hint when the console is not built.
    expect([200, 503]).toContain(res.statusCode);
    if (res.statusCode === 200) expect(res.payload).toContain('<div id="root">');
    else expect(res.payload).toContain('npm run build');
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
    for (const route of ctx.app.server.table()) {
      if (!route.path.startsWith('/api/')) continue;
      expect(route.settings.plugins?.huiliu?.permission, route.path).toBeTruthy();
    }
  });
});

it('has a zh-CN and an en-US message for every error code', () => {
  for (const [code, messages] of Object.entries(errorMessages)) {
    expect(code).toMatch(/^[a-z]+(_[a-z]+)*$/);
    for (const locale of locales) expect((messages as Record<string, string>)[locale], `${code} ${locale}`).toBeTruthy();
  }
});
