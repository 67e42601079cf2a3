import { expect, it } from 'vitest';
import { groupMembershipChangedTopic, type GroupMembershipChangedEvent } from '../../src/kernel/event-bus.js';
import { coreServices } from '../../src/kernel/services.js';
import type { ConditionsService } from '../../src/modules/conditions/conditions.service.js';
import { groupLimits } from '../../src/modules/groups/groups.types.js';
import type { GroupsRealtime } from '../../src/modules/groups/realtime.js';
import type { TaskContext } from '../../src/jobs/task.types.js';
import { identify, track } from '../contacts/support.js';
import { normalStaff } from '../support/staff.js';
import { firstPartyPlugins } from '../support/plugins.js';
import { Client, describeEngines, type TestApp } from '../support/test-app.js';
import { GROUPS, and, bought, city, groupsTenant, sorted } from '../groups/support.js';

/**
 * Review of issue 20, real-time groups (ADR 0048): adversarial tests. Each asserts the correct
 * behaviour; the review report lists what was found and fixed.
 */

type Internals = {
  deps: { conditions: ConditionsService };
  repo: Record<string, (...args: unknown[]) => Promise<unknown>>;
  evaluate: GroupsRealtime['evaluate'];
};
const internals = (realtime: GroupsRealtime) => realtime as unknown as Internals;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let sequence = 0;

/** Everything `core.groupMembershipChanged` publishes (every tenant), from now on. */
function listenAll(app: TestApp) {
  const seen: GroupMembershipChangedEvent[] = [];
  const stop = app.service(coreServices.eventBus).subscribe(groupMembershipChangedTopic, (change) => {
    seen.push(change);
  });
  return { seen, stop };
}

/** A purchase written straight to OLAP: no load batch is announced. */
async function silentPurchase(app: TestApp, tenantId: string, contactId: string, messageId: string) {
  await app.olap.forTenant(tenantId).load({
    batchId: `silent-${messageId}`,
    events: [{ eventTime: Date.now(), event: 'purchase', contactId, messageId, direction: 'inbound', properties: { amount: 5 } }],
  });
}

/** Wraps the condition engine the real-time evaluator uses; returns the restore function. */
function hookMatching(realtime: GroupsRealtime, before: () => Promise<void>): () => void {
  const own = internals(realtime);
  const original = own.deps;
  const conditions = original.conditions;
  const wrapped = Object.create(conditions) as ConditionsService;
  wrapped.matchingContacts = async (...args: Parameters<ConditionsService['matchingContacts']>) => {
    await before();
    return conditions.matchingContacts(...args);
  };
  own.deps = { ...original, conditions: wrapped };
  return () => {
    own.deps = original;
  };
}

describeEngines(
  'review20: real-time groups under attack',
  (ctx) => {
    /** Live members of a group version through the `group_member` relation. */
    const liveCount = async (tenantId: string, groupId: string, version?: number) => {
      const result = await ctx.app.olap
        .forTenant(tenantId)
        .query<{ n: unknown }>(
          `SELECT count(*) AS n FROM group_member WHERE group_id = CAST(? AS BIGINT)${version === undefined ? '' : ' AND version = ?'}`,
          { params: version === undefined ? [groupId] : [groupId, version], rowMode: 'json' },
        );
      return Number(result.rows[0]!.n);
    };

    it('R20-R2 deleting a group while a real-time evaluation of it runs: no live member and no signal afterwards', async () => {
      const t = await groupsTenant(ctx.app);
      const buyers = await t.dynamic(and(bought(true)), { realtime: true });
      await t.runTasks();
      await silentPurchase(ctx.app, t.tenantId, t.ids.wang, 'r2');
      let deletion: Promise<{ statusCode: number }> | undefined;
      let deletedDuringEvaluation = false;
      const restore = hookMatching(t.service.realtime, async () => {
        if (deletion) return;
        deletion = t.staff.request('DELETE', `${GROUPS}/${buyers.id}`);
        void deletion.then(() => {
          deletedDuringEvaluation = true;
        });
        await sleep(400);
      });
      const events = listenAll(ctx.app);
      try {
        await t.service.realtime.evaluate(t.tenantId, [t.ids.wang]);
      } finally {
        restore();
        events.stop();
      }
      // The deletion waits for the evaluation holding the group (ADR 0048 §7), then drops its delta too.
      expect(deletedDuringEvaluation).toBe(false);
      expect((await deletion!).statusCode).toBe(204);
      expect((await t.staff.request('GET', `${GROUPS}/${buyers.id}`)).statusCode).toBe(404);
      expect(await liveCount(t.tenantId, buyers.id)).toBe(0);
      // Whatever was signalled happened while the group was still live; nothing is evaluated after.
      await t.service.realtime.evaluate(t.tenantId, [t.ids.wang, t.ids.zhao]);
      expect(await t.service.realtime.sweep(t.tenantId)).toBe(0);
      expect(await liveCount(t.tenantId, buyers.id)).toBe(0);
    });

    it('R20-R3 an erasure while a real-time evaluation holds the group waits for it; the count stays exact', async () => {
      const t = await groupsTenant(ctx.app);
      const buyers = await t.dynamic(and(bought(true)), { realtime: true });
      await t.runTasks();
      await silentPurchase(ctx.app, t.tenantId, t.ids.wang, 'r3');
      let erasure: Promise<void> | undefined;
      let erasedDuringEvaluation = false;
      const restore = hookMatching(t.service.realtime, async () => {
        if (erasure) return;
        erasure = t.service.onContactErased({ tenantId: t.tenantId, contactId: t.ids.zhang, at: Date.now() } as never);
        void erasure.then(() => {
          erasedDuringEvaluation = true;
        });
        await sleep(400);
      });
      try {
        await t.service.realtime.evaluate(t.tenantId, [t.ids.wang]);
      } finally {
        restore();
      }
      expect(erasedDuringEvaluation).toBe(false);
      await erasure;
      expect(await t.olapMembers(buyers.id, 1)).toEqual(sorted(t.ids.li, t.ids.wang));
      expect((await t.group(buyers.id)).memberCount).toBe(2);
    });

    it('R20-R4 a crash after the delta is written but before the count moves: the sweep makes the count exact again', async () => {
      const t = await groupsTenant(ctx.app);
      const buyers = await t.dynamic(and(bought(true)), { realtime: true });
      await t.runTasks();
      const repo = internals(t.service.realtime).repo;
      const original = repo.adjustActiveCount!;
      let thrown = 0;
      repo.adjustActiveCount = async (...args: unknown[]) => {
        if (thrown === 0 && args[3] !== 0) {
          thrown += 1;
          throw new Error('connection lost after the OLAP delta');
        }
        return original.apply(repo, args);
      };
      try {
        await t.collect('batch', { batch: [track({ userId: 'u-3' }, 3)] });
        await t.drain();
        await t.service.realtime.idle();
      } finally {
        repo.adjustActiveCount = original;
      }
      expect(thrown).toBe(1);
      await t.runTasks(); // the retry task: nothing left to change
      expect(await t.members(buyers.id)).toEqual(sorted(t.ids.zhang, t.ids.li, t.ids.wang));
      await t.service.realtime.sweep(t.tenantId);
      expect((await t.group(buyers.id)).memberCount).toBe(3);
      expect((await t.group(buyers.id)).memberCount).toBe(await liveCount(t.tenantId, buyers.id, 1));
    });

    it('R20-R5 a tenant with a never-ending backlog does not starve another tenant’s evaluation', async () => {
      const realtime = (await groupsTenant(ctx.app)).service.realtime;
      const own = internals(realtime);
      const order: string[] = [];
      let next = 1;
      const ids = (n: number) => Array.from({ length: n }, () => String(next++));
      own.evaluate = async (tenantId: string) => {
        await sleep(1); // like the real evaluation: nothing happens before its first await
        order.push(tenantId);
        if (tenantId === 'r5-a' && order.length < 8) realtime.enqueue('r5-a', ids(groupLimits.realtimeContacts));
        if (order.length === 1) realtime.enqueue('r5-b', ids(1));
        await sleep(5);
        return 0;
      };
      try {
        realtime.enqueue('r5-a', ids(groupLimits.realtimeContacts + 1));
        await realtime.idle();
      } finally {
        delete (own as Partial<Internals>).evaluate;
      }
      expect(order.indexOf('r5-b'), order.join(',')).toBeGreaterThan(0);
      expect(order.indexOf('r5-b')).toBeLessThanOrEqual(2);
    });

    it('R20-R6 huge input: 10,000 contact ids (unknown, deleted, real), a 100-leaf tree, junk retry payloads', async () => {
      const t = await groupsTenant(ctx.app);
      const leaves = Array.from({ length: 99 }, (_, index) => city(`城市${index}`));
      const wide = await t.dynamic({ type: 'or', conditions: [...leaves, bought(true)] }, { realtime: true });
      await t.runTasks();
      expect((await t.group(wide.id)).memberCount).toBe(2);
      await silentPurchase(ctx.app, t.tenantId, t.ids.zhao, 'r6');
      const unknown = Array.from({ length: 10_000 }, (_, index) => String(900_000_000_000 + index));
      const changed = await t.service.realtime.evaluate(t.tenantId, [...unknown, t.ids.zhao, t.ids.wang]);
      expect(changed).toBe(1);
      expect(await t.members(wide.id)).toEqual(sorted(t.ids.zhang, t.ids.li, t.ids.zhao));
      expect((await t.group(wide.id)).memberCount).toBe(3);
      // A retry task whose payload was tampered with: junk ids are dropped, never a crash.
      const result = await t.service.realtime.runTask({
        task: { tenantId: t.tenantId, payload: { contactIds: ['abc', -1, null, '1e5', '99999999999999999999', t.ids.zhao] } },
      } as unknown as TaskContext);
      expect(result).toEqual({ counts: { groupMembershipChanges: 0 } });
      await t.service.realtime.runTask({
        task: { tenantId: t.tenantId, payload: { contactIds: 'x' } },
      } as unknown as TaskContext);
    });

    it('R20-R7 signals never carry another tenant’s group or contacts, with two tenants ingesting at once', async () => {
      const a = await groupsTenant(ctx.app);
      const b = await groupsTenant(ctx.app);
      const ga = await a.dynamic(and(city('上海')), { realtime: true });
      const gb = await b.dynamic(and(city('上海')), { realtime: true });
      await a.runTasks();
      await b.runTasks();
      const events = listenAll(ctx.app);
      try {
        await Promise.all([
          a.collect('batch', {
            batch: [identify('u-4', { traits: { city: '上海' } }), identify('u-1', { traits: { city: '北京' } })],
          }),
          b.collect('batch', {
            batch: [identify('u-2', { traits: { city: '上海' } }), identify('u-3', { traits: { city: '北京' } })],
          }),
        ]);
        await a.drain();
        await b.drain();
        await a.service.realtime.idle();
      } finally {
        events.stop();
      }
      const ofTenant = {
        [a.tenantId]: { group: ga.id, ids: Object.values(a.ids) },
        [b.tenantId]: { group: gb.id, ids: Object.values(b.ids) },
      };
      const mine = events.seen.filter((e) => e.tenantId === a.tenantId || e.tenantId === b.tenantId);
      expect(mine.length).toBeGreaterThanOrEqual(2);
      for (const event of mine) {
        expect(event.groupId).toBe(ofTenant[event.tenantId]!.group);
        for (const id of [...event.entered, ...event.left]) expect(ofTenant[event.tenantId]!.ids).toContain(id);
      }
      expect(await a.members(ga.id)).toEqual(sorted(a.ids.wang, a.ids.zhao));
      expect(await b.members(gb.id)).toEqual(sorted(b.ids.zhang, b.ids.li));
      // B's staff cannot read or switch A's real-time group.
      expect((await b.staff.request('PATCH', `${GROUPS}/${ga.id}`, { realtime: false })).statusCode).toBe(404);
      expect((await b.staff.request('GET', `${GROUPS}/${ga.id}`)).statusCode).toBe(404);
    });

    it('R20-R8 a merge of a live member: the survivor is evaluated, the merged-away id leaves, the count matches the list', async () => {
      const t = await groupsTenant(ctx.app);
      const buyers = await t.dynamic(and(bought(true)), { realtime: true });
      await t.runTasks();
      const { contactsServiceRef } = await import('../../src/modules/contacts/contacts.service.js');
      const merge = await ctx.app
        .service(contactsServiceRef)
        .merge(t.tenantId, [t.ids.li, t.ids.wang], { rule: 'manual', actorStaffId: null });
      const survivor = merge!.survivorId;
      await t.service.realtime.idle();
      await t.service.realtime.sweep(t.tenantId);
      const listed = await t.members(buyers.id);
      expect(listed).toEqual(sorted(t.ids.zhang, survivor));
      expect(await liveCount(t.tenantId, buyers.id, 1)).toBe(2);
      expect((await t.group(buyers.id)).memberCount).toBe(2);
    });

    it('R20-R9 permissions and ids: real-time switches need 群组-编辑; bad ids are 400/404, never 500', async () => {
      const t = await groupsTenant(ctx.app);
      const group = await t.dynamic(and(city('上海')));
      await t.runTasks();
      const normal = await normalStaff(ctx.app, t.tenantId);
      expect((await normal.request('PATCH', `${GROUPS}/${group.id}`, { realtime: true })).statusCode).toBe(403);
      const role = await t.staff.request('POST', '/api/v1/roles', {
        name: `r20-viewer-${sequence++}`,
        permissions: ['groups.view'],
      });
      expect(role.statusCode, JSON.stringify(role.body)).toBe(201);
      const email = `r20.${process.pid}.${Date.now()}.${sequence++}@example.com`;
      const made = await t.staff.request('POST', '/api/v1/staff', {
        email,
        name: '查看',
        password: 'Member-pass-1',
        roleIds: [role.body.id],
      });
      expect(made.statusCode, JSON.stringify(made.body)).toBe(201);
      const viewer = await Client.staff(ctx.app.server, email, 'Member-pass-1');
      expect((await viewer.request('PATCH', `${GROUPS}/${group.id}`, { realtime: true })).statusCode).toBe(403);
      const created = await viewer.request('POST', `${GROUPS}/dynamic`, {
        name: '实时',
        condition: and(city('上海')),
        updateMode: 'manual',
        realtime: true,
      });
      expect(created.statusCode).toBe(403);
      for (const bad of ['abc', '0', '-1', '99999999999999999999', '1e3'])
        expect([400, 404]).toContain((await t.staff.request('PATCH', `${GROUPS}/${bad}`, { realtime: true })).statusCode);
      for (const realtime of ['yes', 1, null, {}])
        expect((await t.staff.request('PATCH', `${GROUPS}/${group.id}`, { realtime })).statusCode).toBe(400);
      expect((await t.group(group.id)).realtime).toBe(false);
    });

    it('R20-R10 a computation racing real-time evaluations ends with the count equal to the live members', async () => {
      const t = await groupsTenant(ctx.app);
      const buyers = await t.dynamic(and(bought(true)), { realtime: true });
      await t.runTasks();
      expect((await t.staff.request('POST', `${GROUPS}/${buyers.id}/recompute`)).statusCode).toBe(200);
      await Promise.all([
        t.runTasks(),
        (async () => {
          await t.collect('batch', { batch: [track({ userId: 'u-3' }, 3), track({ userId: 'u-4' }, 4)] });
          await t.drain();
        })(),
      ]);
      await t.service.realtime.idle();
      await t.runTasks();
      await t.service.realtime.idle();
      const group = await t.group(buyers.id);
      expect(group.status).toBe('done');
      expect(await t.members(buyers.id)).toEqual(sorted(t.ids.zhang, t.ids.li, t.ids.wang, t.ids.zhao));
      expect(group.memberCount).toBe(4);
      expect(await liveCount(t.tenantId, buyers.id, group.activeVersion as number)).toBe(4);
    });

    it('R20-R1 concurrent requests switching real-time on never pass 20 per tenant', async () => {
      const t = await groupsTenant(ctx.app);
      const first = await t.dynamic(and(city('上海')), { realtime: true });
      const plainA = await t.dynamic(and(city('北京')));
      const plainB = await t.dynamic(and(city('广州')));
      await t.runTasks();
      const db = ctx.app.oltp.forTenant(t.tenantId);
      // 18 more real-time groups (copies of the first row, each in its own slot): 19 in all.
      const row = (await db.from('user_group').where('id', first.id).first()) as Record<string, unknown>;
      for (let index = 0; index < groupLimits.realtimeMax - 2; index += 1) {
        const copy: Record<string, unknown> = {
          ...row,
          name: `实时副本${index}`,
          live_name: `实时副本${index}`,
          realtime_slot: index + 2,
        };
        delete copy.id;
        delete copy.tenant_id;
        await db.insert('user_group', copy);
      }
      const realtimeCount = async () =>
        Number(
          (
            (await db.from('user_group').whereNull('deleted_at').whereNotNull('realtime_slot').count({ n: '*' }).first()) as {
              n: unknown;
            }
          ).n,
        );
      expect(await realtimeCount()).toBe(groupLimits.realtimeMax - 1);
      // Two PATCHes and two creations at once: only one place is left.
      const results = await Promise.all([
        t.staff.request('PATCH', `${GROUPS}/${plainA.id}`, { realtime: true }),
        t.staff.request('PATCH', `${GROUPS}/${plainB.id}`, { realtime: true }),
        t.staff.request('POST', `${GROUPS}/dynamic`, {
          name: '并发一',
          condition: and(city('上海')),
          updateMode: 'manual',
          realtime: true,
        }),
        t.staff.request('POST', `${GROUPS}/dynamic`, {
          name: '并发二',
          condition: and(city('上海')),
          updateMode: 'manual',
          realtime: true,
        }),
      ]);
      const codes = results.map((res) => res.statusCode);
      for (const res of results) expect([200, 201, 409], JSON.stringify(res.body)).toContain(res.statusCode);
      expect(await realtimeCount()).toBeLessThanOrEqual(groupLimits.realtimeMax);
      expect(codes.filter((code) => code !== 409)).toHaveLength(1);
    });
  },
  { plugins: firstPartyPlugins },
);
