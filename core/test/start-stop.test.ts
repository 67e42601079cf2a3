import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { banner } from '../src/cli/commands.js';
import { createMysqlDatabase, testEngines } from './support/engines.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const startScript = path.join(repo, 'scripts', 'start.mjs');

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

interface Started {
  wrapper: ChildProcess;
  port: number;
  /** The server process (from its log lines). */
  serverPid: number;
  output(): string;
  exited: Promise<number | null>;
}

/**
 * `npm start` without npm: `node scripts/start.mjs --no-build` (what `npm start` runs, minus the
 * install and build), in its own process group like a terminal's foreground job.
 */
async function startServer(env: Record<string, string>, cleanups: (() => Promise<void>)[]): Promise<Started> {
  const cwd = mkdtempSync(path.join(os.tmpdir(), 'huiliu-start-'));
  const port = await freePort();
  const wrapper = spawn(process.execPath, [startScript, '--no-build'], {
    cwd,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH ?? '',
      HUILIU_PORT: String(port),
      HUILIU_HOST: '127.0.0.1',
      HUILIU_DATA_DIR: path.join(cwd, 'data'),
      HUILIU_LOG_LEVEL: 'info',
      HUILIU_LOAD_PLUGIN_PACKAGES: 'false',
      ...env,
    },
  });
  let output = '';
  wrapper.stdout!.on('data', (chunk) => (output += chunk));
  wrapper.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => wrapper.once('exit', (code) => resolve(code)));
  const server = { pid: 0 };
  cleanups.push(async () => {
    // Whatever a failed test left running: the wrapper's group and the server's own group.
    for (const group of [wrapper.pid, server.pid]) {
      try {
        if (group) process.kill(-group, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(cwd, { recursive: true, force: true });
  });
  const deadline = Date.now() + 60_000;
  // The banner, and a log line of the server (its pid; logs and banner may arrive in any order).
  while (!output.includes('Stop with Ctrl-C.') || !/"pid":\d+/.test(output)) {
    if (wrapper.exitCode !== null || Date.now() > deadline) throw new Error(`the server did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  server.pid = Number(/"pid":(\d+)/.exec(output)?.[1]);
  expect(server.pid).toBeGreaterThan(0);
  expect(server.pid).not.toBe(wrapper.pid);
  return { wrapper, port, serverPid: server.pid, output: () => output, exited };
}

function lines(output: string, message: string): number {
  return output.split('\n').filter((line) => line.includes(`"msg":"${message}"`)).length;
}

for (const engine of testEngines()) {
  describe(`npm start stops cleanly [${engine}]`, () => {
    const cleanups: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    async function env(): Promise<Record<string, string>> {
      if (engine === 'sqlite') return {};
      const database = await createMysqlDatabase();
      cleanups.push(() => database.drop());
      return { HUILIU_OLTP_URL: database.url };
    }

    it('SIGTERM to the wrapper stops the server gracefully, frees the port and exits 0', async () => {
      const started = await startServer(await env(), cleanups);
      expect(await portAnswers(started.port)).toBe(true);
      started.wrapper.kill('SIGTERM');
      expect(await started.exited).toBe(0);
      expect(await portAnswers(started.port)).toBe(false);
      expect(processRuns(started.serverPid)).toBe(false);
      expect(lines(started.output(), 'stopping')).toBe(1);
    });

    it('Ctrl-C (SIGINT to the whole foreground group, and npm passing it on again) stops the server once', async () => {
      const started = await startServer(await env(), cleanups);
      // A request still arriving keeps the graceful stop busy, so late copies of the signal would reach it.
      const upload = net.connect(started.port, '127.0.0.1');
      await new Promise((resolve) => upload.once('connect', resolve));
      upload.on('error', () => undefined);
      upload.write(
        'POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"em',
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      process.kill(-started.wrapper.pid!, 'SIGINT'); // the terminal
      await new Promise((resolve) => setTimeout(resolve, 300));
      started.wrapper.kill('SIGINT'); // npm passing it on to its child
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(processRuns(started.serverPid)).toBe(true); // still stopping gracefully
      upload.destroy();
      expect(await started.exited).toBe(0);
      expect(lines(started.output(), 'stopping')).toBe(1);
      expect(lines(started.output(), 'already stopping')).toBe(0);
      expect(await portAnswers(started.port)).toBe(false);
      expect(processRuns(started.serverPid)).toBe(false);
    });

    it('the server stops by itself when the wrapper is killed outright', async () => {
      const started = await startServer(await env(), cleanups);
      started.wrapper.kill('SIGKILL');
      await started.exited;
      const deadline = Date.now() + 20_000;
      while (processRuns(started.serverPid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(processRuns(started.serverPid)).toBe(false);
      expect(await portAnswers(started.port)).toBe(false);
    });
  });
}

describe('npm start under npm', () => {
  // The npm → sh → start.mjs → server chain; the OLTP engine plays no part (SQLite).
  it('SIGTERM to the npm process stops everything and frees the port', async () => {
    const cwd = mkdtempSync(path.join(os.tmpdir(), 'huiliu-npm-start-'));
    const port = await freePort();
    const npm = spawn('npm', ['start', '--silent', '--', '--no-build'], {
      cwd: repo,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? cwd,
        HUILIU_PORT: String(port),
        HUILIU_HOST: '127.0.0.1',
        HUILIU_DATA_DIR: path.join(cwd, 'data'),
        HUILIU_LOG_LEVEL: 'info',
        HUILIU_LOAD_PLUGIN_PACKAGES: 'false',
      },
    });
    let output = '';
    npm.stdout!.on('data', (chunk) => (output += chunk));
    npm.stderr!.on('data', (chunk) => (output += chunk));
    const serverPid = () => Number(/"pid":(\d+)/.exec(output)?.[1]);
    try {
      const deadline = Date.now() + 60_000;
      while (!output.includes('Stop with Ctrl-C.') || !serverPid()) {
        if (npm.exitCode !== null || Date.now() > deadline) throw new Error(`the server did not start:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(await portAnswers(port)).toBe(true);
      npm.kill('SIGTERM');
      const stopped = Date.now() + 20_000;
      while ((processRuns(serverPid()) || (await portAnswers(port))) && Date.now() < stopped) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(processRuns(serverPid())).toBe(false);
      expect(await portAnswers(port)).toBe(false);
      expect(lines(output, 'stopping')).toBe(1);
    } finally {
      for (const group of [npm.pid, serverPid()]) {
        try {
          if (group) process.kill(-group, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});

describe('the start banner', () => {
  it('is framed so it stands out after the build output', () => {
    const text = banner(['汇流 Huiliu is running', 'Console:        http://localhost:3000/'], false);
    const rows = text.split('\n');
    expect(rows[1]).toMatch(/^═{60,}$/);
    expect(rows[rows.length - 2]).toBe(rows[1]);
    expect(text).toContain('  Console:        http://localhost:3000/');
    expect(banner(['x'], true)).toContain('\u001b[1;32mx\u001b[0m');
  });
});

describe('npm install inside npm start', () => {
  it('reports progress while a long step prints nothing', () => {
    const ensure = path.join(repo, 'scripts', 'ensure.mjs');
    const script = `
      const { runWithProgress } = await import(${JSON.stringify(ensure)});
      await runWithProgress(process.execPath, ['-e', 'setTimeout(() => {}, 1200)'], 'Quiet step', { everyMs: 300 });`;
    const res = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(res.status).toBe(0);
    expect(res.stdout).toMatch(/^› Quiet step\n/);
    expect(res.stdout.match(/… Quiet step: still running \(\d+ s\)/g)?.length).toBeGreaterThanOrEqual(2);
    expect(res.stdout).toMatch(/✓ Quiet step \(\d+ s\)\n$/);
  });
});
