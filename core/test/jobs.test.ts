import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { CronSchedule } from '../src/jobs/cron.js';
import { Scheduler, SCHEDULE_TASK_KIND } from '../src/jobs/scheduler.js';
import { taskMutexRef } from '../src/jobs/task-mutex.js';
import { taskQueueRef } from '../src/jobs/task-queue.js';
import { TaskWorker, type TaskWorkerOptions } from '../src/jobs/worker.js';
import { RetryableTaskError, type TaskKindDefinition } from '../src/jobs/task.types.js';
import { filesServiceRef } from '../src/modules/files/files.service.js';
import { tenantServiceRef } from '../src/modules/tenancy/tenant.service.js';
import { allPlugins } from './support/plugins.js';
import { testEngines } from './support/engines.js';
import { Client, createTenant, createTestApp, describeEngines, type TestApp } from './support/test-app.js';

const silent = pino({ level: 'silent' });
let kindSeq = 0;

/** Registers a task kind on the app (unique name per test) and returns it. */
function addKind(app: TestApp, definition: Omit<TaskKindDefinition, 'kind'> & { kind?: string }): TaskKindDefinition {
  kindSeq += 1;
  const kind = { kind: `test.kind${kindSeq}`, ...definition } as TaskKindDefinition;
  app.jobs.kinds.add(kind);
  return kind;
}

function worker(app: TestApp, options: { leaseMs?: number; onFinished?: TaskWorkerOptions['onFinished'] } = {}) {
  const queue = app.service(taskQueueRef);
  return new TaskWorker(queue, app.jobs.kinds, silent, {
    hasOlap: true,
    leaseMs: options.leaseMs ?? 10_000,
    onFinished: options.onFinished,
  });
}

describeEngines('durable tasks', (ctx) => {
  it('runs an enqueued task once and records its result', async () => {
    const { tenantId } = await createTenant(ctx.app);
    const kind = addKind(ctx.app, { notifies: false, run: async () => ({ counts: { rows: 3 } }) });
    const queue = ctx.app.jobs.queue;
    const task = (await queue.enqueue(tenantId, kind.kind, { a: 1 }))!;
    expect(task).toMatchObject({ status: 'queued', attempts: 0, payload: { a: 1 } });
    expect(await worker(ctx.app).poll()).toBe(1);
    expect(await queue.get(tenantId, task.id)).toMatchObject({
      status: 'succeeded',
      attempts: 1,
      progress: 100,
      result: { counts: { rows: 3 } },
    });
    expect(await worker(ctx.app).poll()).toBe(0);
  });

  it('retries a task whose worker died mid-way, and the dead worker cannot finish it later', async () => {
    const { tenantId } = await createTenant(ctx.app);
    let runs = 0;
    const kind = addKind(ctx.app, { notifies: false, run: async () => void (runs += 1) });
    const queue = ctx.app.jobs.queue;
    const task = (await queue.enqueue(tenantId, kind.kind, {}))!;
    // Worker A claims with a short lease and "dies" (never heartbeats nor completes).
    const [claimed] = await queue.claim('worker-a', { kinds: [kind.kind], leaseMs: 150 });
    expect(claimed!.id).toBe(task.id);
    expect(await queue.claim('worker-b', { kinds: [kind.kind], leaseMs: 10_000 })).toEqual([]); // still leased
    await new Promise((r) => setTimeout(r, 300));
    // The lease expired on the database clock: worker B takes it over and finishes it.
    expect(await worker(ctx.app).poll()).toBe(1);
    expect(runs).toBe(1);
    const done = await queue.get(tenantId, task.id);
    expect(done).toMatchObject({ status: 'succeeded', attempts: 2 });
    // Worker A wakes up: its late completion is refused (fenced by the lease).
    expect(await queue.complete(task.id, 'worker-a', { counts: { late: 1 } })).toBe(false);
    expect((await queue.get(tenantId, task.id)).result).toEqual({});
  });

  it('fails a task whose last attempt died with its lease', async () => {
    const { tenantId } = await createTenant(ctx.app);
    const kind = addKind(ctx.app, { notifies: false, maxAttempts: 1, run: async () => undefined });
    const task = (await ctx.app.jobs.queue.enqueue(tenantId, kind.kind, {}))!;
    await ctx.app.jobs.queue.claim('worker-a', { kinds: [kind.kind], leaseMs: 100 });
    await new Promise((r) => setTimeout(r, 250));
    expect(await ctx.app.jobs.queue.claim('worker-b', { kinds: [kind.kind], leaseMs: 1000 })).toEqual([]);
    const failed = await ctx.app.jobs.queue.get(tenantId, task.id);
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'task_lease_expired' } });
  });

  it('retries retryable errors with backoff and fails the others at once', async () => {
    const { tenantId } = await createTenant(ctx.app);
    let calls = 0;
    const flaky = addKind(ctx.app, {
      notifies: false,
      run: async () => {
        calls += 1;
        if (calls === 1) throw new RetryableTaskError('upstream_unavailable', 'WeChat API timed out');
        return { counts: { ok: 1 } };
      },
    });
    const broken = addKind(ctx.app, { notifies: false, run: async () => Promise.reject(new Error('bad config')) });
    const queue = ctx.app.jobs.queue;
    const t1 = (await queue.enqueue(tenantId, flaky.kind, {}))!;
    const t2 = (await queue.enqueue(tenantId, broken.kind, {}))!;
    await worker(ctx.app).poll();
    const retrying = await queue.get(tenantId, t1.id);
    expect(retrying).toMatchObject({ status: 'queued', attempts: 1, error: { code: 'upstream_unavailable', retryable: true } });
    expect(retrying.runAt).toBeGreaterThan(Date.now() + 500);
    expect(await queue.get(tenantId, t2.id)).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { code: 'task_failed', message: 'bad config', retryable: false },
    });
    // When the backoff has passed, the retry succeeds.
    await ctx.app.oltp.forTenant(tenantId).from('task').where('task.id', t1.id).update({ run_at: 0 });
    await worker(ctx.app).poll();
    expect(await queue.get(tenantId, t1.id)).toMatchObject({ status: 'succeeded', attempts: 2 });
  });

  it('cancels a queued task at once and stops a running one', async () => {
    const { tenantId } = await createTenant(ctx.app);
    const queue = ctx.app.jobs.queue;
    const idle = addKind(ctx.app, { notifies: false, run: async () => undefined });
    const queued = (await queue.enqueue(tenantId, idle.kind, {}, { runAt: Date.now() + 60_000 }))!;
    expect((await queue.cancel(tenantId, queued.id)).status).toBe('cancelled');

    let sawAbort = false;
    const long = addKind(ctx.app, {
      notifies: false,
      run: ({ signal }) =>
        new Promise((resolve, reject) => {
          signal.addEventListener('abort', () => {
            sawAbort = true;
            reject(new Error('aborted'));
          });
          setTimeout(resolve, 5000);
        }),
    });
    const running = (await queue.enqueue(tenantId, long.kind, {}))!;
    const polling = worker(ctx.app, { leaseMs: 150 }).poll();
    await new Promise((r) => setTimeout(r, 60));
    expect((await queue.cancel(tenantId, running.id)).status).toBe('running');
    await polling;
    expect(sawAbort).toBe(true);
    expect(await queue.get(tenantId, running.id)).toMatchObject({ status: 'cancelled' });
  });

  it('lets one task at a time hold a mutex, and frees the mutex of a task that ended', async () => {
    const { tenantId } = await createTenant(ctx.app);
    const kind = addKind(ctx.app, { notifies: false, run: async () => undefined });
    const mutex = ctx.app.service(taskMutexRef);
    const first = (await ctx.app.jobs.queue.enqueue(tenantId, kind.kind, {}))!;
    const second = (await ctx.app.jobs.queue.enqueue(tenantId, kind.kind, {}))!;
    expect(await mutex.acquire(tenantId, 'contacts.import', first.id)).toBe(true);
    expect(await mutex.acquire(tenantId, 'contacts.import', second.id)).toBe(false);
    expect(await mutex.holder(tenantId, 'contacts.import')).toBe(first.id);
    // Another tenant has its own mutex.
    const other = await createTenant(ctx.app);
    const otherTask = (await ctx.app.jobs.queue.enqueue(other.tenantId, kind.kind, {}))!;
    expect(await mutex.acquire(other.tenantId, 'contacts.import', otherTask.id)).toBe(true);
    // The holder ended without releasing (crash): the mutex is free again.
    await ctx.app.jobs.queue.cancel(tenantId, first.id);
    expect(await mutex.acquire(tenantId, 'contacts.import', second.id)).toBe(true);
    await mutex.release(tenantId, 'contacts.import', second.id);
    expect(await mutex.holder(tenantId, 'contacts.import')).toBeNull();
  });
});

describe('cron in the tenant’s time zone', () => {
  it('fires a 02:45 Asia/Shanghai schedule at 18:45 UTC the day before', () => {
    const schedule = new CronSchedule('45 2 * * *');
    expect(schedule.matches(Date.UTC(2026, 10, 24, 18, 45), 'Asia/Shanghai')).toBe(true);
    expect(schedule.matches(Date.UTC(2026, 10, 25, 2, 45), 'Asia/Shanghai')).toBe(false);
    expect(schedule.matches(Date.UTC(2026, 10, 25, 2, 45), 'UTC')).toBe(true);
  });

  it('matches day-of-month OR day-of-week when both are restricted (cron semantics)', () => {
    const schedule = new CronSchedule('0 9 1 * 1'); // the 1st, and every Monday
    expect(schedule.matches(Date.UTC(2026, 10, 30, 1, 0), 'Asia/Shanghai')).toBe(true); // Mon 30 Nov 09:00 +08
    expect(schedule.matches(Date.UTC(2026, 11, 1, 1, 0), 'Asia/Shanghai')).toBe(true); // Tue 1 Dec
    expect(schedule.matches(Date.UTC(2026, 11, 2, 1, 0), 'Asia/Shanghai')).toBe(false); // Wed 2 Dec
  });
});

for (const engine of testEngines()) {
  describe(`scheduler [${engine}]`, () => {
    it('fires a due schedule once per tenant even when two schedulers race', async () => {
      const app = await createTestApp(engine);
      try {
        const shanghai = await createTenant(app);
        const utc = await createTenant(app, { timeZone: 'UTC' });
        let ran: string[] = [];
        const entries = [
          {
            key: 'test:nightly',
            cron: new CronSchedule('45 2 * * *'),
            run: async ({ tenantId }: { tenantId: string }) => void ran.push(tenantId),
          },
        ];
        const first = new Scheduler(app.service(tenantServiceRef), app.jobs.queue, entries, silent);
        const second = new Scheduler(app.service(tenantServiceRef), app.jobs.queue, entries, silent);
        const at = Date.UTC(2026, 10, 24, 18, 45, 30);
        const [a, b] = await Promise.all([first.tick(at), second.tick(at)]);
        expect(a + b).toBe(1); // only the Shanghai tenant is due, and it is inserted once
        expect(await second.tick(at + 60_000)).toBe(0);
        const rows = await app.oltp.knex('task').where({ kind: SCHEDULE_TASK_KIND, schedule_key: 'test:nightly' });
        expect(rows.map((r) => [String(r.tenant_id), Number(r.due_at)])).toEqual([
          [shanghai.tenantId, Date.UTC(2026, 10, 24, 18, 45)],
        ]);
        expect(utc.tenantId).not.toBe(shanghai.tenantId);
        // The firing runs the schedule through the worker (the app's scheduler knows only its own entries).
        const scheduler = new Scheduler(app.service(tenantServiceRef), app.jobs.queue, entries, silent);
        ran = [];
        const queue = app.service(taskQueueRef);
        const [task] = await queue.claim('w', { kinds: [SCHEDULE_TASK_KIND], leaseMs: 10_000 });
        await scheduler.entry('test:nightly')!.run({ tenantId: task!.tenantId, dueAt: task!.dueAt! });
        expect(ran).toEqual([shanghai.tenantId]);
      } finally {
        await app.close();
      }
    });
  });
}

describeEngines(
  'notification center and result files',
  (ctx) => {
    async function exportNotes(client: Client, fail = false) {
      await client.request('POST', '/api/v1/p/acme-crm/notes', { body: '首次拜访, "重要"' });
      const res = await client.request('POST', '/api/v1/p/acme-crm/exports', { fail });
      expect(res.statusCode).toBe(202);
      while ((await ctx.app.jobs.worker.poll()) > 0);
      return res.body.taskId as string;
    }

    it('notifies the starter of a succeeded task in green with counts and a downloadable file', async () => {
      const tenant = await createTenant(ctx.app);
      const client = await Client.staff(ctx.app.server, tenant.email, tenant.password);
      const taskId = await exportNotes(client);
      expect((await client.request('GET', `/api/v1/tasks/${taskId}`)).body).toMatchObject({ status: 'succeeded', progress: 100 });
      const list = await client.request('GET', '/api/v1/notifications');
      expect(list.body.unread).toBe(1);
      const [notification] = list.body.items;
      expect(notification).toMatchObject({
        kind: 'acme-crm.exportNotes',
        level: 'success',
        taskId,
        counts: { notes: 1 },
        error: null,
        readAt: null,
      });
      expect(notification.files[0]).toMatchObject({ name: 'acme-notes.csv', expired: false });
      expect(notification.files[0].expiresAt - notification.files[0].createdAt).toBe(3 * 24 * 3600_000);
      const download = await ctx.app.server.inject({
        method: 'GET',
        url: `/api/v1/files/${notification.files[0].id}`,
        headers: { cookie: (client as any).cookie },
      });
      expect(download.statusCode).toBe(200);
      expect(download.headers['content-disposition']).toContain('acme-notes.csv');
      expect(download.payload).toContain('首次拜访, ""重要""');
      const read = await client.request('POST', `/api/v1/notifications/${notification.id}/read`);
      expect(read.body.readAt).toBeGreaterThan(0);
      expect((await client.request('GET', '/api/v1/notifications?unread=true')).body).toMatchObject({ total: 0, unread: 0 });
      // Another staff member's tenant sees nothing.
      const other = await createTenant(ctx.app);
      const otherClient = await Client.staff(ctx.app.server, other.email, other.password);
      expect((await otherClient.request('GET', '/api/v1/notifications')).body.total).toBe(0);
    });

    it('shows a failed task in red with its error', async () => {
      const tenant = await createTenant(ctx.app);
      const client = await Client.staff(ctx.app.server, tenant.email, tenant.password);
      const taskId = await exportNotes(client, true);
      const [notification] = (await client.request('GET', '/api/v1/notifications')).body.items;
      expect(notification).toMatchObject({
        level: 'error',
        taskId,
        files: [],
        error: { code: 'task_failed', message: 'Acme API refused the export' },
      });
    });

    it('does not notify internal tasks', async () => {
      const tenant = await createTenant(ctx.app);
      const client = await Client.staff(ctx.app.server, tenant.email, tenant.password);
      const kind = addKind(ctx.app, { notifies: false, run: async () => ({ counts: { x: 1 } }) });
      await ctx.app.jobs.queue.enqueue(tenant.tenantId, kind.kind, {}, { createdBy: tenant.staffId });
      while ((await ctx.app.jobs.worker.poll()) > 0);
      expect((await client.request('GET', '/api/v1/notifications')).body.total).toBe(0);
    });

    it('refuses expired files with file_expired and deletes them at cleanup', async () => {
      const tenant = await createTenant(ctx.app);
      const client = await Client.staff(ctx.app.server, tenant.email, tenant.password);
      const files = ctx.app.service(filesServiceRef);
      const file = await files.save(tenant.tenantId, { name: 'old.csv', contentType: 'text/csv', content: 'a,b\n', ttlMs: -1 });
      const res = await client.request('GET', `/api/v1/files/${file.id}`);
      expect(res.statusCode).toBe(410);
      expect(res.body.code).toBe('file_expired');
      expect(await files.cleanupExpired(tenant.tenantId)).toBe(1);
      expect((await client.request('GET', `/api/v1/files/${file.id}`)).statusCode).toBe(404);
    });
  },
  { plugins: allPlugins },
);

describe('worker pool', () => {
  it('runs pure functions in a piscina thread', async () => {
    const app = await createTestApp('sqlite');
    try {
      const { createHash } = await import('node:crypto');
      expect(await app.jobs.pool().run({ fn: 'sha256', input: '汇流' })).toBe(createHash('sha256').update('汇流').digest('hex'));
    } finally {
      await app.close();
    }
  });
});

if (testEngines().includes('mariadb')) {
  describe('two worker processes on MariaDB', () => {
    it('claim tasks that need no OLAP without overlap or loss', async () => {
      const app = await createTestApp('mariadb');
      try {
        const { tenantId } = await createTenant(app);
        await app.oltp.knex.schema.createTable('test_record', (t) => {
          t.bigInteger('task_id').notNullable();
          t.integer('worker_pid').notNullable();
        });
        app.jobs.kinds.add({ kind: 'test.record', notifies: false, run: async () => undefined });
        const total = 120;
        for (let i = 0; i < total; i += 1) await app.jobs.queue.enqueue(tenantId, 'test.record', { i });
        const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'worker-process.mjs');
        const run = () =>
          new Promise<number>((resolve, reject) => {
            const child = spawn(process.execPath, [script, app.config.oltpUrl!], { stdio: ['ignore', 'ignore', 'pipe'] });
            let stderr = '';
            child.stderr.on('data', (d) => (stderr += d));
            child.on('exit', (code) =>
              code === 0 ? resolve(child.pid!) : reject(new Error(`worker exited ${code}: ${stderr}`)),
            );
          });
        const pids = await Promise.all([run(), run()]);
        const records = await app.oltp.knex('test_record').select('task_id', 'worker_pid');
        expect(records).toHaveLength(total);
        expect(new Set(records.map((r) => String(r.task_id))).size).toBe(total);
        const byWorker = new Set(records.map((r) => Number(r.worker_pid)));
        expect([...byWorker].every((pid) => pids.includes(pid))).toBe(true);
        expect(byWorker.size).toBe(2); // both took part
        const statuses = await app.oltp.knex('task').where({ kind: 'test.record' }).select('status', 'attempts');
        expect(statuses.every((s) => s.status === 'succeeded' && Number(s.attempts) === 1)).toBe(true);
      } finally {
        await app.close();
      }
    }, 60_000);
  });
}

describeEngines(
  'task list',
  (ctx) => {
    it('shows operators their long work and hides internal tasks unless asked', async () => {
      const tenant = await createTenant(ctx.app);
      const client = await Client.staff(ctx.app.server, tenant.email, tenant.password);
      await client.request('POST', '/api/v1/p/acme-crm/exports', {});
      await ctx.app.jobs.queue.enqueue(tenant.tenantId, SCHEDULE_TASK_KIND, { key: 'files:cleanup' });
      const visible = await client.request('GET', '/api/v1/tasks');
      expect(visible.body.items.map((t: any) => t.kind)).toEqual(['acme-crm.exportNotes']);
      const all = await client.request('GET', '/api/v1/tasks?all=true');
      expect(all.body.items.map((t: any) => t.kind)).toEqual([SCHEDULE_TASK_KIND, 'acme-crm.exportNotes']);
    });
  },
  { plugins: allPlugins },
);

describeEngines(
  'notifications of tasks nobody started',
  (ctx) => {
    it('reach every enabled staff member, each with their own read state', async () => {
      const tenant = await createTenant(ctx.app);
      const now = Date.now();
      const { hashPassword } = await import('../src/lib/password.js');
      await ctx.app.oltp.forTenant(tenant.tenantId).insert('staff', {
        email: `ops.${now}@example.com`,
        name: '运营',
        password_hash: await hashPassword('Ops-pass-123'),
        is_super: false,
        status: 'enabled',
        created_at: now,
        updated_at: now,
      });
      await ctx.app.jobs.queue.enqueue(tenant.tenantId, 'acme-crm.exportNotes', {}); // no starter
      while ((await ctx.app.jobs.worker.poll()) > 0);
      const admin = await Client.staff(ctx.app.server, tenant.email, tenant.password);
      const ops = await Client.staff(ctx.app.server, `ops.${now}@example.com`, 'Ops-pass-123');
      const adminList = (await admin.request('GET', '/api/v1/notifications')).body;
      expect(adminList).toMatchObject({ total: 1, unread: 1 });
      await admin.request('POST', `/api/v1/notifications/${adminList.items[0].id}/read`);
      expect((await admin.request('GET', '/api/v1/notifications')).body.unread).toBe(0);
      expect((await ops.request('GET', '/api/v1/notifications')).body).toMatchObject({ total: 1, unread: 1 });
      // One staff member's notification is not another's.
      const opsId = (await ops.request('GET', '/api/v1/notifications')).body.items[0].id;
      expect((await admin.request('POST', `/api/v1/notifications/${opsId}/read`)).statusCode).toBe(404);
    });
  },
  { plugins: allPlugins },
);
