import type { LocalizedText } from './contributions.js';
import type { PluginRegistrationEnvironment } from './define-plugin.js';
import type { ServiceFactory } from './extension-point.js';

/**
 * A core module (tenancy, staff, channels, tasks…): it registers through the same extension
 * points and service refs as a plugin, and differs in three ways only — its routes are mounted at
 * their own `/api/v1/...` paths, it owns the OLTP tables it lists (and no others: its database
 * refuses the rest), and it may provide services (`createServiceFactory`) to other modules and
 * to plugins. Other modules reach its data only through those services.
 */
export interface ModuleDefinition {
  readonly $$type: '@huiliu/Module';
  /** kebab-case; reserved: no plugin may take a module's id. */
  id: string;
  /** What it is called in the API reference (its OpenAPI tag `module:<id>`), e.g. 连接 / Connections. */
  title: LocalizedText;
  /** The OLTP tables this module owns (created by core's migrations). */
  tables: readonly string[];
  /** Modules whose services this one uses (they are registered first). */
  dependencies?: readonly string[];
  /** The services it makes for others. */
  provides?: readonly ServiceFactory<unknown>[];
  register(environment: PluginRegistrationEnvironment<Record<string, never>>): void;
}

export function defineModule(definition: Omit<ModuleDefinition, '$$type'>): ModuleDefinition {
  return { ...definition, $$type: '@huiliu/Module' };
}

export function isModuleDefinition(value: unknown): value is ModuleDefinition {
  return typeof value === 'object' && value !== null && (value as { $$type?: unknown }).$$type === '@huiliu/Module';
}
