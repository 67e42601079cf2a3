// Contact-list benchmark (issue 18): 所有用户 with a filter of two leaves (省份 = 广东省 AND 会员等级 包含
// 金卡) on a tenant of --contacts contacts with 20 custom fields, a deep keyset page, --concurrency
// requests at once — through the real route (POST /api/v1/console/contacts/search on a Huiliu app from
// core/dist: session, masks, metadata, condition engine, SQL guard, DuckDB) — against the fastest
// hand-written SQL for the same page, run through TenantAnalytics.query (guard, logical relations, a read
// connection) and on a raw DuckDB connection of the same engine. Needs core built.
//
//   node bench/src/contact-list.mjs                          # 1,000,000 contacts
//   node bench/src/contact-list.mjs --contacts 100000 --requests 50
//
// JSON to stdout, progress to stderr, load average sampled while it runs.
import { Buffer } from 'node:buffer';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { log, machine, round, sampleLoad } from './harness.mjs';

const { values: args } = parseArgs({
  options: {
    contacts: { type: 'string', default: '1000000' },
    batch: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '10' },
    requests: { type: 'string', default: '200' },
    warmup: { type: 'string', default: '20' },
    depth: { type: 'string', default: '0.8' },
    threads: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const total = Number(args.contacts);
const concurrency = Number(args.concurrency);
const requests = Number(args.requests);
const warmup = Number(args.warmup);
const LIMIT = 20;

// ---- the synthetic contacts ---------------------------------------------------------------------------

/** Deterministic PRNG (mulberry32). */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const pick = (rand, list) => list[Math.floor(rand() * list.length)];
const weighted = (rand, pairs) => {
  const sum = pairs.reduce((s, [, w]) => s + w, 0);
  let r = rand() * sum;
  for (const [value, w] of pairs) if ((r -= w) < 0) return value;
  return pairs.at(-1)[0];
};
const PROVINCES = [
  ['广东省', 14],
  ['浙江省', 9],
  ['江苏省', 9],
  ['上海市', 7],
  ['北京市', 6],
  ['山东省', 6],
  ['四川省', 5],
  ['河南省', 5],
  ['福建省', 4],
  ['湖北省', 4],
  ['其他', 31],
];
const LEVELS = [
  ['普通会员', 60],
  ['银卡会员', 25],
  ['金卡会员', 12],
  ['钻石会员', 3],
];
const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周'];
const GIVEN = ['伟', '芳', '娜', '敏', '静', '强', '磊', '洋', '艳', '杰'];
const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'omega', 'sigma', 'kappa', 'lambda'];
const END = Date.UTC(2026, 10, 24, 16, 0, 0);
const YEAR_MS = 365 * 86_400_000;

/** The 20 custom fields: 会员等级 first (attr1), then strings, integers, decimals and dates. */
const FIELDS = [
  { name: '会员等级', type: 'string' },
  ...Array.from({ length: 7 }, (_, i) => ({ name: `标签${i + 1}`, type: 'string' })),
  ...Array.from({ length: 4 }, (_, i) => ({ name: `积分${i + 1}`, type: 'integer' })),
  ...Array.from({ length: 4 }, (_, i) => ({ name: `金额${i + 1}`, type: 'decimal' })),
  ...Array.from({ length: 4 }, (_, i) => ({ name: `日期${i + 1}`, type: 'date' })),
];

function contactOf(index) {
  const rand = prng(index * 2654435761);
  const identified = rand() < 0.7;
  const updatedAt = END - Math.floor((rand() * YEAR_MS) / 1000) * 1000; // whole seconds: ties happen
  const attributes = {};
  FIELDS.forEach((field, i) => {
    const seq = String(i + 1);
    if (i === 0) attributes[seq] = weighted(rand, LEVELS);
    else if (rand() < 0.2) return;
    else if (field.type === 'string') attributes[seq] = `${pick(rand, WORDS)}-${Math.floor(rand() * 1000)}`;
    else if (field.type === 'integer') attributes[seq] = Math.floor(rand() * 10_000);
    else if (field.type === 'decimal') attributes[seq] = Math.round(rand() * 100_000) / 100;
    else attributes[seq] = new Date(END - Math.floor(rand() * 3 * YEAR_MS)).toISOString().slice(0, 10);
  });
  return {
    id: String(1_000_000 + index),
    identified,
    name: identified ? pick(rand, SURNAMES) + pick(rand, GIVEN) : null,
    mobile: identified && rand() < 0.8 ? `1${String(3_000_000_000 + Math.floor(rand() * 6_999_999_999))}` : null,
    email: identified && rand() < 0.4 ? `user${index}@example.com` : null,
    province: weighted(rand, PROVINCES),
    city: null,
    firstSeenAt: updatedAt - YEAR_MS / 4,
    lastActiveAt: updatedAt,
    createdAt: identified ? updatedAt - 86_400_000 : null,
    updatedAt,
    attributes,
  };
}

// ---- measuring ------------------------------------------------------------------------------------------

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
function summary(latencies, wallMs) {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    requests: sorted.length,
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted.at(-1)),
    perSecond: round((sorted.length / wallMs) * 1000),
  };
}

/** `count` calls of `run`, `concurrency` at a time (closed loop), after `warmup` calls; latencies in ms. */
async function measure(run, check) {
  for (let i = 0; i < warmup; i += 1) check(await run());
  const latencies = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests) {
        next += 1;
        const t0 = performance.now();
        const result = await run();
        latencies.push(performance.now() - t0);
        check(result);
      }
    }),
  );
  return summary(latencies, performance.now() - started);
}

async function main() {
  const { createApp } = await import('../../core/dist/app.js');
  const { loadConfig } = await import('../../core/dist/config/config.js');
  const { Client, createTenant } = await import('../../core/dist/testing.js');
  const load = sampleLoad();
  const startedAt = new Date().toISOString();
  const cpu0 = process.cpuUsage();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'huiliu-list-bench-'));
  const config = loadConfig({
    env: {},
    overrides: {
      dataDir,
      port: 0,
      host: '127.0.0.1',
      logLevel: 'warn',
      logRequests: 'off',
      ingest: { worker: false },
      olap: { queryTimeoutMs: 60_000, ...(args.threads ? { threads: Number(args.threads) } : {}) },
    },
  });
  const app = await createApp(config, { logger: pino({ level: 'warn' }, pino.destination(2)) });
  await app.start();
  try {
    const tenant = await createTenant(app);
    const staff = await Client.staff(app.server, tenant.email, tenant.password);
    for (const field of FIELDS) {
      const res = await staff.request('POST', '/api/v1/metadata/contact-fields', field);
      if (res.statusCode !== 201) throw new Error(`custom field refused: ${JSON.stringify(res.body)}`);
    }
    const analytics = app.olap.forTenant(tenant.tenantId);
    const record = await analytics.schema();
    if (record.declaration.contactAttributes.length !== FIELDS.length)
      throw new Error('the custom fields are not declared in OLAP');

    // Contacts straight into OLAP (the list reads only OLAP), as the contact outbox loads them.
    log(`loading ${total} contacts with ${FIELDS.length} custom fields…`);
    const batch = Number(args.batch);
    const t0 = performance.now();
    for (let start = 1; start <= total; start += batch) {
      const rows = [];
      for (let i = start; i < Math.min(start + batch, total + 1); i += 1) rows.push(contactOf(i));
      await analytics.load({ batchId: `bench-contacts-${start}`, contacts: rows });
      if ((start - 1) % (batch * 10) === 0) log(`  ${start - 1 + rows.length} contacts`);
    }
    const loadSeconds = (performance.now() - t0) / 1000;
    log(`loaded in ${round(loadSeconds)} s`);

    // Columns: the defaults plus 会员等级 (what an operator filtering by it would show).
    await staff.request('PUT', '/api/v1/console/contacts/list-columns', {
      columns: ['name', 'mobilePhone', 'email', 'gender', 'state', 'city', 'lastActiveAt', 'updatedAt', 'attr1'],
    });
    const filter = {
      type: 'and',
      conditions: [
        { type: 'property', property: 'province', operator: 'eq', values: ['广东省'] },
        { type: 'property', property: 'attr1', operator: 'contains', values: ['金卡'] },
      ],
    };
    const where = `province = '广东省' AND contains(p_1, '金卡')`;
    const matching = Number(
      (await analytics.query(`SELECT count(*) AS n FROM contacts WHERE ${where}`, { rowMode: 'json' })).rows[0].n,
    );
    // The deep page: the one after the row at --depth of the matching contacts, in list order.
    const offset = Math.floor(matching * Number(args.depth));
    const anchor = (
      await analytics.query(
        `SELECT id, epoch_ms(updated_at) AS ms FROM contacts WHERE ${where} ORDER BY updated_at DESC, id DESC LIMIT 1 OFFSET ${offset}`,
        { rowMode: 'json' },
      )
    ).rows[0];
    const cursor = Buffer.from(JSON.stringify(['contact-list', Number(anchor.ms), String(anchor.id)]), 'utf8').toString(
      'base64url',
    );
    const expectedIds = (
      await analytics.query(
        `SELECT id FROM contacts WHERE ${where} AND (updated_at < make_timestamp(${Number(anchor.ms) * 1000}) OR (updated_at = make_timestamp(${Number(anchor.ms) * 1000}) AND id < ${anchor.id})) ORDER BY updated_at DESC, id DESC LIMIT ${LIMIT}`,
        { rowMode: 'json' },
      )
    ).rows.map((row) => String(row.id));
    log(`${matching} contacts match; the deep page starts after row ${offset}`);

    const same = (ids) => {
      if (JSON.stringify(ids) !== JSON.stringify(expectedIds)) throw new Error(`wrong page: ${ids.join(',')}`);
    };
    const results = {};

    // 1. The route: the deep page (no total), and the first page (with the exact total).
    const route = (body) => () => staff.request('POST', '/api/v1/console/contacts/search', body);
    log('route: deep page…');
    results.routeDeepPage = await measure(route({ kind: 'all', filter, cursor, limit: LIMIT }), (res) => {
      if (res.statusCode !== 200) throw new Error(`route answered ${res.statusCode} ${JSON.stringify(res.body)}`);
      same(res.body.items.map((item) => item.id));
    });
    log('route: first page with total…');
    results.routeFirstPageWithTotal = await measure(route({ kind: 'all', filter, limit: LIMIT }), (res) => {
      if (res.statusCode !== 200 || res.body.total !== matching) throw new Error(`route answered ${res.statusCode}`);
    });

    // 2. Hand-written SQL for the same deep page: the same columns, through the guard and relations.
    const columns =
      'id, identified, epoch_ms(updated_at) AS updated_ms, name, mobile, email, gender, province, city, ' +
      'epoch_ms(last_active_at) AS last_active_ms, p_1';
    const handSql = {
      // The list's shape with literals instead of parameters.
      orTuple: `SELECT ${columns} FROM contacts WHERE ${where} AND (updated_at < make_timestamp(${Number(anchor.ms) * 1000}) OR (updated_at = make_timestamp(${Number(anchor.ms) * 1000}) AND id < ${anchor.id})) ORDER BY updated_at DESC, id DESC LIMIT ${LIMIT + 1}`,
      // A row-value comparison.
      rowValue: `SELECT ${columns} FROM contacts WHERE ${where} AND (updated_at, id) < (make_timestamp(${Number(anchor.ms) * 1000}), ${anchor.id}) ORDER BY updated_at DESC, id DESC LIMIT ${LIMIT + 1}`,
      // Sort keys first, then the columns of the 21 rows only (late materialisation by hand).
      keysThenRows: `WITH k AS (SELECT id FROM contacts WHERE ${where} AND (updated_at < make_timestamp(${Number(anchor.ms) * 1000}) OR (updated_at = make_timestamp(${Number(anchor.ms) * 1000}) AND id < ${anchor.id})) ORDER BY updated_at DESC, id DESC LIMIT ${LIMIT + 1}) SELECT ${columns} FROM contacts WHERE id IN (SELECT id FROM k) ORDER BY updated_at DESC, id DESC`,
    };
    for (const [name, text] of Object.entries(handSql)) {
      log(`hand-written (query): ${name}…`);
      results[`sql_${name}`] = await measure(
        () => analytics.query(text, { rowMode: 'json' }),
        (result) => same(result.rows.slice(0, LIMIT).map((row) => String(row.id))),
      );
    }
    const fastest = Object.entries(results)
      .filter(([name]) => name.startsWith('sql_'))
      .sort(([, a], [, b]) => a.p95 - b.p95)[0];
    results.fastestHandWritten = fastest[0];
    results.routeOverFastestP95 = round(results.routeDeepPage.p95 / fastest[1].p95, 2);

    const cpu = process.cpuUsage(cpu0);
    process.stdout.write(
      `${JSON.stringify(
        {
          benchmark: 'contact-list',
          startedAt,
          machine: machine(),
          load: load.stop(),
          cpuSeconds: round((cpu.user + cpu.system) / 1e6),
          dataset: { contacts: total, customFields: FIELDS.length, matching, deepPageAfterRow: offset, pageSize: LIMIT },
          loadSeconds: round(loadSeconds),
          concurrency,
          results,
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    await app.stop();
    if (!args.keep) rmSync(dataDir, { recursive: true, force: true });
    else log(`kept ${dataDir}`);
  }
}

await main();
