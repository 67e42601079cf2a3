import { expect, it } from 'vitest';
import { groupMembershipChangedTopic, type GroupMembershipChangedEvent } from '../../src/kernel/event-bus.js';
import { coreServices } from '../../src/kernel/services.js';
import { GROUP_REALTIME_TASK, groupLimits } from '../../src/modules/groups/groups.types.js';
import { identify, track } from '../contacts/support.js';
import { firstPartyPlugins } from '../support/plugins.js';
import { describeEngines, type TestApp } from '../support/test-app.js';
import { GROUPS, and, bought, city, groupsTenant, inGroup, sorted } from './support.js';

/** Everything `core.groupMembershipChanged` publishes for the tenant, from now on. */
function listen(app: TestApp, tenantId: string) {
  const seen: GroupMembershipChangedEvent[] = [];
  const stop = app.service(coreServices.eventBus).subscribe(groupMembershipChangedTopic, (change) => {
    if (change.tenantId === tenantId) seen.push(change);
  });
  return { seen, stop };
}

/** A purchase written straight to OLAP: no load batch is announced, so nothing is evaluated in real time. */
async function silentPurchase(app: TestApp, tenantId: string, contactId: string, messageId: string) {
  await app.olap.forTenant(tenantId).load({
    batchId: `silent-${messageId}`,
    events: [{ eventTime: Date.now(), event: 'purchase', contactId, messageId, direction: 'inbound', properties: { amount: 5 } }],
  });
}

describeEngines(
  'groups: real-time groups (ADR 0048)',
  (ctx) => {
    it('a load batch moves its contacts in and out of a real-time group at once, over the active version, with signals', async () => {
      const t = await groupsTenant(ctx.app);
      const buyers = await t.dynamic(and(bought(true)), { realtime: true });
      const shanghai = await t.dynamic(and(city('上海')), { realtime: true });
      const daily = await t.dynamic(and(bought(true)));
      await t.runTasks();
      expect(await t.group(buyers.id)).toMatchObject({ realtime: true, status: 'done', activeVersion: 1, memberCount: 2 });
      expect((await t.group(daily.id)).realtime).toBe(false);
      const before = (await t.staff.request('POST', '/api/v1/console/contacts/search', { keyword: '王五' })).body.items[0];
      const events = listen(ctx.app, t.tenantId);

      // 王五 buys (an event only: no trait changes); 赵六 moves to 上海; 张三 moves away from it.
      const res = await t.collect('batch', {
        batch: [
          track({ userId: 'u-3' }, 7),
          identify('u-4', { traits: { city: '上海' } }),
          identify('u-1', { traits: { city: '北京' } }),
        ],
      });
      expect(res.statusCode).toBe(200);
      await t.drain();
      await t.service.realtime.idle();
      events.stop();

      expect(await t.members(buyers.id)).toEqual(sorted(t.ids.zhang, t.ids.li, t.ids.wang));
      expect(await t.members(shanghai.id)).toEqual(sorted(t.ids.wang, t.ids.zhao));
      // The daily group is not real-time: it waits for its computation.
      expect(await t.members(daily.id)).toEqual(sorted(t.ids.zhang, t.ids.li));
      // Live changes are a delta: the version is still 1, its written rows unchanged, its count live.
      expect(await t.group(buyers.id)).toMatchObject({ activeVersion: 1, memberCount: 3 });
      expect(await t.group(shanghai.id)).toMatchObject({ activeVersion: 1, memberCount: 2 });
      // Conditions read the live membership (a group leaf in another tree).
      const nested = await t.staff.request('POST', `${GROUPS}/estimate`, { condition: and(inGroup(buyers.id)) });
      expect(nested.body.count).toBe(3);
      // The contact detail lists it too.
      const detail = await t.staff.request('GET', `/api/v1/console/contacts/${t.ids.wang}`);
      expect((detail.body.groups as { id: string }[]).map((g) => g.id)).toContain(buyers.id);
      // Membership changes bump the contact's updated time (§1.4.2).
      const after = (await t.staff.request('POST', '/api/v1/console/contacts/search', { keyword: '王五' })).body.items[0];
      expect(after.updatedAt).toBeGreaterThan(before.updatedAt);
      // Entered / left signals for journeys (the batch may have been loaded in several rounds: summed up).
      const of = (groupId: string) => {
        const mine = events.seen.filter((e) => e.groupId === groupId);
        return {
          sources: [...new Set(mine.map((e) => `${e.source}@${e.version}`))],
          entered: mine.flatMap((e) => e.entered).sort(),
          left: mine.flatMap((e) => e.left).sort(),
        };
      };
      expect(of(buyers.id)).toEqual({ sources: ['realtime@1'], entered: [t.ids.wang], left: [] });
      expect(of(shanghai.id)).toEqual({ sources: ['realtime@1'], entered: [t.ids.zhao], left: [t.ids.zhang] });
      expect(of(daily.id)).toEqual({ sources: [], entered: [], left: [] });

      // The same batch again changes nothing and signals nothing.
      const again = listen(ctx.app, t.tenantId);
      await t.service.realtime.evaluate(t.tenantId, [t.ids.wang, t.ids.zhao, t.ids.zhang]);
      again.stop();
      expect(again.seen).toEqual([]);
      expect((await t.group(buyers.id)).memberCount).toBe(3);
    });

    it('the next computation folds the delta into a new version; a change landing during the computation is kept', async () => {
      const t = await groupsTenant(ctx.app);
      const buyers = await t.dynamic(and(bought(true)), { realtime: true });
      await t.runTasks();
      await t.collect('batch', { batch: [track({ userId: 'u-3' }, 3)] });
      await t.drain();
      await t.service.realtime.idle();
      expect(await t.members(buyers.id)).toEqual(sorted(t.ids.zhang, t.ids.li, t.ids.wang));

      // 赵六 buys after the computation read its data and before it switched versions: the real-time
      // change lands on version 1 (simulated: written straight to OLAP, then evaluated as a batch would).
      t.service.faults.afterVersionWrite = async () => {
        await silentPurchase(ctx.app, t.tenantId, t.ids.zhao, 'late-1');
        await ctx.app.olap.forTenant(t.tenantId).applyGroupDelta(buyers.id, 1, [{ contactId: t.ids.zhao, member: true }]);
      };
      const events = listen(ctx.app, t.tenantId);
      try {
        expect((await t.staff.request('POST', `${GROUPS}/${buyers.id}/recompute`)).statusCode).toBe(200);
        await t.runTasks();
      } finally {
        t.service.faults.afterVersionWrite = undefined;
        events.stop();
      }
      // Version 2 was computed without 赵六's purchase; the fold evaluated the differing contacts again.
      expect(await t.group(buyers.id)).toMatchObject({ status: 'done', activeVersion: 2, memberCount: 4 });
      expect(await t.olapMembers(buyers.id, 2)).toEqual(sorted(t.ids.zhang, t.ids.li, t.ids.wang, t.ids.zhao));
      expect(await t.members(buyers.id)).toEqual(sorted(t.ids.zhang, t.ids.li, t.ids.wang, t.ids.zhao));
      // Signals: the computation's diff against the live membership, then the fold's correction.
      expect(events.seen.map(({ source, version, entered, left }) => ({ source, version, entered, left }))).toEqual([
        { source: 'computation', version: 2, entered: [], left: [t.ids.zhao] },
        { source: 'realtime', version: 2, entered: [t.ids.zhao], left: [] },
      ]);
      // The version's own rows hold what the computation found (王五 folded in); 赵六 is in its delta.
      const written = await ctx.app.olap
        .forTenant(t.tenantId)
        .query<{ n: unknown }>('SELECT count(*) AS n FROM group_member WHERE group_id = CAST(? AS BIGINT) AND version = 2', {
          params: [buyers.id],
          rowMode: 'json',
        });
      expect(Number(written.rows[0]!.n)).toBe(4);
    });

    it('the sweep re-evaluates whole groups: contacts a batch never announced enter and leave', async () => {
      const t = await groupsTenant(ctx.app);
      const buyers = await t.dynamic(and(bought(true)), { realtime: true });
      const nonBuyers = await t.dynamic(and(bought(false)), { realtime: true });
      await t.runTasks();
      expect(await t.members(nonBuyers.id)).toEqual(sorted(t.ids.wang, t.ids.zhao));
      // A purchase the process never evaluated (it died after loading the batch).
      await silentPurchase(ctx.app, t.tenantId, t.ids.wang, 'missed-1');
      expect(await t.members(buyers.id)).toEqual(sorted(t.ids.zhang, t.ids.li));
      const events = listen(ctx.app, t.tenantId);
      expect(await t.service.realtime.sweep(t.tenantId)).toBe(2);
      events.stop();
      expect(await t.members(buyers.id)).toEqual(sorted(t.ids.zhang, t.ids.li, t.ids.wang));
      expect(await t.members(nonBuyers.id)).toEqual([t.ids.zhao]);
      expect((await t.group(nonBuyers.id)).memberCount).toBe(1);
      expect(events.seen.map(({ groupId, source, entered, left }) => ({ groupId, source, entered, left }))).toEqual([
        { groupId: buyers.id, source: 'sweep', entered: [t.ids.wang], left: [] },
        { groupId: nonBuyers.id, source: 'sweep', entered: [], left: [t.ids.wang] },
      ]);
      // Swept again: nothing left to change.
      expect(await t.service.realtime.sweep(t.tenantId)).toBe(0);
    });

    it('a failed evaluation is retried as a task; an erased contact leaves the live membership too', async () => {
      const t = await groupsTenant(ctx.app);
      const buyers = await t.dynamic(and(bought(true)), { realtime: true });
      await t.runTasks();
      t.service.realtime.faults.beforeEvaluate = () => {
        throw new Error('OLAP unavailable');
      };
      try {
        await t.collect('batch', { batch: [track({ userId: 'u-3' }, 3)] });
        await t.drain();
        await t.service.realtime.idle();
      } finally {
        t.service.realtime.faults.beforeEvaluate = undefined;
      }
      expect(await t.members(buyers.id)).toEqual(sorted(t.ids.zhang, t.ids.li));
      const queued = await ctx.app.oltp
        .forTenant(t.tenantId)
        .from('task')
        .where({ kind: GROUP_REALTIME_TASK, status: 'queued' })
        .select('payload');
      expect(queued).toHaveLength(1);
      await t.runTasks();
      expect(await t.members(buyers.id)).toEqual(sorted(t.ids.zhang, t.ids.li, t.ids.wang));

      // 王五 is a member through the delta only; erasing him rewrites the version without him.
      const erase = await t.staff.request('POST', '/api/v1/console/contact-erasures', { channelId: t.channelId, userId: 'u-3' });
      expect(erase.statusCode, JSON.stringify(erase.body)).toBe(202);
      await t.runTasks();
      expect(await t.olapMembers(buyers.id, 1)).toEqual(sorted(t.ids.zhang, t.ids.li));
    });

    it('real-time is refused for group and tag leaves, for static groups, and past 20 per tenant', async () => {
      const t = await groupsTenant(ctx.app);
      const other = await t.dynamic(and(city('北京')));
      const leafy = await t.staff.request('POST', `${GROUPS}/dynamic`, {
        name: '含群组条件',
        condition: and(city('上海'), { type: 'or', conditions: [bought(true), inGroup(other.id)] }),
        updateMode: 'daily',
        realtime: true,
      });
      expect([leafy.statusCode, leafy.body.code]).toEqual([400, 'group_realtime_unsupported']);
      expect(leafy.body.details).toMatchObject([
        { path: 'condition.conditions.1.conditions.1', code: 'group_realtime_unsupported' },
      ]);
      expect(leafy.body.details).toHaveLength(1);
      // Without real-time the same conditions are fine.
      const plain = await t.dynamic(and(city('上海'), inGroup(other.id)));
      await t.runTasks();
      const edit = await t.staff.request('PATCH', `${GROUPS}/${plain.id}`, { realtime: true });
      expect([edit.statusCode, edit.body.code]).toEqual([400, 'group_realtime_unsupported']);
      const fixed = await t.staff.request('PATCH', `${GROUPS}/${plain.id}`, { realtime: true, condition: and(city('上海')) });
      expect([fixed.statusCode, fixed.body.realtime, fixed.body.status]).toEqual([200, true, 'pending']);
      await t.runTasks();
      // A save-as keeps it.
      const copy = await t.staff.request('POST', `${GROUPS}/${plain.id}/save-as`, { name: '副本' });
      expect([copy.statusCode, copy.body.realtime]).toEqual([201, true]);

      const fixedStatic = await t.staticGroup();
      const staticEdit = await t.staff.request('PATCH', `${GROUPS}/${fixedStatic.id}`, { realtime: true });
      expect([staticEdit.statusCode, staticEdit.body.code]).toEqual([400, 'group_realtime_static']);

      for (let index = 2; index < groupLimits.realtimeMax; index += 1) await t.dynamic(and(city('上海')), { realtime: true });
      const over = await t.staff.request('POST', `${GROUPS}/dynamic`, {
        name: '第21个',
        condition: and(city('上海')),
        updateMode: 'manual',
        realtime: true,
      });
      expect([over.statusCode, over.body.code]).toEqual([409, 'group_realtime_limit']);
      expect(over.body.message).toContain('20');
      // Turning one off frees a place.
      await t.runTasks();
      expect((await t.staff.request('PATCH', `${GROUPS}/${copy.body.id}`, { realtime: false })).statusCode).toBe(200);
      const now = await t.staff.request('POST', `${GROUPS}/dynamic`, {
        name: '第20个',
        condition: and(city('上海')),
        updateMode: 'manual',
        realtime: true,
      });
      expect(now.statusCode).toBe(201);
    });
  },
  { plugins: firstPartyPlugins },
);
