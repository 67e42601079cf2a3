/** A department (部门) of the tenant's organisation (组织架构). */
export interface Department {
  id: string;
  name: string;
  /** The department it belongs to; null for a top-level department. */
  parentId: string | null;
  /** Its place among its siblings (0 first). */
  sort: number;
  /** Staff members directly in it (not in its sub-departments). */
  staffCount: number;
  createdAt: number;
  updatedAt: number;
}

/** `GET /api/v1/departments`: the tree as a flat list, the switch, and what the caller may pick. */
export interface DepartmentTree {
  /** 组织架构 on: data permissions apply. Off: everyone sees every object. */
  orgEnabled: boolean;
  /** Every department, parents before children, siblings by `sort`. */
  departments: Department[];
  /** The caller's own department (null: none). */
  myDepartmentId: string | null;
  /**
   * The departments the caller may give an object (更新所属部门): its own and every one below it;
   * every department for super staff. Empty while 组织架构 is off (nothing can be reassigned then).
   */
  assignableIds: string[];
}

export interface DepartmentRow {
  id: number | string;
  tenant_id: number | string;
  name: string;
  parent_id: number | string | null;
  parent_key: number | string;
  sort: number;
  created_at: number;
  updated_at: number;
}

export function toDepartment(row: DepartmentRow, staffCount: number): Department {
  return {
    id: String(row.id),
    name: row.name,
    parentId: row.parent_id === null ? null : String(row.parent_id),
    sort: Number(row.sort),
    staffCount,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

/** Departments per tenant at most: the tree is read whole to decide visibility. */
export const DEPARTMENT_LIMIT = 1000;
export const DEPARTMENT_NAME_MAX = 64;
