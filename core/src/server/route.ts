import type { ServerRoute } from '@hapi/hapi';
import { PUBLIC } from '../kernel/permissions.js';

/** Which callers a route admits: console sessions, Open API bearer tokens, or both. */
export type Callers = 'staff' | 'app' | 'any';

export interface RouteAccess {
  /** A permission id (`<menu>.<action>`), `public` or `authenticated`. */
  permission: string;
  callers?: Callers;
  /** Refuse browser requests from other sites (see assertSameOrigin): login-like public routes. */
  sameOrigin?: boolean;
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
 * `staff` routes also authenticate a bearer token, only to answer it 403 `console_only_route`
 * instead of a 401 that reads as "sign in".
 */
export function defineRoute(route: HuiliuRoute): ServerRoute {
  const { access, ...rest } = route;
  const options = typeof rest.options === 'function' ? {} : { ...(rest.options ?? {}) };
  const callers = access.callers ?? 'staff';
  const strategies = callers === 'staff' ? ['session', 'bearer'] : callers === 'app' ? ['bearer'] : ['bearer', 'session'];
  const isApi = rest.path.startsWith('/api/') || rest.path.startsWith('/v1/');
  return {
    ...rest,
    options: {
      ...options,
      auth: access.permission === PUBLIC ? false : { strategies, mode: 'required' },
      tags: isApi ? Array.from(new Set(['api', ...(options.tags ?? [])])) : options.tags,
      plugins: {
        ...(options.plugins ?? {}),
        huiliu: { permission: access.permission, callers, ...(access.sameOrigin ? { sameOrigin: true } : {}) },
      },
    },
  };
}
