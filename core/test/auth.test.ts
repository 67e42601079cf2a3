import { expect, it } from 'vitest';
import { authServiceRef } from '../src/modules/staff/auth.service.js';
import { Client, createTenant, describeEngines } from './support/test-app.js';

describeEngines('staff login and sessions', (ctx) => {
  it('rejects a wrong password and an unknown email alike, in the caller’s language', async () => {
    const tenant = await createTenant(ctx.app);
    const client = new Client(ctx.app.server);
    const wrong = await client.request('POST', '/api/v1/auth/login', { email: tenant.email, password: 'Wrong-pass-1' });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).toMatchObject({ code: 'invalid_credentials', message: '邮箱或密码错误' });
    expect(wrong.body.requestId).toBeTruthy();
    client.language = 'en-US,en;q=0.9';
    const unknown = await client.request('POST', '/api/v1/auth/login', { email: 'nobody@example.com', password: 'Wrong-pass-1' });
    expect(unknown.statusCode).toBe(401);
    expect(unknown.body).toMatchObject({ code: 'invalid_credentials', message: 'Wrong email or password' });
  });

  it('logs in by email case-insensitively, sets an HttpOnly cookie and returns the CSRF token', async () => {
    const tenant = await createTenant(ctx.app);
    const client = new Client(ctx.app.server);
    const res = await client.request('POST', '/api/v1/auth/login', {
      email: tenant.email.toUpperCase(),
      password: tenant.password,
    });
    expect(res.statusCode).toBe(200);
    expect(String(res.headers['set-cookie'])).toMatch(/huiliu_sid=.+HttpOnly.*SameSite=Lax/);
    expect(res.body.csrfToken).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(res.body.staff).toMatchObject({ id: tenant.staffId, isSuper: true });
    expect(res.body.permissions).toEqual(expect.arrayContaining(['settings.privateApps', 'staff.manage']));
    const session = await client.request('GET', '/api/v1/auth/session');
    expect(session.statusCode).toBe(200);
    expect(session.body.staff.lastLoginAt).toBeGreaterThan(0);
  });

  it('refuses a state-changing call without the CSRF header, and with a wrong one', async () => {
    const tenant = await createTenant(ctx.app);
    const client = await Client.staff(ctx.app.server, tenant.email, tenant.password);
    const missing = await client.request('POST', '/api/v1/apps', { name: 'x' }, { 'x-csrf-token': '' });
    expect(missing.statusCode).toBe(403);
    expect(missing.body.code).toBe('csrf_token_invalid');
    const wrong = await client.request('POST', '/api/v1/apps', { name: 'x' }, { 'x-csrf-token': 'forged' });
    expect(wrong.body.code).toBe('csrf_token_invalid');
    const apps = await client.request('GET', '/api/v1/apps');
    expect(apps.body.total).toBe(0);
  });

  it('ends the session on logout', async () => {
    const tenant = await createTenant(ctx.app);
    const client = await Client.staff(ctx.app.server, tenant.email, tenant.password);
    const cookieBefore = await client.request('GET', '/api/v1/auth/session');
    expect(cookieBefore.statusCode).toBe(200);
    const out = await client.request('POST', '/api/v1/auth/logout');
    expect(out.statusCode).toBe(204);
    const after = await client.request('GET', '/api/v1/auth/session');
    expect(after.statusCode).toBe(401);
    expect(after.body.code).toBe('unauthenticated');
  });

  it('refuses a disabled staff member and drops their live sessions', async () => {
    const tenant = await createTenant(ctx.app);
    const client = await Client.staff(ctx.app.server, tenant.email, tenant.password);
    await ctx.app.oltp.forTenant(tenant.tenantId).from('staff').where('staff.id', tenant.staffId).update({ status: 'disabled' });
    expect((await client.request('GET', '/api/v1/auth/session')).statusCode).toBe(401);
    const login = await new Client(ctx.app.server).request('POST', '/api/v1/auth/login', {
      email: tenant.email,
      password: tenant.password,
    });
    expect(login.statusCode).toBe(403);
    expect(login.body.code).toBe('staff_disabled');
  });

  it('treats an expired session as signed out', async () => {
    const tenant = await createTenant(ctx.app);
    const client = await Client.staff(ctx.app.server, tenant.email, tenant.password);
    await ctx.app.oltp
      .forTenant(tenant.tenantId)
      .from('staff_session')
      .update({ expires_at: Date.now() - 1 });
    expect((await client.request('GET', '/api/v1/auth/session')).statusCode).toBe(401);
  });

  it('changes the password, signing out other sessions but keeping this one', async () => {
    const tenant = await createTenant(ctx.app);
    const first = await Client.staff(ctx.app.server, tenant.email, tenant.password);
    const second = await Client.staff(ctx.app.server, tenant.email, tenant.password);
    const bad = await first.request('POST', '/api/v1/auth/password', {
      currentPassword: 'nope-1234',
      newPassword: 'Next-pass-456',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toMatchObject({
      code: 'current_password_wrong',
      message: '当前密码不正确',
      details: [{ path: 'currentPassword', code: 'current_password_wrong' }],
    });
    const weak = await first.request('POST', '/api/v1/auth/password', { currentPassword: tenant.password, newPassword: 'abc' });
    expect(weak.body.code).toBe('password_too_weak');
    const ok = await first.request('POST', '/api/v1/auth/password', {
      currentPassword: tenant.password,
      newPassword: 'Next-pass-456',
    });
    expect(ok.statusCode).toBe(204);
    expect((await first.request('GET', '/api/v1/auth/session')).statusCode).toBe(200);
    expect((await second.request('GET', '/api/v1/auth/session')).statusCode).toBe(401);
    await expect(Client.staff(ctx.app.server, tenant.email, tenant.password)).rejects.toThrow(/401/);
    await Client.staff(ctx.app.server, tenant.email, 'Next-pass-456');
  });

  it('stores passwords as argon2id hashes and session tokens only as hashes', async () => {
    const tenant = await createTenant(ctx.app);
    const client = new Client(ctx.app.server);
    const res = await client.request('POST', '/api/v1/auth/login', { email: tenant.email, password: tenant.password });
    const token = String(res.headers['set-cookie']).split(';')[0]!.split('=')[1]!;
    const db = ctx.app.oltp.forTenant(tenant.tenantId);
    const staff = await db.from('staff').where('staff.id', tenant.staffId).first();
    expect(staff.password_hash).toMatch(/^\$argon2id\$/);
    const sessions = await db.from('staff_session').select('token_hash');
    expect(sessions.length).toBeGreaterThan(0);
    for (const s of sessions) expect(token).not.toContain(s.token_hash);
    expect(ctx.app.service(authServiceRef).sessionTtlMs).toBe(7 * 24 * 3600_000);
  });
});

describeEngines('login throttling', (ctx) => {
  it('refuses further attempts for an email after 5 failures, even with the right password', async () => {
    const tenant = await createTenant(ctx.app);
    const client = new Client(ctx.app.server);
    for (let i = 0; i < 5; i += 1) {
      const res = await client.request('POST', '/api/v1/auth/login', { email: tenant.email, password: `Wrong-${i}-pass` });
      expect(res.statusCode).toBe(401);
    }
    const blocked = await client.request('POST', '/api/v1/auth/login', { email: tenant.email, password: tenant.password });
    expect(blocked.statusCode).toBe(429);
    expect(blocked.body.code).toBe('too_many_login_attempts');
    expect(blocked.body.message).toMatch(/15 分钟/);
    // Another staff member is not affected.
    const other = await createTenant(ctx.app);
    await Client.staff(ctx.app.server, other.email, other.password);
  });
});
