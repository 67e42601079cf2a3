import type { OltpMigration } from './types.js';

/**
 * Connection settings and credentials (ADR 0039): a channel's settings form as its type declares
 * it. `settings` holds the non-secret values as JSON; `secret_settings` a JSON map from each secret
 * field's name to its value sealed with the SecretBox (AES-256-GCM), the associated data binding
 * tenant, channel and field — a value copied to another row, tenant or field does not open.
 */
export const channelSettings: OltpMigration = {
  name: '0026_channel_settings',
  async up(knex) {
    await knex.schema.alterTable('channel', (t) => {
      t.text('settings').nullable();
      t.text('secret_settings').nullable();
    });
  },
  async down(knex) {
    await knex.schema.alterTable('channel', (t) => {
      t.dropColumn('secret_settings');
      t.dropColumn('settings');
    });
  },
};
