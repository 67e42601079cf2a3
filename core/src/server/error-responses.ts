import Accept from '@hapi/accept';
import type { Boom } from '@hapi/boom';
import type { Plugin, Request, ResponseToolkit } from '@hapi/hapi';
import { isOltpUnavailable } from '../store/oltp/knex.js';
import { InputError, isDomainError, type ErrorDetail } from './errors.js';
import { defaultLocale, formatMessage, isErrorCode, messageParams, type ErrorCode, type Locale } from './messages.js';

/**
 * The caller's language: the first Accept-Language entry (by preference) whose primary tag is one
 * we speak — any `en-*` (en, en-GB, en-AU) reads en-US, any `zh-*` zh-CN; otherwise zh-CN.
 */
export function localeOf(request: Request): Locale {
  const header = request.headers['accept-language'] as string | undefined;
  if (!header) return defaultLocale;
  try {
    for (const tag of Accept.languages(header)) {
      const primary = tag.split('-')[0];
      if (primary === 'en') return 'en-US';
      if (primary === 'zh') return 'zh-CN';
    }
  } catch {
    // An unparsable header falls back to the default language.
  }
  return defaultLocale;
}

interface JoiDetail {
  path: (string | number)[];
  type: string;
}

/** Route validation failures become `validation_failed` with one `{path, code}` per problem. */
export function validationFailAction(_request: Request, _h: ResponseToolkit, error?: Error): never {
  const details = ((error as { details?: JoiDetail[] } | undefined)?.details ?? []).map((detail): ErrorDetail => ({
    path: detail.path.join('.'),
    code: detail.type,
  }));
  throw new InputError('validation_failed', {}, details);
}

function codeForBoom(boom: Boom): ErrorCode {
  const status = boom.output.statusCode;
  if (isErrorCode(boom.message)) return boom.message as ErrorCode;
  if (status === 400 && /payload/i.test(boom.message) && /json|format/i.test(boom.message)) return 'invalid_json';
  switch (status) {
    case 400:
      return 'validation_failed';
    case 401:
      return 'unauthenticated';
    case 403:
      return 'forbidden';
    case 404:
      return 'not_found';
    case 405:
      return 'method_not_allowed';
    case 413:
      return 'payload_too_large';
    case 415:
      return 'unsupported_media_type';
    case 429:
      return 'too_many_requests';
    default:
      return 'internal_error';
  }
}

/**
 * The parameters the message interpolates (`{minutes}`…) as JSON scalars — only those, so a
 * parameter kept for logs never reaches the caller — or undefined when there are none.
 */
function publicParams(code: ErrorCode, params: Record<string, unknown>): Record<string, string | number | boolean> | undefined {
  const entries = messageParams(code)
    .filter((name) => params[name] !== undefined)
    .map((name) => {
      const value = params[name];
      return [name, typeof value === 'number' || typeof value === 'boolean' ? value : String(value)] as const;
    });
  return entries.length ? Object.fromEntries(entries) : undefined;
}

/**
 * One place turns every failure into `{statusCode, code, message, params?, details?, requestId}` with the
 * message in the caller's language (zh-CN by default, en-US on request).
 */
export const errorResponsesPlugin: Plugin<void> = {
  name: 'huiliu-error-responses',
  register(server) {
    server.ext('onPreResponse', (request, h) => {
      const response = request.response;
      if (!('isBoom' in response) || !response.isBoom) return h.continue;
      const locale = localeOf(request);
      const boom = response as Boom;
      let statusCode: number;
      let code: ErrorCode;
      let params: Record<string, unknown> = {};
      let details: ErrorDetail[] | undefined;
      let retryAfter: number | undefined;
      // By brand, not instanceof: a plugin bundling its own copy of core throws its own classes.
      if (isDomainError(boom)) {
        ({ statusCode, code } = boom);
        params = boom.params ?? {};
        details = Array.isArray(boom.details) ? boom.details : undefined;
        const retry = (boom as { retryAfterSeconds?: unknown }).retryAfterSeconds;
        if (typeof retry === 'number') retryAfter = retry;
      } else if (isOltpUnavailable(boom) || isOltpUnavailable(boom.data)) {
        // A database that hangs or is down is an outage (503), never "please sign in" (401) — the
        // console signs users out on 401 (a session lookup that fails reaches here as a 401).
        statusCode = 503;
        code = 'database_unavailable';
        retryAfter = 1;
        const cause = (isOltpUnavailable(boom) ? boom : boom.data) as { code?: string; errno?: number; name?: string };
        request.log(['warn'], { database: { code: cause.code ?? cause.name, errno: cause.errno }, requestId: request.info.id });
      } else {
        statusCode = boom.output.statusCode;
        code = codeForBoom(boom);
      }
      if (statusCode >= 500 && code !== 'database_unavailable' && code !== 'server_busy') {
        request.log(['error'], { err: boom, requestId: request.info.id });
      }
      const body: Record<string, unknown> = {
        statusCode,
        code,
        message: formatMessage(code, locale, params),
        requestId: request.info.id,
      };
      const shownParams = publicParams(code, params);
      if (shownParams) body.params = shownParams;
      // A detail whose code is in the catalogue (a condition problem, a field rule) carries its message,
      // filled with the error's parameters when it repeats the error's code.
      if (details?.length) {
        body.details = details.map((detail) =>
          isErrorCode(detail.code)
            ? {
                ...detail,
                message: formatMessage(detail.code as ErrorCode, locale, detail.code === code ? shownParams : undefined),
              }
            : detail,
        );
      }
      const reply = h.response(body).code(statusCode);
      if (retryAfter !== undefined) reply.header('Retry-After', String(Math.max(1, Math.ceil(retryAfter))));
      const authenticate = boom.output.headers['WWW-Authenticate'];
      if (statusCode === 401 && authenticate) reply.header('WWW-Authenticate', String(authenticate));
      return reply;
    });
  },
};
