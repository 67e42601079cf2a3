import { expect, it } from 'vitest';
import { Scheduler } from '../../src/jobs/scheduler.js';
import { tenantServiceRef } from '../../src/modules/tenancy/tenant.service.js';
import { groupStatuses } from '../../src/modules/groups/groups.types.js';
import { firstPartyPlugins } from '../support/plugins.js';
import { describeEngines } from '../support/test-app.js';
import { GROUPS, and, bought, city, groupsTenant, inGroup, sorted } from './support.js';
import pino from 'pino';

const silent = pino({ level: 'silent' });

describeEngines(
  'groups: dynamic groups (seed §1.5.1, SPEC §4)',
  (ctx) => {
    it('预估 counts without saving; saving starts the computation: 待计算 → … → 完成, members from the active version', async () => {
      const t = await groupsTenant(ctx.app);
      // A nested condition: 上海 AND (bought OR did not buy… ) — did and did-not events.
      const condition = and(city('上海'), { type: 'or', conditions: [bought(true), { ...bought(false), event: 'purchase' }] });
      const estimate = await t.staff.request('POST', `${GROUPS}/estimate`, { condition });
      expect(estimate.statusCode, JSON.stringify(estimate.body)).toBe(200);
      expect(estimate.body.count).toBe(2);
      const notBought = await t.staff.request('POST', `${GROUPS}/estimate`, { condition: and(bought(false)) });
      expect(notBought.body.count).toBe(2);
      // The estimate wrote nothing.
      expect((await t.staff.request('GET', GROUPS)).body.items).toEqual([]);

      const before = (await t.staff.request('POST', '/api/v1/console/contacts/search', { keyword: '张三' })).body.items[0];
      const group = await t.dynamic(and(city('上海'), bought(true)));
      expect(group.status).toBe('pending');
      expect((await t.group(group.id)).activeVersion).toBeNull();
      expect(await t.members(group.id)).toEqual([]);
      await t.runTasks();
      const done = await t.group(group.id);
      expect(done).toMatchObject({ status: 'done', activeVersion: 1, memberCount: 1, errorCode: null });
      expect(await t.members(group.id)).toEqual([t.ids.zhang]);
      const versions = (await t.staff.request('GET', `${GROUPS}/${group.id}/versions`)).body.items;
      expect(versions).toMatchObject([
        { version: 1, status: 'done', memberCount: 1, addedCount: 1, removedCount: 0, active: true },
      ]);
      // 冗余中 bumped the updated time of the contact whose membership changed (§1.4.2), and only of it.
      const after = (await t.staff.request('POST', '/api/v1/console/contacts/search', { keyword: '张三' })).body.items[0];
      expect(after.updatedAt).toBeGreaterThan(before.updatedAt);
      const wang = (await t.staff.request('POST', '/api/v1/console/contacts/search', { keyword: '王五' })).body.items[0];
      expect(wang.updatedAt).toBeLessThan(after.updatedAt);
      // The condition engine reads the active version: a group leaf in another tree.
      const nested = await t.staff.request('POST', `${GROUPS}/estimate`, { condition: and(inGroup(group.id, 'notIn')) });
      expect(nested.body.count).toBe(3);
      // The member list takes the contact list's filters inside the group.
      expect(await t.members(group.id, { filter: and(city('北京')) })).toEqual([]);
      expect(await t.members(group.id, { keyword: '张' })).toEqual([t.ids.zhang]);
    });

    it('status machine, rule by rule: edit only at 完成; recompute only at 完成 / 计算失败 / 失败; delete refused while computing', async () => {
      const t = await groupsTenant(ctx.app);
      const group = await t.dynamic(and(city('上海')));
      await t.runTasks();
      const editable = new Set(['done']);
      const recomputable = new Set(['done', 'compute_failed', 'failed']);
      const deletable = new Set(['done', 'compute_failed', 'failed']);
      for (const status of groupStatuses) {
        await t.setStatus(group.id, status);
        const edit = await t.staff.request('PATCH', `${GROUPS}/${group.id}`, { name: `改名-${status}` });
        if (editable.has(status)) {
          expect(edit.statusCode, status).toBe(200);
          expect(edit.body.status).toBe('pending');
          await t.runTasks();
          await t.setStatus(group.id, status);
        } else expect([edit.statusCode, edit.body.code], status).toEqual([409, 'group_not_editable']);
        const recompute = await t.staff.request('POST', `${GROUPS}/${group.id}/recompute`);
        if (recomputable.has(status)) {
          expect(recompute.statusCode, status).toBe(200);
          expect(recompute.body.status).toBe('pending');
          await t.runTasks();
          expect((await t.group(group.id)).status).toBe('done');
          await t.setStatus(group.id, status);
        } else expect([recompute.statusCode, recompute.body.code], status).toEqual([409, 'group_not_recomputable']);
        if (!deletable.has(status)) {
          const del = await t.staff.request('DELETE', `${GROUPS}/${group.id}`);
          expect([del.statusCode, del.body.code], status).toEqual([409, 'group_busy']);
        }
      }
      await t.setStatus(group.id, 'done');
      // Static groups never compute.
      const fixed = await t.staticGroup();
      expect((await t.staff.request('POST', `${GROUPS}/${fixed.id}/recompute`)).body.code).toBe('group_not_dynamic');
      expect((await t.staff.request('PATCH', `${GROUPS}/${fixed.id}`, { updateMode: 'daily' })).body.code).toBe(
        'group_not_dynamic',
      );
    });

    it('计算失败 when the version cannot be written, 失败 when the switch fails: the previous version stays active', async () => {
      const t = await groupsTenant(ctx.app);
      const group = await t.dynamic(and(city('上海')));
      await t.runTasks();
      expect(await t.members(group.id)).toEqual(sorted(t.ids.zhang, t.ids.wang));

      t.service.faults.beforeVersionWrite = () => {
        throw new Error('olap down');
      };
      try {
        expect((await t.staff.request('POST', `${GROUPS}/${group.id}/recompute`)).statusCode).toBe(200);
        await t.runTasks();
      } finally {
        t.service.faults = {};
      }
      expect(await t.group(group.id)).toMatchObject({
        status: 'compute_failed',
        errorCode: 'group_compute_error',
        activeVersion: 1,
      });
      expect((await t.staff.request('PATCH', `${GROUPS}/${group.id}`, { name: 'x' })).body.code).toBe('group_not_editable');

      t.service.faults.beforeSwitch = () => {
        throw new Error('crash');
      };
      try {
        expect((await t.staff.request('PATCH', `${GROUPS}/${group.id}`, {})).statusCode).toBe(400);
        expect((await t.staff.request('POST', `${GROUPS}/${group.id}/recompute`)).statusCode).toBe(200);
        await t.runTasks();
      } finally {
        t.service.faults = {};
      }
      expect(await t.group(group.id)).toMatchObject({ status: 'failed', activeVersion: 1 });
      const versions = (await t.staff.request('GET', `${GROUPS}/${group.id}/versions`)).body.items;
      expect(versions.map((v: { version: number; status: string }) => [v.version, v.status])).toEqual([
        [3, 'failed'],
        [2, 'failed'],
        [1, 'done'],
      ]);
      // Consumers still read version 1.
      expect(await t.members(group.id)).toEqual(sorted(t.ids.zhang, t.ids.wang));
      expect((await t.staff.request('POST', `${GROUPS}/${group.id}/recompute`)).statusCode).toBe(200);
      await t.runTasks();
      expect(await t.group(group.id)).toMatchObject({ status: 'done', activeVersion: 4 });
    });

    it('a computation task that ends without finishing (attempts exhausted, cancelled) leaves the group recomputable', async () => {
      const t = await groupsTenant(ctx.app);
      const group = await t.dynamic(and(city('上海')));
      await t.runTasks();
      expect((await t.staff.request('POST', `${GROUPS}/${group.id}/recompute`)).statusCode).toBe(200);
      // The task dies for good before it ran: the group is not stuck at 待计算.
      const task = { tenantId: t.tenantId, kind: 'groups.compute', status: 'failed' as const, payload: { groupId: group.id } };
      await t.service.computeEnded({ ...task, status: 'succeeded' });
      expect((await t.group(group.id)).status).toBe('pending');
      await t.service.computeEnded(task);
      expect(await t.group(group.id)).toMatchObject({
        status: 'compute_failed',
        errorCode: 'group_compute_error',
        activeVersion: 1,
      });
      expect((await t.staff.request('POST', `${GROUPS}/${group.id}/recompute`)).statusCode).toBe(200);
      // One whose version was written ends 失败 (the 冗余 step did not finish).
      await t.setStatus(group.id, 'syncing');
      await t.service.computeEnded({ ...task, status: 'cancelled' });
      expect((await t.group(group.id)).status).toBe('failed');
      // A finished group is left alone.
      await t.runTasks();
      expect((await t.staff.request('POST', `${GROUPS}/${group.id}/recompute`)).statusCode).toBe(200);
      await t.runTasks();
      expect((await t.group(group.id)).status).toBe('done');
      await t.service.computeEnded(task);
      expect((await t.group(group.id)).status).toBe('done');
    });

    it('keeps the last 50 versions (older ones pruned in OLAP and in the list)', async () => {
      const t = await groupsTenant(ctx.app);
      const group = await t.dynamic(and(city('上海')));
      await t.runTasks();
      for (let i = 0; i < 52; i += 1) {
        expect((await t.staff.request('POST', `${GROUPS}/${group.id}/recompute`)).statusCode).toBe(200);
        await t.runTasks();
      }
      const versions = (await t.staff.request('GET', `${GROUPS}/${group.id}/versions`)).body.items as { version: number }[];
      expect(versions).toHaveLength(50);
      expect(versions[0]!.version).toBe(53);
      expect(versions[49]!.version).toBe(4);
      const olap = await t.olapVersions(group.id);
      expect(olap.map(([v]) => v)).toEqual(Array.from({ length: 50 }, (_, i) => i + 4));
      expect(await t.group(group.id)).toMatchObject({ activeVersion: 53, memberCount: 2 });
    }, 120_000);

    it('另存为 copies the conditions into a new group that computes; ids are never reused after a delete', async () => {
      const t = await groupsTenant(ctx.app);
      const group = await t.dynamic(and(city('上海')), { updateMode: 'daily' });
      await t.runTasks();
      const copy = await t.staff.request('POST', `${GROUPS}/${group.id}/save-as`, { name: '上海用户-副本' });
      expect(copy.statusCode, JSON.stringify(copy.body)).toBe(201);
      expect(copy.body).toMatchObject({ kind: 'dynamic', status: 'pending', updateMode: 'daily', name: '上海用户-副本' });
      expect(copy.body.condition).toEqual((await t.group(group.id)).condition);
      expect(copy.body.id).not.toBe(group.id);
      await t.runTasks();
      expect(await t.members(copy.body.id)).toEqual(await t.members(group.id));
      // Names are unique; a deleted group's id is not given again.
      expect((await t.staff.request('POST', `${GROUPS}/${group.id}/save-as`, { name: '上海用户-副本' })).body.code).toBe(
        'group_name_taken',
      );
      // A group another group's conditions use cannot be deleted.
      const user = await t.dynamic(and(inGroup(copy.body.id)));
      await t.runTasks();
      expect((await t.staff.request('DELETE', `${GROUPS}/${copy.body.id}`)).body.code).toBe('group_in_use');
      expect((await t.staff.request('DELETE', `${GROUPS}/${user.id}`)).statusCode).toBe(204);
      expect((await t.staff.request('DELETE', `${GROUPS}/${copy.body.id}`)).statusCode).toBe(204);
      expect((await t.staff.request('GET', `${GROUPS}/${copy.body.id}`)).statusCode).toBe(404);
      expect(await t.olapVersions(copy.body.id)).toEqual([]);
      const next = await t.dynamic(and(city('北京')));
      expect(Number(next.id)).toBeGreaterThan(Number(user.id));
      // A group's conditions cannot name itself; an invalid tree is 400 condition_invalid.
      const self = await t.staff.request('PATCH', `${GROUPS}/${group.id}`, { condition: and(inGroup(group.id)) });
      expect([self.statusCode, self.body.code]).toEqual([400, 'group_condition_self']);
      const invalid = await t.staff.request('POST', `${GROUPS}/dynamic`, {
        name: '坏条件',
        updateMode: 'manual',
        condition: and({ type: 'event', did: true, event: 'nope', time: { kind: 'past', days: 7, includeToday: true } }),
      });
      expect([invalid.statusCode, invalid.body.code]).toEqual([400, 'condition_invalid']);
    });

    it('每天凌晨自动更新: daily groups recompute at 00:10 in the tenant zone, manual ones do not', async () => {
      const app = ctx.app;
      const t = await groupsTenant(app, { timeZone: 'Asia/Shanghai' });
      const daily = await t.dynamic(and(city('上海')), { updateMode: 'daily' });
      const manual = await t.dynamic(and(city('上海')), { updateMode: 'manual' });
      await t.runTasks();
      const entry = app.jobs.scheduler.entry('groups:daily-update');
      expect(entry).toBeDefined();
      const scheduler = new Scheduler(app.service(tenantServiceRef), app.jobs.queue, [entry!], silent);
      // 00:10 Shanghai = 16:10 UTC the day before.
      const dueAt = Date.UTC(2026, 11, 9, 16, 10);
      await scheduler.tick(dueAt - 60_000 + 10_000);
      await t.runTasks();
      expect((await t.group(daily.id)).activeVersion).toBe(1);
      await scheduler.tick(dueAt + 10_000);
      await t.runTasks();
      expect(await t.group(daily.id)).toMatchObject({ status: 'done', activeVersion: 2 });
      expect(await t.group(manual.id)).toMatchObject({ status: 'done', activeVersion: 1 });
      // The same firing never runs twice.
      await scheduler.tick(dueAt + 30_000);
      await t.runTasks();
      expect((await t.group(daily.id)).activeVersion).toBe(2);
    });

    it('export of a group goes through the contact export with the group in its filter', async () => {
      const t = await groupsTenant(ctx.app);
      const group = await t.dynamic(and(city('上海')));
      await t.runTasks();
      const started = await t.staff.request('POST', `${GROUPS}/${group.id}/contacts/export`, { fields: ['name'], filter: null });
      expect(started.statusCode, JSON.stringify(started.body)).toBe(202);
      expect(started.body.count).toBe(2);
      const filtered = await t.staff.request('POST', `${GROUPS}/${group.id}/contacts/export`, {
        fields: ['name'],
        filter: and({ type: 'property', property: 'name', operator: 'eq', values: ['王五'] }),
      });
      expect(filtered.body.count).toBe(1);
    });
  },
  { plugins: firstPartyPlugins },
);
