// `npm run pack:plugin-kit`: the tarball of @huiliu/core as npm would publish it, for plugin authors
// outside this repository (`npm install ./huiliu-core-0.1.0.tgz`; ADR 0043). Builds the TypeScript
// packages first (tsc -b), then runs `npm pack` on core and prints the tarball's path.
//
//   node scripts/pack-plugin-kit.mjs [--dest <dir>] [--no-build]
//
// Default destination: build/tarballs. The tarball holds dist (JavaScript, .d.ts, maps) and src (the
// sources the maps point at), without the build info and unit tests.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { root, run } from './ensure.mjs';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** Packs `@huiliu/core` into `dest` (created if needed) and returns the tarball's absolute path. */
export function packCore(dest) {
  mkdirSync(dest, { recursive: true });
  const res = spawnSync(npm, ['pack', '-w', '@huiliu/core', '--pack-destination', dest, '--json'], {
    cwd: root,
    encoding: 'utf8',
  });
  if (res.status !== 0) throw new Error(`npm pack -w @huiliu/core failed (exit ${res.status}): ${res.stderr}`);
  const [packed] = JSON.parse(res.stdout);
  return path.join(dest, packed.filename);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--dest');
  const dest = path.resolve(at >= 0 && args[at + 1] ? args[at + 1] : path.join(root, 'build', 'tarballs'));
  if (!args.includes('--no-build')) {
    run(
      process.execPath,
      [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', 'tsconfig.build.json'],
      'Building TypeScript packages (tsc -b)',
    );
  }
  const tarball = packCore(dest);
  process.stdout.write(`${path.relative(process.cwd(), tarball) || tarball}\n`);
}
