import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, expect, it } from 'vitest';
import { identityTenant } from '../contacts/support.js';
import {
  BASE_URL,
  curlRequest,
  documented,
  examplesOf,
  nodeExamplesOf,
  shellWords,
  shiftInstants,
} from '../support/doc-examples.js';
import { firstPartyPlugins } from '../support/plugins.js';
import { describeEngines } from '../support/test-app.js';

/**
 * docs/integrators/segment.md, executed: its Node example runs as written (placeholders swapped) in
 * a child `node` with Segment's own @segment/analytics-node against the app listening on a real
 * port, and its curl examples go through the server; then the data is where the guide says.
 */
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const GUIDE = 'docs/integrators/segment.md';
const markdown = readFileSync(path.join(repo, GUIDE), 'utf8');
const run = promisify(execFile);

describeEngines(
  'docs: the Segment-compatible API guide works as documented',
  (ctx) => {
    let base = '';
    beforeAll(async () => {
      await ctx.app.start();
      base = `http://127.0.0.1:${ctx.app.server.info.port}`;
    });

    it('parses the guide: one Node example and the curl examples', () => {
      expect(nodeExamplesOf(markdown, GUIDE).map((e) => e.id)).toEqual(['segment-node']);
      expect(examplesOf(markdown, GUIDE).map((e) => e.id)).toEqual(['segment-page', 'segment-batch-item-write-key']);
    });

    it('runs the Node example with @segment/analytics-node: contact, events, alias as the guide says', async () => {
      const t = await identityTenant(ctx.app, ['wx-doc-a', 'wx-doc-b']);
      // The visitor of the example's alias, seen before logging in.
      await t.collect('track', { anonymousId: 'ck_77aa01', event: 'purchase', properties: { amount: 1 } });
      await t.drain();
      const visitor = (await t.contactOf('ck_77aa01', 'anonymousId'))!;
      expect(visitor).toBeTruthy();

      const [example] = nodeExamplesOf(markdown, GUIDE);
      const code = example!.code.replace(/\bWRITE_KEY\b/g, String(t.web.writeKey)).replaceAll(BASE_URL, base);
      const { stderr } = await run(process.execPath, ['--input-type=module', '-e', code], { cwd: repo, timeout: 60_000 });
      expect(stderr).toBe('');
      await t.drain();

      const person = (await t.contactOf('u-2001'))!;
      expect(person).toBeTruthy();
      expect(await t.contactOf('ck_77aa01', 'anonymousId')).toBe(person);
      const olap = ctx.app.olap.forTenant(t.tenantId);
      const rows = async (sql: string) => (await olap.query(sql, { rowMode: 'json' })).rows as Record<string, unknown>[];
      expect(await rows(`SELECT name, email FROM contact_view WHERE id = '${person}'`)).toEqual([
        { name: '李雷', email: 'lilei@example.com' },
      ]);
      const events = await rows(
        `SELECT event, p_amount, p_sku, s_url, s_pageName, s_screenName, s_groupId FROM event_view WHERE contact_id = '${person}' ORDER BY event, p_amount`,
      );
      expect(events).toEqual([
        {
          event: '$AppViewScreen',
          p_amount: null,
          p_sku: null,
          s_url: null,
          s_pageName: null,
          s_screenName: '购物车',
          s_groupId: null,
        },
        { event: '$group', p_amount: null, p_sku: null, s_url: null, s_pageName: null, s_screenName: null, s_groupId: 'org-7' },
        {
          event: '$pageview',
          p_amount: null,
          p_sku: null,
          s_url: 'https://shop.example.com/p/9',
          s_pageName: '商品详情',
          s_screenName: null,
          s_groupId: null,
        },
        // The visitor's earlier purchase, now the person's, and the example's.
        { event: 'purchase', p_amount: 1, p_sku: null, s_url: null, s_pageName: null, s_screenName: null, s_groupId: null },
        { event: 'purchase', p_amount: 128, p_sku: 'SKU-9', s_url: null, s_pageName: null, s_screenName: null, s_groupId: null },
      ]);
      // The alias and the identify are in different partitions: either the visitor's contact took
      // u-2001 (alias first) or it merged into u-2001's (identify first) — one person either way.
      for (const merge of await t.history()) expect(merge.rule).toBe('anonymous_identified');
      expect(await t.olapContactIds()).toEqual([person]);
      expect(await t.candidates()).toEqual([]);
    });

    it('runs the curl examples: answers as documented, $pageview mapped, the visitor becomes u-3001', async () => {
      const t = await identityTenant(ctx.app, ['wx-doc-c', 'wx-doc-d']);
      const runAt = Date.now();
      for (const example of examplesOf(markdown, GUIDE)) {
        const where = `${example.id} (${GUIDE}:${example.line})`;
        const request = curlRequest(
          shellWords(shiftInstants(example.command.replace(/\bWRITE_KEY\b/g, String(t.web.writeKey)), runAt)),
        );
        const res = await ctx.app.server.inject({
          method: request.method,
          url: request.url,
          headers: request.headers,
          ...(request.payload !== undefined ? { payload: request.payload } : {}),
        });
        expect(res.statusCode, `${where}: ${res.payload}`).toBe(example.response.status);
        expect(JSON.parse(res.payload), where).toEqual(documented(example.response.body));
        await t.drain();
      }
      const olap = ctx.app.olap.forTenant(t.tenantId);
      const [page] = (
        await olap.query(
          `SELECT s_url, s_urlPath, s_title, s_pageName, "p_$utm_source" AS source, "p_$utm_medium" AS medium FROM event_view WHERE event = '$pageview'`,
          { rowMode: 'json' },
        )
      ).rows;
      expect(page).toEqual({
        s_url: 'https://shop.example.com/',
        s_urlPath: '/',
        s_title: '欢迎',
        s_pageName: '首页',
        source: 'baidu',
        medium: 'cpc',
      });
      const person = (await t.contactOf('u-3001'))!;
      expect(person).toBeTruthy();
      expect(await t.contactOf('ck_5e6f70', 'anonymousId')).toBe(person);
      const events = (await olap.query('SELECT event, contact_id FROM events ORDER BY event', { rowMode: 'json' })).rows;
      expect(events).toEqual([
        { event: '$pageview', contact_id: person },
        { event: 'purchase', contact_id: person },
      ]);
    });
  },
  { plugins: firstPartyPlugins },
);
