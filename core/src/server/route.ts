import type { RouteOptions, ServerRoute } from '@hapi/hapi';
import type { PluginRoute } from '../kernel/contributions.js';
import { PUBLIC } from '../kernel/permissions.js';

/** Which callers a route admits: console sessions, Open API bearer tokens, or both. */
export type Callers = 'staff' | 'app' | 'any';

export interface RouteAccess {
  /** A permission id (`<menu>.<action>`), `public` or `authenticated`. */
  permission: string;
  callers?: Callers;
}

declare module '@hapi/hapi' {
  interface PluginSpecificConfiguration {
    huiliu?: RouteAccess;
  }
}

export type HuiliuRoute = ServerRoute & { access: RouteAccess };

/**
 * Declares a route with its permission. The auth strategies follow from it: `public` routes take
 * no credentials; `staff` routes need a session cookie; `app` routes a bearer token; `any` either.
 */
export function defineRoute(route: HuiliuRoute): ServerRoute {
  const { access, ...rest } = route;
  const options = typeof rest.options === 'function' ? {} : { ...(rest.options ?? {}) };
  const callers = access.callers ?? 'staff';
  const strategies = callers === 'staff' ? ['session'] : callers === 'app' ? ['bearer'] : ['bearer', 'session'];
  const isApi = rest.path.startsWith('/api/') || rest.path.startsWith('/v1/');
  return {
    ...rest,
    options: {
      ...options,
      auth: access.permission === PUBLIC ? false : { strategies, mode: 'required' },
      tags: isApi ? Array.from(new Set(['api', ...(options.tags ?? [])])) : options.tags,
      plugins: { ...(options.plugins ?? {}), huiliu: { permission: access.permission, callers } },
    },
  };
}

/** The route options a core module may set; anything else would be dropped, so it is a type error. */
export interface ModuleRouteOptions {
  description?: string;
  notes?: string | string[];
  tags?: string[];
  validate?: RouteOptions['validate'];
  response?: RouteOptions['response'];
}

/**
 * A core module's route, written like `defineRoute` and contributed through the http extension
 * point as plugins' routes are (mounted at its own `/api/v1/...` path).
 */
export function moduleRoute(route: {
  method: PluginRoute['method'];
  path: string;
  access: RouteAccess;
  options?: ModuleRouteOptions;
  handler: PluginRoute['handler'];
}): PluginRoute {
  const { description, notes, tags, validate, response } = route.options ?? {};
  return {
    method: route.method,
    path: route.path,
    permission: route.access.permission,
    callers: route.access.callers,
    description,
    notes,
    tags,
    validate,
    response,
    handler: route.handler,
  };
}
