/**
 * Chinese sentiment analyzer (ADR 0047): accuracy on the labelled sample of WeChat comments, the
 * rules one by one, and the pool path (the compiled worker in dist/, as in production).
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { WorkerPool } from '../../src/jobs/pool.js';
import { aggregateSentiment, analyzeSentiment, scoreText, type SentimentLabel } from '../../src/lib/sentiment/index.js';
import { DEMO_ARTICLE_COMMENTS, DEMO_MESSAGES } from '../../src/modules/demo/demo-comments.js';

interface Sample {
  label: SentimentLabel;
  source: string;
  text: string;
}

function readSample(file: string): Sample[] {
  const lines = readFileSync(new URL(`../fixtures/sentiment/${file}`, import.meta.url), 'utf8')
    .trim()
    .split('\n');
  expect(lines[0]).toBe('label\tsource\ttext');
  return lines.slice(1).map((line) => {
    const [label, source, text] = line.split('\t');
    return { label: label as SentimentLabel, source: source!, text: text! };
  });
}

function accuracy(
  samples: Sample[],
  predicted: SentimentLabel[],
): { correct: number; rate: number; confusion: Record<string, number> } {
  const confusion: Record<string, number> = {};
  let correct = 0;
  samples.forEach((sample, i) => {
    const key = `${sample.label}→${predicted[i]}`;
    confusion[key] = (confusion[key] ?? 0) + 1;
    if (predicted[i] === sample.label) correct++;
  });
  return { correct, rate: correct / samples.length, confusion };
}

describe('labelled sample of WeChat comments (core/test/fixtures/sentiment/comments.tsv)', () => {
  const samples = readSample('comments.tsv');

  it('holds at least 200 comments, balanced over the three labels, no duplicates', () => {
    expect(samples.length).toBeGreaterThanOrEqual(200);
    for (const label of ['positive', 'neutral', 'negative'] as const) {
      expect(samples.filter((sample) => sample.label === label).length).toBeGreaterThanOrEqual(Math.floor(samples.length * 0.3));
    }
    expect(new Set(samples.map((sample) => sample.text)).size).toBe(samples.length);
    expect(new Set(samples.map((sample) => sample.source))).toEqual(new Set(['article', 'message']));
  });

  it('is labelled correctly for at least 80 % of the comments', () => {
    const result = accuracy(
      samples,
      samples.map((sample) => scoreText(sample.text).label),
    );
    console.log(
      `sentiment accuracy (comments.tsv): ${result.correct}/${samples.length} = ${(result.rate * 100).toFixed(1)} % ${JSON.stringify(result.confusion)}`,
    );
    expect(result.rate).toBeGreaterThanOrEqual(0.8);
  });
});

describe("the demo's comment pool (written apart from the sample; the lexicon was not tuned on it)", () => {
  it('is labelled correctly for at least 80 % of the texts', () => {
    const samples: Sample[] = [
      ...DEMO_ARTICLE_COMMENTS.map((c) => ({ ...c, source: 'article' })),
      ...DEMO_MESSAGES.map((c) => ({ ...c, source: 'message' })),
    ];
    expect(samples.length).toBeGreaterThanOrEqual(60);
    const result = accuracy(
      samples,
      samples.map((sample) => scoreText(sample.text).label),
    );
    console.log(
      `sentiment accuracy (demo pool, held out): ${result.correct}/${samples.length} = ${(result.rate * 100).toFixed(1)} % ${JSON.stringify(result.confusion)}`,
    );
    expect(result.rate).toBeGreaterThanOrEqual(0.8);
  });
});

describe('scoreText rules', () => {
  const label = (text: string): SentimentLabel => scoreText(text).label;

  it('scores praise and complaints from the lexicon, scores in -1 … 1', () => {
    expect(label('干货满满，收藏了')).toBe('positive');
    expect(label('客服态度太差了')).toBe('negative');
    for (const text of ['写得真好', '垃圾', '', '   ', '请问几点开门']) {
      const { score } = scoreText(text);
      expect(score).toBeGreaterThanOrEqual(-1);
      expect(score).toBeLessThanOrEqual(1);
    }
    expect(scoreText('').label).toBe('neutral');
  });

  it('flips a negated word and keeps double negation positive', () => {
    expect(label('好用')).toBe('positive');
    expect(label('不好用')).toBe('negative');
    expect(label('一点都不好用')).toBe('negative');
    expect(label('不是不好')).toBe('positive');
    expect(label('一点也不差')).toBe('positive');
    expect(label('从来没让我失望过')).toBe('positive');
  });

  it('scales by degree adverbs', () => {
    expect(scoreText('非常满意').score).toBeGreaterThan(scoreText('满意').score);
    expect(scoreText('有点失望').score).toBeGreaterThan(scoreText('很失望').score);
  });

  it('lets the part after 但是/不过 outweigh the part before, and weakens a 虽然 clause', () => {
    expect(label('价格有点贵，但是质量真的很好')).toBe('positive');
    expect(label('包装很好看，不过东西是坏的，很失望')).toBe('negative');
    expect(label('虽然排队很久，但是味道很好')).toBe('positive');
  });

  it('reads WeChat emoticons and emoji, and strengthens exclamations', () => {
    expect(label('[强][强]')).toBe('positive');
    expect(label('👍👍')).toBe('positive');
    expect(label('[发怒]')).toBe('negative');
    expect(label('😡')).toBe('negative');
    expect(scoreText('太棒了!!!').score).toBeGreaterThan(scoreText('太棒了').score);
  });

  it('keeps questions, requests with a thank-you and neutral phrases neutral', () => {
    expect(label('请问有优惠吗？')).toBe('neutral');
    expect(label('麻烦帮我查一下订单，谢谢')).toBe('neutral');
    expect(label('不好意思，想问一下发票怎么开')).toBe('neutral');
    expect(label('地址已经改好了')).toBe('neutral');
    expect(label('为什么还没发货？')).toBe('negative');
  });
});

describe('aggregateSentiment (one contact, many comments)', () => {
  it('labels the mean score with the single-text band, null without comments', () => {
    expect(aggregateSentiment([])).toBeNull();
    expect(aggregateSentiment([{ score: 0.8 }, { score: 0.6 }, { score: -0.5 }])).toEqual({
      label: 'positive',
      score: 0.3,
      count: 3,
    });
    expect(aggregateSentiment([{ score: 0.5 }, { score: -0.5 }])).toEqual({ label: 'neutral', score: 0, count: 2 });
    expect(aggregateSentiment([{ score: -0.9 }])).toEqual({ label: 'negative', score: -0.9, count: 1 });
  });
});

describe('analyzeSentiment in the piscina pool (compiled worker)', () => {
  const pool = new WorkerPool(1);
  afterAll(() => pool.close());

  it('returns the same results as scoreText, in input order, across batches', async () => {
    const samples = readSample('comments.tsv');
    // More texts than one batch, so results of several pool tasks are put back in order.
    const texts = [
      ...samples,
      ...samples,
      ...samples,
      ...samples,
      ...samples,
      ...samples,
      ...samples,
      ...samples,
      ...samples,
    ].map((sample) => sample.text);
    expect(texts.length).toBeGreaterThan(2_000);
    const results = await analyzeSentiment(texts, pool);
    expect(results).toHaveLength(texts.length);
    expect(results.map((result) => result.label)).toEqual(texts.map((text) => scoreText(text).label));
    expect(results[0]).toEqual(scoreText(texts[0]!));
    expect(await analyzeSentiment([], pool)).toEqual([]);
  });
});
