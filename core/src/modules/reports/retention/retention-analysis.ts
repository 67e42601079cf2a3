import Joi from 'joi';
import type { ReportModelDefinition, ReportPlan, ReportPlanContext, ReportStatement } from '../../../kernel/contributions.js';
import { ZonedClock } from '../../../lib/zoned-clock.js';
import type { ErrorDetail } from '../../../server/errors.js';
import { InputError } from '../../../server/errors.js';
import type { SqlDialect } from '../../../store/olap/dialect.js';
import { SqlFragment, sql } from '../../../store/olap/sql-fragment.js';
import { conditionTreeSchema, eventFilterSchema, timeRangeSchema } from '../../conditions/condition.schema.js';
import type { ConditionTree, EventCondition } from '../../conditions/condition.types.js';
import type { ConditionsService, ReportScope } from '../../conditions/conditions.service.js';
import type { GroupSelectionsService } from '../../group-selections/group-selections.service.js';
import {
  reportLimits,
  retentionMaxCohorts,
  retentionMaxPeriods,
  retentionUnits,
  type RetentionEvent,
  type RetentionQuery,
  type RetentionReportResult,
  type RetentionTable,
  type RetentionUnit,
} from '../report.types.js';

const DAY_MS = 86_400_000;
const ID = /^[1-9][0-9]{0,18}$/;

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
  .label('RetentionGroupSelection');

const eventSchema = Joi.object<RetentionEvent>({
  event: Joi.string().max(200).required(),
  filters: Joi.array().items(eventFilterSchema).max(20),
  filterOp: Joi.string().valid('and', 'or'),
}).label('RetentionEvent');

export const retentionQuerySchema = Joi.object<RetentionQuery>({
  initial: eventSchema.required(),
  return: eventSchema.required(),
  metric: Joi.string().valid('retained', 'churned').default('retained'),
  unit: Joi.string()
    .valid(...retentionUnits)
    .required(),
  // 1–30 days, 1–12 weeks, 1–12 months.
  periods: Joi.number()
    .integer()
    .min(1)
    .when('unit', { is: 'day', then: Joi.number().max(retentionMaxPeriods.day), otherwise: Joi.number().max(12) })
    .required(),
  mode: Joi.string().valid('period', 'onOrAfter').default('period'),
  filters: Joi.object({ contacts: conditionTreeSchema }).label('RetentionFilters').default({}),
  groups: Joi.array().items(selectionSchema).max(reportLimits.groups).default([]),
  timeRange: timeRangeSchema.required(),
}).label('RetentionQuery');

/** Calendar periods as consecutive numbers from local day numbers (days since 1970-01-01), as the dialect's `periodNumber`. */
export const periods = {
  /** The number of the period holding the local day `day`. */
  of(unit: RetentionUnit, day: number): number {
    if (unit === 'day') return day;
    // 1970-01-05 (day 4) is a Monday: week 0.
    if (unit === 'week') return Math.floor((day - 4) / 7);
    const date = new Date(day * DAY_MS);
    return (date.getUTCFullYear() - 1970) * 12 + date.getUTCMonth();
  },
  /** The local day number a period starts on. */
  start(unit: RetentionUnit, period: number): number {
    if (unit === 'day') return period;
    if (unit === 'week') return 4 + 7 * period;
    return Date.UTC(1970 + Math.floor(period / 12), ((period % 12) + 12) % 12, 1) / DAY_MS;
  },
};

type Deps = { conditions: ConditionsService; selections: GroupSelectionsService; dialect: SqlDialect };

/**
 * 留存分析 (seed §1.7.7; SPEC §6; ADR 0055) as a report model: users who did the initial event in a
 * period (day, week Mon–Sun, month in the tenant's zone) of the time range form that period's cohort;
 * retained at k = a return event in period cohort + k (k = 0: at or after the first initial event of
 * the period, another event than it), or in that period or later (`onOrAfter`); churned at k = no
 * return event in periods 1..k. Set-based SQL: the distinct (contact, period) of the initial and of
 * the return events, joined on the difference of their periods.
 */
export function retentionAnalysisModel(deps: Deps): ReportModelDefinition<RetentionQuery> {
  return {
    id: 'retention',
    name: { 'zh-CN': '留存分析', 'en-US': 'Retention analysis' },
    query: retentionQuerySchema,
    limits: { shown: retentionMaxCohorts, exported: retentionMaxCohorts },
    examples: [
      {
        initial: { event: '$pageview' },
        return: { event: '$pageview' },
        metric: 'retained',
        unit: 'day',
        periods: 7,
        timeRange: { kind: 'past', days: 7, includeToday: true },
      },
    ],
    plan: (query, context) => planRetention(deps, query, context),
  };
}

interface StatementPlan {
  group?: number;
}

async function planRetention(deps: Deps, query: RetentionQuery, context: ReportPlanContext): Promise<ReportPlan> {
  const problems: ErrorDetail[] = [];
  const mode = query.mode ?? 'period';
  const metric = query.metric ?? 'retained';
  const actor = { tenantId: context.tenantId, staffId: context.staffId };
  const selections = await Promise.all(
    (query.groups ?? []).map((selection) => deps.selections.resolveSelection(actor, selection)),
  );
  const leaf = (e: RetentionEvent): EventCondition => ({
    type: 'event',
    did: true,
    event: e.event,
    time: query.timeRange,
    ...(e.filters?.length ? { filters: e.filters, filterOp: e.filterOp } : {}),
  });
  const contacts = query.filters?.contacts?.conditions.length ? query.filters.contacts : undefined;
  const trees: ConditionTree[] = [
    { type: 'and', conditions: [leaf(query.initial), leaf(query.return)] },
    ...(contacts ? [contacts] : []),
    ...selections.map((s) => s.condition),
  ];
  const scope = await deps.conditions.reportScope(context.tenantId, trees, { now: context.now });
  for (const key of ['initial', 'return'] as const) {
    for (const problem of scope.problems({ type: 'and', conditions: [leaf(query[key])] }, key)) {
      const path = problem.path.replace(`${key}.conditions.0.time`, 'timeRange').replace(`${key}.conditions.0.`, `${key}.`);
      if (!problems.some((p) => p.path === path && p.code === problem.code)) problems.push({ path, code: problem.code });
    }
  }
  if (contacts) problems.push(...scope.problems(contacts, 'filters.contacts'));

  // ---- the cohorts: every period of the time range that has started ----
  const bounds = scope.pieces.timeBounds(query.timeRange);
  const clock = new ZonedClock(scope.context.timeZone);
  if (bounds.from === undefined && !problems.some((p) => p.path === 'timeRange'))
    problems.push({ path: 'timeRange', code: 'report_time_range_unbounded' });
  const today = clock.localDay(context.now);
  const endOfToday = clock.fromLocal((today + 1) * DAY_MS);
  if (problems.length) throw new InputError('report_query_invalid', { count: problems.length }, problems);
  const range = { from: bounds.from!, to: bounds.to ?? endOfToday };
  const unit = query.unit;
  const n = query.periods;
  const current = periods.of(unit, today);
  const first = periods.of(unit, clock.localDay(range.from));
  const last = Math.min(periods.of(unit, clock.localDay(range.to - 1)), current);
  const cohortCount = Math.max(0, last - first + 1);
  if (cohortCount > retentionMaxCohorts)
    throw new InputError('report_too_many_buckets', { max: retentionMaxCohorts }, [
      { path: 'timeRange', code: 'report_too_many_buckets' },
    ]);
  // Return events: up to the end of the last cohort's period N (unbounded: up to now).
  const periodStart = (p: number) => clock.fromLocal(periods.start(unit, p) * DAY_MS);
  const returnEnd = mode === 'onOrAfter' ? Math.max(endOfToday, range.to) : periodStart(last + n + 1);

  const statements: ReportStatement[] = [];
  const plans: StatementPlan[] = [];
  const runs: (ConditionTree | undefined)[] = selections.length ? selections.map((s) => s.condition) : [undefined];
  if (scope.context.declared && cohortCount > 0) {
    runs.forEach((selection, index) => {
      const fragment = buildStatement({
        d: deps.dialect,
        scope,
        query,
        mode,
        metric,
        range,
        returnEnd,
        contactTrees: [contacts, selection].filter((t): t is ConditionTree => t !== undefined),
      });
      statements.push({ sql: fragment.text, params: [...fragment.params] });
      plans.push(selections.length ? { group: index } : {});
    });
  }

  const offsets = Array.from({ length: metric === 'churned' ? n : n + 1 }, (_, i) => (metric === 'churned' ? i + 1 : i));
  const eventName = (e: RetentionEvent) => ({ event: e.event, name: scope.context.event(e.event)?.name ?? e.event });
  return {
    statements,
    finish(rows): Omit<RetentionReportResult, 'model' | 'timeZone' | 'computedAt' | 'cached'> {
      const tables: RetentionTable[] = runs.map((_, index) =>
        shapeTable(rows[index] ?? [], {
          first,
          cohortCount,
          current,
          offsets,
          metric,
          mode,
          unit,
          group: selections.length ? index : undefined,
        }),
      );
      return {
        kind: 'retention',
        from: clock.localDate(range.from),
        to: clock.localDate(range.to - 1),
        metric,
        unit,
        mode,
        offsets,
        initialEvent: eventName(query.initial),
        returnEvent: eventName(query.return),
        groups: selections.map((s) => ({ name: s.name })),
        tables,
        groupCount: cohortCount,
        truncated: false,
      };
    },
  };
}

interface StatementInput {
  d: SqlDialect;
  scope: ReportScope;
  query: RetentionQuery;
  mode: 'period' | 'onOrAfter';
  metric: 'retained' | 'churned';
  range: { from: number; to: number };
  returnEnd: number;
  contactTrees: ConditionTree[];
}

/**
 * One statement per compared group. `__ev`: the initial (`__i`, within the time range) and return
 * (`__r`) events of the kept contacts; `__cp`: one row per (contact, period) with what k = 0 needs;
 * `__init` / `__ret`: the (contact, period) pairs of each; then a join on the period difference.
 * Rows out: `__cohort` (period number), `__k` (offset or null), `__z` (flag or null), `__n` (users).
 */
function buildStatement(input: StatementInput): SqlFragment {
  const { d, scope, query } = input;
  const n = query.periods;
  const ctes: SqlFragment[] = [];
  // The contacts kept by the user filter and the compared group, each tree in its own scope.
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
  const match = (e: RetentionEvent) => scope.pieces.eventMatch(e.event, e.filters ?? [], e.filterOp).wrap();
  const initial = match(query.initial);
  const returned = match(query.return);
  const codes = [...new Set([...scope.pieces.eventCodes(query.initial.event), ...scope.pieces.eventCodes(query.return.event)])];
  const until = scope.pieces.eventTimeWithin({ to: input.range.to });
  ctes.push(
    sql(
      `__ev AS (SELECT contact_id AS __cid, ${d.periodNumber(query.unit, 'event_day')} AS __p, event_time AS __t, `,
      'CASE WHEN ',
      initial,
      ' AND ',
      until,
      ' THEN 1 ELSE 0 END AS __i, CASE WHEN ',
      returned,
      ' THEN 1 ELSE 0 END AS __r FROM events WHERE event IN (',
      SqlFragment.join(
        codes.map((code) => SqlFragment.param(code)),
        ', ',
      ),
      ') AND ',
      scope.pieces.eventTimeWithin({ from: input.range.from, to: input.returnEnd }),
      ' AND (',
      initial,
      ' OR ',
      returned,
      ')',
      ...restrictions,
      ')',
    ),
    // k = 0 from aggregates of the period: the first initial event (t0), the last return (tr), the
    // first initial that is no return (ti), the last return that is no initial (to), and how many
    // are both (nb). Retained at 0: a return after t0; or at t0 another event than the first initial
    // — an initial-only at t0 (it is the first) or a return-only at t0 or two that are both (every
    // event that is both is then at t0: not before the first initial, not after the last return).
    SqlFragment.raw(
      '__cp AS (SELECT __cid, __p, min(CASE WHEN __i = 1 THEN __t END) AS __t0, max(CASE WHEN __r = 1 THEN __t END) AS __tr, ' +
        'min(CASE WHEN __i = 1 AND __r = 0 THEN __t END) AS __ti, max(CASE WHEN __r = 1 AND __i = 0 THEN __t END) AS __to, ' +
        'sum(__i * __r) AS __nb FROM __ev GROUP BY __cid, __p)',
    ),
    SqlFragment.raw(
      '__init AS (SELECT __cid, __p, CASE WHEN __tr > __t0 OR (__tr = __t0 AND (__ti = __t0 OR __to = __t0 OR __nb >= 2)) ' +
        'THEN 1 ELSE 0 END AS __z FROM __cp WHERE __t0 IS NOT NULL)',
    ),
    SqlFragment.raw('__ret AS (SELECT __cid, __p FROM __cp WHERE __tr IS NOT NULL)'),
  );
  const head = sql('WITH ', SqlFragment.join(ctes, ', '), ' ');
  if (input.metric === 'churned') {
    // Each cohort member's first return offset in 1..N (none: null).
    return sql(
      head,
      `SELECT __p AS __cohort, __f AS __k, NULL AS __z, count(*) AS __n FROM (SELECT c.__cid, c.__p, min(r.__p - c.__p) AS __f ` +
        `FROM __init AS c LEFT JOIN __ret AS r ON r.__cid = c.__cid AND r.__p > c.__p AND r.__p <= c.__p + ${n} ` +
        'GROUP BY c.__cid, c.__p) AS __first GROUP BY __p, __f',
    );
  }
  if (input.mode === 'onOrAfter') {
    // Each cohort member's last return offset (capped at N; none: null) and whether k = 0 holds.
    return sql(
      head,
      `SELECT __p AS __cohort, CASE WHEN __m > ${n} THEN ${n} ELSE __m END AS __k, CASE WHEN __z = 1 OR __m IS NOT NULL THEN 1 ELSE 0 END AS __z, ` +
        'count(*) AS __n FROM (SELECT c.__cid, c.__p, c.__z, max(r.__p - c.__p) AS __m FROM __init AS c ' +
        'LEFT JOIN __ret AS r ON r.__cid = c.__cid AND r.__p > c.__p GROUP BY c.__cid, c.__p, c.__z) AS __last ' +
        `GROUP BY __p, CASE WHEN __m > ${n} THEN ${n} ELSE __m END, CASE WHEN __z = 1 OR __m IS NOT NULL THEN 1 ELSE 0 END`,
    );
  }
  return sql(
    head,
    'SELECT __p AS __cohort, NULL AS __k, __z, count(*) AS __n FROM __init GROUP BY __p, __z UNION ALL ' +
      'SELECT c.__p AS __cohort, r.__p - c.__p AS __k, NULL AS __z, count(*) AS __n FROM __init AS c JOIN __ret AS r ' +
      `ON r.__cid = c.__cid AND r.__p > c.__p AND r.__p <= c.__p + ${n} GROUP BY c.__p, r.__p - c.__p`,
  );
}

interface ShapeInput {
  first: number;
  cohortCount: number;
  current: number;
  offsets: number[];
  metric: 'retained' | 'churned';
  mode: 'period' | 'onOrAfter';
  unit: RetentionUnit;
  group?: number;
}

const num = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

/** The rows of one statement → the cohorts' table (blank after now) and 合计 (offsets that have ended). */
export function shapeTable(rows: Record<string, unknown>[], input: ShapeInput): RetentionTable {
  const { offsets } = input;
  const maxK = offsets[offsets.length - 1] ?? 0;
  const users = new Array<number>(input.cohortCount).fill(0);
  // counts[c][k]: per the metric and mode, what the rows give (see below).
  const byK = Array.from({ length: input.cohortCount }, () => new Array<number>(maxK + 1).fill(0));
  const zero = new Array<number>(input.cohortCount).fill(0);
  for (const row of rows) {
    const c = Number(row.__cohort) - input.first;
    if (!(c >= 0 && c < input.cohortCount)) continue;
    const k = num(row.__k);
    const z = num(row.__z);
    const count = Number(row.__n);
    if (input.metric === 'retained' && input.mode === 'period') {
      if (k === null) {
        users[c] += count;
        if (z === 1) zero[c] += count;
      } else if (k >= 1 && k <= maxK) byK[c]![k] += count;
      continue;
    }
    users[c] += count;
    if (z === 1) zero[c] += count;
    if (k !== null && k >= 0 && k <= maxK) byK[c]![k] += count;
  }
  const value = (c: number, k: number): number => {
    if (input.metric === 'churned') {
      // Churned at k: no return in 1..k = the cohort less those whose first return is ≤ k.
      let returned = 0;
      for (let j = 1; j <= k; j += 1) returned += byK[c]![j]!;
      return users[c]! - returned;
    }
    if (k === 0) return zero[c]!;
    if (input.mode === 'period') return byK[c]![k]!;
    // On or after: those whose last return offset is ≥ k.
    let later = 0;
    for (let j = k; j <= maxK; j += 1) later += byK[c]![j]!;
    return later;
  };
  const rate = (count: number | null, base: number) => (count === null || base === 0 ? null : count / base);
  const cohorts = users.map((size, c) => {
    const period = input.first + c;
    const values = offsets.map((k) => (period + k > input.current ? null : value(c, k)));
    return {
      date: new Date(periods.start(input.unit, period) * DAY_MS).toISOString().slice(0, 10),
      users: size,
      values,
      rates: values.map((v) => rate(v, size)),
    };
  });
  const bases = offsets.map((k) =>
    cohorts.reduce((sum, cohort, c) => (input.first + c + k < input.current ? sum + cohort.users : sum), 0),
  );
  const totals = offsets.map((k, i) => {
    const complete = cohorts.filter((_, c) => input.first + c + k < input.current);
    return complete.length ? complete.reduce((sum, cohort) => sum + (cohort.values[i] ?? 0), 0) : null;
  });
  return {
    ...(input.group === undefined ? {} : { group: input.group }),
    cohorts,
    total: {
      users: users.reduce((a, b) => a + b, 0),
      values: totals,
      bases,
      rates: totals.map((v, i) => rate(v, bases[i]!)),
    },
  };
}
