import type { ConditionTree } from '../conditions/condition.types.js';

/**
 * 用户群组 (seed §1.5, SPEC §4; ADR 0044): the shapes and limits of the groups module. Pure data.
 */

export const groupKinds = ['dynamic', 'static'] as const;
export type GroupKind = (typeof groupKinds)[number];

export const updateModes = ['manual', 'daily'] as const;
/** 手动更新 or 每天凌晨自动更新 (§1.5.1.2.1). */
export type UpdateMode = (typeof updateModes)[number];

/**
 * The dynamic group's status machine (§1.5.1.2.2): 待计算 pending → 计算中 computing → 计算完成
 * computed → 冗余中 syncing → 完成 done; 计算失败 compute_failed (the computation failed) and 失败
 * failed (the 冗余 step failed). Static groups are always `done`.
 */
export const groupStatuses = ['pending', 'computing', 'computed', 'compute_failed', 'syncing', 'done', 'failed'] as const;
export type GroupStatus = (typeof groupStatuses)[number];

/** 编辑: only at 完成 (§1.5.1.2.2 "在完成状态时，才可以进行编辑"). */
export const EDITABLE_STATUSES: readonly GroupStatus[] = ['done'];
/** 立即计算 / 重新计算: only at 完成, 计算失败, 失败. */
export const RECOMPUTABLE_STATUSES: readonly GroupStatus[] = ['done', 'compute_failed', 'failed'];
/** A computation is under way: the group cannot be deleted until it ends. */
export const BUSY_STATUSES: readonly GroupStatus[] = ['computing', 'computed', 'syncing'];

export const groupLimits = {
  nameMax: 64,
  descriptionMax: 255,
  /** 支持创建四级目录 (§1.5.4). */
  folderDepth: 4,
  folderNameMax: 64,
  /** Versions of a dynamic group kept in OLAP (ARCHITECTURE §4: last 50). */
  versionsKept: 50,
  /** Versions of a static group kept in OLAP: the synced one and the one before (a reader mid-query). */
  staticVersionsKept: 2,
  /** Contact ids one add / remove call takes (console and Open API). */
  idsPerCall: 1000,
  /** 导入静态组 (xlsx of user IDs): rows per file, like 用户导入 (每次导入最多不超过 2W). */
  importRows: 20_000,
  /** The uploaded xlsx. */
  importBytes: 5 * 1024 * 1024,
  /** Members per page (console and Open API). */
  pageMax: 200,
  pageDefault: 50,
  /** Real-time groups per tenant (ADR 0048): each is re-evaluated after every load batch and swept every 10 minutes. */
  realtimeMax: 20,
  /** Contacts one real-time evaluation takes (a larger backlog is evaluated in rounds). */
  realtimeContacts: 5_000,
} as const;

/** The task that computes a dynamic group (internal work: no notification). */
export const GROUP_COMPUTE_TASK = 'groups.compute';
/** 每天凌晨自动更新: 00:10 in the tenant's time zone (after midnight, when the day's data is in). */
export const DAILY_CRON = '10 0 * * *';
/** A real-time evaluation that failed in the process, retried durably (ADR 0048). */
export const GROUP_REALTIME_TASK = 'groups.realtime';
/** The sweep of real-time groups: relative-time leaves move without events (ADR 0048). */
export const REALTIME_SWEEP_CRON = '*/10 * * * *';
/** The catch-up of static groups whose OLAP copy is behind OLTP. */
export const STATIC_SYNC_CRON = '*/5 * * * *';

export interface Group {
  id: string;
  kind: GroupKind;
  name: string;
  description: string | null;
  folderId: string | null;
  condition: ConditionTree | null;
  updateMode: UpdateMode | null;
  /** 实时更新 (ADR 0048): members follow each load batch between computations. */
  realtime: boolean;
  status: GroupStatus;
  activeVersion: number | null;
  /** Members of the active version (static: of the OLTP master). */
  memberCount: number | null;
  errorCode: string | null;
  computedAt: number | null;
  wechatChannelId: string | null;
  wechatLinkedAt: number | null;
  createdBy: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface GroupVersion {
  version: number;
  status: 'computing' | 'computed' | 'done' | 'failed';
  memberCount: number | null;
  addedCount: number | null;
  removedCount: number | null;
  active: boolean;
  errorCode: string | null;
  startedAt: number;
  finishedAt: number | null;
}

export interface GroupFolder {
  id: string;
  parentId: string | null;
  name: string;
  depth: number;
  position: number;
}

export interface DynamicGroupInput {
  name: string;
  description?: string | null;
  folderId?: string | null;
  condition: ConditionTree;
  updateMode: UpdateMode;
  realtime?: boolean;
}

export interface StaticGroupInput {
  name: string;
  description?: string | null;
  folderId?: string | null;
  /** 是否将该群组与微信公众号关联同步: the official account (irreversible). */
  wechatChannelId?: string | null;
}

export interface GroupPatch {
  name?: string;
  description?: string | null;
  condition?: ConditionTree;
  updateMode?: UpdateMode;
  realtime?: boolean;
}

/** One refused row of an import (its 1-based row number in the sheet). */
export interface ImportRowProblem {
  row: number;
  value: string;
  code: 'group_import_id_invalid' | 'group_import_contact_unknown';
}

export interface StaticImportResult {
  added: number;
  alreadyMembers: number;
  failed: ImportRowProblem[];
}

/** Why a contact's membership changed (`core.groupMembershipChanged`). */
export type MembershipChangeSource = 'realtime' | 'sweep' | 'computation';
