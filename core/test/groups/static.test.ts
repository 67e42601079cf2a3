import pino from 'pino';
import { expect, it } from 'vitest';
import { Scheduler } from '../../src/jobs/scheduler.js';
import { tenantServiceRef } from '../../src/modules/tenancy/tenant.service.js';
import { firstPartyPlugins } from '../support/plugins.js';
import { normalStaff } from '../support/staff.js';
import { Client, describeEngines } from '../support/test-app.js';
import { exportFile, xlsxPart } from '../contact-imports/support.js';
import { GROUPS, and, city, groupsTenant, idsXlsx, inGroup, sorted, uploadBody } from './support.js';

const silent = pino({ level: 'silent' });

describeEngines(
  'groups: static groups, the Open API, folders and hooks (seed §1.5.2, §1.5.4, §2.1.4)',
  (ctx) => {
    it('adds and removes by hand: OLTP is the master, OLAP gets a new version right after each change', async () => {
      const t = await groupsTenant(ctx.app);
      const group = await t.staticGroup();
      expect(group).toMatchObject({ kind: 'static', status: 'done', activeVersion: null, memberCount: 0 });
      const added = await t.staff.request('POST', `${GROUPS}/${group.id}/members`, {
        contactIds: [t.ids.zhang, t.ids.li, t.ids.zhang, '999999999'],
      });
      expect(added.body).toEqual({ added: 2, alreadyMembers: 0, notFound: ['999999999'] });
      expect(await t.group(group.id)).toMatchObject({ activeVersion: 1, memberCount: 2 });
      expect(await t.members(group.id)).toEqual(sorted(t.ids.zhang, t.ids.li));
      const again = await t.staff.request('POST', `${GROUPS}/${group.id}/members`, { contactIds: [t.ids.zhang] });
      expect(again.body).toEqual({ added: 0, alreadyMembers: 1, notFound: [] });
      const removed = await t.staff.request('POST', `${GROUPS}/${group.id}/members/remove`, {
        contactIds: [t.ids.zhang, t.ids.wang],
      });
      expect(removed.body).toEqual({ removed: 1, notFound: [] });
      expect(await t.group(group.id)).toMatchObject({ activeVersion: 2, memberCount: 1 });
      expect(await t.members(group.id)).toEqual([t.ids.li]);
      // Two versions kept; the condition engine reads the static group too.
      expect((await t.olapVersions(group.id)).map(([v]) => v)).toEqual([1, 2]);
      expect((await t.staff.request('POST', `${GROUPS}/estimate`, { condition: and(inGroup(group.id)) })).body.count).toBe(1);
      // A dynamic group takes no contacts by hand.
      const dynamic = await t.dynamic(and(city('上海')));
      const refused = await t.staff.request('POST', `${GROUPS}/${dynamic.id}/members`, { contactIds: [t.ids.li] });
      expect([refused.statusCode, refused.body.code]).toEqual([409, 'group_not_static']);
      // The contact detail lists the groups a contact is in.
      await t.runTasks();
      const detail = await t.staff.request('GET', `/api/v1/console/contacts/${t.ids.li}`);
      expect(detail.statusCode).toBe(200);
      expect(detail.body.groups).toEqual([{ id: group.id, name: (await t.group(group.id)).name, kind: 'static' }]);
      const zhang = await t.staff.request('GET', `/api/v1/console/contacts/${t.ids.zhang}`);
      expect(zhang.body.groups.map((g: { id: string }) => g.id)).toEqual([dynamic.id]);
    });

    it('imports an xlsx of user IDs: bad rows reported per row, the rest added; too many rows or too big a file refused', async () => {
      const t = await groupsTenant(ctx.app);
      const group = await t.staticGroup();
      const file = await idsXlsx([t.ids.zhang, 'abc', '  ', t.ids.wang, '999999999', t.ids.zhang]);
      const res = await t.staff.request('POST', `${GROUPS}/${group.id}/members/import`, uploadBody(file));
      expect(res.statusCode, JSON.stringify(res.body)).toBe(200);
      expect(res.body).toEqual({
        added: 2,
        alreadyMembers: 0,
        failed: [
          { row: 3, value: 'abc', code: 'group_import_id_invalid' },
          { row: 6, value: '999999999', code: 'group_import_contact_unknown' },
        ],
      });
      expect(await t.members(group.id)).toEqual(sorted(t.ids.zhang, t.ids.wang));
      const tooMany = await idsXlsx(Array.from({ length: 20_001 }, (_, i) => String(i + 1)));
      const many = await t.staff.request('POST', `${GROUPS}/${group.id}/members/import`, uploadBody(tooMany));
      expect([many.statusCode, many.body.code]).toEqual([400, 'group_import_too_many_rows']);
      const huge = await t.staff.request(
        'POST',
        `${GROUPS}/${group.id}/members/import`,
        uploadBody(Buffer.alloc(6 * 1024 * 1024, 1)),
      );
      expect([huge.statusCode, huge.body.code]).toEqual([413, 'payload_too_large']);
      const garbage = await t.staff.request(
        'POST',
        `${GROUPS}/${group.id}/members/import`,
        uploadBody(Buffer.from('not a workbook')),
      );
      expect([garbage.statusCode, garbage.body.code]).toEqual([400, 'group_import_file_invalid']);
      const empty = await t.staff.request('POST', `${GROUPS}/${group.id}/members/import`, uploadBody(await idsXlsx([])));
      expect([empty.statusCode, empty.body.code]).toEqual([400, 'group_import_empty']);
      expect(await t.members(group.id)).toEqual(sorted(t.ids.zhang, t.ids.wang));
    });

    it('a crash between the OLTP commit and the OLAP write loses nothing: the 5-minute catch-up copies the group', async () => {
      const app = ctx.app;
      const t = await groupsTenant(app);
      const group = await t.staticGroup();
      t.service.faults.afterStaticCommit = () => {
        throw new Error('process died');
      };
      try {
        const res = await t.staff.request('POST', `${GROUPS}/${group.id}/members`, { contactIds: [t.ids.zhao] });
        expect(res.statusCode).toBe(500);
      } finally {
        t.service.faults = {};
      }
      // OLTP holds the member, OLAP does not.
      const rows = await app.oltp
        .forTenant(t.tenantId)
        .from('group_static_member')
        .where('group_id', group.id)
        .select('contact_id');
      expect(rows.map((r: { contact_id: unknown }) => String(r.contact_id))).toEqual([t.ids.zhao]);
      expect(await t.olapVersions(group.id)).toEqual([]);
      expect(await t.members(group.id)).toEqual([]);
      const entry = app.jobs.scheduler.entry('groups:static-sync');
      expect(entry).toBeDefined();
      const scheduler = new Scheduler(app.service(tenantServiceRef), app.jobs.queue, [entry!], silent);
      const dueAt = Date.UTC(2026, 11, 9, 3, 5);
      expect(await scheduler.tick(dueAt + 10_000)).toBeGreaterThanOrEqual(1);
      await t.runTasks();
      expect(await t.olapVersions(group.id)).toEqual([[1, 1]]);
      expect(await t.members(group.id)).toEqual([t.ids.zhao]);
      expect(await t.group(group.id)).toMatchObject({ activeVersion: 1, memberCount: 1 });
    });

    it('Open API (§2.1.4): create, get, groups of a contact, contacts of a group, add, remove — app tokens only', async () => {
      const t = await groupsTenant(ctx.app);
      const created = await t.api.request('POST', '/api/v1/groups', { name: 'API 组' });
      expect(created.statusCode, JSON.stringify(created.body)).toBe(201);
      const id = created.body.id as string;
      expect(created.body).toMatchObject({ kind: 'static', name: 'API 组', status: 'done', memberCount: 0 });
      const add = await t.api.request('POST', `/api/v1/groups/${id}/contacts`, {
        contactIds: [t.ids.zhang, t.ids.li, t.ids.wang],
      });
      expect(add.body).toEqual({ added: 3, alreadyMembers: 0, notFound: [] });
      const page1 = await t.api.request('GET', `/api/v1/groups/${id}/contacts?limit=2`);
      expect(page1.body.items).toEqual(
        sorted(t.ids.zhang, t.ids.li, t.ids.wang)
          .sort((a, b) => Number(a) - Number(b))
          .slice(0, 2),
      );
      const page2 = await t.api.request('GET', `/api/v1/groups/${id}/contacts?limit=2&cursor=${page1.body.nextCursor}`);
      expect(page2.body.nextCursor).toBeNull();
      expect(page2.body.items).toHaveLength(1);
      const remove = await t.api.request('POST', `/api/v1/groups/${id}/contacts/remove`, { contactIds: [t.ids.li] });
      expect(remove.body).toEqual({ removed: 1, notFound: [] });
      expect((await t.api.request('GET', `/api/v1/groups/${id}`)).body).toMatchObject({ id, memberCount: 2 });
      const dynamic = await t.dynamic(and(city('上海')));
      await t.runTasks();
      const ofContact = await t.api.request('GET', `/api/v1/contacts/${t.ids.wang}/groups`);
      expect(ofContact.body.items.map((g: { id: string }) => g.id).sort()).toEqual([id, dynamic.id].sort());
      const dynamicMembers = await t.api.request('GET', `/api/v1/groups/${dynamic.id}/contacts`);
      expect(dynamicMembers.body.items).toEqual(sorted(t.ids.zhang, t.ids.wang).sort((a, b) => Number(a) - Number(b)));
      expect((await t.api.request('POST', `/api/v1/groups/${dynamic.id}/contacts`, { contactIds: [t.ids.li] })).body.code).toBe(
        'group_not_static',
      );
      expect((await t.api.request('GET', '/api/v1/contacts/999999999/groups')).statusCode).toBe(404);
      // Staff sessions cannot call the Open API routes; app tokens cannot call the console's.
      expect((await t.staff.request('GET', `/api/v1/groups/${id}`)).statusCode).toBe(401);
      expect((await t.api.request('GET', `${GROUPS}/${id}`)).statusCode).toBe(403);
      const anonymous = await new Client(ctx.app.server).request('GET', `/api/v1/groups/${id}`);
      expect(anonymous.statusCode).toBe(401);
    });

    it('tenant isolation: another tenant’s group or folder id answers 404, its contacts are not found', async () => {
      const t = await groupsTenant(ctx.app);
      const other = await groupsTenant(ctx.app);
      const group = await t.staticGroup();
      const folder = (await t.staff.request('POST', '/api/v1/console/group-folders', { name: '目录' })).body;
      for (const [method, url, body] of [
        ['GET', `${GROUPS}/${group.id}`, undefined],
        ['PATCH', `${GROUPS}/${group.id}`, { name: 'x' }],
        ['DELETE', `${GROUPS}/${group.id}`, undefined],
        ['POST', `${GROUPS}/${group.id}/members`, { contactIds: [other.ids.zhang] }],
        ['POST', `${GROUPS}/${group.id}/contacts/search`, {}],
        ['GET', `${GROUPS}/${group.id}/versions`, undefined],
        ['PATCH', `/api/v1/console/group-folders/${folder.id}`, { name: 'y' }],
        ['DELETE', `/api/v1/console/group-folders/${folder.id}`, undefined],
      ] as const) {
        const res = await other.staff.request(method, url, body);
        expect([res.statusCode, url], method).toEqual([404, url]);
      }
      expect((await other.api.request('GET', `/api/v1/groups/${group.id}`)).statusCode).toBe(404);
      expect((await other.staff.request('GET', GROUPS)).body.items).toEqual([]);
      // Another tenant's contact is not one of ours.
      const add = await t.staff.request('POST', `${GROUPS}/${group.id}/members`, { contactIds: [other.ids.zhang] });
      expect(add.body).toEqual({ added: 0, alreadyMembers: 0, notFound: [other.ids.zhang] });
      const moved = await t.staff.request('PUT', `${GROUPS}/${group.id}/folder`, { folderId: folder.id });
      expect(moved.body.folderId).toBe(folder.id);
      const stolen = await other.staff.request('POST', `${GROUPS}/static`, { name: 'x', folderId: folder.id });
      expect(stolen.statusCode).toBe(404);
    });

    it('permissions: staff without 群组 rights are refused every group route', async () => {
      const t = await groupsTenant(ctx.app);
      const group = await t.staticGroup();
      const normal = await normalStaff(ctx.app, t.tenantId);
      for (const [method, url, body] of [
        ['GET', GROUPS, undefined],
        ['GET', `${GROUPS}/${group.id}`, undefined],
        ['POST', `${GROUPS}/static`, { name: 'x' }],
        ['POST', `${GROUPS}/estimate`, { condition: and(city('上海')) }],
        ['POST', `${GROUPS}/${group.id}/members`, { contactIds: [t.ids.zhang] }],
        ['DELETE', `${GROUPS}/${group.id}`, undefined],
        ['GET', '/api/v1/console/group-folders', undefined],
        ['POST', '/api/v1/console/group-folders', { name: 'x' }],
      ] as const) {
        const res = await normal.request(method, url, body);
        expect([res.statusCode, res.body.code], `${method} ${url}`).toEqual([403, 'forbidden']);
      }
    });

    it('folders: 4 levels at most, no move into itself, names unique per level, only empty folders deleted', async () => {
      const t = await groupsTenant(ctx.app);
      const F = '/api/v1/console/group-folders';
      const make = async (name: string, parentId?: string) => t.staff.request('POST', F, { name, parentId });
      const l1 = (await make('一级')).body;
      const l2 = (await make('二级', l1.id)).body;
      const l3 = (await make('三级', l2.id)).body;
      const l4 = await make('四级', l3.id);
      expect(l4.statusCode).toBe(201);
      expect(l4.body.depth).toBe(4);
      const l5 = await make('五级', l4.body.id);
      expect([l5.statusCode, l5.body.code]).toEqual([400, 'group_folder_too_deep']);
      expect((await make('二级', l1.id)).body.code).toBe('group_folder_name_taken');
      expect((await make('二级')).statusCode).toBe(201);
      // Moving a 3-level subtree under a second-level folder would make 5 levels.
      const other = (await make('另一个')).body;
      const otherChild = (await make('子', other.id)).body;
      const deep = await t.staff.request('PATCH', `${F}/${l2.id}`, { parentId: otherChild.id });
      expect([deep.statusCode, deep.body.code]).toEqual([400, 'group_folder_too_deep']);
      const into = await t.staff.request('PATCH', `${F}/${l1.id}`, { parentId: l3.id });
      expect([into.statusCode, into.body.code]).toEqual([400, 'group_folder_move_invalid']);
      const ok = await t.staff.request('PATCH', `${F}/${l3.id}`, { parentId: other.id, name: '三级改名' });
      expect(ok.body).toMatchObject({ parentId: other.id, depth: 2, name: '三级改名' });
      const list = (await t.staff.request('GET', F)).body.items as { id: string; depth: number }[];
      expect(list.find((f) => f.id === l4.body.id)!.depth).toBe(3);
      const group = await t.staticGroup({ folderId: l4.body.id });
      const notEmpty = await t.staff.request('DELETE', `${F}/${l4.body.id}`);
      expect([notEmpty.statusCode, notEmpty.body.code]).toEqual([409, 'group_folder_not_empty']);
      expect((await t.staff.request('DELETE', `${F}/${l3.id}`)).body.code).toBe('group_folder_not_empty');
      expect(
        (await t.staff.request('GET', `${GROUPS}?folderId=${l4.body.id}`)).body.items.map((g: { id: string }) => g.id),
      ).toEqual([group.id]);
      expect((await t.staff.request('PUT', `${GROUPS}/${group.id}/folder`, { folderId: null })).statusCode).toBe(200);
      expect((await t.staff.request('DELETE', `${F}/${l4.body.id}`)).statusCode).toBe(204);
    });

    it('a merge unions the merged contact’s static memberships into the survivor; an erased contact leaves every group', async () => {
      const app = ctx.app;
      const t = await groupsTenant(app);
      const a = await t.staticGroup();
      const b = await t.staticGroup();
      await t.staff.request('POST', `${GROUPS}/${a.id}/members`, { contactIds: [t.ids.zhang] });
      await t.staff.request('POST', `${GROUPS}/${b.id}/members`, { contactIds: [t.ids.zhang, t.ids.li] });
      const { contactsServiceRef } = await import('../../src/modules/contacts/contacts.service.js');
      const merge = await app
        .service(contactsServiceRef)
        .merge(t.tenantId, [t.ids.li, t.ids.zhang], { rule: 'manual', actorStaffId: null });
      const survivor = merge!.survivorId;
      const mergedAway = survivor === t.ids.li ? t.ids.zhang : t.ids.li;
      const master = async (groupId: string) =>
        (await app.oltp.forTenant(t.tenantId).from('group_static_member').where('group_id', groupId).select('contact_id')).map(
          (r: { contact_id: unknown }) => String(r.contact_id),
        );
      expect(await master(a.id)).toEqual([survivor]);
      expect(await master(b.id)).toEqual([survivor]);
      expect(await master(a.id)).not.toContain(mergedAway);
      // The OLAP copies follow with the catch-up.
      expect(await t.service.syncBehind(t.tenantId)).toBe(survivor === t.ids.zhang ? 1 : 2);
      expect(await t.members(b.id)).toEqual([survivor]);

      // Erase 王五 (custom channel user u-3), a member of a static group and of a dynamic group.
      const c = await t.staticGroup();
      await t.staff.request('POST', `${GROUPS}/${c.id}/members`, { contactIds: [t.ids.wang] });
      const dynamic = await t.dynamic(and(city('上海')));
      await t.runTasks();
      expect(await t.olapMembers(dynamic.id, 1)).toContain(t.ids.wang);
      const erase = await t.staff.request('POST', '/api/v1/console/contact-erasures', { channelId: t.channelId, userId: 'u-3' });
      expect(erase.statusCode, JSON.stringify(erase.body)).toBe(202);
      await t.runTasks();
      expect(await master(c.id)).toEqual([]);
      expect(await t.members(c.id)).toEqual([]);
      expect(await t.olapMembers(dynamic.id, 1)).not.toContain(t.ids.wang);
      expect((await t.group(dynamic.id)).memberCount).toBe((await t.olapMembers(dynamic.id, 1)).length);
      const detail = await t.staff.request('GET', `/api/v1/console/contacts/${t.ids.wang}`);
      expect(detail.body.groups).toEqual([]);
      // Idempotent: told again, nothing changes.
      await t.service.onContactErased({
        tenantId: t.tenantId,
        contactId: t.ids.wang,
        channelId: t.channelId,
        channelAccountIds: [],
        at: Date.now(),
      });
      expect(await t.olapMembers(dynamic.id, 1)).not.toContain(t.ids.wang);
    });

    it('batch edit’s “add to static group” goes through the sink; a dynamic or unknown group is refused', async () => {
      const t = await groupsTenant(ctx.app);
      const group = await t.staticGroup();
      // 批量编辑用户 with 加入静态组: the contacts the edit reached join the group.
      const edit = await exportFile(
        [
          { key: 'contactId', label: '用户ID' },
          { key: 'name', label: '姓名' },
        ],
        [
          [t.ids.zhao, '赵六六'],
          ['999999999', '无此人'],
        ],
      );
      const started = await t.staff.request(
        'POST',
        '/api/v1/console/contact-imports/batch-edits',
        xlsxPart(edit, 'edit.xlsx', { groupId: group.id }),
      );
      expect(started.statusCode, JSON.stringify(started.body)).toBe(202);
      await t.runTasks();
      expect(await t.members(group.id)).toEqual([t.ids.zhao]);
      const dynamicTarget = await t.dynamic(and(city('上海')));
      const refusedEdit = await t.staff.request(
        'POST',
        '/api/v1/console/contact-imports/batch-edits',
        xlsxPart(edit, 'edit.xlsx', { groupId: dynamicTarget.id }),
      );
      expect([refusedEdit.statusCode, refusedEdit.body.code]).toEqual([409, 'group_not_static']);
      await t.service.add(t.tenantId, group.id, [t.ids.zhao]);
      expect(await t.members(group.id)).toEqual([t.ids.zhao]);
      const dynamic = await t.dynamic(and(city('上海')));
      await expect(t.service.check(t.tenantId, dynamic.id)).rejects.toMatchObject({ code: 'group_not_static' });
      await expect(t.service.check(t.tenantId, '999999')).rejects.toMatchObject({ code: 'group_not_found' });
      // The WeChat link is stored once and never changes.
      const { channelsServiceRef } = await import('../../src/modules/channels/channels.service.js');
      const wechat = await ctx.app
        .service(channelsServiceRef)
        .register(
          t.tenantId,
          { type: 'wechat', name: '服务号', channelKey: `wx${Date.now()}${Math.floor(Math.random() * 1000)}` },
          null,
        );
      const linkToCustom = await t.staff.request('POST', `${GROUPS}/${group.id}/wechat-link`, { wechatChannelId: t.channelId });
      expect([linkToCustom.statusCode, linkToCustom.body.code]).toEqual([400, 'group_wechat_channel_invalid']);
      {
        const linked = await t.staff.request('POST', `${GROUPS}/${group.id}/wechat-link`, { wechatChannelId: wechat.id });
        expect(linked.body.wechatChannelId).toBe(wechat.id);
        const again = await t.staff.request('POST', `${GROUPS}/${group.id}/wechat-link`, { wechatChannelId: wechat.id });
        expect([again.statusCode, again.body.code]).toEqual([409, 'group_wechat_linked']);
      }
    });
  },
  { plugins: firstPartyPlugins },
);
