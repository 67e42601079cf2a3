import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe } from 'vitest';
import { createApp, type CreateAppOptions, type HuiliuApp } from '../../src/app.js';
import { loadConfig, type HuiliuConfig } from '../../src/config/config.js';
import { createMysqlDatabase, startIsolatedApp } from '../../src/testing.js';
import { testEngines, type Engine } from './engines.js';

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
  options: {
    plugins?: CreateAppOptions['plugins'];
    /** Config of the suite's app, made when the app is (e.g. pointing at a server the suite starts first). */
    overrides?: () => Partial<HuiliuConfig> | Promise<Partial<HuiliuConfig>>;
  } = {},
): void {
  for (const engine of testEngines()) {
    describe(`${name} [${engine}]`, () => {
      let app: TestApp | undefined;
      beforeAll(async () => {
        app = await createTestApp(engine, (await options.overrides?.()) ?? {}, { plugins: options.plugins });
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

export { Client, createTenant, Multipart, multipart, type InjectResult, type TenantFixture } from '../../src/testing.js';

/**
 * One store (a temp data dir, and on MariaDB a fresh database) that several apps open one after
 * the other — to test what happens on the next start. `open()` builds an app on it (not
 * listening); `drop()` removes the store.
 */
export async function createTestStore(engine: Engine): Promise<{
  dataDir: string;
  oltpUrl: string | undefined;
  open(options?: { plugins?: CreateAppOptions['plugins']; overrides?: Partial<HuiliuConfig> }): Promise<HuiliuApp>;
  drop(): Promise<void>;
}> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'huiliu-store-'));
  const database = engine === 'mariadb' ? await createMysqlDatabase() : undefined;
  return {
    dataDir,
    oltpUrl: database?.url,
    open: (options = {}) =>
      createApp(
        loadConfig({
          env: {},
          overrides: {
            dataDir,
            port: 0,
            host: '127.0.0.1',
            logLevel: 'silent',
            loadPluginPackages: false,
            ...(database ? { oltpUrl: database.url } : {}),
            ...options.overrides,
          },
        }),
        { logger: pino({ level: 'silent' }), strictResponses: true, plugins: options.plugins },
      ),
    async drop() {
      await database?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
