import { Analytics } from '@segment/analytics-node';
import { beforeAll, expect, it } from 'vitest';
import { firstPartyPlugins } from '../support/plugins.js';
import { describeEngines, type TestApp } from '../support/test-app.js';
import { identityTenant } from '../contacts/support.js';
import { uuidv7 } from './support.js';

/**
 * The Segment-compatible `/v1/*` with Segment's own Node library (@segment/analytics-node) over
 * real HTTP: identify, track, page, screen, group and alias land where docs/integrators/segment.md
 * says — each event once in OLAP, mapped onto the presets, traits on the contact, alias merging an
 * anonymous visitor and proposing two identified contacts — and a resend of the same messageIds
 * changes nothing.
 */
describeEngines(
  'Segment-compatible API with @segment/analytics-node',
  (ctx) => {
    let base = '';
    beforeAll(async () => {
      await ctx.app.start();
      base = `http://127.0.0.1:${ctx.app.server.info.port}`;
    });

    /** Sends the calls through a fresh client (batches of 3, so several requests) and waits for every answer. */
    async function send(writeKey: string, calls: (analytics: Analytics) => void): Promise<number[]> {
      const analytics = new Analytics({ writeKey, host: base, path: '/v1/batch', flushAt: 3, maxRetries: 1 });
      const statuses: number[] = [];
      const errors: unknown[] = [];
      analytics.on('http_response', (response) => statuses.push(response.status));
      analytics.on('error', (error) => errors.push(error));
      calls(analytics);
      await analytics.closeAndFlush({ timeout: 10_000 });
      expect(errors).toEqual([]);
      return statuses;
    }

    async function setUp(app: TestApp) {
      const t = await identityTenant(app, ['wx-seg-a', 'wx-seg-b']);
      const olap = app.olap.forTenant(t.tenantId);
      const rows = async (sql: string, params: (string | number)[] = []) =>
        (await olap.query(sql, { params, rowMode: 'json' })).rows as Record<string, unknown>[];
      /** The event rows of one messageId (the `events` relation: merges applied) and its typed view. */
      const eventOf = async (messageId: string) => {
        const events = await rows('SELECT * FROM events WHERE message_id = ?', [messageId]);
        expect(events, `${messageId} loaded exactly once`).toHaveLength(1);
        const [typed] = await rows('SELECT * FROM event_view WHERE s_message_id = ?', [messageId]);
        return {
          event: events[0]!,
          typed: typed!,
          extra: events[0]!.extra ? (JSON.parse(String(events[0]!.extra)) as Record<string, unknown>) : {},
        };
      };
      return { ...t, rows, eventOf };
    }

    it('loads identify, track, page, screen, group and alias sent by the official Node client, once', async () => {
      const t = await setUp(ctx.app);
      const ids = {
        identify: uuidv7(),
        track: uuidv7(),
        page: uuidv7(),
        pageFromContext: uuidv7(),
        screen: uuidv7(),
        group: uuidv7(),
        anonymousTrack: uuidv7(),
        identify2: uuidv7(),
        aliasAnonymous: uuidv7(),
        aliasIdentified: uuidv7(),
      };
      const at = new Date(Date.now() - 60_000);
      const first = (analytics: Analytics) => {
        analytics.identify({
          messageId: ids.identify,
          userId: 'seg-u1',
          anonymousId: 'seg-anon-1',
          traits: { name: '王五', email: 'wangwu@example.com' },
          timestamp: at,
        });
        analytics.track({
          messageId: ids.track,
          userId: 'seg-u1',
          event: 'purchase',
          properties: { amount: 99.5, sku: 'S-1', coupon: 'C9' },
          context: { campaign: { source: 'newsletter', medium: 'email', name: 'spring', term: 'shoes' } },
          timestamp: at,
        });
        analytics.page({
          messageId: ids.page,
          userId: 'seg-u1',
          name: 'Pricing',
          category: 'Docs',
          properties: {
            url: 'https://shop.example.com/pricing?plan=pro',
            path: '/pricing',
            title: '价格',
            referrer: 'https://www.baidu.com/',
            plan: 'pro',
          },
          timestamp: at,
        });
        analytics.page({
          messageId: ids.pageFromContext,
          anonymousId: 'seg-anon-2',
          name: 'Home',
          context: { page: { url: 'https://shop.example.com/', path: '/', title: '首页', referrer: '' } },
          timestamp: at,
        });
        analytics.screen({
          messageId: ids.screen,
          userId: 'seg-u1',
          name: 'Checkout',
          properties: { step: 2 },
          timestamp: at,
        });
        analytics.group({
          messageId: ids.group,
          userId: 'seg-u1',
          groupId: 'org-42',
          traits: { name: 'Acme', employees: 50 },
          timestamp: at,
        });
        analytics.track({
          messageId: ids.anonymousTrack,
          anonymousId: 'seg-anon-3',
          event: 'purchase',
          properties: { amount: 5 },
          timestamp: at,
        });
        analytics.identify({
          messageId: ids.identify2,
          userId: 'seg-u2',
          traits: { name: '赵六', email: 'zhaoliu@example.com' },
          timestamp: at,
        });
      };
      // Later (as in life): the anonymous visitor logs in as seg-u1; seg-u1 says it is seg-u2 too.
      const second = (analytics: Analytics) => {
        analytics.alias({ messageId: ids.aliasAnonymous, userId: 'seg-u1', previousId: 'seg-anon-3' });
        analytics.alias({ messageId: ids.aliasIdentified, userId: 'seg-u2', previousId: 'seg-u1' });
      };

      const statuses = await send(String(t.web.writeKey), first);
      expect(statuses.length).toBeGreaterThanOrEqual(3);
      expect(new Set(statuses)).toEqual(new Set([200]));
      await t.drain();
      const anonymous3 = (await t.contactOf('seg-anon-3', 'anonymousId'))!;
      const u1Before = (await t.contactOf('seg-u1'))!;
      expect(anonymous3).toBeTruthy();
      expect(anonymous3).not.toBe(u1Before);
      expect(await send(String(t.web.writeKey), second)).toEqual([200]);
      await t.drain();

      // identify: the traits on the contact (OLAP, through the outbox).
      const u1 = (await t.contactOf('seg-u1'))!;
      const u2 = (await t.contactOf('seg-u2'))!;
      expect(u1).toBeTruthy();
      expect(u2).toBeTruthy();
      expect(u1).not.toBe(u2);
      const [contact] = await t.rows('SELECT name, email, identified FROM contact_view WHERE id = ?', [u1]);
      expect(contact).toEqual({ name: '王五', email: 'wangwu@example.com', identified: true });

      // track: typed properties, the campaign in the utm presets, the rest in extra.
      const track = await t.eventOf(ids.track);
      expect(track.event).toMatchObject({ event: 'purchase', contact_id: u1, channel_id: t.channelId });
      expect(track.typed).toMatchObject({
        p_amount: 99.5,
        p_sku: 'S-1',
        p_$utm_source: 'newsletter',
        p_$utm_medium: 'email',
        p_$utm_campaign: 'spring',
        p_$utm_term: 'shoes',
        p_$utm_content: null,
      });
      expect(track.extra).toEqual({ coupon: 'C9' });

      // page: $pageview with its page presets, from properties or else context.page.
      const page = await t.eventOf(ids.page);
      expect(page.event).toMatchObject({ event: '$pageview', contact_id: u1 });
      expect(page.typed).toMatchObject({
        s_url: 'https://shop.example.com/pricing?plan=pro',
        s_urlPath: '/pricing',
        s_title: '价格',
        s_referrer: 'https://www.baidu.com/',
        s_pageName: 'Pricing',
      });
      expect(page.extra).toEqual({ plan: 'pro', category: 'Docs' });
      const fromContext = await t.eventOf(ids.pageFromContext);
      expect(fromContext.event).toMatchObject({ event: '$pageview' });
      expect(fromContext.typed).toMatchObject({
        s_url: 'https://shop.example.com/',
        s_urlPath: '/',
        s_title: '首页',
        s_referrer: '',
        s_pageName: 'Home',
      });

      // screen and group.
      const screen = await t.eventOf(ids.screen);
      expect(screen.event).toMatchObject({ event: '$AppViewScreen', contact_id: u1 });
      expect(screen.typed).toMatchObject({ s_screenName: 'Checkout' });
      expect(screen.extra).toEqual({ step: 2 });
      const group = await t.eventOf(ids.group);
      expect(group.event).toMatchObject({ event: '$group', contact_id: u1 });
      expect(group.typed).toMatchObject({ s_groupId: 'org-42' });
      expect(group.extra).toEqual({ traits: { name: 'Acme', employees: 50 } });

      // alias anonymous → identified: the visitor's contact and seg-u1's became one (the survivor is
      // the most recently updated, ADR 0019), its event with it; the contacts list counts one.
      expect(await t.contactOf('seg-anon-3', 'anonymousId')).toBe(u1);
      expect((await t.eventOf(ids.anonymousTrack)).event).toMatchObject({ contact_id: u1 });
      const history = await t.history();
      expect(history).toHaveLength(1);
      expect(history[0]).toMatchObject({
        rule: 'anonymous_identified',
        evidence: { channelId: t.channelId, idType: 'anonymousId', userId: 'seg-anon-3' },
      });
      expect([history[0]!.survivorId, history[0]!.mergedId].sort()).toEqual([u1Before, anonymous3].sort());
      expect(await t.olapContactIds()).not.toContain(history[0]!.mergedId);
      // alias between two identified contacts: a candidate, never a merge.
      const candidates = await t.candidates();
      expect(candidates).toHaveLength(1);
      expect(candidates[0]).toMatchObject({
        reason: 'segment_alias',
        status: 'pending',
        evidence: { channelId: t.channelId, idType: 'externalId', userId: 'seg-u1' },
      });
      expect(candidates[0]!.contacts.map((c) => c.id).sort()).toEqual([u1, u2].sort());

      // No event rows for identify and alias; every event once.
      const loaded = async () =>
        (await t.rows('SELECT message_id, event FROM events ORDER BY message_id')).map(
          (r) => `${String(r.event)}:${String(r.message_id)}`,
        );
      const before = await loaded();
      expect(before.sort()).toEqual(
        [
          `purchase:${ids.track}`,
          `$pageview:${ids.page}`,
          `$pageview:${ids.pageFromContext}`,
          `$AppViewScreen:${ids.screen}`,
          `$group:${ids.group}`,
          `purchase:${ids.anonymousTrack}`,
        ].sort(),
      );
      const quality = (await t.staff.request('GET', '/api/v1/ingestion/quality')).body;
      expect(quality.quarantine).toEqual([]);

      // The same messages again (same messageIds): nothing doubles, nothing new is merged or proposed.
      const contactsBefore = await t.contactCount();
      expect(new Set(await send(String(t.web.writeKey), first))).toEqual(new Set([200]));
      expect(await send(String(t.web.writeKey), second)).toEqual([200]);
      await t.drain();
      expect((await loaded()).sort()).toEqual(before.sort());
      expect(await t.contactCount()).toBe(contactsBefore);
      expect(await t.history()).toHaveLength(1);
      expect(await t.candidates()).toHaveLength(1);
    });
  },
  { plugins: firstPartyPlugins },
);
