import { expect, it } from 'vitest';
import { firstPartyPlugins } from '../../../core/test/support/plugins.js';
import { describeEngines } from '../../../core/test/support/test-app.js';
import { beforeAll } from 'vitest';
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
      const again = miniProgram(wx, { writeKey: t.writeKey, serverUrl: t.base });
      again.runtime.launch({ scene: 1001, path: 'pages/index/index' });
      await again.huiliu.flush();
      await wx.settle();
      await t.drain();
      const launches = (await t.events()).filter((e) => e.event === '$MPLaunch');
      expect(launches.map((e) => [e.s_originScene, e.s_isFirstTime])).toEqual([
        ['1047', true],
        ['1001', false],
      ]);
      expect(again.huiliu.ids().anonymousId).toBe(anonymousId);
    });
  },
  { plugins: firstPartyPlugins },
);
