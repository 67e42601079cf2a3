import type { OltpMigration } from './types.js';

/**
 * Process-wide leases on the database clock. `analytics-owner` is held by the one process that has
 * the embedded DuckDB store open for this OLTP database (ADR 0013).
 */
export const processLease: OltpMigration = {
  name: '0007_process_lease',
  async up(knex, c) {
    await knex.schema.createTable('process_lease', (t) => {
      c.identifier(t, 'name', 64).primary();
      // host:pid:random — unique per holding process.
      c.identifier(t, 'holder', 191).notNullable();
      t.string('host', 255).notNullable();
      t.integer('pid').notNullable();
      // What the holder holds it for (e.g. its data directory), shown to a refused process.
      t.string('detail', 1024).nullable();
      c.epochMs(t, 'acquired_at').notNullable();
      c.epochMs(t, 'renewed_at').notNullable();
      c.epochMs(t, 'expires_at').notNullable();
    });
  },
  async down(knex) {
    await knex.schema.dropTableIfExists('process_lease');
  },
};
