import type { OltpStore } from '../oltp/oltp-store.js';
import { canonicalDeclaration, declarationChecksum, type OlapTenantDeclaration } from './declaration.js';

/** A declaration the engine applied, as OLTP records it. */
export interface OlapSchemaRecord {
  tenantId: string;
  version: number;
  checksum: string;
  declaration: OlapTenantDeclaration;
  appliedAt: number;
}

/** Where applied declarations are recorded: OLTP in production, memory for throwaway engines. */
export interface OlapSchemaVersionStore {
  latest(tenantId: string): Promise<OlapSchemaRecord | undefined>;
  /** The latest record of every tenant (start-up reconcile). */
  latestOfEveryTenant(): Promise<OlapSchemaRecord[]>;
  /** Records `declaration` as the next version of the tenant. */
  record(tenantId: string, declaration: OlapTenantDeclaration, appliedAt: number): Promise<OlapSchemaRecord>;
}

interface OlapSchemaRow {
  tenant_id: number | string;
  version: number | string;
  checksum: string;
  declaration: string;
  applied_at: number | string;
}

function toRecord(row: OlapSchemaRow): OlapSchemaRecord {
  return {
    tenantId: String(row.tenant_id),
    version: Number(row.version),
    checksum: row.checksum,
    declaration: JSON.parse(row.declaration) as OlapTenantDeclaration,
    appliedAt: Number(row.applied_at),
  };
}

/** The `olap_schema` table of migration 0004_olap. */
export class OltpSchemaVersionStore implements OlapSchemaVersionStore {
  constructor(private readonly oltp: OltpStore) {}

  async latest(tenantId: string): Promise<OlapSchemaRecord | undefined> {
    const row = await this.oltp.forTenant(tenantId).from<OlapSchemaRow>('olap_schema').orderBy('version', 'desc').first();
    return row ? toRecord(row) : undefined;
  }

  async latestOfEveryTenant(): Promise<OlapSchemaRecord[]> {
    // Platform-level read at start-up: one row per tenant, its highest version.
    const knex = this.oltp.knex;
    const rows = await knex<OlapSchemaRow>('olap_schema as s')
      .join(knex('olap_schema').select('tenant_id').max({ version: 'version' }).groupBy('tenant_id').as('m'), (join) =>
        join.on('m.tenant_id', '=', 's.tenant_id').andOn('m.version', '=', 's.version'),
      )
      .select('s.tenant_id', 's.version', 's.checksum', 's.declaration', 's.applied_at')
      .orderBy('s.tenant_id');
    return (rows as OlapSchemaRow[]).map(toRecord);
  }

  async record(tenantId: string, declaration: OlapTenantDeclaration, appliedAt: number): Promise<OlapSchemaRecord> {
    const canonical = canonicalDeclaration(declaration);
    const checksum = declarationChecksum(canonical);
    return this.oltp.forTenant(tenantId).transaction(async (db) => {
      const current = await db.from<OlapSchemaRow>('olap_schema').max({ version: 'version' }).first();
      const version = Number((current as { version?: number | string | null } | undefined)?.version ?? 0) + 1;
      // UNIQUE(tenant_id, version) refuses a concurrent recorder instead of writing two "version 3"s.
      await db.insert('olap_schema', { version, checksum, declaration: JSON.stringify(canonical), applied_at: appliedAt });
      return { tenantId, version, checksum, declaration: canonical, appliedAt };
    });
  }
}

/** Versions kept in memory: report-SQL checks and benchmarks, which need no OLTP. */
export class MemorySchemaVersionStore implements OlapSchemaVersionStore {
  private readonly records = new Map<string, OlapSchemaRecord[]>();

  async latest(tenantId: string): Promise<OlapSchemaRecord | undefined> {
    return this.records.get(tenantId)?.at(-1);
  }

  async latestOfEveryTenant(): Promise<OlapSchemaRecord[]> {
    return [...this.records.values()].map((list) => list.at(-1)!).filter(Boolean);
  }

  async record(tenantId: string, declaration: OlapTenantDeclaration, appliedAt: number): Promise<OlapSchemaRecord> {
    const canonical = canonicalDeclaration(declaration);
    const list = this.records.get(tenantId) ?? [];
    const record = {
      tenantId,
      version: list.length + 1,
      checksum: declarationChecksum(canonical),
      declaration: canonical,
      appliedAt,
    };
    list.push(record);
    this.records.set(tenantId, list);
    return record;
  }
}
