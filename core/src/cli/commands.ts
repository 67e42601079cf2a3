import path from 'node:path';
import { deploymentMode, type HuiliuConfig } from '../config/config.js';
import { createApp, createLogger } from '../app.js';
import { isDomainError } from '../server/errors.js';
import { formatMessage } from '../server/messages.js';
import { TenantService } from '../modules/tenancy/tenant.service.js';
import { createKnex } from '../store/oltp/knex.js';
import { coreMigrations } from '../store/oltp/migrations/index.js';
import { OltpStore } from '../store/oltp/oltp-store.js';

function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

function consoleUrl(config: HuiliuConfig): string {
  if (config.publicUrl) return config.publicUrl.replace(/\/$/, '');
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  return `http://${host}:${config.port}`;
}

export async function start(config: HuiliuConfig): Promise<void> {
  const app = await createApp(config);
  await app.start();
  const url = consoleUrl({ ...config, port: Number(app.server.info.port) });
  out('');
  out('  汇流 Huiliu is running');
  out(`  Console:        ${url}/`);
  out(`  API docs:       ${url}/documentation`);
  out(`  OLTP:           ${app.oltp.info.display}`);
  out(
    `  OLAP:           ${app.olap.kind === 'duckdb' ? `duckdb:${path.join(config.dataDir, 'analytics.duckdb')}` : 'starrocks'}`,
  );
  out(`  Data directory: ${config.dataDir}`);
  if (app.setupToken) {
    out('');
    out('  First run — no tenant exists yet. 首次使用：');
    out(`    1. Open ${url}/setup`);
    out(`    2. Enter this one-time setup token / 输入一次性初始化令牌:  ${app.setupToken}`);
    out('    3. Create the tenant and its super staff (高级员工), then sign in with that email.');
    out('  (Platform operators can also run: npx huiliu admin create --tenant <name> --email <email>)');
  } else {
    out(`  Sign in at ${url}/login`);
  }
  out('');
  const shutdown = async (signal: string) => {
    app.logger.info({ signal }, 'stopping');
    await app.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

/**
 * `huiliu worker`: only in scaled mode. With the embedded DuckDB store exactly one process may hold
 * the OLAP file, and `huiliu start` already runs the workers and the scheduler.
 */
export async function worker(config: HuiliuConfig): Promise<void> {
  if (deploymentMode(config) === 'embedded') {
    throw new Error(
      'huiliu worker runs only in scaled mode (StarRocks: set HUILIU_OLAP_URL). With the embedded DuckDB store, ' +
        '`huiliu start` runs the API, the workers and the scheduler in one process.',
    );
  }
  const app = await createApp(config);
  app.jobs.worker.start();
  app.jobs.scheduler.start();
  out(`Huiliu worker ${app.jobs.worker.owner} is running (OLTP ${app.oltp.info.display}).`);
  const shutdown = async () => {
    await app.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
}

export async function migrate(config: HuiliuConfig): Promise<void> {
  const { knex, info } = await createKnex(config);
  const oltp = new OltpStore(knex, info);
  try {
    const applied = await oltp.migrate(coreMigrations);
    out(
      applied.length
        ? `Applied ${applied.length} migration(s) on ${info.display}: ${applied.join(', ')}`
        : `Up to date: ${info.display}`,
    );
  } finally {
    await oltp.close();
  }
}

export async function adminCreate(
  config: HuiliuConfig,
  input: { tenant: string; email: string; name: string; password: string; timeZone: string },
): Promise<void> {
  const app = await createApp({ ...config, logLevel: 'warn' }, { logger: createLogger({ ...config, logLevel: 'warn' }) });
  try {
    const { tenant, staff } = await app.container.resolve(TenantService).createWithSuperStaff({
      tenantName: input.tenant,
      timeZone: input.timeZone,
      staff: { email: input.email, name: input.name, password: input.password },
    });
    out(`Created tenant ${tenant.id} "${tenant.name}" (${tenant.timeZone}) with super staff ${staff.email}.`);
  } catch (error) {
    if (isDomainError(error)) throw new Error(formatMessage(error.code, 'en-US', error.params));
    throw error;
  } finally {
    await app.stop();
  }
}
