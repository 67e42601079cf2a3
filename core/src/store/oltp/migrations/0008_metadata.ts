import type { OltpMigration } from './types.js';

/**
 * Metadata management (元数据管理, seed §1.10): custom contact fields, event properties, custom
 * events with their sub-events and extended properties, virtual events, dictionary and dimension
 * tables. Operator IDs are matched case-sensitively (`code`, binary collation) and refused when they
 * differ from a live one only in case (`code_key`, lower case, unique; NULL once deleted, so the
 * tombstone keeps its numeric id and the OLAP column `p_<id>` is never reused — ADR 0016).
 */
export const metadata: OltpMigration = {
  name: '0008_metadata',
  async up(knex, c) {
    // 自定义字段 (§1.10.7): addressed as attr<seq> by identify calls; never deleted.
    await knex.schema.createTable('meta_contact_field', (t) => {
      c.id(t);
      c.tenant(t);
      t.integer('seq').unsigned().notNullable();
      t.string('name', 64).notNullable();
      // string | integer | decimal | date | anniversary — immutable.
      t.string('type', 16).notNullable();
      t.integer('position').notNullable();
      // 1 or 2 for an anniversary (at most two per tenant, enforced by the unique index), else NULL.
      t.tinyint('anniversary_slot').nullable();
      c.timestamps(t);
      t.unique(['tenant_id', 'seq']);
      t.unique(['tenant_id', 'anniversary_slot']);
    });

    // 事件属性 (§1.10.8): custom ones, and the system (`s_`) and SDK (`$`) presets materialized per
    // tenant so each has a numeric id (its OLAP column).
    await knex.schema.createTable('meta_event_property', (t) => {
      c.id(t);
      c.tenant(t);
      c.identifier(t, 'code', 64).notNullable();
      c.identifier(t, 'code_key', 64).nullable();
      t.string('name', 64).notNullable();
      t.string('type', 16).notNullable();
      // custom | system | sdk
      t.string('source', 8).notNullable();
      // The plugin that contributed a system property.
      t.string('plugin_id', 64).nullable();
      // When the first event carrying it arrived (set by ingestion); blocks deletion.
      c.epochMs(t, 'data_seen_at').nullable();
      c.epochMs(t, 'deleted_at').nullable();
      c.ref(t, 'created_by').nullable();
      c.timestamps(t);
      t.unique(['tenant_id', 'code_key']);
    });

    // 自定义事件 (§1.10.9) and their sub-events (parent_id). System preset events are the plugins'.
    await knex.schema.createTable('meta_event_type', (t) => {
      c.id(t);
      c.tenant(t);
      c.identifier(t, 'code', 64).notNullable();
      c.identifier(t, 'code_key', 64).nullable();
      t.string('name', 64).notNullable();
      c.ref(t, 'channel_id').notNullable();
      c.ref(t, 'parent_id').nullable();
      t.string('description', 500).nullable();
      c.epochMs(t, 'data_seen_at').nullable();
      c.epochMs(t, 'deleted_at').nullable();
      c.ref(t, 'created_by').nullable();
      c.timestamps(t);
      t.unique(['tenant_id', 'code_key']);
      t.index(['tenant_id', 'channel_id']);
    });

    // Extended properties of a custom event (add only).
    await knex.schema.createTable('meta_event_type_property', (t) => {
      c.tenant(t);
      c.ref(t, 'event_type_id').notNullable();
      c.ref(t, 'property_id').notNullable();
      t.integer('position').notNullable();
      t.primary(['event_type_id', 'property_id']);
    });

    // 虚拟事件 (§1.10.10): a rule resolved at query time; conditions name it `virtual:<id>`.
    await knex.schema.createTable('meta_virtual_event', (t) => {
      c.id(t);
      c.tenant(t);
      t.string('name', 64).notNullable();
      t.string('description', 500).nullable();
      // JSON: { members: [{ event, filters?, filterRelation? }] }
      t.text('definition').notNullable();
      c.epochMs(t, 'deleted_at').nullable();
      c.ref(t, 'created_by').nullable();
      c.timestamps(t);
      t.index(['tenant_id', 'deleted_at']);
    });

    // 维度表 (§1.10.13) and 字典表 (§1.10.12): a dictionary is a two-field table (value, label)
    // mirrored into OLAP like a dimension table, so both share one id space (`dimension_<id>`).
    await knex.schema.createTable('meta_dimension_table', (t) => {
      c.id(t);
      c.tenant(t);
      // dimension | dictionary
      t.string('kind', 16).notNullable();
      c.identifier(t, 'code', 64).nullable();
      c.identifier(t, 'code_key', 64).nullable();
      t.string('name', 64).notNullable();
      // The linked property: target event | contact, and the property's key (`s_originScene`, `city`, `attr3`).
      t.string('link_target', 8).notNullable();
      c.identifier(t, 'link_property', 64).notNullable();
      // `<kind>:<target>:<property>` while live: one dimension table and one dictionary per property.
      c.identifier(t, 'link_key', 160).nullable();
      c.ref(t, 'primary_field_id').nullable();
      // empty | loading | ready | clearing
      t.string('status', 16).notNullable().defaultTo('empty');
      t.bigInteger('row_count').notNullable().defaultTo(0);
      c.ref(t, 'task_id').nullable();
      c.epochMs(t, 'loaded_at').nullable();
      c.epochMs(t, 'deleted_at').nullable();
      c.ref(t, 'created_by').nullable();
      c.timestamps(t);
      t.unique(['tenant_id', 'code_key']);
      t.unique(['tenant_id', 'link_key']);
    });

    await knex.schema.createTable('meta_dimension_field', (t) => {
      c.id(t);
      c.tenant(t);
      c.ref(t, 'dimension_id').notNullable();
      c.identifier(t, 'code', 64).notNullable();
      c.identifier(t, 'code_key', 64).notNullable();
      t.string('name', 64).notNullable();
      t.string('type', 16).notNullable();
      t.integer('position').notNullable();
      c.timestamps(t);
      t.unique(['dimension_id', 'code_key']);
    });

    // A dictionary's entries: the truth for labels (timelines, reports); OLAP holds a mirror.
    await knex.schema.createTable('meta_dictionary_entry', (t) => {
      c.tenant(t);
      c.ref(t, 'dimension_id').notNullable();
      c.identifier(t, 'value', 191).notNullable();
      t.string('label', 255).notNullable();
      t.primary(['dimension_id', 'value']);
    });
  },
  async down(knex) {
    for (const table of [
      'meta_dictionary_entry',
      'meta_dimension_field',
      'meta_dimension_table',
      'meta_virtual_event',
      'meta_event_type_property',
      'meta_event_type',
      'meta_event_property',
      'meta_contact_field',
    ])
      await knex.schema.dropTableIfExists(table);
  },
};
