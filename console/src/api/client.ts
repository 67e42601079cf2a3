import { currentLanguage } from '../i18n';
import type { ErrorBody, ErrorDetail } from './types';

/** An error answered by the API (or `network_error` when no answer arrived). */
export class ApiError extends Error {
  readonly statusCode: number;
  readonly code: string;
  readonly details: ErrorDetail[];
  /** The values the server interpolated into `message` (`{minutes: 15}`). */
  readonly params: Record<string, string | number | boolean>;
  readonly requestId: string | undefined;

  constructor(body: ErrorBody) {
    super(body.message);
    this.name = 'ApiError';
    this.statusCode = body.statusCode;
    this.code = body.code;
    this.details = body.details ?? [];
    this.params = body.params ?? {};
    this.requestId = body.requestId;
  }
}

export function isApiError(error: unknown, code?: string): error is ApiError {
  return error instanceof ApiError && (code === undefined || error.code === code);
}

// The CSRF token lives in memory only: it comes with the login and session responses.
let csrfToken: string | null = null;
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

type UnauthenticatedHandler = () => void;
let onUnauthenticated: UnauthenticatedHandler | null = null;
/** Called when any request (except those opting out) is answered 401 `unauthenticated`. */
export function setUnauthenticatedHandler(handler: UnauthenticatedHandler | null): void {
  onUnauthenticated = handler;
}

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  /** A multipart body (file uploads); the browser sets its Content-Type with the boundary. */
  form?: FormData;
  /** false: a 401 is only thrown, the caller decides (used by the session probe). */
  redirectOnUnauthenticated?: boolean;
  signal?: AbortSignal;
}

function buildUrl(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) params.set(key, String(value));
  }
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}

function isErrorBody(value: unknown): value is ErrorBody {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ErrorBody).code === 'string' &&
    typeof (value as ErrorBody).message === 'string'
  );
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export async function request<T>(
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
  path: string,
  options: RequestOptions = {},
): Promise<T> {
  const headers: Record<string, string> = {
    Accept: 'application/json',
    'Accept-Language': currentLanguage(),
  };
  if (options.body !== undefined && options.form === undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;

  let response: Response;
  try {
    response = await fetch(buildUrl(path, options.query), {
      method,
      headers,
      credentials: 'same-origin',
      body: options.form ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
      signal: options.signal,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError({
      statusCode: 0,
      code: 'network_error',
      message: error instanceof Error ? error.message : String(error),
    });
  }

  const payload = await readJson(response);
  if (!response.ok) {
    const error = new ApiError(
      isErrorBody(payload)
        ? { ...payload, statusCode: payload.statusCode ?? response.status }
        : {
            statusCode: response.status,
            code: response.status >= 500 ? 'internal_error' : 'unknown_error',
            message: response.statusText || `HTTP ${response.status}`,
          },
    );
    if (error.statusCode === 401 && error.code === 'unauthenticated' && options.redirectOnUnauthenticated !== false) {
      onUnauthenticated?.();
    }
    throw error;
  }
  return payload as T;
}

/** A file answered by the API, with the name from its Content-Disposition (`filename*` first). */
export interface DownloadedFile {
  blob: Blob;
  fileName: string;
}

function fileNameOf(disposition: string | null, fallback: string): string {
  if (!disposition) return fallback;
  const extended = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
  if (extended?.[1]) {
    try {
      return decodeURIComponent(extended[1]);
    } catch {
      // A malformed escape: the plain filename below.
    }
  }
  return /filename="([^"]+)"/i.exec(disposition)?.[1] ?? fallback;
}

/**
 * POSTs JSON and reads the answer as a file (exports generated on request). Errors are thrown as
 * `ApiError`s as `request` does.
 */
export async function requestFile(path: string, body: unknown, fallbackName = 'download'): Promise<DownloadedFile> {
  const headers: Record<string, string> = {
    Accept: '*/*',
    'Accept-Language': currentLanguage(),
    'Content-Type': 'application/json',
  };
  if (csrfToken) headers['x-csrf-token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(path, { method: 'POST', headers, credentials: 'same-origin', body: JSON.stringify(body) });
  } catch (error) {
    throw new ApiError({
      statusCode: 0,
      code: 'network_error',
      message: error instanceof Error ? error.message : String(error),
    });
  }
  if (!response.ok) {
    const payload = await readJson(response);
    const error = new ApiError(
      isErrorBody(payload)
        ? { ...payload, statusCode: payload.statusCode ?? response.status }
        : {
            statusCode: response.status,
            code: response.status >= 500 ? 'internal_error' : 'unknown_error',
            message: response.statusText || `HTTP ${response.status}`,
          },
    );
    if (error.statusCode === 401 && error.code === 'unauthenticated') onUnauthenticated?.();
    throw error;
  }
  return { blob: await response.blob(), fileName: fileNameOf(response.headers.get('content-disposition'), fallbackName) };
}

/** Hands a downloaded file to the browser (its download bar / folder). */
export function saveFile(file: DownloadedFile): void {
  const url = URL.createObjectURL(file.blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = file.fileName;
  link.style.display = 'none';
  document.body.appendChild(link);
  link.click();
  link.remove();
  // Revoked a moment later: some browsers read the URL after the click returns.
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export const api = {
  get: <T>(path: string, options?: Omit<RequestOptions, 'body'>) => request<T>('GET', path, options),
  post: <T>(path: string, body?: unknown, options?: RequestOptions) => request<T>('POST', path, { ...options, body }),
  patch: <T>(path: string, body?: unknown, options?: RequestOptions) => request<T>('PATCH', path, { ...options, body }),
  put: <T>(path: string, body?: unknown, options?: RequestOptions) => request<T>('PUT', path, { ...options, body }),
  /** POST a multipart form (`file` uploads). */
  upload: <T>(path: string, form: FormData, options?: Omit<RequestOptions, 'body' | 'form'>) =>
    request<T>('POST', path, { ...options, form }),
  delete: <T = void>(path: string, options?: RequestOptions) => request<T>('DELETE', path, options),
};
