import type { ServerRoute } from '@hapi/hapi';
import Joi from 'joi';
import { defineRoute } from './route.js';

export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

/** `/health`: the process answers. `/ready`: every store it needs is reachable. */
export function healthRoutes(checks: ReadinessCheck[]): ServerRoute[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/health',
      access: { permission: 'public' },
      options: { description: 'Liveness', tags: ['api'], response: { schema: Joi.object({ status: Joi.string() }) } },
      handler: () => ({ status: 'ok' }),
    }),
    defineRoute({
      method: 'GET',
      path: '/ready',
      access: { permission: 'public' },
      options: { description: 'Readiness: the stores are reachable', tags: ['api'] },
      handler: async (request, h) => {
        const results: Record<string, string> = {};
        let ready = true;
        for (const item of checks) {
          try {
            await item.check();
            results[item.name] = 'ok';
          } catch (error) {
            ready = false;
            // Anonymous callers learn only which store is down; the cause (hosts, users) goes to the log.
            results[item.name] = 'unreachable';
            request.log(['warn', 'ready'], { check: item.name, err: error });
          }
        }
        return h.response({ status: ready ? 'ready' : 'not_ready', checks: results }).code(ready ? 200 : 503);
      },
    }),
  ];
}
