import type { Lifecycle, Plugin, ServerRoute } from '@hapi/hapi';
import type { Logger } from 'pino';
import semver from 'semver';
import type { SecretBox } from '../config/secret-box.js';
import { defineRoute } from '../server/route.js';
import type { OltpStore } from '../store/oltp/oltp-store.js';
import { ContributionRegistry, type ContributionSummary } from './contribution-registry.js';
import { isPluginDefinition, type PluginDefinition, type PluginInit, type PluginLifecycle } from './define-plugin.js';
import { isModuleDefinition, type ModuleDefinition } from './define-module.js';
import {
  createServiceFactory,
  type Dependency,
  type ServiceConsumer,
  type ServiceFactory,
  type ServiceRef,
} from './extension-point.js';
import {
  auditExtensionPoint,
  auditStaffDirectoryExtensionPoint,
  channelsExtensionPoint,
  errorsExtensionPoint,
  eventsExtensionPoint,
  httpExtensionPoint,
  journeysExtensionPoint,
  olapExtensionPoint,
  oltpExtensionPoint,
  homeExtensionPoint,
  permissionsExtensionPoint,
  reportsExtensionPoint,
  schedulerExtensionPoint,
  tasksExtensionPoint,
  contactsExtensionPoint,
  conditionsExtensionPoint,
} from './extension-points.js';
import { PluginError } from './plugin-error.js';
import { EventBus } from './event-bus.js';
import { routeRuntimeOptions, type RouteRuntime } from '../server/plugin-routes.js';
import {
  assertOwnTable,
  coreModuleNames,
  migrationTable,
  reservedIdReason,
  runPluginMigrations,
  tablePrefix,
} from './plugin-tables.js';
import type { LocalizedText } from './contributions.js';
import { isCoreErrorCode, registerErrorMessages } from '../server/messages.js';
import { UnavailableError } from '../server/errors.js';
import { camelNamespace, NAMESPACE } from './namespaces.js';
import { connectorFeatures } from './reserved-names.js';
import type { PermissionRegistry } from './permissions.js';
import { coreServices, kernelServices, type PluginDatabase, type PluginSecrets } from './services.js';

export type PluginSource = { kind: 'builtin' } | { kind: 'explicit' } | { kind: 'package'; packageName: string; dir: string };

export interface PluginEntry {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  definition: PluginDefinition<any>;
  options?: Record<string, unknown>;
  source: PluginSource;
  /** `plugins.<id>.required`: a start failure stops the server instead of isolating the plugin (ADR 0040). */
  required?: boolean;
}

export interface PluginInfo {
  id: string;
  version: string;
  requires: { core: string };
  dependencies: Record<string, string>;
  source: PluginSource['kind'];
  packageName: string | null;
  /** `failed`: its start threw or timed out and it is isolated (ADR 0040); `error` says why. */
  state: 'registered' | 'started' | 'stopped' | 'failed';
  /** Why its start failed (the error's message, never its stack); only when it failed. */
  error?: string;
  /** The prefix of the names it adds (ADR 0040); null for core. */
  namespace: string | null;
  contributions: ContributionSummary;
  /** Whether a tenant has it until a platform operator switches it (ADR 0041); always true for core. */
  defaultEnabled: boolean;
}

interface LoadedPlugin {
  entry: PluginEntry;
  lifecycle: PluginLifecycle;
  state: PluginInfo['state'];
  error?: string;
}

interface LoadedModule {
  definition: ModuleDefinition;
  lifecycle: PluginLifecycle;
  state: PluginInfo['state'];
}

export interface KernelDependencies {
  coreVersion: string;
  logger: Logger;
  oltp: OltpStore;
  secrets: SecretBox;
  permissions: PermissionRegistry;
  /** Root services made outside the kernel (config, the OLAP store…), as typed factories. */
  services?: readonly ServiceFactory<unknown>[];
  /** How long a plugin's start() may take before it is isolated as failed; default 30 s. */
  startTimeoutMs?: number;
}

const DEFAULT_START_TIMEOUT_MS = 30_000;

/** Service refs a plugin may ask for: the `core.*` ones of `@huiliu/core/plugin-api`. */
const PLUGIN_SERVICE_PREFIX = 'core.';

interface ProvidedService {
  factory: ServiceFactory<unknown>;
  /** The module that provides it (its deps are resolved as that module), or the kernel. */
  provider: ServiceConsumer;
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
  /** The process's event bus (plugins and modules use `coreServices.eventBus`). */
  readonly eventBus: EventBus;
  private readonly loaded: LoadedPlugin[] = [];
  private readonly modules: LoadedModule[] = [];
  private readonly extensionFactories = new Map<string, (pluginId: string) => unknown>();
  private readonly services = new Map<string, ProvidedService>();
  private readonly rootInstances = new Map<string, unknown>();
  private readonly resolving = new Set<string>();

  constructor(private readonly deps: KernelDependencies) {
    const registry = (this.contributions = new ContributionRegistry(deps.permissions));
    const ext = (point: { id: string }, factory: (pluginId: string) => unknown) => this.extensionFactories.set(point.id, factory);
    ext(channelsExtensionPoint, (id) => ({
      addChannelType: (d: Parameters<ContributionRegistry['addChannelType']>[1]) => registry.addChannelType(id, d),
      addUserIdType: (d: Parameters<ContributionRegistry['addUserIdType']>[1]) => registry.addUserIdType(id, d),
      addWriteKeyResolver: (d: Parameters<ContributionRegistry['addWriteKeyResolver']>[1]) => registry.addWriteKeyResolver(id, d),
    }));
    ext(eventsExtensionPoint, (id) => ({
      addEventType: (d: Parameters<ContributionRegistry['addEventType']>[1]) => registry.addEventType(id, d),
      addSystemProperty: (d: Parameters<ContributionRegistry['addSystemProperty']>[1]) => registry.addSystemProperty(id, d),
      addDictionary: (d: Parameters<ContributionRegistry['addDictionary']>[1]) => registry.addDictionary(id, d),
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
      addAuthStrategy: (d: Parameters<ContributionRegistry['addAuthStrategy']>[1]) => registry.addAuthStrategy(id, d),
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
      addFeature: (d: Parameters<ContributionRegistry['addPermissionFeature']>[1]) => registry.addPermissionFeature(id, d),
    }));
    ext(tasksExtensionPoint, (id) => ({
      onTaskFinished: (listener: Parameters<ContributionRegistry['addTaskFinishedListener']>[1]) => {
        if (!this.modules.some((m) => m.definition.id === id) && this.registering?.id !== id) {
          throw new PluginError(id, 'asks for "tasks.lifecycle", an extension point of core modules');
        }
        registry.addTaskFinishedListener(id, listener);
      },
    }));
    ext(conditionsExtensionPoint, (id) => {
      const moduleOnly = () => {
        if (!this.modules.some((m) => m.definition.id === id) && this.registering?.id !== id) {
          throw new PluginError(id, 'asks for "conditions.memberships", an extension point of core modules');
        }
      };
      return {
        setGroupSource: (source: Parameters<ContributionRegistry['setGroupSource']>[1]) => {
          moduleOnly();
          registry.setGroupSource(id, source);
        },
        setTagSource: (source: Parameters<ContributionRegistry['setTagSource']>[1]) => {
          moduleOnly();
          registry.setTagSource(id, source);
        },
        setMetadataSource: (source: Parameters<ContributionRegistry['setMetadataSource']>[1]) => {
          moduleOnly();
          registry.setMetadataSource(id, source);
        },
        addUsageCheck: (check: Parameters<ContributionRegistry['addUsageCheck']>[1]) => {
          moduleOnly();
          registry.addUsageCheck(id, check);
        },
        setFieldMaskSource: (source: Parameters<ContributionRegistry['setFieldMaskSource']>[1]) => {
          moduleOnly();
          registry.setFieldMaskSource(id, source);
        },
      };
    });
    ext(auditExtensionPoint, (id) => ({
      addObjectType: (d: Parameters<ContributionRegistry['addOperationObjectType']>[1]) => registry.addOperationObjectType(id, d),
      addOperations: (d: Parameters<ContributionRegistry['addOperationTypes']>[1]) => registry.addOperationTypes(id, d),
    }));
    ext(auditStaffDirectoryExtensionPoint, (id) => ({
      setStaffDirectory: (directory: Parameters<ContributionRegistry['setStaffDirectory']>[1]) => {
        if (!this.modules.some((m) => m.definition.id === id) && this.registering?.id !== id) {
          throw new PluginError(id, 'asks for "audit.staffDirectory", an extension point of core modules');
        }
        registry.setStaffDirectory(id, directory);
      },
    }));
    ext(contactsExtensionPoint, (id) => ({
      onContactErased: (listener: Parameters<ContributionRegistry['addContactErasedListener']>[1]) =>
        registry.addContactErasedListener(id, listener),
    }));
    ext(homeExtensionPoint, (id) => ({
      addCounter: (d: Parameters<ContributionRegistry['addHomeCounter']>[1]) => registry.addHomeCounter(id, d),
    }));

    ext(errorsExtensionPoint, (id) => ({
      addErrorMessages: (messages: Record<string, LocalizedText>) => {
        // A plugin's codes start with its namespace (snake_case); malformed and core codes get their own refusal below.
        for (const code of Object.keys(messages)) {
          if (/^[a-z]+(_[a-z0-9]+)*$/.test(code) && !isCoreErrorCode(code))
            registry.assertOwns(id, 'errorCode', code, 'error code');
        }
        try {
          registerErrorMessages(id, messages);
        } catch (error) {
          throw new PluginError(id, (error as Error).message);
        }
      },
    }));

    const kernel: ServiceConsumer = { id: 'kernel', kind: 'module' };
    const provide = (factory: ServiceFactory<unknown>) => this.provide(factory, kernel);
    provide(
      kernelFactory(coreServices.logger, 'consumer', (consumer) =>
        deps.logger.child(consumer.kind === 'plugin' ? { plugin: consumer.id } : { module: consumer.id }),
      ),
    );
    provide(kernelFactory(kernelServices.logger, 'consumer', (consumer) => deps.logger.child({ module: consumer.id })));
    provide(
      kernelFactory(coreServices.database, 'consumer', (consumer): PluginDatabase => ({
        // A plugin reads and writes only its own tables; core data comes through core services.
        forTenant: (tenantId) => deps.oltp.forTenant(tenantId, (table) => assertOwnTable(consumer.id, table)),
        findAcrossTenants: async <Row extends object>(table: string, where: Record<string, unknown>) => {
          assertOwnTable(consumer.id, table);
          return (await deps.oltp.knex(table).where(where).first()) as Row | undefined;
        },
      })),
    );
    provide(
      kernelFactory(coreServices.secrets, 'consumer', (consumer): PluginSecrets => ({
        seal: (plaintext, associatedData = '') => deps.secrets.seal(plaintext, `plugin:${consumer.id}:${associatedData}`),
        open: (sealed, associatedData = '') => deps.secrets.open(sealed, `plugin:${consumer.id}:${associatedData}`),
      })),
    );
    provide(
      kernelFactory(kernelServices.moduleDatabase, 'consumer', (consumer) => {
        const module = this.modules.find((m) => m.definition.id === consumer.id)?.definition ?? this.registering;
        if (!module || module.id !== consumer.id) throw new Error(`"${consumer.id}" is not a core module`);
        return deps.oltp.forModule(module.id, module.tables);
      }),
    );
    provide(kernelFactory(kernelServices.contributions, 'root', () => this.contributions));
    provide(kernelFactory(kernelServices.permissions, 'root', () => deps.permissions));
    provide(kernelFactory(kernelServices.secretBox, 'root', () => deps.secrets));
    provide(kernelFactory(kernelServices.version, 'root', () => deps.coreVersion));
    provide(kernelFactory(kernelServices.plugins, 'root', () => ({ list: () => this.list() })));
    // The event bus (ADR 0042): one per process, each plugin and module gets a view bound to its id.
    this.eventBus = new EventBus(
      deps.logger.child({ component: 'eventBus' }),
      (pluginId, topicId) => registry.ownsName(pluginId, 'topic', topicId),
      (subscriberId) => registry.isAvailable(subscriberId),
    );
    provide(kernelFactory(coreServices.eventBus, 'consumer', (consumer) => this.eventBus.forConsumer(consumer)));
    for (const factory of deps.services ?? []) provide(factory);
  }

  /** The module being registered right now (its services resolve before it is listed as loaded). */
  private registering: ModuleDefinition | undefined;

  private provide(factory: ServiceFactory<unknown>, provider: ServiceConsumer): void {
    const existing = this.services.get(factory.service.id);
    if (existing) {
      throw new PluginError(
        provider.id,
        `provides service "${factory.service.id}", already provided by "${existing.provider.id}"`,
      );
    }
    this.services.set(factory.service.id, { factory, provider });
  }

  /** Ids of every service a plugin can ask for. */
  serviceIds(): string[] {
    return [...this.services.keys()].filter((id) => id.startsWith(PLUGIN_SERVICE_PREFIX));
  }

  /** A service for a plugin (only the `core.*` services of the plugin API). */
  resolveService(serviceId: string, pluginId: string): unknown {
    return this.resolveFor(serviceId, { id: pluginId, kind: 'plugin' });
  }

  /** A service as the kernel itself sees it (the app's wiring and tests). */
  get<T>(ref: ServiceRef<T>): T {
    return this.resolveAsKernel(ref.id) as T;
  }

  resolveAsKernel(serviceId: string): unknown {
    return this.resolveFor(serviceId, { id: 'kernel', kind: 'module' });
  }

  /** Ids of every service provided (the kernel's and core modules'), except per-consumer ones. */
  providedServiceIds(): string[] {
    return [...this.services.entries()].filter(([, p]) => p.factory.scope === 'root').map(([id]) => id);
  }

  private resolveFor(serviceId: string, consumer: ServiceConsumer): unknown {
    const provided = this.services.get(serviceId);
    if (!provided) throw new PluginError(consumer.id, `asks for unknown service "${serviceId}"`);
    if (consumer.kind === 'plugin' && !serviceId.startsWith(PLUGIN_SERVICE_PREFIX)) {
      throw new PluginError(consumer.id, `asks for "${serviceId}", a service of core modules that plugins cannot use`);
    }
    const { factory, provider } = provided;
    if (factory.scope === 'root' && this.rootInstances.has(serviceId)) return this.rootInstances.get(serviceId);
    if (this.resolving.has(serviceId)) throw new PluginError(consumer.id, `service "${serviceId}" depends on itself`);
    this.resolving.add(serviceId);
    try {
      const deps: Record<string, unknown> = {};
      for (const [name, ref] of Object.entries(factory.deps)) deps[name] = this.resolveFor(ref.id, provider);
      const instance = factory.create(deps, factory.scope === 'consumer' ? consumer : provider);
      if (factory.scope === 'root') this.rootInstances.set(serviceId, instance);
      return instance;
    } finally {
      this.resolving.delete(serviceId);
    }
  }

  /**
   * Registers core's modules (in their dependency order), then the plugins. Modules contribute
   * through the same extension points and service refs as plugins; afterwards the registry is
   * verified and frozen, so a late contribution fails instead of being silently ignored.
   */
  async load(entries: PluginEntry[], modules: readonly ModuleDefinition[] = []): Promise<void> {
    for (const module of this.orderModules(modules)) await this.registerModule(module);
    await this.loadPlugins(entries);
    this.contributions.verify();
    this.contributions.freeze();
  }

  private orderModules(modules: readonly ModuleDefinition[]): ModuleDefinition[] {
    const byId = new Map<string, ModuleDefinition>();
    for (const module of modules) {
      if (!isModuleDefinition(module)) throw new Error('A core module is not made with defineModule()');
      if (byId.has(module.id)) throw new PluginError(module.id, 'is registered twice (duplicate module id)');
      byId.set(module.id, module);
    }
    const ordered: ModuleDefinition[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (module: ModuleDefinition, path: string[]) => {
      if (state.get(module.id) === 'done') return;
      if (state.get(module.id) === 'visiting')
        throw new PluginError(module.id, `has a dependency cycle: ${[...path, module.id].join(' → ')}`);
      state.set(module.id, 'visiting');
      for (const depId of module.dependencies ?? []) {
        const dep = byId.get(depId);
        if (!dep) throw new PluginError(module.id, `depends on module "${depId}", which is not loaded`);
        visit(dep, [...path, module.id]);
      }
      state.set(module.id, 'done');
      ordered.push(module);
    };
    for (const module of byId.values()) visit(module, []);
    return ordered;
  }

  private async registerModule(module: ModuleDefinition): Promise<void> {
    const tableOwner = this.modules.find((m) => m.definition.tables.some((t) => module.tables.includes(t)));
    if (tableOwner) throw new PluginError(module.id, `claims a table of module "${tableOwner.definition.id}"`);
    const consumer: ServiceConsumer = { id: module.id, kind: 'module' };
    this.contributions.moduleIds.add(module.id);
    for (const factory of module.provides ?? []) this.provide(factory, consumer);
    this.registering = module;
    try {
      const lifecycle = await this.runRegistration(module.id, consumer, module.register, {});
      this.modules.push({ definition: module, lifecycle, state: 'registered' });
    } finally {
      this.registering = undefined;
    }
  }

  /** Runs `register` → `registerInit` → `init` with the asked extension points and services. */
  private async runRegistration<O>(
    id: string,
    consumer: ServiceConsumer,
    register: PluginDefinition<O>['register'],
    options: O,
  ): Promise<PluginLifecycle> {
    let registered: PluginInit<Record<string, Dependency>, unknown> | undefined;
    register({
      registerInit: (init) => {
        if (registered) throw new PluginError(id, 'calls registerInit more than once');
        registered = init as PluginInit<Record<string, Dependency>, unknown>;
      },
    });
    if (!registered) throw new PluginError(id, 'never calls registerInit');
    const values: Record<string, unknown> = {};
    for (const [name, dependency] of Object.entries(registered.deps)) {
      if (dependency?.$$type === '@huiliu/ExtensionPoint') {
        const factory = this.extensionFactories.get(dependency.id);
        if (!factory) throw new PluginError(id, `asks for unknown extension point "${dependency.id}"`);
        values[name] = factory(id);
      } else if (dependency?.$$type === '@huiliu/ServiceRef') {
        values[name] = this.resolveFor(dependency.id, consumer);
      } else {
        throw new PluginError(id, `dependency "${name}" is neither an extension point nor a service ref`);
      }
    }
    let lifecycle: PluginLifecycle | void;
    try {
      lifecycle = await registered.init({
        ...values,
        options,
        logger: this.deps.logger.child(consumer.kind === 'plugin' ? { plugin: id } : { module: id }),
      } as never);
    } catch (error) {
      if (error instanceof PluginError) throw error;
      throw new PluginError(id, `init failed: ${(error as Error).message}`);
    }
    return lifecycle ?? {};
  }

  /** Checks and registers the plugins; on any problem nothing is left half-registered in the app. */
  private async loadPlugins(entries: PluginEntry[]): Promise<void> {
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
      if (definition.defaultEnabled !== undefined && typeof definition.defaultEnabled !== 'boolean')
        throw new PluginError(definition.id, 'defaultEnabled must be true or false');
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
    this.checkNamespaces(byId);

    for (const entry of this.order(byId)) {
      const { definition } = entry;
      const options = this.validateOptions(entry);
      if (this.modules.some((m) => m.definition.id === definition.id)) {
        throw new PluginError(definition.id, 'has the id of a core module (reserved)');
      }
      const lifecycle = await this.runRegistration(
        definition.id,
        { id: definition.id, kind: 'plugin' },
        definition.register,
        options,
      );
      this.loaded.push({ entry, lifecycle, state: 'registered' });
    }
  }

  /**
   * Namespaces (ADR 0040): kebab-case, one plugin each, not a core module's nor the menu of core's
   * permissions; `extends` names only dependencies. Then the registry learns them all, before any
   * plugin registers, so the longest namespace owns a name whatever the registration order.
   */
  private checkNamespaces(byId: Map<string, PluginEntry>): void {
    const owners = new Map<string, string>();
    for (const { entry } of this.loaded) owners.set(this.contributions.namespaceOf(entry.definition.id)!, entry.definition.id);
    for (const { definition } of byId.values()) {
      const namespace = definition.namespace ?? definition.id;
      if (typeof namespace !== 'string' || !NAMESPACE.test(namespace)) {
        throw new PluginError(definition.id, `namespace "${String(namespace)}" must be kebab-case (a-z, 0-9, -)`);
      }
      if (coreModuleNames.includes(namespace)) {
        throw new PluginError(definition.id, `namespace "${namespace}" is reserved: it names a core module`);
      }
      const camel = camelNamespace(namespace);
      const corePermission = this.deps.permissions
        .all()
        .find((p) => p.id.split('.')[0] === camel && !(p.feature === camel && connectorFeatures.has(camel)));
      if (corePermission) {
        throw new PluginError(
          definition.id,
          `namespace "${namespace}" is reserved: core's permissions start with "${camel}." (e.g. "${corePermission.id}")`,
        );
      }
      const owner = owners.get(namespace);
      if (owner) throw new PluginError(definition.id, `namespace "${namespace}" is already the namespace of plugin "${owner}"`);
      owners.set(namespace, definition.id);
      const extendsIds = definition.extends ?? [];
      if (!Array.isArray(extendsIds)) throw new PluginError(definition.id, 'extends must be a list of plugin ids');
      for (const extended of extendsIds) {
        if (!Object.hasOwn(definition.dependencies ?? {}, extended)) {
          throw new PluginError(definition.id, `extends "${extended}", which is not one of its dependencies`);
        }
      }
    }
    for (const { definition } of byId.values()) {
      this.contributions.setNamespace(definition.id, definition.namespace ?? definition.id, definition.extends ?? []);
    }
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

  /**
   * One hapi plugin per module or plugin with routes: a module's at their own `/api/v1/...`
   * paths, a plugin's under `/api/v1/p/<id>`.
   */
  hapiPlugins(): { plugin: Plugin<void>; routes?: { prefix: string } }[] {
    // Looked up at request time: the throttle is a root service of the app.
    const runtime: RouteRuntime = {
      throttle: () => this.get(kernelServices.throttle),
      strategy: (id) => this.contributions.authStrategies.get(id),
      tenantRefusal: async (tenantId, pluginId) => {
        // Core's modules' services, by id: the kernel does not import modules.
        if (this.services.has('tenancy.tenants')) {
          const tenants = this.resolveAsKernel('tenancy.tenants') as { isActive(id: string): Promise<boolean> };
          if (!(await tenants.isActive(tenantId))) return 'inactive';
        }
        if (!this.services.has('tenant-plugins.enablement')) return null;
        const enablement = this.resolveAsKernel('tenant-plugins.enablement') as {
          isEnabled(tenantId: string, pluginId: string): Promise<boolean>;
        };
        return (await enablement.isEnabled(tenantId, pluginId)) ? null : 'disabled';
      },
    };
    const owners = [
      ...this.modules.map(({ definition }) => ({ id: definition.id, version: this.deps.coreVersion, module: true })),
      ...this.loaded.map(({ entry }) => ({ id: entry.definition.id, version: entry.definition.version, module: false })),
    ];
    return owners
      .filter((owner) => this.contributions.routes.some((r) => r.pluginId === owner.id))
      .map((owner) => ({
        plugin: {
          name: owner.module ? `huiliu-module-${owner.id}` : `huiliu-plugin-${owner.id}`,
          version: owner.version,
          dependencies: ['huiliu-auth'],
          register: (server) => {
            const routes: ServerRoute[] = this.contributions.routes
              .filter((r) => r.pluginId === owner.id)
              .map(({ definition: route }) =>
                defineRoute({
                  method: route.method,
                  path: route.path,
                  access: {
                    permission: route.permission,
                    callers: route.callers,
                    sameOrigin: route.sameOrigin,
                    // A plugin's routes answer 403 plugin_disabled to callers of a tenant it is disabled for (ADR 0041).
                    ...(owner.module ? {} : { plugin: owner.id }),
                  },
                  options: {
                    description: route.description,
                    notes: route.notes,
                    tags: ['api', owner.module ? `module:${owner.id}` : `plugin:${owner.id}`, ...(route.tags ?? [])],
                    validate: route.validate,
                    response: route.response,
                    ...(route.cors ? { cors: { origin: ['*'], credentials: false } } : {}),
                    // Body kind, maxBytes, rate limit and auth strategy (ADR 0042); the payload settings too.
                    ...routeRuntimeOptions(
                      owner.id,
                      route,
                      owner.module ? route.path : `/api/v1/p/${owner.id}${route.path}`,
                      runtime,
                    ),
                  },
                  handler: route.handler,
                }),
              );
            server.route(routes);
            // An isolated plugin's routes answer 503 before anything else runs (ADR 0040).
            if (!owner.module) server.ext('onPreAuth', this.availabilityCheck(owner.id), { sandbox: 'plugin' });
          },
        },
        ...(owner.module ? {} : { routes: { prefix: `/api/v1/p/${owner.id}` } }),
      }));
  }

  private availabilityCheck(pluginId: string): Lifecycle.Method {
    return (_request, h) => {
      if (this.contributions.isAvailable(pluginId)) return h.continue;
      throw new UnavailableError('plugin_unavailable', 60, { plugin: pluginId });
    };
  }

  /** One OpenAPI tag per module or plugin with routes (`module:<id>` / `plugin:<id>`, as hapiPlugins tags them). */
  openApiTags(): { name: string; title: LocalizedText | undefined }[] {
    const owners = [
      ...this.modules.map(({ definition }) => ({ name: `module:${definition.id}`, id: definition.id, title: definition.title })),
      ...this.loaded.map(({ entry }) => ({
        name: `plugin:${entry.definition.id}`,
        id: entry.definition.id,
        title: entry.definition.title,
      })),
    ];
    return owners
      .filter((owner) => this.contributions.routes.some((r) => r.pluginId === owner.id))
      .map(({ name, title }) => ({ name, title }));
  }

  /**
   * Starts modules, then plugins (each after what it depends on). A module's failure stops start-up.
   * A plugin whose start() throws or outlasts the start timeout is isolated (state `failed`, its
   * routes 503, its schedules and task kinds idle) and the others go on — unless the plugin is
   * `required`, then start-up stops with its error. A plugin depending on a failed one is isolated
   * without being started. (ADR 0040.)
   */
  async start(): Promise<void> {
    for (const unit of this.modules) {
      await unit.lifecycle.start?.();
      unit.state = 'started';
    }
    for (const plugin of this.loaded) {
      const { definition, required } = plugin.entry;
      const failedDependency = Object.keys(definition.dependencies ?? {}).find(
        (depId) => this.loaded.find((l) => l.entry.definition.id === depId)?.state === 'failed',
      );
      const error = failedDependency
        ? `depends on plugin "${failedDependency}", which failed to start`
        : await this.startPlugin(plugin);
      if (error === undefined) {
        plugin.state = 'started';
        continue;
      }
      if (required) throw new PluginError(definition.id, `start failed: ${error} (the plugin is required)`);
      plugin.state = 'failed';
      plugin.error = error;
      this.contributions.markUnavailable(definition.id, error);
      this.deps.logger.error({ plugin: definition.id }, `plugin isolated: start failed: ${error}`);
    }
  }

  /** Runs a plugin's start() within the timeout: undefined when it started, else why not. */
  private async startPlugin(plugin: LoadedPlugin): Promise<string | undefined> {
    const id = plugin.entry.definition.id;
    const timeoutMs = this.deps.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    const started = Promise.resolve()
      .then(() => plugin.lifecycle.start?.())
      .then(
        () => undefined,
        (error: unknown) => {
          // The stack goes to the log only; API callers see the message.
          this.deps.logger.error({ err: error, plugin: id }, 'plugin start failed');
          return error instanceof Error ? error.message : String(error);
        },
      );
    const timeout = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve(`start() did not finish within ${timeoutMs} ms`), timeoutMs);
    });
    try {
      return await Promise.race([started, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Plugins isolated because their start failed, by id (`/ready` lists them; no reasons for anonymous callers). */
  failedPlugins(): Record<string, 'failed'> {
    return Object.fromEntries(this.loaded.filter((p) => p.state === 'failed').map((p) => [p.entry.definition.id, 'failed']));
  }

  /**
   * Stops plugins, then modules, in reverse order; one failing stop does not keep the others running.
   * A failed plugin's stop() runs too, to release what its start() got before failing.
   */
  async stop(): Promise<void> {
    const units = [
      ...this.modules.map((m) => ({ unit: m, id: m.definition.id })),
      ...this.loaded.map((p) => ({ unit: p, id: p.entry.definition.id })),
    ].reverse();
    for (const { unit, id } of units) {
      if (unit.state === 'stopped') continue;
      try {
        await unit.lifecycle.stop?.();
      } catch (error) {
        this.deps.logger.error({ err: error, plugin: id }, 'stop failed');
      }
      unit.state = 'stopped';
    }
  }

  /** Ids of core's modules, in registration order. */
  moduleIds(): string[] {
    return this.modules.map((m) => m.definition.id);
  }

  /**
   * The plugins, headed by `core`: core's modules shown as one built-in plugin whose contributions
   * are the modules' together.
   */
  list(): PluginInfo[] {
    const core: PluginInfo = {
      id: 'core',
      version: this.deps.coreVersion,
      requires: { core: this.deps.coreVersion },
      dependencies: {},
      source: 'builtin',
      packageName: null,
      namespace: null,
      state:
        this.modules.every((m) => m.state === 'started') && this.modules.length > 0
          ? 'started'
          : (this.modules[0]?.state ?? 'registered'),
      contributions: this.contributions.summarize(this.moduleIds()),
      defaultEnabled: true,
    };
    return [
      core,
      ...this.loaded.map(({ entry, state, error }) => ({
        id: entry.definition.id,
        version: entry.definition.version,
        requires: entry.definition.requires,
        dependencies: entry.definition.dependencies ?? {},
        source: entry.source.kind,
        packageName: entry.source.kind === 'package' ? entry.source.packageName : null,
        state,
        ...(error ? { error } : {}),
        namespace: this.contributions.namespaceOf(entry.definition.id) ?? null,
        contributions: this.contributions.summarize([entry.definition.id]),
        defaultEnabled: entry.definition.defaultEnabled !== false,
      })),
    ];
  }
}

/** A service the kernel itself makes (no deps): per consumer or once. */
function kernelFactory<T>(
  service: ServiceRef<T>,
  scope: 'root' | 'consumer',
  make: (consumer: ServiceConsumer) => T,
): ServiceFactory<unknown> {
  return createServiceFactory({ service, scope, factory: (_deps, consumer) => make(consumer) });
}
