// Product-versus-hand-written comparisons (reports, analysis models): every case runs once per round in
// a shuffled order after a warm-up, every answer is checked, and the product is judged against the
// fastest hand-written case by the rule — at most 1.2× its median, or + 15 ms when it is under
// 75 ms. Wall time and the process's CPU time are both kept: CPU time is steadier on a shared machine.
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { log, round } from './harness.mjs';
import { random } from './synthetic-tenant.mjs';

export const quantile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
};
export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
export const stats = (values) => ({
  medianMs: round(median(values), 1),
  p90Ms: round(quantile(values, 0.9), 1),
  minMs: round(Math.min(...values), 1),
  maxMs: round(Math.max(...values), 1),
});
/**
 * Round `round`'s order: a seeded shuffle. (A rotation keeps every case's predecessor fixed — the case after the
 * heaviest one always paid for it: measured here as 0.4 s on a 1.5 s funnel.)
 */
export function shuffled(names, round) {
  const next = random(0x9e3779b9 ^ Math.imul(round + 1, 2654435761));
  const out = [...names];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** The target for a hand-written median. */
export const allowed = (handMs) => (handMs < 75 ? handMs + 15 : 1.2 * handMs);

/**
 * Runs `cases` ({ name: { kind: 'product' | 'hand' | …, via?, sql?, run } }) `warmup + repeat` rounds;
 * `check(name, answer)` throws on a wrong answer. `onRun(name, i)` is called after each timed run.
 * Returns `{ measured, runs, cpu, roundLoad }`.
 */
export async function timedRounds({ cases, check, warmup, repeat, onRun }) {
  const names = Object.keys(cases);
  const runs = Object.fromEntries(names.map((n) => [n, []]));
  const cpu = Object.fromEntries(names.map((n) => [n, []]));
  const roundLoad = [];
  for (let i = 0; i < warmup + repeat; i += 1) {
    const order = shuffled(names, i);
    for (const name of order) {
      const cpuStarted = process.cpuUsage();
      const started = performance.now();
      const answer = await cases[name].run();
      const ms = performance.now() - started;
      const cpuUsed = process.cpuUsage(cpuStarted);
      check(name, answer);
      if (i >= warmup) {
        runs[name].push(ms);
        cpu[name].push((cpuUsed.user + cpuUsed.system) / 1000);
        onRun?.(name, i - warmup);
      }
    }
    if (i >= warmup) roundLoad.push(round(os.loadavg()[0], 2));
    log(`round ${i + 1}/${warmup + repeat}${i < warmup ? ' (warm-up)' : ''}: load ${round(os.loadavg()[0], 2)}`);
  }
  const measured = Object.fromEntries(
    names.map((name) => [
      name,
      {
        ...(cases[name].via ? { via: cases[name].via } : {}),
        ...stats(runs[name]),
        medianCpuMs: round(median(cpu[name]), 1),
        runs: runs[name].map((ms) => round(ms, 1)),
        ...(cases[name].sql ? { sql: cases[name].sql.replace(/\s+/g, ' ').trim() } : {}),
      },
    ]),
  );
  return { measured, runs, cpu, roundLoad };
}

/** The product (case `productName`) against hand-written case `name`: ratios and the target's verdict. */
export function verdict({ measured, runs }, name, productName = 'product') {
  const product = measured[productName];
  return {
    name,
    medianMs: measured[name].medianMs,
    p90Ms: measured[name].p90Ms,
    ratioMedian: round(product.medianMs / measured[name].medianMs, 2),
    ratioP90: round(product.p90Ms / measured[name].p90Ms, 2),
    ratioMedianCpu: round(product.medianCpuMs / measured[name].medianCpuMs, 2),
    // Run by run (the two ran in the same round, seconds apart): less exposed to the machine's drift.
    ratioPairedMedian: round(median(runs[productName].map((ms, i) => ms / runs[name][i])), 2),
    allowedMs: round(allowed(measured[name].medianMs), 1),
    withinTarget: product.medianMs <= allowed(measured[name].medianMs),
  };
}

/** The fastest (by median) of `names`. */
export const fastestOf = (measured, names) =>
  names.reduce((best, n) => (measured[n].medianMs < measured[best].medianMs ? n : best));
