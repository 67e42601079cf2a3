import Joi from 'joi';
import type { ReportModelDefinition, ReportPlan, ReportPlanContext, ReportStatement } from '../../../kernel/contributions.js';
import { ZonedClock } from '../../../lib/zoned-clock.js';
import type { ErrorDetail } from '../../../server/errors.js';
import { InputError } from '../../../server/errors.js';
import type { SqlDialect } from '../../../store/olap/dialect.js';
import { SqlFragment, sql } from '../../../store/olap/sql-fragment.js';
import { conditionTreeSchema, eventFilterSchema, timeRangeSchema } from '../../conditions/condition.schema.js';
import type { ConditionLeaf, ConditionTree } from '../../conditions/condition.types.js';
import type { ConditionsService, ReportScope } from '../../conditions/conditions.service.js';
import type { GroupSelectionsService } from '../../group-selections/group-selections.service.js';
import {
  ltvLimits,
  ltvMetrics,
  ltvUnits,
  type LtvMetric,
  type LtvQuery,
  type LtvReportResult,
  type LtvRow,
  type LtvUnit,
} from './ltv.types.js';

const DAY_MS = 86_400_000;
const ID = /^[1-9][0-9]{0,18}$/;

const initialSchema = Joi.alternatives()
  .conditional('.kind', {
    is: 'property',
    then: Joi.object({
      kind: Joi.string().valid('property').required(),
      property: Joi.string().max(200).required(),
    }).label('LtvInitialProperty'),
    otherwise: Joi.object({
      kind: Joi.string().valid('event').required(),
      event: Joi.string().max(200).required(),
      filters: Joi.array().items(eventFilterSchema).max(20),
      filterOp: Joi.string().valid('and', 'or'),
    }).label('LtvInitialEvent'),
  })
  .label('LtvInitial');

const dimensionSchema = Joi.alternatives()
  .try(
    Joi.object({
      kind: Joi.string().valid('eventProperty', 'contactProperty').required(),
      property: Joi.string().max(200).required(),
    }),
    Joi.object({ kind: Joi.string().valid('tag').required(), tagId: Joi.string().pattern(ID).required() }),
  )
  .label('LtvDimension');

const selectionSchema = Joi.alternatives()
  .try(
    Joi.object({ type: Joi.string().valid('group').required(), groupId: Joi.string().pattern(ID).required() }),
    Joi.object({
      type: Joi.string().valid('exclusive').required(),
      exclusiveGroupId: Joi.string().pattern(ID).required(),
      position: Joi.number().integer().min(1).max(20).required(),
    }),
    Joi.object({ type: Joi.string().valid('temporary').required(), temporaryGroupId: Joi.string().pattern(ID).required() }),
  )
  .label('LtvGroupSelection');

export const ltvQuerySchema = Joi.object<LtvQuery>({
  initial: initialSchema.required(),
  revenue: Joi.object({
    event: Joi.string().max(200).required(),
    filters: Joi.array().items(eventFilterSchema).max(20),
    filterOp: Joi.string().valid('and', 'or'),
    aggregate: Joi.string().valid('sum', 'count').required(),
    property: Joi.string().max(200),
  })
    .required()
    .label('LtvRevenue'),
  filters: Joi.object({ contacts: conditionTreeSchema }).default({}).label('LtvFilters'),
  dimensions: Joi.array().items(dimensionSchema).max(ltvLimits.dimensions).default([]),
  groups: Joi.array().items(selectionSchema).max(ltvLimits.groups).default([]),
  timeRange: timeRangeSchema.required(),
  unit: Joi.string()
    .valid(...ltvUnits)
    .required(),
  periods: Joi.number().integer().min(1).max(ltvLimits.periods).required(),
  rolling24h: Joi.boolean().default(false),
  metric: Joi.string()
    .valid(...ltvMetrics)
    .default('sum'),
}).label('LtvQuery');

interface Deps {
  conditions: ConditionsService;
  selections: GroupSelectionsService;
  dialect: SqlDialect;
}

/**
 * LTV分析 (seed §1.7.11; SPEC §6 and decision 1; ADR 0057) as a report model: the initial users of a
 * range (each user's first qualifying initial event, or a date / date-time contact property), their
 * revenue from the initial moment on by period (calendar days, natural weeks, months in the tenant's
 * zone; or rolling 24 h), cohorts by the initial moment's day / week / month and 总体. One statement
 * per compared group, set-based: per (cohort, dimension values, period) the initial users, the
 * revenue and the users paying for the first time; the cumulative metrics are running sums of those.
 */
export function ltvAnalysisModel(deps: Deps): ReportModelDefinition<LtvQuery> {
  return {
    id: 'ltv',
    name: { 'zh-CN': 'LTV分析', 'en-US': 'LTV analysis' },
    query: ltvQuerySchema,
    examples: [
      {
        initial: { kind: 'event', event: '$pageview' },
        revenue: { event: '$pageview', aggregate: 'count' },
        timeRange: { kind: 'past', days: 7, includeToday: true },
        unit: 'day',
        periods: 7,
      },
    ],
    plan: (query, context) => planLtv(deps, query, context),
  };
}

interface Dimension {
  key: string;
  name: string;
  /** SQL over `ev` (the first initial rows: `ev.__e<i>`), `c` (contacts) and the tag joins. */
  expression: string;
  needs: 'event' | 'contact' | 'tag';
  /** An event property's value in the scan of the initial events. */
  inner?: string;
  join?: SqlFragment;
}

async function planLtv(deps: Deps, query: LtvQuery, context: ReportPlanContext): Promise<ReportPlan> {
  const d = deps.dialect;
  const problems: ErrorDetail[] = [];
  const dimensions = query.dimensions ?? [];
  const groups = query.groups ?? [];
  const unit = query.unit;
  const rolling = query.rolling24h === true;
  const N = query.periods;

  if (rolling && unit !== 'day') problems.push({ path: 'rolling24h', code: 'report_ltv_rolling_days_only' });
  // §1.7.11.1.4: with two groups or more the dimensions are not available.
  if (groups.length >= 2 && dimensions.length > 0)
    problems.push({ path: 'dimensions', code: 'report_ltv_dimensions_with_groups' });
  if (problems.length) throw new InputError('report_query_invalid', { count: problems.length }, problems);

  const actor = { tenantId: context.tenantId, staffId: context.staffId };
  const selections = await Promise.all(groups.map((selection) => deps.selections.resolveSelection(actor, selection)));

  // ---- the trees: the initial definition, the revenue, tags, filters, groups ----
  const initialLeaf: ConditionLeaf =
    query.initial.kind === 'event'
      ? {
          type: 'event',
          did: true,
          event: query.initial.event,
          time: query.timeRange,
          ...(query.initial.filters?.length ? { filters: query.initial.filters, filterOp: query.initial.filterOp } : {}),
        }
      : { type: 'property', property: query.initial.property, operator: 'in', range: query.timeRange };
  const revenue = query.revenue;
  const revenueLeaf: ConditionLeaf = {
    type: 'event',
    did: true,
    event: revenue.event,
    time: query.timeRange,
    ...(revenue.filters?.length ? { filters: revenue.filters, filterOp: revenue.filterOp } : {}),
    ...(revenue.aggregate === 'sum' && revenue.property
      ? { measure: { aggregate: 'sum', property: revenue.property, operator: 'gte', values: [0] } }
      : {}),
  };
  const initialTree: ConditionTree = { type: 'and', conditions: [initialLeaf] };
  const revenueTree: ConditionTree = { type: 'and', conditions: [revenueLeaf] };
  const contactFilter = query.filters?.contacts?.conditions.length ? query.filters.contacts : undefined;
  const trees: ConditionTree[] = [
    initialTree,
    revenueTree,
    {
      type: 'and',
      conditions: dimensions.flatMap((dim): ConditionLeaf[] =>
        dim.kind === 'tag' ? [{ type: 'tag', tagId: dim.tagId, operator: 'notNull' }] : [],
      ),
    },
    ...(contactFilter ? [contactFilter] : []),
    ...selections.map((s) => s.condition),
  ];
  const scope = await deps.conditions.reportScope(context, trees, { now: context.now });
  const leafProblems = (tree: ConditionTree, prefix: string) => {
    for (const problem of scope.problems(tree, prefix)) {
      const path = problem.path
        .replace(`${prefix}.conditions.0.time`, 'timeRange')
        .replace(`${prefix}.conditions.0.range`, 'timeRange')
        .replace(`${prefix}.conditions.0.measure.`, `${prefix}.`)
        .replace(`${prefix}.conditions.0.`, `${prefix}.`);
      const code =
        problem.code === 'condition_aggregate_invalid' || problem.code === 'condition_aggregate_property_required'
          ? 'report_metric_invalid'
          : problem.code;
      if (!problems.some((p) => p.path === path && p.code === code)) problems.push({ path, code });
    }
  };
  leafProblems(initialTree, 'initial');
  leafProblems(revenueTree, 'revenue');
  if (revenue.aggregate === 'sum' && !revenue.property)
    problems.push({ path: 'revenue.property', code: 'report_metric_invalid' });
  if (contactFilter) problems.push(...scope.problems(contactFilter, 'filters.contacts'));
  const initialOk = !problems.some((p) => p.path.startsWith('initial'));

  // ---- dimensions: the initial event's property, a contact property, a tag ----
  const compiledDims: Dimension[] = [];
  dimensions.forEach((dim, index) => {
    const path = `dimensions.${index}`;
    if (dim.kind === 'eventProperty') {
      if (query.initial.kind !== 'event')
        return void problems.push({ path: `${path}.kind`, code: 'report_ltv_dimension_not_allowed' });
      if (!initialOk) return;
      const ref = scope.context.event(query.initial.event)?.properties.get(dim.property);
      if (!ref) return void problems.push({ path: `${path}.property`, code: 'report_dimension_unknown' });
      compiledDims.push({
        key: `event.${dim.property}`,
        name: ref.name,
        needs: 'event',
        inner: scope.pieces.eventValue(query.initial.event, dim.property).sql,
        expression: `ev.__e${index}`,
      });
    } else if (dim.kind === 'contactProperty') {
      const ref = scope.context.contactProperty(dim.property);
      if (!ref) return void problems.push({ path: `${path}.property`, code: 'report_dimension_unknown' });
      compiledDims.push({
        key: `contact.${dim.property}`,
        name: ref.name,
        needs: 'contact',
        expression: scope.pieces.contactValue(dim.property).sql,
      });
    } else {
      const tag = scope.context.tag(dim.tagId);
      if (!tag) return void problems.push({ path: `${path}.tagId`, code: 'report_dimension_unknown' });
      const alias = `__tv${index}`;
      const column =
        tag.type === 'string'
          ? `${alias}.value_string`
          : tag.type === 'strings'
            ? `${alias}.value_strings`
            : tag.type === 'bool'
              ? `(${alias}.value_number <> 0)`
              : `${alias}.value_number`;
      const join =
        tag.calcDate === null
          ? undefined
          : sql(
              ` LEFT JOIN tag_value AS ${alias} ON ${alias}.contact_id = ev.__cid AND ${alias}.tag_id = `,
              SqlFragment.param(BigInt(tag.id)),
              ` AND ${alias}.calc_date = `,
              SqlFragment.param(tag.calcDate, d.dateParam()),
              ` AND ${alias}.run = `,
              SqlFragment.param(tag.run ?? 0),
            );
      compiledDims.push({ key: `tag.${tag.id}`, name: tag.name, needs: 'tag', expression: join ? column : 'NULL', join });
    }
  });

  // ---- time: the range of initial moments, and how far revenue may come after it ----
  const bounds = scope.pieces.timeBounds(query.timeRange);
  const clock = new ZonedClock(scope.context.timeZone);
  if (bounds.from === undefined) problems.push({ path: 'timeRange', code: 'report_time_range_unbounded' });
  const endOfToday = (clock.localDay(context.now) + 1) * DAY_MS;
  const to = bounds.to ?? clock.fromLocal(endOfToday);
  if (problems.length) throw new InputError('report_query_invalid', { count: problems.length }, problems);
  const from = bounds.from!;
  // The last cohort's period N ends at most (N + 2) units of 31 days after the range's last day.
  const unitDays = unit === 'day' ? 1 : unit === 'week' ? 7 : 31;
  const revenueTo = clock.fromLocal((clock.localDay(to - 1) + (N + 2) * unitDays + 1) * DAY_MS);

  const propertyInitial = query.initial.kind === 'property' ? scope.pieces.contactValue(query.initial.property) : undefined;
  const statements: ReportStatement[] = [];
  const runs: (ConditionTree | undefined)[] = selections.length ? selections.map((s) => s.condition) : [undefined];
  if (scope.context.declared) {
    for (const selection of runs) {
      const fragment = buildStatement({
        d,
        scope,
        query,
        dims: compiledDims,
        propertyInitial,
        contactTrees: [contactFilter, selection].filter((t): t is ConditionTree => t !== undefined),
        initialTree,
        period: { from, to },
        revenueTo,
        maxGroups: context.maxGroups,
      });
      statements.push({ sql: fragment.text, params: [...fragment.params] });
    }
  }

  const eventName = (code: string) => scope.context.event(code)?.name ?? code;
  const revenueName =
    revenue.aggregate === 'sum'
      ? `${eventName(revenue.event)}的${scope.context.event(revenue.event)?.properties.get(revenue.property!)?.name ?? revenue.property}总和`
      : `${eventName(revenue.event)}的总次数`;
  const today = clock.localDate(context.now);
  const rangeStart = clock.localDate(from);

  return {
    statements,
    finish(rows): Omit<LtvReportResult, 'model' | 'timeZone' | 'computedAt' | 'cached'> {
      const out: LtvRow[] = [];
      let groupCount = 0;
      let truncated = false;
      statements.forEach((_, index) => {
        const shaped = shapeRows(rows[index] ?? [], {
          dims: compiledDims.length,
          unit,
          periods: N,
          today,
          rangeStart,
          group: selections.length ? index : undefined,
        });
        out.push(...shaped.rows);
        groupCount = Math.max(groupCount, shaped.groupCount);
        truncated ||= shaped.groupCount > context.maxGroups;
      });
      return {
        kind: 'ltv',
        from: rangeStart,
        to: clock.localDate(to - 1),
        unit,
        periods: N,
        rolling24h: rolling,
        metric: query.metric ?? 'sum',
        revenueName,
        dimensions: compiledDims.map((dim) => ({ key: dim.key, name: dim.name })),
        groups: selections.map((s) => ({ name: s.name })),
        rows: out,
        groupCount,
        truncated,
      };
    },
  };
}

interface StatementInput {
  d: SqlDialect;
  scope: ReportScope;
  query: LtvQuery;
  dims: Dimension[];
  propertyInitial?: { sql: string; timeType?: 'date' | 'datetime' };
  contactTrees: ConditionTree[];
  initialTree: ConditionTree;
  period: { from: number; to: number };
  revenueTo: number;
  maxGroups: number;
}

/**
 * One statement: the initial users (first qualifying initial event in the range, or the property's
 * value in it) with their cohort and dimension values; their revenue events from the initial moment
 * on, by period 0…N; per (cohort, dimension values) the initial users, and per period the revenue
 * and the users whose first paying period it is. The dimension combinations are ranked by initial
 * users and the first `maxGroups` kept.
 */
function buildStatement(input: StatementInput): SqlFragment {
  const { d, scope, query, dims } = input;
  const zone = scope.context.timeZone;
  const ctes: SqlFragment[] = [];
  let treeIndex = 0;
  /** ` AND <column> IN (the contacts a tree keeps)`, each tree's event aggregate named apart. */
  const restrict = (column: string, tree: ConditionTree): SqlFragment => {
    const compiled = scope.pieces.condition(tree);
    const i = treeIndex++;
    const rename = (f: SqlFragment) =>
      SqlFragment.withPlaceholders(f.text.replaceAll('__condition_events', `__condition_events${i}`), [...f.params]);
    ctes.push(...compiled.ctes.map(rename));
    return sql(
      ` AND ${column} IN (SELECT c.id FROM contacts AS c`,
      ...compiled.joins.map((join) => sql(' ', rename(join))),
      ' WHERE ',
      rename(compiled.predicate),
      ')',
    );
  };

  // ---- the initial users: one row each (__cid, __t the initial moment or NULL for a date, __day its local date) ----
  if (query.initial.kind === 'event') {
    const initial = query.initial;
    const codes = scope.pieces.eventCodes(initial.event);
    const columns = [
      'contact_id AS __cid',
      'event_time AS __t',
      // The stored local date in the tenant's zone.
      'event_day AS __day',
      ...dims.flatMap((dim, i) => (dim.needs === 'event' ? [`${dim.inner!} AS __e${i}`] : [])),
      'row_number() OVER (PARTITION BY contact_id ORDER BY event_time, message_id) AS __r',
    ];
    const restrictions = input.contactTrees.map((tree) => restrict('contact_id', tree));
    ctes.push(
      sql(
        `__init AS (SELECT ${columns.join(', ')} FROM events WHERE event IN (`,
        SqlFragment.join(
          codes.map((code) => SqlFragment.param(code)),
          ', ',
        ),
        ') AND ',
        scope.pieces.eventTimeWithin(input.period),
        ' AND ',
        scope.pieces.eventMatch(initial.event, initial.filters ?? [], initial.filterOp),
        ...restrictions,
        ')',
      ),
      SqlFragment.raw(
        `__first AS (SELECT __cid, __t, __day${dims.flatMap((dim, i) => (dim.needs === 'event' ? [`, __e${i}`] : [])).join('')} FROM __init WHERE __r = 1)`,
      ),
    );
  } else {
    const value = input.propertyInitial!;
    const datetime = value.timeType !== 'date';
    const restrictions = [input.initialTree, ...input.contactTrees].map((tree) => restrict('c.id', tree));
    ctes.push(
      sql(
        `__first AS (SELECT c.id AS __cid, ${datetime ? value.sql : 'CAST(NULL AS TIMESTAMP)'} AS __t, ` +
          `${datetime ? d.localDate(value.sql, zone) : `CAST(${value.sql} AS DATE)`} AS __day FROM contacts AS c WHERE ${value.sql} IS NOT NULL`,
        ...restrictions,
        ')',
      ),
    );
  }
  const dateInitial = query.initial.kind === 'property' && input.propertyInitial!.timeType === 'date';

  // ---- cohorts and dimension values ----
  const needsContacts = dims.some((dim) => dim.needs === 'contact');
  const dimNames = dims.map((_, i) => `__d${i}`);
  ctes.push(
    sql(
      `__users AS (SELECT ev.__cid, ev.__t, ev.__day, CAST(${d.dateBucket(query.unit, 'ev.__day')} AS VARCHAR) AS __c` +
        dims.map((dim, i) => `, CAST(${dim.expression} AS VARCHAR) AS __d${i}`).join('') +
        ` FROM __first AS ev${needsContacts ? ' LEFT JOIN contacts AS c ON c.id = ev.__cid' : ''}`,
      ...dims.flatMap((dim) => (dim.join ? [dim.join] : [])),
      ')',
    ),
  );

  // ---- revenue from the initial moment on, by period ----
  const revenue = query.revenue;
  const value =
    revenue.aggregate === 'sum'
      ? `CAST(${scope.pieces.eventValue(revenue.event, revenue.property!).sql} AS DOUBLE)`
      : 'CAST(1 AS DOUBLE)';
  ctes.push(
    sql(
      `__rev AS (SELECT contact_id AS __cid, event_time AS __et, event_day AS __ed, ${value} AS __v FROM events WHERE event IN (`,
      SqlFragment.join(
        scope.pieces.eventCodes(revenue.event).map((code) => SqlFragment.param(code)),
        ', ',
      ),
      ') AND ',
      scope.pieces.eventTimeWithin({ from: input.period.from, to: input.revenueTo }),
      ' AND ',
      scope.pieces.eventMatch(revenue.event, revenue.filters ?? [], revenue.filterOp),
      ' AND contact_id IN (SELECT __cid FROM __users))',
    ),
  );
  const calendar = d.periodsBetween(query.unit, 'u.__day', 'r.__ed');
  // 按 24 小时滚动 (days only): whole 24 h spans since the initial moment; a date has no moment but its midnight.
  const period =
    query.rolling24h && !dateInitial
      ? `CAST(floor((${d.epochMs(d.truncSecond('r.__et'))} - ${d.epochMs(d.truncSecond('u.__t'))}) / ${DAY_MS}) AS INTEGER)`
      : calendar;
  // By whole seconds: a payment in the initial event's second counts, even a fraction earlier (R22-39).
  const fromMoment = dateInitial ? 'r.__ed >= u.__day' : `${d.truncSecond('r.__et')} >= ${d.truncSecond('u.__t')}`;
  ctes.push(
    SqlFragment.raw(
      `__pay AS (SELECT u.__cid, ${period} AS __p, r.__v FROM __rev AS r JOIN __users AS u ON u.__cid = r.__cid WHERE ${fromMoment})`,
    ),
    SqlFragment.raw(
      `__paid AS (SELECT __cid, __p, sum(coalesce(__v, 0)) AS __v FROM __pay WHERE __p >= 0 AND __p <= ${query.periods} GROUP BY __cid, __p)`,
    ),
    SqlFragment.raw(`__firstpaid AS (SELECT __cid, min(__p) AS __fp FROM __paid GROUP BY __cid)`),
  );
  const keys = ['__c', ...dimNames];
  const uKeys = keys.map((k) => `u.${k}`).join(', ');
  ctes.push(
    SqlFragment.raw(
      `__cells AS (SELECT ${uKeys}, CAST(NULL AS INTEGER) AS __p, count(*) AS __n, CAST(NULL AS DOUBLE) AS __v, 0 AS __new` +
        ` FROM __users AS u GROUP BY ${uKeys}` +
        ` UNION ALL SELECT ${uKeys}, p.__p, 0 AS __n, sum(p.__v) AS __v, count(CASE WHEN f.__fp = p.__p THEN 1 END) AS __new` +
        ` FROM __paid AS p JOIN __users AS u ON u.__cid = p.__cid JOIN __firstpaid AS f ON f.__cid = p.__cid GROUP BY ${uKeys}, p.__p)`,
    ),
  );
  if (dimNames.length === 0) {
    return sql('WITH ', SqlFragment.join(ctes, ', '), ' SELECT *, 1 AS __rn, 1 AS __groups FROM __cells ORDER BY __c, __p');
  }
  const partition = dimNames.join(', ');
  ctes.push(
    SqlFragment.raw(`__ranked AS (SELECT __cells.*, sum(__n) OVER (PARTITION BY ${partition}) AS __rank FROM __cells)`),
    SqlFragment.raw(
      `__numbered AS (SELECT __ranked.*, dense_rank() OVER (ORDER BY __rank DESC, ${dimNames.map((n) => `${n} NULLS LAST`).join(', ')}) AS __rn FROM __ranked)`,
    ),
  );
  return sql(
    'WITH ',
    SqlFragment.join(ctes, ', '),
    ' SELECT * FROM (SELECT __numbered.*, max(__rn) OVER () AS __groups FROM __numbered) AS __all WHERE __rn <= ',
    SqlFragment.param(input.maxGroups),
    ' ORDER BY __rn, __c, __p',
  );
}

const num = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));

/** Whole calendar units from the unit holding `from` to the one holding `to` (`YYYY-MM-DD`), as the dialect's `periodsBetween`. */
export function unitsBetween(unit: LtvUnit, from: string, to: string): number {
  const a = Date.parse(`${from}T00:00:00Z`);
  const b = Date.parse(`${to}T00:00:00Z`);
  if (unit === 'day') return Math.round((b - a) / DAY_MS);
  if (unit === 'week') {
    const monday = (t: number) => t - ((new Date(t).getUTCDay() + 6) % 7) * DAY_MS;
    return Math.round((monday(b) - monday(a)) / (7 * DAY_MS));
  }
  const da = new Date(a);
  const db = new Date(b);
  return (db.getUTCFullYear() - da.getUTCFullYear()) * 12 + db.getUTCMonth() - da.getUTCMonth();
}

/** The first day of the unit holding a date. */
function unitStart(unit: LtvUnit, date: string): string {
  if (unit === 'day') return date;
  if (unit === 'month') return `${date.slice(0, 7)}-01`;
  const t = Date.parse(`${date}T00:00:00Z`);
  return new Date(t - ((new Date(t).getUTCDay() + 6) % 7) * DAY_MS).toISOString().slice(0, 10);
}

interface Cohort {
  users: number;
  /** Per period 0…N: revenue and new paying users. */
  revenue: number[];
  newPaying: number[];
}

/**
 * Rows of one statement → 总体 then each cohort, per dimension combination: the running sums of
 * revenue and new paying users, ARPU = revenue ÷ initial users, ARPPU = revenue ÷ paying users so
 * far (0 without any, as the seed's tables show); a period not started yet (today in the tenant's
 * zone; 总体 from the range's first day) has no value.
 */
export function shapeRows(
  rows: Record<string, unknown>[],
  input: { dims: number; unit: LtvUnit; periods: number; today: string; rangeStart: string; group?: number },
): { rows: LtvRow[]; groupCount: number } {
  const size = input.periods + 1;
  const combos = new Map<string, { dims: (string | null)[]; cohorts: Map<string, Cohort> }>();
  let groupCount = 0;
  const empty = (): Cohort => ({ users: 0, revenue: Array<number>(size).fill(0), newPaying: Array<number>(size).fill(0) });
  for (const row of rows) {
    groupCount = Math.max(groupCount, num(row.__groups));
    const dims = Array.from({ length: input.dims }, (_, i) =>
      row[`__d${i}`] === null || row[`__d${i}`] === undefined ? null : String(row[`__d${i}`]),
    );
    const key = JSON.stringify(dims);
    let combo = combos.get(key);
    if (!combo) combos.set(key, (combo = { dims, cohorts: new Map() }));
    const date = String(row.__c).slice(0, 10);
    let cohort = combo.cohorts.get(date);
    if (!cohort) combo.cohorts.set(date, (cohort = empty()));
    if (row.__p === null || row.__p === undefined) cohort.users += num(row.__n);
    else {
      const p = num(row.__p);
      cohort.revenue[p] = (cohort.revenue[p] ?? 0) + num(row.__v);
      cohort.newPaying[p] = (cohort.newPaying[p] ?? 0) + num(row.__new);
    }
  }
  const out: LtvRow[] = [];
  const make = (dims: (string | null)[], cohortDate: string | null, cohort: Cohort): LtvRow => {
    const started = unitsBetween(input.unit, unitStart(input.unit, cohortDate ?? input.rangeStart), input.today);
    const values = Object.fromEntries(ltvMetrics.map((m) => [m, [] as (number | null)[]])) as Record<
      LtvMetric,
      (number | null)[]
    >;
    let sum = 0;
    let paying = 0;
    for (let p = 0; p < size; p += 1) {
      sum += cohort.revenue[p]!;
      paying += cohort.newPaying[p]!;
      const shown = p <= started;
      values.sum.push(shown ? sum : null);
      values.payingUsers.push(shown ? paying : null);
      values.arpu.push(shown ? (cohort.users ? sum / cohort.users : null) : null);
      values.arppu.push(shown ? (paying ? sum / paying : 0) : null);
      values.newPayingUsers.push(shown ? cohort.newPaying[p]! : null);
    }
    return {
      ...(input.group === undefined ? {} : { group: input.group }),
      dimensions: dims,
      cohort: cohortDate,
      initialUsers: cohort.users,
      payingUsers: paying,
      values,
    };
  };
  for (const combo of combos.values()) {
    const dates = [...combo.cohorts.keys()].filter((date) => combo.cohorts.get(date)!.users > 0).sort();
    const total = empty();
    for (const date of dates) {
      const cohort = combo.cohorts.get(date)!;
      total.users += cohort.users;
      for (let p = 0; p < size; p += 1) {
        total.revenue[p]! += cohort.revenue[p]!;
        total.newPaying[p]! += cohort.newPaying[p]!;
      }
    }
    out.push(make(combo.dims, null, total));
    for (const date of dates) out.push(make(combo.dims, date, combo.cohorts.get(date)!));
  }
  return { rows: out, groupCount };
}
