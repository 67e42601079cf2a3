import Joi from 'joi';
import type { ReportModelDefinition, ReportPlan, ReportPlanContext, ReportStatement } from '../../kernel/contributions.js';
import type { ErrorDetail } from '../../server/errors.js';
import { InputError } from '../../server/errors.js';
import type { SqlDialect, TimeBucket } from '../../store/olap/dialect.js';
import { SqlFragment, sql } from '../../store/olap/sql-fragment.js';
import { ZonedClock } from '../../lib/zoned-clock.js';
import { conditionTreeSchema, eventFilterSchema, timeRangeSchema } from '../conditions/condition.schema.js';
import type { ConditionNode, ConditionTree, EventCondition, EventPropertyFilter } from '../conditions/condition.types.js';
import type { ConditionsService, ReportScope } from '../conditions/conditions.service.js';
import type { GroupSelectionsService } from '../group-selections/group-selections.service.js';
import { evaluateFormula, FormulaError, parseFormula, type FormulaNode } from './formula.js';
import {
  chartRefusal,
  chartTypes,
  granularities,
  metricAggregates,
  propertyAggregates,
  reportLimits,
  type EventAnalysisQuery,
  type EventMetric,
  type FormulaMetric,
  type ReportResultPeriod,
  type ReportSeries,
  type SeriesReportResult,
} from './report.types.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const METRIC_ID = /^[A-Z][A-Z0-9_]{0,9}$/;

const filterSchema = eventFilterSchema;

const rangesSchema = Joi.array().items(Joi.number()).min(1).max(reportLimits.ranges);

const metricSchema = Joi.alternatives()
  .conditional('.kind', {
    is: 'formula',
    then: Joi.object({
      id: Joi.string().pattern(METRIC_ID).required(),
      kind: Joi.string().valid('formula').required(),
      formula: Joi.string().trim().min(1).max(reportLimits.formulaLength).required(),
      name: Joi.string().trim().min(1).max(50).required(),
      format: Joi.string().valid('number', 'percent').default('number'),
    }).label('ReportFormulaMetric'),
    otherwise: Joi.object({
      id: Joi.string().pattern(METRIC_ID).required(),
      kind: Joi.string().valid('event').required(),
      event: Joi.string().max(200).required(),
      aggregate: Joi.string()
        .valid(...metricAggregates)
        .required(),
      property: Joi.string().max(200),
      filters: Joi.array().items(filterSchema).max(20),
      filterOp: Joi.string().valid('and', 'or'),
      name: Joi.string().trim().max(50).allow(''),
    }).label('ReportEventMetric'),
  })
  .label('ReportMetric');

const dimensionSchema = Joi.alternatives()
  .try(
    Joi.object({
      kind: Joi.string().valid('eventProperty', 'contactProperty').required(),
      property: Joi.string().max(200).required(),
      ranges: rangesSchema,
    }),
    Joi.object({
      kind: Joi.string().valid('tag').required(),
      tagId: Joi.string()
        .pattern(/^[1-9][0-9]{0,18}$/)
        .required(),
      ranges: rangesSchema,
    }),
  )
  .label('ReportDimension');

export const selectionSchema = Joi.alternatives()
  .try(
    Joi.object({
      type: Joi.string().valid('group').required(),
      groupId: Joi.string()
        .pattern(/^[1-9][0-9]{0,18}$/)
        .required(),
    }),
    Joi.object({
      type: Joi.string().valid('exclusive').required(),
      exclusiveGroupId: Joi.string()
        .pattern(/^[1-9][0-9]{0,18}$/)
        .required(),
      position: Joi.number().integer().min(1).max(20).required(),
    }),
    Joi.object({
      type: Joi.string().valid('temporary').required(),
      temporaryGroupId: Joi.string()
        .pattern(/^[1-9][0-9]{0,18}$/)
        .required(),
    }),
  )
  .label('ReportGroupSelection');

export const eventAnalysisQuerySchema = Joi.object<EventAnalysisQuery>({
  metrics: Joi.array().items(metricSchema).min(1).max(reportLimits.metrics).required(),
  dimensions: Joi.array().items(dimensionSchema).max(reportLimits.dimensions).default([]),
  filters: Joi.object({
    events: Joi.array().items(filterSchema).max(20),
    eventsOp: Joi.string().valid('and', 'or'),
    contacts: conditionTreeSchema,
  }).default({}),
  groups: Joi.array().items(selectionSchema).max(reportLimits.groups).default([]),
  timeRange: timeRangeSchema.required(),
  granularity: Joi.string()
    .valid(...granularities)
    .required(),
  compare: Joi.boolean().default(false),
  chart: Joi.string()
    .valid(...chartTypes)
    .required(),
}).label('EventAnalysisQuery');

const AGGREGATE_NAMES: Record<EventMetric['aggregate'], string> = {
  count: '总次数',
  users: '触发用户数',
  perUser: '人均次数',
  distinct: '去重数',
  sum: '总和',
  avg: '均值',
  max: '最大值',
  min: '最小值',
};

/** One scan of `events` a set of metrics share: same event, same filters. */
interface Source {
  event: string;
  filters: EventPropertyFilter[];
  filterOp?: 'and' | 'or';
  match: SqlFragment;
  codes: string[];
}

/** A column of the aggregate: which source, which SQL aggregate, over which value. */
interface AggregateColumn {
  alias: string;
  sql: string;
  /**
   * The same from per-contact rows (`__per`): what each contact's events give (`partial`, over the
   * scan `ev`) and how those combine (`final`, `{p}` = the partial's column). Absent: not decomposable.
   */
  perContact?: { partial?: string; final: string };
}

interface CompiledMetric {
  metric: EventMetric;
  source: number;
  /** Result columns this metric reads (`count`/`users` for perUser). */
  columns: { count?: string; users?: string; value?: string };
}

interface Dimension {
  key: string;
  name: string;
  /** SQL over the scan's columns (`ev.*`, `c.*`, tag joins), VARCHAR. */
  expression: SqlFragment;
  /** Where its value comes from. */
  needs: 'event' | 'contact' | 'tag';
  /** The inner (events) expression for an event property. */
  inner?: string;
  join?: SqlFragment;
  ranges?: number[];
}

const ident = (i: number, prefix: string) => `${prefix}${i}`;

/**
 * 事件分析 (seed §1.7.2, §3; SPEC §6; ADR 0052) as a report model: metrics over events (total count,
 * trigger users, per-user count, distinct count, sum/avg/max/min) and formulas over them, dimensions
 * (event and contact properties and their lookups, tags; numeric ones by ranges; several = their
 * Cartesian product), common filters, up to 5 compared groups, granularity total / hour / day /
 * week (Mon–Sun) / month in the tenant's zone, the previous period. Exact: one GROUP BY per group
 * and period, with the whole range's value of each combination in the same statement (GROUPING
 * SETS — a distinct count over a month is not the sum of its days).
 */
export function eventAnalysisModel(deps: {
  conditions: ConditionsService;
  selections: GroupSelectionsService;
  dialect: SqlDialect;
}): ReportModelDefinition<EventAnalysisQuery> {
  return {
    id: 'event',
    name: { 'zh-CN': '事件分析', 'en-US': 'Event analysis' },
    query: eventAnalysisQuerySchema,
    limits: { shown: reportLimits.shownGroups.event, exported: reportLimits.exportedGroups.event },
    examples: [
      {
        metrics: [{ id: 'A', kind: 'event', event: '$pageview', aggregate: 'count' }],
        timeRange: { kind: 'past', days: 7, includeToday: true },
        granularity: 'day',
        chart: 'line',
      },
    ],
    plan: (query, context) => planEventAnalysis(deps, query, context),
  };
}

async function planEventAnalysis(
  deps: { conditions: ConditionsService; selections: GroupSelectionsService; dialect: SqlDialect },
  query: EventAnalysisQuery,
  context: ReportPlanContext,
): Promise<ReportPlan> {
  const d = deps.dialect;
  const problems: ErrorDetail[] = [];
  const dimensions = query.dimensions ?? [];
  const eventMetrics = query.metrics.filter((m): m is EventMetric => m.kind === 'event');
  if (eventMetrics.length === 0)
    throw new InputError('report_event_metric_required', {}, [{ path: 'metrics', code: 'report_event_metric_required' }]);

  // ---- chart support (§1.7.2.6) and metric ids ----
  const refusal = chartRefusal(query.chart, {
    metrics: query.metrics.length,
    dimensions: dimensions.length,
    byTime: query.granularity !== 'total',
  });
  if (refusal) problems.push({ path: 'chart', code: refusal });
  const seen = new Set<string>();
  const formulas = new Map<string, FormulaNode>();
  query.metrics.forEach((metric, index) => {
    if (seen.has(metric.id)) problems.push({ path: `metrics.${index}.id`, code: 'report_metric_id_taken' });
    if (metric.kind === 'formula') {
      try {
        formulas.set(metric.id, parseFormula(metric.formula, seen));
      } catch (error) {
        problems.push({
          path: `metrics.${index}.formula`,
          code: error instanceof FormulaError ? error.code : 'report_formula_invalid',
        });
      }
    } else if (propertyAggregates.includes(metric.aggregate) && !metric.property) {
      problems.push({ path: `metrics.${index}.property`, code: 'report_metric_invalid' });
    }
    seen.add(metric.id);
  });

  // ---- the group selections, resolved to condition trees (their versions bound in the SQL) ----
  const actor = { tenantId: context.tenantId, staffId: context.staffId };
  const selections = await Promise.all(
    (query.groups ?? []).map((selection) => deps.selections.resolveSelection(actor, selection)),
  );

  // ---- one context for every tree the query names ----
  const leaf = (metric: EventMetric): EventCondition => ({
    type: 'event',
    did: true,
    event: metric.event,
    time: query.timeRange,
    ...(metric.filters?.length ? { filters: metric.filters, filterOp: metric.filterOp } : {}),
    ...(metric.property && metric.aggregate !== 'count' && metric.aggregate !== 'users' && metric.aggregate !== 'perUser'
      ? {
          measure: {
            aggregate: metric.aggregate === 'distinct' ? 'distinctCount' : metric.aggregate,
            property: metric.property,
            operator: 'gte',
            values: [0],
          },
        }
      : {}),
  });
  const commonFilters = query.filters?.events ?? [];
  const trees: ConditionTree[] = [
    { type: 'and', conditions: eventMetrics.map(leaf) },
    {
      type: 'and',
      conditions: dimensions.flatMap((dim): ConditionNode[] =>
        dim.kind === 'tag' ? [{ type: 'tag', tagId: dim.tagId, operator: 'notNull' }] : [],
      ),
    },
    ...(query.filters?.contacts ? [query.filters.contacts] : []),
    ...selections.map((s) => s.condition),
  ];
  const scope = await deps.conditions.reportScope(context, trees, { now: context.now });
  const indexOf = new Map(eventMetrics.map((m) => [m, query.metrics.indexOf(m)]));
  for (const metric of eventMetrics) {
    const prefix = `metrics.${indexOf.get(metric)}`;
    for (const problem of scope.problems({ type: 'and', conditions: [leaf(metric)] }, prefix)) {
      // The leaf's paths (`conditions.0.filters.1…`, `conditions.0.measure.property`) as the metric's.
      const path = problem.path
        .replace(`${prefix}.conditions.0.time`, 'timeRange')
        .replace(`${prefix}.conditions.0.measure.`, `${prefix}.`)
        .replace(`${prefix}.conditions.0.`, `${prefix}.`);
      const code =
        problem.code === 'condition_aggregate_invalid' || problem.code === 'condition_aggregate_property_required'
          ? 'report_metric_invalid'
          : problem.code;
      if (!problems.some((p) => p.path === path && p.code === code)) problems.push({ path, code });
    }
  }
  if (query.filters?.contacts) problems.push(...scope.problems(query.filters.contacts, 'filters.contacts'));
  // Common event filters: on properties every metric's event carries.
  if (!problems.some((p) => p.path.startsWith('metrics.'))) {
    commonFilters.forEach((filter, index) => {
      const missing = eventMetrics.some((m) => !scope.context.event(m.event)?.properties.has(filter.property));
      if (missing) problems.push({ path: `filters.events.${index}.property`, code: 'report_filter_not_common' });
    });
    if (commonFilters.length && !problems.some((p) => p.path.startsWith('filters.events'))) {
      const first = eventMetrics[0]!;
      const probe: ConditionTree = {
        type: 'and',
        conditions: [
          {
            type: 'event',
            did: true,
            event: first.event,
            time: query.timeRange,
            filters: commonFilters,
            filterOp: query.filters?.eventsOp,
          },
        ],
      };
      for (const problem of scope.problems(probe, 'filters.events'))
        problems.push({
          path: problem.path.replace('filters.events.conditions.0.filters', 'filters.events'),
          code: problem.code,
        });
    }
  }

  // ---- dimensions ----
  const compiledDims: Dimension[] = [];
  dimensions.forEach((dim, index) => {
    const path = `dimensions.${index}`;
    if (dim.ranges && dim.ranges.some((b, i) => i > 0 && !(b > dim.ranges![i - 1]!)))
      problems.push({ path: `${path}.ranges`, code: 'report_ranges_invalid' });
    if (dim.kind === 'eventProperty') {
      const refs = eventMetrics.map((m) => scope.context.event(m.event)?.properties.get(dim.property));
      if (refs.every((r) => !r)) return void problems.push({ path: `${path}.property`, code: 'report_dimension_unknown' });
      if (refs.some((r) => !r)) return void problems.push({ path: `${path}.property`, code: 'report_dimension_not_common' });
      if (problems.some((p) => p.path.startsWith('metrics.'))) return;
      const value = scope.pieces.eventValue(eventMetrics[0]!.event, dim.property);
      if (dim.ranges && value.type !== 'number')
        return void problems.push({ path: `${path}.ranges`, code: 'report_ranges_invalid' });
      compiledDims.push({
        key: `event.${dim.property}`,
        name: refs[0]!.name,
        needs: 'event',
        inner: value.sql,
        expression: SqlFragment.raw(''),
        ranges: dim.ranges,
      });
    } else if (dim.kind === 'contactProperty') {
      const ref = scope.context.contactProperty(dim.property);
      if (!ref) return void problems.push({ path: `${path}.property`, code: 'report_dimension_unknown' });
      if (dim.ranges && ref.type !== 'number')
        return void problems.push({ path: `${path}.ranges`, code: 'report_ranges_invalid' });
      compiledDims.push({
        key: `contact.${dim.property}`,
        name: ref.name,
        needs: 'contact',
        expression: SqlFragment.raw(scope.pieces.contactValue(dim.property).sql),
        ranges: dim.ranges,
      });
    } else {
      const tag = scope.context.tag(dim.tagId);
      if (!tag) return void problems.push({ path: `${path}.tagId`, code: 'report_dimension_unknown' });
      if (dim.ranges && tag.type !== 'number')
        return void problems.push({ path: `${path}.ranges`, code: 'report_ranges_invalid' });
      const alias = `__tv${index}`;
      const column =
        tag.type === 'string'
          ? 'value_string'
          : tag.type === 'strings'
            ? 'value_strings'
            : tag.type === 'bool'
              ? `(${alias}.value_number <> 0)`
              : 'value_number';
      const join =
        tag.calcDate === null
          ? undefined
          : sql(
              `LEFT JOIN tag_value AS ${alias} ON ${alias}.contact_id = ev.__cid AND ${alias}.tag_id = `,
              SqlFragment.param(BigInt(tag.id)),
              ` AND ${alias}.calc_date = `,
              SqlFragment.param(tag.calcDate, d.dateParam()),
              ` AND ${alias}.run = `,
              SqlFragment.param(tag.run ?? 0),
            );
      compiledDims.push({
        key: `tag.${tag.id}`,
        name: tag.name,
        needs: 'tag',
        expression: SqlFragment.raw(join ? (column.startsWith('(') ? column : `${alias}.${column}`) : 'NULL'),
        join,
        ranges: dim.ranges,
      });
    }
  });

  // ---- time: both ends, and the buckets ----
  const bounds = scope.pieces.timeBounds(query.timeRange);
  const clock = new ZonedClock(scope.context.timeZone);
  if (bounds.from === undefined) problems.push({ path: 'timeRange', code: 'report_time_range_unbounded' });
  // An open end is "up to now": no event is later than its receipt (+10 min, ARCHITECTURE §5.5).
  const endOfToday = (clock.localDay(context.now) + 1) * DAY_MS;
  const to = bounds.to ?? clock.fromLocal(endOfToday);
  if (problems.length) throw new InputError('report_query_invalid', { count: problems.length }, problems);
  const period = { from: bounds.from!, to };
  const buckets = bucketLabels(query.granularity, period, clock);
  if (buckets.length > reportLimits.buckets)
    throw new InputError('report_too_many_buckets', { max: reportLimits.buckets }, [
      { path: 'granularity', code: 'report_too_many_buckets' },
    ]);
  const previousPeriod = query.compare ? previousOf(period, clock) : undefined;

  // ---- sources: metrics of the same event and filters share a scan ----
  const sources: Source[] = [];
  const compiledMetrics: CompiledMetric[] = [];
  const aggregates: AggregateColumn[] = [];
  const values: string[] = [];
  const multi = new Set(eventMetrics.map((m) => JSON.stringify([m.event, m.filters ?? [], m.filterOp ?? 'and']))).size > 1;
  const addAggregate = (expression: string, perContact?: AggregateColumn['perContact']): string => {
    const existing = aggregates.find((a) => a.sql === expression);
    if (existing) return existing.alias;
    const alias = ident(aggregates.length, '__a');
    aggregates.push({ alias, sql: expression, perContact });
    return alias;
  };
  for (const metric of eventMetrics) {
    const key = JSON.stringify([metric.event, metric.filters ?? [], metric.filterOp ?? 'and']);
    let source = sources.findIndex((s) => JSON.stringify([s.event, s.filters, s.filterOp ?? 'and']) === key);
    if (source < 0) {
      source = sources.length;
      sources.push({
        event: metric.event,
        filters: metric.filters ?? [],
        filterOp: metric.filterOp,
        match: scope.pieces.eventMatch(metric.event, metric.filters ?? [], metric.filterOp),
        codes: scope.pieces.eventCodes(metric.event),
      });
    }
    const when = (value: string) => (multi ? `CASE WHEN ev.__k${source} THEN ${value} END` : value);
    const columns: CompiledMetric['columns'] = {};
    const eventCount = `count(${when('1')})`;
    if (metric.aggregate === 'count' || metric.aggregate === 'perUser')
      columns.count = addAggregate(eventCount, { partial: eventCount, final: 'sum({p})' });
    if (metric.aggregate === 'users' || metric.aggregate === 'perUser')
      columns.users = addAggregate(
        `count(DISTINCT ${when('ev.__cid')})`,
        multi ? { partial: eventCount, final: 'count(CASE WHEN {p} > 0 THEN ev.__cid END)' } : { final: 'count(ev.__cid)' },
      );
    if (propertyAggregates.includes(metric.aggregate)) {
      const inner = scope.pieces.eventValue(metric.event, metric.property!).sql;
      let valueIndex = values.indexOf(inner);
      if (valueIndex < 0) valueIndex = values.push(inner) - 1;
      const fn = metric.aggregate === 'distinct' ? 'count(DISTINCT ' : `${metric.aggregate}(`;
      columns.value = addAggregate(`${fn}${when(`ev.__v${valueIndex}`)})`);
    }
    compiledMetrics.push({ metric, source, columns });
  }
  const rankColumn = (() => {
    const c = compiledMetrics[0]!.columns;
    return c.count ?? c.users ?? c.value!;
  })();

  // ---- the statements: one per (group, period) ----
  const contactFilter = query.filters?.contacts?.conditions.length ? query.filters.contacts : undefined;
  const declared = scope.context.declared;
  const statements: ReportStatement[] = [];
  const plans: { group?: number; previous: boolean }[] = [];
  const groupRuns: (ConditionTree | undefined)[] = selections.length ? selections.map((s) => s.condition) : [undefined];
  if (declared) {
    groupRuns.forEach((selection, groupIndex) => {
      for (const previous of previousPeriod ? [false, true] : [false]) {
        const fragment = buildStatement({
          d,
          scope,
          timeZone: scope.context.timeZone,
          granularity: query.granularity,
          period: previous ? previousPeriod! : period,
          sources,
          values,
          aggregates,
          dims: compiledDims,
          commonFilters,
          commonOp: query.filters?.eventsOp,
          firstEvent: eventMetrics[0]!.event,
          contactTrees: [contactFilter, selection].filter((t): t is ConditionTree => t !== undefined),
          rankColumn,
          maxGroups: context.maxGroups,
          stack:
            query.chart === 'stackedBar' && compiledDims.length > 0
              ? { rank: aggregates.find((a) => a.alias === rankColumn)!.sql }
              : undefined,
        });
        statements.push({ sql: fragment.text, params: [...fragment.params] });
        plans.push({ ...(selections.length ? { group: groupIndex } : {}), previous });
      }
    });
  }

  const metricsInfo = query.metrics.map((m) => ({
    id: m.id,
    name:
      m.kind === 'formula'
        ? m.name
        : m.name || `${scope.context.event(m.event)?.name ?? m.event}的${AGGREGATE_NAMES[m.aggregate]}`,
    format: (m.kind === 'formula' ? (m.format ?? 'number') : 'number') as 'number' | 'percent',
  }));

  return {
    statements,
    finish(rows): Omit<SeriesReportResult, 'model' | 'timeZone' | 'computedAt' | 'cached'> {
      const current: ReportSeries[] = [];
      const previous: ReportSeries[] = [];
      let groupCount = 0;
      let truncated = false;
      plans.forEach((plan, index) => {
        const shaped = shapeRows(rows[index] ?? [], {
          buckets: plan.previous ? bucketLabels(query.granularity, previousPeriod!, clock) : buckets,
          granularity: query.granularity,
          dims: compiledDims.length,
          metrics: query.metrics,
          compiledMetrics,
          formulas,
          group: plan.group,
          maxGroups: context.maxGroups,
        });
        if (plan.previous) previous.push(...shaped.series);
        else {
          current.push(...shaped.series);
          groupCount = Math.max(groupCount, shaped.groupCount);
          truncated ||= shaped.truncated;
        }
      });
      const range = (p: { from: number; to: number }) => ({
        from: clock.localDate(p.from),
        to: clock.localDate(p.to - 1),
      });
      const result: Omit<SeriesReportResult, 'model' | 'timeZone' | 'computedAt' | 'cached'> = {
        kind: 'series',
        granularity: query.granularity,
        ...range(period),
        buckets,
        series: current,
        metrics: metricsInfo,
        dimensions: compiledDims.map((dim) => ({ key: dim.key, name: dim.name })),
        groups: selections.map((s) => ({ name: s.name })),
        groupCount,
        truncated,
      };
      if (previousPeriod) {
        const period: ReportResultPeriod = {
          ...range(previousPeriod),
          buckets: bucketLabels(query.granularity, previousPeriod, clock),
          series: previous,
        };
        result.previous = period;
      }
      return result;
    },
  };
}

/**
 * 上一周期: as long as the period in the tenant's wall-clock time and ending where it starts — a week
 * containing a DST change is compared with the seven local days before it, from local midnight (R21-3).
 */
export function previousOf(period: { from: number; to: number }, clock: ZonedClock): { from: number; to: number } {
  const localFrom = period.from + clock.offsetMs(period.from);
  const localTo = period.to + clock.offsetMs(period.to);
  return { from: clock.fromLocal(localFrom - (localTo - localFrom)), to: period.from };
}

/** Labels of the buckets of `[from, to)` (UTC instants) in the tenant's zone. */
export function bucketLabels(
  granularity: EventAnalysisQuery['granularity'],
  period: { from: number; to: number },
  clock: ZonedClock,
): string[] {
  if (granularity === 'total') return ['合计'];
  const labels: string[] = [];
  const localFrom = period.from + clock.offsetMs(period.from);
  const localTo = period.to - 1 + clock.offsetMs(period.to - 1);
  if (granularity === 'hour') {
    // The hours that exist: every instant's local hour, so a spring-forward day has no 02:00 and the
    // two 01:00 of a fall-back day are one bucket, as the engine's local truncation counts them (R21-6).
    for (let t = period.from; t < period.to && labels.length <= reportLimits.buckets; t += HOUR_MS) {
      const label = `${new Date(t + clock.offsetMs(t)).toISOString().slice(0, 13).replace('T', ' ')}:00`;
      if (labels[labels.length - 1] !== label) labels.push(label);
    }
    return labels;
  }
  const first = new Date(Math.floor(localFrom / DAY_MS) * DAY_MS);
  const last = Math.floor(localTo / DAY_MS) * DAY_MS;
  if (granularity === 'day') {
    for (let t = first.getTime(); t <= last && labels.length <= reportLimits.buckets; t += DAY_MS)
      labels.push(new Date(t).toISOString().slice(0, 10));
    return labels;
  }
  if (granularity === 'week') {
    // Natural weeks Monday–Sunday: the first bucket is the Monday on or before the start.
    const monday = first.getTime() - ((first.getUTCDay() + 6) % 7) * DAY_MS;
    for (let t = monday; t <= last && labels.length <= reportLimits.buckets; t += 7 * DAY_MS)
      labels.push(new Date(t).toISOString().slice(0, 10));
    return labels;
  }
  for (
    let y = first.getUTCFullYear(), m = first.getUTCMonth();
    Date.UTC(y, m, 1) <= last && labels.length <= reportLimits.buckets;
    m += 1
  ) {
    labels.push(new Date(Date.UTC(y, m, 1)).toISOString().slice(0, 10));
  }
  return labels;
}

/** A numeric value as its range's label: `<0`, `[0,100)`, `≥500`. */
export function rangeCase(expression: string, ranges: number[]): string {
  const parts = [`WHEN ${expression} IS NULL THEN NULL`, `WHEN ${expression} < ${ranges[0]} THEN '<${ranges[0]}'`];
  for (let i = 1; i < ranges.length; i += 1)
    parts.push(`WHEN ${expression} < ${ranges[i]} THEN '[${ranges[i - 1]},${ranges[i]})'`);
  parts.push(`ELSE '≥${ranges[ranges.length - 1]}'`);
  return `(CASE ${parts.join(' ')} END)`;
}

interface StatementInput {
  d: SqlDialect;
  scope: ReportScope;
  timeZone: string;
  granularity: EventAnalysisQuery['granularity'];
  period: { from: number; to: number };
  sources: Source[];
  values: string[];
  aggregates: AggregateColumn[];
  dims: Dimension[];
  commonFilters: EventPropertyFilter[];
  commonOp?: 'and' | 'or';
  firstEvent: string;
  contactTrees: ConditionTree[];
  rankColumn: string;
  maxGroups: number;
  /** Stacked bar: the last dimension keeps its top 12 values by this aggregate, the rest is 其他. */
  stack?: { rank: string };
}

/**
 * One statement: scan `events` (the metrics' events and filters, the period, the common filters, the
 * contacts the user filter and group keep), attach the dimensions, aggregate per bucket and per
 * combination over the whole period, keep the top `maxGroups` combinations by the first metric.
 */
function buildStatement(input: StatementInput): SqlFragment {
  const { d, scope, sources, dims } = input;
  const multi = sources.length > 1;
  const codes = [...new Set(sources.flatMap((s) => s.codes))];
  const ctes: SqlFragment[] = [];

  // The contacts kept by the user filter and the compared group: one IN (…) per tree, each in its
  // own scope (each compiled tree names its event aggregate `__condition_events`, joined as `ev`).
  const restrictions: SqlFragment[] = input.contactTrees.map((tree, i) => {
    const compiled = scope.pieces.condition(tree);
    const rename = (f: SqlFragment) =>
      SqlFragment.withPlaceholders(f.text.replaceAll('__condition_events', `__condition_events${i}`), [...f.params]);
    ctes.push(...compiled.ctes.map(rename));
    return sql(
      ' AND contact_id IN (SELECT c.id FROM contacts AS c',
      ...compiled.joins.map((join) => sql(' ', rename(join))),
      ' WHERE ',
      compiled.predicate,
      ')',
    );
  });

  // The scan of events: one row per matching event with what the aggregates and dimensions read.
  const matchAny = multi
    ? SqlFragment.join(
        sources.map((s) => s.match.wrap()),
        ' OR ',
      ).wrap()
    : sources[0]!.match;
  const common = input.commonFilters.length
    ? scope.pieces.eventFilters(input.firstEvent, input.commonFilters, input.commonOp)
    : undefined;
  const innerColumns: (string | SqlFragment)[] = [
    'contact_id AS __cid',
    // A day is the stored `event_day` (the local date in the tenant's zone, locked once there are events):
    // no zone conversion per event.
    `${input.granularity === 'total' ? "'合计'" : input.granularity === 'day' ? 'event_day' : d.bucket(input.granularity as TimeBucket, 'event_time', input.timeZone)} AS __b`,
    ...input.values.map((v, i) => `${v} AS __v${i}`),
    ...dims.flatMap((dim, i) => (dim.needs === 'event' ? [`${dim.inner!} AS __e${i}`] : [])),
  ];
  if (multi) sources.forEach((s, i) => innerColumns.push(sql(s.match.wrap(), ` AS __k${i}`)));
  const inner = sql(
    'SELECT ',
    SqlFragment.join(
      innerColumns.map((c) => (typeof c === 'string' ? SqlFragment.raw(c) : c)),
      ', ',
    ),
    ' FROM events WHERE event IN (',
    SqlFragment.join(
      codes.map((code) => SqlFragment.param(code)),
      ', ',
    ),
    ') AND ',
    scope.pieces.eventTimeWithin(input.period),
    ' AND ',
    matchAny,
    // The common filter is a filter on the event: its code part is the first metric's (all carry the property).
    common ? sql(' AND ', common) : '',
    ...restrictions,
  );

  const needsContacts = dims.some((dim) => dim.needs === 'contact');
  const byTime = input.granularity !== 'total';
  // Counts and users by time: first one row per contact in each bucket and over the range (GROUPING SETS
  // with __cid), then count those rows — a distinct count under GROUPING SETS costs DuckDB far more. The
  // contact and tag dimensions (one value per contact) are joined to those rows, not to every event.
  const perContact = byTime && !input.stack && input.aggregates.every((a) => a.perContact);
  const inScan = (dim: Dimension) => !perContact || dim.needs === 'event';
  const joins = [
    needsContacts ? ' LEFT JOIN contacts AS c ON c.id = ev.__cid' : '',
    ...dims.flatMap((dim) => (dim.join ? [' ', dim.join] : [])),
  ];
  const dimExpr = (dim: Dimension, i: number): string => {
    const raw = dim.needs === 'event' ? `ev.__e${i}` : dim.expression.text;
    const value = dim.ranges ? rangeCase(raw, dim.ranges) : raw;
    return `CAST(${value} AS VARCHAR)`;
  };
  const scanColumns = [
    'ev.__cid',
    'ev.__b',
    ...input.values.map((_, i) => `ev.__v${i}`),
    ...(multi ? sources.map((_, i) => `ev.__k${i}`) : []),
    ...dims.flatMap((dim, i) => (inScan(dim) ? [`${dimExpr(dim, i)} AS __d${i}`] : [])),
  ];
  ctes.push(sql('__scan AS (', `SELECT ${scanColumns.join(', ')} FROM (`, inner, ') AS ev', ...(perContact ? [] : joins), ')'));

  // 堆叠柱状图: the stack (last) dimension keeps its top 12 values; the others become one 其他.
  const dimNames = dims.map((_, i) => `__d${i}`);
  let from = '__scan';
  if (input.stack && dims.length) {
    const last = dimNames[dimNames.length - 1]!;
    ctes.push(
      SqlFragment.raw(
        `__top AS (SELECT ${last} AS __v FROM __scan AS ev GROUP BY ${last} ORDER BY ${input.stack.rank} DESC, ${last} LIMIT ${reportLimits.stackTop})`,
      ),
    );
    const inTop = `(${last} IN (SELECT __v FROM __top WHERE __v IS NOT NULL) OR (${last} IS NULL AND EXISTS (SELECT 1 FROM __top WHERE __v IS NULL)))`;
    const columns = [
      '__cid',
      '__b',
      ...input.values.map((_, i) => `__v${i}`),
      ...(multi ? sources.map((_, i) => `__k${i}`) : []),
      ...dimNames.slice(0, -1),
      `CASE WHEN ${inTop} THEN ${last} END AS ${last}`,
      `CASE WHEN ${inTop} THEN 0 ELSE 1 END AS __other`,
    ];
    ctes.push(SqlFragment.raw(`__stacked AS (SELECT ${columns.join(', ')} FROM __scan)`));
    from = '__stacked';
    dimNames.push('__other');
  }

  const aggregateSql = input.aggregates.map((a) => `${a.sql} AS ${a.alias}`).join(', ');
  if (perContact) {
    const partials = [...new Set(input.aggregates.flatMap((a) => a.perContact!.partial ?? []))];
    const finals = input.aggregates.map(({ alias, perContact }) => {
      const column = perContact!.partial === undefined ? '' : `__p${partials.indexOf(perContact!.partial)}`;
      return `${perContact!.final.replace('{p}', column)} AS ${alias}`;
    });
    const keys = [...dimNames.filter((_, i) => inScan(dims[i]!)), '__cid'].join(', ');
    const joined = dims.flatMap((dim, i) => (inScan(dim) ? [] : [`, ${dimExpr(dim, i)} AS __d${i}`]));
    ctes.push(
      SqlFragment.raw(
        `__contact AS (SELECT __b, GROUPING(__b) AS __total, ${keys}${partials.map((p, i) => `, ${p} AS __p${i}`).join('')}` +
          ` FROM ${from} AS ev GROUP BY GROUPING SETS ((__b, ${keys}), (${keys})))`,
      ),
      sql(`__per AS (SELECT ev.*${joined.join('')} FROM __contact AS ev`, ...joins, ')'),
      SqlFragment.raw(
        `__agg AS (SELECT CASE WHEN ev.__total = 1 THEN NULL ELSE CAST(ev.__b AS VARCHAR) END AS __b, ev.__total AS __total` +
          `${dimNames.map((n) => `, ${n}`).join('')}, ${finals.join(', ')} FROM __per AS ev GROUP BY ev.__total, ev.__b${dimNames.map((n) => `, ${n}`).join('')})`,
      ),
    );
  } else {
    const groupBy = byTime
      ? `GROUPING SETS ((__b${dimNames.map((n) => `, ${n}`).join('')}), (${dimNames.join(', ')}))`
      : dimNames.length
        ? dimNames.join(', ')
        : '';
    ctes.push(
      SqlFragment.raw(
        `__agg AS (SELECT ${byTime ? 'CASE WHEN GROUPING(__b) = 1 THEN NULL ELSE CAST(__b AS VARCHAR) END AS __b, GROUPING(__b) AS __total' : "'合计' AS __b, 1 AS __total"}` +
          `${dimNames.map((n) => `, ${n}`).join('')}, ${aggregateSql} FROM ${from} AS ev${groupBy ? ` GROUP BY ${groupBy}` : ''})`,
      ),
    );
  }
  if (dimNames.length === 0) {
    return sql('WITH ', SqlFragment.join(ctes, ', '), ' SELECT *, 1 AS __rn, 1 AS __groups FROM __agg');
  }
  const partition = dimNames.join(', ');
  ctes.push(
    SqlFragment.raw(
      `__ranked AS (SELECT __agg.*, max(CASE WHEN __total = 1 THEN ${input.rankColumn} END) OVER (PARTITION BY ${partition}) AS __rank FROM __agg)`,
    ),
    SqlFragment.raw(
      `__numbered AS (SELECT __ranked.*, dense_rank() OVER (ORDER BY __rank DESC NULLS LAST, ${partition}) AS __rn FROM __ranked)`,
    ),
  );
  return sql(
    'WITH ',
    SqlFragment.join(ctes, ', '),
    ' SELECT * FROM (SELECT __numbered.*, max(__rn) OVER () AS __groups FROM __numbered) AS __all WHERE __rn <= ',
    SqlFragment.param(input.maxGroups),
    ' ORDER BY __rn, __total DESC, __b',
  );
}

interface ShapeInput {
  buckets: string[];
  granularity: EventAnalysisQuery['granularity'];
  dims: number;
  metrics: (EventMetric | FormulaMetric)[];
  compiledMetrics: CompiledMetric[];
  formulas: Map<string, FormulaNode>;
  group?: number;
  maxGroups: number;
}

const num = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

/** Rows of one statement → one series per (combination, metric), buckets filled (no events: 0 or none). */
function shapeRows(
  rows: Record<string, unknown>[],
  input: ShapeInput,
): { series: ReportSeries[]; groupCount: number; truncated: boolean } {
  const hasOther = rows.some((row) => '__other' in row);
  const combos = new Map<
    string,
    { dims: (string | null)[]; total?: Record<string, unknown>; byBucket: Map<string, Record<string, unknown>> }
  >();
  let groupCount = 0;
  for (const row of rows) {
    groupCount = Math.max(groupCount, Number(row.__groups ?? 0));
    const dims = Array.from({ length: input.dims }, (_, i) =>
      row[`__d${i}`] === null || row[`__d${i}`] === undefined ? null : String(row[`__d${i}`]),
    );
    if (hasOther && Number(row.__other) === 1) dims[input.dims - 1] = '其他';
    const key = JSON.stringify([...dims, hasOther ? row.__other : 0]);
    let combo = combos.get(key);
    if (!combo) combos.set(key, (combo = { dims, byBucket: new Map() }));
    if (Number(row.__total) === 1) combo.total = row;
    else combo.byBucket.set(bucketLabel(String(row.__b), input.granularity), row);
  }
  // No dimension and no event: still one line, of zeros.
  if (input.dims === 0 && combos.size === 0) combos.set('[]', { dims: [], byBucket: new Map() });
  const series: ReportSeries[] = [];
  for (const combo of combos.values()) {
    const cell = (row: Record<string, unknown> | undefined): Map<string, number | null> => {
      const values = new Map<string, number | null>();
      for (const { metric, columns } of input.compiledMetrics) {
        const count = row && columns.count ? (num(row[columns.count]) ?? 0) : 0;
        const users = row && columns.users ? (num(row[columns.users]) ?? 0) : 0;
        const value = row && columns.value ? num(row[columns.value]) : null;
        switch (metric.aggregate) {
          case 'count':
            values.set(metric.id, count);
            break;
          case 'users':
            values.set(metric.id, users);
            break;
          case 'perUser':
            values.set(metric.id, users === 0 ? null : count / users);
            break;
          case 'distinct':
          case 'sum':
            values.set(metric.id, value ?? 0);
            break;
          default:
            values.set(metric.id, value);
        }
      }
      for (const metric of input.metrics) {
        if (metric.kind !== 'formula') continue;
        const node = input.formulas.get(metric.id)!;
        values.set(
          metric.id,
          evaluateFormula(node, (id) => values.get(id) ?? null),
        );
      }
      return values;
    };
    const totals = cell(input.granularity === 'total' ? (combo.total ?? combo.byBucket.get('合计')) : combo.total);
    const perBucket = input.buckets.map((label) =>
      cell(input.granularity === 'total' ? (combo.total ?? combo.byBucket.get(label)) : combo.byBucket.get(label)),
    );
    for (const metric of input.metrics) {
      series.push({
        metric: metric.id,
        dimensions: combo.dims,
        ...(input.group === undefined ? {} : { group: input.group }),
        values: perBucket.map((values) => values.get(metric.id) ?? null),
        total: totals.get(metric.id) ?? null,
      });
    }
  }
  return { series, groupCount, truncated: groupCount > input.maxGroups };
}

/** A bucket as the engine returns it (`2026-12-01 13:00:00` / `2026-12-01`) → its label. */
function bucketLabel(value: string, granularity: EventAnalysisQuery['granularity']): string {
  if (granularity === 'total') return '合计';
  if (granularity === 'hour') return `${value.slice(0, 13)}:00`;
  return value.slice(0, 10);
}
