import type { OltpMigration } from './types.js';

/**
 * 用户画像's daily snapshots (seed §1.7.5: 每天凌晨2点同步更新; SPEC §6; ADR 0061), owned by the reports
 * module: one row per tenant and profiled group — `all`, `group:<id>` or `exclusive:<id>:<position>` —
 * holding the counts the page shows (weekday × hour of creation, provinces) as JSON, and when they
 * were computed (最近更新时间). Written on a group's first view and again every day at 02:00.
 */
export const reportProfiles: OltpMigration = {
  name: '0035_report_profiles',
  async up(knex, c) {
    await knex.schema.createTable('report_profile', (t) => {
      c.id(t);
      c.tenant(t);
      c.identifier(t, 'group_key', 100).notNullable();
      // ProfileSnapshotData as JSON: a few hundred numbers.
      t.text('data').notNullable();
      c.epochMs(t, 'computed_at').notNullable();
      t.unique(['tenant_id', 'group_key'], { indexName: 'report_profile_group_unique' });
    });
  },
  async down(knex) {
    await knex.schema.dropTableIfExists('report_profile');
  },
};
