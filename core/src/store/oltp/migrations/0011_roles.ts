import type { OltpMigration } from './types.js';

/**
 * Roles (角色, seed §1.11.4.6): a named set of permission-matrix rows; a staff member's rights are
 * the union of their enabled roles. Owned by the staff module.
 */
export const roles: OltpMigration = {
  name: '0011_roles',
  async up(knex, c) {
    await knex.schema.createTable('role', (t) => {
      c.id(t);
      c.tenant(t);
      t.string('name', 64).notNullable();
      t.string('status', 16).notNullable().defaultTo('enabled');
      // The granted permission ids (JSON array), stored closed over their linked rights.
      t.text('permissions').notNullable();
      c.ref(t, 'created_by').nullable();
      c.timestamps(t);
      t.unique(['tenant_id', 'name']);
    });

    // A staff member's roles. Deleting a role strips it from its members (seed: 删除角色后，已关联角色的员工将不再拥有该角色).
    await knex.schema.createTable('staff_role', (t) => {
      c.id(t);
      c.tenant(t);
      c.ref(t, 'staff_id').notNullable().references('id').inTable('staff').onDelete('CASCADE');
      c.ref(t, 'role_id').notNullable().references('id').inTable('role').onDelete('CASCADE');
      t.unique(['tenant_id', 'staff_id', 'role_id']);
      t.index(['tenant_id', 'role_id']);
    });
  },
  async down(knex) {
    await knex.schema.dropTableIfExists('staff_role');
    await knex.schema.dropTableIfExists('role');
  },
};
