import { expect, it } from 'vitest';
import { olap } from '../../src/store/oltp/migrations/0004_olap.js';
import { OltpSchemaVersionStore } from '../../src/store/olap/schema-versions.js';
import { isUniqueViolation } from '../../src/store/oltp/oltp-store.js';
import { describeOltpEngines, insertTenant, sampleDeclaration } from './support.js';

describeOltpEngines('OLAP schema versions in OLTP', (ctx) => {
  it('refuses a second row with the same tenant and version', async () => {
    const tenantId = await insertTenant(ctx.fixture.oltp);
    const row = { version: 1, checksum: 'x'.repeat(64), declaration: '{}', applied_at: 1 };
    await ctx.fixture.oltp.forTenant(tenantId).insert('olap_schema', row);
    const error = await ctx.fixture.oltp
      .forTenant(tenantId)
      .insert('olap_schema', row)
      .catch((e: unknown) => e);
    expect(isUniqueViolation(error)).toBe(true);
  });

  it('numbers versions per tenant and returns the latest of every tenant', async () => {
    const store = new OltpSchemaVersionStore(ctx.fixture.oltp);
    const a = await insertTenant(ctx.fixture.oltp);
    const b = await insertTenant(ctx.fixture.oltp);
    await store.record(a, sampleDeclaration(), 10);
    await store.record(a, sampleDeclaration({ timeZone: 'Asia/Tokyo' }), 20);
    await store.record(b, sampleDeclaration(), 30);
    expect(await store.latest(a)).toMatchObject({
      tenantId: a,
      version: 2,
      appliedAt: 20,
      declaration: { timeZone: 'Asia/Tokyo' },
    });
    const latest = (await store.latestOfEveryTenant()).filter((r) => r.tenantId === a || r.tenantId === b);
    expect(latest.map((r) => [r.tenantId, r.version])).toEqual([
      [a, 2],
      [b, 1],
    ]);
    // A large declaration (hundreds of properties) fits the column on both engines.
    const big = sampleDeclaration({
      eventProperties: Array.from({ length: 800 }, (_, i) => ({
        id: String(i + 1),
        name: `property_number_${i}`,
        type: 'string' as const,
      })),
    });
    expect((await store.record(b, big, 40)).version).toBe(2);
    expect((await store.latest(b))?.declaration.eventProperties).toHaveLength(800);
  });

  it("deletes a tenant's schema versions with the tenant", async () => {
    const store = new OltpSchemaVersionStore(ctx.fixture.oltp);
    const tenantId = await insertTenant(ctx.fixture.oltp);
    await store.record(tenantId, sampleDeclaration(), 1);
    await ctx.fixture.oltp.knex('tenant').where({ id: tenantId }).delete();
    expect(await store.latest(tenantId)).toBeUndefined();
  });

  it('migrates down and up again', async () => {
    await olap.down(ctx.fixture.oltp.knex);
    expect(await ctx.fixture.oltp.knex.schema.hasTable('olap_schema')).toBe(false);
    await olap.up(ctx.fixture.oltp.knex, ctx.fixture.oltp.columns);
    expect(await ctx.fixture.oltp.knex.schema.hasTable('olap_schema')).toBe(true);
  });
});
