import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { groupSelectionsServiceRef } from '../../src/modules/group-selections/group-selections.service.js';
import type { GroupsService } from '../../src/modules/groups/groups.service.js';
import { normalStaff } from '../support/staff.js';
import { firstPartyPlugins } from '../support/plugins.js';
import { describeEngines } from '../support/test-app.js';
import { GROUPS, and, bought, city, groupsTenant, inGroup } from '../groups/support.js';

/**
 * Review of issue 20, 互斥组 and 临时群组 (ADR 0049): adversarial tests. Each asserts the correct
 * behaviour; the review report lists what was found.
 */

const EXCLUSIVE = '/api/v1/console/exclusive-groups';
const TEMPORARY = '/api/v1/console/temporary-groups';
const COUNT = '/api/v1/console/group-selections/count';

describeEngines(
  'review20: exclusive and temporary groups under attack',
  (ctx) => {
    async function tenant() {
      const t = await groupsTenant(ctx.app);
      const shanghai = await t.dynamic(and(city('上海')));
      const buyers = await t.dynamic(and(bought(true)));
      const beijing = await t.dynamic(and(city('北京')));
      await t.runTasks();
      return { ...t, shanghai, buyers, beijing };
    }

    it('R20-X2 concurrent edits of one exclusive group: every answer is 200 and the members are exactly one of the edits', async () => {
      const t = await tenant();
      const created = await t.staff.request('POST', EXCLUSIVE, { name: '并发编辑', groupIds: [t.shanghai.id, t.buyers.id] });
      expect(created.statusCode).toBe(201);
      const lists = [
        [t.shanghai.id, t.buyers.id, t.beijing.id],
        [t.beijing.id, t.shanghai.id],
        [t.buyers.id, t.beijing.id, t.shanghai.id],
        [t.buyers.id, t.shanghai.id],
      ];
      const results = await Promise.all(
        lists.map((groupIds) => t.staff.request('PATCH', `${EXCLUSIVE}/${created.body.id}`, { groupIds })),
      );
      for (const res of results) expect(res.statusCode, JSON.stringify(res.body)).toBe(200);
      const after = await t.staff.request('GET', `${EXCLUSIVE}/${created.body.id}`);
      const members = after.body.members as { position: number; groupId: string }[];
      expect(members.map((m) => m.position)).toEqual(members.map((_, index) => index + 1));
      expect(lists).toContainEqual(members.map((m) => m.groupId));
    });

    it('R20-X4 a temporary group naming a group deleted since: its count is a clear 4xx, never a 500', async () => {
      const t = await tenant();
      const doomed = await t.staticGroup();
      const temporary = await t.staff.request('POST', TEMPORARY, { name: '临时', condition: and(inGroup(doomed.id)) });
      expect(temporary.statusCode, JSON.stringify(temporary.body)).toBe(201);
      expect((await t.staff.request('DELETE', `${GROUPS}/${doomed.id}`)).statusCode).toBe(204);
      const count = await t.staff.request('POST', COUNT, {
        selections: [{ type: 'temporary', temporaryGroupId: temporary.body.id }],
      });
      expect(count.statusCode, JSON.stringify(count.body)).toBeGreaterThanOrEqual(400);
      expect(count.statusCode).toBeLessThan(500);
      expect(typeof count.body.code).toBe('string');
      // The owner can still repair or delete it.
      const fixed = await t.staff.request('PATCH', `${TEMPORARY}/${temporary.body.id}`, { condition: and(city('上海')) });
      expect(fixed.statusCode).toBe(200);
      expect((await t.staff.request('DELETE', `${TEMPORARY}/${temporary.body.id}`)).statusCode).toBe(204);
    });

    it('R20-X5 bad and huge input answers 400 with a stable code; unicode names round-trip', async () => {
      const t = await tenant();
      const ok = [t.shanghai.id, t.buyers.id];
      const bad: [string, unknown][] = [
        ['10,000 group ids', { name: '大', groupIds: Array.from({ length: 10_000 }, (_, i) => String(i + 1)) }],
        ['non-numeric id', { name: '坏', groupIds: [t.shanghai.id, 'abc'] }],
        ['zero id', { name: '坏', groupIds: [t.shanghai.id, '0'] }],
        ['huge id', { name: '坏', groupIds: [t.shanghai.id, '99999999999999999999'] }],
        ['numbers', { name: '坏', groupIds: [Number(t.shanghai.id), { id: 1 }] }],
        ['one member', { name: '坏', groupIds: [t.shanghai.id] }],
        ['blank name', { name: '   ', groupIds: ok }],
        ['65-char name', { name: '名'.repeat(65), groupIds: ok }],
        ['object name', { name: { $ne: 1 }, groupIds: ok }],
      ];
      for (const [what, body] of bad) {
        const res = await t.staff.request('POST', EXCLUSIVE, body);
        expect([what, res.statusCode], JSON.stringify(res.body)).toEqual([what, 400]);
        expect(typeof res.body.code).toBe('string');
      }
      for (const name of ['名'.repeat(64), '😀'.repeat(32), 'Ünïcødé ‮ 名\u200b']) {
        const res = await t.staff.request('POST', EXCLUSIVE, { name, groupIds: ok });
        expect(res.statusCode, JSON.stringify(res.body)).toBe(201);
        expect((await t.staff.request('GET', `${EXCLUSIVE}/${res.body.id}`)).body.name).toBe(name.trim());
      }
      const selections: [string, unknown][] = [
        ['six selections', Array.from({ length: 6 }, () => ({ type: 'group', groupId: t.shanghai.id }))],
        ['position 0', [{ type: 'exclusive', exclusiveGroupId: '1', position: 0 }]],
        ['position 21', [{ type: 'exclusive', exclusiveGroupId: '1', position: 21 }]],
        ['unknown type', [{ type: 'sql', sql: 'SELECT 1' }]],
        ['non-numeric temporary id', [{ type: 'temporary', temporaryGroupId: '1; DROP TABLE x' }]],
      ];
      for (const [what, body] of selections) {
        const res = await t.staff.request('POST', COUNT, { selections: body });
        expect([what, res.statusCode], JSON.stringify(res.body)).toEqual([what, 400]);
      }
      // A 50-deep condition for a temporary group (two levels are allowed).
      let deep: Record<string, unknown> = city('上海');
      for (let i = 0; i < 50; i += 1) deep = { type: 'and', conditions: [deep] };
      const nested = await t.staff.request('POST', TEMPORARY, { name: '深', condition: deep });
      expect(nested.statusCode).toBe(400);
      // Another tenant's group inside a temporary group's condition.
      const other = await groupsTenant(ctx.app);
      const theirs = await other.staticGroup();
      const stolen = await t.staff.request('POST', TEMPORARY, { name: '偷', condition: and(inGroup(theirs.id)) });
      expect(stolen.statusCode, JSON.stringify(stolen.body)).toBe(400);
      expect((await t.staff.request('GET', TEMPORARY)).body.items).toEqual([]);
    });

    it('R20-X6 a staff member without 群组 rights gets 403 on every exclusive and temporary route', async () => {
      const t = await tenant();
      const created = await t.staff.request('POST', EXCLUSIVE, { name: '权限', groupIds: [t.shanghai.id, t.buyers.id] });
      const temporary = await t.staff.request('POST', TEMPORARY, { name: '临时', condition: and(city('上海')) });
      const normal = await normalStaff(ctx.app, t.tenantId);
      const calls: [string, string, unknown?][] = [
        ['GET', EXCLUSIVE],
        ['GET', `${EXCLUSIVE}/${created.body.id}`],
        ['GET', `${EXCLUSIVE}/${created.body.id}/counts`],
        ['POST', EXCLUSIVE, { name: '越权', groupIds: [t.shanghai.id, t.buyers.id] }],
        ['PATCH', `${EXCLUSIVE}/${created.body.id}`, { name: '越权' }],
        ['DELETE', `${EXCLUSIVE}/${created.body.id}`],
        ['GET', TEMPORARY],
        ['POST', TEMPORARY, { name: '越权', condition: and(city('上海')) }],
        ['PATCH', `${TEMPORARY}/${temporary.body.id}`, { name: '越权' }],
        ['DELETE', `${TEMPORARY}/${temporary.body.id}`],
        ['GET', '/api/v1/console/group-selections'],
        ['POST', COUNT, { selections: [{ type: 'group', groupId: t.shanghai.id }] }],
      ];
      for (const [method, url, body] of calls)
        expect([method, url, (await normal.request(method as never, url, body as never)).statusCode]).toEqual([method, url, 403]);
      expect((await t.staff.request('GET', `${EXCLUSIVE}/${created.body.id}`)).body.name).toBe('权限');
    });

    it('R20-X1 concurrent creations of exclusive groups with one name: one 201, the others 409 exclusive_group_name_taken', async () => {
      const t = await tenant();
      const results = await Promise.all(
        Array.from({ length: 4 }, () =>
          t.staff.request('POST', EXCLUSIVE, { name: '同名并发', groupIds: [t.shanghai.id, t.buyers.id] }),
        ),
      );
      expect(results.map((res) => res.statusCode).sort(), JSON.stringify(results.map((res) => res.body))).toEqual([
        201, 409, 409, 409,
      ]);
      expect((await t.staff.request('GET', EXCLUSIVE)).body.items).toHaveLength(1);
    });

    it('R20-X3 a member group deleted while an exclusive group naming it is created: never both', async () => {
      const t = await tenant();
      const doomed = await t.staticGroup();
      const selections = ctx.app.service(groupSelectionsServiceRef);
      const own = selections as unknown as { deps: { groups: GroupsService } };
      const original = own.deps;
      const wrapped = Object.create(original.groups) as GroupsService;
      let deletion: Promise<{ statusCode: number }> | undefined;
      wrapped.groups = async (...args: Parameters<GroupsService['groups']>) => {
        const result = await original.groups.groups(...args);
        deletion ??= t.staff.request('DELETE', `${GROUPS}/${doomed.id}`);
        await sleep(300);
        return result;
      };
      own.deps = { ...original, groups: wrapped };
      let created: { statusCode: number; body: { id?: string } };
      try {
        created = await t.staff.request('POST', EXCLUSIVE, { name: '竞态', groupIds: [t.shanghai.id, doomed.id] });
      } finally {
        own.deps = original;
      }
      const deleted = await deletion!;
      expect([created.statusCode === 201, deleted.statusCode === 204]).not.toEqual([true, true]);
      if (created.statusCode === 201) {
        const counts = await t.staff.request('GET', `${EXCLUSIVE}/${created.body.id}/counts`);
        expect(counts.statusCode).toBe(200);
      }
    });
  },
  { plugins: firstPartyPlugins },
);
