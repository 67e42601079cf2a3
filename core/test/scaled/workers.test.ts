import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { metadataServiceRef } from '../../src/modules/metadata/metadata.service.js';
import { PASSWORD_RESET_MAIL_TASK } from '../../src/modules/staff/password-reset.service.js';
import { INBOX_PARTITIONS } from '../../src/store/oltp/migrations/0009_ingestion.js';
import { ingestTenant, uuidv7 } from '../ingestion/support.js';
import { testEngines } from '../support/engines.js';
import { firstPartyPlugins } from '../support/plugins.js';
import { startStarRocksDouble } from '../support/starrocks-double/index.js';
import { createTestApp } from '../support/test-app.js';

/**
 * Scaled mode (ADR 0067): three real `huiliu worker` processes on one MariaDB database, loading into
 * the StarRocks doubles of this process. MariaDB only: the processes share the OLTP database, and a
 * SQLite file cannot be shared between processes (scaled mode refuses it).
 */
const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'cli', 'main.js');

interface LogLine {
  pid: number;
  time: number;
  msg: string;
  partition?: number;
  partitions?: number[];
  holder?: string;
  taskId?: string;
  batchId?: string;
  level: number;
}

interface Worker {
  process: ChildProcess;
  lines: LogLine[];
  output: string[];
  killedAt?: number;
  exited: Promise<number | null>;
}

function startWorker(env: Record<string, string>, cwd: string): Worker {
  const child = spawn(process.execPath, [cli, 'worker'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const worker: Worker = {
    process: child,
    lines: [],
    output: [],
    exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
  };
  let pending = '';
  const read = (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    const parts = pending.split('\n');
    pending = parts.pop() ?? '';
    for (const part of parts) {
      worker.output.push(part);
      if (part.startsWith('{')) {
        try {
          worker.lines.push(JSON.parse(part) as LogLine);
        } catch {
          // A line that is not pino's JSON (the start banner): kept in `output` only.
        }
      }
    }
  };
  child.stdout!.on('data', read);
  child.stderr!.on('data', read);
  return worker;
}

async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(100);
  }
}

describe.runIf(testEngines().includes('mariadb'))('scaled mode: three huiliu worker processes [mariadb]', () => {
  it('is built (the test runs the built CLI)', () => {
    expect(existsSync(cli)).toBe(true);
  });

  it('share the inbox partitions fairly, survive a kill -9, load every message exactly once and claim each task once', async () => {
    const double = await startStarRocksDouble({ unanswered: 'empty' });
    const olapUrl = double.url({ replicationNum: 1 });
    // The API side lives in this process (not started: no ingest worker, task worker or scheduler here).
    const app = await createTestApp(
      'mariadb',
      {
        olapUrl,
        ingest: { worker: false, batchSize: 1000, backlogLimit: 5_000_000, loadIntervalMs: 1000, loadBatchSize: 500 },
      },
      { plugins: firstPartyPlugins },
    );
    const workers: Worker[] = [];
    const samples: { at: number; holders: Map<string, number[]> }[] = [];
    let sampling = true;
    try {
      const tenants = [await ingestTenant(app), await ingestTenant(app), await ingestTenant(app)];
      for (const t of tenants) await app.service(metadataServiceRef).sync(t.tenantId);

      const cwd = mkdtempSync(path.join(os.tmpdir(), 'huiliu-scaled-'));
      const env = {
        PATH: process.env.PATH ?? '',
        HUILIU_OLTP_URL: app.config.oltpUrl!,
        HUILIU_OLAP_URL: olapUrl,
        // The same data dir: the same secret key (each tenant's operator-SQL password is sealed with it).
        HUILIU_DATA_DIR: app.dataDir,
        HUILIU_LOG_LEVEL: 'debug',
        HUILIU_INGEST__LOAD_INTERVAL_MS: '1000',
        HUILIU_INGEST__LOAD_BATCH_SIZE: '500',
      };
      for (let i = 0; i < 3; i += 1) workers.push(startWorker(env, cwd));
      await until(
        'the three workers run',
        () => workers.every((w) => w.output.some((line) => line.includes('is running'))),
        // Three node processes booting at once: on a loaded 2-core machine one took over a minute.
        150_000,
      ).catch((error: unknown) => {
        throw new Error(`${(error as Error).message}\n${workers.map((w) => w.output.slice(-20).join('\n')).join('\n---\n')}`);
      });

      // The lease table, sampled while the workers run.
      const sampler = (async () => {
        while (sampling) {
          const rows = (await app.oltp.knex('ingest_partition').select('partition', 'holder')) as {
            partition: number;
            holder: string | null;
          }[];
          const holders = new Map<string, number[]>();
          for (const row of rows)
            if (row.holder) holders.set(row.holder, [...(holders.get(row.holder) ?? []), Number(row.partition)]);
          samples.push({ at: Date.now(), holders });
          await sleep(100);
        }
      })();

      // Tasks that need no OLAP (a password-reset mail with nowhere to go ends at once), claimed across processes.
      const taskIds: string[] = [];
      for (let i = 0; i < 30; i += 1) {
        const task = await app.jobs.queue.enqueue(String(tenants[i % 3]!.tenantId), PASSWORD_RESET_MAIL_TASK, {
          resetId: String(i + 1),
          origin: null,
        });
        taskIds.push(String(task!.id));
      }

      // 3,000 messages: 1,000 per tenant, 100 people each, sent in batches of 50 while the workers run.
      const accepted = new Map<string, Set<string>>(tenants.map((t) => [String(t.tenantId), new Set<string>()]));
      const send = async (round: number) => {
        for (const t of tenants) {
          const batch = Array.from({ length: 50 }, (_, i) => ({
            type: 'track',
            event: 'purchase',
            anonymousId: `anon-${t.tenantId}-${(round * 50 + i) % 100}`,
            messageId: uuidv7(),
            properties: { amount: i, sku: `sku-${round}` },
          }));
          const res = await t.collect('batch', { batch });
          expect(res.statusCode).toBe(200);
          for (const message of batch) accepted.get(String(t.tenantId))!.add(message.messageId);
        }
        await sleep(50);
      };
      for (let round = 0; round < 10; round += 1) await send(round);

      const finished = (w: Worker) => w.lines.filter((line) => line.msg === 'load batch finished');
      await until('each of the three workers loaded batches', () => workers.every((w) => finished(w).length > 0), 60_000);
      // The fair share is reached while all three run: each holds at most ceil(16 / 3) = 6.
      await until(
        'the three workers share the partitions',
        () => {
          const last = samples.at(-1);
          return (
            last !== undefined &&
            last.holders.size === 3 &&
            [...last.holders.values()].every((held) => held.length <= Math.ceil(INBOX_PARTITIONS / 3))
          );
        },
        30_000,
      );

      // kill -9 one worker in the middle of the stream.
      const killed = workers[0]!;
      const killedHolder = killed.lines.find((line) => line.msg === 'inbox partition leased')?.holder;
      killed.process.kill('SIGKILL');
      killed.killedAt = Date.now();
      await killed.exited;
      for (let round = 10; round < 20; round += 1) await send(round);

      await until(
        'the inbox is drained',
        async () => {
          const [pending] = (await app.oltp.knex('inbox').whereNull('load_batch_id').count({ n: '*' })) as { n: number }[];
          const [open] = (await app.oltp.knex('load_batch').where('state', 'loading').count({ n: '*' })) as { n: number }[];
          return Number(pending!.n) === 0 && Number(open!.n) === 0;
        },
        90_000,
      );
      // The survivors took over the killed worker's partitions: two holders, ceil(16 / 2) = 8 at most each.
      await until(
        'the two survivors hold every partition',
        () => {
          const last = samples.at(-1)!;
          const held = [...last.holders.values()];
          return (
            !last.holders.has(killedHolder!) &&
            last.holders.size === 2 &&
            held.flat().length === INBOX_PARTITIONS &&
            held.every((partitions) => partitions.length <= INBOX_PARTITIONS / 2)
          );
        },
        30_000,
      );
      await until(
        'every task ended',
        async () =>
          (await app.oltp.knex('task').whereIn('id', taskIds).whereIn('status', ['queued', 'running']).count({ n: '*' }).first())!
            .n == 0,
        60_000,
      );
      sampling = false;
      await sampler;

      // Every accepted message loaded exactly once, under labels each loaded once.
      for (const t of tenants) {
        const database = `t_${t.tenantId}`;
        const loaded = double.streamLoad.loaded(database, 'event_data').map((row) => String(row.message_id));
        const expected = accepted.get(String(t.tenantId))!;
        expect(expected.size).toBe(1000);
        expect(loaded.length).toBe(expected.size);
        expect(new Set(loaded)).toEqual(expected);
        const successes = new Map<string, number>();
        for (const request of double.streamLoad.requests)
          if (request.node === 'be' && request.database === database && request.answer === 'Success')
            successes.set(request.label!, (successes.get(request.label!) ?? 0) + 1);
        expect(successes.size).toBeGreaterThan(0);
        expect([...successes.values()].every((n) => n === 1)).toBe(true);
      }

      // All three did work before the kill.
      for (const w of workers) expect(finished(w).filter((line) => line.time < killed.killedAt!).length).toBeGreaterThan(0);

      // No partition worked by two workers at once: each worker's holding intervals, from its log
      // (leased → released / lost / killed), never overlap another's on the same partition.
      const intervals: { pid: number; partition: number; from: number; to: number }[] = [];
      for (const w of workers) {
        const open = new Map<number, number>();
        for (const line of w.lines) {
          if (line.msg === 'inbox partition leased') open.set(line.partition!, line.time);
          const ended =
            line.msg === 'inbox partitions released to other workers'
              ? line.partitions!
              : line.msg === 'inbox partition lease lost to another worker'
                ? [line.partition!]
                : [];
          for (const partition of ended) {
            const from = open.get(partition);
            if (from !== undefined) intervals.push({ pid: line.pid, partition, from, to: line.time });
            open.delete(partition);
          }
        }
        const end = w.killedAt ?? Date.now();
        for (const [partition, from] of open) intervals.push({ pid: w.process.pid!, partition, from, to: end });
      }
      const overlaps = intervals.filter((a) =>
        intervals.some((b) => a.pid !== b.pid && a.partition === b.partition && a.from < b.to && b.from < a.to),
      );
      expect(overlaps).toEqual([]);
      // The lease table never named a holder other than the workers', nor more than 16 partitions.
      const workerHolders = new Set(workers.flatMap((w) => w.lines.filter((line) => line.holder).map((line) => line.holder!)));
      for (const sample of samples) {
        for (const holder of sample.holders.keys()) expect(workerHolders.has(holder)).toBe(true);
        expect([...sample.holders.values()].flat().length).toBeLessThanOrEqual(INBOX_PARTITIONS);
      }

      // Each task ran once, in one of the worker processes.
      const tasks = (await app.oltp.knex('task').whereIn('id', taskIds).select('id', 'status', 'attempts')) as {
        id: number | string;
        status: string;
        attempts: number;
      }[];
      expect(tasks.map((task) => [task.status, Number(task.attempts)])).toEqual(taskIds.map(() => ['succeeded', 1]));
      const ranBy = new Map<string, number[]>();
      for (const w of workers)
        for (const line of w.lines)
          if (line.taskId !== undefined && line.msg.startsWith('password reset mail not sent'))
            ranBy.set(String(line.taskId), [...(ranBy.get(String(line.taskId)) ?? []), line.pid]);
      expect(taskIds.map((id) => ranBy.get(id)?.length ?? 0)).toEqual(taskIds.map(() => 1));
    } finally {
      sampling = false;
      for (const w of workers) if (w.process.exitCode === null && w.process.signalCode === null) w.process.kill('SIGTERM');
      await Promise.all(workers.map((w) => w.exited));
      await app.close();
      await double.close();
    }
  }, 420_000);
});
