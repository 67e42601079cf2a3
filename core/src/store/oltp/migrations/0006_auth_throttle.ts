import type { Knex } from 'knex';
import type { OltpMigration } from './types.js';

const isMysql = (knex: Knex) => /mysql/.test(String(knex.client.config.client));

/** The normal form of a staff email (as `normalizeEmail` writes it). */
const normalEmail = (email: string) => email.trim().normalize('NFC').toLowerCase().normalize('NFC');

/**
 * Login and token throttles shared by every process (docs/decisions/0012-login-throttling.md), and
 * staff emails compared exactly: stored in their normal form (NFC, lower case) and, on MySQL, under
 * a binary collation — `utf8mb4_*_ci` would let `ádmin@…` match `admin@…`.
 */
export const authThrottle: OltpMigration = {
  name: '0006_auth_throttle',
  async up(knex, c) {
    await knex.schema.createTable('auth_throttle', (t) => {
      // What is counted (`login.pair`, `login.account`, `login.ip`, `token.ip`, …) and the SHA-256 of
      // its key (client address, account): no address or email in clear.
      t.string('scope', 32).notNullable();
      c.identifier(t, 'key_hash', 64).notNullable();
      // Attempts in the current window, in flight included (a success gives its attempt back).
      t.integer('failures').notNullable().defaultTo(0);
      c.epochMs(t, 'window_started_at').notNullable();
      c.epochMs(t, 'locked_until').notNullable().defaultTo(0);
      // How many locks in a row: each lock lasts twice as long as the one before.
      t.integer('lock_level').notNullable().defaultTo(0);
      c.epochMs(t, 'next_allowed_at').notNullable().defaultTo(0);
      c.epochMs(t, 'updated_at').notNullable();
      t.primary(['scope', 'key_hash']);
      t.index(['updated_at']);
    });

    const rows = await knex('staff').select<{ id: number | string; email: string }[]>('id', 'email');
    for (const row of rows) {
      const email = normalEmail(row.email);
      if (email === row.email) continue;
      try {
        await knex('staff').where({ id: row.id }).update({ email });
      } catch {
        // Another row already holds the normal form (cannot happen under the old unique index in
        // practice); the row keeps its spelling and can still log in with it exactly.
      }
    }
    if (isMysql(knex)) {
      await knex.raw('ALTER TABLE staff MODIFY email VARCHAR(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL');
    }
  },
  async down(knex) {
    if (isMysql(knex)) await knex.raw('ALTER TABLE staff MODIFY email VARCHAR(191) CHARACTER SET utf8mb4 NOT NULL');
    await knex.schema.dropTableIfExists('auth_throttle');
  },
};
