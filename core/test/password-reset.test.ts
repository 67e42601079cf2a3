import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, createLogger, type HuiliuApp } from '../src/app.js';
import { ConfigError, loadConfig, type HuiliuConfig } from '../src/config/config.js';
import { hashToken } from '../src/lib/tokens.js';
import { PASSWORD_RESET_MAIL_TASK, passwordResetServiceRef } from '../src/modules/staff/password-reset.service.js';
import { hashPassword } from '../src/lib/password.js';
import { createMysqlDatabase, testEngines } from './support/engines.js';
import { resetLinkIn, SmtpCatcher } from './support/smtp-catcher.js';
import { Client, createTenant, describeEngines } from './support/test-app.js';

const PUBLIC_URL = 'https://cdp.example.test';
const SMTP_USER = 'huiliu-mailer';
const SMTP_PASSWORD = 'smtp-Secret-9f3a';

let ipSequence = 0;
/** A client address of its own (the reset throttles count per address). */
const nextIp = () => `198.51.100.${(ipSequence += 1)}`;

interface Answer {
  statusCode: number;
  body: any;
  headers: Record<string, unknown>;
}

/** An anonymous JSON POST from `ip`, as the console's public pages send it. */
async function post(
  app: HuiliuApp,
  url: string,
  payload: unknown,
  options: { ip?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const res = await app.server.inject({
    method: 'POST',
    url,
    payload: payload as object,
    remoteAddress: options.ip ?? nextIp(),
    headers: { 'accept-language': 'en-US', ...options.headers },
  });
  return {
    statusCode: res.statusCode,
    body: res.payload ? JSON.parse(res.payload) : undefined,
    headers: res.headers as Record<string, unknown>,
  };
}

const askReset = (app: HuiliuApp, email: string, options?: { ip?: string; headers?: Record<string, string> }) =>
  post(app, '/api/v1/auth/password-reset', { email }, options);
const confirmReset = (app: HuiliuApp, token: string, newPassword: string, options?: { headers?: Record<string, string> }) =>
  post(app, '/api/v1/auth/password-reset/confirm', { token, newPassword }, options);

/** Runs what a request set off: its lookup, then the mail tasks due now. */
async function deliver(app: HuiliuApp): Promise<void> {
  await app.service(passwordResetServiceRef).idle();
  while ((await app.jobs.worker.poll()) > 0);
}

/** The token of a reset link. */
const tokenOf = (link: URL) => link.searchParams.get('token')!;

async function login(app: HuiliuApp, email: string, password: string): Promise<number> {
  return (await new Client(app.server).request('POST', '/api/v1/auth/login', { email, password })).statusCode;
}

async function addStaff(app: HuiliuApp, tenantId: string, email: string, status: 'enabled' | 'disabled'): Promise<string> {
  const now = Date.now();
  return app.oltp.forTenant(tenantId).insert('staff', {
    email,
    name: '运营',
    password_hash: await hashPassword('Staff-pass-1'),
    is_super: false,
    status,
    created_at: now,
    updated_at: now,
  });
}

async function mailTasks(app: HuiliuApp, tenantId: string) {
  return (await app.jobs.queue.list(tenantId, { page: 1, pageSize: 100, kind: PASSWORD_RESET_MAIL_TASK })).items;
}

describe('mail settings', () => {
  it('reads the SMTP server from HUILIU_MAIL__SMTP__* with the port following `secure`', () => {
    const plain = loadConfig({
      env: { HUILIU_MAIL__SMTP__HOST: 'smtp.example.com', HUILIU_MAIL__SMTP__FROM: '汇流 <noreply@example.com>' },
      cwd: os.tmpdir(),
    });
    expect(plain.mail?.smtp).toEqual({ host: 'smtp.example.com', port: 587, secure: false, from: '汇流 <noreply@example.com>' });
    const tls = loadConfig({
      env: {
        HUILIU_MAIL__SMTP__HOST: 'smtp.example.com',
        HUILIU_MAIL__SMTP__SECURE: 'true',
        HUILIU_MAIL__SMTP__USER: 'mailer',
        HUILIU_MAIL__SMTP__PASSWORD: SMTP_PASSWORD,
        HUILIU_MAIL__SMTP__FROM: 'noreply@example.com',
      },
      cwd: os.tmpdir(),
    });
    expect(tls.mail?.smtp).toMatchObject({ port: 465, secure: true, user: 'mailer', password: SMTP_PASSWORD });
    expect(loadConfig({ env: {}, cwd: os.tmpdir() }).mail).toBeUndefined();
  });

  it('refuses a sender that is no address and a password without a user, naming the key but never the password', () => {
    const load = (env: Record<string, string>) => () =>
      loadConfig({ env: { HUILIU_MAIL__SMTP__HOST: 'smtp.example.com', ...env }, cwd: os.tmpdir() });
    expect(load({ HUILIU_MAIL__SMTP__FROM: 'not an address' })).toThrow(/HUILIU_MAIL__SMTP__FROM/);
    expect(load({})).toThrow(/from/);
    let error: unknown;
    try {
      load({ HUILIU_MAIL__SMTP__FROM: 'noreply@example.com', HUILIU_MAIL__SMTP__PASSWORD: SMTP_PASSWORD })();
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/user/);
    expect((error as Error).message).not.toContain(SMTP_PASSWORD);
  });
});

let catcher: SmtpCatcher;

describeEngines(
  'password reset by mail',
  (ctx) => {
    afterAll(async () => {
      await catcher?.close();
    });

    it('answers 202 with the same body for a registered, an unknown and a disabled email, and mails only the registered one', async () => {
      const { app, engine } = ctx;
      const tenant = await createTenant(app);
      const disabled = `disabled.${engine}@example.com`;
      await addStaff(app, tenant.tenantId, disabled, 'disabled');
      const unknown = `nobody.${engine}@example.com`;

      const answers = [await askReset(app, tenant.email), await askReset(app, unknown), await askReset(app, disabled)];
      for (const answer of answers) {
        expect(answer.statusCode).toBe(202);
        expect(answer.body).toEqual({ accepted: true });
      }
      await deliver(app);

      expect(catcher.mailsTo(unknown)).toHaveLength(0);
      expect(catcher.mailsTo(disabled)).toHaveLength(0);
      const [mail] = catcher.mailsTo(tenant.email);
      expect(catcher.mailsTo(tenant.email)).toHaveLength(1);
      expect(catcher.logins).toContain(SMTP_USER);
      expect(mail!.from).toMatch(/^"?汇流"? <noreply@huiliu\.test>$/);
      expect(mail!.subject).toBe('重置汇流密码 / Reset your Huiliu password');
      // Chinese first, then English; the link in both, and in the HTML.
      expect(mail!.text.indexOf('你好')).toBeGreaterThanOrEqual(0);
      expect(mail!.text.indexOf('你好')).toBeLessThan(mail!.text.indexOf('Hello'));
      expect(mail!.text).toContain('30 分钟');
      const link = resetLinkIn(mail!);
      expect(`${link.origin}${link.pathname}`).toBe(`${PUBLIC_URL}/reset-password`);
      const token = tokenOf(link);
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(mail!.text.split(link.href)).toHaveLength(3);
      expect(mail!.html).toContain(`href="${link.href}"`);

      // Only the token's hash is stored: not in the request row, not in the task.
      const rows = await app.oltp.knex('password_reset').where({ tenant_id: tenant.tenantId });
      expect(rows).toHaveLength(1);
      expect(rows[0].token_hash).toBe(hashToken(token));
      expect(rows[0].requested_ip).toMatch(/^198\.51\.100\.\d+$/);
      const tasks = await mailTasks(app, tenant.tenantId);
      expect(tasks.map((task) => task.status)).toEqual(['succeeded']);
      expect(JSON.stringify([rows, tasks])).not.toContain(token);
      expect(JSON.stringify(tasks)).not.toContain(tenant.email);
    });

    it('sets the new password with the mailed link once; the old password and every session end', async () => {
      const { app } = ctx;
      const tenant = await createTenant(app);
      const first = await Client.staff(app.server, tenant.email, tenant.password);
      const second = await Client.staff(app.server, tenant.email, tenant.password);
      expect((await askReset(app, tenant.email)).statusCode).toBe(202);
      await deliver(app);
      const token = tokenOf(resetLinkIn(await catcher.waitForMail(tenant.email)));

      // A weak password is refused and the link still works afterwards.
      const weak = await confirmReset(app, token, 'short1');
      expect(weak.statusCode).toBe(400);
      expect(weak.body.code).toBe('password_too_weak');
      expect(weak.body.details).toEqual([expect.objectContaining({ path: 'newPassword', code: 'password_too_weak' })]);

      const done = await confirmReset(app, token, 'Brand-new-pass-7');
      expect(done.statusCode).toBe(204);
      for (const session of [first, second]) {
        const res = await session.request('GET', '/api/v1/auth/session');
        expect(res.statusCode).toBe(401);
      }
      expect(await login(app, tenant.email, tenant.password)).toBe(401);
      expect(await login(app, tenant.email, 'Brand-new-pass-7')).toBe(200);

      // Once only.
      const again = await confirmReset(app, token, 'Another-pass-8');
      expect(again.statusCode).toBe(400);
      expect(again.body.code).toBe('password_reset_token_invalid');
      expect(again.body.message).toBe('This reset link is invalid or has expired; ask for a new one');
      expect(await login(app, tenant.email, 'Brand-new-pass-7')).toBe(200);
    });

    it('refuses an expired, an unknown and a superseded token with one code, changing nothing', async () => {
      const { app } = ctx;
      const tenant = await createTenant(app);
      await askReset(app, tenant.email);
      await deliver(app);
      const older = tokenOf(resetLinkIn(await catcher.waitForMail(tenant.email, 1)));
      await askReset(app, tenant.email);
      await deliver(app);
      const newer = tokenOf(resetLinkIn(await catcher.waitForMail(tenant.email, 2)));
      expect(newer).not.toBe(older);

      const superseded = await confirmReset(app, older, 'Brand-new-pass-7');
      const unknown = await confirmReset(app, 'x'.repeat(43), 'Brand-new-pass-7');
      // The newer link expires: its row's expiry is now in the past.
      await app.oltp
        .knex('password_reset')
        .where({ token_hash: hashToken(newer) })
        .update({ expires_at: Date.now() - 1 });
      const expired = await confirmReset(app, newer, 'Brand-new-pass-7');
      for (const answer of [superseded, unknown, expired]) {
        expect(answer.statusCode).toBe(400);
        expect(answer.body.code).toBe('password_reset_token_invalid');
      }
      expect(await login(app, tenant.email, tenant.password)).toBe(200);
    });

    it('refuses the link of a staff member disabled after the mail went out', async () => {
      const { app, engine } = ctx;
      const tenant = await createTenant(app);
      const email = `later-disabled.${engine}@example.com`;
      const staffId = await addStaff(app, tenant.tenantId, email, 'enabled');
      await askReset(app, email);
      await deliver(app);
      const token = tokenOf(resetLinkIn(await catcher.waitForMail(email)));
      await app.oltp.knex('staff').where({ id: staffId }).update({ status: 'disabled' });
      const refused = await confirmReset(app, token, 'Brand-new-pass-7');
      expect(refused.statusCode).toBe(400);
      expect(refused.body.code).toBe('password_reset_token_invalid');
      await app.oltp.knex('staff').where({ id: staffId }).update({ status: 'enabled' });
      expect(await login(app, email, 'Staff-pass-1')).toBe(200);
    });

    it('mails only the newest of several requests made before the mail went out', async () => {
      const { app } = ctx;
      const tenant = await createTenant(app);
      await askReset(app, tenant.email);
      await askReset(app, tenant.email);
      await deliver(app);
      expect(catcher.mailsTo(tenant.email)).toHaveLength(1);
      const token = tokenOf(resetLinkIn(catcher.mailsTo(tenant.email)[0]!));
      const rows = await app.oltp.knex('password_reset').where({ tenant_id: tenant.tenantId }).orderBy('id');
      expect(rows.map((row) => row.token_hash)).toEqual([null, hashToken(token)]);
      expect((await confirmReset(app, token, 'Brand-new-pass-7')).statusCode).toBe(204);
    });

    it('lets exactly one of two concurrent confirms of one token win', async () => {
      const { app } = ctx;
      const tenant = await createTenant(app);
      await askReset(app, tenant.email);
      await deliver(app);
      const token = tokenOf(resetLinkIn(await catcher.waitForMail(tenant.email)));
      const answers = await Promise.all([
        confirmReset(app, token, 'Winner-pass-one-1'),
        confirmReset(app, token, 'Winner-pass-two-2'),
      ]);
      expect(answers.map((a) => a.statusCode).sort()).toEqual([204, 400]);
      const winner = answers[0]!.statusCode === 204 ? 'Winner-pass-one-1' : 'Winner-pass-two-2';
      const loser = winner === 'Winner-pass-one-1' ? 'Winner-pass-two-2' : 'Winner-pass-one-1';
      expect(answers.find((a) => a.statusCode === 400)!.body.code).toBe('password_reset_token_invalid');
      expect(await login(app, tenant.email, winner)).toBe(200);
      expect(await login(app, tenant.email, loser)).toBe(401);
      const [row] = await app.oltp.knex('password_reset').where({ token_hash: hashToken(token) });
      expect(row.used_at).not.toBeNull();
    });

    it('answers 429 with Retry-After after 5 requests for one email, and after 20 from one address', async () => {
      const { app, engine } = ctx;
      const email = `flooded.${engine}@example.com`;
      for (let i = 0; i < 5; i += 1) expect((await askReset(app, email)).statusCode).toBe(202);
      const refused = await askReset(app, email);
      expect(refused.statusCode).toBe(429);
      expect(refused.body.code).toBe('too_many_requests');
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      // The email's count is not the address's: another email from a new address passes.
      expect((await askReset(app, `other.${engine}@example.com`)).statusCode).toBe(202);

      const ip = nextIp();
      for (let i = 0; i < 20; i += 1)
        expect((await askReset(app, `spray${i}.${engine}@example.com`, { ip })).statusCode).toBe(202);
      const sprayed = await askReset(app, `spray-last.${engine}@example.com`, { ip });
      expect(sprayed.statusCode).toBe(429);
      expect(Number(sprayed.headers['retry-after'])).toBeGreaterThan(0);
      await deliver(app);
    });

    it('resets only the staff member of the token: another tenant’s staff keep their password and sessions', async () => {
      const { app } = ctx;
      const victim = await createTenant(app);
      const other = await createTenant(app);
      const victimSession = await Client.staff(app.server, victim.email, victim.password);
      await askReset(app, victim.email);
      await askReset(app, other.email);
      await deliver(app);
      const victimToken = tokenOf(resetLinkIn(await catcher.waitForMail(victim.email)));
      const otherToken = tokenOf(resetLinkIn(await catcher.waitForMail(other.email)));

      expect((await confirmReset(app, otherToken, 'Other-new-pass-3')).statusCode).toBe(204);
      expect(await login(app, other.email, 'Other-new-pass-3')).toBe(200);
      // The victim's password, session and own link are untouched.
      expect(await login(app, victim.email, victim.password)).toBe(200);
      expect((await victimSession.request('GET', '/api/v1/auth/session')).statusCode).toBe(200);
      const [victimRow] = await app.oltp.knex('password_reset').where({ token_hash: hashToken(victimToken) });
      expect(String(victimRow.tenant_id)).toBe(victim.tenantId);
      expect(victimRow.used_at).toBeNull();
      expect((await confirmReset(app, victimToken, 'Victim-new-pass-4')).statusCode).toBe(204);
      expect(await login(app, other.email, 'Other-new-pass-3')).toBe(200);
    });

    it('refuses the sameOrigin and JSON rules like login: another site’s page, a form post', async () => {
      const { app } = ctx;
      const crossSite = await askReset(app, 'someone@example.com', { headers: { origin: 'https://evil.example' } });
      expect(crossSite.statusCode).toBe(403);
      expect(crossSite.body.code).toBe('origin_not_allowed');
      const form = await app.server.inject({
        method: 'POST',
        url: '/api/v1/auth/password-reset/confirm',
        payload: 'token=x&newPassword=y',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(form.statusCode).toBe(415);
    });

    it('retries a mail the SMTP server refused for now (421), and sends it once the server accepts', async () => {
      const { app } = ctx;
      const tenant = await createTenant(app);
      catcher.refuse(421);
      try {
        expect((await askReset(app, tenant.email)).statusCode).toBe(202);
        await deliver(app);
      } finally {
        catcher.refuse(undefined);
      }
      expect(catcher.mailsTo(tenant.email)).toHaveLength(0);
      const [task] = await mailTasks(app, tenant.tenantId);
      expect(task).toMatchObject({ status: 'queued', attempts: 1, error: { code: 'mail_send_failed', retryable: true } });
      expect(JSON.stringify(task)).not.toContain(tenant.email);

      await app.oltp.knex('task').where({ id: task!.id }).update({ run_at: 0 });
      await deliver(app);
      const token = tokenOf(resetLinkIn(await catcher.waitForMail(tenant.email)));
      expect((await mailTasks(app, tenant.tenantId))[0]!.status).toBe('succeeded');
      expect((await confirmReset(app, token, 'Brand-new-pass-7')).statusCode).toBe(204);
    });

    it('gives up on a mail the SMTP server refuses for good (554), without the address in the error', async () => {
      const { app } = ctx;
      const tenant = await createTenant(app);
      catcher.refuse(554);
      try {
        expect((await askReset(app, tenant.email)).statusCode).toBe(202);
        await deliver(app);
      } finally {
        catcher.refuse(undefined);
      }
      const [task] = await mailTasks(app, tenant.tenantId);
      expect(task).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'mail_send_failed', retryable: false } });
      expect(task!.error!.message).not.toContain(tenant.email);
      expect(await login(app, tenant.email, tenant.password)).toBe(200);
    });

    // Last: it takes the catcher down.
    it('still answers 202 when the SMTP server is down; the mail task waits for a retry', async () => {
      const { app } = ctx;
      const tenant = await createTenant(app);
      await catcher.close();
      expect(await askReset(app, tenant.email)).toMatchObject({ statusCode: 202, body: { accepted: true } });
      await deliver(app);
      const [task] = await mailTasks(app, tenant.tenantId);
      expect(task).toMatchObject({ status: 'queued', attempts: 1, error: { code: 'mail_send_failed', retryable: true } });
      expect(await login(app, tenant.email, tenant.password)).toBe(200);
    });
  },
  {
    overrides: async () => {
      catcher = await SmtpCatcher.start({ auth: { user: SMTP_USER, password: SMTP_PASSWORD } });
      return { publicUrl: PUBLIC_URL, mail: { smtp: catcher.settings({ user: SMTP_USER, password: SMTP_PASSWORD }) } };
    },
  },
);

/** A pino destination keeping every line written to it. */
class CapturedLog extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  }
  get text(): string {
    return this.lines.join('\n');
  }
}

/** A real app on `engine` logging at info, requests in full, into `log` (the production logger). */
async function appWithLog(engine: string, log: CapturedLog, overrides: Partial<HuiliuConfig>) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'huiliu-reset-'));
  const database = engine === 'mariadb' ? await createMysqlDatabase() : undefined;
  const config = loadConfig({
    env: {},
    overrides: {
      dataDir,
      port: 0,
      host: '127.0.0.1',
      logLevel: 'info',
      logRequests: 'full',
      loadPluginPackages: false,
      ...(database ? { oltpUrl: database.url } : {}),
      ...overrides,
    },
  });
  const app = await createApp(config, { logger: createLogger(config, log), strictResponses: true });
  return {
    app,
    async close() {
      await app.stop();
      await database?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

for (const engine of testEngines())
  describe(`password reset: links and logs [${engine}]`, () => {
    const log = new CapturedLog();
    let logCatcher: SmtpCatcher;
    let app: HuiliuApp;
    let close: () => Promise<void>;
    beforeAll(async () => {
      logCatcher = await SmtpCatcher.start({ auth: { user: SMTP_USER, password: SMTP_PASSWORD } });
      // No publicUrl: the link takes the origin the request was sent to.
      ({ app, close } = await appWithLog(engine, log, {
        mail: { smtp: logCatcher.settings({ user: SMTP_USER, password: SMTP_PASSWORD }) },
      }));
    });
    afterAll(async () => {
      await close?.();
      await logCatcher?.close();
    });

    it('links to the requested host without publicUrl only when it is this machine, and logs neither the address, the token, the password nor the SMTP password', async () => {
      const tenant = await createTenant(app);
      // A forged Host header (reset-link poisoning): no mail with a link to someone else's site.
      const forged = await askReset(app, tenant.email, { headers: { host: 'attacker.example:8443' } });
      expect(forged.statusCode).toBe(202);
      await deliver(app);
      const asked = await askReset(app, tenant.email, { headers: { host: 'localhost:8443' } });
      expect(asked.statusCode).toBe(202);
      await deliver(app);
      const mail = await logCatcher.waitForMail(tenant.email);
      expect(JSON.stringify(mail)).not.toContain('attacker.example');
      const link = resetLinkIn(mail);
      expect(link.origin).toBe('http://localhost:8443');
      const token = tokenOf(link);
      // The reset page's requests carry the link as their Referer.
      const done = await confirmReset(app, token, 'Logged-new-pass-5', { headers: { referer: link.href } });
      expect(done.statusCode).toBe(204);

      const text = log.text;
      expect(text).toContain('POST /api/v1/auth/password-reset 202');
      expect(text).toContain('POST /api/v1/auth/password-reset/confirm 204');
      expect(text).toContain('http://localhost:8443/reset-password?[redacted]');
      for (const secret of [token, tenant.email, 'Logged-new-pass-5', SMTP_PASSWORD]) {
        expect(text.includes(secret), `the log holds ${secret.slice(0, 6)}…`).toBe(false);
      }
    });
  });

for (const engine of testEngines())
  describe(`password reset without an SMTP server [${engine}]`, () => {
    const log = new CapturedLog();
    let app: HuiliuApp;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ app, close } = await appWithLog(engine, log, {}));
    });
    afterAll(async () => close?.());

    it('answers the same 202, warns without the address, and stores nothing', async () => {
      const tenant = await createTenant(app);
      const answer = await askReset(app, tenant.email);
      expect(answer).toMatchObject({ statusCode: 202, body: { accepted: true } });
      await deliver(app);
      const warnings = log.lines.map((line) => JSON.parse(line) as { level: number; msg: string }).filter((e) => e.level === 40);
      expect(warnings.map((w) => w.msg)).toContain(
        'a password reset was asked for, but no SMTP server is configured (mail.smtp): no mail is sent',
      );
      expect(log.text).not.toContain(tenant.email);
      expect(await app.oltp.knex('password_reset')).toHaveLength(0);
      expect(await mailTasks(app, tenant.tenantId)).toHaveLength(0);
      expect(await login(app, tenant.email, tenant.password)).toBe(200);
    });
  });
