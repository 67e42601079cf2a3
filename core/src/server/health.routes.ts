import type { ServerRoute } from '@hapi/hapi';
import Joi from 'joi';
import { defineRoute } from './route.js';

export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

/** A check that has not answered within `timeoutMs` fails (it keeps running; its outcome is dropped). */
async function within(check: () => Promise<void>, timeoutMs: number): Promise<'ok' | 'timeout' | 'unreachable'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    return await Promise.race([check().then(() => 'ok' as const), timeout]);
  } catch {
    return 'unreachable';
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `/health`: the process answers. `/ready`: every store it needs answers within `timeoutMs`
 * (checks run in parallel). Anonymous callers learn which store is down, not why (the log says).
 * `plugins` lists the plugins isolated because their start failed (`{ "<id>": "failed" }`): the
 * server still serves everything else, so they do not make it unready (ADR 0040); why they failed
 * is for super staff (GET /api/v1/plugins) and the log.
 */
export function healthRoutes(
  checks: ReadinessCheck[],
  options: { timeoutMs?: number; plugins?: () => Record<string, 'failed'> } = {},
): ServerRoute[] {
  const timeoutMs = options.timeoutMs ?? 3000;
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
      handler: async (request, h) => {
        const outcomes = await Promise.all(
          checks.map(async (item) => {
            const outcome = await within(
              () =>
                item.check().catch((error: unknown) => {
                  // Anonymous callers learn only which store is down; the cause (hosts, users) goes to the log.
                  request.log(['warn', 'ready'], { check: item.name, err: error });
                  throw error;
                }),
              timeoutMs,
            );
            return [item.name, outcome] as const;
          }),
        );
        const ready = outcomes.every(([, outcome]) => outcome === 'ok');
        return h
          .response({
            status: ready ? 'ready' : 'not_ready',
            checks: Object.fromEntries(outcomes),
            plugins: options.plugins?.() ?? {},
          })
          .code(ready ? 200 : 503);
      },
    }),
  ];
}
