/**
 * The API caller of `@huiliu/core/testing`: requests through `server.inject()` (no port) as an
 * anonymous caller, a signed-in staff member (session cookie + CSRF token) or an Open API app
 * (bearer token), with typed responses.
 */
import { randomBytes } from 'node:crypto';
import type { Server, ServerInjectOptions } from '@hapi/hapi';

/**
 * A response as a test sees it: the status, the body (parsed when the response is JSON, else the
 * text) and the headers. `T` is the body's type, e.g. `InjectResult<ChannelDetail>`.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface InjectResult<T = any> {
  statusCode: number;
  body: T;
  headers: Record<string, unknown>;
}

/** One file part of a multipart body. */
export interface MultipartFile {
  filename: string;
  content: string | Buffer;
  contentType?: string;
}

/** A `multipart/form-data` body (uploads): pass it as `Client.request`'s payload. */
export class Multipart {
  readonly boundary = `----huiliu-${randomBytes(8).toString('hex')}`;

  constructor(readonly parts: Record<string, string | MultipartFile>) {}

  get contentType(): string {
    return `multipart/form-data; boundary=${this.boundary}`;
  }

  body(): Buffer {
    const chunks: Buffer[] = [];
    for (const [name, part] of Object.entries(this.parts)) {
      const head =
        typeof part === 'string'
          ? `Content-Disposition: form-data; name="${name}"\r\n\r\n`
          : `Content-Disposition: form-data; name="${name}"; filename="${part.filename}"\r\nContent-Type: ${part.contentType ?? 'text/csv'}\r\n\r\n`;
      chunks.push(Buffer.from(`--${this.boundary}\r\n${head}`, 'utf8'));
      chunks.push(typeof part === 'string' ? Buffer.from(part, 'utf8') : Buffer.from(part.content));
      chunks.push(Buffer.from('\r\n', 'utf8'));
    }
    chunks.push(Buffer.from(`--${this.boundary}--\r\n`, 'utf8'));
    return Buffer.concat(chunks);
  }
}

/** A multipart body with a file part `file` (and text fields). */
export function multipart(file: MultipartFile, fields: Record<string, string> = {}): Multipart {
  return new Multipart({ ...fields, file });
}

/**
 * A caller of the API: anonymous (`new Client(server)`), a signed-in staff member
 * (`Client.staff`: cookie, and the CSRF token on writes) or an Open API app (`Client.app`: bearer).
 * Every method resolves with the response, whatever its status (failures are for the test to assert).
 *
 * ```ts
 * const staff = await Client.staff(kernel.server, tenant.email, tenant.password);
 * const res = await staff.get<{ items: PluginInfo[] }>('/api/v1/plugins');
 * res.body.items[0].id; // typed
 * ```
 */
export class Client {
  private cookie: string | undefined;
  private csrfToken: string | undefined;
  private bearer: string | undefined;
  /** Sent as `Accept-Language`: error messages come in this language. */
  language = 'zh-CN';

  constructor(private readonly server: Server) {}

  /** Signs in with email and password (`POST /api/v1/auth/login`); throws unless it answers 200. */
  static async staff(server: Server, email: string, password: string): Promise<Client> {
    const client = new Client(server);
    const res = await client.request('POST', '/api/v1/auth/login', { email, password });
    if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${JSON.stringify(res.body)}`);
    return client;
  }

  /** An Open API app with an access token from `POST /api/v1/auth/token`. */
  static app(server: Server, accessToken: string): Client {
    const client = new Client(server);
    client.bearer = accessToken;
    return client;
  }

  /** The cookie / bearer headers of this caller, for raw `server.inject` calls. */
  authHeaders(): Record<string, string> {
    return {
      ...(this.cookie ? { cookie: this.cookie } : {}),
      ...(this.bearer ? { authorization: `Bearer ${this.bearer}` } : {}),
    };
  }

  get csrf(): string | undefined {
    return this.csrfToken;
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  get<T = any>(url: string, headers?: Record<string, string>): Promise<InjectResult<T>> {
    return this.request<T>('GET', url, undefined, headers);
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  post<T = any>(url: string, payload?: unknown, headers?: Record<string, string>): Promise<InjectResult<T>> {
    return this.request<T>('POST', url, payload, headers);
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  put<T = any>(url: string, payload?: unknown, headers?: Record<string, string>): Promise<InjectResult<T>> {
    return this.request<T>('PUT', url, payload, headers);
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  patch<T = any>(url: string, payload?: unknown, headers?: Record<string, string>): Promise<InjectResult<T>> {
    return this.request<T>('PATCH', url, payload, headers);
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  delete<T = any>(url: string, payload?: unknown, headers?: Record<string, string>): Promise<InjectResult<T>> {
    return this.request<T>('DELETE', url, payload, headers);
  }

  /**
   * One request. An object payload is sent as JSON; a `Multipart` as `multipart/form-data`; a
   * string or Buffer as is (set its `content-type` in `headers`).
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async request<T = any>(
    method: string,
    url: string,
    payload?: unknown,
    headers: Record<string, string> = {},
  ): Promise<InjectResult<T>> {
    const options: ServerInjectOptions = {
      method,
      url,
      headers: {
        'accept-language': this.language,
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...(this.csrfToken && !['GET', 'HEAD'].includes(method.toUpperCase()) ? { 'x-csrf-token': this.csrfToken } : {}),
        ...(this.bearer ? { authorization: `Bearer ${this.bearer}` } : {}),
        ...headers,
      },
    };
    if (payload instanceof Multipart) {
      options.payload = payload.body();
      options.headers = { ...options.headers, 'content-type': payload.contentType };
    } else if (payload !== undefined) options.payload = payload as object;
    const res = await this.server.inject(options);
    const setCookie = res.headers['set-cookie'];
    if (setCookie) {
      const first = (Array.isArray(setCookie) ? setCookie[0] : setCookie)!.split(';')[0]!;
      this.cookie = first.endsWith('=') ? undefined : first;
    }
    const body = parseBody(res.payload, res.headers['content-type']);
    const maybe = body as { csrfToken?: string } | null;
    if (maybe && typeof maybe === 'object' && typeof maybe.csrfToken === 'string') this.csrfToken = maybe.csrfToken;
    return { statusCode: res.statusCode, body: body as T, headers: res.headers as Record<string, unknown> };
  }
}

/** The body of a response: parsed when it is JSON, else the text. */
export function parseBody(payload: string, contentType: unknown): unknown {
  return payload !== '' && String(contentType ?? '').includes('application/json') ? JSON.parse(payload) : payload;
}
