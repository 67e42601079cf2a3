import {
  checkPluginRelations,
  groupDeltaArguments,
  operatorQueryLimits,
  tagPruneArguments,
  tagRunArguments,
} from '../engine-arguments.js';
import path from 'node:path';
import {
  DuckDBDateValue,
  DuckDBInstance,
  type DuckDBAppender,
  type DuckDBConnection,
  type DuckDBResultReader,
  type DuckDBValue,
} from '@duckdb/node-api';
import type { Logger } from 'pino';
import type { OlapRelationDefinition } from '../../../kernel/contributions.js';
import { ConflictError } from '../../../server/errors.js';
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
import { declarationChecksum, validateDeclaration, type OlapTenantDeclaration } from '../declaration.js';
import {
  OlapInputError,
  OlapSchemaConflictError,
  OlapSqlRefusedError,
  OlapTenantNotDeclaredError,
  OlapUnavailableError,
} from '../errors.js';
import { operatorRelationNames, OperatorSqlSandbox, type OperatorSqlColumns } from '../operator-sql.js';
import { isDomainError } from '../../../server/errors.js';
import { OlapWriter, type OlapWriterOptions } from '../olap-writer.js';
import { dimensionFieldColumn, dimensionTable, planSchema, tables, tenantTables, type TableSpec } from '../physical-schema.js';
import { logicalRelationNames, TenantRelations, type ContactViewMemberships } from '../relations.js';
import type { OlapSchemaRecord, OlapSchemaVersionStore } from '../schema-versions.js';
import { duckDbSqlParser, OlapSqlGuard, type CheckedSql } from '../sql-guard.js';
import { coerce, MISMATCH, parseDateOnly } from '../values.js';
import { ZonedClock } from '../../../lib/zoned-clock.js';
import { duckDbDialect } from './duckdb-dialect.js';
import { loadBatch, toId, type LoadHooks, type LoaderTenant, type PhysicalColumn } from './duckdb-loader.js';
import { appendFor, appendInto, columnTypeOf, ConnectionPool, inTransaction, interruptible } from './duckdb-support.js';

export interface DuckDbEngineOptions {
  /** The database file (`<dataDir>/analytics.duckdb`), or `:memory:` for tests and checks. */
  path: string;
  /** Where applied declarations are recorded (OLTP in the app). */
  versions: OlapSchemaVersionStore;
  /** Read connections; queries beyond this wait for a free one. */
  readConnections?: number;
  /** Default time limit of a query (interrupted inside DuckDB). */
  queryTimeoutMs?: number;
  /** Time limit of group / tag computations from SQL (their query runs on a read connection). */
  writeTimeoutMs?: number;
  /** Bounds of the write queue (per tenant and in all); a full queue answers `olap_busy`. */
  writeQueue?: OlapWriterOptions;
  /**
   * Rows of a computed result (group members, tag values) appended per writer turn; other tenants'
   * writes run between two chunks. Default 50,000 (~0.2 s of appending here).
   */
  writeChunkRows?: number;
  /** Hard cap on the rows an operator query returns, whatever its caller asks (default 1,000,000). */
  operatorMaxRows?: number;
  /** DuckDB `threads`; default: the number of cores. */
  threads?: number;
  /** DuckDB `memory_limit`, e.g. `4GB`; default: DuckDB's (80% of RAM). */
  memoryLimit?: string;
  /**
   * DuckDB `checkpoint_threshold` (WAL size that triggers a checkpoint). Default 256MB: at DuckDB's
   * 16MB, 1,000-event batches checkpoint every few seconds and load at ~90k events/s here; at
   * 256MB, ~145k/s. The cost is a longer WAL replay after a crash (a few seconds).
   */
  checkpointThreshold?: string;
  logger?: Logger;
  /** Tests only: hooks to simulate crashes inside a load. */
  faultInjection?: LoadHooks;
}

interface TenantState extends LoaderTenant {
  record: OlapSchemaRecord | undefined;
  checksum: string;
}

const TENANT_ID = /^[1-9][0-9]{0,18}$/;
/** Keys per DELETE of a keyed dimension write. */
const DIMENSION_KEY_BATCH = 1_000;

/** Files held by an engine of this process: two DuckDB instances on one file corrupt it. */
const openFiles = new Set<string>();

/**
 * The embedded analytics engine: one DuckDB instance per process, a pool of read connections and
 * one writer connection behind the serialized OlapWriter. Opened with external access disabled and
 * the configuration locked, so no query (operator SQL included) can read files, attach databases,
 * install extensions or change settings.
 */
export class DuckDbEngine implements AnalyticsEngine {
  readonly kind = 'duckdb' as const;
  readonly dialect = duckDbDialect;
  private pluginRelations: readonly OlapRelationDefinition[] = [];
  private readonly states = new Map<string, TenantState>();
  private readonly loading = new Map<string, Promise<TenantState>>();
  /** Writes finished per tenant in this process (`dataRevision`): the only writer of the file. */
  private readonly revisions = new Map<string, number>();
  /** Tells this process's revisions apart from an earlier process's. */
  private readonly processEpoch = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  private closed = false;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly reads: ConnectionPool,
    private readonly writerConnection: DuckDBConnection,
    private readonly writer: OlapWriter<DuckDBConnection>,
    private readonly parserConnection: DuckDBConnection,
    private readonly parser: ReturnType<typeof duckDbSqlParser>,
    private readonly file: string | undefined,
    private readonly options: DuckDbEngineOptions,
  ) {
    this.guard = new OlapSqlGuard(parser);
    this.sandbox = new OperatorSqlSandbox({ parse: parser, render: (astJson) => parser.render(astJson) });
  }

  /** @internal The SQL guard every per-tenant SQL passes (ADR 0009). */
  readonly guard: OlapSqlGuard;
  /** @internal The operator-SQL sandbox (ADR 0046), on the guard's parser. */
  readonly sandbox: OperatorSqlSandbox;

  static async open(options: DuckDbEngineOptions): Promise<DuckDbEngine> {
    const file = options.path === ':memory:' ? undefined : path.resolve(options.path);
    if (file && openFiles.has(file)) {
      throw new OlapUnavailableError('olap_already_open', `${file} is already open in this process; use its one engine`);
    }
    const settings: Record<string, string> = {
      enable_external_access: 'false',
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
      lock_configuration: 'true',
      checkpoint_threshold: options.checkpointThreshold ?? '256MB',
    };
    if (options.threads) settings.threads = String(options.threads);
    if (options.memoryLimit) settings.memory_limit = options.memoryLimit;
    if (file) openFiles.add(file);
    try {
      const instance = await DuckDBInstance.create(file ?? ':memory:', settings);
      const readers: DuckDBConnection[] = [];
      for (let i = 0; i < Math.max(1, options.readConnections ?? 2); i += 1) readers.push(await instance.connect());
      const writerConnection = await instance.connect();
      // The guard's parser gets a connection of its own: parsing never waits behind a slow query.
      const parserConnection = await instance.connect();
      return new DuckDbEngine(
        instance,
        new ConnectionPool(readers),
        writerConnection,
        new OlapWriter(writerConnection, options.writeQueue),
        parserConnection,
        duckDbSqlParser(parserConnection),
        file,
        options,
      );
    } catch (error) {
      if (file) openFiles.delete(file);
      throw error;
    }
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
    // Cached tenant states carry the relations they were built with: rebuild them on next use.
    this.states.clear();
  }

  /**
   * Reconciles every tenant with a recorded declaration. A tenant that cannot be reconciled is
   * logged and skipped rather than keeping every other tenant down; its next use retries and
   * reports the error to the caller.
   */
  async start(): Promise<void> {
    for (const record of await this.options.versions.latestOfEveryTenant()) {
      try {
        await this.writer.run(record.tenantId, (connection) =>
          this.reconcile(connection, record.tenantId, record.declaration, record),
        );
      } catch (error) {
        this.options.logger?.error({ err: error, tenantId: record.tenantId }, 'OLAP schema of a tenant could not be reconciled');
      }
    }
  }

  forTenant(tenantId: string): TenantAnalytics {
    if (typeof tenantId !== 'string' || !TENANT_ID.test(tenantId)) {
      throw new OlapInputError('olap_argument_invalid', [{ path: 'tenantId', code: 'olap_id_invalid' }]);
    }
    return new DuckDbTenant(this, tenantId);
  }

  async ping(): Promise<void> {
    await this.read((connection) => connection.run('SELECT 1'));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.parser.close();
    await this.writer.close();
    await this.reads.close();
    this.parserConnection.closeSync();
    this.writerConnection.closeSync();
    this.instance.closeSync();
    if (this.file) openFiles.delete(this.file);
  }

  // ---- internals used by DuckDbTenant --------------------------------------------------------------

  /** @internal Queues `task` on the writer in `tenantId`'s turn (round-robin between tenants). */
  write<T>(tenantId: string, task: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    // Counted when the write settles, failed ones too (a rolled-back write changed nothing, and an
    // extra revision only costs a cache miss).
    return this.writer.run(tenantId, task).finally(() => this.revisions.set(tenantId, (this.revisions.get(tenantId) ?? 0) + 1));
  }

  /** @internal The tenant's data revision: changes with every write through `write`. */
  revision(tenantId: string): string {
    return `${this.processEpoch}.${this.revisions.get(tenantId) ?? 0}`;
  }

  /** @internal Read connections running a query now. */
  get busyReads(): number {
    return this.reads.busyCount;
  }

  /** @internal Writer tasks of `tenantId` queued or running. */
  writesPending(tenantId: string): number {
    return this.writer.pendingFor(tenantId);
  }

  /** @internal */
  read<T>(work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new OlapUnavailableError('olap_closed', 'the analytics engine is closed'));
    return this.reads.use(work);
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
    return Math.max(1, this.options.writeChunkRows ?? 50_000);
  }

  /** @internal */
  get hooks(): LoadHooks {
    return this.options.faultInjection ?? {};
  }

  /** @internal The tenant's state, reconciling its recorded declaration on first use in this process. */
  async state(tenantId: string): Promise<TenantState> {
    const cached = this.states.get(tenantId);
    if (cached) return cached;
    let pending = this.loading.get(tenantId);
    if (!pending) {
      pending = this.writer
        .run(tenantId, (connection) => this.stateInWriter(connection, tenantId))
        .finally(() => this.loading.delete(tenantId));
      this.loading.set(tenantId, pending);
    }
    return pending;
  }

  /** @internal Same, for code already running on the writer (it must not queue behind itself). */
  async stateInWriter(connection: DuckDBConnection, tenantId: string): Promise<TenantState> {
    const cached = this.states.get(tenantId);
    if (cached) return cached;
    const record = await this.options.versions.latest(tenantId);
    if (!record) throw new OlapTenantNotDeclaredError(tenantId);
    await this.reconcile(connection, tenantId, record.declaration, record);
    return this.states.get(tenantId)!;
  }

  /** @internal Applies a declaration (on the writer) and, when it is new, records its version. */
  async declare(connection: DuckDBConnection, tenantId: string, declaration: OlapTenantDeclaration): Promise<OlapDeclareResult> {
    let current: TenantState | undefined;
    try {
      current = await this.stateInWriter(connection, tenantId);
    } catch (error) {
      if (!(error instanceof OlapTenantNotDeclaredError)) throw error;
    }
    const checksum = declarationChecksum(declaration);
    if (current?.record && current.checksum === checksum) return { version: current.record.version, changed: false, added: [] };
    return this.reconcile(connection, tenantId, declaration, current?.record, true);
  }

  /**
   * Brings a tenant's physical schema to `declaration`, add-only, in one DuckDB transaction (DDL is
   * transactional): create missing tables, add missing columns, rebuild the views. A column whose
   * type would change, or a time-zone change once events exist, refuses the whole declaration.
   */
  private async reconcile(
    connection: DuckDBConnection,
    tenantId: string,
    declaration: OlapTenantDeclaration,
    previous: OlapSchemaRecord | undefined,
    recordVersion = false,
  ): Promise<OlapDeclareResult> {
    const relations = new TenantRelations(this.dialect, tenantId, declaration, this.pluginRelations);
    const desired = tenantTables(declaration, this.pluginRelations);
    const existing = await this.catalog(connection, relations.schema);
    const plan = planSchema(desired, existing, (type) => this.dialect.columnType(type));
    if (plan.conflicts.length) throw new OlapSchemaConflictError(plan.conflicts);
    if (previous && previous.declaration.timeZone !== declaration.timeZone && existing.has(tables.events)) {
      const events = await connection.runAndReadAll(`SELECT 1 FROM ${relations.table(tables.events)} LIMIT 1`);
      if (events.currentRowCount > 0) throw new ConflictError('time_zone_locked', { tenantId });
    }

    const added: string[] = [];
    await inTransaction(connection, async () => {
      await connection.run(`CREATE SCHEMA IF NOT EXISTS ${this.dialect.quoteIdentifier(relations.schema)}`);
      for (const table of plan.createTables) {
        await connection.run(this.createTableSql(relations, table));
        added.push(table.name);
      }
      for (const { table, column } of plan.addColumns) {
        await connection.run(
          `ALTER TABLE ${relations.table(table)} ADD COLUMN ${this.dialect.quoteIdentifier(column.name)} ${this.dialect.columnType(column.type)}${columnDefault(column)}`,
        );
        added.push(`${table}.${column.name}`);
      }
      await connection.run(`DELETE FROM ${relations.table(tables.eventType)}`);
      if (declaration.events.length) {
        const values = declaration.events.map(
          (e) => `(${this.dialect.stringLiteral(e.code)}, ${this.dialect.stringLiteral(e.alias)})`,
        );
        await connection.run(`INSERT INTO ${relations.table(tables.eventType)} (code, alias) VALUES ${values.join(', ')}`);
      }
      await connection.run(`CREATE OR REPLACE VIEW ${relations.table(tables.eventView)} AS ${relations.eventViewBody()}`);
      await connection.run(`CREATE OR REPLACE VIEW ${relations.table(tables.contactView)} AS ${relations.contactViewBody()}`);
    });

    const checksum = declarationChecksum(declaration);
    let record = previous;
    if (recordVersion && previous?.checksum !== checksum) {
      record = await this.options.versions.record(tenantId, declaration, Date.now());
    }
    const columns = new Map<string, PhysicalColumn[]>();
    for (const [table, found] of await this.catalog(connection, relations.schema)) {
      columns.set(
        table,
        [...found.entries()].map(([name, type]) => ({ name, type: columnTypeOf(type) })),
      );
    }
    this.states.set(tenantId, {
      record,
      checksum,
      relations,
      clock:
        this.states.get(tenantId)?.clock.timeZone === declaration.timeZone
          ? this.states.get(tenantId)!.clock
          : new ZonedClock(declaration.timeZone),
      columns,
      pluginRelations: this.pluginRelations,
    });
    if (added.length) this.options.logger?.info({ tenantId, version: record?.version, added }, 'OLAP schema reconciled');
    return { version: record?.version ?? 0, changed: recordVersion && previous?.checksum !== checksum, added };
  }

  private createTableSql(relations: TenantRelations, table: TableSpec): string {
    const columns = table.columns.map(
      (c) => `${this.dialect.quoteIdentifier(c.name)} ${this.dialect.columnType(c.type)}${columnDefault(c)}`,
    );
    if (table.primaryKey)
      columns.push(`PRIMARY KEY (${table.primaryKey.map((c) => this.dialect.quoteIdentifier(c)).join(', ')})`);
    return `CREATE TABLE ${relations.table(table.name)} (${columns.join(', ')})`;
  }

  /** table → (column → catalog type), columns in table order. */
  private async catalog(connection: DuckDBConnection, schema: string): Promise<Map<string, Map<string, string>>> {
    const reader = await connection.runAndReadAll(
      `SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns AS c
         JOIN information_schema.tables AS t
           ON t.table_catalog = c.table_catalog AND t.table_schema = c.table_schema AND t.table_name = c.table_name
        WHERE c.table_schema = $1 AND c.table_catalog = current_database() AND t.table_type = 'BASE TABLE'
        ORDER BY c.table_name, c.ordinal_position`,
      [schema],
    );
    const catalog = new Map<string, Map<string, string>>();
    for (const [table, column, type] of reader.getRows() as [string, string, string][]) {
      let columns = catalog.get(table);
      if (!columns) catalog.set(table, (columns = new Map()));
      columns.set(column, type);
    }
    return catalog;
  }
}

/** Rows an operator query returns when its caller does not say. */
/** The LIMIT put on operator SQL computing a result (group, tag): the largest DuckDB takes, i.e. none. */
const OPERATOR_RESULT_LIMIT = 2_147_483_647;

/**
 * An engine error of operator SQL that passed the sandbox (an unknown column, a failed conversion)
 * as `olap_sql_failed` with DuckDB's first line, physical schema names removed; a missing
 * `group_<id>` / `tag_…` column as `olap_sql_membership_unknown`. Anything else is left as it is.
 */
function operatorFailure(error: unknown): unknown {
  if (!(error instanceof Error) || isDomainError(error)) return error;
  const match =
    /^(Binder|Conversion|Invalid Input|Out of Range|Catalog|Not implemented|Invalid type|Mismatch Type|Out of Memory) Error: ([^\n]*)/.exec(
      error.message,
    );
  if (!match) return error;
  const message = match[2]!.replace(/"?t_[0-9]+"?\./g, '').trim();
  const membership = /(?:Referenced column|does not have a column named) "(group_[1-9][0-9]*|tag_[A-Za-z0-9_]+)"/i.exec(message);
  if (membership) return new OlapSqlRefusedError('olap_sql_membership_unknown', membership[1]!);
  return new OlapSqlRefusedError('olap_sql_execution', `${match[1]} Error: ${message}`.slice(0, 500));
}

function readRows(reader: DuckDBResultReader, mode: 'js' | 'json'): Record<string, unknown>[] {
  return (mode === 'json' ? reader.getRowObjectsJson() : reader.getRowObjectsJS()) as Record<string, unknown>[];
}

/** Contact ids of a computed result, packed (8 bytes each: a group can have millions of members). */
class IdColumn {
  private data = new BigInt64Array(1024);
  length = 0;

  push(id: bigint): void {
    if (this.length === this.data.length) {
      const grown = new BigInt64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length] = id;
    this.length += 1;
  }

  at(index: number): bigint {
    return this.data[index]!;
  }
}

type TagType = 'string' | 'number' | 'string[]' | 'date' | 'bool';

/** The engine as one tenant sees it: every physical name comes from this tenant's relations. */
class DuckDbTenant implements TenantAnalytics {
  constructor(
    private readonly engine: DuckDbEngine,
    readonly tenantId: string,
  ) {}

  async declare(declaration: OlapTenantDeclaration): Promise<OlapDeclareResult> {
    const valid = validateDeclaration(declaration);
    return this.engine.write(this.tenantId, (connection) => this.engine.declare(connection, this.tenantId, valid));
  }

  dataRevision(): Promise<string> {
    return Promise.resolve(this.engine.revision(this.tenantId));
  }

  async schema(): Promise<OlapSchemaRecord | undefined> {
    try {
      return (await this.engine.state(this.tenantId)).record;
    } catch (error) {
      if (error instanceof OlapTenantNotDeclaredError) return undefined;
      throw error;
    }
  }

  /** The tenant's state and `sql` passed through the SQL guard against its relations. */
  private async checked(sql: string): Promise<{ state: TenantState; checked: CheckedSql }> {
    const state = await this.engine.state(this.tenantId);
    return { state, checked: await this.engine.guard.check(sql, state.relations.names) };
  }

  async resolve(sql: string, options: { contactView?: ContactViewMemberships } = {}): Promise<string> {
    const { state, checked } = await this.checked(sql);
    return state.relations.resolve(checked, options);
  }

  async query<Row = Record<string, unknown>>(sql: string, options: OlapQueryOptions = {}): Promise<OlapQueryResult<Row>> {
    const physical = await this.resolve(sql, { contactView: options.contactView });
    const timeoutMs = options.timeoutMs ?? this.engine.queryTimeoutMs;
    const maxRows = options.maxRows;
    return this.engine.read((connection) =>
      interruptible(connection, timeoutMs, async () => {
        const params = options.params ?? [];
        const reader =
          maxRows === undefined
            ? await connection.runAndReadAll(physical, params)
            : await connection.runAndReadUntil(physical, maxRows + 1, params);
        const rows = readRows(reader, options.rowMode ?? 'js');
        const truncated = maxRows !== undefined && (rows.length > maxRows || !reader.done);
        return {
          columns: reader.columnNames().map((name, index) => ({ name, type: reader.columnType(index).toString() })),
          rows: (maxRows === undefined ? rows : rows.slice(0, maxRows)) as Row[],
          truncated,
        };
      }),
    );
  }

  async operatorQuery<Row = Record<string, unknown>>(
    sql: string,
    options: OlapOperatorQueryOptions = {},
  ): Promise<OlapQueryResult<Row>> {
    const { rows, timeoutMs } = operatorQueryLimits(options, this.engine);
    // One row more than returned tells whether the result was cut.
    const regenerated = await this.engine.sandbox.prepare(sql, Math.min(rows + 1, OPERATOR_RESULT_LIMIT));
    const state = await this.engine.state(this.tenantId);
    const checked = await this.engine.guard.check(regenerated, operatorRelationNames);
    const physical = state.relations.resolve(checked, { contactView: options.contactView });
    try {
      return await this.engine.read((connection) =>
        interruptible(connection, timeoutMs, async () => {
          const reader = await connection.runAndReadUntil(physical, rows + 1);
          const read = readRows(reader, options.rowMode ?? 'js');
          return {
            columns: reader.columnNames().map((name, index) => ({ name, type: reader.columnType(index).toString() })),
            rows: read.slice(0, rows) as Row[],
            truncated: read.length > rows,
          };
        }),
      );
    } catch (error) {
      throw operatorFailure(error);
    }
  }

  load(batch: OlapLoadBatch): Promise<OlapLoadResult> {
    return this.engine.write(this.tenantId, async (connection) => {
      const state = await this.engine.stateInWriter(connection, this.tenantId);
      return loadBatch(connection, state, batch, this.engine.hooks);
    });
  }

  /**
   * Runs a result query (guarded — operator SQL through the sandbox —, wrapped by `wrap`) on a read
   * connection — never on the writer, so a long computation holds up nobody's loads — and hands
   * each row to `onRow`.
   */
  private async computeResult(
    source: Exclude<OlapResultSource<unknown>, { rows: unknown[] }>,
    wrap: (select: string) => string,
    onRow: (row: unknown[]) => void,
  ): Promise<void> {
    let select: string;
    let params: DuckDBValue[] = [];
    if ('operatorSql' in source) {
      // No row cap for a result (a tag has a value per contact); the operator's own LIMIT stays.
      const regenerated = await this.engine.sandbox.prepare(source.operatorSql, OPERATOR_RESULT_LIMIT);
      const state = await this.engine.state(this.tenantId);
      const checked = await this.engine.guard.check(regenerated, operatorRelationNames);
      select = wrap(state.relations.resolve(checked, { contactView: source.contactView }));
    } else {
      const { state, checked } = await this.checked(source.sql);
      select = wrap(state.relations.resolve(checked));
      params = (source.params ?? []) as DuckDBValue[];
    }
    const timeoutMs = Math.min(source.timeoutMs ?? this.engine.writeTimeoutMs, this.engine.writeTimeoutMs);
    try {
      await this.engine.read((connection) =>
        interruptible(connection, timeoutMs, async () => {
          const result = await connection.stream(select, params);
          for await (const rows of result.yieldRowsJs()) for (const row of rows) onRow(row);
        }),
      );
    } catch (error) {
      throw 'operatorSql' in source ? operatorFailure(error) : error;
    }
  }

  /**
   * Replaces a result (a group version, a tag's calculation day) with `count` rows: the first writer
   * task deletes the old rows and appends the first chunk, each further chunk is a task of its own,
   * queued only when the previous one is done, so other tenants' writes (and this tenant's loads)
   * run in between. A result of one chunk is replaced atomically; a larger one becomes visible chunk
   * by chunk — results are written as a new version that is read only once its pointer in OLTP
   * switches (计算中 → 冗余中 → 完成), and a failed write is retried from its first chunk.
   */
  private async writeResult(
    table: string,
    clear: { where: string; params: DuckDBValue[]; alsoFrom?: string[] },
    count: number,
    appendRow: (appender: DuckDBAppender, index: number) => void,
  ): Promise<number> {
    const chunkRows = this.engine.writeChunkRows;
    for (let start = 0; start === 0 || start < count; start += chunkRows) {
      const end = Math.min(count, start + chunkRows);
      const first = start === 0;
      await this.engine.write(this.tenantId, async (connection) => {
        const state = await this.engine.stateInWriter(connection, this.tenantId);
        await inTransaction(connection, async () => {
          if (first)
            for (const cleared of [table, ...(clear.alsoFrom ?? [])])
              await connection.run(`DELETE FROM ${state.relations.table(cleared)} WHERE ${clear.where}`, clear.params);
          if (end > start) {
            await appendInto(connection, state.relations.schema, table, (appender) => {
              for (let index = start; index < end; index += 1) appendRow(appender, index);
            });
          }
        });
      });
    }
    return count;
  }

  async replaceGroupVersion(groupId: OlapId, version: number, source: OlapResultSource<OlapId>): Promise<number> {
    const group = toId(groupId, 'groupId', true, 'olap_argument_invalid');
    if (!Number.isInteger(version) || version < 0)
      throw new OlapInputError('olap_argument_invalid', [{ path: 'version', code: 'number.integer' }]);
    const ids = new IdColumn();
    if ('rows' in source) {
      const unique = new Set(source.rows.map((id, index) => toId(id, `rows.${index}`, true, 'olap_argument_invalid')));
      for (const id of unique) ids.push(id);
    } else {
      await this.computeResult(
        source,
        (select) =>
          `SELECT DISTINCT CAST(contact_id AS BIGINT) AS contact_id FROM (\n${select}\n) AS source WHERE contact_id IS NOT NULL`,
        (row) => ids.push(row[0] as bigint),
      );
    }
    return this.writeResult(
      tables.groupMember,
      // A rewritten version starts without real-time changes (ADR 0048).
      { where: 'group_id = $1 AND version = $2', params: [group, version], alsoFrom: [tables.groupDelta] },
      ids.length,
      (appender, index) => {
        appender.appendBigInt(group);
        appender.appendInteger(version);
        appender.appendBigInt(ids.at(index));
        appender.endRow();
      },
    );
  }

  async pruneGroupVersions(groupId: OlapId, keepVersions: number[]): Promise<void> {
    const group = toId(groupId, 'groupId', true, 'olap_argument_invalid');
    if (!keepVersions.every((v) => Number.isInteger(v)))
      throw new OlapInputError('olap_argument_invalid', [{ path: 'keepVersions', code: 'number.integer' }]);
    await this.engine.write(this.tenantId, async (connection) => {
      const state = await this.engine.stateInWriter(connection, this.tenantId);
      const keep = keepVersions.length ? ` AND version NOT IN (${keepVersions.join(', ')})` : '';
      await inTransaction(connection, async () => {
        for (const table of [tables.groupMember, tables.groupDelta])
          await connection.run(`DELETE FROM ${state.relations.table(table)} WHERE group_id = $1${keep}`, [group]);
      });
    });
  }

  async applyGroupDelta(groupId: OlapId, version: number, changes: readonly GroupDeltaChange[]): Promise<void> {
    // The newest change of a contact wins, within the call as across calls.
    const { group, latest } = groupDeltaArguments(groupId, version, changes);
    if (latest.size === 0) return;
    const entries = [...latest];
    const chunkRows = this.engine.writeChunkRows;
    await this.engine.write(this.tenantId, async (connection) => {
      const state = await this.engine.stateInWriter(connection, this.tenantId);
      const table = state.relations.table(tables.groupDelta);
      await inTransaction(connection, async () => {
        for (let start = 0; start < entries.length; start += chunkRows) {
          const chunk = entries.slice(start, start + chunkRows).map(([id]) => String(id));
          await connection.run(
            `DELETE FROM ${table} WHERE group_id = $1 AND version = $2 AND contact_id IN (SELECT unnest(CAST($3 AS BIGINT[])))`,
            [group, version, `[${chunk.join(',')}]`],
          );
        }
        await appendInto(connection, state.relations.schema, tables.groupDelta, (appender) => {
          for (const [id, member] of entries) {
            appender.appendBigInt(group);
            appender.appendInteger(version);
            appender.appendBigInt(id);
            appender.appendBoolean(member);
            appender.endRow();
          }
        });
      });
    });
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
    const ids = new IdColumn();
    const values: unknown[] = [];
    if ('rows' in source) {
      // Every row is checked before anything is written.
      const { clock } = await this.engine.state(this.tenantId);
      source.rows.forEach((row, index) => {
        const value = tagValue(row?.value, type, clock);
        if (value === MISMATCH)
          throw new OlapInputError('olap_argument_invalid', [{ path: `rows.${index}.value`, code: 'olap_type_mismatch' }]);
        ids.push(toId(row?.contactId, `rows.${index}.contactId`, true, 'olap_argument_invalid'));
        values.push(value);
      });
    } else {
      const cast =
        type === 'string'
          ? 'CAST(value AS VARCHAR)'
          : type === 'string[]'
            ? 'CAST(value AS VARCHAR[])'
            : type === 'bool'
              ? 'CASE WHEN CAST(value AS BOOLEAN) THEN 1 ELSE 0 END'
              : 'CAST(value AS DOUBLE)';
      await this.computeResult(
        source,
        (select) =>
          `SELECT CAST(contact_id AS BIGINT) AS contact_id, ${cast} AS value FROM (\n${select}\n) AS source WHERE contact_id IS NOT NULL`,
        (row) => {
          ids.push(row[0] as bigint);
          values.push(row[1]);
        },
      );
    }
    const appendValue = appendFor(type === 'string' ? 'varchar' : type === 'string[]' ? 'varchar[]' : 'double');
    const day = new DuckDBDateValue(parseDateOnly(calcDate)!);
    return this.writeResult(
      tables.tagValue,
      { where: 'tag_id = $1 AND calc_date = CAST($2 AS DATE) AND run = $3', params: [tag, calcDate, run] },
      ids.length,
      (appender, index) => {
        appender.appendBigInt(tag);
        appender.appendDate(day);
        appender.appendBigInt(ids.at(index));
        for (const name of ['value_string', 'value_number', 'value_strings']) {
          if (name === column) appendValue(appender, values[index] as Parameters<typeof appendValue>[1]);
          else appender.appendNull();
        }
        appender.appendInteger(run);
        appender.endRow();
      },
    );
  }

  async pruneTagValues(tagId: OlapId, keep: readonly TagRunKey[], options: { upToRun?: number } = {}): Promise<void> {
    const tag = tagPruneArguments(tagId, keep, options.upToRun);
    await this.engine.write(this.tenantId, async (connection) => {
      const state = await this.engine.stateInWriter(connection, this.tenantId);
      // Checked above: dates and integers only, inlined.
      const kept = keep.length
        ? ` AND NOT (${keep.map((key) => `(calc_date = DATE '${key.calcDate}' AND run = ${key.run})`).join(' OR ')})`
        : '';
      const bound = options.upToRun === undefined ? '' : ` AND run <= ${options.upToRun}`;
      await connection.run(`DELETE FROM ${state.relations.table(tables.tagValue)} WHERE tag_id = $1${kept}${bound}`, [tag]);
    });
  }

  async writeDimensionRows(
    dimensionId: OlapId,
    rows: Record<string, unknown>[],
    options: { replace?: boolean; keyField?: string } = {},
  ): Promise<number> {
    const id = String(toId(dimensionId, 'dimensionId', true, 'olap_argument_invalid'));
    return this.engine.write(this.tenantId, async (connection) => {
      const state = await this.engine.stateInWriter(connection, this.tenantId);
      const declared = state.relations.declaration.dimensions.find((d) => d.id === id);
      if (!declared) throw new OlapInputError('olap_argument_invalid', [{ path: 'dimensionId', code: 'olap_dimension_unknown' }]);
      const table = dimensionTable(id);
      const columns = state.columns.get(table) ?? [];
      return inTransaction(connection, async () => {
        if (options.replace) await connection.run(`DELETE FROM ${state.relations.table(table)}`);
        else if (options.keyField !== undefined) {
          // An upsert by key: the rows of these keys are replaced (StarRocks: a Primary Key table).
          const keyColumn = columns.find((c) => c.name === dimensionFieldColumn(options.keyField!));
          if (!keyColumn?.type)
            throw new OlapInputError('olap_argument_invalid', [{ path: 'keyField', code: 'olap_dimension_field_unknown' }]);
          const keys = [...new Set(rows.map((row) => coerce(row?.[options.keyField!], keyColumn.type!, state.clock)))].filter(
            (key) => key !== null && key !== MISMATCH,
          );
          for (let start = 0; start < keys.length; start += DIMENSION_KEY_BATCH) {
            const batch = keys.slice(start, start + DIMENSION_KEY_BATCH);
            await connection.run(
              `DELETE FROM ${state.relations.table(table)} WHERE ${duckDbDialect.quoteIdentifier(keyColumn.name)} IN (${batch.map((_, i) => `$${i + 1}`).join(', ')})`,
              batch as DuckDBValue[],
            );
          }
        }
        const appends = columns.map((c) => (c.type ? appendFor(c.type) : null));
        await appendInto(connection, state.relations.schema, table, (appender) => {
          rows.forEach((row, index) => {
            columns.forEach((column, position) => {
              const fieldId = column.name.slice(dimensionFieldColumn('').length);
              const value = column.type ? coerce(row?.[fieldId], column.type, state.clock) : null;
              if (value === MISMATCH)
                throw new OlapInputError('olap_argument_invalid', [
                  { path: `rows.${index}.${fieldId}`, code: 'olap_type_mismatch' },
                ]);
              const append = appends[position];
              if (append) append(appender, value);
              else appender.appendNull();
            });
            appender.endRow();
          });
        });
        return rows.length;
      });
    });
  }

  async deleteEventsByChannelAccounts(channelAccountIds: OlapId[]): Promise<number> {
    const ids = channelAccountIds.map((id, index) => toId(id, `channelAccountIds.${index}`, true, 'olap_argument_invalid'));
    if (ids.length === 0) return 0;
    return this.engine.write(this.tenantId, async (connection) => {
      const state = await this.engine.stateInWriter(connection, this.tenantId);
      const result = await connection.run(
        `DELETE FROM ${state.relations.table(tables.events)} WHERE channel_account_id IN (${ids.map((id) => id.toString()).join(', ')})`,
      );
      return Number(result.rowsChanged);
    });
  }
}

/** A run number of a tag's values: a non-negative 32-bit integer (the column is INTEGER). */

/** ` DEFAULT <n>` of a column that has one (what the rows before it was added read). */
function columnDefault(column: TableSpec['columns'][number]): string {
  if (column.default === undefined) return '';
  if (!Number.isFinite(column.default)) throw new Error(`invalid default of column ${column.name}`);
  return ` DEFAULT ${column.default}`;
}

/** A tag result as its value column stores it: text, list, or number (bool → 1/0, date → epoch ms). */
function tagValue(value: unknown, type: TagType, clock: ZonedClock) {
  switch (type) {
    case 'string':
      return coerce(value, 'varchar', clock);
    case 'string[]':
      return coerce(value, 'varchar[]', clock);
    case 'number':
      return coerce(value, 'double', clock);
    case 'bool': {
      const bool = coerce(value, 'boolean', clock);
      return bool === MISMATCH || bool === null ? bool : bool ? 1 : 0;
    }
    case 'date':
      return coerce(value, 'timestamp', clock);
  }
}
