import Joi from 'joi';
import { ForbiddenError } from '../../../server/errors.js';
import type { ReportModelDefinition, ReportPlan, ReportPlanContext } from '../../../kernel/contributions.js';
import { OPERATOR_SQL_MAX_LENGTH } from '../../../store/olap/operator-sql.js';
import type { AnalyticsEngine } from '../../../store/olap/analytics-engine.js';
import type { ContactViewMemberships } from '../../../store/olap/relations.js';
import type { TableReportResult } from '../report.types.js';

/** 自定义查询 (seed §1.7.12; ADR 0062): the question is the operator's SQL. */
export interface CustomQuery {
  sql: string;
}

/** Rows of one answer: shown in the console, written to an export (ADR 0062). */
export const customQueryLimits = { shownRows: 1_000, exportedRows: 100_000 } as const;

export const customQuerySchema = Joi.object<CustomQuery>({
  sql: Joi.string().trim().min(1).max(OPERATOR_SQL_MAX_LENGTH).required(),
}).label('CustomQuery');

type Deps = {
  /** The `group_<id>` / `tag_…` columns the SQL names, at their active versions (the tags service's). */
  contactView(tenantId: string, sql: string): Promise<ContactViewMemberships>;
  /** The contact fields the tenant masks (the masking service's; ADR 0024). */
  maskedKeys(tenantId: string): Promise<string[]>;
};

/**
 * 自定义查询 as a report model: the operator's SQL over `event_view` and `contact_view`, checked and
 * run by the operator-SQL sandbox (ADR 0046) — planning refuses what the sandbox refuses, so saving
 * checks it too — its rows as a table result (`kind: 'table'`), at most 1,000 shown and 100,000
 * exported, `truncated` when more existed. No time range of its own: a dashboard's temporary range
 * leaves it as it is.
 */
export function customQueryModel(deps: Deps): ReportModelDefinition<CustomQuery> {
  return {
    id: 'customQuery',
    name: { 'zh-CN': '自定义查询', 'en-US': 'Custom query' },
    query: customQuerySchema,
    limits: { shown: customQueryLimits.shownRows, exported: customQueryLimits.exportedRows },
    timeRangeField: null,
    examples: [{ sql: 'SELECT event, count(*) AS events, count(DISTINCT contact_id) AS users FROM event_view GROUP BY event' }],
    plan: (query, context) => planCustomQuery(deps, query, context),
  };
}

async function planCustomQuery(deps: Deps, query: CustomQuery, context: ReportPlanContext): Promise<ReportPlan> {
  // contact_view holds every contact field in clear: while the tenant masks any (ADR 0024), only an asker who
  // sees masked fields in clear may query it (R22B-19). Refused before the cache, which is per tenant.
  if (!context.unmasked && (await deps.maskedKeys(context.tenantId)).length > 0)
    throw new ForbiddenError('report_custom_query_unmasked_required');
  // Refuses (400, path `sql`) what the sandbox refuses; the memberships bind the statement (and the cache key).
  const contactView = await deps.contactView(context.tenantId, query.sql);
  return {
    statements: [{ sql: query.sql, params: [], operator: { contactView, maxRows: context.maxGroups } }],
    finish([rows = []], [info]): Omit<TableReportResult, 'model' | 'timeZone' | 'computedAt' | 'cached'> {
      return {
        kind: 'table',
        columns: info?.columns ?? [],
        rows,
        groupCount: rows.length,
        truncated: info?.truncated ?? false,
      };
    },
  };
}

export interface ViewColumn {
  name: string;
  type: string;
  /** What the column holds, when it is a group's, a tag's or a custom property's. */
  label?: string;
}

/**
 * The columns the sandbox gives `event_view` and `contact_view` for a tenant (read from the sandbox
 * itself: `SELECT * … ` with no row), then the `group_<id>` and `tag_…` columns of its computed groups
 * and tags — the SQL editor's side panel. A tenant without analytics data yet has no columns.
 */
export async function viewColumns(
  olap: AnalyticsEngine,
  tenantId: string,
  memberships: { groups: { id: string; name: string }[]; tags: { code: string; name: string; type: string }[] },
  labels: { events: ReadonlyMap<string, string>; contacts: ReadonlyMap<string, string> },
): Promise<{ name: string; columns: ViewColumn[] }[]> {
  const analytics = olap.forTenant(tenantId);
  const declared = (await analytics.schema()) !== undefined;
  const columnsOf = async (view: string) =>
    declared ? (await analytics.operatorQuery(`SELECT * FROM ${view}`, { maxRows: 0 })).columns : [];
  const [events, contacts] = await Promise.all([columnsOf('event_view'), columnsOf('contact_view')]);
  const labelled = (columns: { name: string; type: string }[], names: ReadonlyMap<string, string>): ViewColumn[] =>
    columns.map((column) => {
      const label = names.get(column.name);
      return label === undefined ? column : { ...column, label };
    });
  return [
    { name: 'event_view', columns: labelled(events, labels.events) },
    {
      name: 'contact_view',
      columns: [
        ...labelled(contacts, labels.contacts),
        ...memberships.groups.map((group) => ({ name: `group_${group.id}`, type: 'BOOLEAN', label: group.name })),
        ...memberships.tags.map((tag) => ({ name: tag.code, type: tag.type, label: tag.name })),
      ],
    },
  ];
}
