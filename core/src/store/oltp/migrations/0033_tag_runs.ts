import type { OltpMigration } from './types.js';

/**
 * Runs of a tag's computation (review 20, R20-T3; ADR 0050). Each computation writes its values to
 * OLAP under a run number of its own, beside the values consumers read, so a recomputation on the
 * same day that fails — or is still being written — never shows. `last_run` is the last number handed
 * out, `calc_run` the run of the running / last computation (with `calc_date`), `active_run` the run
 * consumers read (with `active_calc_date`, switched at 完成), and a calculation day records the run
 * the report shows. Values written before runs existed are run 0 in OLAP: every default is 0.
 */
export const tagRuns: OltpMigration = {
  name: '0033_tag_runs',
  async up(knex) {
    await knex.schema.alterTable('tag', (t) => {
      t.integer('last_run').notNullable().defaultTo(0);
      t.integer('calc_run').nullable();
      t.integer('active_run').notNullable().defaultTo(0);
    });
    await knex.schema.alterTable('tag_calc', (t) => {
      t.integer('run').notNullable().defaultTo(0);
    });
  },
  async down(knex) {
    await knex.schema.alterTable('tag_calc', (t) => t.dropColumn('run'));
    await knex.schema.alterTable('tag', (t) => {
      t.dropColumn('active_run');
      t.dropColumn('calc_run');
      t.dropColumn('last_run');
    });
  },
};
