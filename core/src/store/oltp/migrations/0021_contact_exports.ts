import type { OltpMigration } from './types.js';

/**
 * 用户导出 (seed §1.4.4, §1.4.5; contact-exports module, ADR 0034): one row per export — what was
 * asked (columns, filter, the official account and custom channel whose ids it adds, the masked
 * fields left out), the task that writes it, and its outcome (rows, file, expiry) for the 导出任务列表.
 * Stored files get the permission a download needs (an export's file: contacts.export), so the
 * generic file download cannot widen it.
 */
export const contactExports: OltpMigration = {
  name: '0021_contact_exports',
  async up(knex, c) {
    await knex.schema.createTable('contact_export', (t) => {
      c.id(t);
      c.tenant(t);
      c.ref(t, 'task_id').notNullable();
      c.ref(t, 'created_by').nullable();
      // queued | running | succeeded | failed | cancelled (the task's end, kept after the task is pruned)
      t.string('status', 16).notNullable();
      // JSON: the column keys written, in order (`contactId` first), and the masked keys left out.
      t.text('columns').notNullable();
      t.text('excluded_fields').notNullable();
      // JSON condition tree of the list's filter; null = every identified contact.
      t.text('filter', 'mediumtext').nullable();
      c.ref(t, 'wechat_channel_id').nullable();
      c.ref(t, 'custom_channel_id').nullable();
      t.integer('row_count').nullable();
      c.ref(t, 'file_id').nullable();
      t.string('error_code', 100).nullable();
      c.epochMs(t, 'expires_at').nullable();
      c.epochMs(t, 'finished_at').nullable();
      c.epochMs(t, 'created_at').notNullable();
      t.index(['tenant_id', 'created_at']);
      t.index(['tenant_id', 'task_id']);
    });
    await knex.schema.alterTable('stored_file', (t) => {
      t.string('permission', 100).nullable();
    });
  },
  async down(knex) {
    await knex.schema.alterTable('stored_file', (t) => {
      t.dropColumn('permission');
    });
    await knex.schema.dropTableIfExists('contact_export');
  },
};
