import { createServiceRef } from '../../kernel/extension-point.js';
import { assertPasswordStrength, hashPassword } from '../../lib/password.js';
import { ConflictError, InputError, NotFoundError } from '../../server/errors.js';
import { isDeadlock, isForeignKeyViolation, isUniqueViolation, type Page } from '../../store/oltp/oltp-store.js';
import type { RolesRepo } from './roles.repo.js';
import type { RolesService } from './roles.service.js';
import type { StaffRepo } from './staff.repo.js';
import { normalizeEmail, toStaff, type Staff, type StaffRow } from './staff.types.js';

export type { Page };

/** Roles one staff member may hold at most. */
export const STAFF_ROLES_MAX = 100;

export interface NewStaff {
  email: string;
  name: string;
  password: string;
  roleIds: string[];
}

export interface StaffPatch {
  email?: string;
  name?: string;
  roleIds?: string[];
}

/**
 * Staff (员工, seed §1.11.4.5): super staff (高级员工) are provisioned with the tenant; they add,
 * edit, enable, disable and delete normal staff and reset their passwords. A normal staff member
 * has at least one role. Every change to someone's rights or account ends their sessions.
 */
export class StaffService {
  constructor(
    private readonly repo: StaffRepo,
    private readonly roleRows: RolesRepo,
    private readonly roles: RolesService,
  ) {}

  /** Refuses a weak password (before a caller writes anything that belongs with the staff member). */
  assertPasswordStrength(password: string, path?: string): void {
    assertPasswordStrength(password, path);
  }

  /** The tenant's first super staff (高级员工); emails are unique across tenants. */
  async createSuper(tenantId: string, input: { email: string; name: string; password: string }): Promise<Staff> {
    assertPasswordStrength(input.password);
    const passwordHash = await hashPassword(input.password);
    const now = Date.now();
    try {
      const id = await this.repo.insert(tenantId, {
        email: normalizeEmail(input.email),
        name: input.name.trim(),
        password_hash: passwordHash,
        is_super: true,
        status: 'enabled',
        created_at: now,
        updated_at: now,
      });
      return await this.get(tenantId, id);
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError('email_taken');
      throw error;
    }
  }

  /** A normal staff member (员工) with their roles (≥ 1). */
  async create(tenantId: string, input: NewStaff): Promise<Staff> {
    assertPasswordStrength(input.password, 'password');
    const roleIds = this.roleIdsOf(input.roleIds);
    await this.roles.assertRoles(tenantId, roleIds);
    const passwordHash = await hashPassword(input.password);
    const now = Date.now();
    try {
      const id = await this.repo.transaction(async () => {
        const staffId = await this.repo.insert(tenantId, {
          email: normalizeEmail(input.email),
          name: input.name.trim(),
          password_hash: passwordHash,
          is_super: false,
          status: 'enabled',
          created_at: now,
          updated_at: now,
        });
        await this.roleRows.setStaffRoles(tenantId, staffId, roleIds);
        return staffId;
      });
      return await this.get(tenantId, id);
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError('email_taken');
      throw error;
    }
  }

  /** A normal staff member has at least one role (seed: 需要先添加角色，才能成功添加员工). */
  private roleIdsOf(roleIds: string[]): string[] {
    const unique = [...new Set(roleIds)];
    if (unique.length === 0) throw new InputError('staff_role_required', {}, [{ path: 'roleIds', code: 'staff_role_required' }]);
    if (unique.length > STAFF_ROLES_MAX) {
      throw new InputError('staff_roles_too_many', { max: STAFF_ROLES_MAX }, [{ path: 'roleIds', code: 'staff_roles_too_many' }]);
    }
    return unique;
  }

  /** The normal staff member `staffId`, or 404; super staff are refused (provisioned with the tenant). */
  private async normal(tenantId: string, staffId: string): Promise<StaffRow> {
    const row = await this.repo.find(tenantId, staffId);
    if (!row) throw new NotFoundError('staff_not_found');
    if (row.is_super) throw new InputError('super_staff_protected');
    return row;
  }

  /** Edits name, email or roles; a change of email or roles ends the member's sessions. */
  async update(tenantId: string, staffId: string, patch: StaffPatch): Promise<{ before: Staff; after: Staff }> {
    const row = await this.normal(tenantId, staffId);
    const before = await this.get(tenantId, staffId);
    const roleIds = patch.roleIds ? this.roleIdsOf(patch.roleIds) : undefined;
    if (roleIds) await this.roles.assertRoles(tenantId, roleIds);
    const email = patch.email !== undefined ? normalizeEmail(patch.email) : undefined;
    const rolesChanged = roleIds !== undefined && [...roleIds].sort().join() !== [...before.roleIds].sort().join();
    const emailChanged = email !== undefined && email !== row.email;
    try {
      await this.repo.transaction(async () => {
        await this.repo.update(tenantId, staffId, {
          ...(patch.name !== undefined ? { name: patch.name.trim() } : {}),
          ...(email !== undefined ? { email } : {}),
          updated_at: Date.now(),
        });
        if (roleIds) await this.roleRows.setStaffRoles(tenantId, staffId, roleIds);
        if (rolesChanged || emailChanged) await this.repo.endSessions(tenantId, [staffId]);
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError('email_taken');
      // A role deleted while this edit ran: as if it had been gone before.
      if (isForeignKeyViolation(error) || isDeadlock(error))
        throw new InputError('role_not_found', {}, [{ path: 'roleIds', code: 'role_not_found' }]);
      throw error;
    }
    return { before, after: await this.get(tenantId, staffId) };
  }

  /** 启用 / 停用: a disabled member's sessions end at once and they cannot sign in. */
  async setStatus(tenantId: string, actorId: string, staffId: string, status: 'enabled' | 'disabled'): Promise<Staff> {
    if (staffId === actorId) throw new InputError('staff_self_protected');
    await this.normal(tenantId, staffId);
    await this.repo.transaction(async () => {
      await this.repo.update(tenantId, staffId, { status, updated_at: Date.now() });
      if (status === 'disabled') await this.repo.endSessions(tenantId, [staffId]);
    });
    return this.get(tenantId, staffId);
  }

  /** 修改密码 by super staff: the member signs in again with the new password. */
  async resetPassword(tenantId: string, staffId: string, password: string): Promise<void> {
    await this.normal(tenantId, staffId);
    assertPasswordStrength(password, 'password');
    const passwordHash = await hashPassword(password);
    await this.repo.transaction(async () => {
      await this.repo.update(tenantId, staffId, { password_hash: passwordHash, updated_at: Date.now() });
      await this.repo.endSessions(tenantId, [staffId]);
    });
  }

  async delete(tenantId: string, actorId: string, staffId: string): Promise<Staff> {
    if (staffId === actorId) throw new InputError('staff_self_protected');
    await this.normal(tenantId, staffId);
    const staff = await this.get(tenantId, staffId);
    await this.repo.transaction(() => this.repo.delete(tenantId, staffId));
    return staff;
  }

  /** Ids of the tenant's enabled staff (e.g. the recipients of a notification nobody asked for). */
  enabledIds(tenantId: string): Promise<string[]> {
    return this.repo.enabledIds(tenantId);
  }

  async list(tenantId: string, page: number, pageSize: number): Promise<Page<Staff>> {
    const rows = await this.repo.page(tenantId, page, pageSize, (row) => row);
    const roles = await this.roleRows.rolesByStaff(
      tenantId,
      rows.items.map((row) => String(row.id)),
    );
    return { ...rows, items: rows.items.map((row) => toStaff(row, roles.get(String(row.id)) ?? [])) };
  }

  async get(tenantId: string, staffId: string): Promise<Staff> {
    const row = await this.repo.find(tenantId, staffId);
    if (!row) throw new NotFoundError('staff_not_found');
    const roles = await this.roleRows.rolesByStaff(tenantId, [staffId]);
    return toStaff(row, roles.get(staffId) ?? []);
  }

  /** The tenant's staff among `staffIds` (unknown ids and other tenants' are left out), by id. */
  async byIds(tenantId: string, staffIds: readonly string[]): Promise<Staff[]> {
    if (staffIds.length === 0) return [];
    const roles = await this.roleRows.rolesByStaff(tenantId, [...staffIds]);
    return (await this.repo.byIds(tenantId, staffIds)).map((row) => toStaff(row, roles.get(String(row.id)) ?? []));
  }

  /** Staff names by id (operation log exports). */
  async names(tenantId: string): Promise<Map<string, string>> {
    return new Map((await this.repo.names(tenantId)).map((row) => [String(row.id), row.name]));
  }

  count(tenantId: string): Promise<number> {
    return this.repo.count(tenantId);
  }
}

export const staffServiceRef = createServiceRef<StaffService>({ id: 'staff.staff' });
