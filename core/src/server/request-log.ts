import type { Request } from '@hapi/hapi';
import type { Logger } from 'pino';
import { clientIp } from './client.js';

/** `compact`: id, method, path, status, time. `full`: + client address, useful headers, query. `off`. */
export type RequestLogMode = 'off' | 'compact' | 'full';

/** Headers worth a log line; credentials (authorization, cookie, x-csrf-token, set-cookie) never are. */
const USEFUL_HEADERS = ['user-agent', 'referer', 'content-type', 'content-length', 'accept-language', 'x-forwarded-for'];

/** Query parameters whose values are never logged. */
const SECRET_QUERY = /token|secret|password|key|sig|code|auth|session/i;

/** Paths whose secrets pino replaces, should anything still log raw headers or credentials. */
export const REDACTED_PATHS = [
  // mysql2 errors carry the statement with its values filled in (names, bodies of the inbox…).
  'err.sql',
  'err.parameters',
  'err.bindings',
  'err.failure.sql',
  'err.failure.parameters',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'headers["x-csrf-token"]',
  'headers["set-cookie"]',
  'password',
  '*.password',
  'currentPassword',
  '*.currentPassword',
  'newPassword',
  '*.newPassword',
  'appSecret',
  '*.appSecret',
  'accessToken',
  '*.accessToken',
  'csrfToken',
  '*.csrfToken',
  'setupToken',
  '*.setupToken',
  'secretKey',
  '*.secretKey',
  // Password reset tokens (the console posts them in the body; never logged either way).
  'token',
  '*.token',
];

/**
 * A `Referer` without its query and fragment: pages reached by a link carrying a secret
 * (`/reset-password?token=…`) send their full address with every request they make.
 */
function withoutQuery(referer: unknown): unknown {
  if (typeof referer !== 'string') return referer;
  const end = referer.search(/[?#]/);
  return end === -1 ? referer : `${referer.slice(0, end)}?[redacted]`;
}

function isHapiRequest(value: unknown): value is Request {
  return typeof value === 'object' && value !== null && 'info' in value && 'route' in value;
}

function requestSerializer(mode: RequestLogMode) {
  return (request: unknown): unknown => {
    if (!isHapiRequest(request)) return request;
    const line: Record<string, unknown> = { id: request.info.id, method: request.method.toUpperCase(), path: request.path };
    if (mode === 'full') {
      line.remoteAddress = clientIp(request);
      const headers: Record<string, unknown> = {};
      for (const name of USEFUL_HEADERS) if (request.headers[name] !== undefined) headers[name] = request.headers[name];
      if (headers.referer !== undefined) headers.referer = withoutQuery(headers.referer);
      line.headers = headers;
      const query = Object.entries(request.query ?? {});
      if (query.length) {
        line.query = Object.fromEntries(query.map(([key, value]) => [key, SECRET_QUERY.test(key) ? '[redacted]' : value]));
      }
    }
    return line;
  };
}

function responseSerializer(mode: RequestLogMode) {
  return (response: unknown): unknown => {
    const raw = response as { statusCode?: number; getHeader?: (name: string) => unknown } | null;
    if (!raw || typeof raw.getHeader !== 'function') return response;
    if (mode !== 'full') return { statusCode: raw.statusCode };
    return {
      statusCode: raw.statusCode,
      contentLength: raw.getHeader('content-length'),
      contentType: raw.getHeader('content-type'),
    };
  };
}

/**
 * hapi-pino's options. hapi-pino ignores its own `redact` and serializer options' precedence when
 * given an existing logger (`instance`), so the request logger is a child of the app's logger that
 * carries its own serializers (which log no credentials at all) and redaction.
 */
export function requestLogOptions(logger: Logger, mode: RequestLogMode): Record<string, unknown> {
  const instance = logger.child(
    {},
    {
      serializers: { req: requestSerializer(mode), res: responseSerializer(mode) },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
  );
  return {
    instance,
    logPayload: false,
    mergeHapiLogData: true,
    ignorePaths: ['/health', '/ready'],
    // Successful static files of the console are noise; their failures are not.
    logRequestComplete: (request: Request) =>
      mode !== 'off' && !(request.path.startsWith('/assets/') && (request.response as { statusCode?: number }).statusCode! < 400),
    customRequestCompleteMessage: (request: Request, responseTime: number) =>
      `${request.method.toUpperCase()} ${request.path} ${(request.response as { statusCode?: number })?.statusCode ?? '-'} ${responseTime}ms`,
  };
}
