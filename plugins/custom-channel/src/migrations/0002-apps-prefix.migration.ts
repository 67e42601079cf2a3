import type { OltpMigration } from '@huiliu/core/plugin-api';
import { APPS_TABLE, LEGACY_APPS_TABLE } from './tables.js';

/**
 * Plugin tables are `<plugin>__<table>` since core 0.1.x (a plugin id could otherwise prefix
 * another's tables): an install whose 0001 created `custom_channel_app` gets it renamed. A fresh
 * install's 0001 already created the new name, so this does nothing there. Not reversible on
 * purpose: 0001's down drops the table under either name.
 */
export const appsTablePrefix: OltpMigration = {
  name: '0002_custom_channel__app_prefix',
  async up(knex) {
    if ((await knex.schema.hasTable(LEGACY_APPS_TABLE)) && !(await knex.schema.hasTable(APPS_TABLE))) {
      await knex.schema.renameTable(LEGACY_APPS_TABLE, APPS_TABLE);
    }
  },
  async down() {},
};
