import { describe, expect, it, onTestFinished } from 'vitest';
import { channelsServiceRef } from '../../src/modules/channels/channels.service.js';
import { contactsServiceRef } from '../../src/modules/contacts/contacts.service.js';
import { EXTERNAL_ID } from '../../src/modules/contacts/contacts.types.js';
import { pluginEnablementRef } from '../../src/modules/tenant-plugins/plugin-enablement.js';
import { isDomainError } from '../../src/server/errors.js';
import { definePlugin, channelsExtensionPoint, RateLimitError, type PluginIngest } from '../../src/plugin-api.js';
import { startTestKernel } from '../../src/testing.js';
import { ingestOf, mall, shop, shopPay, youzan } from '../fixtures/shop.plugin.js';
import { ingestTenant, uuidv7 } from '../ingestion/support.js';
import { kernelEngine, testEngines } from '../support/engines.js';
import { firstPartyPlugins } from '../support/plugins.js';
import { createTestApp, createTestStore, describeEngines, type TestApp } from '../support/test-app.js';

const plugins = [...firstPartyPlugins, shop, mall, youzan, shopPay];
const HOUR = 3600_000;

/**
 * A tenant with the collect/Open API set-up of `ingestTenant` (custom channel 官网, purchase event)
 * plus two shop channels, a mall channel and a Youzan shop, registered as their connectors would.
 */
async function shopTenant(app: TestApp) {
  const t = await ingestTenant(app);
  const channels = app.service(channelsServiceRef);
  const register = async (type: string, name: string) =>
    (await channels.register(t.tenantId, { type, name, channelKey: `${type}-${uuidv7().slice(-12)}` }, null)).id;
  const shopId = await register('shop', '旗舰店');
  const shop2Id = await register('shop', '分店');
  const mallId = await register('mall', '商城');
  const youzanId = await register('youzan', '有赞店');
  const contacts = app.service(contactsServiceRef);
  const member = (userId: string, channelId = shopId) => ({
    tenantId: t.tenantId,
    channelId,
    userIdType: 'shop.memberId',
    userId,
  });
  const inboxCount = async () =>
    Number(((await app.oltp.forTenant(t.tenantId).from('inbox').count({ n: '*' }).first()) as { n: number | string }).n);
  const quarantined = async () => {
    const res = await t.staff.request('GET', '/api/v1/ingestion/quarantine?pageSize=100');
    expect(res.statusCode, JSON.stringify(res.body).slice(0, 500)).toBe(200);
    return res.body.items as {
      reason: string;
      event: string | null;
      messageId: string;
      message: Record<string, unknown>;
    }[];
  };
  return { ...t, shopId, shop2Id, mallId, youzanId, contacts, member, inboxCount, quarantined };
}

/** The DomainError a call was refused with. */
async function refusal(call: Promise<unknown>) {
  try {
    await call;
  } catch (error) {
    if (isDomainError(error))
      return { code: error.code, statusCode: error.statusCode, details: error.details, params: error.params };
    throw error;
  }
  throw new Error('expected the call to be refused');
}

describeEngines(
  'plugin write path: coreServices.ingest (issue 19, ADR 0038)',
  (ctx) => {
    it('identify then track: the contact holds the traits, the account the plugin’s id type, the events are in OLAP and on the timeline', async () => {
      const t = await shopTenant(ctx.app);
      const ingest = ingestOf('shop');
      const base = Date.now() - 3 * HOUR;
      const identified = await ingest.identify({
        ...t.member('m-1'),
        traits: { name: '王五', mobilePhone: '13900000000', gender: 'male', birthday: '1991-02-03' },
        timestamp: new Date(base).toISOString(),
      });
      expect(identified.messageId).toMatch(/^[0-9a-f-]{36}$/);
      const paid = await ingest.track({
        ...t.member('m-1'),
        event: 'shop_order_paid',
        properties: { s_orderNo: 'NO-1', s_orderAmount: '99.5' },
        messageId: 'shop-order-NO-1-paid',
        timestamp: base + HOUR,
      });
      expect(paid).toEqual({ messageId: 'shop-order-NO-1-paid' });
      await ingest.track({
        ...t.member('m-1'),
        event: 'shop_coupon_sent',
        properties: { s_couponName: '满100减10' },
        timestamp: base + 2 * HOUR,
      });
      // Durable, not applied yet: the worker resolves identity in order.
      expect(await ingest.contactOf(t.member('m-1'))).toBeUndefined();
      expect(await t.drain()).toBe(3);

      const contactId = (await ingest.contactOf(t.member('m-1')))!;
      expect(contactId).toBeTruthy();
      const row = await t.contacts.contact(t.tenantId, contactId);
      // Connectors may write the birthday, as SDKs and CSV sync do (only the Open API may not).
      expect(row).toMatchObject({ name: '王五', mobile: '13900000000', gender: 'male', birthday: '1991-02-03' });
      expect(Boolean(row!.identified)).toBe(true);
      // Last active: the inbound order, not the outbound coupon sent later.
      expect(Number(row!.last_active_at)).toBe(base + HOUR);
      expect(Number(row!.first_seen_at)).toBe(base);
      const accounts = await t.contacts.accountsOf(t.tenantId, contactId);
      expect(accounts.map((a) => [String(a.channel_id), a.id_type, a.user_id])).toEqual([[t.shopId, 'shop.memberId', 'm-1']]);

      const events = await t.events();
      expect(
        events.map((e) => [e.event, e.direction, String(e.contact_id), String(e.channel_id), String(e.channel_account_id)]),
      ).toEqual([
        ['shop_order_paid', 'inbound', contactId, t.shopId, String(accounts[0]!.id)],
        ['shop_coupon_sent', 'outbound', contactId, t.shopId, String(accounts[0]!.id)],
      ]);
      const typed = await ctx.app.olap
        .forTenant(t.tenantId)
        .query('SELECT s_orderNo, s_orderAmount FROM event_view WHERE event = ?', {
          params: ['shop_order_paid'],
          rowMode: 'json',
        });
      expect(typed.rows).toEqual([{ s_orderNo: 'NO-1', s_orderAmount: 99.5 }]);

      const timeline = await t.staff.request('GET', `/api/v1/console/contacts/${contactId}/timeline`);
      expect(timeline.statusCode, JSON.stringify(timeline.body)).toBe(200);
      expect(
        timeline.body.items.map((e: Record<string, unknown>) => [
          e.event,
          e.direction,
          e.channelId,
          e.channelType,
          e.channelName,
        ]),
      ).toEqual([
        ['shop_coupon_sent', 'outbound', t.shopId, 'shop', '旗舰店'],
        ['shop_order_paid', 'inbound', t.shopId, 'shop', '旗舰店'],
      ]);
      const detail = await t.staff.request('GET', `/api/v1/console/contacts/${contactId}`);
      expect(detail.body.accounts).toEqual([
        expect.objectContaining({ channelId: t.shopId, idType: 'shop.memberId', userId: 'm-1' }),
      ]);
    });

    it('stores a repeated messageId once (within a batch, across calls, after the drain)', async () => {
      const t = await shopTenant(ctx.app);
      const ingest = ingestOf('shop');
      const order = {
        ...t.member('m-dup'),
        event: 'shop_order_paid',
        properties: { s_orderNo: 'NO-9' },
        messageId: 'webhook-77',
      };
      expect(await ingest.trackBatch([order, order])).toEqual({ messageIds: ['webhook-77', 'webhook-77'] });
      expect(await ingest.track(order)).toEqual({ messageId: 'webhook-77' });
      expect(await t.inboxCount()).toBe(1);
      await t.drain();
      // The platform resends its webhook a day later: still once.
      await ingest.track(order);
      await t.drain();
      expect((await t.events()).map((e) => e.message_id)).toEqual(['webhook-77']);
    });

    it('leaves everything inside a message to the worker: undeclared event, bad traits, bad time and blocked ids are quarantined', async () => {
      const t = await shopTenant(ctx.app);
      const ingest = ingestOf('shop');
      await ingest.track({ ...t.member('m-q'), event: 'shop_refund', messageId: 'q-undeclared' });
      await ingest.identify({ ...t.member('m-q'), traits: { gender: 'robot' }, messageId: 'q-traits' });
      await ingest.identify({ ...t.member('m-q'), traits: 'name' as never, messageId: 'q-traits-type' });
      await ingest.track({ ...t.member('m-q'), event: 'shop_order_paid', timestamp: 'yesterday', messageId: 'q-time' });
      await ingest.track({ ...t.member('null'), event: 'shop_order_paid', messageId: 'q-blocked' });
      await ingest.track({ ...t.member('m-q'), event: '', messageId: 'q-empty' });
      await t.drain();
      expect(await t.events()).toEqual([]);
      const byId = Object.fromEntries((await t.quarantined()).map((q) => [q.messageId, q]));
      expect(Object.fromEntries(Object.entries(byId).map(([id, q]) => [id, q.reason]))).toEqual({
        'q-undeclared': 'event_undeclared',
        'q-traits': 'traits_invalid',
        'q-traits-type': 'traits_invalid',
        'q-time': 'event_time_invalid',
        'q-blocked': 'identity_blocked',
        'q-empty': 'event_missing',
      });
      // 数据质量 shows where it came from; replayed once declared, it loads like any message.
      expect(byId['q-undeclared']!.message).toMatchObject({
        via: 'plugin',
        pluginId: 'shop',
        userIdType: 'shop.memberId',
        userId: 'm-q',
        channelId: t.shopId,
      });
      const quality = await t.staff.request('GET', '/api/v1/ingestion/quality?days=1');
      expect(quality.body.quarantine).toEqual(
        expect.arrayContaining([expect.objectContaining({ reason: 'event_undeclared', event: 'shop_refund', count: 1 })]),
      );
      // A quarantined message changes no one: no account, no contact.
      expect(await ingest.contactOf(t.member('null'))).toBeUndefined();
      expect(await ingest.contactOf(t.member('m-q'))).toBeUndefined();
    });

    it('refuses at call time a channel of another tenant, of another plugin’s type, a wrong user-ID type and bad ids — nothing is appended', async () => {
      const t = await shopTenant(ctx.app);
      const other = await shopTenant(ctx.app);
      const ingest = ingestOf('shop');
      const cases: [Parameters<PluginIngest['track']>[0], string, string][] = [
        [{ ...t.member('m'), channelId: other.shopId, event: 'shop_order_paid' }, 'channel_not_found', 'channelId'],
        [{ ...t.member('m'), channelId: '999999999', event: 'shop_order_paid' }, 'channel_not_found', 'channelId'],
        [{ ...t.member('m'), channelId: t.mallId, event: 'shop_order_paid' }, 'ingest_channel_type_not_owned', 'channelId'],
        [{ ...t.member('m'), channelId: t.channelId, event: 'shop_order_paid' }, 'ingest_channel_type_not_owned', 'channelId'],
        [{ ...t.member('m'), userIdType: 'mall.buyerId', event: 'shop_order_paid' }, 'ingest_user_id_type_invalid', 'userIdType'],
        [{ ...t.member('m'), userIdType: EXTERNAL_ID, event: 'shop_order_paid' }, 'ingest_user_id_type_invalid', 'userIdType'],
        [{ ...t.member(''), event: 'shop_order_paid' }, 'ingest_user_id_invalid', 'userId'],
        [{ ...t.member('   '), event: 'shop_order_paid' }, 'ingest_user_id_invalid', 'userId'],
        [{ ...t.member('x'.repeat(192)), event: 'shop_order_paid' }, 'ingest_user_id_invalid', 'userId'],
        [{ ...t.member(42 as never), event: 'shop_order_paid' }, 'ingest_user_id_invalid', 'userId'],
        [{ ...t.member('m'), event: 7 as never }, 'ingest_event_invalid', 'event'],
        [{ ...t.member('m'), event: 'shop_order_paid', messageId: '' }, 'ingest_message_id_invalid', 'messageId'],
        [{ ...t.member('m'), tenantId: 'acme' as never, event: 'shop_order_paid' }, 'ingest_input_invalid', 'tenantId'],
      ];
      for (const [input, code, path] of cases) {
        const refused = await refusal(ingest.track(input));
        expect(refused, JSON.stringify(input).slice(0, 120)).toMatchObject({ code, statusCode: 400, details: [{ path }] });
      }
      // The other plugin's own channel and id type are fine for it, refused for the shop only.
      expect(
        (await ingestOf('mall').track({ ...t.member('b-1', t.mallId), userIdType: 'mall.buyerId', event: 'shop_order_paid' }))
          .messageId,
      ).toBeTruthy();
      // A 192-character id fits nothing; 191 does.
      expect((await ingest.track({ ...t.member('y'.repeat(191)), event: 'shop_order_paid' })).messageId).toBeTruthy();
      expect(await t.inboxCount()).toBe(2);
      expect(await other.inboxCount()).toBe(0);
      expect(await refusal(ingest.contactOf({ ...t.member('m'), channelId: other.shopId }))).toMatchObject({
        code: 'channel_not_found',
      });
      expect(await refusal(ingest.contactOf({ ...t.member('m'), channelId: t.mallId }))).toMatchObject({
        code: 'ingest_channel_type_not_owned',
      });
    });

    it('refuses a suspended tenant as the Open API does (401), reads included', async () => {
      const t = await shopTenant(ctx.app);
      const ingest = ingestOf('shop');
      await ctx.app.oltp.knex('tenant').where('id', t.tenantId).update({ status: 'suspended' });
      try {
        const open = await t.api.request('POST', '/api/v1/events/track', {
          channelId: t.channelKey,
          externalId: 'u',
          event: 'purchase',
        });
        expect(open.statusCode).toBe(401);
        // Thunks: each call starts only when awaited (an eager array would leave later rejections unhandled).
        for (const call of [
          () => ingest.track({ ...t.member('m'), event: 'shop_order_paid' }),
          () => ingest.identifyBatch([{ ...t.member('m') }]),
          () => ingest.contactOf(t.member('m')),
          () => ingest.userIdsOf({ tenantId: t.tenantId, contactId: '1', userIdType: 'shop.memberId' }),
        ])
          expect(await refusal(call())).toMatchObject({ code: 'ingest_tenant_inactive', statusCode: 401 });
        expect(await t.inboxCount()).toBe(0);
      } finally {
        await ctx.app.oltp.knex('tenant').where('id', t.tenantId).update({ status: 'active' });
      }
    });

    it('refuses a plugin switched off for the tenant (403 plugin_disabled) — that tenant only, until switched on again', async () => {
      const t = await shopTenant(ctx.app);
      const other = await shopTenant(ctx.app);
      const ingest = ingestOf('shop');
      const enablement = ctx.app.service(pluginEnablementRef);
      // shop-pay depends on the shop: it goes off first.
      await enablement.setEnabled(t.tenantId, 'shop-pay', false, null);
      await enablement.setEnabled(t.tenantId, 'shop', false, null);
      try {
        for (const call of [
          () => ingest.track({ ...t.member('m'), event: 'shop_order_paid' }),
          () => ingest.identify({ ...t.member('m') }),
          () => ingest.contactOf(t.member('m')),
        ])
          expect(await refusal(call())).toMatchObject({ code: 'plugin_disabled', statusCode: 403, params: { plugin: 'shop' } });
        expect(await t.inboxCount()).toBe(0);
        // Another tenant's switch is its own.
        expect((await ingest.track({ ...other.member('m'), event: 'shop_order_paid' })).messageId).toBeTruthy();
      } finally {
        await enablement.setEnabled(t.tenantId, 'shop', true, null);
        await enablement.setEnabled(t.tenantId, 'shop-pay', true, null);
      }
      expect((await ingest.track({ ...t.member('m'), event: 'shop_order_paid' })).messageId).toBeTruthy();
      expect(await t.inboxCount()).toBe(1);
    });

    it('lets a plugin that extends the shop write for the shop’s channels; a plugin that does not is refused', async () => {
      const t = await shopTenant(ctx.app);
      const refund = { ...t.member('m-9'), event: 'shop_pay_refunded', messageId: 'refund-1' };
      expect(await ingestOf('shop-pay').track(refund)).toEqual({ messageId: 'refund-1' });
      expect(await refusal(ingestOf('mall').track({ ...refund, messageId: 'refund-2' }))).toMatchObject({
        code: 'ingest_channel_type_not_owned',
      });
      await t.drain();
      expect((await t.events()).map((e) => [e.event, String(e.channel_id)])).toEqual([['shop_pay_refunded', t.shopId]]);
    });

    it('appends a batch all or nothing: one bad item refuses the call and names its index', async () => {
      const t = await shopTenant(ctx.app);
      const ingest = ingestOf('shop');
      const order = (userId: string, extra: Record<string, unknown> = {}) => ({
        ...t.member(userId),
        event: 'shop_order_paid',
        properties: { s_orderNo: `NO-${userId}` },
        ...extra,
      });
      const bad = await refusal(ingest.trackBatch([order('a'), order('b'), order('c', { userIdType: 'mall.buyerId' })]));
      expect(bad).toMatchObject({
        code: 'ingest_user_id_type_invalid',
        statusCode: 400,
        details: [{ path: 'batch.2.userIdType', code: 'ingest_user_id_type_invalid' }],
        params: { path: 'batch.2.userIdType' },
      });
      const foreign = await refusal(ingest.identifyBatch([t.member('a'), { ...t.member('b'), channelId: t.channelId }]));
      expect(foreign).toMatchObject({ code: 'ingest_channel_type_not_owned', details: [{ path: 'batch.1.channelId' }] });
      // The collect API's limits: 32 KB a message, 500 KB a call, 2,000 messages.
      const big = await refusal(
        ingest.trackBatch([order('a'), order('b', { properties: { s_orderNo: 'x'.repeat(33 * 1024) } })]),
      );
      expect(big).toMatchObject({ code: 'message_too_large', statusCode: 400, details: [{ path: 'batch.1' }] });
      const large = await refusal(
        ingest.trackBatch(
          Array.from({ length: 20 }, (_, i) => order(`l-${i}`, { properties: { s_orderNo: 'x'.repeat(30 * 1024) } })),
        ),
      );
      expect(large).toMatchObject({ code: 'request_too_large', statusCode: 413 });
      const many = await refusal(ingest.trackBatch(Array.from({ length: 2001 }, (_, i) => order(`n-${i}`))));
      expect(many).toMatchObject({ code: 'ingest_batch_too_large', statusCode: 400, params: { limit: 2000 } });
      expect(await t.inboxCount()).toBe(0);

      const ok = await ingest.trackBatch([order('a'), order('b'), order('c')]);
      expect(ok.messageIds).toHaveLength(3);
      expect(await ingest.identifyBatch([])).toEqual({ messageIds: [] });
      await t.drain();
      expect((await t.events()).map((e) => e.message_id).sort()).toEqual([...ok.messageIds].sort());
    });

    it('finds the contact of a user id and the user ids of a contact, following merges, in the plugin’s own channels only', async () => {
      const t = await shopTenant(ctx.app);
      const shopIngest = ingestOf('shop');
      const mallIngest = ingestOf('mall');
      await shopIngest.identifyBatch([
        { ...t.member('m-1'), traits: { name: '甲' } },
        { ...t.member('m-2', t.shop2Id), traits: { name: '甲' } },
      ]);
      // The mall's channel type owns shop.memberId too: an account of that type in the mall's channel.
      await mallIngest.identify({ ...t.member('m-3', t.mallId) });
      await t.drain();
      const first = (await shopIngest.contactOf(t.member('m-1')))!;
      const second = (await shopIngest.contactOf(t.member('m-2', t.shop2Id)))!;
      expect(first).not.toBe(second);
      expect(await shopIngest.contactOf(t.member('m-2'))).toBeUndefined();
      expect(await shopIngest.userIdsOf({ tenantId: t.tenantId, contactId: first, userIdType: 'shop.memberId' })).toEqual([
        { channelId: t.shopId, userId: 'm-1' },
      ]);

      const merge = await t.contacts.merge(t.tenantId, [first, second], { rule: 'manual', actorStaffId: null });
      const { survivorId, mergedId } = merge!;
      for (const userId of ['m-1', 'm-2'])
        expect(await shopIngest.contactOf(t.member(userId, userId === 'm-1' ? t.shopId : t.shop2Id))).toBe(survivorId);
      const both = [
        { channelId: t.shopId, userId: 'm-1' },
        { channelId: t.shop2Id, userId: 'm-2' },
      ].sort((a, b) => Number(a.channelId) - Number(b.channelId));
      // A merged-away id answers with its survivor's ids.
      for (const contactId of [survivorId, mergedId])
        expect(await shopIngest.userIdsOf({ tenantId: t.tenantId, contactId, userIdType: 'shop.memberId' })).toEqual(both);
      expect(
        await shopIngest.userIdsOf({
          tenantId: t.tenantId,
          contactId: mergedId,
          userIdType: 'shop.memberId',
          channelId: t.shop2Id,
        }),
      ).toEqual([{ channelId: t.shop2Id, userId: 'm-2' }]);
      // Merge the mall's contact in too: the shop still sees only its channels, the mall only its own.
      const mallContact = (await mallIngest.contactOf({ ...t.member('m-3', t.mallId) }))!;
      await t.contacts.merge(t.tenantId, [survivorId, mallContact], { rule: 'manual', actorStaffId: null });
      expect(await shopIngest.userIdsOf({ tenantId: t.tenantId, contactId: first, userIdType: 'shop.memberId' })).toEqual(both);
      expect(await mallIngest.userIdsOf({ tenantId: t.tenantId, contactId: first, userIdType: 'shop.memberId' })).toEqual([
        { channelId: t.mallId, userId: 'm-3' },
      ]);
      expect(await mallIngest.userIdsOf({ tenantId: t.tenantId, contactId: first, userIdType: 'mall.buyerId' })).toEqual([]);
      // Unknown or another tenant's contact: nothing. A type none of the plugin's channel types owns: refused.
      const other = await shopTenant(ctx.app);
      expect(await shopIngest.userIdsOf({ tenantId: other.tenantId, contactId: first, userIdType: 'shop.memberId' })).toEqual([]);
      expect(await shopIngest.userIdsOf({ tenantId: t.tenantId, contactId: '987654321', userIdType: 'shop.memberId' })).toEqual(
        [],
      );
      expect(
        await refusal(shopIngest.userIdsOf({ tenantId: t.tenantId, contactId: first, userIdType: 'mall.buyerId' })),
      ).toMatchObject({ code: 'ingest_user_id_type_invalid', details: [{ path: 'userIdType' }] });
      expect(
        await refusal(
          shopIngest.userIdsOf({ tenantId: t.tenantId, contactId: first, userIdType: 'shop.memberId', channelId: t.mallId }),
        ),
      ).toMatchObject({ code: 'ingest_channel_type_not_owned' });

      // A later track of either id lands on the survivor.
      await shopIngest.track({ ...t.member('m-2', t.shop2Id), event: 'shop_order_paid' });
      await t.drain();
      expect((await t.events()).map((e) => String(e.contact_id))).toEqual([survivorId]);
    });

    it('merges through the same rules as the other sources: a weChatInfo in the traits joins the official account’s fan', async () => {
      const t = await shopTenant(ctx.app);
      const appId = `wx${uuidv7().replace(/-/g, '').slice(-16)}`;
      const wechat = await ctx.app
        .service(channelsServiceRef)
        .register(t.tenantId, { type: 'wechat', name: '服务号', channelKey: appId }, null);
      const fan = await t.contacts.recordAccount(t.tenantId, {
        channelId: wechat.id,
        idType: 'wechat.openId',
        userId: 'o-fan-1',
      });
      await ingestOf('shop').identify({
        ...t.member('m-wx'),
        traits: { name: '粉丝', weChatInfo: { appId, openId: 'o-fan-1' } },
      });
      await t.drain();
      expect(await ingestOf('shop').contactOf(t.member('m-wx'))).toBe(await t.contacts.currentId(t.tenantId, fan));
    });

    it('a collect or Open API message carrying the internal fields is resolved as before (by externalId)', async () => {
      const t = await shopTenant(ctx.app);
      const internal = { userIdType: 'shop.memberId', via: 'plugin', pluginId: 'shop' };
      expect((await t.collect('identify', { userId: 'spoof-1', traits: { name: '冒充' }, ...internal })).statusCode).toBe(200);
      // The Open API names a channel by its key — the shop's channel too — and takes extra fields.
      const shopKey = (await ctx.app.service(channelsServiceRef).get(t.tenantId, t.shopId)).channelKey;
      const open = await t.api.request('POST', '/api/v1/events/track', {
        channelId: shopKey,
        externalId: 'spoof-2',
        event: 'shop_order_paid',
        ...internal,
      });
      expect(open.statusCode, JSON.stringify(open.body)).toBe(200);
      const rows = (await ctx.app.oltp.forTenant(t.tenantId).from('inbox').orderBy('inbox.seq').select('inbox.body')) as {
        body: string;
      }[];
      const bodies = rows.map((row) => JSON.parse(row.body) as Record<string, unknown>);
      expect(bodies.map((b) => [b.via, b.userIdType, b.pluginId])).toEqual([
        ['collect', undefined, undefined],
        ['openapi', undefined, undefined],
      ]);
      await t.drain();
      const ingest = ingestOf('shop');
      expect(await ingest.contactOf(t.member('spoof-2'))).toBeUndefined();
      const viaExternal = async (userId: string, channelId: string) =>
        t.contacts.contactOfAccount(t.tenantId, channelId, EXTERNAL_ID, userId);
      expect(await viaExternal('spoof-1', t.channelId)).toBeTruthy();
      expect(await viaExternal('spoof-2', t.shopId)).toBeTruthy();
      // The Open API's identify refuses an unknown field outright.
      const identify = await t.api.request('POST', '/api/v1/contacts/identify', {
        externalId: 'spoof-3',
        channel: { channelId: shopKey },
        userIdType: 'shop.memberId',
      });
      expect(identify.statusCode).toBe(400);
    });

    it('gives core’s provisional user-ID type to the plugin that adds it; accounts of that type work as for any plugin id', async () => {
      const owner = ctx.app.kernel.contributions.userIdTypes.get('youzan.fansId');
      expect(owner).toMatchObject({ pluginId: 'youzan', definition: { name: { 'zh-CN': '有赞粉丝 ID' } } });
      expect(ctx.app.kernel.contributions.userIdTypes.get('weimob.memberId')?.pluginId).toBe('channels');
      const t = await shopTenant(ctx.app);
      const listed = (await t.staff.request('GET', '/api/v1/plugins')).body.items as {
        id: string;
        contributions: { userIdTypes: { id: string }[] };
      }[];
      const idsOf = (id: string) => listed.find((p) => p.id === id)!.contributions.userIdTypes.map((u) => u.id);
      expect(idsOf('core')).not.toContain('youzan.fansId');
      expect(idsOf('core')).toContain('weimob.memberId');
      expect(idsOf('youzan')).toEqual(['youzan.fansId']);
      const ingest = ingestOf('youzan');
      const fans = { tenantId: t.tenantId, channelId: t.youzanId, userIdType: 'youzan.fansId', userId: '800123' };
      await ingest.track({ ...fans, event: 'youzan_trade_paid' });
      await t.drain();
      expect(await ingest.contactOf(fans)).toBeTruthy();
    });
  },
  { plugins },
);

for (const engine of testEngines()) {
  describe(`plugin write path: user-ID types core pre-registers [${engine}]`, () => {
    async function refused(extra: ReturnType<typeof definePlugin>[]): Promise<string> {
      try {
        const kernel = await startTestKernel({ plugins: [youzan, ...extra], engine: kernelEngine(engine) });
        await kernel.close();
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error('expected the plugins to be refused');
    }
    // `extendsId`: the plugin may add to that plugin's namespace (ADR 0040), so the duplicate rule itself refuses it.
    const adding = (id: string, userIdType: string, extendsId?: string) =>
      definePlugin({
        id,
        version: '1.0.0',
        requires: { core: '^0.1.0' },
        ...(extendsId ? { dependencies: { [extendsId]: '*' }, extends: [extendsId] } : {}),
        register({ registerInit }) {
          registerInit({
            deps: { channels: channelsExtensionPoint },
            init: ({ channels }) =>
              channels.addUserIdType({
                id: userIdType,
                name: { 'zh-CN': userIdType, 'en-US': userIdType },
                scope: 'channelType',
              }),
          });
        },
      });

    it('refuses any other duplicate: a second plugin taking the same id, or a plugin’s own id', async () => {
      expect(await refused([adding('youzan-two', 'youzan.fansId', 'youzan')])).toBe(
        'Plugin "youzan-two": user-ID type "youzan.fansId" is already registered by plugin "youzan"',
      );
      expect(await refused([shop, adding('copycat', 'shop.memberId', 'shop')])).toBe(
        'Plugin "copycat": user-ID type "shop.memberId" is already registered by plugin "shop"',
      );
    });

    it('keeps the accounts a tenant has of that type when the connector takes it over', async () => {
      const store = await createTestStore(engine);
      onTestFinished(() => store.drop());
      // Before the connector owned the id type, a channel type listed core's youzan.fansId (ADR 0005).
      const legacy = definePlugin({
        id: 'youzan',
        version: '0.9.0',
        requires: { core: '^0.1.0' },
        register({ registerInit }) {
          registerInit({
            deps: { channels: channelsExtensionPoint },
            init: ({ channels }) =>
              channels.addChannelType({
                type: 'youzan',
                name: { 'zh-CN': '有赞微商城', 'en-US': 'Youzan shop' },
                userIdTypes: ['youzan.fansId'],
                customEvents: false,
              }),
          });
        },
      });
      const before = await store.open({ plugins: [...firstPartyPlugins, legacy] });
      let tenantId: string;
      let channelId: string;
      let contactId: string;
      try {
        expect(before.kernel.contributions.userIdTypes.get('youzan.fansId')?.pluginId).toBe('channels');
        const t = await ingestTenant(before as TestApp);
        tenantId = t.tenantId;
        channelId = (
          await before
            .service(channelsServiceRef)
            .register(tenantId, { type: 'youzan', name: '有赞店', channelKey: 'yz-1' }, null)
        ).id;
        contactId = await before
          .service(contactsServiceRef)
          .recordAccount(tenantId, { channelId, idType: 'youzan.fansId', userId: 'fan-7' });
      } finally {
        await before.stop();
      }
      const after = await store.open({ plugins: [...firstPartyPlugins, youzan] });
      try {
        expect(after.kernel.contributions.userIdTypes.get('youzan.fansId')?.pluginId).toBe('youzan');
        const ingest = ingestOf('youzan');
        const fan = { tenantId, channelId, userIdType: 'youzan.fansId', userId: 'fan-7' };
        expect(await ingest.contactOf(fan)).toBe(contactId);
        expect(await ingest.userIdsOf({ tenantId, contactId, userIdType: 'youzan.fansId' })).toEqual([
          { channelId, userId: 'fan-7' },
        ]);
        // New messages about that fan reach the same contact, no new one is made.
        await ingest.identify({ ...fan, traits: { name: '老粉丝' } });
        await ingest.track({ ...fan, event: 'youzan_trade_paid' });
        await (after as TestApp)
          .service((await import('../../src/modules/ingestion/ingestion.module.js')).ingestWorkerRef)
          .drain();
        const contacts = after.service(contactsServiceRef);
        expect(await ingest.contactOf(fan)).toBe(contactId);
        expect((await contacts.contact(tenantId, contactId))?.name).toBe('老粉丝');
        expect((await contacts.accountsOf(tenantId, contactId)).map((a) => [a.id_type, a.user_id])).toEqual([
          ['youzan.fansId', 'fan-7'],
        ]);
      } finally {
        await after.stop();
      }
    });
  });
}

describe('plugin write path: back-pressure', () => {
  for (const engine of testEngines()) {
    it(`throws the APIs’ RateLimitError (ingest_busy, Retry-After 5) once the undrained inbox reaches the limit [${engine}]`, async () => {
      const app = await createTestApp(
        engine,
        { ingest: { worker: false, batchSize: 1000, backlogLimit: 2, loadIntervalMs: 5000, loadBatchSize: 10_000 } },
        { plugins },
      );
      try {
        const t = await shopTenant(app);
        const ingest = ingestOf('shop');
        const order = (userId: string) => ({ ...t.member(userId), event: 'shop_order_paid' });
        await ingest.trackBatch([order('a'), order('b')]);
        // The count refreshes at most once a second (in the background).
        await new Promise((resolve) => setTimeout(resolve, 1100));
        await ingest.track(order('c'));
        await new Promise((resolve) => setTimeout(resolve, 50));
        let busy: unknown;
        try {
          await ingest.track(order('d'));
        } catch (error) {
          busy = error;
        }
        expect(busy).toBeInstanceOf(RateLimitError);
        expect(busy).toMatchObject({ code: 'ingest_busy', statusCode: 429, retryAfterSeconds: 5 });
        // The collect API answers the same.
        const collected = await t.collect('track', { anonymousId: 'x', event: 'purchase' });
        expect(collected.statusCode).toBe(429);
        expect(collected.body.code).toBe('ingest_busy');
        expect(await t.inboxCount()).toBe(3);
      } finally {
        await app.close();
      }
    });
  }
});
