import { expect, it } from 'vitest';
import { groupSelectionsServiceRef } from '../../src/modules/group-selections/group-selections.service.js';
import { firstPartyPlugins } from '../support/plugins.js';
import { normalStaff } from '../support/staff.js';
import { Client, describeEngines } from '../support/test-app.js';
import { GROUPS, and, bought, city, groupsTenant, inGroup } from '../groups/support.js';

const TEMPORARY = '/api/v1/console/temporary-groups';
const COUNT = '/api/v1/console/group-selections/count';
let sequence = 0;

describeEngines(
  'group selections: 临时群组 (seed §1.7.10)',
  (ctx) => {
    /** A second signed-in staff member of the tenant holding 群组-查看. */
    async function viewer(t: Awaited<ReturnType<typeof groupsTenant>>): Promise<Client> {
      sequence += 1;
      const role = await t.staff.request('POST', '/api/v1/roles', { name: `查看-${sequence}`, permissions: ['groups.view'] });
      expect(role.statusCode, JSON.stringify(role.body)).toBe(201);
      const email = `tmp.${process.pid}.${Date.now()}.${sequence}@example.com`;
      const staff = await t.staff.request('POST', '/api/v1/staff', {
        email,
        name: '分析师',
        password: 'Member-pass-1',
        roleIds: [role.body.id],
      });
      expect(staff.statusCode, JSON.stringify(staff.body)).toBe(201);
      return Client.staff(ctx.app.server, email, 'Member-pass-1');
    }

    it('at most 3 per staff member (409 temporary_group_limit); a deletion frees a place; each staff member has their own 3', async () => {
      const t = await groupsTenant(ctx.app);
      const ids: string[] = [];
      for (const name of ['一', '二', '三']) {
        const res = await t.staff.request('POST', TEMPORARY, { name, condition: and(city('上海')) });
        expect(res.statusCode, JSON.stringify(res.body)).toBe(201);
        ids.push(res.body.id);
      }
      const fourth = await t.staff.request('POST', TEMPORARY, { name: '四', condition: and(city('上海')) });
      expect([fourth.statusCode, fourth.body.code]).toEqual([409, 'temporary_group_limit']);
      expect(fourth.body.message).toContain('3');
      expect((await t.staff.request('GET', TEMPORARY)).body.items.map((g: { name: string }) => g.name)).toEqual([
        '一',
        '二',
        '三',
      ]);

      // Another staff member of the tenant: their own three, and none of the first one's.
      const other = await viewer(t);
      expect((await other.request('GET', TEMPORARY)).body.items).toEqual([]);
      for (const name of ['甲', '乙', '丙'])
        expect((await other.request('POST', TEMPORARY, { name, condition: and(bought(true)) })).statusCode).toBe(201);
      expect((await other.request('POST', TEMPORARY, { name: '丁', condition: and(bought(true)) })).body.code).toBe(
        'temporary_group_limit',
      );

      expect((await t.staff.request('DELETE', `${TEMPORARY}/${ids[1]}`)).statusCode).toBe(204);
      const again = await t.staff.request('POST', TEMPORARY, { name: '四', condition: and(city('北京')) });
      expect(again.statusCode, JSON.stringify(again.body)).toBe(201);
      expect((await t.staff.request('POST', TEMPORARY, { name: '五', condition: and(city('北京')) })).body.code).toBe(
        'temporary_group_limit',
      );
    });

    it('concurrent additions never pass the limit', async () => {
      const t = await groupsTenant(ctx.app);
      await t.staff.request('POST', TEMPORARY, { name: '已有', condition: and(city('上海')) });
      const results = await Promise.all(
        ['a', 'b', 'c', 'd'].map((name) => t.staff.request('POST', TEMPORARY, { name, condition: and(city('上海')) })),
      );
      const codes = results.map((res) => res.statusCode).sort();
      expect(codes).toEqual([201, 201, 409, 409]);
      expect((await t.staff.request('GET', TEMPORARY)).body.items).toHaveLength(3);
      const slots = (await ctx.app.oltp.forTenant(t.tenantId).from('temporary_group').select<{ slot: number }[]>('slot')).map(
        (row) => Number((row as { slot: number }).slot),
      );
      expect(slots.sort()).toEqual([1, 2, 3]);
    });

    it('ad-hoc conditions, evaluated when asked and never stored as versions', async () => {
      const t = await groupsTenant(ctx.app);
      const handPicked = await t.staticGroup();
      const created = await t.staff.request('POST', TEMPORARY, {
        name: '上海或手选',
        condition: { type: 'or', conditions: [city('上海'), inGroup(handPicked.id)] },
      });
      expect(created.statusCode, JSON.stringify(created.body)).toBe(201);
      const selection = { type: 'temporary', temporaryGroupId: created.body.id };
      const count = async () => {
        const res = await t.staff.request('POST', COUNT, { selections: [selection] });
        expect(res.statusCode, JSON.stringify(res.body)).toBe(200);
        return res.body.items[0] as { name: string; count: number };
      };
      expect(await count()).toMatchObject({ name: '上海或手选', count: 2 });
      // A change of its inputs shows at the next count: nothing was computed in between.
      await t.staff.request('POST', `${GROUPS}/${handPicked.id}/members`, { contactIds: [t.ids.zhao] });
      expect((await count()).count).toBe(3);
      // No group and no version: not a user group, no OLAP membership of its own.
      expect((await t.staff.request('GET', GROUPS)).body.items.map((g: { id: string }) => g.id)).toEqual([handPicked.id]);
      const olap = await ctx.app.olap
        .forTenant(t.tenantId)
        .query<{ group_id: unknown }>('SELECT DISTINCT group_id FROM group_member', { rowMode: 'json' });
      expect(olap.rows.map((row) => String(row.group_id))).toEqual([handPicked.id]);

      // Edited: the new conditions apply at once.
      const edited = await t.staff.request('PATCH', `${TEMPORARY}/${created.body.id}`, { condition: and(bought(false)) });
      expect(edited.statusCode, JSON.stringify(edited.body)).toBe(200);
      expect((await count()).count).toBe(2);
      // resolveSelection hands a report the tree itself — for its owner only.
      const row = (await ctx.app.oltp.forTenant(t.tenantId).from('temporary_group').where('id', created.body.id).first()) as {
        staff_id: number | string;
      };
      const service = ctx.app.service(groupSelectionsServiceRef);
      const resolved = await service.resolveSelection(
        { tenantId: t.tenantId, staffId: String(row.staff_id) },
        { type: 'temporary', temporaryGroupId: created.body.id },
      );
      expect(resolved).toMatchObject({ name: '上海或手选', condition: and(bought(false)) });
      const counted = await service.countSelection(
        { tenantId: t.tenantId, staffId: String(row.staff_id) },
        { type: 'temporary', temporaryGroupId: created.body.id },
      );
      expect(counted.count).toBe(2);
      await expect(
        service.resolveSelection(
          { tenantId: t.tenantId, staffId: null },
          { type: 'temporary', temporaryGroupId: created.body.id },
        ),
      ).rejects.toMatchObject({ code: 'temporary_group_not_found' });

      // Invalid conditions are refused like a dynamic group's.
      const invalid = await t.staff.request('POST', TEMPORARY, {
        name: '坏',
        condition: and({ type: 'property', property: 'nope', operator: 'eq', values: ['x'] }),
      });
      expect([invalid.statusCode, invalid.body.code]).toEqual([400, 'condition_invalid']);
      expect(invalid.body.details[0]).toMatchObject({
        path: 'condition.conditions.0.property',
        code: 'condition_property_unknown',
      });
    });

    it('a staff member’s temporary groups are theirs alone: others of the tenant and other tenants get 404', async () => {
      const t = await groupsTenant(ctx.app);
      const created = await t.staff.request('POST', TEMPORARY, { name: '我的', condition: and(city('上海')) });
      const id = created.body.id as string;
      const colleague = await viewer(t);
      const b = await groupsTenant(ctx.app);
      for (const client of [colleague, b.staff]) {
        expect((await client.request('PATCH', `${TEMPORARY}/${id}`, { name: '劫持' })).statusCode).toBe(404);
        expect((await client.request('DELETE', `${TEMPORARY}/${id}`)).statusCode).toBe(404);
        const count = await client.request('POST', COUNT, { selections: [{ type: 'temporary', temporaryGroupId: id }] });
        expect([count.statusCode, count.body.code]).toEqual([404, 'temporary_group_not_found']);
        expect((await client.request('GET', '/api/v1/console/group-selections')).body.temporaryGroups).toEqual([]);
      }
      expect((await t.staff.request('GET', TEMPORARY)).body.items).toMatchObject([{ id, name: '我的' }]);
      // Another tenant's group in the conditions is unknown here.
      const foreign = await b.staff.request('POST', TEMPORARY, {
        name: '外',
        condition: and(inGroup((await t.staticGroup()).id)),
      });
      expect([foreign.statusCode, foreign.body.code]).toEqual([400, 'condition_invalid']);
    });

    it('permissions: 群组-查看 is needed; up to 5 selections are compared at once', async () => {
      const t = await groupsTenant(ctx.app);
      const plain = await normalStaff(ctx.app, t.tenantId);
      expect((await plain.request('GET', TEMPORARY)).body.code).toBe('forbidden');
      expect((await plain.request('POST', TEMPORARY, { name: 'x', condition: and(city('上海')) })).body.code).toBe('forbidden');
      expect((await plain.request('POST', COUNT, { selections: [] })).body.code).toBe('forbidden');
      const analyst = await viewer(t);
      expect((await analyst.request('POST', TEMPORARY, { name: 'x', condition: and(city('上海')) })).statusCode).toBe(201);
      const group = await t.staticGroup();
      const six = Array.from({ length: 6 }, () => ({ type: 'group', groupId: group.id }));
      const tooMany = await analyst.request('POST', COUNT, { selections: six });
      expect([tooMany.statusCode, tooMany.body.code]).toEqual([400, 'validation_failed']);
      const five = await analyst.request('POST', COUNT, { selections: six.slice(0, 5) });
      expect(five.statusCode, JSON.stringify(five.body)).toBe(200);
      expect(five.body.items).toHaveLength(5);
    });
  },
  { plugins: firstPartyPlugins },
);
