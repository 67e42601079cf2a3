// What the ingestion benchmarks share (ingest.mjs, realtime-groups.mjs): the request bodies, the load
// generator (a worker thread running this file: node:http keep-alive connections, closed or open loop,
// sampled accepts, optional probes) and a real Huiliu server on a temp data dir (createApp from
// core/dist, SQLite + DuckDB) with a tenant, a custom channel and a web app's write key.
import { Buffer } from 'node:buffer';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { URL } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import pino from 'pino';

// ---- message bodies (shared by the generator thread and (c)) ------------------------------------------

export const EVENTS_PER_BATCH_DEFAULT = 100;

/** A time-ordered UUID (RFC 9562 v7), as core's uuidv7. */
export function uuidv7(now = Date.now()) {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = (bytes[6] & 0x0f) | 0x70;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const SKUS = ['SKU-10001', 'SKU-20417', 'SKU-31999', 'SKU-47710', 'SKU-58123'];
const PATHS = ['/products/10001', '/products/20417', '/cart', '/checkout', '/'];

/**
 * One batch body of `size` messages (~300 bytes each): purchase events of random anonymous ids out of
 * `ids`, a share `identify` of identify calls (the anonymous id gets its user id and traits).
 */
export function makeBatch({ size, ids, identify, v7 }) {
  const now = Date.now();
  const timestamp = new Date(now - 1000).toISOString();
  const parts = [];
  const messageIds = [];
  // The first track message: what freshness follows (an identify is no event in OLAP).
  let tracked;
  for (let i = 0; i < size; i += 1) {
    const messageId = v7 ? uuidv7(now) : randomUUID();
    messageIds.push(messageId);
    const n = Math.floor(Math.random() * ids);
    const anonymousId = `anon-${n.toString(36).padStart(8, '0')}`;
    if (Math.random() < identify)
      parts.push(
        `{"type":"identify","messageId":"${messageId}","anonymousId":"${anonymousId}","userId":"user-${n}",` +
          `"traits":{"name":"会员${n}","mobilePhone":"138${String(n).padStart(8, '0')}","email":"u${n}@example.com"},` +
          `"timestamp":"${timestamp}","context":{"library":{"name":"huiliu-web","version":"0.1.0"},"locale":"zh-CN"}}`,
      );
    else {
      tracked ??= messageId;
      parts.push(
        `{"type":"track","messageId":"${messageId}","anonymousId":"${anonymousId}","event":"purchase",` +
          `"properties":{"amount":${(Math.random() * 500).toFixed(2)},"sku":"${SKUS[n % 5]}"},"timestamp":"${timestamp}",` +
          `"context":{"library":{"name":"huiliu-web","version":"0.1.0"},"page":{"path":"${PATHS[n % 5]}","title":"商品详情"},` +
          `"locale":"zh-CN","userAgent":"Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0"}}`,
      );
    }
  }
  return { body: `{"batch":[${parts.join(',')}],"sentAt":"${new Date(now).toISOString()}"}`, messageIds, tracked };
}

// ---- the load generator (worker thread) ------------------------------------------------------------------

async function generator() {
  const { port, writeKey, mode, seconds, rate, connections, size, ids, identify, v7, sampleEvery, probeEveryMs } = workerData;
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const authorization = `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
  const stats = { sent: 0, ok: 0, accepted: 0, status: {}, errors: 0, latencies: [], perSecond: [], skipped: 0 };
  let inflight = 0;
  let samples = [];
  let probes = [];

  const post = (batch, probeAgent) =>
    new Promise((resolve) => {
      const started = performance.now();
      const body = Buffer.from(batch.body);
      inflight += 1;
      stats.sent += 1;
      const req = http.request(
        {
          agent: probeAgent ?? agent,
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/api/v1/collect/batch',
          headers: { 'content-type': 'application/json', 'content-length': body.length, authorization },
        },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => {
            inflight -= 1;
            const acceptedAt = Date.now();
            stats.status[res.statusCode] = (stats.status[res.statusCode] ?? 0) + 1;
            if (res.statusCode === 200) {
              const answer = JSON.parse(Buffer.concat(chunks).toString());
              stats.ok += 1;
              stats.accepted += answer.accepted;
              const second = Math.floor((performance.now() - t0) / 1000);
              stats.perSecond[second] = (stats.perSecond[second] ?? 0) + answer.accepted;
              if (batch.sample && batch.tracked) samples.push([batch.tracked, acceptedAt]);
              if (batch.probe) probes.push({ ...batch.probe, acceptedAt });
            }
            stats.latencies.push(performance.now() - started);
            resolve();
          });
        },
      );
      req.on('error', () => {
        inflight -= 1;
        stats.errors += 1;
        resolve();
      });
      req.end(body);
    });

  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  const flush = setInterval(() => {
    if (samples.length > 0) parentPort.postMessage({ samples });
    if (probes.length > 0) parentPort.postMessage({ probes });
    samples = [];
    probes = [];
  }, 100);
  // Probes (realtime-groups.mjs): every `probeEveryMs` one `bench_probe` track of a fresh user id
  // `probe-<n>` in a request of its own, on a connection of its own (not queued behind the load).
  const probeAgent = new http.Agent({ keepAlive: true, maxSockets: 2 });
  const probePending = [];
  let probeNo = 0;
  const probeTimer = probeEveryMs
    ? setInterval(() => {
        if (performance.now() >= end) return;
        probeNo += 1;
        const userId = `probe-${probeNo}`;
        const messageId = uuidv7();
        const body =
          `{"batch":[{"type":"track","messageId":"${messageId}","userId":"${userId}","event":"bench_probe",` +
          `"properties":{"n":${probeNo}},"timestamp":"${new Date().toISOString()}"}],"sentAt":"${new Date().toISOString()}"}`;
        probePending.push(post({ body, probe: { userId, messageId, sentAt: Date.now() } }, probeAgent));
      }, probeEveryMs)
    : undefined;

  if (mode === 'closed') {
    // As fast as the server answers: `connections` requests in flight at all times.
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (performance.now() < end) await post(makeBatch({ size, ids, identify, v7 }));
      }),
    );
  } else {
    // Open loop at `rate` events/s: batches are due on a clock, whatever the answers do. More than
    // `connections` × 4 requests outstanding means the server does not keep up: the due batch is
    // counted as skipped (not offered), so the offered rate reported is what was really sent.
    const batchesPerSecond = rate / size;
    let due = 0;
    let n = 0;
    const pending = [];
    await new Promise((resolve) => {
      const tick = () => {
        const now = performance.now();
        if (now >= end) {
          clearInterval(timer);
          resolve();
          return;
        }
        const target = Math.floor(((now - t0) / 1000) * batchesPerSecond);
        while (due < target) {
          due += 1;
          if (inflight >= connections * 4) {
            stats.skipped += 1;
            continue;
          }
          n += 1;
          const batch = makeBatch({ size, ids, identify, v7 });
          batch.sample = n % sampleEvery === 0;
          pending.push(post(batch));
        }
      };
      const timer = setInterval(tick, 5);
    });
    await Promise.all(pending);
  }
  const elapsed = (performance.now() - t0) / 1000;
  if (probeTimer) clearInterval(probeTimer);
  await Promise.all(probePending);
  clearInterval(flush);
  if (samples.length > 0) parentPort.postMessage({ samples });
  if (probes.length > 0) parentPort.postMessage({ probes });
  agent.destroy();
  probeAgent.destroy();
  stats.latencies.sort((a, b) => a - b);
  const q = (p) => stats.latencies[Math.min(stats.latencies.length - 1, Math.floor(p * stats.latencies.length))];
  parentPort.postMessage({
    done: {
      elapsed,
      sent: stats.sent,
      probes: probeNo,
      ok: stats.ok,
      accepted: stats.accepted,
      skipped: stats.skipped,
      status: stats.status,
      errors: stats.errors,
      perSecond: stats.perSecond.map((v) => v ?? 0),
      latencyMs: { p50: q(0.5), p95: q(0.95), p99: q(0.99), max: stats.latencies.at(-1) },
    },
  });
}

if (!isMainThread && workerData?.role === 'ingest-generator') await generator();

// ---- main thread ------------------------------------------------------------------------------------

/**
 * Runs the generator thread; `onSamples` gets [messageId, acceptedAt] pairs of sampled batches,
 * `onProbes` `{ userId, messageId, sentAt, acceptedAt }` of answered probes.
 */
export function runGenerator(options, onSamples = () => {}, onProbes = () => {}) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: { ...options, role: 'ingest-generator' } });
    worker.on('message', (m) => {
      if (m.samples) onSamples(m.samples);
      if (m.probes) onProbes(m.probes);
      if (m.done) resolve(m.done);
    });
    worker.on('error', reject);
  });
}

/** A Huiliu server on a fresh temp data dir with a tenant, a custom channel, a web app, `purchase` and `eventTypes`. */
export async function startServer({ worker, olapThreads, keep = false, eventTypes = [] }) {
  const { log } = await import('./harness.mjs');
  const { createApp } = await import('../../core/dist/app.js');
  const { loadConfig } = await import('../../core/dist/config/config.js');
  const { Client, createTenant } = await import('../../core/dist/testing.js');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'huiliu-ingest-bench-'));
  const config = loadConfig({
    env: {},
    overrides: {
      dataDir,
      port: 0,
      host: '127.0.0.1',
      logLevel: 'warn',
      logRequests: 'off',
      loadPluginPackages: true,
      ingest: { worker, batchSize: 1000, backlogLimit: 50_000_000 },
      olap: { queryTimeoutMs: 60_000, ...(olapThreads ? { threads: Number(olapThreads) } : {}) },
    },
  });
  const app = await createApp(config, { logger: pino({ level: 'warn' }, pino.destination(2)) });
  await app.start();
  const tenant = await createTenant(app);
  const staff = await Client.staff(app.server, tenant.email, tenant.password);
  const channel = (await staff.request('POST', '/api/v1/channels', { type: 'custom', name: '官网' })).body;
  const web = (
    await staff.request('POST', `/api/v1/p/custom-channel/channels/${channel.id}/apps`, {
      platform: 'web',
      name: '官网',
      domain: 'shop.example.com',
    })
  ).body;
  const purchase = await staff.request('POST', '/api/v1/metadata/event-types', {
    channelId: channel.id,
    code: 'purchase',
    name: '购买',
    properties: [
      { code: 'amount', name: '金额', type: 'number' },
      { code: 'sku', name: '商品', type: 'string' },
    ],
  });
  if (!web.writeKey || purchase.statusCode !== 201) throw new Error('bench tenant setup failed');
  for (const eventType of eventTypes) {
    const declared = await staff.request('POST', '/api/v1/metadata/event-types', { channelId: channel.id, ...eventType });
    if (declared.statusCode !== 201) throw new Error(`event type ${eventType.code}: ${JSON.stringify(declared.body)}`);
  }
  return {
    app,
    staff,
    dataDir,
    tenantId: tenant.tenantId,
    channelId: String(channel.id),
    writeKey: web.writeKey,
    port: app.server.info.port,
    async close() {
      await app.stop();
      if (!keep) rmSync(dataDir, { recursive: true, force: true });
      else log(`kept ${dataDir}`);
    },
  };
}
