import type { ConditionTree } from '../conditions/condition.types.js';

/**
 * 互斥组 and 临时群组 (SPEC §4, seed §1.7.4.3 and §1.7.10; ADR 0049): what a report picks as "the
 * group to look at". Pure data.
 */

export const selectionLimits = {
  nameMax: 64,
  descriptionMax: 255,
  /** An exclusive group orders 2–20 member groups. */
  exclusiveMembersMin: 2,
  exclusiveMembersMax: 20,
  /** 每个账号只能添加 3 个临时群组 (seed §1.7.10). */
  temporaryPerStaff: 3,
  /** Selections one count request compares (用户分析: 支持五个标签组的对比, §1.7.4.4.2). */
  compareMax: 5,
} as const;

/**
 * What a report looks at: a group (static or dynamic, its active version), one segment of an
 * exclusive group (its member at `position`, 1-based, minus every member before it), or one of the
 * caller's temporary groups (its conditions, evaluated now).
 */
export type GroupSelection =
  | { type: 'group'; groupId: string }
  | { type: 'exclusive'; exclusiveGroupId: string; position: number }
  | { type: 'temporary'; temporaryGroupId: string };

export const selectionTypes = ['group', 'exclusive', 'temporary'] as const;

/** A selection resolved: its display name and the predicate a report ANDs into its query. */
export interface ResolvedSelection {
  selection: GroupSelection;
  name: string;
  condition: ConditionTree;
}

export interface SelectionCount {
  selection: GroupSelection;
  name: string;
  count: number;
}

export interface ExclusiveMember {
  position: number;
  groupId: string;
  /** The member group's name (its current one). */
  name: string;
  kind: 'dynamic' | 'static';
}

export interface ExclusiveGroup {
  id: string;
  name: string;
  description: string | null;
  members: ExclusiveMember[];
  createdBy: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface ExclusiveGroupInput {
  name: string;
  description?: string | null;
  /** Member group ids, highest priority first. */
  groupIds: string[];
}

export interface TemporaryGroup {
  id: string;
  name: string;
  condition: ConditionTree;
  createdAt: number;
  updatedAt: number;
}

/** The caller a selection is resolved for: temporary groups are their owner's only. */
export interface SelectionActor {
  tenantId: string;
  staffId: string | null;
}
