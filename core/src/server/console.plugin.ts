import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Plugin } from '@hapi/hapi';
import { NotFoundError } from './errors.js';
import { defineRoute } from './route.js';

const API_PREFIXES = ['api/', 'v1/'];

/**
 * Serves the built console (React SPA) with @hapi/inert: real files as they are, every other
 * non-API path as index.html so client-side routes survive a reload.
 */
export const consolePlugin: Plugin<{ dir: string }> = {
  name: 'huiliu-console',
  dependencies: ['@hapi/inert'],
  register(server, { dir }) {
    const index = path.join(dir, 'index.html');
    server.route(
      defineRoute({
        method: 'GET',
        path: '/{path*}',
        access: { permission: 'public' },
        options: { files: { relativeTo: dir }, plugins: {} },
        handler: (request, h) => {
          const requested = String(request.params.path ?? '');
          if (API_PREFIXES.some((prefix) => requested.startsWith(prefix))) throw new NotFoundError('route_not_found');
          if (!existsSync(index)) {
            return h
              .response(`The console is not built (${index} is missing). Run "npm run build" or "npm start".`)
              .type('text/plain; charset=utf-8')
              .code(503);
          }
          const file = path.resolve(dir, requested);
          if (requested && file.startsWith(dir + path.sep) && existsSync(file)) {
            const cache = requested.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
            return h.file(requested, { confine: true }).header('cache-control', cache);
          }
          return h.file('index.html', { confine: true }).header('cache-control', 'no-cache');
        },
      }),
    );
  },
};
