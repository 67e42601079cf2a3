import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { ZonedClock } from '../../src/lib/zoned-clock.js';
import { ingestWorkerRef } from '../../src/modules/ingestion/ingestion.module.js';
import { ingestionServiceRef } from '../../src/modules/ingestion/ingestion.service.js';
import { IngestionRepo } from '../../src/modules/ingestion/ingestion.repo.js';
import { IngestWorker } from '../../src/modules/ingestion/ingest-worker.js';
import { contactsServiceRef } from '../../src/modules/contacts/contacts.service.js';
import { metadataServiceRef } from '../../src/modules/metadata/metadata.service.js';
import { tenantServiceRef } from '../../src/modules/tenancy/tenant.service.js';
import { firstPartyPlugins } from '../support/plugins.js';
import { testEngines } from '../support/engines.js';
import { Client, createTestApp, describeEngines } from '../support/test-app.js';
import { ingestTenant, uuidv7 } from './support.js';

const withPlugins = { plugins: firstPartyPlugins };

describeEngines(
  'ingestion: collect API → durable inbox → OLAP exactly once (ARCHITECTURE §5)',
  (ctx) => {
    it('accepts a tracked event durably, loads it typed on drain, and creates the anonymous contact', async () => {
      const t = await ingestTenant(ctx.app);
      const messageId = uuidv7();
      const res = await t.collect('track', {
        messageId,
        anonymousId: 'cookie-1',
        event: 'purchase',
        properties: { amount: '12.5', sku: 'A-1', coupon: 'X9' },
        timestamp: new Date(Date.now() - 60_000).toISOString(),
      });
      expect(res.statusCode).toBe(200);
      expect(res.body).toEqual({ accepted: 1, dropped: 0, messageIds: [messageId] });
      // Durable in the inbox, not yet in OLAP.
      expect(await t.events()).toEqual([]);
      expect(await t.drain()).toBe(1);
      const [event] = await t.events();
      expect(event).toMatchObject({ event: 'purchase', message_id: messageId, channel_id: t.channelId, direction: 'inbound' });
      // A declared number arrives typed ("12.5" converts without loss); the undeclared coupon lands in extra.
      const typed = await ctx.app.olap.forTenant(t.tenantId).query('SELECT p_amount, p_sku FROM event_view', { rowMode: 'json' });
      expect(typed.rows).toEqual([{ p_amount: 12.5, p_sku: 'A-1' }]);
      expect(JSON.parse(String(event!.extra))).toEqual({ coupon: 'X9' });
      const contacts = await ctx.app.olap
        .forTenant(t.tenantId)
        .query('SELECT id, identified, last_active_at IS NOT NULL AS active FROM contacts', { rowMode: 'json' });
      expect(contacts.rows).toEqual([{ id: String(event!.contact_id), identified: false, active: true }]);
      // The tenant's first event fixes its time zone.
      const tenant = await t.staff.request('GET', '/api/v1/tenant');
      expect(tenant.body.firstEventAt).toBeGreaterThan(0);
    });

    it('signals each loaded batch to its listeners and names it as the last loaded batch', async () => {
      const t = await ingestTenant(ctx.app);
      const ingestion = ctx.app.service(ingestionServiceRef);
      const seen: { tenantId: string; batchId: string; events: number; contactIds: string[] }[] = [];
      ingestion.onBatchLoaded((batch) => {
        if (batch.tenantId === t.tenantId) seen.push(batch);
      });
      expect(await ingestion.lastLoadedBatch(t.tenantId)).toBeNull();
      await t.collect('batch', {
        batch: [
          { type: 'identify', anonymousId: 'sig', userId: 'u-sig', traits: { name: '李四' } },
          { type: 'track', anonymousId: 'sig', userId: 'u-sig', event: 'purchase' },
        ],
      });
      await t.drain();
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({ events: 1, contactIds: [expect.any(String)] });
      expect((await ingestion.lastLoadedBatch(t.tenantId))?.batchId).toBe(seen[0]!.batchId);
      // A late event (between the contact's first and last activity: nothing about the contact changes)
      // still names its contact: real-time groups and journeys evaluate it.
      const at = (hoursAgo: number) => new Date(Date.now() - hoursAgo * 3_600_000).toISOString();
      await t.collect('batch', {
        batch: [
          { type: 'identify', anonymousId: 'late', userId: 'u-late', traits: { name: '王五' }, timestamp: at(3) },
          { type: 'track', anonymousId: 'late', userId: 'u-late', event: 'purchase', timestamp: at(3) },
          { type: 'track', anonymousId: 'late', userId: 'u-late', event: 'purchase', timestamp: at(1) },
        ],
      });
      await t.drain();
      expect(seen).toHaveLength(2);
      await t.collect('batch', {
        batch: [{ type: 'track', anonymousId: 'late', userId: 'u-late', event: 'purchase', timestamp: at(2) }],
      });
      await t.drain();
      expect(seen).toHaveLength(3);
      expect(seen[2]).toMatchObject({ events: 1, contactIds: seen[1]!.contactIds });
      expect(seen[2]!.contactIds).toHaveLength(1);
    });

    it('counts a repeated messageId once, within one batch call and across calls', async () => {
      const t = await ingestTenant(ctx.app);
      const id = uuidv7();
      const message = { type: 'track', messageId: id, anonymousId: 'a', event: 'purchase', properties: { amount: 1 } };
      expect((await t.collect('batch', { batch: [message, message] })).statusCode).toBe(200);
      expect((await t.collect('track', message)).statusCode).toBe(200);
      await t.drain();
      expect(await t.events()).toHaveLength(1);
      // Sent again after the drain: still once.
      await t.collect('track', message);
      await t.drain();
      expect(await t.events()).toHaveLength(1);
    });

    it('records first seen and last active of each contact of a batch (one statement for many contacts)', async () => {
      const t = await ingestTenant(ctx.app);
      const base = Date.now() - 3600_000;
      const at = (minutes: number) => new Date(base + minutes * 60_000).toISOString();
      const track = (anonymousId: string, minutes: number) => ({
        type: 'track',
        anonymousId,
        event: 'purchase',
        properties: { amount: 1 },
        timestamp: at(minutes),
      });
      // Out of order within the batch: first seen is the earliest, last active the latest, per person.
      await t.collect('batch', {
        batch: [track('p-1', 5), track('p-2', 1), track('p-1', 2), track('p-3', 7), track('p-2', 9), track('p-1', 3)],
      });
      await t.drain();
      const db = ctx.app.oltp.forModule('contacts', ['contact', 'channel_account']).forTenant(t.tenantId);
      const rows = await db
        .from('channel_account')
        .join('contact', 'contact.id', 'channel_account.contact_id')
        .select('channel_account.user_id as who', 'contact.first_seen_at as first', 'contact.last_active_at as last');
      const byWho = Object.fromEntries(
        rows.map((r: { who: string; first: number | string; last: number | string }) => [
          r.who,
          [(Number(r.first) - base) / 60_000, (Number(r.last) - base) / 60_000],
        ]),
      );
      expect(byWho).toEqual({ 'p-1': [2, 5], 'p-2': [1, 9], 'p-3': [7, 7] });
      // The same in OLAP (the contacts reached it through the outbox).
      const olap = await ctx.app.olap
        .forTenant(t.tenantId)
        .query(
          'SELECT count(*)::INTEGER AS n FROM contacts WHERE first_seen_at IS NOT NULL AND last_active_at >= first_seen_at',
          {
            rowMode: 'json',
          },
        );
      expect(olap.rows).toEqual([{ n: 3 }]);
    });

    it('turns the anonymous cookie contact into the identified person and records created time and utm', async () => {
      const t = await ingestTenant(ctx.app);
      await t.collect('track', { anonymousId: 'ck-7', event: 'purchase', properties: { amount: 3 } });
      await t.collect('identify', {
        anonymousId: 'ck-7',
        userId: 'u-7',
        traits: {
          name: '张三',
          mobilePhone: '13800000000',
          gender: 'male',
          birthday: '1990-10-01',
          utm: { source: 'baidu', campaign: '双11' },
        },
      });
      // After identify an SDK sends both ids (the partition follows the anonymousId: in order).
      await t.collect('track', { anonymousId: 'ck-7', userId: 'u-7', event: 'purchase', properties: { amount: 4 } });
      await t.drain();
      const events = await t.events();
      expect(events).toHaveLength(2);
      expect(new Set(events.map((e) => e.contact_id)).size).toBe(1);
      const contact = await ctx.app.olap
        .forTenant(t.tenantId)
        .query(
          'SELECT identified, name, mobile, gender, birthday, utm_source, utm_campaign, created_at IS NOT NULL AS created FROM contacts',
          {
            rowMode: 'json',
          },
        );
      expect(contact.rows).toEqual([
        {
          identified: true,
          name: '张三',
          mobile: '13800000000',
          gender: 'male',
          birthday: '1990-10-01',
          utm_source: 'baidu',
          utm_campaign: '双11',
          created: true,
        },
      ]);
    });

    it('quarantines an undeclared event and loads it once on replay after it is declared', async () => {
      const t = await ingestTenant(ctx.app);
      await t.collect('track', { anonymousId: 'q1', event: 'signup', properties: { plan: 'pro' } });
      await t.collect('track', { anonymousId: 'q1', event: 'purchase', timestamp: '2001-01-01T00:00:00Z' });
      await t.collect('batch', {
        batch: [
          { type: 'merge', anonymousId: 'q1' },
          { type: 'track', event: 'purchase' },
        ],
      });
      await t.drain();
      expect(await t.events()).toEqual([]);
      const quality = (await t.staff.request('GET', '/api/v1/ingestion/quality')).body;
      expect(quality.quarantine.map((q: { reason: string; count: number }) => `${q.reason}:${q.count}`).sort()).toEqual([
        'event_time_out_of_range:1',
        'event_undeclared:1',
        'identity_missing:1',
        'type_unsupported:1',
      ]);
      const list = (await t.staff.request('GET', '/api/v1/ingestion/quarantine?reason=event_undeclared')).body;
      expect(list.total).toBe(1);
      expect(list.items[0]).toMatchObject({
        event: 'signup',
        type: 'track',
        message: { event: 'signup', properties: { plan: 'pro' } },
      });

      // Replaying before the fix: it comes back to the quarantine (a new entry), nothing loads.
      expect((await t.staff.request('POST', '/api/v1/ingestion/quarantine/replay', { reason: 'event_undeclared' })).body).toEqual(
        { replayed: 1 },
      );
      await t.drain();
      expect(await t.events()).toEqual([]);

      const declared = await t.staff.request('POST', '/api/v1/metadata/event-types', {
        channelId: t.channelId,
        code: 'signup',
        name: '注册',
      });
      expect(declared.statusCode).toBe(201);
      const again = await t.staff.request('POST', '/api/v1/ingestion/quarantine/replay', { event: 'signup' });
      expect(again.body).toEqual({ replayed: 1 });
      // A second replay finds nothing left to replay.
      expect((await t.staff.request('POST', '/api/v1/ingestion/quarantine/replay', { event: 'signup' })).body).toEqual({
        replayed: 0,
      });
      await t.drain();
      const events = await t.events();
      expect(events.map((e) => e.event)).toEqual(['signup']);
      // The custom event now has data: it can no longer be deleted.
      const removed = await t.staff.request('DELETE', `/api/v1/metadata/event-types/${declared.body.id}`);
      expect(removed.statusCode).toBe(400);
    });

    it('stores a wrongly typed value as NULL with the raw value in extra, and counts it for 数据质量', async () => {
      const t = await ingestTenant(ctx.app);
      await t.collect('track', { anonymousId: 'm', event: 'purchase', properties: { amount: 'twelve', note: 'x' } });
      await t.drain();
      const rows = await ctx.app.olap.forTenant(t.tenantId).query('SELECT p_amount FROM event_view', { rowMode: 'json' });
      expect(rows.rows).toEqual([{ p_amount: null }]);
      expect(JSON.parse(String((await t.events())[0]!.extra))).toEqual({ amount: 'twelve', note: 'x' });
      const quality = (await t.staff.request('GET', '/api/v1/ingestion/quality')).body;
      expect(quality.issues).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ reason: 'property_type_mismatch', subject: 'amount', count: 1 }),
          expect.objectContaining({ reason: 'property_undeclared', subject: 'note', count: 1 }),
        ]),
      );
    });

    it('counts the issues of the last N days in the tenant time zone', async () => {
      const t = await ingestTenant(ctx.app, { timeZone: 'Asia/Shanghai' });
      await t.collect('track', { anonymousId: 'tz', event: 'purchase', properties: { amount: 'bad' } });
      await t.drain();
      const today = new ZonedClock('Asia/Shanghai').localDate(Date.now());
      const yesterday = new Date(`${today}T00:00:00Z`);
      yesterday.setUTCDate(yesterday.getUTCDate() - 1);
      await ctx.app.oltp
        .forTenant(t.tenantId)
        .from('ingest_issue')
        .insert({
          day: yesterday.toISOString().slice(0, 10),
          reason: 'property_type_mismatch',
          subject: 'amount',
          occurrences: 5,
          last_seen_at: Date.now() - 86_400_000,
        });
      const count = async (days: number) =>
        (
          (await t.staff.request('GET', `/api/v1/ingestion/quality?days=${days}`)).body.issues as {
            subject: string;
            count: number;
          }[]
        )
          .filter((i) => i.subject === 'amount')
          .map((i) => i.count);
      expect(await count(1)).toEqual([1]);
      expect(await count(2)).toEqual([6]);
    });

    it('drops the events of a disabled app without counting them, and refuses unknown writeKeys, bad JSON and oversized messages', async () => {
      const t = await ingestTenant(ctx.app);
      const disabled = await t.staff.request('PATCH', `/api/v1/p/custom-channel/apps/${t.web.id}`, { status: 'disabled' });
      expect(disabled.body.status).toBe('disabled');
      const dropped = await t.collect('track', { anonymousId: 'd', event: 'purchase' });
      expect(dropped.body).toMatchObject({ accepted: 0, dropped: 1 });
      await t.drain();
      expect(await t.events()).toEqual([]);

      const unknown = await t.collect('track', { anonymousId: 'd', event: 'purchase' }, 'no-such-key');
      expect(unknown.statusCode).toBe(401);
      expect(unknown.body.code).toBe('write_key_invalid');
      const anonymous = await new Client(ctx.app.server).request('POST', '/api/v1/collect/track', { event: 'purchase' });
      expect(anonymous.body.code).toBe('write_key_invalid');

      await t.staff.request('PATCH', `/api/v1/p/custom-channel/apps/${t.web.id}`, { status: 'enabled' });
      const badJson = await ctx.app.server.inject({
        method: 'POST',
        url: '/api/v1/collect/track',
        headers: { 'content-type': 'text/plain' },
        payload: `{"writeKey":"${t.web.writeKey}",`,
      });
      expect(badJson.statusCode).toBe(400);
      expect(JSON.parse(badJson.payload).code).toBe('invalid_json');
      // sendBeacon posts text/plain: accepted like JSON.
      const beacon = await ctx.app.server.inject({
        method: 'POST',
        url: '/api/v1/collect/track',
        headers: { 'content-type': 'text/plain' },
        payload: JSON.stringify({ writeKey: t.web.writeKey, anonymousId: 'b', event: 'purchase' }),
      });
      expect(JSON.parse(beacon.payload)).toMatchObject({ accepted: 1 });

      const big = await t.collect('batch', {
        batch: [
          { type: 'track', anonymousId: 'x', event: 'purchase' },
          { type: 'track', anonymousId: 'x', event: 'purchase', properties: { blob: 'x'.repeat(40_000) } },
        ],
      });
      expect(big.statusCode).toBe(400);
      expect(big.body).toMatchObject({ code: 'message_too_large', details: [{ path: 'batch.1', code: 'message_too_large' }] });
      // Nothing of a refused request is kept.
      await t.drain();
      expect((await t.events()).map((e) => e.contact_id)).toHaveLength(1);
    });

    it('finishes load batches recorded before a crash (their own messages, exactly once)', async () => {
      const t = await ingestTenant(ctx.app);
      const repo = new IngestionRepo(
        ctx.app.oltp.forModule('ingestion', ['inbox', 'load_batch', 'quarantine', 'ingest_issue', 'ingest_partition']),
      );
      for (let i = 0; i < 3; i += 1)
        await t.collect('track', { anonymousId: `crash-${i}`, event: 'purchase', properties: { amount: i } });
      // As if the worker died right after recording the batch (before loading it).
      const pending = (await Promise.all(Array.from({ length: 16 }, (_, p) => repo.pending(p, 100)))).flat();
      const mine = pending.filter((r) => String(r.tenant_id) === t.tenantId);
      expect(mine).toHaveLength(3);
      const first = mine[0]!;
      const recorded = await repo.recordBatch(
        t.tenantId,
        first.partition,
        [first.seq],
        { events: 1, quarantined: 0 },
        Date.now(),
      );
      // …and a second one in another pass.
      const second = mine[1]!;
      const loaded = await repo.recordBatch(
        t.tenantId,
        second.partition,
        [second.seq],
        { events: 1, quarantined: 0 },
        Date.now(),
      );
      await t.drain();
      expect((await t.events()).map((e) => e.properties ?? e.message_id)).toHaveLength(3);
      // Draining again changes nothing; the batches are finished.
      await t.drain();
      expect(await t.events()).toHaveLength(3);
      expect(await repo.unfinished(first.partition)).toEqual([]);
      expect(recorded).not.toBe(loaded);
    });

    it('two workers draining at once load every message exactly once and make one contact per person', async () => {
      const t = await ingestTenant(ctx.app);
      const deps = {
        contacts: ctx.app.service(contactsServiceRef),
        metadata: ctx.app.service(metadataServiceRef),
        tenants: ctx.app.service(tenantServiceRef),
      };
      const repo = (ctx.app.service(ingestWorkerRef) as unknown as { repo: IngestionRepo }).repo;
      const workers = [0, 1].map(
        () =>
          new IngestWorker(repo, deps.contacts, deps.metadata, deps.tenants, ctx.app.olap, ctx.app.logger, {
            batchSize: 7,
            // Short leases, so the two keep taking partitions from each other.
            leaseTtlMs: 50,
          }),
      );
      const sends: Promise<unknown>[] = [];
      for (let i = 0; i < 40; i += 1)
        sends.push(
          t.collect('batch', {
            batch: [
              { type: 'identify', anonymousId: `p-${i % 10}`, userId: `user-${i % 10}`, traits: { name: `n${i % 10}` } },
              {
                type: 'track',
                anonymousId: `p-${i % 10}`,
                userId: `user-${i % 10}`,
                event: 'purchase',
                properties: { amount: i },
              },
            ],
          }),
        );
      const draining = Promise.all([0, 1, 2].map(async () => Promise.all(workers.map((w) => w.drain()))));
      await Promise.all(sends);
      await draining;
      await Promise.all(workers.map((w) => w.drain()));
      await t.drain();
      const events = await t.events();
      expect(events).toHaveLength(40);
      expect(new Set(events.map((e) => e.message_id)).size).toBe(40);
      // One contact per person (user-0 … user-9), whichever worker saw them first.
      expect(new Set(events.map((e) => e.contact_id)).size).toBe(10);
      await Promise.all(workers.map((w) => w.stop()));
    });

    it('does not load a batch twice when the process dies after loading it and before finishing it', async () => {
      const t = await ingestTenant(ctx.app);
      for (let i = 0; i < 5; i += 1)
        await t.collect('track', { anonymousId: `late-${i}`, event: 'purchase', properties: { amount: i } });
      // Fault injection: the OLAP load succeeds, then "the process dies" before the finishing transaction.
      const worker = ctx.app.service(ingestWorkerRef) as unknown as { repo: IngestionRepo };
      const finish = worker.repo.finishBatch.bind(worker.repo);
      let failures = 0;
      worker.repo.finishBatch = async () => {
        failures += 1;
        throw new Error('killed before finishing');
      };
      try {
        await expect(t.drain()).rejects.toThrow('killed before finishing');
      } finally {
        worker.repo.finishBatch = finish;
      }
      // Each partition's batch died there (the pass goes on with the other partitions, then reports).
      expect(failures).toBeGreaterThanOrEqual(1);
      // Loaded already, not yet finished: the next pass reloads it under the same ledger key (a no-op).
      expect(await t.events()).not.toEqual([]);
      await t.drain();
      const events = await t.events();
      expect(events).toHaveLength(5);
      expect(new Set(events.map((e) => e.message_id)).size).toBe(5);
    });

    it('takes over at once the inbox partition of a killed process of this host, never of a live or remote one', async () => {
      const t = await ingestTenant(ctx.app);
      const knex = ctx.app.oltp.knex;
      await t.collect('track', { anonymousId: 'lease-holder', event: 'purchase', properties: { amount: 1 } });
      const { partition } = await knex('inbox').where({ tenant_id: t.tenantId }).first('partition');
      const gone = spawnSync(process.execPath, ['-e', '']).pid!;
      const farFuture = (await ctx.app.oltp.now()) + 3_600_000;
      // The worker trusts a lease it renewed less than half a TTL ago: forget that, as if it had lapsed.
      const heldUntil = (ctx.app.service(ingestWorkerRef) as unknown as { heldUntil: Map<number, number> }).heldUntil;
      const heldBy = async (holder: string) => {
        heldUntil.clear();
        await knex('ingest_partition').where({ partition }).update({ holder, expires_at: farFuture });
      };
      try {
        // A live process of this host, or a process of another host: the partition waits for its lease to expire.
        for (const holder of [`${os.hostname()}:${process.ppid}:live`, `another-host:${gone}:remote`]) {
          await heldBy(holder);
          await t.drain();
          expect(await t.events()).toEqual([]);
          expect((await knex('ingest_partition').where({ partition }).first('holder')).holder).toBe(holder);
        }
        // Killed (as by SIGKILL, which never released it): taken over at once, its messages loaded.
        await heldBy(`${os.hostname()}:${gone}:killed`);
        await t.drain();
        expect(await t.events()).toHaveLength(1);
        expect((await knex('ingest_partition').where({ partition }).first('holder')).holder).toBe(
          ctx.app.service(ingestWorkerRef).holder,
        );
      } finally {
        await knex('ingest_partition').where({ partition }).update({ holder: null, expires_at: null });
      }
    });
  },
  withPlugins,
);

describeEngines(
  'ingestion: Open API identify and track (§2.1.1, §2.1.3)',
  (ctx) => {
    it('checks an identify at once: gender, birthday (not by the Open API), custom field types, unknown fields, the channel', async () => {
      const t = await ingestTenant(ctx.app);
      await t.staff.request('POST', '/api/v1/metadata/contact-fields', { name: '等级', type: 'integer' });
      const bad = await t.api.request('POST', '/api/v1/contacts/identify', {
        externalId: 'e-1',
        channel: { channelId: t.channelKey },
        gender: 'M',
        birthday: '1990-01-01',
        props: { attr1: 'gold', attr9: 1 },
        favouriteColour: 'red',
      });
      expect(bad.statusCode).toBe(400);
      expect(bad.body.code).toBe('contact_invalid');
      expect(bad.body.details.map((d: { path: string; code: string }) => `${d.path}:${d.code}`).sort()).toEqual([
        'birthday:contact_birthday_readonly',
        'favouriteColour:contact_field_unknown',
        'gender:contact_gender_invalid',
        'props.attr1:contact_attribute_invalid',
        'props.attr9:contact_attribute_unknown',
      ]);
      expect(bad.body.details[0].message).toBeTruthy();
      const noChannel = await t.api.request('POST', '/api/v1/contacts/identify', {
        externalId: 'e-1',
        channel: { channelId: 'udc_missing' },
      });
      expect(noChannel.statusCode).toBe(400);
      expect(noChannel.body).toMatchObject({ code: 'channel_not_found', details: [{ path: 'channel.channelId' }] });
      // Nothing of a refused identify was kept.
      await t.drain();
      expect(
        (await ctx.app.olap.forTenant(t.tenantId).query('SELECT count(*) AS n FROM contacts', { rowMode: 'json' })).rows,
      ).toEqual([{ n: '0' }]);
    });

    it('keeps text well-formed from accept on: a lone UTF-16 surrogate is U+FFFD in the inbox, the contact and OLAP', async () => {
      const t = await ingestTenant(ctx.app);
      const isWellFormed = (text: string) => (text as string & { isWellFormed(): boolean }).isWellFormed();
      /** Every string and key of a JSON value, at any depth. */
      const texts = (value: unknown): string[] =>
        typeof value === 'string'
          ? [value]
          : Array.isArray(value)
            ? value.flatMap(texts)
            : value !== null && typeof value === 'object'
              ? Object.entries(value).flatMap(([key, item]) => [key, ...texts(item)])
              : [];
      // Sent as JSON escapes (JSON.stringify writes a lone surrogate as \ud800): JSON.parse gives it back alone.
      const identify = await t.api.request('POST', '/api/v1/contacts/identify', {
        externalId: 'ext-1',
        name: '张\ud800三',
        channel: { channelId: t.channelKey },
      });
      expect(identify.statusCode).toBe(200);
      const track = await t.api.request('POST', '/api/v1/events/track', {
        channelId: t.channelKey,
        externalId: 'ext-1',
        event: 'purchase',
        properties: { sku: 'A\ud83d', note: 'n\udc00 \ud83d\ude00', ['k\ud800']: 1 },
      });
      expect(track.body).toMatchObject({ accepted: 1 });
      const collect = await t.collect('track', {
        anonymousId: 'cookie-\udfff',
        event: 'purchase',
        properties: { sku: 'B\udbff' },
      });
      expect(collect.statusCode).toBe(200);
      // The inbox keeps what the stores will keep: no lone surrogate anywhere in a message.
      const inbox = (await ctx.app.oltp.forTenant(t.tenantId).from('inbox').select('body')) as { body: string }[];
      expect(inbox).toHaveLength(3);
      const stored = inbox.flatMap((row) => texts(JSON.parse(row.body)));
      expect(stored.filter((text) => !isWellFormed(text))).toEqual([]);
      expect(stored).toEqual(
        expect.arrayContaining(['张\ufffd三', 'A\ufffd', 'n\ufffd \ud83d\ude00', 'k\ufffd', 'cookie-\ufffd']),
      );
      await t.drain();
      // OLTP and OLAP hold the same text.
      const contact = await ctx.app.oltp
        .forModule('contacts', ['contact'])
        .forTenant(t.tenantId)
        .from('contact')
        .whereNotNull('name')
        .first('name');
      expect(contact).toEqual({ name: '张\ufffd三' });
      const olap = ctx.app.olap.forTenant(t.tenantId);
      expect((await olap.query('SELECT name FROM contacts WHERE name IS NOT NULL', { rowMode: 'json' })).rows).toEqual([
        { name: '张\ufffd三' },
      ]);
      const typed = await olap.query('SELECT p_sku FROM event_view ORDER BY p_sku', { rowMode: 'json' });
      expect(typed.rows).toEqual([{ p_sku: 'A\ufffd' }, { p_sku: 'B\ufffd' }]);
      const extra = (await t.events()).map((event) => (event.extra === null ? null : JSON.parse(String(event.extra))));
      expect(extra).toEqual(expect.arrayContaining([{ note: 'n\ufffd \ud83d\ude00', 'k\ufffd': 1 }, null]));
    });

    it('identifies a contact from the seed payload, then tracks its events by externalId', async () => {
      const t = await ingestTenant(ctx.app);
      await t.staff.request('POST', '/api/v1/metadata/contact-fields', { name: 'VIP', type: 'string' });
      await t.staff.request('POST', '/api/v1/metadata/contact-fields', { name: '等级', type: 'integer' });
      const ok = await t.api.request('POST', '/api/v1/contacts/identify', {
        externalId: '7',
        name: 'UBS 渠道联系人 7',
        city: '上海',
        company: '上海源犀',
        country: '中国',
        email: 'zhangsan@example.com',
        gender: 'male',
        mobilePhone: '18908882802',
        state: '上海市',
        utm: { campaign: '推广', content: 'CDP', medium: 'SEM', source: 'baidu', term: '数据中台' },
        props: { attr1: '金卡', attr2: '2' },
        channel: { channelId: t.channelKey },
      });
      expect(ok.statusCode).toBe(200);
      expect(ok.body.messageId).toBeTruthy();
      const track = await t.api.request('POST', '/api/v1/events/track', {
        channelId: t.channelKey,
        externalId: '7',
        event: 'purchase',
        properties: { amount: 99 },
      });
      expect(track.body).toMatchObject({ accepted: 1 });
      await t.drain();
      const contacts = await ctx.app.olap
        .forTenant(t.tenantId)
        .query('SELECT id, name, company, province, utm_term, p_attr1, p_attr2, identified FROM contact_view', {
          rowMode: 'json',
        });
      expect(contacts.rows).toEqual([
        {
          id: expect.any(String),
          name: 'UBS 渠道联系人 7',
          company: '上海源犀',
          province: '上海市',
          utm_term: '数据中台',
          p_attr1: '金卡',
          p_attr2: '2',
          identified: true,
        },
      ]);
      const [event] = await t.events();
      expect(String(event!.contact_id)).toBe(contacts.rows[0]!.id);
    });

    it('never reaches another tenant: a ChannelID of another tenant is unknown here', async () => {
      const victim = await ingestTenant(ctx.app);
      const attacker = await ingestTenant(ctx.app);
      const res = await attacker.api.request('POST', '/api/v1/events/track', {
        channelId: victim.channelKey,
        externalId: 'x',
        event: 'purchase',
      });
      expect(res.statusCode).toBe(400);
      expect(res.body.code).toBe('channel_not_found');
      // The victim's writeKey works only for the victim's tenant: data lands there, not in the attacker's.
      await attacker.collect('track', { anonymousId: 'z', event: 'purchase' }, victim.web.writeKey);
      await attacker.drain();
      expect(await attacker.events()).toEqual([]);
      expect(await victim.events()).toHaveLength(1);
    });
  },
  withPlugins,
);

describe('ingestion: back-pressure', () => {
  for (const engine of testEngines()) {
    it(`answers 429 with Retry-After once the undrained inbox reaches the limit, and accepts again after the drain [${engine}]`, async () => {
      const app = await createTestApp(
        engine,
        { ingest: { worker: false, batchSize: 1000, backlogLimit: 3, loadIntervalMs: 5000, loadBatchSize: 10_000 } },
        withPlugins,
      );
      try {
        const t = await ingestTenant(app);
        let accepted = 0;
        const send = async (i: number) => {
          const res = await t.collect('track', { anonymousId: `bp-${i}`, event: 'purchase' });
          if (res.statusCode === 200) accepted += 1;
          return res;
        };
        for (let i = 0; i < 3; i += 1) expect((await send(i)).statusCode).toBe(200);
        // The count refreshes at most once a second.
        await new Promise((resolve) => setTimeout(resolve, 1100));
        await send(3);
        await new Promise((resolve) => setTimeout(resolve, 50));
        const busy = await send(4);
        expect(busy.statusCode).toBe(429);
        expect(busy.body.code).toBe('ingest_busy');
        expect(busy.headers['retry-after']).toBe('5');
        await t.drain();
        await new Promise((resolve) => setTimeout(resolve, 1100));
        // This one may still see the old count (refreshed in the background)…
        await send(5);
        await new Promise((resolve) => setTimeout(resolve, 50));
        // …the next one sees the drained inbox.
        expect((await send(6)).statusCode).toBe(200);
        await t.drain();
        // Every accepted message is there; the refused ones are not.
        expect(accepted).toBeGreaterThanOrEqual(5);
        expect((await t.events()).length).toBe(accepted);
      } finally {
        await app.close();
      }
    });
  }
});
