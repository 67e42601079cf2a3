import type { ConditionCatalogue } from '@huiliu/core/conditions';
import { retentionMaxPeriods, type RetentionEvent, type RetentionQuery, type RetentionUnit } from '@huiliu/core/reports';

// 留存分析's builder state (seed §1.7.7, ADR 0055): the question as the server takes it
// (report.types.ts RetentionQuery), with every default written out so a saved report compares equal.

export const MODEL = 'retention';

/** 次日 / 7 日 … as N per unit: the builder's presets (any 1–30 days, 1–12 weeks or months is allowed). */
export const periodPresets: Record<RetentionUnit, number[]> = {
  day: [1, 3, 7, 14, 30],
  week: [1, 2, 4, 8, 12],
  month: [1, 3, 6, 12],
};

/** A question on the first event: 7-day retention of users who did it in the past 7 days. */
export function defaultQuery(catalogue: ConditionCatalogue): RetentionQuery | undefined {
  const first = catalogue.events[0];
  if (!first) return undefined;
  return {
    initial: { event: first.code },
    return: { event: first.code },
    metric: 'retained',
    unit: 'day',
    periods: 7,
    mode: 'period',
    filters: {},
    groups: [],
    timeRange: { kind: 'past', days: 7, includeToday: true },
  };
}

/** A saved report's query as the builder edits it (defaults filled in). */
export function editableQuery(saved: Record<string, unknown>): RetentionQuery {
  const query = saved as unknown as RetentionQuery;
  return {
    ...query,
    metric: query.metric ?? 'retained',
    mode: query.mode ?? 'period',
    filters: query.filters ?? {},
    groups: query.groups ?? [],
  };
}

const cleanEvent = (event: RetentionEvent): RetentionEvent => ({
  event: event.event,
  ...(event.filters?.length
    ? { filters: event.filters, ...(event.filters.length > 1 && event.filterOp ? { filterOp: event.filterOp } : {}) }
    : {}),
});

/** What is sent: events without empty filter lists, an empty user filter dropped. */
export function queryToSend(query: RetentionQuery): RetentionQuery {
  const contacts = query.filters?.contacts;
  return {
    initial: cleanEvent(query.initial),
    return: cleanEvent(query.return),
    metric: query.metric ?? 'retained',
    unit: query.unit,
    periods: query.periods,
    mode: query.mode ?? 'period',
    filters: contacts && contacts.conditions.length ? { contacts } : {},
    groups: query.groups ?? [],
    timeRange: query.timeRange,
  };
}

/** A unit change keeps N when the new unit allows it, else its largest. */
export function withUnit(query: RetentionQuery, unit: RetentionUnit): RetentionQuery {
  return { ...query, unit, periods: Math.min(query.periods, retentionMaxPeriods[unit]) };
}
