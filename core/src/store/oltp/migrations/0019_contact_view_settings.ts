import type { OltpMigration } from './types.js';

/**
 * 用户详情 → 显示设置 (seed §1.4.10.2, contacts module, ADR 0032): per staff member, which tags the
 * contact profile shows (all, or chosen tag ids of the tag system) and which outbound (主动) events
 * the contact timeline shows (all, or chosen event codes). No row = the defaults (all and all).
 */
export const contactViewSettings: OltpMigration = {
  name: '0019_contact_view_settings',
  async up(knex, c) {
    await knex.schema.createTable('contact_view_setting', (t) => {
      c.id(t);
      c.tenant(t);
      // No foreign key to staff (as the operation log): a deleted member's row is harmless.
      c.ref(t, 'staff_id').notNullable();
      // JSON: null = every tag, else an array of tag ids (tags come with the tags issue).
      t.text('profile_tags').nullable();
      // JSON: null = every outbound event, else an array of event codes (an empty one hides them all).
      t.text('timeline_outbound').nullable();
      c.timestamps(t);
      t.unique(['tenant_id', 'staff_id'], { indexName: 'contact_view_setting_staff_unique' });
    });
  },
  async down(knex) {
    await knex.schema.dropTableIfExists('contact_view_setting');
  },
};
