import type { OltpMigration } from '@huiliu/core/plugin-api';
import { APPS_TABLE, LEGACY_APPS_TABLE } from './tables.js';

/** Apps of custom channels (web / iOS / Android), each with its own writeKey. */
export const appsTable: OltpMigration = {
  // The name is kept from 0.1.0, when the table was `custom_channel_app` (see 0002).
  name: '0001_custom_channel_app',
  async up(knex, c) {
    await knex.schema.createTable(APPS_TABLE, (t) => {
      c.id(t);
      c.tenant(t);
      c.ref(t, 'channel_id').notNullable().references('id').inTable('channel').onDelete('CASCADE');
      t.string('platform', 16).notNullable();
      t.string('name', 64).notNullable();
      // The web domain, the iOS Bundle ID or the Android package name.
      c.identifier(t, 'app_identifier', 255).notNullable();
      // A public identifier (ships inside pages and apps): stored plainly, unique across tenants.
      c.identifier(t, 'write_key', 64).notNullable().unique();
      t.string('status', 16).notNullable().defaultTo('enabled');
      c.ref(t, 'created_by').nullable();
      c.epochMs(t, 'write_key_issued_at').notNullable();
      c.timestamps(t);
      t.index(['tenant_id', 'channel_id']);
    });
  },
  async down(knex) {
    await knex.schema.dropTableIfExists(APPS_TABLE);
    await knex.schema.dropTableIfExists(LEGACY_APPS_TABLE);
  },
};
