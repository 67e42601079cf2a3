import { spawn } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { CronSchedule, cronProblem } from '../src/jobs/cron.js';
import { Scheduler, SCHEDULE_RUN_MAX_ATTEMPTS, SCHEDULE_TASK_KIND, type ScheduleEntry } from '../src/jobs/scheduler.js';
import { TaskKinds } from '../src/jobs/task-kinds.js';
import { taskMutexRef } from '../src/jobs/task-mutex.js';
import { TaskQueue, taskQueueRef, type ClaimOptions } from '../src/jobs/task-queue.js';
import { TaskWorker, type TaskWorkerOptions } from '../src/jobs/worker.js';
import { RetryableTaskError, type Task, type TaskKindDefinition } from '../src/jobs/task.types.js';
import { definePlugin, schedulerExtensionPoint } from '../src/plugin-api.js';
import { filesServiceRef } from '../src/modules/files/files.service.js';
import { tenantServiceRef } from '../src/modules/tenancy/tenant.service.js';
import type { HuiliuApp } from '../src/app.js';
import { allPlugins } from './support/plugins.js';
import { testEngines } from './support/engines.js';
import { Client, createTenant, createTestApp, describeEngines, type TestApp } from './support/test-app.js';

/** The tasks module's own database (its tables only), for queues built by hand in these tests. */
const tasksDb = (app: HuiliuApp) => app.oltp.forModule('tasks', ['task', 'task_mutex']);

const silent = pino({ level: 'silent' });
const DAY = 86_400_000;
let kindSeq = 0;

type KindInput = Omit<TaskKindDefinition, 'kind'> & { kind?: string };

/** Registers a task kind on the app (unique name per test) and returns it. */
function addKind(app: TestApp, definition: KindInput): TaskKindDefinition {
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

/**
 * Kinds, a queue and workers of a test's own on the app's store: its workers claim only the test's
 * kinds, whatever other tests left in the shared task table. `makeQueue` lets a test put a
 * subclass in between (to make a race happen at a precise point).
 */
function isolated(
  app: TestApp,
  definitions: KindInput[],
  makeQueue: (kinds: TaskKinds) => TaskQueue = (kinds) => new TaskQueue(tasksDb(app), kinds),
) {
  const kinds = new TaskKinds();
  const added = definitions.map((definition) => {
    kindSeq += 1;
    const kind = { kind: `test.iso${kindSeq}`, ...definition } as TaskKindDefinition;
    kinds.add(kind);
    return kind;
  });
  const queue = makeQueue(kinds);
  return {
    kinds: added,
    queue,
    worker: (options: Partial<TaskWorkerOptions> = {}) =>
      new TaskWorker(queue, kinds, silent, { hasOlap: true, leaseMs: 10_000, ...options }),
  };
}

async function waitFor(condition: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(20);
  }
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
    await sleep(300);
    // The lease expired on the database clock: worker B takes it over and finishes it.
    expect(await worker(ctx.app).poll()).toBe(1);
    expect(runs).toBe(1);
    const done = await queue.get(tenantId, task.id);
    expect(done).toMatchObject({ status: 'succeeded', attempts: 2 });
    // Worker A wakes up: its late completion is refused (fenced by the lease).
    expect(await queue.complete(claimed!, { counts: { late: 1 } })).toBe('lost');
    expect((await queue.get(tenantId, task.id)).result).toEqual({});
  });

  it('fences by the attempt: a stale run of the same worker cannot heartbeat, complete or fail a reclaimed task', async () => {
    const { tenantId } = await createTenant(ctx.app);
    const { kinds, queue } = isolated(ctx.app, [{ notifies: false, run: async () => undefined }]);
    const task = (await queue.enqueue(tenantId, kinds[0]!.kind, {}))!;
    const [stale] = await queue.claim('worker-a', { kinds: [kinds[0]!.kind], leaseMs: 150 });
    await sleep(300);
    // The same process (same owner string) claims it again after its own lease expired, e.g.
    // after a long event-loop stall: only the attempt number tells the two claims apart.
    const [fresh] = await queue.claim('worker-a', { kinds: [kinds[0]!.kind], leaseMs: 10_000 });
    expect(fresh!.id).toBe(task.id);
    expect(stale!.lease).toEqual({ owner: 'worker-a', attempt: 1 });
    expect(fresh!.lease).toEqual({ owner: 'worker-a', attempt: 2 });

    expect(await queue.heartbeat(stale!, 10_000, 77)).toEqual({ held: false, cancelRequested: false });
    expect(await queue.complete(stale!, { counts: { stale: 1 } })).toBe('lost');
    expect(await queue.fail(stale!, { code: 'stale_failure', message: 'stale', retryable: true })).toBe('lost');
    expect(await queue.fail(stale!, { code: 'stale_failure', message: 'stale', retryable: false })).toBe('lost');
    expect(await queue.get(tenantId, task.id)).toMatchObject({
      status: 'running',
      attempts: 2,
      progress: 0,
      result: null,
      error: null,
    });

    expect(await queue.heartbeat(fresh!, 10_000, 40)).toEqual({ held: true, cancelRequested: false });
    expect(await queue.complete(fresh!, { counts: { fresh: 1 } })).toBe('succeeded');
    expect(await queue.get(tenantId, task.id)).toMatchObject({ status: 'succeeded', result: { counts: { fresh: 1 } } });
  });

  it('fails a task whose last attempt died with its lease', async () => {
    const { tenantId } = await createTenant(ctx.app);
    const kind = addKind(ctx.app, { notifies: false, maxAttempts: 1, run: async () => undefined });
    const task = (await ctx.app.jobs.queue.enqueue(tenantId, kind.kind, {}))!;
    await ctx.app.jobs.queue.claim('worker-a', { kinds: [kind.kind], leaseMs: 100 });
    await sleep(250);
    expect(await ctx.app.jobs.queue.claim('worker-b', { kinds: [kind.kind], leaseMs: 1000 })).toEqual([]);
    const failed = await ctx.app.jobs.queue.get(tenantId, task.id);
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'task_lease_expired' } });
  });

  it('tells onFinished of a task whose last attempt died with its lease, as of any other end', async () => {
    const { tenantId } = await createTenant(ctx.app);
    const kind = addKind(ctx.app, { notifies: false, maxAttempts: 1, run: async () => undefined });
    const task = (await ctx.app.jobs.queue.enqueue(tenantId, kind.kind, {}))!;
    await ctx.app.jobs.queue.claim('worker-a', { kinds: [kind.kind], leaseMs: 100 });
    await sleep(250);
    const finished: Task[] = [];
    await worker(ctx.app, { onFinished: async (t) => void finished.push(t) }).poll();
    const mine = finished.filter((t) => t.id === task.id);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ status: 'failed', error: { code: 'task_lease_expired' } });
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

  it('refills a free slot at once: short tasks all finish while a long one still runs (concurrency 2)', async () => {
    const { tenantId } = await createTenant(ctx.app);
    let releaseLong!: () => void;
    const longMayEnd = new Promise<void>((resolve) => (releaseLong = resolve));
    const jobs = isolated(ctx.app, [
      { notifies: false, run: () => longMayEnd },
      { notifies: false, run: async () => void (await sleep(5)) },
    ]);
    const [long, short] = jobs.kinds;
    const now = Date.now();
    // The long task is first in line, so the first claim takes it and one short task.
    const longTask = (await jobs.queue.enqueue(tenantId, long!.kind, {}, { runAt: now - 60_000 }))!;
    const shortTasks: Task[] = [];
    for (let i = 0; i < 5; i += 1)
      shortTasks.push((await jobs.queue.enqueue(tenantId, short!.kind, { i }, { runAt: now - 30_000 + i }))!);
    const taskWorker = jobs.worker({ concurrency: 2, pollMs: 50 });
    taskWorker.start();
    try {
      await waitFor(async () => {
        const statuses = await Promise.all(shortTasks.map(async (t) => (await jobs.queue.get(tenantId, t.id)).status));
        return statuses.every((s) => s === 'succeeded');
      }, 'every short task succeeded');
      expect((await jobs.queue.get(tenantId, longTask.id)).status).toBe('running');
      // The last short task's row is final a moment before its slot is handed back.
      await waitFor(() => Promise.resolve(taskWorker.busy === 1), 'only the long task holds a slot');
    } finally {
      releaseLong();
      await taskWorker.stop();
    }
    expect((await jobs.queue.get(tenantId, longTask.id)).status).toBe('succeeded');
  });

  it('drain() waits for the tasks the background loop claimed, where poll() returns 0 at once', async () => {
    const { tenantId } = await createTenant(ctx.app);
    let release!: () => void;
    const mayEnd = new Promise<void>((resolve) => (release = resolve));
    let chained = 0;
    const jobs = isolated(ctx.app, [
      { notifies: false, run: () => mayEnd },
      { notifies: false, run: async () => void (chained += 1) },
    ]);
    const [slow, follow] = jobs.kinds;
    const task = (await jobs.queue.enqueue(tenantId, slow!.kind, {}))!;
    const taskWorker = jobs.worker({ concurrency: 1, pollMs: 60_000 });
    taskWorker.start();
    try {
      await waitFor(() => Promise.resolve(taskWorker.busy === 1), 'the background loop runs the task');
      // Its only slot is taken: poll() claims nothing and returns, the task still running.
      expect(await taskWorker.poll()).toBe(0);
      expect((await jobs.queue.get(tenantId, task.id)).status).toBe('running');
      let drained = false;
      const draining = taskWorker.drain().then(() => (drained = true));
      await sleep(100);
      expect(drained).toBe(false);
      // A task enqueued while draining runs before drain() resolves.
      await jobs.queue.enqueue(tenantId, follow!.kind, {});
      release();
      await draining;
      expect((await jobs.queue.get(tenantId, task.id)).status).toBe('succeeded');
      expect(chained).toBe(1);
    } finally {
      release();
      await taskWorker.stop();
    }
  });

  it('cancels a queued task at once and stops a running one', async () => {
    const { tenantId } = await createTenant(ctx.app);
    const queue = ctx.app.jobs.queue;
    const idle = addKind(ctx.app, { notifies: false, run: async () => undefined });
    const queued = (await queue.enqueue(tenantId, idle.kind, {}, { runAt: Date.now() + 60_000 }))!;
    expect((await queue.cancel(tenantId, queued.id)).status).toBe('cancelled');

    let sawAbort = false;
    let started = false;
    const long = addKind(ctx.app, {
      notifies: false,
      run: ({ signal }) =>
        new Promise((resolve, reject) => {
          started = true;
          signal.addEventListener('abort', () => {
            sawAbort = true;
            reject(new Error('aborted'));
          });
          setTimeout(resolve, 5000);
        }),
    });
    const running = (await queue.enqueue(tenantId, long.kind, {}))!;
    const polling = worker(ctx.app, { leaseMs: 150 }).poll();
    await waitFor(async () => started, 'the task runs');
    expect((await queue.cancel(tenantId, running.id)).status).toBe('running');
    await polling;
    expect(sawAbort).toBe(true);
    expect(await queue.get(tenantId, running.id)).toMatchObject({ status: 'cancelled' });
  });

  it('ends a task cancelled, without running it, when the cancel comes between its claim and its run', async () => {
    const { tenantId } = await createTenant(ctx.app);
    let runs = 0;
    /** A queue whose claim is followed by an operator's cancel before the worker gets the task. */
    class CancelAfterClaim extends TaskQueue {
      override async claim(owner: string, options: ClaimOptions) {
        const tasks = await super.claim(owner, options);
        for (const task of tasks) expect((await this.cancel(task.tenantId, task.id)).status).toBe('running');
        return tasks;
      }
    }
    const jobs = isolated(
      ctx.app,
      [{ notifies: true, run: async () => void (runs += 1) }],
      (kinds) => new CancelAfterClaim(tasksDb(ctx.app), kinds),
    );
    const task = (await jobs.queue.enqueue(tenantId, jobs.kinds[0]!.kind, {}))!;
    const finished: Task[] = [];
    expect(await jobs.worker({ onFinished: async (t) => void finished.push(t) }).poll()).toBe(1);
    expect(runs).toBe(0);
    expect(await jobs.queue.get(tenantId, task.id)).toMatchObject({ status: 'cancelled', attempts: 1 });
    expect(finished.map((t) => t.status)).toEqual(['cancelled']);
  });

  it('ends a task cancelled when its run ignores the cancel and returns, or fails retryably, afterwards', async () => {
    const { tenantId } = await createTenant(ctx.app);
    const jobs = isolated(ctx.app, [
      {
        notifies: false,
        run: async ({ task }) => {
          await jobs.queue.cancel(task.tenantId, task.id); // the operator cancels while it runs…
          return { counts: { done: 7 } }; // …and the run never looks at its signal
        },
      },
      {
        notifies: false,
        run: async ({ task }) => {
          await jobs.queue.cancel(task.tenantId, task.id);
          throw new RetryableTaskError('upstream_unavailable'); // would go back to the queue
        },
      },
    ]);
    const queue = jobs.queue;
    const completes = (await queue.enqueue(tenantId, jobs.kinds[0]!.kind, {}))!;
    const retries = (await queue.enqueue(tenantId, jobs.kinds[1]!.kind, {}))!;
    const w = jobs.worker();
    while ((await w.poll()) > 0);
    expect(await queue.get(tenantId, completes.id)).toMatchObject({ status: 'cancelled', result: { counts: { done: 7 } } });
    expect(await queue.get(tenantId, retries.id)).toMatchObject({ status: 'cancelled', attempts: 1 });
  });

  it('cancels instead of re-running a task whose worker died after a cancel was asked', async () => {
    const { tenantId } = await createTenant(ctx.app);
    let runs = 0;
    const jobs = isolated(ctx.app, [{ notifies: false, run: async () => void (runs += 1) }]);
    const task = (await jobs.queue.enqueue(tenantId, jobs.kinds[0]!.kind, {}))!;
    await jobs.queue.claim('dead-worker', { kinds: [jobs.kinds[0]!.kind], leaseMs: 150 });
    expect((await jobs.queue.cancel(tenantId, task.id)).status).toBe('running');
    await sleep(300);
    expect(await jobs.worker().poll()).toBe(0);
    expect(runs).toBe(0);
    expect(await jobs.queue.get(tenantId, task.id)).toMatchObject({ status: 'cancelled', attempts: 1 });
  });

  it('never lets a task succeed after a cancel that raced its claim', async () => {
    const { tenantId } = await createTenant(ctx.app);
    const jobs = isolated(ctx.app, [{ notifies: false, run: async () => undefined }]);
    const kind = jobs.kinds[0]!.kind;
    const tasks: Task[] = [];
    for (let i = 0; i < 8; i += 1) tasks.push((await jobs.queue.enqueue(tenantId, kind, { i }))!);
    const [claimed] = await Promise.all([
      jobs.queue.claim('racer', { kinds: [kind], limit: tasks.length, leaseMs: 10_000 }),
      ...tasks.map((t) => jobs.queue.cancel(tenantId, t.id)),
    ]);
    // Whatever the claim took, completing it now cannot make it succeed: every cancel has returned.
    for (const task of claimed) expect(await jobs.queue.complete(task, { counts: { x: 1 } })).toBe('cancelled');
    const statuses = await Promise.all(tasks.map(async (t) => (await jobs.queue.get(tenantId, t.id)).status));
    expect(statuses).toEqual(tasks.map(() => 'cancelled'));
  });

  it('prunes finished tasks after their retention and scheduler firings after a day, never unfinished ones', async () => {
    const { tenantId } = await createTenant(ctx.app);
    const jobs = isolated(ctx.app, [{ notifies: false, run: async () => undefined }]);
    const kind = jobs.kinds[0]!.kind;
    const now = Date.now();
    const db = ctx.app.oltp.forTenant(tenantId);
    const make = async (status: Task['status'], finishedAgo: number | null, schedule?: string) => {
      const task = schedule
        ? (await ctx.app.jobs.queue.enqueue(
            tenantId,
            SCHEDULE_TASK_KIND,
            { key: schedule },
            { schedule: { key: schedule, dueAt: now - (finishedAgo ?? 0) } },
          ))!
        : (await jobs.queue.enqueue(tenantId, kind, {}, { runAt: now + DAY }))!;
      await db
        .from('task')
        .where('task.id', task.id)
        .update({
          status,
          finished_at: finishedAgo === null ? null : now - finishedAgo,
          lease_expires_at: status === 'running' ? now + DAY : null,
        });
      return task.id;
    };
    const oldSucceeded = await make('succeeded', 11 * DAY);
    const oldFailed = await make('failed', 11 * DAY);
    const oldCancelled = await make('cancelled', 11 * DAY);
    const recentSucceeded = await make('succeeded', 2 * DAY);
    const oldFiring = await make('succeeded', 2 * DAY, 'test:prune-a');
    const recentFiring = await make('failed', 3_600_000, 'test:prune-b');
    const queued = await make('queued', null);
    const running = await make('running', null);
    // A mutex still held by a task that ended (crash) goes with it.
    await ctx.app.service(taskMutexRef).acquire(tenantId, 'test.prune', oldSucceeded);

    const taskWorker = jobs.worker({ retention: { finishedMs: 10 * DAY } }); // firings: 1 day by default
    expect(await taskWorker.tick()).toBe(0);
    const left = async () =>
      (await db.from<{ id: number | string }>('task').select('task.id')).map((r: { id: number | string }) => String(r.id)).sort();
    const remaining = await left();
    expect(remaining).toEqual([recentSucceeded, recentFiring, queued, running].sort());
    for (const id of [oldSucceeded, oldFailed, oldCancelled, oldFiring]) expect(remaining).not.toContain(id);
    expect(await ctx.app.service(taskMutexRef).holder(tenantId, 'test.prune')).toBeNull();

    // The next tick within the hour does not prune again; an explicit prune does.
    const another = await make('succeeded', 12 * DAY);
    await taskWorker.tick();
    expect(await left()).toContain(another);
    expect(await taskWorker.prune()).toBeGreaterThanOrEqual(1);
    expect(await left()).not.toContain(another);
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

/** The local calendar date (`YYYY-MM-DD`) of an instant in a time zone. */
function localDate(instant: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(instant);
}

/**
 * Daily jobs on DST change days: [zone, local date, expression, the one firing that day]. A time
 * skipped by spring-forward fires when the clock has jumped (03:00); a repeated time fires once,
 * at its first pass.
 */
const dstDays: [string, string, string, string][] = [
  ['America/New_York', '2026-03-08', '30 2 * * *', '2026-03-08T07:00:00Z'], // 02:30 does not exist → 03:00 EDT
  ['America/New_York', '2026-03-08', '30 1 * * *', '2026-03-08T06:30:00Z'], // 01:30 EST
  ['America/New_York', '2026-11-01', '30 1 * * *', '2026-11-01T05:30:00Z'], // 01:30 EDT (again at EST: no)
  ['America/New_York', '2026-11-01', '30 2 * * *', '2026-11-01T07:30:00Z'], // 02:30 EST
  ['Europe/Berlin', '2026-03-29', '30 2 * * *', '2026-03-29T01:00:00Z'], // 02:30 does not exist → 03:00 CEST
  ['Europe/Berlin', '2026-03-29', '30 1 * * *', '2026-03-29T00:30:00Z'], // 01:30 CET
  ['Europe/Berlin', '2026-10-25', '30 2 * * *', '2026-10-25T00:30:00Z'], // 02:30 CEST (again at CET: no)
  ['Europe/Berlin', '2026-10-25', '30 1 * * *', '2026-10-24T23:30:00Z'], // 01:30 CEST
  ['Asia/Shanghai', '2026-11-25', '45 2 * * *', '2026-11-24T18:45:00Z'], // no DST: 02:45 = 18:45 UTC the day before
];

describe('cron in the tenant’s time zone', () => {
  it('fires a 02:45 Asia/Shanghai schedule at 18:45 UTC the day before', () => {
    const schedule = new CronSchedule('45 2 * * *');
    expect(schedule.matches(Date.UTC(2026, 10, 24, 18, 45), 'Asia/Shanghai')).toBe(true);
    expect(schedule.matches(Date.UTC(2026, 10, 24, 18, 45, 59), 'Asia/Shanghai')).toBe(true);
    expect(schedule.matches(Date.UTC(2026, 10, 24, 18, 46), 'Asia/Shanghai')).toBe(false);
    expect(schedule.matches(Date.UTC(2026, 10, 25, 2, 45), 'Asia/Shanghai')).toBe(false);
    expect(schedule.matches(Date.UTC(2026, 10, 25, 2, 45), 'UTC')).toBe(true);
  });

  it('matches day-of-month OR day-of-week when both are restricted (cron semantics)', () => {
    const schedule = new CronSchedule('0 9 1 * 1'); // the 1st, and every Monday
    expect(schedule.matches(Date.UTC(2026, 10, 30, 1, 0), 'Asia/Shanghai')).toBe(true); // Mon 30 Nov 09:00 +08
    expect(schedule.matches(Date.UTC(2026, 11, 1, 1, 0), 'Asia/Shanghai')).toBe(true); // Tue 1 Dec
    expect(schedule.matches(Date.UTC(2026, 11, 2, 1, 0), 'Asia/Shanghai')).toBe(false); // Wed 2 Dec
  });

  it.each(dstDays)('fires a daily job once in %s on %s (%s)', (timeZone, day, expression, expected) => {
    const schedule = new CronSchedule(expression);
    const middle = Date.parse(`${day}T12:00:00Z`);
    const firings = schedule.firings(middle - 3 * DAY, middle + 3 * DAY, timeZone);
    const perDay = new Map<string, number[]>();
    for (const instant of firings)
      perDay.set(localDate(instant, timeZone), [...(perDay.get(localDate(instant, timeZone)) ?? []), instant]);
    // Once on the change day and on the days around it.
    for (const [, instants] of perDay) expect(instants).toHaveLength(1);
    expect(perDay.size).toBeGreaterThanOrEqual(5);
    expect(perDay.get(day)).toEqual([Date.parse(expected)]);
    expect(schedule.matches(Date.parse(expected), timeZone)).toBe(true);
  });

  it('does not fire a repeated fall-back time twice, nor skip a spring-forward one', () => {
    // New York, 1 Nov 2026: 01:30 EDT (05:30Z) fires, 01:30 EST (06:30Z) does not.
    expect(new CronSchedule('30 1 * * *').matches(Date.UTC(2026, 10, 1, 6, 30), 'America/New_York')).toBe(false);
    // Berlin, 29 Mar 2026: the clock jumps 02:00 → 03:00; a 02:30 job runs at 03:00 CEST (01:00Z).
    expect(new CronSchedule('30 2 * * *').matches(Date.UTC(2026, 2, 29, 1, 0), 'Europe/Berlin')).toBe(true);
    // An interval job follows elapsed time: every 30 minutes, both passes of Berlin's repeated hour.
    const halfHourly = new CronSchedule('*/30 * * * *');
    expect(halfHourly.firings(Date.UTC(2026, 9, 24, 23, 0), Date.UTC(2026, 9, 25, 2, 0), 'Europe/Berlin')).toHaveLength(7);
  });

  it('refuses seconds and other invalid expressions with a clear reason, accepts nicknames', () => {
    expect(cronProblem('0 45 2 * * *')).toMatch(/6 fields.*exactly 5.*seconds are not supported/);
    expect(cronProblem('0 45 2 * * * 2027')).toMatch(/7 fields/);
    expect(cronProblem('61 * * * *')).toMatch(/not a valid cron expression.*minute/);
    expect(cronProblem('0 0 31 2 *')).toMatch(/never fires/);
    expect(cronProblem('*/15 * * * *')).toBeUndefined();
    expect(cronProblem('@daily')).toBeUndefined();
    expect(() => new CronSchedule('0 */5 * * * *')).toThrow(/seconds are not supported/);
  });

  it('refuses a plugin schedule with a seconds field when the plugin registers', async () => {
    const withSeconds = definePlugin({
      id: 'every-second',
      version: '1.0.0',
      requires: { core: '^0.1.0' },
      register({ registerInit }) {
        registerInit({
          deps: { scheduler: schedulerExtensionPoint },
          init({ scheduler }) {
            scheduler.addSchedule({ key: 'tick', cron: '* * * * * *', run: async () => undefined });
          },
        });
      },
    });
    await expect(createTestApp('sqlite', {}, { plugins: [withSeconds] })).rejects.toThrow(
      /every-second.*schedule "tick".*seconds are not supported/,
    );
  });
});

/** Firings of the fixture plugin's schedule, as its `run` saw them. */
const nightlyRuns: { tenantId: string; dueAt: number }[] = [];
const nightlyPlugin = definePlugin({
  id: 'jobs-test',
  version: '1.0.0',
  requires: { core: '^0.1.0' },
  register({ registerInit }) {
    registerInit({
      deps: { scheduler: schedulerExtensionPoint },
      init({ scheduler }) {
        scheduler.addSchedule({
          key: 'nightly',
          cron: '45 2 * * *',
          run: async (input) => void nightlyRuns.push(input),
        });
      },
    });
  },
});
/** The same schedule as a second scheduler instance would know it (its `run` is never used: firings run by key). */
const nightlyEntry: ScheduleEntry = {
  key: 'jobs-test:nightly',
  cron: new CronSchedule('45 2 * * *'),
  run: () => Promise.reject(new Error('a firing runs through the worker and the app’s entry')),
};

describeEngines(
  'scheduler',
  (ctx) => {
    it('fires a due schedule once per tenant even when two schedulers race, and runs it through the worker', async () => {
      const app = ctx.app;
      const shanghai = await createTenant(app);
      const utc = await createTenant(app, { timeZone: 'UTC' });
      // Two instances knowing only the fixture's schedule (core's own, e.g. the 02:45 automatic dedupe
      // of contacts, are due at the same minute and would count too).
      const first = new Scheduler(app.service(tenantServiceRef), app.jobs.queue, [nightlyEntry], silent);
      const second = new Scheduler(app.service(tenantServiceRef), app.jobs.queue, [nightlyEntry], silent);
      const at = Date.UTC(2026, 10, 24, 18, 45, 30);
      const [a, b] = await Promise.all([first.tick(at), second.tick(at)]);
      expect(a + b).toBe(1); // only the Shanghai tenant is due, and it is inserted once
      expect(await second.tick(at + 60_000)).toBe(0);
      const rows = await app.oltp.knex('task').where({ kind: SCHEDULE_TASK_KIND, schedule_key: 'jobs-test:nightly' });
      expect(rows.map((r) => [String(r.tenant_id), Number(r.due_at), r.status])).toEqual([
        [shanghai.tenantId, Date.UTC(2026, 10, 24, 18, 45), 'queued'],
      ]);
      expect(utc.tenantId).not.toBe(shanghai.tenantId);
      // The app's worker claims the firing and runs the plugin's schedule through its task kind.
      nightlyRuns.length = 0;
      while ((await app.jobs.worker.poll()) > 0);
      expect(nightlyRuns).toEqual([{ tenantId: shanghai.tenantId, dueAt: Date.UTC(2026, 10, 24, 18, 45) }]);
      expect(await app.jobs.queue.get(shanghai.tenantId, String(rows[0].id))).toMatchObject({
        status: 'succeeded',
        attempts: 1,
        scheduleKey: 'jobs-test:nightly',
      });
    });

    it('runs a firing again when the worker running it died (at-least-once)', async () => {
      const app = ctx.app;
      const shanghai = await createTenant(app);
      const scheduler = new Scheduler(app.service(tenantServiceRef), app.jobs.queue, [nightlyEntry], silent);
      const dueAt = Date.UTC(2026, 10, 25, 18, 45);
      expect(await scheduler.tick(dueAt + 10_000)).toBeGreaterThanOrEqual(1);
      const row = await app.oltp.knex('task').where({ tenant_id: shanghai.tenantId, schedule_key: 'jobs-test:nightly' }).first();
      expect(Number(row.max_attempts)).toBe(SCHEDULE_RUN_MAX_ATTEMPTS);
      // A worker claims every firing and dies before running any.
      await app.jobs.queue.claim('crashed-worker', { kinds: [SCHEDULE_TASK_KIND], limit: 100, leaseMs: 150 });
      await sleep(300);
      nightlyRuns.length = 0;
      while ((await app.jobs.worker.poll()) > 0);
      expect(nightlyRuns).toContainEqual({ tenantId: shanghai.tenantId, dueAt });
      expect(nightlyRuns.filter((r) => r.tenantId === shanghai.tenantId)).toHaveLength(1);
      expect(await app.jobs.queue.get(shanghai.tenantId, String(row.id))).toMatchObject({ status: 'succeeded', attempts: 2 });
    });
  },
  { plugins: [nightlyPlugin] },
);

describeEngines('scheduler on DST change days', (ctx) => {
  it('inserts exactly one firing per tenant and day for daily jobs at 01:30, 02:30 and 02:45', async () => {
    const app = ctx.app;
    const zones = ['America/New_York', 'Europe/Berlin', 'Asia/Shanghai'];
    const tenants = new Map<string, string>();
    for (const timeZone of zones) tenants.set((await createTenant(app, { timeZone })).tenantId, timeZone);
    const entries: ScheduleEntry[] = ['30 1 * * *', '30 2 * * *', '45 2 * * *'].map((expression) => ({
      key: `test:${expression.replace(/\D+/g, '-')}`,
      cron: new CronSchedule(expression),
      run: async () => undefined,
    }));
    const days = [...new Set(dstDays.map(([, day]) => day))];
    for (const day of days) {
      // A scheduler running through the day and a half around it, ticking every 30 minutes
      // (each tick covers the minutes since the last one).
      const scheduler = new Scheduler(app.service(tenantServiceRef), app.jobs.queue, entries, silent);
      const start = Date.parse(`${day}T00:00:00Z`) - 18 * 3_600_000;
      for (let now = start; now <= start + 2 * DAY; now += 30 * 60_000) await scheduler.tick(now + 15_000);
    }
    const rows = await app.oltp
      .knex('task')
      .whereIn('tenant_id', [...tenants.keys()])
      .where({ kind: SCHEDULE_TASK_KIND })
      .select<{ tenant_id: number | string; schedule_key: string; due_at: number | string }[]>(
        'tenant_id',
        'schedule_key',
        'due_at',
      );
    const firings = new Map<string, number[]>();
    for (const row of rows) {
      const timeZone = tenants.get(String(row.tenant_id))!;
      const key = `${timeZone} ${localDate(Number(row.due_at), timeZone)} ${row.schedule_key}`;
      firings.set(key, [...(firings.get(key) ?? []), Number(row.due_at)]);
    }
    for (const [key, instants] of firings) expect(instants, key).toHaveLength(1);
    for (const [timeZone, day, expression, expected] of dstDays) {
      const key = `${timeZone} ${day} test:${expression.replace(/\D+/g, '-')}`;
      expect(firings.get(key), key).toEqual([Date.parse(expected)]);
    }
  });
});

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
