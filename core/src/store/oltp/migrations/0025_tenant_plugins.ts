import type { OltpMigration } from './types.js';

/**
 * Per-tenant plugin enablement (ADR 0041, the tenant-plugins module): platform operators switch a
 * plugin on or off for one tenant (`huiliu admin plugins enable|disable`). No row = the plugin's
 * default (enabled, unless it declares `defaultEnabled: false`). Disabling keeps every row of data.
 */
export const tenantPlugins: OltpMigration = {
  name: '0025_tenant_plugins',
  async up(knex, c) {
    await knex.schema.createTable('tenant_plugin', (t) => {
      c.id(t);
      c.tenant(t);
      c.identifier(t, 'plugin_id', 64).notNullable();
      t.boolean('enabled').notNullable();
      c.epochMs(t, 'changed_at').notNullable();
      // Who switched it: the operator label given to the CLI (`--by`), else the OS user.
      t.string('changed_by', 191).nullable();
      t.unique(['tenant_id', 'plugin_id']);
    });
  },
  async down(knex) {
    await knex.schema.dropTableIfExists('tenant_plugin');
  },
};
