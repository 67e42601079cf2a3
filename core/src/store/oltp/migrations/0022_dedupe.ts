import type { OltpMigration } from './types.js';

/**
 * 合并用户 — 查重 (seed §1.4.7, dedupe module, ADR 0035): each tenant's dedupe rules (which of
 * mobile / ID card / email, "any of" or "all of", the excluded values and the nightly automatic
 * merge), and the runs of the dedupe with the duplicate sets they found. A set keeps each member's
 * `updated_at` as the run saw it: a member merged or changed since makes the set stale, never a
 * wrong merge.
 */
export const dedupe: OltpMigration = {
  name: '0022_dedupe',
  async up(knex, c) {
    // Absent row = the defaults (any of mobile, ID card, email; nil/null/undefined/1; no automatic run).
    await knex.schema.createTable('dedupe_setting', (t) => {
      c.id(t);
      c.tenant(t);
      // JSON: the field keys (`mobilePhone`, `idCard`, `email`), in this order.
      t.string('fields', 64).notNullable();
      // `any` (任意其一相同) or `all` (均相同).
      t.string('mode', 8).notNullable();
      // JSON: the excluded values, trimmed (compared case-insensitively).
      t.text('excluded_values').notNullable();
      t.boolean('auto_merge').notNullable();
      c.ref(t, 'updated_by').nullable();
      c.timestamps(t);
      t.unique(['tenant_id'], { indexName: 'dedupe_setting_tenant_unique' });
    });

    await knex.schema.createTable('dedupe_run', (t) => {
      c.id(t);
      c.tenant(t);
      // `manual` (启动查重) or `auto` (the nightly run, which merges every set).
      t.string('trigger', 8).notNullable();
      // `running`, `done`, `failed`.
      t.string('status', 8).notNullable();
      // JSON: the rules the run applied ({fields, mode, excludedValues}).
      t.text('rules').notNullable();
      c.ref(t, 'task_id').nullable();
      // The staff member who started it; NULL for the automatic run.
      c.ref(t, 'created_by').nullable();
      t.integer('set_count').notNullable().defaultTo(0);
      t.integer('contact_count').notNullable().defaultTo(0);
      // Sets merged and sets refused as stale (by the automatic run, or by hand since).
      t.integer('merged_count').notNullable().defaultTo(0);
      t.integer('stale_count').notNullable().defaultTo(0);
      c.epochMs(t, 'started_at').notNullable();
      c.epochMs(t, 'finished_at').nullable();
      t.index(['tenant_id', 'id'], 'dedupe_run_tenant_run_index');
    });

    await knex.schema.createTable('dedupe_set', (t) => {
      c.id(t);
      c.tenant(t);
      c.ref(t, 'run_id').notNullable();
      // JSON: [{id, updatedAt}] — the members as the run saw them, by id.
      t.text('members').notNullable();
      // JSON: the field keys whose equal values linked the members.
      t.string('matched_fields', 64).notNullable();
      // `pending`, `merged`, `stale`.
      t.string('status', 8).notNullable();
      c.ref(t, 'survivor_id').nullable();
      c.ref(t, 'decided_by').nullable();
      c.epochMs(t, 'decided_at').nullable();
      t.index(['tenant_id', 'run_id', 'id'], 'dedupe_set_run_index');
    });
  },
  async down(knex) {
    for (const table of ['dedupe_set', 'dedupe_run', 'dedupe_setting']) await knex.schema.dropTableIfExists(table);
  },
};
