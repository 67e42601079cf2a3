import type { Department, DepartmentTree, Page, Staff } from '@huiliu/core/api-types';
import { api } from './client';

// 部门 (设置 → 高级设置 → 部门) and the department pickers of business objects: the shapes of
// /api/v1/departments from @huiliu/core/api-types (core/src/modules/departments/departments.routes.ts).

export type { Department, DepartmentTree };

/** The server's limit on a department name (core departments.types.ts). */
export const DEPARTMENT_NAME_MAX = 64;
/** The largest page GET /api/v1/staff gives. */
export const STAFF_PAGE_MAX = 100;

export const departmentsKeys = {
  tree: ['departments', 'tree'] as const,
  staff: (departmentId: string) => ['departments', 'staff', departmentId] as const,
  allStaff: ['departments', 'all-staff'] as const,
};

const base = '/api/v1/departments';
const one = (departmentId: string) => `${base}/${encodeURIComponent(departmentId)}`;

export const departmentsApi = {
  tree: () => api.get<DepartmentTree>(base),
  create: (input: { name: string; parentId: string | null }) => api.post<Department>(base, input),
  update: (departmentId: string, changes: { name?: string; parentId?: string | null; position?: number }) =>
    api.patch<Department>(one(departmentId), changes),
  remove: (departmentId: string) => api.delete(one(departmentId)),
  staffIn: (departmentId: string) => api.get<{ items: Staff[] }>(`${one(departmentId)}/staff`),
  setOrgEnabled: (orgEnabled: boolean) => api.put<{ orgEnabled: boolean }>(`${base}/settings`, { orgEnabled }),
  assignStaff: (staffId: string, departmentId: string | null) =>
    api.put<{ staffId: string; departmentId: string | null }>(`/api/v1/staff/${encodeURIComponent(staffId)}/department`, {
      departmentId,
    }),
  /** Every staff member of the tenant (pages of 100 until done), for 分配员工. */
  async allStaff(): Promise<Staff[]> {
    const staff: Staff[] = [];
    for (let page = 1; ; page += 1) {
      const result = await api.get<Page<Staff>>('/api/v1/staff', { query: { page, pageSize: STAFF_PAGE_MAX } });
      staff.push(...result.items);
      if (result.items.length === 0 || staff.length >= result.total) return staff;
    }
  },
};

/** A department with its sub-departments, as antd's Tree and TreeSelect take it. */
export interface DepartmentNode {
  department: Department;
  children: DepartmentNode[];
}

/** The flat list (parents first) as a forest; `rootIds` keeps only those sub-trees (a picker limited to one's own department). */
export function departmentForest(departments: readonly Department[], rootIds?: readonly string[]): DepartmentNode[] {
  const nodes = new Map(departments.map((department) => [department.id, { department, children: [] as DepartmentNode[] }]));
  const roots: DepartmentNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.department.parentId === null ? undefined : nodes.get(node.department.parentId);
    if (parent) parent.children.push(node);
    else roots.push(node);
  }
  if (rootIds === undefined) return roots;
  const wanted = new Set(rootIds);
  // The topmost wanted departments: a wanted department under another wanted one is inside its sub-tree already.
  return [...nodes.values()].filter(
    (node) => wanted.has(node.department.id) && (node.department.parentId === null || !wanted.has(node.department.parentId)),
  );
}
