import { expect } from 'vitest';
import { ZonedClock } from '../../src/lib/zoned-clock.js';
import { ingestTenant } from '../ingestion/support.js';
import type { TestApp } from '../support/test-app.js';

export const RUNS = '/api/v1/console/report-runs';
export const EXPORTS = '/api/v1/console/report-exports';
const DAY_MS = 86_400_000;
const ZONE = 'Asia/Shanghai';

/** `YYYY-MM-DD` plus `days`. */
export const addDays = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);

/** The instant of a Shanghai wall-clock time (`YYYY-MM-DD`, `HH:mm`), ISO. */
export const shanghai = (date: string, time: string) => new Date(Date.parse(`${date}T${time}:00+08:00`)).toISOString();

/**
 * A tenant in Asia/Shanghai with a hand-computable history (every number the tests expect follows
 * from this list). D is a Sunday 14–20 days ago, so D and D+1 fall in different natural weeks.
 *
 * | contact | city | events (Shanghai time)                                                        |
 * |---------|------|-------------------------------------------------------------------------------|
 * | u-1     | 上海 | purchase 100 (sku a) D 10:00, purchase 50 (sku b) D 23:30 (= D 15:30 UTC)      |
 * | u-2     | 北京 | purchase 20 (sku a) D+1 00:10 (= D 16:10 UTC: a UTC date would say D), refund 20 D+1 09:00 |
 * | u-3     | 上海 | purchase 30 (sku c) D+7 12:00                                                  |
 * | u-4     | 广州 | nothing                                                                        |
 */
export async function reportsTenant(app: TestApp, options: { timeZone?: string } = {}) {
  const t = await ingestTenant(app, { timeZone: options.timeZone ?? ZONE });
  const refund = await t.staff.request('POST', '/api/v1/metadata/event-types', {
    channelId: t.channelId,
    code: 'refund',
    name: '退款',
    properties: [{ code: 'amount', name: '金额', type: 'number' }],
  });
  expect(refund.statusCode, JSON.stringify(refund.body)).toBe(201);
  const today = new ZonedClock(ZONE).localDate(Date.now());
  const weekday = new Date(`${today}T00:00:00Z`).getUTCDay();
  const D = addDays(today, -(14 + weekday)); // a Sunday, 14–20 days ago
  const purchase = (userId: string, amount: number, sku: string, date: string, time: string) => ({
    type: 'track',
    userId,
    event: 'purchase',
    properties: { amount, sku },
    timestamp: shanghai(date, time),
  });
  const res = await t.collect('batch', {
    batch: [
      { type: 'identify', userId: 'u-1', traits: { name: '张三', city: '上海' } },
      { type: 'identify', userId: 'u-2', traits: { name: '李四', city: '北京' } },
      { type: 'identify', userId: 'u-3', traits: { name: '王五', city: '上海' } },
      { type: 'identify', userId: 'u-4', traits: { name: '赵六', city: '广州' } },
      purchase('u-1', 100, 'a', D, '10:00'),
      purchase('u-1', 50, 'b', D, '23:30'),
      purchase('u-2', 20, 'a', addDays(D, 1), '00:10'),
      { type: 'track', userId: 'u-2', event: 'refund', properties: { amount: 20 }, timestamp: shanghai(addDays(D, 1), '09:00') },
      purchase('u-3', 30, 'c', addDays(D, 7), '12:00'),
    ],
  });
  expect(res.statusCode, JSON.stringify(res.body)).toBe(200);
  await t.drain();
  const run = async (query: Record<string, unknown>, extra: Record<string, unknown> = {}) => {
    const response = await t.staff.request('POST', RUNS, { model: 'event', query, ...extra });
    return response;
  };
  /** Runs and expects 200. */
  const result = async (query: Record<string, unknown>, extra: Record<string, unknown> = {}) => {
    const response = await run(query, extra);
    expect(response.statusCode, JSON.stringify(response.body)).toBe(200);
    return response.body as ReportBody;
  };
  return { ...t, D, today, run, result };
}

export interface ReportBody {
  kind: 'series';
  from: string;
  to: string;
  buckets: string[];
  series: { metric: string; dimensions: (string | null)[]; group?: number; values: (number | null)[]; total: number | null }[];
  metrics: { id: string; name: string; format: string }[];
  dimensions: { key: string; name: string }[];
  groups: { name: string }[];
  previous?: { from: string; to: string; buckets: string[]; series: ReportBody['series'] };
  groupCount: number;
  truncated: boolean;
  computedAt: number;
  cached: boolean;
}

/** A metric over `purchase`. */
export const purchaseMetric = (id: string, aggregate: string, extra: Record<string, unknown> = {}) => ({
  id,
  kind: 'event',
  event: 'purchase',
  aggregate,
  ...extra,
});

/** The series of a metric (and dimension values) of a result. */
export function seriesOf(body: ReportBody, metric: string, dimensions: (string | null)[] = []) {
  const found = body.series.find((s) => s.metric === metric && JSON.stringify(s.dimensions) === JSON.stringify(dimensions));
  expect(found, `series ${metric} ${JSON.stringify(dimensions)} in ${JSON.stringify(body.series)}`).toBeDefined();
  return found!;
}
