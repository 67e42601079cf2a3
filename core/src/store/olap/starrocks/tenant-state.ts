import { randomBytes } from 'node:crypto';
import type { SecretBox } from '../../../config/secret-box.js';
import type { OltpStore } from '../../oltp/oltp-store.js';
import { OltpWriteLeases, type OltpWriteLeaseOptions, type WriteLeases } from './write-lease.js';

/**
 * What every process of a scaled deployment shares about a tenant's StarRocks store, kept in OLTP
 * (`olap_tenant_state`, migration 0037): the data revision, the operator user's password and the
 * fingerprint of the last full reconcile (migration 0040); and the
 * write leases that keep two processes' rewrites of one group, tag, dimension or schema apart
 * (`olap_write_lease`, migration 0039).
 */
export interface StarRocksTenantStateStore extends WriteLeases {
  /** The tenant's data revision: changes after every write of any process. */
  revision(tenantId: string): Promise<string>;
  /** Counts one more write (called after the write, failed ones too: a needless change only costs a cache miss). */
  bump(tenantId: string): Promise<void>;
  /**
   * The tenant's operator-SQL password: the one recorded, or a new random one recorded now. Two
   * processes racing both end with the first one recorded.
   */
  operatorPassword(tenantId: string): Promise<string>;
  /** Every tenant's recorded reconcile fingerprint (one read at start). */
  reconciledFingerprints(): Promise<Map<string, string>>;
  /** The tenant's recorded reconcile fingerprint, if any. */
  reconciledFingerprint(tenantId: string): Promise<string | undefined>;
  /** Records that a full reconcile for `fingerprint` finished (last writer wins). */
  recordReconciled(tenantId: string, fingerprint: string): Promise<void>;
}

interface StateRow {
  tenant_id: number | string;
  data_revision: number | string;
  operator_secret: string | null;
  reconciled_fingerprint: string | null;
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** 32 random letters and digits (~190 bits): nothing in it needs escaping in SQL. */
export function randomPassword(): string {
  const bytes = randomBytes(64);
  let out = '';
  for (const byte of bytes) {
    // 248 = 4 × 62: rejection sampling keeps every character equally likely.
    if (byte < 248) out += ALPHANUMERIC[byte % 62];
    if (out.length === 32) return out;
  }
  return out.length === 32 ? out : randomPassword();
}

export class OltpStarRocksTenantState implements StarRocksTenantStateStore {
  private readonly leases: OltpWriteLeases;

  constructor(
    private readonly oltp: OltpStore,
    private readonly secrets: SecretBox,
    leaseOptions: OltpWriteLeaseOptions = {},
  ) {
    this.leases = new OltpWriteLeases(oltp, leaseOptions);
  }

  hold<T>(tenantId: string, name: string, waitMs: number, task: () => Promise<T>): Promise<T> {
    return this.leases.hold(tenantId, name, waitMs, task);
  }

  /** The tenant's row, created when missing (INSERT … ON CONFLICT DO NOTHING / INSERT IGNORE). */
  private async ensureRow(tenantId: string): Promise<void> {
    await this.oltp
      .knex('olap_tenant_state')
      .insert({ tenant_id: tenantId, data_revision: 0, operator_secret: null, updated_at: Date.now() })
      .onConflict('tenant_id')
      .ignore();
  }

  async revision(tenantId: string): Promise<string> {
    const row = await this.oltp.forTenant(tenantId).from<StateRow>('olap_tenant_state').first('data_revision');
    return String(row?.data_revision ?? 0);
  }

  async bump(tenantId: string): Promise<void> {
    const update = () =>
      this.oltp
        .forTenant(tenantId)
        .from('olap_tenant_state')
        .update({ data_revision: this.oltp.knex.raw('data_revision + 1'), updated_at: Date.now() });
    if ((await update()) === 0) {
      await this.ensureRow(tenantId);
      await update();
    }
  }

  async operatorPassword(tenantId: string): Promise<string> {
    const associated = `olap-operator:${tenantId}`;
    const read = async () =>
      (await this.oltp.forTenant(tenantId).from<StateRow>('olap_tenant_state').first('operator_secret'))?.operator_secret;
    let sealed = await read();
    if (!sealed) {
      await this.ensureRow(tenantId);
      // Only the first writer's password stays: the condition makes a racing second one a no-op.
      await this.oltp
        .forTenant(tenantId)
        .from('olap_tenant_state')
        .whereNull('operator_secret')
        .update({ operator_secret: this.secrets.seal(randomPassword(), associated), updated_at: Date.now() });
      sealed = await read();
    }
    if (!sealed) throw new Error(`no operator password recorded for tenant ${tenantId}`);
    return this.secrets.open(sealed, associated);
  }

  async reconciledFingerprints(): Promise<Map<string, string>> {
    // Platform-level read at start-up (as latestOfEveryTenant reads olap_schema).
    const rows = await this.oltp
      .knex<StateRow>('olap_tenant_state')
      .whereNotNull('reconciled_fingerprint')
      .select('tenant_id', 'reconciled_fingerprint');
    return new Map(rows.map((row) => [String(row.tenant_id), row.reconciled_fingerprint!]));
  }

  async reconciledFingerprint(tenantId: string): Promise<string | undefined> {
    const row = await this.oltp.forTenant(tenantId).from<StateRow>('olap_tenant_state').first('reconciled_fingerprint');
    return row?.reconciled_fingerprint ?? undefined;
  }

  async recordReconciled(tenantId: string, fingerprint: string): Promise<void> {
    const update = () =>
      this.oltp
        .forTenant(tenantId)
        .from('olap_tenant_state')
        .update({ reconciled_fingerprint: fingerprint, updated_at: Date.now() });
    if ((await update()) === 0) {
      await this.ensureRow(tenantId);
      await update();
    }
  }
}
