import ExcelJS from 'exceljs';
import type { Logger } from 'pino';
import { createServiceRef } from '../../kernel/extension-point.js';
import type { ContactErasedEvent } from '../../kernel/contributions.js';
import type { TaskQueue } from '../../jobs/task-queue.js';
import type { Task, TaskContext, TaskResult } from '../../jobs/task.types.js';
import { decodeCursor, encodeCursor } from '../../server/cursor.js';
import { ConflictError, InputError, NotFoundError, isDomainError } from '../../server/errors.js';
import type { Principal } from '../../server/principal.js';
import type { AnalyticsEngine } from '../../store/olap/analytics-engine.js';
import type { ChannelsService } from '../channels/channels.service.js';
import { referencedMemberships, type GroupRef, type GroupSource } from '../conditions/catalogue.js';
import type { ConditionNode, ConditionTree } from '../conditions/condition.types.js';
import type { ConditionsService, Estimate } from '../conditions/conditions.service.js';
import { usageConflict } from '../conditions/usage.js';
import type { ContactExportsService } from '../contact-exports/contact-exports.service.js';
import type { ContactExportRequest } from '../contact-exports/contact-exports.types.js';
import type { StaticGroupSink } from '../contact-imports/contact-imports.types.js';
import type { ContactsService } from '../contacts/contacts.service.js';
import type { ContactGroupRef, ContactGroupsProvider } from '../contacts/detail.service.js';
import type { ContactListService } from '../contacts/list.service.js';
import type { ContactListPage, ContactListQuery } from '../contacts/list.types.js';
import { isUniqueViolation } from '../../store/oltp/oltp-store.js';
import type { GroupFolderRow, GroupRow, GroupVersionRow, GroupsRepo } from './groups.repo.js';
import { GroupsRealtime, realtimeUnsupportedPaths } from './realtime.js';
import {
  BUSY_STATUSES,
  EDITABLE_STATUSES,
  GROUP_COMPUTE_TASK,
  RECOMPUTABLE_STATUSES,
  groupLimits,
  type DynamicGroupInput,
  type Group,
  type GroupFolder,
  type GroupPatch,
  type GroupStatus,
  type GroupVersion,
  type ImportRowProblem,
  type StaticGroupInput,
  type StaticImportResult,
} from './groups.types.js';

export const groupsServiceRef = createServiceRef<GroupsService>({ id: 'groups.service' });

const ID = /^[1-9][0-9]{0,18}$/;
const MEMBER_CURSOR = 'group-members';
const WECHAT_CHANNEL_TYPE = 'wechat';
const num = (value: number | string | null | undefined) => (value === null || value === undefined ? null : Number(value));
const str = (value: number | string | null | undefined) => (value === null || value === undefined ? null : String(value));

/** Test hooks (crash simulation); never set in production. */
export interface GroupFaults {
  /** Between the OLTP commit of a static change and its OLAP write. */
  afterStaticCommit?: () => void;
  /** Before a computation writes its version (计算中 → 计算失败). */
  beforeVersionWrite?: () => void;
  /** Before the 冗余 step switches the active version (冗余中 → 失败). */
  beforeSwitch?: () => void;
  /** After a computation wrote its version, before 计算完成 (a real-time change landing meanwhile). */
  afterVersionWrite?: () => Promise<void>;
}

export interface GroupsDeps {
  olap: AnalyticsEngine;
  conditions: ConditionsService;
  contacts: ContactsService;
  list: ContactListService;
  exports: ContactExportsService;
  channels: ChannelsService;
  queue: TaskQueue;
  logger: Logger;
}

type StaffPrincipal = Extract<Principal, { kind: 'staff' }>;

function toGroup(row: GroupRow): Group {
  return {
    id: String(row.id),
    kind: row.kind,
    name: row.name,
    description: row.description,
    folderId: str(row.folder_id),
    condition: row.condition ? (JSON.parse(row.condition) as ConditionTree) : null,
    updateMode: (row.update_mode as Group['updateMode']) ?? null,
    realtime: row.realtime_slot !== null,
    status: row.status,
    activeVersion: num(row.active_version),
    memberCount: num(row.active_count),
    errorCode: row.error_code,
    computedAt: num(row.computed_at),
    wechatChannelId: str(row.wechat_channel_id),
    wechatLinkedAt: num(row.wechat_linked_at),
    createdBy: str(row.created_by),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

function toVersion(row: GroupVersionRow, active: number | null): GroupVersion {
  return {
    version: Number(row.version),
    status: row.status,
    memberCount: num(row.member_count),
    addedCount: num(row.added_count),
    removedCount: num(row.removed_count),
    active: active === Number(row.version),
    errorCode: row.error_code,
    startedAt: Number(row.started_at),
    finishedAt: num(row.finished_at),
  };
}

function toFolder(row: GroupFolderRow): GroupFolder {
  return {
    id: String(row.id),
    parentId: str(row.parent_id),
    name: row.name,
    depth: Number(row.depth),
    position: Number(row.position),
  };
}

const errorCodeOf = (error: unknown) => (isDomainError(error) ? error.code : 'group_compute_error');

/** The tree "member of this group" (the condition engine's group leaf on its active version). */
export const memberOf = (groupId: string): ConditionTree => ({
  type: 'and',
  conditions: [{ type: 'group', groupId, operator: 'in' }],
});

/** `filter` AND member of the group, within the engine's two nesting levels when `filter` is an AND. */
export function withinGroup(groupId: string, filter: ConditionTree | null | undefined): ConditionTree {
  const leaf: ConditionNode = { type: 'group', groupId, operator: 'in' };
  if (!filter || filter.conditions.length === 0) return { type: 'and', conditions: [leaf] };
  if (filter.type === 'and') return { type: 'and', conditions: [leaf, ...filter.conditions] };
  return { type: 'and', conditions: [leaf, filter] };
}

/**
 * 用户群组 (seed §1.5, SPEC §4; ADR 0044). Dynamic groups: a condition tree computed by a task
 * into a new OLAP version through the status machine 待计算 → 计算中 → 计算完成 → 冗余中 → 完成
 * (计算失败 / 失败), the active version switched at 完成, the last 50 versions kept. Static groups:
 * memberships mastered in OLTP, each change numbered (`static_seq`) and copied to OLAP as a version
 * right after its commit, a catch-up every 5 minutes for copies left behind. Directories up to 4
 * levels. It is the condition engine's group source, the contact detail's groups provider, the
 * batch edit's static-group sink, and it listens to merges and erasures.
 */
export class GroupsService implements GroupSource, ContactGroupsProvider, StaticGroupSink {
  faults: GroupFaults = {};

  /** Real-time groups (ADR 0048): evaluation after load batches, the sweep, the fold. */
  readonly realtime: GroupsRealtime;

  constructor(
    private readonly repo: GroupsRepo,
    private readonly deps: GroupsDeps,
  ) {
    this.realtime = new GroupsRealtime(repo, deps, (tenantId, groupId, work) => this.exclusive(tenantId, groupId, work));
  }

  /**
   * The groups module's usage checks (ADR 0050): the names of the live dynamic groups whose
   * conditions name group or tag `id` (a group never counts as its own user).
   */
  async dynamicGroupsUsing(tenantId: string, kind: 'group' | 'tag', id: string): Promise<string[]> {
    return (await this.repo.groups(tenantId))
      .filter((row) => row.kind === 'dynamic' && row.condition && !(kind === 'group' && String(row.id) === id))
      .filter((row) => referencedMemberships(JSON.parse(row.condition!))[kind === 'group' ? 'groupIds' : 'tagIds'].includes(id))
      .map((row) => row.name);
  }

  // ---- reads --------------------------------------------------------------------------------------

  private async row(tenantId: string, groupId: string, options: { lock?: boolean } = {}): Promise<GroupRow> {
    if (!ID.test(groupId)) throw new NotFoundError('group_not_found');
    const row = await this.repo.group(tenantId, groupId, options);
    if (!row) throw new NotFoundError('group_not_found');
    return row;
  }

  async get(tenantId: string, groupId: string): Promise<Group> {
    return toGroup(await this.row(tenantId, groupId));
  }

  async list(tenantId: string, query: { folderId?: string | null; kind?: string; keyword?: string } = {}): Promise<Group[]> {
    let rows = await this.repo.groups(tenantId);
    if (query.folderId !== undefined) rows = rows.filter((row) => str(row.folder_id) === query.folderId);
    if (query.kind) rows = rows.filter((row) => row.kind === query.kind);
    const keyword = query.keyword?.trim().toLowerCase();
    if (keyword) rows = rows.filter((row) => row.name.toLowerCase().includes(keyword) || String(row.id) === keyword);
    return rows.map(toGroup);
  }

  async versions(tenantId: string, groupId: string): Promise<GroupVersion[]> {
    const group = await this.row(tenantId, groupId);
    const active = num(group.active_version);
    return (await this.repo.versions(tenantId, groupId)).map((row) => toVersion(row, active));
  }

  // ---- the condition engine's group source and the contact detail's provider ------------------------

  async groups(tenantId: string, ids: readonly string[]): Promise<GroupRef[]> {
    const valid = ids.filter((id) => ID.test(id));
    if (valid.length === 0) return [];
    return (await this.repo.groups(tenantId, valid)).map((row) => ({
      id: String(row.id),
      name: row.name,
      version: num(row.active_version),
    }));
  }

  async listGroups(tenantId: string): Promise<GroupRef[]> {
    return (await this.repo.groups(tenantId)).map((row) => ({
      id: String(row.id),
      name: row.name,
      version: num(row.active_version),
    }));
  }

  /** 用户所在群组: static memberships from the master, dynamic ones from their active versions. */
  async groupsOf(principal: Principal, contactId: string): Promise<ContactGroupRef[]> {
    return this.groupsOfContact(principal.tenantId, contactId);
  }

  async groupsOfContact(tenantId: string, contactId: string): Promise<ContactGroupRef[]> {
    if (!ID.test(contactId)) return [];
    const [staticIds, all] = await Promise.all([this.repo.staticGroupsOf(tenantId, contactId), this.repo.groups(tenantId)]);
    const inStatic = new Set(staticIds);
    const versions = await this.olapMemberships(tenantId, contactId);
    return all
      .filter((row) =>
        row.kind === 'static'
          ? inStatic.has(String(row.id))
          : row.active_version !== null && versions.get(String(row.id))?.has(Number(row.active_version)) === true,
      )
      .map((row) => ({ id: String(row.id), name: row.name, kind: row.kind }));
  }

  /** The (group, version) pairs of OLAP that hold a contact. */
  private async olapMemberships(tenantId: string, contactId: string): Promise<Map<string, Set<number>>> {
    const analytics = this.deps.olap.forTenant(tenantId);
    if (!(await analytics.schema())) return new Map();
    const result = await analytics.query<{ group_id: unknown; version: unknown }>(
      'SELECT DISTINCT group_id, version FROM group_member WHERE contact_id = CAST(? AS BIGINT)',
      { params: [contactId], rowMode: 'json' },
    );
    const out = new Map<string, Set<number>>();
    for (const row of result.rows) {
      const id = String(row.group_id);
      if (!out.has(id)) out.set(id, new Set());
      out.get(id)!.add(Number(row.version));
    }
    return out;
  }

  // ---- checks -------------------------------------------------------------------------------------

  private async checkName(tenantId: string, name: string, exceptId?: string): Promise<string> {
    const trimmed = name.trim();
    if (!trimmed) throw new InputError('group_name_required', {}, [{ path: 'name', code: 'group_name_required' }]);
    if (await this.repo.nameTaken(tenantId, trimmed, exceptId)) throw new ConflictError('group_name_taken', { name: trimmed });
    return trimmed;
  }

  private async checkFolder(tenantId: string, folderId: string | null | undefined): Promise<string | null> {
    if (folderId === null || folderId === undefined) return null;
    if (!ID.test(folderId) || !(await this.repo.folder(tenantId, folderId))) throw new NotFoundError('group_folder_not_found');
    return folderId;
  }

  /** The tree is valid for the condition engine, and never names the group itself. */
  private async checkCondition(tenantId: string, tree: ConditionTree, selfId?: string): Promise<void> {
    if (selfId && referencedMemberships(tree).groupIds.includes(selfId))
      throw new InputError('group_condition_self', {}, [{ path: 'condition', code: 'group_condition_self' }]);
    const problems = await this.deps.conditions.validate(tenantId, tree);
    if (problems.length)
      throw new InputError(
        'condition_invalid',
        { count: problems.length },
        problems.map((p) => ({ ...p, path: `condition${p.path ? `.${p.path}` : ''}` })),
      );
  }

  /**
   * 实时更新 (ADR 0048): only for conditions evaluated per contact — no group or tag leaf, whose values
   * change at their own computations (400 `group_realtime_unsupported`). The limit of 20 per tenant is
   * `withRealtimeSlot`'s.
   */
  private checkRealtime(tree: ConditionTree): void {
    const paths = realtimeUnsupportedPaths(tree);
    if (paths.length)
      throw new InputError(
        'group_realtime_unsupported',
        { count: paths.length },
        paths.map((path) => ({ path: `condition.${path}`, code: 'group_realtime_unsupported' })),
      );
  }

  /**
   * Runs `write` with a free real-time slot (1…20; 409 `group_realtime_limit` when none is): the
   * unique (tenant, slot) index refuses a concurrent request that took the same one, which then looks
   * again — so the limit holds for requests racing on MariaDB too (R20-R1).
   */
  private async withRealtimeSlot<T>(tenantId: string, write: (slot: number) => Promise<T>): Promise<T> {
    const max = groupLimits.realtimeMax;
    for (let attempt = 0; attempt < max; attempt += 1) {
      const taken = await this.repo.realtimeSlots(tenantId);
      const slot = Array.from({ length: max }, (_, i) => i + 1).find((candidate) => !taken.has(candidate));
      if (slot === undefined) break;
      try {
        return await write(slot);
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
      }
    }
    throw new ConflictError('group_realtime_limit', { max });
  }

  // ---- dynamic groups -----------------------------------------------------------------------------

  /** 预估: how many contacts match now — counted by the engine, nothing written. */
  async estimate(tenantId: string, tree: ConditionTree): Promise<Estimate> {
    await this.checkCondition(tenantId, tree);
    return this.deps.conditions.estimate(tenantId, tree);
  }

  /** 新建动态组: saved 待计算, and its computation starts (§4 "Saving a dynamic group starts its computation"). */
  async createDynamic(tenantId: string, input: DynamicGroupInput, staffId: string | null): Promise<Group> {
    const name = await this.checkName(tenantId, input.name);
    const folderId = await this.checkFolder(tenantId, input.folderId);
    await this.checkCondition(tenantId, input.condition);
    if (input.realtime) this.checkRealtime(input.condition);
    const now = Date.now();
    const insert = (slot: number | null) =>
      this.repo.transaction(async () => {
        const groupId = await this.repo.insertGroup(tenantId, {
          kind: 'dynamic',
          name,
          description: input.description ?? null,
          folder_id: folderId,
          condition: JSON.stringify(input.condition),
          update_mode: input.updateMode,
          realtime_at: null,
          realtime_slot: slot,
          status: 'pending',
          active_version: null,
          active_count: null,
          computing_version: null,
          last_version: 0,
          error_code: null,
          computed_at: null,
          static_seq: 0,
          olap_seq: 0,
          wechat_channel_id: null,
          wechat_linked_at: null,
          created_by: staffId,
          created_at: now,
          updated_at: now,
          deleted_at: null,
        });
        await this.enqueueCompute(tenantId, groupId, staffId);
        return groupId;
      });
    const id = input.realtime ? await this.withRealtimeSlot(tenantId, insert) : await insert(null);
    return this.get(tenantId, id);
  }

  private async enqueueCompute(tenantId: string, groupId: string, staffId: string | null): Promise<void> {
    await this.deps.queue.enqueue(tenantId, GROUP_COMPUTE_TASK, { groupId }, { createdBy: staffId });
  }

  /**
   * 编辑: a dynamic group only at 完成 (409 `group_not_editable`); saving starts a computation. A
   * static group's name and description at any time.
   */
  async update(tenantId: string, groupId: string, patch: GroupPatch, staffId: string | null): Promise<Group> {
    const group = await this.row(tenantId, groupId);
    const name = patch.name === undefined ? undefined : await this.checkName(tenantId, patch.name, groupId);
    const now = Date.now();
    if (group.kind === 'static') {
      if (patch.realtime)
        throw new InputError('group_realtime_static', {}, [{ path: 'realtime', code: 'group_realtime_static' }]);
      if (patch.condition !== undefined || patch.updateMode !== undefined || patch.realtime !== undefined)
        throw new ConflictError('group_not_dynamic', { id: groupId });
      await this.repo.updateGroup(tenantId, groupId, {
        ...(name !== undefined ? { name } : {}),
        ...(patch.description !== undefined ? { description: patch.description } : {}),
        updated_at: now,
      });
      return this.get(tenantId, groupId);
    }
    if (!EDITABLE_STATUSES.includes(group.status)) throw new ConflictError('group_not_editable', { status: group.status });
    if (patch.condition) await this.checkCondition(tenantId, patch.condition, groupId);
    const realtime = patch.realtime ?? group.realtime_slot !== null;
    if (realtime) this.checkRealtime(patch.condition ?? (JSON.parse(group.condition!) as ConditionTree));
    // Turning real-time on takes a slot; off gives it back; unchanged keeps it.
    const slotted = group.realtime_slot !== null;
    const save = (slot: number | null) =>
      this.repo.transaction(async () => {
        const moved = await this.repo.transition(tenantId, groupId, EDITABLE_STATUSES, {
          ...(name !== undefined ? { name } : {}),
          ...(patch.description !== undefined ? { description: patch.description } : {}),
          ...(patch.condition ? { condition: JSON.stringify(patch.condition) } : {}),
          ...(patch.updateMode ? { update_mode: patch.updateMode } : {}),
          ...(realtime === slotted ? {} : { realtime_slot: slot }),
          status: 'pending',
          error_code: null,
          updated_at: now,
        });
        // Another request started a computation meanwhile.
        if (!moved) throw new ConflictError('group_not_editable', { status: 'pending' });
        await this.enqueueCompute(tenantId, groupId, staffId);
      });
    if (realtime && !slotted) await this.withRealtimeSlot(tenantId, save);
    else await save(null);
    return this.get(tenantId, groupId);
  }

  /** 立即计算 / 重新计算: only at 完成, 计算失败, 失败 (409 `group_not_recomputable`). */
  async recompute(tenantId: string, groupId: string, staffId: string | null): Promise<Group> {
    const group = await this.row(tenantId, groupId);
    if (group.kind !== 'dynamic') throw new ConflictError('group_not_dynamic', { id: groupId });
    if (!RECOMPUTABLE_STATUSES.includes(group.status))
      throw new ConflictError('group_not_recomputable', { status: group.status });
    // Another request started a computation meanwhile.
    if (!(await this.startComputation(tenantId, groupId, staffId)))
      throw new ConflictError('group_not_recomputable', { status: 'pending' });
    return this.get(tenantId, groupId);
  }

  /** Moves a group to 待计算 and enqueues its task, if it is in a state that allows it; returns whether it did. */
  private async startComputation(tenantId: string, groupId: string, staffId: string | null): Promise<boolean> {
    return this.repo.transaction(async () => {
      const moved = await this.repo.transition(tenantId, groupId, RECOMPUTABLE_STATUSES, {
        status: 'pending',
        error_code: null,
        updated_at: Date.now(),
      });
      if (!moved) return false;
      await this.enqueueCompute(tenantId, groupId, staffId);
      return true;
    });
  }

  /** 另存为: a new dynamic group with the same conditions and update mode; it computes on its own. */
  async saveAs(
    tenantId: string,
    groupId: string,
    input: { name: string; folderId?: string | null },
    staffId: string | null,
  ): Promise<Group> {
    const group = await this.row(tenantId, groupId);
    if (group.kind !== 'dynamic' || !group.condition) throw new ConflictError('group_not_dynamic', { id: groupId });
    return this.createDynamic(
      tenantId,
      {
        name: input.name,
        description: group.description,
        folderId: input.folderId === undefined ? str(group.folder_id) : input.folderId,
        condition: JSON.parse(group.condition) as ConditionTree,
        updateMode: (group.update_mode ?? 'manual') as DynamicGroupInput['updateMode'],
        realtime: group.realtime_slot !== null,
      },
      staffId,
    );
  }

  /**
   * 删除: refused while a computation runs (409 `group_busy`) and while anything uses it (ADR 0050):
   * another dynamic group's conditions (409 `group_in_use`), a 互斥组 (`group_in_exclusive_group`), a
   * tag's rule (`group_in_use_by_tag`). The row stays (deleted) so its id is never reused; its OLAP
   * versions and static memberships go.
   */
  async delete(tenantId: string, groupId: string): Promise<void> {
    const group = await this.row(tenantId, groupId);
    // After any real-time evaluation of the group in this process (ADR 0048 §7): its delta is then
    // pruned with the versions, and nothing is evaluated or signalled for the group once deleted.
    await this.exclusive(tenantId, groupId, async () => {
      const now = Date.now();
      await this.repo.transaction(async () => {
        // The status is checked here, under the row lock, not before it (it could be stale there).
        // The row locked first, then the uses read: a 互斥组 or another writer that names the group locks
        // it too (`lockLive`), so a use and the deletion never both commit (R20-X3).
        const current = await this.row(tenantId, groupId, { lock: true });
        if (BUSY_STATUSES.includes(current.status) || current.status === 'pending')
          throw new ConflictError('group_busy', { status: current.status });
        // Dynamic groups (group_in_use), 互斥组 (group_in_exclusive_group), tags (group_in_use_by_tag).
        const [usage] = await this.deps.conditions.usagesOf(tenantId, 'group', groupId);
        if (usage) throw usageConflict(usage);
        await this.repo.updateGroup(tenantId, groupId, { deleted_at: now, updated_at: now, realtime_slot: null });
        if (group.kind === 'static')
          await this.repo.deleteMembers(tenantId, groupId, await this.repo.allMembers(tenantId, groupId));
      });
      await this.deps.olap.forTenant(tenantId).pruneGroupVersions(groupId, []);
    });
  }

  /**
   * For another module's write that names groups (互斥组 members): inside its transaction, the live
   * groups among `ids`, locked until it commits — a concurrent deletion waits and then sees the use.
   */
  lockLive(tenantId: string, ids: readonly string[]): Promise<string[]> {
    return this.repo.lockLive(
      tenantId,
      ids.filter((id) => ID.test(id)),
    );
  }

  /** 移至目录 / 移出群组目录. */
  async moveToFolder(tenantId: string, groupId: string, folderId: string | null): Promise<Group> {
    await this.row(tenantId, groupId);
    const target = await this.checkFolder(tenantId, folderId);
    await this.repo.updateGroup(tenantId, groupId, { folder_id: target, updated_at: Date.now() });
    return this.get(tenantId, groupId);
  }

  // ---- the computation (task) -----------------------------------------------------------------------

  /**
   * Runs (or resumes, after a crash) the computation of a dynamic group: 计算中 writes a new version
   * to OLAP (计算完成, or 计算失败), 冗余中 diffs it against the active version, bumps the updated
   * time of the contacts whose membership changed and switches the active version (完成, or 失败);
   * the last 50 versions are kept.
   */
  async runCompute(context: TaskContext): Promise<TaskResult> {
    const { tenantId } = context.task;
    const groupId = String((context.task.payload as { groupId?: unknown }).groupId ?? '');
    const group = ID.test(groupId) ? await this.repo.group(tenantId, groupId) : undefined;
    if (!group || group.kind !== 'dynamic') return { data: { skipped: true } };
    return this.compute(tenantId, group, context.task.id);
  }

  /** The computations and real-time evaluations running in this process, by tenant and group (only the OLAP process runs them). */
  private readonly running = new Map<string, Promise<unknown>>();

  /**
   * One computation of a group at a time: a second run of the same group (a re-claimed task while the
   * first still runs) waits for the first, then goes on from the group's state as it is then.
   */
  private compute(tenantId: string, initial: GroupRow, taskId: string | null): Promise<TaskResult> {
    return this.exclusive(tenantId, String(initial.id), () => this.computeAlone(tenantId, String(initial.id), taskId));
  }

  /**
   * Runs `work` after every earlier computation or real-time evaluation of the group in this process
   * has ended: a computation's switch and a real-time delta never interleave (ADR 0048).
   */
  private async exclusive<T>(tenantId: string, groupId: string, work: () => Promise<T>): Promise<T> {
    const key = `${tenantId}:${groupId}`;
    const previous = this.running.get(key) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(work);
    this.running.set(key, run);
    try {
      return await run;
    } finally {
      if (this.running.get(key) === run) this.running.delete(key);
    }
  }

  private async computeAlone(tenantId: string, groupId: string, taskId: string | null): Promise<TaskResult> {
    let group = await this.repo.group(tenantId, groupId);
    if (!group || group.kind !== 'dynamic') return { data: { skipped: true } };
    if (group.status === 'pending') {
      const version = Number(group.last_version) + 1;
      const now = Date.now();
      const started = await this.repo.transaction(async () => {
        const moved = await this.repo.transition(tenantId, groupId, ['pending'], {
          status: 'computing',
          computing_version: version,
          last_version: version,
          updated_at: now,
        });
        if (moved)
          await this.repo.insertVersion(tenantId, {
            group_id: groupId,
            version,
            status: 'computing',
            member_count: null,
            added_count: null,
            removed_count: null,
            task_id: taskId,
            error_code: null,
            started_at: now,
            finished_at: null,
          });
        return moved;
      });
      if (!started) return { data: { skipped: true } };
      group = (await this.repo.group(tenantId, groupId))!;
    }
    const version = num(group.computing_version);
    if (version === null || !['computing', 'computed', 'syncing'].includes(group.status)) return { data: { skipped: true } };

    let result: TaskResult;
    try {
      const outcome = await this.computeSteps(tenantId, groupId, group, version);
      if (outcome === null) return { data: { skipped: true } };
      result = outcome;
    } catch (error) {
      // Whatever threw (the OLAP write, the OLTP 计算完成, the diff, the switch): the group leaves its busy
      // state — 计算失败 while its version was not recorded, 失败 after.
      const code = errorCodeOf(error);
      const now = (await this.repo.group(tenantId, groupId))?.status;
      const status: GroupStatus = now === 'computing' ? 'compute_failed' : 'failed';
      this.deps.logger.warn({ err: error, tenantId, groupId, version, status }, 'group computation failed');
      await this.finishVersion(tenantId, groupId, version, status, code);
      return { data: { status, errorCode: code } };
    }
    // Pruning old versions is housekeeping: the switch is done; an error here is logged, the next run retries it.
    try {
      await this.prune(tenantId, groupId, groupLimits.versionsKept);
    } catch (error) {
      this.deps.logger.warn({ err: error, tenantId, groupId, version }, 'group version pruning failed');
    }
    return result;
  }

  /** 计算中 → 计算完成 → 冗余中 → 完成; null when another run moved the group first (then this one stops). */
  private async computeSteps(tenantId: string, groupId: string, group: GroupRow, version: number): Promise<TaskResult | null> {
    let count: number;
    if (group.status === 'computing') {
      this.faults.beforeVersionWrite?.();
      count = await this.writeVersion(tenantId, groupId, JSON.parse(group.condition!) as ConditionTree, version);
      await this.faults.afterVersionWrite?.();
      const computed = await this.repo.transaction(async () => {
        const moved = await this.repo.transition(tenantId, groupId, ['computing'], {
          status: 'computed',
          updated_at: Date.now(),
        });
        if (moved) await this.repo.updateVersion(tenantId, groupId, version, { status: 'computed', member_count: count });
        return moved;
      });
      if (!computed) return null;
    } else {
      count = num((await this.repo.versions(tenantId, groupId)).find((v) => Number(v.version) === version)?.member_count) ?? 0;
    }

    // 冗余中: diff against the active version, touch the changed contacts, switch.
    const syncing = await this.repo.transition(tenantId, groupId, ['computed', 'syncing'], {
      status: 'syncing',
      updated_at: Date.now(),
    });
    if (!syncing) return null;
    const active = num((await this.repo.group(tenantId, groupId))?.active_version);
    const { added, removed } = await this.diff(tenantId, groupId, active, version);
    await this.deps.contacts.touchContacts(tenantId, [...added, ...removed]);
    this.faults.beforeSwitch?.();
    const now = Date.now();
    const switched = await this.repo.transaction(async () => {
      const moved = await this.repo.transition(tenantId, groupId, ['syncing'], {
        status: 'done',
        active_version: version,
        active_count: count,
        computing_version: null,
        computed_at: now,
        error_code: null,
        updated_at: now,
      });
      if (moved)
        await this.repo.updateVersion(tenantId, groupId, version, {
          status: 'done',
          added_count: added.length,
          removed_count: removed.length,
          finished_at: now,
        });
      return moved;
    });
    if (!switched) return null;
    await this.realtime.signal({ tenantId, groupId, version, source: 'computation', entered: added, left: removed });
    // The fold (ADR 0048): a real-time change that landed after the computation read its data shows as
    // a difference here; those contacts are evaluated again on the new version.
    if (group.realtime_slot !== null && added.length + removed.length > 0)
      await this.realtime.evaluateContacts(tenantId, groupId, [...added, ...removed], 'realtime');
    return { counts: { groupMembers: count, groupAdded: added.length, groupRemoved: removed.length } };
  }

  /**
   * A computation task ended for good without finishing (its attempts ran out — the process died each
   * time — or it was cancelled): the group leaves its busy state, 计算失败 before its version was
   * written, 失败 after, so it can be recomputed, edited or deleted again.
   */
  async computeEnded(task: Pick<Task, 'tenantId' | 'kind' | 'status' | 'payload'>): Promise<void> {
    if (task.kind !== GROUP_COMPUTE_TASK || task.status === 'succeeded') return;
    const groupId = String((task.payload as { groupId?: unknown }).groupId ?? '');
    const group = ID.test(groupId) ? await this.repo.group(task.tenantId, groupId) : undefined;
    if (!group || group.kind !== 'dynamic') return;
    const written = group.status === 'computed' || group.status === 'syncing';
    const now = Date.now();
    await this.repo.transaction(async () => {
      await this.repo.transition(task.tenantId, groupId, ['pending', 'computing', 'computed', 'syncing'], {
        status: written ? 'failed' : 'compute_failed',
        computing_version: null,
        error_code: 'group_compute_error',
        updated_at: now,
      });
      const version = num(group.computing_version);
      if (version !== null)
        await this.repo.updateVersion(task.tenantId, groupId, version, {
          status: 'failed',
          error_code: 'group_compute_error',
          finished_at: now,
        });
    });
  }

  private async finishVersion(tenantId: string, groupId: string, version: number, status: GroupStatus, code: string) {
    const now = Date.now();
    await this.repo.transaction(async () => {
      const moved = await this.repo.transition(tenantId, groupId, ['computing', 'computed', 'syncing'], {
        status,
        computing_version: null,
        error_code: code,
        updated_at: now,
      });
      if (moved)
        await this.repo.updateVersion(tenantId, groupId, version, { status: 'failed', error_code: code, finished_at: now });
    });
  }

  /** Writes a version of the group's members (the engine's member query; none while the tenant has no analytics data). */
  private async writeVersion(tenantId: string, groupId: string, tree: ConditionTree, version: number): Promise<number> {
    const analytics = this.deps.olap.forTenant(tenantId);
    if (!(await analytics.schema())) return analytics.replaceGroupVersion(groupId, version, { rows: [] });
    const query = await this.deps.conditions.compileContactIds(tenantId, tree);
    return analytics.replaceGroupVersion(groupId, version, { sql: query.sql, params: query.params as never });
  }

  /** Contacts in `next` and not in `active` (added), and the other way round (removed). */
  private async diff(
    tenantId: string,
    groupId: string,
    active: number | null,
    next: number,
  ): Promise<{ added: string[]; removed: string[] }> {
    const analytics = this.deps.olap.forTenant(tenantId);
    if (!(await analytics.schema())) return { added: [], removed: [] };
    const side = async (from: number, minus: number | null) => {
      const result = await analytics.query<{ contact_id: unknown }>(
        minus === null
          ? 'SELECT contact_id FROM group_member WHERE group_id = CAST(? AS BIGINT) AND version = ?'
          : 'SELECT contact_id FROM group_member WHERE group_id = CAST(? AS BIGINT) AND version = ? AND contact_id NOT IN (SELECT contact_id FROM group_member WHERE group_id = CAST(? AS BIGINT) AND version = ?)',
        { params: minus === null ? [groupId, from] : [groupId, from, groupId, minus], rowMode: 'json' },
      );
      return result.rows.map((row) => String(row.contact_id));
    };
    return { added: await side(next, active), removed: active === null ? [] : await side(active, next) };
  }

  /** Keeps the newest `keep` versions (and the active one) in OLAP and in the version list. */
  private async prune(tenantId: string, groupId: string, keep: number): Promise<void> {
    const group = await this.repo.group(tenantId, groupId);
    if (!group) return;
    const active = num(group.active_version);
    const rows = await this.repo.versions(tenantId, groupId);
    const kept = rows.slice(0, keep).map((row) => Number(row.version));
    if (active !== null && !kept.includes(active)) kept.push(active);
    const dropped = rows.map((row) => Number(row.version)).filter((v) => !kept.includes(v));
    await this.deps.olap.forTenant(tenantId).pruneGroupVersions(groupId, kept);
    if (dropped.length) await this.repo.deleteVersions(tenantId, groupId, dropped);
  }

  /** 每天凌晨自动更新: starts the computation of every daily group that may recompute now. */
  async runDaily(tenantId: string): Promise<number> {
    let started = 0;
    for (const group of await this.repo.dailyGroups(tenantId))
      if (RECOMPUTABLE_STATUSES.includes(group.status) && (await this.startComputation(tenantId, String(group.id), null)))
        started += 1;
    return started;
  }

  // ---- static groups ------------------------------------------------------------------------------

  /** 新建静态组; the link to an official account's tag is stored and cannot be undone. */
  async createStatic(tenantId: string, input: StaticGroupInput, staffId: string | null): Promise<Group> {
    const name = await this.checkName(tenantId, input.name);
    const folderId = await this.checkFolder(tenantId, input.folderId);
    const wechat = input.wechatChannelId ? await this.weChatChannel(tenantId, input.wechatChannelId) : null;
    const now = Date.now();
    const id = await this.repo.insertGroup(tenantId, {
      kind: 'static',
      name,
      description: input.description ?? null,
      folder_id: folderId,
      condition: null,
      update_mode: null,
      realtime_at: null,
      realtime_slot: null,
      status: 'done',
      active_version: null,
      active_count: 0,
      computing_version: null,
      last_version: 0,
      error_code: null,
      computed_at: null,
      static_seq: 0,
      olap_seq: 0,
      wechat_channel_id: wechat,
      wechat_linked_at: wechat ? now : null,
      created_by: staffId,
      created_at: now,
      updated_at: now,
      deleted_at: null,
    });
    return this.get(tenantId, id);
  }

  private async weChatChannel(tenantId: string, channelId: string): Promise<string> {
    const invalid = () =>
      new InputError('group_wechat_channel_invalid', {}, [{ path: 'wechatChannelId', code: 'group_wechat_channel_invalid' }]);
    if (!ID.test(channelId)) throw invalid();
    try {
      const channel = await this.deps.channels.get(tenantId, channelId);
      if (channel.type !== WECHAT_CHANNEL_TYPE) throw invalid();
      return channel.id;
    } catch (error) {
      if (isDomainError(error) && error.code === 'channel_not_found') throw invalid();
      throw error;
    }
  }

  /** 与微信公众号关联同步, after creation: once linked, never unlinked or relinked (409 `group_wechat_linked`). */
  async linkWeChat(tenantId: string, groupId: string, channelId: string): Promise<Group> {
    const group = await this.row(tenantId, groupId);
    if (group.kind !== 'static') throw new ConflictError('group_not_static', { id: groupId });
    if (group.wechat_channel_id !== null) throw new ConflictError('group_wechat_linked');
    const wechat = await this.weChatChannel(tenantId, channelId);
    await this.repo.updateGroup(tenantId, groupId, {
      wechat_channel_id: wechat,
      wechat_linked_at: Date.now(),
      updated_at: Date.now(),
    });
    return this.get(tenantId, groupId);
  }

  private async staticRow(tenantId: string, groupId: string): Promise<GroupRow> {
    const group = await this.row(tenantId, groupId);
    if (group.kind !== 'static') throw new ConflictError('group_not_static', { id: groupId });
    return group;
  }

  /** The batch edit's sink: 404 for a group the tenant does not have, 409 for a dynamic one. */
  async check(tenantId: string, groupId: string): Promise<void> {
    await this.staticRow(tenantId, groupId);
  }

  async add(tenantId: string, groupId: string, contactIds: readonly string[]): Promise<void> {
    await this.addMembers(tenantId, groupId, contactIds);
  }

  /**
   * Adds contacts to a static group (a merged-away id adds its survivor); ids of no contact of the
   * tenant come back in `notFound`. The OLTP change commits first, then the OLAP copy is written.
   */
  async addMembers(
    tenantId: string,
    groupId: string,
    contactIds: readonly string[],
  ): Promise<{ added: number; alreadyMembers: number; notFound: string[] }> {
    await this.staticRow(tenantId, groupId);
    const valid = contactIds.filter((id) => ID.test(id));
    const current = await this.deps.contacts.currentIds(tenantId, valid);
    const notFound = [...new Set(contactIds.filter((id) => !current.has(id)))];
    const wanted = [...new Set(current.values())];
    const added = await this.repo.transaction(async () => {
      await this.repo.group(tenantId, groupId, { lock: true });
      const existing = await this.repo.memberIds(tenantId, groupId, wanted);
      const fresh = wanted.filter((id) => !existing.has(id));
      if (fresh.length === 0) return 0;
      const now = Date.now();
      const seq = await this.repo.nextStaticSeq(tenantId, groupId, now);
      await this.repo.insertMembers(tenantId, groupId, fresh, seq, now);
      return fresh.length;
    });
    if (added > 0) await this.afterStaticChange(tenantId, groupId);
    return { added, alreadyMembers: wanted.length - added, notFound };
  }

  /** Removes contacts from a static group (a merged-away id removes its survivor). */
  async removeMembers(
    tenantId: string,
    groupId: string,
    contactIds: readonly string[],
  ): Promise<{ removed: number; notFound: string[] }> {
    await this.staticRow(tenantId, groupId);
    const valid = contactIds.filter((id) => ID.test(id));
    const current = await this.deps.contacts.currentIds(tenantId, valid);
    const notFound = [...new Set(contactIds.filter((id) => !current.has(id)))];
    const removed = await this.repo.transaction(async () => {
      await this.repo.group(tenantId, groupId, { lock: true });
      const deleted = await this.repo.deleteMembers(tenantId, groupId, [...new Set(current.values())]);
      if (deleted > 0) await this.repo.nextStaticSeq(tenantId, groupId, Date.now());
      return deleted;
    });
    if (removed > 0) await this.afterStaticChange(tenantId, groupId);
    return { removed, notFound };
  }

  /** After a committed static change: the OLAP copy now; a failure is left to the 5-minute catch-up. */
  private async afterStaticChange(tenantId: string, groupId: string): Promise<void> {
    this.faults.afterStaticCommit?.();
    try {
      await this.syncStatic(tenantId, groupId);
    } catch (error) {
      this.deps.logger.warn({ err: error, tenantId, groupId }, 'static group sync failed; the catch-up retries');
    }
  }

  /**
   * Copies a static group's members to OLAP as version `static_seq` when OLAP is behind, then moves
   * the pointer forward (never back) and keeps two versions. Returns whether it wrote.
   */
  async syncStatic(tenantId: string, groupId: string): Promise<boolean> {
    const snapshot = await this.repo.transaction(async () => {
      const group = await this.repo.group(tenantId, groupId);
      if (!group || group.kind !== 'static' || Number(group.olap_seq) >= Number(group.static_seq)) return undefined;
      return {
        seq: Number(group.static_seq),
        previous: num(group.active_version),
        members: await this.repo.allMembers(tenantId, groupId),
      };
    });
    if (!snapshot) return false;
    const analytics = this.deps.olap.forTenant(tenantId);
    await analytics.replaceGroupVersion(groupId, snapshot.seq, { rows: snapshot.members });
    const moved = await this.repo.markStaticSynced(tenantId, groupId, snapshot.seq, snapshot.members.length, Date.now());
    if (moved)
      await analytics.pruneGroupVersions(
        groupId,
        snapshot.previous === null ? [snapshot.seq] : [snapshot.seq, snapshot.previous],
      );
    return moved;
  }

  /** The catch-up (every 5 minutes): every static group whose OLAP copy is behind the master. */
  async syncBehind(tenantId: string): Promise<number> {
    let synced = 0;
    for (const group of await this.repo.staticBehind(tenantId))
      if (await this.syncStatic(tenantId, String(group.id))) synced += 1;
    return synced;
  }

  /**
   * 导入 (xlsx of user IDs, parsed here with exceljs): the first column of the first sheet, a header
   * row allowed; at most 20,000 rows. Bad ids and unknown contacts are reported per row; the rest
   * are added.
   */
  async importMembers(tenantId: string, groupId: string, file: Buffer | undefined): Promise<StaticImportResult> {
    await this.staticRow(tenantId, groupId);
    if (!file) throw new InputError('group_import_file_required', {}, [{ path: 'file', code: 'group_import_file_required' }]);
    if (file.length > groupLimits.importBytes) throw new InputError('group_import_too_large', { max: groupLimits.importBytes });
    const workbook = new ExcelJS.Workbook();
    try {
      await workbook.xlsx.load(file as unknown as ArrayBuffer);
    } catch {
      throw new InputError('group_import_file_invalid', {}, [{ path: 'file', code: 'group_import_file_invalid' }]);
    }
    const sheet = workbook.worksheets[0];
    if (!sheet) throw new InputError('group_import_file_invalid', {}, [{ path: 'file', code: 'group_import_file_invalid' }]);
    if (sheet.actualRowCount > groupLimits.importRows + 1)
      throw new InputError('group_import_too_many_rows', { max: groupLimits.importRows });
    const rows: { row: number; value: string }[] = [];
    sheet.eachRow((row, index) => {
      const cell = row.getCell(1).value;
      const value =
        cell === null || cell === undefined ? '' : typeof cell === 'object' && 'text' in cell ? String(cell.text) : String(cell);
      if (value.trim()) rows.push({ row: index, value: value.trim() });
    });
    // A header row (用户ID…) is skipped.
    if (rows[0] && rows[0].row === 1 && !/^[0-9]+$/.test(rows[0].value)) rows.shift();
    if (rows.length > groupLimits.importRows) throw new InputError('group_import_too_many_rows', { max: groupLimits.importRows });
    if (rows.length === 0) throw new InputError('group_import_empty', {}, [{ path: 'file', code: 'group_import_empty' }]);
    const failed: ImportRowProblem[] = [];
    const ids: string[] = [];
    for (const item of rows) {
      if (!ID.test(item.value)) failed.push({ ...item, code: 'group_import_id_invalid' });
      else ids.push(item.value);
    }
    const result = await this.addMembers(tenantId, groupId, ids);
    const unknown = new Set(result.notFound);
    for (const item of rows)
      if (ID.test(item.value) && unknown.has(item.value)) failed.push({ ...item, code: 'group_import_contact_unknown' });
    failed.sort((a, b) => a.row - b.row);
    return { added: result.added, alreadyMembers: result.alreadyMembers, failed };
  }

  // ---- members ------------------------------------------------------------------------------------

  /** 群组详情 → 用户列表: the contact list restricted to the group's active version, with its filters. */
  async memberList(principal: StaffPrincipal, groupId: string, query: ContactListQuery): Promise<ContactListPage> {
    await this.row(principal.tenantId, groupId);
    return this.deps.list.search(principal, query, { restrict: memberOf(groupId) });
  }

  /** 导出用户 of a group: the contact export with the group as part of its filter. */
  async exportMembers(principal: Principal, groupId: string, input: ContactExportRequest) {
    await this.row(principal.tenantId, groupId);
    return this.deps.exports.start(principal, { ...input, filter: withinGroup(groupId, input.filter) });
  }

  /**
   * The Open API's 查询标签组联系人: contact ids by id ascending (keyset pages) — a static group's
   * from the master, a dynamic group's from its active version.
   */
  async memberIdsPage(
    tenantId: string,
    groupId: string,
    query: { cursor?: string; limit: number },
  ): Promise<{ items: string[]; nextCursor: string | null }> {
    const group = await this.row(tenantId, groupId);
    const after = query.cursor === undefined ? undefined : String(decodeCursor(MEMBER_CURSOR, query.cursor, ['string'])[0]);
    if (after !== undefined && !ID.test(after))
      throw new InputError('cursor_invalid', {}, [{ path: 'cursor', code: 'cursor_invalid' }]);
    let ids: string[];
    if (group.kind === 'static') ids = await this.repo.memberPage(tenantId, groupId, after, query.limit + 1);
    else if (group.active_version === null) ids = [];
    else {
      const analytics = this.deps.olap.forTenant(tenantId);
      const result = await analytics.query<{ contact_id: unknown }>(
        `SELECT contact_id FROM group_member WHERE group_id = CAST(? AS BIGINT) AND version = ?${after ? ' AND contact_id > CAST(? AS BIGINT)' : ''} ORDER BY contact_id LIMIT ${query.limit + 1}`,
        {
          params: after ? [groupId, Number(group.active_version), after] : [groupId, Number(group.active_version)],
          rowMode: 'json',
        },
      );
      ids = result.rows.map((row) => String(row.contact_id));
    }
    const items = ids.slice(0, query.limit);
    return { items, nextCursor: ids.length > query.limit ? encodeCursor(MEMBER_CURSOR, [items[items.length - 1]!]) : null };
  }

  /** The Open API's 查询联系人的标签组: 404 for no contact of the tenant; a merged-away id answers for its survivor. */
  async groupsOfContactApi(tenantId: string, contactId: string): Promise<ContactGroupRef[]> {
    const current = ID.test(contactId) ? (await this.deps.contacts.currentIds(tenantId, [contactId])).get(contactId) : undefined;
    if (!current) throw new NotFoundError('contact_not_found');
    return this.groupsOfContact(tenantId, current);
  }

  // ---- hooks --------------------------------------------------------------------------------------

  /**
   * A contact was erased (删除用户数据: 从所有群组中将该用户移除): its static memberships go, and every
   * OLAP version holding it is rewritten without it. Idempotent.
   */
  async onContactErased(event: ContactErasedEvent): Promise<void> {
    const { tenantId, contactId } = event;
    for (const groupId of await this.repo.staticGroupsOf(tenantId, contactId)) {
      await this.repo.transaction(async () => {
        if ((await this.repo.deleteMembers(tenantId, groupId, [contactId])) > 0)
          await this.repo.nextStaticSeq(tenantId, groupId, event.at);
      });
      await this.syncStatic(tenantId, groupId);
    }
    const analytics = this.deps.olap.forTenant(tenantId);
    for (const [groupId, versions] of await this.olapMemberships(tenantId, contactId)) {
      // Not while a computation or real-time evaluation holds the group (ADR 0048 §7): the rewrite
      // folds the live delta and clears it, so a delta written meanwhile would be lost.
      await this.exclusive(tenantId, groupId, async () => {
        for (const version of versions) {
          const count = await analytics.replaceGroupVersion(groupId, version, {
            sql: 'SELECT contact_id FROM group_member WHERE group_id = CAST(? AS BIGINT) AND version = ? AND contact_id <> CAST(? AS BIGINT)',
            params: [groupId, version, contactId],
          });
          const group = await this.repo.group(tenantId, groupId);
          if (group && num(group.active_version) === version)
            await this.repo.updateGroup(tenantId, groupId, { active_count: count });
        }
      });
    }
  }

  /**
   * A merge (inside its transaction): the merged contact's static memberships are unioned into the
   * survivor's (SPEC §5.7); each group changed gets its next change number, and the OLAP copy
   * follows with the catch-up (the merge's transaction is still open here).
   */
  async onMerge(merge: { tenantId: string; survivorId: string; mergedId: string; at: number }): Promise<void> {
    const { tenantId, survivorId, mergedId, at } = merge;
    for (const groupId of await this.repo.staticGroupsOf(tenantId, mergedId)) {
      const hasSurvivor = (await this.repo.memberIds(tenantId, groupId, [survivorId])).size > 0;
      await this.repo.deleteMembers(tenantId, groupId, [mergedId]);
      const seq = await this.repo.nextStaticSeq(tenantId, groupId, at);
      if (!hasSurvivor) await this.repo.insertMembers(tenantId, groupId, [survivorId], seq, at);
    }
  }

  // ---- folders ------------------------------------------------------------------------------------

  async folders(tenantId: string): Promise<GroupFolder[]> {
    return (await this.repo.folders(tenantId)).map(toFolder);
  }

  private async folderRow(tenantId: string, folderId: string): Promise<GroupFolderRow> {
    const row = ID.test(folderId) ? await this.repo.folder(tenantId, folderId) : undefined;
    if (!row) throw new NotFoundError('group_folder_not_found');
    return row;
  }

  private siblingsNamed(rows: GroupFolderRow[], parentId: string | null, name: string, exceptId?: string): boolean {
    return rows.some((row) => str(row.parent_id) === parentId && row.name === name && String(row.id) !== exceptId);
  }

  /** 新建目录 / 新建子目录: at most 4 levels (400 `group_folder_too_deep`); names unique among siblings. */
  async createFolder(tenantId: string, input: { name: string; parentId?: string | null }): Promise<GroupFolder> {
    const name = input.name.trim();
    if (!name) throw new InputError('group_folder_name_required', {}, [{ path: 'name', code: 'group_folder_name_required' }]);
    const parent = input.parentId ? await this.folderRow(tenantId, input.parentId) : undefined;
    const depth = parent ? Number(parent.depth) + 1 : 1;
    if (depth > groupLimits.folderDepth)
      throw new InputError('group_folder_too_deep', { max: groupLimits.folderDepth }, [
        { path: 'parentId', code: 'group_folder_too_deep' },
      ]);
    const parentId = parent ? String(parent.id) : null;
    const rows = await this.repo.folders(tenantId);
    if (this.siblingsNamed(rows, parentId, name)) throw new ConflictError('group_folder_name_taken', { name });
    const now = Date.now();
    const id = await this.repo.insertFolder(tenantId, {
      parent_id: parentId,
      name,
      depth,
      position: rows.filter((row) => str(row.parent_id) === parentId).length,
      created_at: now,
      updated_at: now,
    });
    return toFolder((await this.repo.folder(tenantId, id))!);
  }

  /** 编辑目录 (rename) and 移至目录 (move, with its subtree): never into itself, never deeper than 4 levels. */
  async updateFolder(
    tenantId: string,
    folderId: string,
    patch: { name?: string; parentId?: string | null },
  ): Promise<GroupFolder> {
    const folder = await this.folderRow(tenantId, folderId);
    const rows = await this.repo.folders(tenantId);
    const name = patch.name === undefined ? folder.name : patch.name.trim();
    if (!name) throw new InputError('group_folder_name_required', {}, [{ path: 'name', code: 'group_folder_name_required' }]);
    const parentId = patch.parentId === undefined ? str(folder.parent_id) : patch.parentId;
    // The subtree: the folder and its descendants, with their depth below it.
    const subtree = new Map<string, number>([[folderId, 0]]);
    for (let grew = true; grew;) {
      grew = false;
      for (const row of rows) {
        const parent = str(row.parent_id);
        if (parent && subtree.has(parent) && !subtree.has(String(row.id))) {
          subtree.set(String(row.id), subtree.get(parent)! + 1);
          grew = true;
        }
      }
    }
    let depth = 1;
    if (parentId !== null) {
      if (subtree.has(parentId))
        throw new InputError('group_folder_move_invalid', {}, [{ path: 'parentId', code: 'group_folder_move_invalid' }]);
      depth = Number((await this.folderRow(tenantId, parentId)).depth) + 1;
    }
    const height = Math.max(...subtree.values());
    if (depth + height > groupLimits.folderDepth)
      throw new InputError('group_folder_too_deep', { max: groupLimits.folderDepth }, [
        { path: 'parentId', code: 'group_folder_too_deep' },
      ]);
    if (this.siblingsNamed(rows, parentId, name, folderId)) throw new ConflictError('group_folder_name_taken', { name });
    const now = Date.now();
    await this.repo.transaction(async () => {
      await this.repo.updateFolder(tenantId, folderId, { name, parent_id: parentId, depth, updated_at: now });
      for (const [id, below] of subtree)
        if (id !== folderId) await this.repo.updateFolder(tenantId, id, { depth: depth + below });
    });
    return toFolder((await this.repo.folder(tenantId, folderId))!);
  }

  /** 删除目录: only an empty one — no sub-folder, no group (409 `group_folder_not_empty`). */
  async deleteFolder(tenantId: string, folderId: string): Promise<void> {
    await this.folderRow(tenantId, folderId);
    const rows = await this.repo.folders(tenantId);
    const children = rows.filter((row) => str(row.parent_id) === folderId).length;
    const groups = await this.repo.groupsInFolders(tenantId, [folderId]);
    if (children > 0 || groups > 0) throw new ConflictError('group_folder_not_empty', { folders: children, groups });
    await this.repo.deleteFolder(tenantId, folderId);
  }
}
