import { createServiceRef } from '../../kernel/extension-point.js';
import { ConflictError, InputError, NotFoundError } from '../../server/errors.js';
import { isUniqueViolation } from '../../store/oltp/oltp-store.js';
import type { ConditionNode, ConditionTree } from '../conditions/condition.types.js';
import type { ConditionsService } from '../conditions/conditions.service.js';
import type { GroupsService } from '../groups/groups.service.js';
import type { ExclusiveGroupRow, ExclusiveMemberRow, GroupSelectionsRepo, TemporaryGroupRow } from './group-selections.repo.js';
import {
  selectionLimits,
  type ExclusiveGroup,
  type ExclusiveGroupInput,
  type GroupSelection,
  type ResolvedSelection,
  type SelectionActor,
  type SelectionCount,
  type TemporaryGroup,
} from './group-selections.types.js';

export const groupSelectionsServiceRef = createServiceRef<GroupSelectionsService>({ id: 'group-selections.service' });

const ID = /^[1-9][0-9]{0,18}$/;
/** How the console's picker names a segment of an exclusive group (`exclusive:<id>:<position>`). */
const SEGMENT_KEY = /^exclusive:/i;
const str = (value: number | string | null | undefined) => (value === null || value === undefined ? null : String(value));

/** 选择查看群组: what the picker offers. */
export interface GroupSelectionChoices {
  groups: { id: string; name: string; kind: 'dynamic' | 'static' }[];
  exclusiveGroups: { id: string; name: string; segments: { position: number; groupId: string; name: string }[] }[];
  temporaryGroups: TemporaryGroup[];
  temporaryLimit: number;
}

export interface GroupSelectionsDeps {
  groups: GroupsService;
  conditions: ConditionsService;
}

/** The tree of one segment: member `position` and none of the members before it (priority order). */
export function segmentTree(groupIds: readonly string[], position: number): ConditionTree {
  const conditions: ConditionNode[] = [{ type: 'group', groupId: groupIds[position - 1]!, operator: 'in' }];
  for (const earlier of groupIds.slice(0, position - 1)) conditions.push({ type: 'group', groupId: earlier, operator: 'notIn' });
  return { type: 'and', conditions };
}

/** The group leaves of a tree that name a segment of an exclusive group (a picker's key, never a group id). */
function segmentLeaves(tree: ConditionTree): string[] {
  const paths: string[] = [];
  const visit = (node: ConditionNode, path: string) => {
    if (node.type === 'and' || node.type === 'or') node.conditions.forEach((child, i) => visit(child, `${path}conditions.${i}.`));
    else if (node.type === 'group' && typeof node.groupId === 'string' && SEGMENT_KEY.test(node.groupId))
      paths.push(`${path}groupId`);
  };
  visit(tree, '');
  return paths;
}

/**
 * 互斥组 and 临时群组 (SPEC §4, seed §1.7.4.3 and §1.7.10; ADR 0049): the selections reports look
 * at. An exclusive group orders 2–20 groups; a contact belongs to the first it is in, so its
 * segments are disjoint. A temporary group is a staff member's ad-hoc conditions (at most 3 each),
 * never computed into a version. Both resolve to condition trees (`resolveSelection`) that a
 * report ANDs into its query, or counts (`countSelection`). Groups are reached only through the
 * groups module's service.
 */
export class GroupSelectionsService {
  constructor(
    private readonly repo: GroupSelectionsRepo,
    private readonly deps: GroupSelectionsDeps,
  ) {}

  // ---- exclusive groups ---------------------------------------------------------------------------

  private async toExclusive(
    tenantId: string,
    rows: ExclusiveGroupRow[],
    members?: ExclusiveMemberRow[],
  ): Promise<ExclusiveGroup[]> {
    if (rows.length === 0) return [];
    const memberRows =
      members ??
      (await this.repo.members(
        tenantId,
        rows.map((row) => String(row.id)),
      ));
    const groups = new Map((await this.deps.groups.list(tenantId)).map((group) => [group.id, group]));
    return rows.map((row) => ({
      id: String(row.id),
      name: row.name,
      description: row.description,
      members: memberRows
        .filter((member) => String(member.exclusive_group_id) === String(row.id))
        .map((member) => {
          const group = groups.get(String(member.group_id));
          return {
            position: Number(member.position),
            groupId: String(member.group_id),
            name: group?.name ?? '',
            kind: group?.kind ?? 'static',
          };
        }),
      createdBy: str(row.created_by),
      createdAt: Number(row.created_at),
      updatedAt: Number(row.updated_at),
    }));
  }

  async listExclusive(tenantId: string): Promise<ExclusiveGroup[]> {
    return this.toExclusive(tenantId, await this.repo.exclusiveGroups(tenantId));
  }

  private async exclusiveRow(tenantId: string, id: string): Promise<ExclusiveGroupRow> {
    const row = ID.test(id) ? await this.repo.exclusiveGroup(tenantId, id) : undefined;
    if (!row) throw new NotFoundError('exclusive_group_not_found');
    return row;
  }

  async getExclusive(tenantId: string, id: string): Promise<ExclusiveGroup> {
    return (await this.toExclusive(tenantId, [await this.exclusiveRow(tenantId, id)]))[0]!;
  }

  private async checkExclusiveName(tenantId: string, name: string, exceptId?: string): Promise<string> {
    const trimmed = name.trim();
    if (!trimmed)
      throw new InputError('exclusive_group_name_required', {}, [{ path: 'name', code: 'exclusive_group_name_required' }]);
    if (await this.repo.exclusiveNameTaken(tenantId, trimmed, exceptId))
      throw new ConflictError('exclusive_group_name_taken', { name: trimmed });
    return trimmed;
  }

  /** Inside the write's transaction: every member still live, locked until commit (R20-X3). */
  private async lockMembers(tenantId: string, groupIds: readonly string[]): Promise<void> {
    const locked = new Set(await this.deps.groups.lockLive(tenantId, groupIds));
    const gone = groupIds.map((groupId, index) => ({ groupId, index })).filter((m) => !locked.has(m.groupId));
    if (gone.length)
      throw new InputError(
        'exclusive_group_member_unknown',
        { count: gone.length },
        gone.map((m) => ({ path: `groupIds.${m.index}`, code: 'exclusive_group_member_unknown' })),
      );
  }

  /** A concurrent request that took the name first (the unique live_name index, R20-X1): 409, not 500. */
  private async nameGuarded<T>(name: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      // SQLite names the columns, MySQL the index: both contain `live_name`.
      if (isUniqueViolation(error) && /live_name/.test(String((error as Error).message)))
        throw new ConflictError('exclusive_group_name_taken', { name });
      throw error;
    }
  }

  /** 2–20 distinct live groups of the tenant, in priority order. */
  private async checkMembers(tenantId: string, groupIds: readonly string[]): Promise<string[]> {
    const { exclusiveMembersMin: min, exclusiveMembersMax: max } = selectionLimits;
    if (groupIds.length < min || groupIds.length > max)
      throw new InputError('exclusive_group_members_count', { min, max }, [
        { path: 'groupIds', code: 'exclusive_group_members_count' },
      ]);
    const seen = new Set<string>();
    groupIds.forEach((groupId, index) => {
      if (seen.has(groupId))
        throw new InputError('exclusive_group_member_duplicate', { position: index + 1 }, [
          { path: `groupIds.${index}`, code: 'exclusive_group_member_duplicate' },
        ]);
      seen.add(groupId);
    });
    const live = new Set((await this.deps.groups.groups(tenantId, groupIds)).map((group) => group.id));
    const unknown = groupIds.map((groupId, index) => ({ groupId, index })).filter((m) => !live.has(m.groupId));
    if (unknown.length)
      throw new InputError(
        'exclusive_group_member_unknown',
        { count: unknown.length },
        unknown.map((m) => ({ path: `groupIds.${m.index}`, code: 'exclusive_group_member_unknown' })),
      );
    return [...groupIds];
  }

  /** 新建互斥组: a name unique among exclusive groups and 2–20 member groups, highest priority first. */
  async createExclusive(tenantId: string, input: ExclusiveGroupInput, staffId: string | null): Promise<ExclusiveGroup> {
    const name = await this.checkExclusiveName(tenantId, input.name);
    const groupIds = await this.checkMembers(tenantId, input.groupIds);
    const now = Date.now();
    const id = await this.nameGuarded(name, () =>
      this.repo.transaction(async () => {
        const created = await this.repo.insertExclusiveGroup(tenantId, {
          name,
          description: input.description ?? null,
          created_by: staffId,
          created_at: now,
          updated_at: now,
          deleted_at: null,
        });
        await this.lockMembers(tenantId, groupIds);
        await this.repo.replaceMembers(tenantId, created, groupIds);
        return created;
      }),
    );
    return this.getExclusive(tenantId, id);
  }

  /** 编辑互斥组: name, description, and the members and their order (nothing is computed: it applies at once). */
  async updateExclusive(tenantId: string, id: string, patch: Partial<ExclusiveGroupInput>): Promise<ExclusiveGroup> {
    await this.exclusiveRow(tenantId, id);
    const name = patch.name === undefined ? undefined : await this.checkExclusiveName(tenantId, patch.name, id);
    const groupIds = patch.groupIds === undefined ? undefined : await this.checkMembers(tenantId, patch.groupIds);
    await this.nameGuarded(name ?? '', () =>
      this.repo.transaction(async () => {
        await this.repo.updateExclusiveGroup(tenantId, id, {
          ...(name !== undefined ? { name } : {}),
          ...(patch.description !== undefined ? { description: patch.description } : {}),
          updated_at: Date.now(),
        });
        if (groupIds) {
          await this.lockMembers(tenantId, groupIds);
          await this.repo.replaceMembers(tenantId, id, groupIds);
        }
      }),
    );
    return this.getExclusive(tenantId, id);
  }

  /** 删除互斥组: its member groups stay; its id is never reused. */
  async deleteExclusive(tenantId: string, id: string): Promise<void> {
    await this.exclusiveRow(tenantId, id);
    await this.repo.transaction(async () => {
      const now = Date.now();
      await this.repo.updateExclusiveGroup(tenantId, id, { deleted_at: now, updated_at: now });
      await this.repo.replaceMembers(tenantId, id, []);
    });
  }

  /** The groups module's usage check: the names of the live exclusive groups a group is a member of. */
  async exclusiveGroupsUsing(tenantId: string, groupId: string): Promise<string[]> {
    return (await this.repo.exclusiveGroupsUsing(tenantId, groupId)).map((row) => row.name);
  }

  /** Each segment's count now: they are disjoint, so they add up to the union of the members. */
  async countExclusive(tenantId: string, id: string): Promise<{ items: SelectionCount[]; computedAt: number }> {
    const group = await this.getExclusive(tenantId, id);
    return this.count(
      { tenantId, staffId: null },
      group.members.map((member) => ({ type: 'exclusive', exclusiveGroupId: group.id, position: member.position })),
    );
  }

  // ---- temporary groups ---------------------------------------------------------------------------

  private toTemporary(row: TemporaryGroupRow): TemporaryGroup {
    return {
      id: String(row.id),
      name: row.name,
      condition: JSON.parse(row.condition) as ConditionTree,
      createdAt: Number(row.created_at),
      updatedAt: Number(row.updated_at),
    };
  }

  private staffOf(actor: SelectionActor): string {
    // Only staff members have temporary groups (an Open API app has none).
    if (!actor.staffId) throw new NotFoundError('temporary_group_not_found');
    return actor.staffId;
  }

  async listTemporary(actor: SelectionActor): Promise<TemporaryGroup[]> {
    return (await this.repo.temporaryGroups(actor.tenantId, this.staffOf(actor))).map((row) => this.toTemporary(row));
  }

  private async temporaryRow(actor: SelectionActor, id: string): Promise<TemporaryGroupRow> {
    const staffId = this.staffOf(actor);
    const row = ID.test(id) ? await this.repo.temporaryGroup(actor.tenantId, staffId, id) : undefined;
    if (!row) throw new NotFoundError('temporary_group_not_found');
    return row;
  }

  /**
   * A temporary group's conditions: valid for the condition engine, and no leaf names a segment of
   * an exclusive group (a segment is a selection, not a group a condition can read).
   */
  private async checkCondition(tenantId: string, tree: ConditionTree): Promise<void> {
    const segments = segmentLeaves(tree);
    if (segments.length)
      throw new InputError(
        'condition_exclusive_segment',
        {},
        segments.map((path) => ({ path: `condition.${path}`, code: 'condition_exclusive_segment' })),
      );
    const problems = await this.deps.conditions.validate(tenantId, tree);
    if (problems.length)
      throw new InputError(
        'condition_invalid',
        { count: problems.length },
        problems.map((p) => ({ ...p, path: `condition${p.path ? `.${p.path}` : ''}` })),
      );
  }

  private checkTemporaryName(name: string): string {
    const trimmed = name.trim();
    if (!trimmed)
      throw new InputError('temporary_group_name_required', {}, [{ path: 'name', code: 'temporary_group_name_required' }]);
    return trimmed;
  }

  /**
   * 添加临时群组: at most 3 per staff member (409 `temporary_group_limit`). Each takes a free slot
   * 1…3; the unique (staff, slot) index refuses a concurrent request that took the same one.
   */
  async createTemporary(actor: SelectionActor, input: { name: string; condition: ConditionTree }): Promise<TemporaryGroup> {
    const staffId = this.staffOf(actor);
    const name = this.checkTemporaryName(input.name);
    await this.checkCondition(actor.tenantId, input.condition);
    const max = selectionLimits.temporaryPerStaff;
    for (let attempt = 0; attempt < max; attempt += 1) {
      const taken = new Set((await this.repo.temporaryGroups(actor.tenantId, staffId)).map((row) => Number(row.slot)));
      const slot = Array.from({ length: max }, (_, i) => i + 1).find((candidate) => !taken.has(candidate));
      if (slot === undefined) throw new ConflictError('temporary_group_limit', { max });
      const now = Date.now();
      try {
        const id = await this.repo.insertTemporaryGroup(actor.tenantId, {
          staff_id: staffId,
          slot,
          name,
          condition: JSON.stringify(input.condition),
          created_at: now,
          updated_at: now,
        });
        return this.toTemporary((await this.repo.temporaryGroup(actor.tenantId, staffId, id))!);
      } catch (error) {
        // Another request took this slot meanwhile: look again.
        if (!isUniqueViolation(error)) throw error;
      }
    }
    throw new ConflictError('temporary_group_limit', { max });
  }

  async updateTemporary(
    actor: SelectionActor,
    id: string,
    patch: { name?: string; condition?: ConditionTree },
  ): Promise<TemporaryGroup> {
    const row = await this.temporaryRow(actor, id);
    const name = patch.name === undefined ? undefined : this.checkTemporaryName(patch.name);
    if (patch.condition) await this.checkCondition(actor.tenantId, patch.condition);
    await this.repo.updateTemporaryGroup(actor.tenantId, String(row.staff_id), id, {
      ...(name !== undefined ? { name } : {}),
      ...(patch.condition ? { condition: JSON.stringify(patch.condition) } : {}),
      updated_at: Date.now(),
    });
    return this.toTemporary((await this.temporaryRow(actor, id))!);
  }

  async deleteTemporary(actor: SelectionActor, id: string): Promise<void> {
    const row = await this.temporaryRow(actor, id);
    await this.repo.deleteTemporaryGroup(actor.tenantId, String(row.staff_id), id);
  }

  // ---- selections ---------------------------------------------------------------------------------

  /**
   * What a selection means now, as a condition tree for a report to AND into its query: a group's
   * membership (its active version), a segment (its member minus every member before it), or a
   * temporary group's conditions (the caller's own; evaluated ad hoc, nothing stored).
   */
  async resolveSelection(actor: SelectionActor, selection: GroupSelection): Promise<ResolvedSelection> {
    const { tenantId } = actor;
    switch (selection.type) {
      case 'group': {
        const group = await this.deps.groups.get(tenantId, selection.groupId);
        return {
          selection,
          name: group.name,
          condition: { type: 'and', conditions: [{ type: 'group', groupId: group.id, operator: 'in' }] },
        };
      }
      case 'exclusive': {
        const group = await this.getExclusive(tenantId, selection.exclusiveGroupId);
        const member = group.members.find((m) => m.position === selection.position);
        if (!member) throw new NotFoundError('exclusive_group_segment_not_found');
        return {
          selection,
          name: `${group.name} / ${member.name}`,
          condition: segmentTree(
            group.members.map((m) => m.groupId),
            member.position,
          ),
        };
      }
      case 'temporary': {
        const temporary = this.toTemporary(await this.temporaryRow(actor, selection.temporaryGroupId));
        return { selection, name: temporary.name, condition: temporary.condition };
      }
    }
  }

  /** How many contacts a selection holds now (the condition engine's count, nothing written). */
  async countSelection(actor: SelectionActor, selection: GroupSelection): Promise<SelectionCount & { computedAt: number }> {
    const resolved = await this.resolveSelection(actor, selection);
    const estimate = await this.deps.conditions.estimate(actor.tenantId, resolved.condition);
    return { selection, name: resolved.name, count: estimate.count, computedAt: estimate.computedAt };
  }

  /** Counts of several selections at one evaluation time (a report comparing up to 5 groups). */
  async count(
    actor: SelectionActor,
    selections: readonly GroupSelection[],
  ): Promise<{ items: SelectionCount[]; computedAt: number }> {
    const now = Date.now();
    const items: SelectionCount[] = [];
    for (const selection of selections) {
      const resolved = await this.resolveSelection(actor, selection);
      const estimate = await this.deps.conditions.estimate(actor.tenantId, resolved.condition, { now });
      items.push({ selection, name: resolved.name, count: estimate.count });
    }
    return { items, computedAt: now };
  }

  /** 选择查看群组: everything the caller may pick — groups, exclusive groups with their segments, own temporary groups. */
  async options(actor: SelectionActor): Promise<GroupSelectionChoices> {
    const [groups, exclusive, temporary] = await Promise.all([
      this.deps.groups.list(actor.tenantId),
      this.listExclusive(actor.tenantId),
      actor.staffId ? this.listTemporary(actor) : Promise.resolve([]),
    ]);
    return {
      groups: groups.map((group) => ({ id: group.id, name: group.name, kind: group.kind })),
      exclusiveGroups: exclusive.map((group) => ({
        id: group.id,
        name: group.name,
        segments: group.members.map((member) => ({ position: member.position, groupId: member.groupId, name: member.name })),
      })),
      temporaryGroups: temporary,
      temporaryLimit: selectionLimits.temporaryPerStaff,
    };
  }
}
