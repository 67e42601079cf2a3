import type { OltpMigration } from './types.js';

/**
 * Saved reports, per-tenant quotas and dashboards (seed §1.3, §1.7; SPEC §6; ADR 0053).
 *
 * - `report` and `report_quota` belong to the reports module: a saved report is a model id, a name
 *   and the model's query (JSON), with an owning department (ADR 0023); rows are kept on delete
 *   (`deleted_at`) so an id is never handed out again. `report_quota` is one optional row per tenant
 *   (NULL columns: the defaults), set by platform operators (`huiliu admin quotas`).
 * - `dashboard_folder`, `dashboard` and `dashboard_card` belong to the dashboards module: folders up
 *   to 4 levels ordered by `position` among their siblings, dashboards ordered within their folder,
 *   and the cards (a saved report at most once per dashboard, UNIQUE) in their order and size.
 */
export const dashboards: OltpMigration = {
  name: '0034_dashboards',
  async up(knex, c) {
    await knex.schema.createTable('report', (t) => {
      c.id(t);
      c.tenant(t);
      // A report model id (`event`, `acme.leadsByPipeline`…), matched exactly.
      c.identifier(t, 'model', 100).notNullable();
      t.string('name', 50).notNullable();
      // The model's query as JSON (up to the 256 KB a request may carry).
      t.text('query', 'mediumtext').notNullable();
      // 所属部门 (ADR 0023): NULL = visible to everyone.
      c.ref(t, 'department_id').nullable();
      c.ref(t, 'created_by').nullable();
      c.ref(t, 'updated_by').nullable();
      c.timestamps(t);
      c.epochMs(t, 'deleted_at').nullable();
      t.index(['tenant_id', 'deleted_at', 'model'], 'report_live_model_index');
      t.index(['tenant_id', 'department_id'], 'report_department_index');
    });

    await knex.schema.createTable('report_quota', (t) => {
      c.id(t);
      c.tenant(t);
      // NULL: the default (500 saved reports, 100 dashboards, 10 reports per dashboard).
      t.integer('max_reports').nullable();
      t.integer('max_dashboards').nullable();
      t.integer('max_cards').nullable();
      c.epochMs(t, 'changed_at').notNullable();
      // Who set it: the operator label given to the CLI (`--by`), else the OS user.
      t.string('changed_by', 191).nullable();
      t.unique(['tenant_id'], { indexName: 'report_quota_tenant_unique' });
    });

    await knex.schema.createTable('dashboard_folder', (t) => {
      c.id(t);
      c.tenant(t);
      // NULL: a first-level folder.
      c.ref(t, 'parent_id').nullable();
      t.string('name', 50).notNullable();
      // 1…4.
      t.integer('depth').notNullable();
      // 0, 1, 2… among its siblings (置顶 / 上移 / 下移).
      t.integer('position').notNullable().defaultTo(0);
      c.ref(t, 'department_id').nullable();
      c.ref(t, 'created_by').nullable();
      c.timestamps(t);
      t.index(['tenant_id', 'parent_id'], 'dashboard_folder_parent_index');
      t.index(['tenant_id', 'department_id'], 'dashboard_folder_department_index');
    });

    await knex.schema.createTable('dashboard', (t) => {
      c.id(t);
      c.tenant(t);
      // NULL: in no folder.
      c.ref(t, 'folder_id').nullable();
      t.string('name', 50).notNullable();
      t.integer('position').notNullable().defaultTo(0);
      c.ref(t, 'department_id').nullable();
      c.ref(t, 'created_by').nullable();
      c.ref(t, 'updated_by').nullable();
      c.timestamps(t);
      t.index(['tenant_id', 'folder_id'], 'dashboard_folder_index');
      t.index(['tenant_id', 'department_id'], 'dashboard_department_index');
    });

    await knex.schema.createTable('dashboard_card', (t) => {
      c.id(t);
      c.tenant(t);
      c.ref(t, 'dashboard_id').notNullable();
      // A saved report of the reports module (the same tenant's; checked through its service).
      c.ref(t, 'report_id').notNullable();
      // S, M or L.
      t.string('size', 1).notNullable();
      t.integer('position').notNullable();
      c.timestamps(t);
      t.unique(['tenant_id', 'dashboard_id', 'report_id'], { indexName: 'dashboard_card_report_unique' });
      t.index(['tenant_id', 'report_id'], 'dashboard_card_report_index');
    });
  },
  async down(knex) {
    for (const table of ['dashboard_card', 'dashboard', 'dashboard_folder', 'report_quota', 'report'])
      await knex.schema.dropTableIfExists(table);
  },
};
