import type { OltpMigration } from './types.js';

/**
 * 用户导入 and 批量编辑用户 (seed §1.4.3, §1.4.6; contact-imports module, ADR 0033): one row per
 * uploaded file. It names the task that processes it and is the import's commit marker: the
 * contacts (or their edits) and `status = 'committed'` are written in one transaction, so a run
 * that finds the row committed after a crash writes nothing again (docs/decisions/0033).
 */
export const contactImports: OltpMigration = {
  name: '0020_contact_imports',
  async up(knex, c) {
    await knex.schema.createTable('contact_import', (t) => {
      c.id(t);
      c.tenant(t);
      // `import` (用户导入) or `batchEdit` (批量编辑用户).
      t.string('kind', 16).notNullable();
      // No foreign keys to task / stored_file: finished tasks and expired files are pruned.
      c.ref(t, 'task_id').notNullable();
      c.ref(t, 'file_id').notNullable();
      t.string('file_name', 255).notNullable();
      // queued → done (rows and the commit marker written in one transaction), or failed (whole file refused).
      t.string('status', 16).notNullable();
      t.integer('total_rows').nullable();
      t.integer('success_count').nullable();
      t.integer('failure_count').nullable();
      c.ref(t, 'failure_file_id').nullable();
      t.string('error_code', 64).nullable();
      c.ref(t, 'created_by').nullable();
      c.timestamps(t);
      c.epochMs(t, 'committed_at').nullable();
      t.unique(['tenant_id', 'task_id'], { indexName: 'contact_import_tenant_task_unique' });
      t.index(['tenant_id', 'kind', 'id'], 'contact_import_tenant_kind_index');
    });
  },
  async down(knex) {
    await knex.schema.dropTableIfExists('contact_import');
  },
};
