import type { LocalizedText } from './contributions.js';
import { permissionMatrix, type MatrixRow } from './permission-matrix.js';

/**
 * Permissions are rows of the permission matrix: `<menu>.<action>`, plus the pseudo permissions
 * `public` (no login), `authenticated` (any logged-in caller of the tenant) and `integration` (a
 * plugin's custom auth strategy authenticates the caller).
 * The seed's rows (permission-matrix.ts) are declared here; modules and plugins contribute the
 * rest through `auth.permissions`. Every route names one.
 */
export interface PermissionDefinition {
  id: string;
  /** How the role editor names it (rows beyond the seed's tables); the matrix rows carry their own. */
  label?: LocalizedText;
  /** Every role has it and it cannot be removed (seed: 用户-查看, 连接-查看, 元数据-查看, 设置-短链接). */
  fixed?: boolean;
  /** Only super staff (高级员工) ever hold it. */
  superOnly?: boolean;
  /** Open API apps (bearer tokens) hold it. */
  openApi?: boolean;
  /** Only Open API apps use it (the Open API's own reads and writes): never part of a role. */
  appOnly?: boolean;
  /** Rights selected with this one (linked permissions). */
  requires?: string[];
  /** The module or connector it belongs to (see `FeatureDefinition`); defaults to the contributor. */
  feature?: string;
}

/**
 * A feature rows of the matrix belong to. Present once a module or plugin declares it; a feature
 * tied to a channel type is enabled for a tenant once it has a channel of that type (seed: WeChat
 * permissions appear after an official account is connected).
 */
export interface FeatureDefinition {
  id: string;
  channelType?: string;
}

export const PUBLIC = 'public';
export const AUTHENTICATED = 'authenticated';
/**
 * The pseudo permission of a route whose caller a custom auth strategy of a plugin authenticates
 * (a signed webhook; ADR 0042): no session or token, the strategy names the tenant.
 */
export const INTEGRATION = 'integration';

/** A matrix row as a permission definition. */
function fromRow(row: MatrixRow): PermissionDefinition {
  return { id: row.id, fixed: row.fixed, requires: row.requires, feature: row.feature, openApi: row.openApi };
}

export class PermissionRegistry {
  private readonly definitions = new Map<string, PermissionDefinition>();
  private readonly seedIds = new Set<string>();
  private readonly features = new Map<string, FeatureDefinition>();

  /**
   * The seed's matrix rows, then `initial`. Core modules and plugins contribute the rest through
   * `auth.permissions`.
   */
  constructor(initial: PermissionDefinition[] = [], matrix: readonly MatrixRow[] = permissionMatrix) {
    for (const row of matrix) {
      this.add(fromRow(row));
      this.seedIds.add(row.id);
    }
    for (const definition of initial) this.add(definition);
  }

  add(definition: PermissionDefinition): void {
    if (!/^[a-z][A-Za-z0-9]*(\.[a-z][A-Za-z0-9]*)+$/.test(definition.id)) {
      throw new Error(`Permission id "${definition.id}" must look like <menu>.<action>`);
    }
    if (this.definitions.has(definition.id)) throw new Error(`Permission "${definition.id}" is declared twice`);
    this.definitions.set(definition.id, definition);
  }

  addFeature(feature: FeatureDefinition): void {
    if (this.features.has(feature.id)) throw new Error(`Permission feature "${feature.id}" is declared twice`);
    this.features.set(feature.id, feature);
  }

  feature(id: string): FeatureDefinition | undefined {
    return this.features.get(id);
  }

  /** True for a declared permission or one of the pseudo permissions. */
  isKnown(id: string): boolean {
    return id === PUBLIC || id === AUTHENTICATED || id === INTEGRATION || this.definitions.has(id);
  }

  get(id: string): PermissionDefinition | undefined {
    return this.definitions.get(id);
  }

  all(): PermissionDefinition[] {
    return [...this.definitions.values()];
  }

  /** Whether the id is one of the seed's matrix rows (the rest are counted apart). */
  isSeedRow(id: string): boolean {
    return this.seedIds.has(id);
  }

  /** Whether a role may grant it: not fixed (every role has those), not super-only, not app-only. */
  isAssignable(id: string): boolean {
    const definition = this.definitions.get(id);
    return Boolean(definition && !definition.fixed && !definition.superOnly && !definition.appOnly);
  }

  /** The fixed permissions every staff member holds. */
  fixed(): string[] {
    return this.all()
      .filter((p) => p.fixed)
      .map((p) => p.id);
  }

  /**
   * The linked closure of a selection: every right adds what it requires (a menu's view, the
   * object/folder view pair), transitively. Unknown ids are kept out.
   */
  close(ids: Iterable<string>): Set<string> {
    const closed = new Set<string>();
    const pending = [...ids];
    while (pending.length > 0) {
      const id = pending.pop()!;
      const definition = this.definitions.get(id);
      if (!definition || closed.has(id)) continue;
      closed.add(id);
      pending.push(...(definition.requires ?? []));
    }
    return closed;
  }

  /**
   * What a staff member holds: super staff every permission; normal staff the fixed ones and the
   * union of their enabled roles' permissions (only assignable ones count: a role can never carry
   * a super-only right, even if its stored row says so).
   */
  forStaff(staff: { isSuper: boolean }, granted: Iterable<string> = []): Set<string> {
    if (staff.isSuper) return new Set(this.all().map((p) => p.id));
    const held = new Set(this.fixed());
    for (const id of this.close(granted)) if (this.isAssignable(id)) held.add(id);
    return held;
  }

  forApp(): Set<string> {
    return new Set(
      this.all()
        .filter((p) => p.openApi)
        .map((p) => p.id),
    );
  }
}
