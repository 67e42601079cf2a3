import type { OltpMigration } from './types.js';

/**
 * 首页 and 使用情况 (seed §1.2.3, §1.11.5; ADR 0036): the tenant's expiry date (到期, the tenancy
 * module's `tenant` table) and each staff member's 显示设置 of the home timeline (the home module's
 * own table): which outbound (主动) events it shows.
 */
export const homeUsage: OltpMigration = {
  name: '0023_home_usage',
  async up(knex, c) {
    // The last day (tenant-local `YYYY-MM-DD`) the tenant is paid for; NULL = no expiry (self-hosted).
    // Set by the platform operator (`huiliu admin expiry`), shown on 首页 and 使用情况, not enforced.
    await knex.schema.alterTable('tenant', (t) => {
      t.string('expires_on', 10).nullable();
    });

    // One row per staff member who saved a 显示设置; absent = no outbound event shown.
    await knex.schema.createTable('home_display_setting', (t) => {
      c.id(t);
      c.tenant(t);
      c.ref(t, 'staff_id').notNullable();
      // JSON array of outbound event codes, e.g. ["wechat_template_sent"].
      t.text('outbound_events').notNullable();
      c.timestamps(t);
      t.unique(['tenant_id', 'staff_id']);
    });
  },
  async down(knex) {
    await knex.schema.dropTableIfExists('home_display_setting');
    await knex.schema.alterTable('tenant', (t) => {
      t.dropColumn('expires_on');
    });
  },
};
