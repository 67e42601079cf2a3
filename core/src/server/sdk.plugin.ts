import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Plugin } from '@hapi/hapi';
import { NotFoundError } from './errors.js';
import { defineRoute } from './route.js';

/** The web SDK's builds (sdk/web, docs/decisions/0027-web-sdk.md) a page may load. */
export const SDK_FILES = ['huiliu.min.js', 'huiliu.esm.js'];

/**
 * Serves the browser SDK at `/sdk/huiliu.min.js` (the script tag of the copy-paste snippet) and
 * `/sdk/huiliu.esm.js`, to any site: CORS open, no cookies, loadable cross-origin. The address
 * carries no version, so browsers keep it a day and then revalidate it by its ETag.
 */
export const sdkPlugin: Plugin<{ dir: string }> = {
  name: 'huiliu-sdk',
  dependencies: ['@hapi/inert'],
  register(server, { dir }) {
    server.route(
      defineRoute({
        method: 'GET',
        path: '/sdk/{file}',
        access: { permission: 'public' },
        options: { files: { relativeTo: dir }, cors: { origin: ['*'], credentials: false }, plugins: {} },
        handler: (request, h) => {
          const file = String(request.params.file);
          if (!SDK_FILES.includes(file)) throw new NotFoundError('route_not_found');
          if (!existsSync(path.join(dir, file))) {
            return h
              .response(`/* The web SDK is not built (${file} is missing in ${dir}). Run "npm run build". */`)
              .type('application/javascript; charset=utf-8')
              .code(503);
          }
          return h
            .file(file, { confine: true, etagMethod: 'hash' })
            .type('application/javascript; charset=utf-8')
            .header('cache-control', 'public, max-age=86400')
            .header('cross-origin-resource-policy', 'cross-origin');
        },
      }),
    );
  },
};
