import type { OltpMigration } from './types.js';

/**
 * What a process last reconciled of a tenant's StarRocks store (ADR 0064, amendments 2026-12-05, follow-ups):
 * `reconciled_fingerprint` is a SHA-256 over the adapter's DDL version and everything a full
 * reconcile would send (tables and columns, views, event types, the operator user and its limits).
 * `start()` skips a tenant whose fingerprint matches and whose tables and views the cluster still
 * lists. NULL = never reconciled (or set back by an operator to force a reconcile at the next start).
 */
export const olapReconciled: OltpMigration = {
  name: '0040_olap_reconciled',
  async up(knex) {
    await knex.schema.alterTable('olap_tenant_state', (t) => {
      t.string('reconciled_fingerprint', 64).nullable();
    });
  },
  async down(knex) {
    await knex.schema.alterTable('olap_tenant_state', (t) => {
      t.dropColumn('reconciled_fingerprint');
    });
  },
};
