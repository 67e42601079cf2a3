import { definePlugin, oltpExtensionPoint, type OltpMigration } from '@huiliu/core/plugin-api';
import { expectPluginContract } from '@huiliu/core/testing';
import { describe, expect, it } from 'vitest';
import { tablePrefix } from '../src/kernel/kernel.js';
import { testEngines } from './support/engines.js';

/** A plugin whose only contribution is two tables, and whose down migration may forget one. */
function tablesPlugin(id: string, options: { downForgets?: string } = {}) {
  const tables = ['note', 'tag'].map((name) => `${tablePrefix(id)}${name}`);
  const migration: OltpMigration = {
    name: '0001_tables',
    async up(knex, columns) {
      for (const table of tables) await knex.schema.createTable(table, (t) => columns.id(t));
    },
    async down(knex) {
      for (const table of tables) if (!table.endsWith(`_${options.downForgets}`)) await knex.schema.dropTableIfExists(table);
    },
  };
  const plugin = definePlugin({
    id,
    version: '1.0.0',
    requires: { core: '^0.1.0' },
    register({ registerInit }) {
      registerInit({ deps: { oltp: oltpExtensionPoint }, init: ({ oltp }) => oltp.addMigrations([migration]) });
    },
  });
  return { plugin, tables };
}

for (const engine of testEngines()) {
  const kernelEngine = engine === 'mariadb' ? 'mysql' : 'sqlite';

  describe(`the plugin contract’s migration check [${engine}]`, () => {
    it('reports the tables the plugin’s migrations create, and none left after down', async () => {
      const { plugin, tables } = tablesPlugin('tidy');
      const report = await expectPluginContract(plugin, { engines: [kernelEngine] });
      expect(report.migrations).toEqual([{ engine: kernelEngine, up: tables, downLeftTables: [] }]);
    });

    it('fails a plugin whose down migration leaves one of its tables behind', async () => {
      const { plugin, tables } = tablesPlugin('leaky', { downForgets: 'tag' });
      await expect(expectPluginContract(plugin, { engines: [kernelEngine] })).rejects.toThrow(
        `plugin "leaky" migrations down left tables behind on ${kernelEngine}: ${tables[1]}`,
      );
    });
  });
}
