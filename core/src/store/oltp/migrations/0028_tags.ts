import type { OltpMigration } from './types.js';

/**
 * 用户标签 (seed §1.6, SPEC §5, tags module, ADR 0045): the tag folders (标签体系), the tags — the
 * operator's ID `tag_…` (unique per tenant for ever: a deleted tag keeps its row, so its ID is never
 * reused), kind, value type, rule (JSON), update mode and status — and one row per calculation day
 * (the day's last result; the last 50 kept). The values themselves are OLAP's `tag_value`.
 */
export const tags: OltpMigration = {
  name: '0028_tags',
  async up(knex, c) {
    await knex.schema.createTable('tag_folder', (t) => {
      c.id(t);
      c.tenant(t);
      t.string('name', 64).notNullable();
      c.ref(t, 'created_by').nullable();
      c.timestamps(t);
      t.unique(['tenant_id', 'name'], { indexName: 'tag_folder_name_unique' });
    });

    await knex.schema.createTable('tag', (t) => {
      c.id(t);
      c.tenant(t);
      // The operator's ID: `tag_` + letters, digits, underscores; case-sensitive (utf8mb4_bin on MySQL).
      c.identifier(t, 'code', 64).notNullable();
      t.string('name', 64).notNullable();
      t.string('description', 500).nullable();
      c.ref(t, 'folder_id').nullable();
      // layered | preference | metric | firstLast | sql | file | sentiment
      t.string('kind', 16).notNullable();
      // string | number | string[] | date | bool
      t.string('value_type', 8).notNullable();
      // manual | daily
      t.string('update_mode', 8).notNullable();
      // JSON: the kind's rule.
      t.text('rule').notNullable();
      // new | pending | computing | computed | syncing | done | compute_failed | failed
      t.string('status', 16).notNullable();
      // The calculation day consumers (conditions, reports) read — switched at 完成.
      t.string('active_calc_date', 10).nullable();
      // The day the running / last computation writes.
      t.string('calc_date', 10).nullable();
      c.ref(t, 'task_id').nullable();
      // JSON {code, message} of the last failure.
      t.text('error').nullable();
      c.epochMs(t, 'computed_at').nullable();
      c.ref(t, 'created_by').nullable();
      c.ref(t, 'updated_by').nullable();
      c.timestamps(t);
      // Deleted tags stay (their ID is never reused) but are hidden everywhere.
      c.epochMs(t, 'deleted_at').nullable();
      t.index(['tenant_id', 'folder_id'], 'tag_folder_index');
      t.unique(['tenant_id', 'code'], { indexName: 'tag_code_unique' });
    });
    await knex.schema.createTable('tag_calc', (t) => {
      c.id(t);
      c.tenant(t);
      c.ref(t, 'tag_id').notNullable();
      // The tenant-local day (YYYY-MM-DD); a later computation the same day replaces it.
      t.string('calc_date', 10).notNullable();
      // Contacts with a value.
      t.bigInteger('contact_count').notNullable().defaultTo(0);
      c.epochMs(t, 'computed_at').notNullable();
      t.unique(['tenant_id', 'tag_id', 'calc_date'], { indexName: 'tag_calc_day_unique' });
    });
  },
  async down(knex) {
    for (const table of ['tag_calc', 'tag', 'tag_folder']) await knex.schema.dropTableIfExists(table);
  },
};
