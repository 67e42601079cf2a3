import type { OltpMigration } from './types.js';

/**
 * Per-tenant state of the scaled analytics store (StarRocks, ADR 0064), shared by every process:
 * `data_revision`, bumped after every OLAP write of any process (report caches key on it: the API and
 * `huiliu worker` processes are separate), and the tenant's operator-SQL StarRocks password, sealed
 * with the SecretBox (never stored in clear). The embedded store (DuckDB) does not use it.
 */
export const olapTenantState: OltpMigration = {
  name: '0037_olap_tenant_state',
  async up(knex, c) {
    await knex.schema.createTable('olap_tenant_state', (t) => {
      c.tenant(t);
      t.primary(['tenant_id']);
      t.bigInteger('data_revision').notNullable().defaultTo(0);
      t.text('operator_secret').nullable();
      c.epochMs(t, 'updated_at').notNullable();
    });
  },
  async down(knex) {
    await knex.schema.dropTableIfExists('olap_tenant_state');
  },
};
