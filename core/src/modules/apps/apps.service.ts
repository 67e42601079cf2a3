import { randomBytes } from 'node:crypto';
import type { HuiliuConfig } from '../../config/config.js';
import { createServiceRef } from '../../kernel/extension-point.js';
import type { PermissionRegistry } from '../../kernel/permissions.js';
import { PasswordLane } from '../../lib/password.js';
import { hashToken, randomToken } from '../../lib/tokens.js';
import { ForbiddenError, NotFoundError, RateLimitError, UnauthorizedError } from '../../server/errors.js';
import type { Principal } from '../../server/principal.js';
import { limitPerWindow, lockAfter, ThrottledError, type Throttle, type ThrottlePolicy } from '../../server/throttle.js';
import type { Page } from '../../store/oltp/oltp-store.js';
import type { AppsRepo } from './apps.repo.js';
import type { PluginEnablement } from '../tenant-plugins/plugin-enablement.js';
import type { TenantService } from '../tenancy/tenant.service.js';
import { toApiApp, type ApiApp, type ApiAppRow } from './apps.types.js';

/** Lifetime of an Open API access token (seconds). */
export const ACCESS_TOKEN_TTL_SECONDS = 7200;

export interface AccessToken {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
}

/**
 * Open API apps (私有App): an appKey/appSecret pair exchanged for short-lived bearer tokens.
 * The secret is shown once and stored only as an argon2id hash; tokens only as SHA-256.
 */
/** Wrong secrets for one app key from one client address before that pair is locked (15 min, doubling). */
export const TOKEN_MAX_FAILURES = 10;

export class AppsService {
  private readonly throttle: Throttle;
  /** Argon2 work of token exchanges and new secrets (a lane of its own: logins have another). */
  readonly passwords: PasswordLane;
  private readonly tokenPolicies: { ip: ThrottlePolicy; pair: ThrottlePolicy };

  constructor(
    private readonly repo: AppsRepo,
    private readonly permissions: PermissionRegistry,
    config: HuiliuConfig,
    private readonly tenants: TenantService,
    throttle: Throttle,
    /** Which plugins the tenant has (ADR 0041): an app holds no permission of a plugin disabled there. */
    private readonly enablement: Pick<PluginEnablement, 'disabledPermissions'>,
  ) {
    this.throttle = throttle;
    this.passwords = new PasswordLane({ concurrency: config.auth.passwordConcurrency, queue: config.auth.passwordQueue });
    this.tokenPolicies = {
      // Every exchange counts (an integration needs one token per 2 hours).
      ip: limitPerWindow({ max: config.auth.tokenRequestsPerMinute, windowMs: 60_000, onSuccess: 'keep' }),
      pair: lockAfter({
        max: TOKEN_MAX_FAILURES,
        windowMs: 15 * 60_000,
        lockMs: 15 * 60_000,
        maxLockMs: 24 * 3600_000,
        forgetMs: 24 * 3600_000,
      }),
    };
  }

  async list(tenantId: string, page: number, pageSize: number): Promise<Page<ApiApp>> {
    return this.repo.page(tenantId, page, pageSize, toApiApp);
  }

  async count(tenantId: string): Promise<number> {
    return this.repo.count(tenantId);
  }

  async get(tenantId: string, appId: string): Promise<ApiApp> {
    return toApiApp(await this.row(tenantId, appId));
  }

  private async row(tenantId: string, appId: string): Promise<ApiAppRow> {
    const row = await this.repo.find(tenantId, appId);
    if (!row) throw new NotFoundError('app_not_found');
    return row;
  }

  async create(tenantId: string, name: string, createdBy: string | null): Promise<{ app: ApiApp; appSecret: string }> {
    const appSecret = randomToken(32);
    const now = Date.now();
    const id = await this.repo.insert(tenantId, {
      name: name.trim(),
      app_key: `ak_${randomBytes(12).toString('hex')}`,
      secret_hash: await this.passwords.hash(appSecret),
      status: 'enabled',
      created_by: createdBy,
      created_at: now,
      updated_at: now,
    });
    return { app: await this.get(tenantId, id), appSecret };
  }

  async update(tenantId: string, appId: string, changes: { name?: string; status?: 'enabled' | 'disabled' }): Promise<ApiApp> {
    await this.row(tenantId, appId);
    const patch: Record<string, unknown> = { updated_at: Date.now() };
    if (changes.name !== undefined) patch.name = changes.name.trim();
    if (changes.status !== undefined) patch.status = changes.status;
    // Disabling an app revokes its live tokens at once.
    await this.repo.update(tenantId, appId, patch, { revokeTokens: changes.status === 'disabled' });
    return this.get(tenantId, appId);
  }

  /** A new secret; the old one and every token issued with it stop working. */
  async resetSecret(tenantId: string, appId: string): Promise<{ app: ApiApp; appSecret: string }> {
    await this.row(tenantId, appId);
    const appSecret = randomToken(32);
    const secretHash = await this.passwords.hash(appSecret);
    await this.repo.update(tenantId, appId, { secret_hash: secretHash, updated_at: Date.now() }, { revokeTokens: true });
    return { app: await this.get(tenantId, appId), appSecret };
  }

  async remove(tenantId: string, appId: string): Promise<void> {
    await this.row(tenantId, appId);
    await this.repo.remove(tenantId, appId);
  }

  /**
   * `POST /api/v1/auth/token`: the app key tells the tenant, the secret proves it. Rate-limited per
   * client address, and an address guessing one app's secret is locked out of that app.
   */
  async issueToken(appKey: string, appSecret: string, client: { ip: string }): Promise<AccessToken> {
    const row = await this.repo.findByKey(appKey);
    let ticket;
    try {
      ticket = await this.throttle.reserve([
        { scope: 'token.ip', key: client.ip, policy: this.tokenPolicies.ip },
        { scope: 'token.pair', key: `${client.ip}\n${row ? `app:${row.id}` : `key:${appKey}`}`, policy: this.tokenPolicies.pair },
      ]);
    } catch (error) {
      if (!(error instanceof ThrottledError)) throw error;
      throw new RateLimitError('too_many_requests', {}, Math.ceil(error.retryAfterMs / 1000));
    }
    let ok: boolean;
    try {
      ok = row ? await this.passwords.verify(row.secret_hash, appSecret) : await this.passwords.verifyDummy(appSecret);
    } catch (error) {
      await this.throttle.cancel(ticket).catch(() => undefined);
      throw error;
    }
    await this.throttle.settle(ticket, ok);
    if (!row || !ok) throw new UnauthorizedError('app_credentials_invalid');
    if (row.status !== 'enabled') throw new ForbiddenError('app_disabled');
    const accessToken = randomToken(32);
    const now = Date.now();
    await this.repo.issueToken(String(row.tenant_id), row.id, {
      token_hash: hashToken(accessToken),
      created_at: now,
      expires_at: now + ACCESS_TOKEN_TTL_SECONDS * 1000,
    });
    return { accessToken, tokenType: 'Bearer', expiresIn: ACCESS_TOKEN_TTL_SECONDS };
  }

  async principalForToken(accessToken: string): Promise<Principal | null> {
    const row = await this.repo.findToken(hashToken(accessToken));
    if (!row || Number(row.expires_at) <= Date.now() || row.status !== 'enabled') return null;
    // The tenant belongs to tenancy: asked through its service, never joined.
    if (!(await this.tenants.isActive(String(row.tenant_id)))) return null;
    const tenantId = String(row.tenant_id);
    const permissions = this.permissions.forApp();
    for (const id of await this.enablement.disabledPermissions(tenantId)) permissions.delete(id);
    return { kind: 'app', tenantId, appId: String(row.app_id), permissions };
  }
}

export const appsServiceRef = createServiceRef<AppsService>({ id: 'apps.apps' });
