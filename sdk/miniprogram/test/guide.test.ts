import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { firstPartyPlugins } from '../../../core/test/support/plugins.js';
import { describeEngines } from '../../../core/test/support/test-app.js';
import * as sdkModule from '../src/index.js';
import { createHuiliu, type Huiliu } from '../src/index.js';
import { FakeMiniProgram, FakeWx } from './fake-wx.js';
import { miniprogramTenant } from './support.js';

const GUIDE = fileURLToPath(new URL('../../../docs/integrators/miniprogram-sdk.md', import.meta.url));
const PACKAGE = '@huiliu/sdk-miniprogram';

/** The guide's `<!-- snippet: id -->` + ```js blocks; every js block must be one (all are executed). */
function snippetsOf(markdown: string): Record<string, string> {
  const lines = markdown.split('\n');
  const snippets: Record<string, string> = {};
  let marker: string | undefined;
  for (let i = 0; i < lines.length; i += 1) {
    const named = /^<!-- snippet: ([a-z0-9-]+) -->$/.exec(lines[i]!.trim());
    if (named) marker = named[1];
    const open = /^```(\S*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const body: string[] = [];
    for (i += 1; i < lines.length && !/^```\s*$/.test(lines[i]!); i += 1) body.push(lines[i]!);
    if (open[1] === 'js') {
      if (!marker)
        throw new Error(`miniprogram-sdk.md:${i}: a js block without <!-- snippet: id --> (every snippet is executed)`);
      if (snippets[marker]) throw new Error(`snippet ${marker} twice`);
      snippets[marker] = body.join('\n');
    }
    marker = undefined;
  }
  return snippets;
}

/** What `require('@huiliu/sdk-miniprogram')` gives, over one tracker (the package's top-level functions). */
function packageOver(tracker: Huiliu): Record<string, unknown> {
  const exported: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(sdkModule)) {
    if (typeof value !== 'function' || name === 'Huiliu' || name === 'createHuiliu' || name === 'systemPresets') continue;
    const method = (tracker as unknown as Record<string, unknown>)[name];
    expect(typeof method, `tracker.${name}`).toBe('function');
    exported[name] = (method as (...args: unknown[]) => unknown).bind(tracker);
  }
  return { ...exported, createHuiliu, tracker };
}

/** Runs one snippet as a CommonJS file of the mini-program (or of the integrator's Node server). */
function run(code: string, scope: Record<string, unknown>, modules: Record<string, unknown>): Record<string, unknown> {
  const module = { exports: {} as Record<string, unknown> };
  const require = (name: string) => {
    if (name in modules) return modules[name];
    throw new Error(`the snippet requires ${name}, which the guide does not install`);
  };
  const names = ['require', 'module', 'exports', ...Object.keys(scope)];
  new Function(...names, code)(require, module, module.exports, ...Object.values(scope));
  return module.exports;
}

let weChat: Server;
let weChatUrl = '';
const code2sessionCalls: string[] = [];

beforeAll(async () => {
  // api.weixin.qq.com's jscode2session, for the server snippet: a code of this test → its openid.
  weChat = createServer((req, res) => {
    const url = new URL(req.url!, 'http://localhost');
    code2sessionCalls.push(url.search);
    const ok =
      url.pathname === '/sns/jscode2session' &&
      url.searchParams.get('appid') === 'wx0123456789abcdef' &&
      url.searchParams.get('secret') === 'app-secret' &&
      url.searchParams.get('grant_type') === 'authorization_code' &&
      /^code-/.test(url.searchParams.get('js_code') ?? '');
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify(
        ok
          ? { openid: 'o-guide-openid', session_key: 'sk', unionid: 'u-guide-unionid' }
          : { errcode: 40029, errmsg: 'invalid code' },
      ),
    );
  });
  await new Promise<void>((resolve) => weChat.listen(0, '127.0.0.1', resolve));
  weChatUrl = `http://127.0.0.1:${(weChat.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => weChat?.close(resolve));
});

describeEngines(
  'the mini-program SDK guide, executed',
  (ctx) => {
    beforeAll(async () => {
      await ctx.app.start();
    });

    it('runs app.js, a page, identify and the code2session server as written, and the data lands', async () => {
      const snippets = snippetsOf(readFileSync(GUIDE, 'utf8'));
      expect(Object.keys(snippets).sort()).toEqual(['app-js', 'identify', 'page-js', 'server-code2session']);
      const t = await miniprogramTenant(ctx.app);
      code2sessionCalls.length = 0;
      const fill = (code: string) =>
        code
          .replaceAll('WRITE_KEY', t.writeKey)
          .replaceAll('https://cdp.example.com', t.base)
          .replaceAll('https://api.weixin.qq.com', weChatUrl);

      // The integrator's server (section 六), behind https://api.example.com/wx/session.
      const server = run(
        fill(snippets['server-code2session']!),
        { process: { env: { MINIPROGRAM_SECRET: 'app-secret' } }, fetch },
        {},
      );
      const wx = new FakeWx();
      wx.intercepts.set('https://api.example.com', async ({ url, method, body }) => {
        expect([url, method]).toEqual(['https://api.example.com/wx/session', 'POST']);
        const { code } = body as { code: string };
        return { statusCode: 200, data: await (server.code2session as (code: string) => Promise<unknown>)(code) };
      });

      const runtime = new FakeMiniProgram(wx);
      const tracker = createHuiliu(wx);
      const modules = { [PACKAGE]: packageOver(tracker) };
      const scope = { ...runtime.globals };
      run(fill(snippets['app-js']!), scope, modules);
      runtime.definePage('pages/goods/detail', (globals) => run(fill(snippets['page-js']!), { ...scope, ...globals }, modules));
      runtime.definePage('pages/index/index', ({ Page }) => Page(tracker.page({})));

      runtime.launch({ scene: 1047, path: 'pages/index/index', query: { utm_source: 'poster' } });
      runtime.navigateTo('pages/goods/detail', { sku: 'SKU-1001' });
      (runtime.currentPage().addToCart as () => void).call(runtime.currentPage());
      await tracker.whenIdentified();
      run(fill(snippets['identify']!), scope, modules);
      runtime.hide();
      await tracker.flush();
      await wx.settle();
      expect(tracker.pending()).toBe(0);
      expect(code2sessionCalls).toHaveLength(1);
      await t.drain();

      // The guide's claims: the four events with s_originScene, the custom event typed, the person
      // known by the unionid with the anonymous events, 实名 by the identify.
      const events = await t.events();
      expect(events.map((e) => e.event)).toEqual([
        '$MPLaunch',
        '$MPShow',
        '$MPViewScreen',
        '$MPViewScreen',
        'add_to_cart',
        '$MPHide',
      ]);
      for (const event of events) expect(event).toMatchObject({ s_originScene: '1047', p_$utm_source: 'poster', p_$os: 'iOS' });
      expect(events[4]).toMatchObject({ p_sku: 'SKU-1001', p_price: 99.5 });
      expect(events[3]).toMatchObject({
        s_pagePath: 'pages/goods/detail',
        s_pageQuery: 'sku=SKU-1001',
        s_referrerPath: 'pages/index/index',
      });
      const person = await t.contactOfUser('u-guide-unionid');
      expect(person).toBeTruthy();
      expect(new Set(events.map((e) => String(e.contact_id)))).toEqual(new Set([person]));
      const [contact] = await t.rows('SELECT * FROM contact_view WHERE id = ?', [person!]);
      expect(contact).toMatchObject({ identified: true });
      expect(Object.values(contact!)).toEqual(expect.arrayContaining(['张三', '13800000000', '上海']));
      expect(wx.getStorageSync('huiliu_user_id')).toBe('u-guide-unionid');
    });
  },
  { plugins: firstPartyPlugins },
);
