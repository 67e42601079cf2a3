import type { ContributionRegistry } from '../../kernel/contribution-registry.js';
import { createServiceRef } from '../../kernel/extension-point.js';
import type { PermissionRegistry } from '../../kernel/permissions.js';
import { ConflictError, NotFoundError } from '../../server/errors.js';
import type { TenantService } from '../tenancy/tenant.service.js';
import type { TenantPluginRow, TenantPluginsRepo } from './tenant-plugins.repo.js';

/** How long a process trusts what it read of a tenant's switches (other processes see a change this late). */
export const ENABLEMENT_CACHE_MS = 5_000;

/** A loaded plugin as enablement sees it. */
export interface EnablementPlugin {
  id: string;
  /** Ids of the plugins it depends on. */
  dependencies: readonly string[];
  /** Its state for a tenant no operator switched it for (`PluginDefinition.defaultEnabled`, default true). */
  defaultEnabled: boolean;
}

/** One plugin for one tenant. */
export interface PluginEnablementState {
  pluginId: string;
  /** What counts: its own setting, and every plugin it depends on enabled too. */
  enabled: boolean;
  /** Its own setting: the operator's switch, else its default. */
  setting: boolean;
  /** Whether an operator switched it for this tenant (else it has its default). */
  source: 'default' | 'operator';
  defaultEnabled: boolean;
  /** The plugins it depends on that are disabled for the tenant (they keep it off). */
  blockedBy: string[];
  changedAt: number | null;
  changedBy: string | null;
}

interface CacheEntry {
  at: number;
  rows: Promise<Map<string, TenantPluginRow>>;
}

const CORE = 'core';

/**
 * Per-tenant plugin enablement (ADR 0041). Platform operators switch a plugin on or off for one
 * tenant (`huiliu admin plugins`); tenant staff only see it. A plugin is enabled for a tenant when
 * its own setting is on (the stored switch, else its `defaultEnabled`) and so is every plugin it
 * depends on. Core and its modules are always enabled. Disabling keeps every row of data.
 *
 * Read on every request (permissions, plugin routes): a tenant's switches are cached per process
 * for `ENABLEMENT_CACHE_MS`; a change made here is seen here at once, by other processes (API and
 * workers sharing the database, the CLI) within that time.
 */
export class PluginEnablement {
  private readonly cache = new Map<string, CacheEntry>();
  private permissionOwners: Map<string, string[]> | undefined;

  constructor(
    private readonly repo: TenantPluginsRepo,
    private readonly tenants: Pick<TenantService, 'lock' | 'get'>,
    /** The loaded plugins (not core), in load order. */
    private readonly plugins: () => readonly EnablementPlugin[],
    /** What each plugin contributed: needed for permissions (absent in the OLTP-only CLI). */
    private readonly registry?: { contributions: ContributionRegistry; permissions: PermissionRegistry },
    private readonly cacheMs = ENABLEMENT_CACHE_MS,
  ) {}

  /** Core and its modules: never disabled. */
  isCore(id: string): boolean {
    return id === CORE || Boolean(this.registry?.contributions.moduleIds.has(id));
  }

  /**
   * Whether the plugin (or core module) is enabled for the tenant. An id that is neither core nor a
   * loaded plugin is not enabled.
   */
  async isEnabled(tenantId: string, pluginId: string): Promise<boolean> {
    if (this.isCore(pluginId)) return true;
    if (!this.plugins().some((p) => p.id === pluginId)) return false;
    return !(await this.disabledPlugins(tenantId)).has(pluginId);
  }

  /** The loaded plugins disabled for the tenant. */
  async disabledPlugins(tenantId: string): Promise<ReadonlySet<string>> {
    const states = this.compute(await this.rows(tenantId));
    return new Set([...states.values()].filter((s) => !s.enabled).map((s) => s.pluginId));
  }

  /**
   * The permissions of plugins disabled for the tenant: those a plugin contributed, and the matrix
   * rows of a feature a plugin declared (the seed's WeChat rows go with the WeChat plugin). Nobody of
   * the tenant holds them, and the role editor does not offer them.
   */
  async disabledPermissions(tenantId: string): Promise<ReadonlySet<string>> {
    const disabled = await this.disabledPlugins(tenantId);
    if (disabled.size === 0) return disabled;
    const result = new Set<string>();
    for (const [permission, owners] of this.owners()) if (owners.some((o) => disabled.has(o))) result.add(permission);
    return result;
  }

  /** Every loaded plugin's state for the tenant (404 `tenant_not_found`). */
  async states(tenantId: string): Promise<PluginEnablementState[]> {
    await this.tenants.get(tenantId);
    return [...this.compute(await this.rows(tenantId, { fresh: true })).values()];
  }

  /**
   * Switches a plugin on or off for one tenant (platform operators). Refused: core (409
   * `plugin_core_required`), an unknown plugin (404 `plugin_unknown`), an unknown tenant (404
   * `tenant_not_found`), disabling a plugin that an enabled plugin depends on (409
   * `plugin_required_by`), enabling one whose dependencies are disabled (409
   * `plugin_dependency_disabled`). Checked and written with the tenant locked.
   */
  async setEnabled(
    tenantId: string,
    pluginId: string,
    enabled: boolean,
    changedBy: string | null,
  ): Promise<{ changed: boolean; state: PluginEnablementState }> {
    if (this.isCore(pluginId)) throw new ConflictError('plugin_core_required');
    const plugin = this.plugins().find((p) => p.id === pluginId);
    if (!plugin) throw new NotFoundError('plugin_unknown', { plugin: pluginId });
    const result = await this.repo.transaction(async () => {
      await this.tenants.lock(tenantId);
      const rows = await this.load(tenantId);
      const states = this.compute(rows);
      if (enabled) {
        const off = plugin.dependencies.filter((id) => !states.get(id)?.enabled);
        if (off.length > 0) {
          throw new ConflictError('plugin_dependency_disabled', { plugin: pluginId, dependencies: off.join(', ') });
        }
      } else {
        const dependants = this.plugins()
          .filter((p) => p.dependencies.includes(pluginId) && states.get(p.id)?.enabled)
          .map((p) => p.id);
        if (dependants.length > 0) {
          throw new ConflictError('plugin_required_by', { plugin: pluginId, dependants: dependants.join(', ') });
        }
      }
      const before = states.get(pluginId)!;
      const row = rows.get(pluginId);
      // The switch is recorded even when it equals the default: the operator's choice then stays if the default changes.
      if (!row || Boolean(row.enabled) !== enabled) {
        await this.repo.save(tenantId, { plugin_id: pluginId, enabled, changed_at: Date.now(), changed_by: changedBy });
      }
      return { changed: before.setting !== enabled };
    });
    this.forget(tenantId);
    const state = this.compute(await this.rows(tenantId)).get(pluginId)!;
    return { changed: result.changed, state };
  }

  /** Forgets what this process read (one tenant, or all): the next read goes to the database. */
  forget(tenantId?: string): void {
    if (tenantId === undefined) this.cache.clear();
    else this.cache.delete(tenantId);
  }

  /** Every tenant's stored switch of one plugin (the uninstall report). */
  async switchesAcrossTenants(
    pluginId: string,
  ): Promise<{ tenantId: string; enabled: boolean; changedAt: number; changedBy: string | null }[]> {
    return (await this.repo.acrossTenants(pluginId)).map((row) => ({
      tenantId: String(row.tenant_id),
      enabled: Boolean(row.enabled),
      changedAt: Number(row.changed_at),
      changedBy: row.changed_by,
    }));
  }

  private rows(tenantId: string, options: { fresh?: boolean } = {}): Promise<Map<string, TenantPluginRow>> {
    const now = Date.now();
    const cached = this.cache.get(tenantId);
    if (!options.fresh && cached && now - cached.at < this.cacheMs) return cached.rows;
    const rows = this.load(tenantId);
    this.cache.set(tenantId, { at: now, rows });
    // A failed read is not cached: the next call asks again.
    rows.catch(() => {
      if (this.cache.get(tenantId)?.rows === rows) this.cache.delete(tenantId);
    });
    return rows;
  }

  private async load(tenantId: string): Promise<Map<string, TenantPluginRow>> {
    return new Map((await this.repo.list(tenantId)).map((row) => [row.plugin_id, row]));
  }

  /** Each loaded plugin's state from the stored switches: its setting, and its dependencies' states. */
  private compute(rows: Map<string, TenantPluginRow>): Map<string, PluginEnablementState> {
    const plugins = new Map(this.plugins().map((p) => [p.id, p]));
    const states = new Map<string, PluginEnablementState>();
    const visit = (id: string, path: Set<string>): PluginEnablementState | undefined => {
      const done = states.get(id);
      if (done) return done;
      const plugin = plugins.get(id);
      // The kernel refuses missing dependencies and cycles; stay safe anyway.
      if (!plugin || path.has(id)) return undefined;
      path.add(id);
      const row = rows.get(id);
      const setting = row ? Boolean(row.enabled) : plugin.defaultEnabled;
      const blockedBy = plugin.dependencies.filter((dep) => !visit(dep, path)?.enabled);
      path.delete(id);
      const state: PluginEnablementState = {
        pluginId: id,
        enabled: setting && blockedBy.length === 0,
        setting,
        source: row ? 'operator' : 'default',
        defaultEnabled: plugin.defaultEnabled,
        blockedBy,
        changedAt: row ? Number(row.changed_at) : null,
        changedBy: row?.changed_by ?? null,
      };
      states.set(id, state);
      return state;
    };
    for (const id of plugins.keys()) visit(id, new Set());
    return states;
  }

  /** Permission id → the plugins it belongs to (its contributor, its feature's declarer); core's left out. */
  private owners(): Map<string, string[]> {
    if (this.permissionOwners) return this.permissionOwners;
    if (!this.registry) throw new Error('PluginEnablement: permissions need the contribution registry');
    const { contributions, permissions } = this.registry;
    const plugin = (id: string | undefined): id is string => id !== undefined && !this.isCore(id);
    const owners = new Map<string, string[]>();
    const add = (permission: string, owner: string) => {
      const list = owners.get(permission) ?? [];
      if (!list.includes(owner)) list.push(owner);
      owners.set(permission, list);
    };
    for (const [owner, ids] of contributions.permissionIds) if (plugin(owner)) for (const id of ids) add(id, owner);
    for (const definition of permissions.all()) {
      const owner = definition.feature ? contributions.permissionFeatures.get(definition.feature) : undefined;
      if (plugin(owner)) add(definition.id, owner);
    }
    this.permissionOwners = owners;
    return owners;
  }
}

export const pluginEnablementRef = createServiceRef<PluginEnablement>({ id: 'tenant-plugins.enablement' });
