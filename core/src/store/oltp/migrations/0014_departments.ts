import type { OltpMigration } from './types.js';

/**
 * Departments and their data permissions (业务对象分配所属部门, seed §1.11.4.5.5; ADR 0023): the
 * department tree, the tenant's 组织架构 switch, and which department each staff member is in (at
 * most one). Business objects keep their own `department_id` in their own module's tables.
 */
export const departments: OltpMigration = {
  name: '0014_departments',
  async up(knex, c) {
    await knex.schema.createTable('department', (t) => {
      c.id(t);
      c.tenant(t);
      // Case-sensitive and exact on both engines (binary collation on MySQL), like every name we compare.
      c.identifier(t, 'name', 64).notNullable();
      // (Cascades only when the tenant goes: the service never deletes a department with children.)
      c.ref(t, 'parent_id').nullable().references('id').inTable('department').onDelete('CASCADE');
      // parent_id, or 0 for a top-level department: NULLs never collide in a unique index, so the
      // "unique among siblings" index needs a non-null copy (written together with parent_id).
      c.ref(t, 'parent_key').notNullable();
      t.integer('sort').notNullable();
      c.timestamps(t);
      t.unique(['tenant_id', 'parent_key', 'name']);
    });

    // 组织架构 (the seed's "联系客服开启组织架构功能"): off, or no row, means no data permissions apply.
    await knex.schema.createTable('department_setting', (t) => {
      c.id(t);
      c.tenant(t);
      t.boolean('org_enabled').notNullable();
      c.ref(t, 'updated_by').nullable();
      c.timestamps(t);
      t.unique(['tenant_id']);
    });

    // A staff member is in at most one department; the row goes when the staff row does.
    await knex.schema.createTable('staff_department', (t) => {
      c.id(t);
      c.tenant(t);
      c.ref(t, 'staff_id').notNullable().references('id').inTable('staff').onDelete('CASCADE');
      // (Cascades only when the tenant goes: the service never deletes a department with staff.)
      c.ref(t, 'department_id').notNullable().references('id').inTable('department').onDelete('CASCADE');
      c.timestamps(t);
      t.unique(['staff_id']);
      t.index(['tenant_id', 'department_id']);
    });
  },
  async down(knex) {
    for (const table of ['staff_department', 'department_setting', 'department']) await knex.schema.dropTableIfExists(table);
  },
};
