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
import { reportLimits } from '../report.types.js';
import {
  attributionLimits,
  attributionModelKinds,
  type AttributionEvent,
  type AttributionModelKind,
  type AttributionQuery,
  type AttributionReportResult,
  type AttributionRow,
} from './attribution.types.js';

const DAY_MS = 86_400_000;

const eventSchema = (label: string) =>
  Joi.object({
    event: Joi.string().max(200).required(),
    filters: Joi.array().items(eventFilterSchema).max(20),
    filterOp: Joi.string().valid('and', 'or').label(`${label}FilterOp`),
    name: Joi.string().trim().max(50).allow(''),
  }).label(label);

export const attributionQuerySchema = Joi.object<AttributionQuery>({
  target: eventSchema('AttributionTarget').required(),
  touches: Joi.array().items(eventSchema('AttributionTouch')).min(1).max(attributionLimits.touches).required(),
  windowDays: Joi.number().integer().min(0).max(attributionLimits.maxWindowDays).default(0),
  attributionModel: Joi.string()
    .valid(...attributionModelKinds)
    .default('last')
    .label('AttributionModelKind'),
  directConversions: Joi.boolean().default(true),
  metric: Joi.object({
    aggregate: Joi.string().valid('count', 'sum').required().label('AttributionAggregate'),
    property: Joi.string().max(200),
  })
    .default({ aggregate: 'count' })
    .label('AttributionMetric'),
  filters: Joi.object({ contacts: conditionTreeSchema }).default({}).label('AttributionFilters'),
  groups: Joi.array().items(selectionSchema).max(reportLimits.groups).default([]),
  timeRange: timeRangeSchema.required(),
}).label('AttributionQuery');

type Deps = { conditions: ConditionsService; selections: GroupSelectionsService; dialect: SqlDialect };

/**
 * 归因分析 (seed §1.7.9; SPEC §6; ADR 0059) as a report model: the target events of the range, the
 * touches of each in its window (当天 or N calendar days back, no later than the target — the same
 * second counts as before), credit by first touch, last touch or equal shares, targets without a
 * touch as 直接转化; per touch 总点击数 over the range widened back by the window, 有效转化点击数,
 * their rate, the credited count (or Σ weight × a numeric target property) and its share. One
 * set-based statement per compared group: targets joined to touches on contact and window, weights
 * by row_number / count window functions.
 */
export function attributionModel(deps: Deps): ReportModelDefinition<AttributionQuery> {
  return {
    id: 'attribution',
    name: { 'zh-CN': '归因分析', 'en-US': 'Attribution analysis' },
    query: attributionQuerySchema,
    examples: [
      {
        target: { event: '$pageview' },
        touches: [{ event: '$pageview' }],
        windowDays: 1,
        attributionModel: 'linear',
        directConversions: true,
        metric: { aggregate: 'count' },
        timeRange: { kind: 'past', days: 7, includeToday: true },
      },
    ],
    plan: (query, context) => planAttribution(deps, query, context),
  };
}

async function planAttribution(deps: Deps, query: AttributionQuery, context: ReportPlanContext): Promise<ReportPlan> {
  const problems: ErrorDetail[] = [];
  const touches = query.touches;
  const metric = query.metric ?? { aggregate: 'count' };

  const actor = { tenantId: context.tenantId, staffId: context.staffId };
  const selections = await Promise.all(
    (query.groups ?? []).map((selection) => deps.selections.resolveSelection(actor, selection)),
  );

  // ---- one context for every tree the query names; each event checked as an event condition ----
  const leaf = (item: AttributionEvent): EventCondition => ({
    type: 'event',
    did: true,
    event: item.event,
    time: query.timeRange,
    ...(item.filters?.length ? { filters: item.filters, filterOp: item.filterOp } : {}),
  });
  const contactFilter = query.filters?.contacts?.conditions.length ? query.filters.contacts : undefined;
  const scope = await deps.conditions.reportScope(
    context,
    [
      { type: 'and', conditions: [leaf(query.target), ...touches.map(leaf)] },
      ...(contactFilter ? [contactFilter] : []),
      ...selections.map((s) => s.condition),
    ],
    { now: context.now },
  );
  const leafProblems = (item: AttributionEvent, prefix: string) => {
    for (const problem of scope.problems({ type: 'and', conditions: [leaf(item)] }, prefix)) {
      const path = problem.path
        .replace(`${prefix}.conditions.0.time`, 'timeRange')
        .replace(`${prefix}.conditions.0.`, `${prefix}.`);
      if (!problems.some((p) => p.path === path && p.code === problem.code)) problems.push({ path, code: problem.code });
    }
  };
  leafProblems(query.target, 'target');
  touches.forEach((touch, i) => leafProblems(touch, `touches.${i}`));
  if (contactFilter) problems.push(...scope.problems(contactFilter, 'filters.contacts'));

  // ---- 切换指标: a numeric property of the target event ----
  const targetRef = scope.context.event(query.target.event);
  let valueSql: string | undefined;
  let propertyName: string | undefined;
  if (metric.aggregate === 'sum') {
    const ref = metric.property ? targetRef?.properties.get(metric.property) : undefined;
    if (!ref || ref.type !== 'number') {
      if (targetRef || !metric.property) problems.push({ path: 'metric.property', code: 'report_attribution_property_invalid' });
    } else {
      valueSql = scope.pieces.eventValue(query.target.event, metric.property!).sql;
      propertyName = ref.name;
    }
  }

  // ---- time: the targets' range; the touches' from its first day − window ----
  const bounds = scope.pieces.timeBounds(query.timeRange);
  const clock = new ZonedClock(scope.context.timeZone);
  if (bounds.from === undefined) problems.push({ path: 'timeRange', code: 'report_time_range_unbounded' });
  if (problems.length) throw new InputError('report_query_invalid', { count: problems.length }, problems);
  // An open end is "up to the end of today".
  const range = { from: bounds.from!, to: bounds.to ?? clock.fromLocal((clock.localDay(context.now) + 1) * DAY_MS) };
  const windowDays = query.windowDays ?? 0;
  const touchFrom = clock.fromLocal((clock.localDay(range.from) - windowDays) * DAY_MS);
  const attribution = query.attributionModel ?? 'last';

  const statements: ReportStatement[] = [];
  const groupRuns: (ConditionTree | undefined)[] = selections.length ? selections.map((s) => s.condition) : [undefined];
  if (scope.context.declared) {
    for (const selection of groupRuns) {
      const fragment = buildStatement({
        d: deps.dialect,
        scope,
        query,
        range,
        touchFrom,
        windowDays,
        attribution,
        valueSql,
        contactTrees: [contactFilter, selection].filter((t): t is ConditionTree => t !== undefined),
      });
      statements.push({ sql: fragment.text, params: [...fragment.params] });
    }
  }

  const targetName = targetRef?.name ?? query.target.event;
  const touchInfo = touches.map((t) => ({ name: t.name || scope.context.event(t.event)?.name || t.event, event: t.event }));
  const direct = query.directConversions !== false;
  const runs = groupRuns.length;

  return {
    statements,
    finish(rows): Omit<AttributionReportResult, 'model' | 'timeZone' | 'computedAt' | 'cached'> {
      const out: AttributionRow[] = [];
      const totals: AttributionReportResult['totals'] = [];
      for (let g = 0; g < runs; g += 1) {
        const group = selections.length ? { group: g } : {};
        const shaped = shape(rows[g] ?? [], touches.length, metric.aggregate, direct);
        out.push(...shaped.rows.map((row) => ({ ...group, ...row })));
        totals.push({ ...group, ...shaped.total });
      }
      return {
        kind: 'attribution',
        from: clock.localDate(range.from),
        to: clock.localDate(range.to - 1),
        touchFrom: clock.localDate(touchFrom),
        windowDays,
        attributionModel: attribution,
        directConversions: direct,
        metric: {
          aggregate: metric.aggregate,
          name: metric.aggregate === 'sum' ? `${targetName}的${propertyName ?? metric.property}总和` : `${targetName}的次数`,
        },
        target: { name: targetName, event: query.target.event },
        touches: touchInfo,
        groups: selections.map((s) => ({ name: s.name })),
        rows: out,
        totals,
        groupCount: out.length,
        truncated: false,
      };
    },
  };
}

const num = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));
/** A credited value without float noise (1/3 + 1/3 + 1/3 = 1, not 0.9999999999999999). */
const clean = (value: number) => Number(value.toPrecision(12));

/**
 * A group's statement rows (`__r` = `touch` with its index `__k`, `direct`, `all`) → the touches'
 * rows in their order (a touch without any event is all zeros), 直接转化 when shown, and the shares.
 */
function shape(
  rows: Record<string, unknown>[],
  touchCount: number,
  aggregate: 'count' | 'sum',
  direct: boolean,
): { rows: Omit<AttributionRow, 'group'>[]; total: { conversions: number; value: number } } {
  const valueOf = (row: Record<string, unknown> | undefined) => clean(num(aggregate === 'count' ? row?.__cw : row?.__cv));
  const byTouch = new Map(rows.filter((r) => r.__r === 'touch').map((r) => [num(r.__k), r]));
  const result: Omit<AttributionRow, 'group'>[] = Array.from({ length: touchCount }, (_, k) => {
    const row = byTouch.get(k);
    const total = num(row?.__total);
    const effective = num(row?.__eff);
    return {
      touch: k,
      totalClicks: total,
      effectiveClicks: effective,
      clickRate: total > 0 ? effective / total : null,
      value: valueOf(row),
      contribution: null,
    };
  });
  if (direct) {
    const row = rows.find((r) => r.__r === 'direct');
    result.push({
      touch: null,
      totalClicks: null,
      effectiveClicks: null,
      clickRate: null,
      value: valueOf(row),
      contribution: null,
    });
  }
  // 贡献度: each row's value over the rows shown (直接转化 counted only when shown).
  const sum = result.reduce((acc, row) => acc + row.value, 0);
  for (const row of result) row.contribution = sum > 0 ? row.value / sum : null;
  const all = rows.find((r) => r.__r === 'all');
  return { rows: result, total: { conversions: num(all?.__cw), value: valueOf(all) } };
}

interface StatementInput {
  d: SqlDialect;
  scope: ReportScope;
  query: AttributionQuery;
  range: { from: number; to: number };
  touchFrom: number;
  windowDays: number;
  attribution: AttributionModelKind;
  valueSql?: string;
  contactTrees: ConditionTree[];
}

/**
 * The weight of one (target, touch) pair of `__p` under a model, a DOUBLE in both engines: `1.0` is a
 * DECIMAL literal, and StarRocks keeps a DECIMAL quotient at a fixed scale where DuckDB divides in
 * DOUBLE (ADR 0066).
 */
const WEIGHT: Record<AttributionModelKind, string> = {
  // 首次触点: 100% to the earliest touch in the target's window.
  first: 'CASE WHEN p.fi = 1 THEN CAST(1 AS DOUBLE) ELSE CAST(0 AS DOUBLE) END',
  // 末次触点: 100% to the latest.
  last: 'CASE WHEN p.li = 1 THEN CAST(1 AS DOUBLE) ELSE CAST(0 AS DOUBLE) END',
  // 线性: an equal share to each touch in the window.
  linear: 'CAST(1 AS DOUBLE) / p.n',
};

/**
 * One statement per compared group:
 *
 * - `__ev`: one scan of `events` — the rows of the target or any touch from the touches' first day to
 *   the range's end, numbered per contact in time order (`rid`; a touch and a target are never the same
 *   row), their second (`ts`: two events in the same second are in order) and local day number (`dn`).
 * - `__t`: the targets (in the range) with their value; `__h`: the touches, one row per (event, touch
 *   index) — an event matching two touches is a touch of each.
 * - `__p`: every (target, touch) pair of a contact with the touch no later than the target's second
 *   and on or after its date − window; per target the touch's rank from the first (`fi`) and the last
 *   (`li`), and the number of touches (`n`).
 * - per touch index: 总点击数 (`__total`), 有效转化点击数 (`__eff`: distinct touches of some pair), the
 *   weights (`__cw`) and weight × value (`__cv`); 直接转化: targets without a pair; `all`: every target.
 */
function buildStatement(input: StatementInput): SqlFragment {
  const { d, scope, query } = input;
  const ctes: SqlFragment[] = [];
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

  const targetMatch = scope.pieces.eventMatch(query.target.event, query.target.filters ?? [], query.target.filterOp);
  const touchMatches = query.touches.map((t) => scope.pieces.eventMatch(t.event, t.filters ?? [], t.filterOp));
  const codes = [...new Set([query.target, ...query.touches].flatMap((e) => scope.pieces.eventCodes(e.event)))];
  const columns: SqlFragment[] = [
    SqlFragment.raw('contact_id AS cid'),
    SqlFragment.raw('row_number() OVER (PARTITION BY contact_id ORDER BY event_time, message_id) AS rid'),
    SqlFragment.raw(`CAST(floor(${d.epochMs('event_time')} / 1000) AS BIGINT) AS ts`),
    SqlFragment.raw(`${d.dayNumber('event_day')} AS dn`),
    sql('(', targetMatch.wrap(), ' AND ', scope.pieces.eventTimeWithin(input.range).wrap(), ') AS tg'),
    input.valueSql
      ? sql('CASE WHEN ', targetMatch.wrap(), ` THEN CAST(${input.valueSql} AS DOUBLE) END AS v`)
      : SqlFragment.raw('CAST(NULL AS DOUBLE) AS v'),
    ...touchMatches.map((m, k) => sql(m.wrap(), ` AS m${k}`)),
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
      scope.pieces.eventTimeWithin({ from: input.touchFrom, to: input.range.to }),
      ' AND ',
      SqlFragment.join(
        [targetMatch, ...touchMatches].map((m) => m.wrap()),
        ' OR ',
      ).wrap(),
      ...restrictions,
      ')',
    ),
  );
  ctes.push(
    SqlFragment.raw('__t AS (SELECT cid, rid, ts, dn, coalesce(v, 0) AS v FROM __ev WHERE tg)'),
    SqlFragment.raw(
      `__h AS (${query.touches.map((_, k) => `SELECT cid, rid, ts, dn, ${k} AS k FROM __ev WHERE m${k}`).join(' UNION ALL ')})`,
    ),
    SqlFragment.raw(
      '__p AS (SELECT t.cid, t.rid AS tr, t.v, h.rid AS hr, h.k,' +
        ' row_number() OVER (PARTITION BY t.cid, t.rid ORDER BY h.rid, h.k) AS fi,' +
        ' row_number() OVER (PARTITION BY t.cid, t.rid ORDER BY h.rid DESC, h.k) AS li,' +
        ' count(*) OVER (PARTITION BY t.cid, t.rid) AS n' +
        ` FROM __t AS t JOIN __h AS h ON h.cid = t.cid AND h.rid <> t.rid AND h.ts <= t.ts AND h.dn >= t.dn - ${input.windowDays})`,
    ),
    SqlFragment.raw(
      `__credit AS (SELECT k, sum(w) AS cw, sum(w * v) AS cv FROM (SELECT p.k, p.v, ${WEIGHT[input.attribution]} AS w FROM __p AS p) AS q GROUP BY k)`,
    ),
    SqlFragment.raw('__eff AS (SELECT k, count(*) AS eff FROM (SELECT DISTINCT cid, hr, k FROM __p) AS q GROUP BY k)'),
    SqlFragment.raw('__total AS (SELECT k, count(*) AS total FROM __h GROUP BY k)'),
  );
  return sql(
    'WITH ',
    SqlFragment.join(ctes, ', '),
    " SELECT 'touch' AS __r, tt.k AS __k, tt.total AS __total, coalesce(e.eff, 0) AS __eff,",
    ' coalesce(c.cw, 0) AS __cw, coalesce(c.cv, 0) AS __cv',
    ' FROM __total AS tt LEFT JOIN __eff AS e ON e.k = tt.k LEFT JOIN __credit AS c ON c.k = tt.k',
    " UNION ALL SELECT 'direct', NULL, NULL, NULL, count(*), coalesce(sum(t.v), 0) FROM __t AS t",
    ' WHERE NOT EXISTS (SELECT 1 FROM __p AS p WHERE p.cid = t.cid AND p.tr = t.rid)',
    " UNION ALL SELECT 'all', NULL, NULL, NULL, count(*), coalesce(sum(v), 0) FROM __t",
  );
}
