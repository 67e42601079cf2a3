import { expect, it } from 'vitest';
import { normalStaff } from '../support/staff.js';
import { firstPartyPlugins } from '../support/plugins.js';
import { describeEngines } from '../support/test-app.js';
import { GROUPS, and, city, groupsTenant, idsXlsx, inGroup, sorted, uploadBody } from '../groups/support.js';
import { TAGS, layered } from '../tags/support.js';

/**
 * Review of issue 20 (groups): adversarial tests. A failing test here documents a bug; the report
 * (review20) names the fix. Nothing is skipped. R20-G4 and R20-G5 (a group used by a tag's rule, a tag
 * used by a group's conditions or another tag's rule) are refused through the usage checks of ADR 0050.
 */

type Repo = Record<string, (...args: unknown[]) => Promise<unknown>>;

/** Tags of a groups tenant through the console API: create (201 expected) and compute to the end. */
function tagsOf(t: Awaited<ReturnType<typeof groupsTenant>>) {
  return {
    create: async (body: Record<string, unknown>) => {
      const created = await t.staff.request('POST', TAGS, body);
      expect(created.statusCode, JSON.stringify(created.body)).toBe(201);
      return created.body as { id: string };
    },
    compute: async (id: string) => {
      const queued = await t.staff.request('POST', `${TAGS}/${id}/compute`);
      expect(queued.statusCode, JSON.stringify(queued.body)).toBe(202);
      await t.runTasks();
      return (await t.staff.request('GET', `${TAGS}/${id}`)).body as { status: string; error: unknown };
    },
  };
}
const repoOf = (service: unknown) => (service as { repo: Repo }).repo;

describeEngines(
  'review20: groups under attack',
  (ctx) => {
    it('R20-G1 a thrown error between the OLAP version write and the OLTP 计算完成 must not leave the group stuck in 计算中', async () => {
      const t = await groupsTenant(ctx.app);
      const repo = repoOf(t.service);
      const original = repo.updateVersion!;
      let thrown = 0;
      repo.updateVersion = async (...args: unknown[]) => {
        const patch = args[3] as { status?: string };
        if (patch.status === 'computed' && thrown === 0) {
          thrown += 1;
          throw new Error('connection reset between the OLAP write and the OLTP update');
        }
        return original.apply(repo, args);
      };
      let group: { id: string };
      try {
        group = await t.dynamic(and(city('上海')));
        await t.runTasks();
      } finally {
        repo.updateVersion = original;
      }
      expect(thrown).toBe(1);
      // Whatever the queue did with the task, the group must end somewhere the operator can act on.
      await t.runTasks();
      const after = await t.group(group.id);
      expect(['done', 'compute_failed']).toContain(after.status);
      const recompute = await t.staff.request('POST', `${GROUPS}/${group.id}/recompute`);
      expect(recompute.statusCode, JSON.stringify(recompute.body)).not.toBe(409);
    });

    it('R20-G2 kill -9 of the last attempt (lease expired, attempts exhausted) must not leave the group in 计算中 forever', async () => {
      const t = await groupsTenant(ctx.app);
      const group = await t.dynamic(and(city('上海')));
      const db = ctx.app.oltp.forTenant(t.tenantId);
      // What a process killed mid-computation on its last attempt leaves behind.
      const task = (await db.from('task').where({ kind: 'groups.compute' }).orderBy('id', 'desc').first()) as {
        id: number | string;
        max_attempts: number;
      };
      await db
        .from('task')
        .where('id', task.id)
        .update({
          status: 'running',
          attempts: task.max_attempts,
          lease_owner: 'dead-process',
          lease_expires_at: Date.now() - 60_000,
        });
      await db.from('user_group').where('id', group.id).update({ status: 'computing', computing_version: 1, last_version: 1 });
      await t.runTasks();
      expect(((await db.from('task').where('id', task.id).first()) as { status: string }).status).toBe('failed');
      const after = await t.group(group.id);
      // The group must be recoverable: not 计算中 with no task to finish it (no edit, no recompute, no delete).
      const recompute = await t.staff.request('POST', `${GROUPS}/${group.id}/recompute`);
      const del = await t.staff.request('DELETE', `${GROUPS}/${group.id}`);
      expect([after.status, recompute.statusCode === 409 && del.statusCode === 409]).not.toEqual(['computing', true]);
    });

    it('R20-G3 two computations of the same group at once (a re-claimed task) must not clobber the finished version', async () => {
      const t = await groupsTenant(ctx.app);
      const group = await t.dynamic(and(city('上海')));
      const db = ctx.app.oltp.forTenant(t.tenantId);
      const task = (await db.from('task').where({ kind: 'groups.compute' }).orderBy('id', 'desc').first()) as {
        id: number | string;
      };
      const context = { task: { id: String(task.id), tenantId: t.tenantId, payload: { groupId: group.id } } } as never;
      let second: Promise<unknown> | undefined;
      let firstDone!: () => void;
      const first = new Promise<void>((resolve) => (firstDone = resolve));
      const service = t.service as unknown as {
        repo: { group: (tenantId: string, groupId: string) => Promise<unknown> };
        compute: (tenantId: string, row: unknown, taskId: string) => Promise<unknown>;
      };
      t.service.faults.beforeVersionWrite = () => {
        t.service.faults = {};
        // A second worker re-claimed the task (the first one's lease ran out in a long pause): it read
        // the group while 计算中 and goes on after the first worker finished.
        second = (async () => {
          const row = await service.repo.group(t.tenantId, group.id);
          await first;
          return service.compute(t.tenantId, row, String(task.id));
        })();
      };
      try {
        await t.service.runCompute(context);
        firstDone();
        await second;
      } finally {
        t.service.faults = {};
      }
      const versions = (await t.staff.request('GET', `${GROUPS}/${group.id}/versions`)).body.items;
      expect(await t.group(group.id)).toMatchObject({ status: 'done', activeVersion: 1, memberCount: 2 });
      // 张三 and 王五 entered in version 1: its added count is 2, not overwritten by the second run's empty diff.
      expect(versions).toMatchObject([{ version: 1, status: 'done', addedCount: 2, removedCount: 0, active: true }]);
    });

    it('R20-G3b a stale run that reaches a step after the group moved on stops there: no version rewritten', async () => {
      const t = await groupsTenant(ctx.app);
      const group = await t.dynamic(and(city('上海')));
      const service = t.service as unknown as {
        repo: { group: (tenantId: string, groupId: string) => Promise<Record<string, unknown>> };
        computeSteps: (tenantId: string, groupId: string, row: unknown, version: number) => Promise<unknown>;
      };
      // The run read the group while 计算中 (version 1), then the other run finished it.
      await t.runTasks();
      const stale = { ...(await service.repo.group(t.tenantId, group.id)), status: 'computing', computing_version: 1 };
      expect(await service.computeSteps(t.tenantId, group.id, stale, 1)).toBeNull();
      const versions = (await t.staff.request('GET', `${GROUPS}/${group.id}/versions`)).body.items;
      expect(await t.group(group.id)).toMatchObject({ status: 'done', activeVersion: 1, memberCount: 2 });
      expect(versions).toMatchObject([{ version: 1, status: 'done', memberCount: 2, addedCount: 2, removedCount: 0 }]);
    });

    it('R20-G4 a group a tag’s rule names (a layer’s condition, a SQL tag’s group_<id>) is not deleted: 409 group_in_use_by_tag', async () => {
      const t = await groupsTenant(ctx.app);
      const tags = tagsOf(t);
      const vip = await t.staticGroup({ name: '重点客户' });
      expect((await t.staff.request('POST', `${GROUPS}/${vip.id}/members`, { contactIds: [t.ids.zhang] })).statusCode).toBe(200);
      const shanghai = await t.dynamic(and(city('上海')), { name: '上海用户' });
      await t.runTasks();
      const byLayer = await tags.create(
        layered('tag_vip', [{ value: '重点', condition: and(inGroup(vip.id)) }], { name: '重点标签' }),
      );
      const bySql = await tags.create({
        code: 'tag_in_shanghai',
        name: '上海标签',
        kind: 'sql',
        valueType: 'bool',
        updateMode: 'manual',
        rule: { sql: `SELECT id AS contact_id, group_${shanghai.id} AS value FROM contact_view` },
      });

      // Deleting either group would make its tag fail at its next computation: refused, the tag named.
      const refused = await t.staff.request('DELETE', `${GROUPS}/${vip.id}`);
      expect([refused.statusCode, refused.body.code]).toEqual([409, 'group_in_use_by_tag']);
      expect(refused.body.message).toContain('重点标签');
      const refusedSql = await t.staff.request('DELETE', `${GROUPS}/${shanghai.id}`);
      expect([refusedSql.statusCode, refusedSql.body.code]).toEqual([409, 'group_in_use_by_tag']);
      expect(refusedSql.body.message).toContain('上海标签');
      // Both groups are still there, and both tags still compute.
      expect((await t.group(vip.id)).status).toBe('done');
      expect(await tags.compute(byLayer.id)).toMatchObject({ status: 'done' });
      expect(await tags.compute(bySql.id)).toMatchObject({ status: 'done' });

      // Once no live tag names it, the group goes.
      expect((await t.staff.request('DELETE', `${TAGS}/${byLayer.id}`)).statusCode).toBe(204);
      expect((await t.staff.request('DELETE', `${GROUPS}/${vip.id}`)).statusCode).toBe(204);
      const edited = await t.staff.request('PUT', `${TAGS}/${bySql.id}`, {
        name: '上海标签',
        kind: 'sql',
        valueType: 'bool',
        updateMode: 'manual',
        rule: { sql: "SELECT id AS contact_id, city = '上海' AS value FROM contact_view" },
      });
      expect(edited.statusCode, JSON.stringify(edited.body)).toBe(200);
      expect((await t.staff.request('DELETE', `${GROUPS}/${shanghai.id}`)).statusCode).toBe(204);
    });

    it('R20-G5 a tag a dynamic group (409 tag_in_use_by_group) or another tag (409 tag_in_use_by_tag) names is not deleted', async () => {
      const t = await groupsTenant(ctx.app);
      const tags = tagsOf(t);
      const level = await tags.create(
        layered('tag_city', [{ value: '上海', condition: and(city('上海')) }], { name: '城市分层' }),
      );
      expect(await tags.compute(level.id)).toMatchObject({ status: 'done' });
      const byTag = await t.dynamic(and({ type: 'tag', tagId: level.id, operator: 'eq', values: ['上海'] }), {
        name: '标签上海',
      });
      await t.runTasks();
      expect(await t.members(byTag.id)).toEqual(sorted(t.ids.zhang, t.ids.wang));

      const refused = await t.staff.request('DELETE', `${TAGS}/${level.id}`);
      expect([refused.statusCode, refused.body.code]).toEqual([409, 'tag_in_use_by_group']);
      expect(refused.body.message).toContain('标签上海');
      // The group still computes from the tag.
      expect((await t.staff.request('POST', `${GROUPS}/${byTag.id}/recompute`)).statusCode).toBe(200);
      await t.runTasks();
      expect(await t.group(byTag.id)).toMatchObject({ status: 'done', memberCount: 2 });

      // Other tags: a layer's tag leaf, a SQL tag's tag_… column.
      const derived = await tags.create(
        layered('tag_derived', [{ value: '有城市', condition: and({ type: 'tag', tagId: level.id, operator: 'notEmpty' }) }], {
          name: '派生标签',
        }),
      );
      const bySql = await tags.create({
        code: 'tag_city_copy',
        name: 'SQL 复制',
        kind: 'sql',
        valueType: 'string',
        updateMode: 'manual',
        rule: { sql: 'SELECT id AS contact_id, tag_city AS value FROM contact_view' },
      });
      // The group is asked first (its module registered first): its code answers while it names the tag.
      expect((await t.staff.request('DELETE', `${TAGS}/${level.id}`)).body.code).toBe('tag_in_use_by_group');
      expect((await t.staff.request('DELETE', `${GROUPS}/${byTag.id}`)).statusCode).toBe(204);
      const byTags = await t.staff.request('DELETE', `${TAGS}/${level.id}`);
      expect([byTags.statusCode, byTags.body.code]).toEqual([409, 'tag_in_use_by_tag']);
      expect(byTags.body.message).toContain('派生标签');
      expect(byTags.body.message).toContain('SQL 复制');
      expect(await tags.compute(derived.id)).toMatchObject({ status: 'done' });
      expect(await tags.compute(bySql.id)).toMatchObject({ status: 'done' });

      // Once no other live tag names it, it goes (a tag naming itself does not hold itself).
      expect((await t.staff.request('DELETE', `${TAGS}/${derived.id}`)).statusCode).toBe(204);
      expect((await t.staff.request('DELETE', `${TAGS}/${bySql.id}`)).statusCode).toBe(204);
      const self = await t.staff.request('PUT', `${TAGS}/${level.id}`, {
        name: '城市分层',
        kind: 'layered',
        updateMode: 'manual',
        rule: {
          layers: [
            { value: '上海', condition: and(city('上海')) },
            { value: '其它', condition: and({ type: 'tag', tagId: level.id, operator: 'empty' }) },
          ],
        },
      });
      expect(self.statusCode, JSON.stringify(self.body)).toBe(200);
      expect((await t.staff.request('DELETE', `${TAGS}/${level.id}`)).statusCode).toBe(204);
    });

    it('R20-G6 another tenant’s group / folder ids on every remaining route answer 404, never data', async () => {
      const victim = await groupsTenant(ctx.app);
      const attacker = await groupsTenant(ctx.app);
      const dyn = await victim.dynamic(and(city('上海')));
      const stat = await victim.staticGroup();
      await victim.staff.request('POST', `${GROUPS}/${stat.id}/members`, { contactIds: [victim.ids.zhang] });
      await victim.runTasks();
      const xlsx = await idsXlsx([victim.ids.zhang]);
      for (const [method, url, body] of [
        ['POST', `${GROUPS}/${dyn.id}/recompute`, undefined],
        ['POST', `${GROUPS}/${dyn.id}/save-as`, { name: '偷' }],
        ['PUT', `${GROUPS}/${dyn.id}/folder`, { folderId: null }],
        ['GET', `${GROUPS}/${dyn.id}/versions`, undefined],
        ['POST', `${GROUPS}/${dyn.id}/contacts/search`, {}],
        ['POST', `${GROUPS}/${dyn.id}/contacts/export`, { fields: ['name'] }],
        ['POST', `${GROUPS}/${stat.id}/members/remove`, { contactIds: [victim.ids.zhang] }],
        ['POST', `${GROUPS}/${stat.id}/members/import`, uploadBody(xlsx)],
        ['POST', `${GROUPS}/${stat.id}/wechat-link`, { wechatChannelId: '1' }],
      ] as const) {
        const res = await attacker.staff.request(method, url, body as never);
        expect([res.statusCode, url], method).toEqual([404, url]);
      }
      for (const [method, url, body] of [
        ['GET', `/api/v1/groups/${dyn.id}/contacts`, undefined],
        ['GET', `/api/v1/groups/${stat.id}/contacts`, undefined],
        ['POST', `/api/v1/groups/${stat.id}/contacts`, { contactIds: [attacker.ids.zhang] }],
        ['POST', `/api/v1/groups/${stat.id}/contacts/remove`, { contactIds: [victim.ids.zhang] }],
        ['GET', `/api/v1/contacts/${victim.ids.zhang}/groups`, undefined],
      ] as const) {
        const res = await attacker.api.request(method, url, body as never);
        expect([res.statusCode, url], method).toEqual([404, url]);
      }
      // A condition naming the victim's group: refused, and never counts the victim's members.
      const est = await attacker.staff.request('POST', `${GROUPS}/estimate`, { condition: and(inGroup(stat.id)) });
      expect(est.statusCode).toBe(400);
      const notIn = await attacker.staff.request('POST', `${GROUPS}/estimate`, { condition: and(inGroup(dyn.id, 'notIn')) });
      expect(notIn.statusCode).toBe(400);
      // The victim's group still has its member.
      expect(await victim.members(stat.id)).toEqual([victim.ids.zhang]);
    });

    it('R20-G7 permissions: a staff member without 群组 rights gets 403 on every mutating and reading group route', async () => {
      const t = await groupsTenant(ctx.app);
      const dyn = await t.dynamic(and(city('上海')));
      await t.runTasks();
      const stat = await t.staticGroup();
      const normal = await normalStaff(ctx.app, t.tenantId);
      const xlsx = await idsXlsx([t.ids.zhang]);
      for (const [method, url, body] of [
        ['POST', `${GROUPS}/dynamic`, { name: 'x', updateMode: 'manual', condition: and(city('上海')) }],
        ['PATCH', `${GROUPS}/${dyn.id}`, { name: 'x' }],
        ['POST', `${GROUPS}/${dyn.id}/recompute`, undefined],
        ['POST', `${GROUPS}/${dyn.id}/save-as`, { name: 'x2' }],
        ['PUT', `${GROUPS}/${dyn.id}/folder`, { folderId: null }],
        ['GET', `${GROUPS}/${dyn.id}/versions`, undefined],
        ['POST', `${GROUPS}/${dyn.id}/contacts/search`, {}],
        ['POST', `${GROUPS}/${stat.id}/members/remove`, { contactIds: [t.ids.zhang] }],
        ['POST', `${GROUPS}/${stat.id}/members/import`, uploadBody(xlsx)],
      ] as const) {
        const res = await normal.request(method, url, body as never);
        expect([res.statusCode, `${method} ${url}`]).toEqual([403, `${method} ${url}`]);
      }
    });

    it('R20-G8 bad and huge input answers 400 with a stable code (never 500)', async () => {
      const t = await groupsTenant(ctx.app);
      const stat = await t.staticGroup();
      const leaves = Array.from({ length: 10_000 }, (_, i) => city(`城市${i}`));
      const huge = await t.staff.request('POST', `${GROUPS}/estimate`, { condition: { type: 'and', conditions: leaves } });
      expect([400, 413]).toContain(huge.statusCode);
      expect(typeof huge.body.code).toBe('string');
      const over = await t.staff.request('POST', `${GROUPS}/estimate`, {
        condition: { type: 'and', conditions: leaves.slice(0, 101) },
      });
      expect([over.statusCode, over.body.code]).toEqual([400, 'condition_invalid']);
      let deep: unknown = city('上海');
      for (let i = 0; i < 50; i++) deep = { type: 'and', conditions: [deep] };
      const nested = await t.staff.request('POST', `${GROUPS}/estimate`, { condition: deep });
      expect([nested.statusCode, typeof nested.body.code]).toEqual([400, 'string']);
      for (const name of ['x'.repeat(65), '群'.repeat(65), '😀'.repeat(65), '   ', '']) {
        const res = await t.staff.request('POST', `${GROUPS}/static`, { name });
        expect([res.statusCode, name.length]).toEqual([400, name.length]);
      }
      // 64 four-byte characters fit (utf8mb4) and come back intact.
      const emoji = await t.staff.request('POST', `${GROUPS}/static`, { name: '😀'.repeat(32) });
      expect(emoji.statusCode, JSON.stringify(emoji.body)).toBe(201);
      expect((await t.group(emoji.body.id)).name).toBe('😀'.repeat(32));
      const folder = await t.staff.request('POST', '/api/v1/console/group-folders', { name: 'f'.repeat(10_000) });
      expect(folder.statusCode).toBe(400);
      for (const limit of ['0', '-1', '100000', 'abc', '1.5']) {
        const res = await t.api.request('GET', `/api/v1/groups/${stat.id}/contacts?limit=${limit}`);
        expect([res.statusCode, limit]).toEqual([400, limit]);
      }
      const badCursor = await t.api.request('GET', `/api/v1/groups/${stat.id}/contacts?cursor=${'A'.repeat(5000)}`);
      expect(badCursor.statusCode).toBe(400);
      const tooMany = await t.staff.request('POST', `${GROUPS}/${stat.id}/members`, {
        contactIds: Array.from({ length: 1001 }, (_, i) => String(i + 1)),
      });
      expect(tooMany.statusCode).toBe(400);
      const weird = await t.staff.request('POST', `${GROUPS}/${stat.id}/members`, {
        contactIds: ['0', '-1', '99999999999999999999', '1e3', ' 1', '١٢٣'],
      });
      expect([200, 400]).toContain(weird.statusCode);
      if (weird.statusCode === 200) expect(weird.body.added).toBe(0);
      for (const id of ['0', '-1', '99999999999999999999', 'abc', '1%20OR%201=1']) {
        const res = await t.staff.request('GET', `${GROUPS}/${id}`);
        expect([400, 404], id).toContain(res.statusCode);
      }
    });

    it('R20-G9 an import xlsx: a non-xlsx, an empty sheet, scientific-notation and decimal ids, 20,001 rows', async () => {
      const t = await groupsTenant(ctx.app);
      const stat = await t.staticGroup();
      const url = `${GROUPS}/${stat.id}/members/import`;
      const notXlsx = await t.staff.request('POST', url, uploadBody(Buffer.from('PK\u0003\u0004 garbage')));
      expect([notXlsx.statusCode, notXlsx.body.code]).toEqual([400, 'group_import_file_invalid']);
      const empty = await t.staff.request('POST', url, uploadBody(await idsXlsx([])));
      expect([empty.statusCode, empty.body.code]).toEqual([400, 'group_import_empty']);
      // A contact id typed as a number in Excel (a double) must still match — or be reported, never silently changed.
      const numeric = await t.staff.request('POST', url, uploadBody(await idsXlsx([Number(t.ids.zhang), 1.5, -3])));
      expect(numeric.statusCode, JSON.stringify(numeric.body)).toBe(200);
      expect(numeric.body.added).toBe(1);
      expect(numeric.body.failed.map((f: { code: string }) => f.code)).toEqual([
        'group_import_id_invalid',
        'group_import_id_invalid',
      ]);
      const rows = Array.from({ length: 20_001 }, (_, i) => String(i + 1));
      const big = await t.staff.request('POST', url, uploadBody(await idsXlsx(rows)));
      expect([big.statusCode, big.body.code]).toEqual([400, 'group_import_too_many_rows']);
    });

    it('R20-G10 two processes adding the same contact to a static group at once: one membership, one added', async () => {
      const t = await groupsTenant(ctx.app);
      const stat = await t.staticGroup();
      const results = await Promise.all(
        Array.from({ length: 6 }, () =>
          t.staff.request('POST', `${GROUPS}/${stat.id}/members`, { contactIds: [t.ids.zhang, t.ids.li] }),
        ),
      );
      expect(results.map((r) => r.statusCode)).toEqual([200, 200, 200, 200, 200, 200]);
      expect(results.reduce((sum, r) => sum + Number(r.body.added), 0)).toBe(2);
      const rows = await ctx.app.oltp.forTenant(t.tenantId).from('group_static_member').where('group_id', stat.id);
      expect(rows).toHaveLength(2);
      expect(await t.group(stat.id)).toMatchObject({ memberCount: 2 });
    });

    it('R20-G11 folders: depth 5 by create and by move is 400; a group moved into another tenant’s folder is 404', async () => {
      const t = await groupsTenant(ctx.app);
      const other = await groupsTenant(ctx.app);
      const F = '/api/v1/console/group-folders';
      let parent: string | undefined;
      const ids: string[] = [];
      for (let i = 1; i <= 4; i++) {
        const res = await t.staff.request('POST', F, { name: `L${i}`, parentId: parent });
        expect(res.statusCode).toBe(201);
        parent = res.body.id;
        ids.push(res.body.id);
      }
      expect((await t.staff.request('POST', F, { name: 'L5', parentId: parent })).statusCode).toBe(400);
      const lone = (await t.staff.request('POST', F, { name: 'lone' })).body;
      const move = await t.staff.request('PATCH', `${F}/${lone.id}`, { parentId: ids[3] });
      expect([move.statusCode, move.body.code]).toEqual([400, 'group_folder_too_deep']);
      const foreign = (await other.staff.request('POST', F, { name: 'theirs' })).body;
      const stat = await t.staticGroup();
      expect((await t.staff.request('PUT', `${GROUPS}/${stat.id}/folder`, { folderId: foreign.id })).statusCode).toBe(404);
      expect((await t.staff.request('PATCH', `${F}/${lone.id}`, { parentId: foreign.id })).statusCode).toBe(404);
      // A folder cannot become its own parent.
      const self = await t.staff.request('PATCH', `${F}/${lone.id}`, { parentId: lone.id });
      expect([self.statusCode, self.body.code]).toEqual([400, 'group_folder_move_invalid']);
    });
  },
  { plugins: firstPartyPlugins },
);
