import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { createKnex } from '../../src/store/oltp/knex.js';
import { coreMigrations } from '../../src/store/oltp/migrations/index.js';
import { OltpStore } from '../../src/store/oltp/oltp-store.js';
import { createMysqlDatabase, testEngines } from '../support/engines.js';
import { describe } from 'vitest';

/**
 * Review of issue 17: two `huiliu demo` (or `huiliu start`) processes started at once on a fresh
 * MariaDB database. The second dies with knex's "Migration table is already locked" and the advice
 * "release the lock manually by running 'knex migrate:unlock'" — a command Huiliu does not have,
 * and dangerous advice while the first process is still migrating. It should wait for the first
 * process's migrations (or say plainly that another process is migrating).
 */
for (const engine of testEngines()) {
  describe(`review17: concurrent first start [${engine}]`, () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'huiliu-r17-'));
    let drop: (() => Promise<void>) | undefined;
    afterAll(async () => {
      await drop?.();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('two processes migrating a fresh database at once both come up', async () => {
      const database = engine === 'mariadb' ? await createMysqlDatabase() : undefined;
      drop = database?.drop;
      const open = async () => {
        const { knex, info } = await createKnex({ dataDir, ...(database ? { oltpUrl: database.url } : {}) });
        return new OltpStore(knex, info);
      };
      const [a, b] = [await open(), await open()];
      try {
        const results = await Promise.allSettled([a.migrate(coreMigrations), b.migrate(coreMigrations)]);
        const reasons = results.map((r) => (r.status === 'rejected' ? String((r.reason as Error).message) : 'ok'));
        // Today (MariaDB): one of them is "Migration table is already locked".
        expect(reasons).toEqual(['ok', 'ok']);
      } finally {
        await a.close();
        await b.close();
      }
      // Two migrators of 24 migrations on a loaded MariaDB CI took over 90 s once (1.7 s on a quiet machine).
    }, 240_000);

    it('a lock a dead process left is reported with the way out, and `migrate --unlock` frees it', async () => {
      const database = engine === 'mariadb' ? await createMysqlDatabase() : undefined;
      const { knex, info } = await createKnex({
        dataDir: mkdtempSync(path.join(os.tmpdir(), 'huiliu-r17-')),
        ...(database ? { oltpUrl: database.url } : {}),
      });
      const store = new OltpStore(knex, info);
      try {
        await store.migrate(coreMigrations);
        // A process died while migrating: its lock stays taken.
        await knex('knex_migrations_lock').update({ is_locked: 1 });
        await expect(store.migrate(coreMigrations, 'knex_migrations', { waitMs: 300 })).rejects.toThrow(
          /locked by another process.*huiliu migrate --unlock/,
        );
        await store.unlockMigrations();
        expect(await store.migrate(coreMigrations)).toEqual([]);
      } finally {
        await store.close();
        await database?.drop();
      }
    });
  });
}
