import 'reflect-metadata';
import type { Server } from '@hapi/hapi';
import pino, { type Logger } from 'pino';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import { defaultConsoleDir, type HuiliuConfig } from './config/config.js';
import { loadSecretBox, SecretBox } from './config/secret-box.js';
import { CONFIG, LOGGER, VERSION } from './container.js';
import { PermissionRegistry } from './kernel/permissions.js';
import { appsRoutes } from './modules/apps/apps.routes.js';
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
import { coreVersion } from './version.js';

export interface HuiliuApp {
  config: HuiliuConfig;
  container: DependencyContainer;
  oltp: OltpStore;
  server: Server;
  logger: Logger;
  /** The one-time first-run token while no tenant exists. */
  setupToken: string | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface CreateAppOptions {
  logger?: Logger;
  /** Fail requests whose responses do not match their schemas (tests). */
  strictResponses?: boolean;
}

export type ServiceClass = new (...args: never[]) => object;

/** Every injectable service of core; a test resolves each so a broken injection fails loudly. */
export const coreServices: readonly ServiceClass[] = [TenantService, SetupService, StaffService, AuthService, AppsService, HomeService];

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
  try {
    await oltp.migrate(coreMigrations);
  } catch (error) {
    await oltp.close();
    throw error;
  }

  const container = rootContainer.createChildContainer();
  container.registerInstance(CONFIG, config);
  container.registerInstance(LOGGER, logger);
  container.registerInstance(VERSION, coreVersion);
  container.registerInstance(SecretBox, secrets);
  container.registerInstance(OltpStore, oltp);
  container.registerInstance(PermissionRegistry, new PermissionRegistry());
  container.registerInstance(HomeCounters, new HomeCounters());
  for (const service of coreServices) container.registerSingleton(service as new (...args: unknown[]) => object);

  const counters = container.resolve(HomeCounters);
  const staff = container.resolve(StaffService);
  const apps = container.resolve(AppsService);
  counters.add({ key: 'staff', count: (tenantId) => staff.count(tenantId) });
  counters.add({ key: 'apps', count: (tenantId) => apps.count(tenantId) });

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
      ...healthRoutes([{ name: 'oltp', check: () => oltp.ping() }]),
      ...tenancyRoutes(container),
      ...staffRoutes(container),
      ...appsRoutes(container),
      ...homeRoutes(container),
    ],
  });
  await server.initialize();

  const setupToken = await container.resolve(SetupService).prepare();
  let stopped = false;
  return {
    config,
    container,
    oltp,
    server,
    logger,
    setupToken,
    async start() {
      await server.start();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop({ timeout: 5000 });
      await oltp.close();
      container.clearInstances();
    },
  };
}
