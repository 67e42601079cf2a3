import type Joi from 'joi';
import type { LocalizedText } from './contributions.js';
import type { Dependency, DependencyValues } from './extension-point.js';
import type { PluginLogger } from './services.js';

/** What a plugin's init may return: hooks run after the server started and when it stops. */
export interface PluginLifecycle {
  start?(): Promise<void> | void;
  stop?(): Promise<void> | void;
}

export interface PluginInit<D extends Record<string, Dependency>, O> {
  deps: D;
  init(
    context: DependencyValues<D> & { options: O; logger: PluginLogger },
  ): Promise<PluginLifecycle | void> | PluginLifecycle | void;
}

export interface PluginRegistrationEnvironment<O> {
  registerInit<D extends Record<string, Dependency>>(init: PluginInit<D, O>): void;
}

export interface PluginDefinition<O = Record<string, unknown>> {
  readonly $$type: '@huiliu/Plugin';
  /** kebab-case, unique: `wechat`, `custom-channel`, `acme-crm`. */
  id: string;
  /** What it is called in the API reference (its OpenAPI tag `plugin:<id>`); the id when absent. */
  title?: LocalizedText;
  /** The plugin's own semver version. */
  version: string;
  /** The @huiliu/core range the plugin supports, e.g. `^0.1.0`. */
  requires: { core: string };
  /** Other plugins it needs, by id, with a semver range of their versions. */
  dependencies?: Record<string, string>;
  /**
   * The prefix of the names it adds to spaces every plugin shares (permissions, event and error
   * codes, channel and user-ID types, event-bus topics — docs/plugins/namespaces.md): kebab-case,
   * default its id. `custom-channel` declares `custom`, its channel type.
   */
  namespace?: string;
  /**
   * Ids of plugins whose namespaces it may add to as well (a WeChat Pay plugin adding
   * `wechat_pay_…` events to the `wechat` channel type). Each must be one of its `dependencies`.
   */
  extends?: string[];
  /** Its options, validated before init. */
  options?: Joi.ObjectSchema<O>;
  /**
   * Whether a tenant has it before a platform operator switches it (`huiliu admin plugins
   * enable|disable`, ADR 0041): default true; false for a licensed add-on enabled tenant by tenant.
   */
  defaultEnabled?: boolean;
  register(environment: PluginRegistrationEnvironment<O>): void;
}

/** Declares a plugin: the default export of a plugin package. */
export function definePlugin<O = Record<string, unknown>>(definition: Omit<PluginDefinition<O>, '$$type'>): PluginDefinition<O> {
  return { ...definition, $$type: '@huiliu/Plugin' };
}

export function isPluginDefinition(value: unknown): value is PluginDefinition<unknown> {
  return typeof value === 'object' && value !== null && (value as { $$type?: unknown }).$$type === '@huiliu/Plugin';
}
