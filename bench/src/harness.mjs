// What every benchmark here shares: progress on stderr, rounding, the machine it ran on, the
// load average sampled while it ran (the machine may be shared), and the DuckDB engine it opens.
import os from 'node:os';
import { DuckDbEngine, MemorySchemaVersionStore } from '../../core/dist/store/olap/index.js';

export const log = (message) => process.stderr.write(`[${new Date().toISOString()}] ${message}\n`);
export const round = (n, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

export function machine() {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memoryGiB: round(os.totalmem() / 2 ** 30),
    node: process.version,
  };
}

/** Samples the 1-minute load average every 5 s until `stop()`, which returns before/max/mean/after. */
export function sampleLoad() {
  const samples = [os.loadavg()[0]];
  const timer = setInterval(() => samples.push(os.loadavg()[0]), 5_000);
  return {
    now: () => round(os.loadavg()[0], 2),
    stop() {
      clearInterval(timer);
      samples.push(os.loadavg()[0]);
      return {
        before: round(samples[0], 2),
        max: round(Math.max(...samples), 2),
        mean: round(samples.reduce((a, b) => a + b, 0) / samples.length, 2),
        after: round(samples.at(-1), 2),
      };
    },
  };
}

/** The DuckDB engine on `file` (queries may run 10 minutes), threads as asked or all cores. */
export function openEngine(file, threads) {
  return DuckDbEngine.open({
    path: file,
    versions: new MemorySchemaVersionStore(),
    queryTimeoutMs: 600_000,
    ...(threads ? { threads: Number(threads) } : {}),
  });
}
