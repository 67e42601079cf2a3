/**
 * Typed references to what the kernel offers plugins (Backstage's pattern): an extension point
 * takes contributions; a service ref hands out a core service. Refs are compared by id, so two
 * copies of this module (source and build) still agree. Extension points only ever grow: a
 * breaking change gets a new id.
 */
export interface ExtensionPoint<T> {
  readonly $$type: '@huiliu/ExtensionPoint';
  readonly id: string;
  /** Phantom field carrying the type; never read at run time. */
  readonly T: T;
}

export interface ServiceRef<T> {
  readonly $$type: '@huiliu/ServiceRef';
  readonly id: string;
  readonly T: T;
}

export function createExtensionPoint<T>(options: { id: string }): ExtensionPoint<T> {
  return {
    $$type: '@huiliu/ExtensionPoint',
    id: options.id,
    get T(): T {
      throw new Error(`ExtensionPoint<T>.T of "${options.id}" is a type-only field`);
    },
  };
}

export function createServiceRef<T>(options: { id: string }): ServiceRef<T> {
  return {
    $$type: '@huiliu/ServiceRef',
    id: options.id,
    get T(): T {
      throw new Error(`ServiceRef<T>.T of "${options.id}" is a type-only field`);
    },
  };
}

export type Dependency = ExtensionPoint<unknown> | ServiceRef<unknown>;
export type DependencyValues<D extends Record<string, Dependency>> = { [K in keyof D]: D[K]['T'] };

/** Who asks for a service: a plugin or a core module, by id. */
export interface ServiceConsumer {
  id: string;
  kind: 'plugin' | 'module';
}

/**
 * How a service is made (Backstage's `createServiceFactory`): its deps are other service refs,
 * resolved for the module that provides it. `root` services are made once; `consumer` services
 * once per plugin or module that asks (a logger bound to its id, a database confined to its tables).
 */
export interface ServiceFactory<T = unknown> {
  readonly $$type: '@huiliu/ServiceFactory';
  readonly service: ServiceRef<T>;
  readonly scope: 'root' | 'consumer';
  readonly deps: Record<string, ServiceRef<unknown>>;
  create(deps: Record<string, unknown>, consumer: ServiceConsumer): T;
}

export function createServiceFactory<T, D extends Record<string, ServiceRef<unknown>> = Record<string, never>>(options: {
  service: ServiceRef<T>;
  scope?: 'root' | 'consumer';
  deps?: D;
  factory(deps: DependencyValues<D>, consumer: ServiceConsumer): T;
}): ServiceFactory<T> {
  return {
    $$type: '@huiliu/ServiceFactory',
    service: options.service,
    scope: options.scope ?? 'root',
    deps: options.deps ?? {},
    create: (deps, consumer) => options.factory(deps as DependencyValues<D>, consumer),
  };
}
