import type { Logger } from 'pino';
import type { TaskQueue } from '../../jobs/task-queue.js';
import type { TaskContext, TaskResult } from '../../jobs/task.types.js';
import type { GroupMembershipChangedEvent } from '../../kernel/event-bus.js';
import type { AnalyticsEngine } from '../../store/olap/analytics-engine.js';
import type { ConditionTree } from '../conditions/condition.types.js';
import type { ConditionsService } from '../conditions/conditions.service.js';
import type { ContactsService } from '../contacts/contacts.service.js';
import type { GroupRow, GroupsRepo } from './groups.repo.js';
import { GROUP_REALTIME_TASK, groupLimits, type MembershipChangeSource } from './groups.types.js';

export interface RealtimeDeps {
  olap: AnalyticsEngine;
  conditions: ConditionsService;
  contacts: ContactsService;
  queue: TaskQueue;
  logger: Logger;
}

/** Runs `work` alone for the group: no computation or other evaluation of it at the same time (this process). */
export type GroupExclusive = <T>(tenantId: string, groupId: string, work: () => Promise<T>) => Promise<T>;

/** Contact ids per published change (a journey trigger reads them in pieces). */
const SIGNAL_IDS = 1_000;
const ID = /^[1-9][0-9]{0,18}$/;

/** Why some leaves keep a group from being real-time (`group_realtime_unsupported`): their paths. */
export function realtimeUnsupportedPaths(tree: ConditionTree): string[] {
  const paths: string[] = [];
  const visit = (node: unknown, path: string, depth: number): void => {
    if (!node || typeof node !== 'object' || depth > 8) return;
    const n = node as { type?: unknown; conditions?: unknown };
    // A group's or tag's value changes at its own computation, not with the contact's data.
    if (n.type === 'group' || n.type === 'tag') paths.push(path);
    if (Array.isArray(n.conditions))
      n.conditions.forEach((child, index) => visit(child, `${path ? `${path}.` : ''}conditions.${index}`, depth + 1));
  };
  visit(tree, '', 0);
  return paths;
}

/**
 * Real-time groups (ADR 0048). After each load batch the contacts it touched are re-evaluated against
 * every real-time group of the tenant (the condition engine's contact-restricted mode), and the
 * differences with the live membership are written as an OLAP delta over the active version — the
 * `group_member` relation reads the version through it. Entered and left contacts get their updated
 * time bumped (§1.4.2) and are published as `core.groupMembershipChanged`. A periodic sweep
 * re-evaluates whole groups (relative-time leaves move without events); the next computation folds the
 * delta into a new version.
 *
 * Batches queue in memory and are evaluated one round at a time, so ingestion never waits for them; a
 * round that fails is handed to a durable task (`groups.realtime`), and a process that dies with a
 * queue is caught up by the sweep.
 */
export class GroupsRealtime {
  /** Contacts waiting for evaluation, by tenant (a set: a contact in several batches is evaluated once). */
  private readonly pending = new Map<string, Set<string>>();
  private draining: Promise<void> | null = null;
  /** Test hooks (failure simulation); never set in production. */
  faults: { beforeEvaluate?: () => void } = {};
  /** Where membership changes are published (the event bus, once the module is initialised). */
  publish: (event: GroupMembershipChangedEvent) => Promise<void> = () => Promise.resolve();

  constructor(
    private readonly repo: GroupsRepo,
    private readonly deps: RealtimeDeps,
    private readonly exclusive: GroupExclusive,
  ) {}

  private stopped = false;

  /**
   * A stopping process: no new rounds; the queue drains for at most `waitMs` (the data is in OLAP, so
   * whatever is left is caught up by the next sweep).
   */
  async stop(waitMs = 10_000): Promise<void> {
    this.stopped = true;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.idle(), new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))]);
    clearTimeout(timer);
  }

  /** A load batch touched these contacts: queue them for evaluation and return at once. */
  enqueue(tenantId: string, contactIds: readonly string[]): void {
    if (contactIds.length === 0 || this.stopped) return;
    let ids = this.pending.get(tenantId);
    if (!ids) this.pending.set(tenantId, (ids = new Set()));
    for (const id of contactIds) if (ID.test(id)) ids.add(id);
    if (ids.size === 0) this.pending.delete(tenantId);
    this.kick();
  }

  /** Resolves when every queued contact has been evaluated (tests; a stopping process). */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private kick(): void {
    if (this.draining || this.pending.size === 0) return;
    this.draining = this.drain().finally(() => {
      this.draining = null;
      this.kick();
    });
  }

  private async drain(): Promise<void> {
    for (;;) {
      const next = this.pending.entries().next();
      if (next.done) return;
      const [tenantId, queued] = next.value;
      const ids: string[] = [];
      for (const id of queued) {
        ids.push(id);
        queued.delete(id);
        if (ids.length === groupLimits.realtimeContacts) break;
      }
      // Round robin: a tenant with a backlog left goes behind the others, so a busy tenant never starves them.
      this.pending.delete(tenantId);
      if (queued.size > 0) this.pending.set(tenantId, queued);
      try {
        await this.evaluate(tenantId, ids);
      } catch (error) {
        this.deps.logger.warn(
          { err: error, tenantId, contacts: ids.length },
          'real-time group evaluation failed; retried as a task',
        );
        try {
          await this.deps.queue.enqueue(tenantId, GROUP_REALTIME_TASK, { contactIds: ids });
        } catch (enqueueError) {
          // The sweep catches the group up within 10 minutes.
          this.deps.logger.error({ err: enqueueError, tenantId }, 'real-time group retry could not be queued');
        }
      }
    }
  }

  /** The durable retry of a failed round: throws (and is retried) while the evaluation fails. */
  async runTask(context: TaskContext): Promise<TaskResult> {
    const raw = (context.task.payload as { contactIds?: unknown }).contactIds;
    const ids = Array.isArray(raw) ? raw.filter((id): id is string => typeof id === 'string' && ID.test(id)) : [];
    const changed = await this.evaluate(context.task.tenantId, ids.slice(0, groupLimits.realtimeContacts));
    return { counts: { groupMembershipChanges: changed } };
  }

  /** Re-evaluates the contacts against every real-time group of the tenant; returns the changes made. */
  async evaluate(tenantId: string, contactIds: readonly string[]): Promise<number> {
    if (contactIds.length === 0) return 0;
    this.faults.beforeEvaluate?.();
    const groups = await this.repo.realtimeGroups(tenantId);
    if (groups.length === 0 || !(await this.deps.olap.forTenant(tenantId).schema())) return 0;
    let changed = 0;
    for (const group of groups)
      changed += await this.exclusive(tenantId, String(group.id), () =>
        this.evaluateContacts(tenantId, String(group.id), contactIds, 'realtime'),
      );
    return changed;
  }

  /**
   * The contacts' membership of the group's active version, evaluated now; the caller holds the
   * group (`exclusive`). Also the fold: after a computation switched versions, the contacts whose
   * membership differed are evaluated again, so a change that landed after the computation read its
   * data is kept.
   */
  async evaluateContacts(
    tenantId: string,
    groupId: string,
    contactIds: readonly string[],
    source: MembershipChangeSource,
  ): Promise<number> {
    const group = await this.liveGroup(tenantId, groupId);
    if (!group || contactIds.length === 0) return 0;
    const version = Number(group.active_version);
    const ids = [...new Set(contactIds)];
    const tree = JSON.parse(group.condition!) as ConditionTree;
    let changed = 0;
    for (let start = 0; start < ids.length; start += groupLimits.realtimeContacts) {
      const chunk = ids.slice(start, start + groupLimits.realtimeContacts);
      const matching = new Set(await this.deps.conditions.matchingContacts(tenantId, tree, { contactIds: chunk }));
      const current = await this.members(tenantId, groupId, version, chunk);
      const entered = chunk.filter((id) => matching.has(id) && !current.has(id));
      const left = chunk.filter((id) => !matching.has(id) && current.has(id));
      changed += await this.apply(tenantId, groupId, version, entered, left, source);
    }
    return changed;
  }

  /** 每 10 分钟: every real-time group evaluated whole; returns the changes made. */
  async sweep(tenantId: string): Promise<number> {
    const groups = await this.repo.realtimeGroups(tenantId);
    if (groups.length === 0 || !(await this.deps.olap.forTenant(tenantId).schema())) return 0;
    let changed = 0;
    for (const row of groups) {
      const groupId = String(row.id);
      try {
        changed += await this.exclusive(tenantId, groupId, () => this.sweepGroup(tenantId, groupId));
      } catch (error) {
        this.deps.logger.warn({ err: error, tenantId, groupId }, 'real-time group sweep failed');
      }
    }
    return changed;
  }

  private async sweepGroup(tenantId: string, groupId: string): Promise<number> {
    const group = await this.liveGroup(tenantId, groupId);
    if (!group) return 0;
    const version = Number(group.active_version);
    const query = await this.deps.conditions.compileContactIds(tenantId, JSON.parse(group.condition!) as ConditionTree);
    const analytics = this.deps.olap.forTenant(tenantId);
    const matching = `SELECT contact_id FROM (${query.sql}) AS matching WHERE contact_id IS NOT NULL`;
    const members = 'SELECT contact_id FROM group_member WHERE group_id = CAST(? AS BIGINT) AND version = ?';
    const ids = async (sql: string, params: unknown[]) =>
      (await analytics.query<{ contact_id: unknown }>(sql, { params: params as never, rowMode: 'json' })).rows.map((row) =>
        String(row.contact_id),
      );
    const entered = await ids(`SELECT DISTINCT contact_id FROM (${matching}) AS m WHERE contact_id NOT IN (${members})`, [
      ...query.params,
      groupId,
      version,
    ]);
    const left = await ids(`${members} AND contact_id NOT IN (${matching})`, [groupId, version, ...query.params]);
    const changed = await this.apply(tenantId, groupId, version, entered, left, 'sweep');
    // The count is made exact again: a round that died between its delta and its count left it off,
    // and its retry finds nothing left to change.
    const counted = await analytics.query<{ n: unknown }>(`SELECT count(*) AS n FROM (${members}) AS live`, {
      params: [groupId, version] as never,
      rowMode: 'json',
    });
    await this.repo.setActiveCount(tenantId, groupId, version, Number(counted.rows[0]?.n ?? 0), Date.now());
    return changed;
  }

  /** A live real-time dynamic group with an active version, re-read inside the exclusive section. */
  private async liveGroup(tenantId: string, groupId: string): Promise<GroupRow | undefined> {
    const group = await this.repo.group(tenantId, groupId);
    if (!group || group.kind !== 'dynamic' || group.realtime_slot === null || group.active_version === null || !group.condition)
      return undefined;
    return group;
  }

  private async members(tenantId: string, groupId: string, version: number, ids: readonly string[]): Promise<Set<string>> {
    const result = await this.deps.olap
      .forTenant(tenantId)
      .query<{ contact_id: unknown }>(
        `SELECT contact_id FROM group_member WHERE group_id = CAST(? AS BIGINT) AND version = ? AND ${this.deps.olap.dialect.inBigintList('contact_id')}`,
        { params: [groupId, version, `[${ids.join(',')}]`], rowMode: 'json' },
      );
    return new Set(result.rows.map((row) => String(row.contact_id)));
  }

  /** Writes the changes (OLAP delta, member count, contacts' updated time) and publishes them. */
  private async apply(
    tenantId: string,
    groupId: string,
    version: number,
    entered: readonly string[],
    left: readonly string[],
    source: MembershipChangeSource,
  ): Promise<number> {
    if (entered.length === 0 && left.length === 0) return 0;
    await this.deps.olap
      .forTenant(tenantId)
      .applyGroupDelta(groupId, version, [
        ...entered.map((contactId) => ({ contactId, member: true })),
        ...left.map((contactId) => ({ contactId, member: false })),
      ]);
    await this.repo.adjustActiveCount(tenantId, groupId, version, entered.length - left.length);
    await this.deps.contacts.touchContacts(tenantId, [...entered, ...left]);
    await this.signal({ tenantId, groupId, version, source, entered, left });
    return entered.length + left.length;
  }

  /** Publishes a membership change in pieces of at most 1,000 contact ids per side. */
  async signal(
    change: Omit<GroupMembershipChangedEvent, 'at' | 'entered' | 'left'> & {
      entered: readonly string[];
      left: readonly string[];
    },
  ): Promise<void> {
    const at = Date.now();
    const pieces = Math.max(Math.ceil(change.entered.length / SIGNAL_IDS), Math.ceil(change.left.length / SIGNAL_IDS));
    for (let index = 0; index < pieces; index += 1) {
      const slice = (ids: readonly string[]) => ids.slice(index * SIGNAL_IDS, (index + 1) * SIGNAL_IDS);
      try {
        await this.publish({ ...change, entered: slice(change.entered), left: slice(change.left), at });
      } catch (error) {
        this.deps.logger.error({ err: error, tenantId: change.tenantId, groupId: change.groupId }, 'group change not published');
      }
    }
  }
}
