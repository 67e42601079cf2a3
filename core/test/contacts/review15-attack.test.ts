import { expect, it } from 'vitest';
import { ContactsService } from '../../src/modules/contacts/contacts.service.js';
import { ingestTenant } from '../ingestion/support.js';
import { beforeLoads, gate, sleep } from '../support/concurrency.js';
import { identify, identityTenant, track } from './support.js';
import { firstPartyPlugins } from '../support/plugins.js';
import { normalStaff } from '../support/staff.js';
import { describeEngines, type TestApp } from '../support/test-app.js';

/*
 * Review of issue 15 (identity and merges): attacks by a fresh-eyes reviewer. Each test named after a
 * defect it found ("was: …") failed before its fix (ADR 0019) and now guards it; the others held.
 */

const APP_ID = 'wx1515151515151515';
const APP_ID_2 = 'wx2626262626262626';

const tenant = (app: TestApp) => identityTenant(app, [APP_ID, APP_ID_2]);

describeEngines(
  'review15 attack: identity and merges',
  (ctx) => {
    // ---- OLAP sync ---------------------------------------------------------------------------------

    it('a drainer that read a contact before it was merged away does not load it back into OLAP (was: a ghost contact)', async () => {
      // Two drainers exist in practice: the worker's loop and acceptCandidate / merge's syncSoon in
      // the API process. syncToOlap's verify rounds only re-send rows that still exist, so a stale
      // upsert of a contact deleted meanwhile is never undone.
      const t = await tenant(ctx.app);
      await t.collect('batch', {
        batch: [identify('g-1', { traits: { name: 'G1' } }), identify('g-2', { traits: { name: 'G2' } })],
      });
      await t.drain();
      const [g1, g2] = [(await t.contactOf('g-1'))!, (await t.contactOf('g-2'))!];
      expect((await t.api.request('PATCH', `/api/v1/contacts/${g1}`, { company: 'A' })).statusCode).toBe(200);
      await sleep(5);
      // g2 is updated last: it survives the merge below, g1 is merged away.
      expect((await t.api.request('PATCH', `/api/v1/contacts/${g2}`, { company: 'B' })).statusCode).toBe(200);

      const loading = gate();
      const release = gate();
      let held = false;
      const slowOlap = beforeLoads(ctx.app.olap, async (batch) => {
        if (held || !batch.contacts?.length) return;
        held = true;
        loading.open();
        await release.promise;
      });
      const slowDrainer = new ContactsService(t.repo, slowOlap);
      const draining = slowDrainer.syncToOlap(t.tenantId); // reads g1 and g2, then waits in load
      await loading.promise;
      const merge = await t.contacts.merge(t.tenantId, [g1, g2], { rule: 'manual', actorStaffId: null });
      expect(merge).toMatchObject({ survivorId: g2, mergedId: g1 });
      expect(await t.olapContactIds()).toEqual([g2]); // the merge's own sync: g1 gone
      release.open();
      await draining;
      // The slow drainer's stale g1 is back for good: lists and counts (OLAP) show a contact that no
      // longer exists in OLTP.
      expect(await t.olapContactIds()).toEqual([g2]);
    });

    it('regression: a crash between the OLAP load and the outbox delete of a merge — the next drain (with a chained merge) ends consistent', async () => {
      const t = await tenant(ctx.app);
      await t.collect('batch', {
        batch: [
          identify('c-1', { traits: { name: 'C1' } }),
          identify('c-2', { traits: { name: 'C2' } }),
          identify('c-3', { traits: { name: 'C3' } }),
          track({ userId: 'c-1' }),
          track({ userId: 'c-2' }),
          track({ userId: 'c-3' }),
        ],
      });
      await t.drain();
      const [c1, c2, c3] = [(await t.contactOf('c-1'))!, (await t.contactOf('c-2'))!, (await t.contactOf('c-3'))!];
      let crash = true;
      const crashingRepo = new Proxy(t.repo, {
        get(target, prop) {
          if (prop === 'deleteChanges' && crash)
            return () => {
              crash = false;
              return Promise.reject(new Error('killed between load and deleteChanges'));
            };
          const value = Reflect.get(target, prop) as unknown;
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
      });
      const crashing = new ContactsService(crashingRepo, ctx.app.olap);
      const first = (await crashing.merge(t.tenantId, [c1, c2], { rule: 'manual', actorStaffId: null }))!;
      expect(first).toBeTruthy();
      expect(crash).toBe(false);
      expect((await t.outbox()).length).toBeGreaterThan(0); // the crash left the outbox rows
      // A chained merge before anyone drains: the stale alias (merged → first survivor) is replayed first.
      const second = (await crashing.merge(t.tenantId, [first.survivorId, c3], { rule: 'manual', actorStaffId: null }))!;
      await t.contacts.syncAll();
      expect(await t.outbox()).toEqual([]);
      const final = second.survivorId;
      expect(await t.contactCount()).toBe(1);
      expect(await t.olapContactIds()).toEqual([final]);
      expect(await t.olapEventsBy()).toEqual([{ contact_id: final, n: '3' }]);
    });

    // ---- concurrency -------------------------------------------------------------------------------

    it('the same unionId recorded from two official accounts at once ends as one contact (was: two, on MariaDB)', async () => {
      // linkUnionId looks for holders with a plain (snapshot) read and creates its own channel's unionId
      // account: the unique key is per channel, so two writers in two channels never conflict.
      const t = await tenant(ctx.app);
      const unionIds = ['race-1', 'race-2', 'race-3', 'race-4', 'race-5', 'race-6'];
      await Promise.all(
        unionIds.flatMap((unionId) => [
          t.contacts.recordAccount(t.tenantId, {
            channelId: t.wechat.id,
            idType: 'wechat.openId',
            userId: `o1-${unionId}`,
            unionId,
          }),
          t.contacts.recordAccount(t.tenantId, {
            channelId: t.wechat2.id,
            idType: 'wechat.openId',
            userId: `o2-${unionId}`,
            unionId,
          }),
        ]),
      );
      const split: string[] = [];
      for (const unionId of unionIds) {
        const a = await t.contactOf(`o1-${unionId}`, 'wechat.openId', t.wechat.id);
        const b = await t.contactOf(`o2-${unionId}`, 'wechat.openId', t.wechat2.id);
        if (a !== b) split.push(unionId);
      }
      expect(split, 'unionIds held by two contacts').toEqual([]);
      expect(await t.contactCount()).toBe(unionIds.length);
    });

    it('accepting a candidate while the pipeline merges the same pair answers “already one contact” (was: 409 merge_contact_missing)', async () => {
      // acceptCandidate → mergeContacts follows aliases with a plain (snapshot) read, then locks: on
      // MariaDB the pipeline's merge commits in between, the lock finds one row and the operator is told
      // the contact no longer exists (docs: the pair should just be marked accepted, sameContact).
      const t = await tenant(ctx.app);
      await t.collect('batch', {
        batch: [identify('ra', { anonymousId: 'rk', traits: { name: 'Alice', weChatInfo: { appId: APP_ID, openId: 'o-ra' } } })],
      });
      await t.drain();
      await t.collect('batch', { batch: [identify('rb', { anonymousId: 'rk', traits: { name: 'Bob' } })] });
      await t.drain();
      const [candidate] = await t.candidates();
      expect(candidate).toBeDefined();

      const inMerge = gate();
      const release = gate();
      let holdNext = true;
      t.contacts.onMerge(async (merge) => {
        if (merge.tenantId !== t.tenantId || !holdNext) return;
        holdNext = false;
        inMerge.open();
        await release.promise;
      });
      // Bob's weChatInfo names Alice's fan: the pipeline merges the candidate's pair (rule wechat_info).
      await t.collect('identify', { userId: 'rb', traits: { weChatInfo: { appId: APP_ID, openId: 'o-ra' } } });
      const draining = t.drain();
      await inMerge.promise;
      const accepting = t.staff.request('POST', `/api/v1/contacts/merge-candidates/${candidate!.id}/accept`);
      if (ctx.engine === 'mariadb') {
        // Wait until the accept waits for the pipeline's row locks (its locking read of the two contacts).
        for (let i = 0; i < 400; i += 1) {
          const [rows] = (await ctx.app.oltp.knex.raw(
            "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE info LIKE 'select * from `contact` %for update'",
          )) as [{ n: number | string }[]];
          if (Number(rows[0]!.n) > 0) break;
          await sleep(25);
        }
      } else await sleep(50);
      release.open();
      await draining;
      const accepted = await accepting;
      expect(await t.contactCount()).toBe(1);
      expect(accepted.body.code).toBeUndefined();
      expect(accepted.statusCode).toBe(200);
      expect(accepted.body.candidate).toMatchObject({ status: 'accepted', sameContact: true });
    });

    // ---- survivor rule and candidates ---------------------------------------------------------------

    it('one identify that merges the fan and a unionId holder fills gaps newest first (§5.7; was: oldest first)', async () => {
      const t = await tenant(ctx.app);
      // Y: the fan of 服务号, oldest; X: holds the unionId through 订阅号, newer; S: the identified member, newest.
      const y = await t.contacts.recordAccount(t.tenantId, { channelId: t.wechat.id, idType: 'wechat.openId', userId: 'o-y' });
      expect((await t.api.request('PATCH', `/api/v1/contacts/${y}`, { email: 'y-older@example.com' })).statusCode).toBe(200);
      await sleep(5);
      const x = await t.contacts.recordAccount(t.tenantId, {
        channelId: t.wechat2.id,
        idType: 'wechat.openId',
        userId: 'o-x',
        unionId: 'un-xy',
      });
      expect((await t.api.request('PATCH', `/api/v1/contacts/${x}`, { email: 'x-newer@example.com' })).statusCode).toBe(200);
      await sleep(5);
      const open = (body: Record<string, unknown>) =>
        t.api.request('POST', '/api/v1/contacts/identify', { channel: { channelId: t.channelKey }, ...body });
      expect((await open({ externalId: 's-user', name: 'S' })).statusCode).toBe(200);
      await t.drain();
      expect(
        (await open({ externalId: 's-user', weChatInfo: { appId: APP_ID, openId: 'o-y', unionId: 'un-xy' } })).statusCode,
      ).toBe(200);
      await t.drain();
      const survivor = (await t.contactOf('s-user'))!;
      expect(await t.contactCount()).toBe(1);
      expect(await t.history()).toHaveLength(2);
      // S had no email; of the others X is the more recently updated: its email fills the gap.
      expect((await t.contactRow(survivor))!.email).toBe('x-newer@example.com');
    });

    it('a dismissed pair is not proposed again after one of the two was merged with another contact (was: proposed again)', async () => {
      // Candidates are keyed by the contact ids of the moment; a merge that changes one side's id
      // (the anonymous contact survives, being the more recently updated) re-opens a decided pair.
      const t = await tenant(ctx.app);
      await t.collect('batch', { batch: [identify('alice4', { anonymousId: 'k4', traits: { name: 'Alice' } })] });
      await t.drain();
      await t.collect('batch', { batch: [identify('bob4', { anonymousId: 'k4', traits: { name: 'Bob' } })] });
      await t.drain();
      const [candidate] = await t.candidates();
      expect((await t.staff.request('POST', `/api/v1/contacts/merge-candidates/${candidate!.id}/dismiss`)).statusCode).toBe(200);
      const alice = (await t.contactOf('alice4'))!;
      // Alice browses on a new device, then logs in there (anonymous_identified).
      await sleep(5);
      await t.collect('batch', { batch: [track({ anonymousId: 'k4-new' })] });
      await t.drain();
      await t.collect('batch', { batch: [identify('alice4', { anonymousId: 'k4-new' })] });
      await t.drain();
      expect(await t.contacts.currentId(t.tenantId, alice)).not.toBe(alice); // her id changed
      // Bob on the shared computer again: same people, same evidence as the dismissed candidate.
      await t.collect('batch', { batch: [identify('bob4', { anonymousId: 'k4' })] });
      await t.drain();
      expect(await t.candidates()).toEqual([]);
    });

    // ---- Open API reads ------------------------------------------------------------------------------

    it('the Open API answers a merged-away contact id with its survivor (was: a bare 404)', async () => {
      // The guide says a merged-away id "此后指向保留的用户"; merge history (the only alias lookup) is
      // staff-only, so an app that stored contact ids has no way to follow a merge.
      const t = await tenant(ctx.app);
      await t.collect('batch', {
        batch: [identify('o-1', { traits: { name: 'O1' } }), identify('o-2', { traits: { name: 'O2' } })],
      });
      await t.drain();
      const merge = (await t.contacts.merge(t.tenantId, [(await t.contactOf('o-1'))!, (await t.contactOf('o-2'))!], {
        rule: 'manual',
        actorStaffId: null,
      }))!;
      expect((await t.api.request('GET', '/api/v1/contacts/merges')).statusCode).toBe(403);
      const res = await t.api.request('GET', `/api/v1/contacts/${merge.mergedId}`);
      expect(JSON.stringify(res.body)).toContain(`"${merge.survivorId}"`);
    });

    it('an events cursor or from/to beyond the Date range answers 400 (was: 500)', async () => {
      const t = await tenant(ctx.app);
      await t.collect('batch', { batch: [track({ userId: 'ev-1' }, 1), track({ userId: 'ev-1' }, 2)] });
      await t.drain();
      const id = (await t.contactOf('ev-1'))!;
      // A safe integer, but past new Date()'s range: timestampText throws RangeError.
      const forged = Buffer.from(JSON.stringify(['events', 9e15, 'm', 'purchase']), 'utf8').toString('base64url');
      const cursor = await t.api.request('GET', `/api/v1/contacts/${id}/events?cursor=${forged}`);
      const from = await t.api.request('GET', `/api/v1/contacts/${id}/events?from=9000000000000000`);
      const to = await t.api.request('GET', `/api/v1/contacts/${id}/events?to=9000000000000000`);
      expect([cursor.statusCode, from.statusCode, to.statusCode]).toEqual([400, 400, 400]);
      expect(cursor.body.code).toBe('cursor_invalid');
    });

    // ---- kill mid-way --------------------------------------------------------------------------------

    it('regression: a merge hook that throws undoes the whole merge (accept and pipeline): nothing half-written, accept again / a replay merges', async () => {
      const t = await tenant(ctx.app);
      let failures = 0;
      t.contacts.onMerge(async (merge) => {
        if (merge.tenantId === t.tenantId && failures > 0) {
          failures -= 1;
          throw new Error('groups module down');
        }
      });
      await t.collect('batch', { batch: [identify('h-1', { anonymousId: 'hk', traits: { name: 'H1' } })] });
      await t.drain();
      await t.collect('batch', { batch: [identify('h-2', { anonymousId: 'hk', traits: { name: 'H2' } })] });
      await t.drain();
      const [candidate] = await t.candidates();
      const outboxBefore = await t.outbox();
      failures = 1;
      const failed = await t.staff.request('POST', `/api/v1/contacts/merge-candidates/${candidate!.id}/accept`);
      expect(failed.statusCode).toBe(500);
      expect(await t.contactCount()).toBe(2);
      expect(await t.aliases()).toEqual([]);
      expect(await t.history()).toEqual([]);
      expect(await t.outbox()).toEqual(outboxBefore);
      expect((await t.candidates())[0]).toMatchObject({ id: candidate!.id, status: 'pending' });
      expect((await t.staff.request('POST', `/api/v1/contacts/merge-candidates/${candidate!.id}/accept`)).statusCode).toBe(200);
      expect(await t.contactCount()).toBe(1);

      // The pipeline: the batch rolls back whole. (The identify is alone in its partition's batch, so the
      // worker's isolation quarantines it as load_failed at once — a hook failure is not the message's
      // fault, but it is kept and replayable.)
      await t.collect('batch', { batch: [track({ anonymousId: 'hk-2' })] });
      await t.drain();
      failures = 1;
      await t.collect('batch', { batch: [identify('h-1', { anonymousId: 'hk-2' })] });
      await t.drain();
      expect(await t.contactCount()).toBe(2);
      expect(await t.history()).toHaveLength(1);
      expect(await t.aliases()).toHaveLength(1);
      expect(await t.outbox()).toEqual([]);
      const quarantined = await t.staff.request('GET', '/api/v1/ingestion/quarantine?reason=load_failed');
      expect(quarantined.body.items).toHaveLength(1);
      expect(
        (await t.staff.request('POST', '/api/v1/ingestion/quarantine/replay', { reason: 'load_failed' })).statusCode,
      ).toBeLessThan(300);
      await t.drain();
      expect(await t.contactCount()).toBe(1);
      expect(await t.history()).toHaveLength(2);
      const survivor = (await t.contactOf('h-1'))!;
      expect(await t.contactOf('hk-2', 'anonymousId')).toBe(survivor);
      expect(await t.olapContactIds()).toEqual([survivor]);
    });

    // ---- access and input ----------------------------------------------------------------------------

    it('regression: permissions, tenants and bad input of the merge routes and weChatInfo', async () => {
      const t = await tenant(ctx.app);
      await t.collect('batch', { batch: [identify('p-1', { anonymousId: 'pk', traits: { name: 'P1' } })] });
      await t.drain();
      await t.collect('batch', { batch: [track({ anonymousId: 'pk-2' })] });
      await t.drain();
      await t.collect('identify', { userId: 'p-1', anonymousId: 'pk-2' });
      await t.drain();
      const [merge] = await t.history();
      expect(merge).toBeDefined();

      // A normal staff member reads history and settings, changes nothing; an app token reaches none of it.
      const normal = await normalStaff(ctx.app, t.tenantId);
      expect((await normal.request('GET', '/api/v1/contacts/merges')).statusCode).toBe(200);
      expect((await normal.request('GET', '/api/v1/contacts/identity-settings')).statusCode).toBe(200);
      expect((await normal.request('PUT', '/api/v1/contacts/identity-settings', { blockedValues: [] })).statusCode).toBe(403);
      expect((await t.api.request('PUT', '/api/v1/contacts/identity-settings', { blockedValues: [] })).statusCode).toBe(403);
      expect((await t.api.request('GET', '/api/v1/contacts/identity-settings')).statusCode).toBe(403);
      // A staff session on the Open API's contact reads: 401.
      expect((await t.staff.request('GET', '/api/v1/contacts')).statusCode).toBe(401);

      // Another tenant asking for this tenant's merged and surviving ids sees nothing.
      const other = await ingestTenant(ctx.app);
      for (const id of [merge!.mergedId, merge!.survivorId]) {
        const res = await other.staff.request('GET', `/api/v1/contacts/merges?contactId=${String(id)}`);
        expect(res.statusCode).toBe(200);
        expect(res.body.items).toEqual([]);
      }
      expect((await other.api.request('GET', `/api/v1/contacts/${String(merge!.survivorId)}/events`)).statusCode).toBe(404);

      // Bad and huge input.
      const put = (blockedValues: unknown) => t.staff.request('PUT', '/api/v1/contacts/identity-settings', { blockedValues });
      expect((await put(Array.from({ length: 101 }, (_, i) => `v${i}`))).statusCode).toBe(400);
      expect((await put(['x'.repeat(192)])).statusCode).toBe(400);
      expect((await put(['x'.repeat(10_000)])).statusCode).toBe(400);
      expect((await put([123])).statusCode).toBe(400);
      expect((await put('null')).statusCode).toBe(400);
      const blank = await put(['   ']);
      expect(blank.statusCode).toBe(400);
      expect(blank.body.code).toBe('identity_blocked_values_invalid');
      expect((await t.staff.request('GET', '/api/v1/contacts/identity-settings')).body).toEqual({
        blockedValues: ['nil', 'null', 'undefined', '1'],
      });
      expect((await t.staff.request('GET', `/api/v1/contacts/merges?contactId=${'9'.repeat(10_000)}`)).statusCode).toBe(400);
      expect((await t.staff.request('GET', '/api/v1/contacts/merges?cursor=abc')).statusCode).toBe(400);
      expect((await t.staff.request('GET', '/api/v1/contacts/merge-candidates?limit=100000')).statusCode).toBe(400);
      expect((await t.staff.request('POST', `/api/v1/contacts/merge-candidates/${'9'.repeat(10_000)}/accept`)).statusCode).toBe(
        400,
      );

      // weChatInfo of odd shapes: the Open API refuses, the SDK's identify is quarantined, no contact made.
      const before = await t.contactCount();
      for (const weChatInfo of [
        'wx',
        [APP_ID],
        { appId: APP_ID, openId: 12345 },
        { appId: APP_ID, openId: 'o'.repeat(10_000) },
      ]) {
        const res = await t.api.request('POST', '/api/v1/contacts/identify', {
          externalId: 'odd',
          channel: { channelId: t.channelKey },
          weChatInfo,
        });
        expect(res.statusCode, JSON.stringify(weChatInfo).slice(0, 40)).toBe(400);
        await t.collect('identify', { userId: 'odd', traits: { weChatInfo } });
      }
      await t.drain();
      const quarantined = await t.staff.request('GET', '/api/v1/ingestion/quarantine?reason=wechat_info_invalid');
      expect(quarantined.body.items).toHaveLength(4);
      expect(await t.contactCount()).toBe(before);
    });
  },
  { plugins: firstPartyPlugins },
);
