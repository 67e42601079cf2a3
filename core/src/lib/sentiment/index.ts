/**
 * Chinese sentiment of comments and messages (ADR 0047). `analyzeSentiment` runs the scoring in
 * the piscina pool (CPU work off the API thread); `scoreText` is the same function, synchronous.
 * `aggregateSentiment` turns one contact's many comments into one label.
 */
import type { WorkerPool } from '../../jobs/pool.js';
import { labelOf, type SentimentLabel, type SentimentResult } from './score.js';

export { labelOf, NEUTRAL_BAND, scoreText, type SentimentLabel, type SentimentResult } from './score.js';

/** Texts per pool task: big enough to amortise the message, small enough to keep tasks short. */
export const SENTIMENT_BATCH = 2_000;

/**
 * Scores texts in the worker pool, results in input order. Empty or blank texts are neutral 0
 * (scored in the pool like any other).
 */
export async function analyzeSentiment(texts: readonly string[], pool: WorkerPool): Promise<SentimentResult[]> {
  const batches: Promise<SentimentResult[]>[] = [];
  for (let start = 0; start < texts.length; start += SENTIMENT_BATCH) {
    batches.push(pool.run<SentimentResult[]>({ fn: 'scoreSentiment', input: texts.slice(start, start + SENTIMENT_BATCH) }));
  }
  return (await Promise.all(batches)).flat();
}

export interface AggregatedSentiment {
  label: SentimentLabel;
  /** Mean score of the comments, -1 … 1. */
  score: number;
  /** How many comments it summarises. */
  count: number;
}

/**
 * One contact's sentiment from their comments: the mean score, labelled with the same neutral band
 * as a single text (so one angry comment among four warm ones is still positive, and mixed
 * feelings that cancel out are neutral). Null when the contact has no comment.
 */
export function aggregateSentiment(results: readonly Pick<SentimentResult, 'score'>[]): AggregatedSentiment | null {
  if (results.length === 0) return null;
  const mean = results.reduce((sum, result) => sum + result.score, 0) / results.length;
  const score = Math.round(mean * 1000) / 1000;
  return { label: labelOf(score), score, count: results.length };
}
