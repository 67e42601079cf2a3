import { expect, it } from 'vitest';
import { tenantServiceRef } from '../../src/modules/tenancy/tenant.service.js';
import { ingestTenant, uuidv7 } from '../ingestion/support.js';
import { firstPartyPlugins } from '../support/plugins.js';
import { Client, describeEngines, type TestApp } from '../support/test-app.js';

const HOUR = 3600_000;
let sequence = 0;

/** A tenant sending data (ingestTenant) and a way to add normal staff holding a role with `permissions`. */
async function homeTenant(app: TestApp, options: { timeZone?: string } = {}) {
  const t = await ingestTenant(app, options);
  const member = async (permissions: string[]) => {
    sequence += 1;
    const role = await t.staff.request('POST', '/api/v1/roles', { name: `home-role-${sequence}`, permissions });
    expect(role.statusCode, JSON.stringify(role.body)).toBe(201);
    const email = `home.${process.pid}.${Date.now()}.${sequence}@example.com`;
    const res = await t.staff.request('POST', '/api/v1/staff', {
      email,
      name: '运营',
      password: 'Member-pass-1',
      roleIds: [role.body.id],
    });
    expect(res.statusCode, JSON.stringify(res.body)).toBe(201);
    return Client.staff(app.server, email, 'Member-pass-1');
  };
  /** Outbound (主动) events as the journeys and WeChat sends will load them: straight into OLAP. */
  const loadOutbound = async (rows: { event: string; contactId: string; at: number }[]) => {
    await app.olap.forTenant(t.tenantId).load({
      batchId: `home-test-${uuidv7()}`,
      events: rows.map((row) => ({
        eventTime: row.at,
        event: row.event,
        contactId: row.contactId,
        messageId: uuidv7(),
        direction: 'outbound' as const,
        receivedAt: row.at,
      })),
    });
  };
  const contactOf = async (userId: string) => {
    const rows = await app.oltp
      .forModule('contacts', ['channel_account'])
      .forTenant(t.tenantId)
      .from<{ contact_id: string | number }>('channel_account')
      .where('user_id', userId)
      .select('contact_id');
    expect(rows).toHaveLength(1);
    return String(rows[0]!.contact_id);
  };
  return { ...t, member, loadOutbound, contactOf };
}

/**
 * Five people, as the seed's TU rule (§1.11.5) tells them apart:
 * - pv-only: only 页面浏览 (anonymous) → not tracked;
 * - clicker: 页面浏览 and a custom event, anonymous → tracked (an event other than 页面浏览);
 * - named: identify with a userId and a name → tracked (identified);
 * - bare: identify with a userId and no traits → tracked (explicitly identified);
 * - anon-nick: an anonymous cookie that identifies with only a nickname, and browses → not tracked
 *   (a nickname identifies nobody: not 实名, no user id, only 页面浏览);
 * - anon-real: an anonymous cookie that identifies with an email → tracked (identified, no event);
 * plus a contact created by hand (a row as the create form writes it: name, no account, no event).
 */
async function seedPeople(t: Awaited<ReturnType<typeof homeTenant>>, app: TestApp) {
  const base = Date.now() - 2 * HOUR;
  const at = (minutes: number) => new Date(base + minutes * 60_000).toISOString();
  const res = await t.collect('batch', {
    batch: [
      { type: 'page', anonymousId: 'pv-only', properties: { url: 'https://shop.example.com/a' }, timestamp: at(1) },
      { type: 'page', anonymousId: 'pv-only', properties: { url: 'https://shop.example.com/b' }, timestamp: at(2) },
      { type: 'page', anonymousId: 'clicker', properties: { url: 'https://shop.example.com/c' }, timestamp: at(3) },
      { type: 'track', anonymousId: 'clicker', event: 'purchase', properties: { amount: 3 }, timestamp: at(4) },
      { type: 'identify', anonymousId: 'named-a', userId: 'named', traits: { name: '张三', nickname: '三哥' }, timestamp: at(5) },
      { type: 'track', anonymousId: 'named-a', userId: 'named', event: 'purchase', properties: { amount: 9 }, timestamp: at(6) },
      { type: 'identify', userId: 'bare', timestamp: at(7) },
      { type: 'identify', anonymousId: 'anon-nick', traits: { nickname: '小李' }, timestamp: at(8) },
      { type: 'page', anonymousId: 'anon-nick', properties: { url: 'https://shop.example.com/d' }, timestamp: at(9) },
      { type: 'identify', anonymousId: 'anon-real', traits: { email: 'real@example.com' }, timestamp: at(10) },
    ],
  });
  expect(res.statusCode, JSON.stringify(res.body)).toBe(200);
  await t.drain();
  const now = Date.now();
  await app.oltp.forModule('contacts', ['contact']).forTenant(t.tenantId).insert('contact', {
    identified: true,
    name: '手工创建',
    created_at: now,
    updated_at: now,
    inserted_at: now,
  });
  return { base };
}

describeEngines(
  'home (§1.2.3) and usage (§1.11.5)',
  (ctx) => {
    it('summarizes version, expiry, contacts (all / identified) and the contributed counters', async () => {
      const t = await homeTenant(ctx.app);
      await seedPeople(t, ctx.app);
      const res = await t.staff.request('GET', '/api/v1/home');
      expect(res.statusCode).toBe(200);
      expect(res.body.version).toMatch(/^\d+\.\d+\.\d+/);
      expect(res.body.tenant.expiresOn).toBeNull();
      // pv-only, clicker, named, bare, anon-nick (nickname only: not 实名), anon-real, created by hand.
      expect(res.body.contacts).toEqual({ all: 7, identified: 3 });
      // The custom channel of ingestTenant; no journeys module yet → no journeys counter (no fake number).
      expect(res.body.counts).toEqual(expect.arrayContaining([{ key: 'connections', value: 1 }]));
      expect(res.body.counts.map((c: { key: string }) => c.key)).not.toContain('journeys');

      // 到期: set by the platform operator, shown on 首页 and 使用情况.
      const tenants = ctx.app.service(tenantServiceRef);
      await tenants.setExpiry(t.tenantId, '2027-12-31');
      expect((await t.staff.request('GET', '/api/v1/home')).body.tenant.expiresOn).toBe('2027-12-31');
      expect((await t.staff.request('GET', '/api/v1/usage')).body.expiresOn).toBe('2027-12-31');
      await expect(tenants.setExpiry(t.tenantId, '2027-02-30')).rejects.toMatchObject({ code: 'tenant_expiry_invalid' });
      await tenants.setExpiry(t.tenantId, null);
      expect((await t.staff.request('GET', '/api/v1/usage')).body.expiresOn).toBeNull();
    });

    it('counts tracked users (TU): any event but 页面浏览, or created / imported / identified — each once', async () => {
      const t = await homeTenant(ctx.app);
      const empty = await t.staff.request('GET', '/api/v1/usage');
      expect(empty.statusCode).toBe(200);
      expect(empty.body).toMatchObject({ trackedUsers: 0, contacts: { all: 0, identified: 0 }, events: { total: 0 } });

      await seedPeople(t, ctx.app);
      const usage = await t.staff.request('GET', '/api/v1/usage');
      // clicker, named, bare, anon-real, created by hand — not pv-only, not anon-nick.
      expect(usage.body.trackedUsers).toBe(5);
      expect(usage.body.contacts).toEqual({ all: 7, identified: 3 });

      // bare (explicitly identified) buys: it has an event now, and is still counted once.
      await t.collect('track', { userId: 'bare', event: 'purchase', properties: { amount: 2 } });
      await t.drain();
      expect((await t.staff.request('GET', '/api/v1/usage')).body.trackedUsers).toBe(5);

      // pv-only keeps browsing: still not tracked. Then it does something else: tracked.
      await t.collect('track', { type: 'page', anonymousId: 'pv-only', properties: { url: 'https://shop.example.com/e' } });
      await t.drain();
      expect((await t.staff.request('GET', '/api/v1/usage')).body.trackedUsers).toBe(5);
      await t.collect('track', { anonymousId: 'pv-only', event: 'purchase', properties: { amount: 1 } });
      await t.drain();
      expect((await t.staff.request('GET', '/api/v1/usage')).body.trackedUsers).toBe(6);
    });

    it('counts events per tenant-local month, the boundaries at local midnight (Asia/Shanghai, UTC+8)', async () => {
      const t = await homeTenant(ctx.app, { timeZone: 'Asia/Shanghai' });
      // The current month in Shanghai and the instants its first day starts: UTC 16:00 the day before.
      const local = new Date(Date.now() + 8 * HOUR);
      const [y, m] = [local.getUTCFullYear(), local.getUTCMonth()];
      const monthStart = (offset: number) => Date.UTC(y, m + offset, 1) - 8 * HOUR;
      const label = (offset: number) => new Date(Date.UTC(y, m + offset, 1)).toISOString().slice(0, 7);
      const track = (at: number) => ({
        type: 'track',
        anonymousId: 'month',
        event: 'purchase',
        properties: { amount: 1 },
        timestamp: new Date(at).toISOString(),
      });
      await t.collect('batch', {
        batch: [
          track(monthStart(0)), // this month's first instant
          track(monthStart(0) - 1), // last ms of last month
          track(monthStart(-1)), // last month's first instant
          track(monthStart(-11)), // the oldest month shown
          track(monthStart(-11) - 1), // before the window: not shown
          {
            type: 'page',
            anonymousId: 'month',
            properties: { url: 'https://shop.example.com/' },
            timestamp: new Date(monthStart(0) + HOUR).toISOString(),
          },
        ],
      });
      await t.drain();
      const res = await t.staff.request('GET', '/api/v1/usage');
      expect(res.statusCode).toBe(200);
      expect(res.body.timeZone).toBe('Asia/Shanghai');
      const months = res.body.events.months as { month: string; events: number }[];
      expect(months).toHaveLength(12);
      expect(months.map((x) => x.month)).toEqual(Array.from({ length: 12 }, (_, i) => label(i - 11)));
      const byMonth = Object.fromEntries(months.map((x) => [x.month, x.events]));
      expect(byMonth[label(0)]).toBe(2); // purchase at 00:00 local + the page view
      expect(byMonth[label(-1)]).toBe(2);
      expect(byMonth[label(-11)]).toBe(1);
      expect(res.body.events.total).toBe(5);
    });

    it('shows the tenant’s events newest first, a page at a time, with event names', async () => {
      const t = await homeTenant(ctx.app);
      await seedPeople(t, ctx.app);
      const first = await t.staff.request('GET', '/api/v1/home/events?limit=3');
      expect(first.statusCode).toBe(200);
      expect(first.body.items).toHaveLength(3);
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const seen = [...first.body.items];
      let cursor: string | null = first.body.nextCursor;
      while (cursor) {
        const page = await t.staff.request('GET', `/api/v1/home/events?limit=3&cursor=${encodeURIComponent(cursor)}`);
        expect(page.statusCode).toBe(200);
        seen.push(...page.body.items);
        cursor = page.body.nextCursor;
      }
      // 6 events (identify is no event); newest first; each once.
      expect(seen).toHaveLength(6);
      expect(new Set(seen.map((e) => e.messageId)).size).toBe(6);
      const times = seen.map((e) => e.eventTime as number);
      expect([...times].sort((a, b) => b - a)).toEqual(times);
      const purchase = seen.find((e) => e.event === 'purchase' && e.contactName === '张三');
      expect(purchase).toMatchObject({ eventNames: { 'zh-CN': '购买' }, direction: 'inbound', channelId: t.channelId });
      const pageview = seen.find((e) => e.event === '$pageview');
      expect(pageview.eventNames).toEqual({ 'zh-CN': '页面浏览', 'en-US': 'Page view' });
      // An anonymous visitor has no name; a contact with only a nickname shows it.
      expect(seen.filter((e) => e.contactName === null).length).toBe(4);
      expect(seen.find((e) => e.contactName === '小李')).toBeTruthy();

      const bad = await t.staff.request('GET', '/api/v1/home/events?cursor=bm9wZQ');
      expect(bad.statusCode).toBe(400);
      expect(bad.body.code).toBe('cursor_invalid');
    });

    it('masks contact names and nicknames in the timeline for staff without 联系人不脱敏', async () => {
      const t = await homeTenant(ctx.app);
      await seedPeople(t, ctx.app);
      for (const key of ['name', 'nickname'])
        expect((await t.staff.request('PUT', `/api/v1/contact-field-masks/${key}`, { masked: true })).statusCode).toBe(200);
      const names = async (client: Client) =>
        ((await client.request('GET', '/api/v1/home/events?limit=100')).body.items as { contactName: string | null }[])
          .map((e) => e.contactName)
          .filter((n) => n !== null)
          .sort();
      const normal = await t.member([]);
      const unmasked = await t.member(['contacts.unmasked']);
      expect(await names(normal)).toEqual(['***', '***']);
      expect(await names(unmasked)).toEqual(['小李', '张三']);
      expect(await names(t.staff)).toEqual(['小李', '张三']);
      // Only the name masked: a contact with a name shows ***, one with only a nickname shows it.
      await t.staff.request('PUT', '/api/v1/contact-field-masks/nickname', { masked: false });
      expect(await names(normal)).toEqual(['***', '小李']);
    });

    it('shows outbound (主动) events only as each staff member’s 显示设置 chooses', async () => {
      const t = await homeTenant(ctx.app);
      await seedPeople(t, ctx.app);
      const named = await t.contactOf('named');
      const now = Date.now();
      await t.loadOutbound([
        { event: 'wechat_template_sent', contactId: named, at: now - 60_000 },
        { event: 'wechat_mass_send_result', contactId: named, at: now - 50_000 },
      ]);
      const other = await t.member([]);
      const outbound = async (client: Client) =>
        ((await client.request('GET', '/api/v1/home/events?limit=100')).body.items as { event: string; direction: string }[])
          .filter((e) => e.direction === 'outbound')
          .map((e) => e.event);

      // Nothing chosen: no outbound event.
      const initial = await t.staff.request('GET', '/api/v1/home/display-settings');
      expect(initial.statusCode).toBe(200);
      expect(initial.body.outboundEvents).toEqual([]);
      const options = initial.body.options as { code: string; names: Record<string, string> }[];
      expect(options.find((o) => o.code === 'wechat_template_sent')?.names['zh-CN']).toBe('推送模板消息');
      expect(options.map((o) => o.code)).not.toContain('purchase');
      expect(await outbound(t.staff)).toEqual([]);

      const saved = await t.staff.request('PUT', '/api/v1/home/display-settings', { outboundEvents: ['wechat_template_sent'] });
      expect(saved.statusCode, JSON.stringify(saved.body)).toBe(200);
      expect(saved.body.outboundEvents).toEqual(['wechat_template_sent']);
      expect(await outbound(t.staff)).toEqual(['wechat_template_sent']);
      const template = (await t.staff.request('GET', '/api/v1/home/events?limit=1')).body.items[0];
      expect(template).toMatchObject({
        event: 'wechat_template_sent',
        contactName: '张三',
        eventNames: { 'zh-CN': '推送模板消息' },
      });
      // Per staff member: the other one still sees none.
      expect(await outbound(other)).toEqual([]);
      expect((await other.request('GET', '/api/v1/home/display-settings')).body.outboundEvents).toEqual([]);
      // Saving again replaces the choice.
      await t.staff.request('PUT', '/api/v1/home/display-settings', {
        outboundEvents: ['wechat_mass_send_result', 'wechat_template_sent', 'wechat_template_sent'],
      });
      expect((await outbound(t.staff)).sort()).toEqual(['wechat_mass_send_result', 'wechat_template_sent']);

      // An inbound or unknown event cannot be chosen.
      for (const code of ['purchase', 'no_such_event']) {
        const res = await t.staff.request('PUT', '/api/v1/home/display-settings', {
          outboundEvents: ['wechat_template_sent', code],
        });
        expect(res.statusCode).toBe(400);
        expect(res.body).toMatchObject({ code: 'home_display_event_invalid', details: [{ path: 'outboundEvents.1' }] });
      }
    });

    it('needs 使用情况-查看 (settings.usage) for /api/v1/usage; 首页 is open to every staff member', async () => {
      const t = await homeTenant(ctx.app);
      const without = await t.member(['contacts.view']);
      const withUsage = await t.member(['settings.usage']);
      expect((await without.request('GET', '/api/v1/usage')).statusCode).toBe(403);
      expect((await withUsage.request('GET', '/api/v1/usage')).statusCode).toBe(200);
      expect((await without.request('GET', '/api/v1/home')).statusCode).toBe(200);
      expect((await without.request('GET', '/api/v1/home/events')).statusCode).toBe(200);
      expect((await new Client(ctx.app.server).request('GET', '/api/v1/usage')).statusCode).toBe(401);
      // The Open API app has no business here.
      expect((await t.api.request('GET', '/api/v1/usage')).statusCode).toBe(403);
      expect((await t.api.request('GET', '/api/v1/home/events')).statusCode).toBe(403);
    });

    it('keeps every number and event within its tenant', async () => {
      const a = await homeTenant(ctx.app);
      const b = await homeTenant(ctx.app);
      await seedPeople(a, ctx.app);
      await a.staff.request('PUT', '/api/v1/home/display-settings', { outboundEvents: ['wechat_template_sent'] });
      const usage = (await b.staff.request('GET', '/api/v1/usage')).body;
      expect(usage).toMatchObject({ trackedUsers: 0, contacts: { all: 0, identified: 0 }, events: { total: 0 } });
      expect((await b.staff.request('GET', '/api/v1/home')).body.contacts).toEqual({ all: 0, identified: 0 });
      expect((await b.staff.request('GET', '/api/v1/home/events')).body.items).toEqual([]);
      expect((await b.staff.request('GET', '/api/v1/home/display-settings')).body.outboundEvents).toEqual([]);
      // A's cursor read in B: B's own (empty) events only.
      const page = await a.staff.request('GET', '/api/v1/home/events?limit=1');
      const cross = await b.staff.request('GET', `/api/v1/home/events?cursor=${encodeURIComponent(page.body.nextCursor)}`);
      expect(cross.body.items).toEqual([]);
    });
  },
  { plugins: firstPartyPlugins },
);
