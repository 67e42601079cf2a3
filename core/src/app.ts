import 'reflect-metadata';
import type { Server } from '@hapi/hapi';
import pino, { type Logger } from 'pino';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultConsoleDir, pluginSettings, type HuiliuConfig } from './config/config.js';
import { loadSecretBox, SecretBox } from './config/secret-box.js';
import { CONFIG, LOGGER, VERSION } from './container.js';
import type { PluginDefinition } from './kernel/define-plugin.js';
import { camelPluginId, findPluginPackage, importPluginPackage, requestedPluginPackages } from './kernel/plugin-packages.js';
import { PluginError } from './kernel/plugin-error.js';
import { Kernel, type PluginEntry } from './kernel/kernel.js';
import { PermissionRegistry } from './kernel/permissions.js';
import { coreServices as pluginServices } from './kernel/services.js';
import { CronSchedule } from './jobs/cron.js';
import { WorkerPool } from './jobs/pool.js';
import { Scheduler, SCHEDULE_TASK_KIND, type ScheduleEntry } from './jobs/scheduler.js';
import { TaskKinds } from './jobs/task-kinds.js';
import { TaskMutex } from './jobs/task-mutex.js';
import { TaskQueue } from './jobs/task-queue.js';
import { TaskWorker } from './jobs/worker.js';
import { FilesService } from './modules/files/files.service.js';
import { notificationsRoutes } from './modules/notifications/notifications.routes.js';
import { NotificationsService } from './modules/notifications/notifications.service.js';
import { builtinPlugin } from './modules/plugins/builtin.plugin.js';
import { pluginsRoutes } from './modules/plugins/plugins.routes.js';
import { appsRoutes } from './modules/apps/apps.routes.js';
import { channelsRoutes } from './modules/channels/channels.routes.js';
import { ChannelsService } from './modules/channels/channels.service.js';
import { AppsService } from './modules/apps/apps.service.js';
import { homeRoutes } from './modules/home/home.routes.js';
import { HomeCounters, HomeService } from './modules/home/home.service.js';
import { staffRoutes } from './modules/staff/staff.routes.js';
import { AuthService } from './modules/staff/auth.service.js';
import { StaffService } from './modules/staff/staff.service.js';
import { SetupService } from './modules/tenancy/setup.service.js';
import { tenancyRoutes } from './modules/tenancy/tenancy.routes.js';
import { TenantService } from './modules/tenancy/tenant.service.js';
import { healthRoutes } from './server/health.routes.js';
import { createServer } from './server/server.js';
import { createKnex } from './store/oltp/knex.js';
import { coreMigrations } from './store/oltp/migrations/index.js';
import { OltpStore } from './store/oltp/oltp-store.js';
import { ANALYTICS_ENGINE, createAnalyticsEngine, type AnalyticsEngine } from './store/olap/index.js';
import { coreVersion } from './version.js';

export interface HuiliuApp {
  config: HuiliuConfig;
  container: DependencyContainer;
  oltp: OltpStore;
  /** The analytics store (DuckDB embedded; StarRocks in scaled mode). */
  olap: AnalyticsEngine;
  server: Server;
  logger: Logger;
  /** The one-time first-run token while no tenant exists. */
  setupToken: string | undefined;
  kernel: Kernel;
  jobs: {
    kinds: TaskKinds;
    queue: TaskQueue;
    worker: TaskWorker;
    scheduler: Scheduler;
    /** The piscina pool for pure CPU-heavy functions (started on first use). */
    pool(): WorkerPool;
  };
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface CreateAppOptions {
  logger?: Logger;
  /** Fail requests whose responses do not match their schemas (tests). */
  strictResponses?: boolean;
  /** Plugins to load besides the configured packages (tests, embedding); they win over a package with the same id. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  plugins?: PluginDefinition<any>[];
}

/** Where plugin packages are resolved from: the working directory, then core's own install. */
const coreRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The plugins to load: core's built-ins, the first-party packages and those named in
 * `plugins.<id>.package` (unless `loadPluginPackages` is off or the plugin is disabled), and
 * explicit ones. Packages are looked up by name; node_modules is never scanned.
 */
async function pluginEntries(
  config: HuiliuConfig,
  explicit: CreateAppOptions['plugins'] = [],
  logger?: Logger,
): Promise<PluginEntry[]> {
  const entries: PluginEntry[] = [{ definition: builtinPlugin(coreVersion), source: { kind: 'builtin' } }];
  if (config.loadPluginPackages) {
    for (const request of requestedPluginPackages(config.plugins)) {
      if (!pluginSettings(config, request.key).enabled) continue;
      let manifest: ReturnType<typeof findPluginPackage>;
      try {
        manifest = findPluginPackage(request.packageName, [process.cwd(), coreRoot]);
      } catch (error) {
        throw new PluginError(request.key, (error as Error).message);
      }
      if (!manifest) {
        const message = `package ${request.packageName} is not installed (looked up from ${process.cwd()} and ${coreRoot})`;
        if (!request.firstParty) throw new PluginError(request.key, message);
        logger?.warn(
          { plugin: request.key },
          `first-party plugin skipped: ${message}; set plugins.${request.key}.enabled=false to silence this`,
        );
        continue;
      }
      const id = manifest.pluginId;
      if (request.key !== id && request.key !== camelPluginId(id)) {
        throw new PluginError(request.key, `package ${request.packageName} is the plugin "${id}", not "${request.key}"`);
      }
      const settings = pluginSettings(config, id);
      if (!settings.enabled || explicit.some((p) => p.id === id)) continue;
      entries.push({
        definition: await importPluginPackage(manifest, coreVersion),
        options: settings.options,
        source: { kind: 'package', packageName: manifest.packageName, dir: manifest.dir },
      });
    }
  }
  for (const definition of explicit) {
    const settings = pluginSettings(config, definition.id);
    if (settings.enabled) entries.push({ definition, options: settings.options, source: { kind: 'explicit' } });
  }
  return entries;
}

export type ServiceClass = new (...args: never[]) => object;

/** Every injectable service of core; a test resolves each so a broken injection fails loudly. */
export const coreServices: readonly ServiceClass[] = [
  TenantService,
  SetupService,
  StaffService,
  AuthService,
  AppsService,
  HomeService,
  ChannelsService,
  TaskQueue,
  TaskMutex,
  FilesService,
  NotificationsService,
];

export function createLogger(config: HuiliuConfig): Logger {
  return pino({
    level: config.logLevel,
    redact: { paths: ['password', '*.password', 'secretKey', '*.secretKey', 'appSecret', '*.appSecret'], censor: '[redacted]' },
  });
}

/**
 * Builds a Huiliu instance: OLTP store (migrated), services, and the hapi server — not yet
 * listening. `start()` listens; `stop()` closes the server and the stores.
 */
export async function createApp(config: HuiliuConfig, options: CreateAppOptions = {}): Promise<HuiliuApp> {
  const logger = options.logger ?? createLogger(config);
  const secrets = loadSecretBox(config);
  const { knex, info } = await createKnex(config);
  const oltp = new OltpStore(knex, info);
  const opened: { olap?: AnalyticsEngine } = {};
  try {
    return await assemble(config, options, logger, secrets, oltp, opened);
  } catch (error) {
    // A failure half-way (bad plugin, unreachable store…) leaves no store open behind it.
    await opened.olap?.close().catch(() => undefined);
    await oltp.close();
    throw error;
  }
}

async function assemble(
  config: HuiliuConfig,
  options: CreateAppOptions,
  logger: Logger,
  secrets: SecretBox,
  oltp: OltpStore,
  opened: { olap?: AnalyticsEngine },
): Promise<HuiliuApp> {
  await oltp.migrate(coreMigrations);

  const container = rootContainer.createChildContainer();
  container.registerInstance(CONFIG, config);
  container.registerInstance(LOGGER, logger);
  container.registerInstance(VERSION, coreVersion);
  container.registerInstance(SecretBox, secrets);
  container.registerInstance(OltpStore, oltp);
  container.registerInstance(PermissionRegistry, new PermissionRegistry());
  container.registerInstance(HomeCounters, new HomeCounters());
  container.registerInstance(TaskKinds, new TaskKinds());
  for (const service of coreServices) container.registerSingleton(service as new (...args: unknown[]) => object);

  const kernel = new Kernel({
    coreVersion,
    logger,
    oltp,
    secrets,
    permissions: container.resolve(PermissionRegistry),
    services: {
      [pluginServices.tasks.id]: (pluginId: string) => ({
        enqueue: async (
          tenantId: string,
          kind: string,
          payload: Record<string, unknown>,
          opts: { createdBy?: string | null; runAt?: number } = {},
        ) => {
          if (!kind.startsWith(`${pluginId}.`)) throw new Error(`Plugin "${pluginId}" may enqueue only its own task kinds`);
          const task = await container.resolve(TaskQueue).enqueue(tenantId, kind, payload, opts);
          return { id: task!.id, status: task!.status };
        },
      }),
      [pluginServices.files.id]: () => ({
        save: (tenantId: string, input: Parameters<FilesService['save']>[1]) =>
          container.resolve(FilesService).save(tenantId, input),
      }),
      [pluginServices.channels.id]: () => ({
        get: (tenantId: string, channelId: string, type?: string) =>
          container.resolve(ChannelsService).get(tenantId, channelId, type),
      }),
    },
  });
  await kernel.load(await pluginEntries(config, options.plugins, logger));
  await kernel.migrate();
  container.registerInstance(Kernel, kernel);

  const olap = await createAnalyticsEngine({
    olapUrl: config.olapUrl,
    dataDir: config.dataDir,
    oltp,
    logger: logger.child({ store: 'olap' }),
    ...config.olap,
  });
  opened.olap = olap;
  olap.setPluginRelations([...kernel.contributions.olapRelations.values()].map((owned) => owned.definition));
  await olap.start();
  container.registerInstance(ANALYTICS_ENGINE, olap);

  // Home page numbers (§1.2.3): connections, staff, Open API apps; later modules add theirs.
  const counters = container.resolve(HomeCounters);
  const channels = container.resolve(ChannelsService);
  const staff = container.resolve(StaffService);
  const apps = container.resolve(AppsService);
  counters.add({ key: 'connections', count: (tenantId) => channels.count(tenantId) });
  counters.add({ key: 'staff', count: (tenantId) => staff.count(tenantId) });
  counters.add({ key: 'apps', count: (tenantId) => apps.count(tenantId) });

  // Jobs: task kinds of core and plugins, the scheduler's entries, the worker of this process.
  const kinds = container.resolve(TaskKinds);
  const queue = container.resolve(TaskQueue);
  const files = container.resolve(FilesService);
  const notifications = container.resolve(NotificationsService);
  const entries: ScheduleEntry[] = [
    {
      key: 'core:files.cleanup',
      cron: new CronSchedule('17 * * * *'),
      run: async ({ tenantId }) => void (await files.cleanupExpired(tenantId)),
    },
    ...[...kernel.contributions.schedules.entries()].map(([key, { definition }]) => ({
      key,
      cron: new CronSchedule(definition.cron),
      run: definition.run,
    })),
  ];
  const scheduler = new Scheduler(oltp, queue, entries, logger.child({ component: 'scheduler' }));
  kinds.add({
    kind: SCHEDULE_TASK_KIND,
    notifies: false,
    maxAttempts: 1,
    async run({ task }) {
      const entry = scheduler.entry(String(task.payload.key));
      if (!entry) throw new Error(`No schedule "${String(task.payload.key)}"`);
      await entry.run({ tenantId: task.tenantId, dueAt: task.dueAt ?? task.runAt });
    },
  });
  for (const { definition } of kernel.contributions.taskKinds.values()) kinds.add(definition);
  const worker = new TaskWorker(queue, kinds, logger.child({ component: 'worker' }), {
    // Embedded: this process holds the OLAP store; scaled: every worker reaches StarRocks.
    hasOlap: true,
    onFinished: async (task) => void (await notifications.fromTask(task)),
  });
  let pool: WorkerPool | undefined;

  const auth = container.resolve(AuthService);
  const server = await createServer({
    host: config.host,
    port: config.port,
    version: coreVersion,
    logger,
    consoleDir: config.consoleDir ?? defaultConsoleDir(),
    strictResponses: options.strictResponses ?? false,
    auth: {
      cookiePassword: secrets.derive('session-cookie').toString('base64url'),
      secureCookies: config.publicUrl?.startsWith('https:') ?? false,
      sessionTtlMs: auth.sessionTtlMs,
      permissions: container.resolve(PermissionRegistry),
      principalForSession: (token) => auth.principalForSession(token),
      principalForToken: (token) => apps.principalForToken(token),
    },
    routes: [
      ...healthRoutes([
        { name: 'oltp', check: () => oltp.ping() },
        { name: 'olap', check: () => olap.ping() },
      ]),
      ...tenancyRoutes(container),
      ...staffRoutes(container),
      ...appsRoutes(container),
      ...homeRoutes(container),
      ...channelsRoutes(container),
      ...notificationsRoutes(container),
      ...pluginsRoutes(kernel),
    ],
    plugins: kernel.hapiPlugins(),
  });
  await server.initialize();

  const setupToken = await container.resolve(SetupService).prepare();
  let stopped = false;
  return {
    config,
    container,
    oltp,
    olap,
    server,
    logger,
    setupToken,
    kernel,
    jobs: { kinds, queue, worker, scheduler, pool: () => (pool ??= new WorkerPool(1)) },
    async start() {
      await server.start();
      await kernel.start();
      worker.start();
      scheduler.start();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      scheduler.stop();
      await worker.stop();
      await server.stop({ timeout: 5000 });
      await kernel.stop();
      await pool?.close();
      await olap.close();
      await oltp.close();
      container.clearInstances();
    },
  };
}
