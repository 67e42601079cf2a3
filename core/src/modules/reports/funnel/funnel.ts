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
import { selectionSchema } from '../event-analysis.js';
import {
  funnelLimits,
  funnelTimeBuckets,
  reportLimits,
  type FunnelAnalysisQuery,
  type FunnelReportResult,
  type FunnelSeries,
  type FunnelStep,
} from '../report.types.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

const stepSchema = Joi.object({
  event: Joi.string().max(200).required(),
  filters: Joi.array().items(eventFilterSchema).max(20),
  filterOp: Joi.string().valid('and', 'or'),
  name: Joi.string().trim().max(50).allow(''),
}).label('FunnelStep');

const exclusionSchema = Joi.object({
  event: Joi.string().max(200).required(),
  filters: Joi.array().items(eventFilterSchema).max(20),
  filterOp: Joi.string().valid('and', 'or'),
  afterStep: Joi.number()
    .integer()
    .min(1)
    .max(funnelLimits.maxSteps - 1)
    .required(),
}).label('FunnelExclusion');

export const funnelQuerySchema = Joi.object<FunnelAnalysisQuery>({
  steps: Joi.array().items(stepSchema).min(funnelLimits.minSteps).max(funnelLimits.maxSteps).required(),
  window: Joi.object({
    unit: Joi.string().valid('day', 'hour').required(),
    value: Joi.number()
      .integer()
      .min(1)
      .when('unit', {
        is: 'hour',
        then: Joi.number().max(funnelLimits.maxHours),
        otherwise: Joi.number().max(funnelLimits.maxDays),
      })
      .required(),
  })
    .label('FunnelWindow')
    .default({ unit: 'day', value: 7 }),
  windowWithinRange: Joi.boolean().default(false),
  timeRange: timeRangeSchema.required(),
  exclusions: Joi.array().items(exclusionSchema).max(funnelLimits.exclusions).default([]),
  holdProperty: Joi.string().max(200),
  dimension: Joi.object({
    kind: Joi.string().valid('eventProperty', 'contactProperty').required(),
    property: Joi.string().max(200).required(),
  }).label('FunnelDimension'),
  filters: Joi.object({ contacts: conditionTreeSchema }).label('FunnelFilters').default({}),
  groups: Joi.array().items(selectionSchema).max(reportLimits.groups).default([]),
}).label('FunnelAnalysisQuery');

type Deps = { conditions: ConditionsService; selections: GroupSelectionsService; dialect: SqlDialect };

/**
 * 漏斗分析 (seed §1.7.3; SPEC §6; ADR 0054) as a report model: 2–8 steps (events or virtual events
 * with filters), a window of N calendar days or N hours from step 1, step 1 in the time range (and
 * optionally every step), exclusion steps, a property held constant, one dimension, compared groups.
 * A user's level is the best over every step-1 anchor in range, each anchor taking the earliest
 * qualifying next event step by step (greedy) — set-based SQL: per step one join of the chains to
 * that step's events and a min() per chain.
 */
export function funnelModel(deps: Deps): ReportModelDefinition<FunnelAnalysisQuery> {
  return {
    id: 'funnel',
    name: { 'zh-CN': '漏斗分析', 'en-US': 'Funnel analysis' },
    query: funnelQuerySchema,
    limits: { shown: reportLimits.shownGroups.funnel, exported: reportLimits.exportedGroups.funnel },
    examples: [
      {
        steps: [{ event: '$pageview' }, { event: '$pageview' }],
        window: { unit: 'day', value: 7 },
        timeRange: { kind: 'past', days: 7, includeToday: true },
      },
    ],
    plan: (query, context) => planFunnel(deps, query, context),
    cell: funnelCellSchema,
    async cellContacts(query, cell, context) {
      const plan = await planFunnel(deps, query, context, cell as unknown as FunnelCell);
      return plan.statements[0] ?? { sql: '', params: [] };
    },
  };
}

/**
 * A cell of the funnel (保存为群组, ADR 0063): the users reaching at least step `step` (1-based) of the
 * compared group `group` (its index; absent without groups) — of every user, or, with `dimension`,
 * of that dimension value's funnel (`null`: no value).
 */
export interface FunnelCell {
  group?: number;
  step: number;
  dimension?: string | null;
}

const funnelCellSchema = Joi.object<FunnelCell>({
  group: Joi.number()
    .integer()
    .min(0)
    .max(reportLimits.groups - 1),
  step: Joi.number().integer().min(1).max(funnelLimits.maxSteps).required(),
  dimension: Joi.string().max(1000).allow(null),
}).label('FunnelCell');

async function planFunnel(
  deps: Deps,
  query: FunnelAnalysisQuery,
  context: ReportPlanContext,
  cell?: FunnelCell,
): Promise<ReportPlan> {
  const d = deps.dialect;
  const problems: ErrorDetail[] = [];
  const steps = query.steps;
  const exclusions = query.exclusions ?? [];
  exclusions.forEach((x, i) => {
    if (x.afterStep >= steps.length)
      problems.push({ path: `exclusions.${i}.afterStep`, code: 'report_funnel_exclusion_step_invalid' });
  });

  // ---- the group selections, resolved to condition trees ----
  const actor = { tenantId: context.tenantId, staffId: context.staffId };
  const selections = await Promise.all(
    (query.groups ?? []).map((selection) => deps.selections.resolveSelection(actor, selection)),
  );

  // ---- one context for every tree the query names ----
  const leaf = (step: FunnelStep | (typeof exclusions)[number]): EventCondition => ({
    type: 'event',
    did: true,
    event: step.event,
    time: query.timeRange,
    ...(step.filters?.length ? { filters: step.filters, filterOp: step.filterOp } : {}),
  });
  const trees: ConditionTree[] = [
    { type: 'and', conditions: [...steps.map(leaf), ...exclusions.map(leaf)] },
    ...(query.filters?.contacts ? [query.filters.contacts] : []),
    ...selections.map((s) => s.condition),
  ];
  const scope = await deps.conditions.reportScope(context, trees, { now: context.now });
  const leafProblems = (item: FunnelStep | (typeof exclusions)[number], prefix: string) => {
    for (const problem of scope.problems({ type: 'and', conditions: [leaf(item)] }, prefix)) {
      const path = problem.path
        .replace(`${prefix}.conditions.0.time`, 'timeRange')
        .replace(`${prefix}.conditions.0.`, `${prefix}.`);
      if (!problems.some((p) => p.path === path && p.code === problem.code)) problems.push({ path, code: problem.code });
    }
  };
  steps.forEach((step, i) => leafProblems(step, `steps.${i}`));
  exclusions.forEach((x, i) => leafProblems(x, `exclusions.${i}`));
  if (query.filters?.contacts) problems.push(...scope.problems(query.filters.contacts, 'filters.contacts'));
  const eventsKnown = !problems.some((p) => p.path.startsWith('steps.'));

  // ---- the held property: on every step's event ----
  if (query.holdProperty && eventsKnown) {
    const missing = steps.some((s) => !scope.context.event(s.event)?.properties.has(query.holdProperty!));
    if (missing) problems.push({ path: 'holdProperty', code: 'report_funnel_property_not_common' });
  }

  // ---- the dimension: an event property of step 1, or a contact property ----
  let dimension: { key: string; name: string; event?: string; contact?: string } | undefined;
  if (query.dimension && eventsKnown) {
    const { kind, property } = query.dimension;
    if (kind === 'eventProperty') {
      const ref = scope.context.event(steps[0]!.event)?.properties.get(property);
      if (!ref) problems.push({ path: 'dimension.property', code: 'report_dimension_unknown' });
      else
        dimension = {
          key: `event.${property}`,
          name: ref.name,
          event: scope.pieces.eventValue(steps[0]!.event, property).sql,
        };
    } else {
      const ref = scope.context.contactProperty(property);
      if (!ref) problems.push({ path: 'dimension.property', code: 'report_dimension_unknown' });
      else dimension = { key: `contact.${property}`, name: ref.name, contact: scope.pieces.contactValue(property).sql };
    }
  }

  // ---- time: step 1's range, and how far later steps may go ----
  const bounds = scope.pieces.timeBounds(query.timeRange);
  const clock = new ZonedClock(scope.context.timeZone);
  if (bounds.from === undefined) problems.push({ path: 'timeRange', code: 'report_time_range_unbounded' });
  if (problems.length) throw new InputError('report_query_invalid', { count: problems.length }, problems);
  // An open end is "up to now": no event is later than its receipt (+10 min, ARCHITECTURE §5.5).
  const to = bounds.to ?? clock.fromLocal((clock.localDay(context.now) + 1) * DAY_MS);
  const range = { from: bounds.from!, to };
  const window = query.window;
  // Later steps: inside the range when 限制窗口期在时间区间内, else up to the end of the window of the
  // range's last anchor (N local days after its date; N hours after it, plus the second it is floored to).
  const scanTo = query.windowWithinRange
    ? to
    : window.unit === 'day'
      ? clock.fromLocal((clock.localDay(to - 1) + 1 + window.value) * DAY_MS)
      : to + window.value * HOUR_MS + 1000;

  const statements: ReportStatement[] = [];
  const groupRuns: (ConditionTree | undefined)[] = selections.length ? selections.map((s) => s.condition) : [undefined];
  const contactFilter = query.filters?.contacts?.conditions.length ? query.filters.contacts : undefined;
  // 保存为群组: one cell's contacts, from the same statement as the funnel's (one run, the cell's group).
  let cellOf: StatementInput['cell'];
  if (cell) {
    const valid =
      cell.step <= steps.length &&
      (cell.group === undefined) === (selections.length === 0) &&
      (cell.group ?? 0) < groupRuns.length &&
      (cell.dimension === undefined || dimension !== undefined);
    if (!valid) throw new InputError('report_cell_invalid', { count: 1 }, [{ path: 'cell', code: 'report_cell_invalid' }]);
    cellOf = { step: cell.step, ...(cell.dimension === undefined ? {} : { dimension: { value: cell.dimension } }) };
  }
  if (scope.context.declared) {
    for (const [index, selection] of groupRuns.entries()) {
      if (cell && (cell.group ?? 0) !== index) continue;
      const fragment = buildStatement({
        d,
        scope,
        query,
        range,
        scanTo,
        dimension,
        contactTrees: [contactFilter, selection].filter((t): t is ConditionTree => t !== undefined),
        maxGroups: context.maxGroups,
        cell: cellOf,
      });
      statements.push({ sql: fragment.text, params: [...fragment.params] });
    }
  }

  const stepInfo = steps.map((s) => ({ name: s.name || scope.context.event(s.event)?.name || s.event, event: s.event }));
  const runs = groupRuns.length;

  return {
    statements,
    finish(rows): Omit<FunnelReportResult, 'model' | 'timeZone' | 'computedAt' | 'cached'> {
      const funnels: FunnelSeries[] = [];
      let groupCount = 0;
      for (let g = 0; g < runs; g += 1) {
        const own = rows[g] ?? [];
        const all = own.find((row) => Number(row.__all) === 1);
        const group = selections.length ? { group: g } : {};
        funnels.push({ ...group, ...shape(all, steps.length) });
        if (!dimension) continue;
        const values = own.filter((row) => Number(row.__all) === 0).sort((a, b) => Number(a.__rn) - Number(b.__rn));
        for (const row of values) {
          groupCount = Math.max(groupCount, Number(row.__groups ?? 0));
          funnels.push({
            ...group,
            dimension: row.dv === null || row.dv === undefined ? null : String(row.dv),
            ...shape(row, steps.length),
          });
        }
      }
      return {
        kind: 'funnel',
        from: clock.localDate(range.from),
        to: clock.localDate(range.to - 1),
        steps: stepInfo,
        window,
        ...(dimension ? { dimension: { key: dimension.key, name: dimension.name } } : {}),
        groups: selections.map((s) => ({ name: s.name })),
        timeBuckets: funnelTimeBuckets.map((b) => ({ ...b })),
        funnels,
        groupCount,
        truncated: groupCount > context.maxGroups,
      };
    },
  };
}

const num = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));

/** One aggregate row (`u<k>`, `m<k>`, `h<i>`) → a funnel's steps and histogram; no row: an empty funnel. */
function shape(row: Record<string, unknown> | undefined, stepCount: number): Omit<FunnelSeries, 'group' | 'dimension'> {
  const users = Array.from({ length: stepCount }, (_, k) => num(row?.[`u${k + 1}`]));
  return {
    steps: users.map((count, k) => {
      const median = k === 0 ? null : row?.[`m${k + 1}`];
      return {
        users: count,
        conversion: k === 0 ? (count > 0 ? 1 : null) : users[k - 1]! > 0 ? count / users[k - 1]! : null,
        overall: users[0]! > 0 ? count / users[0]! : null,
        medianSeconds: median === null || median === undefined ? null : Number(median),
      };
    }),
    timeToConvert: funnelTimeBuckets.map((_, i) => num(row?.[`h${i}`])),
  };
}

interface StatementInput {
  d: SqlDialect;
  scope: ReportScope;
  query: FunnelAnalysisQuery;
  range: { from: number; to: number };
  scanTo: number;
  dimension?: { event?: string; contact?: string };
  contactTrees: ConditionTree[];
  maxGroups: number;
  /** Instead of the counts: the users reaching at least `step` (of one dimension value's funnel). */
  cell?: { step: number; dimension?: { value: string | null } };
}

/**
 * One statement per compared group:
 *
 * - `__ev`: one scan of `events` — the rows of any step or exclusion from the range's start to the
 *   last moment a step may happen, each numbered (`rid`, in time order within its contact: one event row
 *   never fills two steps of a chain), its second (`ts`, so two events in the same second are in
 *   order), its local day number (`dn`, calendar-day windows), which step / exclusion it matches.
 * - `__s1`: the anchors — step-1 rows inside the range. `__s<k+1>`: the chains of `__s<k>` joined
 *   to their earliest step-k+1 row (min(rid) = the earliest: rids follow time within a contact)
 *   at or after step k, inside the window from step 1, with the held property's value, no event
 *   of the chain; then dropped when an exclusion event lies between the two steps.
 * - `__best`: per contact (and dimension value) the chain reaching furthest (earliest anchor on a
 *   tie): its level, its step times. `__agg`: users reaching ≥ k, median seconds per step, the
 *   time-to-convert histogram — for every user, and per dimension value (top `maxGroups`).
 */
function buildStatement(input: StatementInput): SqlFragment {
  const { d, scope, query } = input;
  const steps = query.steps;
  const n = steps.length;
  const exclusions = query.exclusions ?? [];
  const ctes: SqlFragment[] = [];

  // The contacts kept by the user filter and the compared group (each tree in its own scope).
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

  const stepMatches = steps.map((s) => scope.pieces.eventMatch(s.event, s.filters ?? [], s.filterOp));
  const exclusionMatches = exclusions.map((x) => scope.pieces.eventMatch(x.event, x.filters ?? [], x.filterOp));
  const codes = [...new Set([...steps, ...exclusions].flatMap((s) => scope.pieces.eventCodes(s.event)))];
  const hold = query.holdProperty
    ? [...new Set(steps.map((s) => scope.pieces.eventValue(s.event, query.holdProperty!).sql))]
    : [];
  // The held value of a row: the property's column (the same for every event carrying it, or per step).
  const holdValue =
    hold.length === 0
      ? undefined
      : hold.length === 1
        ? SqlFragment.raw(hold[0]!)
        : sql(
            'CASE',
            ...steps.map((s, k) =>
              sql(' WHEN ', stepMatches[k]!.wrap(), ` THEN ${scope.pieces.eventValue(s.event, query.holdProperty!).sql}`),
            ),
            ' END',
          );

  // When no event row can match two steps (or a step and an exclusion) — their events differ — and no
  // property is held, each next step is the nearest row at or after the previous one: ASOF joins where the
  // engine has them, one row per anchor, and no row numbers (a row is told by its second: anchors of one
  // second make the same chain).
  const stepCodes = steps.map((s) => new Set(scope.pieces.eventCodes(s.event)));
  const exclusionCodes = exclusions.flatMap((x) => scope.pieces.eventCodes(x.event));
  const nearest =
    d.asofJoin &&
    !query.holdProperty &&
    stepCodes.every((codes, k) => stepCodes.slice(0, k).every((earlier) => ![...codes].some((c) => earlier.has(c)))) &&
    !exclusionCodes.some((c) => stepCodes.some((codes) => codes.has(c)));
  const second = `CAST(floor(${d.epochMs('event_time')} / 1000) AS BIGINT)`;
  const columns: SqlFragment[] = [
    SqlFragment.raw('contact_id AS cid'),
    // Numbered per contact (every join is within one contact): a partitioned sort, parallel. Not when
    // the steps are found by ASOF joins: a row is told by its second there.
    ...(nearest ? [] : [SqlFragment.raw('row_number() OVER (PARTITION BY contact_id ORDER BY event_time) AS rid')]),
    SqlFragment.raw(`${second} AS ts`),
    SqlFragment.raw(`${d.dayNumber('event_day')} AS dn`),
    sql(scope.pieces.eventTimeWithin(input.range).wrap(), ' AS inr'),
    ...stepMatches.map((m, k) => sql(m.wrap(), ` AS m${k + 1}`)),
    ...(exclusions.length
      ? [
          sql(
            SqlFragment.join(
              exclusionMatches.map((m) => m.wrap()),
              ' OR ',
            ).wrap(),
            ' AS x',
          ),
          ...exclusions.map((_, i) => sql(exclusionMatches[i]!.wrap(), ` AS x${i}`)),
        ]
      : []),
    ...(holdValue ? [sql(holdValue, ' AS hv')] : []),
    ...(input.dimension?.event ? [SqlFragment.raw(`CAST(${input.dimension.event} AS VARCHAR) AS ev_dv`)] : []),
  ];
  ctes.push(
    sql(
      '__ev AS (SELECT ',
      SqlFragment.join(columns, ', '),
      ' FROM events WHERE event IN (',
      SqlFragment.join(
        codes.map((code) => SqlFragment.param(code)),
        ', ',
      ),
      ') AND ',
      scope.pieces.eventTimeWithin({ from: input.range.from, to: input.scanTo }),
      ' AND ',
      SqlFragment.join(
        [...stepMatches, ...exclusionMatches].map((m) => m.wrap()),
        ' OR ',
      ).wrap(),
      ...restrictions,
      ')',
    ),
  );

  // Step 1: the anchors (and the dimension value of each).
  const dv = input.dimension?.event
    ? 'ev.ev_dv'
    : input.dimension?.contact
      ? `CAST(${input.dimension.contact} AS VARCHAR)`
      : 'NULL';
  ctes.push(
    SqlFragment.raw(
      (nearest
        ? `__s1 AS (SELECT ev.cid, ev.ts AS a, ${dv} AS dv, ev.dn AS d1, ev.ts AS t1`
        : `__s1 AS (SELECT ev.cid, ev.rid AS a, ${dv} AS dv, ${holdValue ? 'ev.hv' : 'NULL'} AS hv, ev.dn AS d1, ev.rid AS r1, ev.ts AS t1`) +
        ` FROM __ev AS ev${input.dimension?.contact ? ' LEFT JOIN contacts AS c ON c.id = ev.cid' : ''} WHERE ev.m1 AND ev.inr)`,
    ),
  );
  const window = query.window;
  const within = window.unit === 'day' ? `e.dn - s.d1 <= ${window.value}` : `e.ts - s.t1 <= ${window.value * 3600}`;
  const times = (k: number) =>
    Array.from({ length: n }, (_, i) => (i < k ? `t${i + 1}` : `CAST(NULL AS BIGINT) AS t${i + 1}`)).join(', ');
  if (nearest) {
    // One row per anchor: step k+1 is the nearest step-k+1 row at or after step k (NULL past the window,
    // or when an exclusion event — the nearest one at or after step k — comes no later than it).
    for (let k = 1; k < n; k += 1) {
      const excludedHere = exclusions.map((x, i) => (x.afterStep === k ? `x${i}` : '')).filter(Boolean);
      const exclusionJoin = excludedHere.length
        ? ` ASOF LEFT JOIN (SELECT cid, ts FROM __ev WHERE ${excludedHere.join(' OR ')}) AS x ON x.cid = s.cid AND x.ts >= s.t${k}`
        : '';
      const notExcluded = excludedHere.length ? ' AND (x.ts IS NULL OR x.ts > e.ts)' : '';
      ctes.push(
        SqlFragment.raw(
          `__s${k + 1} AS (SELECT s.*, CASE WHEN s.t${k} IS NOT NULL AND ${within}${notExcluded} THEN e.ts END AS t${k + 1}` +
            ` FROM __s${k} AS s ASOF LEFT JOIN (SELECT cid, ts, dn FROM __ev WHERE m${k + 1}) AS e` +
            ` ON e.cid = s.cid AND e.ts >= s.t${k}${exclusionJoin})`,
        ),
      );
    }
    const reached = Array.from({ length: n - 1 }, (_, i) => ` + CASE WHEN t${i + 2} IS NULL THEN 0 ELSE 1 END`).join('');
    ctes.push(
      SqlFragment.raw(
        `__chains AS (SELECT cid, a, dv, 1${reached} AS lvl, ${Array.from({ length: n }, (_, i) => `t${i + 1}`).join(', ')} FROM __s${n})`,
      ),
    );
  } else {
    for (let k = 1; k < n; k += 1) {
      const prev = `__s${k}`;
      const kept = ['s.cid', 's.a', 's.dv', 's.hv', 's.d1', ...Array.from({ length: k }, (_, i) => `s.r${i + 1}, s.t${i + 1}`)];
      const excluded = exclusions.map((x, i) => (x.afterStep === k ? `x.x${i}` : '')).filter(Boolean);
      const distinct = Array.from({ length: k }, (_, i) => ` AND e.rid <> s.r${i + 1}`).join('');
      ctes.push(
        SqlFragment.raw(
          `__j${k + 1} AS (SELECT s.cid, s.a, min(e.rid) AS r, min(e.ts) AS t FROM ${prev} AS s JOIN __ev AS e ON e.cid = s.cid AND e.m${k + 1}` +
            ` AND e.ts >= s.t${k}${distinct} AND ${within}${holdValue ? ' AND e.hv = s.hv' : ''} GROUP BY s.cid, s.a)`,
        ),
      );
      const notExcluded = excluded.length
        ? ` WHERE NOT EXISTS (SELECT 1 FROM __ev AS x WHERE x.cid = s.cid AND x.x AND (${excluded.join(' OR ')})` +
          ` AND x.ts >= s.t${k} AND x.ts <= j.t AND x.rid <> s.r${k} AND x.rid <> j.r)`
        : '';
      ctes.push(
        SqlFragment.raw(
          `__s${k + 1} AS (SELECT ${kept.join(', ')}, j.r AS r${k + 1}, j.t AS t${k + 1} FROM ${prev} AS s JOIN __j${k + 1} AS j ON j.cid = s.cid AND j.a = s.a${notExcluded})`,
        ),
      );
    }
    // Every chain at the step it reached.
    ctes.push(
      SqlFragment.raw(
        `__chains AS (${Array.from({ length: n }, (_, i) => `SELECT cid, a, dv, ${i + 1} AS lvl, ${times(i + 1)} FROM __s${i + 1}`).join(' UNION ALL ')})`,
      ),
    );
  }

  // Per contact (and value) the furthest chain, the earliest anchor first.
  // One aggregate, no sort: the chain with the least (n − level, anchor) — anchors are row numbers, or
  // seconds when rows are not numbered (anchors of one second then make the same chain). min_by is
  // DuckDB's arg_min and StarRocks' min_by.
  const rank = `(${n} - lvl) * 17179869184 + a`;
  const best = (name: string, partition: string) =>
    SqlFragment.raw(
      `${name} AS (SELECT ${partition}, max(lvl) AS lvl, ${Array.from({ length: n }, (_, i) => `min_by(t${i + 1}, ${rank}) AS t${i + 1}`).join(', ')} FROM __chains GROUP BY ${partition})`,
    );
  const aggregates = [
    ...Array.from({ length: n }, (_, i) => `count(CASE WHEN lvl >= ${i + 1} THEN 1 END) AS u${i + 1}`),
    ...Array.from({ length: n - 1 }, (_, i) => `${d.median(`t${i + 2} - t${i + 1}`)} AS m${i + 2}`),
    ...funnelTimeBuckets.map(
      (b, i) =>
        `count(CASE WHEN lvl = ${n} AND t${n} - t1 >= ${b.from}${b.to === null ? '' : ` AND t${n} - t1 < ${b.to}`} THEN 1 END) AS h${i}`,
    ),
  ].join(', ');
  ctes.push(best('__best_all', 'cid'));
  const cell = input.cell;
  if (cell && !cell.dimension) {
    // A user's best chain over every value, as `u<k>` of the all-users funnel counts it.
    return sql('WITH ', SqlFragment.join(ctes, ', '), ` SELECT cid AS contact_id FROM __best_all WHERE lvl >= ${cell.step}`);
  }
  if (cell?.dimension) {
    // The best chain per (user, value), as `u<k>` of that value's funnel counts it.
    const value = cell.dimension.value;
    return sql(
      'WITH ',
      SqlFragment.join([...ctes, best('__best', 'cid, dv')], ', '),
      ` SELECT cid AS contact_id FROM __best WHERE lvl >= ${cell.step} AND `,
      value === null ? SqlFragment.raw('dv IS NULL') : sql('dv = ', SqlFragment.param(value)),
    );
  }
  if (!input.dimension) {
    return sql('WITH ', SqlFragment.join(ctes, ', '), ` SELECT 1 AS __all, ${aggregates} FROM __best_all`);
  }
  ctes.push(
    best('__best', 'cid, dv'),
    SqlFragment.raw(
      `__agg AS (SELECT 1 AS __all, CAST(NULL AS VARCHAR) AS dv, ${aggregates} FROM __best_all` +
        ` UNION ALL SELECT 0 AS __all, dv, ${aggregates} FROM __best GROUP BY dv)`,
    ),
  );
  return sql(
    'WITH ',
    SqlFragment.join(ctes, ', '),
    ' SELECT * FROM (SELECT __agg.*, row_number() OVER (PARTITION BY __all ORDER BY u1 DESC, dv NULLS LAST) AS __rn,',
    ' count(*) OVER (PARTITION BY __all) AS __groups FROM __agg) AS q WHERE __all = 1 OR __rn <= ',
    SqlFragment.param(input.maxGroups),
  );
}
