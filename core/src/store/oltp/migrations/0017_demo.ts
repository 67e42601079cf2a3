import type { OltpMigration } from './types.js';

/**
 * The demo tenant of `huiliu demo` (ADR 0030): which tenant it is, the anchor day its sample data
 * is generated from (so that a later run regenerates the very same messages), and when its data was
 * completely sent and loaded (a run after that changes nothing).
 */
export const demo: OltpMigration = {
  name: '0017_demo',
  async up(knex, c) {
    await knex.schema.createTable('demo_run', (t) => {
      c.id(t);
      c.tenant(t);
      // Its super staff (the console API calls of the demo are made as this member).
      c.ref(t, 'staff_id').notNullable();
      t.string('anchor_day', 10).notNullable();
      c.epochMs(t, 'created_at').notNullable();
      c.epochMs(t, 'completed_at').nullable();
      t.unique(['tenant_id'], { indexName: 'demo_run_tenant_unique' });
    });
  },
  async down(knex) {
    await knex.schema.dropTableIfExists('demo_run');
  },
};
