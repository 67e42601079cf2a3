import { expect, it } from 'vitest';
import { conditionsServiceRef } from '../../src/modules/conditions/conditions.service.js';
import { groupSelectionsServiceRef } from '../../src/modules/group-selections/group-selections.service.js';
import { selectionLimits } from '../../src/modules/group-selections/group-selections.types.js';
import { firstPartyPlugins } from '../support/plugins.js';
import { Client, describeEngines } from '../support/test-app.js';
import { GROUPS, and, bought, city, groupsTenant, sorted } from '../groups/support.js';

const EXCLUSIVE = '/api/v1/console/exclusive-groups';
let sequence = 0;

describeEngines(
  'group selections: 互斥组 (SPEC §4, seed §1.7.4.3)',
  (ctx) => {
    /** A tenant with three groups: 上海 (张三, 王五), bought (张三, 李四), a static one (张三, 赵六). */
    async function exclusiveTenant() {
      const t = await groupsTenant(ctx.app);
      const shanghai = await t.dynamic(and(city('上海')));
      const buyers = await t.dynamic(and(bought(true)));
      await t.runTasks();
      const handPicked = await t.staticGroup();
      const added = await t.staff.request('POST', `${GROUPS}/${handPicked.id}/members`, {
        contactIds: [t.ids.zhang, t.ids.zhao],
      });
      expect(added.body.added).toBe(2);
      const selections = ctx.app.service(groupSelectionsServiceRef);
      const conditions = ctx.app.service(conditionsServiceRef);
      /** The contacts of a segment, from its resolved tree (what a report would AND into its query). */
      const segment = async (exclusiveGroupId: string, position: number) => {
        const resolved = await selections.resolveSelection(
          { tenantId: t.tenantId, staffId: null },
          { type: 'exclusive', exclusiveGroupId, position },
        );
        return (await conditions.matchingContacts(t.tenantId, resolved.condition)).sort();
      };
      const create = (body: Record<string, unknown>) => t.staff.request('POST', EXCLUSIVE, body);
      return { ...t, shanghai, buyers, handPicked, selections, segment, create };
    }

    it('a contact belongs to the first member it is in: segments are disjoint, follow the priority, and add up to the union', async () => {
      const t = await exclusiveTenant();
      const created = await t.create({
        name: '生命周期',
        description: '按优先级',
        groupIds: [t.shanghai.id, t.buyers.id, t.handPicked.id],
      });
      expect(created.statusCode, JSON.stringify(created.body)).toBe(201);
      const id = created.body.id as string;
      expect(created.body.members).toMatchObject([
        { position: 1, groupId: t.shanghai.id, kind: 'dynamic' },
        { position: 2, groupId: t.buyers.id, kind: 'dynamic' },
        { position: 3, groupId: t.handPicked.id, kind: 'static' },
      ]);
      // 张三 is in all three: only the first keeps him.
      expect(await t.segment(id, 1)).toEqual(sorted(t.ids.zhang, t.ids.wang));
      expect(await t.segment(id, 2)).toEqual([t.ids.li]);
      expect(await t.segment(id, 3)).toEqual([t.ids.zhao]);
      const counts = await t.staff.request('GET', `${EXCLUSIVE}/${id}/counts`);
      expect(counts.statusCode, JSON.stringify(counts.body)).toBe(200);
      expect(counts.body.items.map((item: { count: number }) => item.count)).toEqual([2, 1, 1]);
      expect(counts.body.items[1].name).toContain('生命周期');

      // Another priority: the static group first takes 张三 from both others.
      const reordered = await t.staff.request('PATCH', `${EXCLUSIVE}/${id}`, {
        groupIds: [t.handPicked.id, t.shanghai.id, t.buyers.id],
      });
      expect(reordered.statusCode, JSON.stringify(reordered.body)).toBe(200);
      expect(await t.segment(id, 1)).toEqual(sorted(t.ids.zhang, t.ids.zhao));
      expect(await t.segment(id, 2)).toEqual([t.ids.wang]);
      expect(await t.segment(id, 3)).toEqual([t.ids.li]);

      // Members follow their groups' active versions: a static change shows at once.
      await t.staff.request('POST', `${GROUPS}/${t.handPicked.id}/members/remove`, { contactIds: [t.ids.zhang] });
      expect(await t.segment(id, 1)).toEqual([t.ids.zhao]);
      expect(await t.segment(id, 2)).toEqual(sorted(t.ids.zhang, t.ids.wang));

      // The selection count API, as a report compares groups.
      const compared = await t.staff.request('POST', '/api/v1/console/group-selections/count', {
        selections: [
          { type: 'group', groupId: t.buyers.id },
          { type: 'exclusive', exclusiveGroupId: id, position: 3 },
        ],
      });
      expect(compared.statusCode, JSON.stringify(compared.body)).toBe(200);
      expect(compared.body.items.map((item: { count: number }) => item.count)).toEqual([2, 1]);
      const options = await t.staff.request('GET', '/api/v1/console/group-selections');
      expect(options.body.exclusiveGroups).toEqual([
        {
          id,
          name: '生命周期',
          segments: [
            { position: 1, groupId: t.handPicked.id, name: expect.any(String) },
            { position: 2, groupId: t.shanghai.id, name: expect.any(String) },
            { position: 3, groupId: t.buyers.id, name: expect.any(String) },
          ],
        },
      ]);
      const missing = await t.staff.request('POST', '/api/v1/console/group-selections/count', {
        selections: [{ type: 'exclusive', exclusiveGroupId: id, position: 4 }],
      });
      expect([missing.statusCode, missing.body.code]).toEqual([404, 'exclusive_group_segment_not_found']);
    });

    it('limits, rule by rule: 2–20 members, each once, each a live group of the tenant; names unique', async () => {
      const t = await exclusiveTenant();
      const one = await t.create({ name: '一个', groupIds: [t.shanghai.id] });
      expect([one.statusCode, one.body.code]).toEqual([400, 'exclusive_group_members_count']);
      const none = await t.create({ name: '零个', groupIds: [] });
      expect([none.statusCode, none.body.code]).toEqual([400, 'exclusive_group_members_count']);
      const twice = await t.create({ name: '重复', groupIds: [t.shanghai.id, t.buyers.id, t.shanghai.id] });
      expect([twice.statusCode, twice.body.code]).toEqual([400, 'exclusive_group_member_duplicate']);
      expect(twice.body.details).toMatchObject([{ path: 'groupIds.2', code: 'exclusive_group_member_duplicate' }]);
      const unknown = await t.create({ name: '未知', groupIds: [t.shanghai.id, '999999999'] });
      expect([unknown.statusCode, unknown.body.code]).toEqual([400, 'exclusive_group_member_unknown']);
      expect(unknown.body.details).toMatchObject([{ path: 'groupIds.1', code: 'exclusive_group_member_unknown' }]);

      // Exactly 20 is accepted, 21 refused.
      const many: string[] = [t.shanghai.id, t.buyers.id, t.handPicked.id];
      while (many.length < selectionLimits.exclusiveMembersMax + 1) many.push((await t.staticGroup()).id);
      const twenty = await t.create({ name: '二十个', groupIds: many.slice(0, 20) });
      expect(twenty.statusCode, JSON.stringify(twenty.body)).toBe(201);
      expect(twenty.body.members).toHaveLength(20);
      const twentyOne = await t.create({ name: '二十一个', groupIds: many });
      expect([twentyOne.statusCode, twentyOne.body.code]).toEqual([400, 'exclusive_group_members_count']);
      const two = await t.create({ name: '两个', groupIds: [t.buyers.id, t.shanghai.id] });
      expect(two.statusCode).toBe(201);
      // The same limits when editing.
      const shrink = await t.staff.request('PATCH', `${EXCLUSIVE}/${two.body.id}`, { groupIds: [t.buyers.id] });
      expect([shrink.statusCode, shrink.body.code]).toEqual([400, 'exclusive_group_members_count']);
      const grow = await t.staff.request('PATCH', `${EXCLUSIVE}/${twenty.body.id}`, { groupIds: many });
      expect([grow.statusCode, grow.body.code]).toEqual([400, 'exclusive_group_members_count']);

      const taken = await t.create({ name: '两个', groupIds: [t.buyers.id, t.shanghai.id] });
      expect([taken.statusCode, taken.body.code]).toEqual([409, 'exclusive_group_name_taken']);
      const renamed = await t.staff.request('PATCH', `${EXCLUSIVE}/${two.body.id}`, { name: '二十个' });
      expect([renamed.statusCode, renamed.body.code]).toEqual([409, 'exclusive_group_name_taken']);
      // A group may be a member of several exclusive groups; the list shows them newest first.
      const list = await t.staff.request('GET', EXCLUSIVE);
      expect(list.body.items.map((g: { name: string }) => g.name)).toEqual(['两个', '二十个']);
    });

    it('a member group cannot be deleted while an exclusive group names it; a deleted exclusive group’s id is never reused', async () => {
      const t = await exclusiveTenant();
      const created = await t.create({ name: '互斥', groupIds: [t.shanghai.id, t.handPicked.id] });
      const refused = await t.staff.request('DELETE', `${GROUPS}/${t.handPicked.id}`);
      expect([refused.statusCode, refused.body.code]).toEqual([409, 'group_in_exclusive_group']);
      expect(refused.body.message).toContain('互斥');
      // A group in no exclusive group is deleted as before.
      expect((await t.staff.request('DELETE', `${GROUPS}/${t.buyers.id}`)).statusCode).toBe(204);
      // Removing it from the exclusive group frees it.
      const third = await t.staticGroup();
      const edited = await t.staff.request('PATCH', `${EXCLUSIVE}/${created.body.id}`, { groupIds: [t.shanghai.id, third.id] });
      expect(edited.statusCode).toBe(200);
      expect((await t.staff.request('DELETE', `${GROUPS}/${t.handPicked.id}`)).statusCode).toBe(204);
      // A deleted group cannot become a member.
      const gone = await t.staff.request('PATCH', `${EXCLUSIVE}/${created.body.id}`, {
        groupIds: [t.shanghai.id, t.handPicked.id],
      });
      expect([gone.statusCode, gone.body.code]).toEqual([400, 'exclusive_group_member_unknown']);

      expect((await t.staff.request('DELETE', `${EXCLUSIVE}/${created.body.id}`)).statusCode).toBe(204);
      expect((await t.staff.request('GET', `${EXCLUSIVE}/${created.body.id}`)).statusCode).toBe(404);
      expect((await t.staff.request('GET', `${EXCLUSIVE}/${created.body.id}/counts`)).statusCode).toBe(404);
      // Its members are free, and its name too.
      expect((await t.staff.request('DELETE', `${GROUPS}/${third.id}`)).statusCode).toBe(204);
      const again = await t.create({ name: '互斥', groupIds: [t.shanghai.id, (await t.staticGroup()).id] });
      expect(again.statusCode).toBe(201);
      expect(BigInt(again.body.id)).toBeGreaterThan(BigInt(created.body.id));
    });

    it('condition leaves cannot name a segment of an exclusive group', async () => {
      const t = await exclusiveTenant();
      const created = await t.create({ name: '互斥', groupIds: [t.shanghai.id, t.buyers.id] });
      const leaf = { type: 'group', groupId: `exclusive:${created.body.id}:1`, operator: 'in' };
      const temporary = await t.staff.request('POST', '/api/v1/console/temporary-groups', {
        name: '临时',
        condition: and(city('上海'), { type: 'or', conditions: [bought(true), leaf] }),
      });
      expect([temporary.statusCode, temporary.body.code]).toEqual([400, 'condition_exclusive_segment']);
      expect(temporary.body.details).toMatchObject([
        { path: 'condition.conditions.1.conditions.1.groupId', code: 'condition_exclusive_segment' },
      ]);
      // Nor a dynamic group's (no such group for the condition engine), nor by the exclusive group's id.
      const dynamic = await t.staff.request('POST', `${GROUPS}/dynamic`, {
        name: '动态',
        updateMode: 'manual',
        condition: and(leaf),
      });
      expect([dynamic.statusCode, dynamic.body.code]).toEqual([400, 'condition_invalid']);
      expect(dynamic.body.details[0].code).toBe('condition_group_unknown');
      const estimate = await t.staff.request('POST', `${GROUPS}/estimate`, { condition: and(leaf) });
      expect([estimate.statusCode, estimate.body.code]).toEqual([400, 'condition_invalid']);
    });

    it('permissions: 群组-查看 reads, 群组-编辑 creates and edits, 群组-删除 deletes', async () => {
      const t = await exclusiveTenant();
      // Roles of this tenant, made by its super staff.
      const role = async (permissions: string[]) => {
        const res = await t.staff.request('POST', '/api/v1/roles', {
          name: `r-${permissions.join('-')}-${sequence}`,
          permissions,
        });
        expect(res.statusCode, JSON.stringify(res.body)).toBe(201);
        sequence += 1;
        const email = `sel.${process.pid}.${Date.now()}.${sequence}@example.com`;
        const staff = await t.staff.request('POST', '/api/v1/staff', {
          email,
          name: '运营',
          password: 'Member-pass-1',
          roleIds: [res.body.id],
        });
        expect(staff.statusCode, JSON.stringify(staff.body)).toBe(201);
        return Client.staff(ctx.app.server, email, 'Member-pass-1');
      };
      const created = await t.create({ name: '互斥', groupIds: [t.shanghai.id, t.buyers.id] });
      const viewer = await role(['groups.view']);
      expect((await viewer.request('GET', EXCLUSIVE)).statusCode).toBe(200);
      expect((await viewer.request('GET', `${EXCLUSIVE}/${created.body.id}/counts`)).statusCode).toBe(200);
      const body = { name: '查看者', groupIds: [t.shanghai.id, t.buyers.id] };
      expect((await viewer.request('POST', EXCLUSIVE, body)).body.code).toBe('forbidden');
      expect((await viewer.request('PATCH', `${EXCLUSIVE}/${created.body.id}`, { name: 'x' })).body.code).toBe('forbidden');
      expect((await viewer.request('DELETE', `${EXCLUSIVE}/${created.body.id}`)).body.code).toBe('forbidden');
      const editor = await role(['groups.view', 'groups.edit']);
      expect((await editor.request('POST', EXCLUSIVE, body)).statusCode).toBe(201);
      expect((await editor.request('DELETE', `${EXCLUSIVE}/${created.body.id}`)).body.code).toBe('forbidden');
      const deleter = await role(['groups.view', 'groups.delete']);
      expect((await deleter.request('DELETE', `${EXCLUSIVE}/${created.body.id}`)).statusCode).toBe(204);
    });

    it('tenant isolation: another tenant neither sees nor uses an exclusive group, nor names the first tenant’s groups', async () => {
      const a = await exclusiveTenant();
      const b = await groupsTenant(ctx.app);
      const created = await a.create({ name: '互斥', groupIds: [a.shanghai.id, a.buyers.id] });
      const id = created.body.id as string;
      expect((await b.staff.request('GET', `${EXCLUSIVE}/${id}`)).statusCode).toBe(404);
      expect((await b.staff.request('GET', `${EXCLUSIVE}/${id}/counts`)).statusCode).toBe(404);
      expect((await b.staff.request('PATCH', `${EXCLUSIVE}/${id}`, { name: '劫持' })).statusCode).toBe(404);
      expect((await b.staff.request('DELETE', `${EXCLUSIVE}/${id}`)).statusCode).toBe(404);
      expect((await b.staff.request('GET', EXCLUSIVE)).body.items).toEqual([]);
      const count = await b.staff.request('POST', '/api/v1/console/group-selections/count', {
        selections: [{ type: 'exclusive', exclusiveGroupId: id, position: 1 }],
      });
      expect([count.statusCode, count.body.code]).toEqual([404, 'exclusive_group_not_found']);
      // B's exclusive group cannot take A's groups as members.
      const own = await b.staticGroup();
      const stolen = await b.staff.request('POST', EXCLUSIVE, { name: '偷', groupIds: [own.id, a.shanghai.id] });
      expect([stolen.statusCode, stolen.body.code]).toEqual([400, 'exclusive_group_member_unknown']);
      // A's group keeps its guard against deletion; B's deletion of it is a 404.
      expect((await b.staff.request('DELETE', `${GROUPS}/${a.shanghai.id}`)).statusCode).toBe(404);
      expect((await a.staff.request('GET', `${EXCLUSIVE}/${id}`)).body.members).toHaveLength(2);
    });
  },
  { plugins: firstPartyPlugins },
);
