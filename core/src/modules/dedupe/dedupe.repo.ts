import type { ModuleDatabase, TenantDb } from '../../store/oltp/oltp-store.js';

export interface DedupeSettingRow {
  id: number | string;
  tenant_id: number | string;
  fields: string;
  mode: string;
  excluded_values: string;
  auto_merge: boolean | number;
  updated_by: number | string | null;
  created_at: number | string;
  updated_at: number | string;
}

export type DedupeRunStatus = 'running' | 'done' | 'failed';
export type DedupeTrigger = 'manual' | 'auto';
export type DedupeSetStatus = 'pending' | 'merged' | 'stale';

export interface DedupeRunRow {
  id: number | string;
  tenant_id: number | string;
  trigger: DedupeTrigger;
  status: DedupeRunStatus;
  rules: string;
  task_id: number | string | null;
  created_by: number | string | null;
  set_count: number | string;
  contact_count: number | string;
  merged_count: number | string;
  stale_count: number | string;
  started_at: number | string;
  finished_at: number | string | null;
}

export interface DedupeSetRow {
  id: number | string;
  tenant_id: number | string;
  run_id: number | string;
  members: string;
  matched_fields: string;
  status: DedupeSetStatus;
  survivor_id: number | string | null;
  decided_by: number | string | null;
  decided_at: number | string | null;
}

const INSERT_CHUNK = 200;

/** The dedupe rules, runs and their sets (dedupe module's tables), always within one tenant. */
export class DedupeRepo {
  constructor(private readonly db: ModuleDatabase) {}

  private tenant(tenantId: string): TenantDb {
    return this.db.forTenant(tenantId);
  }

  transaction<T>(work: () => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }

  setting(tenantId: string): Promise<DedupeSettingRow | undefined> {
    return this.tenant(tenantId).from<DedupeSettingRow>('dedupe_setting').first();
  }

  async saveSetting(
    tenantId: string,
    values: Pick<DedupeSettingRow, 'fields' | 'mode' | 'excluded_values' | 'auto_merge' | 'updated_by'>,
    at: number,
  ): Promise<void> {
    const db = this.tenant(tenantId);
    const updated = await db.from('dedupe_setting').update({ ...values, updated_at: at });
    if (updated === 0) await db.insert('dedupe_setting', { ...values, created_at: at, updated_at: at });
  }

  insertRun(tenantId: string, row: Omit<DedupeRunRow, 'id' | 'tenant_id'>): Promise<string> {
    return this.tenant(tenantId).insert('dedupe_run', row);
  }

  async updateRun(tenantId: string, runId: string, patch: Partial<Omit<DedupeRunRow, 'id' | 'tenant_id'>>): Promise<void> {
    await this.tenant(tenantId).from('dedupe_run').where('id', runId).update(patch);
  }

  /** Adds to a run's merged / stale counts (sets merged or refused by hand after the run). */
  async countDecisions(tenantId: string, runId: string, merged: number, stale: number): Promise<void> {
    if (merged === 0 && stale === 0) return;
    await this.tenant(tenantId)
      .from('dedupe_run')
      .where('id', runId)
      .update({
        merged_count: this.db.raw('merged_count + ?', [merged]),
        stale_count: this.db.raw('stale_count + ?', [stale]),
      });
  }

  run(tenantId: string, runId: string): Promise<DedupeRunRow | undefined> {
    return this.tenant(tenantId).from<DedupeRunRow>('dedupe_run').where('id', runId).first();
  }

  runOfTask(tenantId: string, taskId: string): Promise<DedupeRunRow | undefined> {
    return this.tenant(tenantId).from<DedupeRunRow>('dedupe_run').where('task_id', taskId).first();
  }

  runs(tenantId: string, limit: number): Promise<DedupeRunRow[]> {
    return this.tenant(tenantId).from<DedupeRunRow>('dedupe_run').orderBy('id', 'desc').limit(limit).select<DedupeRunRow[]>('*');
  }

  runningRuns(tenantId: string): Promise<DedupeRunRow[]> {
    return this.tenant(tenantId).from<DedupeRunRow>('dedupe_run').where('status', 'running').select<DedupeRunRow[]>('*');
  }

  async deleteSets(tenantId: string, runId: string): Promise<void> {
    await this.tenant(tenantId).from('dedupe_set').where('run_id', runId).delete();
  }

  async insertSets(tenantId: string, rows: readonly Omit<DedupeSetRow, 'id' | 'tenant_id'>[]): Promise<void> {
    for (let i = 0; i < rows.length; i += INSERT_CHUNK)
      await this.tenant(tenantId)
        .from('dedupe_set')
        .insert(rows.slice(i, i + INSERT_CHUNK));
  }

  /** A run's sets by id, after `afterId` (keyset), optionally of one status. */
  sets(
    tenantId: string,
    runId: string,
    query: { status?: DedupeSetStatus; afterId?: string; limit: number },
  ): Promise<DedupeSetRow[]> {
    const builder = this.tenant(tenantId).from<DedupeSetRow>('dedupe_set').where('run_id', runId);
    if (query.status) builder.where('status', query.status);
    if (query.afterId) builder.where('id', '>', query.afterId);
    return builder.orderBy('id').limit(query.limit).select<DedupeSetRow[]>('*');
  }

  set(tenantId: string, runId: string, setId: string): Promise<DedupeSetRow | undefined> {
    return this.tenant(tenantId).from<DedupeSetRow>('dedupe_set').where({ run_id: runId, id: setId }).first();
  }

  /** A set of the run, locked until the transaction ends (MySQL/MariaDB; SQLite has one writer). */
  setForUpdate(tenantId: string, runId: string, setId: string): Promise<DedupeSetRow | undefined> {
    const query = this.tenant(tenantId).from<DedupeSetRow>('dedupe_set').where({ run_id: runId, id: setId });
    return (this.db.client === 'mysql' ? query.forUpdate() : query).first();
  }

  async decideSet(
    tenantId: string,
    setId: string,
    change: Pick<DedupeSetRow, 'status' | 'survivor_id' | 'decided_by' | 'decided_at'>,
  ): Promise<void> {
    await this.tenant(tenantId).from('dedupe_set').where('id', setId).update(change);
  }
}
