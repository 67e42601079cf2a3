import { expect, it } from 'vitest';
import { Client, createTenant, describeEngines } from './support/test-app.js';

describeEngines('Open API apps and bearer tokens', (ctx) => {
  async function admin() {
    const tenant = await createTenant(ctx.app);
    return { tenant, client: await Client.staff(ctx.app.server, tenant.email, tenant.password) };
  }

  async function token(appKey: string, appSecret: string) {
    return new Client(ctx.app.server).request('POST', '/api/v1/auth/token', { appKey, appSecret });
  }

  it('rejects a blank app name with validation details', async () => {
    const { client } = await admin();
    const res = await client.request('POST', '/api/v1/apps', { name: '   ' });
    expect(res.statusCode).toBe(400);
    expect(res.body).toMatchObject({ code: 'validation_failed', details: [{ path: 'name', code: 'string.empty' }] });
  });

  it('creates an app whose secret is shown once and stored only hashed', async () => {
    const { tenant, client } = await admin();
    const res = await client.request('POST', '/api/v1/apps', { name: 'ERP 同步' });
    expect(res.statusCode).toBe(201);
    expect(res.body.app).toMatchObject({ name: 'ERP 同步', status: 'enabled', lastUsedAt: null });
    expect(res.body.app.appKey).toMatch(/^ak_[0-9a-f]{24}$/);
    const row = await ctx.app.oltp.forTenant(tenant.tenantId).from('api_app').where('api_app.id', res.body.app.id).first();
    expect(row.secret_hash).toMatch(/^\$argon2id\$/);
    expect(row.secret_hash).not.toContain(res.body.appSecret);
    const listed = await client.request('GET', '/api/v1/apps');
    expect(listed.body.total).toBe(1);
    expect(JSON.stringify(listed.body)).not.toContain(res.body.appSecret);
  });

  it('exchanges key and secret for a 7200 s bearer token that reaches Open API routes only', async () => {
    const { tenant, client } = await admin();
    const { app, appSecret } = (await client.request('POST', '/api/v1/apps', { name: 'crm' })).body;
    const wrong = await token(app.appKey, 'wrong-secret');
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body.code).toBe('app_credentials_invalid');
    const issued = await token(app.appKey, appSecret);
    expect(issued.statusCode).toBe(200);
    expect(issued.body).toMatchObject({ tokenType: 'Bearer', expiresIn: 7200 });

    const bearer = Client.app(ctx.app.server, issued.body.accessToken);
    const tenantRes = await bearer.request('GET', '/api/v1/tenant');
    expect(tenantRes.statusCode).toBe(200);
    expect(tenantRes.body.id).toBe(tenant.tenantId);
    // Console-only routes do not accept bearer tokens: 403 saying so, not 401 "please sign in".
    const consoleOnly = await bearer.request('GET', '/api/v1/apps');
    expect(consoleOnly.statusCode).toBe(403);
    expect(consoleOnly.body.code).toBe('console_only_route');
    expect((await client.request('GET', `/api/v1/apps/${app.id}`)).body.lastUsedAt).toBeGreaterThan(0);

    const garbage = await Client.app(ctx.app.server, 'not-a-token').request('GET', '/api/v1/tenant');
    expect(garbage.statusCode).toBe(401);
    expect(garbage.body.code).toBe('token_invalid');
  });

  it('revokes tokens when the secret is reset, the app disabled or deleted', async () => {
    const { client } = await admin();
    const { app, appSecret } = (await client.request('POST', '/api/v1/apps', { name: 'bi' })).body;
    const first = (await token(app.appKey, appSecret)).body.accessToken;
    const reset = await client.request('POST', `/api/v1/apps/${app.id}/secret`);
    expect(reset.statusCode).toBe(200);
    expect(reset.body.appSecret).not.toBe(appSecret);
    expect((await Client.app(ctx.app.server, first).request('GET', '/api/v1/tenant')).statusCode).toBe(401);
    expect((await token(app.appKey, appSecret)).statusCode).toBe(401);

    const second = (await token(app.appKey, reset.body.appSecret)).body.accessToken;
    const disabled = await client.request('PATCH', `/api/v1/apps/${app.id}`, { status: 'disabled' });
    expect(disabled.body.status).toBe('disabled');
    expect((await Client.app(ctx.app.server, second).request('GET', '/api/v1/tenant')).statusCode).toBe(401);
    const refused = await token(app.appKey, reset.body.appSecret);
    expect(refused.statusCode).toBe(403);
    expect(refused.body.code).toBe('app_disabled');

    await client.request('PATCH', `/api/v1/apps/${app.id}`, { status: 'enabled', name: 'BI 报表' });
    const third = (await token(app.appKey, reset.body.appSecret)).body.accessToken;
    expect((await client.request('DELETE', `/api/v1/apps/${app.id}`)).statusCode).toBe(204);
    expect((await Client.app(ctx.app.server, third).request('GET', '/api/v1/tenant')).statusCode).toBe(401);
    const gone = await client.request('GET', `/api/v1/apps/${app.id}`);
    expect(gone.statusCode).toBe(404);
    expect(gone.body.code).toBe('app_not_found');
  });

  it('treats an expired token as invalid', async () => {
    const { tenant, client } = await admin();
    const { app, appSecret } = (await client.request('POST', '/api/v1/apps', { name: 'old' })).body;
    const access = (await token(app.appKey, appSecret)).body.accessToken;
    await ctx.app.oltp
      .forTenant(tenant.tenantId)
      .from('api_token')
      .update({ expires_at: Date.now() - 1 });
    expect((await Client.app(ctx.app.server, access).request('GET', '/api/v1/tenant')).statusCode).toBe(401);
  });

  it('forbids normal staff from managing apps', async () => {
    const { tenant } = await admin();
    const now = Date.now();
    const { hashPassword } = await import('../src/lib/password.js');
    await ctx.app.oltp.forTenant(tenant.tenantId).insert('staff', {
      email: `staff.${now}@example.com`,
      name: '运营',
      password_hash: await hashPassword('Normal-pass-1'),
      is_super: false,
      status: 'enabled',
      created_at: now,
      updated_at: now,
    });
    const normal = await Client.staff(ctx.app.server, `staff.${now}@example.com`, 'Normal-pass-1');
    const res = await normal.request('GET', '/api/v1/apps');
    expect(res.statusCode).toBe(403);
    expect(res.body.code).toBe('forbidden');
    expect((await normal.request('GET', '/api/v1/home')).statusCode).toBe(200);
  });
});
