// Analysis-model benchmarks (issue 22): each model through the report engine against the fastest
// hand-written DuckDB SQL for the same numbers, in the same run, on the synthetic tenant (1M contacts,
// 10M events over 90 days by default). Needs core built (`npm run bench:analysis` builds it first).
//
//   npm run bench:analysis -w @huiliu/bench -- --model funnel
//   node bench/src/analysis.mjs --model retention --file /tmp/bench10m.duckdb
//   node bench/src/analysis.mjs --model funnel --contacts 100000 --events 1000000   # while developing
//
// The questions (the 30 local days before the end of the data, 2026-10-26 … 2026-11-24, Asia/Shanghai):
// - funnel: page_view → view_product → add_to_cart → purchase, 7-day window (calendar dates): users per
//   step, the median seconds between steps, the time-to-convert histogram.
// - retention: 30 daily cohorts × 8 days (k = 0…7) of view_product → purchase (`retention`), and of
//   page_view → page_view (`retention-same`: k = 0 needs a second page view that day).
// - path: the sessions' paths 4 steps after page_view (30-minute sessions, 7 nodes a layer): node and
//   edge session counts.
// The product is `ReportsService.run(actor, model, query, { force: true })` in process (schema, plan,
// cache key, `TenantAnalytics.query`, shaping) — what `POST /api/v1/console/report-runs` calls, without
// hapi, auth and JSON. Every number of every answer is checked against the product's; a difference
// fails the run. JSON to stdout, progress to stderr.
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fastestOf, timedRounds, verdict } from './compare.mjs';
import { log, machine, round, sampleLoad } from './harness.mjs';
import { DATA_END, openTenantFile } from './tenant-file.mjs';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: 'funnel' },
    contacts: { type: 'string', default: '1000000' },
    events: { type: 'string', default: '10000000' },
    days: { type: 'string', default: '90' },
    file: { type: 'string' },
    threads: { type: 'string' },
    warmup: { type: 'string', default: '2' },
    repeat: { type: 'string', default: '7' },
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

// ---- the report engine in process, as the reports module wires it (no groups, no tags) -------------
const core = '../../core/dist/modules';
const { ConditionsService } = await import(`${core}/conditions/conditions.service.js`);
const { noMemberships } = await import(`${core}/conditions/catalogue.js`);
const { ReportsService } = await import(`${core}/reports/reports.service.js`);
const { ZonedClock } = await import('../../core/dist/store/olap/index.js');
const tenants = { get: () => Promise.resolve({ id: '1', timeZone: TZ }) };
const conditions = new ConditionsService(engine, tenants, () => noMemberships);
const selections = { resolveSelection: () => Promise.reject(new Error('the bench compares no groups')) };
const deps = { conditions, selections, dialect: engine.dialect };

// ---- the range: 30 local days before the end of the data ---------------------------------------------
const clock = new ZonedClock(TZ);
const lastDay = clock.localDay(DATA_END) - 1;
const firstDay = lastDay - 29;
const dateOf = (day) => new Date(day * DAY_MS).toISOString().slice(0, 10);
const from = dateOf(firstDay);
const to = dateOf(lastDay);
const timeRange = { kind: 'between', from, to };
const utc = (ms) => `TIMESTAMP '${new Date(ms).toISOString().replace('T', ' ').replace('Z', '')}'`;
const FROM = utc(clock.fromLocal(firstDay * DAY_MS));
const TO = utc(clock.fromLocal((lastDay + 1) * DAY_MS));
const afterTo = (days) => utc(clock.fromLocal((lastDay + 1 + days) * DAY_MS));
const seconds = (column = 'event_time') => `CAST(floor(epoch_ms(${column}) / 1000) AS BIGINT)`;
const dayNumber = (column = 'event_day') => `CAST(${column} - DATE '1970-01-01' AS INTEGER)`;
const now = DATA_END;

// ---- the models: query, product answer → canonical, hand-written SQL (rows → canonical) -------------
const funnelSteps = ['page_view', 'view_product', 'add_to_cart', 'purchase'];
const funnelBuckets = [0, 60, 600, 3600, 86_400, 259_200, 604_800, null];
const funnelAggregates = (t) =>
  [
    ...funnelSteps.map((_, k) => `count(CASE WHEN lvl >= ${k + 1} THEN 1 END) AS u${k + 1}`),
    ...funnelSteps.slice(1).map((_, k) => `quantile_cont(${t(k + 2)} - ${t(k + 1)}, 0.5) AS m${k + 2}`),
    ...funnelBuckets.slice(0, -1).map((lo, i) => {
      const hi = funnelBuckets[i + 1];
      return `count(CASE WHEN lvl = 4 AND ${t(4)} - ${t(1)} >= ${lo}${hi === null ? '' : ` AND ${t(4)} - ${t(1)} < ${hi}`} THEN 1 END) AS h${i}`;
    }),
  ].join(', ');
const funnelEvents = `(${funnelSteps.map((e) => `'${e}'`).join(', ')})`;
// Later steps up to the end of the last anchor's window (7 local days after the range's last date).
const funnelScan = `event_time >= ${FROM} AND event_time < ${afterTo(7)}`;

const models = {
  funnel: {
    model: 'funnel',
    factory: async () => (await import(`${core}/reports/funnel/funnel.js`)).funnelModel(deps),
    query: { steps: funnelSteps.map((event) => ({ event })), window: { unit: 'day', value: 7 }, timeRange },
    canonicalOfResult: (result) => {
      const [all] = result.funnels;
      const cells = new Map();
      all.steps.forEach((step, k) => {
        cells.set(`u${k + 1}`, step.users);
        if (k > 0) cells.set(`m${k + 1}`, step.medianSeconds);
      });
      all.timeToConvert.forEach((n, i) => cells.set(`h${i}`, n));
      return cells;
    },
    canonicalOfRows: (rows) => {
      const [row] = rows;
      const cells = new Map();
      for (const [key, value] of Object.entries(row)) cells.set(key, value === null ? null : Number(value));
      return cells;
    },
    hand: {
      // The earliest next step at or after the previous one (whole seconds), by ASOF joins; the window
      // on the local day numbers; per contact the chain reaching furthest, earliest anchor first.
      'ASOF chain, best chain per contact by arg_min': `
        WITH ev AS (SELECT contact_id AS cid, event, ${seconds()} AS ts, ${dayNumber()} AS dn, event_time < ${TO} AS inr
                      FROM events WHERE event IN ${funnelEvents} AND ${funnelScan}),
             s1 AS (SELECT cid, ts AS t1, dn AS d1 FROM ev WHERE event = 'page_view' AND inr),
             s2 AS (SELECT cid, ts, dn FROM ev WHERE event = 'view_product'),
             s3 AS (SELECT cid, ts, dn FROM ev WHERE event = 'add_to_cart'),
             s4 AS (SELECT cid, ts, dn FROM ev WHERE event = 'purchase'),
             c2 AS (SELECT s1.cid, s1.t1, s1.d1, CASE WHEN s2.dn - s1.d1 <= 7 THEN s2.ts END AS t2
                      FROM s1 ASOF LEFT JOIN s2 ON s2.cid = s1.cid AND s2.ts >= s1.t1),
             c3 AS (SELECT c2.*, CASE WHEN c2.t2 IS NOT NULL AND s3.dn - c2.d1 <= 7 THEN s3.ts END AS t3
                      FROM c2 ASOF LEFT JOIN s3 ON s3.cid = c2.cid AND s3.ts >= c2.t2),
             c4 AS (SELECT c3.*, CASE WHEN c3.t3 IS NOT NULL AND s4.dn - c3.d1 <= 7 THEN s4.ts END AS t4
                      FROM c3 ASOF LEFT JOIN s4 ON s4.cid = c3.cid AND s4.ts >= c3.t3),
             chains AS (SELECT cid, t1, t2, t3, t4,
                               1 + (t2 IS NOT NULL)::INT + (t3 IS NOT NULL)::INT + (t4 IS NOT NULL)::INT AS lvl FROM c4),
             best AS (SELECT cid, arg_min([t1, t2, t3, t4], [-lvl, t1]) AS t, max(lvl) AS lvl FROM chains GROUP BY cid)
        SELECT ${funnelAggregates((k) => `t[${k}]`)} FROM best`,
      // The same chains by window functions over one sort per contact: for every row the earliest
      // step-k time at or after it (a running min from the right, same-second peers included), then the
      // chain's later steps as running mins of the earlier steps' values (monotone in time).
      'running mins from the right (one sort per contact)': `
        WITH ev AS (SELECT contact_id AS cid, event, ${seconds()} AS ts, ${dayNumber()} AS dn, event_time < ${TO} AS inr
                      FROM events WHERE event IN ${funnelEvents} AND ${funnelScan}),
             w1 AS (SELECT *,
                      min(CASE WHEN event = 'purchase' THEN ts END) OVER r AS g4,
                      min(CASE WHEN event = 'purchase' THEN dn END) OVER r AS e4,
                      min(CASE WHEN event = 'add_to_cart' THEN ts END) OVER r AS g3,
                      min(CASE WHEN event = 'add_to_cart' THEN dn END) OVER r AS e3
                    FROM ev WINDOW r AS (PARTITION BY cid ORDER BY ts DESC RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)),
             w2 AS (SELECT *,
                      min(CASE WHEN event = 'add_to_cart' THEN g4 END) OVER r AS x4,
                      min(CASE WHEN event = 'add_to_cart' THEN e4 END) OVER r AS y4
                    FROM w1 WINDOW r AS (PARTITION BY cid ORDER BY ts DESC RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)),
             w3 AS (SELECT *,
                      min(CASE WHEN event = 'view_product' THEN ts END) OVER r AS t2,
                      min(CASE WHEN event = 'view_product' THEN dn END) OVER r AS d2,
                      min(CASE WHEN event = 'view_product' THEN g3 END) OVER r AS t3,
                      min(CASE WHEN event = 'view_product' THEN e3 END) OVER r AS d3,
                      min(CASE WHEN event = 'view_product' THEN x4 END) OVER r AS t4,
                      min(CASE WHEN event = 'view_product' THEN y4 END) OVER r AS d4
                    FROM w2 WINDOW r AS (PARTITION BY cid ORDER BY ts DESC RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)),
             ok AS (SELECT cid, ts AS t1, t2, t3, t4, coalesce(d2 - dn <= 7, false) AS ok2,
                           coalesce(d2 - dn <= 7 AND d3 - dn <= 7, false) AS ok3,
                           coalesce(d2 - dn <= 7 AND d3 - dn <= 7 AND d4 - dn <= 7, false) AS ok4
                      FROM w3 WHERE event = 'page_view' AND inr),
             chains AS (SELECT cid, t1, CASE WHEN ok2 THEN t2 END AS t2, CASE WHEN ok3 THEN t3 END AS t3,
                               CASE WHEN ok4 THEN t4 END AS t4, 1 + ok2::INT + ok3::INT + ok4::INT AS lvl FROM ok),
             best AS (SELECT cid, arg_min([t1, t2, t3, t4], [-lvl, t1]) AS t, max(lvl) AS lvl FROM chains GROUP BY cid)
        SELECT ${funnelAggregates((k) => `t[${k}]`)} FROM best`,
    },
  },
  retention: {
    model: 'retention',
    factory: async () => (await import(`${core}/reports/retention/retention-analysis.js`)).retentionAnalysisModel(deps),
    query: {
      initial: { event: 'view_product' },
      return: { event: 'purchase' },
      metric: 'retained',
      unit: 'day',
      periods: 7,
      timeRange,
    },
    canonicalOfResult: canonicalOfRetention,
    canonicalOfRows: canonicalOfCohortRows,
    hand: {
      // Per (contact, day): the first initial second, the last return second; cohort × offset by a
      // range join on the contact and the day; k = 0 needs the return at or after the first initial.
      'per (contact, day) aggregates, range join': `
        WITH i AS (SELECT contact_id AS cid, event_day AS d, min(${seconds()}) AS ft FROM events
                    WHERE event = 'view_product' AND event_time >= ${FROM} AND event_time < ${TO} GROUP BY contact_id, event_day),
             r AS (SELECT contact_id AS cid, event_day AS d, max(${seconds()}) AS lt FROM events
                    WHERE event = 'purchase' AND event_time >= ${FROM} AND event_time < ${afterTo(8)} GROUP BY contact_id, event_day)
        SELECT CAST(i.d AS VARCHAR) AS cohort, CAST(r.d - i.d AS INTEGER) AS k, count(*) AS n
          FROM i JOIN r ON r.cid = i.cid AND r.d >= i.d AND r.d <= i.d + 7 AND (r.d > i.d OR r.lt >= i.ft)
         GROUP BY i.d, r.d - i.d
        UNION ALL SELECT CAST(d AS VARCHAR), -1, count(*) FROM i GROUP BY d`,
      // The same with the join on equality: the return days unnested to the 8 cohort days they serve.
      'per (contact, day) aggregates, equi-join on cohort day': `
        WITH i AS (SELECT contact_id AS cid, event_day AS d, min(${seconds()}) AS ft FROM events
                    WHERE event = 'view_product' AND event_time >= ${FROM} AND event_time < ${TO} GROUP BY contact_id, event_day),
             r AS (SELECT contact_id AS cid, event_day AS d, max(${seconds()}) AS lt FROM events
                    WHERE event = 'purchase' AND event_time >= ${FROM} AND event_time < ${afterTo(8)} GROUP BY contact_id, event_day),
             rk AS (SELECT cid, lt, d - CAST(k AS INTEGER) AS c, k FROM r, range(8) AS g(k))
        SELECT CAST(i.d AS VARCHAR) AS cohort, CAST(rk.k AS INTEGER) AS k, count(*) AS n
          FROM i JOIN rk ON rk.cid = i.cid AND rk.c = i.d WHERE rk.k > 0 OR rk.lt >= i.ft
         GROUP BY i.d, rk.k
        UNION ALL SELECT CAST(d AS VARCHAR), -1, count(*) FROM i GROUP BY d`,
    },
  },
  'retention-same': {
    model: 'retention',
    factory: async () => (await import(`${core}/reports/retention/retention-analysis.js`)).retentionAnalysisModel(deps),
    query: {
      initial: { event: 'page_view' },
      return: { event: 'page_view' },
      metric: 'retained',
      unit: 'day',
      periods: 7,
      timeRange,
    },
    canonicalOfResult: canonicalOfRetention,
    canonicalOfRows: canonicalOfCohortRows,
    hand: {
      // One event both sides: per (contact, day) its rows; k = 0 = a second row that day; k ≥ 1 a row k days later.
      'per (contact, day) counts, range self-join': `
        WITH a AS (SELECT contact_id AS cid, event_day AS d, count(*) AS n, event_time < ${TO} AS inr FROM events
                    WHERE event = 'page_view' AND event_time >= ${FROM} AND event_time < ${afterTo(8)}
                    GROUP BY contact_id, event_day, event_time < ${TO}),
             i AS (SELECT cid, d, n FROM a WHERE inr)
        SELECT CAST(i.d AS VARCHAR) AS cohort, CAST(r.d - i.d AS INTEGER) AS k, count(*) AS n
          FROM i JOIN a AS r ON r.cid = i.cid AND r.d > i.d AND r.d <= i.d + 7 GROUP BY i.d, r.d - i.d
        UNION ALL SELECT CAST(d AS VARCHAR), 0, count(*) FROM i WHERE n >= 2 GROUP BY d
        UNION ALL SELECT CAST(d AS VARCHAR), -1, count(*) FROM i GROUP BY d`,
    },
  },
};

/** "cohort|k" → users (k = -1: the cohort's size); empty cells (0, or not started) left out. */
function canonicalOfRetention(result) {
  const cells = new Map();
  const [table] = result.tables;
  for (const cohort of table.cohorts) {
    cells.set(`${cohort.date}|-1`, cohort.users);
    cohort.values.forEach((value, i) => {
      if (value) cells.set(`${cohort.date}|${result.offsets[i]}`, value);
    });
  }
  return cells;
}
function canonicalOfCohortRows(rows) {
  const cells = new Map();
  for (const row of rows) {
    const key = `${String(row.cohort).slice(0, 10)}|${Number(row.k)}`;
    if (cells.has(key)) throw new Error(`hand-written answer has two rows for ${key}`);
    if (Number(row.n)) cells.set(key, Number(row.n));
  }
  return cells;
}
function differences(expected, actual) {
  const out = [];
  for (const key of new Set([...expected.keys(), ...actual.keys()])) {
    const a = expected.get(key) ?? null;
    const b = actual.get(key) ?? null;
    if (a !== b && !(typeof a === 'number' && typeof b === 'number' && Math.abs(a - b) < 1e-9)) out.push(`${key}: ${a} vs ${b}`);
  }
  return out;
}

const setup = models[args.model];
if (!setup) throw new Error(`unknown --model ${args.model}; one of ${Object.keys(models).join(', ')}`);
const model = await setup.factory();
const contributions = { reportModels: new Map([[model.id, { pluginId: 'core', definition: model }]]) };
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const reports = new ReportsService(contributions, engine, tenants, silent);
const actor = { tenantId: '1', staffId: null };
const runProduct = () => reports.run(actor, setup.model, setup.query, { force: true, now });

// The product's statements, resolved to physical SQL and run directly (what the engine adds around them).
const plan = await model.plan(reports.parse(setup.model, setup.query), {
  tenantId: '1',
  staffId: null,
  timeZone: TZ,
  now,
  maxGroups: 100,
});
const physical = await Promise.all(plan.statements.map((s) => tenant.resolve(s.sql)));
const readRows = (sql, params = []) =>
  engine.read(async (connection) => (await connection.runAndReadAll(sql, params)).getRowObjectsJson());

const cases = {
  product: { kind: 'product', run: runProduct },
  'product statements, resolved, run directly': {
    kind: 'statement',
    run: async () => plan.finish(await Promise.all(physical.map((sql, i) => readRows(sql, plan.statements[i].params)))),
  },
  ...Object.fromEntries(
    Object.entries(setup.hand).map(([name, sql]) => [
      name,
      { kind: 'hand', via: 'query()', sql, run: async () => (await tenant.query(sql, { rowMode: 'json' })).rows },
    ]),
  ),
};

// ---- check: every answer equals the product's, number by number ------------------------------------
const expected = setup.canonicalOfResult(await runProduct());
const check = (name, answer) => {
  const got = cases[name].kind === 'hand' ? setup.canonicalOfRows(answer) : setup.canonicalOfResult(answer);
  const wrong = differences(expected, got);
  if (wrong.length)
    throw new Error(`${name}: ${wrong.length} numbers differ from the product's, e.g. ${wrong.slice(0, 5).join('; ')}`);
};
log(
  `${args.model}: product answer of ${expected.size} numbers (${JSON.stringify([...expected].slice(0, 12))}); checking every case`,
);

const timed = await timedRounds({ cases, check, warmup, repeat });
const { measured, roundLoad } = timed;
const hand = Object.keys(cases).filter((n) => cases[n].kind === 'hand');
const fastest = fastestOf(measured, hand);
const out = {
  benchmark: `analysis-${args.model}`,
  startedAt,
  machine: machine(),
  parameters: { contacts, events, days: Number(args.days), warmup, repeat, threads: args.threads ?? null, file },
  generation: { reused, generatedAt: meta.generatedAt, seconds: meta.generationSeconds },
  query: setup.query,
  evaluation: { now: new Date(now).toISOString(), timeZone: TZ, range: `${from} … ${to}`, utc: `[${FROM}, ${TO})` },
  answer: Object.fromEntries(expected),
  product: measured.product,
  fastestHandWritten: verdict(timed, fastest),
  statementRunDirectly: verdict(timed, 'product statements, resolved, run directly'),
  cases: measured,
  productSql: plan.statements.map((s) => s.sql),
  roundLoadAverage: roundLoad,
};
log(
  `product ${measured.product.medianMs} / p90 ${measured.product.p90Ms} ms; fastest hand-written "${fastest}" ${measured[fastest].medianMs} ms; ${JSON.stringify(out.fastestHandWritten)}`,
);

if (!args['no-profile']) {
  const explain = async (sql, params = []) =>
    engine.read(async (connection) =>
      (await connection.runAndReadAll(`EXPLAIN ANALYZE ${sql}`, params))
        .getRows()
        .map((row) => String(row[1]))
        .join('\n'),
    );
  out.profiles = {
    product: await Promise.all(physical.map((sql, i) => explain(sql, plan.statements[i].params))),
    fastestHandWritten: { name: fastest, plan: await explain(await tenant.resolve(cases[fastest].sql)) },
  };
}

await engine.close();
const used = process.cpuUsage(cpu0);
out.processCpuSeconds = round((used.user + used.system) / 1e6, 1);
out.loadAverage = load.stop();
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
process.exit(0);
