import { ConfigError } from '../../../config/config.js';

/**
 * `HUILIU_OLAP_URL` of scaled mode, parsed: `starrocks://user:password@fe-host:9030/?httpPort=8030&…`
 * (`mysql://` is accepted too, as config.ts does). The MySQL-protocol port is the FE's `query_port`
 * (9030 by default), the HTTP port its `http_port` (8030), where Stream Load starts
 * (docs/en/loading/StreamLoad.md). Unknown options are refused, so a typo never silently becomes a
 * default. The password is never part of `display` or of any error.
 */
export interface StarRocksConnectionConfig {
  host: string;
  port: number;
  user: string;
  password: string;
  /** The FE's HTTP base for Stream Load, e.g. `http://fe-host:8030`. */
  httpUrl: string;
  /** Pooled MySQL-protocol connections of the engine (queries, DDL, deletes). */
  poolSize: number;
  /** `replication_num` of every table: 3 for production, 1 for a single-BE development cluster. */
  replicationNum: number;
  /** Prepended to every database, user, role and resource group the engine creates (a shared cluster). */
  databasePrefix: string;
  /** How long the first connection may take before the engine gives up (start fails fast). */
  connectTimeoutMs: number;
  /** Longest a schema-change job (ADD COLUMN) is waited for. */
  schemaChangeTimeoutMs: number;
  /** Limits of each tenant's operator-SQL resource group (CREATE RESOURCE GROUP). */
  operator: {
    /** Pooled connections per tenant's operator user. */
    poolSize: number;
    concurrencyLimit: number;
    cpuWeight: number;
    /** Share of a BE's memory, in percent (1–100). */
    memLimitPercent: number;
    bigQueryCpuSecondLimit: number;
    bigQueryScanRowsLimit: number;
    bigQueryMemLimitBytes: number;
  };
  /** `starrocks://user@host:port/?httpPort=…` — without the password, for logs and errors. */
  display: string;
}

interface Option {
  parse(value: string): number | string;
  apply(config: StarRocksConnectionConfig, value: number | string): void;
}

const integer =
  (min: number, max: number) =>
  (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max)
      throw new Error(`must be an integer from ${min} to ${max}`);
    return Number(value);
  };

const options: Record<string, Option> = {
  httpPort: { parse: integer(1, 65535), apply: (c, v) => (c.httpUrl = `http://${bracket(c.host)}:${v as number}`) },
  pool: { parse: integer(1, 200), apply: (c, v) => (c.poolSize = v as number) },
  replicationNum: { parse: integer(1, 10), apply: (c, v) => (c.replicationNum = v as number) },
  databasePrefix: {
    parse: (value) => {
      if (!/^[a-z][a-z0-9_]{0,31}$/.test(value)) throw new Error('must be lower-case letters, digits and _ (at most 32)');
      return value;
    },
    apply: (c, v) => (c.databasePrefix = v as string),
  },
  connectTimeoutMs: { parse: integer(100, 120_000), apply: (c, v) => (c.connectTimeoutMs = v as number) },
  schemaChangeTimeoutMs: { parse: integer(1_000, 86_400_000), apply: (c, v) => (c.schemaChangeTimeoutMs = v as number) },
  operatorPool: { parse: integer(1, 50), apply: (c, v) => (c.operator.poolSize = v as number) },
  operatorConcurrency: { parse: integer(1, 1_000), apply: (c, v) => (c.operator.concurrencyLimit = v as number) },
  operatorCpuWeight: { parse: integer(1, 1_024), apply: (c, v) => (c.operator.cpuWeight = v as number) },
  operatorMemPercent: { parse: integer(1, 100), apply: (c, v) => (c.operator.memLimitPercent = v as number) },
  operatorCpuSeconds: { parse: integer(1, 86_400), apply: (c, v) => (c.operator.bigQueryCpuSecondLimit = v as number) },
  operatorScanRows: {
    parse: integer(1, Number.MAX_SAFE_INTEGER),
    apply: (c, v) => (c.operator.bigQueryScanRowsLimit = v as number),
  },
  operatorMemBytes: {
    parse: integer(1, Number.MAX_SAFE_INTEGER),
    apply: (c, v) => (c.operator.bigQueryMemLimitBytes = v as number),
  },
};

function bracket(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** Parses `HUILIU_OLAP_URL`; throws ConfigError naming every problem (never the password). */
export function parseStarRocksUrl(url: string): StarRocksConnectionConfig {
  const problems: string[] = [];
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // The URL itself may hold the password: do not echo it.
    throw new ConfigError(['HUILIU_OLAP_URL: not a URL (expected starrocks://user:password@fe-host:9030/?httpPort=8030)']);
  }
  if (parsed.protocol !== 'starrocks:' && parsed.protocol !== 'mysql:') {
    throw new ConfigError([`HUILIU_OLAP_URL: scheme "${parsed.protocol}" is not starrocks: or mysql:`]);
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (!host) problems.push('HUILIU_OLAP_URL: the FE host is missing');
  const user = decodeURIComponent(parsed.username);
  if (!user) problems.push('HUILIU_OLAP_URL: the user is missing (starrocks://user:password@host:9030)');
  if (parsed.pathname !== '' && parsed.pathname !== '/') {
    problems.push(
      'HUILIU_OLAP_URL: a database in the path is not used (one database per tenant); use ?databasePrefix= to share a cluster',
    );
  }
  const port = parsed.port ? Number(parsed.port) : 9030;
  const config: StarRocksConnectionConfig = {
    host,
    port,
    user,
    password: decodeURIComponent(parsed.password),
    httpUrl: `http://${bracket(host)}:8030`,
    poolSize: 8,
    replicationNum: 3,
    databasePrefix: '',
    connectTimeoutMs: 5_000,
    schemaChangeTimeoutMs: 600_000,
    operator: {
      poolSize: 2,
      concurrencyLimit: 4,
      cpuWeight: 1,
      memLimitPercent: 20,
      bigQueryCpuSecondLimit: 300,
      bigQueryScanRowsLimit: 1_000_000_000,
      bigQueryMemLimitBytes: 8 * 1024 ** 3,
    },
    display: '',
  };
  const shown: string[] = [];
  for (const [key, value] of parsed.searchParams) {
    const option = options[key];
    if (!option) {
      problems.push(`HUILIU_OLAP_URL: unknown option "${key}" (known: ${Object.keys(options).join(', ')})`);
      continue;
    }
    try {
      option.apply(config, option.parse(value));
      shown.push(`${key}=${value}`);
    } catch (error) {
      problems.push(`HUILIU_OLAP_URL: option ${key} ${(error as Error).message}`);
    }
  }
  if (problems.length) throw new ConfigError(problems);
  config.display = `starrocks://${user}@${bracket(host)}:${port}/${shown.length ? `?${shown.join('&')}` : ''}`;
  return config;
}
