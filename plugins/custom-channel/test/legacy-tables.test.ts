import { afterEach, describe, expect, it } from 'vitest';
import { testEngines } from '../../../core/test/support/engines.js';
import { Client, createTenant, createTestStore } from '../../../core/test/support/test-app.js';
import type { Columns, Knex, OltpMigration } from '@huiliu/core/plugin-api';
import plugin from '../src/index.js';

/** Migration 0001 as released in 0.1.0, when plugin tables were `<id>_…` instead of `<id>__…`. */
const released0001: OltpMigration = {
  name: '0001_custom_channel_app',
  async up(knex: Knex, c: Columns) {
    await knex.schema.createTable('custom_channel_app', (t) => {
      c.id(t);
      c.tenant(t);
      c.ref(t, 'channel_id').notNullable().references('id').inTable('channel').onDelete('CASCADE');
      t.string('platform', 16).notNullable();
      t.string('name', 64).notNullable();
      c.identifier(t, 'app_identifier', 255).notNullable();
      c.identifier(t, 'write_key', 64).notNullable().unique();
      t.string('status', 16).notNullable().defaultTo('enabled');
      c.ref(t, 'created_by').nullable();
      c.epochMs(t, 'write_key_issued_at').notNullable();
      c.timestamps(t);
      t.index(['tenant_id', 'channel_id']);
    });
  },
  async down(knex: Knex) {
    await knex.schema.dropTableIfExists('custom_channel_app');
  },
};

describe.each(testEngines())('custom-channel tables from 0.1.0 [%s]', (engine) => {
  let store: Awaited<ReturnType<typeof createTestStore>> | undefined;
  afterEach(async () => {
    await store?.drop();
  });

  it('renames custom_channel_app and its migration table on start, keeping the apps', async () => {
    store = await createTestStore(engine);
    // A 0.1.0 install: core tables, the plugin's table and migration table under the old names, one app.
    const old = await store.open();
    const tenant = await createTenant(old);
    await old.oltp.migrate([released0001], 'custom_channel_migrations');
    const db = old.oltp.forTenant(tenant.tenantId);
    const channelId = await db.insert('channel', {
      type: 'custom',
      channel_key: 'udc_legacy',
      name: '老渠道',
      status: 'active',
      created_at: 1,
      updated_at: 1,
    });
    await db.insert('custom_channel_app', {
      channel_id: channelId,
      platform: 'web',
      name: '官网',
      app_identifier: 'example.com',
      write_key: 'wk_legacy_0001',
      status: 'enabled',
      write_key_issued_at: 1,
      created_at: 1,
      updated_at: 1,
    });
    await old.stop();

    for (let start = 1; start <= 2; start += 1) {
      const app = await store.open({ plugins: [plugin] });
      try {
        const tables = await app.oltp.listTables();
        expect(tables).toContain('custom_channel__app');
        expect(tables).toContain('custom_channel__migrations');
        expect(tables.filter((t) => t.startsWith('custom_channel_') && !t.startsWith('custom_channel__'))).toEqual([]);
        expect((await app.oltp.knex('custom_channel__migrations').orderBy('id').select('name')).map((r) => r.name)).toEqual([
          '0001_custom_channel_app',
          '0002_custom_channel__app_prefix',
        ]);
        const client = await Client.staff(app.server, tenant.email, tenant.password);
        const apps = await client.request('GET', `/api/v1/p/custom-channel/channels/${channelId}/apps`);
        expect(apps.statusCode).toBe(200);
        expect(apps.body.items.map((a: { writeKey: string }) => a.writeKey)).toEqual(['wk_legacy_0001']);
        const owner = await new Client(app.server).request('GET', '/api/v1/p/custom-channel/write-keys/wk_legacy_0001');
        expect(owner.statusCode).toBe(200);
      } finally {
        await app.stop();
      }
    }
  });
});
