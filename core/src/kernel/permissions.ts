/**
 * Permissions are rows of the permission matrix: `<menu>.<action>`, plus the two pseudo
 * permissions `public` (no login) and `authenticated` (any logged-in caller of the tenant).
 * Modules and plugins contribute rows; every route names one.
 */
export interface PermissionDefinition {
  id: string;
  /** Every role has it and it cannot be removed (seed: 用户-查看, 连接-查看, 元数据-查看, 设置-短链接). */
  fixed?: boolean;
  /** Only super staff (高级员工) ever hold it. */
  superOnly?: boolean;
  /** Open API apps (bearer tokens) hold it. */
  openApi?: boolean;
}

export const PUBLIC = 'public';
export const AUTHENTICATED = 'authenticated';

export const corePermissions: PermissionDefinition[] = [
  { id: 'home.view', fixed: true },
  { id: 'contacts.view', fixed: true },
  { id: 'connections.view', fixed: true, openApi: true },
  { id: 'connections.edit', openApi: true },
  { id: 'connections.delete' },
  { id: 'metadata.view', fixed: true },
  { id: 'settings.shortLinks', fixed: true },
  { id: 'tenant.view', fixed: true, openApi: true },
  { id: 'tasks.view', fixed: true, openApi: true },
  // Stopping someone's import or export is more than looking at it (super staff until roles exist).
  { id: 'tasks.cancel' },
  { id: 'tenant.edit', superOnly: true },
  { id: 'staff.view', superOnly: true },
  { id: 'apps.view', superOnly: true },
  { id: 'apps.edit', superOnly: true },
];

export class PermissionRegistry {
  private readonly definitions = new Map<string, PermissionDefinition>();

  constructor(initial: PermissionDefinition[] = corePermissions) {
    for (const definition of initial) this.add(definition);
  }

  add(definition: PermissionDefinition): void {
    if (!/^[a-z][A-Za-z0-9]*(\.[a-z][A-Za-z0-9]*)+$/.test(definition.id)) {
      throw new Error(`Permission id "${definition.id}" must look like <menu>.<action>`);
    }
    if (this.definitions.has(definition.id)) throw new Error(`Permission "${definition.id}" is declared twice`);
    this.definitions.set(definition.id, definition);
  }

  /** True for a declared permission or one of the pseudo permissions. */
  isKnown(id: string): boolean {
    return id === PUBLIC || id === AUTHENTICATED || this.definitions.has(id);
  }

  all(): PermissionDefinition[] {
    return [...this.definitions.values()];
  }

  /** What a staff member holds. Until roles exist, normal staff hold the fixed permissions. */
  forStaff(staff: { isSuper: boolean }): Set<string> {
    return new Set(
      this.all()
        .filter((p) => staff.isSuper || p.fixed)
        .map((p) => p.id),
    );
  }

  forApp(): Set<string> {
    return new Set(
      this.all()
        .filter((p) => p.openApi)
        .map((p) => p.id),
    );
  }
}
