import { expect, it } from 'vitest';
import { ContactsRepo } from '../../src/modules/contacts/contacts.repo.js';
import { ContactsService } from '../../src/modules/contacts/contacts.service.js';
import { ingestWorkerRef } from '../../src/modules/ingestion/ingestion.module.js';
import type { IngestionRepo } from '../../src/modules/ingestion/ingestion.repo.js';
import { beforeLoads } from '../support/concurrency.js';
import { firstPartyPlugins } from '../support/plugins.js';
import { normalStaff } from '../support/staff.js';
import { Client, describeEngines } from '../support/test-app.js';
import { ingestTenant, uuidv7 } from './support.js';

/**
 * Review 14: attacks on the ingestion pipeline. Each test states the behaviour we want; the ones
 * marked FAILS TODAY in the review report show a bug.
 */

describeEngines(
  'review14 attack: ingestion',
  (ctx) => {
    const quarantine = async (t: Awaited<ReturnType<typeof ingestTenant>>, query = '') =>
      (await t.staff.request('GET', `/api/v1/ingestion/quarantine?pageSize=100${query}`)).body as {
        total: number;
        items: { id: string; reason: string; message: Record<string, unknown>; problems: unknown[] }[];
      };
    const issueCount = async (t: Awaited<ReturnType<typeof ingestTenant>>, reason: string, subject: string) => {
      const quality = (await t.staff.request('GET', '/api/v1/ingestion/quality')).body as {
        issues: { reason: string; subject: string; count: number }[];
      };
      return quality.issues.find((i) => i.reason === reason && i.subject === subject)?.count ?? 0;
    };

    // ---- quarantine and replay ----------------------------------------------------------------------

    it('a client holding the public writeKey cannot make a replay vanish by sending messageId "replay:<quarantineId>"', async () => {
      const t = await ingestTenant(ctx.app);
      await t.collect('track', { anonymousId: 'r-1', event: 'signup' });
      await t.drain();
      const [entry] = (await quarantine(t, '&reason=event_undeclared')).items;
      expect(entry).toBeTruthy();
      // Anyone can read a writeKey from a web page; quarantine ids are sequential, so they are guessable.
      const evil = await t.collect('track', { messageId: `replay:${entry!.id}`, anonymousId: 'evil', event: 'purchase' });
      expect(evil.statusCode).toBe(200);
      await t.drain();
      await t.staff.request('POST', '/api/v1/metadata/event-types', { channelId: t.channelId, code: 'signup', name: '注册' });
      const replay = await t.staff.request('POST', '/api/v1/ingestion/quarantine/replay', { ids: [entry!.id] });
      expect(replay.body).toEqual({ replayed: 1 });
      await t.drain();
      // The replayed message must load (or come back to the quarantine) — never disappear.
      expect((await t.events()).filter((e) => e.event === 'signup')).toHaveLength(1);
    });

    it('two replays of the same quarantined message at once load it once', async () => {
      const t = await ingestTenant(ctx.app);
      await t.collect('track', { anonymousId: 'cr-1', event: 'signup' });
      await t.drain();
      await t.staff.request('POST', '/api/v1/metadata/event-types', { channelId: t.channelId, code: 'signup', name: '注册' });
      const results = await Promise.all(
        [0, 1, 2].map(() => t.staff.request('POST', '/api/v1/ingestion/quarantine/replay', { event: 'signup' })),
      );
      expect(results.map((r) => r.statusCode)).toEqual([200, 200, 200]);
      expect(results.reduce((n, r) => n + (r.body.replayed as number), 0)).toBe(1);
      await t.drain();
      expect(await t.events()).toHaveLength(1);
    });

    it('keeps what was sent when a batch item is not an object, so operators can see it', async () => {
      const t = await ingestTenant(ctx.app);
      const res = await t.collect('batch', { batch: [42, 'hello', null, [1, 2]] });
      expect(res.statusCode).toBe(200);
      await t.drain();
      const list = await quarantine(t);
      expect(list.total).toBe(4);
      // Today the raw value is wrapped as {invalid: raw} and then dropped (not one of MESSAGE_FIELDS).
      const shown = list.items.map((i) => JSON.stringify(i.message));
      expect(shown.some((s) => s.includes('42'))).toBe(true);
      expect(shown.some((s) => s.includes('hello'))).toBe(true);
    });

    // ---- crash / recovery ---------------------------------------------------------------------------

    it('a crash after loading and before finishing counts a type mismatch once, not once per attempt', async () => {
      const t = await ingestTenant(ctx.app);
      await t.collect('track', { anonymousId: 'cnt-1', event: 'purchase', properties: { amount: 'twelve', memo: 'm' } });
      const worker = ctx.app.service(ingestWorkerRef) as unknown as { repo: IngestionRepo };
      const finish = worker.repo.finishBatch.bind(worker.repo);
      worker.repo.finishBatch = async () => {
        throw new Error('killed before finishing');
      };
      try {
        await expect(t.drain()).rejects.toThrow('killed before finishing');
      } finally {
        worker.repo.finishBatch = finish;
      }
      await t.drain();
      expect(await t.events()).toHaveLength(1);
      expect(await issueCount(t, 'property_type_mismatch', 'amount')).toBe(1);
      expect(await issueCount(t, 'property_undeclared', 'memo')).toBe(1);
    });

    it('one message OLAP cannot take does not stall every other message (poison pill)', async () => {
      const t = await ingestTenant(ctx.app);
      // Deep JSON inside the 32 KB of one message.
      let deep: unknown = 1;
      for (let i = 0; i < 4000; i += 1) deep = { a: deep };
      const res = await ctx.app.server.inject({
        method: 'POST',
        url: '/api/v1/collect/batch',
        headers: { 'content-type': 'text/plain' },
        payload: JSON.stringify({
          writeKey: t.web.writeKey,
          batch: [
            { type: 'track', anonymousId: 'deep', event: 'purchase', properties: { deep } },
            { type: 'track', anonymousId: 'deep', event: 'purchase', properties: { amount: 1, sku: 'nul\u0000byte' } },
            { type: 'identify', anonymousId: 'deep', traits: { name: 'nul\u0000name', city: '\ud800' } },
            { type: 'track', anonymousId: 'deep', event: 'purchase', properties: { amount: 2 } },
          ],
        }),
      });
      expect(res.statusCode).toBe(200);
      await t.drain();
      // The last (clean) message of the same person is loaded; the others are loaded or quarantined.
      const events = await t.events();
      const list = await quarantine(t);
      expect(events.length + list.total).toBe(3);
      expect(events.length).toBeGreaterThanOrEqual(1);
    });

    it('a lease lost during a long OLAP load: the other worker recovers the batch and nothing is loaded or counted twice', async () => {
      const t = await ingestTenant(ctx.app);
      for (let i = 0; i < 4; i += 1)
        await t.collect('track', { anonymousId: 'lease', event: 'purchase', properties: { amount: 'x', n: i } });
      const { IngestWorker } = await import('../../src/modules/ingestion/ingest-worker.js');
      const base = ctx.app.service(ingestWorkerRef) as unknown as {
        repo: IngestionRepo;
        contacts: ConstructorParameters<typeof IngestWorker>[1];
        metadata: ConstructorParameters<typeof IngestWorker>[2];
        tenants: ConstructorParameters<typeof IngestWorker>[3];
      };
      let loading!: () => void;
      const started = new Promise<void>((resolve) => (loading = resolve));
      const slowOlap = beforeLoads(ctx.app.olap, async (batch) => {
        if (batch.events?.length) {
          loading();
          await new Promise((resolve) => setTimeout(resolve, 600));
        }
      });
      const a = new IngestWorker(base.repo, base.contacts, base.metadata, base.tenants, slowOlap, ctx.app.logger, {
        leaseTtlMs: 100,
      });
      const b = new IngestWorker(base.repo, base.contacts, base.metadata, base.tenants, ctx.app.olap, ctx.app.logger, {
        leaseTtlMs: 100,
      });
      // The app's own worker holds its leases for 30 s after a drain: let the two below take them.
      await (base as unknown as { stop(): Promise<void> }).stop();
      const first = a.drain();
      await started;
      await new Promise((resolve) => setTimeout(resolve, 200));
      await b.drain(); // A's lease (100 ms) lapsed: B takes the partition and recovers A's batch
      await first;
      await Promise.all([a.stop(), b.stop()]);
      await t.drain();
      expect(await t.events()).toHaveLength(4);
      expect(await issueCount(t, 'property_type_mismatch', 'amount')).toBe(4);
    });

    // ---- outbox ---------------------------------------------------------------------------------------

    it('two outbox drainers at once never leave an older contact row in OLAP', async () => {
      const t = await ingestTenant(ctx.app);
      await t.collect('identify', { anonymousId: 'ob', userId: 'ob-1', traits: { name: 'v0' } });
      await t.drain();
      const repo = new ContactsRepo(ctx.app.oltp.forModule('contacts', ['contact', 'channel_account', 'contact_change']));
      const [row] = await ctx.app.oltp.forTenant(t.tenantId).from('contact').select('id');
      const contactId = String((row as { id: string | number }).id);
      const change = async (name: string) =>
        repo.transaction(async () => {
          await repo.updateContact(t.tenantId, contactId, { name, updated_at: Date.now() });
          await repo.insertChanges(t.tenantId, [contactId], Date.now());
        });

      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let reading!: () => void;
      const inLoad = new Promise<void>((resolve) => (reading = resolve));
      const gated = beforeLoads(ctx.app.olap, async () => {
        reading();
        await gate;
      });
      // Two processes of the scaled mode: each drains the outbox on every pass.
      const slow = new ContactsService(repo, gated);
      const fast = new ContactsService(repo, ctx.app.olap);

      await change('v1');
      const a = slow.syncToOlap(t.tenantId); // reads v1, then stalls in the load
      await inLoad;
      await change('v2');
      await fast.syncToOlap(t.tenantId); // loads v2 and deletes both outbox rows
      release();
      await a; // loads the v1 row it read earlier
      await t.drain();
      const olap = await ctx.app.olap.forTenant(t.tenantId).query('SELECT name FROM contacts', { rowMode: 'json' });
      expect(olap.rows).toEqual([{ name: 'v2' }]);
    });

    // ---- Open API identify: "validated synchronously" ------------------------------------------------

    it('Open API identify refuses with 400 what the worker would quarantine (blank externalId, bad timestamp)', async () => {
      const t = await ingestTenant(ctx.app);
      const blank = await t.api.request('POST', '/api/v1/contacts/identify', {
        externalId: '   ',
        name: '空白',
        channel: { channelId: t.channelKey },
      });
      const badTime = await t.api.request('POST', '/api/v1/contacts/identify', {
        externalId: 'e-time',
        name: '时间',
        timestamp: '2025-06-18 10:00:00',
        channel: { channelId: t.channelKey },
      });
      await t.drain();
      const list = await quarantine(t);
      expect({ blank: blank.statusCode, badTime: badTime.statusCode, quarantined: list.total }).toEqual({
        blank: 400,
        badTime: 400,
        quarantined: 0,
      });
    });

    // ---- dedupe and ids --------------------------------------------------------------------------------

    it('messageIds and userIds differing only by trailing spaces are the same ids on both engines (ADR 0017)', async () => {
      const t = await ingestTenant(ctx.app);
      await t.collect('track', { messageId: 'pad-1', userId: 'pad', event: 'purchase' });
      await t.collect('track', { messageId: 'pad-1 ', userId: 'pad ', event: 'purchase' });
      await t.collect('track', { messageId: 'pad-2 ', userId: 'pad  ', event: 'purchase' });
      await t.drain();
      const events = await t.events();
      // pad-1 and "pad-1 " are one message; "pad" and "pad  " one person — on SQLite as on MariaDB.
      expect(events.map((e) => e.message_id).sort()).toEqual(['pad-1', 'pad-2']);
      expect(new Set(events.map((e) => e.contact_id)).size).toBe(1);
    });

    it('answers a JSON body whose properties carry __proto__ like any other valid JSON (200, value kept in extra)', async () => {
      const t = await ingestTenant(ctx.app);
      const res = await ctx.app.server.inject({
        method: 'POST',
        url: '/api/v1/collect/track',
        headers: {
          'content-type': 'application/json',
          authorization: `Basic ${Buffer.from(`${t.web.writeKey}:`).toString('base64')}`,
        },
        payload: `{"anonymousId":"proto","event":"purchase","properties":{"amount":1,"__proto__":{"polluted":true}}}`,
      });
      expect({ status: res.statusCode, body: JSON.parse(res.payload) }).toMatchObject({ status: 200, body: { accepted: 1 } });
      await t.drain();
      expect(await t.events()).toHaveLength(1);
    });

    it('drops a property named __proto__ when it arrives as text/plain (sendBeacon), as for JSON bodies', async () => {
      const t = await ingestTenant(ctx.app);
      const res = await ctx.app.server.inject({
        method: 'POST',
        url: '/api/v1/collect/track',
        headers: { 'content-type': 'text/plain' },
        payload: `{"writeKey":"${t.web.writeKey}","anonymousId":"proto","event":"purchase","properties":{"amount":1,"memo":"m","__proto__":{"polluted":true}}}`,
      });
      expect(res.statusCode).toBe(200);
      await t.drain();
      const [event] = await t.events();
      expect(JSON.parse(String(event!.extra))).toEqual({ memo: 'm' });
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('a body over 500 KB answers 413 payload_too_large; 2,001 messages answer 400 with the path', async () => {
      const t = await ingestTenant(ctx.app);
      const huge = await t.collect('batch', {
        batch: Array.from({ length: 30 }, () => ({
          type: 'track',
          anonymousId: 'h',
          event: 'purchase',
          properties: { s: 'x'.repeat(20_000) },
        })),
      });
      expect(huge.statusCode).toBe(413);
      expect(huge.body.code).toBe('payload_too_large');
      const many = await t.collect('batch', {
        batch: Array.from({ length: 2001 }, () => ({ type: 'track', anonymousId: 'm', event: 'purchase' })),
      });
      expect(many.statusCode).toBe(400);
      expect(many.body.details).toEqual([expect.objectContaining({ path: 'batch', code: 'array.max' })]);
      const openMany = await t.api.request('POST', '/api/v1/events/batch', {
        channelId: t.channelKey,
        batch: Array.from({ length: 2001 }, () => ({ anonymousId: 'm', event: 'purchase' })),
      });
      expect(openMany.statusCode).toBe(400);
      // invalid UTF-8 is not a reason to fail a whole batch
      const bytes = Buffer.concat([
        Buffer.from(`{"writeKey":"${t.web.writeKey}","anonymousId":"u8","event":"purchase","properties":{"sku":"`),
        Buffer.from([0xff, 0xfe, 0xc3]),
        Buffer.from('"}}'),
      ]);
      const bad = await ctx.app.server.inject({
        method: 'POST',
        url: '/api/v1/collect/track',
        headers: { 'content-type': 'text/plain' },
        payload: bytes,
      });
      expect(bad.statusCode).toBe(200);
    });

    // ---- tenants and permissions ------------------------------------------------------------------------

    it('never crosses tenants or permissions: quarantine ids, replay, console routes, Open API routes', async () => {
      const victim = await ingestTenant(ctx.app);
      const attacker = await ingestTenant(ctx.app);
      await victim.collect('track', { anonymousId: 'v', event: 'secret_event', properties: { mobile: '13900000000' } });
      await victim.drain();
      const [entry] = (await quarantine(victim)).items;
      expect(entry).toBeTruthy();
      expect((await attacker.staff.request('GET', `/api/v1/ingestion/quarantine/${entry!.id}`)).statusCode).toBe(404);
      expect((await attacker.staff.request('POST', '/api/v1/ingestion/quarantine/replay', { ids: [entry!.id] })).body).toEqual({
        replayed: 0,
      });
      expect((await quarantine(victim)).items[0]!.id).toBe(entry!.id);
      expect((await quarantine(victim, '&replayed=false')).total).toBe(1);
      // An Open API token on console routes; a staff session on Open API routes.
      expect((await victim.api.request('GET', '/api/v1/ingestion/quality')).statusCode).toBeGreaterThanOrEqual(401);
      expect(
        (await victim.api.request('POST', '/api/v1/ingestion/quarantine/replay', { ids: [entry!.id] })).statusCode,
      ).toBeGreaterThanOrEqual(401);
      const staffIdentify = await victim.staff.request('POST', '/api/v1/contacts/identify', {
        externalId: 'x',
        channel: { channelId: victim.channelKey },
      });
      expect(staffIdentify.statusCode).toBeGreaterThanOrEqual(401);
      // A normal staff member (metadata.view, not metadata.manage) cannot replay.
      const normal = await normalStaff(ctx.app, victim.tenantId);
      expect((await normal.request('GET', '/api/v1/ingestion/quality')).statusCode).toBe(200);
      expect((await normal.request('POST', '/api/v1/ingestion/quarantine/replay', { ids: [entry!.id] })).statusCode).toBe(403);
      // A writeKey with the Basic password filled in, an unknown key, and a bearer token: all 401.
      const noKey = await new Client(ctx.app.server).request(
        'POST',
        '/api/v1/collect/track',
        { anonymousId: 'z', event: 'purchase' },
        { authorization: `Bearer ${'x'.repeat(20)}` },
      );
      expect(noKey.statusCode).toBe(401);
      // Numbers as ids are taken as their text; a 192-character id is quarantined, not refused.
      const ids = await victim.collect('batch', {
        batch: [
          { type: 'track', messageId: 12345, userId: 67890, event: 'purchase', properties: { amount: 1 } },
          { type: 'track', messageId: uuidv7(), userId: 'u'.repeat(192), event: 'purchase' },
        ],
      });
      expect(ids.body).toMatchObject({ accepted: 2, messageIds: ['12345', expect.any(String)] });
      await victim.drain();
      expect((await victim.events()).map((e) => e.message_id)).toEqual(['12345']);
    });
  },
  { plugins: firstPartyPlugins },
);

// Poison pills on MariaDB (TEXT holds 65,535 bytes there): each in its own app, because one stalls
// the worker for every tenant and every later partition (the pass throws at the first bad batch).
for (const [name, test] of [
  ['review14 attack: poison pill (quarantine problems)', 'problems'],
  ['review14 attack: poison pill (contact attributes)', 'attributes'],
] as const)
  describeEngines(
    name,
    (ctx) => {
      const quarantine = async (t: Awaited<ReturnType<typeof ingestTenant>>, query = '') =>
        (await t.staff.request('GET', `/api/v1/ingestion/quarantine?pageSize=100${query}`)).body as { total: number };
      if (test === 'problems') {
        it('an identify whose many unknown props make a long problems list does not stall the partition (and every later one)', async () => {
          const t = await ingestTenant(ctx.app);
          const props: Record<string, number> = {};
          // ~31 KB of message; each key becomes {"path":"props.kNNNN","code":"contact_attribute_unknown"} (~55 bytes).
          for (let i = 0; i < 3000; i += 1) props[`k${i}`] = 1;
          const res = await t.collect('batch', {
            batch: [
              { type: 'identify', anonymousId: 'poison-1', userId: 'p-1', traits: { name: 'x', props } },
              { type: 'track', anonymousId: 'poison-1', event: 'purchase', properties: { amount: 1 } },
            ],
          });
          expect(res.statusCode).toBe(200);
          // Messages of other people (other partitions) behind it.
          for (let i = 0; i < 16; i += 1) await t.collect('track', { anonymousId: `other-${i}`, event: 'purchase' });
          await expect(t.drain()).resolves.toBeGreaterThan(0);
          expect(await t.events()).toHaveLength(17);
          expect((await quarantine(t, '&reason=traits_invalid')).total).toBe(1);
        });
      } else {
        it('custom fields filled over several identifies do not overflow the contact row and stall the partition', async () => {
          const t = await ingestTenant(ctx.app);
          for (let i = 0; i < 70; i += 1) {
            const res = await t.staff.request('POST', '/api/v1/metadata/contact-fields', { name: `字段${i}`, type: 'string' });
            expect(res.statusCode).toBe(201);
          }
          const value = 'v'.repeat(1024);
          const batch = [0, 1, 2].map((part) => {
            const props: Record<string, string> = {};
            for (let i = part * 24; i < Math.min(70, (part + 1) * 24); i += 1) props[`attr${i + 1}`] = value;
            return { type: 'identify', anonymousId: 'wide', userId: 'wide-1', traits: { props } };
          });
          for (const message of batch) expect((await t.collect('batch', { batch: [message] })).statusCode).toBe(200);
          await t.collect('track', { anonymousId: 'wide', userId: 'wide-1', event: 'purchase' });
          await expect(t.drain()).resolves.toBeGreaterThan(0);
          expect(await t.events()).toHaveLength(1);
        });
      }
    },
    { plugins: firstPartyPlugins },
  );
