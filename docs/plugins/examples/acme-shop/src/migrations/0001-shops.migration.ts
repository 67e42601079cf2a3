import type { OltpMigration } from '@huiliu/core/plugin-api';

export const SHOP_TABLE = 'acme_shop__shop';
export const BACKFILL_RUN_TABLE = 'acme_shop__backfill_run';

/**
 * The plugin's own tables (their names start with `acme_shop__`):
 * - `acme_shop__shop`: which tenant and channel a shop handle belongs to, written by `connect`. A
 *   webhook names its shop, not its tenant: the auth strategy finds the tenant here with
 *   `findAcrossTenants`, so the handle is unique across tenants.
 * - `acme_shop__backfill_run`: one row per nightly backfill firing.
 * Credentials are not here: they are the channel's settings, sealed by core.
 */
export const shopsTables: OltpMigration = {
  name: '0001_acme_shop_shops',
  async up(knex, columns) {
    await knex.schema.createTable(SHOP_TABLE, (t) => {
      columns.id(t);
      columns.tenant(t);
      // Deleting the channel deletes its row.
      columns.ref(t, 'channel_id').notNullable().references('id').inTable('channel').onDelete('CASCADE');
      columns.identifier(t, 'handle', 32).notNullable();
      columns.timestamps(t);
      t.unique(['handle']);
      t.unique(['channel_id']);
    });
    await knex.schema.createTable(BACKFILL_RUN_TABLE, (t) => {
      columns.id(t);
      columns.tenant(t);
      // A firing may run more than once (at least once): its due time is the key.
      columns.epochMs(t, 'due_at').notNullable();
      t.integer('orders').notNullable();
      columns.timestamps(t);
      t.unique(['tenant_id', 'due_at']);
    });
  },
  async down(knex) {
    await knex.schema.dropTableIfExists(BACKFILL_RUN_TABLE);
    await knex.schema.dropTableIfExists(SHOP_TABLE);
  },
};
