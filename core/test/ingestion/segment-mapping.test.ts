import { expect, it } from 'vitest';
import { identityTenant } from '../contacts/support.js';
import { firstPartyPlugins } from '../support/plugins.js';
import { describeEngines, type TestApp } from '../support/test-app.js';
import { uuidv7 } from './support.js';

/**
 * page / screen / group / alias, context.campaign and context.traits through the collect batch
 * route and the Segment-compatible `/v1/*` (docs/decisions/0026): what each call becomes, what is
 * quarantined and why, and the `/v1` envelope (auth places, one-letter paths, batch context).
 */
describeEngines(
  'Segment messages in the pipeline: mapping, quarantine, /v1 routes',
  (ctx) => {
    async function setUp(app: TestApp) {
      const t = await identityTenant(app, ['wx-map-a', 'wx-map-b']);
      const olap = app.olap.forTenant(t.tenantId);
      const rows = async (sql: string, params: (string | number)[] = []) =>
        (await olap.query(sql, { params, rowMode: 'json' })).rows as Record<string, unknown>[];
      const loaded = async (messageId: string) => {
        const events = await rows('SELECT * FROM events WHERE message_id = ?', [messageId]);
        expect(events, `${messageId} loaded once`).toHaveLength(1);
        const [typed] = await rows('SELECT * FROM event_view WHERE s_message_id = ?', [messageId]);
        const extra = events[0]!.extra ? (JSON.parse(String(events[0]!.extra)) as Record<string, unknown>) : {};
        return { event: events[0]!, typed: typed!, extra };
      };
      const quarantined = async () =>
        (
          (await t.staff.request('GET', '/api/v1/ingestion/quarantine?pageSize=100')).body.items as {
            messageId: string;
            reason: string;
            event: string | null;
            type: string;
            problems: { path: string; code: string }[];
          }[]
        ).map(({ messageId, reason, event, type, problems }) => ({ messageId, reason, event, type, problems }));
      const basic = `Basic ${Buffer.from(`${String(t.web.writeKey)}:`).toString('base64')}`;
      /** A request to a `/v1` path through the server (headers as given: no auth unless asked). */
      const v1 = (path: string, body: unknown, headers: Record<string, string> = { authorization: basic }) =>
        ctx.app.server.inject({
          method: 'POST',
          url: `/v1/${path}`,
          payload: typeof body === 'string' ? body : JSON.stringify(body),
          headers: { 'content-type': 'application/json', ...headers },
        });
      return { ...t, rows, loaded, quarantined, v1, basic };
    }

    it('maps page, screen, group, context.campaign and context.traits sent through the collect batch', async () => {
      const t = await setUp(ctx.app);
      const id = () => uuidv7();
      const m = {
        page: id(),
        screen: id(),
        group: id(),
        groupBare: id(),
        track: id(),
        trackOwnUtm: id(),
        identify: id(),
      };
      const res = await t.collect('batch', {
        // Top-level context applies to every item; an item's own keys win.
        context: { campaign: { source: 'batch-src', medium: 'cpc' }, locale: 'zh-CN' },
        batch: [
          {
            type: 'page',
            messageId: m.page,
            anonymousId: 'map-a',
            name: '活动页',
            properties: { url: 'https://shop.example.com/sale', path: '/sale', color: 'red' },
            // title and referrer from context.page (properties lack them); url from properties wins.
            context: { page: { url: 'https://ignored.example.com/', title: '大促', referrer: 'https://weibo.com/' } },
          },
          { type: 'screen', messageId: m.screen, anonymousId: 'map-a', name: '首页', properties: { tab: 'home' } },
          { type: 'group', messageId: m.group, anonymousId: 'map-a', groupId: 42, traits: { plan: 'enterprise' } },
          { type: 'group', messageId: m.groupBare, anonymousId: 'map-a', groupId: 'org-1' },
          {
            type: 'track',
            messageId: m.track,
            anonymousId: 'map-a',
            event: 'purchase',
            properties: { amount: 3 },
            context: { campaign: { name: '双11', content: 'banner', term: 7 } },
          },
          {
            type: 'track',
            messageId: m.trackOwnUtm,
            anonymousId: 'map-a',
            event: 'purchase',
            properties: { amount: 4, $utm_source: 'sent' },
          },
          {
            type: 'identify',
            messageId: m.identify,
            userId: 'map-u1',
            anonymousId: 'map-a',
            traits: { name: '钱七' },
            context: { traits: { name: '被覆盖', email: 'qianqi@example.com' } },
          },
        ],
      });
      expect(res.statusCode).toBe(200);
      expect(res.body.accepted).toBe(7);
      await t.drain();
      expect(await t.quarantined()).toEqual([]);

      const page = await t.loaded(m.page);
      expect(page.event).toMatchObject({ event: '$pageview' });
      expect(page.typed).toMatchObject({
        s_url: 'https://shop.example.com/sale',
        s_urlPath: '/sale',
        s_title: '大促',
        s_referrer: 'https://weibo.com/',
        s_pageName: '活动页',
        // The batch's campaign reaches a page too ($pageview carries the utm presets).
        p_$utm_source: 'batch-src',
        p_$utm_medium: 'cpc',
      });
      expect(page.extra).toEqual({ color: 'red' });

      const screen = await t.loaded(m.screen);
      expect(screen.event).toMatchObject({ event: '$AppViewScreen' });
      expect(screen.typed).toMatchObject({ s_screenName: '首页' });
      expect(screen.extra).toEqual({ tab: 'home' });

      const group = await t.loaded(m.group);
      expect(group.event).toMatchObject({ event: '$group' });
      expect(group.typed).toMatchObject({ s_groupId: '42' });
      expect(group.extra).toEqual({ traits: { plan: 'enterprise' } });
      expect((await t.loaded(m.groupBare)).event.extra).toBeNull();

      // The item's campaign wins over the batch's per key (the whole `campaign` key is the item's).
      const track = await t.loaded(m.track);
      expect(track.typed).toMatchObject({
        p_$utm_source: null,
        p_$utm_medium: null,
        p_$utm_campaign: '双11',
        p_$utm_content: 'banner',
        p_$utm_term: '7',
      });
      // A utm property the client sent is never overwritten.
      expect((await t.loaded(m.trackOwnUtm)).typed).toMatchObject({ p_$utm_source: 'sent', p_$utm_medium: 'cpc' });

      // identify: traits and context.traits both count; traits wins per key.
      const contact = await t.contactRow((await t.contactOf('map-u1'))!);
      expect(contact).toMatchObject({ name: '钱七', email: 'qianqi@example.com' });

      // Mapped presets are not "undeclared properties"; the group's traits are not counted either.
      const quality = (await t.staff.request('GET', '/api/v1/ingestion/quality')).body;
      expect(quality.issues.map((i: { subject: string }) => i.subject).sort()).toEqual(['color', 'tab']);
    });

    it('quarantines bad page, group and alias messages with their reasons', async () => {
      const t = await setUp(ctx.app);
      const m = {
        aliasNoPrevious: uuidv7(),
        aliasNoUser: uuidv7(),
        pageBadProperties: uuidv7(),
        screenBadProperties: uuidv7(),
        groupNoId: uuidv7(),
        groupBadTraits: uuidv7(),
        unknownType: uuidv7(),
        identifyBadContextTraits: uuidv7(),
      };
      const res = await t.collect('batch', {
        batch: [
          { type: 'alias', messageId: m.aliasNoPrevious, userId: 'bad-u1' },
          { type: 'alias', messageId: m.aliasNoUser, anonymousId: 'bad-a1', previousId: 'bad-a0' },
          { type: 'page', messageId: m.pageBadProperties, anonymousId: 'bad-a1', properties: 'https://x.example.com/' },
          { type: 'screen', messageId: m.screenBadProperties, anonymousId: 'bad-a1', properties: ['a'] },
          { type: 'group', messageId: m.groupNoId, anonymousId: 'bad-a1', traits: { name: 'Acme' } },
          { type: 'group', messageId: m.groupBadTraits, anonymousId: 'bad-a1', groupId: 'g', traits: 'Acme' },
          { type: 'merge', messageId: m.unknownType, anonymousId: 'bad-a1' },
          {
            type: 'identify',
            messageId: m.identifyBadContextTraits,
            userId: 'bad-u2',
            context: { traits: { gender: 'unknown-gender' } },
          },
        ],
      });
      expect(res.statusCode).toBe(200);
      await t.drain();
      expect(await t.rows('SELECT * FROM events')).toEqual([]);
      const byId = new Map((await t.quarantined()).map((q) => [q.messageId, q]));
      expect(byId.get(m.aliasNoPrevious)).toMatchObject({
        reason: 'alias_previous_id_missing',
        type: 'alias',
        problems: [{ path: 'previousId', code: 'any.required' }],
      });
      expect(byId.get(m.aliasNoUser)).toMatchObject({
        reason: 'identity_missing',
        problems: [{ path: 'userId', code: 'any.required' }],
      });
      expect(byId.get(m.pageBadProperties)).toMatchObject({
        reason: 'properties_invalid',
        type: 'page',
        problems: [{ path: 'properties', code: 'object.base' }],
      });
      expect(byId.get(m.screenBadProperties)).toMatchObject({ reason: 'properties_invalid', type: 'screen' });
      expect(byId.get(m.groupNoId)).toMatchObject({
        reason: 'group_id_missing',
        event: '$group',
        problems: [{ path: 'groupId', code: 'any.required' }],
      });
      expect(byId.get(m.groupBadTraits)).toMatchObject({ reason: 'traits_invalid', event: '$group' });
      expect(byId.get(m.unknownType)).toMatchObject({ reason: 'type_unsupported' });
      expect(byId.get(m.identifyBadContextTraits)).toMatchObject({
        reason: 'traits_invalid',
        problems: [{ path: 'gender', code: 'contact_gender_invalid' }],
      });
      expect(byId.size).toBe(8);
      // No contact came of the quarantined alias or identify.
      expect(await t.contactOf('bad-u1')).toBeUndefined();
      expect(await t.contactOf('bad-u2')).toBeUndefined();
    });

    it('alias: an unknown or blocked previousId only records the userId; a known person’s cookie is a candidate', async () => {
      const t = await setUp(ctx.app);
      // Two identified people; p2's browser cookie is known to be theirs.
      await t.collect('batch', {
        batch: [
          { type: 'identify', userId: 'al-p1', traits: { name: '甲' } },
          { type: 'identify', userId: 'al-p2', anonymousId: 'al-cookie-2', traits: { name: '乙' } },
        ],
      });
      await t.drain();
      const [p1, p2] = [(await t.contactOf('al-p1'))!, (await t.contactOf('al-p2'))!];
      const contacts = await t.contactCount();
      const res = await t.collect('batch', {
        batch: [
          // Unknown previousId: the new userId's account (and contact) is all that happens.
          { type: 'alias', userId: 'al-p3', previousId: 'never-seen' },
          // A blocked previousId (the tenant's list: null, undefined…) never matches anyone.
          { type: 'alias', userId: 'al-p1', previousId: 'null' },
          // previousId is p2's cookie: p2 is a known person, so a candidate, never a merge.
          { type: 'alias', userId: 'al-p1', previousId: 'al-cookie-2' },
          // previousId equal to userId: nothing to link.
          { type: 'alias', userId: 'al-p1', previousId: 'al-p1' },
        ],
      });
      expect(res.statusCode).toBe(200);
      await t.drain();
      expect(await t.quarantined()).toEqual([]);
      expect(await t.rows('SELECT * FROM events')).toEqual([]);
      expect(await t.contactOf('al-p3')).toBeTruthy();
      expect(await t.contactCount()).toBe(contacts + 1);
      expect(await t.contactOf('al-p1')).toBe(p1);
      expect(await t.contactOf('al-cookie-2', 'anonymousId')).toBe(p2);
      expect(await t.history()).toEqual([]);
      const candidates = await t.candidates();
      expect(candidates).toHaveLength(1);
      expect(candidates[0]).toMatchObject({
        reason: 'segment_alias',
        evidence: { channelId: t.channelId, idType: 'anonymousId', userId: 'al-cookie-2' },
      });
      expect(candidates[0]!.contacts.map((c) => c.id).sort()).toEqual([p1, p2].sort());
    });

    it('answers every /v1 path (Segment’s, RudderStack’s and analytics.js’s) with the collect machinery', async () => {
      const t = await setUp(ctx.app);
      const ids: Record<string, string> = {};
      const calls: [string, Record<string, unknown>][] = [
        ['identify', { userId: 'v1-u', traits: { name: '孙八' } }],
        ['track', { userId: 'v1-u', event: 'purchase', properties: { amount: 1 } }],
        ['page', { userId: 'v1-u', name: 'Home', properties: { path: '/' } }],
        ['screen', { userId: 'v1-u', name: 'Main' }],
        ['group', { userId: 'v1-u', groupId: 'g-1' }],
        ['alias', { userId: 'v1-u', previousId: 'v1-old' }],
        ['t', { userId: 'v1-u', event: 'purchase', properties: { amount: 2 } }],
        ['p', { userId: 'v1-u', name: 'Pricing' }],
        ['s', { userId: 'v1-u', name: 'Cart' }],
        ['g', { userId: 'v1-u', groupId: 'g-2' }],
        ['i', { userId: 'v1-u', traits: { email: 'sunba@example.com' } }],
        ['a', { userId: 'v1-u', previousId: 'v1-older' }],
      ];
      for (const [path, body] of calls) {
        const messageId = uuidv7();
        ids[path] = messageId;
        // A type in the body never overrides the path's.
        const res = await t.v1(path, { ...body, type: 'track', messageId });
        expect(res.statusCode, `${path}: ${res.payload}`).toBe(200);
        expect(JSON.parse(res.payload)).toEqual({ success: true, accepted: 1, dropped: 0, messageIds: [messageId] });
      }
      // analytics.js: writeKey in the body, text/plain, one-letter path; a batch (`/v1/b`) with the
      // writeKey in each item and a top-level sentAt.
      const textPlain = await t.v1(
        't',
        JSON.stringify({ writeKey: t.web.writeKey, anonymousId: 'v1-a', event: 'purchase', messageId: (ids.plain = uuidv7()) }),
        { 'content-type': 'text/plain' },
      );
      expect(textPlain.statusCode).toBe(200);
      const sentAt = new Date().toISOString();
      const timestamp = new Date(Date.now() - 5000).toISOString();
      const perItem = await t.v1(
        'b',
        {
          sentAt,
          context: { campaign: { source: 'b-src' } },
          batch: [
            {
              type: 'track',
              writeKey: t.web.writeKey,
              anonymousId: 'v1-b',
              event: 'purchase',
              timestamp,
              messageId: (ids.b1 = uuidv7()),
            },
            { type: 'page', writeKey: t.web.writeKey, anonymousId: 'v1-b', timestamp, messageId: (ids.b2 = uuidv7()) },
          ],
        },
        {},
      );
      expect(perItem.statusCode, perItem.payload).toBe(200);
      expect(JSON.parse(perItem.payload)).toEqual({ success: true, accepted: 2, dropped: 0, messageIds: [ids.b1, ids.b2] });
      const batch = await t.v1('batch', {
        batch: [{ type: 'screen', userId: 'v1-u', name: 'B', messageId: (ids.b3 = uuidv7()) }],
      });
      expect(batch.statusCode).toBe(200);

      // 401 without a writeKey, or with an item that carries none or an unknown one; 400 for JSON.
      expect((await t.v1('track', { userId: 'x', event: 'purchase' }, {})).statusCode).toBe(401);
      expect(
        (
          await t.v1(
            'batch',
            {
              batch: [
                { type: 'track', writeKey: t.web.writeKey, userId: 'x', event: 'purchase' },
                { type: 'track', userId: 'x' },
              ],
            },
            {},
          )
        ).statusCode,
      ).toBe(401);
      expect((await t.v1('batch', { batch: [{ type: 'track', writeKey: 'wk_unknown', userId: 'x' }] }, {})).statusCode).toBe(401);
      const badJson = await t.v1('track', '{"userId":', { authorization: t.basic });
      expect(badJson.statusCode).toBe(400);
      expect(JSON.parse(badJson.payload)).toMatchObject({ code: 'invalid_json' });
      // A browser may call it from any page (CORS preflight).
      const preflight = await ctx.app.server.inject({
        method: 'OPTIONS',
        url: '/v1/batch',
        headers: { origin: 'https://shop.example.com', 'access-control-request-method': 'POST' },
      });
      expect(preflight.statusCode).toBe(200);
      expect(preflight.headers['access-control-allow-origin']).toBe('https://shop.example.com');

      await t.drain();
      expect(await t.quarantined()).toEqual([]);
      const events = await t.rows('SELECT message_id, event FROM events');
      const eventOf = new Map(events.map((e) => [String(e.message_id), String(e.event)]));
      expect(Object.fromEntries(Object.entries(ids).map(([path, id]) => [path, eventOf.get(id) ?? null]))).toEqual({
        identify: null,
        track: 'purchase',
        page: '$pageview',
        screen: '$AppViewScreen',
        group: '$group',
        alias: null,
        t: 'purchase',
        p: '$pageview',
        s: '$AppViewScreen',
        g: '$group',
        i: null,
        a: null,
        plain: 'purchase',
        b1: 'purchase',
        b2: '$pageview',
        b3: '$AppViewScreen',
      });
      expect(events).toHaveLength(12);
      expect(await t.contactRow((await t.contactOf('v1-u'))!)).toMatchObject({ name: '孙八', email: 'sunba@example.com' });
      // The batch's sentAt corrected the clock skew (0 here: sent now); its context reached the items.
      const [b1] = await t.rows(`SELECT ${ctx.app.olap.dialect.epochMs('event_time')} AS at FROM events WHERE message_id = ?`, [
        ids.b1!,
      ]);
      expect(Math.abs(Number(b1!.at) - (Date.now() - 5000))).toBeLessThan(5000);
      const [typed] = await t.rows('SELECT "p_$utm_source" FROM event_view WHERE s_message_id = ?', [ids.b2!]);
      expect(typed).toEqual({ p_$utm_source: 'b-src' });
    });
  },
  { plugins: firstPartyPlugins },
);
