import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachmentDisposition } from '../src/lib/content-disposition.js';
import { filesServiceRef } from '../src/modules/files/files.service.js';
import { testEngines } from './support/engines.js';
import { Client, createTenant, createTestApp, describeEngines } from './support/test-app.js';

const mode = (file: string) => (statSync(file).mode & 0o777).toString(8);

for (const engine of testEngines()) {
  describe(`the data directory [${engine}]`, () => {
    let umask: number;
    beforeAll(() => {
      // A usual umask (files 0644, directories 0755): only explicit modes make them private.
      umask = process.umask(0o022);
    });
    afterAll(() => {
      process.umask(umask);
    });

    it('is created 0700 with its files 0600 (key, SQLite, DuckDB, result files)', async () => {
      const parent = mkdtempSync(path.join(os.tmpdir(), 'huiliu-modes-'));
      const dataDir = path.join(parent, 'data');
      const app = await createTestApp(engine, { dataDir });
      try {
        const tenant = await createTenant(app);
        const saved = await app
          .service(filesServiceRef)
          .save(tenant.tenantId, { name: '导出.csv', contentType: 'text/csv', content: 'a\n' });
        expect(saved.size).toBe(2);
        expect(mode(dataDir)).toBe('700');
        expect(mode(path.join(dataDir, 'secret.key'))).toBe('600');
        expect(mode(path.join(dataDir, 'analytics.duckdb'))).toBe('600');
        if (engine === 'sqlite') {
          expect(mode(path.join(dataDir, 'huiliu.sqlite'))).toBe('600');
          for (const extra of ['huiliu.sqlite-wal', 'huiliu.sqlite-shm']) {
            const file = path.join(dataDir, extra);
            if (existsSync(file)) expect(mode(file), extra).toBe('600');
          }
        }
        const filesDir = path.join(dataDir, 'files');
        expect(mode(filesDir)).toBe('700');
        expect(mode(path.join(filesDir, tenant.tenantId))).toBe('700');
        const { path: stored } = await app.service(filesServiceRef).open(tenant.tenantId, saved.id);
        expect(mode(stored)).toBe('600');
      } finally {
        await app.close();
        rmSync(parent, { recursive: true, force: true });
      }
    });
  });
}

describeEngines('file downloads', (ctx) => {
  async function storedRow(tenantId: string, storagePath: string): Promise<string> {
    return ctx.app.oltp.forTenant(tenantId).insert('stored_file', {
      name: 'x.csv',
      content_type: 'text/csv',
      size: 1,
      storage_path: storagePath,
      task_id: null,
      created_by: null,
      expires_at: null,
      created_at: Date.now(),
    });
  }

  it('refuses a stored path that leads outside the files directory', async () => {
    const tenant = await createTenant(ctx.app);
    const client = await Client.staff(ctx.app.server, tenant.email, tenant.password);
    const secret = path.join(ctx.app.config.dataDir, 'secret.key');
    const key = readFileSync(secret, 'utf8').trim();
    const tenantDir = path.join(ctx.app.config.dataDir, 'files', tenant.tenantId);
    // A symlink planted inside the files directory that points out of it.
    const files = ctx.app.service(filesServiceRef);
    await files.save(tenant.tenantId, { name: 'ok.csv', contentType: 'text/csv', content: 'ok\n' });
    symlinkSync(secret, path.join(tenantDir, 'link'));
    const outside = path.join(os.tmpdir(), `huiliu-outside-${process.pid}-${Date.now()}`);
    writeFileSync(outside, 'outside\n');
    try {
      for (const storagePath of [
        '../secret.key',
        `${tenant.tenantId}/../../secret.key`,
        secret,
        outside,
        `${tenant.tenantId}/link`,
      ]) {
        const id = await storedRow(tenant.tenantId, storagePath);
        const res = await client.request('GET', `/api/v1/files/${id}`);
        expect(res.statusCode, storagePath).toBe(404);
        expect(res.body.code, storagePath).toBe('file_not_found');
        expect(JSON.stringify(res.body)).not.toContain(key);
      }
    } finally {
      rmSync(outside, { force: true });
    }
  });

  it('names a download in any script (RFC 6266 filename*)', async () => {
    const tenant = await createTenant(ctx.app);
    const client = await Client.staff(ctx.app.server, tenant.email, tenant.password);
    const name = '导出联系人 2024 "全部" (1).csv';
    const file = await ctx.app
      .service(filesServiceRef)
      .save(tenant.tenantId, { name, contentType: 'text/csv', content: '姓名\n张三\n' });
    const res = await client.request('GET', `/api/v1/files/${file.id}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('姓名\n张三\n');
    const header = String(res.headers['content-disposition']);
    expect(header.startsWith('attachment; ')).toBe(true);
    const extended = /filename\*=UTF-8''([^;\s]+)/.exec(header);
    expect(extended, header).not.toBeNull();
    expect(decodeURIComponent(extended![1]!)).toBe(name);
    expect(extended![1]).toMatch(/^[A-Za-z0-9!#$&+.^_`|~%-]+$/); // RFC 5987 attr-chars only
    // Old clients get an ASCII stand-in without breaking the quoting.
    expect(header).toMatch(/filename="[\x20-\x7e]*\.csv";/);
    expect(/filename="([^"]*)"/.exec(header)![1]).not.toMatch(/[^\x20-\x7e]/);
  });
});

describe('Content-Disposition', () => {
  it('keeps quotes, control characters and path separators out of the header', () => {
    expect(attachmentDisposition('a"b\\c/d\r\ne.csv')).toBe(
      `attachment; filename="a'b_c_d__e.csv"; filename*=UTF-8''a%22b_c_d__e.csv`,
    );
    expect(attachmentDisposition('报表.xlsx')).toBe(`attachment; filename="_.xlsx"; filename*=UTF-8''%E6%8A%A5%E8%A1%A8.xlsx`);
    expect(attachmentDisposition('')).toBe(`attachment; filename="download"; filename*=UTF-8''download`);
  });
});

describe('what anonymous callers learn', () => {
  for (const engine of testEngines()) {
    it(`/ready names a store that is down but not why; GET /api/v1/setup answers only whether setup is needed [${engine}]`, async () => {
      const app = await createTestApp(engine);
      try {
        const setup = await app.server.inject('/api/v1/setup');
        expect(JSON.parse(setup.payload)).toEqual({ needed: true });
        await createTenant(app);
        expect(JSON.parse((await app.server.inject('/api/v1/setup')).payload)).toEqual({ needed: false });

        // The OLTP store goes away under the running server.
        await app.oltp.knex.destroy();
        const ready = await app.server.inject('/ready');
        expect(ready.statusCode).toBe(503);
        expect(JSON.parse(ready.payload)).toEqual({
          status: 'not_ready',
          checks: { oltp: 'unreachable', olap: 'ok' },
          plugins: {},
        });
        const broken = await app.server.inject('/api/v1/setup');
        expect(broken.statusCode).toBe(500);
        expect(Object.keys(JSON.parse(broken.payload)).sort()).toEqual(['code', 'message', 'requestId', 'statusCode']);
        expect(JSON.parse(broken.payload).code).toBe('internal_error');
        // (The request id's format belongs to the request logging.)
        for (const res of [ready, broken]) {
          const shown = JSON.parse(res.payload) as Record<string, unknown>;
          delete shown.requestId;
          const text = JSON.stringify(shown);
          expect(text).not.toMatch(/acquire|destroy|knex|sqlite|mysql|127\.0\.0\.1|huiliu_t_|ECONN|\bat /i);
          expect(text).not.toContain(os.hostname());
          expect(text).not.toContain(app.config.dataDir);
          expect(text).not.toMatch(/\d+\.\d+\.\d+/); // no versions
        }
      } finally {
        await app.close().catch(() => undefined);
      }
    });
  }
});
