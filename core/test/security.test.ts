import { createHash } from 'node:crypto';
import { expect, it } from 'vitest';
import { SCHEDULE_TASK_KIND } from '../src/jobs/scheduler.js';
import { API_CSP, CONSOLE_CSP } from '../src/server/security-headers.js';
import { normalStaff } from './support/staff.js';
import { Client, createTenant, createTestApp, describeEngines, type TestApp } from './support/test-app.js';

let kindSeq = 0;

async function admin(app: TestApp) {
  const tenant = await createTenant(app);
  return { tenant, client: await Client.staff(app.server, tenant.email, tenant.password) };
}

async function bearerOf(app: TestApp, client: Client): Promise<Client> {
  const { app: apiApp, appSecret } = (await client.request('POST', '/api/v1/apps', { name: 'integration' })).body;
  const issued = await new Client(app.server).request('POST', '/api/v1/auth/token', { appKey: apiApp.appKey, appSecret });
  return Client.app(app.server, issued.body.accessToken);
}

describeEngines('permission slips', (ctx) => {
  it('needs tasks.cancel to cancel a task: tasks.view (normal staff, Open API apps) is not enough', async () => {
    const { tenant, client } = await admin(ctx.app);
    kindSeq += 1;
    const kind = `test.export${kindSeq}`;
    ctx.app.jobs.kinds.add({ kind, notifies: true, run: async () => undefined });
    const task = (await ctx.app.jobs.queue.enqueue(tenant.tenantId, kind, { what: 'contacts' }, { runAt: Date.now() + 60_000 }))!;

    const normal = await normalStaff(ctx.app, tenant.tenantId);
    expect((await normal.request('GET', `/api/v1/tasks/${task.id}`)).statusCode).toBe(200);
    const refused = await normal.request('POST', `/api/v1/tasks/${task.id}/cancel`);
    expect(refused.statusCode).toBe(403);
    expect(refused.body.code).toBe('forbidden');

    const bearer = await bearerOf(ctx.app, client);
    expect((await bearer.request('GET', `/api/v1/tasks/${task.id}`)).statusCode).toBe(200);
    expect((await bearer.request('POST', `/api/v1/tasks/${task.id}/cancel`)).statusCode).toBe(403);
    expect((await ctx.app.jobs.queue.get(tenant.tenantId, task.id)).status).toBe('queued');

    const cancelled = await client.request('POST', `/api/v1/tasks/${task.id}/cancel`);
    expect(cancelled.statusCode).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
  });

  it("shows a task's payload to its creator and super staff only (another staff member's export filter stays theirs)", async () => {
    const { tenant, client } = await admin(ctx.app);
    kindSeq += 1;
    const kind = `test.export${kindSeq}`;
    ctx.app.jobs.kinds.add({ kind, notifies: true, run: async () => undefined });
    const creator = await normalStaff(ctx.app, tenant.tenantId);
    const colleague = await normalStaff(ctx.app, tenant.tenantId);
    const creatorId = (await creator.request('GET', '/api/v1/auth/session')).body.staff.id as string;
    const payload = { filter: { mobile: '13800138000' } };
    const task = (await ctx.app.jobs.queue.enqueue(tenant.tenantId, kind, payload, {
      runAt: Date.now() + 60_000,
      createdBy: creatorId,
    }))!;

    expect((await creator.request('GET', `/api/v1/tasks/${task.id}`)).body.payload).toEqual(payload);
    expect((await client.request('GET', `/api/v1/tasks/${task.id}`)).body.payload).toEqual(payload);
    const seen = await colleague.request('GET', `/api/v1/tasks/${task.id}`);
    expect(seen.statusCode).toBe(200);
    expect(seen.body).toMatchObject({ id: task.id, status: 'queued', payload: {} });
    const listed = (await colleague.request('GET', `/api/v1/tasks?kind=${kind}`)).body.items;
    expect(listed).toHaveLength(1);
    expect(listed[0].payload).toEqual({});
    expect(JSON.stringify(listed)).not.toContain('13800138000');
    expect((await creator.request('GET', `/api/v1/tasks?kind=${kind}`)).body.items[0].payload).toEqual(payload);
  });

  it('does not show internal tasks or their payloads to Open API apps', async () => {
    const { tenant, client } = await admin(ctx.app);
    kindSeq += 1;
    const visibleKind = `test.import${kindSeq}`;
    ctx.app.jobs.kinds.add({ kind: visibleKind, notifies: true, run: async () => undefined });
    const later = { runAt: Date.now() + 60_000 };
    const visible = (await ctx.app.jobs.queue.enqueue(tenant.tenantId, visibleKind, { file: 'contacts.csv' }, later))!;
    const internal = (await ctx.app.jobs.queue.enqueue(tenant.tenantId, SCHEDULE_TASK_KIND, { key: 'internal-marker' }, later))!;

    // Staff may ask for internal work.
    const staffAll = await client.request('GET', '/api/v1/tasks?all=true');
    expect(staffAll.body.items.map((t: { id: string }) => t.id)).toEqual(expect.arrayContaining([visible.id, internal.id]));

    const bearer = await bearerOf(ctx.app, client);
    for (const url of ['/api/v1/tasks', '/api/v1/tasks?all=true', `/api/v1/tasks?kind=${SCHEDULE_TASK_KIND}`]) {
      const res = await bearer.request('GET', url);
      expect(res.statusCode, url).toBe(200);
      expect(JSON.stringify(res.body), url).not.toContain('internal-marker');
      expect(
        res.body.items.map((t: { id: string }) => t.id),
        url,
      ).not.toContain(internal.id);
    }
    expect((await bearer.request('GET', '/api/v1/tasks?all=true')).body.items.map((t: { id: string }) => t.id)).toContain(
      visible.id,
    );
    const one = await bearer.request('GET', `/api/v1/tasks/${internal.id}`);
    expect(one.statusCode).toBe(404);
    expect(one.body.code).toBe('task_not_found');
  });

  it('answers a valid bearer token on a console-only route 403 console_only_route, a bad one 401', async () => {
    const { client } = await admin(ctx.app);
    const bearer = await bearerOf(ctx.app, client);
    for (const [method, url] of [
      ['GET', '/api/v1/staff'],
      ['GET', '/api/v1/auth/session'],
      ['POST', '/api/v1/apps'],
    ] as const) {
      const res = await bearer.request(method, url, method === 'POST' ? { name: 'x' } : undefined);
      expect(res.statusCode, url).toBe(403);
      expect(res.body.code, url).toBe('console_only_route');
      expect(res.body.message).toContain('仅供控制台');
    }
    const bad = await Client.app(ctx.app.server, 'not-a-token').request('GET', '/api/v1/staff');
    expect(bad.statusCode).toBe(401);
  });
});

describeEngines('headers and input', (ctx) => {
  it('sends a Content-Security-Policy for the console, the API and /documentation (inline script by hash)', async () => {
    const consolePage = await ctx.app.server.inject({ method: 'GET', url: '/settings/apps' });
    expect(consolePage.headers['content-security-policy']).toBe(CONSOLE_CSP);
    expect(CONSOLE_CSP).toMatch(/script-src 'self'(;|$)/);

    const api = await ctx.app.server.inject({ method: 'GET', url: '/api/v1/nothing' });
    expect(api.headers['content-security-policy']).toBe(API_CSP);

    const docs = await ctx.app.server.inject({ method: 'GET', url: '/documentation' });
    expect(docs.statusCode).toBe(200);
    const policy = String(docs.headers['content-security-policy']);
    const scriptSrc = policy.split('; ').find((part) => part.startsWith('script-src '))!;
    expect(scriptSrc).not.toContain('unsafe-inline');
    expect(scriptSrc).not.toContain('unsafe-eval');
    const inline = [...docs.payload.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
    expect(inline.length).toBeGreaterThan(0);
    for (const script of inline) {
      expect(scriptSrc).toContain(`'sha256-${createHash('sha256').update(script).digest('base64')}'`);
    }
    expect(policy).toContain("connect-src 'self'");
    expect(docs.payload).not.toContain('validator.swagger.io');
  });

  it('sends HSTS only when the public URL is https', async () => {
    const plain = await ctx.app.server.inject({ method: 'GET', url: '/health' });
    expect(plain.headers['strict-transport-security']).toBeUndefined();
    expect(plain.headers['x-content-type-options']).toBe('nosniff');
    const secure = await createTestApp(ctx.engine, { publicUrl: 'https://cdp.example.com' });
    try {
      const res = await secure.server.inject({ method: 'GET', url: '/health' });
      expect(res.headers['strict-transport-security']).toMatch(/^max-age=15552000/);
      const login = await secure.server.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: 'a@b.cn', password: 'x' },
        headers: { origin: 'https://cdp.example.com', host: '10.0.0.5:3000' },
      });
      // The public URL's origin passes the login's origin check even when the Host differs (a proxy).
      expect(login.statusCode).toBe(401);
    } finally {
      await secure.close();
    }
  });

  it('refuses names with control characters, bidi overrides or nothing visible', async () => {
    const { client } = await admin(ctx.app);
    const cases: [string, string][] = [
      ['invoice\u202Efdp.exe', 'string.unsafeCharacters'],
      ['a\u2066b', 'string.unsafeCharacters'],
      ['line\nbreak', 'string.unsafeCharacters'],
      ['bell\u0007', 'string.unsafeCharacters'],
      ['\u200B\u200D\uFEFF', 'string.invisible'],
      ['\u3164\u2800', 'string.invisible'],
      ['\u3000 \u00A0', 'string.empty'],
    ];
    for (const [name, code] of cases) {
      for (const [method, url] of [
        ['POST', '/api/v1/apps'],
        ['POST', '/api/v1/channels'],
        ['PATCH', '/api/v1/tenant'],
      ] as const) {
        const payload = url === '/api/v1/channels' ? { type: 'custom', name } : { name };
        const res = await client.request(method, url, payload);
        expect(res.statusCode, `${url} ${JSON.stringify(name)}`).toBe(400);
        expect(res.body.details, `${url} ${JSON.stringify(name)}`).toEqual([{ path: 'name', code }]);
      }
    }
    const fine = await client.request('POST', '/api/v1/apps', { name: ' 家庭 👨‍👩‍👧 ERP ' });
    expect(fine.statusCode).toBe(201);
    expect(fine.body.app.name).toBe('家庭 👨‍👩‍👧 ERP');
    const composed = await client.request('POST', '/api/v1/apps', { name: 'Cafe\u0301' });
    expect(composed.body.app.name).toBe('Café');
  });

  it('does not parse a body without Content-Type as JSON', async () => {
    const { client } = await admin(ctx.app);
    const res = await ctx.app.server.inject({
      method: 'POST',
      url: '/api/v1/apps',
      payload: JSON.stringify({ name: 'untyped' }),
      headers: { ...client.authHeaders(), 'x-csrf-token': client.csrf! },
    });
    expect(res.headers['content-type'] ?? '').toContain('application/json');
    expect(res.statusCode).toBe(415);
    expect(JSON.parse(res.payload).code).toBe('content_type_required');
    expect((await client.request('GET', '/api/v1/apps')).body.total).toBe(0);
    // A call without a body needs no Content-Type.
    const logout = await ctx.app.server.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: { ...client.authHeaders(), 'x-csrf-token': client.csrf! },
    });
    expect(logout.statusCode).toBe(204);
  });

  it('answers any en-* Accept-Language in en-US and other languages in zh-CN', async () => {
    const cases: [string, string][] = [
      ['en-GB', 'No such API route'],
      ['en', 'No such API route'],
      ['en-AU,en;q=0.9', 'No such API route'],
      ['fr-FR, en-IN;q=0.5', 'No such API route'],
      ['zh-TW', '接口不存在'],
      ['de', '接口不存在'],
      ['zh-CN;q=0.8, en-GB;q=0.9', 'No such API route'],
      ['*', '接口不存在'],
    ];
    for (const [header, message] of cases) {
      const res = await ctx.app.server.inject({ method: 'GET', url: '/api/v1/nothing', headers: { 'accept-language': header } });
      expect(JSON.parse(res.payload).message, header).toBe(message);
    }
  });

  it('says "wrong current password" in both languages when changing the password', async () => {
    const { client } = await admin(ctx.app);
    client.language = 'en-GB';
    const res = await client.request('POST', '/api/v1/auth/password', {
      currentPassword: 'Nope-1234',
      newPassword: 'Next-pass-456',
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toMatchObject({ code: 'current_password_wrong', message: 'The current password is wrong' });
  });
});
