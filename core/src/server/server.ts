import Glue from '@hapi/glue';
import Inert from '@hapi/inert';
import Vision from '@hapi/vision';
import type { Plugin, Server, ServerRoute } from '@hapi/hapi';
import HapiPino from 'hapi-pino';
import HapiSwagger from 'hapi-swagger';
import type { Logger } from 'pino';
import { randomBytes } from 'node:crypto';
import { authPlugin, type AuthPluginOptions } from './auth.js';
import { proxyTrust, type HttpSettings } from './client.js';
import { consolePlugin } from './console.plugin.js';
import { sdkPlugin } from './sdk.plugin.js';
import { errorResponsesPlugin, validationFailAction } from './error-responses.js';
import { requestLogOptions, type RequestLogMode } from './request-log.js';
import { securityHeadersPlugin } from './security-headers.js';
import { healthTag, openApi3Options, openApiSettings, swagger2Security, type ApiTag } from './openapi.js';

export interface ServerOptions {
  host: string;
  port: number;
  version: string;
  logger: Logger;
  consoleDir: string;
  /** Directory of the built web SDK (`/sdk/huiliu.min.js`); absent = no SDK routes. */
  sdkDir?: string;
  auth: AuthPluginOptions;
  /** Route sets of the core modules. */
  routes: ServerRoute[];
  /** hapi plugins wrapping Huiliu plugins' routes (mounted under their prefix). */
  plugins?: { plugin: Plugin<void>; routes?: { prefix: string } }[];
  /** Validate responses against their schemas and fail on mismatch (tests); log only otherwise. */
  strictResponses: boolean;
  /** `HUILIU_PUBLIC_URL`: an https URL turns HSTS on; the login's Origin check accepts it. */
  publicUrl?: string;
  /** Reverse proxies in front of the server whose forwarding headers are trusted: a hop count (default 0)… */
  trustProxy?: number;
  /** …and the addresses / CIDRs of trusted proxies (default none); see `proxyTrust`. */
  trustedProxies?: string[];
  /** Request log lines (default compact). */
  logRequests?: RequestLogMode;
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

/** HSTS for 180 days, only when the public URL is https (never over plain http). */
const HSTS = { maxAge: 180 * 24 * 3600, includeSubDomains: false };

/** The hapi server, composed by @hapi/glue from a manifest. */
export async function createServer(options: ServerOptions): Promise<Server> {
  const https = options.publicUrl?.startsWith('https:') ?? false;
  const http: HttpSettings = { trust: proxyTrust(options.trustProxy ?? 0, options.trustedProxies), publicUrl: options.publicUrl };
  const apiTags = [healthTag, ...(options.apiTags ?? [])];
  const manifest = {
    server: {
      host: options.host,
      port: options.port,
      app: { huiliu: http },
      router: { stripTrailingSlash: true },
      debug: false,
      routes: {
        validate: { failAction: validationFailAction },
        response: { failAction: options.strictResponses ? 'error' : 'log' },
        payload: { maxBytes: 1024 * 1024 },
        security: { noSniff: true, xframe: 'sameorigin', referrer: 'same-origin', hsts: https ? HSTS : false },
      },
    },
    register: {
      plugins: [
        { plugin: HapiPino, options: requestLogOptions(options.logger, options.logRequests ?? 'compact') },
        { plugin: Inert },
        { plugin: Vision },
        {
          plugin: HapiSwagger,
          options: {
            ...openApiSettings(options.version, apiTags),
            documentationPath: '/documentation',
            jsonPath: '/swagger.json',
            // No call to the online validator: the page's CSP allows only this server.
            validatorUrl: null,
            ...swagger2Security,
          },
        },
        { plugin: HapiSwagger, options: openApi3Options(options.version, apiTags) },
        { plugin: errorResponsesPlugin },
        { plugin: securityHeadersPlugin },
        { plugin: authPlugin, options: options.auth },
        { plugin: routesPlugin, options: { routes: options.routes } },
        ...(options.plugins ?? []),
        ...(options.sdkDir ? [{ plugin: sdkPlugin, options: { dir: options.sdkDir } }] : []),
        { plugin: consolePlugin, options: { dir: options.consoleDir } },
      ],
    },
  };
  const server = await Glue.compose(manifest as unknown as Glue.Manifest);
  // Request ids are `<received ms>:<server id>:<counter>`; hapi's server id is hostname:pid:time
  // (no option changes it), which logs and error bodies would hand out: a random id instead.
  (server.info as { id: string }).id = randomBytes(3).toString('hex');
  return server;
}
