import { afterAll, beforeAll, describe } from 'vitest';
import type { CreateAppOptions, HuiliuApp } from '../../src/app.js';
import type { HuiliuConfig } from '../../src/config/config.js';
import { testEngines, type Engine } from './engines.js';
import { startIsolatedApp } from '../../src/testing.js';

export interface TestApp extends HuiliuApp {
  engine: Engine;
  dataDir: string;
  close(): Promise<void>;
}

/** A real Huiliu instance on a fresh store (temp SQLite file or a fresh MariaDB database). */
export async function createTestApp(
  engine: Engine,
  overrides: Partial<HuiliuConfig> = {},
  options: { plugins?: CreateAppOptions['plugins'] } = {},
): Promise<TestApp> {
  const { app, close } = await startIsolatedApp({
    engine: engine === 'mariadb' ? 'mysql' : 'sqlite',
    overrides,
    plugins: options.plugins,
  });
  return Object.assign(app, { engine, dataDir: app.config.dataDir, close });
}

/**
 * Runs a suite once per OLTP engine with its own app: `describeEngines('apps', (ctx) => …)`.
 * `ctx.app` is ready inside tests.
 */
export function describeEngines(
  name: string,
  suite: (ctx: { readonly app: TestApp; readonly engine: Engine }) => void,
  options: { plugins?: CreateAppOptions['plugins'] } = {},
): void {
  for (const engine of testEngines()) {
    describe(`${name} [${engine}]`, () => {
      let app: TestApp | undefined;
      beforeAll(async () => {
        app = await createTestApp(engine, {}, options);
      });
      afterAll(async () => {
        await app?.close();
      });
      suite({
        get app() {
          if (!app) throw new Error('test app not ready');
          return app;
        },
        engine,
      });
    });
  }
}

export { Client, createTenant, type InjectResult, type TenantFixture } from '../../src/testing.js';
