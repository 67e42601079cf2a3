import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createPrivateFile, PRIVATE_FILE_MODE } from '../config/data-dir.js';
import { deploymentMode, type HuiliuConfig } from '../config/config.js';
import { createApp, createLogger, type HuiliuApp } from '../app.js';
import { DEMO_TENANT_NAME, seedDemo, type DemoSummary } from './demo.js';
import { loadSecretBox } from '../config/secret-box.js';
import { createServiceFactory } from '../kernel/extension-point.js';
import { Kernel } from '../kernel/kernel.js';
import { PermissionRegistry } from '../kernel/permissions.js';
import { kernelServices } from '../kernel/services.js';
import { setupModule } from '../modules/setup/setup.module.js';
import { setupServiceRef } from '../modules/setup/setup.service.js';
import { staffModule } from '../modules/staff/staff.module.js';
import { tasksModule } from '../jobs/tasks.module.js';
import { auditModule } from '../modules/audit/audit.module.js';
import { channelsModule } from '../modules/channels/channels.module.js';
import { SmtpMailer } from '../lib/mailer.js';
import { tenancyModule } from '../modules/tenancy/tenancy.module.js';
import { demoModule } from '../modules/demo/demo.module.js';
import { Throttle } from '../server/throttle.js';
import { coreVersion } from '../version.js';
import { isDomainError } from '../server/errors.js';
import { formatMessage } from '../server/messages.js';
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

/** How long a graceful stop may take before the process exits anyway. */
const STOP_DEADLINE_MS = 30_000;

/**
 * Stops the app gracefully on SIGINT/SIGTERM — once: a repeated signal while stopping (a terminal
 * and a wrapper both passing Ctrl-C on) is only logged — and when the parent that started us over
 * IPC (`npm start`, scripts/start.mjs) goes away. Exits 0 after a clean stop.
 */
export function stopOnSignals(app: Pick<HuiliuApp, 'logger' | 'stop'>): void {
  let stopping = false;
  const stop = (reason: string) => {
    if (stopping) {
      app.logger.info({ reason }, 'already stopping');
      return;
    }
    stopping = true;
    app.logger.info({ reason }, 'stopping');
    setTimeout(() => {
      app.logger.error({ reason }, `did not stop within ${STOP_DEADLINE_MS / 1000} s; exiting`);
      process.exit(1);
    }, STOP_DEADLINE_MS).unref();
    app.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        app.logger.error({ err: error }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  if (process.channel) {
    process.on('disconnect', () => stop('parent process gone'));
    process.channel.unref();
  }
}

/** The start banner: framed (and coloured on a terminal) so it stands out after build and log output. */
export function banner(lines: string[], colour = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR): string {
  const width = Math.min(100, Math.max(60, ...lines.map((line) => line.length + 4)));
  const rule = '═'.repeat(width);
  const paint = (code: string, text: string) => (colour ? `\u001b[${code}m${text}\u001b[0m` : text);
  const [title = '', ...rest] = lines;
  return [
    '',
    paint('36', rule),
    `  ${paint('1;32', title)}`,
    ...rest.map((line) => (line ? `  ${line}` : '')),
    paint('36', rule),
    '',
  ].join('\n');
}

export async function start(config: HuiliuConfig, options: { demo?: boolean } = {}): Promise<void> {
  const app = await createApp(config);
  await app.start();
  const url = consoleUrl({ ...config, port: Number(app.server.info.port) });
  const local = `http://127.0.0.1:${app.server.info.port}`;
  const lines = [
    '汇流 Huiliu is running',
    `Console:        ${url}/`,
    `API docs:       ${url}/documentation`,
    `OLTP:           ${app.oltp.info.display}`,
    `OLAP:           ${app.olap.kind === 'duckdb' ? `duckdb:${path.join(config.dataDir, 'analytics.duckdb')}` : 'starrocks'}`,
    `Data directory: ${config.dataDir}`,
    '',
  ];
  if (app.setupToken) {
    lines.push(
      'First run — no tenant exists yet. 首次使用：',
      `  1. Open ${url}/setup`,
      `  2. Enter this one-time setup token / 输入一次性初始化令牌:  ${app.setupToken}`,
      '  3. Create the tenant and its super staff (高级员工), then sign in with that email.',
      '(Platform operators can also run: npx huiliu admin create --tenant <name> --email <email>)',
    );
  } else {
    lines.push(`Sign in at ${url}/login`);
  }
  if (!options.demo) {
    lines.push(
      '',
      'To explore with sample data (5,000 contacts, 60 days of events) 体验演示数据:',
      '  npm start -- --demo      (or, with the server stopped: npx huiliu demo)',
    );
  }
  lines.push('', 'Stop with Ctrl-C.');
  out(banner(lines));
  stopOnSignals(app);
  if (options.demo) {
    out('Loading the demo tenant in the background… 正在后台生成演示数据…');
    seedDemo(app, { baseUrl: local, log: (line) => app.logger.info(line) }).then(
      // The server's output is its log stream: the generated password goes to a 0600 file in the
      // data directory, never into the log.
      (summary) => out(banner(demoLines(summary, url, savePassword(config.dataDir, summary)))),
      (error: unknown) => app.logger.error({ err: error }, 'demo failed'),
    );
  }
}

/** Writes the demo super staff's password to `<dataDir>/demo-password.txt` (0600); returns the path. */
function savePassword(dataDir: string, summary: DemoSummary): string | undefined {
  if (!summary.password) return undefined;
  const file = path.join(dataDir, 'demo-password.txt');
  createPrivateFile(file);
  writeFileSync(file, `${summary.email}\n${summary.password}\n`, { mode: PRIVATE_FILE_MODE });
  return file;
}

function demoLines(summary: DemoSummary, url: string, passwordFile?: string): string[] {
  const lines = [
    summary.status === 'unchanged'
      ? '汇流 demo tenant already complete — nothing changed'
      : '汇流 demo tenant ready 演示租户已就绪',
    `Tenant:   ${DEMO_TENANT_NAME} (${summary.tenantId}), sample data of the 60 days before ${summary.anchorDay}`,
    `Contacts: ${summary.contacts}   Events: ${summary.events}`,
    `Sign in:  ${url}/login as ${summary.email}`,
  ];
  if (passwordFile) lines.push(`Password: in ${passwordFile} (0600) — 密码保存在该文件中`);
  else if (summary.password) lines.push(`Password: ${summary.password}   (shown once — 仅显示一次，请妥善保存)`);
  return lines;
}

/**
 * `huiliu demo`: creates (or completes) the demo tenant in its own process — the app on an
 * ephemeral loopback port, the SDK sending to it — then stops. With the embedded store, a running
 * `huiliu start` holds the analytics file: use `npm start -- --demo` then.
 */
export async function demo(config: HuiliuConfig, options: { password?: string }): Promise<void> {
  const app = await createApp({ ...config, host: '127.0.0.1', port: 0 });
  try {
    await app.start();
    const summary = await seedDemo(app, {
      baseUrl: `http://127.0.0.1:${app.server.info.port}`,
      password: options.password,
      log: out,
    });
    out(banner(demoLines(summary, consoleUrl(config))));
  } catch (error) {
    if (isDomainError(error)) throw new Error(formatMessage(error.code, 'en-US', error.params));
    throw error;
  } finally {
    await app.stop();
  }
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
  stopOnSignals(app);
}

export async function migrate(config: HuiliuConfig, options: { unlock?: boolean } = {}): Promise<void> {
  const { knex, info } = await createKnex(config);
  const oltp = new OltpStore(knex, info);
  try {
    if (options.unlock) {
      await oltp.unlockMigrations();
      out(`Freed the OLTP migration lock on ${info.display}.`);
    }
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

/**
 * `huiliu admin create`: OLTP only — it never opens the analytics store, so it works while
 * `huiliu start` runs and holds it (ADR 0013).
 */
export async function adminCreate(
  config: HuiliuConfig,
  input: { tenant: string; email: string; name: string; password: string; timeZone: string },
): Promise<void> {
  const { knex, info } = await createKnex(config);
  const oltp = new OltpStore(knex, info);
  try {
    await oltp.migrate(coreMigrations);
    // Only the modules this needs, on OLTP only: it works while the server (the DuckDB owner) runs.
    const kernel = new Kernel({
      coreVersion,
      logger: createLogger({ ...config, logLevel: 'warn' }),
      oltp,
      secrets: loadSecretBox(config),
      permissions: new PermissionRegistry(),
      services: [
        createServiceFactory({ service: kernelServices.config, factory: () => config }),
        createServiceFactory({ service: kernelServices.throttle, factory: () => new Throttle(oltp) }),
        createServiceFactory({ service: kernelServices.mailer, factory: () => new SmtpMailer(config.mail?.smtp) }),
      ],
    });
    // Staff queues its password reset mails as tasks, asks channels which features a tenant has and
    // records to the operation log:
    // those modules come along (OLTP only too).
    await kernel.load([], [tenancyModule, demoModule, auditModule, channelsModule, tasksModule, staffModule, setupModule]);
    const { tenant, staff } = await kernel.get(setupServiceRef).createWithSuperStaff({
      tenantName: input.tenant,
      timeZone: input.timeZone,
      staff: { email: input.email, name: input.name, password: input.password },
    });
    out(`Created tenant ${tenant.id} "${tenant.name}" (${tenant.timeZone}) with super staff ${staff.email}.`);
  } catch (error) {
    if (isDomainError(error)) throw new Error(formatMessage(error.code, 'en-US', error.params));
    throw error;
  } finally {
    await oltp.close();
  }
}
