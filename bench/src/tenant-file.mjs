// The synthetic tenant (synthetic-tenant.mjs) in a DuckDB file that is generated once and reused: a
// `<file>.json` beside it records the sizes and the generator's hash; a run with the same sizes and an
// unchanged generator reuses the file, anything else regenerates it. Tenant id '1', loaded through
// `forTenant('1').load` (contacts, then events, then merges) as olap-load and conditions do.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { URL } from 'node:url';
import { benchDeclaration, contactBatches, eventBatches, mergeBatches } from './synthetic-tenant.mjs';
import { log, openEngine, round } from './harness.mjs';

/** The data ends at midnight Asia/Shanghai of 2026-11-25: conditions are evaluated then. */
export const DATA_END = Date.UTC(2026, 10, 24, 16, 0, 0);

/**
 * Opens (generating first when needed) the tenant file; returns `{ engine, tenant, meta, reused }`.
 * `engine` is open on `file`; the caller closes it.
 */
export async function openTenantFile({ file, contacts, events, days = 90, merges = 0.01, threads, batch = 10_000 }) {
  const generatorHash = createHash('sha256')
    .update(readFileSync(new URL('./synthetic-tenant.mjs', import.meta.url)))
    .digest('hex')
    .slice(0, 16);
  const wanted = { generatorHash, contacts, events, days, merges, end: DATA_END };
  const metaFile = `${file}.json`;
  let meta = existsSync(metaFile) && existsSync(file) ? JSON.parse(readFileSync(metaFile, 'utf8')) : undefined;
  const reused = Boolean(meta && Object.entries(wanted).every(([key, value]) => meta.parameters?.[key] === value));
  if (!reused) for (const suffix of ['', '.wal', '.json']) rmSync(file + suffix, { force: true });
  const engine = await openEngine(file, threads);
  const tenant = engine.forTenant('1');
  await tenant.declare(benchDeclaration());
  if (reused) {
    log(`reusing ${file} (generated ${meta.generatedAt})`);
    return { engine, tenant, meta, reused };
  }
  log(`generating ${contacts.toLocaleString()} contacts / ${events.toLocaleString()} events into ${file}`);
  const started = performance.now();
  const cpu = process.cpuUsage();
  let batchNo = 0;
  for (const rows of contactBatches({ contacts, batchSize: 10_000, end: DATA_END }))
    await tenant.load({ batchId: `contacts-${batchNo++}`, contacts: rows });
  let loaded = 0;
  let nextReport = 1_000_000;
  for (const rows of eventBatches({ events, days, contacts, batchSize: batch, end: DATA_END })) {
    await tenant.load({ batchId: `events-${batchNo++}`, events: rows });
    loaded += rows.length;
    if (loaded >= nextReport) {
      log(`events: ${loaded.toLocaleString()} loaded`);
      nextReport += 1_000_000;
    }
  }
  let aliases = 0;
  for (const merge of mergeBatches({ contacts, fraction: merges })) {
    aliases += merge.aliases.length;
    await tenant.load({ batchId: `merges-${batchNo++}`, ...merge });
  }
  const used = process.cpuUsage(cpu);
  meta = {
    parameters: wanted,
    generatedAt: new Date().toISOString(),
    generationSeconds: round((performance.now() - started) / 1000, 1),
    generationCpuSeconds: round((used.user + used.system) / 1e6, 1),
    aliases,
  };
  writeFileSync(metaFile, `${JSON.stringify(meta, null, 2)}\n`);
  log(`generated in ${meta.generationSeconds} s`);
  return { engine, tenant, meta, reused };
}
