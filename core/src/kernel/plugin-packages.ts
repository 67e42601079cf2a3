import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import semver from 'semver';
import { isPluginDefinition, type PluginDefinition } from './define-plugin.js';
import { PluginError } from './plugin-error.js';

/**
 * The first-party plugins, loaded by default (each can be turned off with
 * `plugins.<id>.enabled: false`). Other plugins are loaded only when the operator names their
 * package in `plugins.<id>.package`; nothing is found by scanning node_modules.
 */
export const firstPartyPluginPackages: Readonly<Record<string, string>> = {
  wechat: '@huiliu/plugin-wechat',
  miniprogram: '@huiliu/plugin-miniprogram',
  'custom-channel': '@huiliu/plugin-custom-channel',
  jinshuju: '@huiliu/plugin-jinshuju',
};

/** The `huiliu` manifest in a plugin package's package.json (read without running its code). */
export interface PluginManifest {
  packageName: string;
  packageVersion: string;
  dir: string;
  pluginId: string;
  requiresCore: string;
}

/** A package to load: the config key (or first-party id) it was named under, and its name. */
export interface PluginPackageRequest {
  /** The plugin id, or its camelCase form when it came from an environment variable. */
  key: string;
  packageName: string;
  firstParty: boolean;
}

interface PackageJson {
  name?: string;
  version?: string;
  main?: string;
  exports?: unknown;
  huiliu?: { pluginId?: unknown; requires?: { core?: unknown } };
}

const PACKAGE_NAME = /^(@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/;

function readPackage(dir: string): PackageJson | undefined {
  const file = path.join(dir, 'package.json');
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as PackageJson;
  } catch {
    return undefined;
  }
}

/** `acme-crm` → `acmeCrm`: how a plugin id is spelled in environment-variable config keys. */
export function camelPluginId(pluginId: string): string {
  return pluginId.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/**
 * The plugin packages to load: every first-party plugin, plus each `plugins.<id>.package` of the
 * config (which may also point a first-party id at another package). Disabled ones are filtered
 * later, by the id in their manifest.
 */
export function requestedPluginPackages(plugins: Record<string, { package?: string }>): PluginPackageRequest[] {
  const requests = new Map<string, PluginPackageRequest>();
  for (const [id, packageName] of Object.entries(firstPartyPluginPackages)) {
    requests.set(id, { key: id, packageName, firstParty: true });
  }
  for (const [key, entry] of Object.entries(plugins)) {
    if (!entry.package) continue;
    const firstParty = Object.keys(firstPartyPluginPackages).find((id) => id === key || camelPluginId(id) === key);
    requests.set(firstParty ?? key, { key: firstParty ?? key, packageName: entry.package, firstParty: false });
  }
  return [...requests.values()];
}

/**
 * Finds the installed package `packageName` the way Node resolves `import '<packageName>'` from
 * each of `fromDirs` (the `node_modules` folders from that directory up), and reads its manifest.
 * Only this one name is looked up; no plugin code runs. Undefined when it is not installed.
 */
export function findPluginPackage(packageName: string, fromDirs: string[]): PluginManifest | undefined {
  if (!PACKAGE_NAME.test(packageName)) throw new Error(`"${packageName}" is not an npm package name`);
  for (const from of fromDirs) {
    const candidates = createRequire(path.join(path.resolve(from), 'noop.js')).resolve.paths(packageName) ?? [];
    for (const nodeModules of candidates.filter((dir) => path.basename(dir) === 'node_modules')) {
      const dir = path.join(nodeModules, ...packageName.split('/'));
      const pkg = readPackage(dir);
      if (!pkg) continue;
      const real = realpathSync(dir);
      const pluginId = pkg.huiliu?.pluginId;
      if (typeof pluginId !== 'string') {
        throw new Error(`package ${packageName} (${real}) is not a Huiliu plugin: its package.json has no huiliu.pluginId`);
      }
      return {
        packageName: pkg.name ?? packageName,
        packageVersion: pkg.version ?? '0.0.0',
        dir: real,
        pluginId,
        requiresCore: typeof pkg.huiliu?.requires?.core === 'string' ? pkg.huiliu.requires.core : '',
      };
    }
  }
  return undefined;
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
 * Imports a plugin package after checking its manifest: the core range (declared once, in
 * package.json#huiliu.requires.core) is checked before any of its code runs, and the module's
 * definition must agree with the manifest on the id and on that range.
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
  if (definition.requires?.core !== requiresCore) {
    throw new PluginError(
      pluginId,
      `package ${packageName} declares huiliu.requires.core "${requiresCore}" but definePlugin says "${String(definition.requires?.core)}": declare it once, in package.json, and use packageManifest(import.meta.url)`,
    );
  }
  return definition;
}
