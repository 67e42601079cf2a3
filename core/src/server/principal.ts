import type { Request } from '@hapi/hapi';
import { seesMaskedFieldsInClear } from '../modules/masking/masking.types.js';

/**
 * Who is calling: a staff member through a console session, an Open API app by bearer token, or —
 * on a route with `permission: 'integration'` — whoever a plugin's custom auth strategy accepted
 * (a signed webhook; ADR 0042).
 */
export type Principal =
  | {
      kind: 'staff';
      tenantId: string;
      staffId: string;
      isSuper: boolean;
      sessionId: string;
      csrfToken: string;
      permissions: Set<string>;
    }
  | { kind: 'app'; tenantId: string; appId: string; permissions: Set<string> }
  | IntegrationPrincipal;

/**
 * A caller authenticated by a plugin's auth strategy: the tenant it named, the plugin that vouched
 * for it, the strategy (`<pluginId>.<name>`) and an optional subject (a WeChat AppID, a merchant id).
 * It holds no permission: it reaches only the `integration` routes using that strategy.
 */
export interface IntegrationPrincipal {
  kind: 'integration';
  tenantId: string;
  pluginId: string;
  strategy: string;
  subject: string | null;
  permissions: Set<string>;
}

export interface HuiliuCredentials {
  principal: Principal;
}

/** The caller of an authenticated route. */
export function principalOf(request: Request): Principal {
  const credentials = request.auth.credentials as unknown as HuiliuCredentials | null;
  if (!credentials?.principal) throw new Error(`Route ${request.route.path} has no authenticated principal`);
  return credentials.principal;
}

export function staffOf(request: Request): Extract<Principal, { kind: 'staff' }> {
  const principal = principalOf(request);
  if (principal.kind !== 'staff') throw new Error(`Route ${request.route.path} is for staff only`);
  return principal;
}

/** The tenant of the caller and the staff member asking (null for an app): who a report or a group selection runs for. */
export function actorOf(request: Request): { tenantId: string; staffId: string | null; unmasked: boolean } {
  const principal = principalOf(request);
  return {
    tenantId: principal.tenantId,
    staffId: principal.kind === 'staff' ? principal.staffId : null,
    unmasked: seesMaskedFieldsInClear(principal),
  };
}
