import type { OltpMigration } from './types.js';

/**
 * 删除用户数据 (seed §2.2.6) and 删除微信GDPR数据 (§1.9.1.3.18), ADR 0037: one row per request (one
 * id typed in, or a TXT file of ids) and one row per id with its state, so that the erasure task
 * resumes after a crash exactly where it stopped: `pending` (nothing done yet) → `erasing` (the
 * OLTP part committed: accounts deleted, contact blanked; the ids of the deleted accounts kept for
 * the OLAP, inbox and quarantine deletions that follow) → `deleted`, or `not_found`.
 */
export const contactErasures: OltpMigration = {
  name: '0024_contact_erasures',
  async up(knex, c) {
    await knex.schema.createTable('contact_erasure', (t) => {
      c.id(t);
      c.tenant(t);
      c.ref(t, 'channel_id').notNullable();
      // customChannelData | wechatGdpr
      t.string('kind', 32).notNullable();
      // single | file
      t.string('source', 16).notNullable();
      // queued | running | succeeded | failed
      t.string('status', 16).notNullable();
      t.integer('total').notNullable();
      t.integer('deleted').notNullable().defaultTo(0);
      t.integer('not_found').notNullable().defaultTo(0);
      c.ref(t, 'task_id').nullable();
      // The downloadable list of the request's ids and what became of each (FilesService).
      c.ref(t, 'file_id').nullable();
      c.ref(t, 'created_by').nullable();
      c.epochMs(t, 'created_at').notNullable();
      c.epochMs(t, 'finished_at').nullable();
      t.index(['tenant_id', 'channel_id', 'id']);
    });
    await knex.schema.createTable('contact_erasure_item', (t) => {
      c.id(t);
      c.tenant(t);
      c.ref(t, 'erasure_id').notNullable();
      // The id as given (an external_id, an OpenID or a UnionID).
      c.identifier(t, 'user_id', 191).notNullable();
      // pending | erasing | deleted | not_found
      t.string('state', 16).notNullable();
      c.ref(t, 'contact_id').nullable();
      // JSON: the deleted channel accounts ({id, idType, userId}), set with `erasing`.
      t.text('accounts').nullable();
      c.epochMs(t, 'done_at').nullable();
      t.index(['tenant_id', 'erasure_id', 'state', 'id']);
    });
  },
  async down(knex) {
    await knex.schema.dropTableIfExists('contact_erasure_item');
    await knex.schema.dropTableIfExists('contact_erasure');
  },
};
