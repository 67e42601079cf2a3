import type { OltpMigration } from './types.js';

/**
 * Task retention: the worker deletes finished tasks by `finished_at` every hour (ADR 0010); this
 * index keeps that from scanning the whole table. (Fencing needs no column: a claim's lease is its
 * owner plus the attempt number, which every claim increments.)
 */
export const jobsRetention: OltpMigration = {
  name: '0005_jobs_retention',
  async up(knex) {
    await knex.schema.alterTable('task', (t) => {
      t.index(['finished_at'], 'task_finished_at_index');
    });
  },
  async down(knex) {
    await knex.schema.alterTable('task', (t) => {
      t.dropIndex(['finished_at'], 'task_finished_at_index');
    });
  },
};
