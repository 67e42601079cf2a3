import type { Lifecycle, Request, ResponseToolkit, RouteOptions, ServerRoute } from '@hapi/hapi';
import type Joi from 'joi';
import type { PluginRoute } from '../kernel/contributions.js';
import { INTEGRATION, PUBLIC } from '../kernel/permissions.js';

/** Which callers a route admits: console sessions, Open API bearer tokens, or both. */
export type Callers = 'staff' | 'app' | 'any';

export interface RouteAccess {
  /** A permission id (`<menu>.<action>`), `public`, `authenticated` or `integration` (a plugin's auth strategy). */
  permission: string;
  callers?: Callers;
  /** Refuse browser requests from other sites (see assertSameOrigin): login-like public routes. */
  sameOrigin?: boolean;
  /**
   * The plugin whose route this is (set by the kernel): callers of a tenant the plugin is disabled
   * for are answered 403 `plugin_disabled` (ADR 0041). Public routes have no caller: the plugin checks.
   */
  plugin?: string;
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
 * instead of a 401 that reads as "sign in". `integration` routes take no session or token either:
 * the route's custom auth strategy runs once the body is read (see plugin-routes.ts).
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
      auth: access.permission === PUBLIC || access.permission === INTEGRATION ? false : { strategies, mode: 'required' },
      tags: isApi ? Array.from(new Set(['api', ...(options.tags ?? [])])) : options.tags,
      plugins: {
        ...(options.plugins ?? {}),
        huiliu: {
          permission: access.permission,
          callers,
          ...(access.sameOrigin ? { sameOrigin: true } : {}),
          ...(access.plugin ? { plugin: access.plugin } : {}),
        },
      },
    },
  };
}

/** What joi validated: a handler's request typed by its route's schemas (`Joi.object<T>()`). */
export type ValidatedRequest<P, Q, B> = Request & { params: P; query: Q; payload: B };

/** The route options a core module may set; anything else would be dropped, so it is a type error. */
export interface ModuleRouteOptions<P, Q, B> {
  description?: string;
  notes?: string | string[];
  tags?: string[];
  /** Typed schemas: the handler's `request.params/query/payload` take their types from them. */
  validate?: { params?: Joi.ObjectSchema<P>; query?: Joi.ObjectSchema<Q>; payload?: Joi.ObjectSchema<B> };
  response?: RouteOptions['response'];
  payload?: RouteOptions['payload'];
  cors?: boolean;
}

/**
 * A core module's route, written like `defineRoute` and contributed through the http extension
 * point as plugins' routes are (mounted at its own `/api/v1/...` path). The handler's request is
 * typed by the route's joi schemas, so no handler casts `request.query`.
 */
export function moduleRoute<P = unknown, Q = unknown, B = unknown>(route: {
  method: PluginRoute['method'];
  path: string;
  access: RouteAccess;
  options?: ModuleRouteOptions<P, Q, B>;
  handler(request: ValidatedRequest<P, Q, B>, h: ResponseToolkit): Lifecycle.ReturnValue | Promise<Lifecycle.ReturnValue>;
}): PluginRoute {
  const { description, notes, tags, validate, response, payload, cors } = route.options ?? {};
  return {
    method: route.method,
    path: route.path,
    permission: route.access.permission,
    callers: route.access.callers,
    sameOrigin: route.access.sameOrigin,
    payload,
    cors,
    description,
    notes,
    tags,
    validate,
    response,
    // joi ran before the handler (failures answer validation_failed): the request has these types.
    handler: (request, h) => route.handler(request as unknown as ValidatedRequest<P, Q, B>, h),
  };
}
