import { expect, it } from 'vitest';
import { setupServiceRef } from '../src/modules/setup/setup.service.js';
import { tenantServiceRef } from '../src/modules/tenancy/tenant.service.js';
import { Client, createTenant, describeEngines } from './support/test-app.js';

describeEngines('tenant settings', (ctx) => {
  it('defaults the time zone to Asia/Shanghai', async () => {
    const tenant = await createTenant(ctx.app);
    const client = await Client.staff(ctx.app.server, tenant.email, tenant.password);
    const res = await client.request('GET', '/api/v1/tenant');
    expect(res.body).toMatchObject({ id: tenant.tenantId, timeZone: 'Asia/Shanghai', firstEventAt: null, status: 'active' });
  });

  it('rejects an unknown time zone and an empty patch', async () => {
    const tenant = await createTenant(ctx.app);
    const client = await Client.staff(ctx.app.server, tenant.email, tenant.password);
    const zone = await client.request('PATCH', '/api/v1/tenant', { timeZone: 'Asia/Nowhere' });
    expect(zone.statusCode).toBe(400);
    expect(zone.body.code).toBe('time_zone_invalid');
    const empty = await client.request('PATCH', '/api/v1/tenant', {});
    expect(empty.statusCode).toBe(400);
    expect(empty.body.code).toBe('validation_failed');
  });

  it('changes the time zone only until the first event arrives', async () => {
    const tenant = await createTenant(ctx.app);
    const client = await Client.staff(ctx.app.server, tenant.email, tenant.password);
    const changed = await client.request('PATCH', '/api/v1/tenant', { timeZone: 'Asia/Tokyo', name: '新名字' });
    expect(changed.statusCode).toBe(200);
    expect(changed.body).toMatchObject({ timeZone: 'Asia/Tokyo', name: '新名字' });

    await ctx.app.service(tenantServiceRef).markFirstEvent(tenant.tenantId, Date.now());
    const locked = await client.request('PATCH', '/api/v1/tenant', { timeZone: 'Asia/Shanghai' });
    expect(locked.statusCode).toBe(409);
    expect(locked.body.code).toBe('time_zone_locked');
    const renamed = await client.request('PATCH', '/api/v1/tenant', { name: '还能改名', timeZone: 'Asia/Tokyo' });
    expect(renamed.statusCode).toBe(200);
    expect(renamed.body).toMatchObject({ name: '还能改名', timeZone: 'Asia/Tokyo' });
    expect(renamed.body.firstEventAt).toBeGreaterThan(0);
  });

  it('refuses a second staff member with an email already used in another tenant', async () => {
    const first = await createTenant(ctx.app);
    await expect(
      ctx.app.service(setupServiceRef).createWithSuperStaff({
        tenantName: 'dup',
        staff: { email: first.email.toUpperCase(), name: 'x', password: 'Other-pass-1' },
      }),
    ).rejects.toMatchObject({ code: 'email_taken', statusCode: 409 });
    // The failed creation left no tenant behind.
    const names = await ctx.app.oltp.knex('tenant').where({ name: 'dup' });
    expect(names).toHaveLength(0);
  });
});

describeEngines('home page', (ctx) => {
  it('shows the version, the tenant and its usage numbers', async () => {
    const tenant = await createTenant(ctx.app, { name: '首页租户' });
    const client = await Client.staff(ctx.app.server, tenant.email, tenant.password);
    await client.request('POST', '/api/v1/apps', { name: 'a' });
    await client.request('POST', '/api/v1/apps', { name: 'b' });
    const res = await client.request('GET', '/api/v1/home');
    expect(res.statusCode).toBe(200);
    expect(res.body.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(res.body.tenant.name).toBe('首页租户');
    expect(res.body.counts).toEqual([
      { key: 'connections', value: 0 },
      { key: 'staff', value: 1 },
      { key: 'apps', value: 2 },
    ]);
  });

  it('needs a login', async () => {
    const res = await new Client(ctx.app.server).request('GET', '/api/v1/home');
    expect(res.statusCode).toBe(401);
  });
});
