import type { LocalizedText } from '../../kernel/contributions.js';
import { createServiceRef } from '../../kernel/extension-point.js';
import { permissionMatrix, rolePresets, type MatrixRow, type RolePreset } from '../../kernel/permission-matrix.js';
import type { PermissionRegistry } from '../../kernel/permissions.js';
import { ConflictError, InputError, NotFoundError } from '../../server/errors.js';
import { isDeadlock, isUniqueViolation } from '../../store/oltp/oltp-store.js';
import type { ChannelsService } from '../channels/channels.service.js';
import type { PluginEnablement } from '../tenant-plugins/plugin-enablement.js';
import type { RolesRepo, RoleRow } from './roles.repo.js';
import type { StaffRepo } from './staff.repo.js';

export interface Role {
  id: string;
  name: string;
  status: 'enabled' | 'disabled';
  /** Granted permission ids, closed over their linked rights (fixed ones are implied, not listed). */
  permissions: string[];
  memberIds: string[];
  createdAt: number;
  updatedAt: number;
}

/** One configurable right in the role editor. */
export interface PermissionRow {
  id: string;
  menu: LocalizedText;
  submenu: LocalizedText;
  right: LocalizedText;
  description: LocalizedText | null;
  fixed: boolean;
  requires: string[];
}

/** What the role editor shows for a tenant: the seed's rows, the rights beyond them, the presets. */
export interface PermissionCatalog {
  matrix: PermissionRow[];
  extra: PermissionRow[];
  presets: { key: string; name: LocalizedText; permissions: string[] }[];
}

const OTHER: LocalizedText = { 'zh-CN': '其他', 'en-US': 'Other' };

function toRole(row: RoleRow, memberIds: string[]): Role {
  return {
    id: String(row.id),
    name: row.name,
    status: row.status,
    permissions: JSON.parse(row.permissions) as string[],
    memberIds,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

/** Tries of a role deletion that lost a deadlock to a concurrent staff edit. */
const DELETE_ATTEMPTS = 5;

/**
 * Roles (角色, seed §1.11.4.6): named sets of permission-matrix rows. A staff member holds the union
 * of their enabled roles plus the fixed rows. Changing what a role grants, or who holds it, ends
 * the affected staff members' sessions at once (they sign in again with their new rights).
 */
export class RolesService {
  constructor(
    private readonly repo: RolesRepo,
    private readonly staff: StaffRepo,
    private readonly permissions: PermissionRegistry,
    private readonly channels: ChannelsService,
    /** Which plugins the tenant has (ADR 0041): a disabled plugin's rights are not offered, and roles keep them. */
    private readonly enablement: Pick<PluginEnablement, 'disabledPermissions'>,
  ) {}

  /** Which features' rows the tenant may configure (a connector feature once its channel exists). */
  private async availableFeatures(tenantId: string): Promise<(feature: string | undefined, seedRow: boolean) => boolean> {
    const channelTypes = new Map<string, boolean>();
    for (const id of new Set(this.permissions.all().map((p) => p.feature))) {
      const feature = id ? this.permissions.feature(id) : undefined;
      if (feature?.channelType && !channelTypes.has(feature.channelType)) {
        const page = await this.channels.list(tenantId, { type: feature.channelType, page: 1, pageSize: 1 });
        channelTypes.set(feature.channelType, page.total > 0);
      }
    }
    return (id, seedRow) => {
      const feature = id ? this.permissions.feature(id) : undefined;
      // A seed row needs its module or connector present; a contributed right comes with its contributor.
      if (!feature) return !seedRow;
      return feature.channelType ? channelTypes.get(feature.channelType) === true : true;
    };
  }

  async catalog(tenantId: string): Promise<PermissionCatalog> {
    const available = await this.availableFeatures(tenantId);
    const disabled = await this.enablement.disabledPermissions(tenantId);
    const visible = (row: MatrixRow) => available(row.feature, true) && !disabled.has(row.id);
    const matrix = permissionMatrix.filter(visible).map((row): PermissionRow => ({
      id: row.id,
      menu: row.menu,
      submenu: row.submenu,
      right: row.right,
      description: row.description,
      fixed: Boolean(row.fixed),
      requires: row.requires ?? [],
    }));
    const extra = this.permissions
      .all()
      .filter(
        (p) =>
          !this.permissions.isSeedRow(p.id) && !p.superOnly && !p.appOnly && available(p.feature, false) && !disabled.has(p.id),
      )
      .map((p): PermissionRow => ({
        id: p.id,
        menu: OTHER,
        submenu: OTHER,
        right: p.label ?? { 'zh-CN': p.id, 'en-US': p.id },
        description: null,
        fixed: Boolean(p.fixed),
        requires: p.requires ?? [],
      }));
    const configurable = new Set([...matrix, ...extra].filter((row) => !row.fixed).map((row) => row.id));
    const presets = rolePresets.map((preset: RolePreset) => ({
      key: preset.key,
      name: preset.name,
      permissions: [...this.permissions.close(preset.permissions)].filter((id) => configurable.has(id)).sort(),
    }));
    return { matrix, extra, presets };
  }

  /**
   * A role's permissions as stored: known, assignable, of a feature the tenant has — closed over
   * the linked rights, fixed rows left out (every role has them). Rights of a plugin disabled for
   * the tenant cannot be newly given, but those the role already had (`stored`) are kept as they
   * are: the editor does not show them, and re-enabling the plugin gives them back (ADR 0041).
   */
  private async normalize(tenantId: string, selected: string[], stored: readonly string[] = []): Promise<string[]> {
    const available = await this.availableFeatures(tenantId);
    const disabled = await this.enablement.disabledPermissions(tenantId);
    const kept = stored.filter((id) => disabled.has(id));
    const problems = selected.flatMap((id, index) => {
      const definition = this.permissions.get(id);
      const code = !definition
        ? ('permission_unknown' as const)
        : definition.fixed
          ? undefined
          : !this.permissions.isAssignable(id) ||
              !available(definition.feature, this.permissions.isSeedRow(id)) ||
              (disabled.has(id) && !kept.includes(id))
            ? ('permission_not_assignable' as const)
            : undefined;
      return code ? [{ id, path: `permissions.${index}`, code }] : [];
    });
    const first = problems[0];
    if (first) {
      throw new InputError(
        first.code,
        { permission: first.id },
        problems.map(({ path, code }) => ({ path, code })),
      );
    }
    return [...this.permissions.close([...selected, ...kept])].filter((id) => this.permissions.isAssignable(id)).sort();
  }

  async list(tenantId: string): Promise<Role[]> {
    const [rows, members] = await Promise.all([this.repo.list(tenantId), this.repo.membersByRole(tenantId)]);
    return rows.map((row) => toRole(row, members.get(String(row.id)) ?? []));
  }

  async get(tenantId: string, roleId: string): Promise<Role> {
    const row = await this.repo.find(tenantId, roleId);
    if (!row) throw new NotFoundError('role_not_found');
    return toRole(row, await this.repo.members(tenantId, roleId));
  }

  async create(tenantId: string, actorId: string | null, input: { name: string; permissions: string[] }): Promise<Role> {
    const permissions = await this.normalize(tenantId, input.permissions);
    const now = Date.now();
    try {
      const id = await this.repo.insert(tenantId, {
        name: input.name.trim(),
        status: 'enabled',
        permissions: JSON.stringify(permissions),
        created_by: actorId,
        created_at: now,
        updated_at: now,
      });
      return await this.get(tenantId, id);
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError('role_name_taken');
      throw error;
    }
  }

  /** Renames, changes the rights or enables/disables a role; its members sign in again when their rights change. */
  async update(
    tenantId: string,
    roleId: string,
    patch: { name?: string; permissions?: string[]; status?: 'enabled' | 'disabled' },
  ): Promise<Role> {
    const before = await this.get(tenantId, roleId);
    const permissions = patch.permissions ? await this.normalize(tenantId, patch.permissions, before.permissions) : undefined;
    const rightsChanged =
      (permissions !== undefined && permissions.join() !== before.permissions.join()) ||
      (patch.status !== undefined && patch.status !== before.status);
    try {
      await this.repo.transaction(async () => {
        await this.repo.update(tenantId, roleId, {
          ...(patch.name !== undefined ? { name: patch.name.trim() } : {}),
          ...(permissions ? { permissions: JSON.stringify(permissions) } : {}),
          ...(patch.status ? { status: patch.status } : {}),
          updated_at: Date.now(),
        });
        if (rightsChanged) await this.staff.endSessions(tenantId, before.memberIds);
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError('role_name_taken');
      throw error;
    }
    return this.get(tenantId, roleId);
  }

  /** Deletes a role; its members no longer hold it (seed: 删除角色后，已关联角色的员工将不再拥有该角色). */
  async delete(tenantId: string, roleId: string): Promise<Role> {
    // A staff edit naming this role at the same moment can make MySQL/MariaDB pick this delete as a
    // deadlock victim: it is run again (reading the members again), never answered with a 500.
    for (let attempt = 1; ; attempt += 1) {
      const role = await this.get(tenantId, roleId);
      try {
        await this.repo.transaction(async () => {
          await this.repo.delete(tenantId, roleId);
          await this.staff.endSessions(tenantId, role.memberIds);
        });
        return role;
      } catch (error) {
        if (!isDeadlock(error) || attempt >= DELETE_ATTEMPTS) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
      }
    }
  }

  /** Replaces a role's members (添加员工 / 删除员工); returns who was added and removed. */
  async setMembers(tenantId: string, roleId: string, staffIds: string[]): Promise<{ added: string[]; removed: string[] }> {
    const role = await this.get(tenantId, roleId);
    const wanted = [...new Set(staffIds)];
    const found = await this.staff.normalStaffIds(tenantId, wanted);
    const missing = wanted.filter((id) => !found.includes(id));
    if (missing.length > 0) {
      throw new InputError(
        'staff_not_found',
        { staffId: missing[0] },
        missing.map((id) => ({ path: `staffIds.${wanted.indexOf(id)}`, code: 'staff_not_found' })),
      );
    }
    const before = new Set(role.memberIds);
    const added = wanted.filter((id) => !before.has(id));
    const removed = role.memberIds.filter((id) => !wanted.includes(id));
    // A normal staff member keeps at least one role (deleting a role is the seed's one exception).
    const rolesOf = await this.repo.rolesByStaff(tenantId, removed);
    const stranded = removed.find((id) => (rolesOf.get(id) ?? []).filter((r) => r !== roleId).length === 0);
    if (stranded) throw new InputError('staff_last_role', { staffId: stranded });
    await this.repo.transaction(async () => {
      await this.repo.setMembers(tenantId, roleId, wanted);
      await this.staff.endSessions(tenantId, [...added, ...removed]);
    });
    return { added, removed };
  }

  /** Refuses role ids the tenant does not have (another tenant's look the same: not found). */
  async assertRoles(tenantId: string, roleIds: string[]): Promise<void> {
    const found = await this.repo.existing(tenantId, roleIds);
    const missing = roleIds.findIndex((id) => !found.includes(id));
    if (missing >= 0) {
      throw new InputError('role_not_found', { roleId: roleIds[missing] }, [
        { path: `roleIds.${missing}`, code: 'role_not_found' },
      ]);
    }
  }

  /** The permission ids a staff member's enabled roles grant (before closure and fixed rows). */
  grantedTo(tenantId: string, staffId: string): Promise<string[]> {
    return this.repo.grantedTo(tenantId, staffId);
  }
}

export const rolesServiceRef = createServiceRef<RolesService>({ id: 'staff.roles' });
