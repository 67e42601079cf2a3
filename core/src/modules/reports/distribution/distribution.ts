import { exportLabel } from '../report-labels.js';
import Joi from 'joi';
import type { ReportModelDefinition, ReportPlan, ReportPlanContext } from '../../../kernel/contributions.js';
import { ZonedClock } from '../../../lib/zoned-clock.js';
import type { ErrorDetail } from '../../../server/errors.js';
import { InputError } from '../../../server/errors.js';
import { SqlFragment, sql } from '../../../store/olap/sql-fragment.js';
import { conditionTreeSchema, eventFilterSchema, timeRangeSchema } from '../../conditions/condition.schema.js';
import type { ConditionTree, EventCondition } from '../../conditions/condition.types.js';
import type { ConditionsService, ReportScope } from '../../conditions/conditions.service.js';
import type { GroupSelectionsService } from '../../group-selections/group-selections.service.js';
import { reportLimits } from '../report.types.js';
import {
  distributionAggregates,
  type DistributionAggregate,
  type DistributionInterval,
  type DistributionQuery,
  type DistributionReportResult,
  type DistributionSeries,
} from './distribution.types.js';

const DAY_MS = 86_400_000;

/**
 * 默认区间 of a count or distinct count (ADR 0056): 1, 2, 3, 4, 5–9, 10–19, ≥20 — and `<1` (a distinct
 * count of 0) only when some user falls there.
 */
export const DEFAULT_COUNT_BOUNDARIES: readonly number[] = [1, 2, 3, 4, 5, 10, 20];
/** 默认区间 of a sum, average, maximum or minimum: about this many equal "nice" steps over the users' range. */
export const DEFAULT_STEPS = 10;

const idSchema = Joi.string().pattern(/^[1-9][0-9]{0,18}$/);

const selectionSchema = Joi.alternatives()
  .try(
    Joi.object({ type: Joi.string().valid('group').required(), groupId: idSchema.required() }),
    Joi.object({
      type: Joi.string().valid('exclusive').required(),
      exclusiveGroupId: idSchema.required(),
      position: Joi.number().integer().min(1).max(20).required(),
    }),
    Joi.object({ type: Joi.string().valid('temporary').required(), temporaryGroupId: idSchema.required() }),
  )
  .label('DistributionGroupSelection');

export const distributionQuerySchema = Joi.object<DistributionQuery>({
  metric: Joi.object({
    event: Joi.string().max(200).required(),
    aggregate: Joi.string()
      .valid(...distributionAggregates)
      .required()
      .label('DistributionAggregate'),
    property: Joi.string().max(200),
    filters: Joi.array().items(eventFilterSchema).max(20),
    filterOp: Joi.string().valid('and', 'or').label('DistributionFilterOp'),
  })
    .required()
    .label('DistributionMetric'),
  intervals: Joi.alternatives()
    .try(
      Joi.object({ mode: Joi.string().valid('default').required() }).label('DistributionDefaultIntervals'),
      Joi.object({
        mode: Joi.string().valid('custom').required(),
        boundaries: Joi.array().items(Joi.number()).min(1).max(reportLimits.ranges).required(),
      }).label('DistributionCustomIntervals'),
    )
    .default({ mode: 'default' })
    .label('DistributionIntervals'),
  dimension: Joi.object({
    kind: Joi.string().valid('eventProperty', 'contactProperty').required().label('DistributionDimensionKind'),
    property: Joi.string().max(200).required(),
  }).label('DistributionDimension'),
  filters: Joi.object({
    events: Joi.array().items(eventFilterSchema).max(20),
    eventsOp: Joi.string().valid('and', 'or').label('DistributionEventsOp'),
    contacts: conditionTreeSchema,
  })
    .default({})
    .label('DistributionFilters'),
  groups: Joi.array().items(selectionSchema).max(reportLimits.groups).default([]),
  timeRange: timeRangeSchema.required(),
}).label('DistributionQuery');

const AGGREGATE_NAMES: Record<DistributionAggregate, string> = {
  count: '次数',
  distinct: '去重数',
  sum: '总和',
  avg: '均值',
  max: '最大值',
  min: '最小值',
};

type Deps = { conditions: ConditionsService; selections: GroupSelectionsService };

/**
 * 分布分析 (seed §1.7.6; SPEC §6; ADR 0056): how many users fall in each interval `[a, b)` of a
 * per-user metric over one event in the time range (count of events, distinct count / sum / avg /
 * max / min of a property), with event and user filters, one optional dimension (an event property:
 * a user counts once per value, the metric computed per value; or a contact property) and up to 5
 * compared groups. One statement: the per-user aggregate, then the interval of each user, counted.
 */
export function distributionModel(deps: Deps): ReportModelDefinition<DistributionQuery> {
  return {
    id: 'distribution',
    name: { 'zh-CN': '分布分析', 'en-US': 'Distribution analysis' },
    query: distributionQuerySchema,
    limits: { shown: reportLimits.shownGroups.distribution, exported: reportLimits.exportedGroups.distribution },
    examples: [
      {
        metric: { event: '$pageview', aggregate: 'count' },
        intervals: { mode: 'default' },
        timeRange: { kind: 'past', days: 7, includeToday: true },
      },
    ],
    plan: (query, context) => planDistribution(deps, query, context),
  };
}

/** How the statement assigns an interval: fixed boundaries, or equal steps computed over the data. */
type Bucketing = { kind: 'fixed'; boundaries: number[]; hideBelow: boolean } | { kind: 'steps' };

async function planDistribution(deps: Deps, query: DistributionQuery, context: ReportPlanContext): Promise<ReportPlan> {
  const problems: ErrorDetail[] = [];
  const metric = query.metric;
  if (metric.aggregate !== 'count' && !metric.property) problems.push({ path: 'metric.property', code: 'report_metric_invalid' });
  const intervals = query.intervals ?? { mode: 'default' };
  if (intervals.mode === 'custom' && intervals.boundaries.some((b, i) => i > 0 && !(b > intervals.boundaries[i - 1]!)))
    problems.push({ path: 'intervals.boundaries', code: 'report_ranges_invalid' });

  const actor = { tenantId: context.tenantId, staffId: context.staffId };
  const selections = await Promise.all(
    (query.groups ?? []).map((selection) => deps.selections.resolveSelection(actor, selection)),
  );

  // ---- one context for every tree the query names; the metric as an event condition checks it ----
  const leaf: EventCondition = {
    type: 'event',
    did: true,
    event: metric.event,
    time: query.timeRange,
    ...(metric.filters?.length ? { filters: metric.filters, filterOp: metric.filterOp } : {}),
    ...(metric.property && metric.aggregate !== 'count'
      ? {
          measure: {
            aggregate: metric.aggregate === 'distinct' ? 'distinctCount' : metric.aggregate,
            property: metric.property,
            operator: 'gte',
            values: [0],
          },
        }
      : {}),
  };
  const metricTree: ConditionTree = { type: 'and', conditions: [leaf] };
  const commonFilters = query.filters?.events ?? [];
  const contactFilter = query.filters?.contacts?.conditions.length ? query.filters.contacts : undefined;
  const scope = await deps.conditions.reportScope(
    context,
    [metricTree, ...(contactFilter ? [contactFilter] : []), ...selections.map((s) => s.condition)],
    { now: context.now },
  );
  for (const problem of scope.problems(metricTree, 'metric')) {
    const path = problem.path
      .replace('metric.conditions.0.time', 'timeRange')
      .replace('metric.conditions.0.measure.', 'metric.')
      .replace('metric.conditions.0.', 'metric.');
    const code =
      problem.code === 'condition_aggregate_invalid' || problem.code === 'condition_aggregate_property_required'
        ? 'report_metric_invalid'
        : problem.code;
    if (!problems.some((p) => p.path === path && p.code === code)) problems.push({ path, code });
  }
  if (contactFilter) problems.push(...scope.problems(contactFilter, 'filters.contacts'));
  const metricValid = !problems.some((p) => p.path.startsWith('metric.'));
  if (commonFilters.length && metricValid) {
    const probe: ConditionTree = {
      type: 'and',
      conditions: [
        {
          type: 'event',
          did: true,
          event: metric.event,
          time: query.timeRange,
          filters: commonFilters,
          filterOp: query.filters?.eventsOp,
        },
      ],
    };
    for (const problem of scope.problems(probe, 'filters.events'))
      problems.push({ path: problem.path.replace('filters.events.conditions.0.filters', 'filters.events'), code: problem.code });
  }

  // ---- the dimension ----
  let dimension: { key: string; name: string; event?: string; contact?: string } | undefined;
  if (query.dimension) {
    const { kind, property } = query.dimension;
    if (kind === 'eventProperty') {
      const ref = metricValid ? scope.context.event(metric.event)?.properties.get(property) : undefined;
      if (metricValid && !ref) problems.push({ path: 'dimension.property', code: 'report_dimension_unknown' });
      else if (ref)
        dimension = { key: `event.${property}`, name: ref.name, event: scope.pieces.eventValue(metric.event, property).sql };
    } else {
      const ref = scope.context.contactProperty(property);
      if (!ref) problems.push({ path: 'dimension.property', code: 'report_dimension_unknown' });
      else dimension = { key: `contact.${property}`, name: ref.name, contact: scope.pieces.contactValue(property).sql };
    }
  }

  // ---- time: both ends ----
  const bounds = scope.pieces.timeBounds(query.timeRange);
  const clock = new ZonedClock(scope.context.timeZone);
  if (bounds.from === undefined) problems.push({ path: 'timeRange', code: 'report_time_range_unbounded' });
  if (problems.length) throw new InputError('report_query_invalid', { count: problems.length }, problems);
  // An open end is "up to the end of today".
  const period = { from: bounds.from!, to: bounds.to ?? clock.fromLocal((clock.localDay(context.now) + 1) * DAY_MS) };

  const integer = metric.aggregate === 'count' || metric.aggregate === 'distinct';
  const bucketing: Bucketing =
    intervals.mode === 'custom'
      ? { kind: 'fixed', boundaries: intervals.boundaries, hideBelow: false }
      : integer
        ? { kind: 'fixed', boundaries: [...DEFAULT_COUNT_BOUNDARIES], hideBelow: true }
        : { kind: 'steps' };

  const statements = scope.context.declared
    ? [
        buildStatement({
          scope,
          query,
          period,
          contactFilter,
          groups: selections.map((s) => s.condition),
          dimension,
          bucketing,
          maxGroups: context.maxGroups,
        }),
      ].map((fragment) => ({ sql: fragment.text, params: [...fragment.params] }))
    : [];

  const eventName = scope.context.event(metric.event)?.name ?? metric.event;
  const propertyName = metric.property ? scope.context.event(metric.event)?.properties.get(metric.property)?.name : undefined;
  const metricName =
    metric.aggregate === 'count'
      ? `${eventName}的次数`
      : `${eventName}的${propertyName ?? metric.property}${AGGREGATE_NAMES[metric.aggregate]}`;

  return {
    statements,
    finish([rows = []]): Omit<DistributionReportResult, 'model' | 'timeZone' | 'computedAt' | 'cached'> {
      const shaped = shapeRows(rows, {
        bucketing,
        integer,
        groups: selections.length,
        dimension: dimension !== undefined,
        maxGroups: context.maxGroups,
      });
      return {
        kind: 'distribution',
        from: clock.localDate(period.from),
        to: clock.localDate(period.to - 1),
        metric: { name: metricName, aggregate: metric.aggregate },
        intervals: shaped.intervals,
        ...(dimension ? { dimension: { key: dimension.key, name: dimension.name } } : {}),
        groups: selections.map((s) => ({ name: s.name })),
        series: shaped.series,
        groupCount: shaped.groupCount,
        truncated: shaped.truncated,
      };
    },
  };
}

interface StatementInput {
  scope: ReportScope;
  query: DistributionQuery;
  period: { from: number; to: number };
  contactFilter?: ConditionTree;
  groups: ConditionTree[];
  dimension?: { event?: string; contact?: string };
  bucketing: Bucketing;
  maxGroups: number;
}

/** `n` as SQL text (a validated finite number). */
const literal = (n: number) => (Number.isInteger(n) ? String(n) : n.toPrecision(17));

/**
 * The statement: scan the metric's events (its filters, the period, the common filters, the
 * contacts the user filter keeps), one row per user (and event-dimension value) with the metric,
 * the dimension attached, one copy per compared group the user is in, the interval of each, the
 * users counted per (group, dimension value, interval); dimension values ranked by their users.
 */
function buildStatement(input: StatementInput): SqlFragment {
  const { scope, query, dimension, bucketing } = input;
  const metric = query.metric;
  const ctes: SqlFragment[] = [];
  // Each compiled tree names its event aggregate `__condition_events`: renamed per tree.
  const restriction = (tree: ConditionTree, i: number, column: string): SqlFragment => {
    const compiled = scope.pieces.condition(tree);
    const rename = (f: SqlFragment) =>
      SqlFragment.withPlaceholders(f.text.replaceAll('__condition_events', `__condition_events${i}`), [...f.params]);
    ctes.push(...compiled.ctes.map(rename));
    return sql(
      `${column} IN (SELECT c.id FROM contacts AS c`,
      ...compiled.joins.map((join) => sql(' ', rename(join))),
      ' WHERE ',
      compiled.predicate,
      ')',
    );
  };

  const value = metric.aggregate === 'count' ? undefined : scope.pieces.eventValue(metric.event, metric.property!).sql;
  const common = input.query.filters?.events?.length
    ? scope.pieces.eventFilters(metric.event, input.query.filters.events, input.query.filters.eventsOp)
    : undefined;
  const contact = input.contactFilter ? restriction(input.contactFilter, 0, 'contact_id') : undefined;
  const codes = scope.pieces.eventCodes(metric.event);
  const columns = [
    'contact_id AS __cid',
    ...(value ? [`${value} AS __v`] : []),
    ...(dimension?.event ? [`${dimension.event} AS __e`] : []),
  ];
  ctes.push(
    sql(
      `__scan AS (SELECT ${columns.join(', ')} FROM events WHERE event IN (`,
      SqlFragment.join(
        codes.map((code) => SqlFragment.param(code)),
        ', ',
      ),
      ') AND ',
      scope.pieces.eventTimeWithin(input.period),
      ' AND ',
      scope.pieces.eventMatch(metric.event, metric.filters ?? [], metric.filterOp),
      common ? sql(' AND ', common) : '',
      contact ? sql(' AND ', contact) : '',
      ')',
    ),
  );

  // One row per user (and event-dimension value): the metric, NULL when it has no value (an average of nothing).
  const aggregate: Record<DistributionAggregate, string> = {
    count: 'count(*)',
    distinct: 'count(DISTINCT ev.__v)',
    sum: 'coalesce(sum(ev.__v), 0)',
    avg: 'avg(ev.__v)',
    max: 'max(ev.__v)',
    min: 'min(ev.__v)',
  };
  const perKeys = ['ev.__cid', ...(dimension?.event ? ['ev.__e'] : [])].join(', ');
  ctes.push(
    SqlFragment.raw(
      `__per AS (SELECT ${perKeys}, CAST(${aggregate[metric.aggregate]} AS DOUBLE) AS __m FROM __scan AS ev GROUP BY ${perKeys})`,
    ),
  );
  const dimExpr = dimension?.event ? 'ev.__e' : dimension?.contact ? dimension.contact : 'NULL';
  ctes.push(
    SqlFragment.raw(
      `__user AS (SELECT ev.__cid, CAST(${dimExpr} AS VARCHAR) AS __d, ev.__m FROM __per AS ev` +
        `${dimension?.contact ? ' LEFT JOIN contacts AS c ON c.id = ev.__cid' : ''} WHERE ev.__m IS NOT NULL)`,
    ),
  );
  // One copy of a user per compared group they are in (group 0 = everyone without groups).
  const members =
    input.groups.length === 0
      ? [SqlFragment.raw('SELECT 0 AS __g, u.__cid, u.__d, u.__m FROM __user AS u')]
      : input.groups.map((tree, g) =>
          sql(`SELECT ${g} AS __g, u.__cid, u.__d, u.__m FROM __user AS u WHERE `, restriction(tree, g + 1, 'u.__cid')),
        );
  ctes.push(sql('__member AS (', SqlFragment.join(members, ' UNION ALL '), ')'));

  let interval: string;
  let stepColumns = '';
  if (bucketing.kind === 'fixed') {
    const b = bucketing.boundaries;
    interval = `CASE ${b.map((boundary, i) => `WHEN ev.__m < ${literal(boundary)} THEN ${i}`).join(' ')} ELSE ${b.length} END`;
  } else {
    // Equal "nice" steps (1, 2 or 5 × 10ⁿ) of about a tenth of the users' range, from a multiple of the step.
    // max(|lo|, 1) as a CASE: greatest() ignores a NULL in DuckDB and returns NULL in StarRocks (ADR 0066).
    ctes.push(
      SqlFragment.raw(
        '__bounds AS (SELECT min(__m) AS __lo, max(__m) AS __hi FROM __member)' +
          `, __width AS (SELECT __lo, CASE WHEN __hi > __lo THEN (__hi - __lo) / ${DEFAULT_STEPS} ELSE (CASE WHEN abs(__lo) > 1 THEN abs(__lo) ELSE 1 END) / ${DEFAULT_STEPS} END AS __x FROM __bounds)` +
          ', __magnitude AS (SELECT __lo, __x, power(10, floor(log10(__x))) AS __p FROM __width)' +
          ', __size AS (SELECT __lo, (CASE WHEN __x <= __p THEN 1 WHEN __x <= 2 * __p THEN 2 WHEN __x <= 5 * __p THEN 5 ELSE 10 END) * __p AS __step FROM __magnitude)' +
          ', __origin AS (SELECT __step, floor(__lo / __step) * __step AS __start FROM __size)',
      ),
    );
    // A hair above the quotient: a value on a boundary (0.3 / 0.1 = 2.9999…) belongs to the interval it starts.
    interval = 'CAST(floor((ev.__m - o.__start) / o.__step + 0.000000001) AS BIGINT)';
    stepColumns = ', o.__start AS __start, o.__step AS __step';
  }
  ctes.push(
    SqlFragment.raw(
      `__agg AS (SELECT ev.__g, ev.__d, ${interval} AS __i, count(*) AS __users${stepColumns}` +
        ` FROM __member AS ev${bucketing.kind === 'steps' ? ' CROSS JOIN __origin AS o' : ''}` +
        ` GROUP BY ev.__g, ev.__d, ${interval}${bucketing.kind === 'steps' ? ', o.__start, o.__step' : ''})`,
    ),
    SqlFragment.raw('__ranked AS (SELECT __agg.*, sum(__users) OVER (PARTITION BY __g, __d) AS __total FROM __agg)'),
    SqlFragment.raw(
      '__numbered AS (SELECT __ranked.*, dense_rank() OVER (PARTITION BY __g ORDER BY __total DESC, __d NULLS LAST) AS __rn FROM __ranked)',
    ),
  );
  return sql(
    'WITH ',
    SqlFragment.join(ctes, ', '),
    ' SELECT * FROM (SELECT __numbered.*, max(__rn) OVER (PARTITION BY __g) AS __groups FROM __numbered) AS __all WHERE __rn <= ',
    SqlFragment.param(input.maxGroups),
    ' ORDER BY __g, __rn, __i',
  );
}

/** A number as a label shows it (12 significant digits: no 0.30000000000000004). */
const show = (n: number) => String(Number(n.toPrecision(12)));

/** The intervals of fixed boundaries: (−∞, b1), [b1, b2), …, [bn, +∞). */
export function fixedIntervals(boundaries: readonly number[], integer: boolean): DistributionInterval[] {
  const whole = integer && boundaries.every(Number.isInteger);
  const intervals: DistributionInterval[] = [{ label: `<${show(boundaries[0]!)}`, from: null, to: boundaries[0]! }];
  for (let i = 1; i < boundaries.length; i += 1) {
    const from = boundaries[i - 1]!;
    const to = boundaries[i]!;
    const label = !whole ? `[${show(from)},${show(to)})` : to === from + 1 ? show(from) : `${show(from)}–${show(to - 1)}`;
    intervals.push({ label, from, to });
  }
  const last = boundaries[boundaries.length - 1]!;
  intervals.push({ label: `≥${show(last)}`, from: last, to: null });
  return intervals;
}

const num = (value: unknown): number => Number(value ?? 0);

/** The statement's rows → the intervals and one series per (group, dimension value), zeros filled. */
function shapeRows(
  rows: Record<string, unknown>[],
  input: { bucketing: Bucketing; integer: boolean; groups: number; dimension: boolean; maxGroups: number },
): { intervals: DistributionInterval[]; series: DistributionSeries[]; groupCount: number; truncated: boolean } {
  let intervals: DistributionInterval[];
  // Where an interval index of the rows goes in `intervals`.
  let position = (index: number) => index;
  if (input.bucketing.kind === 'fixed') {
    intervals = fixedIntervals(input.bucketing.boundaries, input.integer);
    if (input.bucketing.hideBelow && !rows.some((row) => num(row.__i) === 0)) {
      intervals = intervals.slice(1);
      position = (index) => index - 1;
    }
  } else {
    const first = rows[0];
    const count = rows.reduce((max, row) => Math.max(max, num(row.__i) + 1), 0);
    const start = first ? Number(first.__start) : 0;
    const step = first ? Number(first.__step) : 1;
    intervals = Array.from({ length: count }, (_, i) => {
      const from = Number((start + i * step).toPrecision(12));
      const to = Number((start + (i + 1) * step).toPrecision(12));
      return { label: `[${show(from)},${show(to)})`, from, to };
    });
  }
  const series = new Map<string, DistributionSeries>();
  let groupCount = 0;
  for (const row of rows) {
    groupCount = Math.max(groupCount, num(row.__groups));
    const group = num(row.__g);
    const dimension = row.__d === null || row.__d === undefined ? null : String(row.__d);
    const key = JSON.stringify([group, dimension]);
    let line = series.get(key);
    if (!line) {
      line = {
        ...(input.dimension ? { dimension } : {}),
        ...(input.groups ? { group } : {}),
        users: intervals.map(() => 0),
        total: 0,
      };
      series.set(key, line);
    }
    const users = num(row.__users);
    line.users[position(num(row.__i))] = users;
    line.total += users;
  }
  // Without a dimension, every group has its series, of zeros when no user qualifies.
  if (!input.dimension) {
    for (let group = 0; group < Math.max(input.groups, 1); group += 1) {
      const key = JSON.stringify([group, null]);
      if (!series.has(key)) series.set(key, { ...(input.groups ? { group } : {}), users: intervals.map(() => 0), total: 0 });
    }
  }
  const ordered = [...series.values()].sort((a, b) => (a.group ?? 0) - (b.group ?? 0));
  return { intervals, series: ordered, groupCount, truncated: groupCount > input.maxGroups };
}

/**
 * The export's table of a distribution (the console's table, unpaged): one row per (group, dimension
 * value, interval) with its users and their share of the series' users (%, two decimals).
 */
export function distributionTable(result: DistributionReportResult): { header: string[]; rows: (string | number | null)[][] } {
  const header = [
    ...(result.groups.length ? ['群组'] : []),
    ...(result.dimension ? [result.dimension.name] : []),
    '区间',
    '用户数',
    '占比(%)',
  ];
  const rows = result.series.flatMap((series) =>
    result.intervals.map((interval, i) => [
      ...(result.groups.length ? [result.groups[series.group ?? 0]?.name ?? ''] : []),
      ...(result.dimension ? [exportLabel(series.dimension ?? null)] : []),
      interval.label,
      series.users[i] ?? 0,
      series.total ? Math.round(((series.users[i] ?? 0) / series.total) * 10_000) / 100 : 0,
    ]),
  );
  return { header, rows };
}
