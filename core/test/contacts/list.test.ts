import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import { contactListServiceRef } from '../../src/modules/contacts/list.service.js';
import { defaultColumnKeys } from '../../src/modules/contacts/list.types.js';
import type { Principal } from '../../src/server/principal.js';
import { uuidv7 } from '../ingestion/support.js';
import { firstPartyPlugins } from '../support/plugins.js';
import { describeEngines, type InjectResult, type TestApp } from '../support/test-app.js';
import { identityTenant } from './support.js';

const MINUTE = 60_000;

/** A staff member (not super) with exactly `permissions`, injected like the masking tests' roleHolder, with a chosen id. */
function staffAs(app: TestApp, tenantId: string, staffId: string, permissions: string[]) {
  const principal: Principal = {
    kind: 'staff',
    tenantId,
    staffId,
    isSuper: false,
    sessionId: `list-${staffId}`,
    csrfToken: randomBytes(16).toString('hex'),
    permissions: new Set(permissions),
  };
  return {
    async request<T = any>(method: string, url: string, payload?: object): Promise<InjectResult<T>> {
      const res = await app.server.inject({
        method,
        url,
        payload,
        headers: method === 'GET' ? {} : { 'x-csrf-token': principal.csrfToken },
        auth: { strategy: 'session', credentials: { principal } as never },
      });
      return { statusCode: res.statusCode, body: JSON.parse(res.payload) as T, headers: res.headers };
    },
  };
}

interface Person {
  userId: string;
  traits: Record<string, unknown>;
  /** Minutes after the base: the contact's updated time (ties on purpose). */
  updated: number;
}

const people: Person[] = [
  {
    userId: 'u1',
    updated: 50,
    traits: {
      name: '张三',
      mobilePhone: '13800000001',
      email: 'zhang@example.com',
      state: '上海',
      props: { attr1: '金卡会员', attr2: 300 },
    },
  },
  {
    userId: 'u2',
    updated: 50,
    traits: {
      name: '李四',
      mobilePhone: '13800000002',
      email: 'li@example.com',
      state: '北京',
      props: { attr1: '银卡', attr2: 100 },
    },
  },
  {
    userId: 'u3',
    updated: 40,
    traits: {
      name: '王五',
      mobilePhone: '13900000003',
      email: 'WANG@Example.com',
      state: '上海',
      props: { attr1: '金卡', attr2: 50 },
    },
  },
  { userId: 'u4', updated: 30, traits: { name: '赵六', email: 'zhao@example.com', state: '广东', props: { attr2: 500 } } },
  {
    userId: 'u5',
    updated: 30,
    traits: { name: 'Alice Smith', mobilePhone: '13700000005', state: '上海', props: { attr1: '普通' } },
  },
];
/** Anonymous visitors (a cookie only, a company but no name, mobile or email). */
const visitors = [
  { anonymousId: 'ck-a1', updated: 20 },
  { anonymousId: 'ck-a2', updated: 10 },
  { anonymousId: 'ck-a3', updated: 10 },
];

/**
 * A tenant with custom fields 会员等级 (attr1, string) and 积分 (attr2, integer), five identified
 * contacts and three anonymous ones sent through the pipeline, then each contact's updated time set
 * in OLTP (ties included) and synced to OLAP through the contact outbox.
 */
async function listTenant(app: TestApp) {
  const prefix = uuidv7().slice(-6);
  const t = await identityTenant(app, [`wx-a-${prefix}`, `wx-b-${prefix}`]);
  for (const [name, type] of [
    ['会员等级', 'string'],
    ['积分', 'integer'],
  ] as const)
    expect((await t.staff.request('POST', '/api/v1/metadata/contact-fields', { name, type })).statusCode).toBe(201);
  const sent = await t.collect('batch', {
    batch: [
      ...people.map((p) => ({ type: 'identify', userId: p.userId, traits: p.traits })),
      ...visitors.map((v) => ({ type: 'identify', anonymousId: v.anonymousId, traits: { company: 'ACME' } })),
    ],
  });
  expect(sent.statusCode).toBe(200);
  await t.drain();
  const base = Date.now() - 120 * MINUTE;
  const ids: Record<string, string> = {};
  const updatedAt: Record<string, number> = {};
  for (const p of people) ids[p.userId] = (await t.contactOf(p.userId))!;
  for (const v of visitors) ids[v.anonymousId] = (await t.contactOf(v.anonymousId, 'anonymousId'))!;
  const db = app.oltp.forTenant(t.tenantId);
  for (const [key, minutes] of [
    ...people.map((p) => [p.userId, p.updated]),
    ...visitors.map((v) => [v.anonymousId, v.updated]),
  ] as [string, number][]) {
    updatedAt[key] = base + minutes * MINUTE;
    await db.from('contact').where('id', ids[key]!).update({ updated_at: updatedAt[key] });
  }
  await t.repo.insertChanges(t.tenantId, Object.values(ids), Date.now());
  await t.contacts.syncAll();
  /** Every key ordered as the list must: updated time descending, then id descending. */
  const order = Object.keys(ids).sort((a, b) => updatedAt[b]! - updatedAt[a]! || Number(ids[b]!) - Number(ids[a]!));
  const search = (body: Record<string, unknown>, client: { request: typeof t.staff.request } = t.staff) =>
    client.request('POST', '/api/v1/console/contacts/search', body);
  const keysOf = (res: InjectResult) => {
    expect(res.statusCode, JSON.stringify(res.body)).toBe(200);
    const byId = new Map(Object.entries(ids).map(([key, id]) => [id, key]));
    return (res.body.items as { id: string }[]).map((item) => byId.get(item.id) ?? `other:${item.id}`);
  };
  return { t, ids, updatedAt, order, search, keysOf };
}

const leaf = (property: string, operator: string, values?: (string | number)[], extra: Record<string, unknown> = {}) => ({
  type: 'property',
  property,
  operator,
  ...(values ? { values } : {}),
  ...extra,
});
const and = (...conditions: unknown[]) => ({ type: 'and', conditions });

describeEngines(
  'contact list: kinds, order, keyset pages, filters, keyword, WeChat IDs, columns, masking (seed §1.4)',
  (ctx) => {
    it('lists all, identified and anonymous contacts by updated time descending, then id, with the exact total', async () => {
      const { t, order, search, keysOf } = await listTenant(ctx.app);
      const identified = new Set(people.map((p) => p.userId));
      const all = await search({ kind: 'all', limit: 100 });
      expect(keysOf(all)).toEqual(order);
      expect(all.body.total).toBe(8);
      expect(all.body.nextCursor).toBeNull();
      const named = await search({ kind: 'identified', limit: 100 });
      expect(keysOf(named)).toEqual(order.filter((k) => identified.has(k)));
      expect(named.body.total).toBe(5);
      expect(named.body.items.every((item: { identified: boolean }) => item.identified)).toBe(true);
      const anonymous = await search({ kind: 'anonymous', limit: 100 });
      expect(keysOf(anonymous)).toEqual(order.filter((k) => !identified.has(k)));
      expect(anonymous.body.total).toBe(3);
      // The GET form (no filter) answers the same, default kind all.
      const get = await t.staff.request('GET', '/api/v1/console/contacts?limit=100');
      expect(get.statusCode).toBe(200);
      expect(get.body.items).toHaveLength(8);
    });

    it('pages by keyset: every contact exactly once in order, ties split by id, later pages without a total, stable when a seen contact changes', async () => {
      const { t, ids, order, search, keysOf } = await listTenant(ctx.app);
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res = await search({ limit: 3, ...(cursor ? { cursor } : {}) });
        const keys = keysOf(res);
        seen.push(...keys);
        expect(res.body.total).toBe(pages === 0 ? 8 : null);
        if (pages === 0) {
          // A contact of the first page is updated meanwhile: it moves before the cursor, and the
          // following pages neither repeat it nor skip anyone else.
          await t.staff.request('GET', '/api/v1/console/contacts'); // the list itself never changes anything
          const moved = ids[keys[0]!]!;
          await ctx.app.oltp.forTenant(t.tenantId).from('contact').where('id', moved).update({ updated_at: Date.now() });
          await t.repo.insertChanges(t.tenantId, [moved], Date.now());
          await t.contacts.syncAll();
        }
        cursor = res.body.nextCursor;
        pages += 1;
      } while (cursor && pages < 10);
      expect(pages).toBe(3);
      expect(seen).toEqual(order);
      // The same pages, GET form: the cursor is the same opaque value.
      const first = await t.staff.request('GET', '/api/v1/console/contacts?limit=2&kind=identified');
      const second = await t.staff.request(
        'GET',
        `/api/v1/console/contacts?limit=2&kind=identified&cursor=${encodeURIComponent(first.body.nextCursor)}`,
      );
      expect(keysOf(second)).toHaveLength(2);
      expect(keysOf(second).some((k) => keysOf(first).includes(k))).toBe(false);
    });

    it('filters by system and custom properties with the §3.3 operators (contains on a custom field), ANDed, with the total', async () => {
      const { search, keysOf, order } = await listTenant(ctx.app);
      const only = (...keys: string[]) => order.filter((k) => keys.includes(k));
      const cases: [unknown, string, string[]][] = [
        [and(leaf('attr1', 'contains', ['金卡'])), 'all', only('u1', 'u3')],
        [and(leaf('attr1', 'contains', ['金卡']), leaf('province', 'eq', ['上海'])), 'all', only('u1', 'u3')],
        [and(leaf('province', 'eq', ['上海']), leaf('attr2', 'gt', [60])), 'all', only('u1')],
        [and(leaf('province', 'eq', ['北京', '广东'])), 'all', only('u2', 'u4')],
        // A missing value is "not equal": anonymous contacts have no province.
        [and(leaf('province', 'ne', ['上海'])), 'all', only('u2', 'u4', 'ck-a1', 'ck-a2', 'ck-a3')],
        [and(leaf('province', 'ne', ['上海'])), 'identified', only('u2', 'u4')],
        [and(leaf('mobile', 'empty')), 'identified', only('u4')],
        [and(leaf('mobile', 'notEmpty')), 'all', only('u1', 'u2', 'u3', 'u5')],
        [and(leaf('attr2', 'between', [100, 300])), 'all', only('u1', 'u2')],
        [and(leaf('attr2', 'lte', [100]), leaf('attr2', 'notNull')), 'all', only('u2', 'u3')],
        [and(leaf('attr2', 'isNull')), 'identified', only('u5')],
        // contains is case-sensitive (the engine's semantics): WANG@Example.com does not contain example.com.
        [and(leaf('email', 'notContains', ['example.com'])), 'identified', only('u3', 'u5')],
        [and(leaf('attr1', 'notContains', ['卡'])), 'identified', only('u4', 'u5')],
        [
          and(leaf('createdAt', 'in', undefined, { range: { kind: 'past', days: 1, includeToday: true } })),
          'all',
          only('u1', 'u2', 'u3', 'u4', 'u5'),
        ],
        [and(leaf('identified', 'isFalse')), 'all', only('ck-a1', 'ck-a2', 'ck-a3')],
        [{ type: 'or', conditions: [leaf('name', 'eq', ['张三']), leaf('name', 'eq', ['赵六'])] }, 'all', only('u1', 'u4')],
      ];
      for (const [filter, kind, expected] of cases) {
        const res = await search({ kind, filter, limit: 100 });
        expect(keysOf(res), JSON.stringify(filter)).toEqual(expected);
        expect(res.body.total, JSON.stringify(filter)).toBe(expected.length);
      }
      // Filtered pages page too.
      const first = await search({ filter: and(leaf('mobile', 'notEmpty')), limit: 3 });
      const rest = await search({ filter: and(leaf('mobile', 'notEmpty')), limit: 3, cursor: first.body.nextCursor });
      expect([...keysOf(first), ...keysOf(rest)]).toEqual(only('u1', 'u2', 'u3', 'u5'));
      expect(rest.body.nextCursor).toBeNull();
    });

    it('普通搜索: part of the name, mobile or email (ignoring case), or the contact id, combined with kind and filter', async () => {
      const { ids, search, keysOf, order } = await listTenant(ctx.app);
      const only = (...keys: string[]) => order.filter((k) => keys.includes(k));
      expect(keysOf(await search({ keyword: '张' }))).toEqual(only('u1'));
      expect(keysOf(await search({ keyword: 'alice' }))).toEqual(only('u5'));
      expect(keysOf(await search({ keyword: '1380000000' }))).toEqual(only('u1', 'u2'));
      expect(keysOf(await search({ keyword: 'EXAMPLE.COM' }))).toEqual(only('u1', 'u2', 'u3', 'u4'));
      expect(keysOf(await search({ keyword: '  example.com ', filter: and(leaf('province', 'eq', ['上海'])) }))).toEqual(
        only('u1', 'u3'),
      );
      expect(keysOf(await search({ keyword: ids['ck-a2'] }))).toContain('ck-a2');
      expect(keysOf(await search({ keyword: ids['ck-a2'], kind: 'identified' }))).not.toContain('ck-a2');
      expect(keysOf(await search({ keyword: 'nobody-here' }))).toEqual([]);
      // An empty keyword searches nothing.
      expect(keysOf(await search({ keyword: '' }))).toHaveLength(8);
    });

    it('搜索微信 ID: finds the contact of an OpenID (any official account) or a UnionID, exactly, within the tenant', async () => {
      const { t } = await listTenant(ctx.app);
      const other = await listTenant(ctx.app);
      const fan = await t.contacts.recordAccount(t.tenantId, {
        channelId: t.wechat.id,
        idType: 'wechat.openId',
        userId: 'oFan-open-1',
        unionId: 'uFan-union-1',
      });
      await other.t.contacts.recordAccount(other.t.tenantId, {
        channelId: other.t.wechat.id,
        idType: 'wechat.openId',
        userId: 'oFan-other',
      });
      const byOpenId = await t.staff.request('GET', '/api/v1/console/contacts/wechat-ids?value=oFan-open-1');
      expect(byOpenId.statusCode).toBe(200);
      expect(byOpenId.body.items).toEqual([
        {
          contactId: fan,
          idType: 'wechat.openId',
          channelId: String(t.wechat.id),
          channelName: '服务号',
          name: null,
          identified: false,
        },
      ]);
      const byUnionId = await t.staff.request('GET', '/api/v1/console/contacts/wechat-ids?value=%20uFan-union-1%20');
      expect(byUnionId.body.items.map((i: { contactId: string; idType: string }) => [i.contactId, i.idType])).toEqual([
        [fan, 'wechat.unionId'],
      ]);
      // Exact only, and never another tenant's fan.
      expect((await t.staff.request('GET', '/api/v1/console/contacts/wechat-ids?value=oFan-open')).body.items).toEqual([]);
      expect((await t.staff.request('GET', '/api/v1/console/contacts/wechat-ids?value=oFan-other')).body.items).toEqual([]);
      // An externalId is no WeChat id.
      expect((await t.staff.request('GET', '/api/v1/console/contacts/wechat-ids?value=u1')).body.items).toEqual([]);
      const missing = await t.staff.request('GET', '/api/v1/console/contacts/wechat-ids');
      expect([missing.statusCode, missing.body.code]).toEqual([400, 'validation_failed']);
    });

    it('定制显示列: defaults until saved, saved per staff member in order, contacts.edit to save, unknown or repeated keys refused', async () => {
      const { t, ids, search } = await listTenant(ctx.app);
      const editor = staffAs(ctx.app, t.tenantId, '900000001', ['contacts.view', 'contacts.edit', 'contacts.unmasked']);
      const viewer = staffAs(ctx.app, t.tenantId, '900000002', ['contacts.view', 'contacts.unmasked']);
      const initial = await editor.request('GET', '/api/v1/console/contacts/list-columns');
      expect(initial.statusCode).toBe(200);
      expect(initial.body).toMatchObject({ columns: defaultColumnKeys, isDefault: true });
      const keys = initial.body.available.map((c: { key: string }) => c.key);
      expect(keys).toEqual(expect.arrayContaining(['name', 'mobilePhone', 'state', 'attr1', 'attr2', 'createdAt', 'utm.source']));
      expect(initial.body.available.find((c: { key: string }) => c.key === 'attr1')).toMatchObject({
        source: 'custom',
        name: { 'zh-CN': '会员等级', 'en-US': '会员等级' },
        type: 'string',
        masked: false,
      });

      const chosen = ['attr1', 'name', 'attr2', 'createdAt', 'identified'];
      const saved = await editor.request('PUT', '/api/v1/console/contacts/list-columns', { columns: chosen });
      expect(saved.statusCode, JSON.stringify(saved.body)).toBe(200);
      expect(saved.body).toMatchObject({ columns: chosen, isDefault: false });
      const page = await search({ kind: 'identified', filter: and(leaf('name', 'eq', ['张三'])) }, editor);
      expect(page.body.columns.map((c: { key: string }) => c.key)).toEqual(chosen);
      expect(page.body.items).toEqual([
        {
          id: ids.u1,
          identified: true,
          updatedAt: expect.any(Number),
          values: { attr1: '金卡会员', name: '张三', attr2: 300, createdAt: expect.any(Number), identified: true },
        },
      ]);
      // Saved again: replaced. The other staff member still has the defaults.
      expect((await editor.request('PUT', '/api/v1/console/contacts/list-columns', { columns: ['email'] })).body.columns).toEqual(
        ['email'],
      );
      const other = await search({ filter: and(leaf('name', 'eq', ['张三'])) }, viewer);
      expect(other.body.columns.map((c: { key: string }) => c.key)).toEqual(defaultColumnKeys);
      expect(other.body.items[0].values).toMatchObject({
        name: '张三',
        mobilePhone: '13800000001',
        email: 'zhang@example.com',
        state: '上海',
      });

      // Saving needs contacts.edit (用户-编辑: 定制显示列).
      const refused = await viewer.request('PUT', '/api/v1/console/contacts/list-columns', { columns: ['name'] });
      expect(refused.statusCode).toBe(403);
      const bad = await editor.request('PUT', '/api/v1/console/contacts/list-columns', { columns: ['name', 'attr99', 'name'] });
      expect(bad.statusCode).toBe(400);
      expect(bad.body.code).toBe('contact_list_columns_invalid');
      expect(bad.body.details.map(({ path, code }: { path: string; code: string }) => ({ path, code }))).toEqual([
        { path: 'columns.1', code: 'contact_list_column_unknown' },
        { path: 'columns.2', code: 'contact_list_column_duplicate' },
      ]);
      for (const columns of [[], 'name', [1]]) {
        const res = await editor.request('PUT', '/api/v1/console/contacts/list-columns', { columns });
        expect([res.statusCode, res.body.code]).toEqual([400, 'validation_failed']);
      }
      expect((await editor.request('GET', '/api/v1/console/contacts/list-columns')).body.columns).toEqual(['email']);
    });

    it('masks list rows for staff without 联系人不脱敏, refuses filters on masked fields and leaves them out of the keyword search', async () => {
      const { t, ids, search, keysOf, order } = await listTenant(ctx.app);
      for (const key of ['mobilePhone', 'attr1'])
        expect((await t.staff.request('PUT', `/api/v1/contact-field-masks/${key}`, { masked: true })).statusCode).toBe(200);
      const masked = staffAs(ctx.app, t.tenantId, '900000003', ['contacts.view', 'contacts.edit']);
      const clear = staffAs(ctx.app, t.tenantId, '900000004', ['contacts.view', 'contacts.edit', 'contacts.unmasked']);
      for (const client of [masked, clear])
        expect(
          (
            await client.request('PUT', '/api/v1/console/contacts/list-columns', {
              columns: ['name', 'mobilePhone', 'attr1', 'attr2'],
            })
          ).statusCode,
        ).toBe(200);

      const rows = await search({ kind: 'identified', limit: 100 }, masked);
      expect(rows.body.columns.map((c: { key: string; masked: boolean }) => [c.key, c.masked])).toEqual([
        ['name', false],
        ['mobilePhone', true],
        ['attr1', true],
        ['attr2', false],
      ]);
      const byId = new Map(rows.body.items.map((i: { id: string; values: unknown }) => [i.id, i.values]));
      expect(byId.get(ids.u1)).toEqual({ name: '张三', mobilePhone: '***', attr1: '***', attr2: 300 });
      // Empty stays empty: "no mobile" is told from "a mobile you may not see".
      expect(byId.get(ids.u4)).toEqual({ name: '赵六', mobilePhone: null, attr1: null, attr2: 500 });
      expect(JSON.stringify(rows.body)).not.toContain('13800000001');
      expect(JSON.stringify(rows.body)).not.toContain('金卡');

      const clearRows = await search({ kind: 'identified', limit: 100 }, clear);
      expect(new Map(clearRows.body.items.map((i: { id: string; values: unknown }) => [i.id, i.values])).get(ids.u1)).toEqual({
        name: '张三',
        mobilePhone: '13800000001',
        attr1: '金卡会员',
        attr2: 300,
      });
      expect((await search({ filter: and(leaf('attr1', 'contains', ['金卡'])) }, clear)).body.total).toBe(2);
      // Super staff see clear text too.
      expect((await search({ filter: and(leaf('mobile', 'contains', ['1380'])) })).body.total).toBe(2);

      // Filtering by a masked field would reveal it (contains, digit by digit): refused, with the leaf's path.
      const refused = await search(
        { filter: and(leaf('province', 'eq', ['上海']), leaf('mobile', 'contains', ['1380']), leaf('attr1', 'notEmpty')) },
        masked,
      );
      expect(refused.statusCode).toBe(400);
      expect(refused.body.code).toBe('contact_filter_invalid');
      expect(refused.body.details.map(({ path, code }: { path: string; code: string }) => ({ path, code }))).toEqual([
        { path: 'conditions.1.property', code: 'contact_filter_field_masked' },
        { path: 'conditions.2.property', code: 'contact_filter_field_masked' },
      ]);
      // The keyword skips the masked mobile (name and email still searched).
      expect(keysOf(await search({ keyword: '1380000000' }, masked))).toEqual([]);
      expect(keysOf(await search({ keyword: '1380000000' }, clear))).toEqual(order.filter((k) => k === 'u1' || k === 'u2'));
      expect(keysOf(await search({ keyword: '张' }, masked))).toEqual(['u1']);
    });

    it('refuses bad input with 400 and stable codes', async () => {
      const { t, search } = await listTenant(ctx.app);
      const expectCode = async (res: InjectResult, code: string, detail?: string) => {
        expect(res.statusCode, JSON.stringify(res.body)).toBe(400);
        expect(res.body.code).toBe(code);
        if (detail) expect(res.body.details.map((d: { code: string }) => d.code)).toContain(detail);
      };
      await expectCode(await search({ kind: 'tracked' }), 'validation_failed');
      await expectCode(await search({ limit: 0 }), 'validation_failed');
      await expectCode(await search({ limit: 101 }), 'validation_failed');
      await expectCode(await search({ keyword: 'x'.repeat(101) }), 'validation_failed');
      await expectCode(await search({ cursor: 'not-a-cursor' }), 'cursor_invalid');
      await expectCode(
        await search({ cursor: Buffer.from(JSON.stringify(['contacts', '5'])).toString('base64url') }),
        'cursor_invalid',
      );
      await expectCode(
        await search({ cursor: Buffer.from(JSON.stringify(['contact-list', 1, 'x; DROP'])).toString('base64url') }),
        'cursor_invalid',
      );
      await expectCode(await search({ filter: { type: 'xor', conditions: [] } }), 'validation_failed');
      await expectCode(
        await search({ filter: and(leaf('nope', 'eq', ['x'])) }),
        'condition_invalid',
        'condition_property_unknown',
      );
      await expectCode(
        await search({ filter: and(leaf('attr2', 'contains', ['1'])) }),
        'condition_invalid',
        'condition_operator_invalid',
      );
      await expectCode(
        await search({
          filter: and({ type: 'event', did: true, event: 'purchase', time: { kind: 'past', days: 7, includeToday: true } }),
        }),
        'contact_filter_invalid',
        'contact_filter_leaf_unsupported',
      );
      await expectCode(await search({ filter: and({ type: 'group', groupId: '1', operator: 'in' }) }), 'contact_filter_invalid');
      const get = await t.staff.request('GET', '/api/v1/console/contacts?limit=abc');
      await expectCode(get, 'validation_failed');
    });

    it("shows each tenant only its own contacts, and another tenant's cursor reveals nothing", async () => {
      const victim = await listTenant(ctx.app);
      const attacker = await listTenant(ctx.app);
      const victimIds = new Set(Object.values(victim.ids));
      const mine = await attacker.search({ limit: 100 });
      expect(mine.body.items).toHaveLength(8);
      expect(mine.body.items.some((i: { id: string }) => victimIds.has(i.id))).toBe(false);
      const victimPage = await victim.search({ limit: 2 });
      const replay = await attacker.search({ limit: 100, cursor: victimPage.body.nextCursor });
      expect(replay.statusCode).toBe(200);
      expect(replay.body.items.some((i: { id: string }) => victimIds.has(i.id))).toBe(false);
      // By id keyword: nothing of the victim.
      expect(
        (await attacker.search({ keyword: victim.ids.u1 })).body.items.some((i: { id: string }) => victimIds.has(i.id)),
      ).toBe(false);
      // The service is reachable for other modules (export uses the same filter).
      expect(ctx.app.service(contactListServiceRef)).toBeTruthy();
    });
  },
  { plugins: firstPartyPlugins },
);
