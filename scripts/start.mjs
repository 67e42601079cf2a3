// `npm start`: install if needed, build, then run API + workers + console in one process on the
// embedded default (SQLite + DuckDB under ./data), or on MySQL with HUILIU_OLTP_URL=mysql://…
// `npm start -- --no-build` starts what is already built (no install, no build).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ensureBuilt, ensureInstalled, root } from './ensure.mjs';

const args = process.argv.slice(2);
const noBuild = args.includes('--no-build');
if (!noBuild) {
  await ensureInstalled();
  ensureBuilt();
}

// The server runs in its own process group: Ctrl-C in the terminal reaches npm and this wrapper
// (and npm forwards it once more), never the server directly, so the server gets exactly one
// signal — ours — and stops gracefully once. The IPC channel tells it when this wrapper is gone
// (even killed with SIGKILL), so it never outlives us holding the port.
const child = spawn(
  process.execPath,
  [path.join(root, 'core', 'dist', 'cli', 'main.js'), 'start', ...args.filter((arg) => arg !== '--no-build')],
  { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: process.env, detached: true },
);

/** Signals within this window after the first are its echoes (terminal + npm), not a new request. */
const ECHO_MS = 2000;
let firstSignalAt = 0;
function onSignal(signal) {
  if (firstSignalAt === 0) {
    firstSignalAt = Date.now();
    child.kill(signal === 'SIGHUP' ? 'SIGTERM' : signal);
  } else if (Date.now() - firstSignalAt > ECHO_MS && child.exitCode === null) {
    // Asked again while the graceful stop still runs: stop at once.
    process.stderr.write('Stopping the server at once.\n');
    child.kill('SIGKILL');
  }
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => onSignal(signal));

// npm runs this script through `sh -c`, and a SIGTERM to npm ends that shell without passing it on:
// when our parent is gone we are re-parented, and stop the server as if told to.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) onSignal('SIGTERM');
}, 250).unref();

child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
