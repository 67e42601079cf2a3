import { expect, it } from 'vitest';
import { metadataServiceRef } from '../../src/modules/metadata/metadata.service.js';
import { firstPartyPlugins } from '../support/plugins.js';
import { normalStaff } from '../support/staff.js';
import { Client, createTenant, describeEngines, type TestApp } from '../support/test-app.js';

const withPlugins = { plugins: firstPartyPlugins };

/** A tenant, its super staff client and a custom channel (the owner of custom events). */
async function setup(app: TestApp) {
  const tenant = await createTenant(app);
  const client = await Client.staff(app.server, tenant.email, tenant.password);
  const channel = (await client.request('POST', '/api/v1/channels', { type: 'custom', name: '官网' })).body;
  expect(channel.id).toBeTruthy();
  return { tenant, client, channelId: String(channel.id) };
}

const codesOf = (res: { body: { details?: { path: string; code: string }[] } }) =>
  (res.body.details ?? []).map((d) => `${d.path}:${d.code}`);

describeEngines(
  'metadata: contact custom fields (§1.10.7)',
  (ctx) => {
    it('creates fields addressed as attr1, attr2…, typed columns of the OLAP contacts', async () => {
      const { tenant, client } = await setup(ctx.app);
      const vip = await client.request('POST', '/api/v1/metadata/contact-fields', { name: 'VIP会员', type: 'string' });
      expect(vip.statusCode).toBe(201);
      expect(vip.body).toMatchObject({ key: 'attr1', name: 'VIP会员', type: 'string', position: 1 });
      const level = await client.request('POST', '/api/v1/metadata/contact-fields', { name: '等级', type: 'integer' });
      expect(level.body.key).toBe('attr2');

      // The OLAP contacts have the typed columns at once: a contact row with attr2 = 3 is queryable.
      const olap = ctx.app.olap.forTenant(tenant.tenantId);
      await olap.load({ batchId: `cf-${tenant.tenantId}`, contacts: [{ id: '7', attributes: { '1': '金卡', '2': 3 } }] });
      const rows = await olap.query('SELECT id, p_attr1, p_attr2 FROM contact_view WHERE p_attr2 = 3', { rowMode: 'json' });
      // BIGINT travels as a string in JSON rows.
      expect(rows.rows).toEqual([{ id: '7', p_attr1: '金卡', p_attr2: '3' }]);

      const list = await client.request('GET', '/api/v1/metadata/contact-fields');
      expect(list.body.items.map((f: { key: string }) => f.key)).toEqual(['attr1', 'attr2']);
    });

    it('allows two custom anniversaries at most (生日 does not count), never a type change or a deletion', async () => {
      const { client } = await setup(ctx.app);
      for (const name of ['结婚纪念日', '入会纪念日'])
        expect((await client.request('POST', '/api/v1/metadata/contact-fields', { name, type: 'anniversary' })).statusCode).toBe(
          201,
        );
      const third = await client.request('POST', '/api/v1/metadata/contact-fields', { name: '第三个', type: 'anniversary' });
      expect(third.statusCode).toBe(400);
      expect(third.body.code).toBe('metadata_anniversary_limit');
      expect(third.body.message).toContain('2');

      const field = (await client.request('GET', '/api/v1/metadata/contact-fields')).body.items[0];
      const retype = await client.request('PATCH', `/api/v1/metadata/contact-fields/${field.id}`, { type: 'date' });
      expect(codesOf(retype)).toEqual(['type:metadata_type_immutable']);
      const renamed = await client.request('PATCH', `/api/v1/metadata/contact-fields/${field.id}`, { name: '结婚日' });
      expect(renamed.body).toMatchObject({ name: '结婚日', type: 'anniversary', key: field.key });
      const removed = await client.request('DELETE', `/api/v1/metadata/contact-fields/${field.id}`);
      expect(removed.statusCode).toBe(400);
      expect(removed.body.code).toBe('metadata_contact_field_undeletable');
      expect((await client.request('GET', '/api/v1/metadata/contact-fields')).body.items).toHaveLength(2);
    });

    it('refuses a name already used, and moves fields up and down', async () => {
      const { client } = await setup(ctx.app);
      for (const name of ['甲', '乙', '丙'])
        await client.request('POST', '/api/v1/metadata/contact-fields', { name, type: 'string' });
      const dup = await client.request('POST', '/api/v1/metadata/contact-fields', { name: '乙', type: 'integer' });
      expect(codesOf(dup)).toEqual(['name:metadata_name_taken']);
      // A system field's name is taken too (城市 is the system field city).
      const system = await client.request('POST', '/api/v1/metadata/contact-fields', { name: '城市', type: 'string' });
      expect(codesOf(system)).toEqual(['name:metadata_name_taken']);
      const [a, b, c] = (await client.request('GET', '/api/v1/metadata/contact-fields')).body.items;
      const moved = await client.request('POST', `/api/v1/metadata/contact-fields/${c.id}/move`, { direction: 'up' });
      expect(moved.body.items.map((f: { name: string }) => f.name)).toEqual(['甲', '丙', '乙']);
      const top = await client.request('POST', `/api/v1/metadata/contact-fields/${a.id}/move`, { direction: 'up' });
      expect(top.body.items.map((f: { name: string }) => f.name)).toEqual(['甲', '丙', '乙']);
      const down = await client.request('POST', `/api/v1/metadata/contact-fields/${b.id}/move`, { direction: 'down' });
      expect(down.body.items.map((f: { name: string }) => f.name)).toEqual(['甲', '丙', '乙']);
      // The keys never change with the order.
      expect(down.body.items.map((f: { key: string }) => f.key)).toEqual(['attr1', 'attr3', 'attr2']);
    });
  },
  withPlugins,
);

describeEngines(
  'metadata: event properties (§1.10.8)',
  (ctx) => {
    it('lists the 28 SDK presets with their collection flags and the plugins’ s_ properties', async () => {
      const { client } = await setup(ctx.app);
      const sdk = (await client.request('GET', '/api/v1/metadata/event-properties?source=sdk')).body.items;
      expect(sdk).toHaveLength(28);
      const byCode = new Map(sdk.map((p: { code: string }) => [p.code, p]));
      expect(byCode.get('$debug_mode')).toMatchObject({
        type: 'bool',
        collectedBy: ['js', 'ios', 'android', 'miniprogram', 'server'],
      });
      expect(byCode.get('$latitude')).toMatchObject({ type: 'number', collectedBy: [] });
      expect(byCode.get('$utm_source')).toMatchObject({ type: 'string', collectedBy: ['js', 'miniprogram'] });
      const system = (await client.request('GET', '/api/v1/metadata/event-properties?source=system')).body.items;
      expect(system.map((p: { code: string }) => p.code)).toContain('s_qrCodeType');
      expect(system.every((p: { code: string }) => p.code.startsWith('s_'))).toBe(true);
    });

    it('enforces the ID rules: legal variable name, no s_, unique ignoring case; ID and type immutable', async () => {
      const { client } = await setup(ctx.app);
      const create = (code: string, type = 'integer') =>
        client.request('POST', '/api/v1/metadata/event-properties', { code, name: '订单金额', type });
      expect((await create('orderAmount')).statusCode).toBe(201);
      expect(codesOf(await create('1abc'))).toEqual(['code:metadata_id_invalid']);
      expect(codesOf(await create('order-amount'))).toEqual(['code:metadata_id_invalid']);
      expect(codesOf(await create('s_amount'))).toEqual(['code:metadata_property_id_reserved']);
      expect(codesOf(await create('orderAmount'))).toEqual(['code:metadata_id_taken']);
      expect(codesOf(await create('OrderAmount'))).toEqual(['code:metadata_id_case_conflict']);
      expect((await create('bad', 'string[]')).statusCode).toBe(400);

      const property = (await client.request('GET', '/api/v1/metadata/event-properties?source=custom')).body.items[0];
      const renamed = await client.request('PATCH', `/api/v1/metadata/event-properties/${property.id}`, { name: '实付金额' });
      expect(renamed.body).toMatchObject({ code: 'orderAmount', name: '实付金额', type: 'integer' });
      expect(
        codesOf(await client.request('PATCH', `/api/v1/metadata/event-properties/${property.id}`, { type: 'string' })),
      ).toEqual(['type:metadata_type_immutable']);
      expect(codesOf(await client.request('PATCH', `/api/v1/metadata/event-properties/${property.id}`, { code: 'x' }))).toEqual([
        'code:metadata_id_immutable',
      ]);
      const sdk = (await client.request('GET', '/api/v1/metadata/event-properties?source=sdk')).body.items[0];
      expect(codesOf(await client.request('DELETE', `/api/v1/metadata/event-properties/${sdk.id}`))).toEqual([
        'id:metadata_property_not_custom',
      ]);
    });

    it('deletes a property only while no event carried it and no event names it', async () => {
      const { tenant, client, channelId } = await setup(ctx.app);
      const free = (
        await client.request('POST', '/api/v1/metadata/event-properties', { code: 'unused', name: '未用', type: 'string' })
      ).body;
      expect((await client.request('DELETE', `/api/v1/metadata/event-properties/${free.id}`)).statusCode).toBe(204);
      // Its ID is free again; the new property gets a new numeric id (its OLAP column is never reused).
      const again = (
        await client.request('POST', '/api/v1/metadata/event-properties', { code: 'unused', name: '再用', type: 'integer' })
      ).body;
      expect(again.id).not.toBe(free.id);

      const used = (
        await client.request('POST', '/api/v1/metadata/event-properties', { code: 'sku', name: 'SKU', type: 'string' })
      ).body;
      const event = await client.request('POST', '/api/v1/metadata/event-types', {
        channelId,
        code: 'add_cart',
        name: '加入购物车',
        properties: [{ code: 'sku' }],
      });
      expect(event.statusCode).toBe(201);
      const attached = await client.request('DELETE', `/api/v1/metadata/event-properties/${used.id}`);
      expect(codesOf(attached)).toEqual(['id:metadata_property_attached']);

      // A property no event names, but data carried it: refused.
      const carried = (
        await client.request('POST', '/api/v1/metadata/event-properties', { code: 'coupon', name: '券', type: 'string' })
      ).body;
      await ctx.app.olap.forTenant(tenant.tenantId).load({
        batchId: `carry-${tenant.tenantId}`,
        events: [
          {
            eventTime: Date.now(),
            event: 'add_cart',
            contactId: '1',
            messageId: 'm1',
            direction: 'inbound',
            properties: { coupon: 'X1' },
          },
        ],
      });
      expect(codesOf(await client.request('DELETE', `/api/v1/metadata/event-properties/${carried.id}`))).toEqual([
        'id:metadata_property_has_data',
      ]);
    });
  },
  withPlugins,
);

describeEngines(
  'metadata: custom events (§1.10.9)',
  (ctx) => {
    it('creates a custom event with a new property inline; the event is queryable by it at once', async () => {
      const { tenant, client, channelId } = await setup(ctx.app);
      const created = await client.request('POST', '/api/v1/metadata/event-types', {
        channelId,
        code: 'order_paid',
        name: '支付订单',
        properties: [{ code: 'amount', name: '金额', type: 'number' }, { code: 's_qrCodeType' }],
        subEvents: [{ code: 'order_item', name: '购买商品', properties: [{ code: 'sku_id', name: 'SKU', type: 'string' }] }],
      });
      expect(created.statusCode, JSON.stringify(created.body)).toBe(201);
      expect(created.body).toMatchObject({
        code: 'order_paid',
        name: '支付订单',
        source: 'custom',
        channelType: 'custom',
        channelId,
        sdk: true,
        subEvents: [{ code: 'order_item', name: '购买商品' }],
      });
      expect(created.body.properties.map((p: { code: string; source: string }) => `${p.code}/${p.source}`)).toEqual([
        'amount/custom',
        's_qrCodeType/system',
      ]);

      const olap = ctx.app.olap.forTenant(tenant.tenantId);
      await olap.load({
        batchId: `paid-${tenant.tenantId}`,
        events: [
          {
            eventTime: Date.now(),
            event: 'order_paid',
            contactId: '1',
            messageId: 'p1',
            direction: 'inbound',
            properties: { amount: 99.5 },
          },
          {
            eventTime: Date.now(),
            event: 'order_paid',
            contactId: '2',
            messageId: 'p2',
            direction: 'inbound',
            properties: { amount: 10 },
          },
        ],
      });
      const rows = await olap.query("SELECT contact_id FROM event_view WHERE event = 'order_paid' AND p_amount > 50", {
        rowMode: 'json',
      });
      expect(rows.rows).toEqual([{ contact_id: '1' }]);

      const custom = (await client.request('GET', '/api/v1/metadata/event-types?source=custom')).body.items;
      expect(custom.map((e: { code: string; parentCode: string | null }) => `${e.code}<${e.parentCode}`)).toEqual([
        'order_paid<null',
        'order_item<order_paid',
      ]);
      const system = (await client.request('GET', '/api/v1/metadata/event-types?source=system')).body.items;
      expect(system.find((e: { code: string }) => e.code === 'wechat_subscribe')).toMatchObject({
        channelType: 'wechat',
        sdk: false,
      });
      expect(system.find((e: { code: string }) => e.code === '$pageview')).toMatchObject({ sdk: true });
    });

    it('refuses a bad owner, a taken or illegal ID, and inline properties without name or type', async () => {
      const { tenant, client, channelId } = await setup(ctx.app);
      const now = Date.now();
      const jinshuju = await ctx.app.oltp.forTenant(tenant.tenantId).insert('channel', {
        type: 'jinshuju',
        channel_key: 'form1',
        name: '表单',
        status: 'active',
        created_at: now,
        updated_at: now,
      });
      const post = (body: object) => client.request('POST', '/api/v1/metadata/event-types', { channelId, name: '事件', ...body });
      expect(codesOf(await post({ channelId: jinshuju, code: 'a1' }))).toEqual(['channelId:metadata_event_channel_invalid']);
      expect(codesOf(await post({ channelId: '999999999', code: 'a1' }))).toEqual(['channelId:metadata_event_channel_not_found']);
      expect(codesOf(await post({ code: 'wechat_subscribe' }))).toEqual(['code:metadata_id_taken']);
      expect(codesOf(await post({ code: 'WeChat_Subscribe' }))).toEqual(['code:metadata_id_case_conflict']);
      expect(codesOf(await post({ code: '$pageview' }))).toEqual(['code:metadata_id_invalid']);
      expect(codesOf(await post({ code: 'x1', subEvents: [{ code: 'X1', name: '子' }] }))).toEqual([
        'subEvents.0.code:metadata_id_case_conflict',
      ]);
      expect(codesOf(await post({ code: 'x1', properties: [{ code: 'newProp' }] }))).toEqual([
        'properties.0.name:metadata_property_name_required',
      ]);
      expect(codesOf(await post({ code: 'x1', properties: [{ code: 's_nope' }] }))).toEqual([
        'properties.0.code:metadata_property_unknown',
      ]);
      expect(codesOf(await post({ code: 'x1', properties: [{ code: 's_qrCodeType', type: 'integer' }] }))).toEqual([
        'properties.0.type:metadata_property_type_mismatch',
      ]);
      // A refused request left nothing behind (one transaction).
      expect((await client.request('GET', '/api/v1/metadata/event-types?source=custom')).body.items).toEqual([]);
      expect((await client.request('GET', '/api/v1/metadata/event-properties?source=custom')).body.items).toEqual([]);
    });

    it('edits add only: name changes, properties and sub-events can be added but not removed; ID and owner fixed', async () => {
      const { client, channelId } = await setup(ctx.app);
      const event = (
        await client.request('POST', '/api/v1/metadata/event-types', {
          channelId,
          code: 'signup',
          name: '注册',
          properties: [{ code: 'plan', name: '套餐', type: 'string' }],
          subEvents: [{ code: 'signup_step', name: '注册步骤' }],
        })
      ).body;
      const path = `/api/v1/metadata/event-types/${event.id}`;
      const changed = await client.request('PATCH', path, {
        name: '完成注册',
        properties: [{ code: 'plan' }, { code: 'referrer', name: '推荐人', type: 'string' }],
        subEvents: [
          { code: 'signup_step', name: '注册步骤' },
          { code: 'signup_verify', name: '验证' },
        ],
      });
      expect(changed.statusCode).toBe(200);
      expect(changed.body.name).toBe('完成注册');
      expect(changed.body.properties.map((p: { code: string }) => p.code)).toEqual(['plan', 'referrer']);
      expect(changed.body.subEvents.map((s: { code: string }) => s.code)).toEqual(['signup_step', 'signup_verify']);
      expect(codesOf(await client.request('PATCH', path, { properties: [{ code: 'referrer' }] }))).toEqual([
        'properties:metadata_event_property_removed',
      ]);
      expect(codesOf(await client.request('PATCH', path, { subEvents: [{ code: 'signup_verify', name: '验证' }] }))).toEqual([
        'subEvents:metadata_sub_event_removed',
      ]);
      expect(codesOf(await client.request('PATCH', path, { code: 'signup2' }))).toEqual(['code:metadata_id_immutable']);
      expect(codesOf(await client.request('PATCH', path, { channelId: '1' }))).toEqual([
        'channelId:metadata_event_channel_immutable',
      ]);
    });

    it('deletes a custom event only while no data has arrived for it or a sub-event', async () => {
      const { tenant, client, channelId } = await setup(ctx.app);
      const make = async (code: string) =>
        (
          await client.request('POST', '/api/v1/metadata/event-types', {
            channelId,
            code,
            name: code,
            subEvents: [{ code: `${code}_sub`, name: '子事件' }],
          })
        ).body;
      const fresh = await make('fresh_event');
      expect((await client.request('DELETE', `/api/v1/metadata/event-types/${fresh.id}`)).statusCode).toBe(204);
      expect((await client.request('GET', `/api/v1/metadata/event-types/${fresh.id}`)).statusCode).toBe(404);

      const used = await make('used_event');
      await ctx.app.olap.forTenant(tenant.tenantId).load({
        batchId: `sub-${tenant.tenantId}`,
        events: [{ eventTime: Date.now(), event: 'used_event_sub', contactId: '1', messageId: 'u1', direction: 'inbound' }],
      });
      expect(codesOf(await client.request('DELETE', `/api/v1/metadata/event-types/${used.id}`))).toEqual([
        'id:metadata_event_has_data',
      ]);

      // Accepted by ingestion but not loaded yet: the arrival recorded in OLTP refuses the deletion too.
      const accepted = await make('accepted_event');
      await ctx.app.service(metadataServiceRef).recordArrivals(tenant.tenantId, { events: ['accepted_event'] });
      expect(codesOf(await client.request('DELETE', `/api/v1/metadata/event-types/${accepted.id}`))).toEqual([
        'id:metadata_event_has_data',
      ]);
      const property = (
        await client.request('POST', '/api/v1/metadata/event-properties', { code: 'arrived', name: '已到', type: 'string' })
      ).body;
      await ctx.app.service(metadataServiceRef).recordArrivals(tenant.tenantId, { properties: ['arrived'] });
      expect(codesOf(await client.request('DELETE', `/api/v1/metadata/event-properties/${property.id}`))).toEqual([
        'id:metadata_property_has_data',
      ]);
    });
  },
  withPlugins,
);

describeEngines(
  'metadata: virtual events (§1.10.10)',
  (ctx) => {
    it('creates, edits and deletes a virtual event whose members are real events with valid filters', async () => {
      const { client, channelId } = await setup(ctx.app);
      await client.request('POST', '/api/v1/metadata/event-types', {
        channelId,
        code: 'click_ad',
        name: '点击广告位',
        properties: [{ code: 'slot', name: '坑位', type: 'integer' }],
      });
      const created = await client.request('POST', '/api/v1/metadata/virtual-events', {
        name: '点击坑位 1',
        members: [{ event: 'click_ad', filters: [{ property: 'slot', operator: 'eq', values: [1] }] }],
      });
      expect(created.statusCode).toBe(201);
      expect(created.body.key).toBe(`virtual:${created.body.id}`);

      const bad = await client.request('POST', '/api/v1/metadata/virtual-events', {
        name: '坏的',
        members: [
          { event: 'nope' },
          { event: 'click_ad', filters: [{ property: 'missing', operator: 'eq', values: ['x'] }] },
          { event: created.body.key },
        ],
      });
      expect(bad.statusCode).toBe(400);
      expect(bad.body.code).toBe('metadata_virtual_event_invalid');
      expect(bad.body.details.map((d: { path: string }) => d.path)).toEqual(
        expect.arrayContaining(['members.0.event', 'members.2.event']),
      );
      expect(bad.body.details.some((d: { path: string }) => d.path.startsWith('members.1.filters.0'))).toBe(true);

      const path = `/api/v1/metadata/virtual-events/${created.body.id}`;
      const edited = await client.request('PUT', path, {
        name: '点击坑位 2',
        members: [{ event: 'click_ad', filters: [{ property: 'slot', operator: 'eq', values: [2] }] }],
      });
      expect(edited.body.name).toBe('点击坑位 2');
      expect(edited.body.members[0].filters[0].values).toEqual([2]);
      expect((await client.request('DELETE', path)).statusCode).toBe(204);
      expect((await client.request('GET', path)).statusCode).toBe(404);
    });
  },
  withPlugins,
);

describeEngines(
  'metadata: events used by virtual events',
  (ctx) => {
    it('refuses deleting a custom event a virtual event is built on, until the virtual event goes', async () => {
      const { client, channelId } = await setup(ctx.app);
      const event = (
        await client.request('POST', '/api/v1/metadata/event-types', { channelId, code: 'shared_evt', name: '共用' })
      ).body;
      const virtual = (
        await client.request('POST', '/api/v1/metadata/virtual-events', { name: '虚拟', members: [{ event: 'shared_evt' }] })
      ).body;
      const refused = await client.request('DELETE', `/api/v1/metadata/event-types/${event.id}`);
      expect(codesOf(refused)).toEqual(['id:metadata_event_in_virtual_event']);
      expect(refused.body.message).toContain('虚拟');
      expect((await client.request('DELETE', `/api/v1/metadata/virtual-events/${virtual.id}`)).statusCode).toBe(204);
      expect((await client.request('DELETE', `/api/v1/metadata/event-types/${event.id}`)).statusCode).toBe(204);
    });
  },
  withPlugins,
);

describeEngines(
  'metadata: tenancy and permissions',
  (ctx) => {
    it('answers 404 for another tenant’s ids and 403 to staff without 元数据-管理', async () => {
      const a = await setup(ctx.app);
      const b = await setup(ctx.app);
      const field = (await a.client.request('POST', '/api/v1/metadata/contact-fields', { name: '甲', type: 'string' })).body;
      const property = (
        await a.client.request('POST', '/api/v1/metadata/event-properties', { code: 'p1', name: 'P', type: 'string' })
      ).body;
      const event = (
        await a.client.request('POST', '/api/v1/metadata/event-types', { channelId: a.channelId, code: 'e1', name: 'E' })
      ).body;
      const virtual = (
        await a.client.request('POST', '/api/v1/metadata/virtual-events', { name: 'V', members: [{ event: 'e1' }] })
      ).body;
      for (const [method, path, body] of [
        ['PATCH', `/api/v1/metadata/contact-fields/${field.id}`, { name: 'x' }],
        ['POST', `/api/v1/metadata/contact-fields/${field.id}/move`, { direction: 'up' }],
        ['PATCH', `/api/v1/metadata/event-properties/${property.id}`, { name: 'x' }],
        ['DELETE', `/api/v1/metadata/event-properties/${property.id}`, undefined],
        ['GET', `/api/v1/metadata/event-types/${event.id}`, undefined],
        ['PATCH', `/api/v1/metadata/event-types/${event.id}`, { name: 'x' }],
        ['DELETE', `/api/v1/metadata/event-types/${event.id}`, undefined],
        ['GET', `/api/v1/metadata/virtual-events/${virtual.id}`, undefined],
        ['PUT', `/api/v1/metadata/virtual-events/${virtual.id}`, { name: 'x', members: [{ event: 'e1' }] }],
        ['DELETE', `/api/v1/metadata/virtual-events/${virtual.id}`, undefined],
      ] as const) {
        const res = await b.client.request(method, path, body);
        expect(res.statusCode, `${method} ${path}`).toBe(404);
      }
      // Tenant B's custom event may not be owned by tenant A's channel.
      expect(
        codesOf(
          await b.client.request('POST', '/api/v1/metadata/event-types', { channelId: a.channelId, code: 'e2', name: 'E' }),
        ),
      ).toEqual(['channelId:metadata_event_channel_not_found']);
      expect((await a.client.request('GET', `/api/v1/metadata/event-types/${event.id}`)).statusCode).toBe(200);

      const normal = await normalStaff(ctx.app, a.tenant.tenantId);
      expect((await normal.request('GET', '/api/v1/metadata/contact-fields')).statusCode).toBe(200);
      expect((await normal.request('GET', '/api/v1/metadata/event-types')).statusCode).toBe(200);
      expect((await normal.request('POST', '/api/v1/metadata/contact-fields', { name: '乙', type: 'string' })).statusCode).toBe(
        403,
      );
      expect((await normal.request('DELETE', `/api/v1/metadata/virtual-events/${virtual.id}`)).statusCode).toBe(403);
    });
  },
  withPlugins,
);

describeEngines(
  'metadata in conditions: what the metadata module declares is what the condition engine compiles',
  (ctx) => {
    it('filters by a custom field, an event property, a virtual event and an anniversary’s dynamic date', async () => {
      const { tenant, client, channelId } = await setup(ctx.app);
      await client.request('POST', '/api/v1/metadata/contact-fields', { name: '等级', type: 'integer' });
      await client.request('POST', '/api/v1/metadata/contact-fields', { name: '入会纪念日', type: 'anniversary' });
      await client.request('POST', '/api/v1/metadata/event-types', {
        channelId,
        code: 'click_ad',
        name: '点击广告位',
        properties: [{ code: 'slot', name: '坑位', type: 'integer' }],
      });
      const slot1 = (
        await client.request('POST', '/api/v1/metadata/virtual-events', {
          name: '点击坑位 1',
          members: [{ event: 'click_ad', filters: [{ property: 'slot', operator: 'eq', values: [1] }] }],
        })
      ).body;

      // Three contacts: 1 (level 5, clicked slot 1), 2 (level 1, clicked slot 2), 3 (no clicks).
      const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
      const [, month, day] = today.split('-');
      await ctx.app.olap.forTenant(tenant.tenantId).load({
        batchId: `cond-${tenant.tenantId}`,
        contacts: [
          { id: '1', attributes: { '1': 5, '2': `2001-${month}-${day}` } },
          { id: '2', attributes: { '1': 1, '2': '2001-01-01' } },
          { id: '3', attributes: {} },
        ],
        events: [
          {
            eventTime: Date.now(),
            event: 'click_ad',
            contactId: '1',
            messageId: 'c1',
            direction: 'inbound',
            properties: { slot: 1 },
          },
          {
            eventTime: Date.now(),
            event: 'click_ad',
            contactId: '2',
            messageId: 'c2',
            direction: 'inbound',
            properties: { slot: 2 },
          },
        ],
      });
      const estimate = async (condition: object) => {
        const res = await client.request('POST', '/api/v1/conditions/estimate', {
          tree: { type: 'and', conditions: [condition] },
        });
        expect(res.statusCode, JSON.stringify(res.body)).toBe(200);
        return res.body.count as number;
      };
      expect(await estimate({ type: 'property', property: 'attr1', operator: 'gte', values: [3] })).toBe(1);
      const past = { kind: 'past', days: 7, includeToday: true };
      expect(
        await estimate({
          type: 'event',
          did: true,
          event: 'click_ad',
          time: past,
          filters: [{ property: 'slot', operator: 'eq', values: [2] }],
        }),
      ).toBe(1);
      expect(await estimate({ type: 'event', did: true, event: slot1.key, time: past })).toBe(1);
      expect(await estimate({ type: 'event', did: false, event: slot1.key, time: past })).toBe(2);
      expect(await estimate({ type: 'property', property: 'dynamic:attr2', operator: 'in', range: { kind: 'today' } })).toBe(1);

      // The catalogue offers each event its own properties (a custom event also carries the SDK presets).
      const catalogue = (await client.request('GET', '/api/v1/conditions/catalogue')).body;
      const click = catalogue.events.find((e: { code: string }) => e.code === 'click_ad');
      const keys = click.properties.map((p: { key: string }) => p.key);
      expect(keys).toEqual(expect.arrayContaining(['slot', '$os', '$utm_source']));
      expect(keys).not.toContain('s_qrCodeType');
      expect(catalogue.contactProperties.map((p: { key: string }) => p.key)).toEqual(
        expect.arrayContaining(['attr1', 'attr2', 'dynamic:attr2', 'dynamic:birthday']),
      );
      // An undeclared event cannot be named; a property the event does not carry neither.
      const refused = await client.request('POST', '/api/v1/conditions/validate', {
        tree: {
          type: 'and',
          conditions: [
            {
              type: 'event',
              did: true,
              event: 'click_ad',
              time: past,
              filters: [{ property: 's_qrCodeType', operator: 'notEmpty' }],
            },
          ],
        },
      });
      expect(refused.body.valid).toBe(false);
    });
  },
  withPlugins,
);

describeEngines(
  'metadata: Open API (§2.1.4)',
  (ctx) => {
    it('lets an app list system and custom event types, create a custom event type and read the custom fields', async () => {
      const { client, channelId } = await setup(ctx.app);
      await client.request('POST', '/api/v1/metadata/contact-fields', { name: '会员号', type: 'string' });
      const created = (await client.request('POST', '/api/v1/apps', { name: 'integration' })).body;
      const token = await new Client(ctx.app.server).request('POST', '/api/v1/auth/token', {
        appKey: created.app.appKey,
        appSecret: created.appSecret,
      });
      const app = Client.app(ctx.app.server, token.body.accessToken);

      const event = await app.request('POST', '/api/v1/metadata/event-types', {
        channelId,
        code: 'api_order',
        name: '接口下单',
        properties: [{ code: 'orderNo', name: '订单号', type: 'string' }],
      });
      expect(event.statusCode).toBe(201);
      expect(event.body).toMatchObject({ code: 'api_order', source: 'custom', channelId });
      const custom = (await app.request('GET', '/api/v1/metadata/event-types?source=custom')).body.items;
      expect(custom.map((e: { code: string }) => e.code)).toEqual(['api_order']);
      const system = (await app.request('GET', '/api/v1/metadata/event-types?source=system')).body.items;
      expect(system.length).toBeGreaterThan(10);
      const fields = (await app.request('GET', '/api/v1/metadata/contact-fields')).body.items;
      expect(fields).toEqual([expect.objectContaining({ key: 'attr1', name: '会员号', type: 'string' })]);
      // Contact fields and virtual events are managed in the console only.
      expect((await app.request('POST', '/api/v1/metadata/contact-fields', { name: 'x', type: 'string' })).statusCode).toBe(403);
    });
  },
  withPlugins,
);
