#!/usr/bin/env node
import { Command, InvalidArgumentError } from 'commander';
import { ConfigError, loadConfig } from '../config/config.js';
import { coreVersion } from '../version.js';
import { isDomainError } from '../server/errors.js';
import { formatMessage } from '../server/messages.js';
import {
  adminCreate,
  adminExpiry,
  adminPlugins,
  adminQuotas,
  demo,
  migrate,
  pluginsUninstallReport,
  start,
  worker,
} from './commands.js';

const program = new Command();
program.name('huiliu').description('Huiliu (汇流) — Customer Data Platform').version(coreVersion);

program
  .command('start')
  .description('Start the API, workers and console in one process (embedded mode)')
  .option('--demo', 'also create the demo tenant with sample data (see `huiliu demo`)')
  .action(async (opts: { demo?: boolean }) => {
    await start(loadConfig(), { demo: opts.demo });
  });

program
  .command('demo')
  .description('Create the demo tenant: a shop with 5,000 contacts and 60 days of events, sent through the SDK (idempotent)')
  .option('--password <password>', 'the demo super staff’s password (else one is generated and shown once)')
  .action(async (opts: { password?: string }) => {
    await demo(loadConfig(), opts);
  });

program
  .command('worker')
  .description('Run task workers and the scheduler without the API (scaled mode, with StarRocks)')
  .action(async () => {
    await worker(loadConfig());
  });

program
  .command('migrate')
  .description('Run pending OLTP migrations and exit')
  .option('--unlock', 'first free the migration lock a process left when it died while migrating (only when none runs)')
  .action(async (opts: { unlock?: boolean }) => {
    await migrate(loadConfig(), opts);
  });

const admin = program.command('admin').description('Platform operator tasks');
admin
  .command('create')
  .description('Create a tenant and its first super staff (高级员工)')
  .requiredOption('--tenant <name>', 'tenant name')
  .requiredOption('--email <email>', 'the super staff member’s email (the login)')
  .option('--name <name>', 'the super staff member’s name', 'Admin')
  .option('--password <password>', 'password (else read from HUILIU_ADMIN_PASSWORD)')
  .option('--time-zone <zone>', 'IANA time zone, fixed once the first event arrives', 'Asia/Shanghai')
  .action(async (opts: { tenant: string; email: string; name: string; password?: string; timeZone: string }) => {
    const password = opts.password ?? process.env.HUILIU_ADMIN_PASSWORD;
    if (!password) throw new Error('Give --password or set HUILIU_ADMIN_PASSWORD');
    await adminCreate(loadConfig({ env: { ...process.env, HUILIU_ADMIN_PASSWORD: undefined } }), { ...opts, password });
  });

admin
  .command('expiry')
  .description('Set or clear a tenant’s expiry (到期), shown on 首页 and 使用情况')
  .requiredOption('--tenant <id>', 'tenant id')
  .option('--until <date>', 'the last day the tenant is paid for, YYYY-MM-DD (tenant-local)')
  .option('--none', 'no expiry')
  .action(async (opts: { tenant: string; until?: string; none?: boolean }) => {
    if ((opts.until === undefined) === !opts.none) throw new Error('Give either --until <YYYY-MM-DD> or --none');
    await adminExpiry(loadConfig(), { tenant: opts.tenant, until: opts.none ? null : opts.until! });
  });

// Per-tenant plugin enablement (ADR 0041): platform operators switch plugins; tenant staff only see them.
const adminPluginsCommand = admin.command('plugins').description('Which plugins a tenant has (per-tenant enablement)');
adminPluginsCommand
  .command('list')
  .description('List the installed plugins and whether each is enabled for the tenant')
  .requiredOption('--tenant <id>', 'tenant id')
  .action(async (opts: { tenant: string }) => {
    await adminPlugins(loadConfig(), { action: 'list', tenant: opts.tenant });
  });
for (const action of ['enable', 'disable'] as const) {
  adminPluginsCommand
    .command(`${action} <pluginId>`)
    .description(
      action === 'enable'
        ? 'Enable a plugin for a tenant (its dependencies must be enabled)'
        : 'Disable a plugin for a tenant: its channel types, menus, permissions, routes, schedules and tasks stop there; its data is kept',
    )
    .requiredOption('--tenant <id>', 'tenant id')
    .option('--by <name>', 'who switches it, recorded with the change (default: the OS user@host)')
    .action(async (pluginId: string, opts: { tenant: string; by?: string }) => {
      await adminPlugins(loadConfig(), { action, pluginId, tenant: opts.tenant, by: opts.by });
    });
}

// Per-tenant quotas of saved reports and dashboards (ADR 0053): set by platform operators.
const quotaValue = (value: string): number | null => {
  if (value === 'default') return null;
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('Give a whole number, or "default".');
  return Number(value);
};
admin
  .command('quotas <tenant>')
  .description('Show or set a tenant’s quotas of saved reports, dashboards and reports per dashboard (default 500 / 100 / 10)')
  .option('--reports <n>', 'saved reports the tenant may have ("default": back to the default)', quotaValue)
  .option('--dashboards <n>', 'dashboards the tenant may have', quotaValue)
  .option('--cards <n>', 'reports one dashboard may hold', quotaValue)
  .option('--by <name>', 'who sets them, recorded with the change (default: the OS user@host)')
  .action(
    async (tenant: string, opts: { reports?: number | null; dashboards?: number | null; cards?: number | null; by?: string }) => {
      await adminQuotas(loadConfig(), {
        tenant,
        change: { reports: opts.reports, dashboards: opts.dashboards, cards: opts.cards },
        by: opts.by,
      });
    },
  );

const plugins = program.command('plugins').description('Plugin maintenance');
plugins
  .command('uninstall-report <pluginId>')
  .description(
    'What a plugin leaves behind in every tenant (tables, rows, channels, events, accounts, secrets, role grants) and how to remove it; changes nothing. Embedded mode: stop the server first',
  )
  .option('--json', 'print the report as JSON')
  .action(async (pluginId: string, opts: { json?: boolean }) => {
    await pluginsUninstallReport(loadConfig(), { pluginId, json: opts.json });
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
  } else if (isDomainError(error)) {
    // A stable code, its zh-CN and en-US messages, then what happened (hosts, never passwords).
    const detail = error.message && error.message !== error.code ? `\n  ${error.message}` : '';
    process.stderr.write(
      `huiliu: ${error.code}: ${formatMessage(error.code, 'zh-CN', error.params)} / ${formatMessage(error.code, 'en-US', error.params)}${detail}\n`,
    );
  } else {
    const err = error as { code?: string; message?: string; stack?: string };
    process.stderr.write(`huiliu: ${err.code ? `${err.code}: ` : ''}${err.message ?? String(error)}\n`);
    if (process.env.HUILIU_TEST_DEBUG) process.stderr.write(`${err.stack}\n`);
  }
  process.exit(1);
});
