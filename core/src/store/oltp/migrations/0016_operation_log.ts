import type { OltpMigration } from './types.js';

/**
 * 操作日志 (seed §1.11.4.8, audit module): what staff did in the console, kept long term. A row
 * holds ids, codes and counts only — never a contact's or a staff member's name, email or phone
 * (the console joins staff names at read time). The indexes follow the filters: newest first for
 * the tenant, for one staff member, and for one operation.
 */
export const operationLog: OltpMigration = {
  name: '0016_operation_log',
  async up(knex, c) {
    await knex.schema.createTable('operation_log', (t) => {
      c.id(t);
      c.tenant(t);
      // No foreign key to staff: the log outlives a deleted staff member (ids are never reused).
      c.ref(t, 'staff_id').notNullable();
      t.string('object_type', 32).notNullable();
      t.string('operation', 32).notNullable();
      // The object's id (a channel, a role, the surviving contact…), NULL when there is none.
      c.identifier(t, 'object_id', 64).nullable();
      // JSON of ids, counts, flags and codes (validated by the audit module before it is written).
      t.text('detail').nullable();
      // The staff member's client address (IPv6 at most 45 characters).
      t.string('ip', 45).nullable();
      c.epochMs(t, 'at').notNullable();
      t.index(['tenant_id', 'at'], 'operation_log_tenant_at_index');
      t.index(['tenant_id', 'staff_id', 'at'], 'operation_log_tenant_staff_at_index');
      t.index(['tenant_id', 'object_type', 'operation', 'at'], 'operation_log_tenant_operation_at_index');
    });
  },
  async down(knex) {
    await knex.schema.dropTableIfExists('operation_log');
  },
};
