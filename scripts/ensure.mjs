// Installs and builds what `npm start` and `npm test` need, using only Node built-ins (it runs
// before node_modules exists). Each step is skipped when its outputs are newer than its inputs.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function mtime(file) {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

/** Newest modification time of the files under `dir` (skipping node_modules and dist). */
function newest(dir) {
  let latest = mtime(dir);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return latest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const full = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : mtime(full));
  }
  return latest;
}

/**
 * Runs one step with its output shown. A failing step ends the process, unless `exitOnFailure` is
 * false: then it returns false (`npm test` counts it as a failed check and goes on).
 */
export function run(command, args, label, { exitOnFailure = true } = {}) {
  process.stdout.write(`› ${label}\n`);
  const res = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: process.env });
  if (res.status !== 0) {
    process.stderr.write(`✗ ${label} failed (exit ${res.status ?? res.signal})\n`);
    if (exitOnFailure) process.exit(res.status ?? 1);
    return false;
  }
  return true;
}

function workspaceManifests() {
  const manifests = [path.join(root, 'package.json'), path.join(root, 'package-lock.json')];
  for (const group of ['core', 'console', 'bench']) manifests.push(path.join(root, group, 'package.json'));
  for (const group of ['plugins', 'sdk']) {
    const dir = path.join(root, group);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) manifests.push(path.join(dir, name, 'package.json'));
  }
  return manifests;
}

/**
 * Runs a long step with its output shown, and a line every `everyMs` while it runs, so a step
 * that prints nothing for minutes (npm install compiling native modules, or without a terminal
 * for its spinner) is not mistaken for a hang. Exits the process when the step fails.
 */
export function runWithProgress(command, args, label, { everyMs = 15_000, write = (text) => process.stdout.write(text) } = {}) {
  write(`› ${label}\n`);
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: 'inherit', env: process.env });
    const timer = setInterval(
      () => write(`  … ${label}: still running (${Math.round((Date.now() - started) / 1000)} s)\n`),
      everyMs,
    );
    child.on('exit', (code, signal) => {
      clearInterval(timer);
      if (code !== 0) {
        process.stderr.write(`✗ ${label} failed (exit ${code ?? signal})\n`);
        process.exit(code ?? 1);
      }
      write(`✓ ${label} (${Math.round((Date.now() - started) / 1000)} s)\n`);
      resolve();
    });
  });
}

export async function ensureInstalled() {
  const marker = path.join(root, 'node_modules', '.package-lock.json');
  const inputs = Math.max(...workspaceManifests().map(mtime));
  if (!existsSync(marker) || mtime(marker) < inputs) {
    await runWithProgress(
      npm,
      ['install', '--no-audit', '--no-fund', '--foreground-scripts'],
      'Installing dependencies (npm install; the first run takes a few minutes)',
    );
  }
}

/**
 * Builds the TypeScript packages and (when its sources changed) the console. Returns each step's
 * outcome; with `exitOnFailure: false` a failed step does not stop the process.
 */
export function ensureBuilt({ exitOnFailure = true } = {}) {
  const steps = [];
  steps.push({
    name: 'build',
    ok: run(
      process.execPath,
      [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', 'tsconfig.build.json'],
      'Building TypeScript packages (tsc -b)',
      { exitOnFailure },
    ),
  });
  // The browser SDK (esbuild, well under a second): served by the server at /sdk/huiliu.min.js.
  const sdkDir = path.join(root, 'sdk', 'web');
  const sdkBuilt = path.join(sdkDir, 'dist', 'huiliu.min.js');
  if (
    !existsSync(sdkBuilt) ||
    mtime(sdkBuilt) < Math.max(newest(path.join(sdkDir, 'src')), mtime(path.join(sdkDir, 'build.mjs')))
  ) {
    steps.push({
      name: 'web SDK build',
      ok: run(process.execPath, [path.join(sdkDir, 'build.mjs')], 'Building the web SDK (esbuild)', { exitOnFailure }),
    });
  }
  const consoleDir = path.join(root, 'console');
  const built = path.join(consoleDir, 'dist', 'index.html');
  // The console bundles first-party plugins' console entries (plugins/*/console) too.
  const pluginConsoles = existsSync(path.join(root, 'plugins'))
    ? readdirSync(path.join(root, 'plugins')).map((name) => newest(path.join(root, 'plugins', name, 'console')))
    : [];
  const sources = Math.max(
    newest(path.join(consoleDir, 'src')),
    mtime(path.join(consoleDir, 'index.html')),
    mtime(path.join(consoleDir, 'vite.config.ts')),
    mtime(path.join(consoleDir, 'package.json')),
    // The console bundles core's error-message catalogue (@huiliu/core/messages).
    mtime(path.join(root, 'core', 'src', 'messages.ts')),
    mtime(path.join(root, 'core', 'src', 'server', 'messages.ts')),
    ...pluginConsoles,
  );
  if (!existsSync(built) || mtime(built) < sources) {
    steps.push({
      name: 'console build',
      ok: run(npm, ['run', 'build', '-w', '@huiliu/console'], 'Building the console (vite build)', { exitOnFailure }),
    });
  }
  return steps;
}
