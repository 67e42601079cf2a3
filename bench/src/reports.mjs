// Report benchmark (issue 21): 事件分析 through the report engine against the fastest hand-written DuckDB
// SQL for the same numbers, in the same run, on the synthetic tenant. Needs core built
// (`npm run bench:reports` builds it first).
//
//   npm run bench:reports -w @huiliu/bench                                    # 1M contacts / 10M events
//   node bench/src/reports.mjs --contacts 100000 --events 1000000             # while developing
//
// The question: daily 触发用户数 (users) and 总次数 (count) of `purchase` by the contact property city over
// the 30 local days before the end of the data (2026-10-26 … 2026-11-24, Asia/Shanghai), table chart —
// per day × city and over the whole range per city (a distinct count over 30 days is not the sum of
// the days). The product is `ReportsService.run(actor, 'event', query, { force: true })` in process
// (schema, plan, cache key, `TenantAnalytics.query` of the statement, shaping) — the service the
// `POST /api/v1/console/report-runs` route calls, without hapi, auth and JSON. Every number of every
// answer is checked against the product's; the run fails on any difference.
//
// JSON to stdout, progress to stderr, load average sampled while it runs (and per timed round).
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { fastestOf, median, stats, timedRounds, verdict as verdictOf } from './compare.mjs';
import { log, machine, round, sampleLoad } from './harness.mjs';
import { DATA_END, openTenantFile } from './tenant-file.mjs';

const { values: args } = parseArgs({
  options: {
    contacts: { type: 'string', default: '1000000' },
    events: { type: 'string', default: '10000000' },
    days: { type: 'string', default: '90' },
    file: { type: 'string' },
    threads: { type: 'string' },
    warmup: { type: 'string', default: '3' },
    repeat: { type: 'string', default: '15' },
    'no-profile': { type: 'boolean', default: false },
  },
});
const contacts = Number(args.contacts);
const events = Number(args.events);
const warmup = Number(args.warmup);
const repeat = Number(args.repeat);
const file = path.resolve(
  args.file ?? path.join(os.tmpdir(), `huiliu-bench-reports-${contacts / 1000}k-${events / 1000}k.duckdb`),
);
const TZ = 'Asia/Shanghai';
const DAY_MS = 86_400_000;

const load = sampleLoad();
const startedAt = new Date().toISOString();
const cpu0 = process.cpuUsage();

const { engine, tenant, meta, reused } = await openTenantFile({
  file,
  contacts,
  events,
  days: Number(args.days),
  threads: args.threads,
});

// ---- the report engine in process: what the reports module wires, with the tenant's declaration as
// its catalogue (ConditionsService without a metadata source), no groups or tags, tenant '1' in
// Asia/Shanghai. -------------------------------------------------------------------------------------
const { ConditionsService } = await import('../../core/dist/modules/conditions/conditions.service.js');
const { noMemberships } = await import('../../core/dist/modules/conditions/catalogue.js');
const { eventAnalysisModel } = await import('../../core/dist/modules/reports/event-analysis.js');
const { ReportsService } = await import('../../core/dist/modules/reports/reports.service.js');
const { ZonedClock } = await import('../../core/dist/store/olap/index.js');
const tenants = { get: () => Promise.resolve({ id: '1', timeZone: TZ }) };
const conditions = new ConditionsService(engine, tenants, () => noMemberships);
const selections = {
  resolveSelection: () => Promise.reject(new Error('the bench compares no groups')),
};
const model = eventAnalysisModel({ conditions, selections, dialect: engine.dialect });
const contributions = { reportModels: new Map([[model.id, { pluginId: 'core', definition: model }]]) };
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const reports = new ReportsService(contributions, engine, tenants, silent);
const actor = { tenantId: '1', staffId: null };

// ---- the question --------------------------------------------------------------------------------
const clock = new ZonedClock(TZ);
const lastDay = clock.localDay(DATA_END) - 1; // 2026-11-24: the data ends at 2026-11-25 00:00 CST
const firstDay = lastDay - 29;
const dateOf = (day) => new Date(day * DAY_MS).toISOString().slice(0, 10);
const from = dateOf(firstDay);
const to = dateOf(lastDay);
const query = {
  metrics: [
    { id: 'A', kind: 'event', event: 'purchase', aggregate: 'users' },
    { id: 'B', kind: 'event', event: 'purchase', aggregate: 'count' },
  ],
  dimensions: [{ kind: 'contactProperty', property: 'city' }],
  timeRange: { kind: 'between', from, to },
  granularity: 'day',
  chart: 'table',
};
const now = DATA_END;
const utc = (ms) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
const FROM = `TIMESTAMP '${utc(clock.fromLocal(firstDay * DAY_MS))}'`;
const TO = `TIMESTAMP '${utc(clock.fromLocal((lastDay + 1) * DAY_MS))}'`;
const inWindow = (alias = '') => `${alias}event_time >= ${FROM} AND ${alias}event_time < ${TO}`;
const dayWindow = (alias = '') => `${alias}event_day BETWEEN DATE '${from}' AND DATE '${to}'`;

// ---- answers in one canonical form: "city|day" (day "*" = the whole range) → [users, count] --------
/** The product's series: metric A = users, B = count; zero cells left out (the hand-written have no row). */
function canonicalOfResult(result) {
  const cells = new Map();
  const put = (key, index, value) => {
    const cell = cells.get(key) ?? [0, 0];
    cell[index] = Number(value ?? 0);
    cells.set(key, cell);
  };
  for (const series of result.series) {
    const index = series.metric === 'A' ? 0 : 1;
    const city = series.dimensions[0] ?? '∅';
    series.values.forEach((value, i) => put(`${city}|${result.buckets[i]}`, index, value));
    put(`${city}|*`, index, series.total);
  }
  for (const [key, cell] of cells) if (cell[0] === 0 && cell[1] === 0) cells.delete(key);
  return cells;
}
/** Hand-written rows `{ day (NULL = whole range), city, users, n }`. */
function canonicalOfRows(rows) {
  const cells = new Map();
  for (const row of rows) {
    const key = `${row.city ?? '∅'}|${row.day === null || row.day === undefined ? '*' : String(row.day).slice(0, 10)}`;
    if (cells.has(key)) throw new Error(`hand-written answer has two rows for ${key}`);
    cells.set(key, [Number(row.users), Number(row.n)]);
  }
  return cells;
}
function differences(expected, actual) {
  const out = [];
  for (const key of new Set([...expected.keys(), ...actual.keys()])) {
    const a = expected.get(key) ?? [0, 0];
    const b = actual.get(key) ?? [0, 0];
    if (a[0] !== b[0] || a[1] !== b[1]) out.push(`${key}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
  }
  return out;
}

// ---- the hand-written formulations -----------------------------------------------------------------
// Through `TenantAnalytics.query` (SQL guard, logical relations: `events` resolves merges with its LEFT
// JOIN contact_alias, `contacts` is contact_data), the same read connections as the product.
const PURCHASE = `event = 'purchase'`;
const localDay = `CAST(timezone('${TZ}', timezone('UTC', e.event_time)) AS DATE)`;
const logical = {
  'GROUPING SETS over events ⋈ contacts, day = local date of event_time': `
    SELECT CAST(${localDay} AS VARCHAR) AS day, c.city, count(DISTINCT e.contact_id) AS users, count(*) AS n
      FROM events AS e LEFT JOIN contacts AS c ON c.id = e.contact_id
     WHERE e.${PURCHASE} AND ${inWindow('e.')}
     GROUP BY GROUPING SETS ((${localDay}, c.city), (c.city))`,
  'GROUPING SETS over events ⋈ contacts, day = event_day': `
    SELECT CAST(e.event_day AS VARCHAR) AS day, c.city, count(DISTINCT e.contact_id) AS users, count(*) AS n
      FROM events AS e LEFT JOIN contacts AS c ON c.id = e.contact_id
     WHERE e.${PURCHASE} AND ${inWindow('e.')}
     GROUP BY GROUPING SETS ((e.event_day, c.city), (c.city))`,
  'GROUPING SETS, window on event_day': `
    SELECT CAST(e.event_day AS VARCHAR) AS day, c.city, count(DISTINCT e.contact_id) AS users, count(*) AS n
      FROM events AS e LEFT JOIN contacts AS c ON c.id = e.contact_id
     WHERE e.${PURCHASE} AND ${dayWindow('e.')}
     GROUP BY GROUPING SETS ((e.event_day, c.city), (c.city))`,
  'per (day, contact) first, then contacts, GROUPING SETS': `
    WITH p AS (SELECT event_day, contact_id, count(*) AS n FROM events
                WHERE ${PURCHASE} AND ${inWindow()} GROUP BY event_day, contact_id)
    SELECT CAST(p.event_day AS VARCHAR) AS day, c.city, count(DISTINCT p.contact_id) AS users, sum(p.n) AS n
      FROM p LEFT JOIN contacts AS c ON c.id = p.contact_id
     GROUP BY GROUPING SETS ((p.event_day, c.city), (c.city))`,
  'per contact first: GROUPING SETS ((day, contact), (contact)) on events, then contacts, no DISTINCT': `
    WITH p AS (SELECT event_day AS day, contact_id, count(*) AS n FROM events
                WHERE ${PURCHASE} AND ${inWindow()} GROUP BY GROUPING SETS ((event_day, contact_id), (contact_id)))
    SELECT CAST(p.day AS VARCHAR) AS day, c.city, count(*) AS users, sum(p.n) AS n
      FROM p LEFT JOIN contacts AS c ON c.id = p.contact_id GROUP BY p.day, c.city`,
  'per (day, contact) first: days = count(*), range = count(DISTINCT), UNION ALL': `
    WITH p AS (SELECT p.event_day, p.contact_id, p.n, c.city FROM (
                 SELECT event_day, contact_id, count(*) AS n FROM events
                  WHERE ${PURCHASE} AND ${inWindow()} GROUP BY event_day, contact_id) AS p
               LEFT JOIN contacts AS c ON c.id = p.contact_id)
    SELECT CAST(event_day AS VARCHAR) AS day, city, count(*) AS users, sum(n) AS n FROM p GROUP BY event_day, city
    UNION ALL
    SELECT NULL AS day, city, count(DISTINCT contact_id) AS users, sum(n) AS n FROM p GROUP BY city`,
};

// Physical tables on a read connection of the engine (no guard, no resolution): what query() cannot express.
const T = (name) => `"t_1"."${name}"`;
const physical = {
  'physical: per (day, stored id), merges resolved on the aggregate, then contacts': `
    WITH s AS (SELECT event_day, contact_id, count(*) AS n FROM ${T('event_data')}
                WHERE ${PURCHASE} AND ${inWindow()} GROUP BY event_day, contact_id),
         r AS (SELECT s.event_day, COALESCE(a.to_contact_id, s.contact_id) AS contact_id, sum(s.n) AS n
                 FROM s LEFT JOIN ${T('contact_alias')} AS a ON a.from_contact_id = s.contact_id GROUP BY 1, 2)
    SELECT CAST(r.event_day AS VARCHAR) AS day, c.city, count(DISTINCT r.contact_id) AS users, sum(r.n) AS n
      FROM r LEFT JOIN ${T('contact_data')} AS c ON c.id = r.contact_id
     GROUP BY GROUPING SETS ((r.event_day, c.city), (c.city))`,
};

// ---- the cases -------------------------------------------------------------------------------------
const readRows = (sql, params = []) =>
  engine.read(async (connection) => (await connection.runAndReadAll(sql, params)).getRowObjectsJson());

// The product's phases, timed on their own (a run of its own, interleaved with the rest).
let lastPhases;
async function productByPhase() {
  const t0 = performance.now();
  const parsed = reports.parse('event', query);
  const plan = await model.plan(parsed, { tenantId: '1', staffId: null, timeZone: TZ, now, maxGroups: 100 });
  const t1 = performance.now();
  const rows = [];
  for (const statement of plan.statements)
    rows.push((await tenant.query(statement.sql, { params: statement.params, rowMode: 'json' })).rows);
  const t2 = performance.now();
  const output = plan.finish(rows);
  const t3 = performance.now();
  lastPhases = { planMs: t1 - t0, sqlMs: t2 - t1, shapeMs: t3 - t2, rows: rows.reduce((n, r) => n + r.length, 0) };
  return output;
}

const probePlan = await model.plan(reports.parse('event', query), {
  tenantId: '1',
  staffId: null,
  timeZone: TZ,
  now,
  maxGroups: 100,
});
if (probePlan.statements.length !== 1) throw new Error(`expected one statement, got ${probePlan.statements.length}`);
const [statement] = probePlan.statements;
const productPhysical = await tenant.resolve(statement.sql);

const cases = {
  product: { kind: 'product', run: () => reports.run(actor, 'event', query, { force: true, now }) },
  'product, phase by phase': { kind: 'product', run: productByPhase },
  'product statement, resolved, run directly': {
    kind: 'statement',
    run: () => readRows(productPhysical, statement.params),
  },
  ...Object.fromEntries(
    Object.entries(logical).map(([name, sql]) => [
      name,
      { kind: 'hand', via: 'query()', sql, run: async () => (await tenant.query(sql, { rowMode: 'json' })).rows },
    ]),
  ),
  ...Object.fromEntries(
    Object.entries(physical).map(([name, sql]) => [
      name,
      { kind: 'hand', via: 'read connection', sql, run: () => readRows(sql) },
    ]),
  ),
};

// ---- the dataset ------------------------------------------------------------------------------------
const one = async (sql) => (await tenant.query(sql, { rowMode: 'json' })).rows[0];
const window = await one(
  `SELECT count(*) AS n, count(DISTINCT contact_id) AS users FROM events WHERE ${PURCHASE} AND ${inWindow()}`,
);
const dataset = {
  contacts: Number((await one('SELECT count(*) AS n FROM contacts')).n),
  events: Number((await one('SELECT count(*) AS n FROM events')).n),
  mergedAwayContacts: meta.aliases,
  purchaseInRange: { events: Number(window.n), users: Number(window.users) },
  cities: Number((await one('SELECT count(DISTINCT city) AS n FROM contacts')).n),
};
log(`dataset ${JSON.stringify(dataset)}; range ${from} … ${to} (${FROM} … ${TO})`);

// ---- check: every answer equals the product's, number by number ------------------------------------
const expected = canonicalOfResult(await reports.run(actor, 'event', query, { force: true, now }));
const checkAnswer = (name, answer) => {
  const got =
    cases[name].kind === 'hand' || cases[name].kind === 'statement' ? canonicalOf(name, answer) : canonicalOfResult(answer);
  const wrong = differences(expected, got);
  if (wrong.length)
    throw new Error(`${name}: ${wrong.length} numbers differ from the product's, e.g. ${wrong.slice(0, 5).join('; ')}`);
};
function canonicalOf(name, rows) {
  if (cases[name].kind === 'statement') {
    // The engine's own rows: __b (NULL for the range), __d0, __a0 = users, __a1 = count.
    return canonicalOfRows(rows.map((r) => ({ day: r.__b, city: r.__d0, users: r.__a0, n: r.__a1 })));
  }
  return canonicalOfRows(rows);
}
let numbers = 0;
for (const cell of expected.values()) numbers += cell.length;
log(`product answer: ${expected.size} cells, ${numbers} numbers; checking every case`);

// ---- timed runs: warm-up, then `repeat` rounds, each round every case once in a rotating order ----
const names = Object.keys(cases);
const phases = [];
const timed = await timedRounds({
  cases,
  check: checkAnswer,
  warmup,
  repeat,
  onRun: (name) => {
    if (name === 'product, phase by phase') phases.push(lastPhases);
  },
});
const { measured, roundLoad } = timed;

// The cached answer (no force), after a forced run filled the cache.
await reports.run(actor, 'event', query, { force: true, now });
const cachedRuns = [];
for (let i = 0; i < repeat; i += 1) {
  const started = performance.now();
  const answer = await reports.run(actor, 'event', query, { now });
  cachedRuns.push(performance.now() - started);
  if (!answer.cached) throw new Error('expected a cached answer');
  checkAnswer('product', answer);
}
// What the route adds on top for the answer itself: its JSON (hapi serializes the result).
const answer = await reports.run(actor, 'event', query, { force: true, now });
const serialize = [];
let json = '';
for (let i = 0; i < repeat; i += 1) {
  const started = performance.now();
  json = JSON.stringify(answer);
  serialize.push(performance.now() - started);
}
// The guard's parse + resolution of the product statement (cached by SQL text in the runs above).
const resolveRuns = [];
for (let i = 0; i < repeat; i += 1) {
  const started = performance.now();
  await tenant.resolve(statement.sql);
  resolveRuns.push(performance.now() - started);
}

const hand = names.filter((n) => cases[n].kind === 'hand');
const fastest = fastestOf(measured, hand);
const fastestViaQuery = fastestOf(
  measured,
  hand.filter((n) => cases[n].via === 'query()'),
);
const product = measured.product;
const verdict = (name) => verdictOf(timed, name);
const phaseMedians = {
  planMs: round(median(phases.map((p) => p.planMs)), 2),
  sqlMs: round(median(phases.map((p) => p.sqlMs)), 1),
  shapeMs: round(median(phases.map((p) => p.shapeMs)), 2),
  statementRows: phases[0]?.rows,
};
const out = {
  benchmark: 'reports',
  startedAt,
  machine: machine(),
  parameters: { contacts, events, days: Number(args.days), warmup, repeat, threads: args.threads ?? null, file },
  generation: { reused, generatedAt: meta.generatedAt, seconds: meta.generationSeconds },
  dataset,
  query,
  evaluation: { now: new Date(now).toISOString(), timeZone: TZ, range: `${from} … ${to}`, utc: `[${FROM}, ${TO})` },
  answer: { cells: expected.size, numbers, groupCount: answer.groupCount, truncated: answer.truncated, jsonBytes: json.length },
  product: { ...product, phases: phaseMedians },
  fastestHandWritten: verdict(fastest),
  fastestHandWrittenThroughQuery: verdict(fastestViaQuery),
  cachedRun: stats(cachedRuns),
  jsonStringifyMs: round(median(serialize), 2),
  guardResolveOfStatementMs: round(median(resolveRuns), 2),
  cases: measured,
  productSql: statement.sql,
  productParams: statement.params,
  roundLoadAverage: roundLoad,
};
log(
  `product ${product.medianMs} / p90 ${product.p90Ms} ms; fastest hand-written "${fastest}" ${measured[fastest].medianMs} / ${measured[fastest].p90Ms} ms; ${JSON.stringify(out.fastestHandWritten)}; phases ${JSON.stringify(phaseMedians)}; cached ${out.cachedRun.medianMs} ms`,
);

// ---- profiles: EXPLAIN ANALYZE of the product's statement and of the fastest hand-written -----------
if (!args['no-profile']) {
  const explain = async (sql, params = []) =>
    engine.read(async (connection) =>
      (await connection.runAndReadAll(`EXPLAIN ANALYZE ${sql}`, params))
        .getRows()
        .map((row) => String(row[1]))
        .join('\n'),
    );
  const physicalOf = async (name) => (cases[name].via === 'query()' ? tenant.resolve(cases[name].sql) : cases[name].sql);
  out.profiles = {
    product: { physicalSql: productPhysical, plan: await explain(productPhysical, statement.params) },
    fastestHandWritten: { name: fastest, physicalSql: await physicalOf(fastest), plan: await explain(await physicalOf(fastest)) },
  };
}

await engine.close();
const used = process.cpuUsage(cpu0);
out.processCpuSeconds = round((used.user + used.system) / 1e6, 1);
out.loadAverage = load.stop();
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
process.exit(0);
