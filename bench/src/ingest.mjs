// Ingestion benchmarks (issue 14): a real Huiliu server (createApp from core/dist, SQLite + DuckDB in a
// temp data dir, listening on a port) fed through the HTTP batch API by a load generator in a worker
// thread (node:http, keep-alive, several connections). Needs core and the plugins built
// (`npm run bench:ingest` builds them first).
//
//   (a)  durable accept, drain paused, batches of 100, starting with --preload messageIds stored;
//        once with random UUIDv4 messageIds (a4), once with time-ordered UUIDv7 (a7)
//   (c)  the limit: the same bodies JSON.parse'd and inserted with raw better-sqlite3, one
//        transaction per request, prepared INSERT into a table with a UNIQUE messageId index (c7;
//        c4 with v4 ids for comparison)
//   (b)  end to end into DuckDB at a fixed offered load (--rate events/s, open loop) over --ids
//        anonymous ids with 5 % identify calls: sustained throughput and freshness accept → queryable
//
//   node bench/src/ingest.mjs --modes c7,a4,a7,c7 --seconds 60 --preload 1000000
//   node bench/src/ingest.mjs --modes b --seconds 300 --rate 20000 --ids 100000
//
// JSON to stdout, progress to stderr, load average sampled while it runs.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { EVENTS_PER_BATCH_DEFAULT, makeBatch, runGenerator, startServer as startSharedServer, uuidv7 } from './ingest-load.mjs';

await main();

// ---- main thread ------------------------------------------------------------------------------------

async function main() {
  const { log, machine, round, sampleLoad } = await import('./harness.mjs');
  const { ingestWorkerRef } = await import('../../core/dist/modules/ingestion/ingestion.module.js');
  const { partitionOf } = await import('../../core/dist/modules/ingestion/message.js');

  const { values: args } = parseArgs({
    options: {
      modes: { type: 'string', default: 'c7,a4,a7,c7' },
      seconds: { type: 'string', default: '60' },
      rate: { type: 'string', default: '20000' },
      ids: { type: 'string', default: '100000' },
      preload: { type: 'string', default: '1000000' },
      connections: { type: 'string', default: '8' },
      batch: { type: 'string', default: String(EVENTS_PER_BATCH_DEFAULT) },
      identify: { type: 'string', default: '0.05' },
      'sample-every': { type: 'string', default: '4' },
      'poll-ms': { type: 'string', default: '200' },
      'drain-timeout': { type: 'string', default: '600' },
      'olap-threads': { type: 'string' },
      keep: { type: 'boolean', default: false },
      'trace-sql': { type: 'boolean', default: false },
    },
  });
  const seconds = Number(args.seconds);
  const size = Number(args.batch);
  const ids = Number(args.ids);
  const identify = Number(args.identify);
  const preload = Number(args.preload);
  const connections = Number(args.connections);
  const modes = args.modes.split(',').map((m) => m.trim());
  const load = sampleLoad();
  const startedAt = new Date().toISOString();
  const cpu0 = process.cpuUsage();
  const results = {};

  const startServer = ({ worker }) => startSharedServer({ worker, olapThreads: args['olap-threads'], keep: args.keep });

  /** `count` drained inbox rows of the tenant, written straight into the SQLite file (same shape and keys). */
  function preloadInbox(dataDir, tenantId, channelId, count, v7) {
    const db = new Database(path.join(dataDir, 'huiliu.sqlite'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    const insert = db.prepare(
      'INSERT INTO inbox (tenant_id, partition, message_id, body, received_at, load_batch_id, drained_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    const t = performance.now();
    const now = Date.now();
    const chunk = db.transaction((from, to) => {
      for (let i = from; i < to; i += 1) {
        // Spread over the last 6 days of the dedupe window, oldest first (v7 ids follow the time).
        const at = now - 6 * 24 * 3600 * 1000 + Math.floor((i / count) * 6 * 24 * 3600 * 1000);
        const messageId = v7 ? uuidv7(at) : randomUUID();
        const anonymousId = `anon-${(i % ids).toString(36).padStart(8, '0')}`;
        const body = JSON.stringify({
          type: 'track',
          messageId,
          channelId,
          via: 'collect',
          anonymousId,
          event: 'purchase',
          properties: { amount: 12.5, sku: 'SKU-10001' },
          timestamp: new Date(at).toISOString(),
          receivedAt: at,
        });
        insert.run(tenantId, partitionOf(tenantId, { anonymousId, messageId }), messageId, body, at, 0, at);
      }
    });
    for (let i = 0; i < count; i += 10_000) chunk(i, Math.min(count, i + 10_000));
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    return round((performance.now() - t) / 1000, 1);
  }

  /** Counts OLTP statements by their SQL text (values are `?`) with the time from issue to answer. */
  function traceSql(knex) {
    const started = new Map();
    const bySql = new Map();
    knex.on('query', (q) => started.set(q.__knexQueryUid, [performance.now(), q.sql]));
    knex.on('query-response', (_r, q) => {
      const s = started.get(q.__knexQueryUid);
      if (!s) return;
      started.delete(q.__knexQueryUid);
      const sql = s[1]
        .replace(/(\?, *)+\?/g, '?…')
        .replace(/\(\?…\)(, *\(\?…\))+/g, '(?…)…')
        .slice(0, 140);
      const entry = bySql.get(sql) ?? { n: 0, ms: 0 };
      entry.n += 1;
      entry.ms += performance.now() - s[0];
      bySql.set(sql, entry);
    });
    return () =>
      [...bySql]
        .sort((a, b) => b[1].ms - a[1].ms)
        .slice(0, 25)
        .map(([sql, { n, ms }]) => ({ sql, n, ms: Math.round(ms), usEach: Math.round((1000 * ms) / n) }));
  }

  const sqliteBytes = (dataDir) =>
    ['huiliu.sqlite', 'huiliu.sqlite-wal'].reduce((sum, f) => {
      try {
        return sum + statSync(path.join(dataDir, f)).size;
      } catch {
        return sum;
      }
    }, 0);

  // ---- (a) durable accept, drain paused --------------------------------------------------------------
  async function accept(v7) {
    const name = v7 ? 'a7' : 'a4';
    const server = await startServer({ worker: false });
    try {
      log(`(${name}) preloading ${preload.toLocaleString()} drained inbox rows (${v7 ? 'UUIDv7' : 'UUIDv4'})`);
      const preloadSeconds = preloadInbox(server.dataDir, server.tenantId, server.channelId, preload, v7);
      log(`(${name}) preload took ${preloadSeconds} s; ${seconds} s of batches of ${size} over ${connections} connections`);
      const loadBefore = load.now();
      const cpu = process.cpuUsage();
      const done = await runGenerator({
        port: server.port,
        writeKey: server.writeKey,
        mode: 'closed',
        seconds,
        connections,
        size,
        ids,
        identify,
        v7,
        sampleEvery: 1e9,
      });
      const used = process.cpuUsage(cpu);
      const [{ n }] = await server.app.oltp.knex('inbox').count({ n: '*' });
      const result = {
        messageIds: v7 ? 'uuidv7' : 'uuidv4',
        preload,
        preloadSeconds,
        seconds: round(done.elapsed, 1),
        eventsPerSecond: Math.round(done.accepted / done.elapsed),
        accepted: done.accepted,
        requests: done.ok,
        status: done.status,
        errors: done.errors,
        inboxRowsAfter: Number(n),
        requestLatencyMs: Object.fromEntries(Object.entries(done.latencyMs).map(([k, v]) => [k, round(v, 1)])),
        perSecondFirst5: done.perSecond.slice(0, 5),
        perSecondLast5: done.perSecond.slice(-6, -1),
        processCpuSeconds: round((used.user + used.system) / 1e6, 1),
        sqliteMiB: round(sqliteBytes(server.dataDir) / 2 ** 20, 0),
        loadAverage: { before: loadBefore, after: load.now() },
      };
      if (result.inboxRowsAfter !== preload + done.accepted)
        throw new Error(`(${name}) inbox holds ${result.inboxRowsAfter}, expected ${preload + done.accepted}`);
      log(
        `(${name}) ${result.eventsPerSecond.toLocaleString()} events/s accepted (p50 request ${result.requestLatencyMs.p50} ms)`,
      );
      return result;
    } finally {
      await server.close();
    }
  }

  // ---- (c) the limit: raw better-sqlite3 -------------------------------------------------------------
  function raw(v7) {
    const name = v7 ? 'c7' : 'c4';
    const dir = mkdtempSync(path.join(os.tmpdir(), 'huiliu-ingest-raw-'));
    try {
      const db = new Database(path.join(dir, 'raw.sqlite'));
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.exec(`CREATE TABLE inbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, tenant_id INTEGER NOT NULL, partition INTEGER NOT NULL,
        message_id VARCHAR(128) NOT NULL, body TEXT NOT NULL, received_at BIGINT NOT NULL)`);
      db.exec('CREATE UNIQUE INDEX inbox_message ON inbox (tenant_id, message_id)');
      const insert = db.prepare(
        'INSERT INTO inbox (tenant_id, partition, message_id, body, received_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant_id, message_id) DO NOTHING',
      );
      const tenantId = '1';
      log(`(${name}) preloading ${preload.toLocaleString()} rows`);
      const preloadTx = db.transaction((from, to) => {
        const now = Date.now();
        for (let i = from; i < to; i += 1) {
          const id = v7 ? uuidv7(now - (preload - i)) : randomUUID();
          insert.run(tenantId, i % 16, id, `{"type":"track","messageId":"${id}"}`, now);
        }
      });
      for (let i = 0; i < preload; i += 10_000) preloadTx(i, Math.min(preload, i + 10_000));
      const request = db.transaction((rows) => {
        for (const r of rows) insert.run(r[0], r[1], r[2], r[3], r[4]);
      });
      log(`(${name}) ${seconds} s of parse + one transaction per request of ${size}`);
      let events = 0;
      let requests = 0;
      let timed = 0;
      let parseMs = 0;
      const cpu = process.cpuUsage();
      const until = performance.now() + seconds * 1000;
      const loadBefore = load.now();
      while (performance.now() < until) {
        const { body } = makeBatch({ size, ids, identify, v7 }); // not timed: the client's work
        const t = performance.now();
        const receivedAt = Date.now();
        const { batch } = JSON.parse(body);
        const rows = batch.map((m) => {
          const message = { ...m, channelId: '1', via: 'collect', receivedAt };
          return [tenantId, partitionOf(tenantId, m), m.messageId, JSON.stringify(message), receivedAt];
        });
        const t2 = performance.now();
        request(rows);
        const t3 = performance.now();
        parseMs += t2 - t;
        timed += t3 - t;
        events += rows.length;
        requests += 1;
      }
      const used = process.cpuUsage(cpu);
      const [{ n }] = db.prepare('SELECT count(*) AS n FROM inbox').all();
      db.close();
      const result = {
        messageIds: v7 ? 'uuidv7' : 'uuidv4',
        preload,
        seconds,
        eventsPerSecond: Math.round(events / (timed / 1000)),
        events,
        requests,
        parseAndRowsShare: round(parseMs / timed, 2),
        rowsAfter: n,
        processCpuSecondsIncludingGeneration: round((used.user + used.system) / 1e6, 1),
        loadAverage: { before: loadBefore, after: load.now() },
      };
      log(`(${name}) ${result.eventsPerSecond.toLocaleString()} events/s (parse + rows ${result.parseAndRowsShare * 100}%)`);
      return result;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  // ---- (b) end to end into DuckDB at a fixed offered load ---------------------------------------------
  async function endToEnd() {
    const rate = Number(args.rate);
    const server = await startServer({ worker: true });
    const analytics = server.app.olap.forTenant(server.tenantId);
    const workerRef = server.app.service(ingestWorkerRef);
    const sqlTrace = args['trace-sql'] ? traceSql(server.app.oltp.knex) : undefined;
    let batches = 0;
    let loadedEvents = 0;
    workerRef.onBatchLoaded((b) => {
      batches += 1;
      loadedEvents += b.events;
    });
    try {
      log(
        `(b) ${seconds} s at ${rate.toLocaleString()} events/s offered, ${ids.toLocaleString()} anonymous ids, ${identify * 100}% identify`,
      );
      const pending = []; // [messageId, acceptedAt] in accept order
      const freshness = [];
      let polling = true;
      let polls = 0;
      let pollMs = 0;
      const backlog = [];
      let drainDeadline = Infinity;
      const poller = (async () => {
        while (polling || pending.length > 0) {
          await new Promise((r) => setTimeout(r, Number(args['poll-ms'])));
          if (pending.length === 0) continue;
          const look = pending.slice(0, 400);
          const t = performance.now();
          const { rows } = await analytics.query(
            "SELECT message_id FROM events WHERE list_contains(string_split(?, ','), message_id)",
            { params: [look.map(([id]) => id).join(',')], rowMode: 'json' },
          );
          const seenAt = Date.now();
          pollMs += performance.now() - t;
          polls += 1;
          const seen = new Set(rows.map((r) => r.message_id));
          for (let i = pending.length - 1; i >= 0; i -= 1)
            if (seen.has(pending[i][0])) {
              freshness.push(seenAt - pending[i][1]);
              pending.splice(i, 1);
            }
          if (!polling && performance.now() > drainDeadline) break;
        }
      })();
      const t0 = performance.now();
      const sampler = setInterval(
        async () => {
          const [{ n }] = await server.app.oltp.knex('inbox').whereNull('load_batch_id').count({ n: '*' });
          backlog.push({ at: round((performance.now() - t0) / 1000, 0), backlog: Number(n), loaded: loadedEvents });
        },
        Math.min(10_000, seconds * 200),
      );
      const cpu = process.cpuUsage();
      const loadBefore = load.now();
      const loadedAtStart = loadedEvents;
      const done = await runGenerator(
        {
          port: server.port,
          writeKey: server.writeKey,
          mode: 'open',
          seconds,
          rate,
          connections,
          size,
          ids,
          identify,
          v7: true,
          sampleEvery: Number(args['sample-every']),
        },
        (samples) => pending.push(...samples),
      );
      const loadedDuringRun = loadedEvents - loadedAtStart;
      const elapsed = (performance.now() - t0) / 1000;
      clearInterval(sampler);
      const [{ n: backlogAtEnd }] = await server.app.oltp.knex('inbox').whereNull('load_batch_id').count({ n: '*' });
      log(
        `(b) offered ${Math.round((done.sent * size) / done.elapsed)} events/s; backlog at the end ${backlogAtEnd}; draining it`,
      );
      const tDrain = performance.now();
      drainDeadline = performance.now() + Number(args['drain-timeout']) * 1000;
      polling = false;
      // The worker drains the rest on its own; wait for the sampled messages to become queryable.
      await poller;
      const drainSeconds = (performance.now() - tDrain) / 1000;
      const used = process.cpuUsage(cpu);
      freshness.sort((a, b) => a - b);
      const q = (p) => freshness[Math.min(freshness.length - 1, Math.floor(p * freshness.length))];
      const [{ n: olapEvents }] = (await analytics.query('SELECT count(*)::INTEGER AS n FROM events', { rowMode: 'json' })).rows;
      const result = {
        offeredRate: rate,
        seconds: round(done.elapsed, 1),
        sentEventsPerSecond: Math.round((done.sent * size) / done.elapsed),
        acceptedEventsPerSecond: Math.round(done.accepted / done.elapsed),
        skippedBatches: done.skipped,
        status: done.status,
        errors: done.errors,
        requestLatencyMs: Object.fromEntries(Object.entries(done.latencyMs).map(([k, v]) => [k, round(v, 1)])),
        loadedEventsPerSecondDuringRun: Math.round(loadedDuringRun / elapsed),
        loadBatches: batches,
        backlog,
        backlogAtEnd: Number(backlogAtEnd),
        drainAfterSeconds: round(drainSeconds, 1),
        olapEventsAfter: Number(olapEvents),
        freshnessMs: {
          samples: freshness.length,
          unresolved: pending.length,
          p50: q(0.5),
          p90: q(0.9),
          p99: q(0.99),
          max: freshness.at(-1),
          pollIntervalMs: Number(args['poll-ms']),
          meanPollMs: round(pollMs / Math.max(1, polls), 1),
        },
        processCpuSeconds: round((used.user + used.system) / 1e6, 1),
        loadAverage: { before: loadBefore, after: load.now() },
        ...(sqlTrace ? { sql: sqlTrace() } : {}),
      };
      log(
        `(b) accepted ${result.acceptedEventsPerSecond}/s, loaded ${result.loadedEventsPerSecondDuringRun}/s during the run; ` +
          `freshness p50 ${result.freshnessMs.p50} ms p99 ${result.freshnessMs.p99} ms`,
      );
      return result;
    } finally {
      await server.close();
    }
  }

  // A mode may be repeated (e.g. c7,a4,a7,c7: the limit before and after, on a shared machine); the
  // second run of a mode is `<mode>_2`, and the ratios use the mean of the (c) runs.
  const runners = { a4: () => accept(false), a7: () => accept(true), c7: () => raw(true), c4: () => raw(false), b: endToEnd };
  for (const mode of modes) {
    if (!runners[mode]) throw new Error(`unknown mode ${mode}`);
    let name = mode;
    for (let i = 2; results[name]; i += 1) name = `${mode}_${i}`;
    results[name] = await runners[mode]();
  }
  const meanOf = (mode) => {
    const runs = Object.entries(results).filter(([k]) => k === mode || k.startsWith(`${mode}_`));
    return runs.length ? runs.reduce((sum, [, r]) => sum + r.eventsPerSecond, 0) / runs.length : undefined;
  };
  const ratios = {};
  const c7 = meanOf('c7');
  if (c7) {
    ratios.c7MeanEventsPerSecond = Math.round(c7);
    if (meanOf('a4')) ratios.a4_over_c7 = round(meanOf('a4') / c7, 3);
    if (meanOf('a7')) ratios.a7_over_c7 = round(meanOf('a7') / c7, 3);
  }
  const used = process.cpuUsage(cpu0);
  process.stdout.write(
    `${JSON.stringify(
      {
        benchmark: 'ingest',
        startedAt,
        machine: machine(),
        options: { modes, seconds, rate: Number(args.rate), ids, preload, connections, batch: size, identify },
        results,
        ratios,
        processCpuSeconds: round((used.user + used.system) / 1e6, 1),
        loadAverage: load.stop(),
      },
      null,
      2,
    )}\n`,
  );
  process.exit(0);
}
