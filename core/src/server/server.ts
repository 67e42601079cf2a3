import Glue from '@hapi/glue';
import Inert from '@hapi/inert';
import Vision from '@hapi/vision';
import type { Plugin, Server, ServerRoute } from '@hapi/hapi';
import HapiPino from 'hapi-pino';
import HapiSwagger from 'hapi-swagger';
import type { Logger } from 'pino';
import { authPlugin, type AuthPluginOptions } from './auth.js';
import { consolePlugin } from './console.plugin.js';
import { errorResponsesPlugin, validationFailAction } from './error-responses.js';
import { healthTag, openApi3Options, openApiSettings, swagger2Security, type ApiTag } from './openapi.js';

export interface ServerOptions {
  host: string;
  port: number;
  version: string;
  logger: Logger;
  consoleDir: string;
  auth: AuthPluginOptions;
  /** Route sets of the core modules. */
  routes: ServerRoute[];
  /** hapi plugins wrapping Huiliu plugins' routes (mounted under their prefix). */
  plugins?: { plugin: Plugin<void>; routes?: { prefix: string } }[];
  /** Validate responses against their schemas and fail on mismatch (tests); log only otherwise. */
  strictResponses: boolean;
  /** OpenAPI tags of the modules and plugins with routes (`module:<id>`, `plugin:<id>`). */
  apiTags?: ApiTag[];
}

const routesPlugin: Plugin<{ routes: ServerRoute[] }> = {
  name: 'huiliu-routes',
  dependencies: ['huiliu-auth', 'huiliu-error-responses'],
  register(server, { routes }) {
    server.route(routes);
  },
};

/** The hapi server, composed by @hapi/glue from a manifest. */
export async function createServer(options: ServerOptions): Promise<Server> {
  const apiTags = [healthTag, ...(options.apiTags ?? [])];
  const manifest = {
    server: {
      host: options.host,
      port: options.port,
      router: { stripTrailingSlash: true },
      debug: false,
      routes: {
        validate: { failAction: validationFailAction },
        response: { failAction: options.strictResponses ? 'error' : 'log' },
        payload: { maxBytes: 1024 * 1024 },
        security: { noSniff: true, xframe: 'sameorigin', referrer: 'same-origin' },
      },
    },
    register: {
      plugins: [
        {
          plugin: HapiPino,
          options: {
            instance: options.logger,
            logPayload: false,
            ignorePaths: ['/health', '/ready'],
            redact: {
              paths: [
                'req.headers.authorization',
                'req.headers.cookie',
                'req.headers["x-csrf-token"]',
                'res.headers["set-cookie"]',
              ],
              censor: '[redacted]',
            },
          },
        },
        { plugin: Inert },
        { plugin: Vision },
        {
          plugin: HapiSwagger,
          options: {
            ...openApiSettings(options.version, apiTags),
            documentationPath: '/documentation',
            jsonPath: '/swagger.json',
            ...swagger2Security,
          },
        },
        { plugin: HapiSwagger, options: openApi3Options(options.version, apiTags) },
        { plugin: errorResponsesPlugin },
        { plugin: authPlugin, options: options.auth },
        { plugin: routesPlugin, options: { routes: options.routes } },
        ...(options.plugins ?? []),
        { plugin: consolePlugin, options: { dir: options.consoleDir } },
      ],
    },
  };
  return Glue.compose(manifest as unknown as Glue.Manifest);
}
