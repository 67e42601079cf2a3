import { generate } from 'otplib';
import { expect, it } from 'vitest';
import { normalStaff, staffMember } from './support/staff.js';
import { Client, createTenant, describeEngines, type InjectResult } from './support/test-app.js';

/** The TOTP of `secret` `steps` time steps (30 s) from now, as an authenticator app shows it. */
const totp = (secret: string, steps = 0) => generate({ secret, epoch: Math.floor(Date.now() / 1000) + steps * 30 });

/** A 6-digit code that is none of the codes the server could accept now (±1 step, and one more for a step boundary). */
async function wrongCode(secret: string): Promise<string> {
  const near = new Set(await Promise.all([-2, -1, 0, 1, 2].map((steps) => totp(secret, steps))));
  for (let n = 0; ; n += 1) {
    const code = String(n).padStart(6, '0');
    if (!near.has(code)) return code;
  }
}

/** Waits out the last seconds of a time step, so codes computed now keep their distance to the server's step. */
async function awayFromStepEdge(): Promise<void> {
  const intoStep = (Date.now() / 1000) % 30;
  if (intoStep > 26) await new Promise((resolve) => setTimeout(resolve, (30 - intoStep + 0.5) * 1000));
}

const hasSessionCookie = (res: InjectResult) => /huiliu_sid=[^;]+/.test(String(res.headers['set-cookie'] ?? ''));

describeEngines('multi-factor authentication (多因素验证)', (ctx) => {
  /** A tenant's super staff (signed in) and a normal staff member of it. */
  async function tenantWithMember() {
    const tenant = await createTenant(ctx.app);
    const admin = await Client.staff(ctx.app.server, tenant.email, tenant.password);
    const member = await staffMember(ctx.app, tenant.tenantId);
    return { tenant, admin, member };
  }

  const login = (client: Client, who: { email: string; password: string }) =>
    client.request('POST', '/api/v1/auth/login', { email: who.email, password: who.password });

  /** Switches the member's MFA on, signs them in and binds a device with the current code. */
  async function boundMember() {
    const { tenant, admin, member } = await tenantWithMember();
    expect((await admin.request('POST', `/api/v1/staff/${member.staffId}/mfa`, { enabled: true })).statusCode).toBe(200);
    const client = new Client(ctx.app.server);
    const setup = await login(client, member);
    expect(setup.body.mfa).toBe('setup');
    const secret = setup.body.secret as string;
    await awayFromStepEdge();
    const bound = await client.request('POST', '/api/v1/auth/mfa/bind', {
      challenge: setup.body.challenge,
      code: await totp(secret),
    });
    expect(bound.statusCode).toBe(200);
    return { tenant, admin, member, client, secret, recoveryCodes: bound.body.recoveryCodes as string[] };
  }

  it('refuses the switches to normal staff (403) and to another tenant’s super staff (404)', async () => {
    const { tenant, admin, member } = await tenantWithMember();
    const normal = await normalStaff(ctx.app, tenant.tenantId);
    for (const [path, body] of [
      [`/api/v1/staff/${member.staffId}/mfa`, { enabled: true }],
      [`/api/v1/staff/${member.staffId}/mfa/reset`, undefined],
    ] as const) {
      const refused = await normal.request('POST', path, body);
      expect(refused.statusCode, path).toBe(403);
      expect(refused.body.code).toBe('forbidden');
    }
    const other = await createTenant(ctx.app);
    const stranger = await Client.staff(ctx.app.server, other.email, other.password);
    for (const path of [`/api/v1/staff/${member.staffId}/mfa`, `/api/v1/staff/${member.staffId}/mfa/reset`]) {
      const missing = await stranger.request('POST', path, path.endsWith('reset') ? undefined : { enabled: true });
      expect(missing.statusCode, path).toBe(404);
      expect(missing.body.code).toBe('staff_not_found');
    }
    // Nothing changed: the member still signs in with the password alone.
    expect((await admin.request('GET', `/api/v1/staff/${member.staffId}`)).body).toMatchObject({
      mfaEnabled: false,
      mfaBound: false,
    });
    const plain = await login(new Client(ctx.app.server), member);
    expect(plain.body.csrfToken).toBeTruthy();
    expect(plain.body.mfa).toBeUndefined();
  });

  it('binds a device at the first login after MFA is switched on, then asks for a fresh code at every login', async () => {
    const { admin, member } = await tenantWithMember();
    const before = await Client.staff(ctx.app.server, member.email, member.password);
    const on = await admin.request('POST', `/api/v1/staff/${member.staffId}/mfa`, { enabled: true });
    expect(on.statusCode).toBe(200);
    expect(on.body).toMatchObject({ id: member.staffId, mfaEnabled: true, mfaBound: false });
    // The switch ends the member's sessions.
    expect((await before.request('GET', '/api/v1/auth/session')).statusCode).toBe(401);

    const client = new Client(ctx.app.server);
    const setup = await login(client, member);
    expect(setup.statusCode).toBe(200);
    expect(hasSessionCookie(setup)).toBe(false);
    expect(setup.body).toEqual({
      mfa: 'setup',
      challenge: expect.stringMatching(/^[A-Za-z0-9_-]{40,}$/),
      secret: expect.stringMatching(/^[A-Z2-7]{32}$/),
      otpauthUri: expect.stringMatching(/^otpauth:\/\/totp\//),
      qrDataUrl: expect.stringMatching(/^data:image\/png;base64,/),
    });
    const uri = new URL(setup.body.otpauthUri);
    expect(decodeURIComponent(uri.pathname)).toBe(`/汇流 Huiliu:${member.email}`);
    expect(uri.searchParams.get('secret')).toBe(setup.body.secret);
    expect(uri.searchParams.get('issuer')).toBe('汇流 Huiliu');
    expect((await client.request('GET', '/api/v1/auth/session')).statusCode).toBe(401);

    const secret = setup.body.secret as string;
    await awayFromStepEdge();
    const wrong = await client.request('POST', '/api/v1/auth/mfa/bind', {
      challenge: setup.body.challenge,
      code: await wrongCode(secret),
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.body).toMatchObject({ code: 'mfa_code_invalid', details: [{ path: 'code', code: 'mfa_code_invalid' }] });
    // Two steps ahead is beyond the drift allowed.
    const tooFar = await client.request('POST', '/api/v1/auth/mfa/bind', {
      challenge: setup.body.challenge,
      code: await totp(secret, 3),
    });
    expect(tooFar.body.code).toBe('mfa_code_invalid');
    // One step behind (a slow phone clock) is accepted.
    const bindCode = await totp(secret, -1);
    const bound = await client.request('POST', '/api/v1/auth/mfa/bind', { challenge: setup.body.challenge, code: bindCode });
    expect(bound.statusCode).toBe(200);
    expect(hasSessionCookie(bound)).toBe(true);
    expect(bound.body.staff).toMatchObject({ id: member.staffId, mfaEnabled: true, mfaBound: true });
    expect(bound.body.csrfToken).toBeTruthy();
    const codes = bound.body.recoveryCodes as string[];
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/);
    // The session works; the challenge is used up.
    expect((await client.request('GET', '/api/v1/auth/session')).body.staff.mfaBound).toBe(true);
    expect((await client.request('GET', '/api/v1/auth/mfa')).body).toEqual({ enabled: true, bound: true, recoveryCodesLeft: 10 });
    const again = await new Client(ctx.app.server).request('POST', '/api/v1/auth/mfa/bind', {
      challenge: setup.body.challenge,
      code: await totp(secret),
    });
    expect(again.statusCode).toBe(401);
    expect(again.body.code).toBe('mfa_challenge_invalid');
    expect((await admin.request('GET', `/api/v1/staff/${member.staffId}`)).body).toMatchObject({
      mfaEnabled: true,
      mfaBound: true,
    });
    const list = await admin.request('GET', '/api/v1/staff');
    expect(list.body.items.find((s: { id: string }) => s.id === member.staffId)).toMatchObject({
      mfaEnabled: true,
      mfaBound: true,
    });

    // The next login asks for a code; the binding's code is not good again.
    const next = new Client(ctx.app.server);
    const required = await login(next, member);
    expect(required.body).toEqual({ mfa: 'required', challenge: expect.any(String) });
    expect(hasSessionCookie(required)).toBe(false);
    const replayed = await next.request('POST', '/api/v1/auth/mfa/verify', {
      challenge: required.body.challenge,
      code: bindCode,
    });
    expect(replayed.statusCode).toBe(400);
    expect(replayed.body.code).toBe('mfa_code_invalid');
    // A setup challenge's step is not this one.
    const wrongStep = await next.request('POST', '/api/v1/auth/mfa/bind', { challenge: required.body.challenge, code: bindCode });
    expect(wrongStep.body.code).toBe('mfa_challenge_invalid');
    const fresh = await totp(secret, 1);
    const verified = await next.request('POST', '/api/v1/auth/mfa/verify', { challenge: required.body.challenge, code: fresh });
    expect(verified.statusCode).toBe(200);
    expect(hasSessionCookie(verified)).toBe(true);
    expect(verified.body).toMatchObject({ staff: { id: member.staffId }, csrfToken: expect.any(String) });
    expect(verified.body.recoveryCodes).toBeUndefined();
    expect((await next.request('GET', '/api/v1/auth/session')).statusCode).toBe(200);

    // The same code at another login: refused (each code once).
    const third = new Client(ctx.app.server);
    const challenge = (await login(third, member)).body.challenge;
    const reused = await third.request('POST', '/api/v1/auth/mfa/verify', { challenge, code: fresh });
    expect(reused.body.code).toBe('mfa_code_invalid');
  });

  it('lets one of two simultaneous answers with the same code through', async () => {
    const { member, secret } = await boundMember();
    const clients = [new Client(ctx.app.server), new Client(ctx.app.server)];
    const challenges = await Promise.all(clients.map(async (client) => (await login(client, member)).body.challenge as string));
    const code = await totp(secret, 1);
    const answers = await Promise.all(
      clients.map((client, i) => client.request('POST', '/api/v1/auth/mfa/verify', { challenge: challenges[i], code })),
    );
    expect(answers.map((answer) => answer.statusCode).sort()).toEqual([200, 400]);
  });

  it('takes each recovery code once instead of a code', async () => {
    const { member, recoveryCodes } = await boundMember();
    const client = new Client(ctx.app.server);
    let challenge = (await login(client, member)).body.challenge;
    // Typed in capitals without dashes: the same code.
    const typed = recoveryCodes[3]!.replace(/-/g, '').toUpperCase();
    const ok = await client.request('POST', '/api/v1/auth/mfa/verify', { challenge, code: typed });
    expect(ok.statusCode).toBe(200);
    expect((await client.request('GET', '/api/v1/auth/mfa')).body.recoveryCodesLeft).toBe(9);

    const other = new Client(ctx.app.server);
    challenge = (await login(other, member)).body.challenge;
    const used = await other.request('POST', '/api/v1/auth/mfa/verify', { challenge, code: recoveryCodes[3] });
    expect(used.statusCode).toBe(400);
    expect(used.body.code).toBe('mfa_code_invalid');
    const made = await other.request('POST', '/api/v1/auth/mfa/verify', { challenge, code: 'abcd-efgh-jkmn' });
    expect(made.body.code).toBe('mfa_code_invalid');
    expect((await other.request('POST', '/api/v1/auth/mfa/verify', { challenge, code: recoveryCodes[4] })).statusCode).toBe(200);
  });

  it('regenerates the recovery codes with a current code; the old ones stop working', async () => {
    const { member, client, secret, recoveryCodes } = await boundMember();
    const wrong = await client.request('POST', '/api/v1/auth/mfa/recovery-codes', { code: await wrongCode(secret) });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.body.code).toBe('mfa_code_invalid');
    // A recovery code does not do: it needs the device.
    expect((await client.request('POST', '/api/v1/auth/mfa/recovery-codes', { code: recoveryCodes[0] })).statusCode).toBe(400);
    const renewed = await client.request('POST', '/api/v1/auth/mfa/recovery-codes', { code: await totp(secret, 1) });
    expect(renewed.statusCode).toBe(200);
    const codes = renewed.body.recoveryCodes as string[];
    expect(codes).toHaveLength(10);
    expect(codes.some((code) => recoveryCodes.includes(code))).toBe(false);

    const next = new Client(ctx.app.server);
    const challenge = (await login(next, member)).body.challenge;
    expect((await next.request('POST', '/api/v1/auth/mfa/verify', { challenge, code: recoveryCodes[0] })).statusCode).toBe(400);
    expect((await next.request('POST', '/api/v1/auth/mfa/verify', { challenge, code: codes[0] })).statusCode).toBe(200);

    // Without MFA there is nothing to regenerate.
    const tenant = await createTenant(ctx.app);
    const plain = await Client.staff(ctx.app.server, tenant.email, tenant.password);
    expect((await plain.request('GET', '/api/v1/auth/mfa')).body).toEqual({ enabled: false, bound: false, recoveryCodesLeft: 0 });
    const none = await plain.request('POST', '/api/v1/auth/mfa/recovery-codes', { code: '123456' });
    expect(none.statusCode).toBe(409);
    expect(none.body.code).toBe('mfa_not_bound');
  });

  it('重置 makes the member bind a new device; switching MFA off makes the password enough again', async () => {
    const { tenant, admin, member, client, secret } = await boundMember();
    const reset = await admin.request('POST', `/api/v1/staff/${member.staffId}/mfa/reset`);
    expect(reset.statusCode).toBe(200);
    expect(reset.body).toMatchObject({ mfaEnabled: true, mfaBound: false });
    expect((await client.request('GET', '/api/v1/auth/session')).statusCode).toBe(401);

    const again = new Client(ctx.app.server);
    const setup = await login(again, member);
    expect(setup.body.mfa).toBe('setup');
    expect(setup.body.secret).not.toBe(secret);
    // The old device's codes do not bind the new secret.
    const old = await again.request('POST', '/api/v1/auth/mfa/bind', {
      challenge: setup.body.challenge,
      code: await totp(secret, 1),
    });
    expect(old.body.code).toBe('mfa_code_invalid');
    const rebound = await again.request('POST', '/api/v1/auth/mfa/bind', {
      challenge: setup.body.challenge,
      code: await totp(setup.body.secret, 1),
    });
    expect(rebound.statusCode).toBe(200);

    // A reset with nothing bound, and switching on what is on, change nothing (the session stays).
    const on = await admin.request('POST', `/api/v1/staff/${member.staffId}/mfa`, { enabled: true });
    expect(on.body).toMatchObject({ mfaEnabled: true, mfaBound: true });
    expect((await again.request('GET', '/api/v1/auth/session')).statusCode).toBe(200);

    const off = await admin.request('POST', `/api/v1/staff/${member.staffId}/mfa`, { enabled: false });
    expect(off.body).toMatchObject({ mfaEnabled: false, mfaBound: false });
    expect((await again.request('GET', '/api/v1/auth/session')).statusCode).toBe(401);
    const row = await ctx.app.oltp
      .forTenant(tenant.tenantId)
      .from('staff_mfa')
      .where('staff_mfa.staff_id', member.staffId)
      .first();
    expect(row).toMatchObject({ secret: null, bound_at: null, last_step: null, recovery_codes: null });
    expect(Boolean(row.enabled)).toBe(false);
    const plain = await login(new Client(ctx.app.server), member);
    expect(plain.statusCode).toBe(200);
    expect(plain.body).toMatchObject({ staff: { id: member.staffId, mfaEnabled: false }, csrfToken: expect.any(String) });
    expect(hasSessionCookie(plain)).toBe(true);
    const noReset = await admin.request('POST', `/api/v1/staff/${member.staffId}/mfa/reset`);
    expect(noReset.body).toMatchObject({ mfaEnabled: false, mfaBound: false });

    // Switched on again: a new binding from scratch.
    await admin.request('POST', `/api/v1/staff/${member.staffId}/mfa`, { enabled: true });
    expect((await login(new Client(ctx.app.server), member)).body.mfa).toBe('setup');
  });

  it('keeps the session of super staff who switch their own MFA on', async () => {
    const tenant = await createTenant(ctx.app);
    const admin = await Client.staff(ctx.app.server, tenant.email, tenant.password);
    const elsewhere = await Client.staff(ctx.app.server, tenant.email, tenant.password);
    const on = await admin.request('POST', `/api/v1/staff/${tenant.staffId}/mfa`, { enabled: true });
    expect(on.body).toMatchObject({ mfaEnabled: true, mfaBound: false });
    expect((await admin.request('GET', '/api/v1/auth/session')).statusCode).toBe(200);
    expect((await elsewhere.request('GET', '/api/v1/auth/session')).statusCode).toBe(401);
    expect((await login(new Client(ctx.app.server), tenant)).body.mfa).toBe('setup');
  });

  it('kills a challenge after 5 wrong codes, then throttles that address like a password', async () => {
    const { member, secret } = await boundMember();
    const client = new Client(ctx.app.server);
    const challenge = (await login(client, member)).body.challenge;
    const wrong = await wrongCode(secret);
    for (let i = 0; i < 5; i += 1) {
      const res = await client.request('POST', '/api/v1/auth/mfa/verify', { challenge, code: wrong });
      expect(res.statusCode, `attempt ${i + 1}`).toBe(400);
    }
    const dead = await client.request('POST', '/api/v1/auth/mfa/verify', { challenge, code: await totp(secret, 1) });
    expect(dead.statusCode).toBe(401);
    expect(dead.body.code).toBe('mfa_challenge_invalid');
    // The password again gives a new challenge, but this address may not guess codes for a while.
    const retry = (await login(client, member)).body.challenge;
    const locked = await client.request('POST', '/api/v1/auth/mfa/verify', { challenge: retry, code: await totp(secret, 1) });
    expect(locked.statusCode).toBe(429);
    expect(locked.body.code).toBe('too_many_login_attempts');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    // Another address is not locked.
    const res = await ctx.app.server.inject({
      method: 'POST',
      url: '/api/v1/auth/mfa/verify',
      payload: { challenge: retry, code: await totp(secret, 1) },
      remoteAddress: '203.0.113.77',
    });
    expect(res.statusCode).toBe(200);
  });

  it('refuses an unknown or expired challenge with 401', async () => {
    const { tenant, member, secret } = await boundMember();
    const unknown = await new Client(ctx.app.server).request('POST', '/api/v1/auth/mfa/verify', {
      challenge: 'x'.repeat(43),
      code: '123456',
    });
    expect(unknown.statusCode).toBe(401);
    expect(unknown.body).toMatchObject({ code: 'mfa_challenge_invalid', message: '验证已过期或失败次数过多，请重新登录' });
    const client = new Client(ctx.app.server);
    const challenge = (await login(client, member)).body.challenge;
    await ctx.app.oltp
      .forTenant(tenant.tenantId)
      .from('login_challenge')
      .where('login_challenge.staff_id', member.staffId)
      .update({ expires_at: Date.now() - 1 });
    const expired = await client.request('POST', '/api/v1/auth/mfa/verify', { challenge, code: await totp(secret, 1) });
    expect(expired.statusCode).toBe(401);
    expect(expired.body.code).toBe('mfa_challenge_invalid');
    // Swept by the next login.
    await login(new Client(ctx.app.server), member);
    const left = await ctx.app.oltp
      .forTenant(tenant.tenantId)
      .from('login_challenge')
      .where('login_challenge.expires_at', '<=', Date.now());
    expect(left).toEqual([]);
  });

  it('never answers the secret once bound, and stores it sealed, codes and challenges only as hashes', async () => {
    const { tenant, admin, member, secret, recoveryCodes } = await boundMember();
    const db = ctx.app.oltp.forTenant(tenant.tenantId);
    const row = await db.from('staff_mfa').where('staff_mfa.staff_id', member.staffId).first();
    expect(row.secret).toMatch(/^v1\./);
    expect(row.secret).not.toContain(secret);
    const stored = JSON.parse(row.recovery_codes) as string[];
    expect(stored).toHaveLength(10);
    for (const hash of stored) expect(hash).toMatch(/^[0-9a-f]{64}$/);
    for (const code of recoveryCodes) expect(row.recovery_codes).not.toContain(code.replace(/-/g, ''));

    // A setup challenge keeps its pending secret sealed, and its token only as a hash.
    await admin.request('POST', `/api/v1/staff/${member.staffId}/mfa/reset`);
    const setup = await login(new Client(ctx.app.server), member);
    const challengeRow = await db.from('login_challenge').where('login_challenge.staff_id', member.staffId).first();
    expect(challengeRow.pending_secret).toMatch(/^v1\./);
    expect(challengeRow.pending_secret).not.toContain(setup.body.secret);
    expect(challengeRow.token_hash).not.toBe(setup.body.challenge);
    expect(challengeRow.kind).toBe('mfa_setup');

    // After binding, no answer carries the secret.
    const member2 = new Client(ctx.app.server);
    const setup2 = await login(member2, member);
    const secret2 = setup2.body.secret as string;
    const bound = await member2.request('POST', '/api/v1/auth/mfa/bind', {
      challenge: setup2.body.challenge,
      code: await totp(secret2),
    });
    const answers = [
      bound,
      await member2.request('GET', '/api/v1/auth/session'),
      await member2.request('GET', '/api/v1/auth/mfa'),
      await admin.request('GET', `/api/v1/staff/${member.staffId}`),
      await admin.request('GET', '/api/v1/staff'),
      await login(new Client(ctx.app.server), member),
    ];
    for (const answer of answers) {
      expect(answer.statusCode).toBe(200);
      expect(JSON.stringify(answer.body)).not.toContain(secret2);
    }
  });
});
