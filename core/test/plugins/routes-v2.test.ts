import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ContributionRegistry } from '../../src/kernel/contribution-registry.js';
import type { PluginRoute } from '../../src/kernel/contributions.js';
import { PermissionRegistry } from '../../src/kernel/permissions.js';
import { definePlugin, httpExtensionPoint, verifyHmac } from '../../src/plugin-api.js';
import { pluginEnablementRef } from '../../src/modules/tenant-plugins/plugin-enablement.js';
import signedHooks from '../fixtures/signed-hooks.plugin.js';
import { testEngines } from '../support/engines.js';
import {
  Client,
  createTenant,
  createTestApp,
  createTestStore,
  describeEngines,
  type TenantFixture,
  type TestApp,
} from '../support/test-app.js';

const SECRET = 'whsec-0123456789abcdef';
const plugins = [signedHooks];
let accountSeq = 0;
let addressSeq = 0;
const nextAddress = () => `203.0.113.${(addressSeq += 1)}`;

/** A tenant with a signed-hooks account whose signing secret the operator stored. */
async function hookTenant(app: TestApp): Promise<{ tenant: TenantFixture; staff: Client; accountId: string }> {
  const tenant = await createTenant(app);
  const staff = await Client.staff(app.server, tenant.email, tenant.password);
  const accountId = `acct-${process.pid}-${(accountSeq += 1)}`;
  const res = await staff.request('PUT', '/api/v1/p/signed-hooks/account', { accountId, secret: SECRET });
  expect(res.statusCode, JSON.stringify(res.body)).toBe(204);
  return { tenant, staff, accountId };
}

function sign(body: Buffer, timestamp: string, secret = SECRET): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

/** Posts `body` to the order webhook, signed over `signedBody` (the same bytes unless a test changes them). */
function postOrder(
  app: TestApp,
  accountId: string,
  body: Buffer,
  options: { signedBody?: Buffer; timestamp?: string; secret?: string; remoteAddress?: string } = {},
) {
  const timestamp = options.timestamp ?? String(Date.now());
  return app.server.inject({
    method: 'POST',
    url: '/api/v1/p/signed-hooks/webhooks/orders',
    payload: body,
    remoteAddress: options.remoteAddress,
    headers: {
      'content-type': 'application/json',
      'accept-language': 'en-US',
      'x-hooks-account': accountId,
      'x-hooks-timestamp': timestamp,
      'x-hooks-signature': sign(options.signedBody ?? body, timestamp, options.secret),
    },
  });
}

const json = (res: { payload: string }) => JSON.parse(res.payload) as Record<string, any>;

function postXml(app: TestApp, xml: string, remoteAddress = nextAddress(), contentType = 'text/xml') {
  return app.server.inject({
    method: 'POST',
    url: '/api/v1/p/signed-hooks/wechat',
    payload: xml,
    remoteAddress,
    headers: { 'content-type': contentType },
  });
}

describeEngines(
  'plugin routes v2: raw bodies, XML, rate limits, custom auth (ADR 0042)',
  (ctx) => {
    // ---- custom auth over raw bytes ------------------------------------------------------------------------

    it('refuses an order whose body differs by one byte from what was signed, and a wrong secret, account or stale time', async () => {
      const { accountId } = await hookTenant(ctx.app);
      const body = Buffer.from('{"orderId":"o-1","amount":12.5}');
      const changed = Buffer.from(body);
      changed[changed.length - 2] = '6'.charCodeAt(0); // 12.5 → 12.6
      const tampered = await postOrder(ctx.app, accountId, changed, { signedBody: body });
      expect(tampered.statusCode).toBe(401);
      expect(json(tampered)).toMatchObject({ code: 'signed_hooks_signature_invalid', message: 'The signature is not valid' });

      const wrongSecret = await postOrder(ctx.app, accountId, body, { secret: 'another-secret-0000' });
      expect(json(wrongSecret).code).toBe('signed_hooks_signature_invalid');
      const unknownAccount = await postOrder(ctx.app, `${accountId}-x`, body);
      expect(json(unknownAccount).code).toBe('signed_hooks_signature_invalid');
      const stale = await postOrder(ctx.app, accountId, body, { timestamp: String(Date.now() - 10 * 60_000) });
      expect(json(stale).code).toBe('signed_hooks_signature_invalid');
      // A missing signature is a refusal too, not a crash.
      const unsigned = await ctx.app.server.inject({
        method: 'POST',
        url: '/api/v1/p/signed-hooks/webhooks/orders',
        payload: body,
        headers: { 'content-type': 'application/json' },
      });
      expect(unsigned.statusCode).toBe(401);
    });

    it('accepts an order signed over its exact bytes and gives the handler the tenant the strategy found', async () => {
      const { tenant, accountId } = await hookTenant(ctx.app);
      // Spacing JSON would not keep: the signature holds only over the bytes as sent.
      const body = Buffer.from('{ "orderId" : "o-2",\n  "amount": 12.50 }');
      const res = await postOrder(ctx.app, accountId, body);
      expect(res.statusCode, res.payload).toBe(200);
      expect(json(res)).toEqual({
        received: true,
        tenantId: tenant.tenantId,
        kind: 'integration',
        subject: accountId,
        bytes: body.length,
      });
    });

    it('refuses a well-signed order of a suspended tenant (401) and of a tenant the plugin is switched off for (403 plugin_disabled)', async () => {
      const { tenant, accountId } = await hookTenant(ctx.app);
      const body = Buffer.from('{"orderId":"o-9","amount":1}');
      const enablement = ctx.app.service(pluginEnablementRef);
      await enablement.setEnabled(tenant.tenantId, 'signed-hooks', false, null);
      try {
        const off = await postOrder(ctx.app, accountId, body);
        expect(off.statusCode).toBe(403);
        expect(json(off)).toMatchObject({ code: 'plugin_disabled' });
      } finally {
        await enablement.setEnabled(tenant.tenantId, 'signed-hooks', true, null);
      }
      expect((await postOrder(ctx.app, accountId, body)).statusCode).toBe(200);
      await ctx.app.oltp.knex('tenant').where('id', tenant.tenantId).update({ status: 'suspended' });
      try {
        const suspended = await postOrder(ctx.app, accountId, body);
        expect(suspended.statusCode).toBe(401);
        expect(json(suspended)).toMatchObject({ code: 'unauthenticated' });
      } finally {
        await ctx.app.oltp.knex('tenant').where('id', tenant.tenantId).update({ status: 'active' });
      }
    });

    it('answers 400 with the plugin’s code when a well-signed body is not an order (the handler parses the bytes)', async () => {
      const { accountId } = await hookTenant(ctx.app);
      const res = await postOrder(ctx.app, accountId, Buffer.from('not json at all'));
      expect(res.statusCode).toBe(400);
      expect(json(res).code).toBe('signed_hooks_order_invalid');
    });

    // ---- raw bodies and size ------------------------------------------------------------------------------

    it('hands a raw route the exact bytes as a Buffer, unparsed, whatever the content type says', async () => {
      const bytes = Buffer.from([0x7b, 0x6e, 0x6f, 0x74, 0x00, 0xff, 0x0a]); // "{not" NUL 0xff LF: no JSON
      const res = await ctx.app.server.inject({
        method: 'POST',
        url: '/api/v1/p/signed-hooks/echo',
        payload: bytes,
        headers: { 'content-type': 'application/json' },
      });
      expect(res.statusCode, res.payload).toBe(200);
      expect(json(res)).toEqual({ isBuffer: true, length: 7, hex: bytes.toString('hex') });
      const empty = await ctx.app.server.inject({ method: 'POST', url: '/api/v1/p/signed-hooks/echo' });
      expect(json(empty)).toEqual({ isBuffer: true, length: 0, hex: '' });
    });

    it('refuses a body above the route’s maxBytes with 413 payload_too_large, before any signature is checked', async () => {
      const atLimit = await ctx.app.server.inject({
        method: 'POST',
        url: '/api/v1/p/signed-hooks/echo',
        payload: Buffer.alloc(64, 0x61),
        headers: { 'content-type': 'application/octet-stream' },
      });
      expect(atLimit.statusCode).toBe(200);
      const over = await ctx.app.server.inject({
        method: 'POST',
        url: '/api/v1/p/signed-hooks/echo',
        payload: Buffer.alloc(65, 0x61),
        headers: { 'content-type': 'application/octet-stream', 'accept-language': 'en-US' },
      });
      expect(over.statusCode).toBe(413);
      expect(json(over)).toMatchObject({ code: 'payload_too_large', message: 'The request body is too large' });
      const { accountId } = await hookTenant(ctx.app);
      const bigOrder = await postOrder(ctx.app, accountId, Buffer.alloc(4097, 0x20));
      expect(bigOrder.statusCode).toBe(413);
    });

    // ---- XML ------------------------------------------------------------------------------------------------

    it('parses a WeChat push: CDATA as text, numbers kept as strings, the raw bytes still there', async () => {
      const xml = [
        '<xml>',
        '  <ToUserName><![CDATA[gh_0123456789ab]]></ToUserName>',
        '  <FromUserName><![CDATA[oAbC-openid_123]]></FromUserName>',
        '  <CreateTime>1348831860</CreateTime>',
        '  <MsgType><![CDATA[text]]></MsgType>',
        '  <Content><![CDATA[ 你好 <b>&amp; ]]></Content>',
        '  <MsgId>0012345678901234567</MsgId>',
        '  <Note>a &amp; b &#x4e2d;</Note>',
        '</xml>',
      ].join('\n');
      const res = await postXml(ctx.app, xml);
      expect(res.statusCode, res.payload).toBe(200);
      expect(json(res)).toEqual({
        parsed: {
          xml: {
            ToUserName: 'gh_0123456789ab',
            FromUserName: 'oAbC-openid_123',
            CreateTime: '1348831860',
            MsgType: 'text',
            Content: ' 你好 <b>&amp; ',
            MsgId: '0012345678901234567',
            Note: 'a & b 中',
          },
        },
        bytes: Buffer.byteLength(xml),
      });
    });

    it('answers malformed XML 400 xml_invalid, another content type 415, and a failed schema 400 validation_failed', async () => {
      for (const bad of ['<xml><ToUserName>a</Other></xml>', '<xml><a>', 'not xml', '<a>1</a><b>2</b>', '']) {
        const res = await postXml(ctx.app, bad);
        expect(res.statusCode, bad).toBe(400);
        expect(json(res).code, bad).toBe('xml_invalid');
      }
      const asJson = await postXml(ctx.app, '<xml><ToUserName>a</ToUserName></xml>', nextAddress(), 'application/json');
      expect(asJson.statusCode).toBe(415);
      const noToUser = await postXml(ctx.app, '<xml><FromUserName>a</FromUserName></xml>');
      expect(noToUser.statusCode).toBe(400);
      expect(json(noToUser).code).toBe('validation_failed');
      const asApplicationXml = await postXml(ctx.app, '<xml><ToUserName>a</ToUserName></xml>', nextAddress(), 'application/xml');
      expect(asApplicationXml.statusCode).toBe(200);
    });

    it('refuses external entities (XXE) and entity expansion (billion laughs) without expanding anything', async () => {
      const xxe =
        '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><ToUserName>&xxe;</ToUserName></xml>';
      const lol = Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i};`.repeat(10)}">`).join('');
      const laughs = `<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY lol0 "lol">${lol}]><xml><ToUserName>&lol9;</ToUserName></xml>`;
      const lowerCase = '<!doctype xml><xml><ToUserName>a</ToUserName></xml>';
      for (const attack of [xxe, laughs, lowerCase]) {
        const res = await postXml(ctx.app, attack);
        expect(res.statusCode).toBe(400);
        expect(json(res).code).toBe('xml_doctype_not_allowed');
        expect(res.payload).not.toContain('root:');
        expect(res.payload).not.toContain('lollol');
      }
      // An undeclared entity reference is left as text, never resolved.
      const undeclared = await postXml(ctx.app, '<xml><ToUserName>&xxe;</ToUserName></xml>');
      expect(json(undeclared).parsed).toEqual({ xml: { ToUserName: '&xxe;' } });
    });

    // ---- rate limits -------------------------------------------------------------------------------------------

    it('limits orders per tenant: the fourth in a window answers 429 rate_limited with Retry-After, another tenant is not blocked', async () => {
      const a = await hookTenant(ctx.app);
      const b = await hookTenant(ctx.app);
      const order = (n: number) => Buffer.from(JSON.stringify({ orderId: `o-${n}`, amount: n }));
      // Three from different addresses: counted per tenant, not per address.
      for (let n = 1; n <= 3; n += 1) {
        const res = await postOrder(ctx.app, a.accountId, order(n), { remoteAddress: nextAddress() });
        expect(res.statusCode, res.payload).toBe(200);
      }
      const fourth = await postOrder(ctx.app, a.accountId, order(4), { remoteAddress: nextAddress() });
      expect(fourth.statusCode).toBe(429);
      expect(json(fourth)).toMatchObject({ code: 'rate_limited', params: { seconds: expect.any(Number) } });
      const retryAfter = Number(fourth.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
      // Tenant B has its own budget.
      expect((await postOrder(ctx.app, b.accountId, order(1))).statusCode).toBe(200);
      // A refused signature is not counted against the tenant (it is unknown until the signature holds).
      expect((await postOrder(ctx.app, b.accountId, order(2), { secret: 'wrong-secret-000000' })).statusCode).toBe(401);
      expect((await postOrder(ctx.app, b.accountId, order(3))).statusCode).toBe(200);
      expect((await postOrder(ctx.app, b.accountId, order(4))).statusCode).toBe(200);
      expect((await postOrder(ctx.app, b.accountId, order(5))).statusCode).toBe(429);

      // The next window (its start moved an hour back): tenant A may send again.
      const moved = await ctx.app.oltp
        .knex('auth_throttle')
        .where({ scope: 'route' })
        .update({ window_started_at: Date.now() - 3600_000 });
      expect(moved).toBeGreaterThan(0);
      expect((await postOrder(ctx.app, a.accountId, order(5))).statusCode).toBe(200);
    });

    it('limits a public XML route per client address', async () => {
      const address = nextAddress();
      const push = '<xml><ToUserName>gh_1</ToUserName></xml>';
      for (let i = 0; i < 5; i += 1) expect((await postXml(ctx.app, push, address)).statusCode).toBe(200);
      const sixth = await postXml(ctx.app, push, address);
      expect(sixth.statusCode).toBe(429);
      expect(json(sixth).code).toBe('rate_limited');
      expect((await postXml(ctx.app, push, nextAddress())).statusCode).toBe(200);
    });

    it('limits per caller: a staff member’s third call waits, an app of the same tenant still passes', async () => {
      const tenant = await createTenant(ctx.app);
      const staff = await Client.staff(ctx.app.server, tenant.email, tenant.password);
      for (let i = 0; i < 2; i += 1) expect((await staff.request('GET', '/api/v1/p/signed-hooks/limited')).statusCode).toBe(200);
      const third = await staff.request('GET', '/api/v1/p/signed-hooks/limited');
      expect(third.statusCode).toBe(429);
      expect(third.body.code).toBe('rate_limited');
      const created = (await staff.request('POST', '/api/v1/apps', { name: 'limits' })).body;
      const token = (
        await new Client(ctx.app.server).request('POST', '/api/v1/auth/token', {
          appKey: created.app.appKey,
          appSecret: created.appSecret,
        })
      ).body.accessToken as string;
      const app = Client.app(ctx.app.server, token);
      const res = await app.request('GET', '/api/v1/p/signed-hooks/limited');
      expect(res.statusCode, JSON.stringify(res.body)).toBe(200);
      expect(res.body).toEqual({ tenantId: tenant.tenantId });
    });
  },
  { plugins },
);

for (const engine of testEngines())
  describe(`plugin routes v2: a rate limit is counted in the database, across processes [${engine}]`, () => {
    it('refuses the fourth order in another app instance on the same store (a second process, a restart)', async () => {
      const store = await createTestStore(engine);
      try {
        const first = await store.open({ plugins });
        const { accountId } = await hookTenant(first as TestApp);
        for (let n = 1; n <= 2; n += 1)
          expect((await postOrder(first as TestApp, accountId, Buffer.from(`{"orderId":"a${n}","amount":1}`))).statusCode).toBe(
            200,
          );
        await first.stop();
        const second = await store.open({ plugins });
        try {
          const third = await postOrder(second as TestApp, accountId, Buffer.from('{"orderId":"b1","amount":1}'));
          expect(third.statusCode, third.payload).toBe(200);
          const fourth = await postOrder(second as TestApp, accountId, Buffer.from('{"orderId":"b2","amount":1}'));
          expect(fourth.statusCode).toBe(429);
        } finally {
          await second.stop();
        }
      } finally {
        await store.drop();
      }
    });

    it('refuses to start when a route uses an auth strategy nobody registered', async () => {
      const rogue = definePlugin({
        id: 'rogue-hooks',
        version: '1.0.0',
        requires: { core: '^0.1.0' },
        register({ registerInit }) {
          registerInit({
            deps: { http: httpExtensionPoint },
            init({ http }) {
              http.addRoutes([
                { method: 'POST', path: '/hook', permission: 'integration', auth: 'missing', body: 'raw', handler: () => 'ok' },
              ]);
            },
          });
        },
      });
      await expect(createTestApp(engine, {}, { plugins: [rogue] })).rejects.toThrow(
        'Plugin "rogue-hooks": route POST /hook uses unknown auth strategy "rogue-hooks.missing"',
      );
    });
  });

// ---- registration checks (no store needed) ---------------------------------------------------------------------

describe('plugin routes v2: what registration refuses', () => {
  const handler = () => 'ok';
  const route = (extra: Partial<PluginRoute>): PluginRoute => ({
    method: 'POST',
    path: '/hook',
    permission: 'public',
    handler,
    ...extra,
  });
  const refused = (extra: Partial<PluginRoute>) => {
    const registry = new ContributionRegistry(new PermissionRegistry());
    return () => registry.addRoutes('demo', [route(extra)]);
  };
  const strategy = { name: 'signature', authenticate: async () => ({ tenantId: '1' }) };

  it('refuses a payload schema on a raw route: bytes cannot be validated', () => {
    expect(refused({ body: 'raw', validate: { payload: {} as never } })).toThrow(
      'Plugin "demo": route POST /hook: has body: \'raw\' and validate.payload: raw bytes cannot be validated',
    );
  });

  it('refuses an unknown body kind, a body on GET, hapi payload parsing settings beside body, and a silly maxBytes', () => {
    expect(refused({ body: 'form' as never })).toThrow('body must be one of json, raw, xml');
    expect(refused({ method: 'GET', body: 'raw' })).toThrow('a GET route has no body');
    expect(refused({ body: 'xml', payload: { parse: true } })).toThrow("has body: 'xml' and sets payload.parse/output/maxBytes");
    expect(refused({ maxBytes: 0 })).toThrow('maxBytes must be a whole number of bytes from 1 to 16777216');
    expect(refused({ maxBytes: 1024, payload: { maxBytes: 2048 } })).toThrow('sets both maxBytes and payload.maxBytes');
  });

  it('refuses a rate limit by tenant or caller on a public route, and malformed limits', () => {
    expect(refused({ rateLimit: { max: 5, windowSec: 60, by: 'tenant' } })).toThrow(
      "rateLimit.by 'tenant' needs a known caller, and a public route has none",
    );
    expect(refused({ rateLimit: { max: 5, windowSec: 60, by: 'caller' } })).toThrow("rateLimit.by 'caller' needs a known caller");
    expect(refused({ rateLimit: { max: 0, windowSec: 60, by: 'ip' } })).toThrow('rateLimit.max must be a whole number');
    expect(refused({ rateLimit: { max: 1, windowSec: 0.5, by: 'ip' } })).toThrow('rateLimit.windowSec must be a whole number');
    expect(refused({ rateLimit: { max: 1, windowSec: 1, by: 'planet' as never } })).toThrow('rateLimit.by must be one of');
    expect(
      refused({ permission: 'integration', auth: 'signature', rateLimit: { max: 5, windowSec: 60, by: 'tenant' } }),
    ).not.toThrow();
  });

  it('ties auth and the integration permission together', () => {
    expect(refused({ permission: 'public', auth: 'signature' })).toThrow(
      'uses auth strategy "signature" and must declare permission: \'integration\'',
    );
    expect(refused({ permission: 'integration' })).toThrow("declares permission 'integration' without auth");
    expect(refused({ permission: 'integration', auth: 'signature', callers: 'app' })).toThrow(
      'callers (sessions, tokens) do not apply',
    );
    expect(refused({ permission: 'integration', auth: 'Not a name' })).toThrow('must name an auth strategy');
  });

  it('resolves a strategy by name in the route’s own plugin, or by <pluginId>.<name> in another, and refuses an unknown one', () => {
    const registry = new ContributionRegistry(new PermissionRegistry());
    registry.addAuthStrategy('wechat-hooks', strategy);
    registry.addRoutes('wechat-hooks', [route({ permission: 'integration', auth: 'signature' })]);
    registry.addRoutes('mini-hooks', [route({ permission: 'integration', auth: 'wechat-hooks.signature' })]);
    expect(() => registry.verify()).not.toThrow();
    registry.addRoutes('other', [route({ permission: 'integration', auth: 'signature' })]);
    expect(() => registry.verify()).toThrow('Plugin "other": route POST /hook uses unknown auth strategy "other.signature"');
  });

  it('refuses a strategy registered twice by one plugin, a bad name and a strategy without authenticate()', () => {
    const registry = new ContributionRegistry(new PermissionRegistry());
    registry.addAuthStrategy('demo', strategy);
    // Another plugin may use the same name: strategies are namespaced by plugin.
    registry.addAuthStrategy('other', strategy);
    expect(() => registry.addAuthStrategy('demo', strategy)).toThrow(
      'Plugin "demo": auth strategy "demo.signature" is already registered by plugin "demo"',
    );
    expect(() => registry.addAuthStrategy('demo', { ...strategy, name: 'with space' })).toThrow('must be camelCase');
    expect(() => registry.addAuthStrategy('demo', { name: 'nothing' } as never)).toThrow('needs authenticate()');
  });
});

describe('verifyHmac', () => {
  const key = 'k3y';
  const data = Buffer.from('1700000000.{"a":1}');
  const hex = createHmac('sha256', key).update(data).digest('hex');
  const base64 = createHmac('sha256', key).update(data).digest('base64');

  it('accepts the right signature in hex or base64, also over data given in parts', () => {
    expect(verifyHmac({ algorithm: 'sha256', key, data, signature: hex, encoding: 'hex' })).toBe(true);
    expect(verifyHmac({ algorithm: 'sha256', key, data, signature: hex.toUpperCase(), encoding: 'hex' })).toBe(true);
    expect(verifyHmac({ algorithm: 'sha256', key, data, signature: base64, encoding: 'base64' })).toBe(true);
    expect(verifyHmac({ algorithm: 'sha256', key, data: ['1700000000.', '{"a":1}'], signature: hex, encoding: 'hex' })).toBe(
      true,
    );
  });

  it('refuses a changed byte, a wrong key, a truncated or malformed signature without throwing', () => {
    const changed = Buffer.from(data);
    changed[changed.length - 2] = '2'.charCodeAt(0);
    expect(verifyHmac({ algorithm: 'sha256', key, data: changed, signature: hex, encoding: 'hex' })).toBe(false);
    expect(verifyHmac({ algorithm: 'sha256', key: 'other', data, signature: hex, encoding: 'hex' })).toBe(false);
    expect(verifyHmac({ algorithm: 'sha256', key, data, signature: hex.slice(0, 62), encoding: 'hex' })).toBe(false);
    expect(verifyHmac({ algorithm: 'sha256', key, data, signature: `${hex.slice(0, 63)}z`, encoding: 'hex' })).toBe(false);
    expect(verifyHmac({ algorithm: 'sha256', key, data, signature: '', encoding: 'hex' })).toBe(false);
    expect(verifyHmac({ algorithm: 'sha256', key, data, signature: 'not base64!', encoding: 'base64' })).toBe(false);
    expect(verifyHmac({ algorithm: 'sha256', key, data, signature: undefined as never, encoding: 'hex' })).toBe(false);
  });
});
