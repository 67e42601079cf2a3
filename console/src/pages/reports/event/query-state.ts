import type {
  CatalogueEvent,
  CatalogueProperty,
  ConditionCatalogue,
  ConditionProblemCode,
  ConditionValueType,
  EventPropertyFilter,
} from '@huiliu/core/conditions';
import {
  chartRefusal,
  chartTypes,
  propertyAggregates,
  reportLimits,
  type ChartShape,
  type ChartType,
  type EventAnalysisQuery,
  type EventMetric,
  type FormulaMetric,
  type MetricAggregate,
  type ReportDimension,
  type ReportMetric,
} from '@huiliu/core/reports';

// Pure helpers of the 事件分析 builder: new metrics and their ids, what each control may offer
// (properties per aggregate, dimensions common to the metrics' events), the chart matrix, and
// where the server's problems belong. No React here.

/** A validation problem of the question: where (`metrics.1.formula`) and what. */
export interface QueryProblem {
  path: string;
  code: string;
  message?: string;
}

/** Metric ids in order (`A`…`J`): formulas name metrics by them. */
export const metricIds: readonly string[] = Array.from({ length: reportLimits.metrics }, (_, i) => String.fromCharCode(65 + i));

export const isEventMetric = (metric: ReportMetric): metric is EventMetric => metric.kind === 'event';
export const isFormula = (metric: ReportMetric): metric is FormulaMetric => metric.kind === 'formula';

/** The first id no metric uses; undefined at the limit. */
export function nextMetricId(metrics: readonly ReportMetric[]): string | undefined {
  if (metrics.length >= reportLimits.metrics) return undefined;
  const used = new Set(metrics.map((m) => m.id));
  return metricIds.find((id) => !used.has(id));
}

/**
 * The metrics with `metric` added: event metrics before formulas (a formula reads the metrics
 * before it), each group in the order added.
 */
export function addMetric(metrics: readonly ReportMetric[], metric: ReportMetric): ReportMetric[] {
  const events = metrics.filter(isEventMetric);
  const formulas = metrics.filter(isFormula);
  return metric.kind === 'event' ? [...events, metric, ...formulas] : [...events, ...formulas, metric];
}

export function newEventMetric(catalogue: ConditionCatalogue, metrics: readonly ReportMetric[]): EventMetric | undefined {
  const id = nextMetricId(metrics);
  const event = catalogue.events[0];
  if (!id || !event) return undefined;
  return { id, kind: 'event', event: event.code, aggregate: 'count' };
}

/** 添加自定义指标: `A - B` over the first two event metrics (the seed's 净增长), else the first alone. */
export function newFormula(metrics: readonly ReportMetric[], name: string): FormulaMetric | undefined {
  const id = nextMetricId(metrics);
  if (!id) return undefined;
  const events = metrics.filter(isEventMetric);
  const formula = events.length >= 2 ? `${events[0]!.id} - ${events[1]!.id}` : (events[0]?.id ?? '');
  return { id, kind: 'formula', formula, name, format: 'number' };
}

export const needsProperty = (aggregate: MetricAggregate) => propertyAggregates.includes(aggregate);

/** Properties an aggregate may use: any for 去重数, numbers for 总和/均值/最大值/最小值, none otherwise. */
export function metricProperties(aggregate: MetricAggregate, event: CatalogueEvent | undefined): CatalogueProperty[] {
  if (!event || !needsProperty(aggregate)) return [];
  return aggregate === 'distinct' ? [...event.properties] : event.properties.filter((p) => p.type === 'number');
}

/** The metric with another aggregate: its property follows what the aggregate allows. */
export function withMetricAggregate(
  metric: EventMetric,
  aggregate: MetricAggregate,
  event: CatalogueEvent | undefined,
): EventMetric {
  const { property: previous, ...rest } = metric;
  if (!needsProperty(aggregate)) return { ...rest, aggregate };
  const allowed = metricProperties(aggregate, event);
  const property = allowed.some((p) => p.key === previous) ? previous : allowed[0]?.key;
  return property === undefined ? { ...rest, aggregate } : { ...rest, aggregate, property };
}

/**
 * The metric on another event: filters on properties the new event also carries (same type) stay,
 * the aggregated property stays when the new event allows it (else the first it allows, or 总次数).
 */
export function withMetricEvent(metric: EventMetric, event: CatalogueEvent, previous: CatalogueEvent | undefined): EventMetric {
  const { filters, filterOp, property, ...rest } = metric;
  const next: EventMetric = { ...rest, event: event.code };
  const typeOf = (e: CatalogueEvent | undefined, key: string) => e?.properties.find((p) => p.key === key)?.type;
  const kept = (filters ?? []).filter(
    (f) => typeOf(event, f.property) !== undefined && typeOf(event, f.property) === typeOf(previous, f.property),
  );
  if (kept.length) {
    next.filters = kept;
    if (filterOp) next.filterOp = filterOp;
  }
  if (property !== undefined) next.property = property;
  const adjusted = withMetricAggregate(next, next.aggregate, event);
  return needsProperty(adjusted.aggregate) && adjusted.property === undefined
    ? withMetricAggregate(adjusted, 'count', event)
    : adjusted;
}

/** Sets a metric's filters; without any it carries neither `filters` nor `filterOp`. */
export function withMetricFilters(metric: EventMetric, filters: EventPropertyFilter[]): EventMetric {
  const next: EventMetric = { ...metric, filters };
  if (filters.length) return next;
  delete next.filters;
  delete next.filterOp;
  return next;
}

/**
 * Event properties every metric's event carries, with the same type (what event-property
 * dimensions and common event filters may use), in the first event's order.
 */
export function commonEventProperties(catalogue: ConditionCatalogue, metrics: readonly ReportMetric[]): CatalogueProperty[] {
  const events = metrics.filter(isEventMetric).map((m) => catalogue.events.find((e) => e.code === m.event));
  if (events.length === 0 || events.some((e) => e === undefined)) return [];
  const [first, ...rest] = events as CatalogueEvent[];
  return first!.properties.filter((property) =>
    rest.every((event) => event.properties.some((p) => p.key === property.key && p.type === property.type)),
  );
}

// ---- dimensions ----

/** A dimension as one select value: `event:<key>`, `contact:<key>`, `tag:<id>`. */
export function dimensionKey(dimension: ReportDimension): string {
  if (dimension.kind === 'tag') return `tag:${dimension.tagId}`;
  return `${dimension.kind === 'eventProperty' ? 'event' : 'contact'}:${dimension.property}`;
}

export function dimensionFromKey(key: string): ReportDimension | undefined {
  const at = key.indexOf(':');
  if (at < 0) return undefined;
  const kind = key.slice(0, at);
  const rest = key.slice(at + 1);
  if (!rest) return undefined;
  if (kind === 'event') return { kind: 'eventProperty', property: rest };
  if (kind === 'contact') return { kind: 'contactProperty', property: rest };
  if (kind === 'tag') return { kind: 'tag', tagId: rest };
  return undefined;
}

/** The value type of a dimension (numbers may group by ranges). */
export function dimensionType(
  dimension: ReportDimension,
  catalogue: ConditionCatalogue,
  metrics: readonly ReportMetric[],
): ConditionValueType | undefined {
  if (dimension.kind === 'tag') return catalogue.tags.find((tag) => tag.id === dimension.tagId)?.type;
  if (dimension.kind === 'contactProperty') return catalogue.contactProperties.find((p) => p.key === dimension.property)?.type;
  return commonEventProperties(catalogue, metrics).find((p) => p.key === dimension.property)?.type;
}

/** Range boundaries a numeric dimension starts with: <0, [0,10), [10,100), [100,1000), ≥1000. */
export const defaultRanges: readonly number[] = [0, 10, 100, 1000];

/** Typed boundaries as the server takes them: numbers only, each once, ascending, at most 30. */
export function parseRanges(tokens: readonly (string | number)[]): number[] {
  const numbers = tokens.flatMap((token) => {
    if (typeof token === 'number') return Number.isFinite(token) ? [token] : [];
    const text = token.trim().replace(/[,，]/g, '');
    const value = Number(text);
    return text && Number.isFinite(value) ? [value] : [];
  });
  return [...new Set(numbers)].sort((a, b) => a - b).slice(0, reportLimits.ranges);
}

// ---- charts ----

/** Metrics × dimensions × by time, as §1.7.2.6's matrix reads a question. */
export function chartShape(query: Pick<EventAnalysisQuery, 'metrics' | 'dimensions' | 'granularity'>): ChartShape {
  return { metrics: query.metrics.length, dimensions: query.dimensions?.length ?? 0, byTime: query.granularity !== 'total' };
}

/** The chart to draw: the one chosen when the matrix allows it, else the first allowed (table always is). */
export function allowedChart(
  query: Pick<EventAnalysisQuery, 'metrics' | 'dimensions' | 'granularity'>,
  chosen: ChartType,
): ChartType {
  const shape = chartShape(query);
  if (!chartRefusal(chosen, shape)) return chosen;
  return chartTypes.find((chart) => !chartRefusal(chart, shape)) ?? 'table';
}

/** The question after an edit: a chart the edit made impossible is replaced (a refused chart is never sent). */
export function withAllowedChart(query: EventAnalysisQuery): EventAnalysisQuery {
  const chart = allowedChart(query, query.chart);
  return chart === query.chart ? query : { ...query, chart };
}

// ---- the whole question ----

/** A new question: 总次数 of the first event over the past 7 days, by day, as a line. */
export function defaultQuery(catalogue: ConditionCatalogue): EventAnalysisQuery | undefined {
  const metric = newEventMetric(catalogue, []);
  if (!metric) return undefined;
  return {
    metrics: [metric],
    dimensions: [],
    filters: {},
    groups: [],
    timeRange: { kind: 'past', days: 7, includeToday: true },
    granularity: 'day',
    compare: false,
    chart: 'line',
  };
}

/** A saved query as the builder edits it (the server validated it; absent lists become empty). */
export function editableQuery(saved: Record<string, unknown>): EventAnalysisQuery {
  const query = saved as unknown as EventAnalysisQuery;
  return {
    ...query,
    dimensions: query.dimensions ?? [],
    filters: query.filters ?? {},
    groups: query.groups ?? [],
    compare: query.compare ?? false,
  };
}

/** The question as sent: empty filter parts left out (so equal questions hit the same cache entry). */
export function queryToSend(query: EventAnalysisQuery): EventAnalysisQuery {
  const filters: NonNullable<EventAnalysisQuery['filters']> = {};
  if (query.filters?.events?.length) {
    filters.events = query.filters.events;
    if (query.filters.events.length > 1 && query.filters.eventsOp) filters.eventsOp = query.filters.eventsOp;
  }
  if (query.filters?.contacts?.conditions.length) filters.contacts = query.filters.contacts;
  return withAllowedChart({ ...query, filters });
}

/**
 * What the builder can tell before asking the server: a property aggregate without a property, a
 * formula without text or name. Messages come from `text`.
 */
export function localProblems(
  query: EventAnalysisQuery,
  text: { propertyRequired: string; formulaRequired: string; nameRequired: string },
): QueryProblem[] {
  const problems: QueryProblem[] = [];
  query.metrics.forEach((metric, index) => {
    if (metric.kind === 'event') {
      if (needsProperty(metric.aggregate) && !metric.property)
        problems.push({ path: `metrics.${index}.property`, code: 'report_metric_invalid', message: text.propertyRequired });
    } else {
      if (!metric.formula.trim())
        problems.push({ path: `metrics.${index}.formula`, code: 'report_formula_invalid', message: text.formulaRequired });
      if (!metric.name.trim())
        problems.push({ path: `metrics.${index}.name`, code: 'report_query_invalid', message: text.nameRequired });
    }
  });
  return problems;
}

/** The problems at or below `prefix` (`metrics.1`), their paths relative to it (`formula`, `filters.0.values`). */
export function problemsUnder(problems: readonly QueryProblem[], prefix: string): QueryProblem[] {
  return problems.flatMap((problem) => {
    if (problem.path === prefix) return [{ ...problem, path: '' }];
    if (problem.path.startsWith(`${prefix}.`)) return [{ ...problem, path: problem.path.slice(prefix.length + 1) }];
    return [];
  });
}

/** Whether a problem names `field` (the first segment of its relative path). */
export const hasProblem = (problems: readonly QueryProblem[], field: string) =>
  problems.some((problem) => problem.path.split('.')[0] === field);

/** Problems in the form the condition builder's ProblemList shows (its codes are any server code here). */
export function placed(problems: readonly QueryProblem[]) {
  return problems.map((problem) => ({
    path: problem.path,
    code: problem.code as ConditionProblemCode,
    message: problem.message,
    field: problem.path.split('.')[0] || undefined,
  }));
}

/** Filter-row problems (`filters.<n>.<field>…`) as the condition builder's FilterRow shows them. */
export function filterRowProblems(problems: readonly QueryProblem[], index: number) {
  return placed(problemsUnder(problems, `filters.${index}`));
}
