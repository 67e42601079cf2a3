export { createMysqlDatabase } from '../../src/testing.js';

export type Engine = 'sqlite' | 'mariadb';

const ENGINES: readonly Engine[] = ['sqlite', 'mariadb'];

/** True when running in CI (`CI=true`, as CI services set it). */
export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = (env.CI ?? '').trim().toLowerCase();
  return value !== '' && value !== '0' && value !== 'false';
}

/**
 * The OLTP engines every store-touching test runs on: SQLite and MariaDB. MariaDB is required
 * (CI starts it; when it is unreachable its suites fail, they are never skipped).
 * `HUILIU_TEST_ENGINES=sqlite` narrows a local run on purpose; under CI it is refused, except for
 * the mutation check (scripts/mutations.mjs sets HUILIU_MUTATIONS=1 after the full suite ran on both).
 */
export function testEngines(env: NodeJS.ProcessEnv = process.env): Engine[] {
  const raw = (env.HUILIU_TEST_ENGINES ?? '').trim();
  if (raw === '') return [...ENGINES];
  const wanted = raw.split(',').map((s) => s.trim());
  const unknown = wanted.filter((name) => !(ENGINES as readonly string[]).includes(name));
  if (unknown.length)
    throw new Error(
      `HUILIU_TEST_ENGINES=${raw}: unknown engine ${unknown.map((u) => `"${u}"`).join(', ')} (use sqlite, mariadb)`,
    );
  const engines = ENGINES.filter((engine) => wanted.includes(engine));
  if (isCi(env) && engines.length < ENGINES.length && env.HUILIU_MUTATIONS !== '1') {
    throw new Error(`HUILIU_TEST_ENGINES=${raw} is refused under CI: every OLTP test runs on ${ENGINES.join(' and ')}`);
  }
  return engines;
}

/** The engine name `@huiliu/core/testing` (startTestKernel, expectPluginContract) uses for it. */
export function kernelEngine(engine: Engine): 'sqlite' | 'mysql' {
  return engine === 'mariadb' ? 'mysql' : 'sqlite';
}
