/**
 * @huiliu/core/testing — boot plugins in a real kernel on real stores, and the contract every
 * plugin passes. Test-runner agnostic: failures throw.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Server, ServerInjectOptions } from '@hapi/hapi';
import joiToJson from 'joi-to-json';
import mysql from 'mysql2/promise';
import pino from 'pino';
import { setupServiceRef } from './modules/setup/setup.service.js';
import { createApp, createLogger, type HuiliuApp } from './app.js';
import { loadConfig, type HuiliuConfig } from './config/config.js';
import type { PluginDefinition } from './kernel/define-plugin.js';
import { migrationTable } from './kernel/kernel.js';
import { checkReportModelSql, type ReportSqlCheck } from './store/olap/report-sql-check.js';

export const defaultTestMysqlUrl = (): string => process.env.HUILIU_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

/** A fresh MySQL/MariaDB database on the server of `baseUrl`; `drop()` removes it. */
export async function createMysqlDatabase(baseUrl = defaultTestMysqlUrl()): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `huiliu_t_${process.pid}_${randomBytes(4).toString('hex')}`;
  const base = new URL(baseUrl);
  return {
    url: `${baseUrl.replace(/\/$/, '')}/${name}`,
    async drop() {
      const connection = await mysql.createConnection({
        host: base.hostname,
        port: Number(base.port || 3306),
        user: decodeURIComponent(base.username || 'root'),
        password: decodeURIComponent(base.password),
      });
      try {
        await connection.query(`DROP DATABASE IF EXISTS \`${name}\``);
      } finally {
        await connection.end();
      }
    },
  };
}

export type TestEngine = 'sqlite' | 'mysql';

export interface StartTestKernelOptions {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  plugins: PluginDefinition<any>[];
  /** Options per plugin id. */
  options?: Record<string, Record<string, unknown>>;
  engine?: TestEngine;
  mysqlUrl?: string;
}

export interface TestKernel {
  app: HuiliuApp;
  server: Server;
  close(): Promise<void>;
}

/**
 * A real app on a fresh store (a temp SQLite file, or a fresh MySQL/MariaDB database dropped on
 * close) with its own data dir; not listening until `app.start()`.
 */
export async function startIsolatedApp(options: {
  engine?: TestEngine;
  mysqlUrl?: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  plugins?: PluginDefinition<any>[];
  overrides?: Partial<HuiliuConfig>;
}): Promise<TestKernel> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'huiliu-test-'));
  const database = options.engine === 'mysql' ? await createMysqlDatabase(options.mysqlUrl) : undefined;
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
        await app.stop();
        await cleanup();
      },
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/** Boots the given plugins (and core's built-ins) in a real app on a fresh store, not listening. */
export function startTestKernel(options: StartTestKernelOptions): Promise<TestKernel> {
  return startIsolatedApp({
    engine: options.engine,
    mysqlUrl: options.mysqlUrl,
    plugins: options.plugins,
    overrides: {
      plugins: Object.fromEntries(
        Object.entries(options.options ?? {}).map(([id, opts]) => [id, { enabled: true, options: opts }]),
      ),
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

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface InjectResult<T = any> {
  statusCode: number;
  body: T;
  headers: Record<string, unknown>;
}

/** A caller of the API: anonymous, a logged-in staff member (cookie + CSRF), or an app (bearer). */
/** One file part of a multipart body. */
export interface MultipartFile {
  filename: string;
  content: string | Buffer;
  contentType?: string;
}

/** A `multipart/form-data` body (uploads): pass it as `Client.request`'s payload. */
export class Multipart {
  readonly boundary = `----huiliu-${randomBytes(8).toString('hex')}`;

  constructor(readonly parts: Record<string, string | MultipartFile>) {}

  get contentType(): string {
    return `multipart/form-data; boundary=${this.boundary}`;
  }

  body(): Buffer {
    const chunks: Buffer[] = [];
    for (const [name, part] of Object.entries(this.parts)) {
      const head =
        typeof part === 'string'
          ? `Content-Disposition: form-data; name="${name}"\r\n\r\n`
          : `Content-Disposition: form-data; name="${name}"; filename="${part.filename}"\r\nContent-Type: ${part.contentType ?? 'text/csv'}\r\n\r\n`;
      chunks.push(Buffer.from(`--${this.boundary}\r\n${head}`, 'utf8'));
      chunks.push(typeof part === 'string' ? Buffer.from(part, 'utf8') : Buffer.from(part.content));
      chunks.push(Buffer.from('\r\n', 'utf8'));
    }
    chunks.push(Buffer.from(`--${this.boundary}--\r\n`, 'utf8'));
    return Buffer.concat(chunks);
  }
}

/** A multipart body with a file part `file` (and text fields). */
export function multipart(file: MultipartFile, fields: Record<string, string> = {}): Multipart {
  return new Multipart({ ...fields, file });
}

export class Client {
  private cookie: string | undefined;
  private csrfToken: string | undefined;
  private bearer: string | undefined;
  language = 'zh-CN';

  constructor(private readonly server: Server) {}

  static async staff(server: Server, email: string, password: string): Promise<Client> {
    const client = new Client(server);
    const res = await client.request('POST', '/api/v1/auth/login', { email, password });
    if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${JSON.stringify(res.body)}`);
    return client;
  }

  static app(server: Server, accessToken: string): Client {
    const client = new Client(server);
    client.bearer = accessToken;
    return client;
  }

  /** The cookie / bearer headers of this caller, for raw `server.inject` calls. */
  authHeaders(): Record<string, string> {
    return {
      ...(this.cookie ? { cookie: this.cookie } : {}),
      ...(this.bearer ? { authorization: `Bearer ${this.bearer}` } : {}),
    };
  }

  get csrf(): string | undefined {
    return this.csrfToken;
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async request<T = any>(
    method: string,
    url: string,
    payload?: unknown,
    headers: Record<string, string> = {},
  ): Promise<InjectResult<T>> {
    const options: ServerInjectOptions = {
      method,
      url,
      headers: {
        'accept-language': this.language,
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...(this.csrfToken && !['GET', 'HEAD'].includes(method.toUpperCase()) ? { 'x-csrf-token': this.csrfToken } : {}),
        ...(this.bearer ? { authorization: `Bearer ${this.bearer}` } : {}),
        ...headers,
      },
    };
    if (payload instanceof Multipart) {
      options.payload = payload.body();
      options.headers = { ...options.headers, 'content-type': payload.contentType };
    } else if (payload !== undefined) options.payload = payload as object;
    const res = await this.server.inject(options);
    const setCookie = res.headers['set-cookie'];
    if (setCookie) {
      const first = (Array.isArray(setCookie) ? setCookie[0] : setCookie)!.split(';')[0]!;
      this.cookie = first.endsWith('=') ? undefined : first;
    }
    let body: unknown = res.payload;
    if (String(res.headers['content-type'] ?? '').includes('application/json')) body = JSON.parse(res.payload);
    const maybe = body as { csrfToken?: string } | null;
    if (maybe && typeof maybe === 'object' && typeof maybe.csrfToken === 'string') this.csrfToken = maybe.csrfToken;
    return { statusCode: res.statusCode, body: body as T, headers: res.headers as Record<string, unknown> };
  }
}
