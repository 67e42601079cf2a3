import { paginate, type ModuleDatabase, type Page } from '../../store/oltp/oltp-store.js';
import type { ApiAppRow } from './apps.types.js';

/** The `api_app` and `api_token` tables. */
export class AppsRepo {
  constructor(private readonly db: ModuleDatabase) {}

  private apps(tenantId: string) {
    return this.db.forTenant(tenantId).from<ApiAppRow>('api_app');
  }

  page<T>(tenantId: string, page: number, pageSize: number, map: (row: ApiAppRow) => T): Promise<Page<T>> {
    return paginate(() => this.apps(tenantId), { page, pageSize, orderBy: 'api_app.id' }, map);
  }

  async count(tenantId: string): Promise<number> {
    const [row] = await this.apps(tenantId).count<{ n: number }[]>({ n: '*' });
    return Number(row?.n ?? 0);
  }

  find(tenantId: string, appId: string): Promise<ApiAppRow | undefined> {
    return this.apps(tenantId).where('api_app.id', appId).first();
  }

  /** The token exchange's lookup: the app key tells the tenant, so this one is not tenant-scoped. */
  findByKey(appKey: string): Promise<ApiAppRow | undefined> {
    return this.db.unscoped<ApiAppRow>('api_app').where({ app_key: appKey }).first();
  }

  insert(tenantId: string, row: Omit<ApiAppRow, 'id' | 'tenant_id' | 'last_used_at'>): Promise<string> {
    return this.db.forTenant(tenantId).insert('api_app', row);
  }

  /** Changes an app; with `revokeTokens` its live tokens end in the same transaction. */
  async update(
    tenantId: string,
    appId: string,
    patch: Record<string, unknown>,
    options: { revokeTokens?: boolean } = {},
  ): Promise<void> {
    await this.db.forTenant(tenantId).transaction(async (tx) => {
      await tx.from('api_app').where('api_app.id', appId).update(patch);
      if (options.revokeTokens) await tx.from('api_token').where('api_token.app_id', appId).delete();
    });
  }

  async remove(tenantId: string, appId: string): Promise<void> {
    await this.db.forTenant(tenantId).transaction(async (tx) => {
      await tx.from('api_token').where('api_token.app_id', appId).delete();
      await tx.from('api_app').where('api_app.id', appId).delete();
    });
  }

  /** A new token of the app (expired ones of the app are swept on the way). */
  async issueToken(
    tenantId: string,
    appId: string | number,
    token: { token_hash: string; created_at: number; expires_at: number },
  ): Promise<void> {
    await this.db.forTenant(tenantId).transaction(async (tx) => {
      // The app row first: its lock orders parallel exchanges of one app. Inserting the token
      // first takes a shared lock on it (the foreign key), and two such transactions then
      // deadlock on MySQL when each wants to update it.
      await tx.from('api_app').where('api_app.id', appId).update({ last_used_at: token.created_at });
      await tx.insert('api_token', { ...token, app_id: appId });
      await tx.from('api_token').where('api_token.app_id', appId).where('api_token.expires_at', '<=', token.created_at).delete();
    });
  }

  /** The token of a bearer header with its app (the lookup that establishes the tenant). */
  findToken(
    tokenHash: string,
  ): Promise<{ tenant_id: number | string; app_id: number | string; expires_at: number; status: string } | undefined> {
    return this.db
      .unscoped('api_token as k')
      .join('api_app as a', 'a.id', 'k.app_id')
      .where('k.token_hash', tokenHash)
      .first('k.tenant_id', 'k.app_id', 'k.expires_at', 'a.status');
  }
}
