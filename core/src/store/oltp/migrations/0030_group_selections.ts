import type { OltpMigration } from './types.js';

/**
 * 互斥组 and 临时群组 (SPEC §4, seed §1.7.4.3 and §1.7.10; group-selections module, ADR 0049).
 * An exclusive group is an ordered list of 2–20 member groups: a contact belongs to the first member
 * it is in. A temporary group is one staff member's ad-hoc condition tree, at most 3 each — `slot`
 * 1…3 with a unique index holds the limit even for concurrent requests. Neither is ever computed:
 * no version, no membership rows; both resolve to condition trees when a report asks.
 */
export const groupSelections: OltpMigration = {
  name: '0030_group_selections',
  async up(knex, c) {
    // Rows are kept (deleted_at) so a deleted exclusive group's id is never handed out again.
    await knex.schema.createTable('exclusive_group', (t) => {
      c.id(t);
      c.tenant(t);
      t.string('name', 64).notNullable();
      t.string('description', 255).nullable();
      c.ref(t, 'created_by').nullable();
      c.timestamps(t);
      c.epochMs(t, 'deleted_at').nullable();
      t.index(['tenant_id', 'deleted_at'], 'exclusive_group_live_index');
    });

    // The members in priority order (position 1 first); a member is a group of the groups module.
    await knex.schema.createTable('exclusive_group_member', (t) => {
      c.ref(t, 'exclusive_group_id').notNullable();
      t.integer('position').notNullable();
      c.tenant(t);
      c.ref(t, 'group_id').notNullable();
      t.primary(['tenant_id', 'exclusive_group_id', 'position']);
      t.unique(['tenant_id', 'exclusive_group_id', 'group_id'], { indexName: 'exclusive_group_member_unique' });
      t.index(['tenant_id', 'group_id'], 'exclusive_group_member_group_index');
    });

    await knex.schema.createTable('temporary_group', (t) => {
      c.id(t);
      c.tenant(t);
      c.ref(t, 'staff_id').notNullable();
      // 1…3: a staff member's temporary groups take distinct slots (每个账号只能添加 3 个临时群组).
      t.integer('slot').notNullable();
      t.string('name', 64).notNullable();
      // The condition tree (JSON), the same shape as a dynamic group's.
      t.text('condition').notNullable();
      c.timestamps(t);
      t.unique(['tenant_id', 'staff_id', 'slot'], { indexName: 'temporary_group_slot_unique' });
    });
  },
  async down(knex) {
    for (const table of ['temporary_group', 'exclusive_group_member', 'exclusive_group'])
      await knex.schema.dropTableIfExists(table);
  },
};
