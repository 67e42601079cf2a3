import { describe, expect, it } from 'vitest';
import { setupServiceRef } from '../src/modules/setup/setup.service.js';
import { Client, describeEngines } from './support/test-app.js';

describeEngines('first-run setup', (ctx) => {
  const body = (overrides: Record<string, unknown> = {}) => ({
    setupToken: ctx.app.setupToken,
    tenantName: '示例租户',
    timeZone: 'Asia/Shanghai',
    name: '管理员',
    email: 'Owner@Example.com',
    password: 'First-pass-1',
    ...overrides,
  });

  it('reports setup as needed and issues a token while no tenant exists', async () => {
    const res = await new Client(ctx.app.server).request('GET', '/api/v1/setup');
    expect(res.statusCode).toBe(200);
    expect(res.body).toEqual({ needed: true });
    expect(ctx.app.setupToken).toMatch(/^[A-Za-z0-9_-]{20,}$/);
  });

  it('rejects a wrong setup token with setup_token_invalid', async () => {
    const res = await new Client(ctx.app.server).request('POST', '/api/v1/setup', body({ setupToken: 'wrong' }));
    expect(res.statusCode).toBe(403);
    expect(res.body.code).toBe('setup_token_invalid');
  });

  it('rejects a weak password, an unknown time zone and a bad email with field details', async () => {
    const client = new Client(ctx.app.server);
    const weak = await client.request('POST', '/api/v1/setup', body({ password: 'short' }));
    expect(weak.statusCode).toBe(400);
    expect(weak.body.code).toBe('password_too_weak');
    expect(weak.body.message).toContain('8');
    const zone = await client.request('POST', '/api/v1/setup', body({ timeZone: 'Mars/Base' }));
    expect(zone.statusCode).toBe(400);
    expect(zone.body).toMatchObject({ code: 'time_zone_invalid', details: [{ path: 'timeZone', code: 'time_zone_invalid' }] });
    const mail = await client.request('POST', '/api/v1/setup', body({ email: 'not-an-email' }));
    expect(mail.statusCode).toBe(400);
    expect(mail.body).toMatchObject({ code: 'validation_failed', details: [{ path: 'email', code: 'string.email' }] });
    // Nothing was half-created by the failures.
    expect((await client.request('GET', '/api/v1/setup')).body).toEqual({ needed: true });
  });

  it('creates the tenant and its super staff, who can then log in', async () => {
    const client = new Client(ctx.app.server);
    const res = await client.request('POST', '/api/v1/setup', body());
    expect(res.statusCode).toBe(201);
    expect(res.body.tenant).toMatchObject({ name: '示例租户', timeZone: 'Asia/Shanghai', firstEventAt: null });
    expect(res.body.staff).toMatchObject({ email: 'owner@example.com', name: '管理员', isSuper: true, status: 'enabled' });
    expect((await client.request('GET', '/api/v1/setup')).body).toEqual({ needed: false });

    const staff = await Client.staff(ctx.app.server, 'owner@example.com', 'First-pass-1');
    const session = await staff.request('GET', '/api/v1/auth/session');
    expect(session.statusCode).toBe(200);
    expect(session.body.tenant.name).toBe('示例租户');
  });

  it('refuses a second setup once a tenant exists', async () => {
    const res = await new Client(ctx.app.server).request('POST', '/api/v1/setup', body({ email: 'other@example.com' }));
    expect(res.statusCode).toBe(409);
    expect(res.body.code).toBe('setup_already_done');
  });
});

describe('setup token', () => {
  it('is not issued when a tenant already exists at start', async () => {
    const { createTestApp, createTenant } = await import('./support/test-app.js');
    const app = await createTestApp('sqlite');
    try {
      await createTenant(app);
      expect(await app.service(setupServiceRef).prepare()).toBeUndefined();
    } finally {
      await app.close();
    }
  });
});
