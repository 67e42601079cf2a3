import { expect, it } from 'vitest';
import { ANONYMOUS_ID, EXTERNAL_ID } from '../../src/modules/contacts/contacts.types.js';
import { contactsServiceRef } from '../../src/modules/contacts/contacts.service.js';
import { ageOn, todayIn } from '../../src/modules/contacts/detail.service.js';
import { ingestTenant } from '../ingestion/support.js';
import { firstPartyPlugins } from '../support/plugins.js';
import { channelsServiceRef } from '../../src/modules/channels/channels.service.js';
import { Client, describeEngines, multipart, type InjectResult, type TestApp } from '../support/test-app.js';

type Tenant = Awaited<ReturnType<typeof ingestTenant>>;

const HOUR = 3600_000;
const DAY = 24 * HOUR;

/**
 * A tenant with data sent through the real pipeline: custom fields 会员等级 (attr1, string) and 积分
 * (attr2, integer); a custom event `signup` whose properties mirror contact fields (`phone`, and
 * `contact_no` named 手机号码); contact u-1 (identified, with a cookie account) with purchases and a
 * signup; a second channel (门店) where u-2 bought once — merged into u-1 later by a test.
 */
async function seeded(app: TestApp) {
  const t = await ingestTenant(app);
  for (const [name, type] of [
    ['会员等级', 'string'],
    ['积分', 'integer'],
  ] as const)
    expect((await t.staff.request('POST', '/api/v1/metadata/contact-fields', { name, type })).statusCode).toBe(201);
  const signup = await t.staff.request('POST', '/api/v1/metadata/event-types', {
    channelId: t.channelId,
    code: 'signup',
    name: '注册',
    properties: [
      { code: 'phone', name: '联系电话', type: 'string' },
      { code: 'contact_no', name: '手机号码', type: 'string' },
      { code: 'plan', name: '套餐', type: 'string' },
    ],
  });
  expect(signup.statusCode, JSON.stringify(signup.body)).toBe(201);
  const base = Date.now() - 10 * DAY;
  const at = (offset: number) => new Date(base + offset).toISOString();
  const sent = await t.collect('batch', {
    batch: [
      { type: 'track', anonymousId: 'ck-1', event: 'purchase', properties: { amount: 1 }, timestamp: at(0) },
      {
        type: 'identify',
        anonymousId: 'ck-1',
        userId: 'u-1',
        timestamp: at(HOUR),
        traits: {
          name: '张三',
          mobilePhone: '13800000000',
          email: 'zhang@example.com',
          gender: 'male',
          birthday: '1990-10-01',
          company: '汇流',
          utm: { source: 'baidu', campaign: 'spring', medium: 'cpc' },
          props: { attr1: '金卡', attr2: 300 },
        },
      },
      { type: 'track', userId: 'u-1', event: 'purchase', properties: { amount: 12.5, sku: 'A-1' }, timestamp: at(DAY) },
      { type: 'track', userId: 'u-1', event: 'purchase', properties: { amount: 3, sku: 'B-2' }, timestamp: at(2 * DAY) },
      {
        type: 'track',
        userId: 'u-1',
        event: 'signup',
        properties: { phone: '13800000000', contact_no: '13800000000', plan: 'gold' },
        timestamp: at(3 * DAY),
      },
    ],
  });
  expect(sent.statusCode).toBe(200);

  // A second custom channel with its own web app: u-2 bought there.
  const store = (await t.staff.request('POST', '/api/v1/channels', { type: 'custom', name: '门店' })).body;
  const storeApp = (
    await t.staff.request('POST', `/api/v1/p/custom-channel/channels/${store.id}/apps`, {
      platform: 'web',
      name: '门店',
      domain: 'store.example.com',
    })
  ).body;
  const storeEvent = await t.staff.request('POST', '/api/v1/metadata/event-types', {
    channelId: store.id,
    code: 'visit',
    name: '到店',
  });
  expect(storeEvent.statusCode, JSON.stringify(storeEvent.body)).toBe(201);
  expect(
    (
      await t.collect(
        'batch',
        {
          batch: [
            { type: 'identify', userId: 'u-2', traits: { nickname: '小张' }, timestamp: at(4 * DAY) },
            { type: 'track', userId: 'u-2', event: 'visit', timestamp: at(4 * DAY + HOUR) },
          ],
        },
        storeApp.writeKey,
      )
    ).statusCode,
  ).toBe(200);
  await t.drain();
  const contacts = app.service(contactsServiceRef);
  const person = (await contacts.contactOfAccount(t.tenantId, t.channelId, EXTERNAL_ID, 'u-1'))!;
  const other = (await contacts.contactOfAccount(t.tenantId, String(store.id), EXTERNAL_ID, 'u-2'))!;
  expect(person).toBeTruthy();
  expect(other).toBeTruthy();
  return { t, person, other, storeId: String(store.id), base, contacts };
}

/** A normal staff member of the tenant holding `permissions`, signed in. */
async function member(app: TestApp, t: Tenant, permissions: string[]) {
  const role = await t.staff.request('POST', '/api/v1/roles', { name: `role-${Math.random()}`, permissions });
  expect(role.statusCode, JSON.stringify(role.body)).toBe(201);
  const email = `member.${Date.now()}.${Math.random().toString(36).slice(2)}@example.com`;
  const res = await t.staff.request('POST', '/api/v1/staff', {
    email,
    name: '运营',
    password: 'Member-pass-1',
    roleIds: [role.body.id],
  });
  expect(res.statusCode, JSON.stringify(res.body)).toBe(201);
  return Client.staff(app.server, email, 'Member-pass-1');
}

async function mask(t: Tenant, ...keys: string[]) {
  for (const key of keys)
    expect((await t.staff.request('PUT', `/api/v1/contact-field-masks/${key}`, { masked: true })).statusCode).toBe(200);
}

async function timelineAll(client: Client, url: string) {
  const items: Record<string, any>[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const sep = url.includes('?') ? '&' : '?';
    const res: InjectResult = await client.request('GET', cursor ? `${url}${sep}cursor=${encodeURIComponent(cursor)}` : url);
    expect(res.statusCode, JSON.stringify(res.body)).toBe(200);
    items.push(...res.body.items);
    cursor = res.body.nextCursor;
    pages += 1;
    expect(pages).toBeLessThan(50);
  } while (cursor);
  return { items, pages };
}

it('age: whole years, the birthday not reached yet this year counts one less, none in the future', () => {
  expect(ageOn('1990-10-01', '2026-09-30')).toBe(35);
  expect(ageOn('1990-10-01', '2026-10-01')).toBe(36);
  expect(ageOn('2000-02-29', '2026-02-28')).toBe(25);
  expect(ageOn('2000-02-29', '2026-03-01')).toBe(26);
  expect(ageOn('2030-01-01', '2026-10-01')).toBeNull();
  expect(ageOn(null, '2026-10-01')).toBeNull();
  // The tenant's day: 2026-12-31 23:30 UTC is already 2027-01-01 in Shanghai.
  const at = Date.UTC(2026, 11, 31, 23, 30);
  expect(todayIn('Asia/Shanghai', at)).toBe('2027-01-01');
  expect(todayIn('UTC', at)).toBe('2026-12-31');
});

describeEngines(
  'contact detail, timeline, display settings, create and edit by hand (seed §1.4.1, §1.4.10)',
  (ctx) => {
    it('shows the profile, age, system properties, connected accounts, groups and merge history', async () => {
      const { t, person, base } = await seeded(ctx.app);
      const res = await t.staff.request('GET', `/api/v1/console/contacts/${person}`);
      expect(res.statusCode, JSON.stringify(res.body)).toBe(200);
      const d = res.body;
      expect(d.id).toBe(person);
      expect(d.redirectedFrom).toBeNull();
      expect(d.identified).toBe(true);
      expect(d.profile).toMatchObject({
        name: '张三',
        mobilePhone: '13800000000',
        email: 'zhang@example.com',
        gender: 'male',
        birthday: '1990-10-01',
        company: '汇流',
        props: { attr1: '金卡', attr2: 300 },
      });
      expect(d.age).toBe(ageOn('1990-10-01', todayIn('Asia/Shanghai')));
      expect(d.maskedFields).toEqual([]);
      expect(d.customFields).toEqual([
        { key: 'attr1', name: '会员等级', type: 'string' },
        { key: 'attr2', name: '积分', type: 'integer' },
      ]);
      // 首次出现 = the cookie's first visit; 最后活跃 = the last inbound event; 创建时间 = the identify.
      expect(d.system.firstSeenAt).toBe(base);
      expect(d.system.lastActiveAt).toBe(base + 3 * DAY);
      expect(d.system.createdAt).toBe(base + HOUR);
      expect(d.system.createdUtm).toEqual({ source: 'baidu', medium: 'cpc', campaign: 'spring', content: null, term: null });
      const types = d.accounts.map((a: { idType: string }) => a.idType).sort();
      expect(types).toEqual([ANONYMOUS_ID, EXTERNAL_ID].sort());
      const external = d.accounts.find((a: { idType: string }) => a.idType === EXTERNAL_ID);
      expect(external).toMatchObject({
        channelId: t.channelId,
        channelName: '官网',
        channelType: 'custom',
        userId: 'u-1',
        idTypeLabel: `externalId_${t.channelId}_官网`,
      });
      expect(d.connections).toHaveLength(1);
      expect(d.connections[0]).toMatchObject({ channelId: t.channelId, externalIds: ['u-1'], openId: null, unionId: null });
      expect(d.groups).toEqual([]);
      // 合并历史: the pipeline may have merged the cookie's anonymous contact into this one when identified.
      expect(d.merges.nextCursor).toBeNull();
      for (const merge of d.merges.items) expect(merge).toMatchObject({ survivorId: person, rule: 'anonymous_identified' });

      // An unknown id and another tenant's style of id: 404.
      expect((await t.staff.request('GET', '/api/v1/console/contacts/999999999')).statusCode).toBe(404);
    });

    it('shows WeChat connections with their OpenID and UnionID', async () => {
      const { t, person, contacts } = await seeded(ctx.app);
      const oa = await ctx.app
        .service(channelsServiceRef)
        .register(t.tenantId, { type: 'wechat', name: '服务号', channelKey: 'wx1234567890abcdef' }, null);
      const fan = await contacts.recordAccount(t.tenantId, {
        channelId: String(oa.id),
        idType: 'wechat.openId',
        userId: 'o-fan-1',
        unionId: 'u-union-1',
      });
      const merged = await contacts.merge(t.tenantId, [person, fan], { rule: 'manual', actorStaffId: null });
      const survivor = merged!.survivorId;
      const d = (await t.staff.request('GET', `/api/v1/console/contacts/${survivor}`)).body;
      const wechat = d.connections.find((c: { channelType: string }) => c.channelType === 'wechat');
      expect(wechat).toMatchObject({
        channelId: String(oa.id),
        channelName: '服务号',
        channelKey: 'wx1234567890abcdef',
        openId: 'o-fan-1',
        unionId: 'u-union-1',
      });
    });

    it('answers a merged-away id with its survivor and says so; the merge history is the contact’s', async () => {
      const { t, person, other, contacts } = await seeded(ctx.app);
      const merge = await contacts.merge(t.tenantId, [person, other], { rule: 'manual', actorStaffId: t.tenant.staffId });
      const { survivorId, mergedId } = merge!;
      const res = await t.staff.request('GET', `/api/v1/console/contacts/${mergedId}`);
      expect(res.statusCode).toBe(200);
      expect(res.body.id).toBe(survivorId);
      expect(res.body.redirectedFrom).toBe(mergedId);
      // Newest first: the manual merge, then any the pipeline made of these two people (all of the tenant's).
      const tenantHistory = (await t.staff.request('GET', '/api/v1/contacts/merges')).body.items;
      expect(res.body.merges.items).toEqual(tenantHistory);
      expect(res.body.merges.items[0]).toMatchObject({ survivorId, mergedId, rule: 'manual', actorStaffId: t.tenant.staffId });
      // Both channels' accounts are the survivor's now.
      expect(new Set(res.body.connections.map((c: { channelName: string }) => c.channelName))).toEqual(new Set(['官网', '门店']));
      const direct = (await t.staff.request('GET', `/api/v1/console/contacts/${survivorId}`)).body;
      expect(direct.redirectedFrom).toBeNull();
    });

    it('timeline: newest first, keyset pages, time range and channel filters, names and dictionary labels', async () => {
      const { t, person, other, storeId, base, contacts } = await seeded(ctx.app);
      await contacts.merge(t.tenantId, [person, other], { rule: 'manual', actorStaffId: null });
      const survivor = await contacts.currentId(t.tenantId, person);
      // A dictionary for the purchase's sku (字典表).
      const dict = await t.staff.request(
        'POST',
        '/api/v1/metadata/dictionaries/upload?target=event&property=sku',
        multipart({ filename: 'sku.csv', content: 'value,label\nA-1,经典款\n' }),
      );
      expect(dict.statusCode, JSON.stringify(dict.body)).toBeLessThan(300);

      const url = `/api/v1/console/contacts/${person}/timeline`;
      const all = await timelineAll(t.staff, `${url}?limit=2`);
      expect(all.pages).toBe(3);
      expect(all.items.map((e) => e.event)).toEqual(['visit', 'signup', 'purchase', 'purchase', 'purchase']);
      const times = all.items.map((e) => e.eventTime);
      expect([...times].sort((a, b) => b - a)).toEqual(times);
      expect(new Set(all.items.map((e) => e.messageId)).size).toBe(5);
      // A merged-away id's timeline is its survivor's.
      expect((await timelineAll(t.staff, `/api/v1/console/contacts/${survivor}/timeline`)).items).toHaveLength(5);

      const purchase = all.items.find((e) => e.event === 'purchase' && e.eventTime === base + DAY)!;
      expect(purchase).toMatchObject({
        names: { 'zh-CN': '购买', 'en-US': '购买' },
        direction: 'inbound',
        channelId: t.channelId,
        channelName: '官网',
        channelType: 'custom',
        journeyId: null,
      });
      const byCode = Object.fromEntries(purchase.properties.map((p: { code: string }) => [p.code, p]));
      expect(byCode.amount).toMatchObject({
        names: { 'zh-CN': '金额' },
        value: 12.5,
        source: 'custom',
        label: null,
        masked: false,
      });
      expect(byCode.sku).toMatchObject({ names: { 'zh-CN': '商品' }, value: 'A-1', label: '经典款' });
      const b2 = all.items.find((e) => e.eventTime === base + 2 * DAY)!;
      expect(b2.properties.find((p: { code: string }) => p.code === 'sku')).toMatchObject({ value: 'B-2', label: null });

      // Channel filter: 门店's visit only.
      const store = await timelineAll(t.staff, `${url}?channelId=${storeId}`);
      expect(store.items.map((e) => e.event)).toEqual(['visit']);
      expect(store.items[0]).toMatchObject({ channelName: '门店', names: { 'zh-CN': '到店' } });
      // Time range [from, to): the two purchases of day 1 and 2.
      const range = await timelineAll(t.staff, `${url}?from=${base + DAY}&to=${base + 3 * DAY}`);
      expect(range.items.map((e) => e.eventTime)).toEqual([base + 2 * DAY, base + DAY]);
      const bad = await t.staff.request('GET', `${url}?from=${base + DAY}&to=${base}`);
      expect(bad.statusCode).toBe(400);
      expect(bad.body.code).toBe('contact_timeline_range_invalid');
      expect((await t.staff.request('GET', `${url}?cursor=garbage`)).statusCode).toBe(400);
    });

    it('timeline: outbound events carry their journey id and follow the caller’s 显示设置', async () => {
      const { t, person, base } = await seeded(ctx.app);
      await ctx.app.olap.forTenant(t.tenantId).load({
        batchId: `outbound-${Date.now()}`,
        events: [
          {
            eventTime: base + 5 * DAY,
            event: 'wechat_template_sent',
            contactId: person,
            messageId: 'out-1',
            direction: 'outbound',
            channelId: t.channelId,
            journeyId: '77',
            properties: { s_templateId: 'tpl-1' },
          },
          {
            eventTime: base + 6 * DAY,
            event: 'wechat_template_result',
            contactId: person,
            messageId: 'out-2',
            direction: 'outbound',
            channelId: t.channelId,
            journeyId: '77',
          },
        ],
      });
      const url = `/api/v1/console/contacts/${person}/timeline`;
      let page = (await t.staff.request('GET', url)).body;
      expect(page.timelineOutbound).toBeNull();
      expect(page.items.slice(0, 2).map((e: { event: string }) => e.event)).toEqual([
        'wechat_template_result',
        'wechat_template_sent',
      ]);
      const sent = page.items[1];
      expect(sent).toMatchObject({ direction: 'outbound', journeyId: '77', names: { 'zh-CN': '推送模板消息' } });
      expect(sent.properties).toEqual([
        expect.objectContaining({
          code: 's_templateId',
          names: { 'zh-CN': '模板 ID', 'en-US': 'Template ID' },
          value: 'tpl-1',
          source: 'system',
        }),
      ]);

      const settings = await t.staff.request('GET', '/api/v1/console/contacts/view-settings');
      expect(settings.statusCode).toBe(200);
      expect(settings.body).toMatchObject({ profileTags: null, timelineOutbound: null });
      const outboundCodes = settings.body.outboundEventTypes.map((e: { code: string }) => e.code);
      expect(outboundCodes).toEqual(expect.arrayContaining(['wechat_template_sent', 'wechat_template_result']));

      // Only 推送模板消息.
      const saved = await t.staff.request('PUT', '/api/v1/console/contacts/view-settings', {
        profileTags: ['12', '15'],
        timelineOutbound: ['wechat_template_sent'],
      });
      expect(saved.statusCode, JSON.stringify(saved.body)).toBe(200);
      expect(saved.body).toMatchObject({ profileTags: ['12', '15'], timelineOutbound: ['wechat_template_sent'] });
      page = (await t.staff.request('GET', url)).body;
      expect(page.timelineOutbound).toEqual(['wechat_template_sent']);
      expect(
        page.items.filter((e: { direction: string }) => e.direction === 'outbound').map((e: { event: string }) => e.event),
      ).toEqual(['wechat_template_sent']);
      expect(page.items.filter((e: { direction: string }) => e.direction === 'inbound')).toHaveLength(4);
      // None.
      await t.staff.request('PUT', '/api/v1/console/contacts/view-settings', { profileTags: null, timelineOutbound: [] });
      page = (await t.staff.request('GET', url)).body;
      expect(page.items.every((e: { direction: string }) => e.direction === 'inbound')).toBe(true);

      // Settings are per staff member: another member still sees every outbound event.
      const viewer = await member(ctx.app, t, ['contacts.view']);
      expect((await viewer.request('GET', '/api/v1/console/contacts/view-settings')).body.timelineOutbound).toBeNull();
      expect(
        (await viewer.request('GET', url)).body.items.filter((e: { direction: string }) => e.direction === 'outbound'),
      ).toHaveLength(2);
    });

    it('creates a contact by hand: identified with a name, mobile or email; operation log; OLAP follows', async () => {
      const { t } = await seeded(ctx.app);
      const before = Date.now();
      const res = await t.staff.request('POST', '/api/v1/console/contacts', {
        name: '李四',
        mobilePhone: '13900000001',
        gender: 'female',
        birthday: '2000-02-29',
        state: '浙江',
        props: { attr1: '银卡', attr2: '20' },
      });
      expect(res.statusCode, JSON.stringify(res.body)).toBe(201);
      const created = res.body;
      expect(created.identified).toBe(true);
      expect(created.profile).toMatchObject({
        name: '李四',
        mobilePhone: '13900000001',
        state: '浙江',
        props: { attr1: '银卡', attr2: 20 },
      });
      expect(created.system.createdAt).toBeGreaterThanOrEqual(before);
      expect(created.system.firstSeenAt).toBe(created.system.createdAt);
      expect(created.system.lastActiveAt).toBeNull();
      expect(created.accounts).toEqual([]);
      expect(created.age).toBe(ageOn('2000-02-29', todayIn('Asia/Shanghai')));

      // Only a company: anonymous, no created time.
      const anonymous = (await t.staff.request('POST', '/api/v1/console/contacts', { company: '某公司' })).body;
      expect(anonymous.identified).toBe(false);
      expect(anonymous.system.createdAt).toBeNull();

      // In OLAP at once (the outbox was drained).
      const olap = await ctx.app.olap
        .forTenant(t.tenantId)
        .query('SELECT name, identified FROM contacts WHERE id = ?', { params: [created.id], rowMode: 'json' });
      expect(olap.rows[0]).toMatchObject({ name: '李四' });

      const logs = await t.staff.request('GET', '/api/v1/operation-logs?objectType=contact&operation=create');
      expect(logs.statusCode).toBe(200);
      const row = logs.body.items.find((item: { objectId: string }) => item.objectId === created.id);
      expect(row).toMatchObject({ staffId: t.tenant.staffId, operation: 'create', objectType: 'contact' });
      expect(row.detail.fieldIds).toEqual(expect.arrayContaining(['name', 'mobilePhone', 'attr1', 'attr2']));
      expect(row.detail.identified).toBe(true);
      // The log holds keys, never values.
      expect(JSON.stringify(row)).not.toContain('李四');
    });

    it('edits a contact: changes saved, identified when it gets an email, nothing written when nothing changes', async () => {
      const { t } = await seeded(ctx.app);
      const contact = (await t.staff.request('POST', '/api/v1/console/contacts', { company: '某公司' })).body;
      const edited = await t.staff.request('PATCH', `/api/v1/console/contacts/${contact.id}`, {
        email: 'li@example.com',
        company: '',
        props: { attr2: 5 },
      });
      expect(edited.statusCode, JSON.stringify(edited.body)).toBe(200);
      expect(edited.body.identified).toBe(true);
      expect(edited.body.profile).toMatchObject({ email: 'li@example.com', company: null, props: { attr2: 5 } });
      expect(edited.body.system.createdAt).not.toBeNull();
      const updatedAt = edited.body.system.updatedAt;
      const same = await t.staff.request('PATCH', `/api/v1/console/contacts/${contact.id}`, { email: 'li@example.com' });
      expect(same.body.system.updatedAt).toBe(updatedAt);

      const logs = (await t.staff.request('GET', '/api/v1/operation-logs?objectType=contact&operation=edit')).body.items.filter(
        (item: { objectId: string }) => item.objectId === contact.id,
      );
      expect(logs).toHaveLength(1);
      expect(logs[0].detail).toEqual({ fieldIds: ['email', 'company', 'attr2'], identified: true });
      const olap = await ctx.app.olap
        .forTenant(t.tenantId)
        .query('SELECT email, company FROM contacts WHERE id = ?', { params: [contact.id], rowMode: 'json' });
      expect(olap.rows[0]).toMatchObject({ email: 'li@example.com', company: null });
      expect((await t.staff.request('PATCH', '/api/v1/console/contacts/999999999', { name: 'x' })).statusCode).toBe(404);
    });

    it('refuses what identify refuses, with field codes', async () => {
      const { t, person } = await seeded(ctx.app);
      const cases: [Record<string, unknown>, string, string][] = [
        [{ name: 'x', gender: 'robot' }, 'gender', 'contact_gender_invalid'],
        [{ name: 'x', birthday: '2023-02-29' }, 'birthday', 'contact_birthday_invalid'],
        [{ name: 'x'.repeat(256) }, 'name', 'contact_value_too_long'],
        [{ name: 7 }, 'name', 'contact_value_invalid'],
        [{ name: 'x', hobby: 'chess' }, 'hobby', 'contact_field_unknown'],
        [{ name: 'x', props: { attr99: 'x' } }, 'props.attr99', 'contact_attribute_unknown'],
        [{ name: 'x', props: { attr2: 'many' } }, 'props.attr2', 'contact_attribute_invalid'],
        [{ name: 'x', utm: { source: 'x' } }, 'utm', 'contact_field_readonly'],
        [{ name: 'x', createdAt: 1 }, 'createdAt', 'contact_field_readonly'],
        [{ name: 'x', externalId: 'e-1' }, 'externalId', 'contact_field_unknown'],
      ];
      for (const [body, path, code] of cases) {
        for (const [method, url] of [
          ['POST', '/api/v1/console/contacts'],
          ['PATCH', `/api/v1/console/contacts/${person}`],
        ] as const) {
          const res = await t.staff.request(method, url, body);
          expect(res.statusCode, `${method} ${JSON.stringify(body)}`).toBe(400);
          expect(res.body.code).toBe('contact_invalid');
          expect(res.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ path, code })]));
        }
      }
      const empty = await t.staff.request('POST', '/api/v1/console/contacts', { name: '', props: {} });
      expect(empty.statusCode).toBe(400);
      expect(empty.body.code).toBe('contact_empty');
      // Nothing was written.
      expect((await t.staff.request('GET', `/api/v1/console/contacts/${person}`)).body.profile.name).toBe('张三');
    });

    it('masking: detail, form, edit (blank keeps, typed saves), create, timeline properties, merge history', async () => {
      const { t, person, other, contacts } = await seeded(ctx.app);
      await mask(t, 'mobilePhone', 'attr1', 'birthday');
      const staff = await member(ctx.app, t, ['contacts.view', 'contacts.edit']);

      // Detail.
      const d = (await staff.request('GET', `/api/v1/console/contacts/${person}`)).body;
      expect(d.profile).toMatchObject({ name: '张三', mobilePhone: '***', birthday: '***', props: { attr1: '***', attr2: 300 } });
      expect(d.maskedFields).toEqual(['attr1', 'birthday', 'mobilePhone']);
      expect(d.age).toBeNull();
      expect(JSON.stringify(d)).not.toContain('13800000000');
      // The super staff sees clear text.
      const clear = (await t.staff.request('GET', `/api/v1/console/contacts/${person}`)).body;
      expect(clear.profile).toMatchObject({ mobilePhone: '13800000000', props: { attr1: '金卡' } });
      expect(clear.maskedFields).toEqual([]);

      // Edit form: blank, not even ***.
      const form = (await staff.request('GET', `/api/v1/console/contacts/${person}/form`)).body;
      expect(form.profile).toMatchObject({ name: '张三', mobilePhone: null, birthday: null, props: { attr1: null, attr2: 300 } });
      expect(JSON.stringify(form)).not.toContain('13800000000');

      // Submitting the form as shown (masked fields blank or ***) keeps the stored values.
      const kept = await staff.request('PATCH', `/api/v1/console/contacts/${person}`, {
        ...form.profile,
        birthday: '***',
        name: '张三丰',
      });
      expect(kept.statusCode, JSON.stringify(kept.body)).toBe(200);
      expect(kept.body.profile).toMatchObject({ name: '张三丰', mobilePhone: '***', props: { attr1: '***' } });
      let row = (await t.staff.request('GET', `/api/v1/console/contacts/${person}`)).body.profile;
      expect(row).toMatchObject({ name: '张三丰', mobilePhone: '13800000000', birthday: '1990-10-01', props: { attr1: '金卡' } });

      // A typed value is saved and stays masked.
      const typed = await staff.request('PATCH', `/api/v1/console/contacts/${person}`, {
        mobilePhone: '13700000000',
        props: { attr1: '白金卡' },
      });
      expect(typed.body.profile).toMatchObject({ mobilePhone: '***', props: { attr1: '***' } });
      row = (await t.staff.request('GET', `/api/v1/console/contacts/${person}`)).body.profile;
      expect(row).toMatchObject({ mobilePhone: '13700000000', props: { attr1: '白金卡' } });

      // Create: typed normally, answered masked.
      const created = await staff.request('POST', '/api/v1/console/contacts', { name: '王五', mobilePhone: '13600000000' });
      expect(created.statusCode).toBe(201);
      expect(created.body.profile.mobilePhone).toBe('***');
      expect((await t.staff.request('GET', `/api/v1/console/contacts/${created.body.id}`)).body.profile.mobilePhone).toBe(
        '13600000000',
      );

      // Timeline: the signup's phone (code alias) and contact_no (named 手机号码) mirror the mobile.
      const signup = (await staff.request('GET', `/api/v1/console/contacts/${person}/timeline`)).body.items.find(
        (e: { event: string }) => e.event === 'signup',
      );
      const props = Object.fromEntries(signup.properties.map((p: { code: string }) => [p.code, p]));
      expect(props.phone).toMatchObject({ value: '***', masked: true, label: null });
      expect(props.contact_no).toMatchObject({ value: '***', masked: true });
      expect(props.plan).toMatchObject({ value: 'gold', masked: false });
      const clearSignup = (await t.staff.request('GET', `/api/v1/console/contacts/${person}/timeline`)).body.items.find(
        (e: { event: string }) => e.event === 'signup',
      );
      expect(clearSignup.properties.find((p: { code: string }) => p.code === 'phone')).toMatchObject({
        value: '13800000000',
        masked: false,
      });

      // Merge history on the detail: values before the merge masked.
      await contacts.merge(t.tenantId, [person, other], { rule: 'manual', actorStaffId: null });
      const merged = (await staff.request('GET', `/api/v1/console/contacts/${person}`)).body;
      expect(merged.merges.items[0]).toMatchObject({ rule: 'manual' });
      expect(JSON.stringify(merged.merges.items)).not.toContain('13700000000');
    });

    it('permissions: editing and creating need contacts.edit; viewing is for every role', async () => {
      const { t, person } = await seeded(ctx.app);
      const viewer = await member(ctx.app, t, ['contacts.view']);
      expect((await viewer.request('GET', `/api/v1/console/contacts/${person}`)).statusCode).toBe(200);
      expect((await viewer.request('GET', `/api/v1/console/contacts/${person}/timeline`)).statusCode).toBe(200);
      expect(
        (await viewer.request('PUT', '/api/v1/console/contacts/view-settings', { profileTags: null, timelineOutbound: [] }))
          .statusCode,
      ).toBe(200);
      expect((await viewer.request('PATCH', `/api/v1/console/contacts/${person}`, { name: 'x' })).statusCode).toBe(403);
      expect((await viewer.request('POST', '/api/v1/console/contacts', { name: 'x' })).statusCode).toBe(403);
      expect((await viewer.request('GET', `/api/v1/console/contacts/${person}/form`)).statusCode).toBe(403);
      expect((await t.staff.request('GET', `/api/v1/console/contacts/${person}`)).body.profile.name).toBe('张三');
      // Open API apps have their own routes: the console's are for staff only.
      expect((await t.api.request('GET', `/api/v1/console/contacts/${person}`)).statusCode).toBe(403);
    });
  },
  { plugins: firstPartyPlugins },
);
