import Joi from 'joi';
import type { ReportModelDefinition, ReportPlan, ReportPlanContext } from '../../../kernel/contributions.js';
import { ZonedClock } from '../../../lib/zoned-clock.js';
import type { ErrorDetail } from '../../../server/errors.js';
import { InputError } from '../../../server/errors.js';
import type { SqlDialect } from '../../../store/olap/dialect.js';
import { SqlFragment, sql } from '../../../store/olap/sql-fragment.js';
import { conditionTreeSchema, timeRangeSchema } from '../../conditions/condition.schema.js';
import type { ConditionLeaf, ConditionTree } from '../../conditions/condition.types.js';
import type { ConditionsService, ReportScope } from '../../conditions/conditions.service.js';
import type { GroupSelectionsService } from '../../group-selections/group-selections.service.js';
import { rangeCase } from '../event-analysis.js';
import { reportLimits } from '../report.types.js';
import {
  userAnalysisAggregateProperties,
  userAnalysisAggregates,
  userAnalysisLimits,
  type UserAnalysisAggregate,
  type UserAnalysisQuery,
  type UserAnalysisReportResult,
  type UserAnalysisRow,
  type UserAnalysisTotal,
} from './user-analysis.types.js';

const ID = /^[1-9][0-9]{0,18}$/;
const rangesSchema = Joi.array().items(Joi.number()).min(1).max(reportLimits.ranges).label('UserAnalysisRanges');

const dimensionSchema = Joi.alternatives()
  .try(
    Joi.object({
      kind: Joi.string().valid('contactProperty').required(),
      property: Joi.string().max(200).required(),
      ranges: rangesSchema,
    }).label('UserAnalysisPropertyDimension'),
    Joi.object({
      kind: Joi.string().valid('tag').required(),
      tagId: Joi.string().pattern(ID).required(),
      ranges: rangesSchema,
    }).label('UserAnalysisTagDimension'),
  )
  .label('UserAnalysisDimension');

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
  .label('UserAnalysisGroupSelection');

export const userAnalysisQuerySchema = Joi.object<UserAnalysisQuery>({
  metrics: Joi.array()
    .items(
      Joi.object({
        aggregate: Joi.string()
          .valid(...userAnalysisAggregates)
          .required()
          .label('UserAnalysisAggregate'),
        property: Joi.string().max(200),
      }).label('UserAnalysisMetric'),
    )
    .min(1)
    .max(userAnalysisLimits.metrics)
    .required()
    .label('UserAnalysisMetrics'),
  dimensions: Joi.array().items(dimensionSchema).max(userAnalysisLimits.dimensions).default([]).label('UserAnalysisDimensions'),
  filters: Joi.object({ contacts: conditionTreeSchema }).default({}).label('UserAnalysisFilters'),
  groups: Joi.array().items(selectionSchema).max(userAnalysisLimits.groups).default([]).label('UserAnalysisGroups'),
  aggregateGroups: Joi.array()
    .items(
      Joi.object({
        name: Joi.string().trim().min(1).max(50).required(),
        values: Joi.array()
          .items(Joi.string().max(200).allow(''))
          .min(1)
          .max(userAnalysisLimits.aggregateValues)
          .required()
          .label('UserAnalysisAggregateValues'),
      }).label('UserAnalysisAggregateGroup'),
    )
    .max(userAnalysisLimits.aggregateGroups)
    .default([])
    .label('UserAnalysisAggregateGroups'),
  timeRange: timeRangeSchema,
}).label('UserAnalysisQuery');

const AGGREGATE_NAMES: Record<UserAnalysisAggregate, string> = {
  users: '用户数',
  distinct: '去重数',
  sum: '总和',
  avg: '均值',
  max: '最大值',
  min: '最小值',
};

interface Deps {
  conditions: ConditionsService;
  selections: GroupSelectionsService;
  dialect: SqlDialect;
}

/**
 * 用户分析 (seed §1.7.4; SPEC §6; ADR 0060) as a report model: statistics over contacts — 用户数, and
 * of a contact property its distinct count, sum, average, maximum, minimum — filtered by a condition
 * tree (与 / 或), optionally only the contacts created in a time range, by dimensions (contact
 * properties and tags; numbers by ranges; several = their Cartesian product; 聚合分组 of a single
 * country / province / city dimension), up to 5 groups compared side by side. One statement: the
 * contacts with their values, one copy per group they are in, aggregated per (group, combination)
 * and per group (总体, GROUPING SETS: a distinct count is not the sum of its rows), the combinations
 * of each group ranked by the first metric and the first `maxGroups` kept.
 */
export function userAnalysisModel(deps: Deps): ReportModelDefinition<UserAnalysisQuery> {
  return {
    id: 'user',
    name: { 'zh-CN': '用户分析', 'en-US': 'User analysis' },
    query: userAnalysisQuerySchema,
    limits: { shown: reportLimits.shownGroups.user, exported: reportLimits.exportedGroups.user },
    // A snapshot of the contacts: a dashboard's temporary range (event time) does not apply (ADR 0060).
    timeRangeField: null,
    examples: [
      { metrics: [{ aggregate: 'users' }] },
      { metrics: [{ aggregate: 'users' }, { aggregate: 'distinct', property: 'city' }] },
    ],
    plan: (query, context) => planUserAnalysis(deps, query, context),
  };
}

interface Dimension {
  key: string;
  name: string;
  /** The value over `contacts AS c` and the tag joins, before ranges. */
  expression: string;
  join?: SqlFragment;
  ranges?: number[];
}

async function planUserAnalysis(deps: Deps, query: UserAnalysisQuery, context: ReportPlanContext): Promise<ReportPlan> {
  const d = deps.dialect;
  const problems: ErrorDetail[] = [];
  const dimensions = query.dimensions ?? [];
  const aggregateGroups = query.aggregateGroups ?? [];

  // ---- 聚合分组: only with one dimension, country / province / city; names and values once ----
  if (aggregateGroups.length) {
    const only = dimensions.length === 1 ? dimensions[0]! : undefined;
    if (!only || only.kind !== 'contactProperty' || !userAnalysisAggregateProperties.includes(only.property))
      problems.push({ path: 'aggregateGroups', code: 'report_user_aggregate_dimension' });
    const names = new Set<string>();
    const values = new Set<string>();
    aggregateGroups.forEach((group, i) => {
      if (names.has(group.name)) problems.push({ path: `aggregateGroups.${i}.name`, code: 'report_user_aggregate_name_taken' });
      names.add(group.name);
      group.values.forEach((value, j) => {
        if (values.has(value))
          problems.push({ path: `aggregateGroups.${i}.values.${j}`, code: 'report_user_aggregate_value_taken' });
        values.add(value);
      });
    });
  }

  const actor = { tenantId: context.tenantId, staffId: context.staffId };
  const selections = await Promise.all(
    (query.groups ?? []).map((selection) => deps.selections.resolveSelection(actor, selection)),
  );

  // ---- one context for every tree: the creation range, tag dimensions, the filter, the groups ----
  const created: ConditionTree | undefined = query.timeRange
    ? { type: 'and', conditions: [{ type: 'property', property: 'createdAt', operator: 'in', range: query.timeRange }] }
    : undefined;
  const contactFilter = query.filters?.contacts?.conditions.length ? query.filters.contacts : undefined;
  const scope = await deps.conditions.reportScope(
    context,
    [
      ...(created ? [created] : []),
      {
        type: 'and',
        conditions: dimensions.flatMap((dim): ConditionLeaf[] =>
          dim.kind === 'tag' ? [{ type: 'tag', tagId: dim.tagId, operator: 'notNull' }] : [],
        ),
      },
      ...(contactFilter ? [contactFilter] : []),
      ...selections.map((s) => s.condition),
    ],
    { now: context.now },
  );
  if (created)
    for (const problem of scope.problems(created, 'created')) {
      const path = 'timeRange';
      if (!problems.some((p) => p.path === path && p.code === problem.code)) problems.push({ path, code: problem.code });
    }
  if (contactFilter) problems.push(...scope.problems(contactFilter, 'filters.contacts'));

  // ---- metrics: a contact property of the right type ----
  const metricValues: (string | undefined)[] = query.metrics.map((metric, index) => {
    if (metric.aggregate === 'users') return undefined;
    const path = `metrics.${index}.property`;
    const ref = metric.property ? scope.context.contactProperty(metric.property) : undefined;
    if (!metric.property || !ref) return void problems.push({ path, code: 'report_metric_invalid' });
    if (metric.aggregate !== 'distinct' && ref.type !== 'number')
      return void problems.push({ path, code: 'report_metric_invalid' });
    return scope.pieces.contactValue(metric.property).sql;
  });

  // ---- dimensions: contact properties and tags ----
  const compiledDims: Dimension[] = [];
  dimensions.forEach((dim, index) => {
    const path = `dimensions.${index}`;
    if (dim.ranges && dim.ranges.some((b, i) => i > 0 && !(b > dim.ranges![i - 1]!)))
      return void problems.push({ path: `${path}.ranges`, code: 'report_ranges_invalid' });
    if (dim.kind === 'contactProperty') {
      const ref = scope.context.contactProperty(dim.property);
      if (!ref) return void problems.push({ path: `${path}.property`, code: 'report_dimension_unknown' });
      if (dim.ranges && ref.type !== 'number')
        return void problems.push({ path: `${path}.ranges`, code: 'report_ranges_invalid' });
      compiledDims.push({
        key: `contact.${dim.property}`,
        name: ref.name,
        expression: scope.pieces.contactValue(dim.property).sql,
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
              ` LEFT JOIN tag_value AS ${alias} ON ${alias}.contact_id = c.id AND ${alias}.tag_id = `,
              SqlFragment.param(BigInt(tag.id)),
              ` AND ${alias}.calc_date = `,
              SqlFragment.param(tag.calcDate, d.dateParam()),
              ` AND ${alias}.run = `,
              SqlFragment.param(tag.run ?? 0),
            );
      compiledDims.push({ key: `tag.${tag.id}`, name: tag.name, expression: join ? column : 'NULL', join, ranges: dim.ranges });
    }
  });

  // ---- the creation range, shown as local dates ----
  const clock = new ZonedClock(scope.context.timeZone);
  const bounds = query.timeRange ? scope.pieces.timeBounds(query.timeRange) : undefined;
  if (problems.length) throw new InputError('report_query_invalid', { count: problems.length }, problems);

  const statements = scope.context.declared
    ? [
        buildStatement({
          scope,
          metricValues,
          aggregates: query.metrics.map((m) => m.aggregate),
          dims: compiledDims,
          aggregateGroups,
          contactTrees: [created, contactFilter].filter((t): t is ConditionTree => t !== undefined),
          groups: selections.map((s) => s.condition),
          maxGroups: context.maxGroups,
        }),
      ].map((fragment) => ({ sql: fragment.text, params: [...fragment.params] }))
    : [];

  const metricsInfo = query.metrics.map((metric) => {
    if (metric.aggregate === 'users') return { name: AGGREGATE_NAMES.users, aggregate: metric.aggregate };
    const name = scope.context.contactProperty(metric.property!)?.name ?? metric.property!;
    return { name: `${name}的${AGGREGATE_NAMES[metric.aggregate]}`, aggregate: metric.aggregate };
  });

  return {
    statements,
    finish([rows = []]): Omit<UserAnalysisReportResult, 'model' | 'timeZone' | 'computedAt' | 'cached'> {
      const shaped = shapeRows(rows, {
        aggregates: query.metrics.map((m) => m.aggregate),
        dims: compiledDims.length,
        groups: selections.length,
      });
      return {
        kind: 'userAnalysis',
        ...(bounds?.from !== undefined ? { from: clock.localDate(bounds.from) } : {}),
        ...(bounds?.to !== undefined ? { to: clock.localDate(bounds.to - 1) } : {}),
        metrics: metricsInfo,
        dimensions: compiledDims.map((dim) => ({ key: dim.key, name: dim.name })),
        groups: selections.map((s) => ({ name: s.name })),
        totals: shaped.totals,
        rows: shaped.rows,
        groupCount: shaped.groupCount,
        truncated: shaped.groupCount > context.maxGroups,
      };
    },
  };
}

interface StatementInput {
  scope: ReportScope;
  /** Per metric, the contact property's value (none for 用户数). */
  metricValues: (string | undefined)[];
  aggregates: UserAnalysisAggregate[];
  dims: Dimension[];
  aggregateGroups: { name: string; values: string[] }[];
  /** The creation range and the filter: a contact must pass each. */
  contactTrees: ConditionTree[];
  groups: ConditionTree[];
  maxGroups: number;
}

/**
 * The statement: the contacts the trees keep with each metric's value and each dimension's display
 * value (a range label; an aggregate group's name in place of its values, flagged `__a`), one copy
 * per compared group they are in (group 0 = everyone without groups), the metrics per (group,
 * combination) and per group (`__total` = 1), the combinations of each group numbered by the first
 * metric (then by value, no value last).
 */
function buildStatement(input: StatementInput): SqlFragment {
  const { scope, dims } = input;
  const ctes: SqlFragment[] = [];
  let treeIndex = 0;
  // Each compiled tree names its event aggregate `__condition_events`: renamed per tree.
  const restriction = (tree: ConditionTree, column: string): SqlFragment => {
    const compiled = scope.pieces.condition(tree);
    const i = treeIndex++;
    const rename = (f: SqlFragment) =>
      SqlFragment.withPlaceholders(f.text.replaceAll('__condition_events', `__condition_events${i}`), [...f.params]);
    ctes.push(...compiled.ctes.map(rename));
    return sql(
      `${column} IN (SELECT c.id FROM contacts AS c`,
      ...compiled.joins.map((join) => sql(' ', rename(join))),
      ' WHERE ',
      rename(compiled.predicate),
      ')',
    );
  };

  const columns: SqlFragment[] = [SqlFragment.raw('c.id AS __cid')];
  input.metricValues.forEach((value, i) => {
    if (value !== undefined) columns.push(SqlFragment.raw(`${value} AS __v${i}`));
  });
  dims.forEach((dim, i) => {
    const display = `CAST(${dim.ranges ? rangeCase(dim.expression, dim.ranges) : dim.expression} AS VARCHAR)`;
    if (i === 0 && input.aggregateGroups.length) {
      // 聚合分组: a value of a group shows as the group's name (its index in __a), any other as itself.
      const whens = (then: (index: number) => SqlFragment) =>
        input.aggregateGroups.map((group, index) =>
          sql(
            ` WHEN ${display} IN (`,
            SqlFragment.join(
              group.values.map((value) => SqlFragment.param(value)),
              ', ',
            ),
            ') THEN ',
            then(index),
          ),
        );
      columns.push(
        sql(
          '(CASE',
          ...whens((index) => SqlFragment.param(input.aggregateGroups[index]!.name)),
          ` ELSE ${display} END) AS __d${i}`,
        ),
        sql('(CASE', ...whens((index) => SqlFragment.raw(String(index))), ' ELSE NULL END) AS __a'),
      );
    } else {
      columns.push(SqlFragment.raw(`${display} AS __d${i}`));
    }
  });
  const where = input.contactTrees.map((tree) => restriction(tree, 'c.id'));
  ctes.push(
    sql(
      '__base AS (SELECT ',
      SqlFragment.join(columns, ', '),
      ' FROM contacts AS c',
      ...dims.flatMap((dim) => (dim.join ? [dim.join] : [])),
      where.length ? sql(' WHERE ', SqlFragment.join(where, ' AND ')) : '',
      ')',
    ),
  );
  const members =
    input.groups.length === 0
      ? [SqlFragment.raw('SELECT 0 AS __g, b.* FROM __base AS b')]
      : input.groups.map((tree, g) => sql(`SELECT ${g} AS __g, b.* FROM __base AS b WHERE `, restriction(tree, 'b.__cid')));
  ctes.push(sql('__member AS (', SqlFragment.join(members, ' UNION ALL '), ')'));

  // The metrics: 用户数 and 去重数 count, 总和 of nothing is 0; 均值 / 最大值 / 最小值 of nothing are NULL.
  const metricSql = input.aggregates.map((aggregate, i) => {
    const v = `ev.__v${i}`;
    const value =
      aggregate === 'users'
        ? 'count(*)'
        : aggregate === 'distinct'
          ? `count(DISTINCT ${v})`
          : aggregate === 'sum'
            ? `coalesce(sum(${v}), 0)`
            : `${aggregate}(${v})`;
    return `CAST(${value} AS DOUBLE) AS __m${i}`;
  });
  // 总体's contacts (an empty pie at 0), whatever the metrics.
  metricSql.push('count(*) AS __users');
  const keys = [...dims.map((_, i) => `__d${i}`), ...(input.aggregateGroups.length ? ['__a'] : [])];
  if (keys.length === 0) {
    ctes.push(
      SqlFragment.raw(`__agg AS (SELECT ev.__g, 1 AS __total, ${metricSql.join(', ')} FROM __member AS ev GROUP BY ev.__g)`),
    );
    return sql('WITH ', SqlFragment.join(ctes, ', '), ' SELECT *, 0 AS __rn, 0 AS __groups FROM __agg ORDER BY __g');
  }
  const keyList = keys.join(', ');
  ctes.push(
    SqlFragment.raw(
      `__agg AS (SELECT __g, GROUPING(__d0) AS __total, ${keyList}, ${metricSql.join(', ')}` +
        ` FROM __member AS ev GROUP BY GROUPING SETS ((__g, ${keyList}), (__g)))`,
    ),
    SqlFragment.raw(
      `__numbered AS (SELECT __agg.*, row_number() OVER (PARTITION BY __g, __total ORDER BY __m0 DESC NULLS LAST` +
        `${keys.map((k) => `, ${k} NULLS LAST`).join('')}) AS __rn, count(*) OVER (PARTITION BY __g, __total) AS __groups FROM __agg)`,
    ),
  );
  return sql(
    'WITH ',
    SqlFragment.join(ctes, ', '),
    ' SELECT * FROM __numbered WHERE __total = 1 OR __rn <= ',
    SqlFragment.param(input.maxGroups),
    ' ORDER BY __g, __total DESC, __rn',
  );
}

const num = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

/** The statement's rows → 总体 of each group (zeros for a group without contacts) and its ranked rows. */
function shapeRows(
  rows: Record<string, unknown>[],
  input: { aggregates: UserAnalysisAggregate[]; dims: number; groups: number },
): { totals: UserAnalysisTotal[]; rows: UserAnalysisRow[]; groupCount: number } {
  const counted = (aggregate: UserAnalysisAggregate) => aggregate === 'users' || aggregate === 'distinct' || aggregate === 'sum';
  const values = (row: Record<string, unknown> | undefined) =>
    input.aggregates.map((aggregate, i) => {
      const value = row ? num(row[`__m${i}`]) : null;
      return value === null && counted(aggregate) ? 0 : value;
    });
  const grouped = input.groups > 0;
  const byGroup = new Map<number, Record<string, unknown>>();
  const out: UserAnalysisRow[] = [];
  let groupCount = 0;
  for (const row of rows) {
    const group = Number(row.__g ?? 0);
    if (Number(row.__total) === 1) {
      byGroup.set(group, row);
      continue;
    }
    groupCount = Math.max(groupCount, Number(row.__groups ?? 0));
    const dimensions = Array.from({ length: input.dims }, (_, i) =>
      row[`__d${i}`] === null || row[`__d${i}`] === undefined ? null : String(row[`__d${i}`]),
    );
    out.push({
      ...(grouped ? { group } : {}),
      dimensions,
      ...(row.__a !== null && row.__a !== undefined ? { aggregate: true as const } : {}),
      values: values(row),
    });
  }
  const totals: UserAnalysisTotal[] = Array.from({ length: Math.max(input.groups, 1) }, (_, group) => {
    const row = byGroup.get(group);
    const metrics = values(row);
    return {
      ...(grouped ? { group } : {}),
      users: row ? Number(row.__users ?? 0) : 0,
      values: metrics,
    };
  });
  return { totals, rows: out, groupCount };
}
