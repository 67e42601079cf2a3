import { describe, expect, it } from 'vitest';
import { isMatchableMobile, BlockedValues, DEFAULT_BLOCKED_VALUES } from '../../src/modules/contacts/identity-rules.js';
import { chooseSurvivor, mergedValues } from '../../src/modules/contacts/merges.js';
import type { ContactRow } from '../../src/modules/contacts/contacts.types.js';
import { ingestWorkerRef } from '../../src/modules/ingestion/ingestion.module.js';
import { IngestWorker } from '../../src/modules/ingestion/ingest-worker.js';
import type { IngestionRepo } from '../../src/modules/ingestion/ingestion.repo.js';
import { metadataServiceRef } from '../../src/modules/metadata/metadata.service.js';
import { tenantServiceRef } from '../../src/modules/tenancy/tenant.service.js';
import { identify, identityTenant as setUp, track } from './support.js';
import { firstPartyPlugins } from '../support/plugins.js';
import { normalStaff } from '../support/staff.js';
import { describeEngines, type TestApp } from '../support/test-app.js';

const withPlugins = { plugins: firstPartyPlugins };
const APP_ID = 'wx1111111111111111';
const APP_ID_2 = 'wx2222222222222222';

const identityTenant = (app: TestApp) => setUp(app, [APP_ID, APP_ID_2]);

describeEngines(
  'identity: the merge table (ARCHITECTURE §5.8)',
  (ctx) => {
    it('row 1 — identify with a known externalId updates that contact, never a second one', async () => {
      const t = await identityTenant(ctx.app);
      await t.collect('batch', { batch: [identify('u-1', { traits: { name: '张三' } })] });
      await t.drain();
      const first = await t.contactOf('u-1');
      await t.collect('batch', { batch: [identify('u-1', { traits: { email: 'z@example.com' } }), track({ userId: 'u-1' })] });
      await t.drain();
      expect(await t.contactOf('u-1')).toBe(first);
      expect(await t.contactCount()).toBe(1);
      expect(await t.contactRow(first!)).toMatchObject({ name: '张三', email: 'z@example.com' });
      expect(await t.history()).toEqual([]);
    });

    it('row 2 — an anonymous cookie account identified becomes the identified contact; its earlier events follow', async () => {
      const t = await identityTenant(ctx.app);
      await t.collect('batch', { batch: [track({ anonymousId: 'ck-1' }, 1), track({ anonymousId: 'ck-1' }, 2)] });
      await t.drain();
      const anonymous = await t.contactOf('ck-1', 'anonymousId');
      await t.collect('batch', { batch: [identify('u-2', { anonymousId: 'ck-1', traits: { name: '李四' } })] });
      await t.drain();
      expect(await t.contactOf('u-2')).toBe(anonymous);
      expect(await t.contactRow(anonymous!)).toMatchObject({ name: '李四', identified: expect.anything() });
      expect(Boolean((await t.contactRow(anonymous!))!.identified)).toBe(true);
      expect(await t.contactCount()).toBe(1);
    });

    it('row 2 — a known person logging in on a new device: the anonymous contact merges into them, events counted once for the survivor', async () => {
      const t = await identityTenant(ctx.app);
      // Known on one device…
      await t.collect('batch', {
        batch: [identify('u-3', { anonymousId: 'phone', traits: { name: '王五' } }), track({ userId: 'u-3' }, 10)],
      });
      await t.drain();
      const known = (await t.contactOf('u-3'))!;
      // …browsing anonymously on another…
      await t.collect('batch', { batch: [track({ anonymousId: 'laptop' }, 20), track({ anonymousId: 'laptop' }, 30)] });
      await t.drain();
      const anonymous = (await t.contactOf('laptop', 'anonymousId'))!;
      expect(anonymous).not.toBe(known);
      expect((await t.olapContactIds()).sort()).toEqual([known, anonymous].sort());
      // …then logging in there.
      await t.collect('batch', { batch: [identify('u-3', { anonymousId: 'laptop' })] });
      await t.drain();
      const survivor = (await t.contactOf('u-3'))!;
      expect(await t.contactOf('laptop', 'anonymousId')).toBe(survivor);
      expect(await t.contactCount()).toBe(1);
      const [merge] = await t.history();
      expect(merge).toMatchObject({ rule: 'anonymous_identified', survivorId: survivor, actorStaffId: null });
      expect([known, anonymous]).toContain(merge!.mergedId);
      // OLAP: the merged-away row is gone and all three events count once, for the survivor.
      expect(await t.olapContactIds()).toEqual([survivor]);
      expect(await t.olapEventsBy()).toEqual([{ contact_id: survivor, n: '3' }]);
    });

    it('row 3 — an anonymous id already bound to another identified contact makes a merge candidate, never a merge', async () => {
      const t = await identityTenant(ctx.app);
      await t.collect('batch', { batch: [identify('alice', { anonymousId: 'shared-pc', traits: { name: 'Alice' } })] });
      await t.drain();
      const alice = (await t.contactOf('alice'))!;
      // Bob logs in on the same computer (the cookie was not reset).
      await t.collect('batch', {
        batch: [identify('bob', { anonymousId: 'shared-pc', traits: { name: 'Bob' } }), track({ userId: 'bob' })],
      });
      await t.drain();
      const bob = (await t.contactOf('bob'))!;
      expect(bob).not.toBe(alice);
      expect(await t.contactCount()).toBe(2);
      expect(await t.contactOf('shared-pc', 'anonymousId')).toBe(alice);
      expect(await t.history()).toEqual([]);
      const [candidate] = await t.candidates();
      expect(candidate).toMatchObject({
        reason: 'shared_anonymous_id',
        status: 'pending',
        evidence: { channelId: t.channelId, idType: 'anonymousId', userId: 'shared-pc' },
        sameContact: false,
      });
      expect((candidate!.contacts as { id: string }[]).map((c) => c.id).sort()).toEqual([alice, bob].sort());
      // The same evidence again does not make a second candidate.
      await t.collect('batch', { batch: [identify('bob', { anonymousId: 'shared-pc' })] });
      await t.drain();
      expect(await t.candidates()).toHaveLength(1);
      expect(await t.contactCount()).toBe(2);
    });

    it('weChatInfo on identify links the official account fan: a new externalId joins the fan’s contact', async () => {
      const t = await identityTenant(ctx.app);
      const fan = await t.contacts.recordAccount(t.tenantId, {
        channelId: t.wechat.id,
        idType: 'wechat.openId',
        userId: 'o-fan-1',
      });
      const res = await t.api.request('POST', '/api/v1/contacts/identify', {
        externalId: 'mp-user-1',
        name: '粉丝',
        channel: { channelId: t.channelKey },
        weChatInfo: { appId: APP_ID, openId: 'o-fan-1' },
      });
      expect(res.statusCode).toBe(200);
      await t.drain();
      expect(await t.contactOf('mp-user-1')).toBe(fan);
      expect(await t.contactCount()).toBe(1);
      expect((await t.contactRow(fan))!.name).toBe('粉丝');
    });

    it('weChatInfo on identify merges a known contact with the fan (rule wechat_info); the SDK sends it inside traits', async () => {
      const t = await identityTenant(ctx.app);
      const fan = await t.contacts.recordAccount(t.tenantId, {
        channelId: t.wechat.id,
        idType: 'wechat.openId',
        userId: 'o-fan-2',
      });
      await t.collect('batch', { batch: [identify('web-2', { traits: { name: '网站用户' } }), track({ userId: 'web-2' })] });
      await t.drain();
      const web = (await t.contactOf('web-2'))!;
      expect(web).not.toBe(fan);
      await t.collect('identify', {
        userId: 'web-2',
        traits: { weChatInfo: { appId: APP_ID, openId: 'o-fan-2', unionId: 'un-2' } },
      });
      await t.drain();
      const survivor = (await t.contactOf('web-2'))!;
      expect(await t.contactOf('o-fan-2', 'wechat.openId', t.wechat.id)).toBe(survivor);
      // The unionId is recorded in the official account's channel.
      expect(await t.contactOf('un-2', 'wechat.unionId', t.wechat.id)).toBe(survivor);
      expect(await t.contactCount()).toBe(1);
      const [merge] = await t.history();
      expect(merge).toMatchObject({
        rule: 'wechat_info',
        evidence: { appId: APP_ID, idType: 'wechat.openId', userId: 'o-fan-2' },
      });
      expect(await t.olapEventsBy()).toEqual([{ contact_id: survivor, n: '1' }]);
    });

    it('an unbound appId: the Open API answers 400 wechat_account_not_bound; an SDK identify is quarantined', async () => {
      const t = await identityTenant(ctx.app);
      const res = await t.api.request('POST', '/api/v1/contacts/identify', {
        externalId: 'x',
        channel: { channelId: t.channelKey },
        weChatInfo: { appId: 'wx9999999999999999', openId: 'o-x' },
      });
      expect(res.statusCode).toBe(400);
      expect(res.body).toMatchObject({ code: 'wechat_account_not_bound', details: [{ path: 'weChatInfo.appId' }] });
      expect(res.body.message).toContain('wx9999999999999999');
      const malformed = await t.api.request('POST', '/api/v1/contacts/identify', {
        externalId: 'x',
        channel: { channelId: t.channelKey },
        weChatInfo: { appId: APP_ID },
      });
      expect(malformed.statusCode).toBe(400);
      expect(malformed.body.details).toEqual([expect.objectContaining({ path: 'weChatInfo', code: 'wechat_info_invalid' })]);
      // The custom channel's own key is not an official account either.
      await t.collect('identify', { userId: 'y', traits: { weChatInfo: { appId: t.channelKey, openId: 'o-y' } } });
      await t.drain();
      const quarantine = await t.staff.request('GET', '/api/v1/ingestion/quarantine?reason=wechat_account_not_bound');
      expect(quarantine.body.items).toHaveLength(1);
      expect(await t.contactCount()).toBe(0);
    });

    it('the same unionId seen from two channels merges the two contacts (rule wechat_union_id)', async () => {
      const t = await identityTenant(ctx.app);
      const first = await t.contacts.recordAccount(t.tenantId, {
        channelId: t.wechat.id,
        idType: 'wechat.openId',
        userId: 'o-a',
        unionId: 'union-9',
      });
      const other = await t.contacts.recordAccount(t.tenantId, {
        channelId: t.wechat2.id,
        idType: 'wechat.openId',
        userId: 'o-b',
      });
      expect(other).not.toBe(first);
      const merged = await t.contacts.recordAccount(t.tenantId, {
        channelId: t.wechat2.id,
        idType: 'wechat.openId',
        userId: 'o-b',
        unionId: 'union-9',
      });
      expect(await t.contactCount()).toBe(1);
      expect(await t.contactOf('o-a', 'wechat.openId', t.wechat.id)).toBe(merged);
      expect(await t.contactOf('o-b', 'wechat.openId', t.wechat2.id)).toBe(merged);
      const [merge] = await t.history();
      expect(merge).toMatchObject({ rule: 'wechat_union_id', evidence: { idType: 'wechat.unionId', userId: 'union-9' } });
    });

    it('blocked values (nil, null, undefined, 1 by default; per tenant) never match anyone', async () => {
      const t = await identityTenant(ctx.app);
      // Two visitors whose site sent userId "null": they stay two (the cookie identifies each).
      await t.collect('batch', {
        batch: [
          identify('null', { anonymousId: 'v-1', traits: { name: 'A' } }),
          identify('NULL ', { anonymousId: 'v-2', traits: { name: 'B' } }),
        ],
      });
      // Nothing but a blocked id: quarantined, not a contact.
      await t.collect('track', { userId: 'undefined', event: 'purchase' });
      await t.drain();
      expect(await t.contactCount()).toBe(2);
      expect(await t.contactOf('null')).toBeUndefined();
      const blocked = await t.staff.request('GET', '/api/v1/ingestion/quarantine?reason=identity_blocked');
      expect(blocked.body.items).toHaveLength(1);
      // The tenant adds "guest": from now on it never matches either; "1" is removed and matches again.
      const saved = await t.staff.request('PUT', '/api/v1/contacts/identity-settings', {
        blockedValues: ['nil', 'null', 'undefined', 'guest'],
      });
      expect(saved.statusCode).toBe(200);
      await t.collect('batch', {
        batch: [
          identify('guest', { anonymousId: 'v-3' }),
          identify('guest', { anonymousId: 'v-4' }),
          identify('1', { anonymousId: 'v-5' }),
          identify('1', { anonymousId: 'v-6' }),
        ],
      });
      await t.drain();
      expect(await t.contactOf('guest')).toBeUndefined();
      expect(await t.contactOf('1')).toBeDefined();
      // v-3 and v-4 stay two people; v-5 and v-6 share the externalId "1" (one candidate-free contact, v-6's cookie joins).
      expect(await t.contactCount()).toBe(2 + 2 + 1);
      // A weChatInfo openId that is blocked links nothing.
      const fan = await t.contacts.recordAccount(t.tenantId, { channelId: t.wechat.id, idType: 'wechat.openId', userId: 'null' });
      expect(fan).toBeDefined();
      await t.collect('identify', { userId: 'w-1', traits: { weChatInfo: { appId: APP_ID, openId: 'null' } } });
      await t.drain();
      expect(await t.contactOf('w-1')).not.toBe(fan);
      // The Open API answers at once: a blocked externalId identifies no one.
      const refused = await t.api.request('POST', '/api/v1/contacts/identify', {
        externalId: 'Guest',
        name: 'G',
        channel: { channelId: t.channelKey },
      });
      expect(refused.statusCode).toBe(400);
      expect(refused.body.details).toEqual([
        expect.objectContaining({ path: 'externalId', code: 'contact_external_id_blocked' }),
      ]);
      const bad = await t.staff.request('PUT', '/api/v1/contacts/identity-settings', { blockedValues: ['x', 'X'] });
      expect(bad.statusCode).toBe(400);
      expect(bad.body.code).toBe('identity_blocked_values_invalid');
      expect((await t.staff.request('GET', '/api/v1/contacts/identity-settings')).body).toEqual({
        blockedValues: ['nil', 'null', 'undefined', 'guest'],
      });
    });
  },
  withPlugins,
);

describeEngines(
  'identity: survivor rules, chains, candidates (ARCHITECTURE §5.7)',
  (ctx) => {
    it('the most recently updated survives; its values win, gaps are filled; first seen earliest, last active latest, created time and utm of the earliest identification', async () => {
      const t = await identityTenant(ctx.app);
      await ctx.app.service(metadataServiceRef).contactFields(t.tenantId);
      await t.staff.request('POST', '/api/v1/metadata/contact-fields', { name: '等级', type: 'string' });
      const day = 24 * 3600 * 1000;
      const now = Date.now();
      await t.collect('batch', {
        batch: [
          identify('older', {
            anonymousId: 'dev-o',
            timestamp: new Date(now - 10 * day).toISOString(),
            traits: { name: '老用户', mobilePhone: '13800000000', props: { attr1: '金卡' }, utm: { source: 'baidu' } },
          }),
          track({ userId: 'older', timestamp: new Date(now - 9 * day).toISOString() }),
        ],
      });
      await t.drain();
      await new Promise((resolve) => setTimeout(resolve, 5));
      await t.collect('batch', {
        batch: [
          identify('newer', {
            anonymousId: 'dev-n',
            timestamp: new Date(now - 2 * day).toISOString(),
            traits: { name: '新用户', email: 'new@example.com', utm: { source: 'wechat' } },
          }),
          track({ userId: 'newer', timestamp: new Date(now - 1 * day).toISOString() }),
        ],
      });
      await t.drain();
      const older = (await t.contactOf('older'))!;
      const newer = (await t.contactOf('newer'))!;
      const before = { older: (await t.contactRow(older))!, newer: (await t.contactRow(newer))! };
      // Bob's cookie on Alice's contact: a candidate, accepted by an operator.
      await t.collect('identify', { userId: 'newer', anonymousId: 'dev-o' });
      await t.drain();
      const [candidate] = await t.candidates();
      const accepted = await t.staff.request('POST', `/api/v1/contacts/merge-candidates/${candidate!.id}/accept`);
      expect(accepted.statusCode).toBe(200);
      expect(accepted.body.merge).toMatchObject({
        survivorId: newer,
        mergedId: older,
        rule: 'candidate_accepted',
        candidateId: candidate!.id,
      });
      expect(accepted.body.merge.actorStaffId).toBeTruthy();
      expect(accepted.body.merge.before.merged).toMatchObject({ name: '老用户', mobile: '13800000000' });
      expect(accepted.body.candidate).toMatchObject({ status: 'accepted', sameContact: true });
      const survivor = (await t.contactRow(newer))!;
      expect(survivor).toMatchObject({ name: '新用户', email: 'new@example.com', mobile: '13800000000', utm_source: 'baidu' });
      expect(JSON.parse(survivor.attributes!)).toEqual({ '1': '金卡' });
      expect(Number(survivor.first_seen_at)).toBe(Number(before.older.first_seen_at));
      expect(Number(survivor.last_active_at)).toBe(Number(before.newer.last_active_at));
      expect(Number(survivor.created_at)).toBe(Number(before.older.created_at));
      expect(await t.contactRow(older)).toBeUndefined();
      expect(await t.contactOf('older')).toBe(newer);
      expect(await t.contacts.currentId(t.tenantId, older)).toBe(newer);
      // OLAP follows in one load: survivor's values, merged row gone, both events counted for the survivor.
      const olap = (
        await ctx.app.olap.forTenant(t.tenantId).query('SELECT id, name, mobile, utm_source FROM contacts', { rowMode: 'json' })
      ).rows;
      expect(olap).toEqual([{ id: newer, name: '新用户', mobile: '13800000000', utm_source: 'baidu' }]);
      expect(await t.olapEventsBy()).toEqual([{ contact_id: newer, n: '2' }]);
      // Deciding twice is refused.
      const again = await t.staff.request('POST', `/api/v1/contacts/merge-candidates/${candidate!.id}/accept`);
      expect(again.statusCode).toBe(409);
      expect(again.body.code).toBe('merge_candidate_decided');
    });

    it('chains of merges resolve to the final survivor, in OLTP and in OLAP events', async () => {
      const t = await identityTenant(ctx.app);
      await t.collect('batch', {
        batch: [track({ anonymousId: 'c-a' }), track({ anonymousId: 'c-b' }), track({ anonymousId: 'c-c' })],
      });
      await t.drain();
      const b = (await t.contactOf('c-b', 'anonymousId'))!;
      await t.collect('identify', { userId: 'chain', anonymousId: 'c-a', traits: { name: 'C' } });
      await t.drain();
      await t.collect('identify', { userId: 'chain', anonymousId: 'c-b' });
      await t.drain();
      await t.collect('identify', { userId: 'chain', anonymousId: 'c-c' });
      await t.drain();
      const final = (await t.contactOf('chain'))!;
      expect(await t.contactCount()).toBe(1);
      for (const cookie of ['c-a', 'c-b', 'c-c']) expect(await t.contactOf(cookie, 'anonymousId')).toBe(final);
      expect(await t.olapEventsBy()).toEqual([{ contact_id: final, n: '3' }]);
      expect(await t.olapContactIds()).toEqual([final]);
      // The history of the contact, asked by an old id, lists every merge it took part in.
      const history = (await t.staff.request('GET', `/api/v1/contacts/merges?contactId=${b}`)).body.items;
      expect(history.length).toBe(2);
      expect(new Set(history.map((m: { survivorId: string }) => m.survivorId))).toEqual(new Set([final]));
      // The Open API follows an old id to the survivor: detail, batch, accounts and events.
      expect(b).not.toBe(final);
      const detail = await t.api.request('GET', `/api/v1/contacts/${b}`);
      expect(detail.statusCode).toBe(200);
      expect(detail.body.id).toBe(final);
      const batch = await t.api.request('POST', '/api/v1/contacts/batch-get', { ids: [b, final] });
      expect(batch.body.items.map((c: { id: string }) => c.id)).toEqual([final]);
      expect(batch.body).toMatchObject({ notFound: [], merged: { [b]: final } });
      const events = await t.api.request('GET', `/api/v1/contacts/${b}/events`);
      expect(events.body.items).toHaveLength(3);
      const accounts = await t.api.request('GET', `/api/v1/contacts/${b}/accounts`);
      expect(accounts.body.items.map((x: { userId: string }) => x.userId).sort()).toEqual(['c-a', 'c-b', 'c-c', 'chain']);
    });

    it('operators dismiss a candidate; permissions and tenants are enforced', async () => {
      const t = await identityTenant(ctx.app);
      await t.collect('batch', { batch: [identify('p-1', { anonymousId: 'kiosk', traits: { name: 'P1' } })] });
      await t.drain();
      await t.collect('batch', { batch: [identify('p-2', { anonymousId: 'kiosk', traits: { name: 'P2' } })] });
      await t.drain();
      const [candidate] = await t.candidates();
      const other = await identityTenant(ctx.app);
      expect((await other.staff.request('POST', `/api/v1/contacts/merge-candidates/${candidate!.id}/dismiss`)).statusCode).toBe(
        404,
      );
      expect((await other.staff.request('POST', `/api/v1/contacts/merge-candidates/${candidate!.id}/accept`)).statusCode).toBe(
        404,
      );
      const normal = await normalStaff(ctx.app, t.tenantId);
      expect((await normal.request('GET', '/api/v1/contacts/merge-candidates')).statusCode).toBe(403);
      expect((await normal.request('POST', `/api/v1/contacts/merge-candidates/${candidate!.id}/accept`)).statusCode).toBe(403);
      expect((await t.api.request('GET', '/api/v1/contacts/merge-candidates')).statusCode).toBe(403);
      const dismissed = await t.staff.request('POST', `/api/v1/contacts/merge-candidates/${candidate!.id}/dismiss`);
      expect(dismissed.statusCode).toBe(200);
      expect(dismissed.body.status).toBe('dismissed');
      expect(await t.candidates()).toEqual([]);
      expect(await t.candidates('dismissed')).toHaveLength(1);
      expect(await t.contactCount()).toBe(2);
      // A dismissed pair is not proposed again.
      await t.collect('identify', { userId: 'p-2', anonymousId: 'kiosk' });
      await t.drain();
      expect(await t.candidates()).toEqual([]);
      expect((await t.staff.request('GET', '/api/v1/contacts/merge-candidates')).body.pending).toBe(0);
    });

    it('the hooks of later rows: a manual / dedupe merge and a Segment alias candidate go through the same rules', async () => {
      const t = await identityTenant(ctx.app);
      await t.collect('batch', {
        batch: [
          identify('m-1', { traits: { name: 'M1' } }),
          identify('m-2', { traits: { name: 'M2', email: 'm2@example.com' } }),
        ],
      });
      await t.drain();
      const [m1, m2] = [(await t.contactOf('m-1'))!, (await t.contactOf('m-2'))!];
      const proposed = await t.contacts.propose(t.tenantId, [m1, m2], 'segment_alias', { userId: 'm-2' });
      expect(proposed).toMatchObject({ reason: 'segment_alias', status: 'pending' });
      // Proposed again: the same candidate.
      expect((await t.contacts.propose(t.tenantId, [m2, m1], 'segment_alias', {}))!.id).toBe(proposed!.id);
      // Both updated at the same instant (their messages sit in different inbox partitions, so the
      // pipeline may stamp and create them in either order: set the tie here) and both identified.
      const stamp = Date.now();
      await ctx.app.oltp.forTenant(t.tenantId).from('contact').whereIn('id', [m1, m2]).update({ updated_at: stamp });
      const [older, newer] = Number(m1) < Number(m2) ? [m1, m2] : [m2, m1];
      const merge = await t.contacts.merge(t.tenantId, [m1, m2], {
        rule: 'dedupe_rule',
        actorStaffId: null,
        evidence: { idType: 'email' },
      });
      // A tie: the older contact (the smaller id) survives (§5.7's tie-break); its gaps are filled.
      expect(merge).toMatchObject({ rule: 'dedupe_rule', survivorId: older, mergedId: newer });
      expect(await t.contactRow(older)).toMatchObject({ name: older === m1 ? 'M1' : 'M2', email: 'm2@example.com' });
      // Merging again (an old id) is a no-op; the candidate now shows one contact.
      expect(await t.contacts.merge(t.tenantId, [m1, m2], { rule: 'manual', actorStaffId: null })).toBeNull();
      expect((await t.contacts.candidate(t.tenantId, proposed!.id)).sameContact).toBe(true);
      expect(await t.olapContactIds()).toEqual([older]);
    });

    it('accepting a candidate whose contact was deleted meanwhile answers 409 merge_contact_missing and changes nothing', async () => {
      const t = await identityTenant(ctx.app);
      await t.collect('batch', { batch: [identify('d-1', { anonymousId: 'd-shared', traits: { name: 'D1' } })] });
      await t.drain();
      await t.collect('batch', { batch: [identify('d-2', { anonymousId: 'd-shared', traits: { name: 'D2' } })] });
      await t.drain();
      const [candidate] = await t.candidates();
      const gone = (await t.contactOf('d-2'))!;
      const db = ctx.app.oltp.forTenant(t.tenantId);
      await db.from('channel_account').where('contact_id', gone).delete();
      await db.from('contact').where('id', gone).delete();
      const res = await t.staff.request('POST', `/api/v1/contacts/merge-candidates/${candidate!.id}/accept`);
      expect(res.statusCode).toBe(409);
      expect(res.body.code).toBe('merge_contact_missing');
      expect(await t.candidates()).toHaveLength(1);
      expect(await t.history()).toEqual([]);
    });

    it('static group memberships are unioned through the merge hook, inside the merge’s transaction', async () => {
      const t = await identityTenant(ctx.app);
      const seen: { survivorId: string; mergedId: string }[] = [];
      t.contacts.onMerge(async (merge) => {
        if (merge.tenantId === t.tenantId) seen.push({ survivorId: merge.survivorId, mergedId: merge.mergedId });
      });
      await t.collect('batch', { batch: [track({ anonymousId: 'h-1' })] });
      await t.drain();
      await t.collect('batch', { batch: [identify('hooked', { traits: { name: 'H' } })] });
      await t.drain();
      await t.collect('identify', { userId: 'hooked', anonymousId: 'h-1' });
      await t.drain();
      const [merge] = await t.history();
      expect(seen).toEqual([{ survivorId: merge!.survivorId, mergedId: merge!.mergedId }]);
    });
  },
  withPlugins,
);

describeEngines(
  'identity: concurrency (one person in two partitions)',
  (ctx) => {
    it('two workers draining an anonymous web identify and an app identify of one new person end with one contact', async () => {
      const t = await identityTenant(ctx.app);
      const base = ctx.app.service(ingestWorkerRef) as unknown as { repo: IngestionRepo; stop(): Promise<void> };
      await base.stop();
      const workers = [0, 1].map(
        () =>
          new IngestWorker(
            base.repo,
            t.contacts,
            ctx.app.service(metadataServiceRef),
            ctx.app.service(tenantServiceRef),
            ctx.app.olap,
            ctx.app.logger,
            { batchSize: 3, leaseTtlMs: 50 },
          ),
      );
      for (let person = 0; person < 12; person += 1) {
        // Anonymous web first (partition of the cookie), then the app (partition of the userId), at once.
        await t.collect('batch', { batch: [track({ anonymousId: `web-${person}` })] });
        await t.collect('batch', {
          batch: [identify(`user-${person}`, { anonymousId: `web-${person}`, traits: { name: `P${person}` } })],
        });
        await t.collect('batch', {
          batch: [
            identify(`user-${person}`, { traits: { email: `p${person}@example.com` } }),
            track({ userId: `user-${person}` }),
          ],
        });
      }
      await Promise.all([0, 1, 2].map(() => Promise.all(workers.map((w) => w.drain()))));
      await Promise.all(workers.map((w) => w.drain()));
      await Promise.all(workers.map((w) => w.stop()));
      await t.drain();
      const db = ctx.app.oltp.forTenant(t.tenantId);
      // One contact per person; every account points at an existing contact.
      expect(await t.contactCount()).toBe(12);
      const orphans = (await db
        .from('channel_account')
        .whereNotIn('contact_id', db.from('contact').select('id'))
        .select('id')) as unknown[];
      expect(orphans).toEqual([]);
      for (let person = 0; person < 12; person += 1)
        expect(await t.contactOf(`web-${person}`, 'anonymousId')).toBe(await t.contactOf(`user-${person}`));
      const byContact = await t.olapEventsBy();
      expect(byContact).toHaveLength(12);
      expect(byContact.every((row) => row.n === '2')).toBe(true);
      expect((await t.olapContactIds()).length).toBe(12);
    });
  },
  withPlugins,
);

describe('identity rules (units)', () => {
  it('blocked values compare trimmed and case-insensitively', () => {
    const blocked = new BlockedValues(DEFAULT_BLOCKED_VALUES);
    expect(['nil', 'NULL', ' undefined ', '1'].map((v) => blocked.blocks(v))).toEqual([true, true, true, true]);
    expect(blocked.usable('11')).toBe('11');
    expect(blocked.usable('Null')).toBeUndefined();
    expect(blocked.usable(undefined)).toBeUndefined();
  });

  it('RSA-encrypted mobiles never match; plain numbers do', () => {
    const cipher =
      'k3Jx0Zq2Yk1mS9xw8bYl0w0ZrW5kq6kUo1h3d0m1ZbQ4b6l8cB1Zz9Q0yVq2Lk3Xl5Wq8Vw9uR0tQ2sP4oN6mL8kJ0iH2gF4eD6cB8aZ0yX2wV4uT6sR8qP0oN2mL4kJ6iH8gF0eD2c=';
    expect(isMatchableMobile(cipher)).toBe(false);
    expect(isMatchableMobile('13800000000')).toBe(true);
    expect(isMatchableMobile('+86 138-0000-0000')).toBe(true);
    expect(isMatchableMobile('138abc')).toBe(false);
  });

  it('chooses the survivor by update time, then identified, then the older id — whatever the argument order', () => {
    const row = (id: number, updated: number, identified: boolean) =>
      ({ id, updated_at: updated, identified }) as unknown as ContactRow;
    expect(chooseSurvivor(row(1, 5, false), row(2, 9, false))[0].id).toBe(2);
    expect(chooseSurvivor(row(2, 9, false), row(1, 5, false))[0].id).toBe(2);
    expect(chooseSurvivor(row(1, 5, false), row(2, 5, true))[0].id).toBe(2);
    expect(chooseSurvivor(row(3, 5, true), row(2, 5, true))[0].id).toBe(2);
  });

  it('a merge that makes a contact identified for the first time gives it a created time', () => {
    const base = {
      attributes: null,
      first_seen_at: 1,
      last_active_at: null,
      created_at: null,
      identified: false,
    } as unknown as ContactRow;
    const change = mergedValues(
      { ...base, id: 1, name: null } as ContactRow,
      { ...base, id: 2, name: null, email: 'a@b.c' } as ContactRow,
      42,
    );
    expect(change).toMatchObject({ email: 'a@b.c', identified: true, created_at: 42, updated_at: 42 });
  });
});
