import type { OltpMigration } from './types.js';

/**
 * 定制显示列 (seed §1.4.2, contacts module, ADR 0031): the columns each staff member chose for the
 * contact list. No row = the defaults; the keys are the contact's field keys (identify's names,
 * `attr<seq>`) and its read-only system properties, as a JSON array in the staff member's order.
 */
export const contactList: OltpMigration = {
  name: '0018_contact_list',
  async up(knex, c) {
    await knex.schema.createTable('contact_list_column', (t) => {
      c.id(t);
      c.tenant(t);
      c.ref(t, 'staff_id').notNullable();
      t.text('columns').notNullable();
      c.timestamps(t);
      t.unique(['tenant_id', 'staff_id']);
    });
  },
  async down(knex) {
    await knex.schema.dropTableIfExists('contact_list_column');
  },
};
