import type { CatalogueProperty, ConditionCatalogue } from '@huiliu/core/conditions';
import {
  ltvLimits,
  ltvPeriodLabel,
  type LtvDimension,
  type LtvMetric,
  type LtvQuery,
  type LtvReportResult,
  type LtvRow,
} from '@huiliu/core/reports';

export interface QueryProblem {
  path: string;
  code: string;
  message?: string;
}

/** A new question: the first event as both initial and revenue event (sum of its first number, else its count), 7 days. */
export function defaultLtvQuery(catalogue: ConditionCatalogue): LtvQuery | undefined {
  const event = catalogue.events.find((candidate) => !candidate.virtual) ?? catalogue.events[0];
  if (!event) return undefined;
  const numeric = event.properties.find((property) => property.type === 'number');
  return {
    initial: { kind: 'event', event: event.code },
    revenue: numeric ? { event: event.code, aggregate: 'sum', property: numeric.key } : { event: event.code, aggregate: 'count' },
    filters: {},
    dimensions: [],
    groups: [],
    timeRange: { kind: 'past', days: 7, includeToday: true },
    unit: 'day',
    periods: 7,
    rolling24h: false,
    metric: 'sum',
  };
}

/** A saved query as the builder edits it (absent lists become empty). */
export function editableLtvQuery(saved: Record<string, unknown>): LtvQuery {
  const query = saved as unknown as LtvQuery;
  return {
    ...query,
    filters: query.filters ?? {},
    dimensions: query.dimensions ?? [],
    groups: query.groups ?? [],
    rolling24h: query.rolling24h ?? false,
    metric: query.metric ?? 'sum',
  };
}

/** The question as sent: empty parts left out, 按 24 小时滚动 only with days (equal questions hit one cache entry). */
export function ltvQueryToSend(query: LtvQuery): LtvQuery {
  const { filters, dimensions, groups, rolling24h, ...rest } = query;
  const sent: LtvQuery = { ...rest };
  if (filters?.contacts?.conditions.length) sent.filters = { contacts: filters.contacts };
  // 选择两个及以上群组时维度不可选 (§1.7.11.1.4).
  if (dimensions?.length && (groups?.length ?? 0) < 2) sent.dimensions = dimensions.slice(0, ltvLimits.dimensions);
  if (groups?.length) sent.groups = groups.slice(0, ltvLimits.groups);
  if (rolling24h && query.unit === 'day') sent.rolling24h = true;
  return sent;
}

/** What the builder can tell before asking the server. */
export function localLtvProblems(query: LtvQuery, text: { propertyRequired: string; initialRequired: string }): QueryProblem[] {
  const problems: QueryProblem[] = [];
  if (query.initial.kind === 'event' ? !query.initial.event : !query.initial.property)
    problems.push({
      path: query.initial.kind === 'event' ? 'initial.event' : 'initial.property',
      code: 'report_query_invalid',
      message: text.initialRequired,
    });
  if (query.revenue.aggregate === 'sum' && !query.revenue.property)
    problems.push({ path: 'revenue.property', code: 'report_metric_invalid', message: text.propertyRequired });
  return problems;
}

/** Date and date-time user properties: what initial users may come from. */
export function timeProperties(catalogue: ConditionCatalogue): CatalogueProperty[] {
  return catalogue.contactProperties.filter((property) => property.type === 'time');
}

export const numberProperties = (properties: readonly CatalogueProperty[] | undefined) =>
  (properties ?? []).filter((property) => property.type === 'number');

export function ltvDimensionKey(dimension: LtvDimension): string {
  if (dimension.kind === 'tag') return `tag:${dimension.tagId}`;
  return `${dimension.kind === 'eventProperty' ? 'event' : 'contact'}:${dimension.property}`;
}

export function ltvDimensionFromKey(key: string): LtvDimension | undefined {
  const at = key.indexOf(':');
  const kind = key.slice(0, at);
  const rest = key.slice(at + 1);
  if (at < 0 || !rest) return undefined;
  if (kind === 'event') return { kind: 'eventProperty', property: rest };
  if (kind === 'contact') return { kind: 'contactProperty', property: rest };
  if (kind === 'tag') return { kind: 'tag', tagId: rest };
  return undefined;
}

/** A dimension combination's label (群组 / values), `总体` without either. */
export function ltvRowGroupLabel(result: Pick<LtvReportResult, 'groups'>, row: LtvRow, overall: string, empty: string): string {
  const parts = [
    ...(row.group === undefined ? [] : [result.groups[row.group]?.name ?? '']),
    ...row.dimensions.map((value) => value ?? empty),
  ];
  return parts.length ? parts.join(' / ') : overall;
}

/**
 * The LTV趋势图 (§1.7.11.2.1): one line per 总体 row (each group / dimension combination) of the
 * chosen metric over periods 0…N; a period not started yet has no point.
 */
export function ltvLines(
  result: Pick<LtvReportResult, 'groups' | 'rows' | 'unit' | 'periods'>,
  metric: LtvMetric,
  text: { overall: string; empty: string },
): { periods: string[]; lines: { name: string; values: (number | null)[] }[] } {
  return {
    periods: Array.from({ length: result.periods + 1 }, (_, n) => ltvPeriodLabel(result.unit, n)),
    lines: result.rows
      .filter((row) => row.cohort === null)
      .map((row) => ({ name: ltvRowGroupLabel(result, row, text.overall, text.empty), values: row.values[metric] })),
  };
}
