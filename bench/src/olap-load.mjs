// OLAP batch-load benchmark: a synthetic tenant loaded through the analytics engine's batch path
// (the same `load()` the ingest worker calls: ledger + appender in one DuckDB transaction), then a
// few typical report queries. Needs core built (`npm run bench` builds it first).
//
//   npm run bench -w @huiliu/bench -- --contacts 1000000 --events 10000000 --days 90 --batch 1000
//
// Prints one JSON document with the measurements.
import { existsSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { duckDbDialect } from '../../core/dist/store/olap/index.js';
import { benchDeclaration, contactBatches, eventBatches } from './synthetic-tenant.mjs';
import { log, machine, openEngine, round, sampleLoad } from './harness.mjs';

const { values: args } = parseArgs({
  options: {
    contacts: { type: 'string', default: '1000000' },
    events: { type: 'string', default: '10000000' },
    days: { type: 'string', default: '90' },
    batch: { type: 'string', default: '1000' },
    'contact-batch': { type: 'string', default: '10000' },
    file: { type: 'string' },
    keep: { type: 'boolean', default: false },
    threads: { type: 'string' },
  },
});
const contacts = Number(args.contacts);
const events = Number(args.events);
const days = Number(args.days);
const batchSize = Number(args.batch);
const file = args.file ?? path.join(os.tmpdir(), `huiliu-bench-${process.pid}.duckdb`);
// The data ends at midnight (Asia/Shanghai) of the benchmark's date.
const end = Date.UTC(2026, 10, 24, 16, 0, 0);

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

for (const suffix of ['', '.wal']) rmSync(file + suffix, { force: true });
const load = sampleLoad();
const engine = await openEngine(file, args.threads);
const tenant = engine.forTenant('1');
await tenant.declare(benchDeclaration());
const result = {
  date: new Date().toISOString(),
  machine: machine(),
  loadAverage: {},
  parameters: { contacts, events, days, batchSize, contactBatchSize: Number(args['contact-batch']) },
};

// ---- contacts ---------------------------------------------------------------------------------------
{
  let loadMs = 0;
  let loaded = 0;
  let batchNo = 0;
  const wall = performance.now();
  for (const rows of contactBatches({ contacts, batchSize: Number(args['contact-batch']), end })) {
    const started = performance.now();
    await tenant.load({ batchId: `bench-contacts-${batchNo++}`, contacts: rows });
    loadMs += performance.now() - started;
    loaded += rows.length;
  }
  result.contacts = {
    rows: loaded,
    loadSeconds: round(loadMs / 1000, 2),
    rowsPerSecond: Math.round(loaded / (loadMs / 1000)),
    wallSeconds: round((performance.now() - wall) / 1000, 2),
  };
  log(`contacts: ${JSON.stringify(result.contacts)}`);
}

// ---- events -----------------------------------------------------------------------------------------
{
  const latencies = [];
  let loadMs = 0;
  let loaded = 0;
  let mismatches = 0;
  let batchNo = 0;
  const wall = performance.now();
  const cpuBefore = process.cpuUsage();
  let nextReport = 1_000_000;
  for (const rows of eventBatches({ events, days, contacts, batchSize, end })) {
    const started = performance.now();
    const outcome = await tenant.load({ batchId: `bench-events-${batchNo++}`, events: rows });
    const ms = performance.now() - started;
    latencies.push(ms);
    loadMs += ms;
    loaded += rows.length;
    mismatches += outcome.typeMismatches;
    if (loaded >= nextReport) {
      log(
        `events: ${loaded} loaded, ${Math.round(loaded / (loadMs / 1000))}/s in load(), ${Math.round(loaded / ((performance.now() - wall) / 1000))}/s end to end`,
      );
      nextReport += 1_000_000;
    }
  }
  latencies.sort((a, b) => a - b);
  const cpu = process.cpuUsage(cpuBefore);
  result.events = {
    rows: loaded,
    batches: latencies.length,
    loadSeconds: round(loadMs / 1000, 1),
    eventsPerSecond: Math.round(loaded / (loadMs / 1000)),
    wallSeconds: round((performance.now() - wall) / 1000, 1),
    eventsPerSecondIncludingGeneration: Math.round(loaded / ((performance.now() - wall) / 1000)),
    batchMs: {
      p50: round(percentile(latencies, 50), 2),
      p95: round(percentile(latencies, 95), 2),
      p99: round(percentile(latencies, 99), 2),
      max: round(latencies.at(-1), 2),
    },
    typeMismatches: mismatches,
    // CPU seconds this process used (main thread + DuckDB threads) while loading and generating.
    processCpuSeconds: round((cpu.user + cpu.system) / 1e6, 1),
  };
  log(`events: ${JSON.stringify(result.events)}`);
}

// ---- contact upserts of existing contacts (profile changes arriving through the outbox) ----------
{
  let loadMs = 0;
  let loaded = 0;
  let batchNo = 0;
  for (const rows of contactBatches({ contacts: Math.min(contacts, 100_000), batchSize: 1000, end, seed: 99 })) {
    const started = performance.now();
    await tenant.load({ batchId: `bench-contact-updates-${batchNo++}`, contacts: rows });
    loadMs += performance.now() - started;
    loaded += rows.length;
  }
  result.contactUpdates = { rows: loaded, batchSize: 1000, rowsPerSecond: Math.round(loaded / (loadMs / 1000)) };
  log(`contact updates: ${JSON.stringify(result.contactUpdates)}`);
}

// ---- the shape of what was generated (not timed) ---------------------------------------------------
{
  const per = `SELECT contact_id, count(*) AS n FROM events GROUP BY contact_id`;
  const { rows } = await tenant.query(
    `WITH per AS (${per}), ranked AS (SELECT n, row_number() OVER (ORDER BY n DESC) AS r, count(*) OVER () AS active FROM per)
     SELECT max(active) AS active, max(n) AS max_per_contact, median(n) AS median_per_contact,
            sum(n) FILTER (WHERE r <= ${Math.max(1, Math.floor(contacts / 100))}) / sum(n) AS top1pct_share FROM ranked`,
  );
  const days = await tenant.query(
    `SELECT avg(n) FILTER (WHERE dow IN (0, 6)) / avg(n) FILTER (WHERE dow NOT IN (0, 6)) AS weekend_ratio
       FROM (SELECT event_day, dayofweek(event_day) AS dow, count(*) AS n FROM events GROUP BY event_day)`,
  );
  const hour = await tenant.query(
    `SELECT hour(${duckDbDialect.localTimestamp('event_time', 'Asia/Shanghai')}) AS h, count(*) AS n FROM events GROUP BY h ORDER BY n DESC LIMIT 1`,
  );
  const shapeRow = rows[0];
  result.dataset = {
    contactsWithEvents: Number(shapeRow.active),
    maxEventsPerContact: Number(shapeRow.max_per_contact),
    medianEventsPerActiveContact: Number(shapeRow.median_per_contact),
    top1PercentContactsShareOfEvents: round(Number(shapeRow.top1pct_share), 3),
    weekendToWeekdayDailyRatio: round(Number(days.rows[0].weekend_ratio), 2),
    peakLocalHour: Number(hour.rows[0].h),
  };
  log(`dataset: ${JSON.stringify(result.dataset)}`);
}

// ---- queries ----------------------------------------------------------------------------------------
const tz = 'Asia/Shanghai';
const queries = {
  'DAU per day, last 30 days': `SELECT event_day, count(DISTINCT contact_id) AS users FROM events WHERE event_day >= DATE '2026-10-25' GROUP BY event_day`,
  'events per event type, 90 days': `SELECT event, count(*) AS n FROM events GROUP BY event`,
  'weekly revenue (local Mon–Sun weeks)': `SELECT ${duckDbDialect.localWeekStart('event_time', tz)} AS week, sum(p_8) AS revenue, count(DISTINCT contact_id) AS payers FROM events WHERE event = 'purchase' GROUP BY week`,
  'funnel view_product → purchase within 1 day': `WITH v AS (SELECT contact_id, min(event_time) AS t FROM events WHERE event = 'view_product' GROUP BY contact_id),
     p AS (SELECT contact_id, event_time FROM events WHERE event = 'purchase')
     SELECT count(DISTINCT v.contact_id) AS converted FROM v JOIN p ON p.contact_id = v.contact_id AND p.event_time BETWEEN v.t AND v.t + INTERVAL 1 DAY`,
  'event_view top cities (operator SQL shape)': `SELECT "p_$city" AS city, count(*) AS n FROM event_view WHERE event = 'page_view' GROUP BY 1 ORDER BY 2 DESC LIMIT 10`,
  'contact_view filter count': `SELECT count(*) AS n FROM contact_view WHERE p_attr1 >= 3 AND city = '上海'`,
  'retention: day-0 cohort → day-7 return': `WITH first AS (SELECT contact_id, min(event_day) AS d0 FROM events GROUP BY contact_id)
     SELECT f.d0, count(DISTINCT f.contact_id) AS cohort, count(DISTINCT CASE WHEN e.event_day = f.d0 + 7 THEN e.contact_id END) AS day7
     FROM first AS f JOIN events AS e ON e.contact_id = f.contact_id WHERE f.d0 >= DATE '2026-10-01' GROUP BY f.d0`,
};
result.queries = {};
for (const [name, sql] of Object.entries(queries)) {
  const timings = [];
  for (let run = 0; run < 3; run += 1) {
    const started = performance.now();
    await tenant.query(sql, { maxRows: 1000 });
    timings.push(performance.now() - started);
  }
  result.queries[name] = { firstMs: Math.round(timings[0]), bestMs: Math.round(Math.min(...timings)) };
  log(`query ${name}: ${JSON.stringify(result.queries[name])}`);
}
{
  const started = performance.now();
  const members = await tenant.replaceGroupVersion('1', 1, {
    sql: `SELECT contact_id FROM events WHERE event_day >= DATE '2026-10-25' GROUP BY contact_id HAVING count(*) FILTER (WHERE event = 'purchase') >= 1 AND count(*) FILTER (WHERE event = 'page_view') >= 3`,
  });
  result.groupComputation = { members, ms: Math.round(performance.now() - started) };
  log(`group computation: ${JSON.stringify(result.groupComputation)}`);
}

await engine.close();
result.loadAverage = { ...result.loadAverage, ...load.stop() };
result.fileMiB = existsSync(file) ? round(statSync(file).size / 2 ** 20) : null;
if (!args.keep) for (const suffix of ['', '.wal']) rmSync(file + suffix, { force: true });
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
