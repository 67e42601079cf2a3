import { chmodSync, existsSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from '../../config/data-dir.js';
import type { OltpStore } from '../oltp/oltp-store.js';
import type { AnalyticsEngine } from './analytics-engine.js';
import { DuckDbEngine } from './duckdb/duckdb-engine.js';
import { OltpSchemaVersionStore } from './schema-versions.js';
import type { SecretBox } from '../../config/secret-box.js';
import { parseStarRocksUrl } from './starrocks/starrocks-config.js';
import { StarRocksEngine } from './starrocks/starrocks-engine.js';
import { OltpStarRocksTenantState } from './starrocks/tenant-state.js';

export type * from './analytics-engine.js';
export type {
  OlapTenantDeclaration,
  OlapPropertyDeclaration,
  OlapContactAttributeDeclaration,
  OlapDimensionDeclaration,
} from './declaration.js';
export { validateDeclaration, eventViewColumn } from './declaration.js';
export type { SqlDialect, OlapColumnType } from './dialect.js';
export { propertyColumnType } from './dialect.js';
export { duckDbDialect } from './duckdb/duckdb-dialect.js';
export { DuckDbEngine, type DuckDbEngineOptions } from './duckdb/duckdb-engine.js';
export { StarRocksEngine, type StarRocksEngineOptions } from './starrocks/starrocks-engine.js';
export * from './errors.js';
export { OlapWriter, type OlapWriterOptions } from './olap-writer.js';
export {
  OlapSqlGuard,
  duckDbSqlParser,
  generatorTableFunctions,
  type CheckedSql,
  type SqlAnalysis,
  type SqlParser,
} from './sql-guard.js';
export {
  referencedMembershipColumns,
  type ContactViewMemberships,
  type ContactViewGroup,
  type ContactViewTag,
} from './relations.js';
export { checkReportModelSql, type ReportSqlCheck, type ReportSqlCheckOptions } from './report-sql-check.js';
export {
  MemorySchemaVersionStore,
  OltpSchemaVersionStore,
  type OlapSchemaRecord,
  type OlapSchemaVersionStore,
} from './schema-versions.js';
export { ZonedClock } from '../../lib/zoned-clock.js';

export interface CreateAnalyticsEngineOptions {
  /**
   * `HUILIU_OLAP_URL` (config `olapUrl`): the StarRocks FE of scaled mode (`mysql://` or
   * `starrocks://`). Absent = embedded mode: DuckDB in the data dir.
   */
  olapUrl?: string;
  dataDir: string;
  /** The DuckDB file instead of `<dataDir>/analytics.duckdb`; `:memory:` for throwaway engines. */
  duckdbPath?: string;
  oltp: OltpStore;
  logger?: Logger;
  queryTimeoutMs?: number;
  threads?: number;
  memoryLimit?: string;
  /** Scaled mode: seals each tenant's operator-SQL StarRocks password in OLTP. */
  secrets?: SecretBox;
}

/**
 * The process's analytics engine, not yet started (`start()` reconciles every tenant). Embedded
 * mode gets DuckDB; scaled mode (`olapUrl`) the StarRocks engine, which fails fast
 * (`olap_unreachable`) when the FE does not answer within its connect timeout.
 */
export async function createAnalyticsEngine(options: CreateAnalyticsEngineOptions): Promise<AnalyticsEngine> {
  if (options.olapUrl) {
    if (!options.secrets) throw new Error('the StarRocks engine needs the SecretBox (operator-SQL passwords are kept sealed)');
    return StarRocksEngine.open({
      config: parseStarRocksUrl(options.olapUrl),
      versions: new OltpSchemaVersionStore(options.oltp),
      tenantState: new OltpStarRocksTenantState(options.oltp, options.secrets),
      logger: options.logger,
      queryTimeoutMs: options.queryTimeoutMs,
    });
  }
  const file = options.duckdbPath ?? path.join(options.dataDir, 'analytics.duckdb');
  const created = file !== ':memory:' && !existsSync(file);
  if (file !== ':memory:') ensurePrivateDir(path.dirname(path.resolve(file)));
  const engine = await DuckDbEngine.open({
    path: file,
    versions: new OltpSchemaVersionStore(options.oltp),
    logger: options.logger,
    queryTimeoutMs: options.queryTimeoutMs,
    threads: options.threads,
    memoryLimit: options.memoryLimit,
  });
  // DuckDB creates its file with the process umask: a new one becomes 0600 (the data dir is 0700).
  if (created && existsSync(file)) chmodSync(file, PRIVATE_FILE_MODE);
  return engine;
}
