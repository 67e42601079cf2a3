import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deviceOf,
  Enricher,
  enrichableBy,
  enrichedCodes,
  publicAddress,
  regionOf,
  withClientContext,
} from '../../src/modules/ingestion/enrichment.js';
import { metadataServiceRef } from '../../src/modules/metadata/metadata.service.js';
import { sdkPresetProperties } from '../../src/modules/metadata/metadata.types.js';
import { proxyTrust } from '../../src/server/client.js';
import { firstPartyPlugins } from '../support/plugins.js';
import { testEngines } from '../support/engines.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { ingestTenant, uuidv7 } from './support.js';

/** Real user agents, as browsers and apps send them. */
const UA = {
  chromeWindows:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  safariIphone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1',
  wechatHuawei:
    'Mozilla/5.0 (Linux; Android 10; ELS-AN00 Build/HUAWEIELS-AN00; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 ' +
    'Chrome/107.0.5304.141 Mobile Safari/537.36 XWEB/5043 MMWEBSDK/20230303 MMWEBID/1136 MicroMessenger/8.0.34.2340(0x2800225B) ' +
    'WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64',
  miuiXiaomi:
    'Mozilla/5.0 (Linux; U; Android 11; zh-cn; M2012K11AC Build/RKQ1.200826.002) AppleWebKit/537.36 (KHTML, like Gecko) ' +
    'Version/4.0 Chrome/89.0.4389.116 Mobile Safari/537.36 XiaoMi/MiuiBrowser/15.7.22',
} as const;

const SHANGHAI = '202.96.209.133';
const BEIJING = '123.125.71.38';

// ---- enrichment.ts, pure -------------------------------------------------------------------------

describe('enrichment: device and place of a message', () => {
  it('enriches only SDK preset codes, with their declared string type', () => {
    const presets = new Map(sdkPresetProperties.map((p) => [p.code, p.type]));
    for (const code of enrichedCodes) expect(presets.get(code), code).toBe('string');
  });

  it('reads the device of real user agents, and nothing of agents that name none', () => {
    expect(deviceOf(UA.chromeWindows)).toEqual({
      $os: 'Windows',
      $os_version: '10',
      $browser: 'Chrome',
      $browser_version: '124.0.0.0',
    });
    expect(deviceOf(UA.safariIphone)).toEqual({
      $os: 'iOS',
      $os_version: '17.4.1',
      $browser: 'Mobile Safari',
      $browser_version: '17.4.1',
      $device_model: 'iPhone',
      $manufacturer: 'Apple',
    });
    expect(deviceOf(UA.wechatHuawei)).toEqual({
      $os: 'Android',
      $os_version: '10',
      $browser: 'WeChat',
      $browser_version: '8.0.34.2340',
      $device_model: 'ELS-AN00',
      $manufacturer: 'Huawei',
    });
    expect(deviceOf(UA.miuiXiaomi)).toMatchObject({
      $browser: 'MIUI Browser',
      $device_model: 'M2012K11AC',
      $manufacturer: 'Xiaomi',
    });
    expect(deviceOf('curl/8.5.0')).toEqual({});
    expect(deviceOf('')).toEqual({});
    // A huge header is cut before parsing, not refused.
    expect(deviceOf(UA.chromeWindows + ' x'.repeat(50_000))).toMatchObject({ $os: 'Windows', $browser: 'Chrome' });
  });

  it('places public IPv4 and IPv6 addresses, and never a private, loopback or malformed one', () => {
    expect(regionOf(SHANGHAI)).toEqual({ $ip: SHANGHAI, $country: '中国', $province: '上海', $city: '上海市' });
    expect(regionOf(BEIJING)).toEqual({ $ip: BEIJING, $country: '中国', $province: '北京', $city: '北京市' });
    // Abroad, the database knows the country only: no '0' placeholders are stored.
    expect(regionOf('8.8.8.8')).toEqual({ $ip: '8.8.8.8', $country: '美国' });
    // IPv4-mapped IPv6 (a dual-stack socket) is the IPv4 address.
    expect(regionOf(`::ffff:${SHANGHAI}`)).toEqual(regionOf(SHANGHAI));
    // IPv6: a municipality is written as the IPv4 database writes it (北京 / 北京市).
    expect(regionOf('2400:da00::6666')).toEqual({ $ip: '2400:da00::6666', $country: '中国', $province: '北京', $city: '北京市' });
    expect(regionOf('240e:3b7:3272:d8d0:db09:c067:8d59:539e')).toMatchObject({
      $country: '中国',
      $province: '广东省',
      $city: '深圳市',
    });
    for (const ip of [
      '10.1.2.3',
      '192.168.1.10',
      '172.17.0.1',
      '127.0.0.1',
      '100.64.1.1',
      '0.0.0.0',
      '203.0.113.9',
      '::1',
      'fe80::1',
      'fd00::1',
    ])
      expect(regionOf(ip), ip).toEqual({});
    for (const junk of ['', 'unknown', '127.1', '1.2.3.4.5', '202.96.209.133:443', '2001:db8::1'])
      expect(regionOf(junk), junk).toEqual({});
    expect(publicAddress('2400:DA00::6666')).toBe('2400:da00::6666');
  });

  it('fills context.ip and context.userAgent from the request only where the message has none', () => {
    const client = { ip: SHANGHAI, userAgent: UA.chromeWindows };
    expect(withClientContext(undefined, client)).toEqual({ ip: SHANGHAI, userAgent: UA.chromeWindows });
    expect(withClientContext(null, client)).toEqual({ ip: SHANGHAI, userAgent: UA.chromeWindows });
    expect(withClientContext({ ip: BEIJING, page: { url: 'https://shop.example.com/' } }, client)).toEqual({
      ip: BEIJING,
      page: { url: 'https://shop.example.com/' },
      userAgent: UA.chromeWindows,
    });
    const complete = { ip: '0.0.0.0', userAgent: 'app/1.0' };
    expect(withClientContext(complete, client)).toBe(complete);
    // A context that is not an object is kept as sent; an empty request adds nothing.
    expect(withClientContext('ctx', client)).toBe('ctx');
    expect(withClientContext([1], client)).toEqual([1]);
    expect(withClientContext(undefined, { ip: ' ', userAgent: undefined })).toBeUndefined();
  });

  it('adds only what the event carries and the client did not send, leaving the sent object alone', () => {
    const enricher = new Enricher();
    const carried = new Set(enrichedCodes);
    const context = { ip: SHANGHAI, userAgent: UA.safariIphone };
    const sent = { amount: 1, $city: '杭州市', $os: null };
    const enriched = enricher.enrich(sent, context, carried);
    expect(enriched).toEqual({
      amount: 1,
      $city: '杭州市',
      $os: null,
      $os_version: '17.4.1',
      $browser: 'Mobile Safari',
      $browser_version: '17.4.1',
      $device_model: 'iPhone',
      $manufacturer: 'Apple',
      $ip: SHANGHAI,
      $country: '中国',
      $province: '上海',
    });
    expect(sent).toEqual({ amount: 1, $city: '杭州市', $os: null });
    // Cached per distinct user agent and address: the same answer again.
    expect(enricher.enrich({}, context, carried)).toEqual(enricher.enrich({}, { ...context }, carried));
    expect(enricher.enrich(sent, context, new Set(['$ip']))).toEqual({ ...sent, $ip: SHANGHAI });
    expect(enricher.enrich(sent, context, undefined)).toBe(sent);
    expect(enricher.enrich(sent, { ip: '10.0.0.1', userAgent: 'curl/8.5.0' }, carried)).toBe(sent);
    expect(enricher.enrich(sent, 'not an object', carried)).toBe(sent);
  });

  it('knows which events carry the enriched presets', () => {
    const carried = enrichableBy([
      { code: 'purchase', properties: ['amount', '$os', '$ip', '$utm_source'] },
      { code: 'wechat_subscribe', properties: ['s_wechat_scene'] },
    ]);
    expect([...carried.keys()]).toEqual(['purchase']);
    expect([...carried.get('purchase')!]).toEqual(['$os', '$ip', '$utm_source']);
  });

  it('trusts proxies by hop count, by address, or not at all', () => {
    expect(proxyTrust(0)).toBeUndefined();
    const hops = proxyTrust(1)!;
    expect([hops('8.8.8.8', 0), hops('8.8.8.8', 1)]).toEqual([true, false]);
    const listed = proxyTrust(0, ['loopback', '10.0.0.0/8'])!;
    expect([listed('127.0.0.1', 0), listed('10.9.9.9', 3), listed('::ffff:10.0.0.1', 0), listed('11.0.0.1', 0)]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    expect(() => proxyTrust(0, ['not-an-address'])).toThrow();
  });
});

// ---- through the real pipeline -------------------------------------------------------------------

const PROXY = '10.0.0.2';

for (const engine of testEngines()) {
  describe(`enrichment: collect API → worker → OLAP events [${engine}]`, () => {
    let app: TestApp | undefined;
    beforeAll(async () => {
      // The load balancers of this deployment live in 10.0.0.0/8.
      app = await createTestApp(engine, { trustedProxies: ['10.0.0.0/8'] }, { plugins: firstPartyPlugins });
    });
    afterAll(async () => {
      await app?.close();
    });

    async function tenant() {
      const t = await ingestTenant(app!);
      const basic = `Basic ${Buffer.from(`${t.web.writeKey}:`).toString('base64')}`;
      /** An SDK call from `peer` (the TCP peer) with these headers. */
      const collect = async (
        path: 'track' | 'batch',
        payload: unknown,
        from: { peer: string; userAgent?: string; forwardedFor?: string },
      ) => {
        const res = await app!.server.inject({
          method: 'POST',
          url: `/api/v1/collect/${path}`,
          payload: payload as object,
          remoteAddress: from.peer,
          headers: {
            authorization: basic,
            ...(from.userAgent ? { 'user-agent': from.userAgent } : {}),
            ...(from.forwardedFor ? { 'x-forwarded-for': from.forwardedFor } : {}),
          },
        });
        expect(res.statusCode, res.payload).toBe(200);
      };
      /** The enriched presets of the event of a messageId, read from the OLAP `events` relation. */
      const enriched = async (messageId: string) => {
        const columns = (await app!.service(metadataServiceRef).describe(t.tenantId)).eventProperties;
        const [row] = await t.events('message_id = ?', [messageId]);
        expect(row, `event ${messageId} loaded`).toBeTruthy();
        const found: Record<string, unknown> = {};
        for (const code of enrichedCodes) {
          const column = columns.find((c) => c.code === code);
          const value = row![`p_${column!.columnId}`];
          if (value !== null && value !== undefined) found[code] = value;
        }
        return { properties: found, extra: row!.extra === null ? null : JSON.parse(String(row!.extra)) };
      };
      const track = (properties: Record<string, unknown> = { amount: 1 }, extra: Record<string, unknown> = {}) => ({
        messageId: uuidv7(),
        anonymousId: `ck-${uuidv7()}`,
        event: 'purchase',
        properties,
        ...extra,
      });
      return { ...t, collect, enriched, track };
    }

    it('fills device and place from the browser request: Chrome on Windows in Shanghai', async () => {
      const t = await tenant();
      const message = t.track();
      await t.collect('track', message, { peer: SHANGHAI, userAgent: UA.chromeWindows });
      await t.drain();
      expect(await t.enriched(message.messageId)).toEqual({
        properties: {
          $os: 'Windows',
          $os_version: '10',
          $browser: 'Chrome',
          $browser_version: '124.0.0.0',
          $ip: SHANGHAI,
          $country: '中国',
          $province: '上海',
          $city: '上海市',
        },
        extra: null,
      });
    });

    it('takes each message’s own context.userAgent in a batch, and the request’s for the others', async () => {
      const t = await tenant();
      const iphone = t.track({ amount: 2 }, { context: { userAgent: UA.safariIphone } });
      const huawei = t.track({ amount: 3 }, { context: { userAgent: UA.wechatHuawei } });
      const plain = t.track({ amount: 4 });
      await t.collect(
        'batch',
        { batch: [iphone, huawei, plain].map((m) => ({ type: 'track', ...m })) },
        {
          peer: BEIJING,
          userAgent: UA.miuiXiaomi,
        },
      );
      await t.drain();
      const place = { $ip: BEIJING, $country: '中国', $province: '北京', $city: '北京市' };
      expect((await t.enriched(iphone.messageId)).properties).toEqual({
        $os: 'iOS',
        $os_version: '17.4.1',
        $browser: 'Mobile Safari',
        $browser_version: '17.4.1',
        $device_model: 'iPhone',
        $manufacturer: 'Apple',
        ...place,
      });
      expect((await t.enriched(huawei.messageId)).properties).toEqual({
        $os: 'Android',
        $os_version: '10',
        $browser: 'WeChat',
        $browser_version: '8.0.34.2340',
        $device_model: 'ELS-AN00',
        $manufacturer: 'Huawei',
        ...place,
      });
      expect((await t.enriched(plain.messageId)).properties).toMatchObject({
        $browser: 'MIUI Browser',
        $device_model: 'M2012K11AC',
        $manufacturer: 'Xiaomi',
        ...place,
      });
    });

    it('stores the country alone for an overseas address and nothing for a private one', async () => {
      const t = await tenant();
      const abroad = t.track();
      const office = t.track();
      const lan = t.track();
      await t.collect('track', abroad, { peer: '8.8.8.8' });
      // A peer inside the trusted range without X-Forwarded-For is itself the client: private, so nothing.
      await t.collect('track', office, { peer: '10.20.30.40' });
      await t.collect('track', lan, { peer: '192.168.1.20', userAgent: 'curl/8.5.0' });
      await t.drain();
      expect(await t.enriched(abroad.messageId)).toEqual({ properties: { $ip: '8.8.8.8', $country: '美国' }, extra: null });
      expect(await t.enriched(office.messageId)).toEqual({ properties: {}, extra: null });
      expect(await t.enriched(lan.messageId)).toEqual({ properties: {}, extra: null });
    });

    it('takes the right-most untrusted X-Forwarded-For hop behind a trusted proxy, and ignores the header from anyone else', async () => {
      const t = await tenant();
      // The client claims to be in Beijing; the proxy appends the address it really saw.
      const viaProxy = t.track();
      await t.collect('track', viaProxy, { peer: PROXY, forwardedFor: `${BEIJING}, ${SHANGHAI}` });
      // Two trusted hops (10.0.0.7, then 10.0.0.2) in front of the client.
      const twoHops = t.track();
      await t.collect('track', twoHops, { peer: PROXY, forwardedFor: `${SHANGHAI}, 10.0.0.7` });
      // A spoofing attempt straight from the Internet: the header is the client's own claim.
      const spoofed = t.track();
      await t.collect('track', spoofed, { peer: BEIJING, forwardedFor: SHANGHAI });
      await t.drain();
      expect((await t.enriched(viaProxy.messageId)).properties).toMatchObject({ $ip: SHANGHAI, $city: '上海市' });
      expect((await t.enriched(twoHops.messageId)).properties).toMatchObject({ $ip: SHANGHAI, $city: '上海市' });
      expect((await t.enriched(spoofed.messageId)).properties).toMatchObject({ $ip: BEIJING, $city: '北京市' });
    });

    it('never overwrites what the client sent: its properties, its context.ip and context.userAgent', async () => {
      const t = await tenant();
      const message = t.track(
        { amount: 5, $city: '杭州市', $browser: '自研 App' },
        { context: { ip: BEIJING, userAgent: UA.safariIphone } },
      );
      await t.collect('track', message, { peer: SHANGHAI, userAgent: UA.chromeWindows });
      await t.drain();
      expect((await t.enriched(message.messageId)).properties).toEqual({
        $os: 'iOS',
        $os_version: '17.4.1',
        $browser: '自研 App',
        $browser_version: '17.4.1',
        $device_model: 'iPhone',
        $manufacturer: 'Apple',
        $ip: BEIJING,
        $country: '中国',
        $province: '北京',
        $city: '杭州市',
      });
    });

    it('keeps the captured context with the message (quarantine shows it), filling only what was absent', async () => {
      const t = await tenant();
      const message = { messageId: uuidv7(), anonymousId: 'ck-q', event: 'not_declared', context: { page: { path: '/cart' } } };
      await t.collect('track', message, { peer: SHANGHAI, userAgent: UA.chromeWindows });
      await t.drain();
      const list = (await t.staff.request('GET', '/api/v1/ingestion/quarantine?event=not_declared')).body;
      expect(list.items).toHaveLength(1);
      expect(list.items[0].message.context).toEqual({ page: { path: '/cart' }, ip: SHANGHAI, userAgent: UA.chromeWindows });
    });

    it('takes nothing from an Open API request (the integrator’s server), only the payload’s context', async () => {
      const t = await tenant();
      const bare = { messageId: uuidv7(), externalId: 'erp-1', event: 'purchase', properties: { amount: 9 } };
      const withContext = { ...bare, messageId: uuidv7(), context: { ip: BEIJING, userAgent: UA.safariIphone } };
      for (const message of [bare, withContext]) {
        const res = await app!.server.inject({
          method: 'POST',
          url: '/api/v1/events/track',
          payload: { channelId: t.channelKey, ...message },
          remoteAddress: SHANGHAI,
          headers: { ...t.api.authHeaders(), 'user-agent': UA.chromeWindows, 'x-forwarded-for': SHANGHAI },
        });
        expect(res.statusCode, res.payload).toBe(200);
      }
      await t.drain();
      expect(await t.enriched(bare.messageId)).toEqual({ properties: {}, extra: null });
      expect((await t.enriched(withContext.messageId)).properties).toMatchObject({
        $os: 'iOS',
        $device_model: 'iPhone',
        $ip: BEIJING,
        $city: '北京市',
      });
    });

    it('enriches only events that carry the SDK presets: nothing lands in extra for the others', async () => {
      const t = await tenant();
      // A WeChat official-account event (its channel type carries no SDK presets).
      const message = { messageId: uuidv7(), anonymousId: 'ck-w', event: 'wechat_subscribe' };
      await t.collect('track', message, { peer: SHANGHAI, userAgent: UA.wechatHuawei });
      await t.drain();
      expect(await t.enriched(message.messageId)).toEqual({ properties: {}, extra: null });
      const carried = enrichableBy((await app!.service(metadataServiceRef).describe(t.tenantId)).events);
      expect(carried.has('wechat_subscribe')).toBe(false);
      expect([...carried.get('purchase')!].sort()).toEqual([...enrichedCodes].sort());
    });
  });
}
