import Joi from 'joi';
import type { Logger } from 'pino';
import type { ReportModelDefinition, ReportPlan, ReportPlanContext } from '../../../kernel/contributions.js';
import { createServiceRef } from '../../../kernel/extension-point.js';
import type { TaskQueue } from '../../../jobs/task-queue.js';
import { NotFoundError } from '../../../server/errors.js';
import type { AnalyticsEngine } from '../../../store/olap/analytics-engine.js';
import type { SqlDialect } from '../../../store/olap/dialect.js';
import { SqlFragment, sql } from '../../../store/olap/sql-fragment.js';
import type { ModuleDatabase } from '../../../store/oltp/oltp-store.js';
import { isUniqueViolation } from '../../../store/oltp/oltp-store.js';
import type { ConditionTree } from '../../conditions/condition.types.js';
import type { CompiledCondition } from '../../conditions/compiler.js';
import { clearFieldAccess, type ConditionsService } from '../../conditions/conditions.service.js';
import type { GroupSelectionsService } from '../../group-selections/group-selections.service.js';
import {
  UNKNOWN_PROVINCE,
  normalizeProvince,
  profileViews,
  type ProfileGroup,
  type ProfileQuery,
  type ProfileReportResult,
} from './profile.types.js';

/** The task that refreshes a tenant's snapshots (it reads OLAP, so the process holding DuckDB runs it). */
export const PROFILE_REFRESH_TASK = 'reports.profile-refresh';
/** 每天凌晨2点 (seed §1.7.5) in the tenant's zone. */
export const PROFILE_DAILY_CRON = '0 2 * * *';

const idSchema = Joi.string().pattern(/^[1-9][0-9]{0,18}$/);

export const profileQuerySchema = Joi.object<ProfileQuery>({
  group: Joi.alternatives()
    .try(
      Joi.object({ type: Joi.string().valid('all').required() }).label('ProfileAllContacts'),
      Joi.object({ type: Joi.string().valid('group').required(), groupId: idSchema.required() }).label('ProfileGroupSelection'),
      Joi.object({
        type: Joi.string().valid('exclusive').required(),
        exclusiveGroupId: idSchema.required(),
        position: Joi.number().integer().min(1).max(20).required(),
      }).label('ProfileExclusiveSegment'),
    )
    .required()
    .label('ProfileGroup'),
  view: Joi.string()
    .valid(...profileViews)
    .default('time')
    .label('ProfileView'),
  search: Joi.string().trim().max(50).allow(''),
}).label('ProfileQuery');

/** What a snapshot keeps: the counts, before shares and names. */
export interface ProfileSnapshotData {
  members: number;
  /** `matrix[weekday][hour]`, weekday 0 = Sunday, in the tenant's zone. */
  matrix: number[][];
  withoutCreatedTime: number;
  /** Members per province name of the map, and 未知. */
  provinces: Record<string, number>;
}

export interface ProfileSnapshot {
  data: ProfileSnapshotData;
  computedAt: number;
}

interface ProfileRow {
  id: number | string;
  tenant_id: number | string;
  group_key: string;
  data: string;
  computed_at: number | string;
}

/** The snapshot's key: `all`, `group:<id>`, `exclusive:<id>:<position>`. */
export function profileGroupKey(group: ProfileGroup): string {
  if (group.type === 'all') return 'all';
  if (group.type === 'group') return `group:${group.groupId}`;
  return `exclusive:${group.exclusiveGroupId}:${group.position}`;
}

function groupOfKey(key: string): ProfileGroup | undefined {
  if (key === 'all') return { type: 'all' };
  const group = /^group:([1-9][0-9]{0,18})$/.exec(key);
  if (group) return { type: 'group', groupId: group[1]! };
  const segment = /^exclusive:([1-9][0-9]{0,18}):([0-9]{1,2})$/.exec(key);
  if (segment) return { type: 'exclusive', exclusiveGroupId: segment[1]!, position: Number(segment[2]) };
  return undefined;
}

const num = (value: unknown): number => Number(value ?? 0);

/**
 * The one contact property the profile reads (地域分析): its column of `contacts` and its key in the
 * condition catalogue, which the masked-field check of the answer names (ADR 0069).
 */
const REGION_PROPERTY = 'province';

/** The counts of the statements' rows: the weekday × hour cells and the raw province values, normalised. */
/**
 * The snapshot's two statements over the group's members (a compiled condition over `contacts AS c`):
 * members per local weekday and hour of creation, and per province. Grouped by the expressions, not
 * by position: StarRocks documents no GROUP BY ordinal (ADR 0066).
 */
export function profileStatements(
  dialect: SqlDialect,
  compiled: CompiledCondition,
  timeZone: string,
): { time: SqlFragment; region: SqlFragment } {
  const membersCte = sql(
    `__members AS (SELECT c.created_at, c.${REGION_PROPERTY} FROM contacts AS c`,
    ...compiled.joins.map((join) => sql(' ', join)),
    ' WHERE ',
    compiled.predicate,
    ')',
  );
  const members = sql('WITH ', SqlFragment.join([...compiled.ctes, membersCte], ', '), ' ');
  const weekday = dialect.localWeekday('created_at', timeZone);
  const hour = dialect.localHour('created_at', timeZone);
  return {
    time: sql(
      members,
      `SELECT ${weekday} AS weekday, ${hour} AS hour, count(*) AS n FROM __members WHERE created_at IS NOT NULL GROUP BY ${weekday}, ${hour}`,
    ),
    region: sql(members, 'SELECT province, count(*) AS n FROM __members GROUP BY province'),
  };
}

export function snapshotOf(timeRows: Record<string, unknown>[], regionRows: Record<string, unknown>[]): ProfileSnapshotData {
  const matrix = Array.from({ length: 7 }, () => Array.from({ length: 24 }, () => 0));
  let dated = 0;
  for (const row of timeRows) {
    const weekday = num(row.weekday);
    const hour = num(row.hour);
    const count = num(row.n);
    if (weekday >= 0 && weekday < 7 && hour >= 0 && hour < 24) matrix[weekday]![hour]! += count;
    dated += count;
  }
  const provinces: Record<string, number> = {};
  let members = 0;
  for (const row of regionRows) {
    const count = num(row.n);
    const name = normalizeProvince(typeof row.province === 'string' ? row.province : null) ?? UNKNOWN_PROVINCE;
    provinces[name] = (provinces[name] ?? 0) + count;
    members += count;
  }
  return { members, matrix, withoutCreatedTime: members - dated, provinces };
}

/** A snapshot as the answer shows it: shares, provinces most first (未知 last). */
export function profileAnswer(data: ProfileSnapshotData): Pick<ProfileReportResult, 'members' | 'time' | 'region'> {
  const share = (count: number, total: number) => (total ? count / total : null);
  const weekdayCounts = data.matrix.map((hours) => hours.reduce((sum, n) => sum + n, 0));
  const total = weekdayCounts.reduce((sum, n) => sum + n, 0);
  const hourCounts = Array.from({ length: 24 }, (_, hour) => data.matrix.reduce((sum, hours) => sum + (hours[hour] ?? 0), 0));
  const provinces = Object.entries(data.provinces)
    .filter(([, count]) => count > 0)
    .sort(([a, x], [b, y]) => (a === UNKNOWN_PROVINCE ? 1 : b === UNKNOWN_PROVINCE ? -1 : y - x || a.localeCompare(b, 'zh-CN')))
    .map(([name, count]) => ({ name, count, share: share(count, data.members) }));
  return {
    members: data.members,
    time: {
      matrix: data.matrix,
      weekdays: weekdayCounts.map((count) => ({ count, share: share(count, total) })),
      hours: hourCounts.map((count) => ({ count, share: share(count, total) })),
      total,
      withoutCreatedTime: data.withoutCreatedTime,
    },
    region: { provinces, total: data.members },
  };
}

export const profileSnapshotsServiceRef = createServiceRef<ProfileSnapshotsService>({ id: 'reports.profileSnapshots' });

export interface ProfileSnapshotsDeps {
  db: ModuleDatabase;
  olap: AnalyticsEngine;
  conditions: ConditionsService;
  selections: GroupSelectionsService;
  queue: TaskQueue;
  logger: Logger;
}

/**
 * 用户画像's daily snapshots (ADR 0061): per tenant and group, the members' weekday × hour of creation
 * and their provinces, computed on a group's first view and again every day at 02:00 in the tenant's
 * zone; the page reads the stored counts (最近更新时间 = when they were computed), never live data.
 */
export class ProfileSnapshotsService {
  constructor(private readonly deps: ProfileSnapshotsDeps) {}

  private table(tenantId: string) {
    return this.deps.db.forTenant(tenantId).from<ProfileRow>('report_profile');
  }

  /** The group's name and condition (404 when the group or segment is gone). */
  async resolve(tenantId: string, staffId: string | null, group: ProfileGroup): Promise<{ name: string; tree: ConditionTree }> {
    if (group.type === 'all') return { name: '全部用户', tree: { type: 'and', conditions: [] } };
    const resolved = await this.deps.selections.resolveSelection({ tenantId, staffId }, group);
    return { name: resolved.name, tree: resolved.condition };
  }

  async stored(tenantId: string, group: ProfileGroup): Promise<ProfileSnapshot | undefined> {
    const row = await this.table(tenantId).where('group_key', profileGroupKey(group)).first();
    return row ? { data: JSON.parse(row.data) as ProfileSnapshotData, computedAt: num(row.computed_at) } : undefined;
  }

  /** Computes the group's counts now (set-based, two statements over OLAP `contacts`) and stores them. */
  async compute(tenantId: string, group: ProfileGroup, tree: ConditionTree, now = Date.now()): Promise<ProfileSnapshot> {
    const scope = await this.deps.conditions.reportScope({ tenantId, fields: clearFieldAccess }, [tree], { now });
    let data: ProfileSnapshotData = snapshotOf([], []);
    if (scope.context.declared) {
      const { time: timeStatement, region: regionStatement } = profileStatements(
        this.deps.olap.dialect,
        scope.pieces.condition(tree),
        scope.context.timeZone,
      );
      const analytics = this.deps.olap.forTenant(tenantId);
      const run = (statement: SqlFragment) =>
        analytics.query(statement.text, { params: [...statement.params], rowMode: 'json' }).then((result) => result.rows);
      data = snapshotOf(await run(timeStatement), await run(regionStatement));
    }
    const computedAt = Date.now();
    await this.save(tenantId, profileGroupKey(group), data, computedAt);
    return { data, computedAt };
  }

  private async save(tenantId: string, key: string, data: ProfileSnapshotData, computedAt: number): Promise<void> {
    const row = { data: JSON.stringify(data), computed_at: computedAt };
    const updated = await this.table(tenantId).where('group_key', key).update(row);
    if (updated > 0) return;
    try {
      await this.deps.db.forTenant(tenantId).insert('report_profile', { group_key: key, ...row });
    } catch (error) {
      // Two first views at once: the other one inserted; ours is as fresh.
      if (!isUniqueViolation(error)) throw error;
      await this.table(tenantId).where('group_key', key).update(row);
    }
  }

  /** The stored snapshot, or — on a group's first view — one computed now. */
  async snapshot(
    tenantId: string,
    staffId: string | null,
    group: ProfileGroup,
    now?: number,
  ): Promise<{ name: string; snapshot: ProfileSnapshot; fresh: boolean }> {
    const { name, tree } = await this.resolve(tenantId, staffId, group);
    const stored = await this.stored(tenantId, group);
    if (stored) return { name, snapshot: stored, fresh: false };
    return { name, snapshot: await this.compute(tenantId, group, tree, now), fresh: true };
  }

  /** 凌晨2点: queue the tenant's refresh (once per firing). */
  async daily(tenantId: string, dueAt: number): Promise<void> {
    const existing = (await this.table(tenantId).count({ n: '*' }).first()) as { n: number | string } | undefined;
    if (num(existing?.n) === 0) return;
    await this.deps.queue.enqueue(tenantId, PROFILE_REFRESH_TASK, {}, { schedule: { key: 'reports:profile-refresh', dueAt } });
  }

  /**
   * Recomputes every snapshot of the tenant (the past 24 hours' changes are in them: new contacts,
   * changed provinces, today's group versions). A snapshot whose group is gone is deleted.
   */
  async refresh(tenantId: string): Promise<{ refreshed: number; removed: number }> {
    const rows = await this.table(tenantId).select('group_key');
    let refreshed = 0;
    let removed = 0;
    for (const { group_key: key } of rows) {
      const group = groupOfKey(key);
      let resolved: { tree: ConditionTree } | undefined;
      try {
        resolved = group ? await this.resolve(tenantId, null, group) : undefined;
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error;
      }
      if (!group || !resolved) {
        removed += await this.table(tenantId).where('group_key', key).delete();
        continue;
      }
      await this.compute(tenantId, group, resolved.tree);
      refreshed += 1;
    }
    this.deps.logger.info({ tenantId, refreshed, removed }, 'profile snapshots refreshed');
    return { refreshed, removed };
  }
}

type ModelDeps = { snapshots: ProfileSnapshotsService };

/**
 * 用户画像 (seed §1.7.5; SPEC §6; ADR 0061): one group's members by the weekday and hour they were
 * created (时域分析) and by province (地域分析), from the group's daily snapshot. Not for dashboards;
 * no time range (the counts are cumulative over the group's life).
 */
export function profileModel(deps: ModelDeps): ReportModelDefinition<ProfileQuery> {
  return {
    id: 'profile',
    name: { 'zh-CN': '用户画像', 'en-US': 'User profile' },
    query: profileQuerySchema,
    dashboard: false,
    timeRangeField: null,
    // One example: a second one of the same group would find the first one's snapshot stored.
    examples: [{ group: { type: 'all' }, view: 'region' }],
    plan: (query, context) => planProfile(deps, query, context),
  };
}

async function planProfile(deps: ModelDeps, query: ProfileQuery, context: ReportPlanContext): Promise<ReportPlan> {
  const { name, snapshot, fresh } = await deps.snapshots.snapshot(context.tenantId, context.staffId, query.group, context.now);
  const counted = profileAnswer(snapshot.data);
  // The snapshot is the tenant's, computed for nobody; 地域分析 reads 省份 (`province`, the field
  // `state`): an asker who sees it masked gets that tab without a province (ADR 0069). 时域分析 reads
  // the creation time only, which is no contact field.
  const answer =
    context.fields.maskedField(REGION_PROPERTY) === undefined
      ? counted
      : { ...counted, region: { provinces: [], total: counted.region.total, masked: true } };
  return {
    statements: [],
    stored: { computedAt: snapshot.computedAt, fresh },
    finish: () => ({
      kind: 'profile',
      group: { name },
      view: query.view ?? 'time',
      ...(query.search ? { search: query.search } : {}),
      updatedAt: snapshot.computedAt,
      ...answer,
      groupCount: answer.region.provinces.length,
      truncated: false,
    }),
  };
}
