import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { duckDbDialect } from '../../src/store/olap/duckdb/duckdb-dialect.js';
import { DuckDbEngine, type DuckDbEngineOptions } from '../../src/store/olap/duckdb/duckdb-engine.js';
import { OlapQueryTimeoutError } from '../../src/store/olap/errors.js';
import { interruptible } from '../../src/store/olap/duckdb/duckdb-support.js';
import { MemorySchemaVersionStore } from '../../src/store/olap/schema-versions.js';
import { ZonedClock } from '../../src/lib/zoned-clock.js';
import { crashBatch, crashDeclaration, crashTenantId } from './fixtures/crash-batch.js';
import { eventRow, num, sampleDeclaration } from './support.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const opened: DuckDbEngine[] = [];
const dirs: string[] = [];

async function openEngine(options: Partial<DuckDbEngineOptions> = {}): Promise<DuckDbEngine> {
  const engine = await DuckDbEngine.open({ path: ':memory:', versions: new MemorySchemaVersionStore(), ...options });
  opened.push(engine);
  return engine;
}

function scratchDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'huiliu-duckdb-'));
  dirs.push(dir);
  return dir;
}

afterEach(async () => {
  for (const engine of opened.splice(0)) await engine.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const cpuMs = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Hashing 10^12 rows: hours of work on any machine, so only an interrupt can end it. */
const slowQuery = 'SELECT sum(hash(i)) AS n FROM range(1000000000000) AS t(i)';

describe('DuckDB engine', () => {
  it('refuses to open a second engine on a file this process already holds', async () => {
    const file = path.join(scratchDir(), 'analytics.duckdb');
    await openEngine({ path: file });
    await expect(openEngine({ path: file })).rejects.toMatchObject({ code: 'olap_already_open' });
  });

  it('opens with external access disabled and the configuration locked, underneath the SQL guard', async () => {
    const engine = await openEngine();
    const tenant = engine.forTenant('1');
    await tenant.declare(sampleDeclaration());
    // The guard refuses these before they reach DuckDB (sql-guard.test.ts has every case)…
    await expect(tenant.query(`SELECT * FROM read_csv('/etc/passwd')`)).rejects.toMatchObject({ code: 'olap_sql_refused' });
    await expect(tenant.query('SET threads = 1')).rejects.toMatchObject({ code: 'olap_sql_invalid' });
    // …and DuckDB itself refuses them on a raw connection, should anything get past the guard.
    const raw = (sql: string) => engine.read((connection) => connection.run(sql));
    await expect(raw(`SELECT * FROM read_csv('/etc/passwd')`)).rejects.toThrow(/disabled by configuration/);
    await expect(raw(`ATTACH '${path.join(scratchDir(), 'other.duckdb')}'`)).rejects.toThrow(/disabled by configuration/);
    await expect(raw('INSTALL httpfs')).rejects.toThrow(/disabled by configuration/);
    await expect(raw('SET enable_external_access = true')).rejects.toThrow(/configuration has been locked/);
    await expect(raw('SET threads = 1')).rejects.toThrow(/configuration has been locked/);
  });

  it('refuses a tenant id that is not a numeric id (it names a schema)', async () => {
    const engine = await openEngine();
    expect(() => engine.forTenant('1; DROP SCHEMA t_1')).toThrow(/olap_argument_invalid/);
  });

  // No bound on elapsed time or on CPU burnt before the limit: on a busy 2-core machine both vary.
  // What cannot vary: the error is the interrupt (the query would run for hours otherwise), the
  // process is idle afterwards, and the one read connection answers the next query.
  it('stops an interrupted query inside DuckDB: no CPU is spent afterwards and the same connection answers', async () => {
    // One read connection: the follow-up query must run on the connection the slow query held.
    const engine = await openEngine({ readConnections: 1, threads: 2 });
    const tenant = engine.forTenant('1');
    await tenant.declare(sampleDeclaration());
    const error = await tenant.query(slowQuery, { timeoutMs: 500 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OlapQueryTimeoutError);
    expect((error as OlapQueryTimeoutError).code).toBe('olap_query_timeout');
    expect(String((error as OlapQueryTimeoutError).cause)).toMatch(/INTERRUPT/);

    // The query stopped burning CPU: over the next second this process is idle (a query still
    // hashing on two threads would use most of that second, even on a loaded machine).
    const idleFrom = process.cpuUsage();
    await sleep(1_000);
    expect(cpuMs(process.cpuUsage(idleFrom))).toBeLessThan(300);

    // A DuckDB connection runs one query at a time: an answer proves the slow one is gone.
    expect((await tenant.query('SELECT 42 AS answer')).rows).toEqual([{ answer: 42 }]);
  });

  it('repeats the interrupt until the query stops, so an interrupt sent before the query started is not lost', async () => {
    const engine = await openEngine({ readConnections: 1 });
    // The time limit passes before the query starts (as on a machine too busy to start it in
    // time): DuckDB clears an interrupt when a query begins, so only a repeated one stops it.
    const error = await engine
      .read((connection) =>
        interruptible(connection, 1, async () => {
          await sleep(100);
          return connection.run(slowQuery);
        }),
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OlapQueryTimeoutError);
    expect(String((error as OlapQueryTimeoutError).cause)).toMatch(/INTERRUPT/);
    // No interrupt is left behind for the connection's next query.
    await sleep(200);
    const answer = await engine.read((connection) => connection.runAndReadAll('SELECT 42 AS answer'));
    expect(answer.getRowObjectsJS()).toEqual([{ answer: 42 }]);
  }, 30_000);

  it('rolls back everything of a batch that fails after its rows were appended', async () => {
    let fail = true;
    const engine = await openEngine({
      faultInjection: {
        beforeCommit: () => {
          if (fail) throw new Error('simulated crash before COMMIT');
        },
      },
    });
    const tenant = engine.forTenant('1');
    await tenant.declare(sampleDeclaration());
    const batch = {
      batchId: 'b-fail',
      events: Array.from({ length: 3000 }, () => eventRow()),
      contacts: [{ id: '1001', createdAt: 1, updatedAt: 1 }],
      aliases: [{ fromContactId: '5', toContactId: '1001' }],
    };
    await expect(tenant.load(batch)).rejects.toThrow('simulated crash before COMMIT');
    for (const sql of [
      'SELECT count(*) AS n FROM events',
      'SELECT count(*) AS n FROM contacts',
      'SELECT count(*) AS n FROM events WHERE source_contact_id <> contact_id',
    ]) {
      expect(num((await tenant.query<{ n: bigint }>(sql)).rows[0]!.n)).toBe(0);
    }
    fail = false;
    expect(await tenant.load(batch)).toMatchObject({ status: 'loaded', events: 3000, contacts: 1 });
  });

  it('loses nothing and duplicates nothing when the process is killed in the middle of a load', async () => {
    const file = path.join(scratchDir(), 'analytics.duckdb');
    const child = spawn(
      process.execPath,
      [
        path.join(root, 'node_modules/vite-node/vite-node.mjs'),
        path.join(root, 'core/test/olap/fixtures/crash-mid-load.ts'),
        file,
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('IN_TRANSACTION')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`child exited (${code}) before the load was in flight: ${stderr}`)));
    });
    // Every row and the ledger entry are written, COMMIT has not happened: kill -9.
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const engine = await openEngine({ path: file });
    const tenant = engine.forTenant(crashTenantId);
    await tenant.declare(crashDeclaration);
    const counts = async () =>
      (
        await tenant.query<{ events: bigint; contacts: bigint }>(
          'SELECT (SELECT count(*) FROM events) AS events, (SELECT count(*) FROM contacts) AS contacts',
        )
      ).rows[0]!;
    expect(await counts()).toEqual({ events: 0n, contacts: 0n });
    // The batch was never acknowledged; the worker retries it and it loads exactly once.
    expect(await tenant.load(crashBatch())).toMatchObject({ status: 'loaded', events: 130_000 });
    expect(await tenant.load(crashBatch())).toMatchObject({ status: 'already_loaded' });
    expect(await counts()).toEqual({ events: 130_000n, contacts: 1n });
  }, 60_000);

  it('computes event_day at load exactly as the dialect computes local dates in SQL, across DST changes', async () => {
    const engine = await openEngine();
    const zones = ['Asia/Shanghai', 'America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Asia/Kathmandu'];
    // Every 37 minutes through 2026: ~14,000 instants per zone, hitting every transition.
    const instants = Array.from({ length: 14_300 }, (_, i) => Date.UTC(2026, 0, 1) + i * 37 * 60_000);
    for (const [index, timeZone] of zones.entries()) {
      const tenant = engine.forTenant(String(index + 1));
      await tenant.declare(sampleDeclaration({ timeZone }));
      await tenant.load({ batchId: 'b-dst', events: instants.map((eventTime) => eventRow({ eventTime })) });
      const { rows } = await tenant.query<{ n: bigint; differ: bigint }>(
        `SELECT count(*) AS n, count(*) FILTER (WHERE event_day <> ${duckDbDialect.localDate('event_time', timeZone)}) AS differ FROM events`,
      );
      expect(rows[0], timeZone).toEqual({ n: BigInt(instants.length), differ: 0n });
    }
    // And the JS clock agrees with Intl on a known Lord Howe half-hour DST change (2026-04-05 02:00 → 01:30).
    const lordHowe = new ZonedClock('Australia/Lord_Howe');
    expect(lordHowe.offsetMs(Date.UTC(2026, 3, 4, 14, 59))).toBe(11 * 3600_000);
    expect(lordHowe.offsetMs(Date.UTC(2026, 3, 4, 15, 0))).toBe(10.5 * 3600_000);
  });

  it('buckets weeks Monday to Sunday and months in the tenant time zone', async () => {
    const engine = await openEngine();
    const tenant = engine.forTenant('1');
    await tenant.declare(sampleDeclaration());
    // Sunday 2026-11-29 20:00 UTC is Monday 2026-11-30 04:00 in Shanghai; Nov 30 16:30 UTC is Dec 1.
    await tenant.load({
      batchId: 'b-buckets',
      events: [eventRow({ eventTime: Date.UTC(2026, 10, 29, 20) }), eventRow({ eventTime: Date.UTC(2026, 10, 30, 16, 30) })],
    });
    const tz = 'Asia/Shanghai';
    const { rows } = await tenant.query(
      `SELECT ${duckDbDialect.localWeekStart('event_time', tz)} AS week, ${duckDbDialect.localMonthStart('event_time', tz)} AS month,
              ${duckDbDialect.epochMs('event_time')} AS ms FROM events ORDER BY event_time`,
      { rowMode: 'json' },
    );
    expect(rows).toEqual([
      { week: '2026-11-30', month: '2026-11-01', ms: String(Date.UTC(2026, 10, 29, 20)) },
      { week: '2026-11-30', month: '2026-12-01', ms: String(Date.UTC(2026, 10, 30, 16, 30)) },
    ]);
    const today = (await tenant.query<{ d: string }>(`SELECT ${duckDbDialect.localToday(tz)} AS d`, { rowMode: 'json' })).rows[0]!
      .d;
    expect(today).toBe(new ZonedClock(tz).localDate(Date.now()));
  });

  it('reports truncation when a result has more rows than asked for', async () => {
    const engine = await openEngine();
    const tenant = engine.forTenant('1');
    await tenant.declare(sampleDeclaration());
    const result = await tenant.query('SELECT i FROM range(5000) AS t(i)', { maxRows: 10 });
    expect(result.rows).toHaveLength(10);
    expect(result.truncated).toBe(true);
    expect((await tenant.query('SELECT i FROM range(5) AS t(i)', { maxRows: 10 })).truncated).toBe(false);
  });

  it('where DuckDB stands with a lone UTF-16 surrogate: VARCHAR gets U+FFFD, JSON text keeps the escape its functions refuse', async () => {
    // Raw DuckDB, without our loader: what the appender does on its own (the reason for lib/well-formed.ts).
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      await connection.run('CREATE TABLE t (s VARCHAR, j JSON)');
      const appender = await connection.createAppender('t');
      appender.appendVarchar('a\ud800b');
      // What JSON.stringify makes of a lone surrogate: a `\ud800` escape (well-formed JSON text).
      appender.appendVarchar(JSON.stringify({ k: 'x\ud800' }));
      appender.endRow();
      appender.flushSync();
      appender.closeSync();
      const read = await connection.runAndReadAll('SELECT s, j::VARCHAR AS j FROM t');
      // The VARCHAR is not refused: the UTF-8 conversion replaced the surrogate with U+FFFD…
      expect(read.getRowObjectsJson()).toEqual([{ s: 'a\ufffdb', j: '{"k":"x\\ud800"}' }]);
      // …while the JSON column stored the escape, and DuckDB's JSON functions refuse it afterwards.
      await expect(connection.runAndReadAll(`SELECT j->>'k' AS k FROM t`)).rejects.toThrow(/no low surrogate/);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
    // Through the engine both are U+FFFD (values.ts `coerce`), and extra stays readable by JSON functions.
    const engine = await openEngine();
    const tenant = engine.forTenant('1');
    await tenant.declare(sampleDeclaration());
    await tenant.load({ batchId: 'b-surrogate', events: [eventRow({ properties: { sku: 'a\ud800b', coupon: 'x\ud800' } })] });
    const { rows } = await tenant.query(`SELECT p_12, extra->>'coupon' AS coupon FROM events`);
    expect(rows).toEqual([{ p_12: 'a\ufffdb', coupon: 'x\ufffd' }]);
  });

  it('starts the other tenants when one recorded declaration cannot be reconciled, and reports it on use', async () => {
    const file = path.join(scratchDir(), 'analytics.duckdb');
    const versions = new MemorySchemaVersionStore();
    let engine = await DuckDbEngine.open({ path: file, versions });
    await engine.forTenant('1').declare(sampleDeclaration());
    await engine.forTenant('2').declare(sampleDeclaration());
    await engine.close();
    // A record that contradicts the physical schema (p_11 is DOUBLE), as a bad restore could leave.
    const broken = sampleDeclaration();
    broken.eventProperties[0] = { id: '11', name: 'amount', type: 'string' };
    await versions.record('1', broken, Date.now());
    const logged: unknown[] = [];
    const logger = {
      error: (fields: unknown) => logged.push(fields),
      info: () => undefined,
    } as unknown as DuckDbEngineOptions['logger'];
    engine = await openEngine({ path: file, versions, logger });
    await engine.start();
    expect(logged).toEqual([expect.objectContaining({ tenantId: '1' })]);
    expect((await engine.forTenant('2').query<{ n: bigint }>('SELECT count(*) AS n FROM events')).rows).toEqual([{ n: 0n }]);
    await expect(engine.forTenant('1').query('SELECT count(*) AS n FROM events')).rejects.toMatchObject({
      code: 'olap_schema_conflict',
    });
  });

  it('adds the run column to a store written before tag runs: old values read as run 0, new runs append beside them', async () => {
    const file = path.join(scratchDir(), 'analytics.duckdb');
    const versions = new MemorySchemaVersionStore();
    let engine = await DuckDbEngine.open({ path: file, versions });
    await engine.forTenant('1').declare(sampleDeclaration());
    await engine.close();
    // The table as it was before runs (ADR 0050), holding a tag's day.
    const instance = await DuckDBInstance.create(file);
    const connection = await instance.connect();
    await connection.run('ALTER TABLE "t_1"."tag_value_data" DROP COLUMN "run"');
    await connection.run(`INSERT INTO "t_1"."tag_value_data" VALUES (7, DATE '2026-11-24', 11, 'old', NULL, NULL)`);
    connection.closeSync();
    instance.closeSync();

    engine = await openEngine({ path: file, versions });
    await engine.start();
    const tenant = engine.forTenant('1');
    await tenant.replaceTagValues('7', '2026-11-24', 'string', { rows: [{ contactId: '11', value: 'new' }] }, { run: 1 });
    const { rows } = await tenant.query<{ run: unknown; value_string: string }>(
      'SELECT run, value_string FROM tag_value WHERE tag_id = 7 ORDER BY run',
    );
    expect(rows.map((r) => [num(r.run), r.value_string])).toEqual([
      [0, 'old'],
      [1, 'new'],
    ]);
  });

  it('interrupts a running query when it closes instead of closing the connection under it', async () => {
    const engine = await DuckDbEngine.open({ path: ':memory:', versions: new MemorySchemaVersionStore(), readConnections: 1 });
    const tenant = engine.forTenant('1');
    await tenant.declare(sampleDeclaration());
    const running = tenant.query(slowQuery, { timeoutMs: 600_000 }).catch((e: unknown) => e);
    await vi.waitFor(() => expect(engine.busyReads).toBe(1), { timeout: 30_000 });
    const queued = tenant.query('SELECT 1 AS one').catch((e: unknown) => e);
    // close() returns only once the running query has given its connection back: it was interrupted.
    await engine.close();
    expect(String(await running)).toMatch(/INTERRUPT/);
    expect(await queued).toMatchObject({ code: 'olap_closed' });
  });

  it('refuses writes once closed, after finishing the queued ones', async () => {
    const engine = await DuckDbEngine.open({ path: ':memory:', versions: new MemorySchemaVersionStore() });
    const tenant = engine.forTenant('1');
    await tenant.declare(sampleDeclaration());
    const queued = tenant.load({ batchId: 'b-last', events: [eventRow()] });
    await engine.close();
    expect((await queued).status).toBe('loaded');
    await expect(tenant.load({ batchId: 'b-late', events: [eventRow()] })).rejects.toMatchObject({ code: 'olap_closed' });
    await expect(tenant.query('SELECT 1')).rejects.toMatchObject({ code: 'olap_closed' });
  });

  // ---- the writer stays fair -------------------------------------------------------------------------

  it("finishes one tenant's load before another tenant's long queue of loads drains, losing and reordering nothing", async () => {
    const engine = await openEngine();
    const busy = engine.forTenant('1');
    const quiet = engine.forTenant('2');
    for (const tenant of [busy, quiet]) await tenant.declare(sampleDeclaration());
    const finished: string[] = [];
    const loads = Array.from({ length: 30 }, (_, n) =>
      busy
        .load({ batchId: `b-busy-${n}`, events: Array.from({ length: 300 }, () => eventRow({ contactId: String(n + 1) })) })
        .then((result) => {
          finished.push(`busy ${n}`);
          return result;
        }),
    );
    const single = quiet.load({ batchId: 'b-quiet', events: [eventRow()] }).then((result) => {
      finished.push('quiet');
      return result;
    });
    const results = await Promise.all([...loads, single]);
    expect(results.every((r) => r.status === 'loaded')).toBe(true);
    // The quiet tenant waited for at most the busy tenant's running load and the one ahead of it.
    expect(finished.indexOf('quiet')).toBeLessThanOrEqual(2);
    // The busy tenant's loads finished in the order they were submitted, and all of them landed.
    expect(finished.filter((f) => f !== 'quiet')).toEqual(loads.map((_, n) => `busy ${n}`));
    const { rows } = await busy.query<{ n: bigint; contacts: bigint }>(
      'SELECT count(*) AS n, count(DISTINCT contact_id) AS contacts FROM events',
    );
    expect(rows).toEqual([{ n: 9_000n, contacts: 30n }]);
  });

  it('bounds the write queue per tenant: more writes are refused with olap_busy, other tenants unaffected', async () => {
    const engine = await openEngine({ writeQueue: { maxQueuedPerKey: 5 } });
    const busy = engine.forTenant('1');
    const quiet = engine.forTenant('2');
    for (const tenant of [busy, quiet]) await tenant.declare(sampleDeclaration());
    const settled = await Promise.allSettled([
      ...Array.from({ length: 8 }, (_, n) => busy.load({ batchId: `b-bound-${n}`, events: [eventRow()] })),
      quiet.load({ batchId: 'b-bound-quiet', events: [eventRow()] }),
    ]);
    expect(settled.map((r) => r.status)).toEqual([...Array(5).fill('fulfilled'), ...Array(3).fill('rejected'), 'fulfilled']);
    expect((settled[5] as PromiseRejectedResult).reason).toMatchObject({ code: 'olap_busy', statusCode: 503 });
    // Nothing of a refused load was written; the accepted ones all were.
    expect((await busy.query<{ n: bigint }>('SELECT count(*) AS n FROM events')).rows).toEqual([{ n: 5n }]);
  });

  it("runs a group computation's query on a read connection: another tenant's load finishes while it runs", async () => {
    const engine = await openEngine();
    const computing = engine.forTenant('1');
    const loading = engine.forTenant('2');
    for (const tenant of [computing, loading]) await tenant.declare(sampleDeclaration());
    await computing.load({ batchId: 'b-members', events: [eventRow({ contactId: '5' })] });
    let computed = false;
    const computation = computing
      .replaceGroupVersion('9', 1, {
        sql: `SELECT contact_id FROM events WHERE (${slowQuery}) IS NOT NULL`,
        timeoutMs: 600_000,
      })
      .then(
        () => (computed = true),
        (error: unknown) => error,
      );
    await vi.waitFor(() => expect(engine.busyReads).toBe(1), { timeout: 30_000 });
    // The query runs on a read connection and holds nothing on the writer.
    expect(engine.writesPending('1')).toBe(0);
    expect(await loading.load({ batchId: 'b-during', events: [eventRow()] })).toMatchObject({ status: 'loaded' });
    expect(computed).toBe(false);
    await engine.close();
    expect(String(await computation)).toMatch(/INTERRUPT/);
  });

  it('appends a computed result in chunks, one writer turn each, letting other tenants write in between', async () => {
    const engine = await openEngine({ writeChunkRows: 100 });
    const computing = engine.forTenant('1');
    const loading = engine.forTenant('2');
    for (const tenant of [computing, loading]) await tenant.declare(sampleDeclaration());
    await computing.load({
      batchId: 'b-many',
      events: Array.from({ length: 1_000 }, (_, n) => eventRow({ contactId: String(n + 1) })),
    });
    // An old version's leftovers (a retried computation) are replaced, not added to.
    await computing.replaceGroupVersion('9', 2, { rows: ['999999'] });
    // Hold the writer so the computation's first chunk queues behind another tenant's task.
    let release!: () => void;
    const gate = engine.write('3', () => new Promise<void>((resolve) => (release = resolve)));
    const order: string[] = [];
    const computation = computing
      .replaceGroupVersion('9', 2, { sql: 'SELECT contact_id FROM events' })
      .then((n) => (order.push('computation'), n));
    await vi.waitFor(() => expect(engine.writesPending('1')).toBe(1), { timeout: 30_000 });
    const load = loading.load({ batchId: 'b-between', events: [eventRow()] }).then(() => order.push('load'));
    release();
    await Promise.all([gate, computation, load]);
    // The load went in between the ten chunks of the computation, not after all of them.
    expect(order).toEqual(['load', 'computation']);
    expect(await computation).toBe(1_000);
    const { rows } = await computing.query<{ n: bigint; lowest: bigint; highest: bigint }>(
      'SELECT count(*) AS n, min(contact_id) AS lowest, max(contact_id) AS highest FROM group_member WHERE group_id = 9 AND version = 2',
    );
    expect(rows).toEqual([{ n: 1_000n, lowest: 1n, highest: 1_000n }]);
  });
});
