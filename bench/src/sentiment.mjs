// Sentiment analyzer (issue 20, ADR 0047): accuracy on the labelled sample and on the demo's comment
// pool (held out), then throughput — scoreText on the calling thread, and analyzeSentiment through the
// piscina pool (one thread, as the app runs it) — over --texts comments drawn from both. Needs core built.
//
//   node bench/src/sentiment.mjs [--texts 100000]
//
// JSON to stdout, progress to stderr, load average sampled while it runs.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { URL } from 'node:url';
import { parseArgs } from 'node:util';
import { WorkerPool } from '../../core/dist/jobs/pool.js';
import { analyzeSentiment, scoreText } from '../../core/dist/lib/sentiment/index.js';
import { DEMO_ARTICLE_COMMENTS, DEMO_MESSAGES } from '../../core/dist/modules/demo/demo-comments.js';
import { log, machine, round, sampleLoad } from './harness.mjs';

const { values: args } = parseArgs({ options: { texts: { type: 'string', default: '100000' } } });
const total = Number(args.texts);

const sample = readFileSync(new URL('../../core/test/fixtures/sentiment/comments.tsv', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => {
    const [label, , text] = line.split('\t');
    return { label, text };
  });
const pool = [...DEMO_ARTICLE_COMMENTS, ...DEMO_MESSAGES];

function accuracy(items) {
  const correct = items.filter((item) => scoreText(item.text).label === item.label).length;
  return { texts: items.length, correct, percent: round((100 * correct) / items.length) };
}

const load = sampleLoad();
let started = performance.now();
scoreText('预热');
const segmenterLoadMs = round(performance.now() - started);
const result = { machine: machine(), segmenterLoadMs, accuracy: { sample: accuracy(sample), demoPool: accuracy(pool) } };

const all = [...sample, ...pool].map((item) => item.text);
const texts = Array.from({ length: total }, (_, i) => all[i % all.length]);
const chars = texts.reduce((sum, text) => sum + text.length, 0);
log(`scoring ${total} texts (${round(chars / total)} characters on average) on this thread…`);
started = performance.now();
for (const text of texts) scoreText(text);
let seconds = (performance.now() - started) / 1000;
result.mainThread = { texts: total, seconds: round(seconds, 2), textsPerSecond: Math.round(total / seconds) };

log('…and through the pool (1 thread, batches of 2,000; the first task loads the segmenter)…');
const workers = new WorkerPool(1);
started = performance.now();
await analyzeSentiment(texts, workers);
seconds = (performance.now() - started) / 1000;
result.pool = { texts: total, seconds: round(seconds, 2), textsPerSecond: Math.round(total / seconds) };
await workers.close();
result.load = load.stop();
console.log(JSON.stringify(result, null, 2));
