import type { OltpMigration } from './types.js';

/** Channels (连接 / 渠道): a tenant's connections of the channel types plugins contribute. */
export const channels: OltpMigration = {
  name: '0002_channels',
  async up(knex, c) {
    await knex.schema.createTable('channel', (t) => {
      c.id(t);
      c.tenant(t);
      c.identifier(t, 'type', 64).notNullable();
      // ChannelID of a custom channel (udc_…), AppID of a mini-program or an official account.
      c.identifier(t, 'channel_key', 64).notNullable();
      t.string('name', 64).notNullable();
      t.string('status', 16).notNullable().defaultTo('active');
      c.ref(t, 'created_by').nullable();
      c.timestamps(t);
      t.unique(['tenant_id', 'type', 'channel_key']);
      t.index(['tenant_id', 'type']);
    });
  },
  async down(knex) {
    await knex.schema.dropTableIfExists('channel');
  },
};
