import type { OltpMigration } from './types.js';

/**
 * 用户群组 (seed §1.5, SPEC §4, groups module, ADR 0044): group directories (up to 4 levels), the
 * dynamic and static groups with their status machine and active-version pointer, the versions a
 * dynamic group's computations wrote to OLAP, and the static memberships — OLTP is their master;
 * `static_seq` numbers every change and `olap_seq` says which change the OLAP copy holds.
 */
export const groups: OltpMigration = {
  name: '0027_groups',
  async up(knex, c) {
    await knex.schema.createTable('group_folder', (t) => {
      c.id(t);
      c.tenant(t);
      // NULL: a first-level folder.
      c.ref(t, 'parent_id').nullable();
      t.string('name', 64).notNullable();
      // 1…4.
      t.integer('depth').notNullable();
      t.integer('position').notNullable().defaultTo(0);
      c.timestamps(t);
      t.index(['tenant_id', 'parent_id'], 'group_folder_parent_index');
    });

    // Rows are never deleted: a deleted group keeps its row (deleted_at) so its id is never reused.
    await knex.schema.createTable('user_group', (t) => {
      c.id(t);
      c.tenant(t);
      // `dynamic` or `static`.
      t.string('kind', 8).notNullable();
      t.string('name', 64).notNullable();
      t.string('description', 255).nullable();
      c.ref(t, 'folder_id').nullable();
      // Dynamic: the condition tree (JSON) and `manual` or `daily`.
      t.text('condition').nullable();
      t.string('update_mode', 8).nullable();
      // Dynamic: pending 待计算, computing 计算中, computed 计算完成, compute_failed 计算失败,
      // syncing 冗余中, done 完成, failed 失败. Static: done.
      t.string('status', 16).notNullable();
      // The version consumers read (完成); NULL until the first one.
      t.integer('active_version').nullable();
      t.integer('active_count').nullable();
      // The version the running computation writes, and the highest version number ever used.
      t.integer('computing_version').nullable();
      t.integer('last_version').notNullable().defaultTo(0);
      t.string('error_code', 64).nullable();
      c.epochMs(t, 'computed_at').nullable();
      // Static: every membership change bumps static_seq; olap_seq is the change OLAP holds.
      t.bigInteger('static_seq').notNullable().defaultTo(0);
      t.bigInteger('olap_seq').notNullable().defaultTo(0);
      // Static: the official account it is linked to (irreversible; the sync comes with WeChat).
      c.ref(t, 'wechat_channel_id').nullable();
      c.epochMs(t, 'wechat_linked_at').nullable();
      c.ref(t, 'created_by').nullable();
      c.timestamps(t);
      c.epochMs(t, 'deleted_at').nullable();
      t.index(['tenant_id', 'deleted_at', 'folder_id'], 'user_group_folder_index');
    });

    await knex.schema.createTable('group_version', (t) => {
      c.id(t);
      c.tenant(t);
      c.ref(t, 'group_id').notNullable();
      t.integer('version').notNullable();
      // computing, computed, done, failed.
      t.string('status', 16).notNullable();
      t.integer('member_count').nullable();
      t.integer('added_count').nullable();
      t.integer('removed_count').nullable();
      c.ref(t, 'task_id').nullable();
      t.string('error_code', 64).nullable();
      c.epochMs(t, 'started_at').notNullable();
      c.epochMs(t, 'finished_at').nullable();
      t.unique(['tenant_id', 'group_id', 'version'], { indexName: 'group_version_unique' });
    });

    await knex.schema.createTable('group_static_member', (t) => {
      c.ref(t, 'group_id').notNullable();
      c.ref(t, 'contact_id').notNullable();
      c.tenant(t);
      // The static_seq of the change that added it.
      t.bigInteger('seq').notNullable();
      c.epochMs(t, 'added_at').notNullable();
      t.primary(['tenant_id', 'group_id', 'contact_id']);
      t.index(['tenant_id', 'contact_id'], 'group_static_member_contact_index');
    });
  },
  async down(knex) {
    for (const table of ['group_static_member', 'group_version', 'user_group', 'group_folder'])
      await knex.schema.dropTableIfExists(table);
  },
};
