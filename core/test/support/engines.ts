export { createMysqlDatabase } from '../../src/testing.js';

export type Engine = 'sqlite' | 'mariadb';

/**
 * The OLTP engines every store-touching test runs on: SQLite and MariaDB. MariaDB is required
 * (CI starts it); `HUILIU_TEST_ENGINES=sqlite` narrows a local run on purpose.
 */
export function testEngines(): Engine[] {
  const wanted = (process.env.HUILIU_TEST_ENGINES ?? 'sqlite,mariadb').split(',').map((s) => s.trim());
  return (['sqlite', 'mariadb'] as const).filter((engine) => wanted.includes(engine));
}

/** The engine name `@huiliu/core/testing` (startTestKernel, expectPluginContract) uses for it. */
export function kernelEngine(engine: Engine): 'sqlite' | 'mysql' {
  return engine === 'mariadb' ? 'mysql' : 'sqlite';
}
