import type { OltpMigration } from './types.js';

/** Every partition of the inbox (ARCHITECTURE §5.2): hash(tenant, anonymousId ?? userId) mod 16. */
export const INBOX_PARTITIONS = 16;

/**
 * Ingestion (ARCHITECTURE §5): the contacts master with its channel accounts and the contact-change
 * outbox (contacts module), and the durable inbox, load batches, quarantine and partition leases
 * (ingestion module).
 */
export const ingestion: OltpMigration = {
  name: '0009_ingestion',
  async up(knex, c) {
    // 联系人 (§2.1.1, §2.1.3): the merge of channel accounts. `created_at` is the moment it became
    // identified (NULL while anonymous); `inserted_at` when the row was made.
    await knex.schema.createTable('contact', (t) => {
      c.id(t);
      c.tenant(t);
      t.boolean('identified').notNullable().defaultTo(false);
      t.string('name', 255).nullable();
      t.string('nickname', 255).nullable();
      t.string('gender', 16).nullable();
      c.date(t, 'birthday').nullable();
      t.string('mobile', 64).nullable();
      t.string('email', 255).nullable();
      t.string('avatar', 1024).nullable();
      t.string('company', 255).nullable();
      t.string('department', 255).nullable();
      t.string('title', 255).nullable();
      t.string('industry', 255).nullable();
      t.string('home_phone', 64).nullable();
      t.string('id_card', 64).nullable();
      t.string('postal_code', 32).nullable();
      t.string('country', 128).nullable();
      t.string('province', 128).nullable();
      t.string('city', 128).nullable();
      t.string('street', 255).nullable();
      t.string('website', 512).nullable();
      t.string('comment', 1024).nullable();
      // Custom fields (§1.10.7) by seq: {"1": "金卡", "2": 3}.
      // MEDIUMTEXT on MySQL: up to 500 custom fields of 1 KB (TEXT stops at 64 KB).
      t.text('attributes', 'mediumtext').nullable();
      // Created utm: recorded when the contact becomes identified.
      t.string('utm_source', 255).nullable();
      t.string('utm_medium', 255).nullable();
      t.string('utm_campaign', 255).nullable();
      t.string('utm_content', 255).nullable();
      t.string('utm_term', 255).nullable();
      c.epochMs(t, 'first_seen_at').nullable();
      c.epochMs(t, 'last_active_at').nullable();
      c.epochMs(t, 'created_at').nullable();
      c.epochMs(t, 'updated_at').notNullable();
      c.epochMs(t, 'inserted_at').notNullable();
      t.index(['tenant_id', 'updated_at']);
    });

    // 渠道账号: a user id of one type in one channel (an externalId, a cookie's anonymousId…).
    await knex.schema.createTable('channel_account', (t) => {
      c.id(t);
      c.tenant(t);
      c.ref(t, 'channel_id').notNullable();
      c.identifier(t, 'id_type', 64).notNullable();
      c.identifier(t, 'user_id', 191).notNullable();
      c.ref(t, 'contact_id').notNullable();
      c.epochMs(t, 'first_seen_at').nullable();
      c.timestamps(t);
      t.unique(['tenant_id', 'channel_id', 'id_type', 'user_id']);
      t.index(['tenant_id', 'contact_id']);
    });

    // The contact-change outbox (ARCHITECTURE §5.6): written in the same transaction as the change,
    // deleted once the contact's row reached OLAP (a queue, not a watermark).
    await knex.schema.createTable('contact_change', (t) => {
      t.bigIncrements('seq').primary();
      c.tenant(t);
      c.ref(t, 'contact_id').notNullable();
      c.epochMs(t, 'changed_at').notNullable();
    });

    // The durable inbox (§5.2): one row per accepted message; the answer means it is committed.
    // UNIQUE(tenant, message_id) is the 7-day dedupe; drained rows stay 7 days (replay, dedupe).
    await knex.schema.createTable('inbox', (t) => {
      t.bigIncrements('seq').primary();
      // No separate tenant index: the unique key starts with it.
      t.bigInteger('tenant_id').unsigned().notNullable().references('id').inTable('tenant').onDelete('CASCADE');
      t.tinyint('partition').unsigned().notNullable();
      c.identifier(t, 'message_id', 128).notNullable();
      t.text('body').notNullable();
      c.epochMs(t, 'received_at').notNullable();
      // Set with the load batch that takes it (before loading), then drained_at once loaded.
      c.ref(t, 'load_batch_id').nullable();
      c.epochMs(t, 'drained_at').nullable();
      t.unique(['tenant_id', 'message_id']);
      t.index(['partition', 'load_batch_id', 'seq']);
      t.index(['received_at']);
    });

    // A load batch (§5.3): recorded before loading; its id is the OLAP ledger key.
    await knex.schema.createTable('load_batch', (t) => {
      c.id(t);
      c.tenant(t);
      t.tinyint('partition').unsigned().notNullable();
      t.bigInteger('from_seq').notNullable();
      t.bigInteger('to_seq').notNullable();
      // loading | loaded
      t.string('state', 16).notNullable();
      t.integer('messages').notNullable();
      t.integer('events').notNullable().defaultTo(0);
      t.integer('quarantined').notNullable().defaultTo(0);
      c.epochMs(t, 'created_at').notNullable();
      c.epochMs(t, 'loaded_at').nullable();
      t.index(['partition', 'state']);
      t.index(['tenant_id', 'loaded_at']);
    });

    // 数据质量: messages held back (undeclared event, time out of range, invalid identify), kept
    // 30 days, replayable once the metadata is fixed.
    await knex.schema.createTable('quarantine', (t) => {
      c.id(t);
      c.tenant(t);
      c.identifier(t, 'message_id', 128).notNullable();
      t.string('reason', 64).notNullable();
      c.identifier(t, 'event', 128).nullable();
      t.string('type', 16).notNullable();
      t.text('problems', 'mediumtext').nullable();
      t.text('body').notNullable();
      c.ref(t, 'load_batch_id').nullable();
      c.epochMs(t, 'received_at').notNullable();
      c.epochMs(t, 'quarantined_at').notNullable();
      c.epochMs(t, 'expires_at').notNullable();
      // Set when an operator replays it: it went back into the inbox (once).
      c.epochMs(t, 'replayed_at').nullable();
      c.ref(t, 'replayed_by').nullable();
      t.index(['tenant_id', 'reason', 'replayed_at']);
      t.index(['expires_at']);
    });

    // Counters for 数据质量: values that could not be converted to their declared type (stored NULL,
    // raw value kept in `extra`), by day (tenant zone) and property.
    await knex.schema.createTable('ingest_issue', (t) => {
      c.tenant(t);
      c.date(t, 'day').notNullable();
      t.string('reason', 64).notNullable();
      c.identifier(t, 'subject', 128).notNullable();
      t.bigInteger('occurrences').notNullable();
      c.epochMs(t, 'last_seen_at').notNullable();
      t.primary(['tenant_id', 'day', 'reason', 'subject']);
    });

    // Partition leases of the ingest worker (§5.3), on the database clock. Global: a partition
    // holds messages of every tenant.
    await knex.schema.createTable('ingest_partition', (t) => {
      t.tinyint('partition').unsigned().primary();
      c.identifier(t, 'holder', 191).nullable();
      c.epochMs(t, 'expires_at').nullable();
    });
    await knex('ingest_partition').insert(
      Array.from({ length: INBOX_PARTITIONS }, (_, partition) => ({ partition, holder: null, expires_at: null })),
    );
  },
  async down(knex) {
    for (const table of [
      'ingest_partition',
      'ingest_issue',
      'quarantine',
      'load_batch',
      'inbox',
      'contact_change',
      'channel_account',
      'contact',
    ])
      await knex.schema.dropTableIfExists(table);
  },
};
