import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identityTenant } from '../core/test/contacts/support.js';
import { testEngines } from '../core/test/support/engines.js';
import { metadataServiceRef } from '../core/src/modules/metadata/metadata.service.js';
import { useConsoleApp } from './console-app.js';
import { snippetsOf, startSite, type Site } from './sdk-site.js';

/**
 * The web SDK (sdk/web) in real Chromium against the running app: the guide's snippets
 * (docs/integrators/web-sdk.md) run as written on a page of another origin; collect calls go
 * through a proxy that can fail on purpose (503, 429, 400) or through an offline browser. Every
 * message must land in OLAP exactly once (or, refused, never), and identify in the contacts master.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const snippets = snippetsOf(readFileSync(path.join(root, 'docs', 'integrators', 'web-sdk.md'), 'utf8'));
const APP_ID = 'wx1f7fbd28ac009cd0';
const POLL = { timeout: 20_000, interval: 200 };

function snippet(id: string): string {
  const text = snippets.get(id);
  if (text === undefined) throw new Error(`docs/integrators/web-sdk.md has no snippet ${id}`);
  return text;
}

const page = (head: string, body = '') =>
  `<!doctype html><html><head><meta charset="utf-8"><title>汇流测试页</title>${head}</head><body>${body}</body></html>`;

for (const engine of testEngines()) {
  describe(`web SDK in Chromium: snippets, identify, track, page views, retries, offline [${engine}]`, () => {
    const ctx = useConsoleApp(engine);
    let site: Site;
    let t: Awaited<ReturnType<typeof identityTenant>>;
    const contexts: BrowserContext[] = [];

    beforeAll(async () => {
      execFileSync(process.execPath, [path.join(root, 'sdk', 'web', 'build.mjs')]);
      site = await startSite(ctx.base);
      t = await identityTenant(ctx.app, [APP_ID, 'wx2222222222222222']);
    });
    afterAll(async () => {
      for (const context of contexts) await context.close().catch(() => undefined);
      await site?.close();
    });

    /** The guide's snippet for this tenant: the script from the app, collect calls through the proxy. */
    const fill = (text: string) =>
      text
        .replaceAll('https://cdp.example.com/sdk/', `${ctx.base}/sdk/`)
        .replaceAll('https://cdp.example.com', site.proxy)
        .replaceAll('WRITE_KEY', t.web.writeKey as string);

    /** A fresh visitor (own cookies and storage) with the page's console lines collected. */
    async function visitor(options: Parameters<typeof ctx.newContext>[0] = {}) {
      const context = await ctx.newContext(options);
      contexts.push(context);
      const tab = await context.newPage();
      const lines: string[] = [];
      tab.on('console', (line) => lines.push(line.text()));
      return { context, tab, lines };
    }

    /** The loaded events of these messageIds: code → value of their declared properties, plus extra. */
    async function loaded(messageIds: string[]) {
      await t.drain();
      const columns = (await ctx.app.service(metadataServiceRef).describe(t.tenantId)).eventProperties;
      const rows = await t.events(`message_id IN (${messageIds.map(() => '?').join(',')})`, messageIds);
      return rows.map((row) => {
        const properties: Record<string, unknown> = {};
        for (const column of columns) {
          const value = row[`p_${column.columnId}`];
          if (value !== null && value !== undefined) properties[column.code] = value;
        }
        return {
          event: row.event as string,
          messageId: row.message_id as string,
          properties,
          extra: row.extra === null ? null : JSON.parse(String(row.extra)),
        };
      });
    }

    /** Waits until every track message the browser got a 200 for (and only those) is loaded once. */
    async function landed(filter: (message: any) => boolean) {
      const tracks = delivered((m) => m.type === 'track' && filter(m));
      const ids = [...new Set(tracks.map((m) => m.messageId as string))];
      expect(ids.length).toBeGreaterThan(0);
      await expect.poll(async () => (await loaded(ids)).length, POLL).toBe(ids.length);
      const rows = await loaded(ids);
      expect(new Set(rows.map((r) => r.messageId)).size).toBe(rows.length);
      return rows;
    }

    /** The distinct messages answered 200 (a beacon and a later send may carry the same one). */
    const delivered = (filter: (message: any) => boolean) => [
      ...new Map(
        site
          .posted(200)
          .filter(filter)
          .map((m) => [m.messageId as string, m]),
      ).values(),
    ];

    const anonymousIdOf = (tab: Page) => tab.evaluate(() => (window as any).huiliu.getAnonymousId() as string);

    it('the seed’s script tag: page view with presets and utm, identify with callbacks, track, an SPA route change', async () => {
      const { context, tab, lines } = await visitor();
      site.page('/landing', page(fill(snippet('script-tag')), '<h1>落地页</h1>'));
      await tab.goto(`${site.origin}/landing?utm_source=baidu&utm_medium=cpc&utm_campaign=double11`);
      await tab.waitForFunction(() => typeof (window as any).LFAPP?.identify === 'function');
      expect(await tab.evaluate(() => (window as any).LFAPP === (window as any).huiliu)).toBe(true);
      const anonymousId = await anonymousIdOf(tab);
      expect(anonymousId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      // First-party cookie and localStorage both hold it.
      expect((await context.cookies(site.origin)).find((c) => c.name === 'hl_aid')?.value).toBe(anonymousId);
      expect(await tab.evaluate(() => localStorage.getItem('hl_aid'))).toBe(anonymousId);

      // identify as the guide writes it; the ok callback runs after the server's 200.
      await tab.addScriptTag({ content: snippet('identify') });
      await expect.poll(() => lines, POLL).toContain('identify ok');
      await tab.addScriptTag({ content: snippet('track') });
      // A single-page app changes its route, then its title.
      await tab.evaluate(() => {
        history.pushState({}, '', '/products/42');
        document.title = '商品 42';
      });
      // replaceState to the same address is no new page view.
      await tab.evaluate(() => history.replaceState({ x: 1 }, '', '/products/42'));
      await expect.poll(() => delivered((m) => m.anonymousId === anonymousId).length, POLL).toBe(4);
      // A hash change (hashchange and popstate both fire: one page view), then back (popstate).
      await tab.evaluate(() => (location.hash = 'reviews'));
      await expect.poll(() => delivered((m) => m.anonymousId === anonymousId).length, POLL).toBe(5);
      await tab.goBack();
      expect(tab.url()).toBe(`${site.origin}/products/42`);

      const mine = (m: any) => m.anonymousId === anonymousId;
      await expect.poll(() => delivered(mine).length, POLL).toBe(6);
      const rows = await landed(mine);
      const views = rows.filter((r) => r.event === '$pageview');
      expect(views).toHaveLength(4);
      const sent = delivered((m) => mine(m) && m.event === '$pageview');
      expect(
        sent.map((m) => [m.properties.s_url.replace(site.origin, ''), m.properties.s_referrer.replace(site.origin, '')]),
      ).toEqual([
        ['/landing?utm_source=baidu&utm_medium=cpc&utm_campaign=double11', ''],
        ['/products/42', '/landing?utm_source=baidu&utm_medium=cpc&utm_campaign=double11'],
        ['/products/42#reviews', '/products/42'],
        ['/products/42', '/products/42#reviews'],
      ]);
      const landing = views.find((v) => v.properties.s_urlPath === '/landing')!;
      expect(landing.properties).toMatchObject({
        s_url: `${site.origin}/landing?utm_source=baidu&utm_medium=cpc&utm_campaign=double11`,
        s_title: '汇流测试页',
        $sdk_type: 'js',
        $sdk_version: '0.1.0',
        $utm_source: 'baidu',
        $utm_medium: 'cpc',
        $utm_campaign: 'double11',
        // Filled by the server from the browser's request.
        $browser: 'Chrome Headless',
      });
      const product = views.find(
        (v) => v.properties.s_url === `${site.origin}/products/42` && v.properties.s_referrer === landing.properties.s_url,
      )!;
      expect(product.properties).toMatchObject({
        s_url: `${site.origin}/products/42`,
        s_title: '商品 42',
        s_referrer: landing.properties.s_url,
        // The session's landing utm stays on later events.
        $utm_source: 'baidu',
      });
      const [purchase] = rows.filter((r) => r.event === 'purchase');
      expect(purchase!.properties).toMatchObject({ amount: 199.5, sku: 'SKU-1001', $sdk_type: 'js' });

      // identify: userId = externalId, the anonymous visitor became the person.
      const identify = site.posted(200).find((m) => m.type === 'identify' && mine(m));
      expect(identify).toMatchObject({ userId: 'u1391231', anonymousId, traits: { name: 'demo', mobilePhone: '13800000000' } });
      expect(identify.traits.externalId).toBeUndefined();
      const contactId = await t.contactOf('u1391231');
      expect(contactId).toBeTruthy();
      expect(await t.contactOf(anonymousId, 'anonymousId')).toBe(contactId);
      expect(await t.contactRow(contactId!)).toMatchObject({
        name: 'demo',
        mobile: '13800000000',
        email: 'demo@example.com',
        city: '南京',
        province: '江苏',
        company: 'LF',
        utm_source: 'baidu',
        utm_medium: 'cpc',
      });
      // After identify every message carries the userId too.
      expect(site.posted(200).find((m) => mine(m) && m.event === 'purchase')).toMatchObject({ userId: 'u1391231' });
    });

    it('identify without name, mobilePhone or email calls fail and sends nothing', async () => {
      const { tab, lines } = await visitor();
      site.page('/no-name', page(fill(snippet('script-tag'))));
      await tab.goto(`${site.origin}/no-name`);
      await tab.waitForFunction(() => typeof (window as any).LFAPP?.identify === 'function');
      const anonymousId = await anonymousIdOf(tab);
      const error = await tab.evaluate(
        () =>
          new Promise<string>((resolve) =>
            (window as any).LFAPP.identify(
              { externalId: 'nobody', city: '南京' },
              () => resolve('ok'),
              (e: Error) => resolve(e.message),
            ),
          ),
      );
      expect(error).toBe('identify needs at least one of name, mobilePhone or email');
      expect(lines.some((line) => line.includes('[huiliu] identify needs'))).toBe(true);
      await tab.evaluate(() => (window as any).huiliu.flush());
      await expect.poll(() => site.posted().filter((m) => m.anonymousId === anonymousId).length, POLL).toBe(1);
      expect(site.posted().some((m) => m.type === 'identify' && m.anonymousId === anonymousId)).toBe(false);
      expect(await t.contactOf('nobody')).toBeUndefined();
    });

    it('the async snippet queues calls until the script loaded; the ESM build works as the guide shows', async () => {
      const { tab } = await visitor();
      site.page('/async', page(fill(snippet('async'))));
      await tab.goto(`${site.origin}/async`);
      await tab.waitForFunction(() => typeof (window as any).huiliu?.getAnonymousId === 'function');
      const anonymousId = await anonymousIdOf(tab);
      const mine = (m: any) => m.anonymousId === anonymousId;
      await expect.poll(() => delivered(mine).length, POLL).toBe(2);
      const rows = await landed(mine);
      expect(rows.map((r) => r.event).sort()).toEqual(['$pageview', 'purchase']);
      expect(rows.find((r) => r.event === 'purchase')!.properties).toMatchObject({ amount: 35, sku: 'SKU-3003' });

      // The npm build, loaded as a module from the server.
      const esm = fill(snippet('esm')).replace("'@huiliu/sdk-web'", `'${ctx.base}/sdk/huiliu.esm.js'`);
      site.page('/esm', page(`<script type="module">${esm}\nwindow.huiliu = huiliu;</script>`));
      await tab.goto(`${site.origin}/esm`);
      await tab.waitForFunction(() => typeof (window as any).huiliu?.getAnonymousId === 'function');
      // The same visitor: the anonymous id came back from the cookie.
      expect(await anonymousIdOf(tab)).toBe(anonymousId);
      await expect.poll(() => delivered(mine).length, POLL).toBe(4);
      const all = await landed(mine);
      expect(all.find((r) => r.properties.sku === 'SKU-2002')).toMatchObject({ event: 'purchase', properties: { amount: 88 } });

      // Options: debug marks test data ($debug_mode); autoPage: false records no page view.
      site.page(
        '/esm-debug',
        page(
          `<script type="module">import { createHuiliu } from '${ctx.base}/sdk/huiliu.esm.js';
          window.huiliu = createHuiliu({ writeKey: '${t.web.writeKey as string}', serverUrl: '${site.proxy}', debug: true, autoPage: false });
          huiliu.track('purchase', { amount: 9, sku: 'SKU-debug' });</script>`,
        ),
      );
      await tab.goto(`${site.origin}/esm-debug`);
      await expect.poll(() => delivered(mine).length, POLL).toBe(5);
      const debug = (await landed(mine)).filter((r) => r.properties.sku === 'SKU-debug');
      expect(debug).toHaveLength(1);
      expect(debug[0]!.properties).toMatchObject({ $debug_mode: true, $sdk_type: 'js' });
      expect(
        site
          .posted(200)
          .filter(mine)
          .filter((m) => m.event === '$pageview'),
      ).toHaveLength(2);
    });

    it('503 and 429 are retried (Retry-After honoured) and land once; 400 is dropped, never retried', async () => {
      const { tab, lines } = await visitor();
      site.page('/retry', page(fill(snippet('script-tag'))));
      site.failNext(503, 1);
      const started = Date.now();
      await tab.goto(`${site.origin}/retry`);
      await tab.waitForFunction(() => typeof (window as any).huiliu?.getAnonymousId === 'function');
      const anonymousId = await anonymousIdOf(tab);
      const mine = (m: any) => m.anonymousId === anonymousId;
      await expect.poll(() => delivered(mine).length, POLL).toBe(1);
      const attempts = site.seen.filter((r) => r.method === 'POST' && r.body?.batch?.some(mine));
      expect(attempts.map((r) => r.status)).toEqual([503, 200]);
      // The same message (same messageId) was sent again.
      expect(attempts[1]!.body.batch.map((m: any) => m.messageId)).toEqual(attempts[0]!.body.batch.map((m: any) => m.messageId));

      // 429 with Retry-After: 2 → the retry waits at least 2 s (the backoff alone would be 0.5–1 s).
      site.failNext(429, 1, { 'retry-after': '2' });
      const before = Date.now();
      await tab.evaluate(() => (window as any).huiliu.track('purchase', { amount: 1, sku: 'SKU-429' }));
      await expect.poll(() => delivered((m) => m.properties?.sku === 'SKU-429').length, POLL).toBe(1);
      const tries = site.seen.filter(
        (r) => r.method === 'POST' && r.body?.batch?.some((m: any) => m.properties?.sku === 'SKU-429'),
      );
      expect(tries.map((r) => r.status)).toEqual([429, 200]);
      expect(Date.now() - before).toBeGreaterThanOrEqual(2000);
      const rows = await landed(mine);
      expect(rows.map((r) => r.event).sort()).toEqual(['$pageview', 'purchase']);

      // 400: dropped with a warning and the fail callback; not sent again.
      site.failNext(400, 1);
      const failed = await tab.evaluate(
        () =>
          new Promise<string>((resolve) =>
            (window as any).huiliu.track(
              'purchase',
              { amount: 2, sku: 'SKU-400' },
              () => resolve('ok'),
              () => resolve('fail'),
            ),
          ),
      );
      expect(failed).toBe('fail');
      expect(lines.some((line) => line.startsWith('[huiliu] 1 message(s) refused (400)'))).toBe(true);
      await tab.evaluate(() => (window as any).huiliu.track('purchase', { amount: 3, sku: 'SKU-after' }));
      await expect.poll(() => delivered((m) => m.properties?.sku === 'SKU-after').length, POLL).toBe(1);
      expect(site.posted().filter((m) => m.properties?.sku === 'SKU-400')).toHaveLength(1);
      // The queue is empty once the browser has read the answer (the proxy records it a moment before).
      await expect
        .poll(() => tab.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('hl_q_')).length), POLL)
        .toBe(0);
      const after = await landed(mine);
      expect(after.some((r) => r.properties.sku === 'SKU-400')).toBe(false);
      expect(after.filter((r) => r.properties.sku === 'SKU-after')).toHaveLength(1);
      expect(Date.now() - started).toBeLessThan(60_000);
    });

    it('a send slower than the flush interval does not stall what was queued meanwhile', async () => {
      const { tab } = await visitor();
      site.page('/slow', page(fill(snippet('script-tag'))));
      // The page view's send takes 2.5 s; the 1 s flush timer fires while it is in flight.
      site.slowNext(2500);
      await tab.goto(`${site.origin}/slow`);
      await tab.waitForFunction(() => typeof (window as any).huiliu?.getAnonymousId === 'function');
      const anonymousId = await anonymousIdOf(tab);
      await tab.evaluate(() => (window as any).huiliu.track('purchase', { amount: 6, sku: 'SKU-slow' }));
      const mine = (m: any) => m.anonymousId === anonymousId;
      await expect.poll(() => delivered(mine).length, POLL).toBe(2);
      expect((await landed(mine)).map((r) => r.event).sort()).toEqual(['$pageview', 'purchase']);
    });

    it('offline: messages wait in localStorage, survive closing the page and are delivered once on the next visit', async () => {
      const { context, tab } = await visitor();
      site.page('/offline', page(fill(snippet('script-tag'))));
      await tab.goto(`${site.origin}/offline`);
      await tab.waitForFunction(() => typeof (window as any).huiliu?.getAnonymousId === 'function');
      const anonymousId = await anonymousIdOf(tab);
      const mine = (m: any) => m.anonymousId === anonymousId;
      await expect.poll(() => delivered(mine).length, POLL).toBe(1);

      await context.setOffline(true);
      await tab.evaluate(() => (window as any).huiliu.track('purchase', { amount: 5, sku: 'SKU-offline' }));
      // Tried (a network error), kept.
      await tab.waitForTimeout(1500);
      const queued = await tab.evaluate(() => {
        const key = Object.keys(localStorage).find((k) => k.startsWith('hl_q_'))!;
        return JSON.parse(localStorage.getItem(key) ?? '[]') as any[];
      });
      expect(queued.map((m) => m.properties.sku)).toEqual(['SKU-offline']);
      expect(site.posted().filter((m) => m.properties?.sku === 'SKU-offline')).toHaveLength(0);
      const next = await context.newPage();
      await tab.close();

      await context.setOffline(false);
      await next.goto(`${site.origin}/offline`);
      // The next visit's first batch carries its page view and the persisted message. (Closing the
      // page may also have handed it to sendBeacon; it stayed queued either way, and lands once.)
      const views = () => [
        ...new Set(
          site
            .posted(200)
            .filter((m) => mine(m) && m.event === '$pageview')
            .map((m) => m.messageId),
        ),
      ];
      await expect.poll(() => views().length, POLL).toBe(2);
      const batch = site.seen.find((r) => r.status === 200 && r.body?.batch?.some((m: any) => m.messageId === views()[1]));
      expect(batch!.contentType).toMatch(/^application\/json/);
      expect(batch!.body.batch.map((m: any) => m.properties?.sku)).toContain('SKU-offline');
      const rows = await landed(mine);
      expect(rows.filter((r) => r.properties.sku === 'SKU-offline')).toHaveLength(1);
      expect(rows.filter((r) => r.event === '$pageview')).toHaveLength(2);
    });

    it('reset() starts a new anonymous visitor; sendBeacon sends what waits when the page is hidden', async () => {
      const { context, tab } = await visitor();
      site.page('/account', page(fill(snippet('script-tag'))));
      await tab.goto(`${site.origin}/account`);
      await tab.waitForFunction(() => typeof (window as any).huiliu?.getAnonymousId === 'function');
      const first = await anonymousIdOf(tab);
      await tab.evaluate(() => (window as any).huiliu.identify({ externalId: 'u-reset', name: '退出的人' }));
      await expect.poll(() => delivered((m) => m.userId === 'u-reset').length, POLL).toBe(1);
      await tab.addScriptTag({ content: snippet('reset') });
      const second = await anonymousIdOf(tab);
      expect(second).not.toBe(first);
      expect(await tab.evaluate(() => (window as any).huiliu.getUserId())).toBeUndefined();
      expect((await context.cookies(site.origin)).find((c) => c.name === 'hl_aid')?.value).toBe(second);

      // A manual page view, then the page is hidden before the 1 s flush: sendBeacon (text/plain).
      await tab.addScriptTag({ content: snippet('page') });
      await tab.evaluate(() => {
        Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
        document.dispatchEvent(new Event('visibilitychange', { bubbles: true }));
      });
      await expect
        .poll(
          () =>
            site.seen.filter(
              (r) => r.contentType?.startsWith('text/plain') && r.body?.batch?.some((m: any) => m.anonymousId === second),
            ).length,
          POLL,
        )
        .toBeGreaterThan(0);
      const beacon = site.seen.find((r) => r.contentType?.startsWith('text/plain'))!;
      expect(beacon.status).toBe(200);
      expect(beacon.body.writeKey).toBe(t.web.writeKey);
      const named = beacon.body.batch.find((m: any) => m.properties?.s_pageName === '商品详情');
      expect(named).toMatchObject({ anonymousId: second, event: '$pageview' });
      expect(named.userId).toBeUndefined();
      // The beacon's messages stay queued and are sent again: the server keeps them once.
      await expect.poll(() => site.posted(200).filter((m) => m.messageId === named.messageId).length, POLL).toBe(2);
      const rows = await loaded([named.messageId]);
      expect(rows).toHaveLength(1);
      expect(rows[0]!.properties).toMatchObject({ s_pageName: '商品详情' });
      // The new visitor is not the person who logged out.
      const person = await t.contactOf('u-reset');
      await expect.poll(() => t.contactOf(second, 'anonymousId'), POLL).toBeTruthy();
      expect(await t.contactOf(second, 'anonymousId')).not.toBe(person);
    });

    it('a page inside WeChat: appId and openId exposed, identify with weChatInfo joins the official account’s fan', async () => {
      const fan = await t.contacts.recordAccount(t.tenantId, {
        channelId: t.wechat.id,
        idType: 'wechat.openId',
        userId: 'o-fan-web',
      });
      const { tab } = await visitor({
        userAgent:
          'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2f) NetType/WIFI Language/zh_CN',
      });
      site.page('/wechat', page(fill(snippet('wechat-script-tag'))));
      // The operator's own OAuth callback appended the openid.
      await tab.goto(`${site.origin}/wechat?openid=o-fan-web`);
      await tab.waitForFunction(() => typeof (window as any).LFAPP?.identify === 'function');
      expect(await tab.evaluate(() => [(window as any).LFAPP.appId, (window as any).LFAPP.openId])).toEqual([
        APP_ID,
        'o-fan-web',
      ]);
      await tab.addScriptTag({ content: snippet('wechat-identify') });
      await expect.poll(() => delivered((m) => m.userId === 'u1391232').length, POLL).toBe(1);
      expect(site.posted(200).find((m) => m.userId === 'u1391232').traits.weChatInfo).toEqual({
        openId: 'o-fan-web',
        appId: APP_ID,
      });
      // The fan and the visitor (cookie, then externalId) are one contact now.
      const sameContact = async () => {
        await t.drain();
        const person = await t.contactOf('u1391232');
        return person !== undefined && person === (await t.contactOf('o-fan-web', 'wechat.openId', t.wechat.id));
      };
      await expect.poll(sameContact, POLL).toBe(true);
      expect(fan).toBeTruthy();
      // Remembered for the next page of this official account without the parameter.
      await tab.goto(`${site.origin}/wechat`);
      await tab.waitForFunction(() => typeof (window as any).LFAPP?.identify === 'function');
      expect(await tab.evaluate(() => (window as any).LFAPP.openId)).toBe('o-fan-web');

      // Outside WeChat: no openId, and identify goes without weChatInfo (not quarantined for it).
      const desktop = await visitor();
      await desktop.tab.goto(`${site.origin}/wechat?openid=o-someone`);
      await desktop.tab.waitForFunction(() => typeof (window as any).LFAPP?.identify === 'function');
      expect(await desktop.tab.evaluate(() => [(window as any).LFAPP.appId, (window as any).LFAPP.openId ?? null])).toEqual([
        APP_ID,
        null,
      ]);
      await desktop.tab.evaluate(() =>
        (window as any).LFAPP.identify({
          externalId: 'desk-1',
          name: '桌面访客',
          weChatInfo: { openId: (window as any).LFAPP.openId, appId: (window as any).LFAPP.appId },
        }),
      );
      await expect.poll(() => delivered((m) => m.userId === 'desk-1').length, POLL).toBe(1);
      expect(site.posted(200).find((m) => m.userId === 'desk-1').traits.weChatInfo).toBeUndefined();
      await t.drain();
      await expect.poll(() => t.contactOf('desk-1'), POLL).toBeTruthy();
    });
  });
}
