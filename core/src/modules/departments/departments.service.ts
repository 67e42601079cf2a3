import { createServiceRef } from '../../kernel/extension-point.js';
import { ForbiddenError, InputError, NotFoundError } from '../../server/errors.js';
import { isUniqueViolation } from '../../store/oltp/oltp-store.js';
import type { StaffService } from '../staff/staff.service.js';
import type { Staff } from '../staff/staff.types.js';
import {
  departmentAfterMove,
  folderCascade,
  initialDepartment,
  makeScope,
  reassignRefusal,
  subtreeIds,
  wouldCycle,
  type CascadePlan,
  type DepartmentScope,
  type TreeNode,
} from './department-rules.js';
import type { DepartmentsRepo } from './departments.repo.js';
import { DEPARTMENT_LIMIT, toDepartment, type Department, type DepartmentRow, type DepartmentTree } from './departments.types.js';

/** Who looks at business objects: a staff member (console session) or an Open API app. */
export type DepartmentViewer = { tenantId: string } & (
  | { kind: 'staff'; staffId: string; isSuper: boolean }
  | { kind: 'app'; appId?: string }
  // A plugin's integration caller (a signed webhook, ADR 0042): a machine of the tenant, like an app.
  | { kind: 'integration' }
);

/** How many of a module's (or plugin's) objects and folders belong to a department: a department in use is not deleted. */
export type DepartmentReferenceCount = (tenantId: string, departmentId: string) => Promise<number>;

/** The arguments of `assertCanReassign`. */
export interface ReassignCheck {
  /** The department the object (or folder) would get. */
  targetDepartmentId: string;
  isFolder: boolean;
  /**
   * The department of the folder holding the object — for a folder, of its parent folder; null or
   * undefined when it is in no folder or the folder has no department.
   */
  containerDepartmentId: string | null | undefined;
}

const IN_CHUNK = 500;

/**
 * Departments (部门) and the data permissions of business objects (业务对象分配所属部门, seed
 * §1.11.4.5.5; ADR 0023). It keeps the tree, the 组织架构 switch and each staff member's department,
 * and decides — for every module that gives its objects a department (dashboards, journeys, reports,
 * WeChat reports, and plugins through `coreServices.departments`) — who sees what, which department
 * a new object gets, who may change it, and what follows a folder. The modules store the department
 * on their own rows and apply the decisions to their own tables.
 */
export class DepartmentService {
  private readonly references = new Map<string, DepartmentReferenceCount>();

  constructor(
    private readonly repo: DepartmentsRepo,
    private readonly staff: StaffService,
  ) {}

  // ---- the tree -------------------------------------------------------------------------------------

  /** Every department, parents before children and siblings in order, with their staff counts. */
  async list(tenantId: string): Promise<Department[]> {
    const [rows, counts] = await Promise.all([this.repo.departments(tenantId), this.repo.staffCounts(tenantId)]);
    return inTreeOrder(rows).map((row) => toDepartment(row, counts.get(String(row.id)) ?? 0));
  }

  /** The tree as the console shows it to `viewer`: with the switch, its department, and what it may assign. */
  async tree(viewer: DepartmentViewer): Promise<DepartmentTree> {
    const [departments, orgEnabled] = await Promise.all([this.list(viewer.tenantId), this.repo.orgEnabled(viewer.tenantId)]);
    const myDepartmentId = viewer.kind === 'staff' ? await this.repo.departmentOf(viewer.tenantId, viewer.staffId) : null;
    let assignableIds: string[] = [];
    if (orgEnabled) {
      const scope = await this.assignableScope(viewer, departments);
      assignableIds = scope.all ? departments.map((d) => d.id) : [...scope.departmentIds];
    }
    return { orgEnabled, departments, myDepartmentId, assignableIds };
  }

  async get(tenantId: string, departmentId: string): Promise<Department> {
    const row = await this.repo.department(tenantId, departmentId);
    if (!row) throw new NotFoundError('department_not_found');
    const counts = await this.repo.staffCounts(tenantId);
    return toDepartment(row, counts.get(String(row.id)) ?? 0);
  }

  async create(tenantId: string, input: { name: string; parentId?: string | null }): Promise<Department> {
    const parentId = input.parentId ?? null;
    const id = await this.named(
      () => input.name,
      () =>
        this.repo.transaction(async () => {
          if (parentId !== null && !(await this.repo.department(tenantId, parentId)))
            throw new NotFoundError('department_not_found');
          if ((await this.repo.count(tenantId)) >= DEPARTMENT_LIMIT)
            throw new InputError('department_limit_reached', { limit: DEPARTMENT_LIMIT });
          const sort = await this.repo.nextSort(tenantId, parentId);
          return this.repo.insert(tenantId, { name: input.name, parentId, sort, at: Date.now() });
        }),
    );
    return this.get(tenantId, id);
  }

  /**
   * Renames and/or moves a department: `parentId` (null: top level) puts it under another one — never
   * under itself or one of its own sub-departments — at `position` among its new siblings (default last).
   */
  async update(
    tenantId: string,
    departmentId: string,
    changes: { name?: string; parentId?: string | null; position?: number },
  ): Promise<Department> {
    let name = changes.name ?? '';
    await this.named(
      () => name,
      () =>
        this.repo.transaction(async () => {
          const rows = await this.repo.departments(tenantId, { lock: true });
          const current = rows.find((row) => String(row.id) === departmentId);
          if (!current) throw new NotFoundError('department_not_found');
          name = changes.name ?? current.name;
          const at = Date.now();
          if (changes.name !== undefined && changes.name !== current.name)
            await this.repo.rename(tenantId, departmentId, changes.name, at);
          if (changes.parentId === undefined && changes.position === undefined) return;

          const currentParent = current.parent_id === null ? null : String(current.parent_id);
          const parentId = changes.parentId === undefined ? currentParent : changes.parentId;
          if (parentId !== null && !rows.some((row) => String(row.id) === parentId))
            throw new NotFoundError('department_not_found');
          if (wouldCycle(nodesOf(rows), departmentId, parentId)) throw new InputError('department_cycle');
          if (parentId !== currentParent) await this.repo.setParent(tenantId, departmentId, parentId, at);

          // Its new siblings in their order, with it inserted at `position`; only changed places are written.
          const siblings = inTreeOrder(rows).filter(
            (row) => (row.parent_id === null ? null : String(row.parent_id)) === parentId && String(row.id) !== departmentId,
          );
          const place = Math.min(changes.position ?? siblings.length, siblings.length);
          const ordered = [...siblings.slice(0, place), current, ...siblings.slice(place)];
          for (const [sort, row] of ordered.entries())
            if (Number(row.sort) !== sort || String(row.id) === departmentId)
              await this.repo.setSort(tenantId, String(row.id), sort);
        }),
    );
    return this.get(tenantId, departmentId);
  }

  /**
   * Deletes an empty department: refused while it has sub-departments, staff, or business objects
   * (counted by the modules that registered a reference count).
   */
  async remove(tenantId: string, departmentId: string): Promise<void> {
    await this.repo.transaction(async () => {
      const rows = await this.repo.departments(tenantId, { lock: true });
      if (!rows.some((row) => String(row.id) === departmentId)) throw new NotFoundError('department_not_found');
      if (rows.some((row) => row.parent_id !== null && String(row.parent_id) === departmentId))
        throw new InputError('department_has_children');
      if ((await this.repo.staffIdsIn(tenantId, departmentId)).length > 0) throw new InputError('department_has_staff');
      for (const count of this.references.values())
        if ((await count(tenantId, departmentId)) > 0) throw new InputError('department_in_use');
      await this.repo.remove(tenantId, departmentId);
    });
  }

  // ---- the 组织架构 switch and staff ------------------------------------------------------------------

  orgEnabled(tenantId: string): Promise<boolean> {
    return this.repo.orgEnabled(tenantId);
  }

  async setOrgEnabled(tenantId: string, enabled: boolean, byStaffId: string | null): Promise<{ orgEnabled: boolean }> {
    await this.repo.setOrgEnabled(tenantId, enabled, byStaffId, Date.now());
    return { orgEnabled: enabled };
  }

  /** The staff member's department, or null. */
  departmentOf(tenantId: string, staffId: string): Promise<string | null> {
    return this.repo.departmentOf(tenantId, staffId);
  }

  /** Puts a staff member of the tenant in a department (its only one) or, with null, in none. */
  async assignStaff(
    tenantId: string,
    staffId: string,
    departmentId: string | null,
  ): Promise<{ staffId: string; departmentId: string | null }> {
    await this.staff.get(tenantId, staffId);
    await this.repo.transaction(async () => {
      if (departmentId !== null && !(await this.repo.department(tenantId, departmentId)))
        throw new NotFoundError('department_not_found');
      await this.repo.assign(tenantId, staffId, departmentId, Date.now());
    });
    return { staffId, departmentId };
  }

  /** The staff members directly in a department. */
  async staffIn(tenantId: string, departmentId: string): Promise<Staff[]> {
    if (!(await this.repo.department(tenantId, departmentId))) throw new NotFoundError('department_not_found');
    const ids = await this.repo.staffIdsIn(tenantId, departmentId);
    const staff: Staff[] = [];
    for (let i = 0; i < ids.length; i += IN_CHUNK) staff.push(...(await this.staff.byIds(tenantId, ids.slice(i, i + IN_CHUNK))));
    return staff;
  }

  /** Takes a staff member out of its department (a staff member being removed; its row also goes with the staff row). */
  async forgetStaff(tenantId: string, staffId: string): Promise<void> {
    await this.repo.assign(tenantId, staffId, null, Date.now());
  }

  // ---- the rules for business objects ----------------------------------------------------------------

  /**
   * What `viewer` sees (查看业务对象数据): everything while 组织架构 is off, for super staff (高级员工) and
   * for Open API apps; otherwise objects without a department and those of its own department and every
   * department below it (a staff member without a department: only objects without one).
   */
  async scopeFor(viewer: DepartmentViewer): Promise<DepartmentScope> {
    if (viewer.kind !== 'staff' || viewer.isSuper) return makeScope(true);
    if (!(await this.repo.orgEnabled(viewer.tenantId))) return makeScope(true);
    return this.assignableScope(viewer);
  }

  /** 403 `department_no_access` (无权限) unless `scope` sees an object of `departmentId`. */
  assertVisible(scope: DepartmentScope, departmentId: string | null | undefined): void {
    if (!scope.sees(departmentId)) throw new ForbiddenError('department_no_access');
  }

  /**
   * 新增业务对象的初始部门: created in a folder with a department → the folder's; otherwise the creator's
   * department (none for a creator without one, an app, or while 组织架构 is off).
   */
  async initialDepartment(
    tenantId: string,
    input: { creatorStaffId: string | null; folderDepartmentId?: string | null },
  ): Promise<string | null> {
    if (input.folderDepartmentId) return input.folderDepartmentId;
    const orgEnabled = await this.repo.orgEnabled(tenantId);
    const creatorDepartmentId =
      orgEnabled && input.creatorStaffId ? await this.repo.departmentOf(tenantId, input.creatorStaffId) : null;
    return initialDepartment({ containerDepartmentId: input.folderDepartmentId, creatorDepartmentId, orgEnabled });
  }

  /** 新建文件夹: a sub-folder of a folder with a department → the parent's; otherwise the creator's department. */
  initialFolderDepartment(
    tenantId: string,
    input: { creatorStaffId: string | null; parentFolderDepartmentId?: string | null },
  ): Promise<string | null> {
    return this.initialDepartment(tenantId, {
      creatorStaffId: input.creatorStaffId,
      folderDepartmentId: input.parentFolderDepartmentId,
    });
  }

  /**
   * 更改所属部门: throws unless `viewer` may give the object (or folder) `targetDepartmentId` — 400
   * `department_org_disabled`, `department_set_by_folder` (its folder has a department),
   * `department_set_by_parent_folder` (a sub-folder whose parent has one), `department_outside_own`
   * (not the viewer's department or below); 404 `department_not_found` for a department the tenant
   * does not have. The module checks first that the viewer sees the object.
   */
  async assertCanReassign(viewer: DepartmentViewer, check: ReassignCheck): Promise<void> {
    const orgEnabled = await this.repo.orgEnabled(viewer.tenantId);
    const early = reassignRefusal({ ...check, orgEnabled, assignable: makeScope(true) });
    if (early) throw new InputError(early);
    if (!(await this.repo.department(viewer.tenantId, check.targetDepartmentId))) throw new NotFoundError('department_not_found');
    const refusal = reassignRefusal({ ...check, orgEnabled, assignable: await this.assignableScope(viewer) });
    if (refusal) throw new InputError(refusal);
  }

  /** 添加至目录 / 移至目录: the department of an object (or folder) moved into a folder. */
  departmentAfterMove(input: {
    objectDepartmentId: string | null;
    targetFolderDepartmentId: string | null | undefined;
  }): string | null {
    return departmentAfterMove(input);
  }

  /** What follows a folder's new department: it, every folder below it, and their objects. */
  folderCascade(folders: readonly TreeNode[], folderId: string, departmentId: string | null): CascadePlan {
    return folderCascade(folders, folderId, departmentId);
  }

  /**
   * A module (or plugin) whose objects carry departments registers how many belong to one, so a
   * department in use is not deleted. Called once per owner, in its `init()`.
   */
  addReferenceCount(owner: string, count: DepartmentReferenceCount): void {
    if (this.references.has(owner)) throw new Error(`"${owner}" registered a department reference count twice`);
    this.references.set(owner, count);
  }

  // ---- helpers ------------------------------------------------------------------------------------------

  /** The viewer's own department and every one below it (all for super staff and apps), regardless of the switch. */
  private async assignableScope(viewer: DepartmentViewer, known?: readonly TreeNode[]): Promise<DepartmentScope> {
    if (viewer.kind !== 'staff' || viewer.isSuper) return makeScope(true);
    const own = await this.repo.departmentOf(viewer.tenantId, viewer.staffId);
    if (own === null) return makeScope(false, []);
    const nodes = known ?? nodesOf(await this.repo.departments(viewer.tenantId));
    return makeScope(false, subtreeIds(nodes, own));
  }

  /** Runs a write that names a department; a sibling of the same name answers 400 `department_name_taken`. */
  private async named<T>(name: () => string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (isUniqueViolation(error)) throw new InputError('department_name_taken', { name: name() });
      throw error;
    }
  }
}

function nodesOf(rows: readonly DepartmentRow[]): TreeNode[] {
  return rows.map((row) => ({ id: String(row.id), parentId: row.parent_id === null ? null : String(row.parent_id) }));
}

/** Rows depth-first from the top level, siblings by sort then id (rows in a loop, impossible by construction, are left out). */
function inTreeOrder(rows: readonly DepartmentRow[]): DepartmentRow[] {
  const bySort = [...rows].sort((a, b) => Number(a.sort) - Number(b.sort) || Number(a.id) - Number(b.id));
  const children = new Map<string, DepartmentRow[]>();
  for (const row of bySort) {
    const key = row.parent_id === null ? '' : String(row.parent_id);
    const list = children.get(key);
    if (list) list.push(row);
    else children.set(key, [row]);
  }
  const out: DepartmentRow[] = [];
  const visit = (key: string) => {
    for (const row of children.get(key) ?? []) {
      out.push(row);
      visit(String(row.id));
    }
  };
  visit('');
  return out;
}

export const departmentServiceRef = createServiceRef<DepartmentService>({ id: 'departments.departments' });
