// `npm test`: install if needed, build, check types (sources, tests, console), lint and formatting,
// then run every test (Vitest: unit, integration on SQLite and MariaDB, and the browser e2e), and
// print one closing line:
//
//   281 passed, 0 failed, 0 skipped (engines: sqlite, mariadb; e2e: chromium; checks: 6/6)
//
// Each static check counts as one test (passed or failed). A test that did not run because its
// suite's setup failed (MariaDB unreachable, Chromium missing) counts as failed, never as skipped.
// `npm test -- <files>` narrows the Vitest run and skips the static checks. Under CI (CI=true)
// narrowing the OLTP engines with HUILIU_TEST_ENGINES is refused.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { URL } from 'node:url';
import { ensureBuilt, ensureInstalled, root, run } from './ensure.mjs';
import { ALL_ENGINES, summarize } from './test-summary.mjs';

const ci = !['', '0', 'false'].includes((process.env.CI ?? '').trim().toLowerCase());
const narrowedFiles = process.argv.slice(2).filter((arg) => !arg.startsWith('-')).length > 0;
const bin = (pkg, ...file) => path.join(root, 'node_modules', pkg, ...file);

function loud(lines) {
  const bar = '!'.repeat(100);
  process.stdout.write(`\n${bar}\n${lines.map((line) => `!! ${line}`).join('\n')}\n${bar}\n\n`);
}

/** @type {{ name: string, ok: boolean }[]} */
const checks = [];

// --- engines ---------------------------------------------------------------------------------------
const enginesSetting = (process.env.HUILIU_TEST_ENGINES ?? '').trim();
const wantedEngines = enginesSetting ? enginesSetting.split(',').map((s) => s.trim()) : ALL_ENGINES;
if (enginesSetting && ALL_ENGINES.some((engine) => !wantedEngines.includes(engine))) {
  if (ci) {
    loud([
      `HUILIU_TEST_ENGINES=${enginesSetting} is refused under CI: every OLTP test runs on ${ALL_ENGINES.join(' and ')}.`,
      'Unset it. (The test helpers refuse it too, so the narrowed suites fail.)',
    ]);
    checks.push({ name: 'all OLTP engines', ok: false });
  } else {
    loud([
      `HUILIU_TEST_ENGINES=${enginesSetting}: this run does NOT cover ${ALL_ENGINES.filter((e) => !wantedEngines.includes(e)).join(', ')}.`,
      'Fine for a local run; CI runs every engine.',
    ]);
  }
}

await ensureInstalled();

/** MariaDB must answer before the suites start: unreachable, its tests fail (they are never skipped). */
async function mariadbReachable() {
  const url = new URL(process.env.HUILIU_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306');
  const { default: mysql } = await import('mysql2/promise');
  try {
    const connection = await mysql.createConnection({
      host: url.hostname,
      port: Number(url.port || 3306),
      user: decodeURIComponent(url.username || 'root'),
      password: decodeURIComponent(url.password),
      connectTimeout: 5_000,
    });
    await connection.end();
    return true;
  } catch (error) {
    loud([
      `MariaDB is not reachable at ${url.host} (${error.code ?? error.message}).`,
      'Every MariaDB test will fail. Start it (.ci/run does), or narrow a local run with HUILIU_TEST_ENGINES=sqlite.',
    ]);
    return false;
  }
}
if (wantedEngines.includes('mariadb')) checks.push({ name: 'MariaDB reachable', ok: await mariadbReachable() });

// --- build and static checks ---------------------------------------------------------------------
checks.push(...ensureBuilt({ exitOnFailure: false }));
if (narrowedFiles) {
  loud(['A narrowed run (test files given): type checks, lint and format checks are skipped.']);
} else {
  const tsc = bin('typescript', 'bin', 'tsc');
  const steps = [
    ['typecheck', tsc, ['-p', 'tsconfig.json', '--noEmit'], 'Type-checking sources and tests (tsc -p tsconfig.json)'],
    ['console typecheck', tsc, ['-p', 'console/tsconfig.json', '--noEmit'], 'Type-checking the console (tsc -p console)'],
    ['lint', bin('eslint', 'bin', 'eslint.js'), ['.'], 'Linting (eslint .)'],
    ['format', bin('prettier', 'bin', 'prettier.cjs'), ['--check', '.'], 'Checking formatting (prettier --check .)'],
  ];
  for (const [name, script, args, label] of steps) {
    checks.push({ name, ok: run(process.execPath, [script, ...args], label, { exitOnFailure: false }) });
  }
}

// --- tests ---------------------------------------------------------------------------------------
const resultsDir = path.join(root, 'test-results');
const report = path.join(resultsDir, 'vitest.json');
mkdirSync(resultsDir, { recursive: true });
rmSync(report, { force: true });

// Every test app logs in full to test-results/logs; afterwards no line may hold a credential.
const logDir = path.join(resultsDir, 'logs');
rmSync(logDir, { recursive: true, force: true });
mkdirSync(logDir, { recursive: true });

const res = spawnSync(
  process.execPath,
  [
    bin('vitest', 'vitest.mjs'),
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${report}`,
    ...process.argv.slice(2),
  ],
  { cwd: root, stdio: 'inherit', env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', HUILIU_TEST_LOG_DIR: logDir } },
);

/** Credentials as they would appear in a JSON log line: a header by name, the session cookie, a bearer token. */
const CREDENTIAL = /"(authorization|cookie|set-cookie|x-csrf-token)"\s*:|huiliu_sid=|Bearer [A-Za-z0-9._~+/-]{16,}/i;
{
  const files = existsSync(logDir) ? readdirSync(logDir).filter((name) => name.endsWith('.log')) : [];
  let lines = 0;
  const leaks = [];
  for (const name of files) {
    const text = readFileSync(path.join(logDir, name), 'utf8');
    for (const [index, line] of text.split('\n').entries()) {
      if (!line) continue;
      lines += 1;
      const match = CREDENTIAL.exec(line);
      if (match) leaks.push(`${name}:${index + 1}: ${match[0].slice(0, 20)}…`);
    }
  }
  process.stdout.write(
    `\nTest logs: ${lines} lines in ${files.length} files under test-results/logs, ${leaks.length} with a credential\n`,
  );
  for (const leak of leaks.slice(0, 20)) process.stdout.write(`  ✗ ${leak}\n`);
  if (!narrowedFiles) checks.push({ name: 'no credentials in test logs', ok: leaks.length === 0 && lines > 0 });
}

const summary = summarize(existsSync(report) ? JSON.parse(readFileSync(report, 'utf8')) : undefined, checks, {
  root,
  exitCode: res.status ?? 1,
});
const { notRun, failedChecks } = summary;

if (notRun.length) {
  process.stdout.write(`\nTests that did not run because their suite's setup failed (counted as failed):\n`);
  for (const line of notRun.slice(0, 20)) process.stdout.write(`  ✗ ${line}\n`);
  if (notRun.length > 20) process.stdout.write(`  … and ${notRun.length - 20} more\n`);
}
process.stdout.write(`\nChecks: ${checks.map((c) => `${c.ok ? '✓' : '✗'} ${c.name}`).join('  ')}\n`);
if (failedChecks.length) process.stdout.write(`Failed checks (their output is above): ${failedChecks.join(', ')}\n`);

writeFileSync(path.join(resultsDir, 'summary.txt'), `${summary.line}\n`);
process.stdout.write(`\n${summary.line}\n`);
process.exit(summary.failed > 0 ? 1 : 0);
