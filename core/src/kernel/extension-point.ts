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
