import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import mysql from 'mysql2';

/**
 * A MySQL-protocol double of a StarRocks FE, on mysql2's `createServer` (no StarRocks server can run
 * here). It is not StarRocks: it keeps a tiny catalog from the DDL it receives (databases, tables and
 * their columns, views, users, roles, grants, resource groups, schema-change jobs), answers the
 * statements the StarRocks engine sends (SET, KILL QUERY, SHOW ALTER TABLE, information_schema
 * reads, SELECT 1) and every other SELECT from answers a test registers (`answer`). It records every
 * statement per connection, with the user it came from and whether it came as a text query or as a
 * server-side prepared statement (which the engine must never use: the double refuses those).
 *
 * Where StarRocks' documentation does not say what the server answers (the error of a killed query),
 * the double answers like MySQL does; each such choice is named where it is made. It listens on TCP,
 * so another process can use it.
 */

export type FeColumnType =
  'BIGINT' | 'INT' | 'DOUBLE' | 'DECIMAL' | 'VARCHAR' | 'DATE' | 'DATETIME' | 'BOOLEAN' | 'JSON' | 'ARRAY';

export interface FeAnswerColumn {
  name: string;
  type: FeColumnType;
}

export interface FeAnswerOptions {
  /** Column names and types; default: the keys of the first row, typed from their values. */
  columns?: FeAnswerColumn[];
  /** Answer after this long (a slow query; KILL QUERY or the session's query_timeout end it first). */
  delayMs?: number;
  /** Fail the statement with this MySQL error instead. */
  error?: { errno: number; message: string };
  /** Used once, then forgotten. */
  once?: boolean;
  /**
   * A long answer made row by row while the client reads it (`rows` is then ignored; `columns` is
   * required): written as the socket takes it, stopped when the client closes the connection. What
   * was sent is in `generated()`.
   */
  generate?: { count: number; row(index: number): Record<string, unknown> };
}

/** One generated answer: how many of its rows the double wrote before it ended. */
export interface FeGeneratedAnswer {
  connectionId: number;
  sql: string;
  count: number;
  sent: number;
  /** `complete`: every row and the EOF; `closed`: the client closed the connection first; undefined: still sending. */
  ended?: 'complete' | 'closed';
}

export type FeMatcher = string | RegExp | ((sql: string) => boolean);
/** A MySQL error, or one built from the failing statement (a server that echoes the SQL in its message). */
export type FeFailure = { errno: number; message: string } | ((sql: string) => { errno: number; message: string });
export type FeRows = Record<string, unknown>[] | ((sql: string) => Record<string, unknown>[]);

export interface FeStatement {
  /** The connection id the handshake announced (what KILL QUERY names). */
  connectionId: number;
  user: string;
  sql: string;
  /** `query`: COM_QUERY (text protocol); `prepare` / `execute`: the binary protocol. */
  kind: 'query' | 'prepare' | 'execute';
}

export interface FeColumn {
  name: string;
  /** The type as written in the DDL, e.g. `VARCHAR(65533)`, `ARRAY<VARCHAR(65533)>`. */
  type: string;
  default?: string;
}

export interface FeTable {
  kind: 'table' | 'view';
  columns: FeColumn[];
  /** The statement that created it (CREATE TABLE / CREATE VIEW), and a view's latest body. */
  ddl: string;
  body?: string;
}

export interface FeAlterJob {
  jobId: number;
  database: string;
  table: string;
  state: 'PENDING' | 'RUNNING' | 'FINISHED' | 'CANCELLED';
  /** SHOW ALTER TABLE polls left before a job the double holds back turns FINISHED. */
  pollsLeft: number;
}

export interface FeCatalog {
  databases: Map<string, Map<string, FeTable>>;
  /** `user` (without host) → password. */
  users: Map<string, { password: string; host: string; defaultRoles: string[] }>;
  roles: Set<string>;
  /** GRANT statements as received, normalised to one line each. */
  grants: { privilege: string; object: string; grantee: string }[];
  resourceGroups: Map<string, { classifiers: string; properties: Record<string, string> }>;
  alterJobs: FeAlterJob[];
}

export interface FeDoubleOptions {
  /** The administrator the engine logs in as (default root / fe-secret). */
  user?: string;
  password?: string;
  /** Delay every canned SELECT by this long (a slow cluster). */
  delayMs?: number;
  /** Schema-change jobs stay RUNNING for this many SHOW ALTER TABLE polls (default 0: finished at once). */
  alterPolls?: number;
  /**
   * A SELECT no registered answer matches: `error` (default) fails it, so a test notices; `empty` answers
   * no rows (an OK packet), for tests that drive whole processes and do not care about query results.
   */
  unanswered?: 'error' | 'empty';
}

export interface FeDouble {
  host: string;
  port: number;
  user: string;
  password: string;
  catalog: FeCatalog;
  /** Every statement received, in order. */
  statements(): FeStatement[];
  /** The statements of one connection. */
  statementsOf(connectionId: number): FeStatement[];
  /** Connection ids that sent `KILL QUERY <id>`'s target, in order. */
  killed: number[];
  /** Session variables each connection holds now (what SET left behind). */
  sessionVariables(connectionId: number): Record<string, string>;
  answer(matcher: FeMatcher, rows: FeRows, options?: FeAnswerOptions): void;
  /** Fails every statement `matcher` matches (any kind, DDL too) with this MySQL error, until `clearFailures`. */
  fail(matcher: FeMatcher, error: FeFailure): void;
  clearFailures(): void;
  /** Forgets the recorded statements (the catalog stays). */
  clearStatements(): void;
  /** Refuses new connections and drops the open ones (an FE that went away). */
  close(): Promise<void>;
  /** Connections open now. */
  openConnections(): number;
  /** The generated answers (`FeAnswerOptions.generate`), in order. */
  generated(): FeGeneratedAnswer[];
  set delayMs(ms: number);
  set alterPolls(polls: number);
  set unanswered(mode: 'error' | 'empty');
}

// ---- protocol details ------------------------------------------------------------------------------

const COM_QUERY = 0x03;
const COM_STMT_PREPARE = 0x16;
const COM_STMT_EXECUTE = 0x17;

/** Capabilities announced in the handshake: 4.1 protocol and mysql_native_password, nothing fancy. */
const CAPABILITIES = 0x00000001 | 0x00000004 | 0x00000008 | 0x00000200 | 0x00002000 | 0x00008000 | 0x00080000;
const UTF8_GENERAL_CI = 33;
const BINARY_CHARSET = 63;

const TYPE_CODES: Record<FeColumnType, { code: number; length: number; charset: number; decimals: number }> = {
  BIGINT: { code: 0x08, length: 20, charset: BINARY_CHARSET, decimals: 0 },
  INT: { code: 0x03, length: 11, charset: BINARY_CHARSET, decimals: 0 },
  DOUBLE: { code: 0x05, length: 22, charset: BINARY_CHARSET, decimals: 31 },
  DECIMAL: { code: 0xf6, length: 38, charset: BINARY_CHARSET, decimals: 9 },
  VARCHAR: { code: 0xfd, length: 65533, charset: UTF8_GENERAL_CI, decimals: 0 },
  DATE: { code: 0x0a, length: 10, charset: BINARY_CHARSET, decimals: 0 },
  DATETIME: { code: 0x0c, length: 26, charset: BINARY_CHARSET, decimals: 6 },
  // StarRocks' BOOLEAN travels as TINYINT(1), as MySQL's does (the docs do not say otherwise).
  BOOLEAN: { code: 0x01, length: 1, charset: BINARY_CHARSET, decimals: 0 },
  JSON: { code: 0xf5, length: 65533, charset: UTF8_GENERAL_CI, decimals: 0 },
  // An ARRAY result column travels with VARCHAR's type code, utf8, length 60: the FE's
  // Type.getMysqlResultType() gives every non-scalar type VARCHAR's MySQL type, and
  // getMysqlResultSetFieldLength() "Treat ARRAY/MAP/STRUCT as VARCHAR(-1)" → 60 (FE source).
  ARRAY: { code: 0xfd, length: 60, charset: UTF8_GENERAL_CI, decimals: 0 },
};

/**
 * An ARRAY cell as StarRocks prints it (Array.md): no blanks, strings double-quoted, NULL as `null`,
 * booleans as 1/0 — `["apple","orange","pear"]`, `[1,null]`, `[1,0]`.
 */
export function starRocksArrayText(values: readonly unknown[]): string {
  return `[${values
    .map((v) =>
      v === null || v === undefined
        ? 'null'
        : typeof v === 'boolean'
          ? v
            ? '1'
            : '0'
          : typeof v === 'string'
            ? JSON.stringify(v)
            : Array.isArray(v)
              ? starRocksArrayText(v)
              : String(v as number),
    )
    .join(',')}]`;
}

/**
 * A JSON cell as StarRocks prints it (JSON.md): `{"a": 1, "b": true}` — a blank after each colon and
 * comma, object keys sorted (StarRocks keeps JSON in a binary form; JSON.md's json_each example prints
 * `{"quantity": 1, "timestamp": …, "type": …}` for an object written type-first).
 */
export function starRocksJsonText(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(starRocksJsonText).join(', ')}]`;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}: ${starRocksJsonText(v)}`).join(', ')}}`;
}

function sha1(...parts: Buffer[]): Buffer {
  const hash = createHash('sha1');
  for (const part of parts) hash.update(part);
  return hash.digest();
}

/** mysql_native_password: token = sha1(pw) XOR sha1(scramble + sha1(sha1(pw))). */
function passwordMatches(password: string, scramble: Buffer, token: Buffer): boolean {
  if (password === '') return token.length === 0;
  if (token.length !== 20) return false;
  const stage1 = sha1(Buffer.from(password, 'utf8'));
  const expected = sha1(scramble, sha1(stage1));
  for (let i = 0; i < 20; i += 1) expected[i]! ^= stage1[i]!;
  return expected.equals(token);
}

function typeOf(value: unknown): FeColumnType {
  if (typeof value === 'bigint') return 'BIGINT';
  if (typeof value === 'number') return Number.isInteger(value) ? 'BIGINT' : 'DOUBLE';
  if (typeof value === 'boolean') return 'BOOLEAN';
  if (value instanceof Date) return 'DATETIME';
  return 'VARCHAR';
}

function cell(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (value instanceof Date) return value.toISOString().replace('T', ' ').replace('Z', '');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value as string | number | bigint);
}

/** `` `a`.`b` `` / `a.b` / `'a'` → the bare names. */
function names(text: string): string[] {
  return [...text.matchAll(/`((?:[^`]|``)*)`|'((?:[^']|'')*)'|"((?:[^"]|"")*)"|([A-Za-z0-9_$]+)/g)].map((m) =>
    (m[1] ?? m[2] ?? m[3] ?? m[4] ?? '').replaceAll('``', '`'),
  );
}

/** Splits `a, b(c, d), e<f, g>` at top-level commas. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i]!;
    if (quote) {
      if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === "'" || ch === '"' || ch === '`') quote = ch;
    else if (ch === '(' || ch === '<') depth += 1;
    else if (ch === ')' || ch === '>') depth -= 1;
    else if (ch === ',' && depth === 0) {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  const last = text.slice(start).trim();
  if (last) parts.push(last);
  return parts;
}

/** The text between the parenthesis at `open` and its match. */
function parenthesized(text: string, open: number): { inner: string; end: number } {
  let depth = 0;
  let quote: string | undefined;
  for (let i = open; i < text.length; i += 1) {
    const ch = text[i]!;
    if (quote) {
      if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === "'" || ch === '"' || ch === '`') quote = ch;
    else if (ch === '(') depth += 1;
    else if (ch === ')') {
      depth -= 1;
      if (depth === 0) return { inner: text.slice(open + 1, i), end: i };
    }
  }
  throw new Error('unbalanced parentheses');
}

function columnDef(text: string): FeColumn {
  const match = /^\s*(`(?:[^`]|``)*`|[A-Za-z0-9_]+)\s+(.+)$/s.exec(text);
  if (!match) throw new Error(`column definition not understood: ${text}`);
  const rest = match[2]!;
  // The type runs until NULL / NOT NULL / DEFAULT / COMMENT (types may hold spaces inside <> or ()).
  const typeMatch = /^((?:[^\s<(]+)(?:<[^>]*(?:<[^>]*>[^>]*)*>|\([^)]*\))?)/.exec(rest);
  const defaultMatch = /\bDEFAULT\s+"([^"]*)"/i.exec(rest) ?? /\bDEFAULT\s+'([^']*)'/i.exec(rest);
  return {
    name: names(match[1]!)[0]!,
    type: (typeMatch?.[1] ?? rest).toUpperCase(),
    ...(defaultMatch ? { default: defaultMatch[1] } : {}),
  };
}

class FeError extends Error {
  constructor(
    readonly errno: number,
    message: string,
  ) {
    super(message);
  }
}

interface Session {
  id: number;
  user: string;
  variables: Map<string, string>;
  running?: { cancel(error: FeError): void };
}

interface Canned {
  matcher: FeMatcher;
  rows: FeRows;
  options: FeAnswerOptions;
}

interface Result {
  columns?: FeAnswerColumn[];
  rows?: Record<string, unknown>[];
  generate?: FeAnswerOptions['generate'];
  affectedRows?: number;
}

/** Minimal connection surface of mysql2's server-side Connection (its typings do not describe it). */
interface ServerConnection {
  serverHandshake(args: Record<string, unknown>): void;
  on(event: string, listener: (...args: never[]) => void): void;
  writeOk(args?: { affectedRows?: number }): void;
  writeError(args: { code: number; message: string }): void;
  writeColumns(columns: Record<string, unknown>[]): void;
  writeTextRow(values: (string | null)[]): void;
  writeEof(): void;
  clientHelloReply?: { encoding?: string };
  stream: {
    destroy(): void;
    end(): void;
    on(event: string, listener: () => void): void;
    once(event: string, listener: () => void): void;
    off(event: string, listener: () => void): void;
    destroyed: boolean;
    writableNeedDrain: boolean;
  };
  /** The packet sequence: mysql2's server side never resets it between commands, the double does. */
  sequenceId: number;
}

interface Packet {
  clone(): Packet;
  readInt8(): number;
  readString(length: undefined, encoding?: string): string;
}

export async function startFeDouble(options: FeDoubleOptions = {}): Promise<FeDouble> {
  const admin = { user: options.user ?? 'root', password: options.password ?? 'fe-secret' };
  const catalog: FeCatalog = {
    databases: new Map(),
    users: new Map([[admin.user, { password: admin.password, host: '%', defaultRoles: [] }]]),
    roles: new Set(),
    grants: [],
    resourceGroups: new Map(),
    alterJobs: [],
  };
  const statements: FeStatement[] = [];
  const killed: number[] = [];
  const generatedAnswers: FeGeneratedAnswer[] = [];
  const canned: Canned[] = [];
  const failures: { matcher: FeMatcher; error: FeFailure }[] = [];
  const matches = (matcher: FeMatcher, sql: string) =>
    typeof matcher === 'string' ? sql.includes(matcher) : matcher instanceof RegExp ? matcher.test(sql) : matcher(sql);
  const sessions = new Map<number, Session>();
  const sockets = new Set<ServerConnection['stream']>();
  let delayMs = options.delayMs ?? 0;
  let alterPolls = options.alterPolls ?? 0;
  let unanswered = options.unanswered ?? 'error';
  let nextConnectionId = 100;
  let nextJobId = 1;

  const tablesOf = (database: string): Map<string, FeTable> => {
    const tables = catalog.databases.get(database);
    if (!tables) throw new FeError(1049, `Unknown database '${database}'`);
    return tables;
  };

  const isAdmin = (session: Session) => session.user === admin.user;
  const requireAdmin = (session: Session) => {
    if (!isAdmin(session)) throw new FeError(1227, `Access denied for user '${session.user}'`);
  };

  function cannedAnswer(session: Session, sql: string): Promise<Result> {
    const index = canned.findLastIndex(({ matcher }) =>
      typeof matcher === 'string' ? sql.includes(matcher) : matcher instanceof RegExp ? matcher.test(sql) : matcher(sql),
    );
    if (index === -1) {
      if (unanswered === 'empty') return Promise.resolve({});
      return Promise.reject(new FeError(1064, `the FE double has no answer for: ${sql.slice(0, 200)}`));
    }
    const { rows, options: answerOptions } = canned[index]!;
    if (answerOptions.once) canned.splice(index, 1);
    const result = (): Result => {
      if (answerOptions.error) throw new FeError(answerOptions.error.errno, answerOptions.error.message);
      if (answerOptions.generate) {
        if (!answerOptions.columns) throw new Error('a generated answer needs its columns');
        return { columns: answerOptions.columns, generate: answerOptions.generate };
      }
      const produced = typeof rows === 'function' ? rows(sql) : rows;
      const columns =
        answerOptions.columns ?? Object.entries(produced[0] ?? {}).map(([name, value]) => ({ name, type: typeOf(value) }));
      return { columns, rows: produced };
    };
    const wait = answerOptions.delayMs ?? delayMs;
    if (wait <= 0) return Promise.resolve().then(result);
    return new Promise<Result>((resolve, reject) => {
      const timers: NodeJS.Timeout[] = [];
      const finish = (error?: FeError) => {
        timers.forEach(clearTimeout);
        session.running = undefined;
        if (error) reject(error);
        else {
          try {
            resolve(result());
          } catch (failure) {
            reject(failure as Error);
          }
        }
      };
      session.running = { cancel: (error) => finish(error) };
      timers.push(setTimeout(() => finish(), wait));
      // The session's query_timeout (seconds) ends a query first, as StarRocks does (error 5024 is
      // what StarRocks 3.4 answers: "Query reached its timeout of N seconds" — issue #58202).
      const limit = Number(session.variables.get('query_timeout') ?? 300);
      if (Number.isFinite(limit) && limit * 1000 < wait) {
        timers.push(
          setTimeout(
            () =>
              finish(
                new FeError(
                  5024,
                  `Query reached its timeout of ${limit} seconds, please increase the 'query_timeout' session variable and retry`,
                ),
              ),
            limit * 1000,
          ),
        );
      }
    });
  }

  function informationSchema(sql: string): Result | undefined {
    const schema = /TABLE_SCHEMA\s*=\s*'((?:[^']|'')*)'/i.exec(sql)?.[1]?.replaceAll("''", "'");
    // `TABLE_SCHEMA IN ('a', 'b', …)`: several databases at once (the start-up probe).
    const schemaList = /TABLE_SCHEMA\s+IN\s*\(([^)]*)\)/i.exec(sql)?.[1];
    if (/information_schema\.tables/i.test(sql)) {
      const schemas = schemaList === undefined ? (schema === undefined ? [] : [schema]) : names(schemaList);
      return {
        columns: [
          ...(schemaList === undefined ? [] : [{ name: 'TABLE_SCHEMA', type: 'VARCHAR' as const }]),
          { name: 'TABLE_NAME', type: 'VARCHAR' },
          { name: 'TABLE_TYPE', type: 'VARCHAR' },
        ],
        rows: schemas.flatMap((name) =>
          [...(catalog.databases.get(name)?.entries() ?? [])].map(([tableName, table]) => ({
            TABLE_SCHEMA: name,
            TABLE_NAME: tableName,
            TABLE_TYPE: table.kind === 'view' ? 'VIEW' : 'BASE TABLE',
          })),
        ),
      };
    }
    if (/information_schema\.columns/i.test(sql)) {
      const tables = schema === undefined ? undefined : catalog.databases.get(schema);
      const rows: Record<string, unknown>[] = [];
      for (const [name, table] of tables ?? []) {
        table.columns.forEach((column, index) =>
          rows.push({
            TABLE_NAME: name,
            COLUMN_NAME: column.name,
            // information_schema's DATA_TYPE is the bare type name, COLUMN_TYPE the full one (lower case, as MySQL).
            DATA_TYPE: column.type.replace(/[(<].*$/, '').toLowerCase(),
            COLUMN_TYPE: column.type.toLowerCase(),
            ORDINAL_POSITION: index + 1,
          }),
        );
      }
      return {
        columns: [
          { name: 'TABLE_NAME', type: 'VARCHAR' },
          { name: 'COLUMN_NAME', type: 'VARCHAR' },
          { name: 'DATA_TYPE', type: 'VARCHAR' },
          { name: 'COLUMN_TYPE', type: 'VARCHAR' },
          { name: 'ORDINAL_POSITION', type: 'BIGINT' },
        ],
        rows,
      };
    }
    return undefined;
  }

  /** Runs one statement; DDL updates the catalog. */
  async function run(session: Session, raw: string): Promise<Result> {
    const sql = raw.trim().replace(/;\s*$/, '');
    const failure = failures.find(({ matcher }) => matches(matcher, sql));
    if (failure) {
      const error = typeof failure.error === 'function' ? failure.error(sql) : failure.error;
      throw new FeError(error.errno, error.message);
    }
    let m: RegExpExecArray | null;
    if (/^SELECT\s+1\s*$/i.test(sql)) return { columns: [{ name: '1', type: 'BIGINT' }], rows: [{ '1': 1 }] };
    if ((m = /^KILL\s+QUERY\s+(\d+)$/i.exec(sql))) {
      const target = Number(m[1]);
      killed.push(target);
      // StarRocks' docs do not name the error a killed statement gets; the double answers as MySQL
      // does (1317, "Query execution was interrupted").
      sessions.get(target)?.running?.cancel(new FeError(1317, 'Query execution was interrupted'));
      return {};
    }
    if ((m = /^SET\s+DEFAULT\s+ROLE\s+(.+?)\s+TO\s+(.+)$/i.exec(sql))) {
      requireAdmin(session);
      const user = catalog.users.get(names(m[2]!)[0]!);
      if (!user) throw new FeError(1396, `user ${m[2]} does not exist`);
      user.defaultRoles = names(m[1]!);
      return {};
    }
    if ((m = /^SET\s+(?:SESSION\s+)?(.+)$/i.exec(sql))) {
      for (const assignment of splitTopLevel(m[1]!)) {
        const pair = /^@{0,2}(?:session\.)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.+)$/i.exec(assignment);
        if (!pair) throw new FeError(1064, `SET not understood: ${assignment}`);
        session.variables.set(pair[1]!.toLowerCase(), pair[2]!.replace(/^['"]|['"]$/g, ''));
      }
      return {};
    }
    if ((m = /^CREATE\s+DATABASE\s+IF\s+NOT\s+EXISTS\s+(\S+)$/i.exec(sql))) {
      requireAdmin(session);
      const name = names(m[1]!)[0]!;
      if (!catalog.databases.has(name)) catalog.databases.set(name, new Map());
      return {};
    }
    if ((m = /^CREATE\s+TABLE\s+(IF\s+NOT\s+EXISTS\s+)?((?:`[^`]*`|\w+)\.(?:`[^`]*`|\w+))\s*\(/i.exec(sql))) {
      requireAdmin(session);
      const [database, table] = names(m[2]!);
      const tables = tablesOf(database!);
      if (tables.has(table!)) {
        if (!m[1]) throw new FeError(1050, `Table '${table}' already exists`);
        return {};
      }
      const { inner } = parenthesized(sql, m[0].length - 1);
      tables.set(table!, { kind: 'table', columns: splitTopLevel(inner).map(columnDef), ddl: sql });
      return {};
    }
    if ((m = /^ALTER\s+TABLE\s+((?:`[^`]*`|\w+)\.(?:`[^`]*`|\w+))\s+ADD\s+COLUMN\s+/i.exec(sql))) {
      requireAdmin(session);
      const [database, tableName] = names(m[1]!);
      const table = tablesOf(database!).get(tableName!);
      if (!table || table.kind !== 'table') throw new FeError(1146, `Table '${tableName}' doesn't exist`);
      const running = catalog.alterJobs.find(
        (job) => job.database === database && job.table === tableName && job.state !== 'FINISHED' && job.state !== 'CANCELLED',
      );
      // One schema change per table at a time (ALTER_TABLE.md): a second one is refused while the first runs.
      if (running) throw new FeError(1064, `Doing schema change operation on table ${tableName}, please wait`);
      const rest = sql.slice(m[0].length);
      const defs = rest.startsWith('(') ? splitTopLevel(parenthesized(rest, 0).inner) : [rest];
      for (const def of defs) {
        const column = columnDef(def);
        if (table.columns.some((c) => c.name.toLowerCase() === column.name.toLowerCase()))
          throw new FeError(1060, `Duplicate column name '${column.name}'`);
        table.columns.push(column);
      }
      catalog.alterJobs.push({
        jobId: nextJobId++,
        database: database!,
        table: tableName!,
        state: alterPolls > 0 ? 'RUNNING' : 'FINISHED',
        pollsLeft: alterPolls,
      });
      return {};
    }
    if ((m = /^SHOW\s+ALTER\s+TABLE\s+COLUMN\s+FROM\s+(\S+)(?:\s+WHERE\s+TableName\s*=\s*(\S+))?/i.exec(sql))) {
      const database = names(m[1]!)[0]!;
      const table = m[2] ? names(m[2])[0] : undefined;
      const jobs = catalog.alterJobs
        .filter((job) => job.database === database && (table === undefined || job.table === table))
        .sort((a, b) => b.jobId - a.jobId);
      for (const job of jobs) {
        if (job.state === 'RUNNING') {
          job.pollsLeft -= 1;
          if (job.pollsLeft <= 0) job.state = 'FINISHED';
        }
      }
      const limited = /LIMIT\s+1\b/i.test(sql) ? jobs.slice(0, 1) : jobs;
      return {
        columns: [
          { name: 'JobId', type: 'BIGINT' },
          { name: 'TableName', type: 'VARCHAR' },
          { name: 'State', type: 'VARCHAR' },
          { name: 'Msg', type: 'VARCHAR' },
        ],
        rows: limited.map((job) => ({ JobId: job.jobId, TableName: job.table, State: job.state, Msg: '' })),
      };
    }
    if (
      (m = /^(CREATE\s+VIEW\s+(IF\s+NOT\s+EXISTS\s+)?|ALTER\s+VIEW\s+)((?:`[^`]*`|\w+)\.(?:`[^`]*`|\w+))\s+AS\s+(.+)$/is.exec(
        sql,
      ))
    ) {
      requireAdmin(session);
      const [database, view] = names(m[3]!);
      const tables = tablesOf(database!);
      const existing = tables.get(view!);
      const creating = /^CREATE/i.test(m[1]!);
      if (creating && existing) {
        if (!m[2]) throw new FeError(1050, `Table '${view}' already exists`);
        return {};
      }
      if (!creating && existing?.kind !== 'view') throw new FeError(1146, `View '${view}' doesn't exist`);
      tables.set(view!, { kind: 'view', columns: [], ddl: creating ? sql : existing!.ddl, body: m[4]! });
      return {};
    }
    if (/^SELECT\b/i.test(sql) && /information_schema\./i.test(sql)) {
      const result = informationSchema(sql);
      if (result) return result;
    }
    if (
      (m =
        /^CREATE\s+USER\s+(IF\s+NOT\s+EXISTS\s+)?('[^']*'(?:@'[^']*')?)\s+IDENTIFIED\s+BY\s+'((?:[^'\\]|\\.)*)'(?:\s+DEFAULT\s+ROLE\s+(.+))?$/i.exec(
          sql,
        ))
    ) {
      requireAdmin(session);
      const [user, host] = names(m[2]!);
      if (catalog.users.has(user!)) {
        if (!m[1]) throw new FeError(1396, `Operation CREATE USER failed for '${user}'`);
        return {};
      }
      catalog.users.set(user!, {
        password: m[3]!.replace(/\\(.)/g, '$1'),
        host: host ?? '%',
        defaultRoles: m[4] ? names(m[4]) : [],
      });
      return {};
    }
    if ((m = /^ALTER\s+USER\s+('[^']*'(?:@'[^']*')?)\s+IDENTIFIED\s+BY\s+'((?:[^'\\]|\\.)*)'$/i.exec(sql))) {
      requireAdmin(session);
      const user = catalog.users.get(names(m[1]!)[0]!);
      if (!user) throw new FeError(1396, `Operation ALTER USER failed for ${m[1]}`);
      user.password = m[2]!.replace(/\\(.)/g, '$1');
      return {};
    }
    if ((m = /^CREATE\s+ROLE\s+(IF\s+NOT\s+EXISTS\s+)?(.+)$/i.exec(sql))) {
      requireAdmin(session);
      for (const role of names(m[2]!)) catalog.roles.add(role);
      return {};
    }
    if ((m = /^GRANT\s+(.+?)\s+ON\s+(.+?)\s+TO\s+ROLE\s+(.+)$/i.exec(sql))) {
      requireAdmin(session);
      const grantee = names(m[3]!)[0]!;
      if (!catalog.roles.has(grantee)) throw new FeError(1064, `role ${grantee} does not exist`);
      catalog.grants.push({ privilege: m[1]!.toUpperCase(), object: m[2]!, grantee: `ROLE ${grantee}` });
      return {};
    }
    if ((m = /^GRANT\s+(.+?)\s+TO\s+USER\s+(.+)$/i.exec(sql))) {
      requireAdmin(session);
      const user = names(m[2]!)[0]!;
      if (!catalog.users.has(user)) throw new FeError(1396, `user ${user} does not exist`);
      for (const role of names(m[1]!)) {
        if (!catalog.roles.has(role)) throw new FeError(1064, `role ${role} does not exist`);
        catalog.grants.push({ privilege: 'ROLE', object: role, grantee: `USER ${user}` });
      }
      return {};
    }
    if ((m = /^CREATE\s+RESOURCE\s+GROUP\s+(IF\s+NOT\s+EXISTS\s+)?(\S+)\s+TO\s+(.+?)\s+WITH\s*\((.+)\)$/is.exec(sql))) {
      requireAdmin(session);
      const name = names(m[2]!)[0]!;
      if (catalog.resourceGroups.has(name)) {
        if (!m[1]) throw new FeError(1064, `resource group ${name} already exists`);
        return {};
      }
      catalog.resourceGroups.set(name, { classifiers: m[3]!, properties: properties(m[4]!) });
      return {};
    }
    if ((m = /^ALTER\s+RESOURCE\s+GROUP\s+(\S+)\s+WITH\s*\((.+)\)$/is.exec(sql))) {
      requireAdmin(session);
      const group = catalog.resourceGroups.get(names(m[1]!)[0]!);
      if (!group) throw new FeError(1064, `resource group ${m[1]} does not exist`);
      Object.assign(group.properties, properties(m[2]!));
      return {};
    }
    if (/^(INSERT|DELETE|TRUNCATE|UPDATE)\b/i.test(sql)) {
      requireAdmin(session);
      if (
        canned.some(({ matcher }) =>
          typeof matcher === 'string' ? sql.includes(matcher) : matcher instanceof RegExp ? matcher.test(sql) : matcher(sql),
        )
      ) {
        const result = await cannedAnswer(session, sql);
        return { affectedRows: Number(result.rows?.[0]?.affectedRows ?? 0) };
      }
      return { affectedRows: 0 };
    }
    if (/^(SELECT|WITH)\b/i.test(sql)) return cannedAnswer(session, sql);
    throw new FeError(1064, `the FE double does not understand: ${sql.slice(0, 200)}`);
  }

  function properties(text: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const part of splitTopLevel(text)) {
      const pair = /^\s*['"]([^'"]+)['"]\s*=\s*['"]([^'"]*)['"]\s*$/.exec(part);
      if (pair) out[pair[1]!] = pair[2]!;
    }
    return out;
  }

  /** A generated answer's rows, as fast as the socket takes them, until the last or until the client is gone. */
  async function writeGenerated(
    connection: ServerConnection,
    columns: FeAnswerColumn[],
    generate: NonNullable<FeAnswerOptions['generate']>,
    record: FeGeneratedAnswer,
  ): Promise<void> {
    const socket = connection.stream;
    for (let index = 0; index < generate.count; index += 1) {
      if (socket.destroyed) {
        record.ended = 'closed';
        return;
      }
      const row = generate.row(index);
      connection.writeTextRow(columns.map((column) => cell(row[column.name])));
      record.sent = index + 1;
      if (socket.writableNeedDrain) {
        const open = await new Promise<boolean>((resolve) => {
          const done = (value: boolean) => {
            socket.off('drain', onDrain);
            socket.off('close', onClose);
            resolve(value);
          };
          const onDrain = () => done(true);
          const onClose = () => done(false);
          socket.once('drain', onDrain);
          socket.once('close', onClose);
        });
        if (!open) {
          record.ended = 'closed';
          return;
        }
      }
    }
    connection.writeEof();
    record.ended = 'complete';
  }

  async function reply(connection: ServerConnection, result: Result, session: Session, sql: string): Promise<void> {
    if (!result.columns) {
      connection.writeOk({ affectedRows: result.affectedRows ?? 0 });
      return;
    }
    connection.writeColumns(
      result.columns.map((column) => {
        const type = TYPE_CODES[column.type];
        return {
          catalog: 'def',
          schema: '',
          table: '',
          orgTable: '',
          name: column.name,
          orgName: column.name,
          characterSet: type.charset,
          columnLength: type.length,
          columnType: type.code,
          flags: 0,
          decimals: type.decimals,
        };
      }),
    );
    if (result.generate) {
      const record: FeGeneratedAnswer = { connectionId: session.id, sql, count: result.generate.count, sent: 0 };
      generatedAnswers.push(record);
      await writeGenerated(connection, result.columns, result.generate, record);
      return;
    }
    for (const row of result.rows ?? [])
      connection.writeTextRow(
        result.columns.map((column) => {
          const value = row[column.name];
          // Arrays and JSON values given as JS values are printed the way StarRocks prints them.
          if (column.type === 'ARRAY' && Array.isArray(value)) return starRocksArrayText(value);
          if (column.type === 'JSON' && value !== null && typeof value === 'object') return starRocksJsonText(value);
          return cell(value);
        }),
      );
    connection.writeEof();
  }

  const server = mysql.createServer((raw) => {
    const connection = raw as unknown as ServerConnection;
    const id = nextConnectionId++;
    const session: Session = { id, user: '', variables: new Map() };
    sockets.add(connection.stream);
    connection.stream.on('close', () => {
      sockets.delete(connection.stream);
      sessions.delete(id);
    });
    connection.on('error', () => undefined);
    connection.serverHandshake({
      protocolVersion: 10,
      // StarRocks announces a MySQL 5.1-compatible version string with its own behind it.
      serverVersion: '5.1.0-StarRocks-double',
      connectionId: id,
      statusFlags: 2,
      characterSet: UTF8_GENERAL_CI,
      capabilityFlags: CAPABILITIES,
      authCallback(
        params: { user: string; authPluginData1: Buffer; authPluginData2: Buffer; authToken: Buffer },
        callback: (error: Error | null, mysqlError?: { message: string; code: number }) => void,
      ) {
        const user = catalog.users.get(params.user);
        const scramble = Buffer.concat([params.authPluginData1, params.authPluginData2]);
        if (!user || !passwordMatches(user.password, scramble, params.authToken ?? Buffer.alloc(0))) {
          callback(null, { message: `Access denied for user '${params.user}'`, code: 1045 });
          return;
        }
        session.user = params.user;
        sessions.set(id, session);
        callback(null);
        connection.sequenceId = 0;
      },
    });
    // The default handlers answer COM_QUERY with an error when nobody listens; every command is
    // handled in the `packet` listener below instead (it also tells COM_QUERY "SET …", which mysql2
    // routes to `stmt_prepare`, from a real COM_STMT_PREPARE).
    connection.on('query', () => undefined);
    connection.on('stmt_prepare', () => undefined);
    connection.on('stmt_execute', () => undefined);
    connection.on('packet', ((packet: Packet, _known: boolean, command: number) => {
      if (command !== COM_QUERY && command !== COM_STMT_PREPARE && command !== COM_STMT_EXECUTE) return;
      const copy = packet.clone();
      copy.readInt8();
      const sql = command === COM_STMT_EXECUTE ? '' : copy.readString(undefined, connection.clientHelloReply?.encoding);
      const kind = command === COM_QUERY ? 'query' : command === COM_STMT_PREPARE ? 'prepare' : 'execute';
      statements.push({ connectionId: id, user: session.user, sql, kind });
      // Every answer starts at sequence 1 (the command was 0); mysql2's server side keeps counting.
      connection.sequenceId = 1;
      if (kind !== 'query') {
        connection.writeError({ code: 1064, message: 'the FE double refuses server-side prepared statements' });
        connection.sequenceId = 0;
        return;
      }
      run(session, sql)
        .then(
          async (result) => {
            connection.sequenceId = 1;
            // A generated answer is written over many turns of the event loop: the next command waits for it.
            await reply(connection, result, session, sql);
            connection.sequenceId = 0;
          },
          (error: unknown) => {
            const failure = error instanceof FeError ? error : new FeError(1064, (error as Error).message);
            connection.sequenceId = 1;
            connection.writeError({ code: failure.errno, message: failure.message });
            connection.sequenceId = 0;
          },
        )
        // A client gone while an answer is written: nothing to tell it.
        .catch(() => undefined);
    }) as never);
  });

  // mysql2's Server.listen passes its arguments to net.Server.listen (its typings name only the port).
  const listen = server.listen as unknown as (port: number, host: string, callback: () => void) => void;
  await new Promise<void>((resolve) => listen.call(server, 0, '127.0.0.1', () => resolve()));
  const port = ((server as unknown as { _server: { address(): AddressInfo } })._server.address() as AddressInfo).port;

  return {
    host: '127.0.0.1',
    port,
    user: admin.user,
    password: admin.password,
    catalog,
    killed,
    statements: () => [...statements],
    statementsOf: (connectionId) => statements.filter((s) => s.connectionId === connectionId),
    sessionVariables: (connectionId) => Object.fromEntries(sessions.get(connectionId)?.variables ?? []),
    answer(matcher, rows, answerOptions = {}) {
      canned.push({ matcher, rows, options: answerOptions });
    },
    fail(matcher, error) {
      failures.push({ matcher, error });
    },
    clearFailures() {
      failures.length = 0;
    },
    clearStatements() {
      statements.length = 0;
    },
    openConnections: () => sockets.size,
    generated: () => generatedAnswers.map((answer) => ({ ...answer })),
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    set delayMs(ms: number) {
      delayMs = ms;
    },
    set alterPolls(polls: number) {
      alterPolls = polls;
    },
    set unanswered(mode: 'error' | 'empty') {
      unanswered = mode;
    },
  };
}
