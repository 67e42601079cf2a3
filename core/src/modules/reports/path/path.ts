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
import { exportLabel } from '../report-labels.js';
import { reportLimits } from '../report.types.js';
import {
  pathLimits,
  type PathEdge,
  type PathEvent,
  type PathNode,
  type PathQuery,
  type PathReportResult,
  type PathSeries,
} from './path.types.js';

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

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
  .label('PathGroupSelection');

export const pathQuerySchema = Joi.object<PathQuery>({
  events: Joi.array()
    .items(
      Joi.object({
        event: Joi.string().max(200).required(),
        filters: Joi.array().items(eventFilterSchema).max(20),
        filterOp: Joi.string().valid('and', 'or').label('PathFilterOp'),
      }).label('PathEvent'),
    )
    .min(1)
    .max(pathLimits.events)
    .required()
    .label('PathEvents'),
  anchor: Joi.object({
    kind: Joi.string().valid('start', 'end').required().label('PathAnchorKind'),
    event: Joi.number()
      .integer()
      .min(0)
      .max(pathLimits.events - 1)
      .required(),
  })
    .required()
    .label('PathAnchor'),
  interval: Joi.object({
    value: Joi.number()
      .integer()
      .min(1)
      .when('unit', {
        is: 'hour',
        then: Joi.number().max(pathLimits.maxIntervalMinutes / 60),
        otherwise: Joi.number().max(pathLimits.maxIntervalMinutes),
      })
      .required(),
    unit: Joi.string().valid('minute', 'hour').required().label('PathIntervalUnit'),
  })
    .default({ ...pathLimits.defaultInterval })
    .label('PathInterval'),
  dimension: Joi.object({ property: Joi.string().max(200).required() }).label('PathDimension'),
  filters: Joi.object({ contacts: conditionTreeSchema }).default({}).label('PathFilters'),
  groups: Joi.array().items(selectionSchema).max(reportLimits.groups).default([]),
  merge: Joi.boolean().default(false),
  layers: Joi.number().integer().min(1).max(pathLimits.maxLayers).default(pathLimits.defaultLayers),
  nodes: Joi.number().integer().min(1).max(pathLimits.maxNodes).default(pathLimits.defaultNodes),
  timeRange: timeRangeSchema.required(),
}).label('PathQuery');

type Deps = { conditions: ConditionsService; selections: GroupSelectionsService; dialect: SqlDialect };

/**
 * 路径分析 (seed §1.7.8; SPEC §6; ADR 0058): per contact, the chosen events in time order cut into
 * sessions where two neighbours are further apart than 事件间隔; per session one path from the
 * first 起始事件 forwards, or from the last 结束事件 backwards; layers of nodes (event + dimension
 * value) with their sessions, edges between neighbouring layers. A dashboard's temporary time range
 * and global 强制刷新 do not apply (seed: 暂不支持): `timeRangeField: null`.
 */
export function pathModel(deps: Deps): ReportModelDefinition<PathQuery> {
  return {
    id: 'path',
    name: { 'zh-CN': '路径分析', 'en-US': 'Path analysis' },
    query: pathQuerySchema,
    timeRangeField: null,
    examples: [
      {
        events: [{ event: '$pageview' }],
        anchor: { kind: 'start', event: 0 },
        interval: { value: 30, unit: 'minute' },
        merge: false,
        layers: 4,
        nodes: 7,
        timeRange: { kind: 'past', days: 7, includeToday: true },
      },
    ],
    plan: (query, context) => planPath(deps, query, context),
  };
}

async function planPath(deps: Deps, query: PathQuery, context: ReportPlanContext): Promise<ReportPlan> {
  const problems: ErrorDetail[] = [];
  const events = query.events;
  if (query.anchor.event >= events.length) problems.push({ path: 'anchor.event', code: 'report_path_anchor_invalid' });

  const actor = { tenantId: context.tenantId, staffId: context.staffId };
  const selections = await Promise.all(
    (query.groups ?? []).map((selection) => deps.selections.resolveSelection(actor, selection)),
  );

  // ---- one context for every tree the query names; each path event as an event condition checks it ----
  const leaf = (item: PathEvent): EventCondition => ({
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
      { type: 'and', conditions: events.map(leaf) },
      ...(contactFilter ? [contactFilter] : []),
      ...selections.map((s) => s.condition),
    ],
    { now: context.now },
  );
  events.forEach((item, i) => {
    const prefix = `events.${i}`;
    for (const problem of scope.problems({ type: 'and', conditions: [leaf(item)] }, prefix)) {
      const path = problem.path
        .replace(`${prefix}.conditions.0.time`, 'timeRange')
        .replace(`${prefix}.conditions.0.`, `${prefix}.`);
      if (!problems.some((p) => p.path === path && p.code === problem.code)) problems.push({ path, code: problem.code });
    }
  });
  if (contactFilter) problems.push(...scope.problems(contactFilter, 'filters.contacts'));
  const eventsKnown = !problems.some((p) => p.path.startsWith('events.'));

  // ---- the dimension: an event property of at least one path event (the others have no value) ----
  let dimension: { key: string; name: string; values: (string | undefined)[] } | undefined;
  if (query.dimension && eventsKnown) {
    const property = query.dimension.property;
    const refs = events.map((item) => scope.context.event(item.event)?.properties.get(property));
    const ref = refs.find((r) => r !== undefined);
    if (!ref) problems.push({ path: 'dimension.property', code: 'report_dimension_unknown' });
    else
      dimension = {
        key: `event.${property}`,
        name: ref.name,
        values: events.map((item, i) => (refs[i] ? scope.pieces.eventValue(item.event, property).sql : undefined)),
      };
  }

  // ---- time: both ends ----
  const bounds = scope.pieces.timeBounds(query.timeRange);
  const clock = new ZonedClock(scope.context.timeZone);
  if (bounds.from === undefined) problems.push({ path: 'timeRange', code: 'report_time_range_unbounded' });
  if (problems.length) throw new InputError('report_query_invalid', { count: problems.length }, problems);
  // An open end is "up to the end of today".
  const period = { from: bounds.from!, to: bounds.to ?? clock.fromLocal((clock.localDay(context.now) + 1) * DAY_MS) };
  const gapMs = query.interval.value * (query.interval.unit === 'hour' ? 60 : 1) * MINUTE_MS;

  const runs: (ConditionTree | undefined)[] = selections.length ? selections.map((s) => s.condition) : [undefined];
  const statements: ReportStatement[] = [];
  if (scope.context.declared) {
    for (const selection of runs) {
      const fragment = buildStatement({
        d: deps.dialect,
        scope,
        query,
        period,
        gapMs,
        dimension: dimension?.values,
        contactTrees: [contactFilter, selection].filter((t): t is ConditionTree => t !== undefined),
      });
      statements.push({ sql: fragment.text, params: [...fragment.params] });
    }
  }

  const eventInfo = events.map((item) => ({ event: item.event, name: scope.context.event(item.event)?.name ?? item.event }));
  return {
    statements,
    finish(rows): Omit<PathReportResult, 'model' | 'timeZone' | 'computedAt' | 'cached'> {
      let groupCount = 0;
      const paths = runs.map((_, g) => {
        const shaped = shapeRows(rows[g] ?? [], { layers: query.layers, nodes: query.nodes, dimension: dimension !== undefined });
        groupCount = Math.max(groupCount, shaped.widest);
        return { ...(selections.length ? { group: g } : {}), ...shaped.series };
      });
      return {
        kind: 'path',
        from: clock.localDate(period.from),
        to: clock.localDate(period.to - 1),
        anchor: query.anchor.kind,
        events: eventInfo,
        ...(dimension ? { dimension: { key: dimension.key, name: dimension.name } } : {}),
        layers: query.layers,
        nodes: query.nodes,
        groups: selections.map((s) => ({ name: s.name })),
        paths,
        groupCount,
        // Nodes beyond the shown ones fold into 其他: nothing is left out.
        truncated: false,
      };
    },
  };
}

interface StatementInput {
  d: SqlDialect;
  scope: ReportScope;
  query: PathQuery;
  period: { from: number; to: number };
  gapMs: number;
  /** Per path event, its dimension value's SQL (undefined: the event does not carry the property). */
  dimension?: (string | undefined)[];
  contactTrees: ConditionTree[];
}

/**
 * The statement (ADR 0058), set-based — one scan of the chosen events, windows partitioned by
 * contact, then aggregates over at most `layers` rows per session:
 * - `__ev`: the chosen events in the range (only their codes — and the events' matches unless the codes
 *   alone decide —, the time bounds pushed down, the contacts the user filter and the group keep);
 *   `n` = the first path event the row matches; with a dimension its value as `dk` (text, '' when
 *   none) and `dz` (1: no value) so every comparison is an equality. Without one, `dk`/`dz` are the
 *   same for every row: the windows carry only `n`, and `__t` adds the constants.
 * - `__g`: per contact in order (event time, received time, `n`, value, message id: a stable order of
 *   ties), `brk` = 1 where a session starts (first event, or the gap to the previous one EXCEEDS the
 *   interval), `dup` = 1 where the row repeats the previous node in the same session.
 * - `__s`: (duplicates dropped when merging) the session id (running sum of `brk`) and `r`, the row's
 *   number within the contact.
 * - `__p`: per session, the anchor (first start event / last end event), each row's layer counted
 *   from it, and the node of the next layer (lead forwards, lag backwards). `__l`: layers 1..N.
 * - `__t`: sessions per (layer, node, next node); `__rank`: nodes ranked per layer by sessions;
 *   the answer: nodes (top K, the rest folded into rank K+1 = 其他) and the edges between them.
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
  const matches = query.events.map((item) => scope.pieces.eventMatch(item.event, item.filters ?? [], item.filterOp));
  const codes = [...new Set(query.events.flatMap((item) => scope.pieces.eventCodes(item.event)))];
  // Plain events (no filters, no virtual event): a row with one of the codes matches one of them, so the
  // codes alone select the rows.
  const plain = query.events.every((item) => !item.filters?.length && !scope.context.event(item.event)?.members);
  const nodeOf = sql('CASE', ...matches.map((m, i) => sql(' WHEN ', m.wrap(), ` THEN ${i}`)), ' END');
  const values = input.dimension;
  const scan = (columns: SqlFragment) =>
    sql(
      'SELECT contact_id AS cid, event_time AS et, received_at AS rt, message_id AS mid, ',
      `${d.epochMs('event_time')} AS ts, `,
      columns,
      ' FROM events WHERE event IN (',
      SqlFragment.join(
        codes.map((code) => SqlFragment.param(code)),
        ', ',
      ),
      ') AND ',
      scope.pieces.eventTimeWithin(input.period),
      ...(plain
        ? []
        : [
            ' AND ',
            SqlFragment.join(
              matches.map((m) => m.wrap()),
              ' OR ',
            ).wrap(),
          ]),
      ...restrictions,
    );
  if (values) {
    const valueOf = sql(
      'CASE',
      ...matches.map((m, i) =>
        sql(' WHEN ', m.wrap(), values[i] === undefined ? ' THEN NULL' : ` THEN CAST(${values[i]} AS VARCHAR)`),
      ),
      ' END',
    );
    ctes.push(
      sql('__m AS (', scan(sql(nodeOf, ' AS n, ', valueOf, ' AS v')), ')'),
      SqlFragment.raw(
        "__ev AS (SELECT cid, et, rt, mid, ts, n, coalesce(v, '') AS dk, CASE WHEN v IS NULL THEN 1 ELSE 0 END AS dz FROM __m)",
      ),
    );
  } else {
    // Without a dimension every row's value is the same (none): only the node is carried through the
    // windows, the value columns are added to the small aggregate `__t`.
    ctes.push(sql('__ev AS (', scan(sql(nodeOf, ' AS n')), ')'));
  }
  // The node's columns (event index, and the value as text and null flag) and its neighbour's.
  const node = values ? ['n', 'dk', 'dz'] : ['n'];
  const next = node.map((c) => (c === 'n' ? 'nn' : `n${c}`));
  const w = `(PARTITION BY cid ORDER BY et, rt NULLS FIRST, n, ${values ? 'dz DESC, dk, ' : ''}mid NULLS FIRST)`;
  const sameSession = `ts - lag(ts) OVER ${w} <= ${input.gapMs}`;
  const start = query.anchor.kind === 'start';
  const step = start ? 'lead' : 'lag';
  if (query.merge) {
    // Consecutive duplicates (same event and value, same session) dropped; a dropped row never opens a
    // session, so the session numbers are the same before and after. The neighbour of a kept row is the
    // next (previous) kept row when it has the same session number.
    const o = '(PARTITION BY cid ORDER BY k)';
    ctes.push(
      SqlFragment.raw(
        `__g AS (SELECT cid, ${node.join(', ')}, row_number() OVER ${w} AS k, CASE WHEN ${sameSession} THEN 0 ELSE 1 END AS brk, ` +
          `CASE WHEN ${sameSession} AND ${node.map((c) => `lag(${c}) OVER ${w} = ${c}`).join(' AND ')} THEN 1 ELSE 0 END AS dup FROM __ev)`,
      ),
      SqlFragment.raw(
        `__s0 AS (SELECT cid, ${node.join(', ')}, k, sum(brk) OVER (PARTITION BY cid ORDER BY k ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS sid ` +
          'FROM __g WHERE dup = 0)',
      ),
      SqlFragment.raw(
        `__s AS (SELECT cid, ${node.join(', ')}, sid, row_number() OVER ${o} AS r, ` +
          node.map((c, i) => `CASE WHEN ${step}(sid) OVER ${o} = sid THEN ${step}(${c}) OVER ${o} END AS ${next[i]}`).join(', ') +
          ' FROM __s0)',
      ),
    );
  } else {
    // One ordered pass: the next (previous) row is in the same session exactly when its gap is within
    // the interval; the session number is a running sum of the session starts.
    const gap = start ? `lead(ts) OVER ${w} - ts` : `ts - lag(ts) OVER ${w}`;
    ctes.push(
      SqlFragment.raw(
        `__g AS (SELECT cid, ${node.join(', ')}, row_number() OVER ${w} AS r, CASE WHEN ${sameSession} THEN 0 ELSE 1 END AS brk, ` +
          node.map((c, i) => `CASE WHEN ${gap} <= ${input.gapMs} THEN ${step}(${c}) OVER ${w} END AS ${next[i]}`).join(', ') +
          ' FROM __ev)',
      ),
      SqlFragment.raw(
        `__s AS (SELECT cid, ${node.join(', ')}, r, ${next.join(', ')}, ` +
          'sum(brk) OVER (PARTITION BY cid ORDER BY r ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS sid FROM __g)',
      ),
    );
  }
  const carried = [...node, ...next].join(', ');
  // Without a dimension the value columns are the constants of every row (and of every neighbour).
  const valueColumns = values
    ? ''
    : "'' AS dk, 1 AS dz, CASE WHEN nn IS NULL THEN NULL ELSE '' END AS ndk, CASE WHEN nn IS NULL THEN NULL ELSE 1 END AS ndz, ";
  ctes.push(
    SqlFragment.raw(
      `__p AS (SELECT ${carried}, r, ${start ? 'min' : 'max'}(CASE WHEN n = ${query.anchor.event} THEN r END) OVER (PARTITION BY cid, sid) AS ar FROM __s)`,
    ),
    SqlFragment.raw(
      `__l AS (SELECT * FROM (SELECT ${carried}, ${start ? 'r - ar + 1' : 'ar - r + 1'} AS layer FROM __p WHERE ar IS NOT NULL) AS q` +
        ` WHERE layer BETWEEN 1 AND ${query.layers})`,
    ),
    SqlFragment.raw(`__t AS (SELECT layer, ${carried}, ${valueColumns}count(*) AS c FROM __l GROUP BY layer, ${carried})`),
    SqlFragment.raw(
      '__rank AS (SELECT layer, n, dk, dz, s, h, row_number() OVER (PARTITION BY layer ORDER BY s DESC, n, dz DESC, dk) AS rk FROM ' +
        '(SELECT layer, n, dk, dz, sum(c) AS s, sum(CASE WHEN nn IS NULL THEN 0 ELSE c END) AS h FROM __t GROUP BY layer, n, dk, dz) AS q)',
    ),
  );
  const other = query.nodes + 1;
  const folded = (alias: string) => `CASE WHEN ${alias}.rk <= ${query.nodes} THEN ${alias}.rk ELSE ${other} END`;
  const nodes =
    `SELECT 'n' AS kind, layer, ${folded('x')} AS rk, NULL AS tg, CASE WHEN x.rk <= ${query.nodes} THEN x.n END AS n, ` +
    `CASE WHEN x.rk <= ${query.nodes} THEN x.dk END AS dk, CASE WHEN x.rk <= ${query.nodes} THEN x.dz END AS dz, ` +
    `sum(x.s) AS s, sum(x.h) AS h, count(*) AS w FROM __rank AS x GROUP BY layer, ${folded('x')}, ` +
    `CASE WHEN x.rk <= ${query.nodes} THEN x.n END, CASE WHEN x.rk <= ${query.nodes} THEN x.dk END, CASE WHEN x.rk <= ${query.nodes} THEN x.dz END`;
  const edges =
    `SELECT 'e' AS kind, t.layer, ${folded('a')} AS rk, ${folded('b')} AS tg, NULL AS n, NULL AS dk, NULL AS dz, ` +
    'sum(t.c) AS s, NULL AS h, NULL AS w FROM __t AS t ' +
    'JOIN __rank AS a ON a.layer = t.layer AND a.n = t.n AND a.dk = t.dk AND a.dz = t.dz ' +
    'JOIN __rank AS b ON b.layer = t.layer + 1 AND b.n = t.nn AND b.dk = t.ndk AND b.dz = t.ndz ' +
    `WHERE t.layer < ${query.layers} GROUP BY t.layer, ${folded('a')}, ${folded('b')}`;
  return sql('WITH ', SqlFragment.join(ctes, ', '), ` ${nodes} UNION ALL ${edges} ORDER BY kind DESC, layer, rk, tg`);
}

const num = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));

/** The statement's rows → the nodes (layer by layer, most sessions first, 其他 last) and edges. */
function shapeRows(
  rows: Record<string, unknown>[],
  input: { layers: number; nodes: number; dimension: boolean },
): { series: Omit<PathSeries, 'group'>; widest: number } {
  const nodes: PathNode[] = [];
  const edges: PathEdge[] = [];
  const widths = new Map<number, number>();
  for (const row of rows) {
    const layer = num(row.layer);
    if (row.kind === 'n') {
      const other = num(row.rk) > input.nodes;
      const sessions = num(row.s);
      const retained = num(row.h);
      widths.set(layer, (widths.get(layer) ?? 0) + num(row.w));
      nodes.push({
        id: `${layer}-${num(row.rk)}`,
        layer,
        event: other ? null : num(row.n),
        ...(input.dimension && !other ? { value: num(row.dz) === 1 ? null : String(row.dk) } : {}),
        sessions,
        retained,
        churned: sessions - retained,
      });
    } else {
      edges.push({ source: `${layer}-${num(row.rk)}`, target: `${layer + 1}-${num(row.tg)}`, sessions: num(row.s) });
    }
  }
  const byOrder = (a: PathNode, b: PathNode) => a.layer - b.layer || Number(a.id.split('-')[1]) - Number(b.id.split('-')[1]);
  nodes.sort(byOrder);
  const sessions = nodes.filter((n) => n.layer === 1).reduce((sum, n) => sum + n.sessions, 0);
  const more = nodes.some((n) => n.layer === input.layers && n.retained > 0);
  return { series: { sessions, nodes, edges, more }, widest: Math.max(0, ...widths.values()) };
}

/**
 * The export's tables of a path (ADR 0058): one row per node (group, layer, event, dimension value,
 * sessions, retained, churned), then one per edge (from → to, sessions), the 类型 column telling them apart.
 */
export function pathTable(result: PathReportResult): { header: string[]; rows: (string | number | null)[][] } {
  const label = (node: PathNode | undefined) =>
    node === undefined
      ? ''
      : node.event === null
        ? '其他'
        : [result.events[node.event]?.name ?? '', ...(result.dimension ? [exportLabel(node.value ?? null)] : [])].join(' · ');
  const header = [
    ...(result.groups.length ? ['群组'] : []),
    '类型',
    '层',
    '事件',
    ...(result.dimension ? [result.dimension.name] : []),
    '会话数',
    '留存量',
    '流失量',
    '下一层节点',
  ];
  const rows: (string | number | null)[][] = [];
  for (const path of result.paths) {
    const group = result.groups.length ? [result.groups[path.group ?? 0]?.name ?? ''] : [];
    const byId = new Map(path.nodes.map((node) => [node.id, node]));
    for (const node of path.nodes)
      rows.push([
        ...group,
        '节点',
        node.layer,
        node.event === null ? '其他' : (result.events[node.event]?.name ?? ''),
        ...(result.dimension ? [node.event === null ? '' : exportLabel(node.value ?? null)] : []),
        node.sessions,
        node.retained,
        node.churned,
        '',
      ]);
    for (const edge of path.edges) {
      const source = byId.get(edge.source);
      rows.push([
        ...group,
        '连线',
        source?.layer ?? null,
        label(source),
        ...(result.dimension ? [''] : []),
        edge.sessions,
        null,
        null,
        label(byId.get(edge.target)),
      ]);
    }
  }
  return { header, rows };
}
