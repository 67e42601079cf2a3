// The closing line of `npm test`, computed from Vitest's JSON report and the static checks (kept
// apart from scripts/test.mjs so core/test/ci.test.ts can check its rules).
import path from 'node:path';

export const ALL_ENGINES = ['sqlite', 'mariadb'];

/**
 * Counts the tests of a Vitest JSON report plus the static checks (one test each):
 * - a test skipped because its file failed without a failing test (a suite's setup failed:
 *   MariaDB unreachable, Chromium missing) counts as FAILED — it did not pass;
 * - a file that did not load counts as one failed test;
 * - the engines are those named `[sqlite]` / `[mariadb]` by a test that really ran, and e2e is
 *   "chromium" when a test under e2e/ ran.
 */
export function summarize(report, checks, { root, exitCode = 0 }) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const enginesRan = new Set();
  let e2eRan = false;
  const notRun = [];
  for (const file of report?.testResults ?? []) {
    const tests = file.assertionResults ?? [];
    const relative = path.relative(root, file.name);
    const setupFailed = file.status === 'failed' && !tests.some((t) => t.status === 'failed');
    if (setupFailed && tests.length === 0) {
      failed += 1;
      notRun.push(`${relative} (did not load)`);
    }
    for (const test of tests) {
      const ran = test.status === 'passed' || test.status === 'failed';
      if (test.status === 'passed') passed += 1;
      else if (test.status === 'failed') failed += 1;
      else if (file.status === 'failed') {
        failed += 1;
        notRun.push(`${relative} › ${test.fullName}`);
      } else skipped += 1;
      if (!ran) continue;
      for (const match of `${(test.ancestorTitles ?? []).join(' ')} ${test.title}`.matchAll(/\[(sqlite|mariadb)\]/g))
        enginesRan.add(match[1]);
      if (relative.split(path.sep)[0] === 'e2e') e2eRan = true;
    }
  }
  if (exitCode !== 0 && failed === 0) failed = 1; // Vitest itself failed (crash, no report)
  const failedChecks = checks.filter((c) => !c.ok);
  passed += checks.length - failedChecks.length;
  failed += failedChecks.length;
  const engines = ALL_ENGINES.filter((e) => enginesRan.has(e));
  const details = [
    `engines: ${engines.join(', ') || 'none'}`,
    `e2e: ${e2eRan ? 'chromium' : 'none'}`,
    `checks: ${checks.length - failedChecks.length}/${checks.length}`,
  ];
  return {
    passed,
    failed,
    skipped,
    engines,
    e2e: e2eRan,
    notRun,
    failedChecks: failedChecks.map((c) => c.name),
    line: `${passed} passed, ${failed} failed, ${skipped} skipped (${details.join('; ')})`,
  };
}
