// Condition-engine benchmark: a condition tree compiled by core's compiler versus the fastest
// hand-written DuckDB SQL for the same question, both through TenantAnalytics.query on the synthetic
// tenant. Needs core built (`npm run bench:conditions` builds it first).
//
//   npm run bench:conditions -w @huiliu/bench -- --contacts 1000000 --events 10000000 --file /tmp/c.duckdb --keep
//
// The question (issue): contacts who did `purchase` ≥ 2 times in the last 30 days AND did NOT do the
// unfollow event (`unsubscribe`) in the last 30 days AND province = 上海, evaluated at the end of the
// dataset (2026-11-25 00:00 Asia/Shanghai). Prints one JSON document with the measurements.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { URL } from 'node:url';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { duckDbDialect, ZonedClock } from '../../core/dist/store/olap/index.js';
import {
  benchDeclaration,
  contactBatches,
  contactIdOfRank,
  eventBatches,
  FIRST_CONTACT_ID,
  mergeBatches,
  random,
  zipfSampler,
} from './synthetic-tenant.mjs';
import { log, machine, openEngine, round, sampleLoad } from './harness.mjs';

const { values: args } = parseArgs({
  options: {
    contacts: { type: 'string', default: '1000000' },
    events: { type: 'string', default: '10000000' },
    days: { type: 'string', default: '90' },
    batch: { type: 'string', default: '10000' },
    'contact-batch': { type: 'string', default: '10000' },
    merges: { type: 'string', default: '0.01' },
    file: { type: 'string' },
    keep: { type: 'boolean', default: false },
    threads: { type: 'string' },
    warmup: { type: 'string', default: '3' },
    repeat: { type: 'string', default: '15' },
    sample: { type: 'string', default: '1000' },
    'no-profile': { type: 'boolean', default: false },
  },
});
const contacts = Number(args.contacts);
const events = Number(args.events);
const days = Number(args.days);
const mergeFraction = Number(args.merges);
const warmup = Number(args.warmup);
const repeat = Number(args.repeat);
const file = path.resolve(args.file ?? path.join(os.tmpdir(), `huiliu-bench-conditions-${process.pid}.duckdb`));
const metaFile = `${file}.json`;
const TZ = 'Asia/Shanghai';
// The data ends at midnight (Asia/Shanghai) of the benchmark's date; the conditions are evaluated then.
const end = Date.UTC(2026, 10, 24, 16, 0, 0);
const now = end;
const DAY_MS = 86_400_000;

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const cpuSeconds = (usage) => (usage.user + usage.system) / 1e6;

// ---- the evaluation window ----------------------------------------------------------------------------
// The condition tree's "past N days including today" (condition.types.ts: on 2-10, past 7 days
// including today is 2-3 .. 2-10): the local calendar days today − N … today — N + 1 days, today
// being the local date of `now` — as UTC instants [from, to) for event_time, and as local dates for
// event_day. (Today, 2026-11-25, holds no events: the data ends at its midnight.)
const clock = new ZonedClock(TZ);
const today = clock.localDay(now);
const windowOf = (n) => {
  const firstDay = today - n;
  return {
    from: clock.fromLocal(firstDay * DAY_MS),
    to: clock.fromLocal((today + 1) * DAY_MS),
    firstDate: new Date(firstDay * DAY_MS).toISOString().slice(0, 10),
    lastDate: new Date(today * DAY_MS).toISOString().slice(0, 10),
  };
};
const utcText = (ms) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
const w30 = windowOf(30);
const FROM = `TIMESTAMP '${utcText(w30.from)}'`;
const TO = `TIMESTAMP '${utcText(w30.to)}'`;
const PROVINCE = '上海';
const PURCHASE = 'purchase';
const UNFOLLOW = 'unsubscribe';

// ---- the dataset: generated once, reused while the generator and the sizes stay the same -----------
const generatorHash = createHash('sha256')
  .update(readFileSync(new URL('./synthetic-tenant.mjs', import.meta.url)))
  .digest('hex')
  .slice(0, 16);
const wanted = { generatorHash, contacts, events, days, mergeFraction, now, window: `${w30.from}..${w30.to}` };
const sameDataset = (meta) => meta && Object.entries(wanted).every(([key, value]) => meta.parameters?.[key] === value);
let meta = existsSync(metaFile) && existsSync(file) ? JSON.parse(readFileSync(metaFile, 'utf8')) : undefined;
const reuse = sameDataset(meta);

const load = sampleLoad();

if (!reuse) for (const suffix of ['', '.wal', '.json']) rmSync(file + suffix, { force: true });
const engine = await openEngine(file, args.threads);
const tenant = engine.forTenant('1');
await tenant.declare(benchDeclaration());

const result = {
  date: new Date().toISOString(),
  machine: machine(),
  parameters: {
    contacts,
    events,
    days,
    mergeFraction,
    warmup,
    repeat,
    sample: Number(args.sample),
    threads: args.threads ?? null,
  },
  evaluation: {
    now: new Date(now).toISOString(),
    timeZone: TZ,
    past30Days: { localDays: `${w30.firstDate} .. ${w30.lastDate}`, utc: `[${utcText(w30.from)}, ${utcText(w30.to)})` },
  },
  loadAverage: { before: load.now() },
};

if (reuse) {
  log(`reusing ${file} (generated ${meta.generatedAt})`);
  result.generation = {
    reused: true,
    generatedAt: meta.generatedAt,
    seconds: meta.generationSeconds,
    cpuSeconds: meta.generationCpuSeconds,
  };
} else {
  // Ground truth, computed from the generated rows themselves (not by SQL): per contact, purchases
  // and unfollows in the window, with merges applied afterwards.
  const index = (id) => Number(id) - FIRST_CONTACT_ID;
  const inShanghai = new Uint8Array(contacts);
  const purchases = new Uint32Array(contacts);
  const unfollowed = new Uint8Array(contacts);
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  let batchNo = 0;
  for (const rows of contactBatches({ contacts, batchSize: Number(args['contact-batch']), end })) {
    for (const row of rows) if (row.province === PROVINCE) inShanghai[index(row.id)] = 1;
    await tenant.load({ batchId: `contacts-${batchNo++}`, contacts: rows });
  }
  log(`contacts: ${contacts} loaded`);
  let loaded = 0;
  let nextReport = 1_000_000;
  for (const rows of eventBatches({ events, days, contacts, batchSize: Number(args.batch), end })) {
    for (const row of rows) {
      if (row.eventTime < w30.from || row.eventTime >= w30.to) continue;
      if (row.event === PURCHASE) purchases[index(row.contactId)] += 1;
      else if (row.event === UNFOLLOW) unfollowed[index(row.contactId)] = 1;
    }
    await tenant.load({ batchId: `events-${batchNo++}`, events: rows });
    loaded += rows.length;
    if (loaded >= nextReport) {
      log(`events: ${loaded} loaded`);
      nextReport += 1_000_000;
    }
  }
  // Each contact's own events, before merges: what an answer that skipped the aliases would count.
  const ownPurchases = purchases.slice();
  const ownUnfollowed = unfollowed.slice();
  let aliases = 0;
  for (const merge of mergeBatches({ contacts, fraction: mergeFraction })) {
    for (const { fromContactId, toContactId } of merge.aliases) {
      const from = index(fromContactId);
      const to = index(toContactId);
      purchases[to] += purchases[from];
      unfollowed[to] |= unfollowed[from];
      inShanghai[from] = 0; // merged away: removed from contacts
    }
    aliases += merge.aliases.length;
    await tenant.load({ batchId: `merges-${batchNo++}`, ...merge });
  }
  log(`merges: ${aliases} contacts merged away`);
  let answer = 0;
  let answerIgnoringMerges = 0;
  for (let i = 0; i < contacts; i += 1) {
    if (inShanghai[i] !== 1) continue;
    if (purchases[i] >= 2 && unfollowed[i] === 0) answer += 1;
    if (ownPurchases[i] >= 2 && ownUnfollowed[i] === 0) answerIgnoringMerges += 1;
  }
  meta = {
    parameters: wanted,
    generatedAt: new Date().toISOString(),
    generationSeconds: round((performance.now() - started) / 1000, 1),
    generationCpuSeconds: round(cpuSeconds(process.cpuUsage(cpuBefore)), 1),
    aliases,
    groundTruth: { answer, answerIgnoringMerges },
  };
  writeFileSync(metaFile, `${JSON.stringify(meta, null, 2)}\n`);
  result.generation = { reused: false, seconds: meta.generationSeconds, cpuSeconds: meta.generationCpuSeconds };
  log(`generation: ${JSON.stringify(result.generation)}`);
}
const truth = meta.groundTruth.answer;

const count = async (sql, params) => {
  const { rows } = await tenant.query(sql, params ? { params } : {});
  return Number(Object.values(rows[0])[0]);
};

// ---- what the dataset holds for the question (not timed) --------------------------------------------
{
  const { rows: provinces } = await tenant.query(
    `SELECT province, count(*) AS n FROM contacts GROUP BY province ORDER BY n DESC`,
  );
  const values = provinces.map((r) => r.province);
  if (!values.includes(PROVINCE)) throw new Error(`no contact has province ${PROVINCE}; stored values: ${values.join(', ')}`);
  const { rows: mix } = await tenant.query(
    `SELECT event, count(*) AS n, count(DISTINCT contact_id) AS contacts FROM events
      WHERE event IN ('${PURCHASE}', '${UNFOLLOW}') AND event_time >= ${FROM} AND event_time < ${TO} GROUP BY event ORDER BY event`,
  );
  const { rows: merged } = await tenant.query(
    `SELECT count(*) AS events, count(DISTINCT source_contact_id) AS merged_contacts, count(DISTINCT contact_id) AS survivors
       FROM events WHERE contact_id <> source_contact_id`,
  );
  // The same question counting each event for the contact that did it (source_contact_id), not the
  // survivor: it must differ from the answer, or the merges would not be exercised.
  const ignoringMerges = await count(
    `SELECT count(*) FROM contacts WHERE province = '${PROVINCE}' AND id IN (
       SELECT source_contact_id FROM events WHERE event IN ('${PURCHASE}', '${UNFOLLOW}') AND event_time >= ${FROM} AND event_time < ${TO}
        GROUP BY source_contact_id
       HAVING count(*) FILTER (WHERE event = '${PURCHASE}') >= 2 AND count(*) FILTER (WHERE event = '${UNFOLLOW}') = 0)`,
  );
  if (ignoringMerges !== meta.groundTruth.answerIgnoringMerges) {
    throw new Error(`answer ignoring merges: SQL ${ignoringMerges}, generator ${meta.groundTruth.answerIgnoringMerges}`);
  }
  if (ignoringMerges === meta.groundTruth.answer)
    throw new Error('the merges do not change the answer: the alias path is not exercised');
  result.dataset = {
    contacts: await count(`SELECT count(*) FROM contacts`),
    events: await count(`SELECT count(*) FROM events`),
    mergedAwayContacts: meta.aliases,
    eventsOfMergedAwayContacts: Number(merged[0].events),
    mergedAwayContactsWithEvents: Number(merged[0].merged_contacts),
    provinces: Object.fromEntries(provinces.slice(0, 6).map((r) => [r.province, Number(r.n)])),
    provinceValueUsed: PROVINCE,
    provinceWithSuffixExists: values.includes(`${PROVINCE}市`),
    inPast30Days: Object.fromEntries(mix.map((r) => [r.event, { events: Number(r.n), contacts: Number(r.contacts) }])),
    groundTruth: meta.groundTruth,
  };
  log(`dataset: ${JSON.stringify(result.dataset)}`);
}

// ---- the hand-written formulations ------------------------------------------------------------------
const inWindow = (alias = '') => `${alias}event_time >= ${FROM} AND ${alias}event_time < ${TO}`;
const dayWindow = `event_day BETWEEN DATE '${w30.firstDate}' AND DATE '${w30.lastDate}'`;
const perContact = (where) =>
  `SELECT contact_id FROM events WHERE event IN ('${PURCHASE}', '${UNFOLLOW}') AND ${where}
     GROUP BY contact_id
     HAVING count(*) FILTER (WHERE event = '${PURCHASE}') >= 2 AND count(*) FILTER (WHERE event = '${UNFOLLOW}') = 0`;
const handWritten = {
  'correlated subqueries (the definition, literally)': {
    sql: `SELECT count(*) FROM contacts AS c WHERE c.province = '${PROVINCE}'
      AND (SELECT count(*) FROM events AS e WHERE e.contact_id = c.id AND e.event = '${PURCHASE}' AND ${inWindow('e.')}) >= 2
      AND NOT EXISTS (SELECT 1 FROM events AS e WHERE e.contact_id = c.id AND e.event = '${UNFOLLOW}' AND ${inWindow('e.')})`,
  },
  'IN (GROUP BY … HAVING) + NOT IN': {
    sql: `SELECT count(*) FROM contacts WHERE province = '${PROVINCE}'
      AND id IN (SELECT contact_id FROM events WHERE event = '${PURCHASE}' AND ${inWindow()} GROUP BY contact_id HAVING count(*) >= 2)
      AND id NOT IN (SELECT contact_id FROM events WHERE event = '${UNFOLLOW}' AND ${inWindow()})`,
  },
  'IN (GROUP BY … HAVING) + NOT EXISTS': {
    sql: `SELECT count(*) FROM contacts AS c WHERE c.province = '${PROVINCE}'
      AND c.id IN (SELECT contact_id FROM events WHERE event = '${PURCHASE}' AND ${inWindow()} GROUP BY contact_id HAVING count(*) >= 2)
      AND NOT EXISTS (SELECT 1 FROM events AS e WHERE e.contact_id = c.id AND e.event = '${UNFOLLOW}' AND ${inWindow('e.')})`,
  },
  'JOIN + GROUP BY, then anti-join (LEFT JOIN … IS NULL)': {
    sql: `SELECT count(*) FROM (
        SELECT c.id FROM contacts AS c JOIN events AS e ON e.contact_id = c.id
         WHERE c.province = '${PROVINCE}' AND e.event = '${PURCHASE}' AND ${inWindow('e.')}
         GROUP BY c.id HAVING count(*) >= 2) AS p
      LEFT JOIN (SELECT DISTINCT contact_id FROM events WHERE event = '${UNFOLLOW}' AND ${inWindow()}) AS u ON u.contact_id = p.id
      WHERE u.contact_id IS NULL`,
  },
  'set algebra: (purchasers ∩ 上海) EXCEPT unfollowers': {
    sql: `SELECT count(*) FROM (
        (SELECT contact_id FROM events WHERE event = '${PURCHASE}' AND ${inWindow()} GROUP BY contact_id HAVING count(*) >= 2
         INTERSECT SELECT id FROM contacts WHERE province = '${PROVINCE}')
        EXCEPT SELECT contact_id FROM events WHERE event = '${UNFOLLOW}' AND ${inWindow()})`,
  },
  'one scan, conditional aggregation, then JOIN contacts': {
    sql: `SELECT count(*) FROM (${perContact(inWindow())}) AS p JOIN contacts AS c ON c.id = p.contact_id WHERE c.province = '${PROVINCE}'`,
  },
  'one scan, conditional aggregation, contacts as IN': {
    sql: `SELECT count(*) FROM contacts WHERE province = '${PROVINCE}' AND id IN (${perContact(inWindow())})`,
  },
  'one scan, contacts semi-joined before aggregating': {
    sql: `SELECT count(*) FROM (${perContact(`${inWindow()} AND contact_id IN (SELECT id FROM contacts WHERE province = '${PROVINCE}')`)})`,
  },
  'one scan, conditional aggregation, event_day window': {
    sql: `SELECT count(*) FROM (${perContact(dayWindow)}) AS p JOIN contacts AS c ON c.id = p.contact_id WHERE c.province = '${PROVINCE}'`,
  },
  'one scan, conditional aggregation, window as parameters': {
    sql: `SELECT count(*) FROM (${perContact(
      'event_time >= CAST(? AS TIMESTAMP) AND event_time < CAST(? AS TIMESTAMP)',
    )}) AS p JOIN contacts AS c ON c.id = p.contact_id WHERE c.province = CAST(? AS VARCHAR)`,
    params: [utcText(w30.from), utcText(w30.to), PROVINCE],
  },
};

/**
 * Times each case `repeat` times after `warmup` runs, interleaved (case 1, case 2, …, case 1, …) so a
 * change in the machine's load affects every case alike. Each run's process CPU time (main thread and
 * DuckDB's threads) is recorded too. `run` answers one count: by default through TenantAnalytics.query
 * (SQL guard, resolution to physical SQL, a read connection — what the condition engine will pay).
 */
async function measure(cases, run = count) {
  const out = {};
  const answers = {};
  for (const [name, c] of Object.entries(cases)) {
    const params = c.params?.map((p) => (typeof p === 'bigint' ? String(p) : p));
    out[name] = { sql: c.sql, ...(params ? { params: params.length > 40 ? `${params.length} parameters` : params } : {}) };
    for (let i = 0; i < warmup; i += 1) answers[name] = await run(c.sql, c.params);
    out[name].answer = answers[name];
    out[name].runs = [];
    out[name].cpu = [];
    out[name].resolve = [];
  }
  for (let i = 0; i < repeat; i += 1) {
    for (const [name, c] of Object.entries(cases)) {
      if (run === count) {
        // The SQL guard's parse and the resolution alone: part of every query() call.
        const resolveStarted = performance.now();
        await tenant.resolve(c.sql);
        out[name].resolve.push(performance.now() - resolveStarted);
      }
      const cpu = process.cpuUsage();
      const started = performance.now();
      const answer = await run(c.sql, c.params);
      out[name].runs.push(round(performance.now() - started, 2));
      out[name].cpu.push(cpuSeconds(process.cpuUsage(cpu)) * 1000);
      if (answer !== answers[name]) throw new Error(`${name}: answer changed between runs (${answers[name]} → ${answer})`);
    }
  }
  if (run === count) {
    // The guard caches parses by SQL text, so the runs above hit its cache; a new text (new literals,
    // another number of `?`) pays the parse: measured on copies made unique by trailing spaces.
    for (const [name, c] of Object.entries(cases)) {
      const parses = [];
      for (let i = 0; i < 3; i += 1) {
        const started = performance.now();
        await tenant.resolve(`${c.sql}${' '.repeat(1 + i + Math.floor(Math.random() * 10_000))}`);
        parses.push(performance.now() - started);
      }
      out[name].uncachedResolveMs = round(median(parses), 2);
    }
  }
  for (const [name, o] of Object.entries(out)) {
    o.medianMs = round(median(o.runs), 1);
    o.minMs = round(Math.min(...o.runs), 1);
    o.medianCpuMs = round(median(o.cpu), 1);
    if (o.resolve.length) o.medianResolveMs = round(median(o.resolve), 2);
    delete o.cpu;
    delete o.resolve;
    log(`${name}: answer ${o.answer}, median ${o.medianMs} ms, min ${o.minMs} ms, cpu ${o.medianCpuMs} ms`);
  }
  return out;
}

/** Throws when any case's answer differs from `expected`. */
function assertAnswers(measured, expected, what) {
  const wrong = Object.entries(measured).filter(([, o]) => o.answer !== expected);
  if (wrong.length) {
    throw new Error(`${what}: expected ${expected}, got ${wrong.map(([name, o]) => `${o.answer} from "${name}"`).join('; ')}`);
  }
}

// ---- the compiler (core/src/modules/conditions/compiler.ts) -------------------------------------------
let compiler;
try {
  const { ConditionCompiler } = await import('../../core/dist/modules/conditions/compiler.js');
  const { buildContext, metadataFromDeclaration } = await import('../../core/dist/modules/conditions/catalogue.js');
  // What the conditions service hands the compiler without a metadata source: the tenant's
  // declaration, no groups or tags.
  const context = buildContext(metadataFromDeclaration(TZ, benchDeclaration()), [], []);
  const conditionCompiler = new ConditionCompiler(duckDbDialect);
  compiler = {
    compile: (tree, options = {}) => conditionCompiler.count(tree, context, { now, ...options }),
    // The same SQL with its parameters inlined as literals (the compiler's debugging view): how much
    // binding ~15 (or 2,000) parameters costs.
    inlined: (tree, options = {}) => conditionCompiler.explain(tree, context, { now, ...options }),
  };
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
  log('the condition compiler is not built (core/dist/modules/conditions/compiler.js): compiled cases are skipped');
}
const compile = (tree, options) => compiler.compile(tree, options);

const questionTree = {
  type: 'and',
  conditions: [
    {
      type: 'event',
      did: true,
      event: PURCHASE,
      time: { kind: 'past', days: 30, includeToday: true },
      measure: { aggregate: 'count', operator: 'gte', values: [2] },
    },
    { type: 'event', did: false, event: UNFOLLOW, time: { kind: 'past', days: 30, includeToday: true } },
    { type: 'property', property: 'province', operator: 'eq', values: [PROVINCE] },
  ],
};

// ---- 1. the question: hand-written formulations vs the compiled tree ---------------------------------
{
  const cpuBefore = process.cpuUsage();
  const cases = { ...handWritten };
  let compiled;
  if (compiler) {
    compiled = compile(questionTree);
    cases.compiled = { sql: compiled.sql, params: compiled.params };
    cases['compiled, parameters inlined'] = { sql: compiler.inlined(questionTree) };
  }
  log(`question: ${Object.keys(cases).length} formulations, ${warmup} warm-up + ${repeat} timed runs each`);
  const measured = await measure(cases);
  assertAnswers(measured, truth, 'the question');
  const hand = Object.entries(measured).filter(([name]) => !name.startsWith('compiled'));
  const [fastestName, fastest] = hand.reduce((best, entry) => (entry[1].medianMs < best[1].medianMs ? entry : best));
  result.question = {
    tree: questionTree,
    answer: truth,
    answerIgnoringMerges: meta.groundTruth.answerIgnoringMerges,
    fastestHandWritten: { name: fastestName, medianMs: fastest.medianMs, minMs: fastest.minMs },
    ...(compiled
      ? {
          compiled: { medianMs: measured.compiled.medianMs, minMs: measured.compiled.minMs },
          ratioCompiledToHandWritten: round(measured.compiled.medianMs / fastest.medianMs, 2),
          withinTarget: measured.compiled.medianMs <= 1.5 * fastest.medianMs,
        }
      : { compiled: null }),
    formulations: measured,
    processCpuSeconds: round(cpuSeconds(process.cpuUsage(cpuBefore)), 1),
  };
  log(`question: ${JSON.stringify({ ...result.question, formulations: undefined, tree: undefined })}`);
}

// ---- 2. a six-leaf, two-level tree ------------------------------------------------------------------
const sixLeafTree = {
  type: 'and',
  conditions: [
    { type: 'property', property: 'province', operator: 'eq', values: ['广东', '浙江'] },
    {
      type: 'or',
      conditions: [
        {
          type: 'event',
          did: true,
          event: PURCHASE,
          time: { kind: 'past', days: 90, includeToday: true },
          measure: { aggregate: 'sum', property: 'order_amount', operator: 'gt', values: [500] },
        },
        { type: 'event', did: true, event: 'share', time: { kind: 'past', days: 7, includeToday: true } },
      ],
    },
    { type: 'property', property: 'lastActiveAt', operator: 'in', range: { kind: 'past', days: 30, includeToday: true } },
    { type: 'event', did: false, event: 'add_to_cart', time: { kind: 'past', days: 14, includeToday: true } },
    { type: 'property', property: 'city', operator: 'ne', values: ['深圳'] },
  ],
};
{
  // The same question by hand, to check the compiled count (not the point of this case: timed anyway).
  const w90 = windowOf(90);
  const w7 = windowOf(7);
  const w14 = windowOf(14);
  const between = (w) => `event_time >= TIMESTAMP '${utcText(w.from)}' AND event_time < TIMESTAMP '${utcText(w.to)}'`;
  const handSql = `SELECT count(*) FROM contacts AS c
    LEFT JOIN (SELECT contact_id,
                      sum(p_8) FILTER (WHERE event = '${PURCHASE}') AS amount,
                      count(*) FILTER (WHERE event = 'share' AND ${between(w7)}) AS shares,
                      count(*) FILTER (WHERE event = 'add_to_cart' AND ${between(w14)}) AS carts
                 FROM events WHERE event IN ('${PURCHASE}', 'share', 'add_to_cart') AND ${between(w90)}
                GROUP BY contact_id) AS e ON e.contact_id = c.id
    WHERE c.province IN ('广东', '浙江')
      AND (e.amount > 500 OR e.shares > 0)
      AND c.last_active_at >= TIMESTAMP '${utcText(w30.from)}' AND c.last_active_at < TIMESTAMP '${utcText(w30.to)}'
      AND COALESCE(e.carts, 0) = 0
      AND c.city IS DISTINCT FROM '深圳'`;
  const cases = { 'hand-written (check)': { sql: handSql } };
  if (compiler) {
    const compiled = compile(sixLeafTree);
    cases.compiled = { sql: compiled.sql, params: compiled.params };
  }
  const measured = await measure(cases);
  assertAnswers(measured, measured['hand-written (check)'].answer, 'the six-leaf tree');
  result.sixLeafTree = {
    tree: sixLeafTree,
    answer: measured['hand-written (check)'].answer,
    compiled: compiler ? { medianMs: measured.compiled.medianMs, minMs: measured.compiled.minMs } : null,
    formulations: measured,
  };
}

// ---- 3. the question for 1,000 given contacts (a journey branch, a preview) --------------------------
// Two samples: contacts drawn uniformly from every id (most are dormant: the brief's "random
// contacts"), and contacts drawn the way events pick them (Zipf), as a journey meets them when they
// act — that one has a non-trivial answer to compare.
{
  const size = Number(args.sample);
  const uniform = random(2026);
  const active = random(2027);
  const rank = zipfSampler(contacts, { s: 1.2, q: 200 }, active);
  const samples = {
    uniform: () => String(FIRST_CONTACT_ID + Math.floor(uniform() * contacts)),
    active: () => String(contactIdOfRank(rank(), contacts)),
  };
  result.contactRestricted = {};
  for (const [kind, draw] of Object.entries(samples)) {
    const ids = new Set();
    while (ids.size < size) ids.add(draw());
    const sample = [...ids];
    const restricted = (list) =>
      `SELECT count(*) FROM (${perContact(`${inWindow()} AND contact_id IN (${list})`)}) AS p
         JOIN contacts AS c ON c.id = p.contact_id WHERE c.province = '${PROVINCE}'`;
    const cases = {
      'hand-written: fastest shape, ids as literals': { sql: restricted(sample.join(', ')) },
      'hand-written: fastest shape, ids as parameters': {
        sql: restricted(sample.map(() => 'CAST(? AS BIGINT)').join(', ')),
        params: sample,
      },
      // One parameter for the whole list: the SQL text (and the guard's cached parse) stays the same
      // whatever the ids and however many.
      'hand-written: fastest shape, ids as one BIGINT[] parameter': {
        sql: restricted('SELECT unnest(CAST(? AS BIGINT[]))'),
        params: [`[${sample.join(',')}]`],
      },
    };
    let aliasLookupMs;
    if (compiler) {
      // As the conditions service does: the contacts merged into the sample, so the compiled query
      // filters the events scan by the stored id (the lookup is timed on its own).
      const started = performance.now();
      const merged = await tenant.query(
        'SELECT from_contact_id AS id FROM contact_alias WHERE to_contact_id IN (SELECT unnest(CAST(? AS BIGINT[])))',
        { params: [`[${sample.join(',')}]`], rowMode: 'json' },
      );
      aliasLookupMs = performance.now() - started;
      const options = { contactIds: sample, sourceContactIds: [...sample, ...merged.rows.map((r) => String(r.id))] };
      const compiled = compile(questionTree, options);
      cases.compiled = { sql: compiled.sql, params: compiled.params };
      cases['compiled, parameters inlined'] = { sql: compiler.inlined(questionTree, options) };
    }
    log(`${size} contacts (${kind})`);
    const measured = await measure(cases);
    const expected = measured['hand-written: fastest shape, ids as literals'].answer;
    assertAnswers(measured, expected, `the ${size}-contact evaluation (${kind})`);
    result.contactRestricted[kind] = {
      contacts: sample.length,
      answer: expected,
      compiled: compiler ? { medianMs: measured.compiled.medianMs, minMs: measured.compiled.minMs, aliasLookupMs } : null,
      formulations: Object.fromEntries(
        Object.entries(measured).map(([name, o]) => [name, { ...o, sql: `${o.sql.slice(0, 400)}…` }]),
      ),
    };
  }
}

// The physical SQL of the measured queries, for EXPLAIN ANALYZE below.
const physical = {
  fastestHandWritten: {
    sql: await tenant.resolve(handWritten[result.question.fastestHandWritten.name].sql),
    params: handWritten[result.question.fastestHandWritten.name].params ?? [],
  },
};
if (compiler) {
  const compiled = compile(questionTree);
  physical.compiled = { sql: await tenant.resolve(compiled.sql), params: compiled.params };
}
await engine.close();

// ---- physical SQL on a connection of our own: what query() cannot reach, and the profiles -----------
// The same file opened read-only after the engine closed. First the resolved SQL of the fastest
// hand-written and the compiled query run directly (the difference to query() is the guard and the
// pool), then formulations over the physical tables that the logical relations cannot express, then
// EXPLAIN ANALYZE of the resolved SQL.
if (!args['no-profile']) {
  const instance = await DuckDBInstance.create(file, {
    access_mode: 'READ_ONLY',
    ...(args.threads ? { threads: args.threads } : {}),
  });
  const connection = await instance.connect();
  const direct = async (sql, params) => {
    const reader = await connection.runAndReadAll(sql, params ?? []);
    return Number(reader.getRows()[0][0]);
  };
  const events = `"t_1"."event_data"`;
  const alias = `"t_1"."contact_alias"`;
  const contactData = `"t_1"."contact_data"`;
  const perSource = `SELECT contact_id, count(*) FILTER (WHERE event = '${PURCHASE}') AS purchases,
        count(*) FILTER (WHERE event = '${UNFOLLOW}') AS unfollows
      FROM ${events} WHERE event IN ('${PURCHASE}', '${UNFOLLOW}') AND ${inWindow()} GROUP BY contact_id`;
  const cases = {
    'resolved fastest hand-written, run directly': physical.fastestHandWritten,
    ...(physical.compiled ? { 'resolved compiled, run directly': physical.compiled } : {}),
    'physical: aggregate per stored contact id, then resolve merges on the aggregate': {
      sql: `WITH s AS (${perSource}),
        r AS (SELECT COALESCE(a.to_contact_id, s.contact_id) AS contact_id, sum(purchases) AS purchases, sum(unfollows) AS unfollows
                FROM s LEFT JOIN ${alias} AS a ON a.from_contact_id = s.contact_id GROUP BY 1)
        SELECT count(*) FROM ${contactData} WHERE province = '${PROVINCE}'
           AND id IN (SELECT contact_id FROM r WHERE purchases >= 2 AND unfollows = 0)`,
    },
    'physical: merges ignored (a different answer: the price of the alias join)': {
      sql: `SELECT count(*) FROM ${contactData} WHERE province = '${PROVINCE}'
           AND id IN (SELECT contact_id FROM (${perSource}) WHERE purchases >= 2 AND unfollows = 0)`,
    },
  };
  log('physical SQL on a read-only connection of our own');
  const measured = await measure(cases, direct);
  const ignoring = 'physical: merges ignored (a different answer: the price of the alias join)';
  if (measured[ignoring].answer !== meta.groundTruth.answerIgnoringMerges) {
    throw new Error(`${ignoring}: ${measured[ignoring].answer}, expected ${meta.groundTruth.answerIgnoringMerges}`);
  }
  assertAnswers(
    Object.fromEntries(Object.entries(measured).filter(([name]) => name !== ignoring)),
    truth,
    'the question on physical tables',
  );
  result.physical = Object.fromEntries(
    Object.entries(measured).map(([name, o]) => [name, name.startsWith('resolved') ? { ...o, sql: undefined } : o]),
  );
  result.profiles = {};
  for (const [name, q] of Object.entries(physical)) {
    const reader = await connection.runAndReadAll(`EXPLAIN ANALYZE ${q.sql}`, q.params);
    result.profiles[name] = {
      physicalSql: q.sql,
      plan: reader
        .getRows()
        .map((row) => String(row[1]))
        .join('\n'),
    };
  }
  connection.closeSync();
  instance.closeSync();
}

result.loadAverage = { ...result.loadAverage, ...load.stop() };
result.processCpuSeconds = round(cpuSeconds(process.cpuUsage()), 1);
result.fileMiB = existsSync(file) ? round(statSync(file).size / 2 ** 20) : null;
if (!args.keep) for (const suffix of ['', '.wal', '.json']) rmSync(file + suffix, { force: true });
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
