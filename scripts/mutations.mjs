// The mutation check: proves that each rule's tests still fail when the rule is broken. For every
// entry of scripts/mutations.list.mjs (the format is documented there) it replaces `find` by
// `replace` in the source file, runs only the tests named for it, and puts the file back. A
// mutation whose tests still pass "survived": the check fails. So does a stale entry (its `find`
// no longer occurs exactly once) — the rule moved and its entry must move with it.
//
//   node scripts/mutations.mjs [--only <text>] [--no-baseline] [--engines sqlite|sqlite,mariadb] [--verbose]
//                              [--budget <seconds>]
//
// --verbose     print each mutated run's test output (to see which assertion caught it)
// --only        run only the entries whose rule contains <text>
// --no-baseline skip the first run of all named tests on the unmutated code (.ci/run passes it
//               when `npm test` has just passed; on its own the baseline guards against "caught"
//               mutations whose tests were failing anyway)
// --budget      start no mutated run after <seconds> (.ci/run passes what is left of its time, ADR
//               0051). Every entry is still checked for staleness. Entries whose source or tests
//               changed in the last 30 commits run first, the others in an order rotated by the
//               commit, so consecutive CI runs cover different ones; those not run are listed.
// --engines     OLTP engines for the mutated runs. Default: sqlite only. Each mutation breaks
//               engine-independent code (a missing filter fails the same way on both), and the
//               whole suite has already run on both engines in `npm test`; one engine keeps the
//               check at about a minute. This is the only place where HUILIU_TEST_ENGINES may
//               narrow a run under CI=true (HUILIU_MUTATIONS=1 tells the test helpers why).
//
// The file is changed in place (Vitest runs the TypeScript sources) and always restored from the
// bytes read before the change, also on Ctrl-C or SIGTERM. If this process is killed with SIGKILL
// mid-run, `git checkout -- <file>` restores the file it names as "mutating".
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const vitest = path.join(root, 'node_modules', 'vitest', 'vitest.mjs');
const resultsDir = path.join(root, 'test-results');

function argument(name) {
  const index = process.argv.indexOf(name);
  return index === -1 ? undefined : process.argv[index + 1];
}
const only = argument('--only');
const engines = argument('--engines') ?? 'sqlite';
const baseline = !process.argv.includes('--no-baseline');
const verbose = process.argv.includes('--verbose');
const budgetArgument = argument('--budget');
const budget = budgetArgument === undefined ? undefined : Number(budgetArgument);
if (budget !== undefined && !(budget >= 0)) {
  process.stderr.write(`--budget must be a number of seconds, not ${JSON.stringify(budgetArgument)}\n`);
  process.exit(1);
}

const { default: mutations } = await import(path.join(root, 'scripts', 'mutations.list.mjs'));
const selected = mutations.filter((m) => !only || m.rule.includes(only));

function git(...args) {
  const result = spawnSync('git', args, { cwd: root, encoding: 'utf8' });
  return result.status === 0 ? result.stdout : undefined;
}

/**
 * The run order under a budget: entries touching a file changed in the last 30 commits first (the
 * rules most likely broken now), then the rest rotated by an offset taken from the commit, so runs
 * on successive commits start at different entries and together cover them all.
 */
function budgetOrder(entries) {
  const changed = new Set((git('log', '-n', '30', '--format=', '--name-only') ?? '').split('\n').filter(Boolean));
  const touches = (entry) => changed.has(entry.file) || entry.tests.some((test) => changed.has(test));
  const recent = entries.filter(touches);
  const rest = entries.filter((entry) => !touches(entry));
  const seed = (git('rev-parse', 'HEAD') ?? new Date().toISOString().slice(0, 10)).trim();
  const offset = rest.length ? createHash('sha256').update(seed).digest().readUInt32BE(0) % rest.length : 0;
  return [...recent, ...rest.slice(offset), ...rest.slice(0, offset)];
}

/** The file currently mutated and its original bytes, restored on any exit. */
let pending;
let child;
function restore() {
  if (!pending) return;
  writeFileSync(pending.file, pending.original);
  pending = undefined;
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    child?.kill('SIGTERM');
    restore();
    process.stderr.write(`\nmutation check interrupted (${signal}); the source is restored\n`);
    process.exit(130);
  });
}
process.on('exit', restore);

function check(entry) {
  const problems = [];
  for (const key of ['rule', 'file', 'find', 'replace']) if (typeof entry[key] !== 'string') problems.push(`"${key}" missing`);
  if (!Array.isArray(entry.tests) || entry.tests.length === 0) problems.push('"tests" must list at least one test file');
  else for (const test of entry.tests) if (!existsSync(path.join(root, test))) problems.push(`test file ${test} does not exist`);
  if (typeof entry.file === 'string' && !existsSync(path.join(root, entry.file))) problems.push(`${entry.file} does not exist`);
  if (entry.engines !== undefined && !['sqlite', 'mariadb', 'sqlite,mariadb'].includes(entry.engines))
    problems.push('"engines" must be sqlite, mariadb or sqlite,mariadb');
  return problems;
}

/** Runs Vitest on `tests`; resolves to { passed, failed, loadFailed } from its JSON report. */
function runTests(tests, testNamePattern, runEngines = engines) {
  mkdirSync(resultsDir, { recursive: true });
  const report = path.join(resultsDir, 'mutation-vitest.json');
  rmSync(report, { force: true });
  const args = [vitest, 'run', '--reporter=dot', '--reporter=json', `--outputFile.json=${report}`, ...tests];
  if (testNamePattern) args.push('-t', testNamePattern);
  return new Promise((resolve) => {
    let output = '';
    child = spawn(process.execPath, args, {
      cwd: root,
      env: { ...process.env, HUILIU_TEST_ENGINES: runEngines, HUILIU_MUTATIONS: '1', NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (code) => {
      child = undefined;
      let passed = 0;
      let failed = 0;
      let loadFailed = 0;
      if (existsSync(report)) {
        const json = JSON.parse(readFileSync(report, 'utf8'));
        passed = json.numPassedTests ?? 0;
        failed = json.numFailedTests ?? 0;
        for (const file of json.testResults ?? []) {
          if (file.status === 'failed' && !(file.assertionResults ?? []).some((a) => a.status === 'failed')) loadFailed += 1;
        }
      } else if (code !== 0) loadFailed = 1;
      resolve({ code, passed, failed, loadFailed, output });
    });
  });
}

const started = Date.now();
const invalid = selected.flatMap((entry, i) => check(entry).map((p) => `entry #${i + 1} (${entry.rule ?? '?'}): ${p}`));
if (invalid.length) {
  process.stderr.write(`scripts/mutations.list.mjs is invalid:\n  ${invalid.join('\n  ')}\n`);
  process.exit(1);
}
if (selected.length === 0) {
  process.stderr.write(`no mutation matches --only ${JSON.stringify(only)}\n`);
  process.exit(1);
}

process.stdout.write(
  `Mutation check: ${selected.length} mutation(s), tests on ${engines}${budget === undefined ? '' : `, within ${budget}s`}\n`,
);
if (baseline) {
  const tests = [...new Set(selected.flatMap((m) => m.tests))];
  process.stdout.write(`  baseline: ${tests.join(' ')} on the unmutated code… `);
  const result = await runTests(tests);
  if (result.code !== 0 || result.failed > 0 || result.loadFailed > 0 || result.passed === 0) {
    process.stdout.write(`FAILED\n${result.output}\nThe tests fail without any mutation: fix them first.\n`);
    process.exit(1);
  }
  process.stdout.write(`${result.passed} passed\n`);
}

let caught = 0;
const failures = [];
const notRun = [];
// Staleness costs nothing to check: every entry, also those the budget leaves out.
const runnable = [];
for (const entry of selected) {
  const occurrences = readFileSync(path.join(root, entry.file), 'utf8').split(entry.find).length - 1;
  if (occurrences === 1) runnable.push(entry);
  else {
    failures.push(entry.rule);
    process.stdout.write(
      `  ✗ STALE     ${entry.rule}\n              "find" occurs ${occurrences} times in ${entry.file} (must be exactly once): update the entry\n`,
    );
  }
}
const mutationsStarted = Date.now();
for (const entry of budget === undefined ? runnable : budgetOrder(runnable)) {
  if (budget !== undefined && (Date.now() - mutationsStarted) / 1000 >= budget) {
    notRun.push(entry.rule);
    continue;
  }
  const file = path.join(root, entry.file);
  const original = readFileSync(file, 'utf8');
  if (process.stdout.isTTY) process.stdout.write(`  … mutating  ${entry.file}`);
  pending = { file, original };
  writeFileSync(
    file,
    original.replace(entry.find, () => entry.replace),
  );
  let result;
  try {
    result = await runTests(entry.tests, entry.testNamePattern, entry.engines ?? engines);
  } finally {
    restore();
  }
  if (process.stdout.isTTY) process.stdout.write('\r\x1b[2K');
  if (verbose) process.stdout.write(result.output);
  const label = `${entry.tests.join(' ')}${entry.testNamePattern ? ` -t "${entry.testNamePattern}"` : ''}`;
  if (result.failed > 0) {
    caught += 1;
    process.stdout.write(`  ✓ caught    ${entry.rule}  (${result.failed} failed: ${label})\n`);
  } else if (result.loadFailed > 0 || result.code !== 0) {
    // The tests did not pass, but not because an assertion failed: the mutation broke loading.
    caught += 1;
    process.stdout.write(`  ✓ caught    ${entry.rule}  (the tests did not load: ${label}; prefer a mutation that loads)\n`);
  } else if (result.passed === 0) {
    failures.push(entry.rule);
    process.stdout.write(`  ✗ NO TESTS  ${entry.rule}  (no test ran: ${label})\n`);
  } else {
    failures.push(entry.rule);
    process.stdout.write(`  ✗ SURVIVED  ${entry.rule}  (${result.passed} passed: ${label})\n`);
  }
}

const seconds = Math.round((Date.now() - started) / 1000);
if (notRun.length) {
  process.stdout.write(
    `Not run within the budget of ${budget}s (${notRun.length}; runs on other commits start elsewhere in the list; ` +
      `\`node scripts/mutations.mjs\` runs them all):\n  - ${notRun.join('\n  - ')}\n`,
  );
}
process.stdout.write(
  `mutations: ${caught}/${selected.length - notRun.length} caught in ${seconds}s${notRun.length ? ` (${notRun.length} not run: budget)` : ''}\n`,
);
if (failures.length) {
  process.stdout.write(`Mutations not caught (survived, no tests, or stale entries):\n  - ${failures.join('\n  - ')}\n`);
  process.exit(1);
}
