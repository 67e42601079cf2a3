import { expect, it, vi } from 'vitest';
import { kernelServices } from '../src/kernel/services.js';
import { setupServiceRef } from '../src/modules/setup/setup.service.js';
import { AuthService, authServiceRef } from '../src/modules/staff/auth.service.js';
import { RolesRepo } from '../src/modules/staff/roles.repo.js';
import { mfaServiceRef } from '../src/modules/staff/mfa.service.js';
import { StaffRepo } from '../src/modules/staff/staff.repo.js';
import { tenantServiceRef } from '../src/modules/tenancy/tenant.service.js';
import { operationLogServiceRef } from '../src/modules/audit/operation-log.service.js';
import { pluginEnablementRef } from '../src/modules/tenant-plugins/plugin-enablement.js';
import { lockAfter, slowDownAfter, Throttle } from '../src/server/throttle.js';
import { Client, createTenant, createTestApp, describeEngines, type TestApp } from './support/test-app.js';

// Every argon2 verification is counted (the real function still runs).
const argon2 = vi.hoisted(() => ({ verifications: 0 }));
vi.mock('@node-rs/argon2', async (importOriginal) => {
  const original = await importOriginal<typeof import('@node-rs/argon2')>();
  return {
    ...original,
    verify: (...args: Parameters<typeof original.verify>) => {
      argon2.verifications += 1;
      return original.verify(...args);
    },
  };
});

let addressSeq = 0;
/** A fresh client address per test, so the per-address throttles of one test do not touch another. */
const nextAddress = () => `198.51.100.${(addressSeq += 1)}`;

function login(app: TestApp, email: string, password: string, headers: Record<string, string> = {}, remoteAddress = '127.0.0.1') {
  return app.server.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email, password },
    remoteAddress,
    headers,
  });
}

const body = (res: { payload: string }) => JSON.parse(res.payload) as Record<string, any>;

describeEngines('login and token abuse', (ctx) => {
  it('checks no more than 5 of 40 parallel wrong guesses against argon2, and answers the rest 429', async () => {
    const tenant = await createTenant(ctx.app);
    const ip = nextAddress();
    argon2.verifications = 0;
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => login(ctx.app, tenant.email, `Wrong-guess-${i}`, {}, ip)),
    );
    const codes = results.map((res) => res.statusCode);
    expect(argon2.verifications).toBeLessThanOrEqual(5);
    expect(codes.filter((code) => code === 401)).toHaveLength(5);
    expect(codes.filter((code) => code === 429)).toHaveLength(35);
    const refused = results.find((res) => res.statusCode === 429)!;
    expect(body(refused).code).toBe('too_many_login_attempts');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // The right password from that address waits too; from another address it works at once.
    expect((await login(ctx.app, tenant.email, tenant.password, {}, ip)).statusCode).toBe(429);
    expect((await login(ctx.app, tenant.email, tenant.password, {}, nextAddress())).statusCode).toBe(200);
  });

  it('keeps the count in the database: another process (a fresh service) and a restart still see it', async () => {
    const tenant = await createTenant(ctx.app);
    const ip = nextAddress();
    for (let i = 0; i < 5; i += 1) expect((await login(ctx.app, tenant.email, `Wrong-${i}-pass`, {}, ip)).statusCode).toBe(401);
    // A second AuthService instance holds no memory of its own, as another process or a restart.
    const staffDb = ctx.app.oltp.forModule('staff', [
      'staff',
      'staff_session',
      'role',
      'staff_role',
      'staff_mfa',
      'login_challenge',
    ]);
    const fresh = new AuthService(
      new StaffRepo(staffDb),
      new RolesRepo(staffDb),
      ctx.app.service(kernelServices.permissions),
      ctx.app.config,
      ctx.app.service(tenantServiceRef),
      new Throttle(ctx.app.oltp),
      ctx.app.service(mfaServiceRef),
      ctx.app.service(operationLogServiceRef),
      ctx.app.service(pluginEnablementRef),
    );
    expect(fresh).not.toBe(ctx.app.service(authServiceRef));
    await expect(fresh.login(tenant.email, tenant.password, { ip })).rejects.toMatchObject({
      statusCode: 429,
      code: 'too_many_login_attempts',
    });
    await expect(fresh.login(tenant.email, tenant.password, { ip: nextAddress() })).resolves.toMatchObject({
      staff: { id: tenant.staffId },
    });
  });

  it('locks only the guessing address, for longer after each lock, and forgets it on success', async () => {
    const tenant = await createTenant(ctx.app);
    const attacker = nextAddress();
    for (let i = 0; i < 5; i += 1) await login(ctx.app, tenant.email, `Wrong-${i}-pass`, {}, attacker);
    const first = await login(ctx.app, tenant.email, tenant.password, {}, attacker);
    expect(first.statusCode).toBe(429);
    expect(body(first).message).toMatch(/15 分钟/);
    // The real user, elsewhere, is not locked out.
    expect((await login(ctx.app, tenant.email, tenant.password, {}, nextAddress())).statusCode).toBe(200);
    // The lock ends (moved into the past here); five more failures lock the pair twice as long.
    await ctx.app.oltp
      .knex('auth_throttle')
      .where({ scope: 'login.pair' })
      .where('locked_until', '>', 0)
      .update({
        locked_until: Date.now() - 1000,
        window_started_at: Date.now() - 16 * 60_000,
      });
    for (let i = 0; i < 5; i += 1)
      expect((await login(ctx.app, tenant.email, `Again-${i}-pass`, {}, attacker)).statusCode).toBe(401);
    const second = await login(ctx.app, tenant.email, tenant.password, {}, attacker);
    expect(second.statusCode).toBe(429);
    expect(body(second).message).toMatch(/30 分钟/);
    expect(Number(second.headers['retry-after'])).toBeGreaterThan(29 * 60);
  });

  it('refuses a whole address after 50 failures over many accounts (password spraying)', async () => {
    const ip = nextAddress();
    for (let i = 0; i < 50; i += 1) {
      const res = await login(ctx.app, `nobody${i}.${Date.now()}@example.com`, 'Guess-pass-1', {}, ip);
      expect(res.statusCode).toBe(401);
    }
    const tenant = await createTenant(ctx.app);
    const refused = await login(ctx.app, tenant.email, tenant.password, {}, ip);
    expect(refused.statusCode).toBe(429);
    expect((await login(ctx.app, tenant.email, tenant.password, {}, nextAddress())).statusCode).toBe(200);
  });

  it('compares emails exactly in their normal form: an accented variant does not log in', async () => {
    const tenant = await createTenant(ctx.app);
    const accented = tenant.email.replace(/^a/, 'á');
    expect(accented).not.toBe(tenant.email);
    const res = await login(ctx.app, accented, tenant.password, {}, nextAddress());
    expect(res.statusCode).toBe(401);
    expect(body(res).code).toBe('invalid_credentials');
    const upper = ` ${tenant.email.toUpperCase()} `;
    expect((await login(ctx.app, upper, tenant.password, {}, nextAddress())).statusCode).toBe(200);

    // A staff email with an accent logs in whether the letter arrives composed (NFC) or decomposed (NFD).
    const email = `josé.${Date.now()}@example.com`;
    await ctx.app.service(setupServiceRef).createWithSuperStaff({
      tenantName: 'Accents',
      staff: { email: email.normalize('NFD'), name: 'José', password: 'Secret-pass-123' },
    });
    const stored = await ctx.app.oltp
      .knex('staff')
      .where({ email: email.normalize('NFC') })
      .first();
    expect(stored).toBeTruthy();
    expect((await login(ctx.app, email.normalize('NFD'), 'Secret-pass-123', {}, nextAddress())).statusCode).toBe(200);
    expect((await login(ctx.app, email.normalize('NFC').toUpperCase(), 'Secret-pass-123', {}, nextAddress())).statusCode).toBe(
      200,
    );
    // The unaccented variant is another account (unknown here).
    expect((await login(ctx.app, email.replace('é', 'e'), 'Secret-pass-123', {}, nextAddress())).statusCode).toBe(401);
    // Two accounts differing only by an accent may exist side by side.
    const plain = email.replace('é', 'e');
    await ctx.app.service(setupServiceRef).createWithSuperStaff({
      tenantName: 'Plain',
      staff: { email: plain, name: 'Jose', password: 'Other-pass-456' },
    });
    expect((await login(ctx.app, plain, 'Other-pass-456', {}, nextAddress())).statusCode).toBe(200);
    expect((await login(ctx.app, plain, 'Secret-pass-123', {}, nextAddress())).statusCode).toBe(401);
    if (ctx.engine === 'mariadb') {
      // MariaDB's default collations match `á` with `a`: the column itself compares exactly.
      const [rows] = await ctx.app.oltp.knex.raw(
        "select collation_name as c from information_schema.columns where table_schema = database() and table_name = 'staff' and column_name = 'email'",
      );
      expect((rows as { c: string }[])[0]!.c).toBe('utf8mb4_bin');
    }
  });

  it('accepts a login only as JSON from the same origin: a cross-site form post fails', async () => {
    const tenant = await createTenant(ctx.app);
    const form = await ctx.app.server.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: `email=${encodeURIComponent(tenant.email)}&password=${encodeURIComponent(tenant.password)}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example', host: 'cdp.example.com' },
    });
    expect(form.statusCode).toBe(403);
    expect(body(form).code).toBe('origin_not_allowed');
    expect(form.headers['set-cookie']).toBeUndefined();
    // Even a same-origin form post is not a login (a form cannot send JSON).
    const sameOriginForm = await ctx.app.server.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: `email=${encodeURIComponent(tenant.email)}&password=${encodeURIComponent(tenant.password)}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(sameOriginForm.statusCode).toBe(415);
    expect(body(sameOriginForm).code).toBe('unsupported_media_type');
    const textPlain = await ctx.app.server.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: JSON.stringify({ email: tenant.email, password: tenant.password }),
      headers: { 'content-type': 'text/plain' },
    });
    expect(textPlain.statusCode).toBe(415);

    const json = (headers: Record<string, string>) => login(ctx.app, tenant.email, tenant.password, headers, nextAddress());
    expect((await json({ origin: 'https://evil.example', host: 'cdp.example.com' })).statusCode).toBe(403);
    expect((await json({ origin: 'null', host: 'cdp.example.com' })).statusCode).toBe(403);
    expect((await json({ 'sec-fetch-site': 'cross-site' })).statusCode).toBe(403);
    expect((await json({ origin: 'https://cdp.example.com', host: 'cdp.example.com' })).statusCode).toBe(200);
    expect((await json({ origin: 'http://localhost:5173', host: 'localhost:5173' })).statusCode).toBe(200);
    // No Origin at all: a server-side client (curl, SDK).
    expect((await json({})).statusCode).toBe(200);
  });

  it('rate-limits POST /api/v1/auth/token per client address', async () => {
    const limit = 6;
    const app = await createTestApp(ctx.engine, {
      auth: { tokenRequestsPerMinute: limit, passwordConcurrency: 2, passwordQueue: 32 },
    });
    try {
      const tenant = await createTenant(app);
      const admin = await Client.staff(app.server, tenant.email, tenant.password);
      const { app: apiApp, appSecret } = (await admin.request('POST', '/api/v1/apps', { name: 'rate' })).body;
      const exchange = (remoteAddress: string) =>
        app.server.inject({
          method: 'POST',
          url: '/api/v1/auth/token',
          payload: { appKey: apiApp.appKey, appSecret },
          remoteAddress,
        });
      argon2.verifications = 0;
      const results = await Promise.all(Array.from({ length: limit + 5 }, () => exchange('192.0.2.10')));
      expect(results.filter((res) => res.statusCode === 200)).toHaveLength(limit);
      const refused = results.filter((res) => res.statusCode === 429);
      expect(refused).toHaveLength(5);
      expect(body(refused[0]!).code).toBe('too_many_requests');
      expect(Number(refused[0]!.headers['retry-after'])).toBeGreaterThan(0);
      expect(argon2.verifications).toBe(limit);
      expect((await exchange('192.0.2.11')).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('locks an address guessing one app’s secret after 10 failures', async () => {
    const tenant = await createTenant(ctx.app);
    const admin = await Client.staff(ctx.app.server, tenant.email, tenant.password);
    const { app, appSecret } = (await admin.request('POST', '/api/v1/apps', { name: 'guessed' })).body;
    const ip = nextAddress();
    const exchange = (secret: string, remoteAddress = ip) =>
      ctx.app.server.inject({
        method: 'POST',
        url: '/api/v1/auth/token',
        payload: { appKey: app.appKey, appSecret: secret },
        remoteAddress,
      });
    for (let i = 0; i < 10; i += 1) expect((await exchange(`wrong-${i}`)).statusCode).toBe(401);
    expect((await exchange(appSecret)).statusCode).toBe(429);
    expect((await exchange(appSecret, nextAddress())).statusCode).toBe(200);
  });
});

describeEngines('behind a trusted reverse proxy', (ctx) => {
  it('counts the address the proxy saw (X-Forwarded-For, rightmost), and checks the forwarded host', async () => {
    const app = await createTestApp(ctx.engine, { trustProxy: 1 });
    try {
      const tenant = await createTenant(app);
      const viaProxy = (password: string, forwardedFor: string, headers: Record<string, string> = {}) =>
        login(app, tenant.email, password, { 'x-forwarded-for': forwardedFor, ...headers }, '10.0.0.2');
      // The client prepends addresses of its choice; the proxy appends the real one.
      for (let i = 0; i < 5; i += 1) {
        expect((await viaProxy(`Wrong-${i}-pass`, `203.0.113.${i + 1}, 198.51.100.77`)).statusCode).toBe(401);
      }
      expect((await viaProxy(tenant.password, '198.51.100.77')).statusCode).toBe(429);
      // Other clients behind the same proxy are other addresses.
      expect((await viaProxy(tenant.password, '198.51.100.78')).statusCode).toBe(200);
      const forwardedHost = { origin: 'https://cdp.example.com', host: '10.0.0.1:3000', 'x-forwarded-host': 'cdp.example.com' };
      expect((await viaProxy(tenant.password, '198.51.100.79', forwardedHost)).statusCode).toBe(200);
    } finally {
      await app.close();
    }
    // Without a trusted proxy, X-Forwarded-For is the client's own claim and ignored.
    const tenant = await createTenant(ctx.app);
    const direct = nextAddress();
    for (let i = 0; i < 5; i += 1) {
      await login(ctx.app, tenant.email, `Wrong-${i}-pass`, { 'x-forwarded-for': `203.0.113.${i + 1}` }, direct);
    }
    expect((await login(ctx.app, tenant.email, tenant.password, { 'x-forwarded-for': '203.0.113.99' }, direct)).statusCode).toBe(
      429,
    );
    // …and so is X-Forwarded-Host: only the Host counts.
    const forwardedHost = { origin: 'https://cdp.example.com', host: '10.0.0.1:3000', 'x-forwarded-host': 'cdp.example.com' };
    expect((await login(ctx.app, tenant.email, tenant.password, forwardedHost, nextAddress())).statusCode).toBe(403);
  });
});

it('slows an account down across addresses without ever locking it', () => {
  const policy = slowDownAfter({ free: 10, windowMs: 15 * 60_000, baseDelayMs: 1000, maxDelayMs: 60_000 });
  let state = { failures: 0, windowStartedAt: 0, lockedUntil: 0, lockLevel: 0, nextAllowedAt: 0 };
  let now = 1000;
  for (let i = 0; i < 10; i += 1) {
    const decision = policy.decide(state, now);
    expect(decision.allowed).toBe(true);
    state = decision.next!;
  }
  const delays: number[] = [];
  for (let i = 0; i < 8; i += 1) {
    const decision = policy.decide(state, now);
    if (!decision.allowed) throw new Error('refused once its wait was over');
    delays.push(decision.next.nextAllowedAt - now);
    state = decision.next;
    const early = policy.decide(state, now + 1);
    expect(early.allowed).toBe(false);
    now = state.nextAllowedAt;
  }
  expect(delays).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000]);
});

it('locks a pair for 15 min, 30, 60 … up to 24 h, and starts over a day after the last lock', () => {
  const policy = lockAfter({ max: 5, windowMs: 900_000, lockMs: 900_000, maxLockMs: 86_400_000, forgetMs: 86_400_000 });
  let state = { failures: 0, windowStartedAt: 0, lockedUntil: 0, lockLevel: 0, nextAllowedAt: 0 };
  let now = 0;
  const locks: number[] = [];
  for (let round = 0; round < 9; round += 1) {
    for (let i = 0; i < 5; i += 1) {
      const decision = policy.decide(state, now);
      expect(decision.allowed).toBe(true);
      state = decision.next!;
    }
    const refused = policy.decide(state, now);
    if (refused.allowed) throw new Error('not locked after 5 failures');
    locks.push(refused.retryAfterMs / 60_000);
    state = refused.next!;
    now = state.lockedUntil;
  }
  expect(locks).toEqual([15, 30, 60, 120, 240, 480, 960, 1440, 1440]);
  now += 86_400_000;
  for (let i = 0; i < 5; i += 1) state = (policy.decide(state, now) as { next: typeof state }).next;
  const fresh = policy.decide(state, now);
  expect(fresh.allowed ? 0 : fresh.retryAfterMs / 60_000).toBe(15);
});

describeEngines('argon2 work is bounded', (ctx) => {
  it('answers 503 server_busy beyond the queue instead of slowing every login down', async () => {
    const app = await createTestApp(ctx.engine, {
      auth: { passwordConcurrency: 1, passwordQueue: 2, tokenRequestsPerMinute: 60 },
    });
    try {
      const tenants = await Promise.all(Array.from({ length: 30 }, () => createTenant(app)));
      const auth = app.service(authServiceRef);
      const results = await Promise.all(tenants.map((t, i) => login(app, t.email, t.password, {}, `203.0.113.${i + 1}`)));
      const codes = results.map((res) => res.statusCode);
      expect(auth.passwords.semaphore.highWater).toBe(1);
      expect(codes.filter((code) => code === 200).length).toBeGreaterThanOrEqual(3);
      const busy = results.filter((res) => res.statusCode === 503);
      expect(busy.length).toBeGreaterThan(0);
      expect(codes.every((code) => code === 200 || code === 503)).toBe(true);
      expect(body(busy[0]!).code).toBe('server_busy');
      expect(busy[0]!.headers['retry-after']).toBe('1');
      // A refused attempt was not checked: it does not count against the account.
      const refusedTenant = tenants[codes.indexOf(503)]!;
      const rows = await app.oltp.knex('auth_throttle').where({ scope: 'login.pair' }).select('failures');
      expect(rows.every((row: { failures: number }) => Number(row.failures) === 0)).toBe(true);
      expect((await login(app, refusedTenant.email, refusedTenant.password, {}, '203.0.113.200')).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });
});
