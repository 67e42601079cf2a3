import Boom from '@hapi/boom';
import Cookie from '@hapi/cookie';
import type { Plugin, Request, Server } from '@hapi/hapi';
import { AUTHENTICATED, INTEGRATION, PUBLIC, type PermissionRegistry } from '../kernel/permissions.js';
import { safeEqual } from '../lib/tokens.js';
import { assertSameOrigin } from './client.js';
import { ForbiddenError } from './errors.js';
import type { HuiliuCredentials, Principal } from './principal.js';

export const SESSION_COOKIE = 'huiliu_sid';
const SAFE_METHODS = new Set(['get', 'head', 'options']);

export interface AuthPluginOptions {
  cookiePassword: string;
  secureCookies: boolean;
  sessionTtlMs: number;
  permissions: PermissionRegistry;
  principalForSession(token: string): Promise<Principal | null>;
  principalForToken(token: string): Promise<Principal | null>;
  /** Whether a plugin is enabled for a tenant (ADR 0041); a plugin's routes answer 403 `plugin_disabled` when not. */
  pluginEnabled?(tenantId: string, pluginId: string): Promise<boolean>;
}

function credentials(principal: Principal): HuiliuCredentials & Record<string, unknown> {
  return { principal };
}

/**
 * Console sessions (cookie) and Open API bearer tokens, then one check every route passes through:
 * the permission it declared, and the CSRF header for state-changing calls made with a cookie.
 */
export const authPlugin: Plugin<AuthPluginOptions> = {
  name: 'huiliu-auth',
  dependencies: [],
  async register(server: Server, options) {
    await server.register(Cookie);
    server.auth.strategy('session', 'cookie', {
      cookie: {
        name: SESSION_COOKIE,
        password: options.cookiePassword,
        isSecure: options.secureCookies,
        isHttpOnly: true,
        isSameSite: 'Lax',
        path: '/',
        ttl: options.sessionTtlMs,
      },
      keepAlive: false,
      validate: async (_request: Request, session: object) => {
        const sid = (session as { sid?: unknown }).sid;
        if (typeof sid !== 'string') return { isValid: false };
        const principal = await options.principalForSession(sid);
        return principal ? { isValid: true, credentials: credentials(principal) } : { isValid: false };
      },
    });

    server.auth.scheme('bearer', () => ({
      authenticate: async (request, h) => {
        const header = request.headers.authorization as string | undefined;
        if (!header) throw Boom.unauthorized(null, 'Bearer');
        const match = /^Bearer\s+(\S+)$/i.exec(header);
        const principal = match ? await options.principalForToken(match[1]!) : null;
        if (!principal) throw Boom.unauthorized('token_invalid', 'Bearer');
        return h.authenticated({ credentials: credentials(principal) });
      },
    }));
    server.auth.strategy('bearer', 'bearer');

    // Before the payload is read: a cross-site browser request to a same-origin route stops here.
    server.ext('onPreAuth', (request, h) => {
      if (request.route.settings.plugins?.huiliu?.sameOrigin) assertSameOrigin(request);
      return h.continue;
    });

    server.ext('onPostAuth', async (request, h) => {
      const access = request.route.settings.plugins?.huiliu;
      // Integration routes: their own auth strategy runs after the body is read (plugin-routes.ts).
      if (!access || access.permission === PUBLIC || access.permission === INTEGRATION) return h.continue;
      const principal = (request.auth.credentials as unknown as HuiliuCredentials).principal;
      // A valid Open API token on a console route: say so, rather than "please sign in".
      if (principal.kind === 'app' && (access.callers ?? 'staff') === 'staff') throw new ForbiddenError('console_only_route');
      if (principal.kind === 'staff' && !SAFE_METHODS.has(request.method)) {
        const header = request.headers['x-csrf-token'];
        if (typeof header !== 'string' || !safeEqual(header, principal.csrfToken)) {
          throw new ForbiddenError('csrf_token_invalid');
        }
      }
      // Before the permission: a disabled plugin's permissions are not held either, and "forbidden" would not say why.
      if (access.plugin && options.pluginEnabled && !(await options.pluginEnabled(principal.tenantId, access.plugin))) {
        throw new ForbiddenError('plugin_disabled', { plugin: access.plugin });
      }
      if (access.permission !== AUTHENTICATED && !principal.permissions.has(access.permission)) {
        throw new ForbiddenError('forbidden');
      }
      return h.continue;
    });

    // Every API route must declare a known permission: a route without one never starts.
    server.ext('onPreStart', () => {
      for (const route of server.table()) {
        if (!route.path.startsWith('/api/') && !route.path.startsWith('/v1/')) continue;
        const access = route.settings.plugins?.huiliu;
        if (!access) throw new Error(`Route ${route.method.toUpperCase()} ${route.path} declares no permission`);
        if (!options.permissions.isKnown(access.permission)) {
          throw new Error(`Route ${route.method.toUpperCase()} ${route.path} declares unknown permission "${access.permission}"`);
        }
      }
    });
  },
};
