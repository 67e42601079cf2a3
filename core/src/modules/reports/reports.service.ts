import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type Joi from 'joi';
import type { ContributionRegistry } from '../../kernel/contribution-registry.js';
import type {
  ReportFieldAccess,
  ReportModelDefinition,
  ReportPlan,
  ReportPlanContext,
  ReportStatementInfo,
} from '../../kernel/contributions.js';
import { createServiceRef } from '../../kernel/extension-point.js';
import type { Logger } from 'pino';
import { InputError, NotFoundError } from '../../server/errors.js';
import type { AnalyticsEngine } from '../../store/olap/analytics-engine.js';
import type { TimeRange } from '../conditions/condition.types.js';
import type { TenantService } from '../tenancy/tenant.service.js';
import { QuerySlots } from './custom-query/query-slots.js';
import type { ReportModelInfo, ReportResult } from './report.types.js';

export const reportsServiceRef = createServiceRef<ReportsService>({ id: 'reports.service' });

/** Who asks: the tenant, and the staff member (their temporary groups, department scope) or none. */
export interface ReportActor {
  tenantId: string;
  staffId: string | null;
  /** Sees masked contact fields in clear (ADR 0024); absent: masked. */
  unmasked?: boolean;
}

/**
 * The contact properties `actor` may not use in a report (ADR 0069): the masking module's
 * `fieldAccess` for the actor's tenant, clear when the actor sees masked fields in clear.
 */
export type FieldAccessSource = (actor: ReportActor) => Promise<ReportFieldAccess>;

export interface ReportRunOptions {
  /** 强制刷新: compute even when the cache holds an answer (which is then replaced). */
  force?: boolean;
  /** `export` allows the larger group limit of §1.7.1. */
  purpose?: 'view' | 'export';
  /** A dashboard's temporary time range: replaces the query's own (models with a time range only). */
  timeRange?: TimeRange;
  /** The evaluation time (tests); default now. */
  now?: number;
}

const DEFAULT_LIMITS = { shown: 1000, exported: 4000 } as const;

/**
 * The rows of a plan's statements, not the answer: the answer is built from them on every request,
 * so what the statements do not determine — formulas, metric ids, names of events, groups and tags —
 * is always the question's own (R21-1, R21-2, R21-4).
 */
interface CacheEntry {
  revision: string;
  rows: Record<string, unknown>[][];
  info: ReportStatementInfo[];
  computedAt: number;
}

/** The module that owns core's report models: only they may plan operator SQL (自定义查询, ADR 0062). */
const CORE_REPORTS = 'reports';

type AnyModel = ReportModelDefinition<Record<string, unknown>>;

/**
 * The report engine (ADR 0052): every report model — core's 事件分析 and the analysis models, and
 * plugins' — comes from the reports extension point with one contract: a joi query schema, then
 * either `toSql` (a table of rows) or `plan` (statements + a function building the result from their
 * rows). Answers are cached by the plan's statements (which bind every group version, tag run and
 * resolved time bound they read) and the tenant's OLAP data revision, so a load, a computation or a
 * dimension write makes the next run compute afresh; 强制刷新 skips the cache.
 */
export class ReportsService {
  private readonly cache: LRUCache<string, CacheEntry>;
  /** 自定义查询: one running operator query per staff member (ADR 0062). */
  readonly operatorSlots = new QuerySlots();

  constructor(
    private readonly contributions: ContributionRegistry,
    private readonly olap: AnalyticsEngine,
    private readonly tenants: TenantService,
    private readonly logger: Logger,
    /** What the asker sees masked (ADR 0069); absent: nothing (tests of models without contacts). */
    private readonly fieldAccess: FieldAccessSource,
    options: { cacheBytes?: number } = {},
  ) {
    this.cache = new LRUCache<string, CacheEntry>({
      maxSize: options.cacheBytes ?? 64 * 1024 * 1024,
      sizeCalculation: (entry) => Math.max(1, JSON.stringify(entry.rows).length),
      // Relative ranges resolve into the statements, so yesterday's entries are never hit again.
      ttl: 24 * 3_600_000,
    });
  }

  /** Every registered model, core's first. */
  models(): ReportModelInfo[] {
    return [...this.contributions.reportModels.values()].map(({ pluginId, definition }) => this.info(pluginId, definition));
  }

  private info(source: string, model: AnyModel): ReportModelInfo {
    return {
      id: model.id,
      name: model.name['zh-CN'],
      source,
      dashboard: model.dashboard ?? true,
      limits: model.limits ?? DEFAULT_LIMITS,
    };
  }

  /** The model `id` (404 `report_model_unknown`). */
  model(id: string): ReportModelInfo & { definition: AnyModel } {
    const owned = this.contributions.reportModels.get(id);
    if (!owned) throw new NotFoundError('report_model_unknown', { model: id });
    return { ...this.info(owned.pluginId, owned.definition), definition: owned.definition };
  }

  /** The query validated by its model's schema (400 `report_query_invalid`, each problem with its path). */
  parse(modelId: string, query: unknown): Record<string, unknown> {
    const { definition } = this.model(modelId);
    return validateQuery(definition.query, query);
  }

  /** The query with a dashboard's temporary time range in place of its own (unchanged for a model that ignores it). */
  withTimeRange(modelId: string, query: Record<string, unknown>, range: TimeRange): Record<string, unknown> {
    const field = this.model(modelId).definition.timeRangeField;
    if (field === null) return query;
    return { ...query, [field ?? 'timeRange']: range };
  }

  /**
   * Checks a query completely — schema, and everything its plan resolves (events, properties,
   * groups, formulas, chart rules) — without running it: what saving a report does.
   */
  async check(actor: ReportActor, modelId: string, query: unknown): Promise<Record<string, unknown>> {
    const parsed = this.parse(modelId, query);
    await this.plan(actor, modelId, parsed, { purpose: 'view' });
    return parsed;
  }

  async run(actor: ReportActor, modelId: string, query: unknown, options: ReportRunOptions = {}): Promise<ReportResult> {
    let parsed = this.parse(modelId, query);
    if (options.timeRange) parsed = this.parse(modelId, this.withTimeRange(modelId, parsed, options.timeRange));
    const { plan, timeZone } = await this.plan(actor, modelId, parsed, options);
    // Counts the model stored itself (用户画像's daily snapshot, ADR 0061): no statement, no cache.
    if (plan.stored) {
      const { computedAt, fresh } = plan.stored;
      return { ...plan.finish([], []), model: modelId, timeZone, computedAt, cached: !fresh } as ReportResult;
    }
    const analytics = this.olap.forTenant(actor.tenantId);
    const revision = await analytics.dataRevision();
    const key = `${actor.tenantId}:${createHash('sha256')
      .update(JSON.stringify({ model: modelId, purpose: options.purpose ?? 'view', statements: plan.statements }, bigintJson))
      .digest('base64url')}`;
    const hit = this.cache.get(key);
    if (hit && hit.revision === revision && !options.force) {
      return {
        ...plan.finish(hit.rows, hit.info),
        model: modelId,
        timeZone,
        computedAt: hit.computedAt,
        cached: true,
      } as ReportResult;
    }
    const computedAt = Date.now();
    const rows: Record<string, unknown>[][] = [];
    const info: ReportStatementInfo[] = [];
    // A tenant without analytics data yet (no event, no metadata change) has nothing to count: every
    // statement answers no rows instead of 404 olap_tenant_not_declared.
    const declared = plan.statements.length > 0 && (await analytics.schema()) !== undefined;
    for (const statement of plan.statements) {
      if (!declared) {
        rows.push([]);
        info.push({ columns: [], truncated: false });
        continue;
      }
      const operator = statement.operator;
      const result = operator
        ? // Operator SQL: the sandbox (ADR 0046), the engine's query time limit, one at a time per staff member.
          await this.operatorSlots.run(`${actor.tenantId}:${actor.staffId ?? 'app'}`, () =>
            analytics.operatorQuery(statement.sql, {
              maxRows: operator.maxRows,
              contactView: operator.contactView,
              rowMode: 'json',
            }),
          )
        : await analytics.query(statement.sql, { params: statement.params, rowMode: 'json' });
      rows.push(result.rows);
      info.push({ columns: result.columns, truncated: result.truncated });
    }
    const output = plan.finish(rows, info);
    this.cache.set(key, { revision, rows, info, computedAt });
    this.logger.debug(
      { tenantId: actor.tenantId, model: modelId, statements: plan.statements.length, ms: Date.now() - computedAt },
      'report computed',
    );
    return { ...output, model: modelId, timeZone, computedAt, cached: false } as ReportResult;
  }

  /**
   * 保存为群组 (ADR 0063): the contacts of one cell of a model's result — the model's own statement
   * (`cellContacts`), so they are exactly the ones the cell counts — at most `max` of them (400
   * `report_cell_too_many_contacts` beyond). 400 `report_cell_unsupported` for a model without cells,
   * `report_cell_invalid` (paths under `cell`) for a cell its schema refuses or its result does not have.
   */
  async cellContacts(
    actor: ReportActor,
    modelId: string,
    query: unknown,
    cell: unknown,
    options: { max: number; now?: number },
  ): Promise<string[]> {
    const parsed = this.parse(modelId, query);
    const model = this.model(modelId);
    const definition = model.definition;
    if (!definition.cell || !definition.cellContacts)
      throw new InputError('report_cell_unsupported', { model: modelId }, [{ path: 'model', code: 'report_cell_unsupported' }]);
    const { value, error } = definition.cell.validate(cell ?? {}, { abortEarly: false, convert: true });
    if (error) {
      throw new InputError(
        'report_cell_invalid',
        { count: error.details.length },
        error.details.map((d) => ({ path: ['cell', ...d.path].join('.'), code: 'report_cell_invalid' })),
      );
    }
    const statement = await definition.cellContacts(
      parsed,
      value as Record<string, unknown>,
      await this.planContext(actor, { now: options.now, maxGroups: model.limits.shown }),
    );
    const analytics = this.olap.forTenant(actor.tenantId);
    // A tenant without analytics data has no one in any cell.
    if (!statement.sql || (await analytics.schema()) === undefined) return [];
    const result = await analytics.query<{ contact_id: unknown }>(statement.sql, {
      params: statement.params,
      maxRows: options.max,
      rowMode: 'json',
    });
    if (result.truncated)
      throw new InputError('report_cell_too_many_contacts', { max: options.max }, [
        { path: 'cell', code: 'report_cell_too_many_contacts' },
      ]);
    return result.rows.map((row) => String(row.contact_id));
  }

  private async plan(
    actor: ReportActor,
    modelId: string,
    query: Record<string, unknown>,
    options: ReportRunOptions,
  ): Promise<{ plan: ReportPlan; timeZone: string }> {
    const model = this.model(modelId);
    const maxGroups = options.purpose === 'export' ? model.limits.exported : model.limits.shown;
    const definition = model.definition;
    const context = await this.planContext(actor, { now: options.now, maxGroups });
    const timeZone = context.timeZone;
    if (definition.plan) {
      // The asker's masked fields are refused here, while planning (ADR 0069): before the cache is read.
      const plan = await definition.plan(query, context);
      if (model.source !== CORE_REPORTS && plan.statements.some((statement) => statement.operator))
        throw new Error(`report model "${modelId}" of ${model.source} planned operator SQL: only core's models may`);
      return { plan, timeZone };
    }
    // A model given as SQL (plugins): its rows as a table, at most maxGroups of them.
    const sql = definition.toSql!(query, { timeZone });
    return {
      timeZone,
      plan: {
        statements: [{ sql: `SELECT * FROM (${sql}) AS __report LIMIT ${maxGroups + 1}`, params: [] }],
        finish: ([rows = []]) => {
          const truncated = rows.length > maxGroups;
          const kept = truncated ? rows.slice(0, maxGroups) : rows;
          const columns = Object.keys(kept[0] ?? {}).map((name) => ({ name, type: typeof kept[0]![name] }));
          return { kind: 'table', columns, rows: kept, groupCount: rows.length, truncated };
        },
      },
    };
  }

  /** What a model's `plan` and `cellContacts` know of the run, the asker's masked fields included. */
  private async planContext(actor: ReportActor, options: { now?: number; maxGroups: number }): Promise<ReportPlanContext> {
    const [tenant, fields] = await Promise.all([this.tenants.get(actor.tenantId), this.fieldAccess(actor)]);
    return {
      tenantId: actor.tenantId,
      staffId: actor.staffId,
      unmasked: actor.unmasked ?? false,
      fields,
      timeZone: tenant.timeZone,
      now: options.now ?? Date.now(),
      maxGroups: options.maxGroups,
    };
  }

  /** Drops every cached answer of a tenant (a model's definition changed under it, tests). */
  forget(tenantId: string): void {
    for (const key of this.cache.keys()) if (key.startsWith(`${tenantId}:`)) this.cache.delete(key);
  }
}

const bigintJson = (_key: string, value: unknown) => (typeof value === 'bigint' ? `${value}n` : value);

function validateQuery(schema: Joi.ObjectSchema, query: unknown): Record<string, unknown> {
  const { value, error } = schema.validate(query, { abortEarly: false, convert: true });
  if (error) {
    throw new InputError(
      'report_query_invalid',
      { count: error.details.length },
      error.details.map((d) => ({ path: d.path.join('.'), code: 'report_query_invalid' })),
    );
  }
  return value as Record<string, unknown>;
}
