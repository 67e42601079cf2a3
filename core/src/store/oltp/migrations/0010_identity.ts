import type { OltpMigration } from './types.js';

/**
 * Identity and merges (ARCHITECTURE §5.7–§5.8, contacts module): where merged-away contacts went,
 * the merge history, merge candidates for operators, and each tenant's identity settings (the
 * blocked values that never match, seed §1.4.7).
 */
export const identity: OltpMigration = {
  name: '0010_identity',
  async up(knex, c) {
    // A merged-away contact's outbox row names its survivor: the sync loads the alias and deletes
    // the merged-away OLAP row in the same load as the survivor's new values.
    await knex.schema.alterTable('contact_change', (t) => {
      c.ref(t, 'merged_into').nullable();
    });

    // Ids unique across a channel type (a unionId): found in any channel, and locked while linked —
    // two writers linking one unionId from two channels serialize on this index (ADR 0019).
    await knex.schema.alterTable('channel_account', (t) => {
      t.index(['tenant_id', 'id_type', 'user_id'], 'channel_account_type_user_index');
    });

    // Merged-away contact → its final survivor (chains are kept one hop long), as OLAP has it:
    // old ids (in URLs, exports, candidates) still find their person.
    await knex.schema.createTable('contact_alias', (t) => {
      c.id(t);
      c.tenant(t);
      c.ref(t, 'from_contact_id').notNullable();
      c.ref(t, 'to_contact_id').notNullable();
      c.epochMs(t, 'merged_at').notNullable();
      t.unique(['tenant_id', 'from_contact_id']);
      t.index(['tenant_id', 'to_contact_id']);
    });

    // 合并历史: every merge, with what was needed to explain it (both contacts' values before).
    await knex.schema.createTable('contact_merge', (t) => {
      c.id(t);
      c.tenant(t);
      c.ref(t, 'survivor_id').notNullable();
      c.ref(t, 'merged_id').notNullable();
      // `anonymous_identified`, `wechat_info`, `wechat_union_id`, `candidate_accepted`…
      c.identifier(t, 'rule', 64).notNullable();
      // The staff member who merged by hand; NULL for the pipeline's automatic merges.
      c.ref(t, 'actor_staff_id').nullable();
      c.ref(t, 'candidate_id').nullable();
      t.text('evidence').nullable();
      t.text('before', 'mediumtext').notNullable();
      c.epochMs(t, 'merged_at').notNullable();
      t.index(['tenant_id', 'survivor_id']);
      t.index(['tenant_id', 'merged_id']);
      t.index(['tenant_id', 'merged_at']);
    });

    // 合并候选: two contacts the pipeline would not merge on its own (an anonymous id already bound
    // to another identified contact). One row per pair (smaller id first): a dismissed pair stays
    // dismissed when the same evidence arrives again.
    await knex.schema.createTable('merge_candidate', (t) => {
      c.id(t);
      c.tenant(t);
      c.ref(t, 'contact_a').notNullable();
      c.ref(t, 'contact_b').notNullable();
      c.identifier(t, 'reason', 64).notNullable();
      t.text('evidence').nullable();
      t.string('status', 16).notNullable();
      c.ref(t, 'decided_by').nullable();
      c.epochMs(t, 'decided_at').nullable();
      c.timestamps(t);
      t.unique(['tenant_id', 'contact_a', 'contact_b']);
      t.index(['tenant_id', 'status', 'id']);
    });

    // Per-tenant identity settings; absent row = the defaults.
    await knex.schema.createTable('identity_setting', (t) => {
      c.id(t);
      c.tenant(t);
      t.text('blocked_values').notNullable();
      c.ref(t, 'updated_by').nullable();
      c.timestamps(t);
      t.unique(['tenant_id']);
    });
  },
  async down(knex) {
    for (const table of ['identity_setting', 'merge_candidate', 'contact_merge', 'contact_alias'])
      await knex.schema.dropTableIfExists(table);
    await knex.schema.alterTable('contact_change', (t) => {
      t.dropColumn('merged_into');
    });
    await knex.schema.alterTable('channel_account', (t) => {
      t.dropIndex(['tenant_id', 'id_type', 'user_id'], 'channel_account_type_user_index');
    });
  },
};
