import type { ErrorBody } from '@huiliu/core/api-types';

/** The `fetch` the SDK calls (Node's global one by default; injectable for proxies and tests). */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/**
 * An answer of the server that is not a success, or no answer at all. `status` is the HTTP status
 * (0 when the request never got one: `code` is then `network_error` or `timeout`); `code` is the
 * stable error code of the body (`{statusCode, code, message, details?, requestId}`) — program
 * against it, not against `message`, which follows the `Accept-Language` sent.
 */
export class HuiliuApiError extends Error {
  override readonly name = 'HuiliuApiError';
  readonly status: number;
  readonly code: string;
  readonly details: ErrorBody['details'];
  readonly requestId: string | undefined;
  /** The server's `Retry-After`, in milliseconds (429, 503). */
  readonly retryAfterMs: number | undefined;
  /** How many times the request was sent. */
  attempts = 1;

  constructor(
    status: number,
    code: string,
    message: string,
    extra: { details?: ErrorBody['details']; requestId?: string; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.status = status;
    this.code = code;
    this.details = extra.details;
    this.requestId = extra.requestId;
    this.retryAfterMs = extra.retryAfterMs;
  }

  /**
   * Whether sending the same request again may succeed: no answer, 408, 429 and 5xx. A 400 (the
   * request itself is wrong), 401, 403, 404, 413… never becomes right by resending it.
   */
  get retryable(): boolean {
    return this.status === 0 || this.status === 408 || this.status === 429 || this.status >= 500;
  }
}

/** Retries of a request that may be resent: exponential backoff with jitter, `Retry-After` honoured. */
export interface RetryPolicy {
  /** Resends after the first attempt (0 = never resend). */
  maxRetries: number;
  /** The first backoff; it doubles on each retry. */
  minDelayMs: number;
  /** The longest backoff, and the longest `Retry-After` waited for. */
  maxDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { maxRetries: 3, minDelayMs: 500, maxDelayMs: 30_000 };

/**
 * The wait before retry number `retry` (0-based): "equal jitter" — half of the exponential step
 * fixed, half random, so many clients failing together do not come back together. A `Retry-After`
 * is a floor (the server said when it can take the request again).
 */
export function backoffMs(retry: number, policy: RetryPolicy, retryAfterMs?: number, random: () => number = Math.random): number {
  const step = Math.min(policy.maxDelayMs, policy.minDelayMs * 2 ** retry);
  const jittered = step / 2 + random() * (step / 2);
  return Math.round(retryAfterMs === undefined ? jittered : Math.max(Math.min(retryAfterMs, policy.maxDelayMs), jittered));
}

/** `Retry-After`: delay-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface JsonRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
  /** A prepared JSON body (sent as is). */
  rawBody?: string;
  timeoutMs: number;
}

/** Sends one request; a 2xx answer's JSON body (undefined when empty), else a `HuiliuApiError`. */
export async function sendJson<T>(fetchImpl: FetchLike, request: JsonRequest): Promise<T> {
  const body = request.rawBody ?? (request.body === undefined ? undefined : JSON.stringify(request.body));
  let response: Response;
  try {
    response = await fetchImpl(request.url, {
      method: request.method,
      headers: {
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...request.headers,
      },
      body,
      signal: AbortSignal.timeout(request.timeoutMs),
    });
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    const reason = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
    throw new HuiliuApiError(
      0,
      timedOut ? 'timeout' : 'network_error',
      timedOut ? `no answer within ${request.timeoutMs} ms` : `request failed: ${reason}`,
      { cause: error },
    );
  }
  const text = await response.text().catch(() => '');
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (response.ok) return parsed as T;
  const error = (parsed ?? {}) as Partial<ErrorBody>;
  throw new HuiliuApiError(
    response.status,
    typeof error.code === 'string' ? error.code : `http_${response.status}`,
    typeof error.message === 'string' ? error.message : `HTTP ${response.status} ${response.statusText}`.trim(),
    {
      details: error.details,
      requestId: error.requestId,
      retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
    },
  );
}

/**
 * Runs `attempt` until it succeeds, fails with an error that is not retryable, or the retries are
 * spent; the last error is thrown with its `attempts`.
 */
export async function withRetries<T>(
  attempt: () => Promise<T>,
  policy: RetryPolicy,
  options: { onRetry?: (error: HuiliuApiError, delayMs: number) => void; wait?: (ms: number) => Promise<void> } = {},
): Promise<T> {
  for (let retry = 0; ; retry += 1) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof HuiliuApiError)) throw error;
      error.attempts = retry + 1;
      if (!error.retryable || retry >= policy.maxRetries) throw error;
      const delay = backoffMs(retry, policy, error.retryAfterMs);
      options.onRetry?.(error, delay);
      await (options.wait ?? sleep)(delay);
    }
  }
}

/** `baseUrl` without a trailing slash. */
export function trimBase(url: string): string {
  return url.replace(/\/+$/, '');
}
