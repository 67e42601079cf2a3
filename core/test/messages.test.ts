import Hapi from '@hapi/hapi';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { errorResponsesPlugin } from '../src/server/error-responses.js';
import { ConflictError, InputError } from '../src/server/errors.js';
import { OlapSqlRefusedError } from '../src/store/olap/errors.js';
import { errorMessages } from '../src/server/messages.js';
import { Client, createTenant, describeEngines } from './support/test-app.js';

const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [full] : [];
  });
}

describe('the error-message catalogue', () => {
  it('has a text in both languages for every code core raises (thrown errors and task failures)', () => {
    const raised = new Map<string, string>();
    for (const file of sourceFiles(src)) {
      const text = readFileSync(file, 'utf8');
      // `new NotFoundError('task_not_found'…`, `super('olap_closed'…`, a task's `code: 'task_lease_expired'`.
      const patterns = [
        // (An OLAP SQL refusal's first argument is its reason, a details code; it answers olap_sql_refused/invalid.)
        /(?<!OlapSqlRefused)(?:Error|super)\(\s*'([a-z][a-z0-9_]*)'/g,
        ...(file.includes(`${path.sep}jobs${path.sep}`) ? [/\bcode: '([a-z][a-z0-9_]*)'/g] : []),
      ];
      for (const pattern of patterns) for (const match of text.matchAll(pattern)) raised.set(match[1]!, path.relative(src, file));
    }
    raised.delete('cancelled'); // an AbortSignal reason, never an answered code
    // A semaphore's reasons; a full password lane answers server_busy.
    raised.delete('queue_full');
    raised.delete('wait_timeout');
    expect(raised.size).toBeGreaterThan(30);
    for (const [code, file] of raised) {
      const texts = (errorMessages as Record<string, { 'zh-CN': string; 'en-US': string }>)[code];
      expect(texts, `${code} (raised in ${file}) is not in core/src/server/messages.ts`).toBeDefined();
      expect(texts!['zh-CN'], code).toBeTruthy();
      expect(texts!['en-US'], code).toBeTruthy();
    }
  });

  it('stays importable by the browser console: the catalogue modules import nothing but each other', () => {
    const entry = readFileSync(path.join(src, 'messages.ts'), 'utf8');
    const catalogue = readFileSync(path.join(src, 'server', 'messages.ts'), 'utf8');
    expect([...entry.matchAll(/from '([^']+)'/g)].map((m) => m[1])).toEqual(['./server/messages.js']);
    expect(catalogue).not.toMatch(/^\s*import\s/m);
    expect(catalogue).not.toMatch(/\brequire\(|\bprocess\.|\bBuffer\b/);
  });
});

describe('error bodies', () => {
  async function inject(error: Error, language = 'zh-CN') {
    const server = Hapi.server();
    await server.register(errorResponsesPlugin);
    server.route({
      method: 'GET',
      path: '/fail',
      handler: () => {
        throw error;
      },
    });
    const res = await server.inject({ url: '/fail', headers: { 'accept-language': language } });
    return { statusCode: res.statusCode, body: JSON.parse(res.payload) as Record<string, unknown> };
  }

  it('carry the parameters their message interpolates, for clients that localize the code themselves', async () => {
    const res = await inject(new InputError('password_too_weak', { min: 8 }), 'en-US');
    expect(res.statusCode).toBe(400);
    expect(res.body).toMatchObject({
      code: 'password_too_weak',
      message: 'The password needs at least 8 characters with letters and digits',
      params: { min: 8 },
    });
  });

  it('answer refused operator SQL with 400, what was refused and why, in the caller’s language (ADR 0046)', async () => {
    const zh = await inject(new OlapSqlRefusedError('olap_sql_function_refused', 'getenv()'));
    expect(zh.statusCode).toBe(400);
    expect(zh.body).toMatchObject({
      code: 'olap_sql_refused',
      message: 'SQL 不能使用 getenv()',
      params: { name: 'getenv()' },
      details: [{ path: 'sql', code: 'olap_sql_function_refused', message: expect.stringContaining('不在允许列表中的函数') }],
    });
    const en = await inject(new OlapSqlRefusedError('olap_sql_star_in_subquery', 'select *'), 'en-US');
    expect(en.body).toMatchObject({
      code: 'olap_sql_refused',
      message: 'The SQL may not use select *',
      details: [
        { code: 'olap_sql_star_in_subquery', message: 'select * is not allowed in a subquery or WITH: list the columns you use' },
      ],
    });
    const failed = await inject(new OlapSqlRefusedError('olap_sql_execution', 'Binder Error: column "x" not found'), 'en-US');
    expect(failed.statusCode).toBe(400);
    expect(failed.body).toMatchObject({ code: 'olap_sql_failed', message: 'The SQL failed: Binder Error: column "x" not found' });
  });

  it('never carry a parameter their message does not show', async () => {
    const res = await inject(new ConflictError('time_zone_locked', { tenantId: '42' }));
    expect(res.body.code).toBe('time_zone_locked');
    expect(res.body).not.toHaveProperty('params');
    // (the random requestId may contain the digits by chance)
    expect(JSON.stringify({ ...res.body, requestId: undefined })).not.toContain('42');
  });
});

describeEngines('error bodies of a running app', (ctx) => {
  it('answer a bad time zone with its code, message and parameter', async () => {
    const tenant = await createTenant(ctx.app);
    const client = await Client.staff(ctx.app.server, tenant.email, tenant.password);
    const res = await client.request('PATCH', '/api/v1/tenant', { timeZone: 'Asia/Nowhere' });
    expect(res.statusCode).toBe(400);
    expect(res.body).toMatchObject({
      code: 'time_zone_invalid',
      message: '时区 Asia/Nowhere 不存在',
      params: { timeZone: 'Asia/Nowhere' },
    });
  });
});
