import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createPrivateFile, PRIVATE_FILE_MODE } from '../config/data-dir.js';
import { deploymentMode, type HuiliuConfig } from '../config/config.js';
import os from 'node:os';
import { createApp, createLogger, pluginEntries, type CreateAppOptions, type HuiliuApp } from '../app.js';
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
import { tenantServiceRef, type TenantService } from '../modules/tenancy/tenant.service.js';
import { tenantPluginsModule } from '../modules/tenant-plugins/tenant-plugins.module.js';
import {
  ENABLEMENT_CACHE_MS,
  PluginEnablement,
  type PluginEnablementState,
} from '../modules/tenant-plugins/plugin-enablement.js';
import { TenantPluginsRepo } from '../modules/tenant-plugins/tenant-plugins.repo.js';
import { reportsModule } from '../modules/reports/reports.module.js';
import { ReportQuotasService, type ReportQuotaChange } from '../modules/reports/report-quotas.service.js';
import { SavedReportsRepo } from '../modules/reports/saved-reports.repo.js';
import { defaultReportQuotas, type ReportQuotaSettings } from '../modules/reports/saved-reports.types.js';
import { buildUninstallReport, formatUninstallReport, type UninstallReport } from './uninstall-report.js';
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
  // The ingest worker (a module's start), the task worker and the scheduler; no HTTP listener.
  await app.startWorker();
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
    await kernel.load(
      [],
      [tenancyModule, tenantPluginsModule, demoModule, auditModule, channelsModule, tasksModule, staffModule, setupModule],
    );
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

/**
 * The tenancy module alone on a migrated OLTP store, for the operators' commands that work while the
 * server runs (`admin expiry`, `admin plugins`): no plugins, no analytics store, no server.
 */
async function tenancyOnly(config: HuiliuConfig, oltp: OltpStore): Promise<TenantService> {
  const kernel = new Kernel({
    coreVersion,
    logger: createLogger({ ...config, logLevel: 'warn' }),
    oltp,
    secrets: loadSecretBox(config),
    permissions: new PermissionRegistry(),
    services: [createServiceFactory({ service: kernelServices.config, factory: () => config })],
  });
  await kernel.load([], [tenancyModule]);
  return kernel.get(tenantServiceRef);
}

/**
 * `huiliu admin expiry`: the tenant's 到期 (seed §1.11.5) — the last day it is paid for, shown on
 * 首页 and 使用情况 (ADR 0036). OLTP only, like `admin create`.
 */
export async function adminExpiry(config: HuiliuConfig, input: { tenant: string; until: string | null }): Promise<void> {
  const { knex, info } = await createKnex(config);
  const oltp = new OltpStore(knex, info);
  try {
    await oltp.migrate(coreMigrations);
    const tenant = await (await tenancyOnly(config, oltp)).setExpiry(input.tenant, input.until);
    out(
      tenant.expiresOn
        ? `Tenant ${tenant.id} "${tenant.name}" expires after ${tenant.expiresOn} (${tenant.timeZone}).`
        : `Tenant ${tenant.id} "${tenant.name}" has no expiry.`,
    );
  } catch (error) {
    if (isDomainError(error)) throw new Error(formatMessage(error.code, 'en-US', error.params));
    throw error;
  } finally {
    await oltp.close();
  }
}

/** What `huiliu admin plugins` does: list a tenant's plugins, or switch one on or off. */
export type AdminPluginsInput =
  { action: 'list'; tenant: string } | { action: 'enable' | 'disable'; tenant: string; pluginId: string; by?: string };

/** Who switched a plugin when `--by` is not given: the OS user on this host. */
function operatorLabel(): string {
  try {
    return `${os.userInfo().username}@${os.hostname()}`.slice(0, 191);
  } catch {
    return `cli@${os.hostname()}`.slice(0, 191);
  }
}

function describeState(state: PluginEnablementState): string {
  const how =
    state.source === 'operator'
      ? `switched ${state.setting ? 'on' : 'off'}${state.changedBy ? ` by ${state.changedBy}` : ''} at ${new Date(state.changedAt!).toISOString()}`
      : `default${state.defaultEnabled ? '' : ': off until enabled (licensed add-on)'}`;
  const blocked = state.blockedBy.length
    ? `; off while ${state.blockedBy.join(', ')} ${state.blockedBy.length > 1 ? 'are' : 'is'} disabled`
    : '';
  return `${state.enabled ? 'enabled ' : 'disabled'}  (${how}${blocked})`;
}

/**
 * `huiliu admin plugins list|enable|disable --tenant <id>`: which plugins a tenant has (ADR 0041),
 * switched by platform operators — tenant staff only see it. OLTP only, like `admin expiry`: it reads
 * the installed plugins' manifests and definitions (the same list `huiliu start` loads, without
 * running them) and works while the server runs; running processes apply a switch within
 * ENABLEMENT_CACHE_MS. Throws (exit code 1) for an unknown tenant or plugin and a dependency refusal.
 */
export async function adminPlugins(
  config: HuiliuConfig,
  input: AdminPluginsInput,
  options: { plugins?: CreateAppOptions['plugins']; print?: (line: string) => void } = {},
): Promise<PluginEnablementState[]> {
  const print = options.print ?? out;
  const { knex, info } = await createKnex(config);
  const oltp = new OltpStore(knex, info);
  try {
    await oltp.migrate(coreMigrations);
    const entries = await pluginEntries(config, options.plugins);
    const plugins = entries.map(({ definition }) => ({
      id: definition.id,
      version: definition.version,
      dependencies: Object.keys(definition.dependencies ?? {}),
      defaultEnabled: definition.defaultEnabled !== false,
    }));
    const tenants = await tenancyOnly(config, oltp);
    const enablement = new PluginEnablement(
      new TenantPluginsRepo(oltp.forModule(tenantPluginsModule.id, tenantPluginsModule.tables)),
      tenants,
      () => plugins,
    );
    const tenant = /^\d+$/.test(input.tenant) ? await tenants.get(input.tenant).catch(() => undefined) : undefined;
    if (!tenant) throw new Error(formatMessage('tenant_not_found', 'en-US') + ` (--tenant ${input.tenant})`);
    if (input.action !== 'list') {
      const enabled = input.action === 'enable';
      if (!enablement.isCore(input.pluginId) && !plugins.some((p) => p.id === input.pluginId)) {
        const installed = plugins.map((p) => p.id).join(', ') || 'none';
        throw new Error(
          `${formatMessage('plugin_unknown', 'en-US', { plugin: input.pluginId })}. Installed plugins: ${installed}.`,
        );
      }
      const { changed, state } = await enablement.setEnabled(tenant.id, input.pluginId, enabled, input.by ?? operatorLabel());
      print(
        changed
          ? `${enabled ? 'Enabled' : 'Disabled'} plugin ${input.pluginId} for tenant ${tenant.id} "${tenant.name}"` +
              ` (running servers and workers apply it within ${ENABLEMENT_CACHE_MS / 1000} s).`
          : `Plugin ${input.pluginId} was already ${enabled ? 'enabled' : 'disabled'} for tenant ${tenant.id} "${tenant.name}".`,
      );
      if (!enabled) print('Its data is kept: enable it again to restore everything.');
      return [state];
    }
    const states = await enablement.states(tenant.id);
    print(`Plugins of tenant ${tenant.id} "${tenant.name}" (core is always enabled):`);
    if (states.length === 0) print('  no plugin is installed');
    const width = Math.max(8, ...plugins.map((p) => p.id.length));
    for (const state of states) {
      const version = plugins.find((p) => p.id === state.pluginId)?.version ?? '';
      print(`  ${state.pluginId.padEnd(width)}  ${version.padEnd(8)}  ${describeState(state)}`);
    }
    return states;
  } catch (error) {
    if (isDomainError(error)) throw new Error(formatMessage(error.code, 'en-US', error.params));
    throw error;
  } finally {
    await oltp.close();
  }
}

/** What `huiliu admin quotas` does: show a tenant's quotas, or change some (a number, or null for the default). */
export interface AdminQuotasInput {
  tenant: string;
  change: ReportQuotaChange;
  by?: string;
}

/**
 * `huiliu admin quotas <tenant> [--reports N] [--dashboards N] [--cards N]`: a tenant's quotas of
 * saved reports, dashboards and reports per dashboard (ADR 0053; defaults 500 / 100 / 10), set by
 * platform operators — tenant staff only meet them. Without a change it shows them. OLTP only, like
 * `admin plugins`: it works while the server runs, which reads the quotas on every write. Throws
 * (exit code 1) for an unknown tenant and a value out of range.
 */
export async function adminQuotas(
  config: HuiliuConfig,
  input: AdminQuotasInput,
  options: { print?: (line: string) => void } = {},
): Promise<ReportQuotaSettings> {
  const print = options.print ?? out;
  const { knex, info } = await createKnex(config);
  const oltp = new OltpStore(knex, info);
  try {
    await oltp.migrate(coreMigrations);
    const tenants = await tenancyOnly(config, oltp);
    const tenant = /^\d+$/.test(input.tenant) ? await tenants.get(input.tenant).catch(() => undefined) : undefined;
    if (!tenant) throw new Error(formatMessage('tenant_not_found', 'en-US') + ` (${input.tenant})`);
    const quotas = new ReportQuotasService(new SavedReportsRepo(oltp.forModule(reportsModule.id, reportsModule.tables)), tenants);
    const changing = Object.values(input.change).some((value) => value !== undefined);
    const settings = changing
      ? await quotas.set(tenant.id, input.change, input.by ?? operatorLabel())
      : await quotas.settings(tenant.id);
    const used = await quotas.reportsUsed(tenant.id);
    const shown = (key: keyof typeof defaultReportQuotas) =>
      `${settings[key]}${settings.custom.includes(key) ? '' : ' (default)'}`;
    print(`${changing ? 'Set the quotas' : 'Quotas'} of tenant ${tenant.id} "${tenant.name}":`);
    print(`  saved reports         ${shown('reports')}   (${used} saved)`);
    print(`  dashboards            ${shown('dashboards')}`);
    print(`  reports per dashboard ${shown('cards')}`);
    if (used > settings.reports)
      print(`Its ${used} saved reports stay; new ones are refused until fewer than ${settings.reports} remain.`);
    if (changing) print('Running servers apply it at once.');
    return settings;
  } catch (error) {
    if (isDomainError(error)) throw new Error(formatMessage(error.code, 'en-US', error.params));
    throw error;
  } finally {
    await oltp.close();
  }
}

/**
 * `huiliu plugins uninstall-report <pluginId>`: what a plugin leaves behind in every tenant and
 * store, and the manual steps to remove it (ADR 0041). Read-only. It boots the app without
 * listening to reach the analytics store too: in embedded mode (DuckDB) stop the server first —
 * one process holds the analytics file (ADR 0013); in scaled mode it runs beside the servers.
 */
export async function pluginsUninstallReport(
  config: HuiliuConfig,
  input: { pluginId: string; json?: boolean },
  options: { plugins?: CreateAppOptions['plugins']; print?: (line: string) => void } = {},
): Promise<UninstallReport> {
  const print = options.print ?? out;
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(input.pluginId) || input.pluginId === 'core') {
    throw new Error(formatMessage('plugin_unknown', 'en-US', { plugin: input.pluginId }));
  }
  const app = await createApp({ ...config, host: '127.0.0.1', port: 0 }, { plugins: options.plugins });
  try {
    const report = await buildUninstallReport(app, input.pluginId);
    if (input.json) print(JSON.stringify(report, null, 2));
    else for (const line of formatUninstallReport(report)) print(line);
    return report;
  } finally {
    await app.stop();
  }
}
