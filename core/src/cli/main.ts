#!/usr/bin/env node
import { Command } from 'commander';
import { ConfigError, loadConfig } from '../config/config.js';
import { coreVersion } from '../version.js';
import { adminCreate, demo, migrate, start, worker } from './commands.js';

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

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    const err = error as { code?: string; message?: string; stack?: string };
    process.stderr.write(`huiliu: ${err.code ? `${err.code}: ` : ''}${err.message ?? String(error)}\n`);
    if (process.env.HUILIU_TEST_DEBUG) process.stderr.write(`${err.stack}\n`);
  }
  process.exit(1);
});
