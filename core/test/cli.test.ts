import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { createMysqlDatabase, testEngines } from './support/engines.js';
import { Client, createTestApp } from './support/test-app.js';

const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli', 'main.js');

function run(args: string[], env: Record<string, string>, cwd: string) {
  const res = spawnSync(process.execPath, [cli, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HUILIU_LOG_LEVEL: 'warn', ...env },
    encoding: 'utf8',
  });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

it('is built (npm test builds before testing)', () => {
  expect(existsSync(cli)).toBe(true);
});

it('stops with a message naming the bad key', () => {
  const cwd = mkdtempSync(path.join(os.tmpdir(), 'huiliu-cli-'));
  const res = run(['migrate'], { HUILIU_PORT: 'seventy' }, cwd);
  expect(res.code).toBe(1);
  expect(res.stderr).toContain('HUILIU_PORT: must be a number');
});

it('refuses `huiliu worker` in embedded mode (DuckDB), saying why', () => {
  const cwd = mkdtempSync(path.join(os.tmpdir(), 'huiliu-cli-'));
  const res = run(['worker'], { HUILIU_DATA_DIR: path.join(cwd, 'data') }, cwd);
  expect(res.code).toBe(1);
  expect(res.stderr).toContain('huiliu worker runs only in scaled mode (StarRocks: set HUILIU_OLAP_URL)');
});

for (const engine of testEngines()) {
  it(`migrates and creates a tenant whose super staff can log in [${engine}]`, async () => {
    const cwd = mkdtempSync(path.join(os.tmpdir(), 'huiliu-cli-'));
    const database = engine === 'mariadb' ? await createMysqlDatabase() : undefined;
    const env: Record<string, string> = {
      HUILIU_DATA_DIR: path.join(cwd, 'data'),
      ...(database ? { HUILIU_OLTP_URL: database.url } : {}),
    };
    try {
      const migrated = run(['migrate'], env, cwd);
      expect(migrated.stderr).toBe('');
      expect(migrated.stdout).toMatch(/Applied \d+ migration\(s\).*0001_platform, 0002_channels, 0003_jobs/);
      expect(run(['migrate'], env, cwd).stdout).toMatch(/Up to date/);

      const created = run(
        ['admin', 'create', '--tenant', '命令行租户', '--email', 'cli@example.com', '--password', 'Cli-pass-123'],
        env,
        cwd,
      );
      expect(created.stderr).toBe('');
      expect(created.stdout).toMatch(/Created tenant \d+ "命令行租户" \(Asia\/Shanghai\) with super staff cli@example\.com/);
      const again = run(
        ['admin', 'create', '--tenant', 'x', '--email', 'CLI@example.com', '--password', 'Cli-pass-123'],
        env,
        cwd,
      );
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('This email is already in use');

      // 到期 (ADR 0036), set by the platform operator (invalid dates: test/home).
      const tenantId = /Created tenant (\d+)/.exec(created.stdout)![1]!;
      const expiry = run(['admin', 'expiry', '--tenant', tenantId, '--until', '2027-06-30'], env, cwd);
      expect(expiry.stderr).toBe('');
      expect(expiry.stdout).toContain(`Tenant ${tenantId} "命令行租户" expires after 2027-06-30`);

      // Per-tenant plugin enablement (ADR 0041): the installed first-party plugins, switched per tenant.
      const disabled = run(['admin', 'plugins', 'disable', 'jinshuju', '--tenant', tenantId, '--by', 'ops'], env, cwd);
      expect(disabled.stderr).toBe('');
      expect(disabled.stdout).toContain(`Disabled plugin jinshuju for tenant ${tenantId} "命令行租户"`);
      const listed = run(['admin', 'plugins', 'list', '--tenant', tenantId], env, cwd);
      expect(listed.stdout).toMatch(/jinshuju\s+\S+\s+disabled\s+\(switched off by ops at /);
      expect(listed.stdout).toMatch(/custom-channel\s+\S+\s+enabled\s+\(default\)/);
      // (Refusals and their messages: test/tenant-plugins.test.ts calls the command functions.)

      // Quotas of saved reports and dashboards (ADR 0053), set by platform operators.
      const quotas = run(['admin', 'quotas', tenantId, '--reports', '800', '--cards', '12', '--by', 'ops'], env, cwd);
      expect(quotas.stderr).toBe('');
      expect(quotas.stdout).toContain(`Set the quotas of tenant ${tenantId} "命令行租户"`);
      expect(quotas.stdout).toMatch(/saved reports\s+800\s+\(0 saved\)/);
      expect(quotas.stdout).toMatch(/dashboards\s+100 \(default\)/);
      const badQuota = run(['admin', 'quotas', tenantId, '--cards', 'many'], env, cwd);
      expect(badQuota.code).toBe(1);
      expect(badQuota.stderr).toContain('Give a whole number, or "default".');
      // (Ranges, resets and unknown tenants: test/dashboards/saved-reports.test.ts calls the command function.)

      // The same store, opened by an app, accepts the login.
      const app = await createTestApp('sqlite', {
        dataDir: path.join(cwd, 'data'),
        ...(database ? { oltpUrl: database.url } : {}),
      });
      try {
        expect(app.setupToken).toBeUndefined();
        const client = await Client.staff(app.server, 'cli@example.com', 'Cli-pass-123');
        const home = (await client.request('GET', '/api/v1/home')).body;
        expect(home.tenant).toMatchObject({ name: '命令行租户', expiresOn: '2027-06-30' });
        const quota = (await client.request('GET', '/api/v1/console/dashboards/quota')).body;
        expect(quota).toEqual({ dashboards: { used: 0, max: 100 }, cardsPerDashboard: 12 });
      } finally {
        await app.stop();
      }
    } finally {
      await database?.drop();
    }
  }, 300_000); // nine CLI processes, each migrating and loading modules
}
