import { randomBytes } from 'node:crypto';
import type { Principal } from '../../src/server/principal.js';
import type { InjectResult, TestApp } from '../support/test-app.js';

/**
 * A staff member as roles will make them: not super staff, holding exactly `permissions`. Until
 * roles exist (issue 16) no signed-in normal staff holds more than the fixed set, so the request
 * is injected with these credentials instead of a session cookie — the route's permission and CSRF
 * checks still run, and the handler sees this principal.
 */
export function roleHolder(app: TestApp, tenantId: string, permissions: string[]) {
  const principal: Principal = {
    kind: 'staff',
    tenantId,
    staffId: '999999999',
    isSuper: false,
    sessionId: 'role-holder',
    csrfToken: randomBytes(16).toString('hex'),
    permissions: new Set(permissions),
  };
  return {
    principal,
    async request<T = any>(method: string, url: string, payload?: object): Promise<InjectResult<T>> {
      const res = await app.server.inject({
        method,
        url,
        payload,
        headers: method === 'GET' ? {} : { 'x-csrf-token': principal.csrfToken },
        auth: { strategy: 'session', credentials: { principal } as never },
      });
      const json = String(res.headers['content-type'] ?? '').includes('application/json');
      return { statusCode: res.statusCode, body: (json ? JSON.parse(res.payload) : res.payload) as T, headers: res.headers };
    },
  };
}
