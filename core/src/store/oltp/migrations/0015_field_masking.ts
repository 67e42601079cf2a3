import type { Knex } from 'knex';
import type { OltpMigration } from './types.js';

const isMysql = (knex: Knex) => /mysql/.test(String(knex.client.config.client));

/**
 * 联系人字段加密 (seed §1.11.4.7, masking module, ADR 0024): which contact fields are masked for
 * normal staff, and each tenant's RSA-encrypted mobiles setting (§1.11.4.7.6) — which needs a
 * contact's mobile to hold a ciphertext.
 */
export const fieldMasking: OltpMigration = {
  name: '0015_field_masking',
  async up(knex, c) {
    // One row per field ever set (absent = 不加密, every field starts unmasked). `field_key` is a
    // system field as identify names it (`mobilePhone`) or a custom field's `attr<seq>` — seqs are
    // never reused (fields are never deleted), so a key never changes meaning.
    await knex.schema.createTable('contact_field_mask', (t) => {
      c.id(t);
      c.tenant(t);
      c.identifier(t, 'field_key', 64).notNullable();
      t.boolean('masked').notNullable().defaultTo(false);
      c.ref(t, 'updated_by').nullable();
      c.timestamps(t);
      t.unique(['tenant_id', 'field_key']);
    });

    // 手机号 RSA 加密: on/off and the customer's public key (never a private key: Huiliu never decrypts).
    await knex.schema.createTable('mobile_encryption', (t) => {
      c.id(t);
      c.tenant(t);
      t.boolean('enabled').notNullable().defaultTo(false);
      t.text('public_key_pem').nullable();
      c.ref(t, 'updated_by').nullable();
      c.timestamps(t);
      t.unique(['tenant_id']);
    });

    // An RSA-4096 ciphertext in hex is 1,024 characters (contacts module's table; SQLite does not
    // enforce VARCHAR lengths). No index covers `mobile`.
    if (isMysql(knex)) await knex.raw('ALTER TABLE contact MODIFY mobile VARCHAR(1024) NULL');
  },
  async down(knex) {
    for (const table of ['mobile_encryption', 'contact_field_mask']) await knex.schema.dropTableIfExists(table);
    if (isMysql(knex)) await knex.raw('ALTER TABLE contact MODIFY mobile VARCHAR(64) NULL');
  },
};
