import { expect, it } from 'vitest';
import { coreMigrations } from '../src/store/oltp/migrations/index.js';
import { isUniqueViolation } from '../src/store/oltp/oltp-store.js';
import { createTenant, describeEngines } from './support/test-app.js';

describeEngines('OLTP store', (ctx) => {
  it('confines TenantDb queries and inserts to their tenant', async () => {
    const a = await createTenant(ctx.app);
    const b = await createTenant(ctx.app);
    const rowsA = await ctx.app.oltp.forTenant(a.tenantId).from('staff').select('id', 'tenant_id');
    expect(rowsA.map((r: any) => String(r.id))).toEqual([a.staffId]);
    expect(rowsA.every((r: any) => String(r.tenant_id) === a.tenantId)).toBe(true);
    const appId = await ctx.app.oltp.forTenant(b.tenantId).insert('api_app', {
      name: 'x',
      app_key: `ak_test_${Date.now()}`,
      secret_hash: 'h',
      status: 'enabled',
      created_at: 1,
      updated_at: 1,
    });
    expect(await ctx.app.oltp.forTenant(a.tenantId).from('api_app').where('api_app.id', appId).first()).toBeUndefined();
    expect(String((await ctx.app.oltp.forTenant(b.tenantId).from('api_app').where('api_app.id', appId).first()).tenant_id)).toBe(
      b.tenantId,
    );
  });

  it('compares identifier columns case-sensitively on both engines', async () => {
    const a = await createTenant(ctx.app);
    const db = ctx.app.oltp.forTenant(a.tenantId);
    const key = `ak_Case_${Date.now()}`;
    await db.insert('api_app', { name: 'x', app_key: key, secret_hash: 'h', status: 'enabled', created_at: 1, updated_at: 1 });
    expect(await db.from('api_app').where('api_app.app_key', key.toLowerCase()).first()).toBeUndefined();
    // The lower-cased key is a different identifier, so it may coexist.
    await db.insert('api_app', {
      name: 'y',
      app_key: key.toLowerCase(),
      secret_hash: 'h',
      status: 'enabled',
      created_at: 1,
      updated_at: 1,
    });
    const error = await db
      .insert('api_app', { name: 'z', app_key: key, secret_hash: 'h', status: 'enabled', created_at: 1, updated_at: 1 })
      .catch((e: unknown) => e);
    expect(isUniqueViolation(error)).toBe(true);
  });

  it('rolls a failed transaction back completely', async () => {
    const a = await createTenant(ctx.app);
    const db = ctx.app.oltp.forTenant(a.tenantId);
    await expect(
      db.transaction(async (tx) => {
        await tx.insert('api_app', {
          name: 'half',
          app_key: `ak_half_${Date.now()}`,
          secret_hash: 'h',
          status: 'enabled',
          created_at: 1,
          updated_at: 1,
        });
        throw new Error('crash mid-way');
      }),
    ).rejects.toThrow('crash mid-way');
    expect(await db.from('api_app').where('api_app.name', 'half').first()).toBeUndefined();
  });

  it('runs the migrations down and up again', async () => {
    await ctx.app.oltp.rollbackAll(coreMigrations);
    expect(await ctx.app.oltp.knex.schema.hasTable('tenant')).toBe(false);
    expect(await ctx.app.oltp.migrate(coreMigrations)).toEqual(coreMigrations.map((m) => m.name));
    expect(await ctx.app.oltp.knex.schema.hasTable('api_token')).toBe(true);
    expect(await ctx.app.oltp.migrate(coreMigrations)).toEqual([]);
  });
});
