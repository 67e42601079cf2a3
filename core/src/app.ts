import type { Server } from '@hapi/hapi';
import pino, { type Logger } from 'pino';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultConsoleDir, defaultSdkDir, deploymentMode, pluginSettings, type HuiliuConfig } from './config/config.js';
import { loadSecretBox, SecretBox } from './config/secret-box.js';
import type { PluginDefinition } from './kernel/define-plugin.js';
import { camelPluginId, findPluginPackage, importPluginPackage, requestedPluginPackages } from './kernel/plugin-packages.js';
import { PluginError } from './kernel/plugin-error.js';
import { createServiceFactory, type ServiceRef } from './kernel/extension-point.js';
import { Kernel, type PluginEntry } from './kernel/kernel.js';
import { PermissionRegistry } from './kernel/permissions.js';
import { kernelServices } from './kernel/services.js';
import { type WorkerPool, workerPoolRef } from './jobs/pool.js';
import { Scheduler, schedulerRef } from './jobs/scheduler.js';
import { TaskKinds, taskKindsRef } from './jobs/task-kinds.js';
import { TaskQueue, taskQueueRef } from './jobs/task-queue.js';
import { taskWorkerRef } from './jobs/tasks.module.js';
import { TaskWorker } from './jobs/worker.js';
import { coreModules } from './modules/index.js';
import { appsServiceRef } from './modules/apps/apps.service.js';
import { authServiceRef } from './modules/staff/auth.service.js';
import { setupServiceRef } from './modules/setup/setup.service.js';
import { pluginEnablementRef } from './modules/tenant-plugins/plugin-enablement.js';
import { healthRoutes } from './server/health.routes.js';
import { ScaledModeError } from './config/scaled-mode.js';
import { REDACTED_PATHS } from './server/request-log.js';
import { apiTagOf } from './server/openapi.js';
import { createServer } from './server/server.js';
import { Throttle } from './server/throttle.js';
import { SmtpMailer } from './lib/mailer.js';
import { acquireAnalyticsOwner } from './store/analytics-owner.js';
import { createKnex } from './store/oltp/knex.js';
import { coreMigrations } from './store/oltp/migrations/index.js';
import { OltpStore } from './store/oltp/oltp-store.js';
import type { ProcessLease } from './store/oltp/process-lease.js';
import { createAnalyticsEngine, StarRocksEngine, type AnalyticsEngine } from './store/olap/index.js';
import { coreVersion } from './version.js';

export interface HuiliuApp {
  config: HuiliuConfig;
  /** A service of a core module or the kernel, by its typed ref (`app.service(taskQueueRef)`). */
  service<T>(ref: ServiceRef<T>): T;
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
  /**
   * `huiliu worker` (scaled mode): the modules and plugins (the ingest worker among them), the task
   * worker and the scheduler, without listening for HTTP.
   */
  startWorker(): Promise<void>;
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
 * The plugins to load: the first-party packages and those named in
 * `plugins.<id>.package` (unless `loadPluginPackages` is off or the plugin is disabled), and
 * explicit ones. Packages are looked up by name; node_modules is never scanned.
 */
export async function pluginEntries(
  config: HuiliuConfig,
  explicit: CreateAppOptions['plugins'] = [],
  logger?: Logger,
): Promise<PluginEntry[]> {
  const entries: PluginEntry[] = [];
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
        required: settings.required,
      });
    }
  }
  for (const definition of explicit) {
    const settings = pluginSettings(config, definition.id);
    if (settings.enabled)
      entries.push({ definition, options: settings.options, source: { kind: 'explicit' }, required: settings.required });
  }
  return entries;
}

/**
 * Plugins' report SQL passes the OLAP SQL guard at start-up (ADR 0009): every example of every
 * report model is turned into SQL and refused unless it reads only the logical relations, plugin
 * relations and its own CTEs. (`expectPluginContract` also runs it on DuckDB.)
 */
async function checkReportModelSql(kernel: Kernel, olap: AnalyticsEngine): Promise<void> {
  for (const { pluginId, definition: model } of kernel.contributions.reportModels.values()) {
    if (!model.toSql) continue;
    for (const [index, example] of model.examples.entries()) {
      const where = `report model "${model.id}" example #${index + 1}`;
      let sql: string;
      try {
        sql = model.toSql(example, { timeZone: 'Asia/Shanghai' });
      } catch (error) {
        throw new PluginError(pluginId, `${where}: toSql threw: ${(error as Error).message}`);
      }
      try {
        await olap.checkSql(sql);
      } catch (error) {
        const refusal = error as { reason?: string; refused?: string; message: string };
        throw new PluginError(
          pluginId,
          `${where}: its SQL is refused by the OLAP SQL guard (${refusal.reason ?? refusal.message}: ${refusal.refused ?? ''}); report SQL may read only the logical relations and its own CTEs`,
        );
      }
    }
  }
}

export function createLogger(config: HuiliuConfig, destination?: pino.DestinationStream): Logger {
  return pino({ level: config.logLevel, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, destination);
}

/**
 * Builds a Huiliu instance: OLTP store (migrated), services, and the hapi server — not yet
 * listening. `start()` listens; `stop()` closes the server and the stores.
 */
export async function createApp(config: HuiliuConfig, options: CreateAppOptions = {}): Promise<HuiliuApp> {
  const logger = options.logger ?? createLogger(config);
  const secrets = loadSecretBox(config);
  // Scaled mode runs several processes on one OLTP database: a SQLite file cannot be shared (ADR 0067).
  if (deploymentMode(config) === 'scaled' && !/^(mysql|mariadb):/i.test(config.oltpUrl ?? ''))
    throw new ScaledModeError('scaled_mode_needs_mysql');
  const { knex, info } = await createKnex(config, logger.child({ store: 'oltp' }));
  const oltp = new OltpStore(knex, info);
  const opened: { olap?: AnalyticsEngine; analyticsOwner?: ProcessLease } = {};
  try {
    return await assemble(config, options, logger, secrets, oltp, opened);
  } catch (error) {
    // A failure half-way (bad plugin, unreachable store…) leaves no store open behind it.
    await opened.olap?.close().catch(() => undefined);
    await opened.analyticsOwner?.release();
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
  opened: { olap?: AnalyticsEngine; analyticsOwner?: ProcessLease },
): Promise<HuiliuApp> {
  const openOlap = () =>
    createAnalyticsEngine({
      olapUrl: config.olapUrl,
      dataDir: config.dataDir,
      oltp,
      logger: logger.child({ store: 'olap' }),
      secrets,
      ...config.olap,
    });
  // Scaled mode: an unreachable StarRocks FE fails the start before the migrations run (ADR 0067);
  // the engine reads OLTP only from its `start()`.
  if (deploymentMode(config) === 'scaled') opened.olap = await openOlap();
  await oltp.migrate(coreMigrations);
  // Embedded mode: one process per OLTP database opens the DuckDB store (ADR 0013).
  if (deploymentMode(config) === 'embedded')
    opened.analyticsOwner = await acquireAnalyticsOwner(oltp, {
      dataDir: config.dataDir,
      logger,
      // Another process now owns analytics for this database: stop writing ours at once (its writes
      // and reads fail, /ready reports it); an operator restarts this process once the cause is clear.
      onLost: () => {
        logger.fatal('analytics owner lease lost to another process: closing this process’s analytics store');
        void opened.olap?.close().catch(() => undefined);
      },
    });
  const olap = (opened.olap ??= await openOlap());

  // Core's modules, then the plugins, through the same extension points; then their tables.
  const kernel = new Kernel({
    coreVersion,
    logger,
    oltp,
    secrets,
    permissions: new PermissionRegistry(),
    startTimeoutMs: config.pluginStartTimeoutMs,
    services: [
      createServiceFactory({ service: kernelServices.config, factory: () => config }),
      createServiceFactory({ service: kernelServices.olap, factory: () => olap }),
      createServiceFactory({ service: kernelServices.throttle, factory: () => new Throttle(oltp) }),
      createServiceFactory({ service: kernelServices.mailer, factory: () => new SmtpMailer(config.mail?.smtp) }),
    ],
  });
  await kernel.load(await pluginEntries(config, options.plugins), coreModules);
  await kernel.migrate();
  olap.setPluginRelations([...kernel.contributions.olapRelations.values()].map((owned) => owned.definition));
  await checkReportModelSql(kernel, olap);
  await olap.start();

  const jobs = {
    kinds: kernel.get(taskKindsRef),
    queue: kernel.get(taskQueueRef),
    worker: kernel.get(taskWorkerRef),
    scheduler: kernel.get(schedulerRef),
  };
  const pool = kernel.get(workerPoolRef);

  const auth = kernel.get(authServiceRef);
  const apps = kernel.get(appsServiceRef);
  const enablement = kernel.get(pluginEnablementRef);
  const server = await createServer({
    host: config.host,
    port: config.port,
    version: coreVersion,
    logger,
    consoleDir: config.consoleDir ?? defaultConsoleDir(),
    sdkDir: config.sdkDir ?? defaultSdkDir(),
    strictResponses: options.strictResponses ?? false,
    publicUrl: config.publicUrl,
    trustProxy: config.trustProxy,
    trustedProxies: config.trustedProxies,
    logRequests: config.logRequests,
    auth: {
      cookiePassword: secrets.derive('session-cookie').toString('base64url'),
      secureCookies: config.publicUrl?.startsWith('https:') ?? false,
      sessionTtlMs: auth.sessionTtlMs,
      permissions: kernel.get(kernelServices.permissions),
      principalForSession: (token) => auth.principalForSession(token),
      principalForToken: (token) => apps.principalForToken(token),
      pluginEnabled: (tenantId, pluginId) => enablement.isEnabled(tenantId, pluginId),
    },
    routes: healthRoutes(
      [
        { name: 'oltp', check: () => oltp.ping() },
        // Scaled mode: the StarRocks FE over the MySQL protocol, and its HTTP port for Stream Load, apart (ADR 0067).
        ...(olap instanceof StarRocksEngine
          ? [
              { name: 'olap', check: () => olap.pingQuery() },
              { name: 'olap_load', check: () => olap.pingLoad() },
            ]
          : [{ name: 'olap', check: () => olap.ping() }]),
      ],
      { timeoutMs: config.readyTimeoutMs, plugins: () => kernel.failedPlugins() },
    ),
    plugins: kernel.hapiPlugins(),
    apiTags: kernel.openApiTags().map(apiTagOf),
  });
  await server.initialize();

  const setupToken = await kernel.get(setupServiceRef).prepare();
  let stopped = false;
  const app: HuiliuApp = {
    config,
    service: (ref) => kernel.get(ref),
    oltp,
    olap,
    server,
    logger,
    setupToken,
    kernel,
    jobs: { ...jobs, pool: () => pool },
    async start() {
      await server.start();
      try {
        await kernel.start();
      } catch (error) {
        // A core module or a required plugin did not start: nothing keeps serving (ADR 0040).
        await app.stop();
        throw error;
      }
      jobs.worker.start();
      jobs.scheduler.start();
    },
    async startWorker() {
      try {
        await kernel.start();
      } catch (error) {
        await app.stop();
        throw error;
      }
      jobs.worker.start();
      jobs.scheduler.start();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      jobs.scheduler.stop();
      await jobs.worker.stop();
      await server.stop({ timeout: 5000 });
      await kernel.stop();
      await pool.close();
      await olap.close();
      await opened.analyticsOwner?.release();
      await oltp.close();
    },
  };
  return app;
}
