import type { CatalogueEvent, CatalogueProperty, ConditionCatalogue, EventPropertyFilter } from '@huiliu/core/conditions';
import type { DistributionAggregate, DistributionMetric, DistributionQuery } from '@huiliu/core/reports';
import type { QueryProblem } from '../event/query-state';

// The 分布分析 builder's question (ADR 0056) and the pure edits on it.

/** Whether an aggregate reads a property (every one but 次数). */
export const needsProperty = (aggregate: DistributionAggregate) => aggregate !== 'count';

/** Properties an aggregate may use: any for 去重数, numbers for 总和/均值/最大值/最小值. */
export function aggregateProperties(aggregate: DistributionAggregate, event: CatalogueEvent | undefined): CatalogueProperty[] {
  if (!event || !needsProperty(aggregate)) return [];
  return aggregate === 'distinct' ? [...event.properties] : event.properties.filter((p) => p.type === 'number');
}

/** The metric with another aggregate: its property follows what the aggregate allows. */
export function withAggregate(
  metric: DistributionMetric,
  aggregate: DistributionAggregate,
  event: CatalogueEvent | undefined,
): DistributionMetric {
  const { property: previous, ...rest } = metric;
  if (!needsProperty(aggregate)) return { ...rest, aggregate };
  const allowed = aggregateProperties(aggregate, event);
  const property = allowed.some((p) => p.key === previous) ? previous : allowed[0]?.key;
  return property === undefined ? { ...rest, aggregate } : { ...rest, aggregate, property };
}

/**
 * The metric on another event: filters on properties the new event carries with the same type stay;
 * the aggregate falls back to 次数 when the new event has no property it can use.
 */
export function withEvent(
  metric: DistributionMetric,
  event: CatalogueEvent,
  previous: CatalogueEvent | undefined,
): DistributionMetric {
  const { filters, filterOp, ...rest } = metric;
  const typeOf = (e: CatalogueEvent | undefined, key: string) => e?.properties.find((p) => p.key === key)?.type;
  const kept = (filters ?? []).filter(
    (f) => typeOf(event, f.property) !== undefined && typeOf(event, f.property) === typeOf(previous, f.property),
  );
  const next: DistributionMetric = { ...rest, event: event.code, ...(kept.length ? { filters: kept } : {}) };
  if (kept.length > 1 && filterOp) next.filterOp = filterOp;
  const adjusted = withAggregate(next, next.aggregate, event);
  return needsProperty(adjusted.aggregate) && adjusted.property === undefined
    ? withAggregate(adjusted, 'count', event)
    : adjusted;
}

/** Sets the metric's filters; without any it carries neither `filters` nor `filterOp`. */
export function withFilters(metric: DistributionMetric, filters: EventPropertyFilter[]): DistributionMetric {
  const { filters: _filters, filterOp, ...rest } = metric;
  void _filters;
  return filters.length ? { ...rest, filters, ...(filterOp ? { filterOp } : {}) } : rest;
}

/** A new question: how many times each user did the first event over the past 7 days, default intervals. */
export function defaultQuery(catalogue: ConditionCatalogue): DistributionQuery | undefined {
  const event = catalogue.events[0];
  if (!event) return undefined;
  return {
    metric: { event: event.code, aggregate: 'count' },
    intervals: { mode: 'default' },
    filters: {},
    groups: [],
    timeRange: { kind: 'past', days: 7, includeToday: true },
  };
}

/** A saved query as the builder edits it. */
export function editableQuery(saved: Record<string, unknown>): DistributionQuery {
  const query = saved as unknown as DistributionQuery;
  return {
    ...query,
    intervals: query.intervals ?? { mode: 'default' },
    filters: query.filters ?? {},
    groups: query.groups ?? [],
  };
}

/** The question as sent: empty parts left out (equal questions hit the same cache entry). */
export function queryToSend(query: DistributionQuery): DistributionQuery {
  const filters: NonNullable<DistributionQuery['filters']> = {};
  if (query.filters?.events?.length) {
    filters.events = query.filters.events;
    if (query.filters.events.length > 1 && query.filters.eventsOp) filters.eventsOp = query.filters.eventsOp;
  }
  if (query.filters?.contacts?.conditions.length) filters.contacts = query.filters.contacts;
  const metric = withFilters(query.metric, query.metric.filters ?? []);
  if (metric.filters && metric.filters.length < 2) delete metric.filterOp;
  const { dimension, ...rest } = query;
  return { ...rest, metric, filters, groups: query.groups ?? [], ...(dimension ? { dimension } : {}) };
}

/** Boundaries typed as tags (`1000`, `2000`) → ascending numbers; what is not a number is dropped. */
export function parseBoundaries(tokens: readonly (string | number)[]): number[] {
  const numbers = tokens.map((token) => Number(String(token).trim())).filter((n) => Number.isFinite(n));
  return [...new Set(numbers)].sort((a, b) => a - b);
}

/** What the builder can tell before asking the server. Messages come from `text`. */
export function localProblems(
  query: DistributionQuery,
  text: { propertyRequired: string; boundariesRequired: string; boundariesAscending: string },
): QueryProblem[] {
  const problems: QueryProblem[] = [];
  if (needsProperty(query.metric.aggregate) && !query.metric.property)
    problems.push({ path: 'metric.property', code: 'report_metric_invalid', message: text.propertyRequired });
  if (query.intervals.mode === 'custom') {
    const b = query.intervals.boundaries;
    if (b.length === 0)
      problems.push({ path: 'intervals.boundaries', code: 'report_ranges_invalid', message: text.boundariesRequired });
    else if (b.some((value, i) => i > 0 && !(value > b[i - 1]!)))
      problems.push({ path: 'intervals.boundaries', code: 'report_ranges_invalid', message: text.boundariesAscending });
  }
  return problems;
}

/** The dimension's key in the picker: `event:sku`, `contact:city`. */
export const dimensionKey = (dimension: DistributionQuery['dimension']) =>
  dimension ? `${dimension.kind === 'eventProperty' ? 'event' : 'contact'}:${dimension.property}` : undefined;

export function dimensionFromKey(key: string | undefined): DistributionQuery['dimension'] {
  if (!key) return undefined;
  const [kind, ...rest] = key.split(':');
  const property = rest.join(':');
  if (!property) return undefined;
  return { kind: kind === 'event' ? 'eventProperty' : 'contactProperty', property };
}
