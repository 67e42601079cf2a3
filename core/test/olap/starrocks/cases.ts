import type { ReportModelDefinition, ReportPlanContext } from '../../../src/kernel/contributions.js';
import { buildContext, metadataFromDeclaration, type GroupRef, type TagRef } from '../../../src/modules/conditions/catalogue.js';
import { ConditionCompiler } from '../../../src/modules/conditions/compiler.js';
import type { ConditionNode, ConditionTree, TimeRange } from '../../../src/modules/conditions/condition.types.js';
import { clearFieldAccess, type ConditionsService } from '../../../src/modules/conditions/conditions.service.js';
import type { GroupSelectionsService } from '../../../src/modules/group-selections/group-selections.service.js';
import { exportChunkSql, exportMatchingStatement } from '../../../src/modules/contact-exports/contact-exports.service.js';
import { contactListStatements } from '../../../src/modules/contacts/list.service.js';
import { propertyColumns, systemColumns } from '../../../src/modules/contacts/list.types.js';
import { eventsPerMonthStatement, homeTimelineStatement, TRACKED_USERS_SQL } from '../../../src/modules/home/home.service.js';
import { attributionModel } from '../../../src/modules/reports/attribution/attribution.js';
import { distributionModel } from '../../../src/modules/reports/distribution/distribution.js';
import { eventAnalysisModel } from '../../../src/modules/reports/event-analysis.js';
import { funnelModel } from '../../../src/modules/reports/funnel/funnel.js';
import { ltvAnalysisModel } from '../../../src/modules/reports/ltv/ltv-analysis.js';
import { pathModel } from '../../../src/modules/reports/path/path.js';
import { profileStatements } from '../../../src/modules/reports/profile/profile.js';
import { retentionAnalysisModel } from '../../../src/modules/reports/retention/retention-analysis.js';
import { userAnalysisModel } from '../../../src/modules/reports/user/user-analysis.js';
import type { OlapTenantDeclaration } from '../../../src/store/olap/declaration.js';
import { conditionDeclaration } from '../../conditions/support.js';
import { TenantRelations } from '../../../src/store/olap/relations.js';
import { starRocksDialect } from '../../../src/store/olap/starrocks/starrocks-dialect.js';
import { sampleDeclaration } from '../support.js';
import type { GoldenCase } from './support.js';

/** Shanghai wall clock → epoch ms. */
const shanghai = (y: number, m: number, d: number, h = 0): number => Date.UTC(y, m - 1, d, h - 8);
/** The evaluation time of every golden: 2026-02-10 12:00 in Shanghai (the condition fixtures' date). */
export const GOLDEN_NOW = shanghai(2026, 2, 10, 12);

// ---- (a) the engine contract suite's SQL (core/test/olap/engine-contract.ts) ------------------------------

export function contractCases(): GoldenCase[] {
  const declaration = sampleDeclaration();
  // The contract declares `color` later, as property 14 in one case and 15 in another.
  const withColor = (id: string): OlapTenantDeclaration => ({
    ...declaration,
    eventProperties: [...declaration.eventProperties, { id, name: 'color', type: 'string' }],
  });
  const d = starRocksDialect;
  const plain = (name: string, about: string, sql: string, extra: Partial<GoldenCase> = {}): GoldenCase => ({
    area: 'contract',
    name,
    about,
    sql,
    declaration,
    ...extra,
  });
  const relations = new TenantRelations(d, '7', declaration, []);
  return [
    plain('view-event-view', 'the body of the tenant’s event_view (operator names, local times)', relations.eventViewBody(), {
      physical: true,
    }),
    plain(
      'view-contact-view',
      'the body of the tenant’s contact_view (local times, p_attr columns)',
      relations.contactViewBody(),
      {
        physical: true,
      },
    ),
    plain('count-events', 'events counted (the relation CTE: merges applied)', 'SELECT count(*) AS n FROM events'),
    plain('count-contacts', 'contacts counted', 'SELECT count(*) AS n FROM contacts'),
    plain('count-event-view', 'event_view counted', 'SELECT count(*) AS n FROM event_view'),
    plain('count-contact-view', 'contact_view counted', 'SELECT count(*) AS n FROM contact_view'),
    plain(
      'typed-after-declare',
      'a property declared later, read typed',
      'SELECT p_11 AS amount, p_14 AS color, extra FROM events ORDER BY p_11',
      { declaration: withColor('14') },
    ),
    plain('event-view-columns', 'event_view columns only', 'SELECT * FROM event_view LIMIT 0'),
    plain('event-view-sku', 'a property of event_view by its name', 'SELECT p_sku FROM event_view'),
    plain('typed-columns', 'typed columns and extra', 'SELECT p_11, p_12, p_13, s_msg_type, extra FROM events'),
    plain(
      'event-day',
      'the stored local day and the local time of event_view',
      'SELECT event_day AS d, event_date AS local FROM event_view',
    ),
    plain(
      'event-view-names',
      'event_view with operator names and aliases',
      'SELECT contact_id, event, event_alias, event_date, event_day, p_amount, p_sku, s_msg_type, s_direction FROM event_view ORDER BY event_date',
    ),
    plain(
      'contact-view-memberships',
      'contact_view with a group column and a tag column joined',
      'SELECT id, name, created_at, p_attr21, group_500, tag_vip_score FROM contact_view ORDER BY id',
      {
        contactView: {
          groups: [{ groupId: '500', version: 2 }],
          tags: [{ tagId: '600', column: 'tag_vip_score', calcDate: '2026-11-24', type: 'number' }],
        },
      },
    ),
    plain(
      'merged-contacts',
      'events of merged contacts count for the survivor',
      'SELECT contact_id, source_contact_id FROM events ORDER BY source_contact_id',
    ),
    plain('distinct-contacts', 'distinct contacts of event_view', 'SELECT count(DISTINCT contact_id) AS n FROM event_view'),
    plain(
      'live-declared',
      'a value typed or still in extra (the dialect reads extra)',
      `SELECT count(*) AS n FROM events WHERE p_15 = concat('c', CAST(CAST(p_11 AS INTEGER) AS VARCHAR)) OR ${d.jsonString('extra', 'color')} = concat('c', CAST(CAST(p_11 AS INTEGER) AS VARCHAR))`,
      { declaration: withColor('15') },
    ),
    plain('group-from-sql', 'a group version written from SQL', 'SELECT contact_id FROM events WHERE p_11 > ?', { params: [5] }),
    plain('group-versions', 'group versions read back', 'SELECT version, contact_id FROM group_member WHERE group_id = 9'),
    plain(
      'group-members',
      'a version read through its real-time delta (LEFT ANTI JOIN)',
      'SELECT contact_id FROM group_member WHERE group_id = CAST(? AS BIGINT) AND version = ? ORDER BY contact_id',
      { params: ['21', 1] },
    ),
    plain(
      'contact-view-group',
      'contact_view filtered by a group column',
      'SELECT id FROM contact_view WHERE group_21 ORDER BY id',
      {
        contactView: { groups: [{ groupId: '21', version: 1 }] },
      },
    ),
    plain('tag-from-sql', 'a tag written from SQL', 'SELECT contact_id, p_12 AS value FROM events'),
    plain(
      'tag-values',
      'tag values read back',
      'SELECT tag_id, value_string, value_number, value_strings FROM tag_value ORDER BY tag_id',
    ),
    plain(
      'tag-runs',
      'a tag’s runs side by side',
      'SELECT CAST(calc_date AS VARCHAR) AS day, run, contact_id, value_string FROM tag_value WHERE tag_id = 7 ORDER BY 1, 2, 3',
    ),
    plain('dimension', 'a dimension table', 'SELECT f_1, f_2 FROM dimension_31'),
    plain(
      'live-color',
      'a property declared at run time, by its name',
      `SELECT count(*) AS n FROM event_view WHERE p_color = 'c15'`,
      {
        declaration: withColor('15'),
      },
    ),
    plain(
      'own-with',
      'relation CTEs merged into the SQL’s own WITH (a comment first)',
      `-- daily counts\nWITH per_contact AS (SELECT contact_id, count(*) AS c FROM events GROUP BY contact_id)\nSELECT sum(c) AS n FROM per_contact`,
    ),
    plain(
      'operator-tag-column',
      'operator SQL reading a tag run as a column',
      'SELECT id, tag_level AS level FROM contact_view ORDER BY id',
      {
        operator: { maxRows: 10_000 },
        contactView: { tags: [{ tagId: '7', column: 'tag_level', calcDate: '2026-11-24', run: 2, type: 'string' }] },
      },
    ),
    plain(
      'operator-spend',
      'operator SQL with its own WITH, a group and a tag column',
      `WITH spend AS (SELECT contact_id, sum(p_amount) AS total FROM event_view GROUP BY contact_id)
       SELECT c.id AS contact_id, coalesce(s.total, 0) AS value, c.group_3 AS g, c.tag_score AS t
         FROM contact_view AS c LEFT JOIN spend AS s ON s.contact_id = c.id ORDER BY c.id`,
      {
        operator: { maxRows: 10_000 },
        contactView: {
          groups: [{ groupId: '3', version: 1 }],
          tags: [{ tagId: '4', column: 'tag_score', calcDate: '2026-11-24', type: 'number' }],
        },
      },
    ),
    plain('operator-cut', 'operator SQL cut at maxRows', 'SELECT id FROM contact_view ORDER BY id', { operator: { maxRows: 1 } }),
    plain('operator-tag-source', 'a tag from operator SQL', 'SELECT id AS contact_id, 1 AS value FROM contact_view', {
      operator: { maxRows: 1_000_000 },
    }),
  ];
}

// ---- (b) the condition engine's fixtures (core/test/conditions) --------------------------------------------

const groups: GroupRef[] = [
  { id: '9', name: 'VIP', version: 1 },
  { id: '10', name: '未计算', version: null },
];
const tags: TagRef[] = [
  { id: '5', name: '会员等级', type: 'string', calcDate: '2026-02-09' },
  { id: '6', name: '累计消费', type: 'number', calcDate: '2026-02-09', run: 3 },
  { id: '7', name: '偏好品类', type: 'strings', calcDate: '2026-02-09' },
  { id: '8', name: '最近购买时间', type: 'time', calcDate: '2026-02-09' },
];

const where = (...conditions: ConditionNode[]): ConditionTree => ({ type: 'and', conditions });
const past = (days: number, includeToday = true): TimeRange => ({ kind: 'past', days, includeToday });
const property = (name: string, operator: string, values?: (string | number)[], range?: TimeRange): ConditionNode =>
  ({ type: 'property', property: name, operator, ...(values ? { values } : {}), ...(range ? { range } : {}) }) as ConditionNode;
const did = (extra: Record<string, unknown> = {}): ConditionNode =>
  ({ type: 'event', did: true, event: 'purchase', time: past(7), ...extra }) as ConditionNode;

export function conditionCases(): GoldenCase[] {
  const context = buildContext(metadataFromDeclaration(conditionDeclaration.timeZone, conditionDeclaration), groups, tags);
  const compiler = new ConditionCompiler(starRocksDialect);
  const count = (name: string, about: string, tree: ConditionTree, options: { contactIds?: string[] } = {}): GoldenCase => {
    const compiled = options.contactIds
      ? compiler.contactIds(tree, context, {
          now: GOLDEN_NOW,
          contactIds: options.contactIds,
          sourceContactIds: [...options.contactIds, '5'],
        })
      : compiler.count(tree, context, { now: GOLDEN_NOW });
    return { area: 'conditions', name, about, sql: compiled.sql, params: compiled.params, declaration: conditionDeclaration };
  };
  return [
    count('string-eq', 'string = several values', where(property('province', 'eq', ['上海', '北京']))),
    count('string-ne', 'string != (a missing value is "not equal")', where(property('province', 'ne', ['上海', '北京']))),
    count(
      'string-contains',
      'contains / not contains: literal (instr)',
      where(property('email', 'contains', ['%']), property('email', 'notContains', ['corp'])),
    ),
    count('string-empty', '空值 / 非空', where(property('city', 'empty'), property('email', 'notEmpty'))),
    count(
      'number-operators',
      'number < > >= <= between, NULL tests',
      where(
        property('attr21', 'lt', [7]),
        property('attr21', 'gt', [5]),
        property('attr21', 'gte', [7]),
        property('attr21', 'lte', [5]),
        property('attr21', 'between', [5, 7]),
        { type: 'or', conditions: [property('attr21', 'isNull'), property('attr21', 'notNull')] },
      ),
    ),
    count(
      'bool',
      'is true / is false',
      where({ type: 'or', conditions: [property('identified', 'isTrue'), property('identified', 'isFalse')] }),
    ),
    count(
      'time-today',
      'an instant today in the tenant zone (UTC bounds)',
      where(property('createdAt', 'in', undefined, { kind: 'today' })),
    ),
    count(
      'time-between',
      'absolute between, by day',
      where(property('createdAt', 'in', undefined, { kind: 'between', from: '2026-02-09', to: '2026-02-10' })),
    ),
    count(
      'date-property',
      'a custom date field compared by calendar day',
      where(property('attr22', 'in', undefined, { kind: 'thisMonth' })),
    ),
    count(
      'anniversary',
      'the dynamic date of an anniversary (29 February on the 28th)',
      where(property('dynamic:birthday', 'in', undefined, { kind: 'next', days: 7 })),
    ),
    count('did', 'did an event in 过去 7 天', where(did())),
    count(
      'did-not-count',
      'did NOT (count >= 3), complement including contacts without events',
      where({
        type: 'event',
        did: false,
        event: 'purchase',
        time: past(7),
        measure: { aggregate: 'count', operator: 'gte', values: [3] },
      } as ConditionNode),
    ),
    count(
      'did-sum',
      'a sum of a property between two values',
      where(did({ time: past(30), measure: { aggregate: 'sum', property: 'amount', operator: 'between', values: [100, 200] } })),
    ),
    count(
      'did-avg',
      'an average of a property',
      where(did({ time: past(30), measure: { aggregate: 'avg', property: 'amount', operator: 'gt', values: [50] } })),
    ),
    count(
      'did-distinct',
      'a distinct count of a property',
      where(did({ time: past(30), measure: { aggregate: 'distinctCount', property: 'sku', operator: 'gte', values: [2] } })),
    ),
    count(
      'did-filters-or',
      'event property filters: string, number, array, datetime; OR',
      where(
        did({
          time: past(60),
          filterOp: 'or',
          filters: [
            { property: 'sku', operator: 'eq', values: ['B'] },
            { property: 'amount', operator: 'gte', values: [200] },
            { property: 'categories', operator: 'containsAny', values: ['shoes', 'bags'] },
            { property: 'categories', operator: 'containsAll', values: ['sale'] },
            { property: 'categories', operator: 'empty' },
            { property: 'paid_at', operator: 'in', range: { kind: 'relativeDay', offset: -7 } },
          ],
        }),
      ),
    ),
    count(
      'several-event-leaves',
      'several event leaves read one scan, each its own window',
      where(did({ time: past(30), measure: { aggregate: 'max', property: 'amount', operator: 'gte', values: [2] } }), {
        type: 'event',
        did: false,
        event: 'unfollow',
        time: past(7),
      } as ConditionNode),
    ),
    count(
      'groups',
      'group in / not in at the active version; a group never computed',
      where({ type: 'group', groupId: '9', operator: 'in' }, { type: 'group', groupId: '10', operator: 'notIn' }),
    ),
    count(
      'tags',
      'string, number (a run), string-array and date tags',
      where(
        { type: 'tag', tagId: '5', operator: 'ne', values: ['gold'] } as ConditionNode,
        { type: 'tag', tagId: '6', operator: 'between', values: [180, 190] } as ConditionNode,
        { type: 'tag', tagId: '7', operator: 'notContainsAny', values: ['bags'] } as ConditionNode,
        { type: 'tag', tagId: '8', operator: 'in', range: { kind: 'today' } } as ConditionNode,
      ),
    ),
    count(
      'nested',
      'two levels of AND / OR; contact conditions at the root narrow the events scan',
      where(property('province', 'eq', ['上海']), {
        type: 'or',
        conditions: [did(), property('attr21', 'gt', [6])],
      }),
    ),
    count(
      'restricted',
      'evaluation restricted to given contacts (and those merged into them): array_contains',
      where(did({ measure: { aggregate: 'count', operator: 'gte', values: [3] } })),
      { contactIds: ['1', '4'] },
    ),
  ];
}

// ---- (c) each report model's representative query ----------------------------------------------------------

/** The report goldens' declaration: the events and properties the queries below name. */
export const reportDeclaration: OlapTenantDeclaration = {
  timeZone: 'Asia/Shanghai',
  events: [
    { code: 'purchase', alias: 'purchase' },
    { code: 'refund', alias: 'refund' },
    { code: 'view', alias: 'view' },
    { code: 'cart', alias: 'cart' },
    { code: 'pay', alias: 'pay' },
    { code: 'leave', alias: 'leave' },
  ],
  eventProperties: [
    { id: '11', name: 'amount', type: 'number' },
    { id: '12', name: 'sku', type: 'string' },
    { id: '13', name: 'campaign', type: 'string' },
  ],
  contactAttributes: [{ id: '21', type: 'integer', name: 'level' }],
  dimensions: [],
};

/** Never called by the goldens' queries (none compares groups). */
const noSelections = {
  resolveSelection() {
    throw new Error('the golden report queries compare no groups');
  },
} as unknown as GroupSelectionsService;

interface ReportGolden {
  name: string;
  about: string;
  model: ReportModelDefinition<never>;
  query: Record<string, unknown>;
}

const between = (from: string, to: string): TimeRange => ({ kind: 'between', from, to });

/**
 * The report models' statements for one representative query each, planned by the models themselves
 * against `conditions` (a conditions service whose engine writes StarRocks' dialect).
 */
export async function reportCases(conditions: ConditionsService, tenantId: string): Promise<GoldenCase[]> {
  const deps = { conditions, selections: noSelections, dialect: starRocksDialect };
  const week = between('2026-02-01', '2026-02-07');
  const models: ReportGolden[] = [
    {
      name: 'event-by-day',
      about: '事件分析: count, users, per user, sum by day with a contact-property dimension and a user filter',
      model: eventAnalysisModel(deps) as ReportModelDefinition<never>,
      query: {
        metrics: [
          { id: 'A', kind: 'event', event: 'purchase', aggregate: 'count' },
          { id: 'B', kind: 'event', event: 'purchase', aggregate: 'users' },
          { id: 'C', kind: 'event', event: 'refund', aggregate: 'sum', property: 'amount' },
          { id: 'D', kind: 'formula', formula: 'A / B', name: '人均' },
        ],
        dimensions: [{ kind: 'contactProperty', property: 'province' }],
        filters: { contacts: where(property('attr21', 'gte', [3])) },
        timeRange: week,
        granularity: 'day',
        chart: 'table',
      },
    },
    {
      name: 'event-by-week-ranges',
      about: '事件分析: a distinct count by week, an event-property dimension in ranges, the previous period',
      model: eventAnalysisModel(deps) as ReportModelDefinition<never>,
      query: {
        metrics: [{ id: 'A', kind: 'event', event: 'purchase', aggregate: 'distinct', property: 'sku' }],
        dimensions: [{ kind: 'eventProperty', property: 'amount', ranges: [0, 100, 500] }],
        timeRange: between('2026-01-01', '2026-01-31'),
        granularity: 'week',
        compare: true,
        chart: 'line',
      },
    },
    {
      name: 'funnel',
      about: '漏斗分析: three steps in 7 days, a contact-property dimension (range join with min(), no ASOF)',
      model: funnelModel(deps) as ReportModelDefinition<never>,
      query: {
        steps: [
          { event: 'view' },
          { event: 'cart' },
          { event: 'pay', filters: [{ property: 'amount', operator: 'gt', values: [0] }] },
        ],
        window: { unit: 'day', value: 7 },
        timeRange: week,
        dimension: { kind: 'contactProperty', property: 'province' },
      },
    },
    {
      name: 'funnel-exclusion-hold',
      about: '漏斗分析: an exclusion after step 1, a property held constant, an hour window',
      model: funnelModel(deps) as ReportModelDefinition<never>,
      query: {
        steps: [{ event: 'view' }, { event: 'cart' }, { event: 'pay' }],
        window: { unit: 'hour', value: 24 },
        timeRange: week,
        exclusions: [{ event: 'leave', afterStep: 1 }],
        holdProperty: 'sku',
      },
    },
    {
      name: 'retention',
      about: '留存分析: purchase → purchase by day, 7 periods',
      model: retentionAnalysisModel(deps) as ReportModelDefinition<never>,
      query: {
        initial: { event: 'purchase' },
        return: { event: 'purchase' },
        unit: 'day',
        periods: 7,
        timeRange: week,
      },
    },
    {
      name: 'retention-week-churn',
      about: '留存分析: view → purchase by week, 流失',
      model: retentionAnalysisModel(deps) as ReportModelDefinition<never>,
      query: {
        initial: { event: 'view' },
        return: { event: 'purchase', filters: [{ property: 'amount', operator: 'gt', values: [10] }] },
        unit: 'week',
        periods: 4,
        metric: 'churned',
        timeRange: between('2026-01-05', '2026-02-01'),
      },
    },
    {
      name: 'distribution',
      about: '分布分析: users by their sum of amount in default (nice-step) intervals',
      model: distributionModel(deps) as ReportModelDefinition<never>,
      query: {
        metric: { event: 'purchase', aggregate: 'sum', property: 'amount' },
        intervals: { mode: 'default' },
        timeRange: week,
      },
    },
    {
      name: 'path',
      about: '路径分析: sessions from the first view, 4 layers',
      model: pathModel(deps) as ReportModelDefinition<never>,
      query: {
        events: [{ event: 'view' }, { event: 'cart' }, { event: 'pay' }],
        anchor: { kind: 'start', event: 0 },
        timeRange: between('2026-02-01', '2026-02-01'),
      },
    },
    {
      name: 'attribution',
      about: '归因分析: linear attribution of pay to view and cart within 2 days, sum of amount',
      model: attributionModel(deps) as ReportModelDefinition<never>,
      query: {
        target: { event: 'pay' },
        touches: [{ event: 'view' }, { event: 'cart' }],
        windowDays: 2,
        attributionModel: 'linear',
        directConversions: true,
        metric: { aggregate: 'sum', property: 'amount' },
        timeRange: week,
      },
    },
    {
      name: 'ltv',
      about: 'LTV: first view → purchase amounts by day, 7 periods, a campaign dimension',
      model: ltvAnalysisModel(deps) as ReportModelDefinition<never>,
      query: {
        initial: { kind: 'event', event: 'view' },
        revenue: { event: 'purchase', aggregate: 'sum', property: 'amount' },
        dimensions: [{ kind: 'eventProperty', property: 'campaign' }],
        timeRange: between('2026-02-01', '2026-02-02'),
        unit: 'day',
        periods: 7,
      },
    },
    {
      name: 'user',
      about: '用户分析: users and the average level by province',
      model: userAnalysisModel(deps) as ReportModelDefinition<never>,
      query: {
        metrics: [{ aggregate: 'users' }, { aggregate: 'avg', property: 'attr21' }],
        dimensions: [{ kind: 'contactProperty', property: 'province' }],
      },
    },
  ];
  const context: ReportPlanContext = {
    tenantId,
    staffId: null,
    timeZone: reportDeclaration.timeZone,
    now: GOLDEN_NOW,
    maxGroups: 50,
    fields: clearFieldAccess,
  };
  const out: GoldenCase[] = [];
  for (const item of models) {
    const { value, error } = item.model.query.validate(item.query);
    if (error) throw new Error(`${item.name}: ${error.message}`);
    const plan = await item.model.plan!(value as never, context).catch((error: unknown) => {
      const details = (error as { details?: unknown }).details;
      throw new Error(`${item.name}: ${(error as Error).message} ${JSON.stringify(details)}`);
    });
    plan.statements.forEach((statement, index) =>
      out.push({
        area: 'reports',
        name: plan.statements.length > 1 ? `${item.name}-${index + 1}` : item.name,
        about: item.about,
        sql: statement.sql,
        params: statement.params,
        declaration: reportDeclaration,
      }),
    );
  }
  // 用户画像: the snapshot's two statements over a group of contacts.
  const scope = await conditions.reportScope({ tenantId, fields: clearFieldAccess }, [where(property('attr21', 'gte', [3]))], {
    now: GOLDEN_NOW,
  });
  const profile = profileStatements(
    starRocksDialect,
    scope.pieces.condition(where(property('attr21', 'gte', [3]))),
    'Asia/Shanghai',
  );
  for (const [name, statement] of [
    ['profile-time', profile.time],
    ['profile-region', profile.region],
  ] as const) {
    out.push({
      area: 'reports',
      name,
      about: '用户画像: members by local weekday and hour of creation / by province',
      sql: statement.text,
      params: [...statement.params],
      declaration: reportDeclaration,
    });
  }
  // 自定义查询: the operator's SQL, through the sandbox with StarRocks' allow-list.
  out.push({
    area: 'reports',
    name: 'custom-query',
    about: '自定义查询: the model’s example, as the sandbox regenerates it',
    sql: 'SELECT event, count(*) AS events, count(DISTINCT contact_id) AS users FROM event_view GROUP BY event ORDER BY events DESC',
    operator: { maxRows: 1_000 },
    declaration: reportDeclaration,
  });
  return out;
}

// ---- (d) other modules: the contact list, home, contact exports ------------------------------------------

export function moduleCases(): GoldenCase[] {
  const d = starRocksDialect;
  const declaration = conditionDeclaration;
  const context = buildContext(metadataFromDeclaration(declaration.timeZone, declaration), groups, tags);
  const compiler = new ConditionCompiler(d);
  const filter = where(property('province', 'eq', ['上海']), property('attr21', 'gte', [3]));
  const pick = (keys: string[]) => [...systemColumns, ...propertyColumns].filter((def) => keys.includes(def.key));
  const defs = [
    ...pick(['name', 'mobile', 'birthday', 'identified', 'firstSeenAt']),
    {
      key: 'attr21',
      source: 'custom' as const,
      name: { 'zh-CN': '等级', 'en-US': 'Level' },
      type: 'number' as const,
      olapColumn: 'p_21',
    },
    {
      key: 'attr99',
      source: 'custom' as const,
      name: { 'zh-CN': '新字段', 'en-US': 'New' },
      type: 'string' as const,
      olapColumn: 'p_99',
    },
  ];
  const list = contactListStatements(d, {
    defs,
    declaredColumns: new Set(['p_21', 'p_22']),
    kind: 'identified',
    compiled: compiler.compile(filter, context, { now: GOLDEN_NOW }),
    keyword: 'Zhang',
    isMasked: (maskKey) => maskKey === 'mobile',
    limit: 50,
  });
  const next = contactListStatements(d, {
    defs,
    declaredColumns: new Set(['p_21', 'p_22']),
    kind: 'anonymous',
    isMasked: () => false,
    after: { updatedAt: GOLDEN_NOW, id: '42' },
    limit: 50,
  });
  const timeline = homeTimelineStatement(d, {
    outbound: ['wechat.template.sent'],
    after: [GOLDEN_NOW, 'm-1', 'purchase'],
    limit: 20,
  });
  const months = eventsPerMonthStatement(d, 'Asia/Shanghai', { from: shanghai(2025, 3, 1), to: shanghai(2026, 3, 1) });
  const exported = exportMatchingStatement(
    'x.id AS id',
    compiler.contactIds(filter, context, { now: GOLDEN_NOW }),
    ' ORDER BY x.id LIMIT 100001',
  );
  const chunk = exportChunkSql(d, [
    'c."name" AS "c1"',
    `${d.localTimestamp('c."created_at"', 'Asia/Shanghai')} AS "c2"`,
    'c."p_21" AS "c3"',
  ]);
  const item = (name: string, about: string, sql: string, params: readonly unknown[] = []): GoldenCase => ({
    area: 'modules',
    name,
    about,
    sql,
    params: params as GoldenCase['params'],
    declaration,
  });
  return [
    item(
      'contact-list',
      '所有用户: a first page — kind, filter, keyword (masked mobile left out), columns',
      list.select.text,
      list.select.params,
    ),
    item('contact-list-count', '所有用户: the first page’s total', list.count!.text, list.count!.params),
    item('contact-list-next', '所有用户: a next page by the keyset cursor', next.select.text, next.select.params),
    item('home-timeline', '首页动态: inbound events and chosen outbound ones, keyset-paged', timeline.sql, timeline.params),
    item('home-events-per-month', '使用情况: events per local month', months.sql, months.params),
    item(
      'home-tracked-users',
      '追踪用户数: contacts with a non-pageview event OLAP does not know as identified',
      TRACKED_USERS_SQL,
      ['$pageview'],
    ),
    item('contact-export-ids', '用户导出: the identified contacts a filter matches', exported.sql, exported.params),
    item('contact-export-chunk', '用户导出: one chunk of contacts by id (a list parameter)', chunk, ['[1,2,3]']),
  ];
}

// ---- operator SQL on StarRocks (ADR 0046 with StarRocks' allow-lists) -------------------------------------

export function operatorCases(): GoldenCase[] {
  const item = (name: string, about: string, sql: string, contactView?: GoldenCase['contactView']): GoldenCase => ({
    area: 'operator',
    name,
    about,
    sql,
    operator: { maxRows: 1_000 },
    ...(contactView ? { contactView } : {}),
    declaration: sampleDeclaration(),
  });
  return [
    item(
      'daily-buyers',
      'LIKE, count_if, date_trunc and a window function, as DuckDB regenerates them',
      `SELECT date_trunc('day', event_date) AS day, count(*) AS events, count_if(p_amount > 100) AS big,
              rank() OVER (ORDER BY count(*) DESC) AS place
         FROM event_view WHERE event LIKE 'pur%' AND NOT (p_sku LIKE '%-test')
        GROUP BY date_trunc('day', event_date) ORDER BY day`,
    ),
    item(
      'sql-tag-median',
      'a SQL tag: the median spend per contact (percentile_cont), a CTE, a list constructor',
      `WITH spend AS (SELECT contact_id, percentile_cont(p_amount, 0.5) AS median FROM event_view
                       WHERE array_contains(['purchase', 'refund'], event) GROUP BY contact_id)
       SELECT c.id AS contact_id, coalesce(s.median, 0) AS value FROM contact_view AS c LEFT JOIN spend AS s ON s.contact_id = c.id`,
    ),
    item(
      'group-and-unnest',
      'a group column and unnest of a string-array tag in FROM',
      `SELECT c.id, u.v FROM contact_view AS c, unnest(c.tag_interests) AS u(v) WHERE c.group_8 AND char_length(u.v) > 1`,
      {
        groups: [{ groupId: '8', version: 4 }],
        tags: [{ tagId: '9', column: 'tag_interests', calcDate: '2026-02-09', type: 'string[]' }],
      },
    ),
  ];
}
