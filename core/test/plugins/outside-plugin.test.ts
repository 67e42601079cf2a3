import { spawn } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../support/engines.js';

/**
 * The proof of issue 19's distribution (ADR 0043): the example connector docs/plugins/examples/
 * acme-shop is built, tested and installed the way an author and an operator outside this
 * repository would, in fresh directories under the OS temp dir (no node_modules of the repository
 * above them):
 *
 * 1. `npm run pack:plugin-kit` packs @huiliu/core (its dist must be built: `npm test` builds first);
 * 2. the author's package: the example's files copied, `npm install --save-dev <core tarball>`
 *    with its own TypeScript, Vitest and Node types, its own `tsc` type-checks sources and tests
 *    against the installed declarations (skipLibCheck off), its own `vitest run` passes (contract,
 *    settings and 测试连接, signed webhook → contact, timeline and OLAP, backfill, trigger, action,
 *    tenant enablement, through `@huiliu/core/testing` only), `npm pack` builds and packs it;
 * 3. a Huiliu deployment: `npm install <core tarball> <example tarball>` and a script that boots
 *    Huiliu with the one config line `plugins: { 'acme-shop': { package: 'huiliu-plugin-acme-shop' } }`
 *    — the real package loader, resolving from the working directory — lists the plugin, creates a
 *    shop channel with its settings, receives a signed webhook whose order shows on the customer's
 *    timeline and in OLAP (issue 19's "Done when"), and runs the nightly backfill against a local
 *    stand-in of the shop's API.
 *
 * Installs use `--prefer-offline --no-audit --no-fund` (the npm cache is warm after `npm ci`) and
 * `--ignore-scripts`: the only install script among core's dependencies is better-sqlite3's native
 * build, which takes a minute or more here. Its addon of the same version, compiled on this machine
 * by the repository's install, is copied in instead (`npm rebuild better-sqlite3` when the versions
 * differ). Everything else installed is exactly what npm resolves for the tarballs.
 *
 * This file lives under core/test, so `npm test` (Vitest, `core/**\/*.test.ts`) runs it exactly once;
 * the example's own test (docs/ is not in Vitest's include) runs only here, in the author's package.
 */
const root = path.resolve(import.meta.dirname, '../../..');
const exampleDir = path.join(root, 'docs/plugins/examples/acme-shop');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const npmFlags = ['--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'];

/** The environment of the child processes: the test-run settings without this Vitest's own. */
const childEnv: NodeJS.ProcessEnv = {
  ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST') && key !== 'NODE_OPTIONS')),
  HUILIU_TEST_ENGINES: testEngines().join(','),
  NO_COLOR: '1',
  FORCE_COLOR: '0',
};

const timings: Record<string, number> = {};

/**
 * Runs a command, timed under `label`; throws with the end of its output when it fails. Asynchronous,
 * so the Vitest worker's event loop stays free while npm and the nested test run work.
 */
async function run(label: string, command: string, args: string[], cwd: string): Promise<string> {
  const started = Date.now();
  const child = spawn(command, args, { cwd, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const code = await new Promise<number | string>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status, signal) => resolve(status ?? signal ?? 'unknown'));
  });
  timings[label] = Date.now() - started;
  if (code !== 0) {
    const output = `${stdout}\n${stderr}`.trim().split('\n').slice(-60).join('\n');
    throw new Error(`${label}: ${command} ${args.join(' ')} failed (exit ${code}) in ${cwd}\n${output}`);
  }
  return stdout;
}

/** better-sqlite3's addon for a `--ignore-scripts` install (see the file comment). Returns how it was provided. */
async function provideSqliteAddon(projectDir: string): Promise<'copied' | 'rebuilt'> {
  const binary = path.join('build', 'Release', 'better_sqlite3.node');
  const installed = path.join(projectDir, 'node_modules', 'better-sqlite3');
  const ours = path.join(root, 'node_modules', 'better-sqlite3');
  const version = (dir: string) =>
    (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  if (version(installed) === version(ours) && existsSync(path.join(ours, binary))) {
    mkdirSync(path.dirname(path.join(installed, binary)), { recursive: true });
    copyFileSync(path.join(ours, binary), path.join(installed, binary));
    return 'copied';
  }
  await run(`rebuild better-sqlite3 in ${path.basename(projectDir)}`, npm, ['rebuild', 'better-sqlite3'], projectDir);
  return 'rebuilt';
}

describe('an outside plugin package', () => {
  let work: string;
  let coreTarball: string;
  const author = () => path.join(work, 'acme-shop');
  const deployment = () => path.join(work, 'deployment');

  beforeAll(async () => {
    work = mkdtempSync(path.join(os.tmpdir(), 'huiliu-outside-'));
    const packed = await run(
      'pack @huiliu/core',
      process.execPath,
      [path.join(root, 'scripts/pack-plugin-kit.mjs'), '--dest', work, '--no-build'],
      root,
    );
    coreTarball = path.resolve(root, packed.trim().split('\n').pop()!);
    expect(path.basename(coreTarball)).toBe('huiliu-core-0.1.0.tgz');
  }, 120_000);

  afterAll(() => {
    process.stdout.write(
      `outside-plugin timings (ms): ${Object.entries(timings)
        .map(([label, ms]) => `${label}=${ms}`)
        .join(', ')}\n`,
    );
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('installs the packed @huiliu/core in the author’s package, type-checks with its own tsc and passes its own tests', async () => {
    cpSync(exampleDir, author(), {
      recursive: true,
      filter: (source) => !/(^|[\\/])(node_modules|dist)([\\/]|$)/.test(path.relative(exampleDir, source)),
    });
    await run('author: npm install', npm, ['install', '--save-dev', coreTarball, ...npmFlags], author());
    const manifest = JSON.parse(readFileSync(path.join(author(), 'package.json'), 'utf8')) as {
      devDependencies: Record<string, string>;
    };
    expect(manifest.devDependencies['@huiliu/core']).toMatch(/^file:.*huiliu-core-0\.1\.0\.tgz$/);
    // What the example imports resolves inside its own node_modules, not in this repository.
    expect(existsSync(path.join(author(), 'node_modules/@huiliu/core/dist/testing.d.ts'))).toBe(true);
    await provideSqliteAddon(author());
    await run('author: tsc', path.join(author(), 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], author());
    const tests = await run(
      'author: vitest run',
      path.join(author(), 'node_modules/.bin/vitest'),
      ['run', '--reporter=verbose'],
      author(),
    );
    expect(tests).toMatch(/Tests\s+\d+ passed/);
    expect(tests).not.toMatch(/failed|skipped/);
    // Its behaviour tests ran on every engine of this run.
    for (const engine of testEngines()) expect(tests).toContain(`acme-shop on ${engine === 'mariadb' ? 'mysql' : 'sqlite'}`);
  }, 600_000);

  it('packs the plugin with npm pack: its built entry, declarations and manifest only', async () => {
    const out = await run('author: npm pack', npm, ['pack', '--json'], author());
    const [listing] = JSON.parse(out.slice(out.indexOf('['))) as { filename: string; files: { path: string }[] }[];
    expect(listing!.filename).toBe('huiliu-plugin-acme-shop-0.1.0.tgz');
    const files = listing!.files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'dist/index.js', 'dist/index.d.ts']));
    expect(files.filter((f) => !/^dist\/.*\.(js|d\.ts)$/.test(f) && !['package.json', 'README.md'].includes(f))).toEqual([]);
  }, 300_000);

  it('a fresh deployment installs both tarballs and loads the plugin from one config line; a signed webhook’s order is on the timeline and in OLAP; the backfill runs', async () => {
    mkdirSync(deployment());
    writeFileSync(
      path.join(deployment(), 'package.json'),
      `${JSON.stringify({ name: 'huiliu-deployment', private: true, type: 'module' }, null, 2)}\n`,
    );
    const pluginTarball = path.join(author(), 'huiliu-plugin-acme-shop-0.1.0.tgz');
    await run('deployment: npm install', npm, ['install', coreTarball, pluginTarball, ...npmFlags], deployment());
    await provideSqliteAddon(deployment());
    copyFileSync(path.join(root, 'core/test/fixtures/outside-deployment/check.mjs'), path.join(deployment(), 'check.mjs'));
    const out = await run('deployment: boot and run', process.execPath, ['check.mjs'], deployment());
    const results = out
      .trim()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, any>);
    expect(results.map((r) => r.engine)).toEqual(testEngines().map((e) => (e === 'mariadb' ? 'mysql' : 'sqlite')));
    for (const result of results) {
      // Core and the plugin come from the deployment's node_modules.
      expect(result.core).toContain(path.join('deployment', 'node_modules', '@huiliu', 'core', 'dist', 'testing.js'));
      expect(result.plugin).toContain(path.join('deployment', 'node_modules', 'huiliu-plugin-acme-shop', 'dist', 'index.js'));
      // Built-in core, and the package named by the config line (the first-party packages are not installed).
      expect(result.plugins).toEqual([
        expect.objectContaining({ id: 'core', source: 'builtin' }),
        {
          id: 'acme-shop',
          version: '0.1.0',
          source: 'package',
          packageName: 'huiliu-plugin-acme-shop',
          state: 'registered',
          channelTypes: ['acme-shop'],
          schedules: [{ key: 'acme-shop:nightly-backfill', cron: '30 3 * * *' }],
        },
      ]);
      // The channel keeps its settings; the two secrets are only named, and 测试连接 reached the shop.
      expect(result.channel).toEqual({
        type: 'acme-shop',
        channelKey: 'flagship',
        settings: { shopDomain: result.shopDomain },
        secretsSet: ['apiKey', 'webhookSecret'],
      });
      expect(result.connectionTest).toEqual({ ok: true });
      // Issue 19's "Done when": the signed webhook's order is an event of the customer's contact — on
      // the contact's timeline and in OLAP — and the contact holds the shop's customer id and traits.
      expect(result.webhook).toEqual({ status: 200, body: { received: true } });
      expect(result.contactId).toMatch(/^[1-9][0-9]*$/);
      expect(result.profile).toEqual({ name: '王小明', mobilePhone: '13800000001' });
      expect(result.accounts).toEqual([{ channelId: expect.any(String), idType: 'acmeShop.customerId', userId: 'c-1' }]);
      expect(result.timeline).toEqual([
        {
          event: 'acme_shop_order_paid',
          channelId: result.accounts[0].channelId,
          messageId: 'acme-shop:flagship:order:W-1:paid',
        },
      ]);
      expect(result.olapAfterWebhook).toEqual([{ contactId: result.contactId, orderId: 'W-1', amount: 199 }]);
      // The nightly backfill read both orders from the shop; the one the webhook recorded is not doubled.
      expect(result.task).toEqual({
        status: 'succeeded',
        scheduleKey: 'acme-shop:nightly-backfill',
        dueAt: result.expectedDueAt,
      });
      expect(result.runs).toEqual([{ dueAt: result.expectedDueAt, orders: 2 }]);
      expect(result.olapAfterBackfill).toEqual([{ orderId: 'B-1' }, { orderId: 'W-1' }]);
      expect(result.secretSeen).toBe(false);
    }
  }, 600_000);
});
