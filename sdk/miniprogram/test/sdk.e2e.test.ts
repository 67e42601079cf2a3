import { beforeAll, expect, it } from 'vitest';
import { firstPartyPlugins } from '../../../core/test/support/plugins.js';
import { describeEngines } from '../../../core/test/support/test-app.js';
import { createHuiliu } from '../src/index.js';
import { FakeMiniProgram, FakeWx } from './fake-wx.js';
import { miniprogramTenant } from './support.js';

/** A mini-program whose app.js inits the SDK and wraps App, with two pages wrapped by it. */
function miniProgram(wx: FakeWx, options: { writeKey: string; serverUrl: string; getOpenId?: () => Promise<unknown> }) {
  const runtime = new FakeMiniProgram(wx);
  const huiliu = createHuiliu(wx);
  huiliu.init({ ...options, getOpenId: options.getOpenId as never, flushInterval: 20, retry: { baseMs: 20, maxMs: 40 } });
  runtime.globals.App(huiliu.app({ onLaunch() {} }));
  runtime.definePage('pages/index/index', ({ Page }) => Page(huiliu.page({ data: {} })));
  runtime.definePage('pages/goods/detail', ({ Page }) => Page(huiliu.page({ onShow() {} })));
  return { runtime, huiliu };
}

describeEngines(
  'mini-program SDK against the real collect API',
  (ctx) => {
    beforeAll(async () => {
      await ctx.app.start();
    });

    it('launch → show → page view → hide: the four events land once each, with s_originScene and the presets', async () => {
      const t = await miniprogramTenant(ctx.app);
      const wx = new FakeWx();
      const { runtime, huiliu } = miniProgram(wx, { writeKey: t.writeKey, serverUrl: t.base });
      runtime.launch({ scene: 1047, path: 'pages/index/index', query: { id: '42', utm_source: 'qrcode' } });
      runtime.navigateTo('pages/goods/detail', { sku: 'SKU-1' });
      runtime.hide();
      await huiliu.flush();
      await wx.settle();
      expect(wx.collectRequests().every((r) => r.statusCode === 200)).toBe(true);
      expect(huiliu.pending()).toBe(0);
      await t.drain();

      const events = await t.events();
      const byEvent = (code: string) => events.filter((e) => e.event === code);
      expect(events.map((e) => e.event)).toEqual(['$MPLaunch', '$MPShow', '$MPViewScreen', '$MPViewScreen', '$MPHide']);
      for (const event of events) {
        expect(event).toMatchObject({
          s_originScene: '1047',
          p_$os: 'iOS',
          p_$os_version: '17.4.1',
          p_$platform: 'ios',
          p_$manufacturer: 'Apple',
          p_$device_model: 'iPhone 15 Pro',
          p_$network_type: 'wifi',
          p_$utm_source: 'qrcode',
        });
      }
      expect(byEvent('$MPLaunch')[0]).toMatchObject({
        s_pagePath: 'pages/index/index',
        s_pageQuery: 'id=42&utm_source=qrcode',
        s_isFirstTime: true,
      });
      expect(byEvent('$MPShow')[0]).toMatchObject({ s_pagePath: 'pages/index/index' });
      expect(byEvent('$MPViewScreen').map((e) => [e.s_pagePath, e.s_pageQuery, e.s_referrerPath])).toEqual([
        ['pages/index/index', 'id=42&utm_source=qrcode', ''],
        ['pages/goods/detail', 'sku=SKU-1', 'pages/index/index'],
      ]);
      const [hide] = byEvent('$MPHide');
      expect(hide).toMatchObject({ s_pagePath: 'pages/goods/detail' });
      expect(Number(hide!.s_duration)).toBeGreaterThanOrEqual(0);
      expect(Number(hide!.s_duration)).toBeLessThan(60);
      // All from one anonymous visitor (the id kept in wx storage).
      const anonymousId = huiliu.ids().anonymousId;
      expect(wx.getStorageSync('huiliu_anonymous_id')).toBe(anonymousId);
      const contact = await t.contactOfAnonymous(anonymousId);
      expect(new Set(events.map((e) => String(e.contact_id)))).toEqual(new Set([contact]));

      // A second launch is not the first time; the same visitor.
      const wx2 = wx.restart();
      const again = miniProgram(wx2, { writeKey: t.writeKey, serverUrl: t.base });
      again.runtime.launch({ scene: 1001, path: 'pages/index/index' });
      await again.huiliu.flush();
      await wx2.settle();
      await t.drain();
      const launches = (await t.events()).filter((e) => e.event === '$MPLaunch');
      expect(launches.map((e) => [e.s_originScene, e.s_isFirstTime])).toEqual([
        ['1047', true],
        ['1001', false],
      ]);
      expect(again.huiliu.ids().anonymousId).toBe(anonymousId);
    });

    it('getOpenId links the anonymous events to the openid; identify(profile) names the contact', async () => {
      const t = await miniprogramTenant(ctx.app);
      const wx = new FakeWx();
      let answer!: (openid: unknown) => void;
      const openId = new Promise((resolve) => (answer = resolve));
      const { runtime, huiliu } = miniProgram(wx, { writeKey: t.writeKey, serverUrl: t.base, getOpenId: () => openId });
      runtime.launch({ scene: 1011, path: 'pages/index/index' });
      await huiliu.flush();
      await wx.settle();
      // Sent before the openid was known: only the anonymous id.
      const early = wx.collectRequests().flatMap((r) => (r.body as { batch: Record<string, unknown>[] }).batch);
      expect(early.length).toBeGreaterThan(0);
      expect(early.every((m) => m.userId === undefined)).toBe(true);

      answer({ openid: 'o-openid-1', unionid: 'u-union-1' });
      await huiliu.whenIdentified();
      huiliu.track('add_to_cart', { sku: 'SKU-9', price: '19.9' });
      huiliu.identify({ name: '张三', mobilePhone: '13800000000' });
      await huiliu.flush();
      await wx.settle();
      expect(huiliu.pending()).toBe(0);
      await t.drain();

      // unionid wins over openid (seed §2.1.3); stored for the next launches.
      expect(huiliu.ids().userId).toBe('u-union-1');
      expect(wx.getStorageSync('huiliu_user_id')).toBe('u-union-1');
      const person = await t.contactOfUser('u-union-1');
      expect(person).toBeTruthy();
      expect(await t.contactOfAnonymous(huiliu.ids().anonymousId)).toBe(person);
      const events = await t.events();
      expect(events.map((e) => e.event)).toEqual(['$MPLaunch', '$MPShow', '$MPViewScreen', 'add_to_cart']);
      expect(new Set(events.map((e) => String(e.contact_id)))).toEqual(new Set([person]));
      expect(events[3]).toMatchObject({ p_sku: 'SKU-9', p_price: 19.9, s_originScene: '1011' });
      const [contact] = await t.rows('SELECT * FROM contact_view WHERE id = ?', [person!]);
      expect(contact).toMatchObject({ identified: true });
      expect(Object.values(contact!)).toContain('张三');

      // The next launch does not ask again: the stored id is used from the first event on.
      let asked = 0;
      const wx2 = wx.restart();
      const next = miniProgram(wx2, {
        writeKey: t.writeKey,
        serverUrl: t.base,
        getOpenId: async () => {
          asked += 1;
          return 'other';
        },
      });
      const before = wx.collectRequests().length;
      next.runtime.launch({ scene: 1001, path: 'pages/index/index' });
      await next.huiliu.flush();
      await wx.settle();
      expect(asked).toBe(0);
      const later = wx
        .collectRequests()
        .slice(before)
        .flatMap((r) => (r.body as { batch: Record<string, unknown>[] }).batch);
      expect(later.every((m) => m.userId === 'u-union-1')).toBe(true);
    });

    it('offline: events wait in wx storage and the next launch delivers them once; a 400 is not retried', async () => {
      const t = await miniprogramTenant(ctx.app);
      const wx = new FakeWx();
      wx.offline = true;
      const first = miniProgram(wx, { writeKey: t.writeKey, serverUrl: t.base });
      first.runtime.launch({ scene: 1047, path: 'pages/index/index' });
      first.huiliu.track('add_to_cart', { sku: 'SKU-1', price: 5 });
      first.runtime.hide();
      await first.huiliu.flush();
      await wx.settle();
      // Tried and failed (WeChat's offline error), kept in storage; retried with back-off while offline.
      expect(wx.collectRequests().length).toBeGreaterThan(0);
      expect(wx.collectRequests().every((r) => r.errMsg?.startsWith('request:fail'))).toBe(true);
      const stored = wx.getStorageSync('huiliu_queue') as { messageId: string; event?: string }[];
      expect(stored.map((m) => m.event)).toEqual(['$MPLaunch', '$MPShow', '$MPViewScreen', 'add_to_cart', '$MPHide']);
      // An earlier SDK's message the server refuses (over 32 KB): the batch answers 400.
      const tooLarge = {
        type: 'track',
        messageId: '01890000-0000-7000-8000-000000000001',
        anonymousId: first.huiliu.ids().anonymousId,
        event: 'add_to_cart',
        properties: { sku: 'x'.repeat(40_000) },
        timestamp: new Date().toISOString(),
        context: {},
      };

      // The app is killed; WeChat starts it again later, online. The new process reads the queue —
      // here first with only that refused message in it.
      const killedQueue = wx.getStorageSync('huiliu_queue') as unknown[];
      wx.setStorageSync('huiliu_queue', [tooLarge]);
      wx.offline = false;
      const wx2 = wx.restart();
      const refused = miniProgram(wx2, { writeKey: t.writeKey, serverUrl: t.base });
      await refused.huiliu.flush();
      await wx2.settle();
      expect(wx2.collectRequests().map((r) => r.statusCode)).toEqual([400]);
      // Dropped, not retried (the same request would fail again).
      expect(refused.huiliu.pending()).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(wx2.collectRequests()).toHaveLength(1);

      wx2.setStorageSync('huiliu_queue', killedQueue);
      const wx3 = wx2.restart();
      const second = miniProgram(wx3, { writeKey: t.writeKey, serverUrl: t.base });
      expect(second.huiliu.pending()).toBe(5);
      second.runtime.launch({ scene: 1001, path: 'pages/index/index' });
      await second.huiliu.flush();
      await wx3.settle();
      expect(second.huiliu.pending()).toBe(0);
      expect(wx3.getStorageSync('huiliu_queue')).toEqual([]);
      expect(wx3.collectRequests().every((r) => r.statusCode === 200)).toBe(true);
      // Sent once more on purpose: a retry after a lost answer carries the same messageIds.
      const resend = await fetch(`${t.base}/api/v1/collect/batch`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Basic ${Buffer.from(`${t.writeKey}:`).toString('base64')}`,
        },
        body: JSON.stringify({ batch: killedQueue }),
      });
      expect(resend.status).toBe(200);
      await t.drain();

      const events = await t.events();
      const ids = events.map((e) => e.s_message_id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const message of stored) expect(ids.filter((id) => id === message.messageId)).toHaveLength(1);
      expect(events.map((e) => e.event)).toEqual([
        '$MPLaunch',
        '$MPShow',
        '$MPViewScreen',
        'add_to_cart',
        '$MPHide',
        '$MPLaunch',
        '$MPShow',
        '$MPViewScreen',
      ]);
      expect(events.filter((e) => e.event === '$MPLaunch').map((e) => e.s_isFirstTime)).toEqual([true, false]);
    });

    it('retries a 503 and a 429 with back-off, then delivers', async () => {
      const t = await miniprogramTenant(ctx.app);
      const wx = new FakeWx();
      // A proxy in front of Huiliu answers 503, then 429, then passes requests through.
      const answers = [503, 429];
      const proxied = `http://proxy.invalid`;
      wx.intercepts.set(proxied, () => ({ statusCode: answers.shift()!, data: { code: 'busy' } }));
      const { runtime, huiliu } = miniProgram(wx, { writeKey: t.writeKey, serverUrl: proxied });
      runtime.launch({ scene: 1001, path: 'pages/index/index' });
      await huiliu.flush();
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(huiliu.pending()).toBe(3);
      // The proxy gets out of the way: the next retry reaches the real server.
      wx.intercepts.clear();
      for (const request of wx.requests) request.url = request.url.replace(proxied, t.base);
      (huiliu as unknown as { options: { serverUrl: string } }).options.serverUrl = t.base;
      await expect.poll(() => huiliu.pending(), { timeout: 5000 }).toBe(0);
      await wx.settle();
      expect(wx.collectRequests().map((r) => r.statusCode)).toEqual([503, 429, 200]);
      await t.drain();
      expect((await t.events()).map((e) => e.event)).toEqual(['$MPLaunch', '$MPShow', '$MPViewScreen']);
    });
  },
  { plugins: firstPartyPlugins },
);
