import type { OltpMigration } from './types.js';

/** Durable tasks, "one at a time" mutexes, stored files and the notification center. */
export const jobs: OltpMigration = {
  name: '0003_jobs',
  async up(knex, c) {
    await knex.schema.createTable('task', (t) => {
      c.id(t);
      c.tenant(t);
      t.string('kind', 100).notNullable();
      t.text('payload').notNullable();
      // queued → running → succeeded | failed | cancelled (a retry goes back to queued)
      t.string('status', 16).notNullable();
      t.integer('attempts').notNullable().defaultTo(0);
      t.integer('max_attempts').notNullable().defaultTo(3);
      t.integer('progress').notNullable().defaultTo(0);
      t.text('result').nullable();
      t.text('error').nullable();
      c.epochMs(t, 'run_at').notNullable();
      t.string('lease_owner', 100).nullable();
      c.epochMs(t, 'lease_expires_at').nullable();
      t.boolean('cancel_requested').notNullable().defaultTo(false);
      // A scheduler firing: (schedule key, due minute) is unique per tenant, so a firing is inserted once.
      t.string('schedule_key', 191).nullable();
      c.epochMs(t, 'due_at').nullable();
      c.ref(t, 'created_by').nullable();
      c.epochMs(t, 'started_at').nullable();
      c.epochMs(t, 'finished_at').nullable();
      c.timestamps(t);
      t.unique(['tenant_id', 'schedule_key', 'due_at']);
      t.index(['status', 'run_at']);
      t.index(['tenant_id', 'kind']);
    });

    await knex.schema.createTable('task_mutex', (t) => {
      c.tenant(t);
      t.string('name', 100).notNullable();
      c.ref(t, 'task_id').notNullable().references('id').inTable('task').onDelete('CASCADE');
      c.epochMs(t, 'acquired_at').notNullable();
      t.primary(['tenant_id', 'name']);
    });

    await knex.schema.createTable('stored_file', (t) => {
      c.id(t);
      c.tenant(t);
      t.string('name', 255).notNullable();
      t.string('content_type', 100).notNullable();
      t.bigInteger('size').notNullable();
      // Relative to <dataDir>/files; never derived from the operator-given name.
      t.string('storage_path', 255).notNullable();
      c.ref(t, 'task_id').nullable();
      c.ref(t, 'created_by').nullable();
      c.epochMs(t, 'expires_at').nullable();
      c.epochMs(t, 'created_at').notNullable();
      t.index(['expires_at']);
    });

    await knex.schema.createTable('notification', (t) => {
      c.id(t);
      c.tenant(t);
      c.ref(t, 'staff_id').nullable();
      c.ref(t, 'task_id').nullable();
      t.string('kind', 100).notNullable();
      t.string('level', 16).notNullable(); // success | error
      t.text('data').notNullable(); // counts, params, file ids, error code
      c.epochMs(t, 'read_at').nullable();
      c.epochMs(t, 'created_at').notNullable();
      t.index(['tenant_id', 'staff_id', 'read_at']);
    });
  },
  async down(knex) {
    for (const table of ['notification', 'stored_file', 'task_mutex', 'task']) await knex.schema.dropTableIfExists(table);
  },
};
