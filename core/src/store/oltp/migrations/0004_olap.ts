import type { OltpMigration } from './types.js';

/**
 * The OLAP schema versions: every declaration the analytics engine applied to a tenant, in order.
 * The engine reconciles each tenant's OLAP schema to its latest row at start (ARCHITECTURE §4).
 */
export const olap: OltpMigration = {
  name: '0004_olap',
  async up(knex, c) {
    await knex.schema.createTable('olap_schema', (t) => {
      c.id(t);
      c.tenant(t);
      t.integer('version').unsigned().notNullable();
      // sha256 of the canonical declaration: an unchanged re-declaration records nothing.
      t.string('checksum', 64).notNullable();
      // The canonical declaration as JSON text (MEDIUMTEXT on MySQL: hundreds of properties fit).
      t.text('declaration', 'mediumtext').notNullable();
      c.epochMs(t, 'applied_at').notNullable();
      t.unique(['tenant_id', 'version']);
    });
  },
  async down(knex) {
    await knex.schema.dropTableIfExists('olap_schema');
  },
};
