import type { DuckDBConnection } from '@duckdb/node-api';
import { OlapSqlRefusedError, OlapUnavailableError, type OlapSqlRefusal } from './errors.js';

/**
 * The SQL guard (ADR 0009): every SQL that enters the analytics engine on behalf of one tenant is
 * parsed by DuckDB's own parser (`json_serialize_sql`) and may read only the tenant's logical
 * relations and its own CTEs. Schema- or catalog-qualified names, table functions other than the
 * pure generators, DESCRIBE / SHOW / PIVOT and anything the walker does not know are refused. The
 * engines run the same text the guard checked (the relation CTEs are put in front of it).
 *
 * Plugins are trusted code: this stops mistakes (a hand-written `t_1.event_data`, a copied
 * `read_csv`), it is not a sandbox against malice. The operator-SQL sandbox extends the same
 * parse with an allow-list of node types and functions.
 */

/** Parses SQL into DuckDB's JSON AST (the text `json_serialize_sql` returns). */
export type SqlParser = (sql: string) => Promise<string>;

/** Table functions that read no data, only generate rows: allowed in FROM. */
export const generatorTableFunctions: ReadonlySet<string> = new Set(['range', 'generate_series', 'unnest']);

/** What the guard learnt from one SQL text, independent of the tenant that runs it. */
export interface SqlAnalysis {
  /** The SQL without leading blanks and comments and trailing `;`: the text parsed, checked and run. */
  body: string;
  /** Names it reads as relations (not its own CTEs), lower-cased, in order of first use. */
  relations: string[];
  /** Every CTE name it defines, lower-cased. */
  cteNames: string[];
  /** The `WITH [RECURSIVE]` that opens `body`, if it does: relation CTEs are merged in after it. */
  withOpening?: { length: number; recursive: boolean };
  /** Why the SQL is refused whatever the tenant. */
  refusal?: { reason: OlapSqlRefusal; name: string };
}

/** SQL the guard let through for one tenant: what `TenantRelations.resolve` turns into physical SQL. */
export interface CheckedSql {
  body: string;
  relations: string[];
  withOpening?: { length: number; recursive: boolean };
}

export interface OlapSqlGuardOptions {
  /** Parse results kept, by SQL text (default 500). */
  cacheSize?: number;
}

/**
 * Checks SQL against the relations a tenant may read. Parse results are cached by SQL text (report
 * models and compiled conditions repeat the same text), so the usual cost is a map lookup.
 */
export class OlapSqlGuard {
  private readonly cache = new Map<string, SqlAnalysis>();
  private readonly cacheSize: number;

  constructor(
    private readonly parse: SqlParser,
    options: OlapSqlGuardOptions = {},
  ) {
    this.cacheSize = Math.max(1, options.cacheSize ?? 500);
  }

  /** The tenant-independent analysis of `sql` (cached). */
  async analyze(sql: string): Promise<SqlAnalysis> {
    const cached = this.cache.get(sql);
    if (cached) {
      // Refresh its place: the map's insertion order is the eviction order.
      this.cache.delete(sql);
      this.cache.set(sql, cached);
      return cached;
    }
    const analysis = analyzeSqlJson(sql, await this.parse(sqlBody(sql)));
    this.cache.set(sql, analysis);
    if (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value!);
    return analysis;
  }

  /**
   * Throws `OlapSqlRefusedError` unless `sql` is one SELECT that reads only `relations` (lower-case
   * logical names) and its own CTEs; returns what the engine needs to resolve and run it.
   */
  async check(sql: string, relations: ReadonlySet<string>): Promise<CheckedSql> {
    if (typeof sql !== 'string') throw new OlapSqlRefusedError('olap_sql_syntax', 'SQL');
    const analysis = await this.analyze(sql);
    if (analysis.refusal) throw new OlapSqlRefusedError(analysis.refusal.reason, analysis.refusal.name);
    const reserved = analysis.cteNames.find((name) => relations.has(name));
    if (reserved) throw new OlapSqlRefusedError('olap_sql_cte_name_reserved', `WITH ${reserved} AS (…)`);
    const unknown = analysis.relations.find((name) => !relations.has(name));
    if (unknown) throw new OlapSqlRefusedError('olap_sql_relation_unknown', unknown);
    return { body: analysis.body, relations: analysis.relations, withOpening: analysis.withOpening };
  }
}

/**
 * A parser on a DuckDB connection of its own (the engine's instance, or an in-memory one for
 * StarRocks and the report-SQL check). One parse at a time on the connection; the SQL travels as a
 * parameter, never inside the statement.
 */
export function duckDbSqlParser(
  connection: DuckDBConnection,
): SqlParser & { render(astJson: string): Promise<string>; close(): void } {
  let tail: Promise<unknown> = Promise.resolve();
  let closed = false;
  const run = (statement: string, text: string): Promise<string> => {
    if (closed) return Promise.reject(new OlapUnavailableError('olap_closed', 'the analytics engine is closed'));
    const result = tail.then(async () => {
      const reader = await connection.runAndReadAll(statement, [text]);
      return String(reader.getRows()[0]![0]);
    });
    tail = result.catch(() => undefined);
    return result;
  };
  const parse = (sql: string): Promise<string> => run('SELECT json_serialize_sql(CAST($1 AS VARCHAR)) AS ast', sql);
  return Object.assign(parse, {
    /** SQL text for a tree `parse` returned (the operator-SQL sandbox regenerates SQL with it). */
    render(astJson: string): Promise<string> {
      return run('SELECT json_deserialize_sql(CAST($1 AS JSON)) AS sql', astJson);
    },
    close() {
      closed = true;
    },
  });
}

// ---- leading trivia ----------------------------------------------------------------------------------

const BLANK = /^[ \t\n\r\f\v]+/;

/**
 * `sql` without its leading blanks and comments. Block comments nest, as in DuckDB's lexer; an
 * unterminated one leaves the text as it is (the parse then fails). The guard parses and the
 * engine runs exactly this text, so a disagreement with the lexer can only make a query fail.
 */
export function stripLeadingTrivia(sql: string): string {
  let index = 0;
  for (;;) {
    const rest = sql.slice(index);
    const blank = BLANK.exec(rest);
    if (blank) {
      index += blank[0].length;
      continue;
    }
    if (rest.startsWith('--')) {
      const end = rest.search(/[\n\r]/);
      if (end < 0) return '';
      index += end;
      continue;
    }
    if (rest.startsWith('/*')) {
      let depth = 0;
      let at = 0;
      while (at < rest.length) {
        if (rest.startsWith('/*', at)) {
          depth += 1;
          at += 2;
        } else if (rest.startsWith('*/', at)) {
          depth -= 1;
          at += 2;
          if (depth === 0) break;
        } else at += 1;
      }
      if (depth !== 0) return sql.slice(index);
      index += at;
      continue;
    }
    return sql.slice(index);
  }
}

/**
 * The text the guard parses and the engine runs: `sql` without leading blanks and comments and
 * without trailing semicolons (so it can also stand as a subquery). A trailing `;` is either the
 * statement's terminator or inside a trailing `--` comment: dropping it changes nothing else.
 */
export function sqlBody(sql: string): string {
  return stripLeadingTrivia(sql).replace(/[ \t\n\r\f\v;]+$/, '');
}

const WITH_OPENING = /^with[ \t\n\r\f\v]+(recursive[ \t\n\r\f\v]+)?/i;

// ---- the AST walk -------------------------------------------------------------------------------------

type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

const QUERY_NODES = new Set(['SELECT_NODE', 'SET_OPERATION_NODE', 'RECURSIVE_CTE_NODE']);
const TABLE_REFS = new Set(['BASE_TABLE', 'JOIN', 'SUBQUERY', 'TABLE_FUNCTION', 'EXPRESSION_LIST', 'EMPTY']);
const NEUTRAL = new Set([
  'ORDER_MODIFIER',
  'LIMIT_MODIFIER',
  'LIMIT_PERCENT_MODIFIER',
  'DISTINCT_MODIFIER',
  'ORDER_DEFAULT',
  'ASCENDING',
  'DESCENDING',
]);
const UNSUPPORTED_NAMES: Record<string, string> = {
  SHOW_REF: 'DESCRIBE / SHOW / SUMMARIZE',
  PIVOT: 'PIVOT / UNPIVOT',
};

class Refused extends Error {
  constructor(
    readonly reason: OlapSqlRefusal,
    readonly refused: string,
  ) {
    super(`${reason}: ${refused}`);
  }
}

/** Scopes of visible CTE names, innermost last. */
type Scope = readonly ReadonlySet<string>[];

const qualified = (...parts: unknown[]): string =>
  parts
    .filter((p) => typeof p === 'string' && p !== '')
    .map(String)
    .join('.');

class Walker {
  readonly relations: string[] = [];
  readonly cteNames = new Set<string>();

  visit(value: unknown, scope: Scope): void {
    if (Array.isArray(value)) {
      for (const item of value) this.visit(item, scope);
      return;
    }
    if (!isObject(value)) return;
    if (typeof value.class === 'string') {
      this.expression(value, scope);
      return;
    }
    const type = value.type;
    if (typeof type !== 'string') {
      for (const child of Object.values(value)) this.visit(child, scope);
      return;
    }
    if (QUERY_NODES.has(type)) this.queryNode(value, scope);
    else if (TABLE_REFS.has(type)) this.tableRef(value, scope);
    else if (NEUTRAL.has(type) || type.endsWith('_TYPE_INFO')) {
      for (const child of Object.values(value)) this.visit(child, scope);
    } else throw new Refused('olap_sql_unsupported', UNSUPPORTED_NAMES[type] ?? type);
  }

  private expression(node: JsonObject, scope: Scope): void {
    if (node.class === 'FUNCTION') {
      // DuckDB itself writes `main.list_value(…)` for `[…]`; any other qualifier names a schema.
      if ((node.schema && node.schema !== 'main') || node.catalog) {
        throw new Refused('olap_sql_qualified_name', `${qualified(node.catalog, node.schema, node.function_name)}()`);
      }
    }
    for (const child of Object.values(node)) this.visit(child, scope);
  }

  /** A SELECT, set operation or recursive CTE with its own WITH: each CTE sees the ones before it. */
  private queryNode(node: JsonObject, scope: Scope): void {
    const ctes = isObject(node.cte_map) && Array.isArray(node.cte_map.map) ? node.cte_map.map : [];
    const local: string[] = [];
    for (const entry of ctes) {
      if (!isObject(entry) || typeof entry.key !== 'string') throw new Refused('olap_sql_unsupported', 'WITH');
      const name = entry.key.toLowerCase();
      this.cteNames.add(name);
      this.visit(entry.value, [...scope, new Set(local)]);
      local.push(name);
    }
    const inner = [...scope, new Set(local)];
    for (const [key, child] of Object.entries(node)) {
      if (key === 'cte_map') continue;
      if (node.type === 'RECURSIVE_CTE_NODE' && key === 'right' && typeof node.cte_name === 'string') {
        // The recursive part of `WITH RECURSIVE r AS (… UNION ALL … FROM r)` reads r itself.
        this.visit(child, [...inner, new Set([node.cte_name.toLowerCase()])]);
      } else this.visit(child, inner);
    }
  }

  private tableRef(ref: JsonObject, scope: Scope): void {
    switch (ref.type) {
      case 'BASE_TABLE': {
        if (ref.schema_name || ref.catalog_name) {
          throw new Refused('olap_sql_qualified_name', qualified(ref.catalog_name, ref.schema_name, ref.table_name));
        }
        if (ref.at_clause) throw new Refused('olap_sql_unsupported', 'AT (…)');
        const name = String(ref.table_name).toLowerCase();
        if (!scope.some((names) => names.has(name)) && !this.relations.includes(name)) this.relations.push(name);
        this.visit(ref.sample, scope);
        return;
      }
      case 'TABLE_FUNCTION': {
        const fn = ref.function;
        if (!isObject(fn) || typeof fn.function_name !== 'string') throw new Refused('olap_sql_unsupported', 'TABLE_FUNCTION');
        if (fn.schema || fn.catalog) {
          throw new Refused('olap_sql_qualified_name', `${qualified(fn.catalog, fn.schema, fn.function_name)}()`);
        }
        if (!generatorTableFunctions.has(fn.function_name.toLowerCase())) {
          throw new Refused('olap_sql_table_function', `${fn.function_name}()`);
        }
        for (const child of Object.values(ref)) this.visit(child, scope);
        return;
      }
      default:
        // JOIN, SUBQUERY, EXPRESSION_LIST (VALUES), EMPTY: what matters is inside.
        for (const child of Object.values(ref)) this.visit(child, scope);
    }
  }
}

/** The analysis of `sql` from the AST DuckDB returned for its body. */
export function analyzeSqlJson(sql: string, astJson: string): SqlAnalysis {
  const body = sqlBody(sql);
  const refuse = (reason: OlapSqlRefusal, name: string): SqlAnalysis => ({
    body,
    relations: [],
    cteNames: [],
    refusal: { reason, name },
  });
  let ast: JsonObject;
  try {
    ast = JSON.parse(astJson) as JsonObject;
  } catch {
    return refuse('olap_sql_syntax', 'SQL');
  }
  if (ast.error) {
    const message = typeof ast.error_message === 'string' ? ast.error_message : 'SQL';
    if (/only select statements/i.test(message)) return refuse('olap_sql_not_select', firstWord(body));
    return refuse('olap_sql_syntax', message);
  }
  const statements = Array.isArray(ast.statements) ? ast.statements : [];
  if (statements.length === 0) return refuse('olap_sql_not_select', 'SQL');
  if (statements.length > 1) return refuse('olap_sql_multiple_statements', `${statements.length} statements`);
  const statement = statements[0];
  const top = isObject(statement) && isObject(statement.node) ? statement.node : undefined;
  if (!top || typeof top.type !== 'string' || !QUERY_NODES.has(top.type)) return refuse('olap_sql_unsupported', 'SQL');

  const walker = new Walker();
  try {
    walker.visit(top, []);
  } catch (error) {
    if (error instanceof Refused) return refuse(error.reason, error.refused);
    throw error;
  }
  const opening = WITH_OPENING.exec(body);
  const topCtes = isObject(top.cte_map) && Array.isArray(top.cte_map.map) ? top.cte_map.map.length : 0;
  // The relation CTEs are merged into an opening WITH by text: only where text and AST agree.
  if (opening && topCtes === 0) return refuse('olap_sql_unsupported', 'WITH');
  return {
    body,
    relations: walker.relations,
    cteNames: [...walker.cteNames],
    ...(opening ? { withOpening: { length: opening[0].length, recursive: Boolean(opening[1]) } } : {}),
  };
}

function firstWord(body: string): string {
  return /^[A-Za-z_]+/.exec(body)?.[0]?.toUpperCase() ?? 'SQL';
}
