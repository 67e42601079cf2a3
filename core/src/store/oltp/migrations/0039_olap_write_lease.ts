import type { OltpMigration } from './types.js';

/**
 * Cross-process write leases of the scaled analytics store (StarRocks, ADR 0064 amendments
 * 2026-12-05): a row per held lease — `(tenant, name)` such as `group:12`, `tag:5`, `schema` — so
 * that a DELETE-then-load rewrite of one process never interleaves with another process's rewrite of
 * the same group version, tag run, dimension or with a declaration. `expires_at` lets a crashed
 * holder's lease be taken over; a live holder renews it. The embedded store (DuckDB) does not use it.
 */
export const olapWriteLease: OltpMigration = {
  name: '0039_olap_write_lease',
  async up(knex, c) {
    await knex.schema.createTable('olap_write_lease', (t) => {
      c.tenant(t);
      t.string('name', 100).notNullable();
      t.string('owner', 64).notNullable();
      c.epochMs(t, 'expires_at').notNullable();
      t.primary(['tenant_id', 'name']);
    });
  },
  async down(knex) {
    await knex.schema.dropTableIfExists('olap_write_lease');
  },
};
