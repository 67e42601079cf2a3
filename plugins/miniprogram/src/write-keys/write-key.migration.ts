import type { OltpMigration } from '@huiliu/core/plugin-api';

/** The plugin's OLTP table (`miniprogram__…`, the kernel's prefix for `miniprogram`). */
export const WRITE_KEY_TABLE = 'miniprogram__write_key';

/**
 * The writeKey of each mini-program channel (one per channel): the SDK's HTTP Basic user on the
 * collect API. Channels created before this table get theirs lazily (docs/decisions/0029).
 */
export const writeKeyTable: OltpMigration = {
  name: '0001_miniprogram__write_key',
  async up(knex, c) {
    await knex.schema.createTable(WRITE_KEY_TABLE, (t) => {
      c.id(t);
      c.tenant(t);
      c.ref(t, 'channel_id').notNullable().unique().references('id').inTable('channel').onDelete('CASCADE');
      // A public identifier (ships inside the mini-program): stored plainly, unique across tenants.
      c.identifier(t, 'write_key', 64).notNullable().unique();
      c.epochMs(t, 'write_key_issued_at').notNullable();
      c.timestamps(t);
    });
  },
  async down(knex) {
    await knex.schema.dropTableIfExists(WRITE_KEY_TABLE);
  },
};
