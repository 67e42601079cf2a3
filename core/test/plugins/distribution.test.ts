import { spawnSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * @huiliu/core as an outside package receives it (ADR 0043): what `npm pack` ships, and whether the
 * declarations of the plugin API and the testing kit need anything the tarball and its declared
 * dependencies do not bring. (core/test/plugins/outside-plugin.test.ts installs the real tarball.)
 */
const root = path.resolve(import.meta.dirname, '../../..');
const coreDir = path.join(root, 'core');

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  exports?: Record<string, string | { types?: string; default?: string }>;
  huiliu?: { pluginId: string; requires: { core: string } };
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;
const core = readJson<Manifest>(path.join(coreDir, 'package.json'));

let packed: string[] | undefined;
function packedFiles(): string[] {
  if (packed) return packed;
  const res = spawnSync('npm', ['pack', '-w', '@huiliu/core', '--dry-run', '--json'], { cwd: root, encoding: 'utf8' });
  expect(res.status, res.stderr).toBe(0);
  const [listing] = JSON.parse(res.stdout) as { files: { path: string }[] }[];
  return (packed = listing!.files.map((f) => f.path));
}

/** Every declaration file reachable from `entry`, and the bare module names they import. */
function declarationGraph(entry: string): { files: string[]; outside: string[]; packages: Map<string, string> } {
  const files = new Set<string>();
  const outside: string[] = [];
  const packages = new Map<string, string>();
  const specifier =
    /(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]|\/\/\/\s*<reference\s+(?:types|path)=['"]([^'"]+)['"]/gm;
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(specifier)) {
      const spec = match[1] ?? match[2]!;
      if (spec.startsWith('.')) {
        const target = path.resolve(path.dirname(file), spec.replace(/\.js$/, '.d.ts'));
        const resolved = target.endsWith('.d.ts') ? target : `${target}.d.ts`;
        if (!resolved.startsWith(path.join(coreDir, 'dist') + path.sep) || !existsSync(resolved)) {
          outside.push(`${path.relative(coreDir, file)} → ${spec}`);
        } else visit(resolved);
      } else {
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
        if (!packages.has(name)) packages.set(name, path.relative(coreDir, file));
      }
    }
  };
  visit(entry);
  return { files: [...files].map((f) => path.relative(coreDir, f)), outside, packages };
}

describe('@huiliu/core as a package', () => {
  it('packs dist and its sources, without build info or unit tests, and every exported entry', () => {
    const files = packedFiles();
    expect(files).toContain('package.json');
    expect(files.filter((f) => f.endsWith('.tsbuildinfo'))).toEqual([]);
    expect(files.filter((f) => /\.test\.(ts|js)$/.test(f))).toEqual([]);
    expect(files.filter((f) => !/^(dist|src)\//.test(f) && !['package.json', 'LICENSE'].includes(f))).toEqual([]);
    for (const [subpath, target] of Object.entries(core.exports ?? {})) {
      const targets = typeof target === 'string' ? [target] : [target.types, target.default].filter(Boolean);
      for (const t of targets) expect(files, `exports["${subpath}"] → ${t}`).toContain(t!.replace(/^\.\//, ''));
    }
  });

  it('the plugin API and the testing kit declare only what the tarball and its dependencies bring', () => {
    const files = packedFiles();
    const provided = new Set([...Object.keys(core.dependencies ?? {}), ...Object.keys(core.peerDependencies ?? {})]);
    const devOnly = Object.keys(core.devDependencies ?? {}).filter((name) => !provided.has(name));
    for (const entry of ['./plugin-api', './testing']) {
      const types = (core.exports![entry] as { types: string }).types;
      const graph = declarationGraph(path.join(coreDir, types));
      expect(graph.outside, `${entry}: declarations pointing outside dist`).toEqual([]);
      expect(
        graph.files.filter((f) => !files.includes(f)),
        `${entry}: declarations not packed`,
      ).toEqual([]);
      const missing = [...graph.packages.entries()].filter(
        ([name]) => !provided.has(name) && !name.startsWith('node:') && !builtinModules.includes(name) && name !== '<package>',
      );
      expect(
        missing.map(([name, from]) => `${name} (from ${from})`),
        `${entry}: types of packages core does not depend on`,
      ).toEqual([]);
      expect(
        [...graph.packages.keys()].filter((name) => devOnly.includes(name)),
        `${entry}: devDependency types`,
      ).toEqual([]);
    }
  });

  it('depends on no private workspace package; the Node SDK (huiliu demo) is an optional peer', () => {
    const workspaces = ['plugins', 'sdk'].flatMap((group) =>
      readdirSync(path.join(root, group)).map((name) => readJson<Manifest>(path.join(root, group, name, 'package.json'))),
    );
    const privateNames = workspaces.filter((m) => m.private).map((m) => m.name);
    expect(Object.keys(core.dependencies ?? {}).filter((name) => privateNames.includes(name))).toEqual([]);
    expect(core.peerDependenciesMeta?.['@huiliu/sdk-node']).toEqual({ optional: true });
  });

  it('first-party plugins and the example take @huiliu/core as a peer, in the range their manifest requires', () => {
    const packages = [
      ...readdirSync(path.join(root, 'plugins')).map((name) => path.join(root, 'plugins', name)),
      path.join(root, 'docs/plugins/examples/acme-shop'),
    ];
    for (const dir of packages) {
      const pkg = readJson<Manifest>(path.join(dir, 'package.json'));
      expect(pkg.peerDependencies?.['@huiliu/core'], `${pkg.name} peerDependencies`).toBe(pkg.huiliu?.requires.core);
      expect(pkg.dependencies?.['@huiliu/core'], `${pkg.name}: core is a peer, not a dependency`).toBeUndefined();
    }
  });

  it('the example’s dev tools are the versions this repository installs (its harness installs them from the warm npm cache)', () => {
    const example = readJson<Manifest>(path.join(root, 'docs/plugins/examples/acme-shop/package.json'));
    for (const [name, version] of Object.entries(example.devDependencies ?? {})) {
      if (name === '@huiliu/core') expect(version).toBe(core.version);
      else expect(version, name).toBe(readJson<Manifest>(path.join(root, 'node_modules', name, 'package.json')).version);
    }
  });
});
