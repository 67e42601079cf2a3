import type { Knex } from 'knex';

/**
 * The seed's rules of 业务对象分配所属部门 (§1.11.4.5.5) as pure decisions: no I/O, so every row of
 * the seed's tables is one call here. DepartmentService adds the lookups (the switch, the staff
 * member's department, the tree); modules apply the results to their own tables. ADR 0023.
 */

/** Anything arranged in a tree by a parent id: departments, and a module's folders. */
export interface TreeNode {
  id: string;
  parentId: string | null;
}

/**
 * `rootId` and every node below it, parents before children. Nodes whose parent chain loops (a
 * corrupt table) are reached at most once.
 */
export function subtreeIds(nodes: readonly TreeNode[], rootId: string): string[] {
  const children = new Map<string, string[]>();
  for (const node of nodes) {
    if (node.parentId === null) continue;
    const list = children.get(node.parentId);
    if (list) list.push(node.id);
    else children.set(node.parentId, [node.id]);
  }
  const out: string[] = [];
  const seen = new Set<string>();
  const queue = [rootId];
  while (queue.length > 0) {
    const id = queue.shift()!;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(id);
    queue.push(...(children.get(id) ?? []));
  }
  return out;
}

/** True when putting `nodeId` under `newParentId` would make it its own ancestor. */
export function wouldCycle(nodes: readonly TreeNode[], nodeId: string, newParentId: string | null): boolean {
  return newParentId !== null && subtreeIds(nodes, nodeId).includes(newParentId);
}

/**
 * What a caller sees (查看业务对象数据): an object without a department is visible to everyone; one with
 * a department only to staff of that department and of the departments above it — so a staff member
 * sees the objects of its own department and of every department below it.
 */
export interface DepartmentScope {
  /** Every object is visible: 组织架构 is off, or the caller is super staff (高级员工) or an Open API app. */
  readonly all: boolean;
  /**
   * When not `all`: the departments whose objects the caller sees (its own and every one below); empty
   * for a staff member without a department, who sees only objects without one.
   */
  readonly departmentIds: readonly string[];
  /** Whether an object of `departmentId` (null: none) is visible. */
  sees(departmentId: string | null | undefined): boolean;
  /**
   * Restricts `query` to visible rows: `column IS NULL OR column IN (…)` as one parenthesised group
   * (nothing added when `all`). `column` is the object's department column, e.g. `my_plugin__board.department_id`.
   */
  whereVisible<Q extends Knex.QueryBuilder>(query: Q, column: string): Q;
}

export function makeScope(all: boolean, departmentIds: readonly string[] = []): DepartmentScope {
  const ids = all ? [] : [...new Set(departmentIds)];
  const visible = new Set(ids);
  return Object.freeze({
    all,
    departmentIds: Object.freeze(ids),
    sees: (departmentId: string | null | undefined) =>
      all || departmentId === null || departmentId === undefined || visible.has(String(departmentId)),
    whereVisible<Q extends Knex.QueryBuilder>(query: Q, column: string): Q {
      if (all) return query;
      return query.where((group) => {
        void group.whereNull(column);
        if (ids.length > 0) void group.orWhereIn(column, ids);
      }) as Q;
    },
  });
}

/**
 * 新增业务对象的初始部门 / 新建文件夹: an object created in a folder that has a department takes the
 * folder's (a sub-folder its parent folder's); otherwise the creator's department — none when the
 * creator has none, and none while 组织架构 is off (a folder's department still passes on then, so a
 * folder and its contents never disagree).
 */
export function initialDepartment(input: {
  /** The department of the folder it is created in (a sub-folder: of its parent folder); null/undefined: none or no folder. */
  containerDepartmentId: string | null | undefined;
  creatorDepartmentId: string | null;
  orgEnabled: boolean;
}): string | null {
  if (input.containerDepartmentId) return input.containerDepartmentId;
  return input.orgEnabled ? input.creatorDepartmentId : null;
}

/** Why a change of 所属部门 is refused (each an error code of the catalogue). */
export type ReassignRefusal =
  'department_org_disabled' | 'department_set_by_folder' | 'department_set_by_parent_folder' | 'department_outside_own';

/**
 * 更改业务对象所属部门:
 * - an object in a folder that has a department cannot be changed (it follows the folder);
 * - a sub-folder whose parent folder has a department cannot be changed (it follows the parent);
 * - otherwise only to the caller's own department or one below it (`assignable`; super staff: any).
 * Nothing can be changed while 组织架构 is off.
 */
export function reassignRefusal(input: {
  orgEnabled: boolean;
  isFolder: boolean;
  /** The department of the folder holding the object (a folder: of its parent folder); null: none or no folder. */
  containerDepartmentId: string | null | undefined;
  targetDepartmentId: string;
  assignable: DepartmentScope;
}): ReassignRefusal | null {
  if (!input.orgEnabled) return 'department_org_disabled';
  if (input.containerDepartmentId) return input.isFolder ? 'department_set_by_parent_folder' : 'department_set_by_folder';
  if (!input.assignable.all && !input.assignable.departmentIds.includes(input.targetDepartmentId))
    return 'department_outside_own';
  return null;
}

/**
 * 添加至目录 / 移至目录: moved into a folder that has a department, an object (or folder) takes it;
 * into a folder without one (or out of every folder), it keeps its own.
 */
export function departmentAfterMove(input: {
  objectDepartmentId: string | null;
  targetFolderDepartmentId: string | null | undefined;
}): string | null {
  return input.targetFolderDepartmentId ? input.targetFolderDepartmentId : input.objectDepartmentId;
}

/**
 * What changes with a folder's department (更改父文件夹 / 子文件夹所属部门, and a folder moved into a
 * folder with a department): the folder and every folder below it take `departmentId`, and so do
 * all objects in those folders.
 */
export interface CascadePlan {
  departmentId: string | null;
  /** The folder and every sub-folder below it: update these folders, and the objects whose folder is one of them. */
  folderIds: string[];
}

export function folderCascade(folders: readonly TreeNode[], folderId: string, departmentId: string | null): CascadePlan {
  return { departmentId, folderIds: subtreeIds(folders, folderId) };
}
