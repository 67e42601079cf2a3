import type { Plugin, ServerRoute } from '@hapi/hapi';
import type { Logger } from 'pino';
import semver from 'semver';
import type { SecretBox } from '../config/secret-box.js';
import { defineRoute } from '../server/route.js';
import type { OltpStore } from '../store/oltp/oltp-store.js';
import { ContributionRegistry, type ContributionSummary } from './contribution-registry.js';
import { isPluginDefinition, type PluginDefinition, type PluginInit, type PluginLifecycle } from './define-plugin.js';
import type { Dependency } from './extension-point.js';
import {
  channelsExtensionPoint,
  errorsExtensionPoint,
  eventsExtensionPoint,
  httpExtensionPoint,
  journeysExtensionPoint,
  olapExtensionPoint,
  oltpExtensionPoint,
  permissionsExtensionPoint,
  reportsExtensionPoint,
  schedulerExtensionPoint,
} from './extension-points.js';
import { PluginError } from './plugin-error.js';
import { assertOwnTable, migrationTable, reservedIdReason, runPluginMigrations, tablePrefix } from './plugin-tables.js';
import type { LocalizedText } from './contributions.js';
import { registerErrorMessages } from '../server/messages.js';
import type { PermissionRegistry } from './permissions.js';
import { coreServices, type PluginDatabase, type PluginSecrets } from './services.js';

export type PluginSource = { kind: 'builtin' } | { kind: 'explicit' } | { kind: 'package'; packageName: string; dir: string };

export interface PluginEntry {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  definition: PluginDefinition<any>;
  options?: Record<string, unknown>;
  source: PluginSource;
}

export interface PluginInfo {
  id: string;
  version: string;
  requires: { core: string };
  dependencies: Record<string, string>;
  source: PluginSource['kind'];
  packageName: string | null;
  state: 'registered' | 'started' | 'stopped';
  contributions: ContributionSummary;
}

interface LoadedPlugin {
  entry: PluginEntry;
  lifecycle: PluginLifecycle;
  state: PluginInfo['state'];
}

export interface KernelDependencies {
  coreVersion: string;
  logger: Logger;
  oltp: OltpStore;
  secrets: SecretBox;
  permissions: PermissionRegistry;
  /** Services implemented by core modules, by service ref id (resolved lazily, per plugin). */
  services?: Record<string, (pluginId: string) => unknown>;
}

const PLUGIN_ID = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

export { migrationTable, tablePrefix };

/**
 * The plugin kernel: checks plugins (id, core range, duplicates, dependencies, options), runs
 * their registration in dependency order against typed extension points, migrates their tables,
 * wraps their routes as hapi plugins and drives their lifecycle (start, then stop in reverse).
 */
export class Kernel {
  readonly contributions: ContributionRegistry;
  private readonly loaded: LoadedPlugin[] = [];
  private readonly extensionFactories = new Map<string, (pluginId: string) => unknown>();
  private readonly serviceFactories = new Map<string, (pluginId: string) => unknown>();

  constructor(private readonly deps: KernelDependencies) {
    const registry = (this.contributions = new ContributionRegistry(deps.permissions));
    const ext = (point: { id: string }, factory: (pluginId: string) => unknown) => this.extensionFactories.set(point.id, factory);
    ext(channelsExtensionPoint, (id) => ({
      addChannelType: (d: Parameters<ContributionRegistry['addChannelType']>[1]) => registry.addChannelType(id, d),
      addUserIdType: (d: Parameters<ContributionRegistry['addUserIdType']>[1]) => registry.addUserIdType(id, d),
    }));
    ext(eventsExtensionPoint, (id) => ({
      addEventType: (d: Parameters<ContributionRegistry['addEventType']>[1]) => registry.addEventType(id, d),
      addSystemProperty: (d: Parameters<ContributionRegistry['addSystemProperty']>[1]) => registry.addSystemProperty(id, d),
    }));
    ext(journeysExtensionPoint, (id) => ({
      addTrigger: (d: unknown) => registry.addTrigger(id, d as Parameters<ContributionRegistry['addTrigger']>[1]),
      addAction: (d: unknown) => registry.addAction(id, d as Parameters<ContributionRegistry['addAction']>[1]),
    }));
    ext(reportsExtensionPoint, (id) => ({
      addReportModel: (d: unknown) => registry.addReportModel(id, d as Parameters<ContributionRegistry['addReportModel']>[1]),
      addPresetDashboard: (d: Parameters<ContributionRegistry['addPresetDashboard']>[1]) => registry.addPresetDashboard(id, d),
    }));
    ext(httpExtensionPoint, (id) => ({
      addRoutes: (d: Parameters<ContributionRegistry['addRoutes']>[1]) => registry.addRoutes(id, d),
    }));
    ext(schedulerExtensionPoint, (id) => ({
      addSchedule: (d: Parameters<ContributionRegistry['addSchedule']>[1]) => registry.addSchedule(id, d),
      addTaskKind: (d: Parameters<ContributionRegistry['addTaskKind']>[1]) => registry.addTaskKind(id, d),
    }));
    ext(oltpExtensionPoint, (id) => ({
      addMigrations: (d: Parameters<ContributionRegistry['addMigrations']>[1]) => registry.addMigrations(id, d),
    }));
    ext(olapExtensionPoint, (id) => ({
      addRelation: (d: Parameters<ContributionRegistry['addOlapRelation']>[1]) => registry.addOlapRelation(id, d),
    }));
    ext(permissionsExtensionPoint, (id) => ({
      addPermissions: (d: Parameters<ContributionRegistry['addPermissions']>[1]) => registry.addPermissions(id, d),
    }));

    ext(errorsExtensionPoint, (id) => ({
      addErrorMessages: (messages: Record<string, LocalizedText>) => {
        try {
          registerErrorMessages(id, messages);
        } catch (error) {
          throw new PluginError(id, (error as Error).message);
        }
      },
    }));

    this.serviceFactories.set(coreServices.logger.id, (id) => deps.logger.child({ plugin: id }));
    this.serviceFactories.set(coreServices.database.id, (id): PluginDatabase => ({
      // A plugin reads and writes only its own tables; core data comes through core services.
      forTenant: (tenantId) => deps.oltp.forTenant(tenantId, (table) => assertOwnTable(id, table)),
      findAcrossTenants: async <Row extends object>(table: string, where: Record<string, unknown>) => {
        assertOwnTable(id, table);
        return (await deps.oltp.knex(table).where(where).first()) as Row | undefined;
      },
    }));
    this.serviceFactories.set(coreServices.secrets.id, (id): PluginSecrets => ({
      seal: (plaintext, associatedData = '') => deps.secrets.seal(plaintext, `plugin:${id}:${associatedData}`),
      open: (sealed, associatedData = '') => deps.secrets.open(sealed, `plugin:${id}:${associatedData}`),
    }));
    for (const [id, factory] of Object.entries(deps.services ?? {})) this.serviceFactories.set(id, factory);
  }

  /** Ids of every service a plugin can ask for. */
  serviceIds(): string[] {
    return [...this.serviceFactories.keys()];
  }

  resolveService(serviceId: string, pluginId: string): unknown {
    const factory = this.serviceFactories.get(serviceId);
    if (!factory) throw new PluginError(pluginId, `asks for unknown service "${serviceId}"`);
    return factory(pluginId);
  }

  /** Checks and registers the plugins; on any problem nothing is left half-registered in the app. */
  async load(entries: PluginEntry[]): Promise<void> {
    const byId = new Map<string, PluginEntry>();
    for (const entry of entries) {
      const definition = entry.definition;
      if (!isPluginDefinition(definition))
        throw new PluginError(String((definition as { id?: unknown })?.id ?? '?'), 'is not made with definePlugin()');
      if (!PLUGIN_ID.test(definition.id)) throw new PluginError(definition.id, 'the id must be kebab-case (a-z, 0-9, -)');
      const reserved = entry.source.kind === 'builtin' ? undefined : reservedIdReason(definition.id);
      if (reserved) throw new PluginError(definition.id, reserved);
      if (!semver.valid(definition.version))
        throw new PluginError(definition.id, `version "${definition.version}" is not semver`);
      const range = definition.requires?.core;
      if (!range || !semver.validRange(range))
        throw new PluginError(definition.id, 'needs requires.core, a semver range of @huiliu/core');
      if (!semver.satisfies(this.deps.coreVersion, range, { includePrerelease: true })) {
        throw new PluginError(definition.id, `requires @huiliu/core ${range}, but this is ${this.deps.coreVersion}`);
      }
      if (byId.has(definition.id) || this.loaded.some((l) => l.entry.definition.id === definition.id)) {
        throw new PluginError(definition.id, 'is registered twice (duplicate plugin id)');
      }
      byId.set(definition.id, entry);
    }

    for (const entry of this.order(byId)) {
      const { definition } = entry;
      const options = this.validateOptions(entry);
      let registered: PluginInit<Record<string, Dependency>, unknown> | undefined;
      definition.register({
        registerInit: (init) => {
          if (registered) throw new PluginError(definition.id, 'calls registerInit more than once');
          registered = init as PluginInit<Record<string, Dependency>, unknown>;
        },
      });
      if (!registered) throw new PluginError(definition.id, 'never calls registerInit');
      const values: Record<string, unknown> = {};
      for (const [name, dependency] of Object.entries(registered.deps)) {
        if (dependency?.$$type === '@huiliu/ExtensionPoint') {
          const factory = this.extensionFactories.get(dependency.id);
          if (!factory) throw new PluginError(definition.id, `asks for unknown extension point "${dependency.id}"`);
          values[name] = factory(definition.id);
        } else if (dependency?.$$type === '@huiliu/ServiceRef') {
          values[name] = this.resolveService(dependency.id, definition.id);
        } else {
          throw new PluginError(definition.id, `dependency "${name}" is neither an extension point nor a service ref`);
        }
      }
      let lifecycle: PluginLifecycle | void;
      try {
        lifecycle = await registered.init({
          ...values,
          options,
          logger: this.deps.logger.child({ plugin: definition.id }),
        } as never);
      } catch (error) {
        if (error instanceof PluginError) throw error;
        throw new PluginError(definition.id, `init failed: ${(error as Error).message}`);
      }
      this.loaded.push({ entry, lifecycle: lifecycle ?? {}, state: 'registered' });
    }
    this.contributions.verify();
  }

  private validateOptions(entry: PluginEntry): unknown {
    const { definition } = entry;
    if (!definition.options) return entry.options ?? {};
    const { value, error } = definition.options.validate(entry.options ?? {}, { abortEarly: false });
    if (error) throw new PluginError(definition.id, `invalid options: ${error.details.map((d) => d.message).join('; ')}`);
    return value;
  }

  /** Dependency order (a plugin after the plugins it depends on); refuses missing deps and cycles. */
  private order(byId: Map<string, PluginEntry>): PluginEntry[] {
    const ordered: PluginEntry[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (entry: PluginEntry, path: string[]) => {
      const id = entry.definition.id;
      if (state.get(id) === 'done') return;
      if (state.get(id) === 'visiting') throw new PluginError(id, `has a dependency cycle: ${[...path, id].join(' → ')}`);
      state.set(id, 'visiting');
      for (const [depId, range] of Object.entries(entry.definition.dependencies ?? {})) {
        const dep = byId.get(depId) ?? this.loaded.find((l) => l.entry.definition.id === depId)?.entry;
        if (!dep) throw new PluginError(id, `depends on plugin "${depId}", which is not installed or is disabled`);
        if (!semver.satisfies(dep.definition.version, range, { includePrerelease: true })) {
          throw new PluginError(id, `depends on plugin "${depId}" ${range}, but ${dep.definition.version} is installed`);
        }
        if (byId.has(depId)) visit(dep, [...path, id]);
      }
      state.set(id, 'done');
      ordered.push(entry);
    };
    for (const entry of byId.values()) visit(entry, []);
    return ordered;
  }

  /**
   * Runs every plugin's OLTP migrations in its own migration table (`<prefix>migrations`), in load
   * order. A migration that creates, alters or drops a table the plugin does not own is refused
   * and undone (see `runPluginMigrations`), so it is refused again on every start.
   */
  async migrate(): Promise<void> {
    const loadedPluginIds = this.loaded.map(({ entry }) => entry.definition.id);
    for (const { entry } of this.loaded) {
      const id = entry.definition.id;
      const migrations = this.contributions.migrations.get(id);
      if (!migrations?.length) continue;
      await runPluginMigrations({ pluginId: id, migrations, loadedPluginIds, oltp: this.deps.oltp, logger: this.deps.logger });
    }
  }

  /** One hapi plugin per plugin with routes, mounted under `/api/v1/p/<id>`. */
  hapiPlugins(): { plugin: Plugin<void>; routes: { prefix: string } }[] {
    return this.loaded
      .map(({ entry }) => entry.definition)
      .filter((definition) => this.contributions.routes.some((r) => r.pluginId === definition.id))
      .map((definition) => ({
        plugin: {
          name: `huiliu-plugin-${definition.id}`,
          version: definition.version,
          dependencies: ['huiliu-auth'],
          register: (server) => {
            const routes: ServerRoute[] = this.contributions.routes
              .filter((r) => r.pluginId === definition.id)
              .map(({ definition: route }) =>
                defineRoute({
                  method: route.method,
                  path: route.path,
                  access: { permission: route.permission, callers: route.callers },
                  options: {
                    description: route.description,
                    tags: ['api', `plugin:${definition.id}`],
                    validate: route.validate,
                    response: route.response,
                  },
                  handler: route.handler,
                }),
              );
            server.route(routes);
          },
        },
        routes: { prefix: `/api/v1/p/${definition.id}` },
      }));
  }

  async start(): Promise<void> {
    for (const plugin of this.loaded) {
      await plugin.lifecycle.start?.();
      plugin.state = 'started';
    }
  }

  /** Stops plugins in reverse order; one failing stop does not keep the others running. */
  async stop(): Promise<void> {
    for (const plugin of [...this.loaded].reverse()) {
      if (plugin.state === 'stopped') continue;
      try {
        await plugin.lifecycle.stop?.();
      } catch (error) {
        this.deps.logger.error({ err: error, plugin: plugin.entry.definition.id }, 'plugin stop failed');
      }
      plugin.state = 'stopped';
    }
  }

  list(): PluginInfo[] {
    return this.loaded.map(({ entry, state }) => ({
      id: entry.definition.id,
      version: entry.definition.version,
      requires: entry.definition.requires,
      dependencies: entry.definition.dependencies ?? {},
      source: entry.source.kind,
      packageName: entry.source.kind === 'package' ? entry.source.packageName : null,
      state,
      contributions: this.contributions.summarize(entry.definition.id),
    }));
  }
}
