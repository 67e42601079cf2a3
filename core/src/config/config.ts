import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Joi from 'joi';
import proxyAddr from 'proxy-addr';

export interface HuiliuConfig {
  /** HTTP port of the API and console. */
  port: number;
  host: string;
  /** Absolute path of the data directory (SQLite file, DuckDB file, secret key, uploads). */
  dataDir: string;
  /** `mysql://user:pass@host:port/db` for MySQL/MariaDB; absent = SQLite in the data dir. */
  oltpUrl?: string;
  /**
   * The scaled OLAP store (StarRocks, `mysql://…` of its FE). Absent = embedded DuckDB in the data
   * dir, and then one process runs API, workers and scheduler (`huiliu worker` refuses to start).
   */
  olapUrl?: string;
  /** Limits of the analytics engine (env: HUILIU_OLAP__QUERY_TIMEOUT_MS, HUILIU_OLAP__THREADS, HUILIU_OLAP__MEMORY_LIMIT). */
  olap: { queryTimeoutMs: number; threads?: number; memoryLimit?: string };
  /** Base64 of 32 random bytes; absent = generated into `<dataDir>/secret.key`. */
  secretKey?: string;
  /** Previous master keys (comma-separated base64), still accepted for decryption. */
  previousSecretKeys?: string;
  /** Public base URL, e.g. https://cdp.example.com (used in links and to mark cookies Secure). */
  publicUrl?: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Directory of the built console; absent = the console package's dist next to core. */
  consoleDir?: string;
  /** Directory of the built web SDK served at /sdk/; absent = the sdk/web package's dist next to core. */
  sdkDir?: string;
  session: { ttlHours: number; idleMinutes: number };
  /**
   * How many reverse proxies (TLS terminators, load balancers) stand in front of the server: their
   * `X-Forwarded-For` / `X-Forwarded-Host` entries are trusted for the client address (throttles,
   * logs) and the login's Origin check. 0 = none: the socket's address is the client.
   */
  trustProxy: number;
  /**
   * Addresses and CIDRs of trusted reverse proxies (also `loopback`, `linklocal`, `uniquelocal`);
   * env: comma-separated. When the socket's peer is one, the client is the right-most
   * `X-Forwarded-For` hop that is not (throttles, logs, the `$ip` of SDK events). Default none.
   */
  trustedProxies: string[];
  /** Request log lines: `compact` (id, method, path, status, time), `full` (+ client address and useful headers), `off`. */
  logRequests: 'off' | 'compact' | 'full';
  /**
   * OLTP connection limits (env: HUILIU_OLTP__ACQUIRE_TIMEOUT_MS, HUILIU_OLTP__STATEMENT_TIMEOUT_MS,
   * HUILIU_OLTP__BUSY_TIMEOUT_MS, HUILIU_OLTP__POOL_MAX). A request that hits one answers 503.
   */
  oltp: { acquireTimeoutMs: number; statementTimeoutMs: number; busyTimeoutMs: number; poolMax?: number };
  /** `/ready` answers 503 when a store does not answer within this time. */
  readyTimeoutMs: number;
  /** Limits of login and token exchange (see docs/decisions/0012-login-throttling.md). */
  auth: { tokenRequestsPerMinute: number; passwordConcurrency: number; passwordQueue: number };
  /**
   * Outgoing mail (password reset links). Absent = no mail is sent (requests still answer the same;
   * the server logs a warning). Env: HUILIU_MAIL__SMTP__HOST, …__PORT, …__SECURE, …__USER,
   * …__PASSWORD, …__FROM.
   */
  mail?: { smtp?: SmtpSettings };
  /**
   * Ingestion (env: HUILIU_INGEST__WORKER, HUILIU_INGEST__BATCH_SIZE, HUILIU_INGEST__BACKLOG_LIMIT):
   * whether this process drains the inbox, messages per load batch, and the undrained messages at
   * which the collect and track APIs answer 429 with Retry-After (back-pressure). Scaled mode only
   * (ADR 0067; HUILIU_INGEST__LOAD_INTERVAL_MS, HUILIU_INGEST__LOAD_BATCH_SIZE): a partition's
   * messages of a tenant wait until the oldest is `loadIntervalMs` old or `loadBatchSize` are pending,
   * and a pass takes up to `loadBatchSize` (StarRocks wants few, large loads per table).
   */
  ingest: { worker: boolean; batchSize: number; backlogLimit: number; loadIntervalMs: number; loadBatchSize: number };
  /**
   * Import plugin packages: the first-party ones (wechat, miniprogram, custom-channel, jinshuju)
   * and every `plugins.<id>.package`. False = only the plugins the embedding code passes (tests).
   */
  loadPluginPackages: boolean;
  /**
   * Per plugin (by id, or its camelCase for env keys): enable/disable, options, and for a plugin
   * that is not first-party the npm package to load it from.
   */
  plugins: Record<string, PluginConfig>;
  /**
   * How long a plugin's start() may take before the plugin is isolated as failed (env:
   * HUILIU_PLUGIN_START_TIMEOUT_MS; default 30 s; ADR 0040).
   */
  pluginStartTimeoutMs: number;
}

/** The SMTP server that sends Huiliu's own mails (docs/decisions/0021-password-reset-by-email.md). */
export interface SmtpSettings {
  host: string;
  /** Default 465 when `secure`, else 587. */
  port: number;
  /** TLS from the first byte (port 465); false = plain connection upgraded with STARTTLS when offered. */
  secure: boolean;
  user?: string;
  /** A secret: never logged. */
  password?: string;
  /** The sender: `noreply@example.com` or `汇流 <noreply@example.com>`. */
  from: string;
}

export interface PluginConfig {
  enabled: boolean;
  options: Record<string, unknown>;
  /** The npm package of the plugin, resolved like `import '<package>'` from the working directory. */
  package?: string;
  /** A start failure stops the server instead of isolating the plugin (default false; ADR 0040). */
  required?: boolean;
}

const ENV_PREFIX = 'HUILIU_';
/** Variables for the test harness, not settings of the product. */
const IGNORED_ENV_PREFIXES = ['HUILIU_TEST_'];

export const configSchema: Joi.ObjectSchema<HuiliuConfig> = Joi.object<HuiliuConfig>({
  port: Joi.number().integer().min(0).max(65535).default(3000),
  host: Joi.string().hostname().default('0.0.0.0'),
  dataDir: Joi.string().default('./data'),
  oltpUrl: Joi.string().pattern(/^(mysql|mariadb|sqlite):/, 'mysql://, mariadb:// or sqlite: URL'),
  olapUrl: Joi.string().pattern(/^(mysql|starrocks):\/\//, 'mysql:// or starrocks:// URL'),
  olap: Joi.object({
    queryTimeoutMs: Joi.number().integer().min(100).max(3_600_000).default(30_000),
    threads: Joi.number().integer().min(1).max(256),
    memoryLimit: Joi.string().pattern(/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i, 'size such as 4GB'),
  }).default(),
  secretKey: Joi.string().base64(),
  previousSecretKeys: Joi.string(),
  publicUrl: Joi.string().uri({ scheme: ['http', 'https'] }),
  logLevel: Joi.string().valid('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent').default('info'),
  consoleDir: Joi.string(),
  sdkDir: Joi.string(),
  loadPluginPackages: Joi.boolean().default(true),
  plugins: Joi.object()
    .pattern(
      Joi.string(),
      Joi.object({
        enabled: Joi.boolean().default(true),
        options: Joi.object().unknown(true).default({}),
        package: Joi.string().pattern(/^(@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/, 'npm package name'),
        required: Joi.boolean(),
      }),
    )
    .default({}),
  pluginStartTimeoutMs: Joi.number().integer().min(10).max(600_000).default(30_000),
  session: Joi.object({
    ttlHours: Joi.number()
      .integer()
      .min(1)
      .max(24 * 90)
      .default(24 * 7),
    // A session unused this long ends (the absolute limit is ttlHours).
    idleMinutes: Joi.number()
      .integer()
      .min(5)
      .max(60 * 24 * 90)
      .default(8 * 60),
  }).default(),
  trustProxy: Joi.number().integer().min(0).max(10).default(0),
  trustedProxies: Joi.alternatives(
    Joi.array().items(Joi.string().trim().min(1)),
    // From the environment: `loopback, 10.0.0.0/8`.
    Joi.string().custom((value: string) =>
      value
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean),
    ),
  )
    .custom((value: string[], helpers) => {
      try {
        proxyAddr.compile(value);
      } catch {
        return helpers.error('any.invalid');
      }
      return value;
    })
    .messages({ 'any.invalid': 'must list IP addresses or CIDRs (or loopback, linklocal, uniquelocal)' })
    .default([]),
  logRequests: Joi.string().valid('off', 'compact', 'full').default('compact'),
  oltp: Joi.object({
    acquireTimeoutMs: Joi.number().integer().min(100).max(600_000).default(10_000),
    // 0 = no statement timeout (MySQL/MariaDB); migrations always run without one.
    statementTimeoutMs: Joi.number().integer().min(0).max(3_600_000).default(60_000),
    busyTimeoutMs: Joi.number().integer().min(0).max(60_000).default(5_000),
    poolMax: Joi.number().integer().min(1).max(1000),
  }).default(),
  readyTimeoutMs: Joi.number().integer().min(100).max(60_000).default(3_000),
  auth: Joi.object({
    tokenRequestsPerMinute: Joi.number().integer().min(1).max(100_000).default(60),
    passwordConcurrency: Joi.number().integer().min(1).max(64).default(2),
    passwordQueue: Joi.number().integer().min(0).max(10_000).default(32),
  }).default(),
  mail: Joi.object({
    smtp: Joi.object({
      host: Joi.string().hostname().required(),
      port: Joi.number()
        .integer()
        .min(1)
        .max(65535)
        .default((parent: { secure?: boolean }) => (parent.secure ? 465 : 587)),
      secure: Joi.boolean().default(false),
      user: Joi.string().max(255),
      password: Joi.string().max(1024),
      from: Joi.string()
        .trim()
        .max(320)
        // `addr@domain` or `Name <addr@domain>`.
        .pattern(/^([^<>]*<[^\s@<>]+@[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+)$/, 'an address such as 汇流 <noreply@example.com>')
        .required(),
    }).with('password', 'user'),
  }),
  ingest: Joi.object({
    worker: Joi.boolean().default(true),
    batchSize: Joi.number().integer().min(1).max(20_000).default(1000),
    backlogLimit: Joi.number().integer().min(1).max(1_000_000_000).default(5_000_000),
    loadIntervalMs: Joi.number().integer().min(0).max(600_000).default(5000),
    loadBatchSize: Joi.number().integer().min(1).max(100_000).default(10_000),
  }).default(),
}).unknown(false);

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Source = { kind: 'env'; name: string } | { kind: 'file'; file: string };

function camel(segment: string): string {
  return segment.toLowerCase().replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

function envToKey(name: string): string[] {
  return name.slice(ENV_PREFIX.length).split('__').map(camel);
}

function setPath(target: Record<string, unknown>, keys: string[], value: unknown): void {
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]!] = value;
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const prev = out[key];
    out[key] =
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      typeof prev === 'object' &&
      prev !== null &&
      !Array.isArray(prev)
        ? deepMerge(prev as Record<string, unknown>, value as Record<string, unknown>)
        : value;
  }
  return out;
}

function collectPaths(obj: Record<string, unknown>, prefix: string[] = [], out: string[][] = []): string[][] {
  for (const [key, value] of Object.entries(obj)) {
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      collectPaths(value as Record<string, unknown>, [...prefix, key], out);
    else out.push([...prefix, key]);
  }
  return out;
}

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Values that win over everything (used by the CLI and tests). */
  overrides?: Partial<HuiliuConfig>;
}

/**
 * Loads the configuration: `HUILIU_*` environment variables (nested keys with `__`), then
 * `<dataDir>/huiliu.json`, then defaults. A bad value throws a ConfigError naming its key.
 */
export function loadConfig(options: LoadConfigOptions = {}): HuiliuConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const sources = new Map<string, Source>();

  const fromEnv: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || value === undefined || value === '') continue;
    if (IGNORED_ENV_PREFIXES.some((p) => name.startsWith(p))) continue;
    const keys = envToKey(name);
    setPath(fromEnv, keys, value);
    sources.set(keys.join('.'), { kind: 'env', name });
  }

  const dataDirRaw = (options.overrides?.dataDir ?? fromEnv.dataDir ?? './data') as string;
  const dataDir = path.resolve(cwd, dataDirRaw);
  const file = path.join(dataDir, 'huiliu.json');
  let fromFile: Record<string, unknown> = {};
  if (existsSync(file)) {
    try {
      fromFile = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch (error) {
      throw new ConfigError([`${file} is not valid JSON: ${(error as Error).message}`]);
    }
    if (typeof fromFile !== 'object' || fromFile === null || Array.isArray(fromFile)) {
      throw new ConfigError([`${file} must hold a JSON object`]);
    }
    for (const keys of collectPaths(fromFile)) {
      const key = keys.join('.');
      if (!sources.has(key)) sources.set(key, { kind: 'file', file });
    }
  }

  const merged = deepMerge(deepMerge(fromFile, fromEnv), (options.overrides ?? {}) as Record<string, unknown>);
  const { value, error } = configSchema.validate(merged, { abortEarly: false, convert: true });
  if (error) {
    throw new ConfigError(
      error.details.map((detail) => {
        const key = detail.path.join('.');
        const source = sources.get(key);
        const label =
          source?.kind === 'env' ? `${source.name}` : source?.kind === 'file' ? `"${key}" in ${source.file}` : `"${key}"`;
        return `${label}: ${detail.message.replace(/^"[^"]*" /, '')}`;
      }),
    );
  }
  return { ...value, dataDir: path.resolve(cwd, value.dataDir) };
}

/** The config entry of a plugin: keyed by its id or, from env variables, by its camelCase id. */
export function pluginSettings(config: HuiliuConfig, pluginId: string): PluginConfig {
  const camelId = pluginId.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
  const byId = config.plugins[pluginId];
  // Env variables can only spell the camelCase key; they win over huiliu.json's kebab-case key.
  const byCamel = camelId === pluginId ? undefined : config.plugins[camelId];
  const packageName = byCamel?.package ?? byId?.package;
  return {
    enabled: byCamel?.enabled ?? byId?.enabled ?? true,
    required: byCamel?.required ?? byId?.required ?? false,
    options: { ...(byId?.options ?? {}), ...(byCamel?.options ?? {}) },
    ...(packageName ? { package: packageName } : {}),
  };
}

/** Deployment mode follows the OLAP engine (ARCHITECTURE §7). */
export function deploymentMode(config: HuiliuConfig): 'embedded' | 'scaled' {
  return config.olapUrl ? 'scaled' : 'embedded';
}

/** Where the built console lives when no `consoleDir` is configured. */
export function defaultConsoleDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  // core/dist/config or core/src/config → console/dist
  return path.resolve(here, '..', '..', '..', 'console', 'dist');
}

/** Where the built web SDK lives when no `sdkDir` is configured. */
export function defaultSdkDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  // core/dist/config or core/src/config → sdk/web/dist
  return path.resolve(here, '..', '..', '..', 'sdk', 'web', 'dist');
}
