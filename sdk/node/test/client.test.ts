import { afterAll, beforeAll, expect, it } from 'vitest';
import { firstPartyPlugins } from '../../../core/test/support/plugins.js';
import { describeEngines } from '../../../core/test/support/test-app.js';
import { HuiliuApiError, HuiliuClient, type HuiliuClientOptions } from '../src/index.js';
import { baseOf, faultyProxy, sdkTenant, type Proxy } from './support.js';

/** Fast backoff for tests (the policy's shape is what is tested, not its default delays). */
const quick = { minDelayMs: 20, maxDelayMs: 2_000 };

describeEngines(
  'sdk-node: HuiliuClient (Open API)',
  (ctx) => {
    let proxy: Proxy;
    let t: Awaited<ReturnType<typeof sdkTenant>>;
    const client = (options: Partial<HuiliuClientOptions> = {}) =>
      new HuiliuClient({ baseUrl: proxy.url, appKey: t.appKey, appSecret: t.appSecret, retry: quick, ...options });
    const tokenRequests = () => proxy.to('/api/v1/auth/token').length;

    beforeAll(async () => {
      await ctx.app.start();
      proxy = await faultyProxy(baseOf(ctx.app));
      t = await sdkTenant(ctx.app);
    });
    afterAll(async () => {
      await proxy?.close();
    });

    it('exchanges the key for one token, keeps it, and never runs two exchanges at once', async () => {
      proxy.reset();
      const api = client();
      // Ten calls at once on a fresh client: one exchange, every call authorized by it.
      const answers = await Promise.all(Array.from({ length: 10 }, () => api.metadata.contactFields()));
      expect(answers.every((fields) => Array.isArray(fields))).toBe(true);
      expect(tokenRequests()).toBe(1);
      await api.channels.types();
      expect(tokenRequests()).toBe(1);
      const bearers = new Set(proxy.seen.filter((s) => s.path !== '/api/v1/auth/token').map((s) => s.status));
      expect([...bearers]).toEqual([200]);
    });

    it('renews the token a margin before it expires (7200 s)', async () => {
      proxy.reset();
      let now = Date.now();
      const api = client({ now: () => now, refreshMarginSeconds: 300 });
      await api.channels.types();
      expect(tokenRequests()).toBe(1);
      const first = await api.accessToken();
      now += (7200 - 301) * 1000; // still before the margin
      expect(await api.accessToken()).toBe(first);
      expect(tokenRequests()).toBe(1);
      now += 2_000; // inside the margin: renewed before the server would refuse it
      await api.channels.types();
      expect(tokenRequests()).toBe(2);
      const second = await api.accessToken();
      expect(second).not.toBe(first);
      expect(proxy.seen.some((s) => s.status === 401)).toBe(false);
    });

    it('renews once when the server says the token has expired (401), then succeeds', async () => {
      proxy.reset();
      const api = client();
      await api.channels.types();
      await t.expireTokens(); // the server's clock passed expires_at
      const types = await api.channels.types();
      expect(types.map((type) => type.type)).toContain('custom');
      expect(proxy.to('/api/v1/channel-types').map((s) => s.status)).toEqual([200, 401, 200]);
      expect(tokenRequests()).toBe(2);
      // Concurrent calls that all meet the 401 still share one exchange.
      await t.expireTokens();
      proxy.reset();
      await Promise.all(Array.from({ length: 5 }, () => api.metadata.contactFields()));
      expect(tokenRequests()).toBe(1);
    });

    it('does not loop when a renewed token is refused too, and reports bad credentials', async () => {
      proxy.reset();
      const api = client();
      await api.channels.types();
      // Every token refused: one renewal, then the 401 is the caller's.
      proxy.fail('/api/v1/channel-types', {
        status: 401,
        body: { statusCode: 401, code: 'token_invalid', message: 'x', requestId: 'p' },
      });
      proxy.fail('/api/v1/channel-types', {
        status: 401,
        body: { statusCode: 401, code: 'token_invalid', message: 'x', requestId: 'p' },
      });
      const error = await api.channels.types().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HuiliuApiError);
      expect(error).toMatchObject({ status: 401, code: 'token_invalid' });
      expect(tokenRequests()).toBe(2);
      expect(proxy.to('/api/v1/channel-types').map((s) => s.status)).toEqual([200, 401, 401]);

      const wrong = new HuiliuClient({ baseUrl: proxy.url, appKey: t.appKey, appSecret: 'not-the-secret', retry: quick });
      const refused = await wrong.channels.types().catch((e: unknown) => e);
      expect(refused).toMatchObject({ name: 'HuiliuApiError', status: 401, code: 'app_credentials_invalid', attempts: 1 });
    });

    it('identify and track land once: contact in OLTP, events in OLAP', async () => {
      proxy.reset();
      const api = client();
      const identified = await api.identify({
        externalId: 'sdk-u1',
        name: '张三',
        mobilePhone: '13800138000',
        city: '深圳',
        channel: { channelId: t.channelKey },
      });
      expect(identified.messageId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      const tracked = await api.track({
        channelId: t.channelKey,
        externalId: 'sdk-u1',
        event: 'purchase',
        properties: { amount: 99, sku: 'SKU-1' },
      });
      expect(tracked).toMatchObject({ accepted: 1, dropped: 0 });
      const batch = await api.trackBatch({
        channelId: t.channelKey,
        batch: [
          { externalId: 'sdk-u1', event: 'purchase', properties: { amount: 1, sku: 'A' } },
          { externalId: 'sdk-u1', event: 'purchase', properties: { amount: 2, sku: 'B' }, messageId: 'order-2-paid' },
        ],
      });
      expect(batch.accepted).toBe(2);
      expect(batch.messageIds[1]).toBe('order-2-paid');
      await t.drain();
      const contactId = await t.contactOfUser('sdk-u1');
      expect(contactId).toBeTruthy();
      for (const messageId of [tracked.messageIds[0]!, ...batch.messageIds]) {
        const events = await t.eventsWithId(messageId);
        expect(events, messageId).toHaveLength(1);
        expect(String(events[0]!.contact_id)).toBe(contactId);
      }

      // The reads and the update, typed end to end.
      const contact = await api.contacts.get(contactId!);
      expect(contact).toMatchObject({ id: contactId, identified: true, name: '张三', mobilePhone: '13800138000', city: '深圳' });
      const updated = await api.contacts.update(contactId!, { company: '汇流科技', city: null });
      expect(updated).toMatchObject({ company: '汇流科技', city: null });
      const listed = await api.contacts.list({ limit: 200, identified: true });
      expect(listed.items.map((c) => c.id)).toContain(contactId);
      const all: string[] = [];
      for await (const c of api.contacts.all({ limit: 1 })) all.push(c.id);
      expect(all).toContain(contactId);
      const got = await api.contacts.batchGet([contactId!, '99999999']);
      expect(got.items.map((c) => c.id)).toEqual([contactId]);
      expect(got.notFound).toEqual(['99999999']);
      const openIds = await api.contacts.openIds([contactId!]);
      expect(openIds.items).toEqual([{ contactId, openIds: [], unionIds: [] }]);
      const accounts = await api.contacts.accounts(contactId!);
      expect(accounts).toEqual([expect.objectContaining({ idType: 'externalId', userId: 'sdk-u1', channelType: 'custom' })]);
      const events = await api.contacts.events(contactId!, { event: 'purchase', limit: 10 });
      expect(events.items).toHaveLength(3);
    });

    it('resends identify and track after a lost answer, a 503 and a 429 (Retry-After) with no duplicate', async () => {
      proxy.reset();
      const api = client();
      // The app stores the event, the client is told 503; then a 429 asking for 1 s.
      proxy.fail('/api/v1/events/track', { forwardThen: 503 }, { status: 429, headers: { 'retry-after': '1' } });
      const started = Date.now();
      const tracked = await api.track({
        channelId: t.channelKey,
        externalId: 'sdk-retry',
        event: 'purchase',
        properties: { amount: 5 },
      });
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
      const sent = proxy.to('/api/v1/events/track');
      expect(sent.map((s) => s.status)).toEqual([503, 429, 200]);
      // The same body each time: the same messageId.
      expect(new Set(sent.map((s) => JSON.parse(s.body).messageId as string))).toEqual(new Set([tracked.messageIds[0]]));

      proxy.fail('/api/v1/contacts/identify', { forwardThen: 502 });
      const identified = await api.identify({ externalId: 'sdk-retry', name: '重试', channel: { channelId: t.channelKey } });
      expect(proxy.to('/api/v1/contacts/identify').map((s) => s.status)).toEqual([502, 200]);
      await t.drain();
      expect(await t.eventsWithId(tracked.messageIds[0]!)).toHaveLength(1);
      expect(identified.messageId).toBeTruthy();
      const contact = await api.contacts.get((await t.contactOfUser('sdk-retry'))!);
      expect(contact.name).toBe('重试');
    });

    it('never resends a 400, nor a creation after a 5xx; errors carry status, code and details', async () => {
      proxy.reset();
      const api = client({ locale: 'en-US' });
      const unknown = await api
        .track({ channelId: 'udc_nope', externalId: 'x', event: 'purchase' })
        .catch((e: unknown) => e as HuiliuApiError);
      expect(unknown).toBeInstanceOf(HuiliuApiError);
      expect(unknown).toMatchObject({ status: 400, code: 'channel_not_found', attempts: 1 });
      expect(proxy.to('/api/v1/events/track')).toHaveLength(1);

      const invalid = await api
        .identify({ externalId: 'x', gender: 'M', channel: { channelId: t.channelKey } })
        .then(() => undefined)
        .catch((e: unknown) => e as HuiliuApiError);
      if (!invalid) throw new Error('identify should have been refused');
      expect(invalid).toMatchObject({ status: 400, code: 'contact_invalid' });
      expect(invalid.details).toEqual([expect.objectContaining({ path: 'gender', code: 'contact_gender_invalid' })]);
      expect(invalid.message).toMatch(/[a-z]/i);
      expect(invalid.requestId).toBeTruthy();

      proxy.fail('/api/v1/channels', { status: 503, headers: { 'retry-after': '0' } });
      const failed = await api.channels.create({ type: 'custom', name: '不重发' }).catch((e: unknown) => e);
      expect(failed).toMatchObject({ status: 503, attempts: 1 });
      expect(proxy.to('/api/v1/channels')).toHaveLength(1);
      // Reads are resent.
      proxy.fail('/api/v1/metadata/contact-fields', { status: 503 }, { status: 500 });
      await api.metadata.contactFields();
      expect(proxy.to('/api/v1/metadata/contact-fields').map((s) => s.status)).toEqual([503, 500, 200]);
      // …at most maxRetries times.
      proxy.fail('/api/v1/channel-types', { status: 503 }, { status: 503 }, { status: 503 });
      const spent = await client({ maxRetries: 2 })
        .channels.types()
        .catch((e: unknown) => e);
      expect(spent).toMatchObject({ status: 503, attempts: 3 });
      // A refused connection is a network error (status 0), retryable.
      const down = new HuiliuClient({ baseUrl: 'http://127.0.0.1:9', appKey: 'k', appSecret: 's', maxRetries: 1, retry: quick });
      expect(await down.channels.types().catch((e: unknown) => e)).toMatchObject({
        status: 0,
        code: 'network_error',
        attempts: 2,
      });
    });

    it('creates a custom channel, its web app and a custom event through the Open API', async () => {
      const api = client();
      const channel = await api.channels.create({ type: 'custom', name: 'SDK 渠道' });
      expect(channel).toMatchObject({ type: 'custom', name: 'SDK 渠道', deletable: true });
      expect(channel.channelKey).toMatch(/^udc_/);
      const web = await api.channels.createApp(channel.id, { platform: 'web', name: '官网', domain: 'sdk.example.com' });
      expect(web.writeKey).toBeTruthy();
      expect((await api.channels.apps(channel.id)).map((a) => a.id)).toEqual([web.id]);
      const event = await api.metadata.createEventType({
        channelId: channel.id,
        code: 'order_paid',
        name: '支付订单',
        properties: [{ code: 'orderNo', name: '订单号', type: 'string' }],
      });
      expect(event).toMatchObject({ code: 'order_paid', source: 'custom', channelId: channel.id });
      const custom = await api.metadata.eventTypes({ source: 'custom', channelId: channel.id });
      expect(custom.map((e) => e.code)).toEqual(['order_paid']);
      const props = await api.metadata.eventProperties({ source: 'custom' });
      expect(props.map((p) => p.code)).toContain('orderNo');
      expect((await api.channels.get(channel.id)).name).toBe('SDK 渠道');
      expect((await api.channels.list({ type: 'custom' })).items.map((c) => c.id)).toContain(channel.id);
    });
  },
  { plugins: firstPartyPlugins },
);
