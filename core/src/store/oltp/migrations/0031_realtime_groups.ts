import type { OltpMigration } from './types.js';

/**
 * Real-time groups (ADR 0048; 0029 was left unused when the slices were rebuilt). A dynamic group
 * may be real-time: after each load batch its changed contacts are re-evaluated and their changes
 * kept as an OLAP delta over the active version, folded into the next version at its computation.
 * `realtime_at` is when the periodic sweep last re-evaluated the whole group (relative-time leaves,
 * dimension tables, and any batch a crash kept from being evaluated). `realtime_slot` 1…20 with a
 * unique index holds the per-tenant limit even for concurrent requests, and is what makes a group
 * real-time (NULL: not real-time, or deleted).
 */
export const realtimeGroups: OltpMigration = {
  name: '0031_realtime_groups',
  async up(knex, c) {
    await knex.schema.alterTable('user_group', (t) => {
      c.epochMs(t, 'realtime_at').nullable();
      t.integer('realtime_slot').nullable();
      t.unique(['tenant_id', 'realtime_slot'], { indexName: 'user_group_realtime_slot_unique' });
    });
  },
  async down(knex) {
    await knex.schema.alterTable('user_group', (t) => {
      t.dropUnique(['tenant_id', 'realtime_slot'], 'user_group_realtime_slot_unique');
      t.dropColumn('realtime_slot');
      t.dropColumn('realtime_at');
    });
  },
};
