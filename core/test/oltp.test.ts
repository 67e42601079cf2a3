import { describe, expect, it } from 'vitest';
import { coreMigrations } from '../src/store/oltp/migrations/index.js';
import { isUniqueViolation } from '../src/store/oltp/oltp-store.js';
import { TenantScopeError } from '../src/store/oltp/tenant-query.js';
import { createTenant, describeEngines } from './support/test-app.js';

let sequence = 0;
const appRow = (name: string) => ({
  name,
  app_key: `ak_scope_${process.pid}_${Date.now()}_${(sequence += 1)}`,
  secret_hash: 'h',
  status: 'enabled',
  created_at: 1,
  updated_at: 1,
});

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

  describe('a tenant-scoped query cannot be widened', () => {
    /** Two tenants with one app each; `mine` is tenant a's db. */
    const twoTenants = async () => {
      const a = await createTenant(ctx.app);
      const b = await createTenant(ctx.app);
      const mine = ctx.app.oltp.forTenant(a.tenantId);
      const myApp = await mine.insert('api_app', appRow('mine'));
      const theirApp = await ctx.app.oltp.forTenant(b.tenantId).insert('api_app', appRow('theirs'));
      return { a, b, mine, myApp, theirApp };
    };
    const ids = (rows: any[]) => rows.map((r) => String(r.id)).sort();

    it('refuses clearWhere() and clear("where")', async () => {
      const { mine } = await twoTenants();
      expect(() => mine.from('api_app').clearWhere()).toThrow(TenantScopeError);
      expect(() => mine.from('api_app').where('api_app.name', 'x').clearWhere()).toThrow(
        'A tenant-scoped query on "api_app": clearWhere() would remove the tenant condition',
      );
      expect(() => mine.from('api_app').clear('where')).toThrow("clear('where') would remove the tenant condition");
      // Clearing something harmless still works.
      expect(ids(await mine.from('api_app').orderBy('api_app.id').clear('order'))).toHaveLength(1);
    });

    it('refuses switching to another table later (from, table, into, fromRaw, withSchema)', async () => {
      const { mine } = await twoTenants();
      expect(() => mine.from('api_app').from('staff')).toThrow(
        'A tenant-scoped query on "api_app": from("staff") would switch to another table',
      );
      expect(() => mine.from('api_app').table('staff')).toThrow('table("staff") would switch to another table');
      expect(() => mine.from('api_app').into('staff')).toThrow('into("staff") would switch to another table');
      expect(() => mine.from('api_app').fromRaw('staff')).toThrow('fromRaw() would switch to another table');
      expect(() => mine.from('api_app').withSchema('mysql')).toThrow('withSchema() would switch to another database');
      // Naming the same table again is harmless.
      expect(await mine.from('api_app').from('api_app')).toHaveLength(1);
    });

    it('keeps the tenant condition AND-ed to orWhere, .or and raw conditions', async () => {
      const { mine, myApp, theirApp } = await twoTenants();
      expect(ids(await mine.from('api_app').where('api_app.id', myApp).orWhere('api_app.id', theirApp))).toEqual([myApp]);
      expect(ids(await mine.from('api_app').orWhere('api_app.id', theirApp))).toEqual([]);
      expect(ids(await mine.from('api_app').where('api_app.id', -1).or.where('api_app.id', theirApp))).toEqual([]);
      expect(ids(await mine.from('api_app').whereRaw('1 = 1 or 1 = 1'))).toEqual([myApp]);
      expect(ids(await mine.from('api_app').where({ 'api_app.id': theirApp }).orWhereNotNull('api_app.id'))).toEqual([myApp]);
      // An update and a delete through orWhere stay in the tenant too.
      await mine.from('api_app').where('api_app.id', -1).orWhere('api_app.id', theirApp).update({ name: 'hijacked' });
      await mine.from('api_app').where('api_app.id', -1).orWhere('api_app.id', theirApp).delete();
      const theirs = await ctx.app.oltp.knex('api_app').where('id', theirApp).first();
      expect(theirs.name).toBe('theirs');
      // What the caller wrote keeps knex's meaning inside its group: a OR (b AND c).
      const { sql } = mine.from('api_app').where('api_app.id', 1).orWhere('api_app.id', 2).where('api_app.name', 'x').toSQL();
      expect(sql.replace(/[`"]/g, '')).toContain(
        'where api_app.tenant_id = ? and (api_app.id = ? or api_app.id = ? and api_app.name = ?)',
      );
    });

    it('stays scoped when cloned, reached through .and, or used as a sub-query', async () => {
      const { mine, myApp, theirApp } = await twoTenants();
      const base = mine.from('api_app').where('api_app.id', myApp);
      expect(ids(await base.clone().orWhere('api_app.id', theirApp))).toEqual([myApp]);
      expect(ids(await base.and.orWhere('api_app.id', theirApp))).toEqual([myApp]);
      const sub = mine.from('api_app').select('api_app.id').where('api_app.id', myApp).orWhere('api_app.id', theirApp);
      expect(ids(await ctx.app.oltp.knex('api_app').whereIn('id', sub))).toEqual([myApp]);
    });

    it('refuses CTEs and set operations', async () => {
      const { mine } = await twoTenants();
      const other = ctx.app.oltp.knex('api_app').select('*');
      expect(() => mine.from('api_app').union(other)).toThrow('union() would add rows that are not confined to the tenant');
      expect(() => mine.from('api_app').unionAll([other])).toThrow('unionAll()');
      expect(() => mine.from('api_app').with('x', other)).toThrow('with() would add a query that is not confined to the tenant');
      expect(() => mine.from('api_app').withRecursive('x', other)).toThrow('withRecursive()');
    });

    it('refuses sub-queries that are not tenant-scoped: callbacks and plain builders in whereIn/whereExists/select', async () => {
      const { mine, myApp, theirApp } = await twoTenants();
      expect(() =>
        mine.from('api_app').whereExists(function (this: any) {
          this.select('*').from('staff');
        }),
      ).toThrow('whereExists() with a sub-query callback cannot be confined to the tenant');
      expect(() =>
        mine.from('api_app').whereIn('api_app.id', function (this: any) {
          this.select('id').from('api_app');
        }),
      ).toThrow(TenantScopeError);
      expect(() => mine.from('api_app').whereIn('api_app.id', ctx.app.oltp.knex('api_app').select('id'))).toThrow(
        'whereIn() with a sub-query that is not tenant-scoped',
      );
      expect(() => mine.from('api_app').where('api_app.id', ctx.app.oltp.knex('api_app').max('id'))).toThrow(TenantScopeError);
      // A scoped sub-query is fine, and still confined: the other tenant's app is not found through it.
      const sub = mine.from('api_app').select('api_app.id').whereIn('api_app.id', [myApp, theirApp]);
      expect(ids(await mine.from('api_app').whereIn('api_app.id', sub))).toEqual([myApp]);
      // where() callbacks only group conditions.
      expect(ids(await mine.from('api_app').where((q) => q.where('api_app.id', myApp).orWhere('api_app.id', theirApp)))).toEqual([
        myApp,
      ]);
    });

    it('never moves a row to another tenant through a differently written tenant column, nor upserts', async () => {
      const { b, mine } = await twoTenants();
      for (const key of ['TENANT_ID', 'Tenant_Id', 'api_app.TENANT_ID', '"tenant_id"']) {
        expect(() => mine.from('api_app').update({ [key]: b.tenantId }), key).toThrow(
          'a row of another tenant cannot be written',
        );
      }
      expect(() => mine.from('api_app').update('TENANT_ID', b.tenantId)).toThrow('the tenant of a row cannot be changed');
      expect(() => mine.from('api_app').insert(appRow('x')).onConflict('app_key')).toThrow('onConflict()');
    });

    it('stamps inserts through the builder with the tenant and never moves a row to another tenant', async () => {
      const { a, b, mine } = await twoTenants();
      await mine.from('api_app').insert(appRow('via builder'));
      expect(String((await mine.from('api_app').where('api_app.name', 'via builder').first()).tenant_id)).toBe(a.tenantId);
      expect(() => mine.from('api_app').insert({ ...appRow('theirs'), tenant_id: b.tenantId })).toThrow(
        'a row of another tenant cannot be written',
      );
      expect(() => mine.from('api_app').update({ tenant_id: b.tenantId })).toThrow('a row of another tenant cannot be written');
      expect(() => mine.from('api_app').update('tenant_id', b.tenantId)).toThrow('the tenant of a row cannot be changed');
      expect(() => mine.from('api_app').increment('api_app.tenant_id', 1)).toThrow('the tenant of a row cannot be changed');
    });

    it('with a table allow-list (a plugin), refuses joins to other tables, raw joins and joins to sub-queries', async () => {
      const { a, myApp } = await twoTenants();
      const allowTable = (table: string) => {
        if (table !== 'api_app') throw new Error(`not allowed: ${table}`);
      };
      const confined = ctx.app.oltp.forTenant(a.tenantId, allowTable);
      expect(() => confined.from('staff')).toThrow('not allowed: staff');
      expect(() => confined.from('api_app').join('staff', 'staff.id', 'api_app.created_by')).toThrow('not allowed: staff');
      expect(() => confined.from('api_app').leftJoin('staff as s', 's.id', 'api_app.id')).toThrow('not allowed: staff');
      expect(() => confined.from('api_app').innerJoin({ s: 'staff' }, 's.id', 'api_app.id')).toThrow('not allowed: staff');
      expect(() => confined.from('api_app').joinRaw('join staff on staff.id = api_app.id')).toThrow(
        'joinRaw() cannot be checked against the tables this caller may use',
      );
      expect(() => confined.from('api_app').join(ctx.app.oltp.knex('staff').as('s'), 's.id', 'api_app.id')).toThrow(
        'a join to a sub-query or raw SQL cannot be checked',
      );
      // A join to an allowed table works.
      const rows = await confined.from('api_app').join('api_app as twin', 'twin.id', 'api_app.id').select('api_app.id');
      expect(ids(rows)).toEqual([myApp]);
    });
  });

  it('runs the migrations down and up again', async () => {
    await ctx.app.oltp.rollbackAll(coreMigrations);
    expect(await ctx.app.oltp.knex.schema.hasTable('tenant')).toBe(false);
    expect(await ctx.app.oltp.migrate(coreMigrations)).toEqual(coreMigrations.map((m) => m.name));
    expect(await ctx.app.oltp.knex.schema.hasTable('api_token')).toBe(true);
    expect(await ctx.app.oltp.migrate(coreMigrations)).toEqual([]);
  });
});
