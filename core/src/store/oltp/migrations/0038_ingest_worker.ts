import type { OltpMigration } from './types.js';

/**
 * The heartbeat of each ingest worker (ADR 0067): one row per live worker process, renewed on the
 * database clock. Scaled mode shares the 16 inbox partitions among the live workers — each holds at
 * most ceil(16 / live) — and a worker that holds no partition yet must still be counted, so liveness
 * cannot be read from the partition leases alone.
 */
export const ingestWorker: OltpMigration = {
  name: '0038_ingest_worker',
  async up(knex, c) {
    await knex.schema.createTable('ingest_worker', (t) => {
      c.identifier(t, 'holder', 191).primary();
      c.epochMs(t, 'expires_at').notNullable();
    });
  },
  async down(knex) {
    await knex.schema.dropTableIfExists('ingest_worker');
  },
};
