import {
  checkPluginRelations,
  groupDeltaArguments,
  operatorQueryLimits,
  tagPruneArguments,
  tagRunArguments,
} from '../engine-arguments.js';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { Logger } from 'pino';
import type { OlapRelationDefinition } from '../../../kernel/contributions.js';
import { ZonedClock } from '../../../lib/zoned-clock.js';
import { ConflictError, isDomainError } from '../../../server/errors.js';
import type {
  AnalyticsEngine,
  GroupDeltaChange,
  OlapDeclareResult,
  OlapId,
  OlapLoadBatch,
  OlapLoadResult,
  OlapOperatorQueryOptions,
  OlapQueryOptions,
  OlapQueryResult,
  OlapResultSource,
  TagRunKey,
  TenantAnalytics,
} from '../analytics-engine.js';
import { canonicalDeclaration, declarationChecksum, validateDeclaration, type OlapTenantDeclaration } from '../declaration.js';
import type { OlapColumnType } from '../dialect.js';
import { toId } from '../duckdb/duckdb-loader.js';
import {
  OlapInputError,
  OlapSchemaConflictError,
  OlapSqlRefusedError,
  OlapTenantNotDeclaredError,
  OlapUnavailableError,
} from '../errors.js';
import { operatorRelationNames, OperatorSqlSandbox, type OperatorSqlColumns } from '../operator-sql.js';
import { dimensionFieldColumn, dimensionTable, planSchema, tables, tenantTables, type ColumnSpec } from '../physical-schema.js';
import { logicalRelationNames, TenantRelations, type ContactViewMemberships } from '../relations.js';
import type { OlapSchemaRecord, OlapSchemaVersionStore } from '../schema-versions.js';
import { duckDbSqlParser, OlapSqlGuard, stripLeadingTrivia } from '../sql-guard.js';
import { MISMATCH, type ColumnValue } from '../values.js';
import { bindParams, isUnreachable, literal, StarRocksSql, type StarRocksLogin } from './starrocks-client.js';
import type { StarRocksConnectionConfig } from './starrocks-config.js';
import {
  addColumnsDdl,
  createDatabaseDdl,
  createTableDdl,
  operatorSecurityDdl,
  qualified,
  quote,
  reconcileFingerprint,
  showAlterDdl,
  starRocksTables,
  tenantObjects,
  viewDdl,
  type TenantObjects,
} from './starrocks-ddl.js';
import { starRocksDialect } from './starrocks-dialect.js';
import { starRocksOperatorFunctions } from './starrocks-operator-functions.js';
import {
  batchLabelSuffixes,
  bigintJson,
  coerceForStarRocks,
  jsonValue,
  LOAD_PART_BYTES,
  loadParts,
  type LoadPart,
  prepareBatch,
  type JsonRow,
  type LoaderState,
} from './starrocks-loader.js';
import { arrayColumns, knownArrayColumns, parseStarRocksArray } from './starrocks-result.js';
import { toStarRocksSql } from './starrocks-sql.js';
import { StreamLoadClient, streamLoadLabel, type StreamLoadResult } from './stream-load.js';
import type { StarRocksTenantStateStore } from './tenant-state.js';

/**
 * The scaled analytics engine (ARCHITECTURE §4, ADR 0064): StarRocks over the MySQL protocol
 * (mysql2 `query()` only) for DDL, queries and deletes, Stream Load (HTTP) for loads, one database
 * per tenant. Every process of a scaled deployment (API instances, `huiliu worker`s) opens one; what
 * they share lives in StarRocks (data, catalog) and OLTP (declarations, data revisions, operator
 * passwords). Built to StarRocks' documentation without a server to run against: verified against
 * the protocol doubles only (core/test/support/starrocks-double), and by the engine contract suite
 * whenever HUILIU_OLAP_URL names a real cluster.
 */
export interface StarRocksEngineOptions {
  config: StarRocksConnectionConfig;
  /** Where applied declarations are recorded (OLTP). */
  versions: OlapSchemaVersionStore;
  /** Data revisions and operator passwords (OLTP, migration 0037). */
  tenantState: StarRocksTenantStateStore;
  logger?: Logger;
  /** Default time limit of a query (query_timeout + KILL QUERY). */
  queryTimeoutMs?: number;
  /** Time limit of writes: loads, group/tag computations, deletes, DDL. */
  writeTimeoutMs?: number;
  /** Hard cap on the rows an operator query returns (default 1,000,000). */
  operatorMaxRows?: number;
  /** Rows per Stream Load of a computed result (default 100,000). */
  writeChunkRows?: number;
  /** Bytes of JSON per Stream Load at most (default 64 MiB; StarRocks refuses bodies over 100 MB by default). */
  loadPartBytes?: number;
  /** How long a tenant's cached schema is trusted before OLTP is asked for a newer declaration (default 2 s). */
  stateTtlMs?: number;
  /** Between two SHOW ALTER TABLE polls while a schema change runs (default 1 s). */
  schemaChangePollMs?: number;
  /** Tests: the Stream Load client (default: one on the FE's HTTP port with the engine's login). */
  streamLoad?: StreamLoadClient;
}

interface TenantState extends LoaderState {
  record: OlapSchemaRecord | undefined;
  checksum: string;
  relations: TenantRelations;
  objects: TenantObjects;
  checkedAt: number;
}

/** The catalog of a tenant's database: base tables' columns (normalized types) and view names. */
interface Catalog {
  exists: boolean;
  tables: Map<string, Map<string, string>>;
  views: Set<string>;
}

const TENANT_ID = /^[1-9][0-9]{0,18}$/;
const COLUMN_TYPES: ReadonlySet<string> = new Set<OlapColumnType>([
  'varchar',
  'double',
  'bigint',
  'integer',
  'boolean',
  'date',
  'timestamp',
  'varchar[]',
  'json',
]);
const OPERATOR_RESULT_LIMIT = 2_147_483_647;
/** Values per IN list of a DELETE (deletes of many ids are batched, ARCHITECTURE §5.9). */
const DELETE_BATCH = 1_000;

type TagType = 'string' | 'number' | 'string[]' | 'date' | 'bool';

/** A catalog type (information_schema DATA_TYPE / COLUMN_TYPE) as our column type, or the text itself. */
export function normalizeCatalogType(dataType: string, columnType: string): string {
  const data = dataType.toLowerCase();
  const full = columnType.toLowerCase();
  if (data.startsWith('array') || full.startsWith('array')) return /^array<\s*(var)?char/.test(full) ? 'varchar[]' : full;
  if (data === 'varchar' || data === 'char' || data === 'string') return 'varchar';
  if (data === 'double') return 'double';
  if (data === 'bigint') return 'bigint';
  if (data === 'int') return 'integer';
  if (data === 'boolean' || (data === 'tinyint' && full === 'tinyint(1)')) return 'boolean';
  if (data === 'date') return 'date';
  if (data === 'datetime') return 'timestamp';
  if (data === 'json') return 'json';
  return full || data;
}

/** A label nobody else uses, for writes that are not load batches (group/tag results, dimension rows). */
function uniqueLabel(kind: string): string {
  // Letters, digits and _ only (the Stream Load client's label rule, ADR 0065).
  return `hl_${kind}_${Date.now().toString(36)}_${randomBytes(6).toString('hex')}`;
}

/** A tag value as its column stores it (text, list, or number: bool → 1/0, date → epoch ms), as DuckDB does. */
function tagValue(value: unknown, type: TagType, clock: ZonedClock): ColumnValue | typeof MISMATCH {
  switch (type) {
    case 'string':
      return coerceForStarRocks(value, 'varchar', clock);
    case 'string[]':
      return coerceForStarRocks(value, 'varchar[]', clock);
    case 'number':
      return coerceForStarRocks(value, 'double', clock);
    case 'bool': {
      const bool = coerceForStarRocks(value, 'boolean', clock);
      return bool === MISMATCH || bool === null ? bool : bool ? 1 : 0;
    }
    case 'date':
      return coerceForStarRocks(value, 'timestamp', clock);
  }
}

/**
 * An engine error of operator SQL that passed the sandbox, as `olap_sql_failed` with StarRocks'
 * message (database names removed); a missing `group_<id>` / `tag_…` column as
 * `olap_sql_membership_unknown`. Time-outs, unreachable FEs and domain errors stay as they are.
 */
function operatorFailure(error: unknown): unknown {
  if (!(error instanceof Error) || isDomainError(error) || isUnreachable(error)) return error;
  const message = ((error as { sqlMessage?: string }).sqlMessage ?? error.message)
    .replace(/`?[a-z0-9_]*t_[0-9]+`?\./g, '')
    .trim();
  const membership = /(?:column|Column)[^']*'?`?(group_[1-9][0-9]*|tag_[A-Za-z0-9_]+)`?'?/.exec(message);
  if (membership && /cannot be resolved|unknown|not found|does not exist/i.test(message))
    return new OlapSqlRefusedError('olap_sql_membership_unknown', membership[1]!);
  return new OlapSqlRefusedError('olap_sql_execution', `StarRocks: ${message}`.slice(0, 500));
}

export class StarRocksEngine implements AnalyticsEngine {
  readonly kind = 'starrocks' as const;
  readonly dialect = starRocksDialect;
  /** @internal The SQL guard (ADR 0009) on an in-memory DuckDB's parser. */
  readonly guard: OlapSqlGuard;
  /** @internal The operator-SQL sandbox (ADR 0046). */
  readonly sandbox: OperatorSqlSandbox;
  /** @internal The administrator's pool: DDL, queries, deletes. */
  readonly sql: StarRocksSql;
  /** @internal */
  readonly streamLoad: StreamLoadClient;
  private pluginRelations: readonly OlapRelationDefinition[] = [];
  private readonly states = new Map<string, TenantState>();
  private readonly refreshing = new Map<string, Promise<TenantState>>();
  private readonly chains = new Map<string, Promise<unknown>>();
  private readonly reconciling = new Map<string, Promise<unknown>>();
  private readonly operatorPools = new Map<string, Promise<StarRocksSql>>();
  private closed = false;

  private constructor(
    private readonly options: StarRocksEngineOptions,
    private readonly parserInstance: DuckDBInstance,
    private readonly parserConnection: DuckDBConnection,
    private readonly parser: ReturnType<typeof duckDbSqlParser>,
  ) {
    this.guard = new OlapSqlGuard(parser);
    // StarRocks' operator allow-lists: only functions StarRocks has with DuckDB's meaning (ADR 0066).
    this.sandbox = new OperatorSqlSandbox(
      { parse: parser, render: (astJson) => parser.render(astJson) },
      { functions: starRocksOperatorFunctions },
    );
    this.sql = new StarRocksSql(this.adminLogin, options.config.poolSize, this.adminLogin, options.logger);
    this.streamLoad =
      options.streamLoad ??
      new StreamLoadClient({
        feUrl: options.config.httpUrl,
        user: options.config.user,
        password: options.config.password,
        logger: options.logger,
      });
  }

  /**
   * Connects to the FE (fails fast with `olap_unreachable` when it does not answer within the
   * connect timeout) and opens the SQL guard's in-memory DuckDB parser.
   */
  static async open(options: StarRocksEngineOptions): Promise<StarRocksEngine> {
    const { config } = options;
    try {
      await StarRocksSql.probe({
        host: config.host,
        port: config.port,
        user: config.user,
        password: config.password,
        connectTimeoutMs: config.connectTimeoutMs,
      });
    } catch (error) {
      const reason = (error as { code?: string }).code ?? (error as Error).message;
      throw new OlapUnavailableError(
        'olap_unreachable',
        `StarRocks FE ${config.display} did not answer within ${config.connectTimeoutMs} ms (${reason})`,
      );
    }
    // The guard parses with DuckDB (parse only, no data): an in-memory instance that can read nothing.
    const instance = await DuckDBInstance.create(':memory:', {
      enable_external_access: 'false',
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
      lock_configuration: 'true',
      threads: '1',
    });
    const connection = await instance.connect();
    return new StarRocksEngine(options, instance, connection, duckDbSqlParser(connection));
  }

  /** The cluster as logs and the start banner may show it: `starrocks://user@fe:9030/?…`, never the password. */
  get display(): string {
    return this.options.config.display;
  }

  private get adminLogin(): StarRocksLogin {
    const { config } = this.options;
    return {
      host: config.host,
      port: config.port,
      user: config.user,
      password: config.password,
      connectTimeoutMs: config.connectTimeoutMs,
    };
  }

  /** @internal */
  get queryTimeoutMs(): number {
    return this.options.queryTimeoutMs ?? 30_000;
  }

  /** @internal */
  get writeTimeoutMs(): number {
    return this.options.writeTimeoutMs ?? 600_000;
  }

  /** @internal */
  get operatorMaxRows(): number {
    return Math.max(0, this.options.operatorMaxRows ?? 1_000_000);
  }

  /** @internal */
  get writeChunkRows(): number {
    return Math.max(1, this.options.writeChunkRows ?? 100_000);
  }

  async checkSql(sql: string): Promise<void> {
    await this.guard.check(sql, new Set([...logicalRelationNames, ...this.pluginRelations.map((r) => r.name)]));
  }

  checkOperatorSql(sql: string): Promise<OperatorSqlColumns> {
    return this.sandbox.check(sql);
  }

  setPluginRelations(relations: readonly OlapRelationDefinition[]): void {
    checkPluginRelations(relations);
    this.pluginRelations = [...relations];
    this.states.clear();
  }

  /**
   * Reconciles every tenant with a recorded declaration whose store may differ from it: missing
   * tables and columns, views, event types, the operator user/role/grants/resource group (ADR 0064,
   * amendments 2026-12-05, follow-ups). A tenant is skipped when the fingerprint of its last full reconcile (OLTP)
   * is the one its declaration, the plugin relations, the configuration and this adapter give now,
   * and the cluster still lists its database's tables and views — one information_schema read for all
   * of them. The others are reconciled under the tenant's `schema` lease (one process at a time; a
   * process that waited finds the fingerprint recorded and skips). A tenant that fails is logged and
   * skipped; its next use reconciles what is missing and reports an error to the caller.
   */
  async start(): Promise<void> {
    const records = await this.options.versions.latestOfEveryTenant();
    if (records.length === 0) return;
    const recorded = await this.options.tenantState.reconciledFingerprints().catch((error: unknown) => {
      this.options.logger?.warn({ err: error }, 'OLAP reconcile fingerprints could not be read: every tenant is reconciled');
      return new Map<string, string>();
    });
    const targets = new Map(
      records.map((record) => [record.tenantId, this.reconcileTarget(record.tenantId, record.declaration)]),
    );
    const unchanged = records.filter((record) => recorded.get(record.tenantId) === targets.get(record.tenantId)!.fingerprint);
    const listed = await this.listedObjects(unchanged.map((record) => targets.get(record.tenantId)!.database)).catch(
      (error: unknown) => {
        this.options.logger?.warn({ err: error }, 'the OLAP catalog could not be read at start: every tenant is reconciled');
        return new Map<string, Set<string>>();
      },
    );
    let skipped = 0;
    let failed = 0;
    for (const record of records) {
      const { tenantId } = record;
      const target = targets.get(tenantId)!;
      const found = listed.get(target.database);
      if (recorded.get(tenantId) === target.fingerprint && target.names.every((name) => found?.has(name))) {
        skipped += 1;
        continue;
      }
      try {
        await this.serialize(tenantId, () =>
          this.options.tenantState.hold(tenantId, 'schema', this.writeTimeoutMs, () =>
            this.reconcileAtStart(tenantId, recorded.get(tenantId)),
          ),
        );
      } catch (error) {
        failed += 1;
        this.options.logger?.error({ err: error, tenantId }, 'OLAP schema of a tenant could not be reconciled');
      }
    }
    this.options.logger?.info(
      { tenants: records.length, skipped, reconciled: records.length - skipped - failed, failed },
      'OLAP schemas checked at start',
    );
  }

  /**
   * At start, holding the tenant's schema lease: the latest declaration reconciled in full and its
   * fingerprint recorded — unless another process recorded exactly that fingerprint since `seen` was
   * read (it reconciled the same target while this one waited).
   */
  private async reconcileAtStart(tenantId: string, seen: string | undefined): Promise<void> {
    const record = await this.options.versions.latest(tenantId);
    if (!record) return;
    const { fingerprint } = this.reconcileTarget(tenantId, record.declaration);
    const now = await this.options.tenantState.reconciledFingerprint(tenantId);
    if (now === fingerprint && now !== seen) return;
    await this.reconcile(tenantId, record.declaration, record, { full: true });
    await this.options.tenantState.recordReconciled(tenantId, fingerprint);
  }

  /**
   * What a full reconcile of `declaration` brings the tenant's database to: its fingerprint
   * (starrocks-ddl.ts `reconcileFingerprint`), the database, and the tables and views it must hold.
   */
  private reconcileTarget(
    tenantId: string,
    declaration: OlapTenantDeclaration,
  ): { fingerprint: string; database: string; names: string[] } {
    const canonical = canonicalDeclaration(declaration);
    const objects = tenantObjects(this.options.config.databasePrefix, tenantId);
    const relations = new TenantRelations(this.dialect, tenantId, canonical, this.pluginRelations, { schema: objects.database });
    const desired = starRocksTables(tenantTables(canonical, this.pluginRelations));
    const fingerprint = reconcileFingerprint({
      objects,
      declaration: declarationChecksum(canonical),
      tables: desired.map((table) =>
        createTableDdl(objects.database, table, { replicationNum: this.options.config.replicationNum }),
      ),
      views: [toStarRocksSql(relations.eventViewBody()), toStarRocksSql(relations.contactViewBody())],
      operator: this.options.config.operator,
    });
    return {
      fingerprint,
      database: objects.database,
      names: [...desired.map((table) => table.name), tables.eventView, tables.contactView],
    };
  }

  /** The tables and views the cluster lists in each of `databases` (one information_schema read per 1,000). */
  private async listedObjects(databases: readonly string[]): Promise<Map<string, Set<string>>> {
    const listed = new Map<string, Set<string>>();
    for (let start = 0; start < databases.length; start += DELETE_BATCH) {
      const list = databases
        .slice(start, start + DELETE_BATCH)
        .map((db) => literal(db))
        .join(', ');
      const { rows } = await this.sql.select<{ TABLE_SCHEMA: string; TABLE_NAME: string }>(
        `SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.tables WHERE TABLE_SCHEMA IN (${list})`,
        { timeoutMs: 30_000, rowMode: 'json' },
      );
      for (const row of rows) {
        let names = listed.get(row.TABLE_SCHEMA);
        if (!names) listed.set(row.TABLE_SCHEMA, (names = new Set()));
        names.add(row.TABLE_NAME);
      }
    }
    return listed;
  }

  forTenant(tenantId: string): TenantAnalytics {
    if (typeof tenantId !== 'string' || !TENANT_ID.test(tenantId)) {
      throw new OlapInputError('olap_argument_invalid', [{ path: 'tenantId', code: 'olap_id_invalid' }]);
    }
    return new StarRocksTenant(this, tenantId);
  }

  /** A cheap query on the MySQL protocol, and the FE's HTTP port (Stream Load) answering at all. */
  async ping(): Promise<void> {
    await this.pingQuery();
    await this.pingLoad();
  }

  /** The FE answers a query over the MySQL protocol (`/ready`'s `olap`, ADR 0067). */
  async pingQuery(): Promise<void> {
    if (this.closed) throw new OlapUnavailableError('olap_closed', 'the analytics engine is closed');
    await this.sql.select('SELECT 1', { timeoutMs: 5_000 });
  }

  /**
   * The FE's HTTP port, where Stream Load starts, answers at all (`/ready`'s `olap_load`, ADR 0067):
   * `GET /api/health` is listed among the FE's HTTP interfaces (docs/en/administration/http_interface.md,
   * which does not describe its answer — so any HTTP answer counts).
   */
  async pingLoad(): Promise<void> {
    if (this.closed) throw new OlapUnavailableError('olap_closed', 'the analytics engine is closed');
    await new Promise<void>((resolve, reject) => {
      const request = http.get(new URL('/api/health', this.options.config.httpUrl), { timeout: 5_000 }, (response) => {
        response.resume();
        resolve();
      });
      request.on('timeout', () => request.destroy(new Error('the StarRocks FE HTTP port did not answer')));
      request.on('error', (error) =>
        reject(
          new OlapUnavailableError(
            'olap_unreachable',
            `Stream Load at the FE HTTP port is unreachable (${(error as { code?: string }).code ?? error.message})`,
          ),
        ),
      );
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Writes of this process finish first.
    await Promise.allSettled([...this.chains.values()]);
    await this.sql.close();
    for (const pool of this.operatorPools.values()) await (await pool.catch(() => undefined))?.close();
    this.parser.close();
    this.parserConnection.closeSync();
    this.parserInstance.closeSync();
  }

  // ---- internals used by StarRocksTenant ---------------------------------------------------------------

  /**
   * @internal The result columns of `sql` (logical, DuckDB-parsable) that hold arrays: StarRocks sends
   * ARRAY cells as VARCHAR text, so the engine tells them by the tenant's `varchar[]` columns and the
   * query's SELECT list (starrocks-result.ts).
   */
  async arrayColumnsOf(sql: string, state: TenantState, contactView?: ContactViewMemberships): Promise<Set<string>> {
    const known = knownArrayColumns(state.declaration, contactView);
    const ast = await this.parser(stripLeadingTrivia(sql)).catch(() => undefined);
    return arrayColumns(ast, known);
  }

  /** @internal Runs `task` after the tenant's earlier writes of this process (one at a time per tenant). */
  serialize<T>(tenantId: string, task: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new OlapUnavailableError('olap_closed', 'the analytics engine is closed'));
    const previous = this.chains.get(tenantId) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(task);
    const settled = run.catch(() => undefined);
    this.chains.set(tenantId, settled);
    void settled.then(() => {
      if (this.chains.get(tenantId) === settled) this.chains.delete(tenantId);
    });
    return run;
  }

  /**
   * @internal A write: serialized per tenant in this process and — with a `lease` — across processes
   * (the OLTP write lease of that name: a DELETE-then-load rewrite of one group, tag run or dimension
   * never interleaves with another process's), then the shared data revision is bumped (failed writes too).
   */
  write<T>(tenantId: string, task: (state: TenantState) => Promise<T>, lease?: string): Promise<T> {
    return this.serialize(tenantId, async () => {
      try {
        const run = async () => task(await this.currentState(tenantId));
        return await (lease ? this.options.tenantState.hold(tenantId, lease, this.writeTimeoutMs, run) : run());
      } finally {
        await this.bumpRevision(tenantId);
      }
    });
  }

  /** @internal Counts a write in the shared data revision (a failure is logged: it only costs a cache miss). */
  async bumpRevision(tenantId: string): Promise<void> {
    await this.options.tenantState
      .bump(tenantId)
      .catch((error: unknown) => this.options.logger?.error({ err: error, tenantId }, 'OLAP data revision could not be bumped'));
  }

  /** @internal Cross-process write leases (OLTP). */
  get leases(): StarRocksTenantStateStore {
    return this.options.tenantState;
  }

  /** @internal The data revision every process shares (OLTP). */
  revision(tenantId: string): Promise<string> {
    return this.options.tenantState.revision(tenantId);
  }

  /**
   * @internal The tenant's state: cached for `stateTtlMs`, then checked against the declaration OLTP
   * records (another process may have declared a newer one) and rebuilt when it changed.
   */
  async state(tenantId: string): Promise<TenantState> {
    const cached = this.states.get(tenantId);
    if (cached && Date.now() - cached.checkedAt < (this.options.stateTtlMs ?? 2_000)) return cached;
    let pending = this.refreshing.get(tenantId);
    if (!pending) {
      pending = this.currentState(tenantId).finally(() => this.refreshing.delete(tenantId));
      this.refreshing.set(tenantId, pending);
    }
    return pending;
  }

  /** The state for the recorded declaration, rebuilt (and the schema reconciled if it lacks anything) when stale. */
  private async currentState(tenantId: string): Promise<TenantState> {
    const cached = this.states.get(tenantId);
    if (cached && Date.now() - cached.checkedAt < (this.options.stateTtlMs ?? 2_000)) return cached;
    const record = await this.options.versions.latest(tenantId);
    if (!record) throw new OlapTenantNotDeclaredError(tenantId);
    if (cached && cached.record?.version === record.version && cached.checksum === record.checksum) {
      cached.checkedAt = Date.now();
      return cached;
    }
    await this.reconcile(tenantId, record.declaration, record, { full: false });
    return this.states.get(tenantId)!;
  }

  /** @internal Applies a declaration and, when it is new, records its version (serialized by the caller). */
  async declare(tenantId: string, declaration: OlapTenantDeclaration): Promise<OlapDeclareResult> {
    const previous = await this.options.versions.latest(tenantId);
    const checksum = declarationChecksum(declaration);
    if (previous && previous.checksum === checksum) {
      if (!this.states.has(tenantId)) await this.reconcile(tenantId, previous.declaration, previous, { full: false });
      return { version: previous.version, changed: false, added: [] };
    }
    const result = await this.reconcile(tenantId, declaration, previous, { full: true, recordVersion: true });
    // A full reconcile of this declaration finished: the next start may skip the tenant.
    await this.options.tenantState.recordReconciled(tenantId, this.reconcileTarget(tenantId, declaration).fingerprint);
    return result;
  }

  /**
   * Brings a tenant's database to `declaration`, add-only: CREATE TABLE IF NOT EXISTS, one ALTER TABLE
   * … ADD COLUMN per table (waited for), then — `full` — event types, views and the operator-SQL user.
   * StarRocks DDL is not transactional: a failure half-way leaves what was done, and the next
   * reconcile continues from the catalog. A type change, or a time-zone change once events exist,
   * refuses the declaration before any DDL.
   */
  private reconcile(
    tenantId: string,
    declaration: OlapTenantDeclaration,
    previous: OlapSchemaRecord | undefined,
    options: { full: boolean; recordVersion?: boolean },
  ): Promise<OlapDeclareResult> {
    // One reconcile of a tenant at a time in this process (a use refreshing the state and a declaration
    // could otherwise send two ALTERs of one table; StarRocks refuses the second while the first runs).
    const previousRun = this.reconciling.get(tenantId) ?? Promise.resolve();
    const run = previousRun.catch(() => undefined).then(() => this.reconcileNow(tenantId, declaration, previous, options));
    const settled = run.catch(() => undefined);
    this.reconciling.set(tenantId, settled);
    void settled.then(() => {
      if (this.reconciling.get(tenantId) === settled) this.reconciling.delete(tenantId);
    });
    return run;
  }

  private async reconcileNow(
    tenantId: string,
    declaration: OlapTenantDeclaration,
    previous: OlapSchemaRecord | undefined,
    options: { full: boolean; recordVersion?: boolean },
  ): Promise<OlapDeclareResult> {
    const objects = tenantObjects(this.options.config.databasePrefix, tenantId);
    const db = objects.database;
    const relations = new TenantRelations(this.dialect, tenantId, declaration, this.pluginRelations, { schema: db });
    const desired = starRocksTables(tenantTables(declaration, this.pluginRelations));
    const timeout = { timeoutMs: this.writeTimeoutMs };
    let catalog = await this.catalog(db);
    const plan = planSchema(desired, catalog.tables, (type) => type);
    if (plan.conflicts.length) throw new OlapSchemaConflictError(plan.conflicts);
    if (previous && previous.declaration.timeZone !== declaration.timeZone && catalog.tables.has(tables.events)) {
      const events = await this.sql.select(`SELECT 1 AS one FROM ${qualified(db, tables.events)} LIMIT 1`, timeout);
      if (events.rows.length > 0) throw new ConflictError('time_zone_locked', { tenantId });
    }
    const views = [tables.eventView, tables.contactView];
    const full =
      options.full || plan.createTables.length > 0 || plan.addColumns.length > 0 || views.some((v) => !catalog.views.has(v));

    const added: string[] = [];
    if (!catalog.exists) await this.sql.statement(createDatabaseDdl(db), timeout);
    for (const table of plan.createTables) {
      await this.sql.statement(createTableDdl(db, table, { replicationNum: this.options.config.replicationNum }), timeout);
      added.push(table.name);
    }
    const byTable = new Map<string, ColumnSpec[]>();
    for (const { table, column } of plan.addColumns) byTable.set(table, [...(byTable.get(table) ?? []), column]);
    for (const [table, columns] of byTable) {
      try {
        await this.sql.statement(addColumnsDdl(db, table, columns), timeout);
      } catch (error) {
        // Another process added them first (1060: duplicate column): the catalog is read again below.
        if ((error as { errno?: number }).errno !== 1060) throw error;
      }
      await this.waitForSchemaChange(db, table);
      added.push(...columns.map((column) => `${table}.${column.name}`));
    }
    if (full) {
      const types = qualified(db, tables.eventType);
      if (declaration.events.length) {
        const values = declaration.events.map((e) => `(${literal(e.code)}, ${literal(e.alias)})`).join(', ');
        await this.sql.statement(`INSERT INTO ${types} (\`code\`, \`alias\`) VALUES ${values}`, timeout);
        await this.sql.statement(
          `DELETE FROM ${types} WHERE \`code\` NOT IN (${declaration.events.map((e) => literal(e.code)).join(', ')})`,
          timeout,
        );
      } else await this.sql.statement(`DELETE FROM ${types} WHERE true`, timeout);
      await this.sql.statement(
        viewDdl(db, tables.eventView, toStarRocksSql(relations.eventViewBody()), catalog.views.has(tables.eventView)),
        timeout,
      );
      await this.sql.statement(
        viewDdl(db, tables.contactView, toStarRocksSql(relations.contactViewBody()), catalog.views.has(tables.contactView)),
        timeout,
      );
      const password = await this.options.tenantState.operatorPassword(tenantId);
      // These statements carry the password: never logged, and a failure is re-thrown without the
      // statement (mysql2 errors carry it in `sql`) and with the password masked in the server's message.
      for (const statement of operatorSecurityDdl(objects, password, this.options.config.operator)) {
        try {
          await this.sql.statement(statement, timeout);
        } catch (error) {
          if (isDomainError(error)) throw error;
          const message = ((error as { sqlMessage?: string }).sqlMessage ?? (error as Error).message).replaceAll(password, '***');
          throw new Error(`setting up the operator-SQL user of tenant ${tenantId} failed: ${message}`);
        }
      }
    }

    const checksum = declarationChecksum(declaration);
    let record = previous;
    const changed = options.recordVersion === true && previous?.checksum !== checksum;
    if (changed) record = await this.options.versions.record(tenantId, declaration, Date.now());
    // The catalog changed only if this reconcile created or altered tables (or another process did
    // so while it ran: a duplicate column).
    if (!catalog.exists || plan.createTables.length > 0 || plan.addColumns.length > 0) catalog = await this.catalog(db);
    const columns = new Map<string, { name: string; type: OlapColumnType | undefined }[]>();
    for (const [table, found] of catalog.tables) {
      columns.set(
        table,
        [...found.entries()].map(([name, type]) => ({
          name,
          type: COLUMN_TYPES.has(type) ? (type as OlapColumnType) : undefined,
        })),
      );
    }
    const earlier = this.states.get(tenantId);
    this.states.set(tenantId, {
      record,
      checksum,
      relations,
      objects,
      declaration,
      clock: earlier?.clock.timeZone === declaration.timeZone ? earlier.clock : new ZonedClock(declaration.timeZone),
      columns,
      pluginRelations: this.pluginRelations,
      checkedAt: Date.now(),
    });
    if (added.length) this.options.logger?.info({ tenantId, version: record?.version, added }, 'OLAP schema reconciled');
    return { version: record?.version ?? 0, changed, added };
  }

  /** Waits until the table's newest schema-change job is FINISHED (none listed: nothing to wait for). */
  private async waitForSchemaChange(db: string, table: string): Promise<void> {
    const deadline = Date.now() + this.options.config.schemaChangeTimeoutMs;
    for (;;) {
      const { rows } = await this.sql.select<{ State?: string; Msg?: string }>(showAlterDdl(db, table), {
        timeoutMs: 30_000,
        rowMode: 'json',
      });
      const state = String(rows[0]?.State ?? 'FINISHED').toUpperCase();
      if (state === 'FINISHED') return;
      if (state === 'CANCELLED') throw new Error(`schema change of ${db}.${table} was cancelled: ${rows[0]?.Msg ?? ''}`);
      if (Date.now() > deadline)
        throw new Error(`schema change of ${db}.${table} still ${state} after ${this.options.config.schemaChangeTimeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, this.options.schemaChangePollMs ?? 1_000));
    }
  }

  /** A tenant database's tables (columns with normalized types) and views, from information_schema. */
  private async catalog(db: string): Promise<Catalog> {
    const timeout = { timeoutMs: 30_000, rowMode: 'json' as const };
    const listed = await this.sql.select<{ TABLE_NAME: string; TABLE_TYPE: string }>(
      `SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.tables WHERE TABLE_SCHEMA = ${literal(db)}`,
      timeout,
    );
    const catalog: Catalog = { exists: listed.rows.length > 0, tables: new Map(), views: new Set() };
    const baseTables = new Set<string>();
    for (const row of listed.rows) {
      if (/VIEW/i.test(row.TABLE_TYPE)) catalog.views.add(row.TABLE_NAME);
      else baseTables.add(row.TABLE_NAME);
    }
    if (baseTables.size === 0) return catalog;
    const columns = await this.sql.select<{ TABLE_NAME: string; COLUMN_NAME: string; DATA_TYPE: string; COLUMN_TYPE: string }>(
      `SELECT TABLE_NAME, COLUMN_NAME, DATA_TYPE, COLUMN_TYPE FROM information_schema.columns WHERE TABLE_SCHEMA = ${literal(db)} ORDER BY TABLE_NAME, ORDINAL_POSITION`,
      timeout,
    );
    for (const row of columns.rows) {
      if (!baseTables.has(row.TABLE_NAME)) continue;
      let found = catalog.tables.get(row.TABLE_NAME);
      if (!found) catalog.tables.set(row.TABLE_NAME, (found = new Map()));
      found.set(row.COLUMN_NAME, normalizeCatalogType(row.DATA_TYPE ?? '', row.COLUMN_TYPE ?? ''));
    }
    return catalog;
  }

  /**
   * @internal The pool of the tenant's operator-SQL user (its password from OLTP). Operator SQL runs
   * only on it: StarRocks itself keeps it to that tenant's views and resource group.
   */
  operatorSql(tenantId: string, objects: TenantObjects): Promise<StarRocksSql> {
    let pool = this.operatorPools.get(tenantId);
    if (!pool) {
      pool = this.options.tenantState
        .operatorPassword(tenantId)
        .then(
          (password) =>
            new StarRocksSql(
              { ...this.adminLogin, user: objects.operatorUser, password },
              this.options.config.operator.poolSize,
              this.adminLogin,
              this.options.logger,
            ),
        );
      pool.catch(() => this.operatorPools.delete(tenantId));
      this.operatorPools.set(tenantId, pool);
    }
    return pool;
  }

  /** @internal One Stream Load; the data revision is bumped by the caller's `write`. */
  load(
    state: TenantState,
    table: string,
    label: string,
    part: LoadPart,
    extra: { columns?: string[]; partialUpdate?: 'row' } = {},
  ): Promise<StreamLoadResult> {
    return this.streamLoad.load({
      database: state.objects.database,
      table,
      label,
      rows: part.rows,
      json: part.json,
      ...(extra.columns ? { columns: extra.columns } : {}),
      ...(extra.partialUpdate ? { partialUpdate: extra.partialUpdate } : {}),
      timeoutSeconds: Math.ceil(this.writeTimeoutMs / 1000),
    });
  }

  /** @internal Bytes of JSON per Stream Load at most. */
  get loadPartBytes(): number {
    return Math.max(1, this.options.loadPartBytes ?? LOAD_PART_BYTES);
  }

  /** @internal Rows loaded in chunks of `writeChunkRows` rows and `loadPartBytes` bytes, each its own label. */
  async loadChunks(state: TenantState, table: string, kind: string, rows: JsonRow[]): Promise<void> {
    for (const part of loadParts(rows, this.loadPartBytes, this.writeChunkRows)) {
      await this.load(state, table, uniqueLabel(kind), part);
    }
  }
}

/** The engine as one tenant sees it. */
class StarRocksTenant implements TenantAnalytics {
  constructor(
    private readonly engine: StarRocksEngine,
    readonly tenantId: string,
  ) {}

  async declare(declaration: OlapTenantDeclaration): Promise<OlapDeclareResult> {
    const valid = validateDeclaration(declaration);
    return this.engine.serialize(this.tenantId, async () => {
      try {
        // One declaration of a tenant at a time across processes: StarRocks refuses a second ALTER TABLE
        // while one runs, and both would record a version.
        return await this.engine.leases.hold(this.tenantId, 'schema', this.engine.writeTimeoutMs, () =>
          this.engine.declare(this.tenantId, valid),
        );
      } finally {
        await this.engine.bumpRevision(this.tenantId);
      }
    });
  }

  dataRevision(): Promise<string> {
    return this.engine.revision(this.tenantId);
  }

  async schema(): Promise<OlapSchemaRecord | undefined> {
    try {
      return (await this.engine.state(this.tenantId)).record;
    } catch (error) {
      if (error instanceof OlapTenantNotDeclaredError) return undefined;
      throw error;
    }
  }

  private async physical(sql: string, contactView?: ContactViewMemberships): Promise<{ state: TenantState; sql: string }> {
    const state = await this.engine.state(this.tenantId);
    const checked = await this.engine.guard.check(sql, state.relations.names);
    return { state, sql: toStarRocksSql(state.relations.resolve(checked, { contactView })) };
  }

  /** The StarRocks SQL that runs for `sql` (what golden files and logs show). */
  async resolve(sql: string, options: { contactView?: ContactViewMemberships } = {}): Promise<string> {
    return (await this.physical(sql, options.contactView)).sql;
  }

  async query<Row = Record<string, unknown>>(sql: string, options: OlapQueryOptions = {}): Promise<OlapQueryResult<Row>> {
    const { state, sql: physical } = await this.physical(sql, options.contactView);
    return this.engine.sql.select<Row>(bindParams(physical, options.params ?? []), {
      timeoutMs: options.timeoutMs ?? this.engine.queryTimeoutMs,
      maxRows: options.maxRows,
      rowMode: options.rowMode,
      arrays: await this.engine.arrayColumnsOf(sql, state, options.contactView),
    });
  }

  /** Operator SQL checked by the sandbox, resolved and translated, for `limit` rows. */
  private async operatorPhysical(sql: string, limit: number, contactView?: ContactViewMemberships) {
    const regenerated = await this.engine.sandbox.prepare(sql, limit);
    const state = await this.engine.state(this.tenantId);
    const checked = await this.engine.guard.check(regenerated, operatorRelationNames);
    return { state, regenerated, sql: toStarRocksSql(state.relations.resolve(checked, { contactView })) };
  }

  async operatorQuery<Row = Record<string, unknown>>(
    sql: string,
    options: OlapOperatorQueryOptions = {},
  ): Promise<OlapQueryResult<Row>> {
    const { rows, timeoutMs } = operatorQueryLimits(options, this.engine);
    const {
      state,
      regenerated,
      sql: physical,
    } = await this.operatorPhysical(sql, Math.min(rows + 1, OPERATOR_RESULT_LIMIT), options.contactView);
    const operator = await this.engine.operatorSql(this.tenantId, state.objects);
    const arrays = await this.engine.arrayColumnsOf(regenerated, state, options.contactView);
    try {
      // The sandbox's LIMIT rows + 1 bounds the answer: read to its end, the connection kept.
      return await operator.select<Row>(physical, { timeoutMs, maxRows: rows, bounded: true, rowMode: options.rowMode, arrays });
    } catch (error) {
      throw operatorFailure(error);
    }
  }

  async load(batch: OlapLoadBatch): Promise<OlapLoadResult> {
    return this.engine.write(this.tenantId, async (state) => {
      let prepared;
      try {
        prepared = prepareBatch(state, batch);
      } catch (error) {
        // A replayed batch whose rows no longer convert: the labels answer first, as DuckDB's ledger does.
        if (error instanceof OlapInputError && (await this.alreadyLoaded(state, batch))) return this.alreadyLoadedResult(batch);
        throw error;
      }
      const loads = [...prepared.loads];
      if (prepared.aliases.length) {
        loads.unshift({
          table: tables.contactAlias,
          labelSuffix: tables.contactAlias,
          rows: await this.resolveAliases(state, prepared.aliases),
        });
      }
      const results: StreamLoadResult[] = [];
      for (const load of loads) {
        // A table's rows in parts under StarRocks' body limit; part 0 keeps the table's label, part n
        // adds `_p<n>` — deterministic, so a retry sends each part again under its own label.
        for (const [index, part] of loadParts(load.rows, this.engine.loadPartBytes).entries()) {
          const suffix = index === 0 ? load.labelSuffix : `${load.labelSuffix}_p${index}`;
          results.push(
            await this.engine.load(state, load.table, streamLoadLabel(batch.batchId, suffix), part, {
              columns: load.columns,
              partialUpdate: load.partialUpdate,
            }),
          );
        }
      }
      const already = results.length > 0 && results.every((result) => result.status === 'already_loaded');
      return {
        batchId: batch.batchId,
        status: already ? 'already_loaded' : 'loaded',
        events: prepared.events,
        contacts: prepared.contacts,
        typeMismatches: already ? 0 : prepared.typeMismatches,
      };
    });
  }

  /** True when every label the batch would use is already a finished load. */
  private async alreadyLoaded(state: TenantState, batch: OlapLoadBatch): Promise<boolean> {
    if (typeof batch?.batchId !== 'string') return false;
    const suffixes = batchLabelSuffixes(batch);
    if (suffixes.length === 0) return false;
    for (const suffix of suffixes) {
      const jobState = await this.engine.streamLoad
        .loadState(state.objects.database, streamLoadLabel(batch.batchId, suffix))
        .catch(() => 'UNKNOWN');
      if (!['FINISHED', 'VISIBLE', 'COMMITTED'].includes(jobState.toUpperCase())) return false;
    }
    return true;
  }

  private alreadyLoadedResult(batch: OlapLoadBatch): OlapLoadResult {
    const contactIds = new Set((batch.contacts ?? []).map((row) => String(row?.id)));
    return {
      batchId: batch.batchId,
      status: 'already_loaded',
      events: batch.events?.length ?? 0,
      contacts: contactIds.size,
      typeMismatches: 0,
    };
  }

  /**
   * The alias rows to upsert: each merged-away contact points at its final survivor (a `to` merged
   * away earlier is followed), and contacts that had merged into a `from` are re-pointed, so chains
   * stay one hop long — as DuckDB's loader keeps them, computed here from the stored rows.
   */
  private async resolveAliases(state: TenantState, aliases: { from: bigint; to: bigint }[]): Promise<JsonRow[]> {
    const ids = [...new Set(aliases.flatMap((a) => [a.from, a.to]))];
    const table = qualified(state.objects.database, tables.contactAlias);
    const current = new Map<bigint, bigint>();
    for (let start = 0; start < ids.length; start += DELETE_BATCH) {
      const list = ids.slice(start, start + DELETE_BATCH).join(', ');
      const { rows } = await this.engine.sql.select<{ from_contact_id: string; to_contact_id: string }>(
        `SELECT from_contact_id, to_contact_id FROM ${table} WHERE from_contact_id IN (${list}) OR to_contact_id IN (${list})`,
        { timeoutMs: this.engine.writeTimeoutMs, rowMode: 'json' },
      );
      for (const row of rows) current.set(BigInt(row.from_contact_id), BigInt(row.to_contact_id));
    }
    const changed = new Map<bigint, bigint>();
    for (const { from, to } of aliases) {
      const survivor = current.get(to) ?? to;
      if (from === survivor) continue;
      for (const [merged, target] of current) {
        if (target === from) {
          current.set(merged, survivor);
          changed.set(merged, survivor);
        }
      }
      current.set(from, survivor);
      changed.set(from, survivor);
    }
    return [...changed].map(([from, to]) => ({ from_contact_id: bigintJson(from), to_contact_id: bigintJson(to) }));
  }

  /**
   * A result's SELECT, run server-side into `table` (INSERT INTO … WITH LABEL … SELECT; StarRocks.g4
   * insertStatement). The docs disagree on INSERT into a Primary Key table: Load_to_Primary_Key_tables.md
   * says Primary Key tables do not support changing data with INSERT, while DELETE.md and
   * primary_key_table.md INSERT into them in their examples — unverified until a real cluster runs it;
   * or — operator SQL — read on the tenant's operator connection and loaded, so operator SQL never
   * runs as the administrator. Returns the rows written.
   */
  private async writeComputed(
    state: TenantState,
    source: Exclude<OlapResultSource<unknown>, { rows: unknown[] }>,
    insert: (select: string, label: string) => string,
    operatorRows: (row: unknown[]) => JsonRow | undefined,
    table: string,
    kind: string,
  ): Promise<number> {
    const timeoutMs = Math.min(source.timeoutMs ?? this.engine.writeTimeoutMs, this.engine.writeTimeoutMs);
    if ('operatorSql' in source) {
      const { sql } = await this.operatorPhysical(source.operatorSql, OPERATOR_RESULT_LIMIT, source.contactView);
      const operator = await this.engine.operatorSql(this.tenantId, state.objects);
      const rows: JsonRow[] = [];
      const seen = new Set<string>();
      try {
        await operator.stream(sql, { timeoutMs }, (row) => {
          const out = operatorRows(row);
          if (!out) return;
          // One row per key, like the Primary Key table keeps.
          const key = JSON.stringify(out.contact_id);
          if (seen.has(key)) return;
          seen.add(key);
          rows.push(out);
        });
      } catch (error) {
        throw operatorFailure(error);
      }
      await this.engine.loadChunks(state, table, kind, rows);
      return rows.length;
    }
    const checked = await this.engine.guard.check(source.sql, state.relations.names);
    const select = bindParams(toStarRocksSql(state.relations.resolve(checked)), source.params ?? []);
    return this.engine.sql.statement(insert(select, uniqueLabel(kind)), { timeoutMs });
  }

  async replaceGroupVersion(groupId: OlapId, version: number, source: OlapResultSource<OlapId>): Promise<number> {
    const group = toId(groupId, 'groupId', true, 'olap_argument_invalid');
    if (!Number.isInteger(version) || version < 0)
      throw new OlapInputError('olap_argument_invalid', [{ path: 'version', code: 'number.integer' }]);
    const ids =
      'rows' in source
        ? [...new Set(source.rows.map((id, index) => toId(id, `rows.${index}`, true, 'olap_argument_invalid')))]
        : [];
    return this.engine.write(
      this.tenantId,
      async (state) => {
        const db = state.objects.database;
        const where = `group_id = ${group} AND version = ${version}`;
        // A rewritten version starts without real-time changes (ADR 0048).
        for (const table of [tables.groupMember, tables.groupDelta])
          await this.engine.sql.statement(`DELETE FROM ${qualified(db, table)} WHERE ${where}`, {
            timeoutMs: this.engine.writeTimeoutMs,
          });
        if ('rows' in source) {
          await this.engine.loadChunks(
            state,
            tables.groupMember,
            'group',
            ids.map((id) => ({ group_id: bigintJson(group), version, contact_id: bigintJson(id) })),
          );
          return ids.length;
        }
        return this.writeComputed(
          state,
          source,
          (select, label) =>
            `INSERT INTO ${qualified(db, tables.groupMember)} WITH LABEL ${quote(label)} (\`group_id\`, \`version\`, \`contact_id\`) ` +
            `SELECT DISTINCT ${group}, ${version}, CAST(contact_id AS BIGINT) FROM (\n${select}\n) AS source WHERE contact_id IS NOT NULL`,
          (row) =>
            row[0] === null
              ? undefined
              : { group_id: bigintJson(group), version, contact_id: bigintJson(BigInt(row[0] as string)) },
          tables.groupMember,
          'group',
        );
      },
      `group:${group}`,
    );
  }

  async pruneGroupVersions(groupId: OlapId, keepVersions: number[]): Promise<void> {
    const group = toId(groupId, 'groupId', true, 'olap_argument_invalid');
    if (!keepVersions.every((v) => Number.isInteger(v)))
      throw new OlapInputError('olap_argument_invalid', [{ path: 'keepVersions', code: 'number.integer' }]);
    await this.engine.write(
      this.tenantId,
      async (state) => {
        const keep = keepVersions.length ? ` AND version NOT IN (${keepVersions.join(', ')})` : '';
        for (const table of [tables.groupMember, tables.groupDelta])
          await this.engine.sql.statement(
            `DELETE FROM ${qualified(state.objects.database, table)} WHERE group_id = ${group}${keep}`,
            {
              timeoutMs: this.engine.writeTimeoutMs,
            },
          );
      },
      `group:${group}`,
    );
  }

  async applyGroupDelta(groupId: OlapId, version: number, changes: readonly GroupDeltaChange[]): Promise<void> {
    // The newest change of a contact wins, within the call (here) as across calls (the Primary Key).
    const { group, latest } = groupDeltaArguments(groupId, version, changes);
    if (latest.size === 0) return;
    await this.engine.write(this.tenantId, (state) =>
      this.engine.loadChunks(
        state,
        tables.groupDelta,
        'delta',
        [...latest].map(([id, member]) => ({ group_id: bigintJson(group), version, contact_id: bigintJson(id), member })),
      ),
    );
  }

  async replaceTagValues(
    tagId: OlapId,
    calcDate: string,
    type: TagType,
    source: OlapResultSource<{ contactId: OlapId; value: unknown }>,
    options: { run?: number } = {},
  ): Promise<number> {
    const { tag, run } = tagRunArguments(tagId, calcDate, options.run);
    const column = type === 'string' ? 'value_string' : type === 'string[]' ? 'value_strings' : 'value_number';
    const columnType: OlapColumnType = type === 'string' ? 'varchar' : type === 'string[]' ? 'varchar[]' : 'double';
    const row = (contactId: bigint, value: unknown): JsonRow => ({
      tag_id: bigintJson(tag),
      calc_date: calcDate,
      run,
      contact_id: bigintJson(contactId),
      value_string: null,
      value_number: null,
      value_strings: null,
      [column]: value,
    });
    // Every row is checked before anything is written.
    let rows: JsonRow[] | undefined;
    if ('rows' in source) {
      const { clock } = await this.engine.state(this.tenantId);
      rows = source.rows.map((item, index) => {
        const value = tagValue(item?.value, type, clock);
        if (value === MISMATCH)
          throw new OlapInputError('olap_argument_invalid', [{ path: `rows.${index}.value`, code: 'olap_type_mismatch' }]);
        return row(toId(item?.contactId, `rows.${index}.contactId`, true, 'olap_argument_invalid'), jsonValue(value, columnType));
      });
    }
    return this.engine.write(
      this.tenantId,
      async (state) => {
        const db = state.objects.database;
        await this.engine.sql.statement(
          `DELETE FROM ${qualified(db, tables.tagValue)} WHERE tag_id = ${tag} AND calc_date = ${literal(calcDate)} AND run = ${run}`,
          { timeoutMs: this.engine.writeTimeoutMs },
        );
        if (rows) {
          await this.engine.loadChunks(state, tables.tagValue, 'tag', rows);
          return rows.length;
        }
        const cast =
          type === 'string'
            ? 'CAST(value AS VARCHAR)'
            : type === 'string[]'
              ? 'CAST(value AS ARRAY<VARCHAR>)'
              : type === 'bool'
                ? 'CASE WHEN CAST(value AS BOOLEAN) THEN 1 ELSE 0 END'
                : 'CAST(value AS DOUBLE)';
        return this.writeComputed(
          state,
          source as Exclude<OlapResultSource<unknown>, { rows: unknown[] }>,
          (select, label) =>
            `INSERT INTO ${qualified(db, tables.tagValue)} WITH LABEL ${quote(label)} (\`tag_id\`, \`calc_date\`, \`run\`, \`contact_id\`, ${quote(column)}) ` +
            `SELECT ${tag}, ${literal(calcDate)}, ${run}, CAST(contact_id AS BIGINT), ${cast} FROM (\n${select}\n) AS source WHERE contact_id IS NOT NULL`,
          (cells) => {
            if (cells[0] === null) return undefined;
            const raw = cells[1];
            const value =
              raw === null || raw === undefined
                ? null
                : type === 'string'
                  ? String(raw)
                  : type === 'string[]'
                    ? (parseStarRocksArray(String(raw)) ??
                      (() => {
                        throw new OlapSqlRefusedError(
                          'olap_sql_execution',
                          `a string[] tag value is not an array: ${String(raw).slice(0, 80)}`,
                        );
                      })())
                    : type === 'bool'
                      ? String(raw) !== '0' && String(raw).toLowerCase() !== 'false'
                        ? 1
                        : 0
                      : Number(raw);
            return row(BigInt(String(cells[0])), value);
          },
          tables.tagValue,
          'tag',
        );
      },
      `tag:${tag}`,
    );
  }

  async pruneTagValues(tagId: OlapId, keep: readonly TagRunKey[], options: { upToRun?: number } = {}): Promise<void> {
    const tag = tagPruneArguments(tagId, keep, options.upToRun);
    await this.engine.write(
      this.tenantId,
      async (state) => {
        // DELETE on a Primary Key table takes AND/OR and comparisons but no NOT (DELETE.md § Primary Key
        // tables): "not one of the kept (day, run) pairs" is written as an AND of (day ≠ d OR run ≠ r).
        const kept = keep.map((key) => ` AND (calc_date != ${literal(key.calcDate)} OR run != ${key.run})`).join('');
        const bound = options.upToRun === undefined ? '' : ` AND run <= ${options.upToRun}`;
        await this.engine.sql.statement(
          `DELETE FROM ${qualified(state.objects.database, tables.tagValue)} WHERE tag_id = ${tag}${kept}${bound}`,
          {
            timeoutMs: this.engine.writeTimeoutMs,
          },
        );
      },
      `tag:${tag}`,
    );
  }

  async writeDimensionRows(
    dimensionId: OlapId,
    rows: Record<string, unknown>[],
    options: { replace?: boolean; keyField?: string } = {},
  ): Promise<number> {
    const id = String(toId(dimensionId, 'dimensionId', true, 'olap_argument_invalid'));
    return this.engine.write(
      this.tenantId,
      async (state) => {
        const declared = state.declaration.dimensions.find((d) => d.id === id);
        if (!declared)
          throw new OlapInputError('olap_argument_invalid', [{ path: 'dimensionId', code: 'olap_dimension_unknown' }]);
        const table = dimensionTable(id);
        const columns = state.columns.get(table) ?? [];
        // Every row is converted before anything is deleted or written.
        const converted = rows.map((row, index) => {
          const out: JsonRow = {};
          for (const column of columns) {
            const fieldId = column.name.slice(dimensionFieldColumn('').length);
            const value = column.type ? coerceForStarRocks(row?.[fieldId], column.type, state.clock) : null;
            if (value === MISMATCH)
              throw new OlapInputError('olap_argument_invalid', [
                { path: `rows.${index}.${fieldId}`, code: 'olap_type_mismatch' },
              ]);
            out[column.name] = column.type ? jsonValue(value, column.type) : null;
          }
          return out;
        });
        const target = qualified(state.objects.database, table);
        const timeout = { timeoutMs: this.engine.writeTimeoutMs };
        if (options.replace) await this.engine.sql.statement(`TRUNCATE TABLE ${target}`, timeout);
        else if (options.keyField !== undefined) {
          // An upsert by key on a Duplicate Key table: DELETE … WHERE key IN (…) (simple predicates only, DELETE.md), then the rows.
          const keyColumn = columns.find((c) => c.name === dimensionFieldColumn(options.keyField!));
          if (!keyColumn?.type)
            throw new OlapInputError('olap_argument_invalid', [{ path: 'keyField', code: 'olap_dimension_field_unknown' }]);
          const keys = [...new Set(converted.map((row) => row[keyColumn.name]))].filter(
            (key) => key !== null && key !== undefined,
          );
          for (let start = 0; start < keys.length; start += DELETE_BATCH) {
            const list = keys
              .slice(start, start + DELETE_BATCH)
              .map((key) => literal(typeof key === 'object' ? JSON.stringify(key) : (key as string | number | boolean)))
              .join(', ');
            await this.engine.sql.statement(`DELETE FROM ${target} WHERE ${quote(keyColumn.name)} IN (${list})`, timeout);
          }
        }
        await this.engine.loadChunks(state, table, 'dimension', converted);
        return rows.length;
      },
      `dimension:${id}`,
    );
  }

  async deleteEventsByChannelAccounts(channelAccountIds: OlapId[]): Promise<number> {
    const ids = channelAccountIds.map((id, index) => toId(id, `channelAccountIds.${index}`, true, 'olap_argument_invalid'));
    if (ids.length === 0) return 0;
    return this.engine.write(
      this.tenantId,
      async (state) => {
        const table = qualified(state.objects.database, tables.events);
        const timeout = { timeoutMs: this.engine.writeTimeoutMs };
        let deleted = 0;
        // Batched (ARCHITECTURE §5.9). DELETE on a Duplicate Key table does not report rows (it writes a
        // delete predicate, DELETE.md): the rows are counted first.
        for (let start = 0; start < ids.length; start += DELETE_BATCH) {
          const list = ids.slice(start, start + DELETE_BATCH).join(', ');
          const { rows } = await this.engine.sql.select<{ n: string }>(
            `SELECT count(*) AS n FROM ${table} WHERE channel_account_id IN (${list})`,
            {
              ...timeout,
              rowMode: 'json',
            },
          );
          deleted += Number(rows[0]?.n ?? 0);
          await this.engine.sql.statement(`DELETE FROM ${table} WHERE channel_account_id IN (${list})`, timeout);
        }
        return deleted;
      },
      'events:delete',
    );
  }
}
