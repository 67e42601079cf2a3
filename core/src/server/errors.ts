import type { ErrorCode } from './messages.js';

export interface ErrorDetail {
  path: string;
  code: string;
}

/**
 * The brand of a domain error. Registered in the global symbol registry, so an error made by
 * another copy of core (a plugin bundling its own @huiliu/core) carries the same brand, where
 * `instanceof` would fail and the error would answer 500.
 */
export const DOMAIN_ERROR: unique symbol = Symbol.for('huiliu.DomainError') as never;

/** A domain error with a stable code; the server maps it to `{statusCode, code, message}`. */
export class DomainError extends Error {
  readonly [DOMAIN_ERROR] = true;

  constructor(
    readonly code: ErrorCode,
    readonly statusCode: number,
    readonly params: Record<string, unknown> = {},
    readonly details?: ErrorDetail[],
  ) {
    super(code);
    this.name = new.target.name;
  }
}

export class InputError extends DomainError {
  constructor(code: ErrorCode, params?: Record<string, unknown>, details?: ErrorDetail[]) {
    super(code, 400, params, details);
  }
}

export class UnauthorizedError extends DomainError {
  constructor(code: ErrorCode = 'unauthenticated', params?: Record<string, unknown>) {
    super(code, 401, params);
  }
}

export class ForbiddenError extends DomainError {
  constructor(code: ErrorCode = 'forbidden', params?: Record<string, unknown>) {
    super(code, 403, params);
  }
}

export class NotFoundError extends DomainError {
  constructor(code: ErrorCode = 'not_found', params?: Record<string, unknown>) {
    super(code, 404, params);
  }
}

export class ConflictError extends DomainError {
  constructor(code: ErrorCode, params?: Record<string, unknown>) {
    super(code, 409, params);
  }
}

export class RateLimitError extends DomainError {
  /** @param retryAfterSeconds sent as the `Retry-After` header */
  constructor(
    code: ErrorCode,
    params?: Record<string, unknown>,
    readonly retryAfterSeconds?: number,
  ) {
    super(code, 429, params);
  }
}

/** The server cannot answer now (database unreachable or timed out, too much work queued): 503. */
export class UnavailableError extends DomainError {
  constructor(
    code: ErrorCode,
    readonly retryAfterSeconds = 1,
    params?: Record<string, unknown>,
  ) {
    super(code, 503, params);
  }
}

export class UpstreamError extends DomainError {
  constructor(
    code: ErrorCode,
    readonly retryable: boolean,
    params?: Record<string, unknown>,
  ) {
    super(code, 502, params);
  }
}

/**
 * True for a domain error of any copy of core: it carries the brand, a string code and an HTTP
 * status. Use this instead of `instanceof DomainError`.
 */
export function isDomainError(error: unknown): error is DomainError {
  if (typeof error !== 'object' || error === null) return false;
  const candidate = error as { [DOMAIN_ERROR]?: unknown; code?: unknown; statusCode?: unknown };
  return (
    candidate[DOMAIN_ERROR] === true &&
    typeof candidate.code === 'string' &&
    Number.isInteger(candidate.statusCode) &&
    (candidate.statusCode as number) >= 400 &&
    (candidate.statusCode as number) <= 599
  );
}
