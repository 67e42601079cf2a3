/**
 * @huiliu/core/testing — boot plugins in a real kernel on real stores, the contract every plugin
 * passes, and helpers that drive a plugin's contributions as Huiliu does (channels, channel
 * accounts, schedules, triggers, actions, webhooks, ingestion). Test-runner agnostic: failures throw.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Server } from '@hapi/hapi';
import joiToJson from 'joi-to-json';
import mysql from 'mysql2/promise';
import pino from 'pino';
import { setupServiceRef } from './modules/setup/setup.service.js';
import { createApp, createLogger, type HuiliuApp } from './app.js';
import { loadConfig, type HuiliuConfig, type PluginConfig } from './config/config.js';
import type { PluginDefinition } from './kernel/define-plugin.js';
import { migrationTable } from './kernel/kernel.js';
import { checkReportModelSql, type ReportSqlCheck } from './store/olap/report-sql-check.js';
import { stopFiredTriggers } from './testing/kit.js';

export type { HuiliuApp } from './app.js';
export type { HuiliuConfig, PluginConfig } from './config/config.js';

export const defaultTestMysqlUrl = (): string => process.env.HUILIU_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

/** A MySQL/MariaDB database name the kit accepts: letters, digits and `_`, at most 64. */
const DATABASE_NAME = /^[A-Za-z0-9_]{1,64}$/;

/** A database on a MySQL/MariaDB server for one test store. */
export interface TestMysqlDatabase {
  /** Its name on the server. */
  name: string;
  /** The server URL with the database (Huiliu creates the database when it opens it). */
  url: string;
  /** Drops the database. */
  drop(): Promise<void>;
}

function connect(base: URL) {
  return mysql.createConnection({
    host: base.hostname,
    port: Number(base.port || 3306),
    user: decodeURIComponent(base.username || 'root'),
    password: decodeURIComponent(base.password),
  });
}

/**
 * A database for a test store on the MySQL/MariaDB server of `baseUrl` (default
 * `HUILIU_TEST_MYSQL_URL`, else `mysql://root@127.0.0.1:3306`): a fresh random name
 * (`huiliu_t_<pid>_<hex>`), or the `name` you choose — e.g. one your CI user may create. A chosen
 * name that already exists is refused rather than reused or dropped. `drop()` removes it.
 */
export async function createMysqlDatabase(
  options: string | { baseUrl?: string; name?: string } = {},
): Promise<TestMysqlDatabase> {
  const { baseUrl = defaultTestMysqlUrl(), name: chosen } = typeof options === 'string' ? { baseUrl: options } : options;
  const base = new URL(baseUrl);
  const name = chosen ?? `huiliu_t_${process.pid}_${randomBytes(4).toString('hex')}`;
  if (!DATABASE_NAME.test(name)) {
    throw new Error(`createMysqlDatabase: "${name}" is not a database name the kit accepts (letters, digits and _, at most 64)`);
  }
  if (chosen !== undefined) {
    const connection = await connect(base);
    try {
      const [rows] = await connection.query('SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [name]);
      if ((rows as unknown[]).length > 0) {
        throw new Error(
          `createMysqlDatabase: the database "${name}" already exists on ${base.host}; drop it or choose another name`,
        );
      }
    } finally {
      await connection.end();
    }
  }
  return {
    name,
    url: `${baseUrl.replace(/\/$/, '')}/${name}`,
    async drop() {
      const connection = await connect(base);
      try {
        await connection.query(`DROP DATABASE IF EXISTS \`${name}\``);
      } finally {
        await connection.end();
      }
    },
  };
}

export type TestEngine = 'sqlite' | 'mysql';

/**
 * The engines a plugin's tests run on: SQLite and MySQL/MariaDB, unless `HUILIU_TEST_ENGINES`
 * narrows them (`sqlite`, `mariadb` or `mysql`, comma-separated) for a quick local run.
 */
export function testKernelEngines(env: Record<string, string | undefined> = process.env): TestEngine[] {
  const raw = (env.HUILIU_TEST_ENGINES ?? '').trim();
  if (!raw) return ['sqlite', 'mysql'];
  const engines = new Set<TestEngine>();
  for (const name of raw.split(',').map((s) => s.trim())) {
    if (name === 'sqlite') engines.add('sqlite');
    else if (name === 'mariadb' || name === 'mysql') engines.add('mysql');
    else throw new Error(`HUILIU_TEST_ENGINES=${raw}: unknown engine "${name}" (use sqlite, mariadb)`);
  }
  return (['sqlite', 'mysql'] as const).filter((engine) => engines.has(engine));
}

/**
 * Configuration as `huiliu.json` holds it (each plugin entry partial: `enabled` defaults to true,
 * `options` to {}).
 */
export type TestKernelConfig = Omit<Partial<HuiliuConfig>, 'plugins'> & { plugins?: Record<string, Partial<PluginConfig>> };

export interface StartTestKernelOptions {
  /** Plugin definitions to boot besides core's built-ins (default none). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  plugins?: PluginDefinition<any>[];
  /** Options per plugin id. */
  options?: Record<string, Record<string, unknown>>;
  /** Default `sqlite` (a temp file); `mysql` uses a new database on the MySQL/MariaDB server. */
  engine?: TestEngine;
  /** The MySQL/MariaDB server (default `HUILIU_TEST_MYSQL_URL`, else `mysql://root@127.0.0.1:3306`). */
  mysqlUrl?: string;
  /** The database's name on that server (engine `mysql` only); default a fresh random name. See `createMysqlDatabase`. */
  mysqlDatabase?: string;
  /**
   * Configuration as `huiliu.json` sets it. `plugins.<id>.package` loads an installed plugin package
   * through the real loader — looked up from the working directory, its manifest checked before
   * import — and turns `loadPluginPackages` on (so the installed first-party packages load too):
   * `config: { plugins: { 'acme-shop': { package: 'huiliu-plugin-acme-shop' } } }`.
   */
  config?: TestKernelConfig;
}

export interface TestKernel {
  app: HuiliuApp;
  server: Server;
  /** Stops the triggers `fireTrigger` left active, the app, and removes its store. */
  close(): Promise<void>;
}

/**
 * A real app on a fresh store (a temp SQLite file, or a fresh MySQL/MariaDB database dropped on
 * close) with its own data dir; not listening until `app.start()`.
 */
export async function startIsolatedApp(options: {
  engine?: TestEngine;
  mysqlUrl?: string;
  mysqlDatabase?: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  plugins?: PluginDefinition<any>[];
  overrides?: Partial<HuiliuConfig>;
}): Promise<TestKernel> {
  if (options.mysqlDatabase !== undefined && options.engine !== 'mysql') {
    throw new Error('startTestKernel: mysqlDatabase names a MySQL/MariaDB database; pass engine: "mysql" too');
  }
  const database =
    options.engine === 'mysql'
      ? await createMysqlDatabase({ baseUrl: options.mysqlUrl, name: options.mysqlDatabase })
      : undefined;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'huiliu-test-'));
  const cleanup = async () => {
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    // HUILIU_TEST_LOG_DIR (set by `npm test`): every test app logs requests in full to a file there,
    // and the run fails if any of them holds a credential (issue 11: no secret in a log, ever).
    const logDir = process.env.HUILIU_TEST_LOG_DIR;
    const config = loadConfig({
      env: {},
      overrides: {
        dataDir,
        port: 0,
        host: '127.0.0.1',
        logLevel: logDir ? 'info' : 'silent',
        ...(logDir ? { logRequests: 'full' as const } : {}),
        loadPluginPackages: false,
        ...(database ? { oltpUrl: database.url } : {}),
        ...options.overrides,
      },
    });
    const logger = logDir
      ? createLogger(
          config,
          pino.destination({
            dest: path.join(logDir, `${process.pid}-${randomBytes(4).toString('hex')}.log`),
            mkdir: true,
            sync: true,
          }),
        )
      : pino({ level: 'silent' });
    const app = await createApp(config, { logger, strictResponses: true, plugins: options.plugins });
    return {
      app,
      server: app.server,
      async close() {
        await stopFiredTriggers(app);
        await app.stop();
        await cleanup();
      },
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/**
 * Boots the given plugins (and core's built-ins) in a real app on a fresh store, not listening:
 * `server.inject()` (or `Client`) for requests, `app.start()` to run the plugins' `start()` hooks,
 * `close()` to stop and remove the store.
 */
export function startTestKernel(options: StartTestKernelOptions): Promise<TestKernel> {
  const config = options.config ?? {};
  const plugins: Record<string, Partial<PluginConfig>> = { ...config.plugins };
  for (const [id, opts] of Object.entries(options.options ?? {})) plugins[id] = { ...plugins[id], enabled: true, options: opts };
  const namesPackages = Object.values(plugins).some((entry) => typeof entry?.package === 'string');
  return startIsolatedApp({
    engine: options.engine,
    mysqlUrl: options.mysqlUrl,
    mysqlDatabase: options.mysqlDatabase,
    plugins: options.plugins,
    // loadConfig validates the entries and fills in their defaults.
    overrides: {
      ...config,
      ...(config.loadPluginPackages === undefined && namesPackages ? { loadPluginPackages: true } : {}),
      plugins: plugins as HuiliuConfig['plugins'],
    },
  });
}

export interface PluginContractReport {
  pluginId: string;
  jsonSchemas: string[];
  examples: number;
  migrations: {
    engine: TestEngine;
    /** The tables the plugin's migrations created (the kernel's tables without the plugin excluded). */
    up: string[];
    /** Those still there after running every migration down (the contract fails unless empty). */
    downLeftTables: string[];
  }[];
  /**
   * Each report model's SQL, passed through the OLAP SQL guard (only logical relations and its own
   * CTEs, ADR 0009) and run against an in-memory DuckDB tenant.
   */
  reportSql: ReportSqlCheck[];
}

// joi-to-json is CommonJS (`module.exports = parse`) while its typings declare an ES default export.
const parse = joiToJson as unknown as (schema: unknown, mode: 'json') => Record<string, unknown>;

function toJsonSchema(what: string, schema: unknown): Record<string, unknown> {
  let json: Record<string, unknown>;
  try {
    json = parse(schema, 'json');
  } catch (error) {
    throw new Error(`${what}: the joi schema does not convert to JSON Schema: ${(error as Error).message}`);
  }
  if (json?.type !== 'object')
    throw new Error(`${what}: the JSON Schema must describe an object (got ${JSON.stringify(json?.type)})`);
  return json;
}

/**
 * The contract every plugin passes: it boots; its options, trigger/action config and report query
 * schemas convert to JSON Schema (the console renders them as forms); every example validates;
 * every report example's SQL passes the OLAP SQL guard and runs on DuckDB; its migrations run up,
 * down (leaving no table behind — measured against the same kernel without the plugin, so
 * unprefixed tables count too) and up again on each engine.
 */
export async function expectPluginContract(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  plugin: PluginDefinition<any>,
  options: {
    options?: Record<string, unknown>;
    engines?: TestEngine[];
    mysqlUrl?: string;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    dependencies?: PluginDefinition<any>[];
  } = {},
): Promise<PluginContractReport> {
  const report: PluginContractReport = { pluginId: plugin.id, jsonSchemas: [], examples: 0, migrations: [], reportSql: [] };
  if (plugin.options) {
    toJsonSchema(`plugin "${plugin.id}" options`, plugin.options);
    report.jsonSchemas.push('options');
  }
  // The tables of the same kernel without this plugin: whatever the plugin's kernel has beyond
  // them, its migrations created (prefixed or not). Table names do not depend on the engine, so
  // one SQLite boot serves both.
  const baseline = await startTestKernel({ plugins: options.dependencies ?? [], engine: 'sqlite' });
  let baselineTables: Set<string>;
  try {
    baselineTables = new Set(await baseline.app.oltp.listTables());
  } finally {
    await baseline.close();
  }
  for (const engine of options.engines ?? ['sqlite', 'mysql']) {
    const kernel = await startTestKernel({
      plugins: [...(options.dependencies ?? []), plugin],
      options: options.options ? { [plugin.id]: options.options } : {},
      engine,
      mysqlUrl: options.mysqlUrl,
    });
    try {
      const registry = kernel.app.kernel.contributions;
      if (report.migrations.length === 0) {
        const mine = <T>(map: Map<string, { pluginId: string; definition: T }>) =>
          [...map.entries()].filter(([, o]) => o.pluginId === plugin.id);
        for (const [key, { definition }] of mine(registry.triggers)) {
          toJsonSchema(`trigger "${key}" config`, definition.config);
          report.jsonSchemas.push(`trigger:${key}`);
          report.examples += definition.examples.length;
        }
        for (const [key, { definition }] of mine(registry.actions)) {
          toJsonSchema(`action "${key}" config`, definition.config);
          report.jsonSchemas.push(`action:${key}`);
          report.examples += definition.examples.length;
        }
        for (const [key, { definition }] of mine(registry.reportModels)) {
          toJsonSchema(`report model "${key}" query`, definition.query);
          report.jsonSchemas.push(`report:${key}`);
          report.examples += definition.examples.length;
        }
        report.reportSql = await checkReportModelSql(
          mine(registry.reportModels).map(([, { definition }]) => definition),
          {
            systemProperties: [...registry.systemProperties.values()].map(({ definition }) => ({
              id: definition.id,
              type: definition.type,
            })),
            relations: [...registry.olapRelations.values()].map(({ definition }) => definition),
          },
        );
      }
      const migrations = registry.migrations.get(plugin.id) ?? [];
      const oltp = kernel.app.oltp;
      // knex's own bookkeeping (`<prefix>migrations` and its `_lock`) stays after a rollback.
      const created = async () =>
        (await oltp.listTables()).filter((t) => !baselineTables.has(t) && !t.startsWith(migrationTable(plugin.id))).sort();
      const up = await created();
      if (migrations.length) await oltp.rollbackAll(migrations, migrationTable(plugin.id));
      const downLeftTables = await created();
      report.migrations.push({ engine, up, downLeftTables });
      if (downLeftTables.length)
        throw new Error(`plugin "${plugin.id}" migrations down left tables behind on ${engine}: ${downLeftTables.join(', ')}`);
      if (migrations.length) {
        await oltp.migrate(migrations, migrationTable(plugin.id));
        const again = await created();
        if (again.join() !== up.join())
          throw new Error(
            `plugin "${plugin.id}" migrations up again on ${engine} created ${again.join(', ') || 'nothing'} instead of ${up.join(', ')}`,
          );
      }
    } finally {
      await kernel.close();
    }
  }
  return report;
}

// ---- fixtures and an API caller for tests of plugins and modules -----------------------------------

let sequence = 0;

export interface TenantFixture {
  tenantId: string;
  staffId: string;
  email: string;
  password: string;
}

/** A tenant with its super staff, created through the service (as `huiliu admin create` does). */
export async function createTenant(app: HuiliuApp, options: { name?: string; timeZone?: string } = {}): Promise<TenantFixture> {
  sequence += 1;
  const email = `admin${sequence}.${process.pid}.${Date.now()}@example.com`;
  const password = 'Secret-pass-123';
  const { tenant, staff } = await app.service(setupServiceRef).createWithSuperStaff({
    tenantName: options.name ?? `Tenant ${sequence}`,
    timeZone: options.timeZone,
    staff: { email, name: `Admin ${sequence}`, password },
  });
  return { tenantId: tenant.id, staffId: staff.id, email, password };
}

export { Client, Multipart, multipart, type InjectResult, type MultipartFile } from './testing/client.js';
export {
  createChannel,
  createChannelAccount,
  executeAction,
  fireTrigger,
  queryOlap,
  runSchedule,
  sendWebhook,
  setPluginEnabled,
  waitForIngestion,
  type FiredTrigger,
  type NewTestChannel,
  type NewTestChannelAccount,
  type TenantCredentials,
  type TestChannelAccount,
  type TriggerEmission,
  type WebhookRequest,
} from './testing/kit.js';
export type { ChannelDetail } from './modules/channels/channel.types.js';
export type { PluginInfo } from './kernel/kernel.js';
export type { Task } from './jobs/task.types.js';
export type { ActionResult } from './kernel/contributions.js';
