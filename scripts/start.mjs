// `npm start`: install if needed, build, then run API + workers + console in one process on the
// embedded default (SQLite + DuckDB under ./data), or on MySQL with HUILIU_OLTP_URL=mysql://…
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ensureBuilt, ensureInstalled, root } from './ensure.mjs';

ensureInstalled();
ensureBuilt();

const child = spawn(process.execPath, [path.join(root, 'core', 'dist', 'cli', 'main.js'), 'start', ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: process.env,
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
