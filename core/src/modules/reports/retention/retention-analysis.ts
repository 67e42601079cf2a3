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
    cell: retentionCellSchema,
    async cellContacts(query, cell, context) {
      const plan = await planRetention(deps, query, context, cell as unknown as RetentionCell);
      return plan.statements[0] ?? { sql: '', params: [] };
    },
  };
}

/**
 * A cell of the retention table (保存为群组, ADR 0063): the cohort (its period's first local date) of the
 * compared group `group` (its index; absent without groups), at offset k — or `offset: null`, the
 * cohort's users. Retained or churned as the query's metric says.
 */
export interface RetentionCell {
  group?: number;
  cohort: string;
  offset: number | null;
}

const retentionCellSchema = Joi.object<RetentionCell>({
  group: Joi.number()
    .integer()
    .min(0)
    .max(reportLimits.groups - 1),
  cohort: Joi.string()
    .pattern(/^\d{4}-\d{2}-\d{2}$/)
    .required(),
  offset: Joi.number().integer().min(0).max(retentionMaxPeriods.day).allow(null).required(),
}).label('RetentionCell');

interface StatementPlan {
  group?: number;
}

async function planRetention(
  deps: Deps,
  query: RetentionQuery,
  context: ReportPlanContext,
  cell?: RetentionCell,
): Promise<ReportPlan> {
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
  const scope = await deps.conditions.reportScope(context, trees, { now: context.now });
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
  const offsets = Array.from({ length: metric === 'churned' ? n : n + 1 }, (_, i) => (metric === 'churned' ? i + 1 : i));
  // 保存为群组: one cell's contacts, from the same statement as the table's (one run, the cell's group).
  let cellOf: { cohort: number; offset: number | null; run: number } | undefined;
  if (cell) {
    const day = Date.parse(`${cell.cohort}T00:00:00Z`) / DAY_MS;
    const cohort = Number.isInteger(day) ? periods.of(unit, day) : NaN;
    const run = cell.group ?? 0;
    const valid =
      periods.start(unit, cohort) === day &&
      cohort >= first &&
      cohort <= last &&
      (cell.group === undefined) === (selections.length === 0) &&
      run < runs.length &&
      (cell.offset === null || (offsets.includes(cell.offset) && cohort + cell.offset <= current));
    if (!valid) throw new InputError('report_cell_invalid', { count: 1 }, [{ path: 'cell', code: 'report_cell_invalid' }]);
    cellOf = { cohort, offset: cell.offset, run };
  }
  if (scope.context.declared && cohortCount > 0) {
    runs.forEach((selection, index) => {
      if (cellOf && cellOf.run !== index) return;
      const fragment = buildStatement({
        d: deps.dialect,
        scope,
        query,
        mode,
        metric,
        range,
        returnEnd,
        contactTrees: [contacts, selection].filter((t): t is ConditionTree => t !== undefined),
        endDay:
          unit === 'day' && range.to === clock.fromLocal(clock.localDay(range.to) * DAY_MS)
            ? clock.localDay(range.to)
            : undefined,
        cell: cellOf,
      });
      statements.push({ sql: fragment.text, params: [...fragment.params] });
      plans.push(selections.length ? { group: index } : {});
    });
  }

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
  /**
   * Day periods and a range ending at a local midnight — a period is wholly inside the range or wholly after
   * it —: the local day number that midnight starts (the first day after the range). Otherwise undefined.
   */
  endDay?: number;
  /** Instead of the counts: the contacts of this cohort (period number) at this offset (null: all of it). */
  cell?: { cohort: number; offset: number | null };
}

/**
 * One statement per compared group, set-based (ADR 0055). `__i`: one row per (contact, period) with an
 * initial event in the time range — the first one's time `__t0`; `__r`: one row per (contact, period)
 * with a return event — the last one's time `__tr`. Both are grouped by the stored local day
 * (`event_day`) first, the period number computed on those rows (weeks and months re-grouped). Then a
 * join on the period difference. When the two events can match the same rows, k = 0 also needs: the
 * first initial that is no return (`__ti`), how many initials are returns (`__nb`), and the last return
 * that is no initial (`__to`).
 * Rows out: `__cohort` (period number), `__k` (offset, or null: see `shapeTable`), `__n` (users).
 */
function buildStatement(input: StatementInput): SqlFragment {
  const { d, scope, query } = input;
  // Times compare by whole seconds: two events in the same second count as in order (issue 22, R22-39).
  // Truncation is monotone — the second of the first (last) row is the first (last) second — so the rows
  // are aggregated as they are and only the aggregate is truncated: no per-row function on the scan.
  const [open, close] = d.truncSecond('\u0000').split('\u0000');
  const firstSecond = (expression: SqlFragment | string) => sql(`${open}min(`, expression, `)${close}`);
  const lastSecond = (expression: SqlFragment | string) => sql(`${open}max(`, expression, `)${close}`);
  const n = query.periods;
  const unit = query.unit;
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
  // A plain event (no filters, no virtual event) matches exactly the rows with its code: the scan's
  // `event IN (…)` alone selects them.
  const plain = (e: RetentionEvent) => !e.filters?.length && !scope.context.event(e.event)?.members;
  const scanOf = (e: RetentionEvent, codes: string[]) => (plain(e) ? codesIn(codes) : sql(codesIn(codes), ' AND ', match(e)));
  const initialCodes = scope.pieces.eventCodes(query.initial.event);
  const returnCodes = scope.pieces.eventCodes(query.return.event);
  // Whether one event row may be both (same event, or virtual events sharing a member).
  const overlap = input.metric !== 'churned' && initialCodes.some((code) => returnCodes.includes(code));
  const initial = match(query.initial);
  const returned = match(query.return);
  const inRange = sql(initial, ' AND ', scope.pieces.eventTimeWithin({ to: input.range.to }));
  const codesIn = (codes: string[]) =>
    sql(
      'event IN (',
      SqlFragment.join(
        codes.map((code) => SqlFragment.param(code)),
        ', ',
      ),
      ')',
    );
  const byPeriod = (
    alias: string,
    columns: { name: string; day: SqlFragment | string; period: string }[],
    where: SqlFragment,
  ): SqlFragment => {
    const daily = sql(
      'SELECT contact_id AS __cid, event_day AS __d',
      ...columns.map((c) => sql(', ', c.day, ` AS ${c.name}`)),
      ' FROM events WHERE ',
      where,
      ...restrictions,
      ' GROUP BY contact_id, event_day',
    );
    const period = d.periodNumber(unit, '__d');
    if (unit === 'day') {
      return sql(
        `${alias} AS (SELECT __cid, ${period} AS __p${columns.map((c) => `, ${c.name}`).join('')} FROM (`,
        daily,
        ') AS __daily)',
      );
    }
    return sql(
      `${alias} AS (SELECT __cid, ${period} AS __p${columns.map((c) => `, ${c.period.replace('{c}', c.name)} AS ${c.name}`).join('')} FROM (`,
      daily,
      `) AS __daily GROUP BY __cid, ${period})`,
    );
  };
  // The same event with the same filters on both sides: one scan. An initial is a row in the range;
  // k = 0 is a later row of the period, or a second one at the first initial's very time.
  const same =
    query.initial.event === query.return.event &&
    JSON.stringify(query.initial.filters ?? []) === JSON.stringify(query.return.filters ?? []) &&
    ((query.initial.filters?.length ?? 0) < 2 || (query.initial.filterOp ?? 'and') === (query.return.filterOp ?? 'and'));
  let zero: string;
  // k = 0 decided by the cohort's row alone (no return row needed): counted from `__i`, the join keeps k ≥ 1.
  let zeroOfCohort = false;
  if (same && input.endDay !== undefined) {
    // Whole days: every row of a cohort day is an initial, so k = 0 is simply a second row that day; a day is
    // in the range exactly when its number is before the range's end day — no per-row time test.
    ctes.push(
      byPeriod(
        '__cp',
        [{ name: '__nb', day: 'count(*)', period: 'sum({c})' }],
        sql(
          scanOf(query.initial, initialCodes),
          ' AND ',
          scope.pieces.eventTimeWithin({ from: input.range.from, to: input.returnEnd }),
        ),
      ),
      SqlFragment.raw(`__i AS (SELECT __cid, __p, __nb FROM __cp WHERE __p < ${input.endDay})`),
      SqlFragment.raw('__r AS (SELECT __cid, __p FROM __cp)'),
    );
    zero = 'c.__nb >= 2';
    zeroOfCohort = true;
  } else if (same) {
    const before = scope.pieces.eventTimeWithin({ to: input.range.to });
    ctes.push(
      byPeriod(
        '__cp',
        [
          { name: '__t0', day: firstSecond(sql('CASE WHEN ', before, ' THEN event_time END')), period: 'min({c})' },
          { name: '__tr', day: lastSecond('event_time'), period: 'max({c})' },
          { name: '__nb', day: sql('count(CASE WHEN ', before, ' THEN 1 END)'), period: 'sum({c})' },
        ],
        sql(
          scanOf(query.initial, initialCodes),
          ' AND ',
          scope.pieces.eventTimeWithin({ from: input.range.from, to: input.returnEnd }),
        ),
      ),
      SqlFragment.raw('__i AS (SELECT __cid, __p, __t0, __nb FROM __cp WHERE __t0 IS NOT NULL)'),
      SqlFragment.raw('__r AS (SELECT __cid, __p, __tr FROM __cp)'),
    );
    zero = '(r.__tr > c.__t0 OR c.__nb >= 2)';
  } else {
    ctes.push(
      byPeriod(
        '__i',
        [
          { name: '__t0', day: firstSecond('event_time'), period: 'min({c})' },
          ...(overlap
            ? [
                {
                  name: '__ti',
                  day: firstSecond(sql('CASE WHEN ', returned, ' THEN NULL ELSE event_time END')),
                  period: 'min({c})',
                },
                { name: '__nb', day: sql('count(CASE WHEN ', returned, ' THEN 1 END)'), period: 'sum({c})' },
              ]
            : []),
        ],
        sql(
          scanOf(query.initial, initialCodes),
          ' AND ',
          scope.pieces.eventTimeWithin({ from: input.range.from, to: input.range.to }),
        ),
      ),
      byPeriod(
        '__r',
        [
          { name: '__tr', day: lastSecond('event_time'), period: 'max({c})' },
          ...(overlap
            ? [
                {
                  name: '__to',
                  day: lastSecond(sql('CASE WHEN ', inRange, ' THEN NULL ELSE event_time END')),
                  period: 'max({c})',
                },
              ]
            : []),
        ],
        sql(
          scanOf(query.return, returnCodes),
          ' AND ',
          scope.pieces.eventTimeWithin({ from: input.range.from, to: input.returnEnd }),
        ),
      ),
    );
    // k = 0: a return at or after the first initial event that is another event than it. Disjoint
    // events: any return at or after it. Otherwise a return after it; or, at its very time, another
    // event than the first initial — an initial-only one there (it is the first), a return-only one, or
    // two that are both (every event that is both is then at that time: not before the first initial,
    // not after the last return). Two events in the same second count as in order.
    zero = overlap
      ? '(r.__tr > c.__t0 OR (r.__tr = c.__t0 AND (c.__ti = c.__t0 OR r.__to = c.__t0 OR c.__nb >= 2)))'
      : 'r.__tr >= c.__t0';
  }
  const head = sql('WITH ', SqlFragment.join(ctes, ', '), ' ');
  if (input.cell) return sql(head, cellContactsSelect(input, input.cell, zero));
  if (input.metric === 'churned') {
    // Each cohort member's first return offset in 1..N (none: null).
    return sql(
      head,
      'SELECT __p AS __cohort, __f AS __k, count(*) AS __n FROM (SELECT c.__cid, c.__p, min(r.__p - c.__p) AS __f ' +
        `FROM __i AS c LEFT JOIN __r AS r ON r.__cid = c.__cid AND r.__p > c.__p AND r.__p <= c.__p + ${n} ` +
        'GROUP BY c.__cid, c.__p) AS __first GROUP BY __p, __f',
    );
  }
  if (input.mode === 'onOrAfter') {
    // Each cohort member's last return offset (k = 0 as above; capped at N; none: null).
    const capped = `CASE WHEN __m > ${n} THEN ${n} ELSE __m END`;
    return sql(
      head,
      `SELECT __p AS __cohort, ${capped} AS __k, count(*) AS __n FROM (SELECT c.__cid, c.__p, ` +
        `max(CASE WHEN r.__p > c.__p OR ${zero} THEN r.__p - c.__p END) AS __m FROM __i AS c ` +
        'LEFT JOIN __r AS r ON r.__cid = c.__cid AND r.__p >= c.__p GROUP BY c.__cid, c.__p) AS __last ' +
        `GROUP BY __p, ${capped}`,
    );
  }
  // The cohorts' sizes (k null), then the retained users of each offset.
  const sizes = 'SELECT __p AS __cohort, NULL AS __k, count(*) AS __n FROM __i GROUP BY __p UNION ALL ';
  if (zeroOfCohort) {
    return sql(
      head,
      sizes +
        `SELECT c.__p AS __cohort, 0 AS __k, count(*) AS __n FROM __i AS c WHERE ${zero} GROUP BY c.__p UNION ALL ` +
        'SELECT c.__p AS __cohort, r.__p - c.__p AS __k, count(*) AS __n FROM __i AS c JOIN __r AS r ' +
        `ON r.__cid = c.__cid AND r.__p > c.__p AND r.__p <= c.__p + ${n} GROUP BY c.__p, r.__p - c.__p`,
    );
  }
  return sql(
    head,
    sizes +
      'SELECT c.__p AS __cohort, r.__p - c.__p AS __k, count(*) AS __n FROM __i AS c JOIN __r AS r ' +
      `ON r.__cid = c.__cid AND r.__p >= c.__p AND r.__p <= c.__p + ${n} WHERE r.__p > c.__p OR ${zero} ` +
      'GROUP BY c.__p, r.__p - c.__p',
  );
}

/**
 * The contacts of one cell, each once, by the same rules as the counts below (`shapeTable`): the
 * cohort's users; retained at k (period): a return in period cohort + k (k = 0: `zero`); on or after:
 * the last return offset ≥ k; churned at k: no return offset in 1..k.
 */
function cellContactsSelect(input: StatementInput, cell: { cohort: number; offset: number | null }, zero: string): string {
  const n = input.query.periods;
  const { cohort, offset: k } = cell;
  if (k === null) return `SELECT __cid AS contact_id FROM __i WHERE __p = ${cohort}`;
  if (input.metric === 'churned') {
    return (
      'SELECT __cid AS contact_id FROM (SELECT c.__cid, min(r.__p - c.__p) AS __f FROM __i AS c LEFT JOIN __r AS r ' +
      `ON r.__cid = c.__cid AND r.__p > c.__p AND r.__p <= c.__p + ${n} WHERE c.__p = ${cohort} GROUP BY c.__cid) AS __first ` +
      `WHERE __f IS NULL OR __f > ${k}`
    );
  }
  if (input.mode === 'onOrAfter') {
    return (
      'SELECT __cid AS contact_id FROM (SELECT c.__cid, ' +
      `max(CASE WHEN r.__p > c.__p OR ${zero} THEN r.__p - c.__p END) AS __m FROM __i AS c ` +
      `LEFT JOIN __r AS r ON r.__cid = c.__cid AND r.__p >= c.__p WHERE c.__p = ${cohort} GROUP BY c.__cid) AS __last ` +
      `WHERE __m >= ${k}`
    );
  }
  return (
    'SELECT c.__cid AS contact_id FROM __i AS c JOIN __r AS r ' +
    `ON r.__cid = c.__cid AND r.__p = c.__p + ${k} WHERE c.__p = ${cohort} AND (r.__p > c.__p OR ${zero})`
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
  // byK[c][k]: retained (period): users retained at k; on or after: users whose last return offset
  // is k; churned: users whose first return offset is k. A null k: the cohort's size (period), or no
  // return (the others, whose rows hold every cohort member).
  const byK = Array.from({ length: input.cohortCount }, () => new Array<number>(maxK + 1).fill(0));
  const period = input.metric === 'retained' && input.mode === 'period';
  for (const row of rows) {
    const c = Number(row.__cohort) - input.first;
    if (!(c >= 0 && c < input.cohortCount)) continue;
    const k = num(row.__k);
    const count = Number(row.__n);
    if (!period || k === null) users[c] += count;
    if (k !== null && k >= 0 && k <= maxK) byK[c]![k] += count;
  }
  const sum = (c: number, from: number, to: number) => {
    let total = 0;
    for (let j = from; j <= to; j += 1) total += byK[c]![j]!;
    return total;
  };
  const value = (c: number, k: number): number => {
    // Churned at k: no return in 1..k = the cohort less those whose first return is ≤ k.
    if (input.metric === 'churned') return users[c]! - sum(c, 1, k);
    if (period) return byK[c]![k]!;
    // On or after: those whose last return offset is ≥ k.
    return sum(c, k, maxK);
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
