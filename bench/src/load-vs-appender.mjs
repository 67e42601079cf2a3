// The analytics engine's batch load against a hand-written raw DuckDB row appender, in one process
// and one run (issue 14 (d)): the same synthetic event rows, at the same batch size, go
// (A) through `engine.forTenant(t).load({ batchId, events })` — ledger + appender in one transaction,
//     typed columns, coercion, mismatches to `extra`, validation — and
// (B) through the fastest honest hand-written equivalent: one appender on an identical physical
//     table (same columns, same types, same conversions: UTC timestamps, event_day in
//     Asia/Shanghai, undeclared properties as JSON in `extra`), flushed once per batch (a flush
//     outside an explicit transaction is one transaction, committed).
// The two alternate in chunks, in ABBA order, so drift in the machine's load hits both alike. Each
// writes its own DuckDB file with the same settings (threads, checkpoint threshold). Needs core built
// (`npm run bench:load` builds it first).
//
//   npm run bench:load -w @huiliu/bench -- --events 2000000 --batch 1000
//
// Prints one JSON document with the measurements.
import { rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDBInstance, LIST, VARCHAR } from '@duckdb/node-api';
import { duckDbDialect } from '../../core/dist/store/olap/index.js';
import { tables, tenantTables } from '../../core/dist/store/olap/physical-schema.js';
import { benchDeclaration, eventBatches } from './synthetic-tenant.mjs';
import { log, machine, openEngine, round, sampleLoad } from './harness.mjs';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '2000000' },
    contacts: { type: 'string', default: '1000000' },
    days: { type: 'string', default: '90' },
    batch: { type: 'string', default: '1000' },
    // Batches per A/B chunk: small enough that drift within a chunk is small, large enough that
    // switching files does not dominate.
    chunk: { type: 'string', default: '25' },
    threads: { type: 'string' },
    dir: { type: 'string', default: os.tmpdir() },
  },
});
const events = Number(args.events);
const contacts = Number(args.contacts);
const days = Number(args.days);
const batchSize = Number(args.batch);
const chunkBatches = Number(args.chunk);
const threads = Number(args.threads ?? os.cpus().length);
const end = Date.UTC(2026, 10, 24, 16, 0, 0);
const files = {
  load: path.join(args.dir, `huiliu-loadvs-engine-${process.pid}.duckdb`),
  raw: path.join(args.dir, `huiliu-loadvs-raw-${process.pid}.duckdb`),
};
const removeFiles = () => {
  for (const file of Object.values(files)) for (const suffix of ['', '.wal']) rmSync(file + suffix, { force: true });
};

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

// ---- (A) the analytics engine ---------------------------------------------------------------------
removeFiles();
const declaration = benchDeclaration();
const engine = await openEngine(files.load, threads);
const tenant = engine.forTenant('1');
await tenant.declare(declaration);

// ---- (B) the raw appender: the same physical table, the same settings -----------------------------
const eventTable = tenantTables(declaration, []).find((t) => t.name === tables.events);
const instance = await DuckDBInstance.create(files.raw, {
  threads: String(threads),
  checkpoint_threshold: '256MB',
  enable_external_access: 'false',
});
const raw = await instance.connect();
await raw.run(
  `CREATE TABLE ${tables.events} (${eventTable.columns.map((c) => `${c.name} ${duckDbDialect.columnType(c.type)}`).join(', ')})`,
);
const appender = await raw.createAppender(tables.events);

/**
 * The row written by hand for this table, straight-line in column order: the conversions the rows
 * need and nothing the generator cannot produce (no input validation, no type mismatches, no
 * per-column closures). Timestamps are epoch ms → µs; Asia/Shanghai has no DST, so its local day is
 * a fixed +8 h; undeclared properties go to `extra` as JSON.
 */
const SHANGHAI_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;
const LIST_VARCHAR = LIST(VARCHAR);
const expectedColumns = [
  'event_time',
  'event_day',
  'event',
  'contact_id',
  'channel_id',
  'channel_account_id',
  'message_id',
  'direction',
  'journey_id',
  'received_at',
  'extra',
  ...declaration.eventProperties.map((p) => `p_${p.id}`),
];
if (eventTable.columns.map((c) => c.name).join() !== expectedColumns.join())
  throw new Error(`the raw writer expects columns ${expectedColumns.join()}`);
if (
  declaration.eventProperties.map((p) => `${p.name}:${p.type}`).join() !==
  '$url:string,$os:string,$city:string,duration_ms:integer,product_id:string,price:number,quantity:integer,order_amount:number,item_count:integer,coupon_used:bool,categories:string[],s_msg_type:string,s_content_len:integer,s_scene:string,share_channel:string,button:string,paid_at:datetime'
)
  throw new Error('the raw writer is written for benchDeclaration()');
const declared = new Set(declaration.eventProperties.map((p) => p.name));

const varchar = (a, v) => (v === undefined ? a.appendNull() : a.appendVarchar(v));
const integer = (a, v) => (v === undefined ? a.appendNull() : a.appendInteger(v));
const double = (a, v) => (v === undefined ? a.appendNull() : a.appendDouble(v));

function rawRow(a, e) {
  const p = e.properties;
  a.appendTimestamp({ micros: BigInt(e.eventTime) * 1000n });
  a.appendDate({ days: Math.floor((e.eventTime + SHANGHAI_MS) / DAY_MS) });
  a.appendVarchar(e.event);
  a.appendBigInt(BigInt(e.contactId));
  a.appendBigInt(BigInt(e.channelId));
  a.appendBigInt(BigInt(e.channelAccountId));
  a.appendVarchar(e.messageId);
  a.appendVarchar(e.direction);
  a.appendNull(); // journey_id
  a.appendTimestamp({ micros: BigInt(e.receivedAt) * 1000n });
  let extra;
  for (const name in p) if (!declared.has(name)) (extra ??= {})[name] = p[name];
  if (extra === undefined) a.appendNull();
  else a.appendVarchar(JSON.stringify(extra));
  varchar(a, p.$url);
  varchar(a, p.$os);
  varchar(a, p.$city);
  integer(a, p.duration_ms);
  varchar(a, p.product_id);
  double(a, p.price);
  integer(a, p.quantity);
  double(a, p.order_amount);
  integer(a, p.item_count);
  if (p.coupon_used === undefined) a.appendNull();
  else a.appendBoolean(p.coupon_used);
  if (p.categories === undefined) a.appendNull();
  else a.appendList(p.categories, LIST_VARCHAR);
  varchar(a, p.s_msg_type);
  integer(a, p.s_content_len);
  varchar(a, p.s_scene);
  varchar(a, p.share_channel);
  varchar(a, p.button);
  if (p.paid_at === undefined) a.appendNull();
  else a.appendTimestamp({ micros: BigInt(p.paid_at) * 1000n });
  a.endRow();
}

function rawBatch(rows) {
  for (const row of rows) rawRow(appender, row);
  appender.flushSync();
}

// ---- the run ---------------------------------------------------------------------------------------
const sampler = sampleLoad();
const result = {
  date: new Date().toISOString(),
  machine: machine(),
  parameters: { events, contacts, days, batchSize, chunkBatches, threads, checkpointThreshold: '256MB' },
  loadAverage: {},
};
const stats = {
  load: { ms: 0, rows: 0, latencies: [] },
  raw: { ms: 0, rows: 0, latencies: [] },
};
const runners = {
  async load(rows, batchNo) {
    mismatches += (await tenant.load({ batchId: `bench-${batchNo}`, events: rows })).typeMismatches;
  },
  async raw(rows) {
    rawBatch(rows);
  },
};
let chunk = [];
let chunkNo = 0;
let batchNo = 0;
let mismatches = 0;
let nextReport = 200_000;
const runChunk = async () => {
  // ABBA: even chunks load() first, odd chunks the raw appender first.
  const order = chunkNo % 2 === 0 ? ['load', 'raw'] : ['raw', 'load'];
  for (const mode of order) {
    const s = stats[mode];
    for (const { rows, no } of chunk) {
      const started = performance.now();
      await runners[mode](rows, no);
      const ms = performance.now() - started;
      s.ms += ms;
      s.rows += rows.length;
      s.latencies.push(ms);
    }
  }
  chunkNo += 1;
  chunk = [];
  if (stats.load.rows >= nextReport) {
    const rate = (s) => Math.round(s.rows / (s.ms / 1000));
    log(
      `${stats.load.rows} rows each: load() ${rate(stats.load)}/s, raw ${rate(stats.raw)}/s, ratio ${round(rate(stats.load) / rate(stats.raw), 3)}, load avg ${sampler.now()}`,
    );
    nextReport += 200_000;
  }
};
for (const rows of eventBatches({ events, days, contacts, batchSize, end })) {
  chunk.push({ rows, no: batchNo++ });
  if (chunk.length === chunkBatches) await runChunk();
}
if (chunk.length) await runChunk();

// Both tables hold the same rows: a cheap check that the raw writer is an equivalent.
const loaded = Number((await tenant.query('SELECT count(*) AS n FROM events')).rows[0].n);
const rawRows = Number((await raw.runAndReadAll(`SELECT count(*) FROM ${tables.events}`)).getRows()[0][0]);
if (loaded !== events || rawRows !== events)
  throw new Error(`row counts differ: load() ${loaded}, raw ${rawRows}, expected ${events}`);
const fingerprint = `SELECT sum(hash(event_time, event_day, event, contact_id, channel_account_id, message_id, received_at, extra, p_4, p_6, p_10, p_11, p_17)) AS h FROM`;
const fpLoad = (await tenant.query(`${fingerprint} events`)).rows[0].h;
const fpRaw = (await raw.runAndReadAll(`${fingerprint} ${tables.events}`)).getRowObjects()[0].h;
if (String(fpLoad) !== String(fpRaw)) throw new Error(`table contents differ: ${fpLoad} vs ${fpRaw}`);
appender.closeSync();
raw.closeSync();
instance.closeSync();
await engine.close();
result.loadAverage = sampler.stop();

const summary = (s) => {
  s.latencies.sort((a, b) => a - b);
  return {
    rows: s.rows,
    batches: s.latencies.length,
    seconds: round(s.ms / 1000, 2),
    rowsPerSecond: Math.round(s.rows / (s.ms / 1000)),
    batchMs: {
      p50: round(percentile(s.latencies, 50), 2),
      p95: round(percentile(s.latencies, 95), 2),
      p99: round(percentile(s.latencies, 99), 2),
      max: round(s.latencies.at(-1), 2),
    },
  };
};
result.load = summary(stats.load);
result.raw = summary(stats.raw);
result.ratio = round(result.load.rowsPerSecond / result.raw.rowsPerSecond, 3);
result.sameContents = true;
result.typeMismatches = mismatches;
result.fileMiB = {
  load: round(statSync(files.load).size / 2 ** 20),
  raw: round(statSync(files.raw).size / 2 ** 20),
};
removeFiles();
log(`load() ${result.load.rowsPerSecond}/s, raw ${result.raw.rowsPerSecond}/s, ratio ${result.ratio}`);
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
