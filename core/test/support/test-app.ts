import type { Server, ServerInjectOptions } from '@hapi/hapi';
import { afterAll, beforeAll, describe } from 'vitest';
import type { CreateAppOptions, HuiliuApp } from '../../src/app.js';
import type { HuiliuConfig } from '../../src/config/config.js';
import { TenantService } from '../../src/modules/tenancy/tenant.service.js';
import { testEngines, type Engine } from './engines.js';
import { startIsolatedApp } from '../../src/testing.js';

export interface TestApp extends HuiliuApp {
  engine: Engine;
  dataDir: string;
  close(): Promise<void>;
}

/** A real Huiliu instance on a fresh store (temp SQLite file or a fresh MariaDB database). */
export async function createTestApp(
  engine: Engine,
  overrides: Partial<HuiliuConfig> = {},
  options: { plugins?: CreateAppOptions['plugins'] } = {},
): Promise<TestApp> {
  const { app, close } = await startIsolatedApp({
    engine: engine === 'mariadb' ? 'mysql' : 'sqlite',
    overrides,
    plugins: options.plugins,
  });
  return Object.assign(app, { engine, dataDir: app.config.dataDir, close });
}

/**
 * Runs a suite once per OLTP engine with its own app: `describeEngines('apps', (ctx) => …)`.
 * `ctx.app` is ready inside tests.
 */
export function describeEngines(
  name: string,
  suite: (ctx: { readonly app: TestApp; readonly engine: Engine }) => void,
  options: { plugins?: CreateAppOptions['plugins'] } = {},
): void {
  for (const engine of testEngines()) {
    describe(`${name} [${engine}]`, () => {
      let app: TestApp | undefined;
      beforeAll(async () => {
        app = await createTestApp(engine, {}, options);
      });
      afterAll(async () => {
        await app?.close();
      });
      suite({
        get app() {
          if (!app) throw new Error('test app not ready');
          return app;
        },
        engine,
      });
    });
  }
}

let sequence = 0;

export interface TenantFixture {
  tenantId: string;
  staffId: string;
  email: string;
  password: string;
}

/** A tenant with its super staff, created through the service (as `huiliu admin create` does). */
export async function createTenant(app: HuiliuApp, options: { name?: string; timeZone?: string } = {}): Promise<TenantFixture> {
  sequence += 1;
  const email = `admin${sequence}.${process.pid}.${Date.now()}@example.com`;
  const password = 'Secret-pass-123';
  const { tenant, staff } = await app.container.resolve(TenantService).createWithSuperStaff({
    tenantName: options.name ?? `Tenant ${sequence}`,
    timeZone: options.timeZone,
    staff: { email, name: `Admin ${sequence}`, password },
  });
  return { tenantId: tenant.id, staffId: staff.id, email, password };
}

export interface InjectResult<T = any> {
  statusCode: number;
  body: T;
  headers: Record<string, unknown>;
}

/** A caller of the API: anonymous, a logged-in staff member (cookie + CSRF), or an app (bearer). */
export class Client {
  private cookie: string | undefined;
  private csrfToken: string | undefined;
  private bearer: string | undefined;
  language = 'zh-CN';

  constructor(private readonly server: Server) {}

  static async staff(server: Server, email: string, password: string): Promise<Client> {
    const client = new Client(server);
    const res = await client.request('POST', '/api/v1/auth/login', { email, password });
    if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${JSON.stringify(res.body)}`);
    return client;
  }

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
    if (payload !== undefined) options.payload = payload as object;
    const res = await this.server.inject(options);
    const setCookie = res.headers['set-cookie'];
    if (setCookie) {
      const first = (Array.isArray(setCookie) ? setCookie[0] : setCookie)!.split(';')[0]!;
      this.cookie = first.endsWith('=') ? undefined : first;
    }
    let body: unknown = res.payload;
    if (String(res.headers['content-type'] ?? '').includes('application/json')) body = JSON.parse(res.payload);
    const maybe = body as { csrfToken?: string } | null;
    if (maybe && typeof maybe === 'object' && typeof maybe.csrfToken === 'string') this.csrfToken = maybe.csrfToken;
    return { statusCode: res.statusCode, body: body as T, headers: res.headers as Record<string, unknown> };
  }
}
