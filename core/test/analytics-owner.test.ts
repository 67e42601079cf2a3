import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createApp } from '../src/app.js';
import { adminCreate } from '../src/cli/commands.js';
import type { HuiliuConfig } from '../src/config/config.js';
import { AnalyticsOwnerBusyError, ANALYTICS_OWNER_LEASE } from '../src/store/analytics-owner.js';
import { LeaseHeldError, ProcessLease } from '../src/store/oltp/process-lease.js';
import { testEngines } from './support/engines.js';
import { Client, createTestApp, type TestApp } from './support/test-app.js';

const silent = pino({ level: 'silent' });

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

for (const engine of testEngines()) {
  describe(`one analytics owner per OLTP database [${engine}]`, () => {
    const cleanups: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    /** The first process, and the config a second process on the same OLTP database would use. */
    async function firstProcess(): Promise<{ first: TestApp; second: HuiliuConfig }> {
      const first = await createTestApp(engine);
      cleanups.push(() => first.close());
      // MariaDB: another data directory (its own DuckDB file), same database. SQLite: the data
      // directory is the database, so the same one.
      let dataDir = first.config.dataDir;
      if (engine === 'mariadb') {
        dataDir = mkdtempSync(path.join(os.tmpdir(), 'huiliu-second-'));
        cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
      }
      return { first, second: { ...first.config, dataDir } };
    }

    it('refuses a second process with a message naming the holder, before it opens DuckDB', async () => {
      const { first, second } = await firstProcess();
      const refused = await createApp(second, { logger: silent }).then(
        (app) => {
          cleanups.push(() => app.stop());
          return undefined;
        },
        (error: unknown) => error,
      );
      expect(refused).toBeInstanceOf(AnalyticsOwnerBusyError);
      const message = (refused as Error).message;
      expect(message).toContain('Another Huiliu process already runs with the embedded analytics store (DuckDB)');
      expect(message).toContain(`pid ${process.pid}, data directory ${first.config.dataDir}`);
      expect(message).toContain('`huiliu admin create`');
      expect(message).not.toMatch(/lock/i);
      if (engine === 'mariadb') expect(existsSync(path.join(second.dataDir, 'analytics.duckdb'))).toBe(false);
      // The first process is unharmed and still the owner.
      expect((await first.server.inject('/ready')).statusCode).toBe(200);
      expect((await ProcessLease.current(first.oltp, ANALYTICS_OWNER_LEASE))?.pid).toBe(process.pid);
    });

    it('lets the next process start once the first stopped (the lease is released at stop)', async () => {
      const { first, second } = await firstProcess();
      await first.stop();
      // Without a release the next start would be refused for a whole TTL (this process still runs).
      const next = await createApp(second, { logger: silent });
      cleanups.push(() => next.stop());
      expect((await next.server.inject('/ready')).statusCode).toBe(200);
      expect((await ProcessLease.current(next.oltp, ANALYTICS_OWNER_LEASE))?.detail).toBe(second.dataDir);
    });

    it('runs `huiliu admin create` while the first process runs (OLTP only)', async () => {
      const { first } = await firstProcess();
      const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
      try {
        await adminCreate(first.config, {
          tenant: '运行中创建',
          email: 'running@example.com',
          name: 'Ops',
          password: 'Running-123',
          timeZone: 'Asia/Shanghai',
        });
        expect(write.mock.calls.map((call) => String(call[0])).join('')).toMatch(/Created tenant \d+ "运行中创建"/);
      } finally {
        write.mockRestore();
      }
      const client = await Client.staff(first.server, 'running@example.com', 'Running-123');
      expect((await client.request('GET', '/api/v1/home')).body.tenant.name).toBe('运行中创建');
    });

    it('tells its holder when another process took the lease, once', async () => {
      const { first } = await firstProcess();
      let lost = 0;
      const holder = await ProcessLease.acquire(first.oltp, 'test-lost', {
        ttlMs: 1500,
        renewEveryMs: 100,
        onLost: () => void (lost += 1),
      });
      cleanups.push(() => holder.release());
      const now = await first.oltp.now();
      await first.oltp
        .knex('process_lease')
        .where({ name: 'test-lost' })
        .update({ holder: 'another-host:1:x', expires_at: now + 60_000 });
      await waitFor(async () => lost > 0, 5000);
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(lost).toBe(1);
      expect((await ProcessLease.current(first.oltp, 'test-lost'))?.holder).toBe('another-host:1:x');
    });

    it('frees a lease whose holder stopped renewing once it expires (database clock), not before', async () => {
      const { first } = await firstProcess();
      const holder = await ProcessLease.acquire(first.oltp, 'test-expiry', { ttlMs: 1500, renewEveryMs: 200 });
      // Renewed: still held well past one TTL.
      await new Promise((resolve) => setTimeout(resolve, 2000));
      await expect(ProcessLease.acquire(first.oltp, 'test-expiry', { ttlMs: 1500 })).rejects.toBeInstanceOf(LeaseHeldError);
      holder.abandon(); // as if the process died
      await waitFor(async () => (await ProcessLease.current(first.oltp, 'test-expiry')) === undefined, 5000);
      const next = await ProcessLease.acquire(first.oltp, 'test-expiry', { ttlMs: 1500 });
      cleanups.push(() => next.release());
      expect((await ProcessLease.current(first.oltp, 'test-expiry'))?.holder).toBe(next.holder);
      // The old holder cannot renew it back.
      await holder.renew();
      expect((await ProcessLease.current(first.oltp, 'test-expiry'))?.holder).toBe(next.holder);
    });

    it('takes over at once from a process of this host that is gone, never from a live or remote one', async () => {
      const { first } = await firstProcess();
      const gone = spawnSync(process.execPath, ['-e', '']).pid!;
      const farFuture = (await first.oltp.now()) + 3_600_000;
      const row = (name: string, host: string, pid: number) => ({
        name,
        holder: `${host}:${pid}:x`,
        host,
        pid,
        detail: null,
        acquired_at: 0,
        renewed_at: 0,
        expires_at: farFuture,
      });
      await first.oltp
        .knex('process_lease')
        .insert([
          row('test-gone', os.hostname(), gone),
          row('test-remote', 'another-host', gone),
          row('test-live', os.hostname(), process.ppid),
        ]);
      const taken = await ProcessLease.acquire(first.oltp, 'test-gone');
      cleanups.push(() => taken.release());
      expect(taken.isHeld).toBe(true);
      await expect(ProcessLease.acquire(first.oltp, 'test-remote')).rejects.toBeInstanceOf(LeaseHeldError);
      await expect(ProcessLease.acquire(first.oltp, 'test-live')).rejects.toBeInstanceOf(LeaseHeldError);
    });
  });
}
