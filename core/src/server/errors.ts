import type { ErrorCode } from './messages.js';

export interface ErrorDetail {
  path: string;
  code: string;
}

/** A domain error with a stable code; the server maps it to `{statusCode, code, message}`. */
export class DomainError extends Error {
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
