import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import semver from 'semver';
import { isPluginDefinition, type PluginDefinition } from './define-plugin.js';
import { PluginError } from './plugin-error.js';

/** The `huiliu` manifest in a plugin package's package.json (read without running its code). */
export interface PluginManifest {
  packageName: string;
  packageVersion: string;
  dir: string;
  pluginId: string;
  requiresCore: string;
}

interface PackageJson {
  name?: string;
  version?: string;
  main?: string;
  exports?: unknown;
  huiliu?: { pluginId?: unknown; requires?: { core?: unknown } };
}

function readPackage(dir: string): PackageJson | undefined {
  const file = path.join(dir, 'package.json');
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as PackageJson;
  } catch {
    return undefined;
  }
}

/** Every node_modules folder from `start` up to the file-system root. */
function nodeModulesUpFrom(start: string): string[] {
  const found: string[] = [];
  let dir = path.resolve(start);
  for (;;) {
    const candidate = path.join(dir, 'node_modules');
    if (existsSync(candidate)) found.push(candidate);
    const parent = path.dirname(dir);
    if (parent === dir) return found;
    dir = parent;
  }
}

/**
 * Finds installed plugin packages: every package in the node_modules folders above `fromDirs`
 * whose package.json has `huiliu.pluginId`. Only manifests are read; no plugin code runs.
 */
export function discoverPluginPackages(fromDirs: string[]): PluginManifest[] {
  const seen = new Set<string>();
  const manifests: PluginManifest[] = [];
  for (const nodeModules of fromDirs.flatMap(nodeModulesUpFrom)) {
    const packageDirs: string[] = [];
    for (const name of readdirSync(nodeModules)) {
      if (name.startsWith('.')) continue;
      const full = path.join(nodeModules, name);
      if (name.startsWith('@')) {
        try {
          for (const scoped of readdirSync(full)) packageDirs.push(path.join(full, scoped));
        } catch {
          // not a folder
        }
      } else {
        packageDirs.push(full);
      }
    }
    for (const dir of packageDirs) {
      let real: string;
      try {
        real = realpathSync(dir);
      } catch {
        continue;
      }
      if (seen.has(real)) continue;
      seen.add(real);
      const pkg = readPackage(real);
      const pluginId = pkg?.huiliu?.pluginId;
      if (!pkg || typeof pluginId !== 'string') continue;
      manifests.push({
        packageName: pkg.name ?? path.basename(dir),
        packageVersion: pkg.version ?? '0.0.0',
        dir: real,
        pluginId,
        requiresCore: typeof pkg.huiliu?.requires?.core === 'string' ? pkg.huiliu.requires.core : '',
      });
    }
  }
  return manifests.sort((a, b) => a.pluginId.localeCompare(b.pluginId));
}

function entryOf(dir: string, pkg: PackageJson): string {
  const exported = pkg.exports;
  let target: unknown = exported;
  if (exported && typeof exported === 'object' && '.' in (exported as Record<string, unknown>))
    target = (exported as Record<string, unknown>)['.'];
  if (target && typeof target === 'object') {
    const conditions = target as Record<string, unknown>;
    target = conditions.import ?? conditions.default ?? conditions.node;
    if (target && typeof target === 'object') target = (target as Record<string, unknown>).default;
  }
  const relative = typeof target === 'string' ? target : (pkg.main ?? 'index.js');
  return path.join(dir, relative);
}

/**
 * Imports a discovered plugin after checking its manifest: the core range is checked before any
 * of its code runs, and the module's definition must agree with the manifest.
 */
export async function importPluginPackage(manifest: PluginManifest, coreVersion: string): Promise<PluginDefinition<unknown>> {
  const { pluginId, requiresCore, packageName } = manifest;
  if (!requiresCore || !semver.validRange(requiresCore)) {
    throw new PluginError(pluginId, `package ${packageName} has no valid huiliu.requires.core range in its package.json`);
  }
  if (!semver.satisfies(coreVersion, requiresCore, { includePrerelease: true })) {
    throw new PluginError(pluginId, `package ${packageName} requires @huiliu/core ${requiresCore}, but this is ${coreVersion}`);
  }
  const entry = entryOf(manifest.dir, readPackage(manifest.dir) ?? {});
  if (!existsSync(entry)) throw new PluginError(pluginId, `package ${packageName} has no built entry (${entry}); build it first`);
  const module = (await import(pathToFileURL(entry).href)) as { default?: unknown };
  const definition = module.default;
  if (!isPluginDefinition(definition))
    throw new PluginError(pluginId, `package ${packageName} does not default-export definePlugin(...)`);
  if (definition.id !== pluginId) {
    throw new PluginError(
      pluginId,
      `package ${packageName} declares huiliu.pluginId "${pluginId}" but its plugin id is "${definition.id}"`,
    );
  }
  return definition;
}
