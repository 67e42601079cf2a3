import type { CatalogueProperty, ConditionCatalogue } from '@huiliu/core/conditions';
import { isPickable } from '../../../components/conditions/condition-tree';
import {
  userAnalysisAggregateProperties,
  userAnalysisLimits,
  type ReportDimension,
  type UserAnalysisAggregate,
  type UserAnalysisAggregateGroup,
  type UserAnalysisDimension,
  type UserAnalysisMetric,
  type UserAnalysisQuery,
} from '@huiliu/core/reports';
import type { QueryProblem } from '../event/query-state';

// The 用户分析 builder's question (ADR 0060) and the pure edits on it.

/** Whether an aggregate reads a property (every one but 用户数). */
export const needsProperty = (aggregate: UserAnalysisAggregate) => aggregate !== 'users';

/** Contact properties a metric may use: any for 去重数, numbers for 总和/均值/最大值/最小值 (no dynamic dates). */
export function metricProperties(aggregate: UserAnalysisAggregate, catalogue: ConditionCatalogue): CatalogueProperty[] {
  if (!needsProperty(aggregate)) return [];
  const properties = catalogue.contactProperties.filter((p) => p.source !== 'dynamicDate');
  return aggregate === 'distinct' ? properties : properties.filter((p) => p.type === 'number');
}

/** The metric with another aggregate: its property follows what the aggregate allows. */
export function withAggregate(
  metric: UserAnalysisMetric,
  aggregate: UserAnalysisAggregate,
  catalogue: ConditionCatalogue,
): UserAnalysisMetric {
  if (!needsProperty(aggregate)) return { aggregate };
  const allowed = metricProperties(aggregate, catalogue);
  const property = allowed.some((p) => p.key === metric.property) ? metric.property : allowed.find(isPickable)?.key;
  return property === undefined ? { aggregate } : { aggregate, property };
}

/** A new question: the contacts, all of them. */
export function defaultQuery(): UserAnalysisQuery {
  return { metrics: [{ aggregate: 'users' }], dimensions: [], filters: {}, groups: [], aggregateGroups: [] };
}

/** A saved query as the builder edits it. */
export function editableQuery(saved: Record<string, unknown>): UserAnalysisQuery {
  const query = saved as unknown as UserAnalysisQuery;
  return {
    ...query,
    dimensions: query.dimensions ?? [],
    filters: query.filters ?? {},
    groups: query.groups ?? [],
    aggregateGroups: query.aggregateGroups ?? [],
  };
}

/** Whether 聚合分组 may be defined: the only dimension is country, province or city (§1.7.4.4.1). */
export function canAggregate(dimensions: readonly UserAnalysisDimension[] | undefined): boolean {
  const only = dimensions?.length === 1 ? dimensions[0]! : undefined;
  return only?.kind === 'contactProperty' && userAnalysisAggregateProperties.includes(only.property);
}

/**
 * The question as sent: empty parts left out (equal questions hit the same cache entry); 聚合分组 only
 * while they apply, each with its values trimmed and non-empty.
 */
export function queryToSend(query: UserAnalysisQuery): UserAnalysisQuery {
  const filters: NonNullable<UserAnalysisQuery['filters']> = {};
  if (query.filters?.contacts?.conditions.length) filters.contacts = query.filters.contacts;
  const aggregateGroups = canAggregate(query.dimensions)
    ? (query.aggregateGroups ?? [])
        .map((group) => ({ name: group.name.trim(), values: group.values.map((v) => v.trim()).filter(Boolean) }))
        .filter((group) => group.name || group.values.length)
    : [];
  const { timeRange, ...rest } = query;
  return {
    ...rest,
    metrics: query.metrics.map((m) => (needsProperty(m.aggregate) ? m : { aggregate: m.aggregate })),
    dimensions: query.dimensions ?? [],
    filters,
    groups: query.groups ?? [],
    aggregateGroups,
    ...(timeRange ? { timeRange } : {}),
  };
}

/** The dimensions as the shared dimensions editor takes them (contact properties and tags only here). */
export const toUserDimensions = (dimensions: readonly ReportDimension[]): UserAnalysisDimension[] =>
  dimensions.filter((d): d is UserAnalysisDimension => d.kind === 'contactProperty' || d.kind === 'tag');

/** What the builder can tell before asking the server. Messages come from `text`. */
export function localProblems(
  query: UserAnalysisQuery,
  text: { propertyRequired: string; aggregateName: string; aggregateValues: string; aggregateTaken: string },
): QueryProblem[] {
  const problems: QueryProblem[] = [];
  query.metrics.forEach((metric, index) => {
    if (needsProperty(metric.aggregate) && !metric.property)
      problems.push({ path: `metrics.${index}.property`, code: 'report_metric_invalid', message: text.propertyRequired });
  });
  const seen = new Set<string>();
  (query.aggregateGroups ?? []).forEach((group: UserAnalysisAggregateGroup, index) => {
    if (!group.name.trim())
      problems.push({ path: `aggregateGroups.${index}.name`, code: 'report_query_invalid', message: text.aggregateName });
    if (group.values.every((v) => !v.trim()))
      problems.push({ path: `aggregateGroups.${index}.values`, code: 'report_query_invalid', message: text.aggregateValues });
    for (const value of group.values) {
      if (seen.has(value))
        problems.push({
          path: `aggregateGroups.${index}.values`,
          code: 'report_user_aggregate_value_taken',
          message: text.aggregateTaken,
        });
      seen.add(value);
    }
  });
  return canAggregate(query.dimensions) ? problems : problems.filter((p) => !p.path.startsWith('aggregateGroups'));
}

/** Another metric (用户数 first, then a numeric property's 总和 when there is one), up to the limit. */
export function addMetric(metrics: readonly UserAnalysisMetric[], catalogue: ConditionCatalogue): UserAnalysisMetric[] {
  if (metrics.length >= userAnalysisLimits.metrics) return [...metrics];
  const numeric = metricProperties('sum', catalogue).find(isPickable);
  const next: UserAnalysisMetric = numeric ? { aggregate: 'sum', property: numeric.key } : { aggregate: 'users' };
  return [...metrics, next];
}
