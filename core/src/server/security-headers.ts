import { createHash } from 'node:crypto';
import type { Plugin, Request, ResponseObject, Server } from '@hapi/hapi';
import type { Boom } from '@hapi/boom';
import { DomainError } from './errors.js';

/**
 * The console (a Vite build: module scripts from /assets, no inline script). antd's CSS-in-JS
 * inserts <style> elements, hence 'unsafe-inline' for styles only; images may come from https
 * (WeChat avatars, QR codes) and data:/blob: URLs (generated QR codes, chart exports).
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob: https:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'self'",
].join('; ');

/** JSON and files of the API are never rendered as pages. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'";

/**
 * Swagger UI at /documentation: its scripts and styles from /swaggerui, its one inline script
 * allowed by hash (computed from the rendered page), inline styles (the page's and the UI's own
 * style attributes), and fetches only to this server (no online validator, no foreign spec URL).
 */
export function documentationCsp(scriptHashes: string[]): string {
  return [
    "default-src 'self'",
    `script-src 'self' ${scriptHashes.map((hash) => `'${hash}'`).join(' ')}`.trim(),
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'self'",
  ].join('; ');
}

/** `sha256-…` of every inline <script> of a page. */
export function inlineScriptHashes(html: string): string[] {
  return [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/gi)].map(
    (match) => `sha256-${createHash('sha256').update(match[1]!, 'utf8').digest('base64')}`,
  );
}

const isDocumentation = (path: string) => path === '/documentation' || path.startsWith('/swaggerui/');
const isApi = (path: string) => path.startsWith('/api/') || path.startsWith('/v1/') || path === '/swagger.json';

/** The rendered documentation page's script hashes, computed once per server by an internal request. */
const documentationHashes = new WeakMap<Server, Promise<string[]>>();
const PROBE = 'huiliuCspProbe';

function hashesFor(server: Server): Promise<string[]> {
  let hashes = documentationHashes.get(server);
  if (!hashes) {
    hashes = server.inject({ method: 'GET', url: '/documentation', plugins: { [PROBE]: true } }).then((res) => {
      // A failed render is not remembered: the next request tries again (meanwhile no inline script runs).
      if (res.statusCode !== 200) documentationHashes.delete(server);
      return res.statusCode === 200 ? inlineScriptHashes(res.payload) : [];
    });
    documentationHashes.set(server, hashes);
  }
  return hashes;
}

function setHeader(response: ResponseObject | Boom, name: string, value: string): void {
  if ('isBoom' in response && response.isBoom) response.output.headers[name] = value;
  else (response as ResponseObject).header(name, value);
}

/** Content-Security-Policy on every response (hapi's `security` route option sets the others). */
export const securityHeadersPlugin: Plugin<void> = {
  name: 'huiliu-security-headers',
  dependencies: ['huiliu-error-responses'],
  register(server) {
    // A request body without Content-Type is refused, not guessed to be JSON.
    server.ext('onRequest', (request, h) => {
      const length = Number(request.headers['content-length'] ?? 0);
      const hasBody = length > 0 || request.headers['transfer-encoding'] !== undefined;
      if (hasBody && !request.headers['content-type']) throw new DomainError('content_type_required', 415);
      return h.continue;
    });

    server.ext(
      'onPreResponse',
      async (request: Request, h) => {
        const response = request.response;
        if ((request.plugins as Record<string, unknown>)[PROBE]) return h.continue;
        let policy: string;
        if (isDocumentation(request.path)) policy = documentationCsp(await hashesFor(request.server));
        else if (isApi(request.path)) policy = API_CSP;
        else policy = CONSOLE_CSP;
        setHeader(response, 'content-security-policy', policy);
        return h.continue;
      },
      { after: ['huiliu-error-responses'] },
    );
  },
};
