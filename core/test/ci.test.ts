import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { summarize, type VitestJsonReport } from '../../scripts/test-summary.mjs';
import { testEngines } from './support/engines.js';

describe('the OLTP engines of a test run', () => {
  it('are both by default, in CI or not', () => {
    expect(testEngines({})).toEqual(['sqlite', 'mariadb']);
    expect(testEngines({ CI: 'true' })).toEqual(['sqlite', 'mariadb']);
  });

  it('may be narrowed by HUILIU_TEST_ENGINES on a local run', () => {
    expect(testEngines({ HUILIU_TEST_ENGINES: 'sqlite' })).toEqual(['sqlite']);
    expect(testEngines({ HUILIU_TEST_ENGINES: 'sqlite', CI: 'false' })).toEqual(['sqlite']);
  });

  it('may not be narrowed under CI, except by the mutation check', () => {
    expect(() => testEngines({ HUILIU_TEST_ENGINES: 'sqlite', CI: 'true' })).toThrow(
      'HUILIU_TEST_ENGINES=sqlite is refused under CI',
    );
    expect(() => testEngines({ HUILIU_TEST_ENGINES: 'mariadb', CI: '1' })).toThrow(/refused under CI/);
    expect(testEngines({ HUILIU_TEST_ENGINES: 'sqlite', CI: 'true', HUILIU_MUTATIONS: '1' })).toEqual(['sqlite']);
  });

  it('refuses an unknown engine name instead of running nothing', () => {
    expect(() => testEngines({ HUILIU_TEST_ENGINES: 'mysql' })).toThrow('unknown engine "mysql"');
  });
});

describe('the closing line of npm test', () => {
  const root = '/repo';
  const test = (title: string, status: string, ancestor = 'suite') => ({
    title,
    status,
    fullName: `${ancestor} ${title}`,
    ancestorTitles: [ancestor],
  });
  const file = (name: string, status: string, tests: ReturnType<typeof test>[]) => ({
    name: path.join(root, name),
    status,
    assertionResults: tests,
  });

  it('counts passed, failed and skipped tests, the checks, and names the engines and e2e that ran', () => {
    const report: VitestJsonReport = {
      testResults: [
        file('core/test/a.test.ts', 'passed', [
          test('reads', 'passed', 'apps [sqlite]'),
          test('writes', 'passed', 'apps [mariadb]'),
          test('later', 'skipped', 'apps [sqlite]'),
        ]),
        file('e2e/plugins.e2e.test.ts', 'failed', [test('lists plugins', 'failed')]),
      ],
    };
    const summary = summarize(report, [{ name: 'lint', ok: true }], { root, exitCode: 1 });
    expect(summary.line).toBe('3 passed, 1 failed, 1 skipped (engines: sqlite, mariadb; e2e: chromium; checks: 1/1)');
  });

  it('counts tests skipped because their suite’s setup failed (MariaDB unreachable) as failed', () => {
    const report: VitestJsonReport = {
      testResults: [
        file('core/test/tenant.test.ts', 'failed', [
          test('renames', 'passed', 'tenant [sqlite]'),
          test('renames', 'skipped', 'tenant [mariadb]'),
          test('locks the zone', 'skipped', 'tenant [mariadb]'),
        ]),
      ],
    };
    const summary = summarize(report, [{ name: 'MariaDB reachable', ok: false }], { root, exitCode: 1 });
    expect(summary.line).toBe('1 passed, 3 failed, 0 skipped (engines: sqlite; e2e: none; checks: 0/1)');
    expect(summary.notRun).toEqual([
      'core/test/tenant.test.ts › tenant [mariadb] renames',
      'core/test/tenant.test.ts › tenant [mariadb] locks the zone',
    ]);
  });

  it('counts a test file that did not load, and a crashed run without a report, as failed', () => {
    const report: VitestJsonReport = { testResults: [file('core/test/broken.test.ts', 'failed', [])] };
    expect(summarize(report, [], { root, exitCode: 1 }).line).toBe(
      '0 passed, 1 failed, 0 skipped (engines: none; e2e: none; checks: 0/0)',
    );
    expect(summarize(undefined, [], { root, exitCode: 1 }).failed).toBe(1);
  });
});

describe('the mutation check under a time budget (ADR 0051)', () => {
  const script = fileURLToPath(new URL('../../scripts/mutations.mjs', import.meta.url));
  const run = (...args: string[]) => spawnSync(process.execPath, [script, ...args], { encoding: 'utf8', timeout: 60_000 });

  it('starts no mutated run once the budget is spent, lists what it left, and does not fail for it', () => {
    const result = run('--only', 'TenantDb.from() filters every query', '--no-baseline', '--budget', '0');
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('within 0s');
    expect(result.stdout).toContain('Not run within the budget of 0s (1;');
    expect(result.stdout).toContain('- TenantDb.from() filters every query by its tenant');
    expect(result.stdout).toMatch(/mutations: 0\/0 caught in \d+s \(1 not run: budget\)/);
  });

  it('refuses a budget that is not a number of seconds', () => {
    const result = run('--only', 'TenantDb.from()', '--budget', 'soon');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('--budget must be a number of seconds');
  });
});
