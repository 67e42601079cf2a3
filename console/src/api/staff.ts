import type { Page, PermissionCatalog, PermissionRow, Role, Staff } from '@huiliu/core/api-types';
import { useQuery } from '@tanstack/react-query';
import { api } from './client';

// 设置 → 高级设置 → 员工 / 角色 (seed §1.11.4.5–§1.11.4.6): the shapes of /api/v1/staff, /roles and
// /permissions from @huiliu/core/api-types (core/src/modules/staff/{staff,roles}.routes.ts).

export type { PermissionCatalog, PermissionRow, Role };
export type RoleStatus = Role['status'];
export type StaffStatus = Staff['status'];
export type RolePreset = PermissionCatalog['presets'][number];

/**
 * A staff member as the list answers it. The MFA slice adds `mfaEnabled` (多因素验证 on) and
 * `mfaBound` (an authenticator is bound) to the JSON; the page shows its MFA column only when the
 * server sends them.
 */
export type StaffMember = Staff;

export interface NewStaffInput {
  email: string;
  name: string;
  password: string;
  roleIds: string[];
}

export interface StaffPatchInput {
  email?: string;
  name?: string;
  roleIds?: string[];
}

export interface RoleInput {
  name: string;
  permissions: string[];
}

/** The server's limits (core staff/roles routes): names up to 64 characters, pages up to 100 rows. */
export const STAFF_NAME_MAX = 64;
export const ROLE_NAME_MAX = 64;
export const STAFF_PAGE_SIZE_MAX = 100;

export const staffKeys = {
  all: ['staff'] as const,
  list: (query: { page: number; pageSize: number }) => ['staff', 'list', query.page, query.pageSize] as const,
  everyone: ['staff', 'everyone'] as const,
  roles: ['staff', 'roles'] as const,
  catalog: ['staff', 'permissions'] as const,
};

const id = (value: string) => encodeURIComponent(value);

export const staffApi = {
  list: (query: { page: number; pageSize: number }) =>
    api.get<Page<StaffMember>>('/api/v1/staff', {
      query: { page: query.page, pageSize: Math.min(query.pageSize, STAFF_PAGE_SIZE_MAX) },
    }),
  /** Every staff member of the tenant, page by page (the role members' names, 关联成员). */
  async everyone(): Promise<StaffMember[]> {
    const members: StaffMember[] = [];
    for (let page = 1; ; page += 1) {
      const result = await staffApi.list({ page, pageSize: STAFF_PAGE_SIZE_MAX });
      members.push(...result.items);
      if (result.items.length === 0 || members.length >= result.total) return members;
    }
  },
  create: (input: NewStaffInput) => api.post<StaffMember>('/api/v1/staff', input),
  update: (staffId: string, patch: StaffPatchInput) => api.patch<StaffMember>(`/api/v1/staff/${id(staffId)}`, patch),
  setStatus: (staffId: string, status: StaffStatus) => api.post<StaffMember>(`/api/v1/staff/${id(staffId)}/status`, { status }),
  resetPassword: (staffId: string, password: string) => api.post<void>(`/api/v1/staff/${id(staffId)}/password`, { password }),
  remove: (staffId: string) => api.delete(`/api/v1/staff/${id(staffId)}`),
  /** 多因素验证 on (bound at the next sign-in) or off (the binding is cleared). */
  setMfa: (staffId: string, enabled: boolean) => api.post<StaffMember>(`/api/v1/staff/${id(staffId)}/mfa`, { enabled }),
  /** 重置: the member binds an authenticator again at the next sign-in. */
  resetMfa: (staffId: string) => api.post<StaffMember>(`/api/v1/staff/${id(staffId)}/mfa/reset`, {}),

  roles: () => api.get<Role[]>('/api/v1/roles'),
  catalog: () => api.get<PermissionCatalog>('/api/v1/permissions'),
  createRole: (input: RoleInput) => api.post<Role>('/api/v1/roles', input),
  updateRole: (roleId: string, patch: Partial<RoleInput> & { status?: RoleStatus }) =>
    api.patch<Role>(`/api/v1/roles/${id(roleId)}`, patch),
  setRoleMembers: (roleId: string, staffIds: string[]) => api.put<Role>(`/api/v1/roles/${id(roleId)}/members`, { staffIds }),
  removeRole: (roleId: string) => api.delete(`/api/v1/roles/${id(roleId)}`),
};

/** The tenant's roles (names on the 员工 page, options of its form, the 角色 list). */
export function useRoles() {
  return useQuery({ queryKey: staffKeys.roles, queryFn: staffApi.roles });
}
