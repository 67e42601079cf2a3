import type { OltpMigration } from './types.js';

/**
 * 忘记密码 (seed §1.1.3.1.1, §1.2.2; staff module, docs/decisions/0021-password-reset-by-email.md):
 * one row per accepted reset request of an existing, enabled staff member. The mail's token is
 * stored as its SHA-256 only, set when the mail is sent (NULL until then); a row is used once.
 */
export const passwordReset: OltpMigration = {
  name: '0012_password_reset',
  async up(knex, c) {
    await knex.schema.createTable('password_reset', (t) => {
      c.id(t);
      c.tenant(t);
      c.ref(t, 'staff_id').notNullable().references('id').inTable('staff').onDelete('CASCADE');
      // SHA-256 (hex) of the mailed token; NULL while the mail is not sent yet.
      c.identifier(t, 'token_hash', 64).nullable().unique();
      c.epochMs(t, 'created_at').notNullable();
      // Refused from this instant on; a newer request of the same staff member moves it to "now".
      c.epochMs(t, 'expires_at').notNullable();
      c.epochMs(t, 'used_at').nullable();
      // The client address the request came from (who asked, for operators).
      t.string('requested_ip', 64).nullable();
      t.index(['tenant_id', 'staff_id', 'id']);
    });
  },
  async down(knex) {
    await knex.schema.dropTableIfExists('password_reset');
  },
};
