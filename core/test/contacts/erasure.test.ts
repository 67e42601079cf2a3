import { expect, it } from 'vitest';
import { contactErasuresServiceRef } from '../../src/modules/contact-erasures/contact-erasures.service.js';
import { contactsExtensionPoint, definePlugin, type ContactErasedEvent } from '../../src/plugin-api.js';
import { identify, identityTenant, track } from './support.js';
import { firstPartyPlugins } from '../support/plugins.js';
import { normalStaff } from '../support/staff.js';
import { Client, createTenant, describeEngines, multipart, type TestApp } from '../support/test-app.js';

const APP_ID = 'wx3333333333333333';
/** An SDK track of the second channel's own event. */
const order = (userId: string, amount: number) => ({ type: 'track', userId, event: 'order', properties: { amount } });
const APP_ID_2 = 'wx4444444444444444';

/**
 * A stand-in for the groups module: it implements the contact-deletion hook the way a plugin does
 * (the `contacts.lifecycle` extension point) and records every call. `failOnce` makes the next call
 * for that contact throw once — a crash after the contact's OLTP step, before its erasure was
 * recorded as done.
 */
const probe = {
  calls: [] as ContactErasedEvent[],
  failOnce: new Set<string>(),
};
const hookPlugin = definePlugin({
  id: 'erase-probe',
  version: '1.0.0',
  requires: { core: '^0.1.0' },
  register({ registerInit }) {
    registerInit({
      deps: { contacts: contactsExtensionPoint },
      init({ contacts }) {
        contacts.onContactErased(async (event) => {
          probe.calls.push(event);
          if (probe.failOnce.delete(event.contactId)) throw new Error('groups were not reachable');
        });
      },
    });
  },
});

/**
 * A tenant with a person known in two custom channels (官网: external_id u-1 with a cookie ck-1; APP:
 * external_id app-1) and as an official-account fan (OpenID o-1, UnionID un-1), linked through
 * weChatInfo; a custom field; events in both custom channels; another person (u-2) in 官网; an
 * undeclared event of u-1 and of u-2 in the quarantine.
 */
async function seeded(app: TestApp) {
  const t = await identityTenant(app, [APP_ID, APP_ID_2]);
  expect(
    (await t.staff.request('POST', '/api/v1/metadata/contact-fields', { name: '会员等级', type: 'string' })).statusCode,
  ).toBe(201);
  const second = (await t.staff.request('POST', '/api/v1/channels', { type: 'custom', name: 'APP' })).body;
  const secondApp = (
    await t.staff.request('POST', `/api/v1/p/custom-channel/channels/${second.id}/apps`, {
      platform: 'web',
      name: 'H5',
      domain: 'm.example.com',
    })
  ).body;
  expect(
    (
      await t.staff.request('POST', '/api/v1/metadata/event-types', {
        channelId: second.id,
        code: 'order',
        name: '下单',
        properties: [{ code: 'amount', name: '金额', type: 'number' }],
      })
    ).statusCode,
  ).toBe(201);
  const fan = await t.contacts.recordAccount(t.tenantId, {
    channelId: t.wechat.id,
    idType: 'wechat.openId',
    userId: 'o-1',
    unionId: 'un-1',
  });
  const weChatInfo = { appId: APP_ID, openId: 'o-1', unionId: 'un-1' };
  expect(
    (
      await t.collect('batch', {
        batch: [
          identify('u-1', {
            anonymousId: 'ck-1',
            traits: {
              name: '张三',
              email: 'z@example.com',
              mobilePhone: '13800000000',
              city: '深圳',
              props: { attr1: '金卡' },
              weChatInfo,
            },
          }),
          track({ userId: 'u-1' }, 1),
          track({ anonymousId: 'ck-1' }, 2),
          { type: 'track', userId: 'u-1', event: 'signup' },
          identify('u-2', { traits: { name: '李四' } }),
          track({ userId: 'u-2' }, 3),
          { type: 'track', userId: 'u-2', event: 'signup' },
        ],
      })
    ).statusCode,
  ).toBe(200);
  expect(
    (await t.collect('batch', { batch: [identify('app-1', { traits: { weChatInfo } }), order('app-1', 4)] }, secondApp.writeKey))
      .statusCode,
  ).toBe(200);
  await t.drain();
  const person = (await t.contactOf('u-1'))!;
  expect(await t.contactOf('app-1', 'externalId', String(second.id))).toBe(person);
  expect(await t.contactOf('o-1', 'wechat.openId', t.wechat.id)).toBe(person);
  expect(fan).toBeTruthy();
  const db = () => app.oltp.forTenant(t.tenantId);
  return {
    ...t,
    person,
    other: (await t.contactOf('u-2'))!,
    secondId: String(second.id),
    secondWriteKey: secondApp.writeKey as string,
    /** The person's accounts as channel:idType:userId. */
    accounts: async (contactId: string) =>
      (
        (await db()
          .from('channel_account')
          .where('contact_id', contactId)
          .orderBy('id')
          .select('channel_id', 'id_type', 'user_id')) as {
          channel_id: number | string;
          id_type: string;
          user_id: string;
        }[]
      ).map((a) => `${a.channel_id}:${a.id_type}:${a.user_id}`),
    /** OLAP events per channel of a contact. */
    eventsByChannel: async (contactId: string) =>
      Object.fromEntries(
        (
          await app.olap
            .forTenant(t.tenantId)
            .query('SELECT channel_id AS c, count(*) AS n FROM events WHERE contact_id = ? GROUP BY 1', {
              params: [contactId],
              rowMode: 'json',
            })
        ).rows.map((r) => [String(r.c), Number(r.n)]),
      ),
    pendingInbox: async () =>
      ((await db().from('inbox').whereNull('load_batch_id').select('body')) as { body: string }[]).map((r) => {
        const m = JSON.parse(r.body) as { channelId: string; userId?: string };
        return `${m.channelId}:${m.userId}`;
      }),
    quarantined: async () =>
      ((await db().from('quarantine').select('body')) as { body: string }[]).map((r) => {
        const m = JSON.parse(r.body) as { channelId: string; userId?: string };
        return `${m.channelId}:${m.userId}`;
      }),
    runTasks: async () => {
      while ((await app.jobs.worker.poll()) > 0);
    },
  };
}

describeEngines(
  'contacts: 删除用户数据 and 删除微信GDPR数据 (seed §2.2.6, §1.9.1.3.18; ADR 0037)',
  (ctx) => {
    it('erases a custom-channel user by external_id: exactly the effects the seed lists, nothing of the other channels', async () => {
      const t = await seeded(ctx.app);
      probe.calls.length = 0;
      const before = (await t.contactRow(t.person))!;
      expect(await t.eventsByChannel(t.person)).toEqual({ [t.channelId]: 2, [t.secondId]: 1 });
      expect((await t.quarantined()).sort()).toEqual([`${t.channelId}:u-1`, `${t.channelId}:u-2`]);
      // Accepted but not loaded yet: one of u-1 in 官网, one of the same person in APP, one of u-2.
      await t.collect('batch', { batch: [track({ userId: 'u-1' }, 5), track({ userId: 'u-2' }, 6)] });
      await t.collect('track', order('app-1', 7), t.secondWriteKey);
      expect((await t.pendingInbox()).sort()).toEqual([`${t.channelId}:u-1`, `${t.channelId}:u-2`, `${t.secondId}:app-1`].sort());

      const res = await t.staff.request('POST', '/api/v1/console/contact-erasures', { channelId: t.channelId, userId: 'u-1' });
      expect(res.statusCode).toBe(202);
      expect(res.body).toMatchObject({
        kind: 'customChannelData',
        source: 'single',
        status: 'queued',
        total: 1,
        blankLines: 0,
        duplicates: 0,
      });
      await t.runTasks();

      // (1) the accounts in this channel are gone (external_id and cookie); APP and the official account keep theirs.
      expect((await t.accounts(t.person)).sort()).toEqual(
        [`${t.wechat.id}:wechat.openId:o-1`, `${t.wechat.id}:wechat.unionId:un-1`, `${t.secondId}:externalId:app-1`].sort(),
      );
      expect(await t.contactOf('u-1')).toBeUndefined();
      expect(await t.contactOf('ck-1', 'anonymousId')).toBeUndefined();
      // (2) the contact-deletion hook (groups) was told, once, with the deleted accounts.
      expect(probe.calls).toHaveLength(1);
      expect(probe.calls[0]).toMatchObject({ tenantId: t.tenantId, contactId: t.person, channelId: t.channelId });
      expect(probe.calls[0]!.channelAccountIds).toHaveLength(2);
      // (3) properties blanked, name 已注销; id and created time kept.
      const after = (await t.contactRow(t.person))!;
      expect(after).toMatchObject({ id: before.id, name: '已注销', email: null, mobile: null, city: null, attributes: null });
      expect(Number(after.created_at)).toBe(Number(before.created_at));
      expect(Number(after.updated_at)).toBeGreaterThanOrEqual(Number(before.updated_at));
      const olapContact = (
        await ctx.app.olap.forTenant(t.tenantId).query('SELECT name, email, p_attr1 FROM contact_view WHERE id = ?', {
          params: [t.person],
          rowMode: 'json',
        })
      ).rows;
      expect(olapContact).toEqual([{ name: '已注销', email: null, p_attr1: null }]);
      // (4) this channel's events are gone from OLAP, the inbox and the quarantine; APP's and u-2's stay.
      expect(await t.eventsByChannel(t.person)).toEqual({ [t.secondId]: 1 });
      expect(await t.eventsByChannel(t.other)).toEqual({ [t.channelId]: 1 });
      expect((await t.pendingInbox()).sort()).toEqual([`${t.channelId}:u-2`, `${t.secondId}:app-1`].sort());
      expect(await t.quarantined()).toEqual([`${t.channelId}:u-2`]);
      // Draining what is left does not bring u-1 back in 官网.
      await t.drain();
      expect(await t.contactOf('u-1')).toBeUndefined();
      expect(await t.eventsByChannel(t.person)).toEqual({ [t.secondId]: 2 });
      // u-2 is untouched.
      expect((await t.contactRow(t.other))!.name).toBe('李四');

      // The request, the notification with its downloadable list, and the operation log.
      const erasure = (await t.staff.request('GET', `/api/v1/console/contact-erasures/${res.body.id}`)).body;
      expect(erasure).toMatchObject({ status: 'succeeded', total: 1, deleted: 1, notFound: 0, fileId: expect.any(String) });
      const list = (await t.staff.request('GET', `/api/v1/console/contact-erasures?channelId=${t.channelId}`)).body;
      expect(list.items.map((i: { id: string }) => i.id)).toEqual([res.body.id]);
      const [notification] = (await t.staff.request('GET', '/api/v1/notifications')).body.items;
      expect(notification).toMatchObject({
        kind: 'contact-erasures.erase',
        level: 'success',
        counts: { requested: 1, deleted: 1, notFound: 0 },
      });
      expect(notification.files.map((f: { id: string }) => f.id)).toEqual([erasure.fileId]);
      const file = await t.staff.request('GET', `/api/v1/files/${erasure.fileId}`);
      expect(file.statusCode).toBe(200);
      expect(String(file.body).replace(/^\uFEFF/, '')).toBe(`ID,联系人ID,结果\r\nu-1,${t.person},已删除\r\n`);
      const logs = (await t.staff.request('GET', '/api/v1/operation-logs?objectType=contact&operation=customChannelDataDelete'))
        .body.items;
      expect(logs).toHaveLength(1);
      expect(logs[0]).toMatchObject({ objectId: null, detail: { erasureId: res.body.id, channelId: t.channelId, ids: 1 } });
    });

    it('a TXT batch: blank lines and repeats skipped, unknown ids reported as not found; bad files refused whole', async () => {
      const t = await seeded(ctx.app);
      const upload = (content: string | Buffer, channelId = t.channelId) =>
        t.staff.request(
          'POST',
          `/api/v1/console/contact-erasures/file?channelId=${channelId}`,
          multipart({ filename: 'ids.txt', content, contentType: 'text/plain' }),
        );
      const res = await upload('\uFEFFu-2\r\n\r\nnobody\nu-2  \n   \nu-1\n');
      expect(res.statusCode).toBe(202);
      expect(res.body).toMatchObject({ source: 'file', total: 3, blankLines: 2, duplicates: 1 });
      await t.runTasks();
      const erasure = (await t.staff.request('GET', `/api/v1/console/contact-erasures/${res.body.id}`)).body;
      expect(erasure).toMatchObject({ status: 'succeeded', total: 3, deleted: 2, notFound: 1 });
      const file = await t.staff.request('GET', `/api/v1/files/${erasure.fileId}`);
      expect(
        String(file.body)
          .replace(/^\uFEFF/, '')
          .split('\r\n'),
      ).toEqual(['ID,联系人ID,结果', `u-2,${t.other},已删除`, 'nobody,,未找到', `u-1,${t.person},已删除`, '']);
      expect((await t.contactRow(t.other))!.name).toBe('已注销');

      // Refused as a whole, nothing recorded.
      const tooLong = await upload(`ok\n${'x'.repeat(192)}\nfine\n${'y'.repeat(300)}\n`);
      expect(tooLong.statusCode).toBe(400);
      expect(tooLong.body).toMatchObject({ code: 'contact_erasure_id_too_long', params: { line: '2', max: 191 } });
      expect(tooLong.body.details.map((d: { path: string; code: string }) => `${d.path}:${d.code}`)).toEqual([
        'lines.2:contact_erasure_id_too_long',
        'lines.4:contact_erasure_id_too_long',
      ]);
      expect((await upload('\n \n\r\n')).body.code).toBe('contact_erasure_file_empty');
      const many = Array.from({ length: 10_001 }, (_, i) => `id-${i}`).join('\n');
      expect((await upload(many)).body).toMatchObject({ code: 'contact_erasure_too_many', params: { max: 10_000 } });
      expect((await upload(Buffer.from([0x66, 0xff, 0xfe, 0x0a]))).body.code).toBe('contact_erasure_file_encoding');
      // The largest file takes: ids no account has are settled a chunk at a time.
      const largest = await upload(Array.from({ length: 10_000 }, (_, i) => `id-${i}`).join('\n'));
      expect(largest.statusCode).toBe(202);
      const started = Date.now();
      await t.runTasks();
      expect((await t.staff.request('GET', `/api/v1/console/contact-erasures/${largest.body.id}`)).body).toMatchObject({
        status: 'succeeded',
        deleted: 0,
        notFound: 10_000,
      });
      expect(Date.now() - started).toBeLessThan(30_000);
      // A channel type without erasure (a mini-program) is refused.
      const mini = (
        await t.staff.request('POST', '/api/v1/channels', {
          type: 'miniprogram',
          name: '小程序',
          channelKey: 'wx5555555555555555',
        })
      ).body;
      if (mini.id) {
        const refused = await t.staff.request('POST', '/api/v1/console/contact-erasures', { channelId: mini.id, userId: 'x' });
        expect(refused.statusCode).toBe(400);
        expect(refused.body.code).toBe('contact_erasure_channel_unsupported');
      }
      expect((await t.staff.request('GET', '/api/v1/console/contact-erasures/template')).body).toBe(
        'external_id_1\nexternal_id_2\n',
      );
    });

    it('删除微信GDPR数据 by OpenID or UnionID: the fan’s accounts of that official account only', async () => {
      const t = await seeded(ctx.app);
      probe.calls.length = 0;
      // The same person followed the second official account too (its UnionID there).
      await t.contacts.recordAccount(t.tenantId, {
        channelId: t.wechat2.id,
        idType: 'wechat.openId',
        userId: 'o-2',
        unionId: 'un-1',
      });
      // One person (the unionId merged the new fan into them; the survivor may be either id).
      const person = (await t.contactOf('o-2', 'wechat.openId', t.wechat2.id))!;
      expect(await t.contactOf('u-1')).toBe(person);
      const res = await t.staff.request('POST', '/api/v1/console/contact-erasures', { channelId: t.wechat.id, userId: 'un-1' });
      expect(res.statusCode).toBe(202);
      expect(res.body.kind).toBe('wechatGdpr');
      await t.runTasks();
      expect((await t.accounts(person)).sort()).toEqual(
        [
          `${t.channelId}:anonymousId:ck-1`,
          `${t.channelId}:externalId:u-1`,
          `${t.secondId}:externalId:app-1`,
          `${t.wechat2.id}:wechat.openId:o-2`,
          `${t.wechat2.id}:wechat.unionId:un-1`,
        ].sort(),
      );
      expect((await t.contactRow(person))!.name).toBe('已注销');
      expect(probe.calls.map((c) => c.channelId)).toEqual([t.wechat.id]);
      // By OpenID in the second account; an OpenID of another account is not found here.
      const again = await t.staff.request('POST', '/api/v1/console/contact-erasures', { channelId: t.wechat2.id, userId: 'o-2' });
      const missing = await t.staff.request('POST', '/api/v1/console/contact-erasures', {
        channelId: t.wechat2.id,
        userId: 'o-1',
      });
      await t.runTasks();
      expect((await t.staff.request('GET', `/api/v1/console/contact-erasures/${again.body.id}`)).body).toMatchObject({
        deleted: 1,
      });
      expect((await t.staff.request('GET', `/api/v1/console/contact-erasures/${missing.body.id}`)).body).toMatchObject({
        deleted: 0,
        notFound: 1,
      });
      expect(await t.contactOf('o-2', 'wechat.openId', t.wechat2.id)).toBeUndefined();
      const logs = (await t.staff.request('GET', '/api/v1/operation-logs?objectType=contact&operation=wechatGdprDelete')).body
        .items;
      expect(logs).toHaveLength(3);
    });

    it('a crash mid-way resumes where it stopped: no id half-erased, none erased twice', async () => {
      const t = await seeded(ctx.app);
      await t.collect('batch', { batch: [identify('u-3', { traits: { name: '王五' } }), track({ userId: 'u-3' }, 9)] });
      await t.drain();
      const third = (await t.contactOf('u-3'))!;
      probe.calls.length = 0;
      // The hook fails for u-2's contact: after its OLTP step committed, before it was recorded done.
      probe.failOnce.add(t.other);
      const res = await t.staff.request(
        'POST',
        `/api/v1/console/contact-erasures/file?channelId=${t.channelId}`,
        multipart({ filename: 'ids.txt', content: 'u-1\nu-2\nu-3\n', contentType: 'text/plain' }),
      );
      expect(res.statusCode).toBe(202);
      await ctx.app.jobs.worker.poll();
      const db = () => ctx.app.oltp.forTenant(t.tenantId);
      const states = async () =>
        (
          (await db().from('contact_erasure_item').where('erasure_id', res.body.id).orderBy('id').select('user_id', 'state')) as {
            user_id: string;
            state: string;
          }[]
        ).map((r) => `${r.user_id}:${r.state}`);
      // Stopped: u-1 and u-3 … the chunk's OLTP steps ran for all three, u-1's and u-3's were not
      // yet recorded done either (the chunk's second step failed at u-2): every contact is either
      // fully blanked with its accounts gone, or untouched.
      const midway = await states();
      expect(midway).toEqual(['u-1:erasing', 'u-2:erasing', 'u-3:erasing']);
      for (const id of [t.person, t.other, third]) expect((await t.contactRow(id))!.name).toBe('已注销');
      expect(await t.contactOf('u-2')).toBeUndefined();
      const task = (await t.staff.request('GET', `/api/v1/tasks/${res.body.taskId}`)).body;
      expect(task.status).toBe('queued');
      expect((await t.staff.request('GET', `/api/v1/console/contact-erasures/${res.body.id}`)).body.status).toBe('running');

      // The retry resumes: step 2 for the three, nothing of step 1 again.
      await db().from('task').where('task.id', res.body.taskId).update({ run_at: 0 });
      await t.runTasks();
      expect(await states()).toEqual(['u-1:deleted', 'u-2:deleted', 'u-3:deleted']);
      expect((await t.staff.request('GET', `/api/v1/console/contact-erasures/${res.body.id}`)).body).toMatchObject({
        status: 'succeeded',
        deleted: 3,
        notFound: 0,
      });
      // At least once each (u-1 before the failure, then all three again): idempotent listeners.
      expect(probe.calls.map((c) => c.contactId)).toEqual([t.person, t.other, t.person, t.other, third]);
      for (const id of [t.other, third]) expect(await t.eventsByChannel(id)).toEqual({});
      expect(await t.eventsByChannel(t.person)).toEqual({ [t.secondId]: 1 });
    });

    it('a crash inside the OLTP step leaves the id pending and the person untouched', async () => {
      const t = await seeded(ctx.app);
      const before = await t.accounts(t.other);
      const res = await t.staff.request('POST', '/api/v1/console/contact-erasures', { channelId: t.channelId, userId: 'u-2' });
      // The erasure's own write fails after the contact's (same transaction): both roll back.
      const db = () => ctx.app.oltp.forTenant(t.tenantId);
      const repo = (
        ctx.app.service(contactErasuresServiceRef) as unknown as {
          repo: { setItem: (...args: unknown[]) => Promise<void> };
        }
      ).repo;
      const setItem = repo.setItem.bind(repo);
      repo.setItem = async () => {
        throw new Error('killed');
      };
      try {
        await ctx.app.jobs.worker.poll();
      } finally {
        repo.setItem = setItem;
      }
      expect(await t.accounts(t.other)).toEqual(before);
      expect((await t.contactRow(t.other))!.name).toBe('李四');
      expect(
        ((await db().from('contact_erasure_item').where('erasure_id', res.body.id).select('state')) as { state: string }[])[0]!
          .state,
      ).toBe('pending');
      await db().from('task').where('task.id', res.body.taskId).update({ run_at: 0 });
      await t.runTasks();
      expect((await t.contactRow(t.other))!.name).toBe('已注销');
      expect(await t.contactOf('u-2')).toBeUndefined();
    });

    it('needs 连接-编辑; another tenant’s channel or request is not found', async () => {
      const t = await seeded(ctx.app);
      const normal = await normalStaff(ctx.app, t.tenantId);
      const denied = await normal.request('POST', '/api/v1/console/contact-erasures', { channelId: t.channelId, userId: 'u-1' });
      expect(denied.statusCode).toBe(403);
      expect((await normal.request('GET', '/api/v1/console/contact-erasures')).statusCode).toBe(403);

      const started = await t.staff.request('POST', '/api/v1/console/contact-erasures', {
        channelId: t.channelId,
        userId: 'nobody',
      });
      const other = await createTenant(ctx.app);
      const intruder = await Client.staff(ctx.app.server, other.email, other.password);
      const foreign = await intruder.request('POST', '/api/v1/console/contact-erasures', {
        channelId: t.channelId,
        userId: 'u-1',
      });
      expect(foreign.statusCode).toBe(404);
      expect(foreign.body.code).toBe('channel_not_found');
      const foreignFile = await intruder.request(
        'POST',
        `/api/v1/console/contact-erasures/file?channelId=${t.channelId}`,
        multipart({ filename: 'ids.txt', content: 'u-1\n', contentType: 'text/plain' }),
      );
      expect(foreignFile.statusCode).toBe(404);
      expect((await intruder.request('GET', `/api/v1/console/contact-erasures/${started.body.id}`)).statusCode).toBe(404);
      expect((await intruder.request('GET', `/api/v1/console/contact-erasures?channelId=${t.channelId}`)).statusCode).toBe(404);
      expect((await intruder.request('GET', '/api/v1/console/contact-erasures')).body.items).toEqual([]);
      await t.runTasks();
      expect(await t.contactOf('u-1')).toBe(t.person);
    });
  },
  { plugins: [...firstPartyPlugins, hookPlugin] },
);
