import { expect, it } from 'vitest';
import { kernelServices } from '../../src/kernel/services.js';
import { EXTERNAL_ID, ANONYMOUS_ID } from '../../src/modules/contacts/contacts.types.js';
import { contactsServiceRef } from '../../src/modules/contacts/contacts.service.js';
import { ingestTenant, uuidv7 } from '../ingestion/support.js';
import { firstPartyPlugins } from '../support/plugins.js';
import { Client, describeEngines, type InjectResult, type TestApp } from '../support/test-app.js';

type Tenant = Awaited<ReturnType<typeof ingestTenant>>;

const HOUR = 3600_000;

/**
 * A tenant with data sent through the real pipeline: custom fields 会员等级 (attr1, string) and 积分
 * (attr2, integer); an identified contact u-1 (with a cookie account) and its purchases; an
 * anonymous contact; then drained (inbox → OLTP contacts → OLAP).
 */
async function seeded(app: TestApp) {
  const t = await ingestTenant(app);
  for (const [name, type] of [
    ['会员等级', 'string'],
    ['积分', 'integer'],
  ] as const)
    expect((await t.staff.request('POST', '/api/v1/metadata/contact-fields', { name, type })).statusCode).toBe(201);
  const base = Date.now() - 10 * HOUR;
  const sent = await t.collect('batch', {
    batch: [
      {
        type: 'track',
        anonymousId: 'ck-1',
        event: 'purchase',
        properties: { amount: 1 },
        timestamp: new Date(base).toISOString(),
      },
      {
        type: 'identify',
        anonymousId: 'ck-1',
        userId: 'u-1',
        timestamp: new Date(base + HOUR).toISOString(),
        traits: {
          name: '张三',
          mobilePhone: '13800000000',
          email: 'zhang@example.com',
          gender: 'male',
          birthday: '1990-10-01',
          state: '广东',
          city: '深圳',
          homePhone: '0755-1234',
          utm: { source: 'baidu', campaign: 'spring' },
          props: { attr1: '金卡', attr2: 300 },
        },
      },
      {
        type: 'track',
        userId: 'u-1',
        event: 'purchase',
        properties: { amount: '12.5', sku: 'A-1', coupon: 'X9' },
        timestamp: new Date(base + 2 * HOUR).toISOString(),
      },
      {
        type: 'track',
        anonymousId: 'ck-2',
        event: 'purchase',
        properties: { amount: 2 },
        timestamp: new Date(base).toISOString(),
      },
    ],
  });
  expect(sent.statusCode).toBe(200);
  await t.drain();
  const contacts = app.service(contactsServiceRef);
  const person = (await contacts.contactOfAccount(t.tenantId, t.channelId, EXTERNAL_ID, 'u-1'))!;
  const anonymous = (await contacts.contactOfAccount(t.tenantId, t.channelId, ANONYMOUS_ID, 'ck-2'))!;
  expect(person).toBeTruthy();
  expect(anonymous).toBeTruthy();
  return { t, person, anonymous, base };
}

/** The OLAP contact row (the `contacts` relation). */
async function olapContact(app: TestApp, t: Tenant, id: string) {
  const result = await app.olap
    .forTenant(t.tenantId)
    .query('SELECT * FROM contacts WHERE id = ?', { params: [id], rowMode: 'json' });
  return result.rows[0] as Record<string, unknown> | undefined;
}

/** Every page of a cursor list, following nextCursor. */
async function allPages(client: Client, url: string): Promise<{ pages: number; items: Record<string, any>[] }> {
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
    expect(pages).toBeLessThan(100);
  } while (cursor);
  return { pages, items };
}

describeEngines(
  'contacts Open API: detail, batch, list, open ids, update, accounts and events (seed §2.1.4)',
  (ctx) => {
    it('admits only Open API apps: no token and a staff session are refused, and apps hold the read and update permissions', async () => {
      const { t, person } = await seeded(ctx.app);
      const anonymous = new Client(ctx.app.server);
      for (const [method, url, body] of [
        ['GET', `/api/v1/contacts/${person}`],
        ['GET', '/api/v1/contacts'],
        ['POST', '/api/v1/contacts/batch-get', { ids: [person] }],
        ['POST', '/api/v1/contacts/open-ids', { ids: [person] }],
        ['PATCH', `/api/v1/contacts/${person}`, { name: 'x' }],
        ['GET', `/api/v1/contacts/${person}/accounts`],
        ['GET', `/api/v1/contacts/${person}/events`],
      ] as const) {
        expect((await anonymous.request(method, url, body)).statusCode, `${method} ${url} without a token`).toBe(401);
        // The super staff's console session: these are Open API calls (bearer tokens only).
        expect((await t.staff.request(method, url, body)).statusCode, `${method} ${url} as staff`).toBe(401);
      }
      const expired = Client.app(ctx.app.server, 'x'.repeat(43));
      expect((await expired.request('GET', `/api/v1/contacts/${person}`)).body.code).toBe('token_invalid');
      const registry = ctx.app.service(kernelServices.permissions);
      expect([...registry.forApp()]).toEqual(expect.arrayContaining(['contacts.read', 'contacts.update', 'events.read']));
      // Not console permissions: no staff role gets them by default.
      expect(registry.forStaff({ isSuper: false }).has('contacts.read')).toBe(false);
      // Nothing was changed by the refused update.
      expect((await t.api.request('GET', `/api/v1/contacts/${person}`)).body.name).toBe('张三');
    });

    it("answers 404 contact_not_found for an unknown id and for another tenant's contact, and leaves it unchanged", async () => {
      const victim = await seeded(ctx.app);
      const attacker = await ingestTenant(ctx.app);
      const id = victim.person;
      for (const [method, url, body] of [
        ['GET', `/api/v1/contacts/${id}`],
        ['PATCH', `/api/v1/contacts/${id}`, { name: 'hijacked' }],
        ['GET', `/api/v1/contacts/${id}/accounts`],
        ['GET', `/api/v1/contacts/${id}/events`],
        ['GET', '/api/v1/contacts/999999999999'],
        ['PATCH', '/api/v1/contacts/999999999999', { name: 'x' }],
      ] as const) {
        const res = await attacker.api.request(method, url, body);
        expect(res.statusCode, `${method} ${url}`).toBe(404);
        expect(res.body.code).toBe('contact_not_found');
      }
      const batch = await attacker.api.request('POST', '/api/v1/contacts/batch-get', { ids: [id, victim.anonymous] });
      expect(batch.body).toEqual({ items: [], notFound: [id, victim.anonymous], merged: {} });
      const openIds = await attacker.api.request('POST', '/api/v1/contacts/open-ids', { ids: [id] });
      expect(openIds.body).toEqual({ items: [], notFound: [id], merged: {} });
      expect((await attacker.api.request('GET', '/api/v1/contacts')).body).toEqual({ items: [], nextCursor: null });
      const mine = await victim.t.api.request('GET', `/api/v1/contacts/${id}`);
      expect(mine.body).toMatchObject({ id, name: '张三' });
    });

    it('refuses bad input: 101 ids, ids that are not ids, a limit over 200, a forged cursor', async () => {
      const { t, person } = await seeded(ctx.app);
      const ids = Array.from({ length: 101 }, (_, i) => String(i + 1));
      for (const path of ['/api/v1/contacts/batch-get', '/api/v1/contacts/open-ids']) {
        const tooMany = await t.api.request('POST', path, { ids });
        expect(tooMany.statusCode).toBe(400);
        expect(tooMany.body).toMatchObject({ code: 'validation_failed', details: [{ path: 'ids', code: 'array.max' }] });
        expect((await t.api.request('POST', path, { ids: ids.slice(0, 100) })).statusCode).toBe(200);
        expect((await t.api.request('POST', path, { ids: [] })).statusCode).toBe(400);
        expect((await t.api.request('POST', path, { ids: ['abc'] })).statusCode).toBe(400);
        expect((await t.api.request('POST', path, { ids: [Number(person)] })).statusCode).toBe(400);
      }
      expect((await t.api.request('GET', '/api/v1/contacts/abc')).statusCode).toBe(400);
      expect((await t.api.request('GET', '/api/v1/contacts?limit=201')).statusCode).toBe(400);
      expect((await t.api.request('GET', '/api/v1/contacts?limit=0')).statusCode).toBe(400);
      expect((await t.api.request('GET', `/api/v1/contacts/${person}/events?limit=201`)).statusCode).toBe(400);
      const forged = Buffer.from(JSON.stringify(['contacts', '1 OR 1=1'])).toString('base64url');
      const eventsCursor = Buffer.from(JSON.stringify(['events', 1, 'm', 'e'])).toString('base64url');
      for (const url of [
        '/api/v1/contacts?cursor=not-a-cursor',
        `/api/v1/contacts?cursor=${forged}`,
        `/api/v1/contacts?cursor=${eventsCursor}`,
        `/api/v1/contacts/${person}/events?cursor=not-a-cursor`,
        `/api/v1/contacts/${person}/events?cursor=${forged}`,
      ]) {
        const res = await t.api.request('GET', url);
        expect(res.statusCode, url).toBe(400);
        expect(res.body.code, url).toBe('cursor_invalid');
      }
    });

    it('shows a contact: every system field by its API name, props.attrN, created utm, times and channel accounts', async () => {
      const { t, person, base } = await seeded(ctx.app);
      const res = await t.api.request('GET', `/api/v1/contacts/${person}`);
      expect(res.statusCode).toBe(200);
      const contact = res.body;
      expect(contact).toEqual({
        id: person,
        identified: true,
        name: '张三',
        nickname: null,
        gender: 'male',
        birthday: '1990-10-01',
        mobilePhone: '13800000000',
        email: 'zhang@example.com',
        avatar: null,
        company: null,
        department: null,
        title: null,
        industry: null,
        homePhone: '0755-1234',
        idCard: null,
        postalCode: null,
        country: null,
        state: '广东',
        city: '深圳',
        street: null,
        website: null,
        comment: null,
        props: { attr1: '金卡', attr2: 300 },
        utm: { source: 'baidu', medium: null, campaign: 'spring', content: null, term: null },
        firstSeenAt: base,
        lastActiveAt: base + 2 * HOUR,
        createdAt: base + HOUR,
        updatedAt: expect.any(Number),
        accounts: [
          {
            id: expect.any(String),
            channelId: t.channelId,
            channelType: 'custom',
            idType: 'anonymousId',
            userId: 'ck-1',
            firstSeenAt: base,
            createdAt: expect.any(Number),
          },
          {
            id: expect.any(String),
            channelId: t.channelId,
            channelType: 'custom',
            idType: 'externalId',
            userId: 'u-1',
            firstSeenAt: base + HOUR,
            createdAt: expect.any(Number),
          },
        ],
      });
      const accounts = await t.api.request('GET', `/api/v1/contacts/${person}/accounts`);
      expect(accounts.body).toEqual({ items: contact.accounts });
    });

    it('lists every contact once across pages, by id ascending, and filters identified and updatedSince', async () => {
      const { t, person, anonymous } = await seeded(ctx.app);
      // 12 more anonymous contacts.
      const batch = Array.from({ length: 12 }, (_, i) => ({ type: 'track', anonymousId: `page-${i}`, event: 'purchase' }));
      expect((await t.collect('batch', { batch })).statusCode).toBe(200);
      await t.drain();
      const { pages, items } = await allPages(t.api, '/api/v1/contacts?limit=5');
      const ids = items.map((c) => c.id as string);
      expect(ids).toHaveLength(14);
      expect(pages).toBe(3);
      expect(new Set(ids).size).toBe(14);
      expect(ids).toEqual([...ids].sort((a, b) => Number(a) - Number(b)));
      expect(ids).toEqual(expect.arrayContaining([person, anonymous]));
      // The default page holds them all; the last page says so.
      const all = await t.api.request('GET', '/api/v1/contacts');
      expect(all.body.items.map((c: { id: string }) => c.id)).toEqual(ids);
      expect(all.body.nextCursor).toBeNull();

      const identified = await allPages(t.api, '/api/v1/contacts?identified=true&limit=1');
      expect(identified.items.map((c) => c.id)).toEqual([person]);
      const anonymousOnes = await allPages(t.api, '/api/v1/contacts?identified=false&limit=4');
      expect(anonymousOnes.items).toHaveLength(13);

      const since = Date.now() + 1;
      const patched = await t.api.request('PATCH', `/api/v1/contacts/${anonymous}`, { company: '汇流' });
      expect(patched.body.updatedAt).toBeGreaterThanOrEqual(since);
      const updated = await t.api.request('GET', `/api/v1/contacts?updatedSince=${since}`);
      expect(updated.body.items.map((c: { id: string }) => c.id)).toEqual([anonymous]);
    });

    it('gets contacts in a batch in the order asked, once each, with the unknown ids in notFound', async () => {
      const { t, person, anonymous } = await seeded(ctx.app);
      const res = await t.api.request('POST', '/api/v1/contacts/batch-get', {
        ids: [anonymous, '999999999999', person, anonymous],
      });
      expect(res.statusCode).toBe(200);
      expect(res.body.items.map((c: { id: string }) => c.id)).toEqual([anonymous, person]);
      expect(res.body.notFound).toEqual(['999999999999']);
      expect(res.body.items[1]).toEqual((await t.api.request('GET', `/api/v1/contacts/${person}`)).body);
      expect(res.body.items[0]).toMatchObject({ identified: false, name: null, createdAt: null, accounts: [{ userId: 'ck-2' }] });
    });

    it('gives each contact its openIds per official account AppID and its unionIds', async () => {
      const { t, person, anonymous } = await seeded(ctx.app);
      // WeChat fans arrive with the WeChat connector (not built yet): its channels and accounts as rows.
      const db = ctx.app.oltp.forTenant(t.tenantId);
      const now = Date.now();
      const channel = (key: string) =>
        db.insert('channel', {
          type: 'wechat',
          channel_key: key,
          name: key,
          status: 'active',
          created_by: null,
          created_at: now,
          updated_at: now,
        });
      const first = await channel('wx1111111111111111');
      const second = await channel('wx2222222222222222');
      const account = (channelId: string, idType: string, userId: string, contactId: string) =>
        db.insert('channel_account', {
          channel_id: channelId,
          id_type: idType,
          user_id: userId,
          contact_id: contactId,
          first_seen_at: now,
          created_at: now,
          updated_at: now,
        });
      await account(first, 'wechat.openId', 'oAAA-person', person);
      await account(second, 'wechat.openId', 'oBBB-person', person);
      await account(first, 'wechat.unionId', 'uUNION-person', person);
      const res = await t.api.request('POST', '/api/v1/contacts/open-ids', { ids: [person, anonymous, '999999999999'] });
      expect(res.statusCode).toBe(200);
      expect(res.body).toEqual({
        items: [
          {
            contactId: person,
            openIds: [
              { appId: 'wx1111111111111111', channelId: first, openId: 'oAAA-person' },
              { appId: 'wx2222222222222222', channelId: second, openId: 'oBBB-person' },
            ],
            unionIds: ['uUNION-person'],
          },
          { contactId: anonymous, openIds: [], unionIds: [] },
        ],
        notFound: ['999999999999'],
        merged: {},
      });
      // The detail lists them among the accounts, with the channel type.
      const detail = await t.api.request('GET', `/api/v1/contacts/${person}`);
      expect(detail.body.accounts.filter((a: { channelType: string }) => a.channelType === 'wechat')).toHaveLength(3);
    });

    it('refuses an update with field codes (birthday is not writable through the Open API) and writes nothing', async () => {
      const { t, person } = await seeded(ctx.app);
      const before = (await t.api.request('GET', `/api/v1/contacts/${person}`)).body;
      const cases: [Record<string, unknown>, { path: string; code: string }[]][] = [
        [{ birthday: '1991-01-01' }, [{ path: 'birthday', code: 'contact_birthday_readonly' }]],
        [{ dateOfBirthday: '1991-01-01' }, [{ path: 'dateOfBirthday', code: 'contact_birthday_readonly' }]],
        [{ birthday: null }, [{ path: 'birthday', code: 'contact_birthday_readonly' }]],
        [{ gender: 'm' }, [{ path: 'gender', code: 'contact_gender_invalid' }]],
        [{ name: 12 }, [{ path: 'name', code: 'contact_value_invalid' }]],
        [{ mobilePhone: '1'.repeat(65) }, [{ path: 'mobilePhone', code: 'contact_value_too_long' }]],
        [{ props: { attr9: 'x' } }, [{ path: 'props.attr9', code: 'contact_attribute_unknown' }]],
        [{ props: { attr2: 'many' } }, [{ path: 'props.attr2', code: 'contact_attribute_invalid' }]],
        [{ nickName: 'x' }, [{ path: 'nickName', code: 'contact_field_unknown' }]],
        [{ externalId: 'u-2' }, [{ path: 'externalId', code: 'contact_field_unknown' }]],
        [
          { id: '1', updatedAt: 1, name: '李四' },
          [
            { path: 'id', code: 'contact_field_readonly' },
            { path: 'updatedAt', code: 'contact_field_readonly' },
          ],
        ],
      ];
      for (const [body, details] of cases) {
        const res = await t.api.request('PATCH', `/api/v1/contacts/${person}`, body);
        expect(res.statusCode, JSON.stringify(body)).toBe(400);
        expect(res.body.code).toBe('contact_invalid');
        expect(
          res.body.details.map(({ path, code }: { path: string; code: string }) => ({ path, code })),
          JSON.stringify(body),
        ).toEqual(details);
      }
      const english = await t.api.request(
        'PATCH',
        `/api/v1/contacts/${person}`,
        { birthday: '1991-01-01' },
        { 'accept-language': 'en-US' },
      );
      expect(english.body.message).toMatch(/field details/);
      expect((await t.api.request('GET', `/api/v1/contacts/${person}`)).body).toEqual(before);
      await t.drain();
      expect(await olapContact(ctx.app, t, person)).toMatchObject({ name: '张三', birthday: '1990-10-01' });
    });

    it('updates fields and custom fields at once, moves updatedAt only on a change, and OLAP follows through the outbox', async () => {
      const { t, person } = await seeded(ctx.app);
      const before = (await t.api.request('GET', `/api/v1/contacts/${person}`)).body;
      const res = await t.api.request('PATCH', `/api/v1/contacts/${person}`, {
        name: '张三丰',
        company: '汇流',
        city: '',
        state: null,
        props: { attr1: '钻石卡', attr2: '500' },
      });
      expect(res.statusCode).toBe(200);
      expect(res.body).toMatchObject({
        name: '张三丰',
        company: '汇流',
        city: null,
        state: null,
        props: { attr1: '钻石卡', attr2: 500 },
      });
      expect(res.body.updatedAt).toBeGreaterThan(before.updatedAt);
      // Identified already: its created time and utm stay.
      expect(res.body).toMatchObject({ identified: true, createdAt: before.createdAt, utm: before.utm, birthday: '1990-10-01' });
      expect((await t.api.request('GET', `/api/v1/contacts/${person}`)).body).toEqual(res.body);

      // The same values again: nothing changes, not even updatedAt.
      const again = await t.api.request('PATCH', `/api/v1/contacts/${person}`, { name: '张三丰', props: { attr2: 500 } });
      expect(again.body).toEqual(res.body);
      const empty = await t.api.request('PATCH', `/api/v1/contacts/${person}`, {});
      expect(empty.body).toEqual(res.body);

      // OLAP follows once the outbox is drained.
      await t.drain();
      const row = await olapContact(ctx.app, t, person);
      expect(row).toMatchObject({ name: '张三丰', company: '汇流', city: null, province: null, p_1: '钻石卡', p_2: '500' });
      expect(Number(new Date(`${String(row!.updated_at).replace(' ', 'T')}Z`))).toBe(res.body.updatedAt);
    });

    it('identifies an anonymous contact by an update: created time now, created utm from the update', async () => {
      const { t, anonymous } = await seeded(ctx.app);
      const before = Date.now();
      const res = await t.api.request('PATCH', `/api/v1/contacts/${anonymous}`, {
        email: 'li@example.com',
        utm: { source: 'erp', medium: 'api' },
      });
      expect(res.statusCode).toBe(200);
      expect(res.body).toMatchObject({
        identified: true,
        email: 'li@example.com',
        utm: { source: 'erp', medium: 'api', campaign: null, content: null, term: null },
      });
      expect(res.body.createdAt).toBeGreaterThanOrEqual(before);
      // utm of a contact identified already is not changed.
      const later = await t.api.request('PATCH', `/api/v1/contacts/${anonymous}`, { name: '李四', utm: { source: 'other' } });
      expect(later.body.utm.source).toBe('erp');
      expect(later.body.createdAt).toBe(res.body.createdAt);
      // Every identifying value cleared: anonymous again, its created time kept on record.
      const cleared = await t.api.request('PATCH', `/api/v1/contacts/${anonymous}`, { name: null, email: '' });
      expect(cleared.body).toMatchObject({ identified: false, createdAt: res.body.createdAt });
      await t.drain();
      expect(await olapContact(ctx.app, t, anonymous)).toMatchObject({ identified: false, email: null, utm_source: 'erp' });
    });

    it("lists a contact's events newest first, page by page with no duplicate or gap, typed properties back under their codes", async () => {
      const { t, person, anonymous, base } = await seeded(ctx.app);
      // Seven more purchases of u-1, two of them at the same instant (the messageId breaks the tie).
      const same = base + 5 * HOUR;
      const batch = [
        ...Array.from({ length: 5 }, (_, i) => ({ at: base + (3 + i * 0.5) * HOUR })),
        { at: same },
        { at: same },
      ].map(({ at }, i) => ({
        type: 'track',
        messageId: uuidv7(),
        userId: 'u-1',
        event: 'purchase',
        properties: { amount: i, sku: `S-${i}` },
        timestamp: new Date(at).toISOString(),
      }));
      expect((await t.collect('batch', { batch })).statusCode).toBe(200);
      await t.drain();

      const { pages, items } = await allPages(t.api, `/api/v1/contacts/${person}/events?limit=3`);
      // The cookie's purchase before identify, the one after, and the seven.
      expect(items).toHaveLength(9);
      expect(pages).toBe(3);
      expect(new Set(items.map((e) => e.messageId)).size).toBe(9);
      const order = items.map((e) => [e.eventTime, e.messageId]);
      const sorted = [...order].sort(([a, m], [b, n]) => (b !== a ? b - a : n < m ? -1 : n > m ? 1 : 0));
      expect(order).toEqual(sorted);
      const firstPage = (await t.api.request('GET', `/api/v1/contacts/${person}/events`)).body;
      expect(firstPage.items).toEqual(items);
      expect(firstPage.nextCursor).toBeNull();

      const typed = items.find((e) => e.eventTime === base + 2 * HOUR)!;
      expect(typed).toEqual({
        event: 'purchase',
        eventTime: base + 2 * HOUR,
        receivedAt: expect.any(Number),
        messageId: expect.any(String),
        direction: 'inbound',
        channelId: t.channelId,
        channelAccountId: expect.any(String),
        journeyId: null,
        // amount declared number ("12.5" converted), sku declared string, coupon undeclared (extra).
        properties: { amount: 12.5, sku: 'A-1', coupon: 'X9' },
      });

      // A time window [from, to) and an event filter.
      const window = await t.api.request('GET', `/api/v1/contacts/${person}/events?from=${base}&to=${base + 2 * HOUR}`);
      expect(window.body.items.map((e: { eventTime: number }) => e.eventTime)).toEqual([base]);
      const none = await t.api.request('GET', `/api/v1/contacts/${person}/events?event=signup`);
      expect(none.body).toEqual({ items: [], nextCursor: null });

      // Another contact's events are not among them, until it is merged into this one (the events relation).
      const others = (await t.api.request('GET', `/api/v1/contacts/${anonymous}/events`)).body.items;
      expect(others).toHaveLength(1);
      await ctx.app.olap
        .forTenant(t.tenantId)
        .load({ batchId: `test-merge-${uuidv7()}`, aliases: [{ fromContactId: anonymous, toContactId: person }] });
      const merged = await allPages(t.api, `/api/v1/contacts/${person}/events?limit=4`);
      expect(merged.items.map((e) => e.messageId)).toEqual(expect.arrayContaining([others[0].messageId]));
      expect(merged.items).toHaveLength(10);
    });
  },
  { plugins: firstPartyPlugins },
);
