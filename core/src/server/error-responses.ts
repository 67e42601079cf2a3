import Accept from '@hapi/accept';
import type { Boom } from '@hapi/boom';
import type { Plugin, Request, ResponseToolkit } from '@hapi/hapi';
import { InputError, isDomainError, type ErrorDetail } from './errors.js';
import { defaultLocale, formatMessage, isErrorCode, locales, type ErrorCode, type Locale } from './messages.js';

export function localeOf(request: Request): Locale {
  const header = request.headers['accept-language'] as string | undefined;
  if (!header) return defaultLocale;
  try {
    const chosen = Accept.language(header, [...locales, 'zh', 'en']);
    if (chosen.startsWith('en')) return 'en-US';
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
 * One place turns every failure into `{statusCode, code, message, details?, requestId}` with the
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
      // By brand, not instanceof: a plugin bundling its own copy of core throws its own classes.
      if (isDomainError(boom)) {
        ({ statusCode, code } = boom);
        params = boom.params ?? {};
        details = Array.isArray(boom.details) ? boom.details : undefined;
      } else {
        statusCode = boom.output.statusCode;
        code = codeForBoom(boom);
      }
      if (statusCode >= 500) {
        request.log(['error'], { err: boom, requestId: request.info.id });
      }
      const body: Record<string, unknown> = {
        statusCode,
        code,
        message: formatMessage(code, locale, params),
        requestId: request.info.id,
      };
      if (details?.length) body.details = details;
      const reply = h.response(body).code(statusCode);
      const authenticate = boom.output.headers['WWW-Authenticate'];
      if (statusCode === 401 && authenticate) reply.header('WWW-Authenticate', String(authenticate));
      return reply;
    });
  },
};
