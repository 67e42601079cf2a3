import type { OltpMigration } from './types.js';

/** Tenants, staff with their sessions, and Open API apps with their tokens. */
export const platform: OltpMigration = {
  name: '0001_platform',
  async up(knex, c) {
    await knex.schema.createTable('tenant', (t) => {
      c.id(t);
      t.string('name', 64).notNullable();
      t.string('time_zone', 64).notNullable().defaultTo('Asia/Shanghai');
      // Set when the first event arrives; from then on the time zone is fixed.
      c.epochMs(t, 'first_event_at').nullable();
      t.string('status', 16).notNullable().defaultTo('active');
      c.timestamps(t);
    });

    await knex.schema.createTable('staff', (t) => {
      c.id(t);
      c.tenant(t);
      // 邮箱即账号: the login, unique across tenants, stored lower-cased.
      t.string('email', 191).notNullable().unique();
      t.string('name', 64).notNullable();
      t.string('password_hash', 255).notNullable();
      t.boolean('is_super').notNullable().defaultTo(false);
      t.string('status', 16).notNullable().defaultTo('enabled');
      c.epochMs(t, 'last_login_at').nullable();
      c.timestamps(t);
    });

    await knex.schema.createTable('staff_session', (t) => {
      c.id(t);
      c.tenant(t);
      c.ref(t, 'staff_id').notNullable().references('id').inTable('staff').onDelete('CASCADE');
      c.identifier(t, 'token_hash', 64).notNullable().unique();
      c.identifier(t, 'csrf_token', 64).notNullable();
      t.string('user_agent', 255).nullable();
      c.epochMs(t, 'created_at').notNullable();
      c.epochMs(t, 'expires_at').notNullable();
      c.epochMs(t, 'last_seen_at').notNullable();
      t.index(['staff_id']);
    });

    await knex.schema.createTable('api_app', (t) => {
      c.id(t);
      c.tenant(t);
      t.string('name', 64).notNullable();
      c.identifier(t, 'app_key', 64).notNullable().unique();
      t.string('secret_hash', 255).notNullable();
      t.string('status', 16).notNullable().defaultTo('enabled');
      c.ref(t, 'created_by').nullable();
      c.epochMs(t, 'last_used_at').nullable();
      c.timestamps(t);
    });

    await knex.schema.createTable('api_token', (t) => {
      c.id(t);
      c.tenant(t);
      c.ref(t, 'app_id').notNullable().references('id').inTable('api_app').onDelete('CASCADE');
      c.identifier(t, 'token_hash', 64).notNullable().unique();
      c.epochMs(t, 'created_at').notNullable();
      c.epochMs(t, 'expires_at').notNullable();
      t.index(['app_id']);
    });
  },
  async down(knex) {
    for (const table of ['api_token', 'api_app', 'staff_session', 'staff', 'tenant']) {
      await knex.schema.dropTableIfExists(table);
    }
  },
};
