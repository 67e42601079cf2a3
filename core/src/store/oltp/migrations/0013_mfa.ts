import type { OltpMigration } from './types.js';

/**
 * Multi-factor sign-in (多因素验证, seed §1.11.4.5.4; docs/decisions/0022-mfa-totp.md): each staff
 * member's TOTP state, and the short-lived challenges between a correct password and the session.
 */
export const mfa: OltpMigration = {
  name: '0013_mfa',
  async up(knex, c) {
    // One row per staff member whose MFA was ever switched on; absent = off.
    await knex.schema.createTable('staff_mfa', (t) => {
      c.id(t);
      c.tenant(t);
      c.ref(t, 'staff_id').notNullable().unique().references('id').inTable('staff').onDelete('CASCADE');
      // Switched on by super staff (开启多因素验证); off clears the binding.
      t.boolean('enabled').notNullable().defaultTo(false);
      // The TOTP secret (base32) sealed by the SecretBox; NULL until a device is bound.
      t.text('secret').nullable();
      // 已绑定 (是) when set; NULL = enabled, device not bound yet (否): bound at the next login.
      c.epochMs(t, 'bound_at').nullable();
      // The last TOTP time step accepted: a code of this step or an earlier one is refused (replay).
      t.bigInteger('last_step').nullable();
      // JSON array of the SHA-256 (hex) of the unused one-time recovery codes.
      t.text('recovery_codes').nullable();
      c.timestamps(t);
    });

    // Between a correct password and a session: an opaque token (only its hash stored), 5 minutes,
    // at most 5 wrong codes. `mfa` asks for a code of the bound device; `mfa_setup` binds one, its
    // new secret sealed here until the first code proves the device has it.
    await knex.schema.createTable('login_challenge', (t) => {
      c.id(t);
      c.tenant(t);
      c.ref(t, 'staff_id').notNullable().references('id').inTable('staff').onDelete('CASCADE');
      c.identifier(t, 'token_hash', 64).notNullable().unique();
      t.string('kind', 16).notNullable();
      t.text('pending_secret').nullable();
      t.integer('attempts').notNullable().defaultTo(0);
      c.epochMs(t, 'created_at').notNullable();
      c.epochMs(t, 'expires_at').notNullable();
      t.index(['staff_id']);
      t.index(['expires_at']);
    });
  },
  async down(knex) {
    for (const table of ['login_challenge', 'staff_mfa']) await knex.schema.dropTableIfExists(table);
  },
};
