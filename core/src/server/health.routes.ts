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
      options: {
        description: '存活检查 / Liveness',
        tags: ['api', 'health'],
        response: { schema: Joi.object({ status: Joi.string() }).label('Health') },
      },
      handler: () => ({ status: 'ok' }),
    }),
    defineRoute({
      method: 'GET',
      path: '/ready',
      access: { permission: 'public' },
      options: { description: '就绪检查 / Readiness: the stores are reachable', tags: ['api', 'health'] },
      handler: async (_request, h) => {
        const results: Record<string, string> = {};
        let ready = true;
        for (const item of checks) {
          try {
            await item.check();
            results[item.name] = 'ok';
          } catch (error) {
            ready = false;
            results[item.name] = `unreachable: ${(error as Error).message}`;
          }
        }
        return h.response({ status: ready ? 'ready' : 'not_ready', checks: results }).code(ready ? 200 : 503);
      },
    }),
  ];
}
